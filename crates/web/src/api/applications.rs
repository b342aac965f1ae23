//! `/api/v1/applications`: list, create, read and update applications.

use super::{body, ApiUser};
use crate::auth::policy;
use crate::error::{ApiError, ApiResult, AppError};
use crate::extract::{Json, JsonRejection, Path, Query};
use crate::pages::applications_filter;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use pulje_domain::{
    ApplicationData, ApplicationInput, ApplicationRules, FieldErrors, ParticipantInput,
};
use pulje_store::applications::{self, Application, Placement, Summary};
use pulje_store::{org, programmes, Connection, StoreError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;

/// One participant (B3).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ParticipantJson {
    pub name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub receives_supplement: bool,
}

/// An application as the API returns it; field names follow the agreement form.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationJson {
    pub id: i64,
    /// `draft`, `submitted`, `returned`, `ready_for_decision`, `rejected`, `awaiting_signatures`, `active`, `ended` or `withdrawn`.
    #[schema(schema_with = pulje_store::openapi::status)]
    pub status: String,
    /// Send this back when updating; a stale version is refused with 409.
    pub version: i64,
    pub programme: String,
    #[schema(schema_with = pulje_store::openapi::region)]
    pub region_code: i64,
    pub round_id: Option<i64>,
    pub round: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub imported: bool,
    /// The responsible afdelingslæge's user account, who signs as the doctor.
    pub doctor_user_id: Option<i64>,
    pub hospital_id: Option<i64>,
    pub hospital: Option<String>,
    pub hospital_department: String,
    pub title: String,
    pub responsible_leader: String,
    pub responsible_doctor: String,
    pub purpose: String,
    pub description: String,
    pub content: String,
    pub working_time_deviations: String,
    pub participants: Vec<ParticipantJson>,
    pub period_text: String,
    pub organisation: String,
    /// Requested annual supplement in øre.
    pub supplement_ore: Option<i64>,
    pub remarks: String,
    /// Area names.
    pub areas: Vec<String>,
    pub area_ids: Vec<i64>,
    pub area_argument: String,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub party_leader: String,
    pub party_doctor: String,
    pub party_union: String,
    pub party_region: String,
    pub agreement_date: Option<NaiveDate>,
}

/// One row of the list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationItem {
    pub id: i64,
    pub title: String,
    #[schema(schema_with = pulje_store::openapi::status)]
    pub status: String,
    #[schema(schema_with = pulje_store::openapi::region)]
    pub region_code: i64,
    pub programme: String,
    pub hospital: Option<String>,
    pub round: Option<String>,
    pub supplement_ore: Option<i64>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub updated_at: String,
}

impl From<Summary> for ApplicationItem {
    fn from(s: Summary) -> Self {
        ApplicationItem {
            id: s.id,
            title: s.title,
            status: s.status.as_str().into(),
            region_code: s.region_code,
            programme: s.programme_id,
            hospital: s.hospital_name,
            round: s.round_name,
            supplement_ore: s.supplement_ore,
            start_date: s.start_date,
            end_date: s.end_date,
            updated_at: s.updated_at,
        }
    }
}

/// The body of a create or update. Every field may be left out of a draft except `title`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ApplicationBody {
    /// Programme identifier; default `ok21`.
    pub programme: Option<String>,
    /// Region code 1081–1085; default the user's region. Cannot be changed by an update.
    #[schema(minimum = 1081, maximum = 1085)]
    pub region_code: Option<i64>,
    /// The version the update is based on (required for updates).
    pub version: Option<i64>,
    /// The responsible afdelingslæge's user account (an applicant of the region), when a
    /// leader or administrator writes the application; an applicant is it themselves.
    pub doctor_user_id: Option<i64>,
    pub hospital_id: Option<i64>,
    pub hospital_department: String,
    /// Required, not blank.
    #[schema(required = true, pattern = r"\S")]
    pub title: String,
    pub responsible_leader: String,
    pub responsible_doctor: String,
    pub purpose: String,
    pub description: String,
    pub content: String,
    pub working_time_deviations: String,
    pub participants: Vec<ParticipantJson>,
    pub period_text: String,
    pub organisation: String,
    /// Requested annual supplement in øre; must be one of the region's tiers.
    pub supplement_ore: Option<i64>,
    pub remarks: String,
    /// Area names (or short names) of the region.
    pub areas: Vec<String>,
    /// Area ids, as an alternative to names.
    pub area_ids: Vec<i64>,
    pub area_argument: String,
    /// `YYYY-MM-DD` (Danish forms such as `1. april 2022` are accepted too).
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub party_leader: String,
    pub party_doctor: String,
    pub party_union: String,
    pub party_region: String,
    pub agreement_date: Option<String>,
}

/// A refused save: the message and what is wrong with each field.
#[derive(Debug, Serialize, ToSchema)]
pub struct ValidationErrorJson {
    pub error: String,
    /// Field name → messages in Danish; present when the form's fields were checked (a body
    /// that cannot be read at all has only `error`).
    #[schema(value_type = Object, required = false)]
    pub fields: FieldErrors,
}

/// Validates the input; the area errors found while resolving names come along.
fn validate(
    input: &ApplicationInput,
    mut errors: FieldErrors,
    rules: &ApplicationRules,
) -> Result<ApplicationData, FieldErrors> {
    match input.validate(rules) {
        Ok(data) if errors.is_empty() => Ok(data),
        Ok(_) => Err(errors),
        Err(more) => {
            for (field, messages) in more.iter() {
                for m in messages {
                    errors.add(field, m.clone());
                }
            }
            Err(errors)
        }
    }
}

fn invalid(fields: FieldErrors) -> Response {
    let error = format!("Ansøgningen er ikke gemt: {} fejl.", fields.len());
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(ValidationErrorJson { error, fields }),
    )
        .into_response()
}

async fn to_json(conn: &mut Connection, app: Application) -> ApiResult<ApplicationJson> {
    let areas = programmes::areas(conn, &app.programme_id, Some(app.region_code)).await?;
    let d = app.data;
    Ok(ApplicationJson {
        id: app.id,
        status: app.status.as_str().into(),
        version: app.version,
        programme: app.programme_id,
        region_code: app.region_code,
        round_id: app.round_id,
        round: app.round_name,
        created_at: app.created_at,
        updated_at: app.updated_at,
        imported: app.imported,
        doctor_user_id: app.doctor_user_id,
        hospital_id: d.hospital_id,
        hospital: app.hospital_name,
        hospital_department: d.hospital_department,
        title: d.title,
        responsible_leader: d.responsible_leader,
        responsible_doctor: d.responsible_doctor,
        purpose: d.purpose,
        description: d.description,
        content: d.content,
        working_time_deviations: d.working_time_deviations,
        participants: d
            .participants
            .into_iter()
            .map(|p| ParticipantJson {
                name: p.name,
                role: p.role,
                receives_supplement: p.receives_supplement,
            })
            .collect(),
        period_text: d.period_text,
        organisation: d.organisation,
        supplement_ore: d.supplement.map(|s| s.ore()),
        remarks: d.remarks,
        areas: d
            .area_ids
            .iter()
            .filter_map(|id| areas.iter().find(|a| a.id == *id))
            .map(|a| a.name.clone())
            .collect(),
        area_ids: d.area_ids,
        area_argument: d.area_argument,
        start_date: d.start_date,
        end_date: d.end_date,
        party_leader: d.party_leader,
        party_doctor: d.party_doctor,
        party_union: d.party_union,
        party_region: d.party_region,
        agreement_date: d.agreement_date,
    })
}

/// Turns the body into the form's input, resolving area names and, when no hospital id is
/// given, the hospital named at the start of A1. Unknown area names become field errors.
async fn to_input(
    conn: &mut Connection,
    b: &ApplicationBody,
    programme: &str,
    region_code: i64,
) -> ApiResult<(ApplicationInput, FieldErrors)> {
    let mut errors = FieldErrors::new();
    let areas = programmes::areas(conn, programme, Some(region_code)).await?;
    let mut area_ids: Vec<String> = b.area_ids.iter().map(|a| a.to_string()).collect();
    for name in b.areas.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        let lower = name.to_lowercase();
        match areas
            .iter()
            .find(|a| a.name.to_lowercase() == lower || a.short_name.to_lowercase() == lower)
        {
            Some(a) => area_ids.push(a.id.to_string()),
            None => errors.add("areas", format!("Området «{name}» findes ikke i regionen.")),
        }
    }
    let hospital_id = match b.hospital_id {
        Some(id) => id.to_string(),
        None => {
            let a1 = b.hospital_department.to_lowercase();
            org::hospitals(conn, Some(region_code))
                .await?
                .into_iter()
                .filter(|h| !a1.is_empty() && a1.contains(&h.name.to_lowercase()))
                .max_by_key(|h| h.name.len())
                .map(|h| h.id.to_string())
                .unwrap_or_default()
        }
    };
    let input = ApplicationInput {
        hospital_id,
        hospital_department: b.hospital_department.clone(),
        title: b.title.clone(),
        responsible_leader: b.responsible_leader.clone(),
        responsible_doctor: b.responsible_doctor.clone(),
        purpose: b.purpose.clone(),
        description: b.description.clone(),
        content: b.content.clone(),
        working_time_deviations: b.working_time_deviations.clone(),
        participants: b
            .participants
            .iter()
            .map(|p| ParticipantInput {
                name: p.name.clone(),
                role: p.role.clone(),
                receives_supplement: p.receives_supplement,
            })
            .collect(),
        period_text: b.period_text.clone(),
        organisation: b.organisation.clone(),
        supplement_ore: b.supplement_ore.map(|s| s.to_string()).unwrap_or_default(),
        remarks: b.remarks.clone(),
        area_ids,
        area_argument: b.area_argument.clone(),
        start_date: b.start_date.clone().unwrap_or_default(),
        end_date: b.end_date.clone().unwrap_or_default(),
        party_leader: b.party_leader.clone(),
        party_doctor: b.party_doctor.clone(),
        party_union: b.party_union.clone(),
        party_region: b.party_region.clone(),
        agreement_date: b.agreement_date.clone().unwrap_or_default(),
    };
    Ok((input, errors))
}

/// Filters of the list; the same as the page's.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// A status identifier, e.g. `submitted`.
    pub status: Option<String>,
    /// Area id.
    pub area: Option<String>,
    /// Hospital id.
    pub hospital: Option<String>,
    /// Round id.
    pub round: Option<String>,
    /// Region code; national users only, others see their own region.
    pub region: Option<String>,
    /// Part of the title.
    pub q: Option<String>,
    /// Page number from 1.
    pub page: Option<String>,
    /// Rows per page, at most 500 (default 100).
    pub per_page: Option<String>,
}

/// The applications the user may see, newest first. The total is in the `X-Total-Count` header.
#[utoipa::path(get, path = "/api/v1/applications", tag = "applications", params(ListParams),
    responses((status = 200, description = "Applications", body = [ApplicationItem], headers(("X-Total-Count" = i64, description = "Matching applications in all"))),
        (status = 404, description = "Another region, asked for by a regional user")),
    security(("bearer" = []), ("session" = [])))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(p): Query<ListParams>,
) -> ApiResult<Response> {
    let q = crate::pages::ApplicationsQuery {
        status: p.status,
        area: p.area,
        hospital: p.hospital,
        round: p.round,
        region: p.region,
        q: p.q,
        page: p.page,
    };
    let filter = applications_filter(&user, &q)?;
    let page = crate::pages::opt_id(&q.page).unwrap_or(1).max(1);
    let per_page = crate::pages::opt_id(&p.per_page)
        .unwrap_or(100)
        .clamp(1, 500);
    let mut conn = state.db.conn().await?;
    let (rows, total) = applications::list(&mut conn, &filter, page, per_page).await?;
    let items: Vec<ApplicationItem> = rows.into_iter().map(ApplicationItem::from).collect();
    let mut headers = HeaderMap::new();
    headers.insert("x-total-count", HeaderValue::from(total));
    Ok((headers, Json(items)).into_response())
}

async fn load(
    conn: &mut Connection,
    user: &crate::auth::CurrentUser,
    id: i64,
) -> ApiResult<Application> {
    let app = match applications::get(conn, id).await {
        Ok(app) => app,
        Err(StoreError::NotFound) => return Err(ApiError(AppError::NotFound)),
        Err(e) => return Err(e.into()),
    };
    policy::require_view(user, &app)?;
    Ok(app)
}

/// One application with every field of the agreement form.
#[utoipa::path(get, path = "/api/v1/applications/{id}", tag = "applications", params(("id" = i64, Path, description = "Application id")),
    responses((status = 200, body = ApplicationJson), (status = 404, description = "No such application, or another region's")),
    security(("bearer" = []), ("session" = [])))]
pub async fn show(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<ApplicationJson>> {
    let mut conn = state.db.conn().await?;
    let app = load(&mut conn, &user, id).await?;
    Ok(Json(to_json(&mut conn, app).await?))
}

/// Creates a draft.
#[utoipa::path(post, path = "/api/v1/applications", tag = "applications", request_body = ApplicationBody,
    responses((status = 201, body = ApplicationJson), (status = 422, body = ValidationErrorJson), (status = 403, description = "The role cannot create applications")),
    security(("bearer" = []), ("session" = [])))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    payload: Result<Json<ApplicationBody>, JsonRejection>,
) -> ApiResult<Response> {
    let b = body(payload)?;
    let programme = b
        .programme
        .clone()
        .unwrap_or_else(|| pulje_store::reference::OK21.to_string());
    let region_code = match (b.region_code, user.region_code()) {
        (Some(r), _) if pulje_domain::RegionCode::new(r).is_none() => {
            return Err(ApiError(AppError::Invalid(format!(
                "Ukendt regionskode {r}; brug 1081–1085."
            ))))
        }
        (Some(r), _) => r,
        (None, Some(own)) => own,
        (None, None) => return Err(ApiError(AppError::Invalid("Angiv region_code.".into()))),
    };
    policy::can_create_in(&user, region_code)?;
    let mut conn = state.db.conn().await?;
    if programmes::programme(&mut conn, &programme).await.is_err() {
        return Err(ApiError(AppError::Invalid(format!(
            "Ukendt programme «{programme}»."
        ))));
    }
    let rules = programmes::rules(&mut conn, &programme, region_code).await?;
    let (input, errors) = to_input(&mut conn, &b, &programme, region_code).await?;
    let data = match validate(&input, errors, &rules) {
        Ok(data) => data,
        Err(errors) => return Ok(invalid(errors)),
    };
    let mut tx = state.db.begin().await?;
    // An applicant is the responsible afdelingslæge of what they write; others may name one.
    let doctor = (user.user.role == pulje_domain::Role::Applicant).then_some(user.user.id);
    let place = Placement {
        programme_id: &programme,
        region_code,
        created_by: Some(user.user.id),
        doctor_user_id: doctor,
        imported: false,
    };
    let mut app = applications::create(&mut tx, &user.actor(), &place, &data).await?;
    if let (None, Some(named)) = (doctor, b.doctor_user_id) {
        app = applications::assign_doctor(&mut tx, &user.actor(), app.id, Some(named)).await?;
    }
    tx.commit().await?;
    let json = to_json(&mut conn, app).await?;
    Ok((StatusCode::CREATED, Json(json)).into_response())
}

/// Replaces the form's content of a draft or returned application. Send the `version` read.
#[utoipa::path(put, path = "/api/v1/applications/{id}", tag = "applications", request_body = ApplicationBody,
    params(("id" = i64, Path, description = "Application id")),
    responses((status = 200, body = ApplicationJson), (status = 403, description = "The role may not edit the application"), (status = 404, description = "No such application, or another region's"),
        (status = 409, description = "Stale version or not editable in its status"), (status = 422, body = ValidationErrorJson)),
    security(("bearer" = []), ("session" = [])))]
pub async fn update(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    payload: Result<Json<ApplicationBody>, JsonRejection>,
) -> ApiResult<Response> {
    let b = body(payload)?;
    let mut conn = state.db.conn().await?;
    let app = load(&mut conn, &user, id).await?;
    policy::require_edit(&user, &app)?;
    let Some(version) = b.version else {
        return Err(ApiError(AppError::Invalid(
            "Angiv version (den version, ændringen bygger på).".into(),
        )));
    };
    if b.region_code.is_some_and(|r| r != app.region_code)
        || b.programme.as_ref().is_some_and(|p| *p != app.programme_id)
    {
        return Err(ApiError(AppError::Invalid(
            "Region og programme kan ikke ændres.".into(),
        )));
    }
    let rules = programmes::rules(&mut conn, &app.programme_id, app.region_code).await?;
    let (input, errors) = to_input(&mut conn, &b, &app.programme_id, app.region_code).await?;
    let data = match validate(&input, errors, &rules) {
        Ok(data) => data,
        Err(errors) => return Ok(invalid(errors)),
    };
    let mut tx = state.db.begin().await?;
    let mut updated = applications::update(&mut tx, &user.actor(), id, version, &data).await?;
    if user.user.role != pulje_domain::Role::Applicant
        && b.doctor_user_id.is_some()
        && b.doctor_user_id != updated.doctor_user_id
    {
        updated = applications::assign_doctor(&mut tx, &user.actor(), id, b.doctor_user_id).await?;
    }
    tx.commit().await?;
    Ok(Json(to_json(&mut conn, updated).await?).into_response())
}
