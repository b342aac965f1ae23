//! `/api/v1/applications`: list, create, read and update applications.

use super::{body, ApiUser};
use crate::auth::policy;
use crate::error::{ApiError, ApiResult, AppError};
use crate::extract::{Json, JsonRejection, Path, Query};
use crate::Db;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use pulje_app::applications::list_filter as applications_filter;
use pulje_domain::{
    ApplicationData, ApplicationId, ApplicationInput, ApplicationRules, AreaId, FieldDef,
    FieldErrors, Kind, RegionCode, UserId, FIELDS,
};
use pulje_store::applications::{self, Application, Placement, Summary};
use pulje_store::workflow::Comment;
use pulje_store::{org, programmes, Connection};
use serde::{Deserialize, Serialize};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{IntoParams, ToSchema};

/// One participant (B3).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ParticipantJson {
    pub name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub receives_supplement: bool,
}

/// An application as the API returns it; the form's fields under their names in the form's
/// table (`pulje_domain::FIELDS`).
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
    /// The hospital's name.
    pub hospital: Option<String>,
    /// Area names.
    pub areas: Vec<String>,
    #[serde(flatten)]
    pub form: FormJson,
}

/// The agreement form's fields as the API returns them, one key per field of the form's table.
#[derive(Debug)]
pub struct FormJson(pub ApplicationData);

impl Serialize for FormJson {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let values = self.0.values();
        let mut map = s.serialize_map(Some(values.len()))?;
        for (field, value) in &values {
            map.serialize_entry(field.name, value)?;
        }
        map.end()
    }
}

/// The agreement form's fields as the API reads them; every one may be left out of a draft
/// except `title`, and `null` stands for nothing. Each value must have the JSON type its
/// schema names (text as a string, ids and øre as integers), so the document tells the truth.
#[derive(Debug, Default, Serialize)]
#[serde(transparent)]
pub struct FormBody(pub ApplicationInput);

/// Whether `value` has a JSON type the field's schema ([`field_schema`]) allows.
fn has_schema_type(kind: Kind, value: &serde_json::Value) -> bool {
    use serde_json::Value;
    let integer = |v: &Value| v.as_i64().is_some();
    match (kind, value) {
        (_, Value::Null) => true,
        (Kind::Line | Kind::Text | Kind::Date, Value::String(_)) => true,
        (Kind::Hospital | Kind::Tier, v) => integer(v),
        (Kind::Areas, Value::Array(items)) => items.iter().all(integer),
        (Kind::Participants, Value::Array(items)) => items.iter().all(Value::is_object),
        _ => false,
    }
}

/// What a field of `kind` must be sent as, for the message refusing another type.
fn schema_type_text(kind: Kind) -> &'static str {
    match kind {
        Kind::Line | Kind::Text => "en tekst",
        Kind::Date => "en dato som tekst (ÅÅÅÅ-MM-DD)",
        Kind::Hospital => "et tal (hospitalets id)",
        Kind::Tier => "et helt tal (øre)",
        Kind::Areas => "en liste af tal (områdernes id)",
        Kind::Participants => "en liste af deltagere",
    }
}

impl<'de> Deserialize<'de> for FormBody {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let map = serde_json::Map::<String, serde_json::Value>::deserialize(d)?;
        for field in FIELDS {
            if let Some(value) = map.get(field.name) {
                if !has_schema_type(field.kind, value) {
                    return Err(D::Error::custom(format!(
                        "feltet «{}» ({}) skal være {} eller null",
                        field.name,
                        field.label,
                        schema_type_text(field.kind)
                    )));
                }
            }
        }
        serde_json::from_value(serde_json::Value::Object(map))
            .map(FormBody)
            .map_err(D::Error::custom)
    }
}

/// The schema of one field of the form's table, as the API reads and writes it.
fn field_schema(field: &FieldDef) -> RefOr<Schema> {
    use utoipa::openapi::schema::{
        ArrayBuilder, KnownFormat, ObjectBuilder, SchemaFormat, SchemaType, Type,
    };
    let nullable = |t: Type| SchemaType::from_iter([t, Type::Null]);
    let mut description = field.label.to_string();
    if !field.help.is_empty() {
        description = format!("{description}. {}", field.help);
    }
    let schema: Schema = match field.kind {
        Kind::Line | Kind::Text => ObjectBuilder::new()
            .schema_type(nullable(Type::String))
            .description(Some(description))
            .into(),
        Kind::Date => ObjectBuilder::new()
            .schema_type(nullable(Type::String))
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
            .description(Some(format!(
                "{description} (`YYYY-MM-DD`; Danish forms such as `1. april 2022` are accepted too)"
            )))
            .into(),
        Kind::Hospital => ObjectBuilder::new()
            .schema_type(nullable(Type::Integer))
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
            .description(Some(format!(
                "{description} (id; when left out of a body, the hospital named at the start of A1)"
            )))
            .into(),
        Kind::Tier => ObjectBuilder::new()
            .schema_type(nullable(Type::Integer))
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
            .description(Some(format!(
                "{description} (øre; must be one of the region's tiers)"
            )))
            .into(),
        Kind::Areas => ArrayBuilder::new()
            .schema_type(nullable(Type::Array))
            .items(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64))),
            )
            .description(Some(format!("{description} (area ids)")))
            .into(),
        Kind::Participants => ArrayBuilder::new()
            .schema_type(nullable(Type::Array))
            .items(<ParticipantJson as utoipa::PartialSchema>::schema())
            .description(Some(description))
            .into(),
    };
    RefOr::T(schema)
}

fn form_schema() -> RefOr<Schema> {
    let mut object = utoipa::openapi::schema::ObjectBuilder::new();
    for field in FIELDS {
        object = object.property(field.name, field_schema(field));
    }
    RefOr::T(object.into())
}

impl utoipa::PartialSchema for FormJson {
    fn schema() -> RefOr<Schema> {
        form_schema()
    }
}

impl ToSchema for FormJson {}

impl utoipa::PartialSchema for FormBody {
    fn schema() -> RefOr<Schema> {
        form_schema()
    }
}

impl ToSchema for FormBody {}

/// One row of the list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationItem {
    pub id: i64,
    pub title: String,
    /// OK21's status (`draft`, `submitted`, …) or a state of the programme's workflow.
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
            id: i64::from(s.id),
            title: s.title,
            status: s.state,
            region_code: s.region_code.get(),
            programme: s.programme_id,
            hospital: s.hospital_name,
            round: s.round_name,
            supplement_ore: s.supplement_ore.map(i64::from),
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
    /// Area names (or short names) of the region, as an alternative to `area_ids`.
    pub areas: Vec<String>,
    /// A programme defined as data (any but `ok21`): its form's values by field name, as its
    /// definition names them (`GET /api/v1/programmes/{id}/definition`); the agreement form's
    /// keys are then not used.
    #[schema(value_type = Option<Object>)]
    pub fields: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(flatten)]
    pub form: FormBody,
}

/// An application as the API returns it: an OK21 agreement, or an application of a programme
/// defined as data.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum AnyApplicationJson {
    Agreement(Box<ApplicationJson>),
    Programme(super::programme_applications::ProgrammeApplicationJson),
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
    Ok(ApplicationJson {
        id: i64::from(app.id),
        status: app.status.as_str().into(),
        version: app.version,
        programme: app.programme_id,
        region_code: app.region_code.get(),
        round_id: app.round_id.map(i64::from),
        round: app.round_name,
        created_at: app.created_at,
        updated_at: app.updated_at,
        imported: app.imported,
        doctor_user_id: app.doctor_user_id.map(i64::from),
        hospital: app.hospital_name,
        areas: app
            .data
            .area_ids()
            .iter()
            .filter_map(|id| areas.iter().find(|a| a.id == AreaId::new(*id)))
            .map(|a| a.name.clone())
            .collect(),
        form: FormJson(app.data),
    })
}

/// Turns the body into the form's input, resolving area names and, when no hospital id is
/// given, the hospital named at the start of A1. Unknown area names become field errors.
async fn to_input(
    conn: &mut Connection,
    b: &ApplicationBody,
    programme: &str,
    region_code: RegionCode,
) -> ApiResult<(ApplicationInput, FieldErrors)> {
    let mut errors = FieldErrors::new();
    let mut input = b.form.0.clone();
    let areas = programmes::areas(conn, programme, Some(region_code)).await?;
    for name in b.areas.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        let lower = name.to_lowercase();
        match areas
            .iter()
            .find(|a| a.name.to_lowercase() == lower || a.short_name.to_lowercase() == lower)
        {
            Some(a) => input.area_ids.push(a.id.to_string()),
            None => errors.add("areas", format!("Området «{name}» findes ikke i regionen.")),
        }
    }
    if input.hospital_id.trim().is_empty() {
        let a1 = input.hospital_department.to_lowercase();
        input.hospital_id = org::hospitals(conn, Some(region_code))
            .await?
            .into_iter()
            .filter(|h| !a1.is_empty() && a1.contains(&h.name.to_lowercase()))
            .max_by_key(|h| h.name.len())
            .map(|h| h.id.to_string())
            .unwrap_or_default();
    }
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
    mut db: Db,
    ApiUser(user): ApiUser,
    Query(p): Query<ListParams>,
) -> ApiResult<Response> {
    let q = pulje_app::applications::ListQuery {
        status: p.status,
        area: p.area,
        hospital: p.hospital,
        round: p.round,
        region: p.region,
        q: p.q,
        page: p.page,
    };
    let filter = applications_filter(&user, &q)?;
    let page = pulje_app::applications::opt_id(&q.page).unwrap_or(1).max(1);
    let per_page = pulje_app::applications::opt_id(&p.per_page)
        .unwrap_or(100)
        .clamp(1, 500);
    let mut conn = db.conn().await?;
    let (rows, total) = applications::list(&mut conn, &filter, page, per_page).await?;
    let items: Vec<ApplicationItem> = rows.into_iter().map(ApplicationItem::from).collect();
    let mut headers = HeaderMap::new();
    headers.insert("x-total-count", HeaderValue::from(total));
    Ok((headers, Json(items)).into_response())
}

/// One application with every field of the agreement form.
#[utoipa::path(get, path = "/api/v1/applications/{id}", tag = "applications", params(("id" = i64, Path, description = "Application id")),
    responses((status = 200, body = AnyApplicationJson), (status = 404, description = "No such application, or another region's")),
    security(("bearer" = []), ("session" = [])))]
pub async fn show(mut db: Db, ApiUser(user): ApiUser, Path(id): Path<i64>) -> ApiResult<Response> {
    let id = ApplicationId::new(id);
    if super::workflow::is_programme_application(&mut db, id).await? {
        return super::programme_applications::show(&mut db, &user, id).await;
    }
    let mut conn = db.conn().await?;
    let app = pulje_app::applications::load(&mut conn, &user, id).await?;
    let json = AnyApplicationJson::Agreement(Box::new(to_json(&mut conn, app).await?));
    Ok(Json(json).into_response())
}

/// An agreement's comment thread, oldest first. Comments marked `internal` (for the working and
/// steering groups) are given only to those groups and the administrators.
#[utoipa::path(get, path = "/api/v1/applications/{id}/comments", tag = "applications", params(("id" = i64, Path, description = "Application id")),
    responses((status = 200, body = [Comment]), (status = 404, description = "No such agreement, or another region's")),
    security(("bearer" = []), ("session" = [])))]
pub async fn comments(
    mut db: Db,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<Comment>>> {
    let mut conn = db.conn().await?;
    let comments =
        pulje_app::applications::comments(&mut conn, &user, ApplicationId::new(id)).await?;
    Ok(Json(comments))
}

/// One month of an agreement's schedule.
#[derive(Debug, Serialize, ToSchema)]
pub struct MonthJson {
    /// The month, `YYYY-MM`.
    #[schema(example = "2022-04")]
    pub month: String,
    /// What the month pays, in øre (supplement × receivers × on-cost; whole months rounded
    /// cumulatively so twelve of them make the annual amount exactly).
    pub amount_ore: i64,
}

/// An approved agreement's months and what each pays, oldest first; empty until the agreement is
/// approved. Readable by whoever may read the application.
#[utoipa::path(get, path = "/api/v1/applications/{id}/months", tag = "applications", params(("id" = i64, Path, description = "Application id")),
    responses((status = 200, body = [MonthJson]), (status = 404, description = "No such agreement, or another region's")),
    security(("bearer" = []), ("session" = [])))]
pub async fn months(
    mut db: Db,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<MonthJson>>> {
    let id = ApplicationId::new(id);
    if super::workflow::is_programme_application(&mut db, id).await? {
        return Err(AppError::NotFound.into());
    }
    let mut conn = db.conn().await?;
    let app = pulje_app::applications::load(&mut conn, &user, id).await?;
    let months = pulje_store::money::agreement_months(&mut conn, app.id).await?;
    Ok(Json(
        months
            .into_iter()
            .map(|(month, amount)| MonthJson {
                month: month.chars().take(7).collect(),
                amount_ore: amount.ore(),
            })
            .collect(),
    ))
}

/// Creates a draft.
#[utoipa::path(post, path = "/api/v1/applications", tag = "applications", request_body = ApplicationBody,
    responses((status = 201, body = AnyApplicationJson), (status = 422, body = ValidationErrorJson), (status = 403, description = "The role cannot create applications")),
    security(("bearer" = []), ("session" = [])))]
pub async fn create(
    mut db: Db,
    ApiUser(user): ApiUser,
    payload: Result<Json<ApplicationBody>, JsonRejection>,
) -> ApiResult<Response> {
    let b = body(payload)?;
    let programme = b
        .programme
        .clone()
        .unwrap_or_else(|| pulje_store::reference::OK21.to_string());
    let region_code = match (b.region_code, user.region_code()) {
        (Some(r), _) => RegionCode::new(r).ok_or_else(|| {
            ApiError(AppError::Invalid(format!(
                "Ukendt regionskode {r}; brug 1081–1085."
            )))
        })?,
        (None, Some(own)) => own,
        (None, None) => return Err(ApiError(AppError::Invalid("Angiv region_code.".into()))),
    };
    if pulje_app::programme_applications::is_defined(&programme) {
        let fields = b.fields.clone().unwrap_or_default();
        return super::programme_applications::create(
            &mut db,
            &user,
            &programme,
            region_code,
            &fields,
        )
        .await;
    }
    policy::can_create_in(&user, region_code)?;
    // The rules are read in the transaction that writes (one connection; on SQLite the write
    // lock is held from the start, so they cannot change between the check and the write).
    let mut tx = db.begin().await?;
    if programmes::get(&mut tx, &programme).await?.is_none() {
        return Err(ApiError(AppError::Invalid(format!(
            "Ukendt programme «{programme}»."
        ))));
    }
    let rules = programmes::rules(&mut tx, &programme, region_code).await?;
    let (input, errors) = to_input(&mut tx, &b, &programme, region_code).await?;
    let data = match validate(&input, errors, &rules) {
        Ok(data) => data,
        Err(errors) => return Ok(invalid(errors)),
    };
    // An applicant is the responsible afdelingslæge of what they write; others may name one.
    let doctor = policy::doctor_by_default(&user);
    let place = Placement {
        programme_id: &programme,
        region_code,
        created_by: Some(user.user.id),
        doctor_user_id: doctor,
        imported: false,
    };
    let mut app = applications::create(&mut tx, &user.actor(), &place, &data).await?;
    if let (None, Some(named)) = (doctor, b.doctor_user_id) {
        app = applications::assign_doctor(&mut tx, &user.actor(), app.id, Some(UserId::new(named)))
            .await?;
    }
    let json = to_json(&mut tx, app).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(json)).into_response())
}

/// Replaces the form's content of a draft or returned application. Send the `version` read.
#[utoipa::path(put, path = "/api/v1/applications/{id}", tag = "applications", request_body = ApplicationBody,
    params(("id" = i64, Path, description = "Application id")),
    responses((status = 200, body = AnyApplicationJson), (status = 403, description = "The role may not edit the application"), (status = 404, description = "No such application, or another region's"),
        (status = 409, description = "Stale version or not editable in its status"), (status = 422, body = ValidationErrorJson)),
    security(("bearer" = []), ("session" = [])))]
pub async fn update(
    mut db: Db,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    payload: Result<Json<ApplicationBody>, JsonRejection>,
) -> ApiResult<Response> {
    let b = body(payload)?;
    if super::workflow::is_programme_application(&mut db, ApplicationId::new(id)).await? {
        return super::programme_applications::update(&mut db, &user, ApplicationId::new(id), &b)
            .await;
    }
    let mut tx = db.begin().await?;
    let app = pulje_app::applications::load(&mut tx, &user, ApplicationId::new(id)).await?;
    policy::require_edit(&user, &app)?;
    let Some(version) = b.version else {
        return Err(ApiError(AppError::Invalid(
            "Angiv version (den version, ændringen bygger på).".into(),
        )));
    };
    if b.region_code.is_some_and(|r| r != app.region_code.get())
        || b.programme.as_ref().is_some_and(|p| *p != app.programme_id)
    {
        return Err(ApiError(AppError::Invalid(
            "Region og programme kan ikke ændres.".into(),
        )));
    }
    let rules = programmes::rules(&mut tx, &app.programme_id, app.region_code).await?;
    let (input, errors) = to_input(&mut tx, &b, &app.programme_id, app.region_code).await?;
    let data = match validate(&input, errors, &rules) {
        Ok(data) => data,
        Err(errors) => return Ok(invalid(errors)),
    };
    let mut updated = applications::update(
        &mut tx,
        &user.actor(),
        ApplicationId::new(id),
        version,
        &data,
    )
    .await?;
    if policy::may_choose_doctor(&user)
        && b.doctor_user_id.is_some()
        && b.doctor_user_id != updated.doctor_user_id.map(i64::from)
    {
        updated = applications::assign_doctor(
            &mut tx,
            &user.actor(),
            updated.id,
            b.doctor_user_id.map(UserId::new),
        )
        .await?;
    }
    let json = to_json(&mut tx, updated).await?;
    tx.commit().await?;
    Ok(Json(json).into_response())
}
