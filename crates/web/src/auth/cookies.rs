//! Reading and writing the cookies pulje sets.

use axum::http::HeaderMap;

/// The session cookie: a random token whose hash is the session's key.
pub const SESSION_COOKIE: &str = "pulje_session";
/// Before login: a random token the login form must echo (double-submit CSRF protection).
pub const CSRF_COOKIE: &str = "pulje_csrf";
/// A device the user has logged in from: a random token whose hash is kept (`known_devices`), so
/// the login throttle can tell the user's own browser from an attacker's.
pub const DEVICE_COOKIE: &str = "pulje_device";

pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, path `/`.
pub fn set_cookie(name: &str, value: &str, max_age_seconds: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_seconds}{secure}")
}
