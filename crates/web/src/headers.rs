//! Response headers every answer carries: what a browser or proxy may keep, and what it may tell
//! other sites.

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// Whether an answer for `path` holds nothing personal or non-public, so that a browser or a
/// proxy may keep it: the stylesheet, the health check and the published open data (which holds
/// no personal data by construction, `pulje_app::open_data`). Everything else — pages, downloads
/// (PDF, CSV, XLSX), the API's JSON, error pages — may name a person or show what only the
/// logged-in user may see.
pub fn may_be_cached(path: &str) -> bool {
    path.starts_with("/static/") || path == "/healthz" || path.starts_with("/api/v1/open-data/")
}

/// `Cache-Control: no-store` on every answer that is not [`may_be_cached`] (so after logout the
/// back button shows nothing of the previous user: the browser kept no copy), and
/// `Referrer-Policy: same-origin` on every answer (an address of pulje, which may hold an id or
/// search words, is never sent to another site).
pub async fn privacy(request: Request, next: Next) -> Response {
    let cacheable = may_be_cached(request.uri().path());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if !cacheable {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::may_be_cached;

    #[test]
    fn only_the_stylesheet_and_the_health_check_may_be_cached() {
        assert!(may_be_cached("/static/pulje.css"));
        assert!(may_be_cached("/healthz"));
        for private in [
            "/",
            "/me",
            "/login",
            "/applications/1",
            "/api/v1/applications",
            "/reports/regional.pdf",
            "/healthz/x",
            "/staticx",
        ] {
            assert!(!may_be_cached(private), "{private}");
        }
    }
}
