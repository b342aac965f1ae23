//! The evaluation of an application of a programme defined as data, filled in on the evaluation
//! form of its definition (`Definition::evaluation`). OK21's agreements keep their built-in
//! evaluation in `evaluations`.
//!
//! One row per application: the form's values as JSON in the shape
//! `pulje_domain::programme::values::read` takes, `draft` until submitted (then final), and a
//! version that a save must name, so a save made on an old copy is refused. Every save is
//! audited in its transaction.

use crate::audit::{self, Actor, Audited};
use crate::{now_utc, opt_id, region_col, Result, StoreError, Tx};
use pulje_domain::{ApplicationId, RegionCode, UserId};
use serde::Serialize;
use serde_json::{Map, Value as Json};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, FromRow, Row};

/// A programme application's evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProgrammeEvaluation {
    pub application_id: ApplicationId,
    pub region_code: RegionCode,
    /// The definition version whose evaluation form it was filled in on.
    pub definition_version: u32,
    /// `draft` or `submitted`.
    pub status: String,
    pub version: i64,
    /// The form's values by field name.
    pub fields: Map<String, Json>,
    pub updated_by: Option<UserId>,
    pub created_at: String,
    pub updated_at: String,
    pub submitted_at: Option<String>,
}

impl ProgrammeEvaluation {
    pub fn is_submitted(&self) -> bool {
        self.status == "submitted"
    }
}

impl Audited for ProgrammeEvaluation {
    const ENTITY: &'static str = "programme_evaluation";
    fn audit_id(&self) -> String {
        self.application_id.to_string()
    }
    fn audit_region(&self) -> Option<RegionCode> {
        Some(self.region_code)
    }
}

fn decode<T>(column: &str, e: impl std::fmt::Display) -> sqlx::Result<T> {
    Err(sqlx::Error::ColumnDecode {
        index: column.into(),
        source: e.to_string().into(),
    })
}

impl FromRow<'_, AnyRow> for ProgrammeEvaluation {
    fn from_row(r: &AnyRow) -> sqlx::Result<Self> {
        let fields: String = r.try_get("fields")?;
        let fields = match serde_json::from_str::<Json>(&fields) {
            Ok(Json::Object(map)) => map,
            Ok(_) => return decode("fields", "not an object"),
            Err(e) => return decode("fields", e),
        };
        let version: i64 = r.try_get("definition_version")?;
        let Ok(definition_version) = u32::try_from(version) else {
            return decode("definition_version", version);
        };
        Ok(ProgrammeEvaluation {
            application_id: ApplicationId::new(r.try_get("application_id")?),
            region_code: region_col(r, "region_code")?,
            definition_version,
            status: r.try_get("status")?,
            version: r.try_get("version")?,
            fields,
            updated_by: opt_id(r, "updated_by")?,
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
            submitted_at: r.try_get("submitted_at")?,
        })
    }
}

/// The evaluation of application `id`, if one has been begun.
pub async fn get(
    conn: &mut AnyConnection,
    id: ApplicationId,
) -> Result<Option<ProgrammeEvaluation>> {
    Ok(sqlx::query_as(
        "SELECT e.application_id, a.region_code, e.definition_version, e.status, e.version, \
           e.fields, e.updated_by, e.created_at, e.updated_at, e.submitted_at \
         FROM programme_evaluations e JOIN applications a ON a.id = e.application_id \
         WHERE e.application_id = $1",
    )
    .bind(id.get())
    .fetch_optional(conn)
    .await?)
}

/// What a save writes.
#[derive(Debug, Clone)]
pub struct Save<'a> {
    pub application_id: ApplicationId,
    pub definition_version: u32,
    /// The version the save is based on: 0 for an evaluation not begun.
    pub expected_version: i64,
    /// The checked values, as `values::to_fields` gives them.
    pub fields: &'a Map<String, Json>,
    /// Submitted (final) rather than a draft.
    pub submit: bool,
}

/// Saves the evaluation as a draft or submits it, if `expected_version` is the current one
/// (0 when none is stored yet) and it is not submitted already; otherwise [`StoreError::Stale`]
/// (or [`StoreError::Conflict`] for a submitted one).
pub async fn save(tx: &mut Tx<'_>, actor: &Actor, save: &Save<'_>) -> Result<ProgrammeEvaluation> {
    let id = save.application_id;
    let before = get(tx, id).await?;
    if before
        .as_ref()
        .is_some_and(ProgrammeEvaluation::is_submitted)
    {
        return Err(StoreError::Conflict(
            "Evalueringen er sendt og kan ikke ændres.".into(),
        ));
    }
    let now = now_utc();
    let status = if save.submit { "submitted" } else { "draft" };
    let submitted_at = save.submit.then(|| now.clone());
    let fields = serde_json::to_string(save.fields).map_err(anyhow::Error::new)?;
    let done = if before.is_none() {
        if save.expected_version != 0 {
            return Err(StoreError::Stale);
        }
        sqlx::query(
            "INSERT INTO programme_evaluations (application_id, definition_version, fields, status, \
               version, updated_by, created_at, updated_at, submitted_at) \
             VALUES ($1, $2, $3, $4, 1, $5, $6, $6, $7) ON CONFLICT (application_id) DO NOTHING",
        )
        .bind(id.get())
        .bind(i64::from(save.definition_version))
        .bind(&fields)
        .bind(status)
        .bind(actor.user_id.map(UserId::get))
        .bind(&now)
        .bind(&submitted_at)
        .execute(&mut **tx)
        .await?
    } else {
        sqlx::query(
            "UPDATE programme_evaluations SET definition_version = $1, fields = $2, status = $3, \
               version = version + 1, updated_by = $4, updated_at = $5, submitted_at = $6 \
             WHERE application_id = $7 AND version = $8 AND status = 'draft'",
        )
        .bind(i64::from(save.definition_version))
        .bind(&fields)
        .bind(status)
        .bind(actor.user_id.map(UserId::get))
        .bind(&now)
        .bind(&submitted_at)
        .bind(id.get())
        .bind(save.expected_version)
        .execute(&mut **tx)
        .await?
    };
    if done.rows_affected() == 0 {
        return Err(StoreError::Stale);
    }
    let after = get(tx, id).await?.ok_or(StoreError::NotFound)?;
    match &before {
        None if save.submit => audit::step(tx, actor, "submit", None, &after).await?,
        None => audit::created(tx, actor, &after).await?,
        Some(before) if save.submit => {
            audit::step(tx, actor, "submit", Some(before), &after).await?
        }
        Some(before) => audit::changed(tx, actor, before, &after).await?,
    }
    Ok(after)
}
