//! Applications of programmes defined as data, on the same routes as OK21's agreements:
//! `POST /api/v1/applications` with `programme` and `fields`, `GET`/`PUT` by id, and the
//! transitions endpoint with the programme's own actions. The handlers in `applications.rs`
//! and `workflow.rs` hand such an application here.

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, AppError};
use crate::extract::{Json, Path};
use crate::Db;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use pulje_app::programme_applications::{self as uses, StepInput};
use pulje_domain::{ApplicationId, FieldErrors, Ore, RegionCode};
use pulje_store::programme_applications::ProgrammeApplication;
use pulje_store::Handle;
use serde::Serialize;
use serde_json::{Map, Value as Json_};
use utoipa::ToSchema;

/// An application of a programme defined as data.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgrammeApplicationJson {
    pub id: i64,
    /// A state of the programme's workflow (see its definition).
    pub status: String,
    pub version: i64,
    pub programme: String,
    /// The version of the programme's definition it was made under.
    pub definition_version: i64,
    pub region_code: i64,
    pub created_at: String,
    pub updated_at: String,
    pub title: String,
    /// The form's values by field name (`GET /api/v1/programmes/{id}/definition` names them).
    #[schema(value_type = Object)]
    pub fields: Map<String, Json_>,
}

impl From<ProgrammeApplication> for ProgrammeApplicationJson {
    fn from(a: ProgrammeApplication) -> Self {
        ProgrammeApplicationJson {
            id: a.id.get(),
            status: a.state,
            version: a.version,
            programme: a.programme_id,
            definition_version: i64::from(a.definition_version),
            region_code: a.region_code.get(),
            created_at: a.created_at,
            updated_at: a.updated_at,
            title: a.title,
            fields: a.fields,
        }
    }
}

fn refused(errors: FieldErrors) -> Response {
    let error = format!("Ansøgningen er ikke gemt: {} fejl.", errors.len());
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(super::applications::ValidationErrorJson {
            error,
            fields: errors,
        }),
    )
        .into_response()
}

/// Creates a draft of a programme defined as data.
pub async fn create(
    db: &mut Handle,
    user: &CurrentUser,
    programme: &str,
    region_code: RegionCode,
    fields: &Map<String, Json_>,
) -> ApiResult<Response> {
    match uses::create(db, user, &user.actor(), programme, region_code, fields, &[]).await? {
        Ok(app) => Ok((
            StatusCode::CREATED,
            Json(ProgrammeApplicationJson::from(app)),
        )
            .into_response()),
        Err(errors) => Ok(refused(errors)),
    }
}

/// Reads one.
pub async fn show(db: &mut Handle, user: &CurrentUser, id: ApplicationId) -> ApiResult<Response> {
    let mut conn = db.conn().await?;
    let (app, _, _) = uses::load(&mut conn, user, id).await?;
    let json = super::applications::AnyApplicationJson::Programme(app.into());
    Ok(Json(json).into_response())
}

/// Replaces its form's values; its programme and region stay as they are.
pub async fn update(
    db: &mut Handle,
    user: &CurrentUser,
    id: ApplicationId,
    b: &super::applications::ApplicationBody,
) -> ApiResult<Response> {
    {
        let mut conn = db.conn().await?;
        let (app, _, _) = uses::load(&mut conn, user, id).await?;
        if b.region_code.is_some_and(|r| r != app.region_code.get())
            || b.programme.as_ref().is_some_and(|p| *p != app.programme_id)
        {
            return Err(ApiError(AppError::Invalid(
                "Region og programme kan ikke ændres.".into(),
            )));
        }
    }
    let fields = b.fields.clone().unwrap_or_default();
    let Some(version) = b.version else {
        return Err(ApiError(AppError::Invalid(
            "Angiv version (den version, ændringen bygger på).".into(),
        )));
    };
    match uses::update(db, user, &user.actor(), id, version, &fields, &[]).await? {
        Ok(app) => Ok(Json(ProgrammeApplicationJson::from(app)).into_response()),
        Err(errors) => Ok(refused(errors)),
    }
}

/// Takes a step of the programme's workflow.
pub async fn transition(
    db: &mut Handle,
    user: &CurrentUser,
    id: ApplicationId,
    b: &pulje_app::workflow::TransitionBody,
    public_url: &pulje_app::PublicUrl,
) -> ApiResult<ProgrammeApplication> {
    let amount = match b.amount_ore {
        Some(ore) if ore <= 0 => {
            return Err(ApiError(AppError::Invalid(
                "amount_ore skal være et positivt beløb i øre.".into(),
            )))
        }
        other => other.map(Ore::from_ore),
    };
    let input = StepInput {
        action: b.action.clone(),
        comment: b.comment.clone(),
        reason: b.reason.clone(),
        amount,
        meeting: b.meeting.clone(),
    };
    Ok(uses::take_step(db, user, &user.actor(), id, &input, public_url).await?)
}

/// One instalment of a grant.
#[derive(Debug, Serialize, ToSchema)]
pub struct InstalmentJson {
    pub id: i64,
    /// 1, 2, … in the money model's order.
    pub position: i64,
    /// When it falls due, in Danish (`ved bevillingen`, `når dokumentationen er godkendt`, a date).
    pub due: String,
    pub amount_ore: i64,
    /// The programme's period (tranche) it is booked to.
    pub tranche: String,
    /// `YYYY-MM-DD`, once paid.
    pub paid_on: Option<String>,
    /// Whether it may be paid today.
    pub payable: bool,
    /// What each funder bore of it, once paid (by the definition's shares, to the øre).
    pub shares: Vec<ShareJson>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShareJson {
    pub funder: String,
    pub amount_ore: i64,
}

fn instalment_json(
    i: pulje_store::programme_applications::Instalment,
    payable: bool,
) -> InstalmentJson {
    InstalmentJson {
        id: i.id,
        position: i.position,
        due: i.due.label_da(),
        amount_ore: i.amount_ore.ore(),
        tranche: i.tranche,
        paid_on: i.paid_on.map(|d| d.format("%Y-%m-%d").to_string()),
        payable,
        shares: i
            .shares
            .into_iter()
            .map(|(funder, a)| ShareJson {
                funder,
                amount_ore: a.ore(),
            })
            .collect(),
    }
}

/// The instalments of an application's grant (a programme whose money is a lump sum).
#[utoipa::path(get, path = "/api/v1/applications/{id}/instalments", tag = "money",
    params(("id" = i64, Path, description = "Application id")),
    responses((status = 200, body = [InstalmentJson]), (status = 404, description = "No such application of a programme defined as data, or another region's")),
    security(("bearer" = []), ("session" = [])))]
pub async fn instalments(
    mut db: Db,
    super::ApiUser(user): super::ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<InstalmentJson>>> {
    let mut conn = db.conn().await?;
    let (app, def, _) = uses::load(&mut conn, &user, ApplicationId::new(id)).await?;
    let record = uses::record(&mut conn, &app, &def).await?;
    Ok(Json(
        record
            .instalments
            .into_iter()
            .map(|(i, due)| instalment_json(i, due))
            .collect(),
    ))
}

/// Pays an instalment that falls due: the region's administrator. What each funder bears of it
/// is kept with it.
#[utoipa::path(post, path = "/api/v1/applications/{id}/instalments/{instalment_id}/payment", tag = "money",
    params(("id" = i64, Path, description = "Application id"), ("instalment_id" = i64, Path, description = "Instalment id")),
    responses((status = 200, body = InstalmentJson), (status = 403, description = "Not the region's administrator"),
        (status = 404, description = "No such application or instalment, or another region's"),
        (status = 409, description = "Already paid, or not yet due")),
    security(("bearer" = []), ("session" = [])))]
pub async fn pay(
    mut db: Db,
    super::ApiUser(user): super::ApiUser,
    Path((id, instalment_id)): Path<(i64, i64)>,
) -> ApiResult<Json<InstalmentJson>> {
    let paid = uses::pay(
        &mut db,
        &user,
        &user.actor(),
        ApplicationId::new(id),
        instalment_id,
    )
    .await?;
    Ok(Json(instalment_json(paid, false)))
}

/// Where a file goes: the attachment field and the file's name.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FileQuery {
    /// The attachment field's name (see the programme's definition).
    pub field: String,
    /// The file's name with its extension (PDF, DOCX, DOC, ODT, XLSX, TXT, XLS, ODS, CSV, PNG,
    /// JPG).
    pub name: String,
}

/// The largest body of a file sent to an attachment field.
pub const FILE_BODY_MAX: usize = pulje_app::files::FORM_FILE_MAX_BYTES + 1;

/// Adds a file to an attachment field of an application of a programme defined as data: the
/// body is the file's bytes. The field's value gets the file's id; a later `PUT` of the form
/// keeps the files its attachment fields list and deletes the others.
#[utoipa::path(post, path = "/api/v1/applications/{id}/files", tag = "applications",
    params(("id" = i64, Path, description = "Application id"), FileQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The file's bytes, at most 10 MB"),
    responses((status = 201, body = pulje_store::programme_files::ProgrammeFile),
        (status = 403, description = "The application cannot be changed by this user now"),
        (status = 404, description = "No such application of a programme defined as data, or another region's"),
        (status = 422, body = super::applications::ValidationErrorJson, description = "Not an attachment field, a kind of file not accepted, empty or too large")),
    security(("bearer" = []), ("session" = [])))]
pub async fn attach(
    mut db: Db,
    super::ApiUser(user): super::ApiUser,
    Path(id): Path<i64>,
    crate::extract::Query(q): crate::extract::Query<FileQuery>,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    if q.field.contains('\0') || q.name.contains('\0') {
        return Err(ApiError(AppError::Invalid(
            "Felt og navn må ikke indeholde NUL-tegnet.".into(),
        )));
    }
    let upload = pulje_app::programme_files::Upload {
        field: q.field,
        file_name: q.name,
        data: body.to_vec(),
    };
    match uses::attach(
        &mut db,
        &user,
        &user.actor(),
        ApplicationId::new(id),
        upload,
    )
    .await?
    {
        Ok(file) => Ok((StatusCode::CREATED, Json(file)).into_response()),
        Err(errors) => {
            let error = format!("Filen er ikke gemt: {} fejl.", errors.len());
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(super::applications::ValidationErrorJson {
                    error,
                    fields: errors,
                }),
            )
                .into_response())
        }
    }
}

/// A file of an attachment field: its bytes.
#[utoipa::path(get, path = "/api/v1/applications/{id}/files/{file_id}", tag = "applications",
    params(("id" = i64, Path, description = "Application id"), ("file_id" = i64, Path, description = "The file's id")),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>, description = "The file, with its type and name in the headers"),
        (status = 404, description = "No such file of the application, or an application the user does not see")),
    security(("bearer" = []), ("session" = [])))]
pub async fn file(
    mut db: Db,
    super::ApiUser(user): super::ApiUser,
    Path((id, file_id)): Path<(i64, i64)>,
) -> ApiResult<Response> {
    let mut conn = db.conn().await?;
    let (f, data) = uses::file(
        &mut conn,
        &user,
        ApplicationId::new(id),
        pulje_domain::ProgrammeFileId::new(file_id),
    )
    .await?;
    Ok(crate::views::download(&f.file_name, data))
}

/// Takes a file out of its attachment field and deletes it.
#[utoipa::path(delete, path = "/api/v1/applications/{id}/files/{file_id}", tag = "applications",
    params(("id" = i64, Path, description = "Application id"), ("file_id" = i64, Path, description = "The file's id")),
    responses((status = 204, description = "Deleted"),
        (status = 403, description = "The application cannot be changed by this user now"),
        (status = 404, description = "No such file of the application, or an application the user does not see")),
    security(("bearer" = []), ("session" = [])))]
pub async fn detach(
    mut db: Db,
    super::ApiUser(user): super::ApiUser,
    Path((id, file_id)): Path<(i64, i64)>,
) -> ApiResult<StatusCode> {
    uses::detach(
        &mut db,
        &user,
        &user.actor(),
        ApplicationId::new(id),
        pulje_domain::ProgrammeFileId::new(file_id),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
