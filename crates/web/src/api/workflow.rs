//! `/api/v1/applications/{id}/transitions` and `/api/v1/pools`: the path and the money.

use super::{body, ApiUser};
use crate::auth::policy::{self, Scope};
use crate::error::{ApiError, ApiResult, AppError};
use crate::extract::{Json, JsonRejection, Path, Query};
use crate::AppState;
use axum::extract::State;
use pulje_domain::workflow::Action;
use pulje_store::money::{self, PoolStatus};
use pulje_store::reference::OK21;
use pulje_store::workflow::{self, Step};
use pulje_store::{applications, StoreError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A step on the application's path.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TransitionBody {
    /// `submit`, `return`, `forward`, `approve`, `reject`, `sign`, `withdraw` or `terminate`.
    #[schema(schema_with = pulje_store::openapi::action)]
    pub action: String,
    /// `approve`: the annual supplement granted in øre (one of the pool's tiers; may differ from the one requested).
    pub tier_ore: Option<i64>,
    /// `approve`: why the steering group accepts over-committing a tranche.
    #[serde(default)]
    pub overcommit_reason: String,
    /// `reject`: the reason (required).
    #[serde(default)]
    pub reason: String,
    /// `return` (required), `forward`, `withdraw`, `terminate`: a comment for the thread.
    #[serde(default)]
    pub comment: String,
    /// `terminate`: the new end date, `YYYY-MM-DD`.
    pub end_date: Option<String>,
    /// `approve`/`reject`: the steering group meeting that decided.
    pub meeting_id: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TransitionResult {
    pub id: i64,
    /// The new status.
    #[schema(schema_with = pulje_store::openapi::status)]
    pub status: String,
    pub version: i64,
}

/// Builds the step from a request; the message names what is wrong.
pub(crate) fn step_from(b: &TransitionBody) -> Result<Step, AppError> {
    let action = Action::parse(&b.action).ok_or_else(|| {
        AppError::Invalid(format!(
            "Ukendt handling «{}». Brug submit, return, forward, approve, reject, sign, withdraw eller terminate.",
            b.action
        ))
    })?;
    let end_date = match b
        .end_date
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        Some(text) => Some(pulje_domain::parse_date(text).ok_or_else(|| {
            AppError::Invalid(format!("Slutdatoen «{text}» er ikke en gyldig dato."))
        })?),
        None => None,
    };
    // A rejection's reason, or another step's comment (either key is accepted for a comment).
    let reason = if action == Action::Reject || b.comment.trim().is_empty() {
        b.reason.clone()
    } else {
        b.comment.clone()
    };
    Ok(Step {
        action,
        tier_ore: b.tier_ore,
        overcommit_reason: b.overcommit_reason.clone(),
        reason,
        end_date,
        meeting_id: b.meeting_id,
    })
}

/// Takes a step. A refused step answers 409 (wrong state or over-commitment), 403 (wrong role)
/// or 422 (missing or wrong input), with a Danish `error`, and changes nothing.
#[utoipa::path(post, path = "/api/v1/applications/{id}/transitions", tag = "applications", request_body = TransitionBody,
    params(("id" = i64, Path, description = "Application id")),
    responses((status = 200, body = TransitionResult), (status = 403, description = "Wrong role"), (status = 404, description = "No such application, or another region's"),
        (status = 409, description = "Wrong state or over-commitment"), (status = 422, description = "Missing or wrong input")),
    security(("bearer" = []), ("session" = [])))]
pub async fn transition(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    payload: Result<Json<TransitionBody>, JsonRejection>,
) -> ApiResult<Json<TransitionResult>> {
    let b = body(payload)?;
    let step = step_from(&b)?;
    let app = take_step(&state, &user, id, &step).await?;
    Ok(Json(TransitionResult {
        id: app.id,
        status: app.status.as_str().into(),
        version: app.version,
    }))
}

/// Checks that the user may see the application, then takes the step in one transaction.
pub(crate) async fn take_step(
    state: &AppState,
    user: &crate::auth::CurrentUser,
    id: i64,
    step: &Step,
) -> Result<applications::Application, AppError> {
    let mut tx = state.db.begin().await?;
    let app = match applications::get(&mut tx, id).await {
        Ok(app) => app,
        Err(StoreError::NotFound) => return Err(AppError::NotFound),
        Err(e) => return Err(e.into()),
    };
    policy::require_view(user, &app)?;
    let today = chrono::Utc::now().date_naive();
    let after = workflow::take(&mut tx, &user.user, id, step, today).await?;
    tx.commit().await?;
    Ok(after)
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
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(p): Query<PoolParams>,
) -> ApiResult<Json<Vec<PoolStatus>>> {
    let region = Scope::of(&user)
        .narrow(p.region)?
        .ok_or_else(|| ApiError(AppError::Invalid("Angiv region.".into())))?;
    if pulje_domain::RegionCode::new(region).is_none() {
        return Err(ApiError(AppError::NotFound));
    }
    let mut conn = state.db.conn().await?;
    Ok(Json(
        money::pool_status(&mut conn, p.programme.as_deref().unwrap_or(OK21), region).await?,
    ))
}
