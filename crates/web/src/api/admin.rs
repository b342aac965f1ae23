//! The user's own account, users and the audit log.

use super::ApiUser;
use crate::auth::policy;
use crate::error::ApiResult;
use crate::extract::{Json, Query};
use crate::Db;
use pulje_store::audit::{self, Entry};
use pulje_store::users::{self, User};
use serde::Deserialize;
use utoipa::IntoParams;

#[utoipa::path(get, path = "/api/v1/me", tag = "users", responses((status = 200, body = User), (status = 401, description = "Not logged in")), security(("bearer" = []), ("session" = [])))]
pub async fn me(ApiUser(user): ApiUser) -> Json<User> {
    Json(user.user)
}

/// Users: every region's for `admin`, the own region's for `region_admin`; others 403.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", responses((status = 200, body = [User]), (status = 403, description = "Not an administrator")), security(("bearer" = []), ("session" = [])))]
pub async fn users(mut db: Db, ApiUser(user): ApiUser) -> ApiResult<Json<Vec<User>>> {
    let scope = policy::admin_scope(&user)?;
    let mut conn = db.conn().await?;
    let region = scope.region_filter()?;
    let mut list = users::list(&mut conn, region).await?;
    if region.is_some() {
        list.retain(|u| u.region.is_some());
    }
    Ok(Json(list))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// e.g. `application`, `user`, `hospital`.
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    /// Part of the actor's e-mail.
    pub actor: Option<String>,
    /// Only entries older than this id (for paging).
    pub before_id: Option<i64>,
    /// At most this many entries (default 100, at most 1000).
    pub limit: Option<i64>,
}

/// The audit log, newest first: all of it for `admin`, the own region's for `region_admin`.
#[utoipa::path(get, path = "/api/v1/audit", tag = "users", params(AuditParams), responses((status = 200, body = [Entry]), (status = 403, description = "Not an administrator")), security(("bearer" = []), ("session" = [])))]
pub async fn audit(
    mut db: Db,
    ApiUser(user): ApiUser,
    Query(p): Query<AuditParams>,
) -> ApiResult<Json<Vec<Entry>>> {
    let scope = policy::admin_scope(&user)?;
    let filter = audit::Filter {
        region_code: scope.region_filter()?,
        entity: p.entity.filter(|e| !e.is_empty()),
        entity_id: p.entity_id.filter(|e| !e.is_empty()),
        actor: p.actor.filter(|e| !e.is_empty()),
        before_id: p.before_id,
    };
    let mut conn = db.conn().await?;
    Ok(Json(
        audit::list(&mut conn, &filter, p.limit.unwrap_or(100).clamp(1, 1000)).await?,
    ))
}
