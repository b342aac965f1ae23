//! The OpenAPI document, generated from the handlers' annotations.

use super::{admin, applications, learning, manage, reference, reports, workflow};
use axum::http::header;
use axum::response::IntoResponse;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "pulje API", description = "Puljer, ansøgninger og forsøgsaftaler for afdelingslæger. Errors are `{\"error\": \"…\"}` with a Danish message. Requests with a session cookie that change data must send the session's CSRF token in `X-CSRF-Token`; bearer-token requests need none."),
    paths(
        applications::list, applications::show, applications::create, applications::update,
        workflow::transition, workflow::pools,
        reference::regions, reference::programmes, reference::programme, reference::hospitals, reference::departments,
        reference::areas, reference::tiers, reference::rounds,
        admin::me, admin::users, admin::audit,
        manage::create_hospital, manage::update_hospital, manage::create_department, manage::update_department,
        manage::create_area, manage::update_area, manage::create_tier, manage::delete_tier,
        manage::create_round, manage::update_round,
        manage::create_user, manage::disable_user, manage::enable_user,
        learning::catalogue, learning::evaluation,
        reports::regional, reports::national,
    ),
    modifiers(&Security),
    tags((name = "applications", description = "Ansøgninger (aftaleskemaet)"), (name = "reference", description = "Regioner, programmer, puljer og regionernes opsætning"), (name = "users", description = "Brugere og revisionsspor"), (name = "money", description = "Puljernes penge"), (name = "learning", description = "Evalueringer og idékataloget"), (name = "reports", description = "Regionernes rapporter og den nationale oversigt"))
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

/// `GET /api/v1/openapi.json`, readable without login.
pub async fn document() -> impl IntoResponse {
    let json = ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|_| "{}".into());
    ([(header::CONTENT_TYPE, "application/json")], json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_api_route_is_documented() {
        let doc = ApiDoc::openapi();
        let documented: std::collections::BTreeSet<&str> =
            doc.paths.paths.keys().map(String::as_str).collect();
        let routed = [
            "/api/v1/applications",
            "/api/v1/applications/{id}",
            "/api/v1/applications/{id}/transitions",
            "/api/v1/pools",
            "/api/v1/regions",
            "/api/v1/programmes",
            "/api/v1/programmes/{id}",
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
            "/api/v1/users",
            "/api/v1/users/{id}/disable",
            "/api/v1/users/{id}/enable",
            "/api/v1/audit",
            "/api/v1/catalogue",
            "/api/v1/applications/{id}/evaluation",
            "/api/v1/reports/regional/{code}",
            "/api/v1/reports/national",
        ];
        assert_eq!(documented, routed.into_iter().collect());
        let json = doc.to_json().unwrap();
        assert!(json.contains("ApplicationJson") && json.contains("supplement_ore"));
        assert!(json.contains("RegionalReport") && json.contains("trials_by_hospital"));
    }
}
