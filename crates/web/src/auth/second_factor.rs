//! The second factor's pages: the code asked after the password (`/login/kode`), setting it up
//! when the role requires it before anything else (`/login/totp`), and on "Min konto"
//! (`/me/totp`): turning it on, renewing the recovery codes, turning it off.
//!
//! Every code typed is counted against the login throttle before it is checked (the counter
//! `second_factor:<user id>` and the source address, as passwords are), so guessing the six
//! digits is held up exactly like guessing a password.

use super::address::SourceAddress;
use super::login::{login_rule, safe_next};
use super::{CurrentUser, HalfSession};
use crate::error::{AppError, PageResult};
use crate::extract::Form;
use crate::views::Page;
use crate::{AppState, Db};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use base64::Engine;
use pulje_app::second_factor::{self as factor, Factor};
use pulje_store::logins::{self, Counter, Verdict};
use pulje_store::sessions::Stage;
use pulje_store::users::User;
use pulje_store::{password, second_factor, sessions, users, Tx};
use serde::Deserialize;

/// The outcome of a typed code, counted against the throttle.
pub(crate) enum CodeCheck<'a> {
    /// Right: the transaction that spent it (the step or the recovery code), to finish and commit.
    Right(Tx<'a>, Factor),
    Wrong,
    /// Too many wrong codes: wait this many seconds.
    Wait(u64),
}

/// Counts the attempt against `user`'s second-factor counter and `address`, then checks `code`
/// ([`factor::check`]): a wrong code raises the counters, a right one clears the user's.
pub(crate) async fn check_code<'a>(
    state: &AppState,
    db: &'a mut Db,
    address: &str,
    user: &User,
    code: &str,
) -> PageResult<CodeCheck<'a>> {
    let config = &state.config;
    let rule = login_rule(config);
    let counters = [
        Counter {
            key: format!("second_factor:{}", user.id),
            free: config.login_max_failures,
        },
        Counter::address(address, config.login_address_max_failures),
    ];
    let mut tx = db.begin().await?;
    let verdict = logins::reserve(&mut tx, &counters, rule).await?;
    tx.commit().await?;
    if let Verdict::Wait(wait) = verdict {
        return Ok(CodeCheck::Wait(
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
        ));
    }
    let mut tx = db.begin().await?;
    match factor::check(&mut tx, user, code).await? {
        Some(f) => {
            logins::succeeded(&mut tx, &counters[0], &counters[1]).await?;
            Ok(CodeCheck::Right(tx, f))
        }
        None => {
            logins::failed(&mut tx, &counters, rule).await?;
            tx.commit().await?;
            Ok(CodeCheck::Wrong)
        }
    }
}

/// The Danish message of a refused code.
pub(crate) fn refusal(check: CodeCheck<'_>) -> (StatusCode, String) {
    match check {
        CodeCheck::Wait(seconds) => (
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "For mange forkerte koder. Vent {}, og prøv så igen.",
                super::login::danish_duration(seconds)
            ),
        ),
        _ => (
            StatusCode::UNAUTHORIZED,
            "Koden er forkert eller allerede brugt. Skriv den kode, appen viser nu, eller en ubrugt gendannelseskode."
                .into(),
        ),
    }
}

#[derive(Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

fn next_of(next: &str) -> String {
    safe_next(next).unwrap_or_default().to_string()
}

fn go_next(next: &str) -> Response {
    Redirect::to(safe_next(next).unwrap_or("/")).into_response()
}

#[derive(Template)]
#[template(path = "second_factor/code.html")]
struct CodePage {
    page: Page,
    next: String,
    error: Option<String>,
}

/// `GET /login/kode`: the code asked after the password.
pub async fn code_form(half: HalfSession, Query(q): Query<NextQuery>) -> PageResult<Response> {
    if half.stage == Stage::Setup {
        return Ok(Redirect::to("/login/totp").into_response());
    }
    let page = CodePage {
        page: Page::anonymous("Totrinsbekræftelse", half.csrf_token),
        next: next_of(&q.next),
        error: None,
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    next: String,
}

/// `POST /login/kode`: a right code (or an unused recovery code) completes the login.
pub async fn code_submit(
    State(state): State<AppState>,
    SourceAddress(address): SourceAddress,
    mut db: Db,
    half: HalfSession,
    Form(form): Form<CodeForm>,
) -> PageResult<Response> {
    if half.stage != Stage::Code {
        return Ok(Redirect::to("/login/totp").into_response());
    }
    let again = |status: StatusCode, error: String| -> PageResult<Response> {
        let page = CodePage {
            page: Page::anonymous("Totrinsbekræftelse", half.csrf_token.clone()),
            next: next_of(&form.next),
            error: Some(error),
        };
        Ok((status, Html(page.render()?)).into_response())
    };
    if form.code.trim().is_empty() {
        return again(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Engangskode: skriv koden fra din app eller en gendannelseskode.".into(),
        );
    }
    let (mut tx, f) = match check_code(&state, &mut db, &address, &half.user, &form.code).await? {
        CodeCheck::Right(tx, f) => (tx, f),
        other => {
            let (status, message) = refusal(other);
            return again(status, message);
        }
    };
    sessions::complete(&mut tx, &half.user, &half.token_hash, f.as_str()).await?;
    tx.commit().await?;
    Ok(go_next(&form.next))
}

#[derive(Template)]
#[template(path = "second_factor/setup.html")]
struct SetupPage {
    page: Page,
    /// Where the form is sent: `/login/totp` or `/me/totp`.
    action: &'static str,
    /// Set up before anything else, because the role requires it.
    required: bool,
    next: String,
    secret: String,
    /// The QR code as a `data:` address of its SVG.
    qr: String,
    error: Option<String>,
}

fn setup_page(
    page: Page,
    action: &'static str,
    required: bool,
    next: String,
    user: &User,
    secret: &str,
    error: Option<String>,
) -> PageResult<String> {
    let url = factor::otpauth_url(secret, &user.email)?;
    let svg = factor::qr_svg(&url)?;
    let qr = format!(
        "data:image/svg+xml;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(svg)
    );
    Ok(SetupPage {
        page,
        action,
        required,
        next,
        secret: factor::grouped(secret),
        qr,
        error,
    }
    .render()?)
}

#[derive(Template)]
#[template(path = "second_factor/recovery_codes.html")]
struct CodesPage {
    page: Page,
    codes: Vec<String>,
    /// Where "Fortsæt" goes.
    next: String,
    /// Just turned on (or the codes renewed).
    enabled_now: bool,
}

/// `GET /login/totp`: a user whose role requires a second factor sets it up before anything else.
pub async fn required_form(
    mut db: Db,
    half: HalfSession,
    Query(q): Query<NextQuery>,
) -> PageResult<Response> {
    if half.stage == Stage::Code {
        return Ok(Redirect::to("/login/kode").into_response());
    }
    let Some(secret) = factor::setup_secret(&mut db, &half.user).await? else {
        return Ok(Redirect::to("/login/kode").into_response());
    };
    let page = Page::anonymous("Slå totrinsbekræftelse til", half.csrf_token.clone());
    let html = setup_page(
        page,
        "/login/totp",
        true,
        next_of(&q.next),
        &half.user,
        &secret,
        None,
    )?;
    Ok(Html(html).into_response())
}

#[derive(Deserialize)]
pub struct ActivateForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    next: String,
}

/// Turns on the secret being set up with the typed code; the page of recovery codes on success,
/// else the set-up page again with the message.
async fn activate(
    db: &mut Db,
    user: &User,
    code: &str,
    setup: impl FnOnce(&str, String) -> PageResult<String>,
) -> PageResult<Result<Vec<String>, Response>> {
    let actor = pulje_store::Actor::user(user.id, &user.email);
    if code.chars().count() > 40 {
        return Err(AppError::Invalid("Engangskode: koden er for lang.".into()));
    }
    match factor::activate(db, &actor, user, code).await {
        Ok(codes) => Ok(Ok(codes)),
        Err(pulje_app::Error::Invalid(message)) => {
            let Some(secret) = factor::setup_secret(db, user).await? else {
                return Err(AppError::Conflict(
                    "Totrinsbekræftelse er allerede slået til.".into(),
                ));
            };
            let html = setup(&secret, message)?;
            Ok(Err(
                (StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response()
            ))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /login/totp`: the first code turns the second factor on and completes the login; the
/// recovery codes are shown once.
pub async fn required_submit(
    mut db: Db,
    half: HalfSession,
    Form(form): Form<ActivateForm>,
) -> PageResult<Response> {
    if half.stage != Stage::Setup {
        return Ok(Redirect::to("/login/kode").into_response());
    }
    let next = next_of(&form.next);
    let csrf = half.csrf_token.clone();
    let codes = match activate(&mut db, &half.user, &form.code, |secret, message| {
        let page = Page::anonymous("Slå totrinsbekræftelse til", csrf.clone());
        setup_page(
            page,
            "/login/totp",
            true,
            next.clone(),
            &half.user,
            secret,
            Some(message),
        )
    })
    .await?
    {
        Ok(codes) => codes,
        Err(page) => return Ok(page),
    };
    let mut tx = db.begin().await?;
    sessions::complete(&mut tx, &half.user, &half.token_hash, "totp").await?;
    tx.commit().await?;
    let page = CodesPage {
        page: Page::anonymous("Dine gendannelseskoder", half.csrf_token),
        codes,
        next: if next.is_empty() { "/".into() } else { next },
        enabled_now: true,
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Template)]
#[template(path = "second_factor/manage.html")]
struct ManagePage {
    page: Page,
    codes_left: i64,
    /// The user's role requires a second factor: it cannot be turned off.
    required: bool,
    /// The user logs in with a password (else: single sign-on, whose provider has its own).
    has_password: bool,
    error: Option<String>,
}

async fn manage_page(
    db: &mut Db,
    user: &CurrentUser,
    notice: Option<String>,
    error: Option<String>,
) -> PageResult<String> {
    let mut conn = db.conn().await?;
    let page = ManagePage {
        page: Page::new(user, "Totrinsbekræftelse", "/me").with_notice(notice),
        codes_left: second_factor::recovery_codes_left(&mut conn, user.user.id).await?,
        required: second_factor::is_required(&mut conn, user.user.role).await?,
        has_password: users::has_password(&mut conn, user.user.id).await?,
        error,
    };
    Ok(page.render()?)
}

/// `GET /me/totp`: turn the second factor on (the secret as a QR code and as text), or, when it
/// is on, renew the recovery codes or turn it off.
pub async fn manage(mut db: Db, user: CurrentUser) -> PageResult<Response> {
    let mut conn = db.conn().await?;
    let enabled = second_factor::is_enabled(&mut conn, user.user.id).await?;
    if !enabled && !users::has_password(&mut conn, user.user.id).await? {
        return Err(single_sign_on_only());
    }
    drop(conn);
    if enabled {
        return Ok(Html(manage_page(&mut db, &user, None, None).await?).into_response());
    }
    let Some(secret) = factor::setup_secret(&mut db, &user.user).await? else {
        return Ok(Redirect::to("/me/totp").into_response());
    };
    let page = Page::new(&user, "Slå totrinsbekræftelse til", "/me");
    let html = setup_page(
        page,
        "/me/totp",
        false,
        String::new(),
        &user.user,
        &secret,
        None,
    )?;
    Ok(Html(html).into_response())
}

/// `POST /me/totp`: the first code turns the second factor on; the recovery codes are shown once.
pub async fn enable(
    mut db: Db,
    user: CurrentUser,
    Form(form): Form<ActivateForm>,
) -> PageResult<Response> {
    let mut conn = db.conn().await?;
    if !users::has_password(&mut conn, user.user.id).await? {
        return Err(single_sign_on_only());
    }
    drop(conn);
    let codes = match activate(&mut db, &user.user, &form.code, |secret, message| {
        let page = Page::new(&user, "Slå totrinsbekræftelse til", "/me");
        setup_page(
            page,
            "/me/totp",
            false,
            String::new(),
            &user.user,
            secret,
            Some(message),
        )
    })
    .await?
    {
        Ok(codes) => codes,
        Err(page) => return Ok(page),
    };
    // Turning it on proves the factor in this session too.
    if let Some(hash) = &user.session_hash {
        let mut tx = db.begin().await?;
        sessions::reauthenticated(&mut tx, &user.user, hash, Some("totp"), None).await?;
        tx.commit().await?;
    }
    let page = CodesPage {
        page: Page::new(&user, "Dine gendannelseskoder", "/me"),
        codes,
        next: "/me/totp".into(),
        enabled_now: true,
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Deserialize)]
pub struct CodeOnlyForm {
    #[serde(default)]
    code: String,
}

/// `POST /me/totp/koder`: new recovery codes (the old ones stop working), after a right code.
pub async fn renew_codes(
    State(state): State<AppState>,
    SourceAddress(address): SourceAddress,
    mut db: Db,
    user: CurrentUser,
    Form(form): Form<CodeOnlyForm>,
) -> PageResult<Response> {
    let refused = match check_code(&state, &mut db, &address, &user.user, &form.code).await? {
        CodeCheck::Right(tx, _) => {
            tx.commit().await?;
            None
        }
        other => Some(refusal(other)),
    };
    if let Some((status, message)) = refused {
        let html = manage_page(&mut db, &user, None, Some(message)).await?;
        return Ok((status, Html(html)).into_response());
    }
    let codes = factor::renew_recovery_codes(&mut db, &user.actor(), &user.user).await?;
    let page = CodesPage {
        page: Page::new(&user, "Dine gendannelseskoder", "/me"),
        codes,
        next: "/me/totp".into(),
        enabled_now: false,
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Deserialize)]
pub struct DisableForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
}

/// `POST /me/totp/fra`: turns the second factor off, with the current password and a right code;
/// refused when the role requires one.
pub async fn disable(
    State(state): State<AppState>,
    SourceAddress(address): SourceAddress,
    mut db: Db,
    user: CurrentUser,
    Form(form): Form<DisableForm>,
) -> PageResult<Response> {
    let mut conn = db.conn().await?;
    if second_factor::is_required(&mut conn, user.user.role).await? {
        drop(conn);
        let html = manage_page(
            &mut db,
            &user,
            None,
            Some("Din rolle kræver totrinsbekræftelse; den kan ikke slås fra.".into()),
        )
        .await?;
        return Ok((StatusCode::FORBIDDEN, Html(html)).into_response());
    }
    let hash = users::credentials(&mut conn, &user.user.email)
        .await?
        .map(|(_, h)| h)
        .unwrap_or_default();
    drop(conn);
    if form.password.len() > 1024 || !password_is_right(&form.password, hash).await? {
        let html = manage_page(
            &mut db,
            &user,
            None,
            Some("Adgangskode: adgangskoden er forkert.".into()),
        )
        .await?;
        return Ok((StatusCode::UNAUTHORIZED, Html(html)).into_response());
    }
    let check = check_code(&state, &mut db, &address, &user.user, &form.code).await?;
    let mut tx = match check {
        CodeCheck::Right(tx, _) => tx,
        other => {
            let (status, message) = refusal(other);
            let html = manage_page(&mut db, &user, None, Some(message)).await?;
            return Ok((status, Html(html)).into_response());
        }
    };
    second_factor::remove(&mut tx, &user.actor(), &user.user, "second_factor_disabled").await?;
    tx.commit().await?;
    Ok(Redirect::to("/me").into_response())
}

/// A user without a password logs in only through single sign-on, whose provider has its own
/// second factor: pulje's would never be asked.
fn single_sign_on_only() -> AppError {
    AppError::Forbidden(
        "Du logger ind med single sign-on, og din organisations login står for den anden faktor; pulje's totrinsbekræftelse bruges kun sammen med en adgangskode.".into(),
    )
}

/// Whether `password` is the one of `hash` (an empty hash: no password, never right), checked
/// off the async threads.
pub(crate) async fn password_is_right(password: &str, hash: String) -> PageResult<bool> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        if hash.is_empty() {
            let _ = password::verify(&password, password::dummy_hash());
            false
        } else {
            password::verify(&password, &hash)
        }
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))
}
