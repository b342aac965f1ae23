//! The API's extractors: axum's `Path`, `Query` and `Json`, whose rejections become
//! [`ApiError`]s — `{"error": "…"}` in Danish, naming the parameter or field that could not be
//! read. API handlers import these instead of axum's. Pages take their forms through [`Form`],
//! which refuses what the database cannot store the same way on both backends.
//!
//! Statuses: an unreadable path or query parameter is 400, a body that is not
//! `application/json` 415, a body over the limit 413, and JSON that cannot be read — malformed,
//! or a field missing or of the wrong type — 422, as the API has always answered it.

use crate::error::{ApiError, AppError};
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Path parameters, e.g. `Path(id): Path<i64>`.
#[derive(Debug)]
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if parts.uri.path().contains("%00") {
            return Err(bad_request(NUL_IN_ADDRESS.into()));
        }
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(rejection) => {
                // A single value (`Path<i64>`) is refused without its name; the route has it.
                let names: Vec<String> =
                    match axum::extract::RawPathParams::from_request_parts(parts, state).await {
                        Ok(raw) => raw.iter().map(|(k, _)| k.to_string()).collect(),
                        Err(_) => Vec::new(),
                    };
                Err(bad_request(path_message(&rejection, &names)))
            }
        }
    }
}

fn path_message(rejection: &PathRejection, names: &[String]) -> String {
    use axum::extract::path::ErrorKind;
    let PathRejection::FailedToDeserializePathParams(e) = rejection else {
        return "Adressens parametre kan ikke læses.".into();
    };
    match e.kind() {
        ErrorKind::ParseErrorAtKey {
            key,
            value,
            expected_type,
        } => format!(
            "Adressens parameter «{key}» skal være {}, ikke «{value}».",
            kind_of(expected_type)
        ),
        ErrorKind::ParseError {
            value,
            expected_type,
        } if names.len() == 1 => format!(
            "Adressens parameter «{}» skal være {}, ikke «{value}».",
            names[0],
            kind_of(expected_type)
        ),
        ErrorKind::ParseErrorAtIndex {
            index,
            value,
            expected_type,
        } if *index < names.len() => format!(
            "Adressens parameter «{}» skal være {}, ikke «{value}».",
            names[*index],
            kind_of(expected_type)
        ),
        ErrorKind::ParseError {
            value,
            expected_type,
        }
        | ErrorKind::ParseErrorAtIndex {
            value,
            expected_type,
            ..
        } => format!(
            "Adressens parameter skal være {}, ikke «{value}».",
            kind_of(expected_type)
        ),
        ErrorKind::InvalidUtf8InPathParam { key } => {
            format!("Adressens parameter «{key}» er ikke gyldig UTF-8.")
        }
        ErrorKind::DeserializeError { key, value, .. } => {
            format!("Adressens parameter «{key}» har en ugyldig værdi: «{value}».")
        }
        _ => "Adressens parametre kan ikke læses.".into(),
    }
}

/// A Rust type name or a serde expectation in Danish words.
fn kind_of(expected: &str) -> &'static str {
    let e = expected.to_ascii_lowercase();
    if [
        "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "usize", "isize", "integer",
    ]
    .iter()
    .any(|t| e.contains(t))
    {
        "et heltal"
    } else if e.contains("f32") || e.contains("f64") || e.contains("float") {
        "et tal"
    } else if e.contains("bool") {
        "true eller false"
    } else if e.contains("sequence") || e.contains("vec") {
        "en liste"
    } else if e.contains("map") || e.contains("struct") {
        "et objekt"
    } else if e.contains("str") || e.contains("char") {
        "tekst"
    } else {
        "en anden slags værdi"
    }
}

/// Query parameters, e.g. `Query(p): Query<ListParams>`.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        if query.contains("%00") {
            return Err(bad_request(NUL_IN_ADDRESS.into()));
        }
        let deserializer =
            serde_urlencoded::Deserializer::new(url::form_urlencoded::parse(query.as_bytes()));
        match serde_path_to_error::deserialize::<_, T>(deserializer) {
            Ok(value) => Ok(Query(value)),
            Err(e) => {
                let key = e.path().to_string();
                let message = if key.is_empty() || key == "." {
                    if e.inner().to_string().starts_with("duplicate field") {
                        "En parameter står mere end én gang i adressen.".to_string()
                    } else {
                        "Adressens parametre kan ikke læses.".to_string()
                    }
                } else {
                    let value = url::form_urlencoded::parse(query.as_bytes())
                        .find(|(k, _)| *k == key)
                        .map(|(_, v)| v.into_owned())
                        .unwrap_or_default();
                    format!("Parameteren «{key}» har en ugyldig værdi: «{value}».")
                };
                Err(bad_request(message))
            }
        }
    }
}

/// A JSON body (`Content-Type: application/json`), e.g. `Json(b): Json<HospitalBody>`; also
/// the JSON answer of a handler.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T, S> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase())
            .is_some_and(|v| v == "application/json" || v.ends_with("+json"));
        if !is_json {
            return Err(ApiError(AppError::UnsupportedMediaType(
                "Indholdet skal være JSON: send Content-Type: application/json.".into(),
            )));
        }
        let bytes = match Bytes::from_request(request, state).await {
            Ok(bytes) => bytes,
            Err(BytesRejection::FailedToBufferBody(e))
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE =>
            {
                return Err(ApiError(AppError::TooLarge))
            }
            Err(_) => return Err(unreadable("den kunne ikke læses til ende")),
        };
        // Read as a JSON value first (malformed JSON is refused here), refuse the NUL
        // character that PostgreSQL cannot store in text, then read the value into `T`, with
        // the path of a field that does not fit.
        let value: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| json_error(String::new(), &e))?;
        if let Some(field) = nul_in(&value, String::new()) {
            return Err(unreadable(&format!(
                "feltet «{field}» indeholder tegnet NUL (\\u0000), som ikke kan gemmes"
            )));
        }
        let value = serde_path_to_error::deserialize::<_, T>(value)
            .map_err(|e| json_error(e.path().to_string(), e.inner()))?;
        Ok(Json(value))
    }
}

/// Why the JSON could not be read, naming the field at `field` (empty: the whole body).
fn json_error(field: String, inner: &serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    let at_root = field.is_empty() || field == ".";
    let reason = match inner.classify() {
        Category::Data => {
            let text = inner.to_string();
            if let Some(rest) = text.strip_prefix("missing field `") {
                let name = rest.split('`').next().unwrap_or_default();
                if at_root {
                    format!("feltet «{name}» mangler")
                } else {
                    format!("feltet «{field}.{name}» mangler")
                }
            } else if text.starts_with("feltet ") {
                // A type's own Danish message naming the field (the agreement form's body).
                text
            } else if at_root {
                "den har ikke den form, adressen venter (se API-beskrivelsen)".to_string()
            } else {
                match text.split(", expected ").nth(1) {
                    Some(expected) => format!("feltet «{field}» skal være {}", kind_of(expected)),
                    None => format!("feltet «{field}» har en ugyldig værdi"),
                }
            }
        }
        Category::Syntax | Category::Eof => format!(
            "den er ikke gyldig JSON (linje {}, kolonne {})",
            inner.line(),
            inner.column()
        ),
        Category::Io => "den kunne ikke læses til ende".to_string(),
    };
    unreadable(&reason)
}

fn unreadable(reason: &str) -> ApiError {
    ApiError(AppError::Invalid(format!(
        "Forespørgslens JSON kan ikke læses: {reason}."
    )))
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// Refused in an address: PostgreSQL cannot store the NUL character in text.
const NUL_IN_ADDRESS: &str = "Adressen indeholder tegnet NUL (%00), som ikke kan bruges.";

/// Refuses every request whose address (path or query) holds the NUL character, `%00`, before
/// any handler reads it: 400 with the Danish message, as JSON under `/api/` and as the error page
/// elsewhere. PostgreSQL cannot compare or store text with NUL, so a search word or a text path
/// parameter holding one was a server error there (and a different answer on SQLite).
pub async fn refuse_nul_in_address(request: Request, next: axum::middleware::Next) -> Response {
    let uri = request.uri();
    let has_nul = uri
        .path_and_query()
        .is_some_and(|pq| pq.as_str().contains("%00"));
    if !has_nul {
        return next.run(request).await;
    }
    let refused = AppError::BadRequest(NUL_IN_ADDRESS.into());
    if crate::error::is_api_path(uri.path()) {
        ApiError(refused).into_response()
    } else {
        refused.into_response()
    }
}

/// The path of the first string or key in `value` that holds the NUL character.
fn nul_in(value: &serde_json::Value, path: String) -> Option<String> {
    let at = |path: &str, key: &str| {
        if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        }
    };
    match value {
        serde_json::Value::String(s) if s.contains('\0') => {
            Some(if path.is_empty() { ".".into() } else { path })
        }
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| nul_in(v, format!("{path}[{i}]"))),
        serde_json::Value::Object(map) => map.iter().find_map(|(k, v)| {
            if k.contains('\0') {
                Some(at(&path, k))
            } else {
                nul_in(v, at(&path, k))
            }
        }),
        _ => None,
    }
}

fn bad_request(message: String) -> ApiError {
    ApiError(AppError::BadRequest(message))
}

/// What a [`Json`] body is refused with. A handler that takes `Result<Json<T>, JsonRejection>`
/// decides itself when to report it (after checking the user's role, say).
pub type JsonRejection = ApiError;

/// A page form (`application/x-www-form-urlencoded`), e.g. `Form(f): Form<LoginForm>`; page
/// handlers import this instead of axum's (`crates/web/clippy.toml` forbids that one).
///
/// A field whose name or value holds the NUL character, which PostgreSQL cannot store in text
/// (and SQLite would cut it off at), is refused with a Danish message naming the field (422,
/// the Danish error page), before anything is read into `T` or stored.
#[derive(Debug)]
pub struct Form<T>(pub T);

impl<T, S> FromRequest<S> for Form<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_form = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| {
                v.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            });
        if !is_form {
            return Err(AppError::UnsupportedMediaType(
                "Formularen skal sendes som application/x-www-form-urlencoded.".into(),
            ));
        }
        let bytes = match Bytes::from_request(request, state).await {
            Ok(bytes) => bytes,
            Err(BytesRejection::FailedToBufferBody(e))
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE =>
            {
                return Err(AppError::TooLarge)
            }
            Err(_) => {
                return Err(AppError::BadRequest(
                    "Formularen kunne ikke læses til ende.".into(),
                ))
            }
        };
        if let Some(field) = nul_in_form(&bytes) {
            return Err(AppError::Invalid(format!(
                "Feltet «{field}» indeholder tegnet NUL, som ikke kan gemmes. Fjern det, og send formularen igen."
            )));
        }
        serde_urlencoded::from_bytes::<T>(&bytes)
            .map(Form)
            .map_err(|e| {
                tracing::info!(error = %e, "a page form could not be read");
                AppError::Invalid(
                    "Formularen kan ikke læses. Genindlæs siden, og prøv igen.".into(),
                )
            })
    }
}

/// The name of the first field of a URL-encoded form whose name or value holds the NUL
/// character (`%00`, or a raw zero byte).
fn nul_in_form(body: &[u8]) -> Option<String> {
    url::form_urlencoded::parse(body).find_map(|(k, v)| {
        (k.contains('\0') || v.contains('\0')).then(|| {
            let name: String = k.chars().filter(|c| !c.is_control()).take(100).collect();
            name
        })
    })
}

#[cfg(test)]
mod tests {
    use super::nul_in_form;

    #[test]
    fn a_nul_anywhere_in_a_form_is_found_by_field_name() {
        assert_eq!(nul_in_form(b"title=ok&notes=fine"), None);
        assert_eq!(
            nul_in_form(b"title=ok&notes=a%00b"),
            Some("notes".to_string())
        );
        assert_eq!(nul_in_form(b"ti%00tle=ok"), Some("title".to_string()));
        assert_eq!(nul_in_form(b"title=a\0b"), Some("title".to_string()));
    }
}
