//! The JSON API under `/api/v1`, described by the OpenAPI document at `/api/v1/openapi.json`.
//!
//! Every handler takes an [`ApiUser`] (session cookie or `Authorization: Bearer` token) and
//! applies the same [`crate::auth::policy`] as the pages; errors are `{"error": "…"}` in Danish.

mod admin;
mod applications;
mod learning;
mod manage;
mod openapi;
mod reference;
mod reports;
mod workflow;

use crate::auth::CurrentUser;
use crate::error::{ApiError, AppError};
use crate::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::routing::{delete, get, post, put};
use axum::Router;
pub use openapi::ApiDoc;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi::document))
        .route("/me", get(admin::me))
        .route(
            "/applications",
            get(applications::list).post(applications::create),
        )
        .route(
            "/applications/{id}",
            get(applications::show).put(applications::update),
        )
        .route("/applications/{id}/transitions", post(workflow::transition))
        .route("/pools", get(workflow::pools))
        .route("/regions", get(reference::regions))
        .route("/programmes", get(reference::programmes))
        .route("/programmes/{id}", get(reference::programme))
        .route(
            "/hospitals",
            get(reference::hospitals).post(manage::create_hospital),
        )
        .route("/hospitals/{id}", put(manage::update_hospital))
        .route(
            "/departments",
            get(reference::departments).post(manage::create_department),
        )
        .route("/departments/{id}", put(manage::update_department))
        .route("/areas", get(reference::areas).post(manage::create_area))
        .route("/areas/{id}", put(manage::update_area))
        .route("/tiers", get(reference::tiers).post(manage::create_tier))
        .route("/tiers/{id}", delete(manage::delete_tier))
        .route("/rounds", get(reference::rounds).post(manage::create_round))
        .route("/rounds/{id}", put(manage::update_round))
        .route("/users", get(admin::users).post(manage::create_user))
        .route("/users/{id}/disable", post(manage::disable_user))
        .route("/users/{id}/enable", post(manage::enable_user))
        .route("/audit", get(admin::audit))
        .route("/catalogue", get(learning::catalogue))
        .route("/applications/{id}/evaluation", get(learning::evaluation))
        .route("/reports/regional/{code}", get(reports::regional))
        .route("/reports/national", get(reports::national))
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

/// A JSON body, or a Danish message saying why it could not be read.
pub(crate) fn body<T>(result: Result<axum::Json<T>, JsonRejection>) -> Result<T, ApiError> {
    result.map(|axum::Json(v)| v).map_err(|e| {
        ApiError(AppError::Invalid(format!(
            "Forespørgslens JSON kan ikke læses: {}",
            e.body_text()
        )))
    })
}
