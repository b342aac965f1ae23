//! Who is asking, and may they? Sessions, API tokens, CSRF, login and the authorization policy.

pub mod address;
mod cookies;
pub mod login;
pub mod oidc;
pub mod reauth;
pub mod second_factor;
/// Who may see and do what: the service layer's policy, asked by every handler.
pub use pulje_app::policy;

use crate::error::AppError;
use crate::{AppState, Db};
use axum::body::{to_bytes, Body};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
pub use cookies::{cookie_value, CSRF_COOKIE, DEVICE_COOKIE, SESSION_COOKIE};
use pulje_domain::{RegionCode, TokenId};
use pulje_store::sessions::{Proof, Stage, TokenLookup};
use pulje_store::users::User;
use pulje_store::versions::Known;
use pulje_store::{sessions, Actor};

/// How the request authenticated.
#[derive(Debug, Clone)]
pub enum Auth {
    /// A browser session, with its CSRF token for forms.
    Session {
        user: User,
        token_hash: String,
        csrf_token: String,
        versions: Known,
        /// How and when the user last proved who they are.
        proof: Proof,
    },
    /// An API token (`Authorization: Bearer …`); no CSRF token needed.
    Token { user: User },
}

impl Auth {
    pub fn user(&self) -> &User {
        match self {
            Auth::Session { user, .. } | Auth::Token { user } => user,
        }
    }
}

/// The logged-in user, required. Pages redirect to the login page without one; the API answers 401.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    /// The session's CSRF token; empty for API-token requests.
    pub csrf_token: String,
    pub session_hash: Option<String>,
    /// The data versions read with the session; `None` for API-token requests, whose kept
    /// views read their versions themselves.
    pub versions: Option<Known>,
    /// How and when the session's user last proved who they are; `None` for API tokens.
    pub proof: Option<Proof>,
}

/// A half-logged-in session: the password was right, the second factor is still to come
/// ([`Stage::Code`] or [`Stage::Setup`]). Put in the request instead of an [`Auth`], so no page
/// but the second-factor step sees a user.
#[derive(Debug, Clone)]
pub struct HalfSession {
    pub user: User,
    pub token_hash: String,
    pub csrf_token: String,
    pub stage: Stage,
}

impl<S: Send + Sync> FromRequestParts<S> for HalfSession {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<HalfSession>()
            .cloned()
            .ok_or(AppError::LoginFor("/".into()))
    }
}

impl<S: Send + Sync> axum::extract::OptionalFromRequestParts<S> for HalfSession {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<HalfSession>().cloned())
    }
}

impl CurrentUser {
    pub fn actor(&self) -> Actor {
        Actor::user(self.user.id, &self.user.email)
    }

    /// The user's region code, for regional roles.
    pub fn region_code(&self) -> Option<RegionCode> {
        self.user.region
    }

    /// How the user proved who they are: the session's way (password, password with a second
    /// factor, single sign-on) or an API token.
    pub fn authentication(&self) -> pulje_store::signing::Authentication {
        use pulje_store::sessions::AuthMethod;
        use pulje_store::signing::Authentication;
        match &self.proof {
            None => Authentication::ApiToken,
            Some(p) => match (&p.method, p.second_factor.is_some()) {
                (AuthMethod::Oidc { amr }, _) => Authentication::Sso { amr: amr.clone() },
                (AuthMethod::Password, true) => Authentication::PasswordSecondFactor,
                (AuthMethod::Password, false) => Authentication::Password,
            },
        }
    }
}

impl policy::Person for CurrentUser {
    fn person(&self) -> &User {
        &self.user
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Auth>() {
            Some(Auth::Session {
                user,
                token_hash,
                csrf_token,
                versions,
                proof,
            }) => Ok(CurrentUser {
                user: user.clone(),
                csrf_token: csrf_token.clone(),
                session_hash: Some(token_hash.clone()),
                versions: Some(*versions),
                proof: Some(proof.clone()),
            }),
            Some(Auth::Token { user }) => Ok(CurrentUser {
                user: user.clone(),
                csrf_token: String::new(),
                session_hash: None,
                versions: None,
                proof: None,
            }),
            // A page asked for without a login: back to it after logging in.
            None if parts.method == axum::http::Method::GET => Err(AppError::LoginFor(
                parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str().to_string())
                    .unwrap_or_else(|| "/".into()),
            )),
            None => Err(AppError::Unauthenticated),
        }
    }
}

/// The CSRF token a page should embed in its forms: the session's, or the pre-login cookie's.
#[derive(Debug, Clone)]
pub struct MaybeUser(pub Option<CurrentUser>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Ok(MaybeUser(
            CurrentUser::from_request_parts(parts, state).await.ok(),
        ))
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

/// Loads the session or API token into the request, and refuses a state-changing request whose
/// CSRF token (form field `csrf_token` or header `X-CSRF-Token`) does not match.
pub async fn middleware(
    State(state): State<AppState>,
    db: Db,
    request: Request,
    next: Next,
) -> Response {
    // The middleware's connection goes back to the pool before the handler runs.
    match authenticate(&state, db, request).await {
        Ok(request) => next.run(request).await,
        Err(e) => {
            if crate::error::is_api_path(&e.1) {
                crate::error::ApiError(e.0).into_response()
            } else {
                e.0.into_response()
            }
        }
    }
}

async fn authenticate(
    state: &AppState,
    mut db: Db,
    request: Request,
) -> Result<Request, (AppError, String)> {
    let path = request.uri().path().to_string();
    let fail = |e: AppError| (e, path.clone());
    let (mut parts, body) = request.into_parts();
    let mut conn = db.conn().await.map_err(|e| fail(e.into()))?;

    if let Some(token) = bearer(&parts) {
        // A token request is judged by the token alone; cookies are ignored.
        let found = sessions::find_token(&mut conn, token)
            .await
            .map_err(|e| fail(e.into()))?;
        drop(conn);
        let user = match found {
            TokenLookup::Live {
                user,
                token_id,
                last_used_at,
            } => {
                if sessions::needs_touch(last_used_at.as_deref()) {
                    touch(&mut db, LastUse::Token(token_id)).await;
                }
                user
            }
            TokenLookup::Expired => {
                return Err(fail(AppError::Expired(
                    "API-nøglen er udløbet. Opret en ny under «Min konto».".into(),
                )))
            }
            TokenLookup::Unknown => return Err(fail(AppError::Unauthenticated)),
        };
        parts.extensions.insert(Auth::Token { user });
        return Ok(Request::from_parts(parts, body));
    }

    let session = match cookie_value(&parts.headers, SESSION_COOKIE) {
        Some(raw) => sessions::find(&mut conn, &raw, state.config.session_idle_timeout)
            .await
            .map_err(|e| fail(e.into()))?,
        None => None,
    };
    drop(conn);
    if let Some(s) = &session {
        if sessions::needs_touch(Some(&s.last_seen_at)) {
            touch(&mut db, LastUse::Session(&s.token_hash)).await;
        }
    }
    // A half session (password right, second factor to come) lasts 10 minutes after the
    // password; then it is as if there were none.
    let session =
        session.filter(|s| s.stage == Stage::Full || s.proof.is_fresh(reauth::FRESH_MINUTES));
    let expected_csrf = match &session {
        Some(s) => Some(s.csrf_token.clone()),
        None => cookie_value(&parts.headers, CSRF_COOKIE),
    };
    match session {
        Some(s) if s.stage == Stage::Full => {
            let auth = Auth::Session {
                user: s.user,
                token_hash: s.token_hash,
                csrf_token: s.csrf_token,
                versions: s.versions,
                proof: s.proof,
            };
            crate::error::remember_user(&parts.extensions, &auth);
            parts.extensions.insert(auth);
        }
        // Half logged in: only the second-factor step sees it.
        Some(s) => {
            parts.extensions.insert(HalfSession {
                user: s.user,
                token_hash: s.token_hash,
                csrf_token: s.csrf_token,
                stage: s.stage,
            });
        }
        None => {}
    }

    let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    if !unsafe_method {
        return Ok(Request::from_parts(parts, body));
    }
    let csrf_refused = || {
        fail(AppError::Forbidden(
            "Formularen var forældet eller mangler sikkerhedsnøgle (CSRF). Genindlæs siden og prøv igen.".into(),
        ))
    };
    let Some(expected) = expected_csrf.filter(|t| !t.is_empty()) else {
        return Err(csrf_refused());
    };
    if let Some(h) = parts
        .headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
    {
        return if constant_time_eq(h, &expected) {
            Ok(Request::from_parts(parts, body))
        } else {
            Err(csrf_refused())
        };
    }
    // A multipart upload's token is a form field inside the body, which only the handler reads:
    // it gets the expected token and must compare it before it changes anything
    // ([`MultipartCsrf::verify`]). Only the upload routes named in [`is_upload_path`] get this;
    // anywhere else a multipart body is refused like any form without a token.
    let is_multipart = is_upload_path(&path)
        && parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
    if is_multipart {
        parts.extensions.insert(MultipartCsrf(expected));
        return Ok(Request::from_parts(parts, body));
    }
    let is_form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(csrf_refused());
    }
    let bytes = to_bytes(body, state.config.max_body_bytes)
        .await
        .map_err(|_| fail(AppError::TooLarge))?;
    let submitted = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
        .ok()
        .and_then(|pairs| {
            pairs
                .into_iter()
                .find(|(k, _)| k == "csrf_token")
                .map(|(_, v)| v)
        });
    match submitted {
        Some(t) if constant_time_eq(&t, &expected) => {
            Ok(Request::from_parts(parts, Body::from(bytes)))
        }
        _ => Err(csrf_refused()),
    }
}

/// What to write as last used: a session (by its token's hash) or an API token.
enum LastUse<'a> {
    Session(&'a str),
    Token(TokenId),
}

/// Writes a session's or token's last use in a transaction of its own. A failure is logged, not
/// answered: the request itself needs nothing written.
async fn touch(db: &mut Db, what: LastUse<'_>) {
    let result = async {
        let mut tx = db.begin().await?;
        match what {
            LastUse::Session(hash) => sessions::touch(&mut tx, hash).await?,
            LastUse::Token(id) => sessions::touch_token(&mut tx, id).await?,
        }
        tx.commit().await?;
        Ok::<(), AppError>(())
    }
    .await;
    if let Err(e) = result {
        tracing::warn!(error = ?e, "writing the last use of a session or token failed");
    }
}

/// The routes that take a multipart upload and check its CSRF field themselves.
fn is_upload_path(path: &str) -> bool {
    if path == "/applications/import" || path == "/trials/import" || path == "/verify" {
        return true;
    }
    let mut segments = path.trim_matches('/').split('/');
    // A historic trial's evaluation file; a programme's application form with its files (a new
    // one, or a change of one).
    match (
        segments.next(),
        segments.next(),
        segments.next(),
        segments.next(),
    ) {
        (Some("trials"), Some(id), Some("evaluation"), None)
        | (Some("applications"), Some(id), None, None) => id.parse::<i64>().is_ok(),
        (Some("programmes"), Some(id), Some("ansoeg"), None) => !id.is_empty(),
        _ => false,
    }
}

/// The CSRF token a multipart form must carry in its `csrf_token` field, left by the middleware
/// for the upload handler to check.
#[derive(Debug, Clone)]
pub struct MultipartCsrf(String);

impl MultipartCsrf {
    /// Whether the submitted token is the expected one.
    pub fn verify(&self, submitted: &str) -> bool {
        constant_time_eq(submitted, &self.0)
    }
}

pub(super) fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}
