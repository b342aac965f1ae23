//! The audit log: who changed what, when, with the values before and after.
//!
//! [`record`] takes the transaction of the change itself, so a change and its audit entry are
//! stored together or not at all.

use crate::{now_utc, Result, Tx};
use serde::Serialize;
use sqlx::{AnyConnection, FromRow};

/// Who is making a change.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<i64>,
    /// A readable name for the log: the user's e-mail, or `system`/`cli`.
    pub label: String,
}

impl Actor {
    pub fn user(id: i64, email: &str) -> Actor {
        Actor {
            user_id: Some(id),
            label: email.to_string(),
        }
    }

    pub fn system(label: &str) -> Actor {
        Actor {
            user_id: None,
            label: label.to_string(),
        }
    }
}

/// Writes one audit entry inside the change's transaction.
#[allow(clippy::too_many_arguments)]
pub async fn record<B: Serialize, A: Serialize>(
    tx: &mut Tx,
    actor: &Actor,
    region_code: Option<i64>,
    entity: &str,
    entity_id: impl ToString,
    action: &str,
    before: Option<&B>,
    after: Option<&A>,
) -> Result<()> {
    let before = before
        .map(serde_json::to_string)
        .transpose()
        .map_err(anyhow::Error::new)?;
    let after = after
        .map(serde_json::to_string)
        .transpose()
        .map_err(anyhow::Error::new)?;
    sqlx::query(
        "INSERT INTO audit_log (at, user_id, actor, region_code, entity, entity_id, action, before_json, after_json) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(now_utc())
    .bind(actor.user_id)
    .bind(&actor.label)
    .bind(region_code)
    .bind(entity)
    .bind(entity_id.to_string())
    .bind(action)
    .bind(before)
    .bind(after)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Nothing, for `before` or `after` when there is no value.
pub const NONE: Option<&()> = None;

#[derive(Debug, Clone, FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Entry {
    pub id: i64,
    pub at: String,
    pub user_id: Option<i64>,
    pub actor: String,
    pub region_code: Option<i64>,
    pub entity: String,
    pub entity_id: String,
    pub action: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only entries of this region (and none without a region) when set.
    pub region_code: Option<i64>,
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    /// A part of the actor's label.
    pub actor: Option<String>,
    pub before_id: Option<i64>,
}

/// Newest first, at most `limit` entries.
pub async fn list(conn: &mut AnyConnection, filter: &Filter, limit: i64) -> Result<Vec<Entry>> {
    let rows = sqlx::query_as::<_, Entry>(
        "SELECT id, at, user_id, actor, region_code, entity, entity_id, action, before_json, after_json \
         FROM audit_log \
         WHERE ($1 IS NULL OR region_code = $1) \
           AND ($2 IS NULL OR entity = $2) \
           AND ($3 IS NULL OR entity_id = $3) \
           AND ($4 IS NULL OR LOWER(actor) LIKE '%' || LOWER($4) || '%') \
           AND ($5 IS NULL OR id < $5) \
         ORDER BY id DESC LIMIT $6",
    )
    .bind(filter.region_code)
    .bind(filter.entity.as_deref())
    .bind(filter.entity_id.as_deref())
    .bind(filter.actor.as_deref())
    .bind(filter.before_id)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    Ok(rows)
}
