//! Data versions: a counter per region, and one for national data, that every audited change
//! bumps inside its own transaction (the [`crate::audit`] functions do it) — every change but
//! signing in and out and API tokens, from which no view is computed.
//!
//! Whatever is computed from a region's data (its dashboard counts, its report) can be kept
//! between requests labelled with the version it was computed from; one indexed read then tells
//! whether it is still current, on every server instance that shares the database. Read the
//! version *before* the data: a change committed in between makes the label older than the data,
//! which costs one extra recomputation and never shows stale figures.
//!
//! Each row holds two counters: `version` grows with every change, `report_version` with every
//! change the reports can show ([`Reach`]). Applications move through drafts and review many
//! times a day; the reports show only approved ones, so those moves leave a kept report current.

use crate::reports::APPROVED;
use crate::{Result, Tx};
use pulje_domain::ApplicationStatus;
use sqlx::AnyConnection;

/// The row for changes that belong to no region (programmes, national reference data).
const NATIONAL: i64 = 0;

/// Which kept views a change can alter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reach {
    /// None: signing in and out, API tokens. No view is computed from credentials.
    Nothing,
    /// Counts and lists, not the reports: a change to an application that is not approved
    /// before or after it.
    NotReports,
    /// Everything computed from the region's data.
    All,
}

/// What an audited change can alter, from its entity and the values before and after as the
/// audit log stores them (JSON). Only a change to an application whose status, before and
/// after, is known and not approved (or which did not exist before or after) stays out of the
/// reports; anything else, including an application entry whose values carry no status (a
/// payment, a review), reaches everything.
pub(crate) fn reach(entity: &str, before: Option<&str>, after: Option<&str>) -> Reach {
    if matches!(entity, "session" | "api_token") {
        return Reach::Nothing;
    }
    if entity != "application" || (before.is_none() && after.is_none()) {
        return Reach::All;
    }
    let not_approved = |json: Option<&str>| match json {
        None => true,
        Some(json) => status_in(json).is_some_and(|s| !APPROVED.contains(&s)),
    };
    if not_approved(before) && not_approved(after) {
        Reach::NotReports
    } else {
        Reach::All
    }
}

/// The `status` of an application as the audit log stores it.
fn status_in(json: &str) -> Option<ApplicationStatus> {
    #[derive(serde::Deserialize)]
    struct Status {
        status: String,
    }
    serde_json::from_str::<Status>(json)
        .ok()
        .and_then(|s| ApplicationStatus::parse(&s.status))
}

/// Counts a change to `region_code`'s data (`None`: national data).
pub(crate) async fn bump(tx: &mut Tx<'_>, region_code: Option<i64>, reach: Reach) -> Result<()> {
    if reach == Reach::Nothing {
        return Ok(());
    }
    let reports = i64::from(reach == Reach::All);
    sqlx::query(
        "INSERT INTO data_versions (region_code, version, report_version) VALUES ($1, 1, $2) \
         ON CONFLICT (region_code) DO UPDATE SET version = data_versions.version + 1, \
         report_version = data_versions.report_version + $2",
    )
    .bind(region_code.unwrap_or(NATIONAL))
    .bind(reports)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The version of everything a region's views are computed from: its own data and the national
/// data. It grows with every change to either.
pub async fn of_region(conn: &mut AnyConnection, region_code: i64) -> Result<i64> {
    sum_for_region(conn, "version", region_code).await
}

/// The version of what a region's report shows ([`Reach::All`]): it grows with every change to
/// the region's or the national data except those that cannot show in a report.
pub async fn of_region_reports(conn: &mut AnyConnection, region_code: i64) -> Result<i64> {
    sum_for_region(conn, "report_version", region_code).await
}

async fn sum_for_region(conn: &mut AnyConnection, column: &str, region_code: i64) -> Result<i64> {
    // Two lookups by key: SQLite would build `region_code IN ($1, $2)` as a temporary table.
    Ok(sqlx::query_scalar(&format!(
        "SELECT CAST(COALESCE((SELECT {column} FROM data_versions WHERE region_code = $1), 0) \
         + COALESCE((SELECT {column} FROM data_versions WHERE region_code = $2), 0) AS BIGINT)"
    ))
    .bind(NATIONAL)
    .bind(region_code)
    .fetch_one(conn)
    .await?)
}

/// The versions as one user's request sees them, read in the same statement as the request's
/// session ([`crate::sessions::find`]), so the request's kept views need no read of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Known {
    /// The user's region, whose versions these are; `None` for national users.
    pub region_code: Option<i64>,
    /// [`of_all`].
    pub all: i64,
    /// [`of_region`] of the user's region.
    pub region: i64,
    /// [`of_region_reports`] of the user's region.
    pub region_reports: i64,
}

impl Known {
    /// [`of_region`] for `region_code`, if it is the user's region.
    pub fn of_region(&self, region_code: i64) -> Option<i64> {
        (self.region_code == Some(region_code)).then_some(self.region)
    }

    /// [`of_region_reports`] for `region_code`, if it is the user's region.
    pub fn of_region_reports(&self, region_code: i64) -> Option<i64> {
        (self.region_code == Some(region_code)).then_some(self.region_reports)
    }

    /// The columns that read these versions in a statement on `users u`, named as
    /// [`Known::from_row`] reads them.
    pub(crate) fn columns() -> String {
        // Two lookups by key rather than `region_code IN (0, u.region_code)`: SQLite builds an
        // IN list with a column in it as a temporary table, with its own page cache, for every
        // row — which here is every request.
        let of_user = |column: &str| {
            format!(
                "(COALESCE((SELECT {column} FROM data_versions WHERE region_code = {NATIONAL}), 0) \
                 + COALESCE((SELECT {column} FROM data_versions WHERE region_code = u.region_code), 0))"
            )
        };
        format!(
            "(SELECT CAST(COALESCE(SUM(version), 0) AS BIGINT) FROM data_versions) AS versions_all, \
             CAST({} AS BIGINT) AS versions_region, CAST({} AS BIGINT) AS versions_region_reports",
            of_user("version"),
            of_user("report_version")
        )
    }

    pub(crate) fn from_row(row: &sqlx::any::AnyRow, region_code: Option<i64>) -> Result<Known> {
        use sqlx::Row;
        Ok(Known {
            region_code,
            all: row.try_get("versions_all")?,
            region: row.try_get("versions_region")?,
            region_reports: row.try_get("versions_region_reports")?,
        })
    }
}

/// The version of all data, for views across the regions. It grows with every change.
pub async fn of_all(conn: &mut AnyConnection) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT CAST(COALESCE(SUM(version), 0) AS BIGINT) FROM data_versions")
            .fetch_one(conn)
            .await?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const DRAFT: &str = r#"{"id":7,"status":"draft","title":"Ny rolle"}"#;
    const SUBMITTED: &str = r#"{"id":7,"status":"submitted","title":"Ny rolle"}"#;
    const READY: &str = r#"{"id":7,"status":"ready_for_decision","title":"Ny rolle"}"#;
    const APPROVED_: &str = r#"{"id":7,"status":"awaiting_signatures","title":"Ny rolle"}"#;
    const ACTIVE: &str = r#"{"id":7,"status":"active","title":"Ny rolle"}"#;

    #[test]
    fn applications_on_their_way_do_not_reach_the_reports() {
        assert_eq!(reach("application", None, Some(DRAFT)), Reach::NotReports);
        assert_eq!(
            reach("application", Some(DRAFT), Some(SUBMITTED)),
            Reach::NotReports
        );
        assert_eq!(
            reach("application", Some(SUBMITTED), Some(READY)),
            Reach::NotReports
        );
        assert_eq!(reach("application", Some(DRAFT), None), Reach::NotReports);
    }

    #[test]
    fn approval_and_changes_to_approved_applications_reach_everything() {
        assert_eq!(
            reach("application", Some(READY), Some(APPROVED_)),
            Reach::All
        );
        assert_eq!(
            reach("application", Some(APPROVED_), Some(ACTIVE)),
            Reach::All
        );
        assert_eq!(reach("application", Some(ACTIVE), Some(READY)), Reach::All);
        assert_eq!(reach("application", Some(ACTIVE), None), Reach::All);
    }

    #[test]
    fn signing_in_and_tokens_reach_nothing() {
        assert_eq!(reach("session", None, Some("{}")), Reach::Nothing);
        assert_eq!(reach("api_token", Some("{}"), Some("{}")), Reach::Nothing);
    }

    #[test]
    fn anything_unclear_reaches_everything() {
        // Values without a status (a payment, a review) or with one not known.
        assert_eq!(
            reach("application", Some("{}"), Some(r#"{"amount_ore":5}"#)),
            Reach::All
        );
        assert_eq!(
            reach("application", Some(DRAFT), Some(r#"{"status":"ukendt"}"#)),
            Reach::All
        );
        assert_eq!(reach("application", None, None), Reach::All);
        assert_eq!(
            reach("application", Some("ikke json"), Some(DRAFT)),
            Reach::All
        );
        // Other entities always, except credentials.
        assert_eq!(reach("user", None, Some("{}")), Reach::All);
        assert_eq!(
            reach("evaluation", Some(DRAFT), Some(SUBMITTED)),
            Reach::All
        );
        assert_eq!(reach("historic_trial", None, Some("{}")), Reach::All);
    }
}
