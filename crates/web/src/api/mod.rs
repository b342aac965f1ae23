//! The JSON API under `/api/v1`, described by the OpenAPI document at `/api/v1/openapi.json`.
//!
//! Every handler takes an [`ApiUser`] (session cookie or `Authorization: Bearer` token) and
//! applies the same [`crate::auth::policy`] as the pages — except the open data under
//! `/api/v1/open-data/`, published for anyone; errors are `{"error": "…"}` in Danish.

mod admin;
mod applications;
mod learning;
mod mail_templates;
mod manage;
mod open_data;
mod openapi;
mod programme_applications;
mod programme_evaluations;
mod programme_review;
mod reference;
mod reports;
mod signing;
mod workflow;

use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::extract::{Json, JsonRejection};
use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::Router;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};
use utoipa_axum::routes;

/// The API's routes, with `/api/v1/openapi.json` describing exactly them.
pub fn routes() -> Router<AppState> {
    let (router, doc) = documented().0.split_for_parts();
    router.route(
        "/api/v1/openapi.json",
        axum::routing::get(openapi::document(openapi::finish(doc))),
    )
}

/// The OpenAPI document of the API, as `/api/v1/openapi.json` serves it.
pub fn openapi() -> utoipa::openapi::OpenApi {
    openapi::finish(documented().0.into_openapi())
}

/// Every API route. A handler is registered only through `routes!`, which takes its path and
/// method from its `#[utoipa::path]` and adds that description to the document, so no route
/// can be served undocumented.
fn documented() -> Documented {
    Documented::new()
        .routes(routes!(admin::me))
        .routes(routes!(applications::list, applications::create))
        .routes(routes!(applications::show, applications::update))
        .routes(routes!(applications::comments))
        .routes(routes!(applications::months))
        .routes(routes!(workflow::transition))
        .routes(routes!(signing::parties))
        .routes(routes!(signing::bind))
        .routes(routes!(programme_applications::instalments))
        .routes(routes!(programme_applications::pay))
        .routes({
            // A file's bytes are larger than the API's other bodies.
            let (paths, schemas, router) = routes!(programme_applications::attach);
            (
                paths,
                schemas,
                router.layer(axum::extract::DefaultBodyLimit::max(
                    programme_applications::FILE_BODY_MAX,
                )),
            )
        })
        .routes(routes!(
            programme_applications::file,
            programme_applications::detach
        ))
        .routes(routes!(programme_review::show))
        .routes(routes!(programme_review::declare))
        .routes(routes!(programme_review::score))
        .routes(routes!(programme_review::tick))
        .routes(routes!(workflow::pools))
        .routes(routes!(open_data::giving_json))
        .routes(routes!(open_data::giving_csv))
        .routes(routes!(reference::regions))
        .routes(routes!(reference::programmes))
        .routes(routes!(reference::programme))
        .routes(routes!(reference::definition))
        .routes(routes!(reference::hospitals, manage::create_hospital))
        .routes(routes!(manage::update_hospital))
        .routes(routes!(reference::departments, manage::create_department))
        .routes(routes!(manage::update_department))
        .routes(routes!(reference::areas, manage::create_area))
        .routes(routes!(manage::update_area))
        .routes(routes!(reference::tiers, manage::create_tier))
        .routes(routes!(manage::delete_tier))
        .routes(routes!(reference::rounds, manage::create_round))
        .routes(routes!(manage::update_round))
        .routes(routes!(admin::users, manage::create_user))
        .routes(routes!(manage::disable_user))
        .routes(routes!(manage::enable_user))
        .routes(routes!(admin::audit))
        .routes(routes!(mail_templates::list))
        .routes(routes!(mail_templates::save, mail_templates::reset))
        .routes(routes!(learning::catalogue))
        .routes(routes!(learning::evaluation, programme_evaluations::save))
        .routes(routes!(reports::regional))
        .routes(routes!(reports::national))
}

/// The API's router, which only takes documented handlers, and refuses two different schemas
/// under one name (the document would silently keep one of them).
struct Documented(
    OpenApiRouter<AppState>,
    std::collections::BTreeMap<String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>>,
);

impl Documented {
    fn new() -> Documented {
        Documented(
            OpenApiRouter::with_openapi(<openapi::ApiDoc as utoipa::OpenApi>::openapi()),
            Default::default(),
        )
    }

    fn routes(mut self, handlers: UtoipaMethodRouter<AppState>) -> Documented {
        for (name, schema) in &handlers.0 {
            if let Some(known) = self.1.insert(name.clone(), schema.clone()) {
                assert!(
                    known == *schema,
                    "two different schemas are named {name} in the OpenAPI document"
                );
            }
        }
        Documented(self.0.routes(handlers), self.1)
    }
}

/// The logged-in user of an API request; without one the answer is 401 JSON.
pub struct ApiUser(pub CurrentUser);

impl<S: Send + Sync> FromRequestParts<S> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        CurrentUser::from_request_parts(parts, state)
            .await
            .map(ApiUser)
            .map_err(ApiError)
    }
}

/// A JSON body, or the Danish message saying why it could not be read.
pub(crate) fn body<T>(result: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    result.map(|Json(v)| v)
}
