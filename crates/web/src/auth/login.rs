//! The login form, login with throttling of failed attempts, and logout.

use super::cookies::set_cookie;
use super::{cookie_value, CurrentUser, MaybeUser, CSRF_COOKIE, SESSION_COOKIE};
use crate::error::{AppError, PageResult};
use crate::views::Page;
use crate::AppState;
use crate::Db;
use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use pulje_store::{password, sessions, users};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    page: Page,
    email: String,
    error: Option<String>,
    /// Where to go after logging in (a path of this site), or empty.
    next: String,
}

fn login_page(
    csrf: String,
    email: String,
    error: Option<String>,
    next: String,
) -> PageResult<String> {
    let page = Page::anonymous("Log ind", csrf);
    Ok(LoginPage {
        page,
        email,
        error,
        next,
    }
    .render()?)
}

/// `next` if it is a path of this site (so a link cannot send a user elsewhere after login).
fn safe_next(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && next.len() <= 500
        && !next.chars().any(|c| c.is_control() || c == '\\')
        && !next.starts_with("/login")
        && !next.starts_with("/logout");
    ok.then_some(next)
}

#[derive(Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

/// `GET /login`: the form, with a fresh pre-login CSRF cookie when there is none.
pub async fn form(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    headers: HeaderMap,
    axum::extract::Query(query): axum::extract::Query<NextQuery>,
) -> PageResult<Response> {
    let next = safe_next(&query.next).unwrap_or_default().to_string();
    if user.is_some() {
        return Ok(Redirect::to(if next.is_empty() { "/" } else { &next }).into_response());
    }
    let (csrf, set) = pre_login_csrf(&state, &headers);
    let html = login_page(csrf, String::new(), None, next)?;
    Ok(with_cookie(Html(html).into_response(), set))
}

/// The CSRF token for a form shown before login: the `pulje_csrf` cookie's, or a new one with
/// the cookie to set (double submit; see the authentication middleware).
pub fn pre_login_csrf(state: &AppState, headers: &HeaderMap) -> (String, Option<String>) {
    match cookie_value(headers, CSRF_COOKIE).filter(|c| !c.is_empty()) {
        Some(c) => (c, None),
        None => {
            let c = password::random_token();
            (
                c.clone(),
                Some(set_cookie(
                    CSRF_COOKIE,
                    &c,
                    60 * 60 * 24,
                    state.config.secure_cookies,
                )),
            )
        }
    }
}

/// `response` with the cookie `set` (a `Set-Cookie` value), if any.
pub fn with_cookie(mut response: Response, set: Option<String>) -> Response {
    if let Some(cookie) = set {
        if let Ok(v) = cookie.parse() {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    response
}

/// A response that logs the browser in with the session `token`: the session cookie set.
pub fn logged_in(state: &AppState, mut response: Response, token: &str) -> PageResult<Response> {
    let cookie = set_cookie(
        SESSION_COOKIE,
        token,
        sessions::SESSION_HOURS * 3600,
        state.config.secure_cookies,
    );
    response.headers_mut().insert(
        header::SET_COOKIE,
        cookie
            .parse()
            .map_err(|e: header::InvalidHeaderValue| AppError::Internal(e.into()))?,
    );
    Ok(response)
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// `POST /login`: checks the password (Argon2id), refuses after too many failures, and starts a
/// session. The message for a wrong e-mail and a wrong password is the same.
pub async fn submit(
    State(state): State<AppState>,
    mut db: Db,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> PageResult<Response> {
    let csrf = cookie_value(&headers, CSRF_COOKIE).unwrap_or_default();
    let email = form.email.trim().to_lowercase();
    let refuse = |status: axum::http::StatusCode, message: &str| -> PageResult<Response> {
        let html = login_page(
            csrf.clone(),
            form.email.clone(),
            Some(message.to_string()),
            safe_next(&form.next).unwrap_or_default().to_string(),
        )?;
        Ok((status, Html(html)).into_response())
    };
    if email.is_empty() || form.password.is_empty() {
        return refuse(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "Skriv både e-mailadresse og adgangskode.",
        );
    }

    let mut conn = db.conn().await?;
    let failures =
        sessions::recent_failures(&mut conn, &email, state.config.login_window_minutes).await?;
    if failures >= state.config.login_max_failures {
        return refuse(
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            &format!(
                "For mange mislykkede forsøg på at logge ind med denne e-mailadresse. Vent {} minutter, og prøv igen.",
                state.config.login_window_minutes
            ),
        );
    }
    let found = users::credentials(&mut conn, &email).await?;
    drop(conn);
    let password = form.password.clone();
    let verified = tokio::task::spawn_blocking(move || match &found {
        Some((user, hash)) if !user.disabled => {
            password::verify(&password, hash).then(|| user.clone())
        }
        Some(_) => None,
        None => {
            password::verify(&password, password::dummy_hash());
            None
        }
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))?;

    let mut tx = db.begin().await?;
    sessions::record_attempt(&mut tx, &email, verified.is_some()).await?;
    let Some(user) = verified else {
        tx.commit().await?;
        return refuse(
            axum::http::StatusCode::UNAUTHORIZED,
            "E-mailadressen eller adgangskoden er forkert.",
        );
    };
    let (token, _csrf) = sessions::log_in(&mut tx, &user).await?;
    tx.commit().await?;

    let cookie = set_cookie(
        SESSION_COOKIE,
        &token,
        sessions::SESSION_HOURS * 3600,
        state.config.secure_cookies,
    );
    let mut response = Redirect::to(safe_next(&form.next).unwrap_or("/")).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        cookie
            .parse()
            .map_err(|e: header::InvalidHeaderValue| AppError::Internal(e.into()))?,
    );
    Ok(response)
}

/// `POST /logout`: ends the session.
pub async fn logout(
    State(state): State<AppState>,
    mut db: Db,
    user: CurrentUser,
) -> PageResult<Response> {
    if let Some(hash) = &user.session_hash {
        let mut tx = db.begin().await?;
        sessions::log_out(&mut tx, &user.user, hash).await?;
        tx.commit().await?;
    }
    let mut response = Redirect::to("/login").into_response();
    let expired = set_cookie(SESSION_COOKIE, "", 0, state.config.secure_cookies);
    response.headers_mut().insert(
        header::SET_COOKIE,
        expired
            .parse()
            .map_err(|e: header::InvalidHeaderValue| AppError::Internal(e.into()))?,
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_paths_of_this_site_are_followed_after_login() {
        assert_eq!(safe_next("/applications/new"), Some("/applications/new"));
        assert_eq!(
            safe_next("/idekatalog?q=ledelse"),
            Some("/idekatalog?q=ledelse")
        );
        for bad in [
            "",
            "https://evil.example/",
            "//evil.example/",
            "/\\evil",
            "/login",
            "javascript:alert(1)",
            "/a\nb",
        ] {
            assert_eq!(safe_next(bad), None, "{bad:?}");
        }
    }
}
