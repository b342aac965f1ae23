//! A person's calendar feed: `/me/kalender` makes, renews and stops the secret address, shown
//! once; `/kalender.ics?noegle=…` serves the feed to a calendar program without a login (the
//! secret is in the query, which the request log never writes).

use crate::auth::CurrentUser;
use crate::error::{AppError, PageResult};
use crate::extract::{Form, Query};
use crate::views::{self, Page};
use crate::{AppState, Db};
use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    page: Page,
    /// When the current address was made, if there is one.
    created: Option<String>,
    /// The new address, shown this once.
    address: Option<String>,
}

async fn render(
    db: &mut Db,
    user: &CurrentUser,
    address: Option<String>,
    notice: Option<String>,
) -> PageResult<Html<String>> {
    let mut conn = db.conn().await?;
    let created = pulje_store::calendar::created(&mut conn, user.user.id)
        .await?
        .map(|at| views::timestamp_da(&at));
    Ok(Html(
        CalendarPage {
            page: Page::new(user, "Kalender", "/me").with_notice(notice),
            created,
            address,
        }
        .render()?,
    ))
}

/// `GET /me/kalender`.
pub async fn show(mut db: Db, user: CurrentUser) -> PageResult<Html<String>> {
    render(&mut db, &user, None, None).await
}

#[derive(Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    handling: String,
}

/// `POST /me/kalender`: `handling=forny` makes a new address (the old one stops working),
/// `handling=stop` stops the feed.
pub async fn act(
    State(state): State<AppState>,
    mut db: Db,
    user: CurrentUser,
    Form(form): Form<ActionForm>,
) -> PageResult<Html<String>> {
    let mut tx = db.begin().await?;
    match form.handling.as_str() {
        "forny" => {
            let token = pulje_store::calendar::renew(&mut tx, &user.actor(), &user.user).await?;
            tx.commit().await?;
            let address = state
                .config
                .public_url
                .link(&format!("/kalender.ics?noegle={token}"));
            render(&mut db, &user, Some(address), None).await
        }
        "stop" => {
            pulje_store::calendar::stop(&mut tx, &user.actor(), &user.user).await?;
            tx.commit().await?;
            let notice = Some("Kalenderen er stoppet; adressen virker ikke længere.".into());
            render(&mut db, &user, None, notice).await
        }
        _ => Err(AppError::Invalid(
            "Vælg «Lav en ny adresse» eller «Stop kalenderen».".into(),
        )),
    }
}

#[derive(Deserialize, Default)]
pub struct FeedQuery {
    #[serde(default)]
    noegle: String,
}

/// `GET /kalender.ics?noegle=…`: the feed, or 404 for an unknown or stopped address.
pub async fn feed(
    State(state): State<AppState>,
    mut db: Db,
    Query(q): Query<FeedQuery>,
) -> PageResult<Response> {
    if q.noegle.is_empty() || q.noegle.len() > 100 {
        return Err(AppError::NotFound);
    }
    let mut conn = db.conn().await?;
    let ics = pulje_app::calendar::feed(
        &mut conn,
        &q.noegle,
        &state.config.public_url,
        chrono::Utc::now(),
    )
    .await?
    .ok_or(AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "inline; filename=\"pulje.ics\"",
            ),
        ],
        ics,
    )
        .into_response())
}
