//! User accounts.

use crate::audit::{self, Actor};
use crate::{now_utc, password, Result, StoreError, Tx};
use pulje_domain::{Email, RegionCode, Role, UserId};
use serde::Serialize;
use sqlx::{AnyConnection, FromRow};

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub id: UserId,
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
    fn audit_region(&self) -> Option<RegionCode> {
        self.region
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
            id: UserId::new(r.id),
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

/// A user's name, e-mail, role and region: what an administrator sets and edits.
#[derive(Debug, Clone)]
pub struct Profile {
    pub email: Email,
    pub name: String,
    pub role: Role,
    pub region: Option<RegionCode>,
}

impl Profile {
    /// A name is required and at most 200 characters; a regional role needs a region, a
    /// national one must not have one.
    pub fn check(&self) -> std::result::Result<(), String> {
        if self.name.trim().is_empty() {
            return Err("Navnet mangler.".into());
        }
        if self.name.trim().chars().count() > 200 {
            return Err("Navnet må højst være 200 tegn.".into());
        }
        match (self.role.is_regional(), self.region) {
            (true, None) => Err(format!(
                "Rollen «{}» kræver en region.",
                self.role.label_da()
            )),
            (false, Some(_)) => Err(format!(
                "Rollen «{}» gælder hele landet og har ingen region.",
                self.role.label_da()
            )),
            _ => Ok(()),
        }
    }
}

impl NewUser {
    /// The profile's rules, and the password's ([`password::check_new`]).
    pub fn check(&self) -> std::result::Result<(), String> {
        self.profile().check()?;
        password::check_new(&self.password)
    }

    pub fn profile(&self) -> Profile {
        Profile {
            email: self.email.clone(),
            name: self.name.clone(),
            role: self.role,
            region: self.region,
        }
    }
}

/// The refusal for an address another user has.
fn duplicate_email(e: sqlx::Error, email: &Email) -> StoreError {
    match StoreError::from(e) {
        StoreError::Duplicate(_) => {
            StoreError::Duplicate(format!("Der findes allerede en bruger med e-mail {email}."))
        }
        other => other,
    }
}

pub async fn create(tx: &mut Tx<'_>, actor: &Actor, new: &NewUser) -> Result<User> {
    new.check().map_err(StoreError::Refused)?;
    let hash = password::hash(&new.password)?;
    insert(tx, actor, &new.profile(), &hash).await
}

/// Creates a user without a password (an invitation: the person sets one through the link
/// [`crate::account_links::issue`] makes). Until then no password matches.
pub async fn create_invited(tx: &mut Tx<'_>, actor: &Actor, profile: &Profile) -> Result<User> {
    profile.check().map_err(StoreError::Refused)?;
    insert(tx, actor, profile, "").await
}

async fn insert(tx: &mut Tx<'_>, actor: &Actor, new: &Profile, hash: &str) -> Result<User> {
    let row = sqlx::query_as::<_, UserRow>(&format!(
        "INSERT INTO users (email, name, role, region_code, password_hash, disabled, created_at) \
         VALUES ($1, $2, $3, $4, $5, 0, $6) RETURNING {COLUMNS}"
    ))
    .bind(new.email.as_str())
    .bind(new.name.trim())
    .bind(new.role.as_str())
    .bind(new.region.map(RegionCode::get))
    .bind(hash)
    .bind(now_utc())
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| duplicate_email(e, &new.email))?;
    let user = User::try_from(row)?;
    audit::created(tx, actor, &user).await?;
    Ok(user)
}

/// Changes a user's name, e-mail, role and region; audited with before and after.
pub async fn update(tx: &mut Tx<'_>, actor: &Actor, id: UserId, profile: &Profile) -> Result<User> {
    profile.check().map_err(StoreError::Refused)?;
    let before = get(tx, id).await?.ok_or(StoreError::NotFound)?;
    let row = sqlx::query_as::<_, UserRow>(&format!(
        "UPDATE users SET email = $1, name = $2, role = $3, region_code = $4 WHERE id = $5 \
         RETURNING {COLUMNS}"
    ))
    .bind(profile.email.as_str())
    .bind(profile.name.trim())
    .bind(profile.role.as_str())
    .bind(profile.region.map(RegionCode::get))
    .bind(id.get())
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| duplicate_email(e, &profile.email))?;
    let after = User::try_from(row)?;
    audit::changed(tx, actor, &before, &after).await?;
    Ok(after)
}

/// Whether the user has a password (an invited user has none until they set one).
pub async fn has_password(conn: &mut AnyConnection, id: UserId) -> Result<bool> {
    let hash: Option<String> = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(id.get())
        .fetch_optional(conn)
        .await?;
    Ok(hash.is_some_and(|h| !h.is_empty()))
}

pub async fn get(conn: &mut AnyConnection, id: UserId) -> Result<Option<User>> {
    let row = sqlx::query_as::<_, UserRow>(&format!("SELECT {COLUMNS} FROM users WHERE id = $1"))
        .bind(id.get())
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
    .bind(region.map(RegionCode::get))
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(User::try_from).collect()
}

/// Disables or enables a user. Disabling ends the user's sessions and revokes the API tokens.
pub async fn set_disabled(
    tx: &mut Tx<'_>,
    actor: &Actor,
    id: UserId,
    disabled: bool,
) -> Result<User> {
    let before = get(tx, id).await?.ok_or(StoreError::NotFound)?;
    sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
        .bind(i64::from(disabled))
        .bind(id.get())
        .execute(&mut **tx)
        .await?;
    if disabled {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(id.get())
            .execute(&mut **tx)
            .await?;
        sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
        )
        .bind(now_utc())
        .bind(id.get())
        .execute(&mut **tx)
        .await?;
    }
    let after = get(tx, id).await?.ok_or(StoreError::NotFound)?;
    let action = if disabled { "disable" } else { "enable" };
    audit::step(tx, actor, action, Some(&before), &after).await?;
    Ok(after)
}

/// A yes/no choice a user makes for themselves, kept in a column of `users`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// The idea catalogue may show the user's e-mail to other regions' users (as the
    /// responsible doctor of an agreement in it).
    CatalogueEmailConsent,
    /// Mails about applications come as one daily digest (else each at once).
    MailDigest,
}

impl Choice {
    /// The column, which is also the audit entry's action.
    fn column(self) -> &'static str {
        match self {
            Choice::CatalogueEmailConsent => "catalogue_email_consent",
            Choice::MailDigest => "mail_digest",
        }
    }
}

/// The user's `choice`; `false` for an unknown user.
pub async fn choice(conn: &mut AnyConnection, id: UserId, choice: Choice) -> Result<bool> {
    let v: Option<i64> = sqlx::query_scalar(&format!(
        "SELECT {} FROM users WHERE id = $1",
        choice.column()
    ))
    .bind(id.get())
    .fetch_optional(conn)
    .await?;
    Ok(v.is_some_and(|v| v != 0))
}

/// Sets the user's `choice`, audited with before and after (the action is the choice's column);
/// nothing is written when it does not change.
pub async fn set_choice(
    tx: &mut Tx<'_>,
    actor: &Actor,
    id: UserId,
    which: Choice,
    value: bool,
) -> Result<()> {
    let user = get(tx, id).await?.ok_or(StoreError::NotFound)?;
    let before = choice(tx, id, which).await?;
    if before == value {
        return Ok(());
    }
    sqlx::query(&format!(
        "UPDATE users SET {} = $1 WHERE id = $2",
        which.column()
    ))
    .bind(i64::from(value))
    .bind(id.get())
    .execute(&mut **tx)
    .await?;
    audit::noted(
        tx,
        actor,
        &user,
        which.column(),
        Some(&before),
        Some(&value),
    )
    .await
}

/// Sets a new password (the caller's policy already allowed it) and ends the user's sessions,
/// all but `keep` (the session of a user changing their own password).
pub async fn set_password(
    tx: &mut Tx<'_>,
    actor: &Actor,
    id: UserId,
    new_password: &str,
    keep: Option<&str>,
) -> Result<()> {
    password::check_new(new_password).map_err(StoreError::Refused)?;
    let user = get(tx, id).await?.ok_or(StoreError::NotFound)?;
    store_password(tx, actor, &user, new_password, "set").await?;
    crate::sessions::end_all(tx, id, keep).await
}

/// Stores the hash of `new_password` (checked by the caller) and audits that the password
/// changed and how (`via`: set, changed, invite, reset); the hash itself is never logged.
pub(crate) async fn store_password(
    tx: &mut Tx<'_>,
    actor: &Actor,
    user: &User,
    new_password: &str,
    via: &str,
) -> Result<()> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(password::hash(new_password)?)
        .bind(user.id.get())
        .execute(&mut **tx)
        .await?;
    let how = serde_json::json!({ "via": via });
    audit::noted(tx, actor, user, "set_password", None, Some(&how)).await
}

/// How many users a region has, and how many of them are not disabled.
#[derive(Debug, Clone, FromRow, Serialize, PartialEq)]
pub struct RegionCount {
    #[sqlx(try_from = "i64")]
    pub region_code: RegionCode,
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
