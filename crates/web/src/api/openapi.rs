//! The OpenAPI document: the handlers' annotations, gathered by the route list in `api/mod.rs`,
//! with the error answers every operation can give added here.

use crate::error::ErrorJson;
use axum::http::header;
use axum::response::IntoResponse;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, Ref, RefOr};
use utoipa::{Modify, OpenApi, PartialSchema, ToSchema};

/// The document's frame; its paths come from the route list.
#[derive(OpenApi)]
#[openapi(
    info(title = "pulje API", description = "Puljer, ansøgninger og forsøgsaftaler for afdelingslæger. Errors are `{\"error\": \"…\"}` with a Danish message (a refused save of an application also has `fields`). Requests with a session cookie that change data must send the session's CSRF token in `X-CSRF-Token`; bearer-token requests need none."),
    modifiers(&Security),
    tags((name = "applications", description = "Ansøgninger (aftaleskemaet)"), (name = "reference", description = "Regioner, programmer, puljer og regionernes opsætning"), (name = "users", description = "Brugere og revisionsspor"), (name = "money", description = "Puljernes penge"), (name = "learning", description = "Evalueringer og idékataloget"), (name = "reports", description = "Regionernes rapporter og den nationale oversigt"), (name = "open-data", description = "Åbne data om bevilgede forsøg (360Giving), uden login"))
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("pulje_session"))),
        );
    }
}

/// Completes the document gathered from the routes: the `Error` schema, and on every operation
/// the error answers the server gives for it whatever the handler does — 401 without a login,
/// 400 for a path or query parameter that cannot be read, 413/415/422 for a body that cannot
/// be read, 503 when the request times out — and the `Error` body on every documented error
/// answer that has none.
pub fn finish(mut doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let components = doc.components.get_or_insert_with(Default::default);
    components
        .schemas
        .insert(ErrorJson::name().into_owned(), ErrorJson::schema());
    for item in doc.paths.paths.values_mut() {
        for operation in operations(item) {
            add_error_answers(operation);
            refuse_nul_in_parameters(operation);
        }
    }
    doc
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        item.get.as_mut(),
        item.put.as_mut(),
        item.post.as_mut(),
        item.delete.as_mut(),
        item.patch.as_mut(),
    ]
    .into_iter()
    .flatten()
}

fn error_answer(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            Content::new(Some(Ref::from_schema_name("Error"))),
        )
        .build()
}

/// The pattern of every text parameter: the server refuses the NUL character in an address
/// (PostgreSQL cannot store it in text).
const NO_NUL: &str = "^[^\\x00]*$";

/// States on every text parameter without a pattern of its own that NUL is refused.
fn refuse_nul_in_parameters(operation: &mut Operation) {
    use utoipa::openapi::schema::{Schema, SchemaType, Type};
    for parameter in operation.parameters.iter_mut().flatten() {
        if let Some(RefOr::T(Schema::Object(object))) = parameter.schema.as_mut() {
            let text = match &object.schema_type {
                SchemaType::Type(t) => *t == Type::String,
                SchemaType::Array(types) => types.contains(&Type::String),
                SchemaType::AnyValue => false,
            };
            if text && object.pattern.is_none() {
                object.pattern = Some(NO_NUL.into());
            }
        }
    }
}

fn add_error_answers(operation: &mut Operation) {
    let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
    let has_parameters = operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
    let has_body = operation.request_body.is_some();
    let mut standard: Vec<(&str, &str)> = Vec::new();
    if secured {
        standard.push(("401", "Not logged in, or an unknown or revoked token"));
    }
    if has_parameters {
        standard.push(("400", "A path or query parameter cannot be read"));
    }
    if has_body {
        standard.push(("413", "The body is larger than the server accepts"));
        standard.push(("415", "The body is not `application/json`"));
        standard.push((
            "422",
            "The JSON cannot be read, or a field is missing or of the wrong type",
        ));
    }
    standard.push(("503", "The request took too long and was given up"));
    let responses = &mut operation.responses.responses;
    for (status, description) in standard {
        responses
            .entry(status.to_string())
            .or_insert_with(|| RefOr::T(error_answer(description)));
    }
    for (status, response) in responses.iter_mut() {
        let is_error = status.starts_with('4') || status.starts_with('5');
        if let RefOr::T(r) = response {
            if is_error && r.content.is_empty() {
                let description = std::mem::take(&mut r.description);
                *r = error_answer(&description);
            }
        }
    }
}

/// `GET /api/v1/openapi.json`, readable without login: the document, serialised once.
pub fn document(
    doc: utoipa::openapi::OpenApi,
) -> impl Fn() -> std::future::Ready<axum::response::Response> + Clone + Send + Sync + 'static {
    let json: std::sync::Arc<str> = doc.to_pretty_json().unwrap_or_else(|_| "{}".into()).into();
    move || {
        std::future::ready(
            (
                [(header::CONTENT_TYPE, "application/json")],
                json.to_string(),
            )
                .into_response(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_api_route_is_documented() {
        let doc = crate::api::openapi();
        let documented: std::collections::BTreeSet<&str> =
            doc.paths.paths.keys().map(String::as_str).collect();
        let routed = [
            "/api/v1/applications",
            "/api/v1/applications/{id}",
            "/api/v1/applications/{id}/transitions",
            "/api/v1/applications/{id}/comments",
            "/api/v1/applications/{id}/months",
            "/api/v1/applications/{id}/parties",
            "/api/v1/applications/{id}/parties/{party}",
            "/api/v1/pools",
            "/api/v1/regions",
            "/api/v1/programmes",
            "/api/v1/programmes/{id}",
            "/api/v1/programmes/{id}/definition",
            "/api/v1/hospitals",
            "/api/v1/hospitals/{id}",
            "/api/v1/departments",
            "/api/v1/departments/{id}",
            "/api/v1/areas",
            "/api/v1/areas/{id}",
            "/api/v1/tiers",
            "/api/v1/tiers/{id}",
            "/api/v1/rounds",
            "/api/v1/rounds/{id}",
            "/api/v1/me",
            "/api/v1/mail-templates/{region}/{programme}",
            "/api/v1/mail-templates/{region}/{programme}/{event}",
            "/api/v1/users",
            "/api/v1/users/{id}/disable",
            "/api/v1/users/{id}/enable",
            "/api/v1/audit",
            "/api/v1/catalogue",
            "/api/v1/applications/{id}/evaluation",
            "/api/v1/applications/{id}/instalments",
            "/api/v1/applications/{id}/instalments/{instalment_id}/payment",
            "/api/v1/applications/{id}/files",
            "/api/v1/applications/{id}/files/{file_id}",
            "/api/v1/applications/{id}/review",
            "/api/v1/applications/{id}/review/declaration",
            "/api/v1/applications/{id}/review/scores",
            "/api/v1/applications/{id}/review/checklist/{number}",
            "/api/v1/reports/regional/{code}",
            "/api/v1/reports/national",
            "/api/v1/open-data/360giving.json",
            "/api/v1/open-data/360giving.csv",
        ];
        assert_eq!(documented, routed.into_iter().collect());
        // An evaluation is read (an agreement's or a programme application's) and, for a
        // programme defined as data, saved on the same address.
        let evaluation = &doc.paths.paths["/api/v1/applications/{id}/evaluation"];
        assert!(evaluation.get.is_some() && evaluation.put.is_some());
        let json = doc.to_json().unwrap();
        assert!(json.contains("ProgrammeEvaluationBody") && json.contains("AnyEvaluationJson"));
        assert!(json.contains("ApplicationJson") && json.contains("supplement_ore"));
        assert!(json.contains("RegionalReport") && json.contains("trials_by_hospital"));
    }

    /// Every error answer is documented with a body, and every operation with the answers the
    /// server gives for it whatever its handler does.
    #[test]
    fn every_error_answer_has_its_schema() {
        let mut doc = crate::api::openapi();
        let mut checked = 0;
        for (path, item) in doc.paths.paths.iter_mut() {
            for operation in operations(item) {
                let responses = &operation.responses.responses;
                // Every operation but the open data's needs a login.
                let public = path.starts_with("/api/v1/open-data/");
                assert_eq!(responses.contains_key("401"), !public, "{path}: 401");
                assert!(responses.contains_key("503"), "{path}: no 503");
                if operation.request_body.is_some() {
                    for status in ["413", "415", "422"] {
                        assert!(responses.contains_key(status), "{path}: no {status}");
                    }
                }
                for (status, response) in responses {
                    let RefOr::T(r) = response else {
                        panic!("{path} {status}: a reference")
                    };
                    if status.starts_with('4') || status.starts_with('5') {
                        let json = serde_json::to_value(&r.content["application/json"]).unwrap();
                        let schema = json["schema"]["$ref"].as_str().unwrap_or_default();
                        assert!(
                            schema == "#/components/schemas/Error"
                                || schema == "#/components/schemas/ValidationErrorJson",
                            "{path} {status}: {json}"
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 100, "{checked}");
    }

    /// Every text parameter states that the NUL character, which the server refuses, is not
    /// allowed.
    #[test]
    fn text_parameters_refuse_nul() {
        let doc = serde_json::to_value(crate::api::openapi()).unwrap();
        let mut texts = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                for p in operation["parameters"].as_array().into_iter().flatten() {
                    if p["schema"]["type"] == "string" {
                        assert_eq!(p["schema"]["pattern"], NO_NUL, "{method} {path} {p}");
                        texts += 1;
                    }
                }
            }
        }
        assert!(texts > 10, "{texts}");
    }

    /// Every `$ref` names a schema of the document; the audit log's and the catalogue's
    /// entries are told apart.
    #[test]
    fn every_reference_resolves() {
        let doc = serde_json::to_value(crate::api::openapi()).unwrap();
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        let text = doc.to_string();
        for part in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
            let name = part.split('"').next().unwrap();
            assert!(schemas.contains_key(name), "{name} is not in the document");
        }
        let audit = &schemas["AuditEntry"]["properties"];
        assert!(audit.get("kind").is_none() && audit.get("entity").is_some());
        assert!(schemas["CatalogueEntry"]["properties"]
            .get("kind")
            .is_some());
        assert!(!schemas.contains_key("Entry"));
    }
}
