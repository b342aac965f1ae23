//! Notifications: messages queued in the change's own transaction and sent later by the mailer,
//! which retries with back-off; a failing mail server never blocks or loses a transition.

use crate::{now_utc, timestamp, Result, Tx};
use chrono::{Duration, Utc};
use pulje_domain::{ApplicationId, MessageId, RegionCode, Role, UserId};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, FromRow, Row};

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Message {
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub id: MessageId,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>, minimum = 1081, maximum = 1085))]
    pub region_code: Option<RegionCode>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub application_id: Option<ApplicationId>,
    pub event: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub created_at: String,
    pub sent_at: Option<String>,
    pub attempts: i64,
    pub last_error: String,
    pub next_attempt_at: String,
}

impl FromRow<'_, AnyRow> for Message {
    fn from_row(r: &AnyRow) -> sqlx::Result<Self> {
        Ok(Message {
            id: MessageId::from(r.try_get::<i64, _>("id")?),
            region_code: crate::opt_region_col(r, "region_code")?,
            application_id: crate::opt_id(r, "application_id")?,
            event: r.try_get("event")?,
            recipient: r.try_get("recipient")?,
            subject: r.try_get("subject")?,
            body: r.try_get("body")?,
            created_at: r.try_get("created_at")?,
            sent_at: r.try_get("sent_at")?,
            attempts: r.try_get("attempts")?,
            last_error: r.try_get("last_error")?,
            next_attempt_at: r.try_get("next_attempt_at")?,
        })
    }
}

/// The Danish name of a message's event, as the outbox page shows it; a programme defined as
/// data names its events by its steps' actions, shown as "Trin «appeal»".
pub fn event_da(event: &str) -> String {
    let known = match event {
        "submitted" => "Ansøgning indsendt",
        "returned" => "Sendt retur til ansøgeren",
        "forwarded" => "Klar til styregruppens beslutning",
        "decision" => "Afgørelse",
        "active" => "Aftalen er trådt i kraft",
        "signed" => "Underskrevet",
        "signature_needed" => "Venter på underskrift",
        "signatures_cleared" => "Underskrifter bortfaldet, fordi aftalen er ændret",
        "withdraw" => "Trukket tilbage",
        "terminate" => "Afsluttet før tid",
        "amendment" => "Forslag om ændring af aftalen",
        "deadline" => "Ansøgningsfrist nærmer sig",
        "evaluation_reminder" => "Evaluering skal skrives",
        _ => "",
    };
    if known.is_empty() {
        format!("Trin «{event}»")
    } else {
        known.to_string()
    }
}

const COLUMNS: &str = "id, region_code, application_id, event, recipient, subject, body, created_at, sent_at, attempts, last_error, next_attempt_at";

/// A message to queue.
#[derive(Debug, Clone)]
pub struct Draft<'a> {
    pub region_code: Option<RegionCode>,
    pub application_id: Option<ApplicationId>,
    pub event: &'a str,
    pub subject: String,
    pub body: String,
}

/// Queues one message per recipient (each address once).
pub async fn enqueue(tx: &mut Tx<'_>, recipients: &[String], draft: &Draft<'_>) -> Result<()> {
    let now = now_utc();
    let mut seen: Vec<&str> = Vec::new();
    for r in recipients {
        if r.is_empty() || seen.contains(&r.as_str()) {
            continue;
        }
        seen.push(r);
        sqlx::query(
            "INSERT INTO outbox (region_code, application_id, event, recipient, subject, body, created_at, next_attempt_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(draft.region_code.map(RegionCode::get))
        .bind(draft.application_id.map(ApplicationId::get))
        .bind(draft.event)
        .bind(r)
        .bind(&draft.subject)
        .bind(&draft.body)
        .bind(&now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The e-mail addresses of a region's enabled users with `role`.
pub async fn addresses_of(
    conn: &mut AnyConnection,
    region_code: RegionCode,
    role: Role,
) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar("SELECT email FROM users WHERE region_code = $1 AND role = $2 AND disabled = 0 ORDER BY email")
        .bind(region_code.get())
        .bind(role.as_str())
        .fetch_all(conn)
        .await?)
}

/// The e-mail address of a user, if enabled.
pub async fn address_of(conn: &mut AnyConnection, user_id: Option<UserId>) -> Result<Vec<String>> {
    let Some(id) = user_id else {
        return Ok(Vec::new());
    };
    Ok(
        sqlx::query_scalar("SELECT email FROM users WHERE id = $1 AND disabled = 0")
            .bind(id.get())
            .fetch_all(conn)
            .await?,
    )
}

/// Messages due for sending (not sent, next attempt reached), oldest first.
pub async fn due(conn: &mut AnyConnection, limit: i64) -> Result<Vec<Message>> {
    Ok(sqlx::query_as::<_, Message>(&format!(
        "SELECT {COLUMNS} FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= $1 ORDER BY id LIMIT $2"
    ))
    .bind(now_utc())
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

pub async fn mark_sent(tx: &mut Tx<'_>, id: MessageId) -> Result<()> {
    sqlx::query(
        "UPDATE outbox SET sent_at = $1, attempts = attempts + 1, last_error = '' WHERE id = $2",
    )
    .bind(now_utc())
    .bind(id.get())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Records a failed attempt and schedules the next: 1, 2, 4 … minutes, at most an hour apart.
pub async fn mark_failed(
    tx: &mut Tx<'_>,
    id: MessageId,
    attempts_so_far: i64,
    error: &str,
) -> Result<()> {
    let wait = Duration::minutes(1i64 << attempts_so_far.clamp(0, 6));
    sqlx::query("UPDATE outbox SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2 WHERE id = $3")
        .bind(error.chars().take(500).collect::<String>())
        .bind(timestamp(Utc::now() + wait))
        .bind(id.get())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The newest messages of a region (or all), for the outbox page.
pub async fn list(
    conn: &mut AnyConnection,
    region_code: Option<RegionCode>,
    limit: i64,
) -> Result<Vec<Message>> {
    Ok(sqlx::query_as::<_, Message>(&format!(
        "SELECT {COLUMNS} FROM outbox WHERE ($1 IS NULL OR region_code = $1) ORDER BY id DESC LIMIT $2"
    ))
    .bind(region_code.map(RegionCode::get))
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Claims a piece of once-only work by key; true for exactly one caller across all instances.
pub async fn claim(tx: &mut Tx<'_>, key: &str) -> Result<bool> {
    let n =
        sqlx::query("INSERT INTO job_runs (key, at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
            .bind(key)
            .bind(now_utc())
            .execute(&mut **tx)
            .await?
            .rows_affected();
    Ok(n == 1)
}

/// Queues, once per round, a reminder to every applicant with a draft in the round's region and
/// programme when the round's deadline is seven days away. Returns how many messages were queued.
pub async fn deadline_reminders(tx: &mut Tx<'_>, today: chrono::NaiveDate) -> Result<usize> {
    let due = today + Duration::days(7);
    let rounds = sqlx::query_as::<_, (i64, String, i64, String)>(
        "SELECT id, programme_id, region_code, name FROM rounds WHERE deadline = $1",
    )
    .bind(due.to_string())
    .fetch_all(&mut **tx)
    .await?;
    let mut queued = 0;
    for (round_id, programme_id, region_code, name) in rounds {
        if !claim(tx, &format!("deadline-reminder/{round_id}")).await? {
            continue;
        }
        let drafts = sqlx::query_as::<_, (i64, String, String)>(
            "SELECT a.id, a.title, u.email FROM applications a JOIN users u ON u.id = a.created_by \
             WHERE a.programme_id = $1 AND a.region_code = $2 AND a.status = 'draft' AND u.disabled = 0",
        )
        .bind(&programme_id)
        .bind(region_code)
        .fetch_all(&mut **tx)
        .await?;
        for (app_id, title, email) in drafts {
            let draft = Draft {
                region_code: Some(crate::region_of(region_code)?),
                application_id: Some(ApplicationId::new(app_id)),
                event: "deadline",
                subject: format!("Frist om syv dage: {name}"),
                body: format!(
                    "Ansøgningsfristen for {name} er {}. Din kladde «{title}» er ikke sendt endnu.\n\n/applications/{app_id}",
                    pulje_domain::date::format_date_da(due)
                ),
            };
            enqueue(tx, &[email], &draft).await?;
            queued += 1;
        }
    }
    Ok(queued)
}

#[cfg(test)]
mod tests {
    use super::event_da;

    #[test]
    fn events_have_danish_names() {
        assert_eq!(event_da("returned"), "Sendt retur til ansøgeren");
        assert_eq!(event_da("signature_needed"), "Venter på underskrift");
        assert_eq!(event_da("appeal"), "Trin «appeal»");
    }
}
