//! Re-authentication before sensitive actions: signing an agreement, approving or rejecting,
//! creating users, changing roles, resetting a second factor, making an API token. The session
//! must have proved its user within the last [`FRESH_MINUTES`] (logging in counts).
//!
//! A middleware ([`guard`], inside the authentication) knows the sensitive routes. When the
//! session is stale, a page form's POST is answered with a small page that asks for the password
//! (and the second factor's code when the user has one) and carries every field of the pending
//! form as hidden fields; it posts back to the same address, where the guard checks the password
//! (throttled like a login), notes the session as proved now, removes its own fields and hands
//! the original form on to the handler: the action completes with what was typed. A user of
//! single sign-on is sent to the provider for a fresh login instead (`oidc::reauth`). An API
//! request in a stale session is refused (403); an API token is judged by itself: making one is
//! a sensitive action, so it acts as a fresh login of its maker.

use super::address::SourceAddress;
use super::second_factor::{check_code, password_is_right, refusal, CodeCheck};
use super::{login, Auth};
use crate::error::{is_api_path, ApiError, AppError, PageResult};
use crate::views::Page;
use crate::{AppState, Db};
use askama::Template;
use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use pulje_domain::ApplicationId;
use pulje_store::logins::{self, Counter, Verdict};
use pulje_store::sessions::{AuthMethod, Proof};
use pulje_store::users::User;
use pulje_store::{second_factor, sessions, users};

/// How recent the last proof must be.
pub const FRESH_MINUTES: i64 = 10;
/// The re-authentication page's own fields, removed before the form reaches its handler.
const PASSWORD_FIELD: &str = "reauth_password";
const CODE_FIELD: &str = "reauth_code";

/// What a sensitive route does, in Danish words for the page ("underskrive eller træffe
/// afgørelse"), when `method path` is one.
fn sensitive_route(method: &Method, path: &str) -> Option<Sensitive> {
    if method != Method::POST {
        return None;
    }
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segments.as_slice() {
        ["applications", id, "transitions"] => id
            .parse::<i64>()
            .ok()
            .map(|id| Sensitive::Step(ApplicationId::new(id))),
        ["api", "v1", "applications", id, "transitions"] => id
            .parse::<i64>()
            .ok()
            .map(|id| Sensitive::Step(ApplicationId::new(id))),
        ["admin", "users"] | ["api", "v1", "users"] => Some(Sensitive::Always("oprette en bruger")),
        ["admin", "users", id] if id.parse::<i64>().is_ok() => Some(Sensitive::Always(
            "ændre en brugers rolle eller oplysninger",
        )),
        ["admin", "users", id, "totp"] if id.parse::<i64>().is_ok() => {
            Some(Sensitive::Always("nulstille en brugers totrinsbekræftelse"))
        }
        ["admin", "sso", "venter", _] => Some(Sensitive::Always("give en rolle")),
        ["admin", "totp"] => Some(Sensitive::Always(
            "ændre, hvilke roller der kræver totrinsbekræftelse",
        )),
        ["me", "tokens"] => Some(Sensitive::Always("oprette en API-nøgle")),
        _ => None,
    }
}

enum Sensitive {
    /// Always sensitive; what it does.
    Always(&'static str),
    /// A workflow step: sensitive when it is a decision or a signature.
    Step(ApplicationId),
}

/// The middleware: passes everything through but a sensitive action in a session whose proof is
/// older than [`FRESH_MINUTES`].
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(sensitive) = sensitive_route(request.method(), request.uri().path()) else {
        return next.run(request).await;
    };
    let Some(Auth::Session {
        user,
        token_hash,
        proof,
        csrf_token,
        ..
    }) = request.extensions().get::<Auth>().cloned()
    else {
        return next.run(request).await;
    };
    match check(
        &state,
        request,
        sensitive,
        &user,
        &token_hash,
        &proof,
        &csrf_token,
    )
    .await
    {
        Ok(Checked::Pass(request)) => next.run(request).await,
        Ok(Checked::Answer(response)) => response,
        Err((e, api)) => {
            if api {
                ApiError(e).into_response()
            } else {
                e.into_response()
            }
        }
    }
}

enum Checked {
    Pass(Request),
    Answer(Response),
}

#[derive(Template)]
#[template(path = "reauth.html")]
struct ReauthPage {
    page: Page,
    /// What the user is about to do.
    what: String,
    /// Where the form goes back to.
    action: String,
    /// The pending form's fields, carried along.
    fields: Vec<(String, String)>,
    email: String,
    /// The user has a second factor: its code is asked too.
    totp: bool,
    /// Single sign-on: the provider's name (a fresh login there instead of a password).
    sso: Option<String>,
    error: Option<String>,
}

async fn check(
    state: &AppState,
    request: Request,
    sensitive: Sensitive,
    user: &User,
    token_hash: &str,
    proof: &Proof,
    csrf: &str,
) -> Result<Checked, (AppError, bool)> {
    let path = request.uri().path().to_string();
    let api = is_api_path(&path);
    let fail = |e: AppError| (e, api);
    let (mut parts, body) = request.into_parts();
    let bytes = to_bytes(body, state.config.max_body_bytes)
        .await
        .map_err(|_| fail(AppError::TooLarge))?;
    let Ok(mut db) = Db::from_request_parts(&mut parts, state).await;
    // Someone who may not act there at all is refused by the handler (403), not asked to prove
    // who they are first.
    let administration = path.starts_with("/admin/") || path == "/admin" || path == "/api/v1/users";
    if administration && pulje_app::policy::require_any_admin(&AsPerson(user)).is_err() {
        return Ok(Checked::Pass(Request::from_parts(parts, Body::from(bytes))));
    }
    let what = match sensitive {
        Sensitive::Always(what) => what,
        Sensitive::Step(id) => {
            let action = if api {
                serde_json::from_slice::<serde_json::Value>(&bytes)
                    .ok()
                    .and_then(|v| v.get("action").and_then(|a| a.as_str()).map(str::to_string))
                    .unwrap_or_default()
            } else {
                field(&bytes, "action").unwrap_or_default()
            };
            if !pulje_app::workflow::is_decision(&mut db, id, &action)
                .await
                .map_err(|e| fail(e.into()))?
            {
                return Ok(Checked::Pass(Request::from_parts(parts, Body::from(bytes))));
            }
            "træffe afgørelse eller underskrive"
        }
    };
    if api {
        if proof.is_fresh(FRESH_MINUTES) {
            return Ok(Checked::Pass(Request::from_parts(parts, Body::from(bytes))));
        }
        return Err(fail(AppError::Forbidden(format!(
            "At {what} kræver, at du har logget ind inden for de sidste {FRESH_MINUTES} minutter. Log ind igen, eller brug en API-nøgle."
        ))));
    }
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
    let typed_password = value(&pairs, PASSWORD_FIELD);
    let typed_code = value(&pairs, CODE_FIELD);
    let fields: Vec<(String, String)> = pairs
        .into_iter()
        .filter(|(k, _)| k != PASSWORD_FIELD && k != CODE_FIELD)
        .collect();
    let pass_on = |mut parts: axum::http::request::Parts, fields: &[(String, String)]| {
        let body = serde_urlencoded::to_string(fields).unwrap_or_default();
        parts.headers.remove(header::CONTENT_LENGTH);
        Checked::Pass(Request::from_parts(parts, Body::from(Bytes::from(body))))
    };
    if proof.is_fresh(FRESH_MINUTES) {
        return Ok(pass_on(parts, &fields));
    }
    let mut conn = db.conn().await.map_err(|e| fail(e.into()))?;
    let has_factor = second_factor::is_enabled(&mut conn, user.id)
        .await
        .map_err(|e| fail(e.into()))?;
    drop(conn);
    let page = |status: StatusCode, error: Option<String>| -> Result<Checked, (AppError, bool)> {
        let sso = match &proof.method {
            AuthMethod::Oidc { .. } => state.oidc.as_ref().map(|p| p.name().to_string()),
            AuthMethod::Password => None,
        };
        let html = ReauthPage {
            page: Page::anonymous("Bekræft, at det er dig", csrf.to_string()),
            what: what.to_string(),
            action: path.clone(),
            fields: fields.clone(),
            email: user.email.clone(),
            totp: has_factor,
            sso,
            error,
        }
        .render()
        .map_err(|e| fail(e.into()))?;
        Ok(Checked::Answer((status, Html(html)).into_response()))
    };
    let Some(password) = typed_password else {
        return page(StatusCode::UNAUTHORIZED, None);
    };
    let SourceAddress(address) = SourceAddress::from_request_parts(&mut parts, state)
        .await
        .unwrap_or_else(|never| match never {});
    match prove(
        state,
        &mut db,
        &address,
        user,
        token_hash,
        &password,
        has_factor.then_some(typed_code.unwrap_or_default()),
    )
    .await
    .map_err(fail)?
    {
        None => Ok(pass_on(parts, &fields)),
        Some((status, message)) => page(status, Some(message)),
    }
}

/// Checks the password (and the code, for a user with a second factor), counted against the
/// login throttle; on success notes the session as proved now. The refusal's status and message
/// otherwise.
async fn prove(
    state: &AppState,
    db: &mut Db,
    address: &str,
    user: &User,
    token_hash: &str,
    password: &str,
    code: Option<String>,
) -> PageResult<Option<(StatusCode, String)>> {
    let config = &state.config;
    let rule = login::login_rule(config);
    let counters = [
        Counter::account(&user.email, config.login_max_failures),
        Counter::address(address, config.login_address_max_failures),
    ];
    let mut tx = db.begin().await?;
    let verdict = logins::reserve(&mut tx, &counters, rule).await?;
    tx.commit().await?;
    if let Verdict::Wait(wait) = verdict {
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        return Ok(Some((
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "For mange mislykkede forsøg. Vent {}, og prøv så igen.",
                login::danish_duration(seconds)
            ),
        )));
    }
    let mut conn = db.conn().await?;
    let hash = users::credentials(&mut conn, &user.email)
        .await?
        .map(|(_, h)| h)
        .unwrap_or_default();
    drop(conn);
    let right = password.len() <= 1024 && password_is_right(password, hash).await?;
    let mut tx = db.begin().await?;
    if !right {
        logins::failed(&mut tx, &counters, rule).await?;
        tx.commit().await?;
        return Ok(Some((
            StatusCode::UNAUTHORIZED,
            "Adgangskode: adgangskoden er forkert.".into(),
        )));
    }
    logins::succeeded(&mut tx, &counters[0], &counters[1]).await?;
    tx.commit().await?;
    let factor = match code {
        None => None,
        Some(code) => match check_code(state, db, address, user, &code).await? {
            CodeCheck::Right(tx, f) => {
                tx.commit().await?;
                Some(f.as_str())
            }
            other => return Ok(Some(refusal(other))),
        },
    };
    let mut tx = db.begin().await?;
    sessions::reauthenticated(&mut tx, user, token_hash, factor, None).await?;
    tx.commit().await?;
    Ok(None)
}

/// A session's user, asked of the policy.
struct AsPerson<'a>(&'a User);

impl pulje_app::policy::Person for AsPerson<'_> {
    fn person(&self) -> &User {
        self.0
    }
}

fn value(pairs: &[(String, String)], name: &str) -> Option<String> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

/// A form field of an urlencoded body.
fn field(bytes: &[u8], name: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(bytes).ok()?;
    value(&pairs, name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sensitive_routes() {
        let post = Method::POST;
        assert!(sensitive_route(&post, "/admin/users").is_some());
        assert!(sensitive_route(&post, "/admin/users/7").is_some());
        assert!(sensitive_route(&post, "/admin/users/7/totp").is_some());
        assert!(sensitive_route(&post, "/applications/3/transitions").is_some());
        assert!(sensitive_route(&post, "/api/v1/users").is_some());
        assert!(sensitive_route(&post, "/me/tokens").is_some());
        assert!(sensitive_route(&Method::GET, "/admin/users").is_none());
        assert!(sensitive_route(&post, "/admin/users/7/disable").is_none());
        assert!(sensitive_route(&post, "/applications/3/comments").is_none());
    }
}
