//! User accounts.

use crate::audit::{self, Actor};
use crate::{now_utc, password, Result, StoreError, Tx};
use pulje_domain::{Email, RegionCode, Role};
use serde::Serialize;
use sqlx::{AnyConnection, FromRow};

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::role))]
    pub role: Role,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::region_or_null))]
    pub region: Option<RegionCode>,
    pub disabled: bool,
    pub created_at: String,
}

impl audit::Audited for User {
    const ENTITY: &'static str = "user";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_region(&self) -> Option<i64> {
        self.region.map(|r| i64::from(r.code()))
    }
}

#[derive(FromRow)]
pub(crate) struct UserRow {
    id: i64,
    email: String,
    name: String,
    role: String,
    region_code: Option<i64>,
    disabled: i64,
    created_at: String,
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;
    fn try_from(r: UserRow) -> Result<User> {
        let role = Role::parse(&r.role).ok_or_else(|| {
            StoreError::Other(anyhow::anyhow!("unknown role {} for user {}", r.role, r.id))
        })?;
        Ok(User {
            id: r.id,
            email: r.email,
            name: r.name,
            role,
            region: r.region_code.and_then(RegionCode::new),
            disabled: r.disabled != 0,
            created_at: r.created_at,
        })
    }
}

const COLUMNS: &str = "id, email, name, role, region_code, disabled, created_at";
/// The same columns of `users` aliased `u`, for joins that read the user along.
pub(crate) const COLUMNS_OF_U: &str =
    "u.id, u.email, u.name, u.role, u.region_code, u.disabled, u.created_at";

/// What it takes to create a user; checked by [`NewUser::check`].
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: Email,
    pub name: String,
    pub role: Role,
    pub region: Option<RegionCode>,
    pub password: String,
}

impl NewUser {
    /// A regional role needs a region; a national one must not have one.
    pub fn check(&self) -> std::result::Result<(), String> {
        if self.name.trim().is_empty() {
            return Err("Navnet mangler.".into());
        }
        match (self.role.is_regional(), self.region) {
            (true, None) => {
                return Err(format!(
                    "Rollen «{}» kræver en region.",
                    self.role.label_da()
                ))
            }
            (false, Some(_)) => {
                return Err(format!(
                    "Rollen «{}» gælder hele landet og har ingen region.",
                    self.role.label_da()
                ))
            }
            _ => {}
        }
        password::check_new(&self.password)
    }
}

pub async fn create(tx: &mut Tx<'_>, actor: &Actor, new: &NewUser) -> Result<User> {
    new.check().map_err(StoreError::Refused)?;
    let hash = password::hash(&new.password)?;
    let row = sqlx::query_as::<_, UserRow>(&format!(
        "INSERT INTO users (email, name, role, region_code, password_hash, disabled, created_at) \
         VALUES ($1, $2, $3, $4, $5, 0, $6) RETURNING {COLUMNS}"
    ))
    .bind(new.email.as_str())
    .bind(new.name.trim())
    .bind(new.role.as_str())
    .bind(new.region.map(|r| i64::from(r.code())))
    .bind(hash)
    .bind(now_utc())
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| match StoreError::from(e) {
        StoreError::Duplicate(_) => StoreError::Duplicate(format!(
            "Der findes allerede en bruger med e-mail {}.",
            new.email
        )),
        other => other,
    })?;
    let user = User::try_from(row)?;
    audit::created(tx, actor, &user).await?;
    Ok(user)
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> Result<Option<User>> {
    let row = sqlx::query_as::<_, UserRow>(&format!("SELECT {COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.map(User::try_from).transpose()
}

pub async fn find_by_email(conn: &mut AnyConnection, email: &str) -> Result<Option<User>> {
    let row =
        sqlx::query_as::<_, UserRow>(&format!("SELECT {COLUMNS} FROM users WHERE email = $1"))
            .bind(email.trim().to_lowercase())
            .fetch_optional(conn)
            .await?;
    row.map(User::try_from).transpose()
}

/// The user and password hash for a login attempt.
pub async fn credentials(conn: &mut AnyConnection, email: &str) -> Result<Option<(User, String)>> {
    #[derive(FromRow)]
    struct Row {
        #[sqlx(flatten)]
        user: UserRow,
        password_hash: String,
    }
    let row = sqlx::query_as::<_, Row>(&format!(
        "SELECT {COLUMNS}, password_hash FROM users WHERE email = $1"
    ))
    .bind(email.trim().to_lowercase())
    .fetch_optional(conn)
    .await?;
    row.map(|r| Ok((User::try_from(r.user)?, r.password_hash)))
        .transpose()
}

/// All users, or one region's when `region` is set, by e-mail.
pub async fn list(conn: &mut AnyConnection, region: Option<RegionCode>) -> Result<Vec<User>> {
    let rows = sqlx::query_as::<_, UserRow>(&format!(
        "SELECT {COLUMNS} FROM users WHERE ($1 IS NULL OR region_code = $1) ORDER BY email"
    ))
    .bind(region.map(|r| i64::from(r.code())))
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(User::try_from).collect()
}

/// Disables or enables a user. Disabling ends the user's sessions and revokes the API tokens.
pub async fn set_disabled(tx: &mut Tx<'_>, actor: &Actor, id: i64, disabled: bool) -> Result<User> {
    let before = get(tx, id).await?.ok_or(StoreError::NotFound)?;
    sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
        .bind(i64::from(disabled))
        .bind(id)
        .execute(&mut **tx)
        .await?;
    if disabled {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(id)
            .execute(&mut **tx)
            .await?;
        sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
        )
        .bind(now_utc())
        .bind(id)
        .execute(&mut **tx)
        .await?;
    }
    let after = get(tx, id).await?.ok_or(StoreError::NotFound)?;
    let action = if disabled { "disable" } else { "enable" };
    audit::step(tx, actor, action, Some(&before), &after).await?;
    Ok(after)
}

/// Sets a new password (already checked by the caller's policy).
pub async fn set_password(
    tx: &mut Tx<'_>,
    actor: &Actor,
    id: i64,
    new_password: &str,
) -> Result<()> {
    password::check_new(new_password).map_err(StoreError::Refused)?;
    let user = get(tx, id).await?.ok_or(StoreError::NotFound)?;
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(password::hash(new_password)?)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    // The hash itself is never logged; the entry records that the password changed.
    audit::noted(tx, actor, &user, "set_password", audit::NONE, audit::NONE).await?;
    Ok(())
}

/// How many users a region has, and how many of them are not disabled.
#[derive(Debug, Clone, FromRow, Serialize, PartialEq)]
pub struct RegionCount {
    pub region_code: i64,
    pub users: i64,
    pub active: i64,
}

/// Users per region; users without a region (national roles) are not counted.
pub async fn counts_by_region(conn: &mut AnyConnection) -> Result<Vec<RegionCount>> {
    Ok(sqlx::query_as::<_, RegionCount>(
        "SELECT region_code, COUNT(*) AS users, COUNT(CASE WHEN disabled = 0 THEN 1 END) AS active \
         FROM users WHERE region_code IS NOT NULL GROUP BY region_code ORDER BY region_code",
    )
    .fetch_all(conn)
    .await?)
}
