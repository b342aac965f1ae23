//! Writing the reference data an administrator keeps: hospitals, departments, areas, tiers,
//! rounds and users. The same rules as the admin pages: `admin` administers every region,
//! `region_admin` their own (another region's object or `region_code` answers 404), anyone else
//! gets 403. Every change is made, with its audit entry, by the store in one transaction.

use super::{body, ApiUser};
use crate::auth::policy::{admin_scope, require_admin_of, Scope};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, AppError};
use crate::extract::{Json, JsonRejection, Path};
use crate::Db;
use axum::http::StatusCode;
use chrono::NaiveDate;
use pulje_domain::{
    AreaId, DepartmentId, Email, HospitalId, Ore, RegionCode, Role, RoundId, TierId, UserId,
};
use pulje_store::org::{self, Department, Hospital};
use pulje_store::programmes::{self, Area, Round, RoundInput, Tier};
use pulje_store::reference::OK21;
use pulje_store::users::{self, NewUser, User};
use pulje_store::Connection;
use serde::Deserialize;
use utoipa::ToSchema;

/// A 422 with a Danish message.
fn invalid(message: impl Into<String>) -> ApiError {
    ApiError(AppError::Invalid(message.into()))
}

/// The region a create asks for: `region_code`, or the own region of a `region_admin` when left
/// out. An unknown code is 422; a region the user does not administer 404.
fn chosen_region(user: &CurrentUser, requested: Option<i64>) -> ApiResult<RegionCode> {
    let code = match requested {
        Some(code) => RegionCode::new(code)
            .ok_or_else(|| invalid(format!("Ukendt regionskode {code}; brug 1081–1085.")))?,
        None => match Scope::of(user) {
            Scope::Region(code) => code,
            Scope::All => return Err(invalid("Angiv region_code (1081–1085).")),
            Scope::Nowhere => return Err(ApiError(AppError::NotFound)),
        },
    };
    require_admin_of(user, code)?;
    Ok(code)
}

/// The programme a create names (default `ok21`); an unknown one is 422.
async fn chosen_programme(conn: &mut Connection, requested: Option<&str>) -> ApiResult<String> {
    let id = requested
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .unwrap_or(OK21);
    match programmes::get(conn, id).await? {
        Some(p) => Ok(p.id),
        None => Err(invalid(format!("Ukendt programme «{id}»."))),
    }
}

/// Refuses an empty name with `message` before the store is asked.
fn require_name(name: &str, message: &str) -> ApiResult<()> {
    if name.trim().is_empty() {
        Err(invalid(message))
    } else {
        Ok(())
    }
}

// --- hospitals ------------------------------------------------------------------------------

/// A new hospital.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct HospitalBody {
    /// Region code 1081–1085; a `region_admin` may leave it out (their own region).
    #[schema(minimum = 1081, maximum = 1085)]
    pub region_code: Option<i64>,
    #[schema(required = true, pattern = r"\S")]
    pub name: String,
}

/// A new name.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct NameBody {
    #[schema(required = true, pattern = r"\S")]
    pub name: String,
}

/// Creates a hospital in a region the user administers.
#[utoipa::path(post, path = "/api/v1/hospitals", tag = "reference", request_body = HospitalBody,
    responses((status = 201, body = Hospital), (status = 403, description = "Not an administrator"),
        (status = 404, description = "Another region"), (status = 409, description = "The region already has a hospital of that name"),
        (status = 422, description = "Missing or wrong input")),
    security(("bearer" = []), ("session" = [])))]
pub async fn create_hospital(
    mut db: Db,
    ApiUser(user): ApiUser,
    payload: Result<Json<HospitalBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Hospital>)> {
    admin_scope(&user)?;
    let b = body(payload)?;
    let region = chosen_region(&user, b.region_code)?;
    require_name(&b.name, "Skriv hospitalets navn.")?;
    let mut tx = db.begin().await?;
    let h = org::create_hospital(&mut tx, &user.actor(), region, &b.name).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(h)))
}

/// Renames a hospital.
#[utoipa::path(put, path = "/api/v1/hospitals/{id}", tag = "reference", request_body = NameBody,
    params(("id" = i64, Path, description = "Hospital id")),
    responses((status = 200, body = Hospital), (status = 403, description = "Not an administrator"),
        (status = 404, description = "No such hospital, or another region's"), (status = 409, description = "The region already has a hospital of that name"),
        (status = 422, description = "Missing or wrong input")),
    security(("bearer" = []), ("session" = [])))]
pub async fn update_hospital(
    mut db: Db,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    payload: Result<Json<NameBody>, JsonRejection>,
) -> ApiResult<Json<Hospital>> {
    admin_scope(&user)?;
    let b = body(payload)?;
    let mut tx = db.begin().await?;
    let h = org::get_hospital(&mut tx, HospitalId::new(id))
        .await?
        .ok_or(AppError::NotFound)?;
    require_admin_of(&user, h.region_code)?;
    require_name(&b.name, "Skriv hospitalets navn.")?;
    let after = org::rename_hospital(&mut tx, &user.actor(), HospitalId::new(id), &b.name).await?;
    tx.commit().await?;
    Ok(Json(after))
}

// --- departments ----------------------------------------------------------------------------

/// A new department of a hospital.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct DepartmentBody {
    /// A hospital of a region the user administers.
    #[schema(value_type = i64, required = true)]
    pub hospital_id: Option<i64>,
    #[schema(required = true, pattern = r"\S")]
    pub name: String,
}

/// Creates a department at a hospital of a region the user administers.
#[utoipa::path(post, path = "/api/v1/departments", tag = "reference", request_body = DepartmentBody,
    responses((status = 201, body = Department), (status = 403, description = "Not an administrator"),
        (status = 404, description = "No such hospital, or another region's"), (status = 409, description = "The hospital already has a department of that name"),
        (status = 422, description = "Missing or wrong input")),
    security(("bearer" = []), ("session" = [])))]
pub async fn create_department(
    mut db: Db,
    ApiUser(user): ApiUser,
    payload: Result<Json<DepartmentBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Department>)> {
    admin_scope(&user)?;
    let b = body(payload)?;
    let Some(hospital_id) = b.hospital_id else {
        return Err(invalid("Angiv hospital_id."));
    };
    let mut tx = db.begin().await?;
    let h = org::get_hospital(&mut tx, HospitalId::new(hospital_id))
        .await?
        .ok_or(AppError::NotFound)?;
    require_admin_of(&user, h.region_code)?;
    require_name(&b.name, "Skriv afdelingens navn.")?;
    let d = org::create_department(&mut tx, &user.actor(), h.id, &b.name).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(d)))
}

/// Renames a department.
#[utoipa::path(put, path = "/api/v1/departments/{id}", tag = "reference", request_body = NameBody,
    params(("id" = i64, Path, description = "Department id")),
    responses((status = 200, body = Department), (status = 403, description = "Not an administrator"),
        (status = 404, description = "No such department, or another region's"), (status = 409, description = "The hospital already has a department of that name"),
        (status = 422, description = "Missing or wrong input")),
    security(("bearer" = []), ("session" = [])))]
pub async fn update_department(
    mut db: Db,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    payload: Result<Json<NameBody>, JsonRejection>,
) -> ApiResult<Json<Department>> {
    admin_scope(&user)?;
    let b = body(payload)?;
    let mut tx = db.begin().await?;
    let d = org::get_department(&mut tx, DepartmentId::new(id))
        .await?
        .ok_or(AppError::NotFound)?;
    require_admin_of(&user, d.region_code)?;
    require_name(&b.name, "Skriv afdelingens navn.")?;
    let after =
        org::rename_department(&mut tx, &user.actor(), DepartmentId::new(id), &b.name).await?;
    tx.commit().await?;
    Ok(Json(after))
}

// --- areas ----------------------------------------------------------------------------------

/// A new priority area of a region in a programme.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct AreaBody {
    /// Region code 1081–1085; a `region_admin` may leave it out (their own region).
    #[schema(minimum = 1081, maximum = 1085)]
    pub region_code: Option<i64>,
    /// Programme identifier; default `ok21`.
    pub programme: Option<String>,
    #[schema(required = true, pattern = r"\S")]
    pub name: String,
    /// The name used in overviews; the full name when left out.
    pub short_name: String,
}

/// An area's new name and short name.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct AreaUpdateBody {
    #[schema(required = true, pattern = r"\S")]
    pub name: String,
    /// The name used in overviews; the full name when left out.
    pub short_name: String,
}

/// Creates an area, placed after the region's others.
#[utoipa::path(post, path = "/api/v1/areas", tag = "reference", request_body = AreaBody,
    responses((status = 201, body = Area), (status = 403, description = "Not an administrator"),
        (status = 404, description = "Another region"), (status = 409, description = "The region already has an area of that name"),
        (status = 422, description = "Missing or wrong input")),
    security(("bearer" = []), ("session" = [])))]
pub async fn create_area(
    mut db: Db,
    ApiUser(user): ApiUser,
    payload: Result<Json<AreaBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Area>)> {
    admin_scope(&user)?;
    let b = body(payload)?;
    let region = chosen_region(&user, b.region_code)?;
    require_name(&b.name, "Skriv områdets navn.")?;
    let mut tx = db.begin().await?;
    let programme = chosen_programme(&mut tx, b.programme.as_deref()).await?;
    let a = programmes::create_area(
        &mut tx,
        &user.actor(),
        &programme,
        region,
        &b.name,
        &b.short_name,
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(a)))
}

/// Changes an area's name and short name.
#[utoipa::path(put, path = "/api/v1/areas/{id}", tag = "reference", request_body = AreaUpdateBody,
    params(("id" = i64, Path, description = "Area id")),
    responses((status = 200, body = Area), (status = 403, description = "Not an administrator"),
        (status = 404, description = "No such area, or another region's"), (status = 409, description = "The region already has an area of that name"),
        (status = 422, description = "Missing or wrong input")),
    security(("bearer" = []), ("session" = [])))]
pub async fn update_area(
    mut db: Db,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    payload: Result<Json<AreaUpdateBody>, JsonRejection>,
) -> ApiResult<Json<Area>> {
    admin_scope(&user)?;
    let b = body(payload)?;
    let mut tx = db.begin().await?;
    let a = programmes::get_area(&mut tx, AreaId::new(id))
        .await?
        .ok_or(AppError::NotFound)?;
    require_admin_of(&user, a.region_code)?;
    require_name(&b.name, "Skriv områdets navn.")?;
    let after = programmes::update_area(
        &mut tx,
        &user.actor(),
        AreaId::new(id),
        &b.name,
        &b.short_name,
    )
    .await?;
    tx.commit().await?;
    Ok(Json(after))
}

// --- tiers ----------------------------------------------------------------------------------

/// A new supplement tier of a region in a programme.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct TierBody {
    /// Region code 1081–1085; a `region_admin` may leave it out (their own region).
    #[schema(minimum = 1081, maximum = 1085)]
    pub region_code: Option<i64>,
    /// Programme identifier; default `ok21`.
    pub programme: Option<String>,
    /// E.g. `Lille`, `Mellem`, `Høj`; the amount in kroner when left out.
    pub name: String,
    /// The annual amount in øre, greater than 0.
    #[schema(value_type = i64, required = true, minimum = 1)]
    pub amount_ore: Option<i64>,
}

/// Creates a supplement tier.
#[utoipa::path(post, path = "/api/v1/tiers", tag = "reference", request_body = TierBody,
    responses((status = 201, body = Tier), (status = 403, description = "Not an administrator"),
        (status = 404, description = "Another region"), (status = 409, description = "The region already has a tier of that amount"),
        (status = 422, description = "Missing or wrong input")),
    security(("bearer" = []), ("session" = [])))]
pub async fn create_tier(
    mut db: Db,
    ApiUser(user): ApiUser,
    payload: Result<Json<TierBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Tier>)> {
    admin_scope(&user)?;
    let b = body(payload)?;
    let region = chosen_region(&user, b.region_code)?;
    let Some(amount) = b.amount_ore else {
        return Err(invalid("Angiv amount_ore: det årlige beløb i øre."));
    };
    let mut tx = db.begin().await?;
    let programme = chosen_programme(&mut tx, b.programme.as_deref()).await?;
    let t = programmes::create_tier(
        &mut tx,
        &user.actor(),
        &programme,
        region,
        &b.name,
        Ore::from_ore(amount),
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(t)))
}

/// Deletes a tier no application asks for (one that is asked for is refused with 422).
#[utoipa::path(delete, path = "/api/v1/tiers/{id}", tag = "reference",
    params(("id" = i64, Path, description = "Tier id")),
    responses((status = 204, description = "Deleted"), (status = 403, description = "Not an administrator"),
        (status = 404, description = "No such tier, or another region's"), (status = 422, description = "An application asks for the tier")),
    security(("bearer" = []), ("session" = [])))]
pub async fn delete_tier(
    mut db: Db,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    admin_scope(&user)?;
    let mut tx = db.begin().await?;
    let t = programmes::get_tier(&mut tx, TierId::new(id))
        .await?
        .ok_or(AppError::NotFound)?;
    require_admin_of(&user, t.region_code)?;
    programmes::delete_tier(&mut tx, &user.actor(), TierId::new(id)).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

// --- rounds ---------------------------------------------------------------------------------

/// A new application round of a region in a programme.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct RoundBody {
    /// Region code 1081–1085; a `region_admin` may leave it out (their own region).
    #[schema(minimum = 1081, maximum = 1085)]
    pub region_code: Option<i64>,
    /// Programme identifier; default `ok21`.
    pub programme: Option<String>,
    #[schema(required = true, pattern = r"\S")]
    pub name: String,
    /// The day the round opens, `YYYY-MM-DD`.
    #[schema(required = true, format = Date)]
    pub opens_on: String,
    /// The application deadline, `YYYY-MM-DD`, on or after `opens_on`.
    #[schema(required = true, format = Date)]
    pub deadline: String,
}

/// A round's new name and dates.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct RoundUpdateBody {
    #[schema(required = true, pattern = r"\S")]
    pub name: String,
    /// `YYYY-MM-DD`.
    #[schema(required = true, format = Date)]
    pub opens_on: String,
    /// `YYYY-MM-DD`, on or after `opens_on`.
    #[schema(required = true, format = Date)]
    pub deadline: String,
}

fn read_date(text: &str, field: &str, what: &str) -> ApiResult<NaiveDate> {
    let text = text.trim();
    if text.is_empty() {
        return Err(invalid(format!("Angiv {field}: {what} (fx 2022-03-01).")));
    }
    pulje_domain::parse_date(text).ok_or_else(|| {
        invalid(format!(
            "{field}: «{text}» er ikke en gyldig dato. Skriv fx 2022-03-01."
        ))
    })
}

/// Checks a round's name and dates; the order of the dates is the store's to check.
fn round_input(name: &str, opens_on: &str, deadline: &str) -> ApiResult<RoundInput> {
    require_name(name, "Skriv rundens navn.")?;
    Ok(RoundInput {
        name: name.trim().to_string(),
        opens_on: read_date(opens_on, "opens_on", "datoen, runden åbner")?,
        deadline: read_date(deadline, "deadline", "ansøgningsfristen")?,
    })
}

/// Creates an application round.
#[utoipa::path(post, path = "/api/v1/rounds", tag = "reference", request_body = RoundBody,
    responses((status = 201, body = Round), (status = 403, description = "Not an administrator"),
        (status = 404, description = "Another region"), (status = 422, description = "Missing or wrong input")),
    security(("bearer" = []), ("session" = [])))]
pub async fn create_round(
    mut db: Db,
    ApiUser(user): ApiUser,
    payload: Result<Json<RoundBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Round>)> {
    admin_scope(&user)?;
    let b = body(payload)?;
    let region = chosen_region(&user, b.region_code)?;
    let input = round_input(&b.name, &b.opens_on, &b.deadline)?;
    let mut tx = db.begin().await?;
    let programme = chosen_programme(&mut tx, b.programme.as_deref()).await?;
    let r = programmes::create_round(&mut tx, &user.actor(), &programme, region, &input).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(r)))
}

/// Changes a round's name and dates.
#[utoipa::path(put, path = "/api/v1/rounds/{id}", tag = "reference", request_body = RoundUpdateBody,
    params(("id" = i64, Path, description = "Round id")),
    responses((status = 200, body = Round), (status = 403, description = "Not an administrator"),
        (status = 404, description = "No such round, or another region's"), (status = 422, description = "Missing or wrong input")),
    security(("bearer" = []), ("session" = [])))]
pub async fn update_round(
    mut db: Db,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    payload: Result<Json<RoundUpdateBody>, JsonRejection>,
) -> ApiResult<Json<Round>> {
    admin_scope(&user)?;
    let b = body(payload)?;
    let mut tx = db.begin().await?;
    let r = programmes::get_round(&mut tx, RoundId::new(id))
        .await?
        .ok_or(AppError::NotFound)?;
    require_admin_of(&user, r.region_code)?;
    let input = round_input(&b.name, &b.opens_on, &b.deadline)?;
    let after = programmes::update_round(&mut tx, &user.actor(), RoundId::new(id), &input).await?;
    tx.commit().await?;
    Ok(Json(after))
}

// --- users ----------------------------------------------------------------------------------

/// A new user. The password is never returned or logged.
#[derive(Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct UserBody {
    #[schema(required = true, format = Email)]
    pub email: String,
    #[schema(required = true, pattern = r"\S")]
    pub name: String,
    /// `applicant`, `leader`, `working_group`, `steering_group`, `union_rep`, `region_admin`,
    /// `national_viewer` or `admin`; a `region_admin` may give only the regional ones.
    #[schema(schema_with = pulje_store::openapi::role, required = true)]
    pub role: String,
    /// Required for regional roles, left out for `national_viewer` and `admin`. A
    /// `region_admin` may leave it out (their own region).
    #[schema(minimum = 1081, maximum = 1085)]
    pub region_code: Option<i64>,
    /// 12 to 128 characters (counted as characters, not bytes), not on the shipped list of
    /// common passwords.
    #[schema(required = true, min_length = 12, max_length = 128)]
    pub password: String,
}

// Written by hand so that the password never reaches a log.
impl std::fmt::Debug for UserBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserBody")
            .field("email", &self.email)
            .field("name", &self.name)
            .field("role", &self.role)
            .field("region_code", &self.region_code)
            .finish_non_exhaustive()
    }
}

/// Checks the body as the admin page does; the new user when everything is right.
fn new_user(user: &CurrentUser, scope: Scope, b: UserBody) -> ApiResult<NewUser> {
    let role = match Role::parse(&b.role) {
        Some(r) => r,
        None if b.role.trim().is_empty() => return Err(invalid("Angiv en rolle (role).")),
        None => {
            let known: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
            return Err(invalid(format!(
                "Ukendt rolle «{}». Brug {}.",
                b.role.trim(),
                known.join(", ")
            )));
        }
    };
    crate::auth::policy::require_grant(user, role)?;
    // Left out means the own region for a region_admin, no region (a national role) for an admin.
    let region = match b.region_code {
        Some(code) => match RegionCode::new(code) {
            Some(r) => Some(r),
            None => {
                return Err(invalid(format!(
                    "Ukendt regionskode {code}; brug 1081–1085."
                )))
            }
        },
        None => match scope {
            Scope::Region(code) => Some(code),
            Scope::All | Scope::Nowhere => None,
        },
    };
    match region {
        Some(r) => require_admin_of(user, r)?,
        // A region_admin always creates in their own region.
        None if scope != Scope::All => return Err(ApiError(AppError::NotFound)),
        None => {}
    }
    let email = Email::parse(&b.email).map_err(invalid)?;
    let new = NewUser {
        email,
        name: b.name.trim().to_string(),
        role,
        region,
        password: b.password,
    };
    new.check().map_err(invalid)?;
    Ok(new)
}

/// Creates a user. `admin` creates any role in any region; `region_admin` only regional roles
/// in their own region (other roles 403, another region 404).
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = UserBody,
    responses((status = 201, body = User), (status = 403, description = "Not an administrator, or a role the user may not give; or a browser session whose login is more than 10 minutes old (an API token is not asked)"),
        (status = 404, description = "Another region"), (status = 409, description = "The e-mail address is taken"),
        (status = 422, description = "Missing or wrong input")),
    security(("bearer" = []), ("session" = [])))]
pub async fn create_user(
    mut db: Db,
    ApiUser(user): ApiUser,
    payload: Result<Json<UserBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<User>)> {
    let scope = admin_scope(&user)?;
    let new = new_user(&user, scope, body(payload)?)?;
    let mut tx = db.begin().await?;
    let created = users::create(&mut tx, &user.actor(), &new).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Disables or enables a user the caller administers: their region's for a `region_admin`; an
/// `admin` also those without a region.
async fn set_disabled(
    mut db: Db,
    user: CurrentUser,
    id: i64,
    disabled: bool,
) -> ApiResult<Json<User>> {
    admin_scope(&user)?;
    let mut tx = db.begin().await?;
    let target = users::get(&mut tx, UserId::new(id))
        .await?
        .ok_or(AppError::NotFound)?;
    crate::auth::policy::require_admin_of_user(&user, &target)?;
    if disabled && target.id == user.user.id {
        return Err(invalid("Du kan ikke deaktivere din egen bruger."));
    }
    let after = users::set_disabled(&mut tx, &user.actor(), UserId::new(id), disabled).await?;
    tx.commit().await?;
    Ok(Json(after))
}

/// Disables a user: they cannot log in, and their sessions and API tokens end.
#[utoipa::path(post, path = "/api/v1/users/{id}/disable", tag = "users",
    params(("id" = i64, Path, description = "User id")),
    responses((status = 200, body = User), (status = 403, description = "Not an administrator"),
        (status = 404, description = "No such user, or one the caller does not administer"), (status = 422, description = "The caller's own user")),
    security(("bearer" = []), ("session" = [])))]
pub async fn disable_user(
    db: Db,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<User>> {
    set_disabled(db, user, id, true).await
}

/// Enables a disabled user again.
#[utoipa::path(post, path = "/api/v1/users/{id}/enable", tag = "users",
    params(("id" = i64, Path, description = "User id")),
    responses((status = 200, body = User), (status = 403, description = "Not an administrator"),
        (status = 404, description = "No such user, or one the caller does not administer")),
    security(("bearer" = []), ("session" = [])))]
pub async fn enable_user(
    db: Db,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<User>> {
    set_disabled(db, user, id, false).await
}
