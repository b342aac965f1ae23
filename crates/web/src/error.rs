//! One error type for every handler.
//!
//! Use `NotFound` for objects that do not exist *or* belong to another region (never reveal
//! which), `Forbidden` for actions the user's role does not allow on an object they may see,
//! `Invalid` for input problems with a Danish message, `Conflict` for stale versions and wrong
//! states, and `Internal` for everything else: its cause is logged, never shown.
//! Pages render [`AppError`] as an HTML page; API handlers wrap it in [`ApiError`] for JSON.
//!
//! [`answer_errors`], the outermost layer, makes every error answer keep that contract, also
//! those no handler wrote (an unknown address, a wrong method, the framework's rejections, a
//! body over the limit, a timeout): JSON `{"error": "…"}` under `/api/`, the Danish error page
//! with the site's navigation everywhere else.

use crate::auth::{Auth, CurrentUser};
use crate::views::Page;
use crate::AppState;
use askama::Template;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Json;
use pulje_store::StoreError;
use std::sync::{Arc, OnceLock};

#[derive(Debug)]
pub enum AppError {
    /// Not logged in: pages redirect to the login page, the API answers 401.
    Unauthenticated,
    /// A page that needs a login; after logging in the user is taken back to this path.
    LoginFor(String),
    /// Credentials that were good once but are no longer (an expired API token): 401 with why.
    Expired(String),
    NotFound,
    Forbidden(String),
    Invalid(String),
    Conflict(String),
    TooManyRequests(String),
    /// A request the server cannot read: a malformed address, query or body (400).
    BadRequest(String),
    /// The path exists, but not with this method (405).
    MethodNotAllowed,
    /// The body is larger than the server accepts (413).
    TooLarge,
    /// The body is not in a format the route reads (415).
    UnsupportedMediaType(String),
    /// The request took too long and was given up (503).
    Unavailable,
    Internal(anyhow::Error),
}

impl AppError {
    pub fn forbidden() -> AppError {
        AppError::Forbidden("Du har ikke adgang til at gøre dette.".into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthenticated | AppError::LoginFor(_) | AppError::Expired(_) => {
                StatusCode::UNAUTHORIZED
            }
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message shown to the user, in Danish.
    pub fn message(&self) -> String {
        match self {
            AppError::Unauthenticated | AppError::LoginFor(_) => "Du skal logge ind.".into(),
            AppError::NotFound => "Siden eller det, du leder efter, findes ikke – eller du har ikke adgang til det.".into(),
            AppError::Forbidden(m)
            | AppError::Expired(m)
            | AppError::Invalid(m)
            | AppError::Conflict(m)
            | AppError::TooManyRequests(m)
            | AppError::BadRequest(m)
            | AppError::UnsupportedMediaType(m) => m.clone(),
            AppError::MethodNotAllowed => "Adressen findes, men kan ikke bruges på denne måde (forkert HTTP-metode).".into(),
            AppError::TooLarge => "Forespørgslen er for stor.".into(),
            AppError::Unavailable => "Forespørgslen tog for lang tid og blev afbrudt. Prøv igen om lidt.".into(),
            AppError::Internal(_) => "Der skete en fejl hos os. Prøv igen om lidt; fortsætter fejlen, så kontakt support.".into(),
        }
    }

    fn log(&self) {
        if let AppError::Internal(e) = self {
            tracing::error!(error = ?e, "internal error");
        }
    }
}

impl From<pulje_app::Error> for AppError {
    fn from(e: pulje_app::Error) -> Self {
        match e {
            pulje_app::Error::NotFound => AppError::NotFound,
            pulje_app::Error::Forbidden(m) => AppError::Forbidden(m),
            pulje_app::Error::Invalid(m) => AppError::Invalid(m),
            pulje_app::Error::Conflict(m) => AppError::Conflict(m),
            pulje_app::Error::Internal(e) => AppError::Internal(e),
        }
    }
}

impl From<pulje_app::Error> for ApiError {
    fn from(e: pulje_app::Error) -> Self {
        ApiError(e.into())
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        pulje_app::Error::from(e).into()
    }
}

impl From<pulje_store::DbError> for AppError {
    fn from(e: pulje_store::DbError) -> Self {
        AppError::from(StoreError::from(e))
    }
}

impl From<pulje_store::DbError> for ApiError {
    fn from(e: pulje_store::DbError) -> Self {
        ApiError(e.into())
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(e.into())
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    page: Page,
    message: String,
    status: u16,
}

/// The Danish title of an error page with this status.
fn title_of(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "Ugyldig forespørgsel",
        401 => "Log ind",
        403 => "Ingen adgang",
        404 => "Ikke fundet",
        405 => "Metoden er ikke tilladt",
        409 => "Konflikt",
        413 => "For stor forespørgsel",
        415 => "Ukendt indholdstype",
        422 => "Ugyldige oplysninger",
        429 => "For mange forsøg",
        503 => "Prøv igen om lidt",
        _ => "Fejl",
    }
}

/// The Danish message of an error answer that no handler worded: a rejection by the framework,
/// an unknown address, a wrong method, a body over the limit, a timeout.
fn message_of(status: StatusCode) -> String {
    match status.as_u16() {
        400 => {
            "Forespørgslen kan ikke læses: adressen, dens parametre eller indholdet er ugyldigt."
                .into()
        }
        401 => AppError::Unauthenticated.message(),
        403 => AppError::forbidden().message(),
        404 => AppError::NotFound.message(),
        405 => AppError::MethodNotAllowed.message(),
        413 => AppError::TooLarge.message(),
        415 => "Indholdet er ikke i et format, adressen kan læse.".into(),
        422 => "Forespørgslens indhold er ugyldigt.".into(),
        429 => "For mange forespørgsler. Vent lidt, og prøv igen.".into(),
        503 => AppError::Unavailable.message(),
        _ => AppError::Internal(anyhow::anyhow!("")).message(),
    }
}

/// The Danish error page: the site's layout, with the navigation when the user is known.
fn error_page(status: StatusCode, message: &str, user: Option<&CurrentUser>) -> Response {
    let title = title_of(status);
    let page = match user {
        Some(u) => Page::new(u, title, ""),
        None => Page::anonymous(title, String::new()),
    };
    let html = ErrorPage {
        page,
        message: message.to_string(),
        status: status.as_u16(),
    }
    .render()
    .unwrap_or_else(|_| {
        format!(
            "<!doctype html><html lang=\"da\"><title>{title}</title><p>{status} {title}</p></html>"
        )
    });
    let mut response = (status, Html(html)).into_response();
    response
        .extensions_mut()
        .insert(Worded(message.to_string()));
    response
}

/// Marks an error page whose message a handler worded, so that [`answer_errors`] can lay it out
/// again with the user's navigation without losing the message.
#[derive(Clone)]
struct Worded(String);

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        match &self {
            AppError::Unauthenticated => return Redirect::to("/login").into_response(),
            AppError::LoginFor(next) => {
                let query =
                    serde_urlencoded::to_string([("next", next.as_str())]).unwrap_or_default();
                return Redirect::to(&format!("/login?{query}")).into_response();
            }
            _ => {}
        }
        error_page(self.status(), &self.message(), None)
    }
}

/// [`AppError`] as JSON: `{"error": "…"}` with the same status.
#[derive(Debug)]
pub struct ApiError(pub AppError);

/// A region code from an address: a number that is no region's code is a page that does not
/// exist (404).
pub fn region(code: i64) -> Result<pulje_domain::RegionCode, AppError> {
    pulje_domain::RegionCode::new(code).ok_or(AppError::NotFound)
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError(e)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.log();
        let body = serde_json::json!({ "error": self.0.message() });
        (self.0.status(), Json(body)).into_response()
    }
}

pub type PageResult<T> = Result<T, AppError>;
pub type ApiResult<T> = Result<T, ApiError>;

/// The JSON error body of the API, as the OpenAPI document describes it.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(as = Error)]
pub struct ErrorJson {
    /// What went wrong, in Danish.
    pub error: String,
}

/// Whether a path belongs to the JSON API.
pub fn is_api_path(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// Who asked, for the error page's navigation: filled by [`remember_user`] once the request is
/// authenticated, read by [`answer_errors`].
#[derive(Clone, Default)]
struct Asker(Arc<OnceLock<CurrentUser>>);

/// The outermost layer: gives the request `timeout` to be answered (then 503, its work dropped)
/// and words every error answer for its reader (see the module's description).
pub async fn answer_errors(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_string();
    let asker = Asker::default();
    request.extensions_mut().insert(asker.clone());
    let response = match tokio::time::timeout(state.config.request_timeout, next.run(request)).await
    {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(path, "request timed out");
            let mut response = StatusCode::SERVICE_UNAVAILABLE.into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            response
        }
    };
    // The health check answers machines in plain text.
    if path == "/healthz" {
        return response;
    }
    reword(is_api_path(&path), asker.0.get(), response)
}

/// Notes who asked, for the navigation of an error page; called by the authentication once it
/// knows the user.
pub(crate) fn remember_user(extensions: &axum::http::Extensions, auth: &Auth) {
    let Some(asker) = extensions.get::<Asker>() else {
        return;
    };
    let user = match auth {
        Auth::Session {
            user,
            token_hash,
            csrf_token,
            versions,
            proof,
        } => CurrentUser {
            user: user.clone(),
            csrf_token: csrf_token.clone(),
            session_hash: Some(token_hash.clone()),
            versions: Some(*versions),
            proof: Some(proof.clone()),
        },
        // The API answers JSON: no page to lay out.
        Auth::Token { .. } => return,
    };
    let _ = asker.0.set(user);
}

/// An error answer in the reader's format; anything else unchanged. The answer's headers
/// (`Allow` of a 405, `Retry-After`) are kept.
fn reword(api: bool, user: Option<&CurrentUser>, response: Response) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let replacement = if api {
        if content_type.starts_with("application/json") {
            return response;
        }
        Json(ErrorJson {
            error: message_of(status),
        })
        .into_response()
    } else {
        match response.extensions().get::<Worded>() {
            // A handler's own words; laid out again only to show the navigation.
            Some(Worded(message)) if user.is_some() => error_page(status, message, user),
            Some(_) => return response,
            // A page that shows its own error (a form with the user's input) stays as it is.
            None if content_type.starts_with("text/html") => return response,
            None => error_page(status, &message_of(status), user),
        }
    };
    let (mut parts, _) = response.into_parts();
    let (new_parts, body) = replacement.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    if let Some(v) = new_parts.headers.get(header::CONTENT_TYPE) {
        parts.headers.insert(header::CONTENT_TYPE, v.clone());
    }
    Response::from_parts(parts, Body::new(body))
}

/// The answer to an address no route serves: 404 in the reader's format.
pub async fn not_found() -> StatusCode {
    StatusCode::NOT_FOUND
}
