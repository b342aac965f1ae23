//! Notifications: messages queued in the change's own transaction and sent later by the mailer,
//! which retries with back-off; a failing mail server never blocks or loses a transition.

use crate::{now_utc, timestamp, Result, Tx};
use chrono::{Duration, Utc};
use pulje_domain::mail::{self, Event, Values};
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
    /// Held for the recipient's daily digest (not sent on its own).
    pub held: bool,
    /// The digest message it went out in.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub digest_id: Option<MessageId>,
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
            held: r.try_get::<i64, _>("held")? != 0,
            digest_id: r
                .try_get::<Option<i64>, _>("digest_id")?
                .map(MessageId::from),
        })
    }
}

/// The Danish name of a message's event, as the outbox page shows it; a programme defined as
/// data names its events by its steps' actions, shown as "Trin «appeal»".
pub fn event_da(event: &str) -> String {
    if let Some(e) = mail::event(event) {
        return e.label_da.to_string();
    }
    let known = match event {
        "signed" => "Underskrevet",
        "signatures_cleared" => "Underskrifter bortfaldet, fordi aftalen er ændret",
        "withdraw" => "Trukket tilbage",
        "terminate" => "Afsluttet før tid",
        "amendment" => "Forslag om ændring af aftalen",
        "digest" => "Dagens beskeder samlet",
        _ => "",
    };
    if known.is_empty() {
        format!("Trin «{event}»")
    } else {
        known.to_string()
    }
}

const COLUMNS: &str = "id, region_code, application_id, event, recipient, subject, body, created_at, sent_at, attempts, last_error, next_attempt_at, held, digest_id";

/// A message to queue.
#[derive(Debug, Clone)]
pub struct Draft<'a> {
    pub region_code: Option<RegionCode>,
    pub application_id: Option<ApplicationId>,
    pub event: &'a str,
    pub subject: String,
    pub body: String,
}

/// Queues one message per recipient (each address once), framed with the recipient's name and
/// the region's ([`mail::framed`]). A message about an application to a user who chose the daily
/// digest is held for it.
pub async fn enqueue(tx: &mut Tx<'_>, recipients: &[String], draft: &Draft<'_>) -> Result<()> {
    let sender = sender_name(tx, draft.region_code).await?;
    for r in distinct(recipients) {
        let (name, digest) = recipient(tx, r).await?;
        let body = mail::framed(&name, &draft.body, &sender);
        insert(tx, r, draft, &draft.subject, &body, digest).await?;
    }
    Ok(())
}

/// A mail about an application's event, its text the region's template of the event for the
/// application's programme (`mail_templates`), filled in per recipient.
#[derive(Debug, Clone)]
pub struct Notice<'a> {
    pub region_code: RegionCode,
    pub programme_id: &'a str,
    pub application_id: ApplicationId,
    pub event: &'static Event,
    /// The event's values; `navn` and `region` are filled in here.
    pub values: Values,
}

/// Queues `notice` to each recipient once (see [`enqueue`] for the frame and the digest).
pub async fn notify(tx: &mut Tx<'_>, recipients: &[String], notice: &Notice<'_>) -> Result<()> {
    let recipients = distinct(recipients);
    if recipients.is_empty() {
        return Ok(());
    }
    let template =
        crate::mail_templates::current(tx, notice.region_code, notice.programme_id, notice.event)
            .await?;
    let sender = sender_name(tx, Some(notice.region_code)).await?;
    let region = region_name(tx, notice.region_code).await?;
    let draft = Draft {
        region_code: Some(notice.region_code),
        application_id: Some(notice.application_id),
        event: notice.event.key,
        subject: String::new(),
        body: String::new(),
    };
    for r in recipients {
        let (name, digest) = recipient(tx, r).await?;
        let values = notice
            .values
            .clone()
            .with("navn", name.clone())
            .with("region", region.clone());
        let (subject, text) = mail::render(&template.subject, &template.body, &values);
        let body = mail::framed(&name, &text, &sender);
        insert(tx, r, &draft, &subject, &body, digest).await?;
    }
    Ok(())
}

fn distinct(recipients: &[String]) -> Vec<&str> {
    let mut seen: Vec<&str> = Vec::new();
    for r in recipients {
        if !r.is_empty() && !seen.contains(&r.as_str()) {
            seen.push(r);
        }
    }
    seen
}

/// The name and the digest choice of the user with this address (none for an unknown address).
async fn recipient(conn: &mut AnyConnection, email: &str) -> Result<(String, bool)> {
    let row: Option<(String, i64)> =
        sqlx::query_as("SELECT name, mail_digest FROM users WHERE email = $1")
            .bind(email)
            .fetch_optional(conn)
            .await?;
    Ok(row.map_or((String::new(), false), |(n, d)| (n, d != 0)))
}

async fn region_name(conn: &mut AnyConnection, region_code: RegionCode) -> Result<String> {
    Ok(
        sqlx::query_scalar("SELECT name FROM regions WHERE code = $1")
            .bind(region_code.get())
            .fetch_optional(conn)
            .await?
            .unwrap_or_default(),
    )
}

/// Who a mail is from, as its closing and its sender's display name say: the region's name,
/// or "pulje" for a mail of no region.
async fn sender_name(conn: &mut AnyConnection, region_code: Option<RegionCode>) -> Result<String> {
    let name = match region_code {
        Some(code) => region_name(conn, code).await?,
        None => String::new(),
    };
    Ok(if name.is_empty() {
        "pulje".into()
    } else {
        name
    })
}

/// The display name of a message's sender: "Region Hovedstaden — pulje", or "pulje".
pub async fn from_name(conn: &mut AnyConnection, message: &Message) -> Result<String> {
    Ok(match message.region_code {
        Some(code) => match region_name(conn, code).await?.as_str() {
            "" => "pulje".to_string(),
            region => format!("{region} — pulje"),
        },
        None => "pulje".to_string(),
    })
}

async fn insert(
    tx: &mut Tx<'_>,
    recipient: &str,
    draft: &Draft<'_>,
    subject: &str,
    body: &str,
    digest: bool,
) -> Result<()> {
    // Only mails about an application wait for the digest; a link to set a password does not.
    let held = digest && draft.application_id.is_some();
    let now = now_utc();
    sqlx::query(
        "INSERT INTO outbox (region_code, application_id, event, recipient, subject, body, created_at, next_attempt_at, held) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8)",
    )
    .bind(draft.region_code.map(RegionCode::get))
    .bind(draft.application_id.map(ApplicationId::get))
    .bind(draft.event)
    .bind(recipient)
    .bind(subject)
    .bind(body)
    .bind(&now)
    .bind(i64::from(held))
    .execute(&mut **tx)
    .await?;
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
        "SELECT {COLUMNS} FROM outbox WHERE sent_at IS NULL AND held = 0 AND next_attempt_at <= $1 ORDER BY id LIMIT $2"
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

/// Gathers each recipient's held messages into one mail, the daily digest, listing each by its
/// Danish event and subject with its text; each held message keeps the digest's id. Returns how
/// many digests were queued.
pub async fn queue_digests(tx: &mut Tx<'_>) -> Result<usize> {
    let held = sqlx::query_as::<_, Message>(&format!(
        "SELECT {COLUMNS} FROM outbox WHERE held = 1 AND digest_id IS NULL ORDER BY recipient, id"
    ))
    .fetch_all(&mut **tx)
    .await?;
    let mut queued = 0;
    for group in held.chunk_by(|a, b| a.recipient == b.recipient) {
        let first = &group[0];
        let (name, _) = recipient(tx, &first.recipient).await?;
        let sender = sender_name(tx, first.region_code).await?;
        let mut text = format!(
            "Her er dine beskeder fra pulje siden sidste oversigt ({}):",
            group.len()
        );
        for m in group {
            text.push_str(&format!(
                "\n\n— {}: {}\n\n{}",
                event_da(&m.event),
                m.subject,
                mail::inner(&m.body)
            ));
        }
        let now = now_utc();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO outbox (region_code, application_id, event, recipient, subject, body, created_at, next_attempt_at, held) \
             VALUES ($1, NULL, 'digest', $2, $3, $4, $5, $5, 0) RETURNING id",
        )
        .bind(first.region_code.map(RegionCode::get))
        .bind(&first.recipient)
        .bind(format!("Dine beskeder fra pulje ({})", group.len()))
        .bind(mail::framed(&name, &text, &sender))
        .bind(&now)
        .fetch_one(&mut **tx)
        .await?;
        for m in group {
            sqlx::query("UPDATE outbox SET digest_id = $1 WHERE id = $2")
                .bind(id)
                .bind(m.id.get())
                .execute(&mut **tx)
                .await?;
        }
        queued += 1;
    }
    Ok(queued)
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
            let notice = Notice {
                region_code: crate::region_of(region_code)?,
                programme_id: &programme_id,
                application_id: ApplicationId::new(app_id),
                event: &mail::DEADLINE,
                values: Values::new()
                    .with("titel", title)
                    .with("link", format!("/applications/{app_id}"))
                    .with("runde", name.clone())
                    .with("frist", pulje_domain::date::format_date_da(due)),
            };
            notify(tx, &[email], &notice).await?;
            queued += 1;
        }
    }
    Ok(queued)
}

/// Queues, once per agreement and end date, a notice to its doctor (or writer) and its leader
/// when an active agreement ends in 30 days. Returns how many messages were queued.
pub async fn ending_reminders(tx: &mut Tx<'_>, today: chrono::NaiveDate) -> Result<usize> {
    let end = today + Duration::days(30);
    type Row = (i64, i64, String, String, Option<i64>, Option<i64>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT a.id, a.region_code, a.programme_id, a.title, a.doctor_user_id, a.created_by \
         FROM applications a WHERE a.status = 'active' AND a.end_date = $1 ORDER BY a.id",
    )
    .bind(end.to_string())
    .fetch_all(&mut **tx)
    .await?;
    let mut queued = 0;
    for (id, region, programme_id, title, doctor, creator) in rows {
        if !claim(tx, &format!("agreement-ending/{id}/{end}")).await? {
            continue;
        }
        let mut to = address_of(tx, doctor.or(creator).map(UserId::new)).await?;
        let leader: Option<i64> = sqlx::query_scalar(
            "SELECT user_id FROM signatures WHERE application_id = $1 AND party = 'leader'",
        )
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .flatten();
        to.extend(address_of(tx, leader.map(UserId::new)).await?);
        let notice = Notice {
            region_code: crate::region_of(region)?,
            programme_id: &programme_id,
            application_id: ApplicationId::new(id),
            event: &mail::AGREEMENT_ENDING,
            values: Values::new()
                .with("titel", title)
                .with("link", format!("/applications/{id}"))
                .with("frist", pulje_domain::date::format_date_da(end)),
        };
        notify(tx, &to, &notice).await?;
        queued += distinct(&to).len();
    }
    Ok(queued)
}

#[cfg(test)]
mod tests {
    use super::event_da;

    #[test]
    fn events_have_danish_names() {
        assert_eq!(event_da("returned"), "Sendt retur til ansøgeren");
        assert_eq!(event_da("signature_needed"), "Venter på din underskrift");
        assert_eq!(event_da("receipt"), "Kvittering for indsendt ansøgning");
        assert_eq!(event_da("agreement_ending"), "Aftalen udløber om 30 dage");
        assert_eq!(event_da("digest"), "Dagens beskeder samlet");
        assert_eq!(event_da("amendment"), "Forslag om ændring af aftalen");
        assert_eq!(event_da("appeal"), "Trin «appeal»");
    }
}
