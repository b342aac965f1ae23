//! `/api/v1/reports/…`: a region's report and the national view as JSON, with the same access
//! rules as the pages (another region's report is a 404).

use super::ApiUser;
use crate::auth::policy;
use crate::error::{ApiError, ApiResult, AppError};
use crate::extract::{Json, Path, Query};
use crate::AppState;
use crate::Db;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use pulje_store::reference::OK21;
use pulje_store::reports::{NationalReport, RegionalReport};
use pulje_store::StoreError;
use serde::Deserialize;
use std::sync::Arc;
use utoipa::IntoParams;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProgrammeParams {
    /// Programme identifier; default `ok21`.
    pub programme: Option<String>,
}

impl ProgrammeParams {
    fn programme(&self) -> &str {
        self.programme.as_deref().unwrap_or(OK21)
    }
}

fn not_found(e: StoreError) -> ApiError {
    match e {
        StoreError::NotFound => ApiError(AppError::NotFound),
        e => e.into(),
    }
}

/// A region's report: every trial by number, counts by hospital, area, career track and type,
/// doctors involved, challenges, recommendations, the individual evaluations and the economy per
/// tranche (`allocated_ore`, `committed_ore`, `paid_ore`, `unused_ore` = allocated − committed).
#[utoipa::path(get, path = "/api/v1/reports/regional/{code}", tag = "reports",
    params(("code" = i64, Path, minimum = 1081, maximum = 1085, description = "Region code 1081–1085"), ProgrammeParams),
    responses((status = 200, body = RegionalReport), (status = 403, description = "The role may not read the report"),
        (status = 404, description = "Unknown region or programme, or another region's report")),
    security(("bearer" = []), ("session" = [])))]
pub async fn regional(
    State(state): State<AppState>,
    mut db: Db,
    ApiUser(user): ApiUser,
    Path(code): Path<i64>,
    Query(p): Query<ProgrammeParams>,
) -> ApiResult<Response> {
    let code = crate::error::region(code)?;
    policy::require_report_view(&user, code)?;
    // Encoded during the build's turn, while the report's rows are in memory anyway.
    let body = state
        .caches
        .regional_file(&mut db, p.programme(), code, |report| {
            serde_json::to_vec(&report)
        })
        .await
        .map_err(not_found)?
        .map_err(|e| ApiError(AppError::Internal(e.into())))?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// The national view: the five regions side by side (money, trials, afdelingslæger, counts by
/// area, career track and type, evaluation coverage as "x af y").
#[utoipa::path(get, path = "/api/v1/reports/national", tag = "reports", params(ProgrammeParams),
    responses((status = 200, body = NationalReport), (status = 403, description = "Only the national viewer and the system administrator"),
        (status = 404, description = "Unknown programme")),
    security(("bearer" = []), ("session" = [])))]
pub async fn national(
    State(state): State<AppState>,
    mut db: Db,
    ApiUser(user): ApiUser,
    Query(p): Query<ProgrammeParams>,
) -> ApiResult<Json<Arc<NationalReport>>> {
    policy::require_national_view(&user)?;
    let report = state
        .caches
        .national_report(&mut db, user.versions.as_ref(), p.programme())
        .await
        .map_err(not_found)?;
    Ok(Json(report))
}
