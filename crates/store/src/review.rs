//! Quality assurance: the programme's checklist and each application's ticks and comments.

use crate::applications::Application;
use crate::audit::{self, Actor};
use crate::{now_utc, Result, StoreError, Tx};
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, FromRow};

#[derive(Debug, Clone, FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Item {
    pub id: i64,
    pub programme_id: String,
    pub position: i64,
    pub text: String,
}

impl audit::Audited for Item {
    const ENTITY: &'static str = "checklist_item";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_region(&self) -> Option<i64> {
        None
    }
}

/// One item with an application's tick and comment (unticked and empty when not reviewed yet).
#[derive(Debug, Clone, FromRow, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Check {
    pub item_id: i64,
    pub text: String,
    pub checked: i64,
    pub comment: String,
    pub reviewer: Option<String>,
    pub at: Option<String>,
}

pub async fn items(conn: &mut AnyConnection, programme_id: &str) -> Result<Vec<Item>> {
    Ok(sqlx::query_as::<_, Item>("SELECT id, programme_id, position, text FROM checklist_items WHERE programme_id = $1 ORDER BY position, id")
        .bind(programme_id)
        .fetch_all(conn)
        .await?)
}

pub async fn add_item(
    tx: &mut Tx<'_>,
    actor: &Actor,
    programme_id: &str,
    text: &str,
) -> Result<Item> {
    let text = text.trim();
    if text.is_empty() {
        return Err(StoreError::Refused("Skriv punktets tekst.".into()));
    }
    let position: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(position), 0) + 1 FROM checklist_items WHERE programme_id = $1",
    )
    .bind(programme_id)
    .fetch_one(&mut **tx)
    .await?;
    let item = sqlx::query_as::<_, Item>(
        "INSERT INTO checklist_items (programme_id, position, text) VALUES ($1, $2, $3) RETURNING id, programme_id, position, text",
    )
    .bind(programme_id)
    .bind(position)
    .bind(text)
    .fetch_one(&mut **tx)
    .await?;
    audit::created(tx, actor, &item).await?;
    Ok(item)
}

/// Records a reviewer's tick and comment on one item of `app`'s checklist.
pub async fn set_check(
    tx: &mut Tx<'_>,
    actor: &Actor,
    user_id: i64,
    app: &Application,
    item_id: i64,
    checked: bool,
    comment: &str,
) -> Result<()> {
    let application_id = app.id;
    let before: Option<(i64, String)> = sqlx::query_as(
        "SELECT checked, comment FROM review_checks WHERE application_id = $1 AND item_id = $2",
    )
    .bind(application_id)
    .bind(item_id)
    .fetch_optional(&mut **tx)
    .await?;
    let comment = comment.trim();
    if before
        .as_ref()
        .is_some_and(|(c, t)| (*c != 0) == checked && t == comment)
        || (before.is_none() && !checked && comment.is_empty())
    {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO review_checks (application_id, item_id, checked, comment, user_id, at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (application_id, item_id) DO UPDATE SET checked = excluded.checked, comment = excluded.comment, \
           user_id = excluded.user_id, at = excluded.at",
    )
    .bind(application_id)
    .bind(item_id)
    .bind(i64::from(checked))
    .bind(comment)
    .bind(user_id)
    .bind(now_utc())
    .execute(&mut **tx)
    .await?;
    let after = serde_json::json!({"item_id": item_id, "checked": checked, "comment": comment});
    let before = before
        .map(|(c, t)| serde_json::json!({"item_id": item_id, "checked": c != 0, "comment": t}));
    audit::noted(tx, actor, app, "review", before.as_ref(), Some(&after)).await?;
    Ok(())
}
