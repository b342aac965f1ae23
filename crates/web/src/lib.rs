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
pub mod headers;
pub mod pages;
mod state;
mod views;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue};
use axum::routing::get;
use axum::Router;
pub use config::{Config, Contact, OidcConfig};
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
        // Sensitive actions need a recent proof of who the user is (inside the authentication,
        // which finds the session).
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::reauth::guard))
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::middleware))
        // An address holding NUL is refused before anything reads it.
        .layer(axum::middleware::from_fn(extract::refuse_nul_in_address))
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
        // No copy kept of anything personal, no address sent to other sites (also on the
        // error answers and time-outs written inside).
        .layer(axum::middleware::from_fn(headers::privacy))
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

/// Serves until `shutdown` resolves, then waits for the requests under way.
///
/// Each connection gets the peer's address (`ConnectInfo`, for the login throttle) and hyper's
/// header-read timer ([`Config::header_timeout`]): a connection that has not sent a whole
/// request head within that time of the server starting to wait for one is closed — a client
/// sending its header slowly, or a kept-alive connection left idle between requests (hyper runs
/// the same timer while it waits for the next request). A body read slowly is bounded by the
/// request's own time limit ([`Config::request_timeout`]).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use tower::ServiceExt;

    // The dummy hash an unknown e-mail's password is checked against is made now, so the first
    // such login does not take longer than a wrong password for a known one.
    let _ = tokio::task::spawn_blocking(|| {
        pulje_store::password::dummy_hash();
    })
    .await;
    let header_timeout = state.config.header_timeout;
    let app = router(state);
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(header_timeout)
        .keep_alive_timeout(header_timeout);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let service = app.clone().map_request(
            move |mut request: axum::http::Request<hyper::body::Incoming>| {
                request
                    .extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                request
            },
        );
        let service = hyper_util::service::TowerToHyperService::new(service);
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}
