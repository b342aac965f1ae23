//! Historic trials: a region's trials imported from its overview lists, ready for reports and
//! the idea catalogue.

use crate::audit::{self, Actor};
use crate::{now_utc, Result, StoreError, Tx};
use serde::Serialize;
use sqlx::{AnyConnection, FromRow};

/// One row of a region's trial list, as imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewTrial {
    pub number: i64,
    pub hospital: String,
    pub department: String,
    pub area: String,
    pub doctor_count: i64,
    pub title: String,
    pub evaluation_attached: bool,
}

#[derive(Debug, Clone, FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Trial {
    pub id: i64,
    pub programme_id: String,
    #[cfg_attr(feature = "openapi", schema(minimum = 1081, maximum = 1085))]
    pub region_code: i64,
    pub number: i64,
    pub hospital: String,
    pub department: String,
    pub area: String,
    pub doctor_count: i64,
    pub title: String,
    pub evaluation_attached: i64,
    pub source: String,
}

impl audit::Audited for Trial {
    const ENTITY: &'static str = "historic_trial";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_region(&self) -> Option<i64> {
        Some(self.region_code)
    }
}

const COLUMNS: &str = "id, programme_id, region_code, number, hospital, department, area, \
                       doctor_count, title, evaluation_attached, source";

/// What an import did: rows added, and rows whose number existed and were updated.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Imported {
    pub added: usize,
    pub updated: usize,
}

/// Stores a list's rows in the caller's transaction. A number the region already has is
/// updated (a corrected list replaces the earlier rows), each change audited.
pub async fn import(
    tx: &mut Tx<'_>,
    actor: &Actor,
    programme_id: &str,
    region_code: i64,
    source: &str,
    rows: &[NewTrial],
) -> Result<Imported> {
    let mut seen = std::collections::HashSet::new();
    for row in rows {
        if row.number <= 0 {
            return Err(StoreError::Refused(format!(
                "Forsøgets nummer skal være et positivt tal (fik {}).",
                row.number
            )));
        }
        if !seen.insert(row.number) {
            return Err(StoreError::Refused(format!(
                "Forsøg nr. {} står mere end én gang i listen.",
                row.number
            )));
        }
        if row.doctor_count < 0 {
            return Err(StoreError::Refused(format!(
                "Antal afdelingslæger i forsøg nr. {} kan ikke være negativt.",
                row.number
            )));
        }
    }
    let mut result = Imported::default();
    let now = now_utc();
    for row in rows {
        let before = sqlx::query_as::<_, Trial>(&format!(
            "SELECT {COLUMNS} FROM historic_trials WHERE programme_id = $1 AND region_code = $2 AND number = $3"
        ))
        .bind(programme_id)
        .bind(region_code)
        .bind(row.number)
        .fetch_optional(&mut **tx)
        .await?;
        let after = match &before {
            Some(old) => {
                result.updated += 1;
                sqlx::query_as::<_, Trial>(&format!(
                    "UPDATE historic_trials SET hospital = $2, department = $3, area = $4, doctor_count = $5, \
                     title = $6, evaluation_attached = $7, source = $8 WHERE id = $1 RETURNING {COLUMNS}"
                ))
                .bind(old.id)
                .bind(&row.hospital)
                .bind(&row.department)
                .bind(&row.area)
                .bind(row.doctor_count)
                .bind(&row.title)
                .bind(i64::from(row.evaluation_attached))
                .bind(source)
                .fetch_one(&mut **tx)
                .await?
            }
            None => {
                result.added += 1;
                sqlx::query_as::<_, Trial>(&format!(
                    "INSERT INTO historic_trials (programme_id, region_code, number, hospital, department, area, \
                     doctor_count, title, evaluation_attached, source, created_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING {COLUMNS}"
                ))
                .bind(programme_id)
                .bind(region_code)
                .bind(row.number)
                .bind(&row.hospital)
                .bind(&row.department)
                .bind(&row.area)
                .bind(row.doctor_count)
                .bind(&row.title)
                .bind(i64::from(row.evaluation_attached))
                .bind(source)
                .bind(actor.user_id)
                .bind(&now)
                .fetch_one(&mut **tx)
                .await?
            }
        };
        crate::search::index_trial(tx, after.id).await?;
        let action = if before.is_some() { "update" } else { "import" };
        audit::step(tx, actor, action, before.as_ref(), &after).await?;
    }
    Ok(result)
}

/// A region's historic trials in a programme, by number.
pub async fn list(
    conn: &mut AnyConnection,
    programme_id: &str,
    region_code: i64,
) -> Result<Vec<Trial>> {
    Ok(sqlx::query_as::<_, Trial>(&format!(
        "SELECT {COLUMNS} FROM historic_trials WHERE programme_id = $1 AND region_code = $2 ORDER BY number"
    ))
    .bind(programme_id)
    .bind(region_code)
    .fetch_all(conn)
    .await?)
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> Result<Option<Trial>> {
    Ok(sqlx::query_as::<_, Trial>(&format!(
        "SELECT {COLUMNS} FROM historic_trials WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?)
}
