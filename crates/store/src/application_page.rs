//! What an application's page shows beside the application itself: its comment thread, review
//! checklist, earlier versions, signatures, committed months and history, and the programme's
//! areas, tiers and meetings in its region for the forms on the page.
//!
//! They are read as nine JSON arrays of one statement ([`crate::bulk`]): one round trip to the
//! database instead of nine, which is most of what the page costs.

use crate::amendments::Version;
use crate::applications::Application;
use crate::bulk;
use crate::meetings::Meeting;
use crate::programmes::{Area, Tier, AREA_COLUMNS};
use crate::review::Check;
use crate::workflow::{Comment, Signature};
use crate::Result;
use pulje_domain::Ore;
use serde::Deserialize;
use sqlx::any::AnyRow;
use sqlx::AnyConnection;

/// How many history entries the page shows, newest first.
pub const HISTORY_LIMIT: i64 = 100;

#[derive(Debug, Clone, Deserialize)]
pub struct HistoryEntry {
    pub at: String,
    pub actor: String,
    pub action: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Month {
    /// The first day of the month, `YYYY-MM-DD`.
    pub month: String,
    pub amount_ore: Ore,
}

#[derive(Debug, Clone)]
pub struct Related {
    /// The programme's areas in the application's region, in their order.
    pub areas: Vec<Area>,
    /// The programme's tiers in the region, smallest first.
    pub tiers: Vec<Tier>,
    /// The region's steering group meetings, newest first.
    pub meetings: Vec<Meeting>,
    /// In the order they were given.
    pub signatures: Vec<Signature>,
    /// Oldest first.
    pub comments: Vec<Comment>,
    /// Every checklist item of the programme, with this application's tick where given.
    pub checks: Vec<Check>,
    /// Newest first.
    pub versions: Vec<Version>,
    /// In calendar order.
    pub months: Vec<Month>,
    /// Newest first, at most [`HISTORY_LIMIT`].
    pub history: Vec<HistoryEntry>,
}

#[derive(Deserialize)]
struct VersionRow {
    version: i64,
    at: String,
    resolution: String,
    snapshot_json: String,
}

/// The lists of `app`'s page. Parameters: `$1` the application, `$2` its programme, `$3` its
/// region, `$4` the application's id as the audit log's entity id.
pub async fn related(conn: &mut AnyConnection, app: &Application) -> Result<Related> {
    let history = format!(
        "SELECT id, at, actor, action FROM audit_log WHERE entity = 'application' AND entity_id = $4 \
         ORDER BY id DESC LIMIT {HISTORY_LIMIT}"
    );
    let areas = format!(
        "SELECT {} FROM areas WHERE programme_id = $2 AND region_code = $3",
        AREA_COLUMNS.join(", ")
    );
    let reads: [bulk::ArrayRead; 9] = [
        (&areas, &AREA_COLUMNS, "position, id"),
        (
            "SELECT id, programme_id, region_code, name, amount_ore FROM tiers \
             WHERE programme_id = $2 AND region_code = $3",
            &["id", "programme_id", "region_code", "name", "amount_ore"],
            "amount_ore",
        ),
        (
            "SELECT id, programme_id, region_code, held_on, place FROM meetings \
             WHERE programme_id = $2 AND region_code = $3",
            &["id", "programme_id", "region_code", "held_on", "place"],
            "held_on DESC, id DESC",
        ),
        (
            "SELECT party, signer_name, signed_at FROM signatures WHERE application_id = $1",
            &["party", "signer_name", "signed_at"],
            "signed_at",
        ),
        (
            "SELECT id, author, kind, body, at, internal FROM comments WHERE application_id = $1",
            &["id", "author", "kind", "body", "at", "internal"],
            "id",
        ),
        (
            "SELECT i.id AS item_id, i.position, i.text, COALESCE(c.checked, 0) AS checked, \
             COALESCE(c.comment, '') AS comment, u.name AS reviewer, c.at \
             FROM checklist_items i \
             LEFT JOIN review_checks c ON c.item_id = i.id AND c.application_id = $1 \
             LEFT JOIN users u ON u.id = c.user_id WHERE i.programme_id = $2",
            &[
                "item_id", "position", "text", "checked", "comment", "reviewer", "at",
            ],
            "position, item_id",
        ),
        (
            "SELECT id, version, at, resolution, snapshot_json FROM application_versions \
             WHERE application_id = $1",
            &["id", "version", "at", "resolution", "snapshot_json"],
            "id DESC",
        ),
        (
            "SELECT month, amount_ore FROM agreement_months WHERE application_id = $1",
            &["month", "amount_ore"],
            "month",
        ),
        (&history, &["id", "at", "actor", "action"], "id DESC"),
    ];
    let sql = bulk::json_arrays_sql(conn, &reads);
    let row: AnyRow = sqlx::query(&sql)
        .bind(app.id.get())
        .bind(&app.programme_id)
        .bind(app.region_code.get())
        .bind(app.id.to_string())
        .fetch_one(&mut *conn)
        .await?;
    let versions: Vec<VersionRow> = bulk::array_at(&row, 6)?;
    Ok(Related {
        areas: bulk::array_at(&row, 0)?,
        tiers: bulk::array_at(&row, 1)?,
        meetings: bulk::array_at(&row, 2)?,
        signatures: bulk::array_at(&row, 3)?,
        comments: bulk::array_at(&row, 4)?,
        checks: bulk::array_at(&row, 5)?,
        versions: versions
            .into_iter()
            .map(|v| Version::stored(v.version, v.at, v.resolution, &v.snapshot_json))
            .collect(),
        months: bulk::array_at(&row, 7)?,
        history: bulk::array_at(&row, 8)?,
    })
}
