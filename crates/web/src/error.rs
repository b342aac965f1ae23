//! One error type for every handler.
//!
//! Use `NotFound` for objects that do not exist *or* belong to another region (never reveal
//! which), `Forbidden` for actions the user's role does not allow on an object they may see,
//! `Invalid` for input problems with a Danish message, `Conflict` for stale versions and wrong
//! states, and `Internal` for everything else: its cause is logged, never shown.
//! Pages render [`AppError`] as an HTML page; API handlers wrap it in [`ApiError`] for JSON.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Json;
use pulje_store::StoreError;

#[derive(Debug)]
pub enum AppError {
    /// Not logged in: pages redirect to the login page, the API answers 401.
    Unauthenticated,
    /// A page that needs a login; after logging in the user is taken back to this path.
    LoginFor(String),
    NotFound,
    Forbidden(String),
    Invalid(String),
    Conflict(String),
    TooManyRequests(String),
    Internal(anyhow::Error),
}

impl AppError {
    pub fn forbidden() -> AppError {
        AppError::Forbidden("Du har ikke adgang til at gøre dette.".into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthenticated | AppError::LoginFor(_) => StatusCode::UNAUTHORIZED,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message shown to the user, in Danish.
    pub fn message(&self) -> String {
        match self {
            AppError::Unauthenticated | AppError::LoginFor(_) => "Du skal logge ind.".into(),
            AppError::NotFound => "Siden eller det, du leder efter, findes ikke – eller du har ikke adgang til det.".into(),
            AppError::Forbidden(m) | AppError::Invalid(m) | AppError::Conflict(m) | AppError::TooManyRequests(m) => m.clone(),
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
    title: String,
    message: String,
    status: u16,
}

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
        let status = self.status();
        let title = match status {
            StatusCode::NOT_FOUND => "Ikke fundet",
            StatusCode::FORBIDDEN => "Ingen adgang",
            StatusCode::CONFLICT => "Konflikt",
            StatusCode::TOO_MANY_REQUESTS => "For mange forsøg",
            StatusCode::UNPROCESSABLE_ENTITY => "Ugyldige oplysninger",
            _ => "Fejl",
        };
        let page = ErrorPage {
            title: title.into(),
            message: self.message(),
            status: status.as_u16(),
        };
        match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, self.message()).into_response(),
        }
    }
}

/// [`AppError`] as JSON: `{"error": "…"}` with the same status.
#[derive(Debug)]
pub struct ApiError(pub AppError);

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
