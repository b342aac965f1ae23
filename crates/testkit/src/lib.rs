//! Test support shared by the store, web and CLI tests. Used only as a dev-dependency.
//!
//! - [`tools`]: the external tools some tests need (PostgreSQL, Chromium, axe-core), how to find
//!   them, and the build-script half that reports a test as ignored when its tool is missing.

pub mod tools;
