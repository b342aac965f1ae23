//! The audit log: who changed what, when, with the values before and after.
//!
//! An entry is written by one of [`created`], [`changed`], [`deleted`], [`step`] (a named action
//! that changed the entity) or [`noted`] (a named action whose values are something else), each
//! taking the entity (or a key naming it) as an [`Audited`] value, which gives the entry's
//! entity name, id and region. They take the transaction of the change itself, so a change and
//! its audit entry are stored together or not at all, and they bump the region's data versions
//! ([`crate::versions`], the reports' counter only for changes a report can show), so views
//! computed from the region's data know they are out of date.

use crate::sql::Sql;
use crate::{now_utc, Result, Tx};
use pulje_domain::{RegionCode, UserId};
use serde::Serialize;
use sqlx::{AnyConnection, FromRow};

/// Who is making a change.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<UserId>,
    /// A readable name for the log: the user's e-mail, or `system`/`cli`.
    pub label: String,
}

impl Actor {
    pub fn user(id: UserId, email: &str) -> Actor {
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

/// Something the audit log records changes of: a stored entity (an application, a user, a
/// round, …) or a key that names one. Its entity name, id and region are written with every
/// entry about it, and the region's data version is bumped.
pub trait Audited {
    /// The entity's name in the log (`application`, `user`, `historic_trial`, …).
    const ENTITY: &'static str;
    /// Its id in the log: the row's id, or its key as text (`ok21/1081`).
    fn audit_id(&self) -> String;
    /// Its region; `None` for national data.
    fn audit_region(&self) -> Option<RegionCode>;
}

/// `after` was created (action `create`).
pub async fn created<T: Audited + Serialize>(
    tx: &mut Tx<'_>,
    actor: &Actor,
    after: &T,
) -> Result<()> {
    write(tx, actor, after, "create", NONE, Some(after)).await
}

/// `before` was changed into `after` (action `update`).
pub async fn changed<T: Audited + Serialize>(
    tx: &mut Tx<'_>,
    actor: &Actor,
    before: &T,
    after: &T,
) -> Result<()> {
    write(tx, actor, after, "update", Some(before), Some(after)).await
}

/// `before` was deleted (action `delete`).
pub async fn deleted<T: Audited + Serialize>(
    tx: &mut Tx<'_>,
    actor: &Actor,
    before: &T,
) -> Result<()> {
    write(tx, actor, before, "delete", Some(before), NONE).await
}

/// A named step made `after` — from `before` when it existed: a workflow transition, an
/// assignment, an import (action `action`).
pub async fn step<T: Audited + Serialize>(
    tx: &mut Tx<'_>,
    actor: &Actor,
    action: &str,
    before: Option<&T>,
    after: &T,
) -> Result<()> {
    write(tx, actor, after, action, before, Some(after)).await
}

/// A named action on `subject` whose values are not the subject itself — a comment's text, the
/// application put on an agenda, a setting — or nothing (a login, a new password).
pub async fn noted<S: Audited, V: Serialize>(
    tx: &mut Tx<'_>,
    actor: &Actor,
    subject: &S,
    action: &str,
    before: Option<&V>,
    after: Option<&V>,
) -> Result<()> {
    write(tx, actor, subject, action, before, after).await
}

/// Whether `user` took the step `action` on application `id` at or after `since` (a stored
/// timestamp): a page asks it to tell a repeated click from a real conflict.
pub async fn step_taken_since(
    conn: &mut sqlx::AnyConnection,
    id: pulje_domain::ApplicationId,
    action: &str,
    user: UserId,
    since: &str,
) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE entity = 'application' AND entity_id = $1 \
           AND action = $2 AND user_id = $3 AND at >= $4",
    )
    .bind(id.get().to_string())
    .bind(action)
    .bind(user.get())
    .bind(since)
    .fetch_one(conn)
    .await?;
    Ok(n > 0)
}

/// Writes one audit entry inside the change's transaction and bumps the region's data version.
async fn write<S: Audited + ?Sized, B: Serialize + ?Sized, A: Serialize + ?Sized>(
    tx: &mut Tx<'_>,
    actor: &Actor,
    subject: &S,
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
    let entity = S::ENTITY;
    let region_code = subject.audit_region();
    let reach = crate::versions::reach(entity, before.as_deref(), after.as_deref());
    sqlx::query(
        "INSERT INTO audit_log (at, user_id, actor, region_code, entity, entity_id, action, before_json, after_json) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(now_utc())
    .bind(actor.user_id.map(UserId::get))
    .bind(&actor.label)
    .bind(region_code.map(RegionCode::get))
    .bind(entity)
    .bind(subject.audit_id())
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
/// Its `id` is the log's own sequence number (for paging with `before_id`), not an entity's.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
// Named apart from the catalogue's `Entry`: one document holds both.
#[cfg_attr(feature = "openapi", schema(as = AuditEntry))]
pub struct Entry {
    pub id: i64,
    pub at: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub user_id: Option<UserId>,
    pub actor: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>, minimum = 1081, maximum = 1085))]
    pub region_code: Option<RegionCode>,
    pub entity: String,
    pub entity_id: String,
    pub action: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
}

impl FromRow<'_, sqlx::any::AnyRow> for Entry {
    fn from_row(r: &sqlx::any::AnyRow) -> sqlx::Result<Self> {
        use sqlx::Row;
        Ok(Entry {
            id: r.try_get("id")?,
            at: r.try_get("at")?,
            user_id: crate::opt_id(r, "user_id")?,
            actor: r.try_get("actor")?,
            region_code: crate::opt_region_col(r, "region_code")?,
            entity: r.try_get("entity")?,
            entity_id: r.try_get("entity_id")?,
            action: r.try_get("action")?,
            before_json: r.try_get("before_json")?,
            after_json: r.try_get("after_json")?,
        })
    }
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only entries of this region (and none without a region) when set.
    pub region_code: Option<RegionCode>,
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    /// A part of the actor's label.
    pub actor: Option<String>,
    pub before_id: Option<i64>,
}

/// Newest first, at most `limit` entries. Only the conditions given go into the query, so the
/// indexes on (entity, entity_id) and (region_code, id) serve it.
pub async fn list(conn: &mut AnyConnection, filter: &Filter, limit: i64) -> Result<Vec<Entry>> {
    let mut sql = Sql::new(
        "SELECT id, at, user_id, actor, region_code, entity, entity_id, action, before_json, after_json \
         FROM audit_log",
    );
    if let Some(r) = filter.region_code {
        sql.and("region_code = ").push_arg(r);
    }
    if let Some(e) = &filter.entity {
        sql.and("entity = ").push_arg(e);
    }
    if let Some(e) = &filter.entity_id {
        sql.and("entity_id = ").push_arg(e);
    }
    if let Some(a) = &filter.actor {
        sql.and("LOWER(actor) LIKE ")
            .push_arg(format!("%{}%", a.to_lowercase()));
    }
    if let Some(b) = filter.before_id {
        sql.and("id < ").push_arg(b);
    }
    sql.push(" ORDER BY id DESC LIMIT ").push_arg(limit);
    Ok(sql.query_as::<Entry>().fetch_all(conn).await?)
}
