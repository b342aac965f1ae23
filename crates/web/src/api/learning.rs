//! The idea catalogue and evaluations over JSON.

use super::ApiUser;
use crate::auth::policy;
use crate::error::ApiResult;
use crate::extract::{Json, Path, Query};
use crate::AppState;
use crate::Db;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use pulje_app::catalogue::CatalogueQuery;
use pulje_domain::ApplicationId;
use pulje_store::catalogue::Entry;
use pulje_store::evaluations::{self, Target};
use serde::Serialize;

/// One page of the idea catalogue.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CataloguePage {
    /// Matching entries in all.
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub entries: Vec<Entry>,
}

/// The idea catalogue: approved trials the user may see, searched and filtered, by region and
/// title.
#[utoipa::path(get, path = "/api/v1/catalogue", tag = "learning", params(CatalogueQuery),
    responses((status = 200, body = CataloguePage)),
    security(("bearer" = []), ("session" = [])))]
pub async fn catalogue(
    State(state): State<AppState>,
    mut db: Db,
    ApiUser(user): ApiUser,
    Query(q): Query<CatalogueQuery>,
) -> ApiResult<Json<CataloguePage>> {
    let mut conn = db.conn().await?;
    let (_, matching) = pulje_app::catalogue::search(&mut conn, &user, &q).await?;
    let per_page = state.config.page_size.max(1);
    let total = i64::try_from(matching.len()).unwrap_or(i64::MAX);
    let pages = ((total + per_page - 1) / per_page).max(1);
    let page = pulje_app::applications::opt_id(&q.page)
        .unwrap_or(1)
        .clamp(1, pages);
    let entries = matching
        .into_iter()
        .skip(usize::try_from((page - 1).saturating_mul(per_page)).unwrap_or(usize::MAX))
        .take(usize::try_from(per_page).unwrap_or(25))
        .collect();
    Ok(Json(CataloguePage {
        total,
        page,
        per_page,
        entries,
    }))
}

/// An agreement's evaluation as JSON.
#[derive(Serialize, utoipa::ToSchema)]
pub struct EvaluationJson {
    pub application_id: i64,
    /// `none`, `draft` or `submitted`.
    #[schema(schema_with = evaluation_status)]
    pub status: String,
    /// When it falls due: the agreement's end date, or the day it was terminated.
    pub due: Option<chrono::NaiveDate>,
    pub version: i64,
    #[schema(schema_with = pulje_store::openapi::purposes_met)]
    pub purposes_met: Option<String>,
    pub purposes_text: String,
    pub gained_text: String,
    pub effect_text: String,
    pub development_percent: Option<i64>,
    pub time_text: String,
    #[schema(schema_with = pulje_store::openapi::recommendation)]
    pub recommendation: Option<String>,
    pub recommendation_text: String,
    #[schema(schema_with = pulje_store::openapi::career_track)]
    pub career_track: Option<String>,
    #[schema(schema_with = pulje_store::openapi::trial_type)]
    pub trial_type: Option<String>,
    #[schema(schema_with = pulje_store::openapi::challenges)]
    pub challenges: Vec<String>,
    pub challenges_text: String,
    pub advice_text: String,
    pub submitted_at: Option<String>,
}

fn evaluation_status() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(["none", "draft", "submitted"]))
        .build()
}

/// An evaluation as the API returns it: an OK21 agreement's, or that of an application of a
/// programme defined as data.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum AnyEvaluationJson {
    Agreement(Box<EvaluationJson>),
    Programme(super::programme_evaluations::ProgrammeEvaluationJson),
}

/// An application's evaluation (empty with status `none` before it is begun): an agreement's,
/// or one on the evaluation form of a programme defined as data.
#[utoipa::path(get, path = "/api/v1/applications/{id}/evaluation", tag = "learning",
    params(("id" = i64, Path, description = "Application id")),
    responses((status = 200, body = AnyEvaluationJson), (status = 404, description = "No such application, another region's, or not readable for the role")),
    security(("bearer" = []), ("session" = [])))]
pub async fn evaluation(
    mut db: Db,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    if super::workflow::is_programme_application(&mut db, ApplicationId::new(id)).await? {
        return super::programme_evaluations::show(&mut db, &user, ApplicationId::new(id)).await;
    }
    let mut conn = db.conn().await?;
    let app = pulje_app::applications::get(&mut conn, ApplicationId::new(id)).await?;
    policy::require_view_evaluation(&user, &app)?;
    let e = evaluations::get(&mut conn, Target::Application(ApplicationId::new(id))).await?;
    let d = e.as_ref().map(|e| e.data.clone()).unwrap_or_default();
    let s = |v: Option<&'static str>| v.map(str::to_string);
    let json = AnyEvaluationJson::Agreement(Box::new(EvaluationJson {
        application_id: id,
        status: e
            .as_ref()
            .map(|e| e.status.clone())
            .unwrap_or_else(|| "none".into()),
        due: evaluations::due_of(&app),
        version: e.as_ref().map(|e| e.version).unwrap_or(0),
        purposes_met: s(d.purposes_met.map(|v| v.as_str())),
        purposes_text: d.purposes_text,
        gained_text: d.gained_text,
        effect_text: d.effect_text,
        development_percent: d.development_percent,
        time_text: d.time_text,
        recommendation: s(d.recommendation.map(|v| v.as_str())),
        recommendation_text: d.recommendation_text,
        career_track: s(d.career_track.map(|v| v.as_str())),
        trial_type: s(d.trial_type.map(|v| v.as_str())),
        challenges: d
            .challenges
            .iter()
            .map(|c| c.as_str().to_string())
            .collect(),
        challenges_text: d.challenges_text,
        advice_text: d.advice_text,
        submitted_at: e.and_then(|e| e.submitted_at),
    }));
    Ok(Json(json).into_response())
}
