//! The evaluation of an application of a programme defined as data, on the same address as an
//! OK21 agreement's (`/api/v1/applications/{id}/evaluation`): read it, and save or submit it.
//! `learning::evaluation` hands such an application here.

use super::applications::ValidationErrorJson;
use super::{body, ApiUser};
use crate::error::{ApiError, ApiResult, AppError};
use crate::extract::{Json, JsonRejection, Path};
use crate::Db;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use pulje_app::programme_evaluations::{self as uses, Loaded};
use pulje_domain::{ApplicationId, FieldErrors};
use pulje_store::Handle;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json_};
use utoipa::ToSchema;

/// The evaluation of an application of a programme defined as data, on its definition's
/// evaluation form (empty with status `none` before it is begun).
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgrammeEvaluationJson {
    pub application_id: i64,
    pub programme: String,
    /// `none`, `draft` or `submitted` (final).
    #[schema(schema_with = status_schema)]
    pub status: String,
    /// Whether the evaluation is asked for: the application has been granted.
    pub open: bool,
    /// The version a save must name: 0 before it is begun.
    pub version: i64,
    /// The evaluation form's values by field name (`GET /api/v1/programmes/{id}/definition`
    /// names them under `evaluation`).
    #[schema(value_type = Object)]
    pub fields: Map<String, Json_>,
    pub submitted_at: Option<String>,
}

fn status_schema() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(["none", "draft", "submitted"]))
        .build()
}

impl From<Loaded> for ProgrammeEvaluationJson {
    fn from(l: Loaded) -> Self {
        let e = l.evaluation;
        ProgrammeEvaluationJson {
            application_id: l.app.id.get(),
            programme: l.app.programme_id,
            status: e
                .as_ref()
                .map_or_else(|| "none".to_string(), |e| e.status.clone()),
            open: l.open,
            version: e.as_ref().map_or(0, |e| e.version),
            fields: e.as_ref().map(|e| e.fields.clone()).unwrap_or_default(),
            submitted_at: e.and_then(|e| e.submitted_at),
        }
    }
}

/// A save of the evaluation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgrammeEvaluationBody {
    /// The version the save is based on (0 before the evaluation is begun).
    pub version: i64,
    /// The evaluation form's values by field name; text as strings, several choices as a list
    /// of strings, people as a list of `{"name", "role"}`, a period as `{"start", "end"}`.
    #[schema(value_type = Object)]
    pub fields: Map<String, Json_>,
    /// Submit it (final; every field required for submitting must be filled in) rather than
    /// save a draft.
    #[serde(default)]
    pub submit: bool,
}

/// Reads one (called by `learning::evaluation` for such an application).
pub async fn show(
    db: &mut Handle,
    user: &crate::auth::CurrentUser,
    id: ApplicationId,
) -> ApiResult<Response> {
    let mut conn = db.conn().await?;
    let loaded = uses::load(&mut conn, user, id).await?;
    let json = super::learning::AnyEvaluationJson::Programme(loaded.into());
    Ok(Json(json).into_response())
}

fn refused(errors: FieldErrors) -> Response {
    let error = format!("Evalueringen er ikke gemt: {} fejl.", errors.len());
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(ValidationErrorJson {
            error,
            fields: errors,
        }),
    )
        .into_response()
}

/// Saves the evaluation of an application of a programme defined as data as a draft, or
/// submits it: its writer, once it is granted. Send the `version` read.
#[utoipa::path(put, path = "/api/v1/applications/{id}/evaluation", tag = "learning",
    request_body = ProgrammeEvaluationBody,
    params(("id" = i64, Path, description = "Application id")),
    responses((status = 200, body = ProgrammeEvaluationJson),
        (status = 403, description = "Not the application's writer"),
        (status = 404, description = "No such application of a programme with an evaluation form, another region's, or not readable for the role"),
        (status = 409, description = "Not granted yet, already submitted, or a stale version"),
        (status = 422, body = ValidationErrorJson)),
    security(("bearer" = []), ("session" = [])))]
pub async fn save(
    mut db: Db,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    payload: Result<Json<ProgrammeEvaluationBody>, JsonRejection>,
) -> ApiResult<Response> {
    let id = ApplicationId::new(id);
    if !super::workflow::is_programme_application(&mut db, id).await? {
        return Err(ApiError(AppError::NotFound));
    }
    let b = body(payload)?;
    match uses::save(
        &mut db,
        &user,
        &user.actor(),
        id,
        b.version,
        &b.fields,
        b.submit,
    )
    .await?
    {
        Ok(_) => {
            let mut conn = db.conn().await?;
            let loaded = uses::load(&mut conn, &user, id).await?;
            Ok(Json(ProgrammeEvaluationJson::from(loaded)).into_response())
        }
        Err(errors) => Ok(refused(errors)),
    }
}
