//! Persistence for pulje: one query layer over SQLite and PostgreSQL.
//!
//! Queries are plain SQL written once in the dialect both databases share, run through sqlx's
//! `Any` driver, which picks the backend from the URL at run time. Only migrations (one tree per
//! backend) and a handful of operational commands differ between the two.
//!
//! Conventions: dates are ISO-8601 text, timestamps RFC 3339 text in UTC (both compare correctly
//! as text), money is integer øre, ids are 64-bit integers; at the boundary they are the domain's
//! types (`RegionCode`, `Ore`, typed ids such as `ApplicationId`), decoded from and bound as those
//! integers. Every change goes through a
//! transaction from [`Handle::begin`] (one-shot programs: [`Db::begin`]) and writes its audit entry in that same transaction.

pub mod account_links;
pub mod amendments;
pub mod application_page;
pub mod applications;
pub mod attachments;
pub mod audit;
mod bulk;
pub mod calendar;
pub mod catalogue;
mod db;
pub mod definitions;
pub mod demo;
mod error;
pub mod evaluations;
pub mod list_filters;
pub mod logins;
pub mod mail_templates;
pub mod meetings;
pub mod money;
pub mod open_data;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod org;
pub mod outbox;
pub mod password;
pub mod payroll;
pub mod programme_applications;
pub mod programme_evaluations;
pub mod programme_files;
pub mod programme_reports;
pub mod programme_review;
pub mod programmes;
pub mod reference;
pub mod reports;
pub mod review;
pub mod search;
pub mod second_factor;
pub mod sessions;
pub mod signing;
mod sql;
pub mod sso;
pub mod tasks;
pub mod trials;
pub mod users;
pub mod versions;
pub mod workflow;

use pulje_domain::RegionCode;

pub use audit::Actor;
pub use db::{restore_sqlite, Backend, Conn, Db, Handle, Tx};
pub use error::{Result, StoreError};
/// A database connection, as the store's functions take it.
pub use sqlx::AnyConnection as Connection;
/// The database driver's error, for callers that commit transactions.
pub use sqlx::Error as DbError;

/// The current time as stored: RFC 3339 in UTC with whole seconds.
pub fn now_utc() -> String {
    timestamp(chrono::Utc::now())
}

pub fn timestamp(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A region code read as a number; a number that is not one is an internal error.
pub(crate) fn region_of(code: i64) -> Result<RegionCode> {
    RegionCode::try_from(code).map_err(|e| StoreError::Other(anyhow::Error::new(e)))
}

/// A region code column.
/// An optional id column as its typed id (sqlx's `try_from` cannot target an `Option`).
pub(crate) fn opt_id<T: From<i64>>(row: &sqlx::any::AnyRow, col: &str) -> sqlx::Result<Option<T>> {
    use sqlx::Row;
    Ok(row.try_get::<Option<i64>, _>(col)?.map(T::from))
}

/// An optional region code column as a `RegionCode`.
pub(crate) fn opt_region_col(
    row: &sqlx::any::AnyRow,
    col: &str,
) -> sqlx::Result<Option<RegionCode>> {
    use sqlx::Row;
    match row.try_get::<Option<i64>, _>(col)? {
        None => Ok(None),
        Some(_) => region_col(row, col).map(Some),
    }
}

pub(crate) fn region_col(row: &sqlx::any::AnyRow, col: &str) -> sqlx::Result<RegionCode> {
    use sqlx::Row;
    let code: i64 = row.try_get(col)?;
    RegionCode::try_from(code).map_err(|e| sqlx::Error::ColumnDecode {
        index: col.into(),
        source: Box::new(e),
    })
}

/// A stored ISO date back to a civil date.
pub(crate) fn date_of(text: Option<String>) -> Option<chrono::NaiveDate> {
    text.and_then(|t| chrono::NaiveDate::parse_from_str(&t, "%Y-%m-%d").ok())
}

pub(crate) fn date_text(date: Option<chrono::NaiveDate>) -> Option<String> {
    date.map(|d| d.format("%Y-%m-%d").to_string())
}
