//! Single sign-on: who a person logged in through the OpenID Connect provider is in pulje, the
//! administrator's rules that give such a person a role, the people still waiting for one, and
//! the regions whose users may not log in with a password.
//!
//! The web layer verifies the ID token (signature, issuer, audience, nonce, expiry) and hands
//! over an [`Identity`]; [`resolve`] finds or provisions the user in one transaction.

use crate::audit::{self, Actor};
use crate::users::{self, Profile, User, UserRow, COLUMNS_OF_U};
use crate::{now_utc, Result, StoreError, Tx};
use pulje_domain::{Email, RegionCode, Role};
use serde::Serialize;
use sqlx::{AnyConnection, FromRow};

/// What a verified ID token says about the person.
#[derive(Debug, Clone)]
pub struct Identity {
    pub issuer: String,
    pub subject: String,
    /// The `email` claim, lower-cased; `None` when absent.
    pub email: Option<String>,
    /// Whether the provider vouches for the e-mail address (`email_verified`).
    pub email_verified: bool,
    /// The `name` claim, or the e-mail address when there is none.
    pub name: String,
    /// The values of the `groups` claim.
    pub groups: Vec<String>,
}

impl Identity {
    /// The verified e-mail address, when there is one that reads as an address.
    fn verified_email(&self) -> Option<Email> {
        self.email
            .as_deref()
            .filter(|_| self.email_verified)
            .and_then(|e| Email::parse(e).ok())
    }
}

/// Who the person is in pulje.
#[derive(Debug, Clone)]
pub enum Resolved {
    /// A user (perhaps just linked or provisioned).
    User(User),
    /// Not a user yet, and no rule gives a role: recorded in the waiting list.
    Waiting,
}

/// A user's link to the provider, audited as `user`.
#[derive(Serialize)]
struct Link<'a> {
    issuer: &'a str,
    subject: &'a str,
}

/// Finds or provisions the user behind `identity`:
/// 1. the user linked to its issuer and subject;
/// 2. otherwise the user with its verified e-mail address and no link yet, which is linked now;
/// 3. otherwise, when a rule ([`Mapping`]) matches one of its groups, a new user with the rule's
///    role and region, linked (a verified e-mail address is required);
/// 4. otherwise it is recorded as waiting for an administrator ([`Waiting`]).
///
/// Every link, new user and waiting entry is audited in `tx`.
pub async fn resolve(tx: &mut Tx<'_>, identity: &Identity) -> Result<Resolved> {
    if let Some(user) = linked(tx, &identity.issuer, &identity.subject).await? {
        return Ok(Resolved::User(user));
    }
    let email = identity.verified_email();
    if let Some(email) = &email {
        let unlinked: Option<i64> =
            sqlx::query_scalar("SELECT id FROM users WHERE email = $1 AND oidc_subject IS NULL")
                .bind(email.as_str())
                .fetch_optional(&mut **tx)
                .await?;
        if let Some(id) = unlinked {
            let user = users::get(tx, pulje_domain::UserId::new(id))
                .await?
                .ok_or(StoreError::NotFound)?;
            link(tx, &Actor::user(user.id, &user.email), &user, identity).await?;
            return Ok(Resolved::User(user));
        }
        if let Some(mapping) = first_mapping(tx, &identity.groups).await? {
            let profile = Profile {
                email: email.clone(),
                name: display_name(identity, email),
                role: mapping.role()?,
                region: mapping.region(),
            };
            if profile.check().is_ok() && users::find_by_email(tx, email.as_str()).await?.is_none()
            {
                let actor = Actor::system("single sign-on");
                let user = users::create_invited(tx, &actor, &profile).await?;
                link(tx, &actor, &user, identity).await?;
                remove_waiting(tx, identity).await?;
                return Ok(Resolved::User(user));
            }
        }
    }
    record_waiting(tx, identity).await?;
    Ok(Resolved::Waiting)
}

fn display_name(identity: &Identity, email: &Email) -> String {
    let name: String = identity.name.trim().chars().take(200).collect();
    if name.is_empty() {
        email.as_str().to_string()
    } else {
        name
    }
}

/// The user linked to `issuer` and `subject`.
pub async fn linked(conn: &mut AnyConnection, issuer: &str, subject: &str) -> Result<Option<User>> {
    let row = sqlx::query_as::<_, UserRow>(&format!(
        "SELECT {COLUMNS_OF_U} FROM users u WHERE u.oidc_issuer = $1 AND u.oidc_subject = $2"
    ))
    .bind(issuer)
    .bind(subject)
    .fetch_optional(conn)
    .await?;
    row.map(User::try_from).transpose()
}

async fn link(tx: &mut Tx<'_>, actor: &Actor, user: &User, identity: &Identity) -> Result<()> {
    sqlx::query("UPDATE users SET oidc_issuer = $1, oidc_subject = $2 WHERE id = $3")
        .bind(&identity.issuer)
        .bind(&identity.subject)
        .bind(user.id.get())
        .execute(&mut **tx)
        .await?;
    let after = Link {
        issuer: &identity.issuer,
        subject: &identity.subject,
    };
    audit::noted(tx, actor, user, "link_single_sign_on", None, Some(&after)).await
}

// --- rules ----------------------------------------------------------------------------------

/// An administrator's rule: a group value that gives a role (and region).
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Mapping {
    pub id: i64,
    pub claim_value: String,
    pub role: String,
    pub region_code: Option<i64>,
    pub created_at: String,
}

impl Mapping {
    pub fn role(&self) -> Result<Role> {
        Role::parse(&self.role)
            .ok_or_else(|| StoreError::Other(anyhow::anyhow!("unknown role {}", self.role)))
    }

    pub fn region(&self) -> Option<RegionCode> {
        self.region_code.and_then(RegionCode::new)
    }
}

impl audit::Audited for Mapping {
    const ENTITY: &'static str = "oidc_role_mapping";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_region(&self) -> Option<RegionCode> {
        self.region()
    }
}

/// The longest group value a rule takes.
pub const MAX_CLAIM_VALUE: usize = 256;

/// The rules, oldest (winning) first.
pub async fn mappings(conn: &mut AnyConnection) -> Result<Vec<Mapping>> {
    Ok(sqlx::query_as::<_, Mapping>(
        "SELECT id, claim_value, role, region_code, created_at FROM oidc_role_mappings ORDER BY id",
    )
    .fetch_all(conn)
    .await?)
}

async fn first_mapping(conn: &mut AnyConnection, groups: &[String]) -> Result<Option<Mapping>> {
    Ok(mappings(conn)
        .await?
        .into_iter()
        .find(|m| groups.contains(&m.claim_value)))
}

/// Adds a rule; refused in Danish when the value is empty, too long or already used, or the
/// role and region do not fit together.
pub async fn add_mapping(
    tx: &mut Tx<'_>,
    actor: &Actor,
    claim_value: &str,
    role: Role,
    region: Option<RegionCode>,
) -> Result<Mapping> {
    let value = claim_value.trim();
    if value.is_empty() {
        return Err(StoreError::Refused("Skriv gruppens værdi.".into()));
    }
    if value.chars().count() > MAX_CLAIM_VALUE || value.chars().any(char::is_control) {
        return Err(StoreError::Refused(format!(
            "Gruppens værdi må højst være {MAX_CLAIM_VALUE} tegn og ingen kontroltegn."
        )));
    }
    match (role.is_regional(), region) {
        (true, None) => {
            return Err(StoreError::Refused(format!(
                "Rollen «{}» kræver en region.",
                role.label_da()
            )))
        }
        (false, Some(_)) => {
            return Err(StoreError::Refused(format!(
                "Rollen «{}» gælder hele landet og har ingen region.",
                role.label_da()
            )))
        }
        _ => {}
    }
    let mapping = sqlx::query_as::<_, Mapping>(
        "INSERT INTO oidc_role_mappings (claim_value, role, region_code, created_at) \
         VALUES ($1, $2, $3, $4) RETURNING id, claim_value, role, region_code, created_at",
    )
    .bind(value)
    .bind(role.as_str())
    .bind(region.map(RegionCode::get))
    .bind(now_utc())
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| match StoreError::from(e) {
        StoreError::Duplicate(_) => StoreError::Duplicate(format!(
            "Der findes allerede en regel for gruppen «{value}»."
        )),
        other => other,
    })?;
    audit::created(tx, actor, &mapping).await?;
    Ok(mapping)
}

/// Removes a rule (users it gave a role keep it).
pub async fn remove_mapping(tx: &mut Tx<'_>, actor: &Actor, id: i64) -> Result<()> {
    let before = sqlx::query_as::<_, Mapping>(
        "SELECT id, claim_value, role, region_code, created_at FROM oidc_role_mappings WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StoreError::NotFound)?;
    sqlx::query("DELETE FROM oidc_role_mappings WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    audit::deleted(tx, actor, &before).await
}

// --- people waiting for a role --------------------------------------------------------------

/// A person who logged in through the provider and has no role yet.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Waiting {
    pub id: i64,
    pub issuer: String,
    pub subject: String,
    pub email: String,
    pub name: String,
    /// The groups claim's values, space-separated.
    pub groups: String,
    pub first_seen_at: String,
    pub last_seen_at: String,
}

impl audit::Audited for Waiting {
    const ENTITY: &'static str = "oidc_waiting";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_region(&self) -> Option<RegionCode> {
        None
    }
}

const WAITING_COLUMNS: &str =
    "id, issuer, subject, email, name, groups, first_seen_at, last_seen_at";

/// Everyone waiting, most recently seen first.
pub async fn waiting(conn: &mut AnyConnection) -> Result<Vec<Waiting>> {
    Ok(sqlx::query_as::<_, Waiting>(&format!(
        "SELECT {WAITING_COLUMNS} FROM oidc_pending ORDER BY last_seen_at DESC, id"
    ))
    .fetch_all(conn)
    .await?)
}

/// Bounded text for the waiting list (claims come from the provider, not from pulje).
fn bounded(text: &str, max: usize) -> String {
    text.chars().filter(|c| !c.is_control()).take(max).collect()
}

async fn record_waiting(tx: &mut Tx<'_>, identity: &Identity) -> Result<()> {
    let now = now_utc();
    let email = bounded(identity.email.as_deref().unwrap_or(""), 320);
    let name = bounded(&identity.name, 200);
    let groups = bounded(&identity.groups.join(" "), 2000);
    let updated = sqlx::query(
        "UPDATE oidc_pending SET email = $1, name = $2, groups = $3, last_seen_at = $4 \
         WHERE issuer = $5 AND subject = $6",
    )
    .bind(&email)
    .bind(&name)
    .bind(&groups)
    .bind(&now)
    .bind(&identity.issuer)
    .bind(&identity.subject)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if updated > 0 {
        return Ok(());
    }
    let entry = sqlx::query_as::<_, Waiting>(&format!(
        "INSERT INTO oidc_pending (issuer, subject, email, name, groups, first_seen_at, last_seen_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING {WAITING_COLUMNS}"
    ))
    .bind(&identity.issuer)
    .bind(&identity.subject)
    .bind(&email)
    .bind(&name)
    .bind(&groups)
    .bind(&now)
    .fetch_one(&mut **tx)
    .await?;
    audit::created(tx, &Actor::system("single sign-on"), &entry).await
}

async fn remove_waiting(tx: &mut Tx<'_>, identity: &Identity) -> Result<()> {
    sqlx::query("DELETE FROM oidc_pending WHERE issuer = $1 AND subject = $2")
        .bind(&identity.issuer)
        .bind(&identity.subject)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Grants a waiting person a role: creates the user (no password), linked to the person's
/// issuer and subject, and takes them off the list. Audited.
pub async fn grant(
    tx: &mut Tx<'_>,
    actor: &Actor,
    id: i64,
    role: Role,
    region: Option<RegionCode>,
) -> Result<User> {
    let entry = sqlx::query_as::<_, Waiting>(&format!(
        "SELECT {WAITING_COLUMNS} FROM oidc_pending WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StoreError::NotFound)?;
    let email = Email::parse(&entry.email).map_err(|_| {
        StoreError::Refused(
            "Udbyderen har ikke givet personen en e-mailadresse; opret brugeren under «Brugere»."
                .into(),
        )
    })?;
    let profile = Profile {
        email: email.clone(),
        name: if entry.name.trim().is_empty() {
            email.as_str().to_string()
        } else {
            entry.name.clone()
        },
        role,
        region,
    };
    let user = users::create_invited(tx, actor, &profile).await?;
    let identity = Identity {
        issuer: entry.issuer.clone(),
        subject: entry.subject.clone(),
        email: Some(entry.email.clone()),
        email_verified: true,
        name: entry.name.clone(),
        groups: Vec::new(),
    };
    link(tx, actor, &user, &identity).await?;
    sqlx::query("DELETE FROM oidc_pending WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    audit::deleted(tx, actor, &entry).await?;
    Ok(user)
}

// --- password login per region --------------------------------------------------------------

/// A region's password setting, audited as `region_password_login`.
struct RegionLogin(RegionCode);

impl audit::Audited for RegionLogin {
    const ENTITY: &'static str = "region_password_login";
    fn audit_id(&self) -> String {
        self.0.to_string()
    }
    fn audit_region(&self) -> Option<RegionCode> {
        Some(self.0)
    }
}

/// Whether the users of `region` may log in with a password (the default).
pub async fn password_login(conn: &mut AnyConnection, region: RegionCode) -> Result<bool> {
    let v: Option<i64> = sqlx::query_scalar("SELECT password_login FROM regions WHERE code = $1")
        .bind(region.get())
        .fetch_optional(conn)
        .await?;
    Ok(v.is_none_or(|v| v != 0))
}

/// The regions whose users may not log in with a password.
pub async fn regions_without_password(conn: &mut AnyConnection) -> Result<Vec<RegionCode>> {
    let codes: Vec<i64> =
        sqlx::query_scalar("SELECT code FROM regions WHERE password_login = 0 ORDER BY code")
            .fetch_all(conn)
            .await?;
    Ok(codes.into_iter().filter_map(RegionCode::new).collect())
}

/// Allows or refuses passwords for `region`'s users; audited with before and after. Refusing
/// ends the sessions its users started with a password.
pub async fn set_password_login(
    tx: &mut Tx<'_>,
    actor: &Actor,
    region: RegionCode,
    allowed: bool,
) -> Result<()> {
    let before = password_login(tx, region).await?;
    if before == allowed {
        return Ok(());
    }
    sqlx::query("UPDATE regions SET password_login = $1 WHERE code = $2")
        .bind(i64::from(allowed))
        .bind(region.get())
        .execute(&mut **tx)
        .await?;
    if !allowed {
        sqlx::query(
            "DELETE FROM sessions WHERE auth_method = 'password' \
             AND user_id IN (SELECT id FROM users WHERE region_code = $1)",
        )
        .bind(region.get())
        .execute(&mut **tx)
        .await?;
    }
    audit::noted(
        tx,
        actor,
        &RegionLogin(region),
        "password_login",
        Some(&before),
        Some(&allowed),
    )
    .await
}
