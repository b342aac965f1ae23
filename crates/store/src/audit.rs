//! The audit log: who changed what, when, with the values before and after.
//!
//! [`record`] takes the transaction of the change itself, so a change and its audit entry are
//! stored together or not at all. It also bumps the region's data versions
//! ([`crate::versions`], the reports' counter only for changes a report can show), so views
//! computed from the region's data know they are out of date.

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
    tx: &mut Tx<'_>,
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
    let reach = crate::versions::reach(entity, before.as_deref(), after.as_deref());
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
    crate::versions::bump(tx, region_code, reach).await
}

/// Nothing, for `before` or `after` when there is no value.
pub const NONE: Option<&()> = None;

/// One audit entry: who changed what, when, with the object before and after as JSON text.
#[derive(Debug, Clone, FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
// Named apart from the catalogue's `Entry`: one document holds both.
#[cfg_attr(feature = "openapi", schema(as = AuditEntry))]
pub struct Entry {
    pub id: i64,
    pub at: String,
    pub user_id: Option<i64>,
    pub actor: String,
    #[cfg_attr(feature = "openapi", schema(minimum = 1081, maximum = 1085))]
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

/// Newest first, at most `limit` entries. Only the conditions given go into the query, so the
/// indexes on (entity, entity_id) and (region_code, id) serve it.
pub async fn list(conn: &mut AnyConnection, filter: &Filter, limit: i64) -> Result<Vec<Entry>> {
    let mut conds: Vec<String> = Vec::new();
    let mut ints: Vec<(usize, i64)> = Vec::new();
    let mut texts: Vec<(usize, String)> = Vec::new();
    let mut n = 0;
    let mut next = || {
        n += 1;
        n
    };
    if let Some(r) = filter.region_code {
        let i = next();
        conds.push(format!("region_code = ${i}"));
        ints.push((i, r));
    }
    if let Some(e) = &filter.entity {
        let i = next();
        conds.push(format!("entity = ${i}"));
        texts.push((i, e.clone()));
    }
    if let Some(e) = &filter.entity_id {
        let i = next();
        conds.push(format!("entity_id = ${i}"));
        texts.push((i, e.clone()));
    }
    if let Some(a) = &filter.actor {
        let i = next();
        conds.push(format!("LOWER(actor) LIKE ${i}"));
        texts.push((i, format!("%{}%", a.to_lowercase())));
    }
    if let Some(b) = filter.before_id {
        let i = next();
        conds.push(format!("id < ${i}"));
        ints.push((i, b));
    }
    let limit_at = next();
    let clause = if conds.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conds.join(" AND "))
    };
    let sql = format!(
        "SELECT id, at, user_id, actor, region_code, entity, entity_id, action, before_json, after_json \
         FROM audit_log{clause} ORDER BY id DESC LIMIT ${limit_at}"
    );
    // Bind in placeholder order.
    let mut q = sqlx::query_as::<_, Entry>(&sql);
    for i in 1..limit_at {
        if let Some((_, v)) = ints.iter().find(|(k, _)| *k == i) {
            q = q.bind(*v);
        } else if let Some((_, v)) = texts.iter().find(|(k, _)| *k == i) {
            q = q.bind(v.clone());
        }
    }
    Ok(q.bind(limit).fetch_all(conn).await?)
}
