//! `/api/v1/mail-templates/{region}/{programme}`: a region's mail templates for a programme, as
//! on `/admin/mails`: read them, save one event's (checked as the page checks it), reset one to
//! the built-in text. The region's administrator for their own region, the system administrator
//! for any; another region's is a 404.

use super::{body, ApiUser};
use crate::auth::policy::require_admin_of;
use crate::error::{ApiResult, AppError};
use crate::extract::{Json, JsonRejection, Path};
use crate::Db;
use pulje_domain::mail::{self, Event};
use pulje_domain::RegionCode;
use pulje_store::{mail_templates, programmes, Connection};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An event's template as it stands for the region and programme.
#[derive(Debug, Serialize, ToSchema)]
pub struct MailTemplate {
    /// The event's key, as in the outbox (`returned`, `decision`, …).
    pub event: String,
    /// The event's Danish name.
    pub label: String,
    /// The placeholders the template may use, without braces.
    pub placeholders: Vec<String>,
    pub subject: String,
    pub body: String,
    /// Whether the region has written its own (else the built-in text).
    pub custom: bool,
}

fn json(t: mail_templates::Template, event: &Event) -> MailTemplate {
    MailTemplate {
        event: event.key.to_string(),
        label: event.label_da.to_string(),
        placeholders: event.guide().iter().map(|(n, _)| n.to_string()).collect(),
        subject: t.subject,
        body: t.body,
        custom: t.custom,
    }
}

/// A template's new subject and body.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct MailTemplateBody {
    pub subject: String,
    pub body: String,
}

/// The region (after the policy) and the programme's id; unknown ones are 404.
async fn place(
    conn: &mut Connection,
    user: &crate::auth::CurrentUser,
    region: i64,
    programme: &str,
) -> ApiResult<(RegionCode, String)> {
    let code = crate::error::region(region)?;
    require_admin_of(user, code)?;
    let p = programmes::get(conn, programme)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((code, p.id))
}

fn event_of(key: &str) -> ApiResult<&'static Event> {
    Ok(mail::event(key).ok_or(AppError::NotFound)?)
}

/// Every event's template for the region's programme.
#[utoipa::path(get, path = "/api/v1/mail-templates/{region}/{programme}", tag = "reference",
    params(("region" = i64, Path, description = "Region code"), ("programme" = String, Path, description = "Programme id")),
    responses((status = 200, body = [MailTemplate]), (status = 403, description = "Not an administrator"),
        (status = 404, description = "No such region or programme, or another region's")),
    security(("bearer" = []), ("session" = [])))]
pub async fn list(
    mut db: Db,
    ApiUser(user): ApiUser,
    Path((region, programme)): Path<(i64, String)>,
) -> ApiResult<Json<Vec<MailTemplate>>> {
    let mut conn = db.conn().await?;
    let (code, programme) = place(&mut conn, &user, region, &programme).await?;
    let all = mail_templates::all(&mut conn, code, &programme).await?;
    Ok(Json(
        all.into_iter()
            .zip(mail::EVENTS)
            .map(|(t, e)| json(t, e))
            .collect(),
    ))
}

/// Saves the region's own subject and body of an event (audited). An unknown placeholder, an
/// unbalanced brace, an empty or too long text is refused (422) with the problem named.
#[utoipa::path(put, path = "/api/v1/mail-templates/{region}/{programme}/{event}", tag = "reference",
    request_body = MailTemplateBody,
    params(("region" = i64, Path, description = "Region code"), ("programme" = String, Path, description = "Programme id"),
        ("event" = String, Path, description = "The event's key")),
    responses((status = 200, body = MailTemplate), (status = 403, description = "Not an administrator"),
        (status = 404, description = "No such region, programme or event, or another region's"),
        (status = 422, description = "An unknown placeholder, an unbalanced brace, an empty or too long text")),
    security(("bearer" = []), ("session" = [])))]
pub async fn save(
    mut db: Db,
    ApiUser(user): ApiUser,
    Path((region, programme, event)): Path<(i64, String, String)>,
    payload: Result<Json<MailTemplateBody>, JsonRejection>,
) -> ApiResult<Json<MailTemplate>> {
    let b = body(payload)?;
    let event = event_of(&event)?;
    let mut tx = db.begin().await?;
    let (code, programme) = place(&mut tx, &user, region, &programme).await?;
    let saved = mail_templates::save(
        &mut tx,
        &user.actor(),
        code,
        &programme,
        event,
        &b.subject,
        &b.body,
    )
    .await?;
    tx.commit().await?;
    Ok(Json(json(saved, event)))
}

/// Resets an event's template to the built-in text (audited when the region had its own).
#[utoipa::path(delete, path = "/api/v1/mail-templates/{region}/{programme}/{event}", tag = "reference",
    params(("region" = i64, Path, description = "Region code"), ("programme" = String, Path, description = "Programme id"),
        ("event" = String, Path, description = "The event's key")),
    responses((status = 200, body = MailTemplate), (status = 403, description = "Not an administrator"),
        (status = 404, description = "No such region, programme or event, or another region's")),
    security(("bearer" = []), ("session" = [])))]
pub async fn reset(
    mut db: Db,
    ApiUser(user): ApiUser,
    Path((region, programme, event)): Path<(i64, String, String)>,
) -> ApiResult<Json<MailTemplate>> {
    let event = event_of(&event)?;
    let mut tx = db.begin().await?;
    let (code, programme) = place(&mut tx, &user, region, &programme).await?;
    let after = mail_templates::reset(&mut tx, &user.actor(), code, &programme, event).await?;
    tx.commit().await?;
    Ok(Json(json(after, event)))
}
