//! The login form, login with throttling of failed attempts, and logout.

use super::address::SourceAddress;
use super::cookies::set_cookie;
use super::{cookie_value, HalfSession, MaybeUser, CSRF_COOKIE, DEVICE_COOKIE, SESSION_COOKIE};
use crate::error::{AppError, PageResult};
use crate::extract::Form;
use crate::views::Page;
use crate::AppState;
use crate::Db;
use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use pulje_store::logins::{self, Counter, Outcome, Verdict};
use pulje_store::sessions::{AuthMethod, Stage};
use pulje_store::{password, second_factor, sessions, users};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    page: Page,
    email: String,
    error: Option<String>,
    /// Where to go after logging in (a path of this site), or empty.
    next: String,
    /// The single sign-on provider's name, when one is configured.
    sso: Option<String>,
}

impl LoginPage {
    /// The single sign-on link, carrying `next` along.
    fn sso_href(&self) -> String {
        if self.next.is_empty() {
            "/login/oidc".into()
        } else {
            format!(
                "/login/oidc?{}",
                serde_urlencoded::to_string([("next", &self.next)]).unwrap_or_default()
            )
        }
    }
}

fn login_page(
    state: &AppState,
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
        sso: state.oidc.as_ref().map(|p| p.name().to_string()),
    }
    .render()?)
}

/// `next` if it is a path of this site (so a link cannot send a user elsewhere after login).
pub(super) fn safe_next(next: &str) -> Option<&str> {
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

/// Where a right password leads at `stage`: to `next`, or to the second factor's step first.
pub fn after_password(stage: Stage, next: &str) -> String {
    match stage {
        Stage::Full => next.to_string(),
        Stage::Code => with_next("/login/kode", next),
        Stage::Setup => with_next("/login/totp", next),
    }
}

/// `path` with `?next=` when `next` is not the start page.
fn with_next(path: &str, next: &str) -> String {
    if next == "/" {
        path.to_string()
    } else {
        format!(
            "{path}?{}",
            serde_urlencoded::to_string([("next", next)]).unwrap_or_default()
        )
    }
}

/// `GET /login`: the form, with a fresh pre-login CSRF cookie when there is none.
pub async fn form(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    half: Option<HalfSession>,
    headers: HeaderMap,
    axum::extract::Query(query): axum::extract::Query<NextQuery>,
) -> PageResult<Response> {
    let next = safe_next(&query.next).unwrap_or_default().to_string();
    if user.is_some() {
        return Ok(Redirect::to(if next.is_empty() { "/" } else { &next }).into_response());
    }
    // Half logged in: on to the second factor's step.
    if let Some(half) = half {
        let step = match half.stage {
            Stage::Setup => "/login/totp",
            _ => "/login/kode",
        };
        let next = if next.is_empty() { "/" } else { &next };
        return Ok(Redirect::to(&with_next(step, next)).into_response());
    }
    let (csrf, set) = pre_login_csrf(&state, &headers);
    let html = login_page(&state, csrf, String::new(), None, next)?;
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

/// `POST /login`: counts the attempt against the throttle, checks the password (Argon2id) and
/// starts a session.
///
/// The attempt is counted before the password is checked, in a committed transaction of its own
/// (`logins::reserve`), against its account and its source address — or, from a device the user
/// has logged in from before (the `pulje_device` cookie), against that device alone, so another
/// person's failures cannot keep the user out. Past the free failures each attempt must wait
/// (4 s, doubling, at most [`crate::Config::login_max_wait`]); an attempt during the wait is
/// refused (429) without a check, with when to try again. An unknown e-mail, a disabled user and
/// a wrong password get the same answer after the same work: one Argon2 verification.
pub async fn submit(
    State(state): State<AppState>,
    SourceAddress(address): SourceAddress,
    mut db: Db,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> PageResult<Response> {
    let csrf = cookie_value(&headers, CSRF_COOKIE).unwrap_or_default();
    let email = form.email.trim().to_lowercase();
    let next = safe_next(&form.next).unwrap_or_default().to_string();
    let page = |message: &str| -> PageResult<String> {
        login_page(
            &state,
            csrf.clone(),
            form.email.clone(),
            Some(message.to_string()),
            next.clone(),
        )
    };
    if email.is_empty() || form.password.is_empty() {
        let html = page("Skriv både e-mailadresse og adgangskode.")?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
    }
    if email.len() > 320 || form.password.len() > 1024 {
        let html = page("E-mailadressen eller adgangskoden er for lang.")?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
    }
    let config = &state.config;
    let rule = login_rule(config);

    let mut conn = db.conn().await?;
    let found = users::credentials(&mut conn, &email).await?;
    let device = cookie_value(&headers, DEVICE_COOKIE).filter(|d| !d.is_empty() && d.len() <= 128);
    let known_device = match (&device, &found) {
        (Some(raw), Some((user, _))) => logins::is_known_device(&mut conn, raw, user.id).await?,
        _ => false,
    };
    drop(conn);
    let address_counter = Counter::address(&address, config.login_address_max_failures);
    let counters = match (&device, known_device) {
        (Some(raw), true) => vec![Counter::device(raw, config.login_max_failures)],
        _ => vec![
            Counter::account(&email, config.login_max_failures),
            address_counter.clone(),
        ],
    };

    let mut tx = db.begin().await?;
    let verdict = logins::reserve(&mut tx, &counters, rule).await?;
    if let Verdict::Wait(wait) = verdict {
        logins::record(&mut tx, &email, &address, Outcome::Refused).await?;
        tx.commit().await?;
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        let html = page(&format!(
            "For mange mislykkede forsøg på at logge ind. Vent {}, og prøv så igen.",
            danish_duration(seconds)
        ))?;
        return Ok((
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, seconds.to_string())],
            Html(html),
        )
            .into_response());
    }
    // Counted and committed: every parallel attempt now sees this one.
    tx.commit().await?;

    let password = form.password.clone();
    let verified = tokio::task::spawn_blocking(move || {
        // Exactly one verification whatever the account: its own hash, or the dummy's.
        let (user, hash) = match &found {
            Some((user, hash)) if !hash.is_empty() => (Some(user), hash.as_str()),
            Some((user, _)) => (Some(user), password::dummy_hash()),
            None => (None, password::dummy_hash()),
        };
        let right = password::verify(&password, hash);
        match user {
            Some(user) if right && !user.disabled && hash != password::dummy_hash() => {
                Some(user.clone())
            }
            _ => None,
        }
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))?;

    let mut tx = db.begin().await?;
    let Some(user) = verified else {
        logins::failed(&mut tx, &counters, rule).await?;
        logins::record(&mut tx, &email, &address, Outcome::Failure).await?;
        tx.commit().await?;
        let html = page("E-mailadressen eller adgangskoden er forkert.")?;
        return Ok((StatusCode::UNAUTHORIZED, Html(html)).into_response());
    };
    // A region that logs in through single sign-on only: the right password does not count
    // (said only to whoever knew it).
    if let Some(region) = user.region {
        if !pulje_store::sso::password_login(&mut tx, region).await? {
            tx.commit().await?;
            let how = match &state.oidc {
                Some(p) => format!("Brug «Log ind med {}».", p.name()),
                None => "Kontakt din administrator.".to_string(),
            };
            let html = page(&format!(
                "{} logger ind med single sign-on; adgangskoder kan ikke bruges. {how}",
                region.name()
            ))?;
            return Ok((StatusCode::FORBIDDEN, Html(html)).into_response());
        }
    }
    logins::succeeded(&mut tx, &counters[0], &address_counter).await?;
    logins::record(&mut tx, &email, &address, Outcome::Success).await?;
    // With a second factor the password opens only half a session: the code comes next, or,
    // when the role requires one the user has not set up, setting it up.
    let stage = second_factor::stage_after_password(&mut tx, &user).await?;
    let (token, _csrf) = sessions::log_in_at(&mut tx, &user, &AuthMethod::Password, stage).await?;
    let device = logins::remember_device(&mut tx, user.id, device.as_deref()).await?;
    tx.commit().await?;

    let secure = config.secure_cookies;
    let target = after_password(stage, safe_next(&form.next).unwrap_or("/"));
    let mut response = Redirect::to(&target).into_response();
    for cookie in [
        set_cookie(
            SESSION_COOKIE,
            &token,
            sessions::SESSION_HOURS * 3600,
            secure,
        ),
        set_cookie(
            DEVICE_COOKIE,
            &device,
            logins::DEVICE_DAYS * 24 * 3600,
            secure,
        ),
    ] {
        response.headers_mut().append(
            header::SET_COOKIE,
            cookie
                .parse()
                .map_err(|e: header::InvalidHeaderValue| AppError::Internal(e.into()))?,
        );
    }
    Ok(response)
}

/// The throttle's timing from the configuration.
pub(super) fn login_rule(config: &crate::Config) -> logins::Rule {
    logins::Rule {
        quiet: std::time::Duration::from_secs(
            u64::try_from(config.login_window_minutes).unwrap_or(15) * 60,
        ),
        max_wait: config.login_max_wait,
    }
}

/// A wait in Danish words: "4 sekunder", "1 minut og 4 sekunder", "5 minutter".
pub(super) fn danish_duration(seconds: u64) -> String {
    let unit = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let (minutes, rest) = (seconds / 60, seconds % 60);
    match (minutes, rest) {
        (0, s) => unit(s, "sekund", "sekunder"),
        (m, 0) => unit(m, "minut", "minutter"),
        (m, s) => format!(
            "{} og {}",
            unit(m, "minut", "minutter"),
            unit(s, "sekund", "sekunder")
        ),
    }
}

/// `POST /logout`: ends the session.
pub async fn logout(
    State(state): State<AppState>,
    mut db: Db,
    MaybeUser(user): MaybeUser,
    half: Option<HalfSession>,
) -> PageResult<Response> {
    // A full session, or a half one given up at the second factor's step.
    let session = match (&user, &half) {
        (Some(u), _) => u.session_hash.clone().map(|h| (u.user.clone(), h)),
        (None, Some(h)) => Some((h.user.clone(), h.token_hash.clone())),
        (None, None) => return Err(AppError::Unauthenticated),
    };
    if let Some((user, hash)) = session {
        let mut tx = db.begin().await?;
        sessions::log_out(&mut tx, &user, &hash).await?;
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
    use super::{danish_duration, safe_next};

    #[test]
    fn waits_are_told_in_danish_words() {
        assert_eq!(danish_duration(1), "1 sekund");
        assert_eq!(danish_duration(4), "4 sekunder");
        assert_eq!(danish_duration(60), "1 minut");
        assert_eq!(danish_duration(64), "1 minut og 4 sekunder");
        assert_eq!(danish_duration(300), "5 minutter");
    }

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
