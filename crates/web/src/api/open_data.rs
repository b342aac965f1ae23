//! `/api/v1/open-data/…`: a programme's awarded grants as open data in the 360Giving Data
//! Standard, for anyone, without logging in (`pulje_app::open_data` says what is published and
//! what never is).

use crate::error::{ApiError, ApiResult, AppError};
use crate::extract::Query;
use crate::Db;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use pulje_store::reference::OK21;
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OpenDataParams {
    /// Programme identifier; default `ok21`.
    pub programme: Option<String>,
}

async fn package(db: &mut Db, p: &OpenDataParams) -> ApiResult<pulje_app::open_data::Package> {
    let programme = p.programme.as_deref().unwrap_or(OK21);
    pulje_app::open_data::package(db, programme)
        .await?
        .ok_or(ApiError(AppError::NotFound))
}

/// The programme's awarded grants as a 360Giving grant package (JSON, standard version 1.4):
/// identifier, title, description, currency DKK, amount awarded in kroner, award date, planned
/// dates, the hospital department as recipient, the region as funder, the programme. No
/// personal data.
#[utoipa::path(get, path = "/api/v1/open-data/360giving.json", tag = "open-data", params(OpenDataParams),
    responses((status = 200, body = Object, description = "A 360Giving grant package", content_type = "application/json"),
        (status = 404, description = "Unknown programme, or one that has awarded no grants yet")))]
pub async fn giving_json(mut db: Db, Query(p): Query<OpenDataParams>) -> ApiResult<Response> {
    let package = package(&mut db, &p).await?;
    let body =
        serde_json::to_vec_pretty(&package).map_err(|e| ApiError(AppError::Internal(e.into())))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response())
}

/// The same grants as the 360Giving standard's flat CSV (comma-separated UTF-8 with a BOM).
#[utoipa::path(get, path = "/api/v1/open-data/360giving.csv", tag = "open-data", params(OpenDataParams),
    responses((status = 200, body = String, description = "The grants as 360Giving CSV", content_type = "text/csv"),
        (status = 404, description = "Unknown programme, or one that has awarded no grants yet")))]
pub async fn giving_csv(mut db: Db, Query(p): Query<OpenDataParams>) -> ApiResult<Response> {
    let package = package(&mut db, &p).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"360giving.csv\"",
            ),
        ],
        pulje_app::open_data::csv(&package),
    )
        .into_response())
}
