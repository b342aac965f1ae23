//! Data versions: a counter per region, and one for national data, that every audited change
//! bumps inside its own transaction ([`crate::audit::record`] does it).
//!
//! Whatever is computed from a region's data (its dashboard counts, its report) can be kept
//! between requests labelled with the version it was computed from; one indexed read then tells
//! whether it is still current, on every server instance that shares the database. Read the
//! version *before* the data: a change committed in between makes the label older than the data,
//! which costs one extra recomputation and never shows stale figures.

use crate::{Result, Tx};
use sqlx::AnyConnection;

/// The row for changes that belong to no region (programmes, national reference data).
const NATIONAL: i64 = 0;

/// Counts a change to `region_code`'s data (`None`: national data).
pub(crate) async fn bump(tx: &mut Tx, region_code: Option<i64>) -> Result<()> {
    sqlx::query(
        "INSERT INTO data_versions (region_code, version) VALUES ($1, 1) \
         ON CONFLICT (region_code) DO UPDATE SET version = data_versions.version + 1",
    )
    .bind(region_code.unwrap_or(NATIONAL))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The version of everything a region's views are computed from: its own data and the national
/// data. It grows with every change to either.
pub async fn of_region(conn: &mut AnyConnection, region_code: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(version), 0) AS BIGINT) FROM data_versions WHERE region_code IN ($1, $2)",
    )
    .bind(NATIONAL)
    .bind(region_code)
    .fetch_one(conn)
    .await?)
}

/// The version of all data, for views across the regions. It grows with every change.
pub async fn of_all(conn: &mut AnyConnection) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT CAST(COALESCE(SUM(version), 0) AS BIGINT) FROM data_versions")
            .fetch_one(conn)
            .await?,
    )
}
