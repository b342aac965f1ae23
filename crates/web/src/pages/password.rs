//! The pages reached without a login to set a password: `/glemt-adgangskode` (asks for a reset
//! link by e-mail and answers the same whether or not the address is a user's) and
//! `/adgangskode?token=…` (the one-time link of an invitation or a reset: choose a password and
//! be logged in). The token travels in the query, which the request log never shows.

use crate::auth::login::{logged_in, pre_login_csrf, with_cookie};
use crate::auth::MaybeUser;
use crate::error::PageResult;
use crate::extract::Form;
use crate::views::{self, Page};
use crate::{AppState, Db};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use pulje_app::accounts;
use pulje_store::account_links::{self, Link, Purpose, DEAD_LINK};
use pulje_store::password;
use pulje_store::users::User;
use serde::Deserialize;

/// The longest e-mail address read (RFC 5321's limit).
const MAX_EMAIL: usize = 254;

/// The least time "Glemt adgangskode" takes to answer a request.
const ANSWER_AFTER: std::time::Duration = std::time::Duration::from_millis(300);

/// The page's CSRF token: the session's for a logged-in browser, else the pre-login cookie's.
fn csrf_for(state: &AppState, headers: &HeaderMap, user: &MaybeUser) -> (String, Option<String>) {
    match &user.0 {
        Some(u) if !u.csrf_token.is_empty() => (u.csrf_token.clone(), None),
        _ => pre_login_csrf(state, headers),
    }
}

#[derive(Template)]
#[template(path = "password_forgot.html")]
struct ForgotPage {
    page: Page,
    sent: bool,
    hours: i64,
    email: String,
    error: Option<String>,
}

fn forgot_page(csrf: String, sent: bool, email: &str, error: Option<String>) -> PageResult<String> {
    Ok(ForgotPage {
        page: Page::anonymous("Glemt adgangskode", csrf),
        sent,
        hours: account_links::RESET_HOURS,
        email: email.into(),
        error,
    }
    .render()?)
}

/// `GET /glemt-adgangskode`.
pub async fn forgot_form(
    State(state): State<AppState>,
    user: MaybeUser,
    headers: HeaderMap,
) -> PageResult<Response> {
    let (csrf, set) = csrf_for(&state, &headers, &user);
    let html = forgot_page(csrf, false, "", None)?;
    Ok(with_cookie(Html(html).into_response(), set))
}

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    email: String,
}

/// `POST /glemt-adgangskode`: queues a reset link when the address is an enabled user's; the
/// answer is the same page and text either way.
pub async fn forgot_submit(
    State(state): State<AppState>,
    mut db: Db,
    user: MaybeUser,
    headers: HeaderMap,
    Form(form): Form<ForgotForm>,
) -> PageResult<Response> {
    let (csrf, set) = csrf_for(&state, &headers, &user);
    let email = form.email.trim();
    let refusal = if email.is_empty() {
        Some("Skriv din e-mailadresse.".to_string())
    } else if email.chars().count() > MAX_EMAIL {
        Some(format!("E-mailadressen må højst være {MAX_EMAIL} tegn."))
    } else {
        None
    };
    if let Some(m) = refusal {
        let shown: String = form.email.chars().take(MAX_EMAIL * 2).collect();
        let html = forgot_page(csrf, false, &shown, Some(m))?;
        return Ok(with_cookie(
            (StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response(),
            set,
        ));
    }
    // Both answers take at least this long, so the time taken does not tell whether a mail
    // was queued (which writes to the database) or not.
    let answer_at = tokio::time::Instant::now() + ANSWER_AFTER;
    accounts::request_reset(&mut db, email, &state.config.public_url).await?;
    tokio::time::sleep_until(answer_at).await;
    let html = forgot_page(csrf, true, "", None)?;
    Ok(with_cookie(Html(html).into_response(), set))
}

#[derive(Template)]
#[template(path = "password_set.html")]
struct SetPage {
    page: Page,
    dead: Option<String>,
    intro: String,
    token: String,
    rules: String,
    min_length: usize,
    max_length: usize,
    error: Option<String>,
}

fn set_page(
    csrf: String,
    raw: &str,
    live: Option<&(Link, User)>,
    error: Option<String>,
) -> PageResult<String> {
    let (title, intro, dead) = match live {
        Some((link, user)) => {
            let until = views::timestamp_da(&link.expires_at);
            match link.purpose {
                Purpose::Invite => (
                    "Vælg din adgangskode",
                    format!(
                        "Velkommen til pulje, {}. Vælg en adgangskode til {}; derefter er du logget ind. Linket virker til {until}.",
                        user.name, user.email
                    ),
                    None,
                ),
                Purpose::Reset => (
                    "Vælg en ny adgangskode",
                    format!(
                        "Vælg en ny adgangskode til {}. Linket virker til {until} (én time fra det blev sendt). Når du gemmer, bliver du logget ud alle andre steder og logget ind her.",
                        user.email
                    ),
                    None,
                ),
            }
        }
        None => (
            "Linket virker ikke",
            String::new(),
            Some(DEAD_LINK.to_string()),
        ),
    };
    Ok(SetPage {
        page: Page::anonymous(title, csrf),
        dead,
        intro,
        token: raw.into(),
        rules: password::rules_da(),
        min_length: password::MIN_LENGTH,
        max_length: password::MAX_LENGTH,
        error,
    }
    .render()?)
}

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

/// `GET /adgangskode?token=…`: the form, or (410) a page saying the link no longer works.
pub async fn set_form(
    State(state): State<AppState>,
    mut db: Db,
    user: MaybeUser,
    headers: HeaderMap,
    Query(q): Query<TokenQuery>,
) -> PageResult<Response> {
    let (csrf, set) = csrf_for(&state, &headers, &user);
    let live = accounts::live_link(&mut db, &q.token).await?;
    let status = if live.is_some() {
        StatusCode::OK
    } else {
        StatusCode::GONE
    };
    let html = set_page(csrf, &q.token, live.as_ref(), None)?;
    Ok(with_cookie((status, Html(html)).into_response(), set))
}

#[derive(Deserialize)]
pub struct SetForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
}

/// `POST /adgangskode`: sets the password through the link and logs the browser in (303 to the
/// front page); a refused password shows the form again (422), a dead link says so (410).
pub async fn set_submit(
    State(state): State<AppState>,
    mut db: Db,
    user: MaybeUser,
    headers: HeaderMap,
    Form(form): Form<SetForm>,
) -> PageResult<Response> {
    let (csrf, set) = csrf_for(&state, &headers, &user);
    let refused = match password::check_new(&form.password) {
        Err(m) => Some(m),
        Ok(()) => match accounts::set_by_link(&mut db, &form.token, &form.password).await {
            Ok((_, token, stage)) => {
                let to = crate::auth::login::after_password(stage, "/");
                return logged_in(&state, Redirect::to(&to).into_response(), &token);
            }
            Err(pulje_app::Error::Invalid(m)) if m != DEAD_LINK => Some(m),
            Err(pulje_app::Error::Invalid(_)) => None,
            Err(e) => return Err(e.into()),
        },
    };
    let live = accounts::live_link(&mut db, &form.token).await?;
    let status = match (&live, &refused) {
        (Some(_), Some(_)) => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::GONE,
    };
    let html = set_page(csrf, &form.token, live.as_ref(), refused)?;
    Ok(with_cookie((status, Html(html)).into_response(), set))
}
