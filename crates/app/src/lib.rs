//! pulje's use cases, between the store (`pulje_store`) and the adapters that call them: the web
//! server (`pulje_web`) and the command line (`pulje`). Nothing here speaks HTTP.
//!
//! - [`imports`]: agreement forms and trial lists read from files and stored, one transaction
//!   per file.
//! - [`reports`]: a region's report and the national view laid out as documents and encoded as
//!   HTML, PDF, XLSX, CSV and JSON.
//! - [`mailer`]: the outbox sent over SMTP, and the daily jobs (ending agreements, reminders).
//! - [`kept`]: views kept between requests and checked against the data version.
//! - [`programmes`]: programme definitions read from files, installed and written out.
//! - [`policy`]: who may see and do what; [`applications`], [`catalogue`], [`workflow`]: the
//!   application list and loading under the policy, the idea catalogue's search, a workflow
//!   step taken.
//! - [`programme_applications`], [`programme_review`]: applications of programmes defined as
//!   data, and their review (declarations of conflict of interest, scores, checklist).
//!
//! What reads or writes takes a [`pulje_store::Handle`] (one pooled connection at a time), or the
//! connection or transaction its caller already holds.

pub mod accounts;
pub mod applications;
pub mod calendar;
pub mod catalogue;
mod error;
pub mod files;
pub mod imports;
pub mod kept;
pub mod list_export;
pub mod mailer;
pub mod open_data;
pub mod payroll_file;
pub mod policy;
pub mod programme_applications;
pub mod programme_evaluations;
pub mod programme_files;
pub mod programme_review;
pub mod programmes;
mod public_url;
pub mod reports;
pub mod second_factor;
mod secret;
pub mod sheet;
pub mod signing;
pub mod tasks;
pub mod workflow;

pub use error::{Error, Result};
pub use public_url::PublicUrl;
pub use secret::Secret;

/// The one stylesheet: the web pages link to it, standalone report files carry it inside.
pub const STYLESHEET: &str = include_str!("../static/pulje.css");
