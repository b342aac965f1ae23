//! Server-side login sessions, API tokens and the record of login attempts.
//!
//! Only SHA-256 hashes of session and API tokens are stored; the raw token lives in the user's
//! cookie or script and is shown once.

use crate::audit::{self, Actor};
use crate::password::{random_token, token_hash};
use crate::users::{self, User, UserRow, COLUMNS_OF_U};
use crate::versions::Known;
use crate::{now_utc, timestamp, Result, StoreError, Tx};
use chrono::{Duration, Utc};
use pulje_domain::{RegionCode, TokenId, UserId};
use serde::Serialize;
use sqlx::{AnyConnection, FromRow, Row};

/// How long a session lasts.
pub const SESSION_HOURS: i64 = 12;

/// A logged-in session as the web layer sees it.
#[derive(Debug, Clone)]
pub struct Session {
    pub token_hash: String,
    pub user: User,
    pub csrf_token: String,
    /// The data versions when the session was read, for the request's kept views.
    pub versions: Known,
}

/// Starts a session for `user_id`; returns the raw token for the cookie.
pub async fn create(tx: &mut Tx<'_>, user_id: UserId) -> Result<(String, String)> {
    let token = random_token();
    let csrf = random_token();
    let now = Utc::now();
    sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(token_hash(&token))
        .bind(user_id.get())
        .bind(&csrf)
        .bind(timestamp(now))
        .bind(timestamp(now + Duration::hours(SESSION_HOURS)))
        .execute(&mut **tx)
        .await?;
    Ok((token, csrf))
}

/// A user's session, audited as `session` with the user's id and region.
struct SessionOf<'a>(&'a User);

impl audit::Audited for SessionOf<'_> {
    const ENTITY: &'static str = "session";
    fn audit_id(&self) -> String {
        self.0.id.to_string()
    }
    fn audit_region(&self) -> Option<RegionCode> {
        self.0.region
    }
}

/// Logs `user` in: starts a session ([`create`]) and audits the login. Returns the raw token
/// for the cookie and the session's CSRF token.
pub async fn log_in(tx: &mut Tx<'_>, user: &User) -> Result<(String, String)> {
    let tokens = create(tx, user.id).await?;
    let actor = Actor::user(user.id, &user.email);
    audit::noted(
        tx,
        &actor,
        &SessionOf(user),
        "login",
        audit::NONE,
        audit::NONE,
    )
    .await?;
    Ok(tokens)
}

/// Logs `user` out of the session `token_hash` ([`delete`]), audited.
pub async fn log_out(tx: &mut Tx<'_>, user: &User, token_hash: &str) -> Result<()> {
    delete(tx, token_hash).await?;
    let actor = Actor::user(user.id, &user.email);
    audit::noted(
        tx,
        &actor,
        &SessionOf(user),
        "logout",
        audit::NONE,
        audit::NONE,
    )
    .await
}

/// The live session for a raw token: not expired, user not disabled, with the data versions
/// the request's kept views are checked against ([`Known`]). One query: every request asks it.
pub async fn find(conn: &mut AnyConnection, token: &str) -> Result<Option<Session>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS_OF_U}, s.token_hash, s.csrf_token, {} FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled = 0",
        Known::columns()
    ))
    .bind(token_hash(token))
    .bind(now_utc())
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| {
        let user = User::try_from(UserRow::from_row(&r)?)?;
        let versions = Known::from_row(&r, user.region)?;
        Ok(Session {
            token_hash: r.try_get("token_hash")?,
            user,
            csrf_token: r.try_get("csrf_token")?,
            versions,
        })
    })
    .transpose()
}

/// Ends a session (logout), and removes expired ones while at it.
pub async fn delete(tx: &mut Tx<'_>, token_hash: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1 OR expires_at <= $2")
        .bind(token_hash)
        .bind(now_utc())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Ends all of `user_id`'s sessions but `keep` (a session's token hash), after a password was
/// set: whoever knew the old one is logged out.
pub async fn end_all(tx: &mut Tx<'_>, user_id: UserId, keep: Option<&str>) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user_id.get())
        .bind(keep.unwrap_or(""))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Records a login attempt for throttling.
pub async fn record_attempt(tx: &mut Tx<'_>, email: &str, success: bool) -> Result<()> {
    sqlx::query("INSERT INTO login_attempts (email, at, success) VALUES ($1, $2, $3)")
        .bind(email.trim().to_lowercase())
        .bind(now_utc())
        .bind(i64::from(success))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Failed attempts for `email` since the last success within the past `minutes`.
pub async fn recent_failures(conn: &mut AnyConnection, email: &str, minutes: i64) -> Result<i64> {
    let since = timestamp(Utc::now() - Duration::minutes(minutes));
    let email = email.trim().to_lowercase();
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM login_attempts WHERE email = $1 AND success = 0 AND at > $2 \
         AND at >= COALESCE((SELECT MAX(at) FROM login_attempts WHERE email = $1 AND success = 1), '')",
    )
    .bind(&email)
    .bind(since)
    .fetch_one(conn)
    .await?;
    Ok(n)
}

#[derive(Debug, Clone, FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiToken {
    #[sqlx(try_from = "i64")]
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub id: TokenId,
    #[sqlx(try_from = "i64")]
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub user_id: UserId,
    pub label: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

/// A token audited with its user's region, which the token itself does not carry.
struct TokenOf<'a> {
    token: &'a ApiToken,
    user: &'a User,
}

impl audit::Audited for TokenOf<'_> {
    const ENTITY: &'static str = "api_token";
    fn audit_id(&self) -> String {
        self.token.id.to_string()
    }
    fn audit_region(&self) -> Option<RegionCode> {
        self.user.region
    }
}

impl Serialize for TokenOf<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.token.serialize(s)
    }
}

/// Creates an API token for a user; returns the stored record and the raw token (shown once).
pub async fn create_token(
    tx: &mut Tx<'_>,
    actor: &Actor,
    user_id: UserId,
    label: &str,
) -> Result<(ApiToken, String)> {
    let raw = format!("pulje_{}", random_token());
    let label = if label.trim().is_empty() {
        "API-nøgle"
    } else {
        label.trim()
    };
    let token = sqlx::query_as::<_, ApiToken>(
        "INSERT INTO api_tokens (user_id, token_hash, label, created_at) VALUES ($1, $2, $3, $4) \
         RETURNING id, user_id, label, created_at, revoked_at",
    )
    .bind(user_id.get())
    .bind(token_hash(&raw))
    .bind(label)
    .bind(now_utc())
    .fetch_one(&mut **tx)
    .await?;
    let user = users::get(tx, user_id).await?.ok_or(StoreError::NotFound)?;
    audit::created(
        tx,
        actor,
        &TokenOf {
            token: &token,
            user: &user,
        },
    )
    .await?;
    Ok((token, raw))
}

/// The user a raw API token belongs to, if the token is live and the user enabled.
pub async fn find_token_user(conn: &mut AnyConnection, raw: &str) -> Result<Option<User>> {
    let row = sqlx::query_as::<_, UserRow>(&format!(
        "SELECT {COLUMNS_OF_U} FROM api_tokens t JOIN users u ON u.id = t.user_id \
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled = 0"
    ))
    .bind(token_hash(raw))
    .fetch_optional(&mut *conn)
    .await?;
    row.map(User::try_from).transpose()
}

pub async fn list_tokens(conn: &mut AnyConnection, user_id: UserId) -> Result<Vec<ApiToken>> {
    Ok(sqlx::query_as::<_, ApiToken>(
        "SELECT id, user_id, label, created_at, revoked_at FROM api_tokens WHERE user_id = $1 ORDER BY id",
    )
    .bind(user_id.get())
    .fetch_all(conn)
    .await?)
}

/// Revokes one of `user_id`'s tokens.
pub async fn revoke_token(
    tx: &mut Tx<'_>,
    actor: &Actor,
    user_id: UserId,
    token_id: TokenId,
) -> Result<()> {
    let before = sqlx::query_as::<_, ApiToken>(
        "SELECT id, user_id, label, created_at, revoked_at FROM api_tokens WHERE id = $1 AND user_id = $2",
    )
    .bind(token_id.get())
    .bind(user_id.get())
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StoreError::NotFound)?;
    if before.revoked_at.is_some() {
        return Ok(());
    }
    let now = now_utc();
    sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2")
        .bind(&now)
        .bind(token_id.get())
        .execute(&mut **tx)
        .await?;
    let after = ApiToken {
        revoked_at: Some(now),
        ..before.clone()
    };
    let user = users::get(tx, user_id).await?.ok_or(StoreError::NotFound)?;
    let of_user = |token| TokenOf { token, user: &user };
    audit::step(
        tx,
        actor,
        "revoke",
        Some(&of_user(&before)),
        &of_user(&after),
    )
    .await?;
    Ok(())
}
