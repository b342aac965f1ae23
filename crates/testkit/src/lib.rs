//! Test support shared by the store, web and CLI tests. Used only as a dev-dependency.
//!
//! - [`tools`]: the external tools some tests need (PostgreSQL, Chromium, axe-core), how to find
//!   them, and the build-script half that reports a test as ignored when its tool is missing.
//! - [`TestDb`]: a database of its own per test on either backend, cloned from a template
//!   migrated once per test process, removed when the test ends.
//! - [`TestApp`] (feature `app`): the web application on a free port over a [`TestDb`], with
//!   HTTP clients that log in like a browser (`app.client_as(Role::Leader, Some(1082))`).
//!
//! Tests that run on both backends use [`on_both_backends!`]; its PostgreSQL variants are
//! reported as ignored without `PULJE_TEST_POSTGRES_URL` (see [`tools`]).

pub mod tools;

mod db;
pub use db::{next_number, postgres_admin_url, with_database, Backend, TestDb};

#[cfg(feature = "app")]
mod app;
#[cfg(feature = "app")]
pub use app::{hidden_value, unescape, Client, Resp, TestApp, TestUser, PASSWORD};

/// Runs each named `async fn(TestDb)` as two tests, `sqlite::NAME` and `postgres::NAME`, each on
/// a fresh migrated database. Without `PULJE_TEST_POSTGRES_URL` the PostgreSQL ones are
/// reported as ignored, naming PostgreSQL, never as passed. Needs `cfg(pulje_postgres)` from the
/// crate's build script ([`tools::build_script`]).
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::TestDb::new($crate::Backend::Sqlite).await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                #[cfg_attr(
                    not(pulje_postgres),
                    ignore = "needs PostgreSQL: PULJE_TEST_POSTGRES_URL is not set (scripts/install-test-tools)"
                )]
                async fn $name() {
                    super::$name($crate::TestDb::new($crate::Backend::Postgres).await).await;
                }
            )*
        }
    };
}
