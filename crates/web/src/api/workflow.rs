//! `/api/v1/applications/{id}/transitions` and `/api/v1/pools`: the path and the money.

use super::{body, ApiUser};
use crate::auth::policy::Scope;
use crate::error::{ApiError, ApiResult, AppError};
use crate::extract::{Json, JsonRejection, Path, Query};
use crate::Db;
use pulje_app::workflow::{step_from, take_step, TransitionBody};
use pulje_domain::{ApplicationId, RegionCode};
use pulje_store::money::{self, PoolStatus};
use pulje_store::reference::OK21;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A step on the application's path.
#[derive(Debug, Serialize, ToSchema)]
pub struct TransitionResult {
    pub id: i64,
    /// The new status: OK21's (`submitted`, `active`, …) or a state of the programme's workflow.
    pub status: String,
    pub version: i64,
}

/// Builds the step from a request; the message names what is wrong.
#[utoipa::path(post, path = "/api/v1/applications/{id}/transitions", tag = "applications", request_body = TransitionBody,
    params(("id" = i64, Path, description = "Application id")),
    responses((status = 200, body = TransitionResult), (status = 403, description = "Wrong role; or a decision or a signature asked in a browser session whose login is more than 10 minutes old (an API token is not asked)"), (status = 404, description = "No such application, or another region's"),
        (status = 409, description = "Wrong state or over-commitment"), (status = 422, description = "Missing or wrong input")),
    security(("bearer" = []), ("session" = [])))]
pub async fn transition(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    mut db: Db,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    payload: Result<Json<TransitionBody>, JsonRejection>,
) -> ApiResult<Json<TransitionResult>> {
    let b = body(payload)?;
    let id_ = ApplicationId::new(id);
    if is_programme_application(&mut db, id_).await? {
        let app = super::programme_applications::transition(
            &mut db,
            &user,
            id_,
            &b,
            &state.config.public_url,
        )
        .await?;
        return Ok(Json(TransitionResult {
            id: app.id.get(),
            status: app.state,
            version: app.version,
        }));
    }
    let step = step_from(&b, user.authentication())?;
    let app = take_step(&mut db, &user, ApplicationId::new(id), &step).await?;
    Ok(Json(TransitionResult {
        id: i64::from(app.id),
        status: app.status.as_str().into(),
        version: app.version,
    }))
}

/// Whether `id` is an application of a programme defined as data (its steps are the
/// programme's own).
pub(super) async fn is_programme_application(
    db: &mut crate::Db,
    id: ApplicationId,
) -> ApiResult<bool> {
    let mut conn = db.conn().await?;
    Ok(pulje_store::programme_applications::is_one(&mut conn, id).await?)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PoolParams {
    /// Region code 1081–1085; regional users may only ask for their own.
    #[param(minimum = 1081, maximum = 1085)]
    pub region: Option<i64>,
    /// Programme identifier; default `ok21`.
    pub programme: Option<String>,
}

/// Each tranche of a region's pool with amount, committed, paid and remaining.
#[utoipa::path(get, path = "/api/v1/pools", tag = "money", params(PoolParams),
    responses((status = 200, body = [PoolStatus]), (status = 404, description = "Another region's pool, or an unknown region code"),
        (status = 422, description = "No region given by a user without one")),
    security(("bearer" = []), ("session" = [])))]
pub async fn pools(
    mut db: Db,
    ApiUser(user): ApiUser,
    Query(p): Query<PoolParams>,
) -> ApiResult<Json<Vec<PoolStatus>>> {
    let requested = match p.region {
        Some(code) => Some(RegionCode::new(code).ok_or(ApiError(AppError::NotFound))?),
        None => None,
    };
    let region = Scope::of(&user)
        .narrow(requested)?
        .ok_or_else(|| ApiError(AppError::Invalid("Angiv region.".into())))?;
    let mut conn = db.conn().await?;
    Ok(Json(
        money::pool_status(&mut conn, p.programme.as_deref().unwrap_or(OK21), region).await?,
    ))
}
