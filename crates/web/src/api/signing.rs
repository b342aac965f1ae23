//! `/api/v1/applications/{id}/parties`: who signs an agreement for each party, and what is
//! signed (summary, version, fingerprint). Signing itself is the `sign` step of
//! `/api/v1/applications/{id}/transitions`, with `confirm: true` and the fingerprint read here.

use super::{body, ApiUser};
use crate::error::ApiResult;
use crate::extract::{Json, JsonRejection, Path};
use crate::Db;
use pulje_app::signing::{self, BindBody, Signing};
use pulje_domain::ApplicationId;

async fn read(
    db: &mut Db,
    user: &crate::auth::CurrentUser,
    id: ApplicationId,
) -> ApiResult<Signing> {
    let mut conn = db.conn().await?;
    if pulje_store::programme_applications::is_one(&mut conn, id).await? {
        return Err(crate::error::AppError::NotFound.into());
    }
    let app = pulje_app::applications::load(&mut conn, user, id).await?;
    Ok(signing::of(&mut conn, user, &app).await?)
}

/// What is signed (summary, agreement version, fingerprint) and who is bound to sign for each
/// party. The region's administrator also gets each party's eligible accounts and the account
/// proposed from the application's people.
#[utoipa::path(get, path = "/api/v1/applications/{id}/parties", tag = "applications",
    params(("id" = i64, Path, description = "Application id")),
    responses((status = 200, body = Signing), (status = 404, description = "No such agreement, or another region's")),
    security(("bearer" = []), ("session" = [])))]
pub async fn parties(
    mut db: Db,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Signing>> {
    Ok(Json(read(&mut db, &user, ApplicationId::new(id)).await?))
}

/// Binds a party (`leader`, `doctor`, `union`, `region`) to the account that is to sign for it;
/// only that account can sign for the party. The region's administrator, while the agreement
/// awaits signatures. A change of a party that has signed clears its signature. Audited.
#[utoipa::path(put, path = "/api/v1/applications/{id}/parties/{party}", tag = "applications", request_body = BindBody,
    params(("id" = i64, Path, description = "Application id"), ("party" = String, Path, description = "`leader`, `doctor`, `union` or `region`")),
    responses((status = 200, body = Signing), (status = 403, description = "Not the region's administrator"),
        (status = 404, description = "No such agreement, or another region's"),
        (status = 409, description = "The agreement does not await signatures"),
        (status = 422, description = "Unknown party, or an account that cannot sign for it")),
    security(("bearer" = []), ("session" = [])))]
pub async fn bind(
    mut db: Db,
    ApiUser(user): ApiUser,
    Path((id, party)): Path<(i64, String)>,
    payload: Result<Json<BindBody>, JsonRejection>,
) -> ApiResult<Json<Signing>> {
    let b = body(payload)?;
    let party = signing::party(&party)?;
    let id = ApplicationId::new(id);
    signing::bind(&mut db, &user, id, party, b.user_id).await?;
    Ok(Json(read(&mut db, &user, id).await?))
}
