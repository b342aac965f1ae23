//! HTTP for pulje: the server-rendered Danish pages, the JSON API under `/api/v1`, and the
//! authentication and authorization every request passes through.
//!
//! A request's path: [`auth::middleware`] loads the session or API token and checks the CSRF
//! token of state-changing requests; the handler (one module per resource under [`pages`] and
//! [`api`], which do not import each other) reaches the database through its [`Db`] (one pooled
//! connection at a time), asks the policy (`pulje_app::policy`, as [`auth::policy`]) whether the
//! user may act on the object, calls the services of `pulje_app` or `pulje_store` inside a
//! transaction, and renders an askama template or JSON. Errors become a Danish error page or a
//! JSON `error` through [`error::AppError`].

pub mod api;
pub mod auth;
pub mod config;
pub mod error;
pub mod extract;
pub mod pages;
mod state;
mod views;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue};
use axum::routing::get;
use axum::Router;
pub use config::Config;
pub use state::{AppState, Db};
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// The whole application's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(health))
        .route("/static/pulje.css", get(stylesheet))
        .route("/static/adgangskode.js", get(password_script))
        .merge(pages::routes())
        .merge(api::routes())
        .fallback(error::not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::middleware))
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self'; form-action 'self'; frame-ancestors 'none'"),
        ))
        // Every error answer in its reader's format, and the request's time limit (503).
        .layer(axum::middleware::from_fn_with_state(state.clone(), error::answer_errors))
        // Every request gets an id (or keeps the one a proxy in front gave it), carried in the
        // `x-request-id` response header and in the span around everything logged for it.
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(NewRequestId))
        .layer(axum::middleware::from_fn(plain_request_ids))
        .with_state(state)
}

/// A new request id: 16 random hex digits.
#[derive(Clone, Copy)]
struct NewRequestId;

impl MakeRequestId for NewRequestId {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let id = format!("{:016x}", rand::random::<u64>());
        HeaderValue::from_str(&id).ok().map(RequestId::new)
    }
}

/// Drops an `x-request-id` sent from outside unless it is short and plain (at most 64 letters,
/// digits, `-` or `_`), so what goes into the logs is never the client's free text; a new id is
/// made for it instead.
async fn plain_request_ids(
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let plain = request.headers().get("x-request-id").map(|v| {
        let b = v.as_bytes();
        !b.is_empty()
            && b.len() <= 64
            && b.iter()
                .all(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_')
    });
    if plain == Some(false) {
        request.headers_mut().remove("x-request-id");
    }
    next.run(request).await
}

/// The span every log line of a request is written in: its id, method and path (never the
/// query, which may hold search words).
fn request_span<B>(request: &axum::http::Request<B>) -> tracing::Span {
    let id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!(
        "request",
        id = %id,
        method = %request.method(),
        path = %request.uri().path(),
    )
}

async fn health(mut db: Db) -> (axum::http::StatusCode, &'static str) {
    match db.ping().await {
        Ok(()) => (axum::http::StatusCode::OK, "ok"),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "database unavailable",
            )
        }
    }
}

async fn stylesheet() -> impl axum::response::IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        pulje_app::STYLESHEET,
    )
}

/// The small script that counts a new password's characters as it is typed (the pages work
/// without it).
async fn password_script() -> impl axum::response::IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/password.js"),
    )
}

/// Serves until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
