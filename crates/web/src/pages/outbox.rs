//! `/outbox`: the messages pulje has queued — sent, waiting or failing — so that without an SMTP
//! server it is still visible what would have been sent.

use crate::auth::policy;
use crate::auth::CurrentUser;
use crate::error::PageResult;
use crate::views::{self, Page};
use crate::AppState;
use crate::Db;
use askama::Template;
use axum::extract::State;
use axum::response::Html;
use pulje_store::outbox;

pub struct Row {
    created: String,
    event: String,
    recipient: String,
    subject: String,
    body: String,
    state: String,
    /// How many times sending was tried.
    attempts: i64,
}

#[derive(Template)]
#[template(path = "outbox.html")]
struct OutboxPage {
    page: Page,
    rows: Vec<Row>,
    smtp: bool,
}

/// Region administrators see their region's messages; system administrators all.
pub async fn show(
    State(state): State<AppState>,
    mut db: Db,
    user: CurrentUser,
) -> PageResult<Html<String>> {
    let scope = policy::admin_scope(&user)?;
    let mut conn = db.conn().await?;
    let messages = outbox::list(&mut conn, scope.region_filter()?, 200).await?;
    let rows = messages
        .into_iter()
        .map(|m| Row {
            created: views::timestamp_da(&m.created_at),
            // A link to set a password is the recipient's alone: not shown to administrators.
            body: if pulje_app::accounts::is_link_mail(&m.event) {
                "(Indholdet vises ikke: mailen indeholder et personligt link til at vælge adgangskode.)"
                    .into()
            } else {
                // As it is sent: the site's addresses absolute.
                pulje_app::mailer::absolute_links(&m.body, &state.config.public_url)
            },
            event: outbox::event_da(&m.event),
            recipient: m.recipient,
            subject: m.subject,
            attempts: m.attempts,
            state: match (&m.sent_at, m.attempts) {
                _ if m.held => match m.digest_id {
                    Some(id) => format!("Sendt samlet i dagens mail (besked {id})"),
                    None => "Venter på dagens samlede mail".into(),
                },
                (Some(at), _) => format!("Sendt {}", views::timestamp_da(at)),
                (None, 0) => "Venter".into(),
                (None, n) => format!(
                    "Fejlet {n} gang(e): {}. Prøves igen {}",
                    m.last_error,
                    views::timestamp_da(&m.next_attempt_at)
                ),
            },
        })
        .collect();
    Ok(Html(
        OutboxPage {
            page: Page::new(&user, "Udsendte beskeder", "/outbox"),
            rows,
            smtp: state.config.smtp_configured,
        }
        .render()?,
    ))
}
