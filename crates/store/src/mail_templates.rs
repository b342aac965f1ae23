//! A region's own texts of the mail events for one of its programmes (`mail_templates`,
//! migration 0027). The events, their placeholders and built-in texts are
//! `pulje_domain::mail::EVENTS`; a row here replaces an event's built-in subject and body for
//! the region and programme, and deleting it restores the built-in text. Texts are checked when
//! saved, so a queued mail is never refused for its template.

use crate::audit::{self, Actor, Audited};
use crate::{now_utc, Result, StoreError, Tx};
use pulje_domain::mail::{self, Event};
use pulje_domain::RegionCode;
use serde::Serialize;
use sqlx::AnyConnection;

/// An event's template as it stands for a region and programme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Template {
    pub region_code: RegionCode,
    pub programme_id: String,
    pub event: &'static str,
    pub subject: String,
    pub body: String,
    /// Whether the region has written its own (else the built-in text).
    pub custom: bool,
}

impl Audited for Template {
    const ENTITY: &'static str = "mail_template";
    fn audit_id(&self) -> String {
        format!("{}/{}/{}", self.region_code, self.programme_id, self.event)
    }
    fn audit_region(&self) -> Option<RegionCode> {
        Some(self.region_code)
    }
}

/// The template of `event` for the region's programme: its own, or the built-in text.
pub async fn current(
    conn: &mut AnyConnection,
    region_code: RegionCode,
    programme_id: &str,
    event: &'static Event,
) -> Result<Template> {
    let own: Option<(String, String)> = sqlx::query_as(
        "SELECT subject, body FROM mail_templates WHERE region_code = $1 AND programme_id = $2 AND event = $3",
    )
    .bind(region_code.get())
    .bind(programme_id)
    .bind(event.key)
    .fetch_optional(conn)
    .await?;
    let custom = own.is_some();
    let (subject, body) =
        own.unwrap_or_else(|| (event.subject.to_string(), event.body.to_string()));
    Ok(Template {
        region_code,
        programme_id: programme_id.to_string(),
        event: event.key,
        subject,
        body,
        custom,
    })
}

/// Every event's template for the region's programme, in the order of `mail::EVENTS`.
pub async fn all(
    conn: &mut AnyConnection,
    region_code: RegionCode,
    programme_id: &str,
) -> Result<Vec<Template>> {
    let mut out = Vec::with_capacity(mail::EVENTS.len());
    for event in mail::EVENTS {
        out.push(current(conn, region_code, programme_id, event).await?);
    }
    Ok(out)
}

/// The problems of a subject and body for `event`, by field (`subject`, `body`), in Danish.
pub fn problems(event: &Event, subject: &str, body: &str) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if subject.trim().is_empty() {
        out.push(("subject", "Skriv et emne.".to_string()));
    } else if subject.chars().count() > mail::MAX_SUBJECT {
        out.push((
            "subject",
            format!("Emnet må højst være {} tegn.", mail::MAX_SUBJECT),
        ));
    } else if let Err(e) = mail::check(subject, event) {
        out.push(("subject", format!("Emnet {e}.")));
    }
    if body.trim().is_empty() {
        out.push(("body", "Skriv en tekst.".to_string()));
    } else if body.chars().count() > mail::MAX_BODY {
        out.push((
            "body",
            format!("Teksten må højst være {} tegn.", mail::MAX_BODY),
        ));
    } else if let Err(e) = mail::check(body, event) {
        out.push(("body", format!("Teksten {e}.")));
    }
    out
}

/// Saves the region's own text of `event` (checked: [`problems`]), audited with the text before
/// and after. Line ends are stored as `\n`.
pub async fn save(
    tx: &mut Tx<'_>,
    actor: &Actor,
    region_code: RegionCode,
    programme_id: &str,
    event: &'static Event,
    subject: &str,
    body: &str,
) -> Result<Template> {
    let body = body.replace("\r\n", "\n");
    if let Some((_, problem)) = problems(event, subject, &body).into_iter().next() {
        return Err(StoreError::Refused(problem));
    }
    let before = current(tx, region_code, programme_id, event).await?;
    sqlx::query(
        "INSERT INTO mail_templates (region_code, programme_id, event, subject, body, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (region_code, programme_id, event) DO UPDATE SET subject = $4, body = $5, updated_at = $6",
    )
    .bind(region_code.get())
    .bind(programme_id)
    .bind(event.key)
    .bind(subject.trim())
    .bind(body.trim_end())
    .bind(now_utc())
    .execute(&mut **tx)
    .await?;
    let after = current(tx, region_code, programme_id, event).await?;
    if before.custom {
        audit::changed(tx, actor, &before, &after).await?;
    } else {
        audit::created(tx, actor, &after).await?;
    }
    Ok(after)
}

/// Removes the region's own text of `event`, so the built-in text is used again (audited when
/// there was one).
pub async fn reset(
    tx: &mut Tx<'_>,
    actor: &Actor,
    region_code: RegionCode,
    programme_id: &str,
    event: &'static Event,
) -> Result<Template> {
    let before = current(tx, region_code, programme_id, event).await?;
    if before.custom {
        sqlx::query(
            "DELETE FROM mail_templates WHERE region_code = $1 AND programme_id = $2 AND event = $3",
        )
        .bind(region_code.get())
        .bind(programme_id)
        .bind(event.key)
        .execute(&mut **tx)
        .await?;
        audit::deleted(tx, actor, &before).await?;
    }
    current(tx, region_code, programme_id, event).await
}

/// A real application to show a template's preview with: the region's newest of the programme.
#[derive(Debug, Clone)]
pub struct Sample {
    pub application_id: pulje_domain::ApplicationId,
    pub title: String,
    pub granted: Option<pulje_domain::Ore>,
    /// The programme's newest round in the region: its name and deadline.
    pub round: Option<(String, chrono::NaiveDate)>,
}

/// The application and round a preview is filled with; `None` when the region has no
/// application of the programme.
pub async fn sample(
    conn: &mut AnyConnection,
    region_code: RegionCode,
    programme_id: &str,
) -> Result<Option<Sample>> {
    let app: Option<(i64, String, Option<i64>)> = sqlx::query_as(
        "SELECT id, title, granted_ore FROM applications WHERE region_code = $1 AND programme_id = $2 \
         ORDER BY id DESC LIMIT 1",
    )
    .bind(region_code.get())
    .bind(programme_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((id, title, granted)) = app else {
        return Ok(None);
    };
    let round: Option<(String, String)> = sqlx::query_as(
        "SELECT name, deadline FROM rounds WHERE region_code = $1 AND programme_id = $2 \
         ORDER BY deadline DESC, id DESC LIMIT 1",
    )
    .bind(region_code.get())
    .bind(programme_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(Some(Sample {
        application_id: pulje_domain::ApplicationId::new(id),
        title,
        granted: granted.map(pulje_domain::Ore::from_ore),
        round: round.and_then(|(name, d)| crate::date_of(Some(d)).map(|d| (name, d))),
    }))
}

/// `event`'s subject and body filled in for `sample`, framed as a mail to `name` from `region`
/// (links as stored: site addresses, made absolute when sent). Values a step gives (a reason, a
/// decision) are shown as examples.
pub fn preview(
    event: &Event,
    subject: &str,
    body: &str,
    sample: &Sample,
    name: &str,
    region: &str,
) -> (String, String) {
    let link = if event.key == mail::EVALUATION_DUE.key {
        format!("/applications/{}/evaluation", sample.application_id)
    } else {
        format!("/applications/{}", sample.application_id)
    };
    let (round, deadline) = sample
        .round
        .clone()
        .unwrap_or_else(|| ("ansøgningsrunden".into(), chrono::Utc::now().date_naive()));
    let values = mail::Values::new()
        .with("navn", name)
        .with("region", region)
        .with("titel", sample.title.clone())
        .with("link", link)
        .with(
            "begrundelse",
            "(eksempel) Budgettet skal vise timerne pr. måned.",
        )
        .with("afgørelse", "godkendt")
        .with(
            "trin",
            sample
                .granted
                .map_or("(eksempel) 30.000,00 kr.".to_string(), |o| o.to_kr_string()),
        )
        .with("rolle", "Ledende overlæge")
        .with("runde", round)
        .with("frist", pulje_domain::date::format_date_da(deadline));
    let (subject, text) = mail::render(subject, body, &values);
    (subject, mail::framed(name, &text, region))
}
