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
/// How long a session may go unused before it ends, unless configured otherwise.
pub const IDLE_MINUTES: i64 = 60;
/// A session's or an API token's last use is written at most this often, so that a busy user
/// does not cost a write per request.
pub const TOUCH_SECONDS: i64 = 60;
/// How long a new API token is valid, unless chosen otherwise.
pub const TOKEN_DAYS: i64 = 90;
/// The longest validity a token can be given.
pub const TOKEN_MAX_DAYS: i64 = 365;

/// Whether a last use written at `last` (a stored timestamp) is old enough to be written again.
pub fn needs_touch(last: Option<&str>) -> bool {
    match last {
        None => true,
        Some(last) => last < timestamp(Utc::now() - Duration::seconds(TOUCH_SECONDS)).as_str(),
    }
}

/// A logged-in session as the web layer sees it.
#[derive(Debug, Clone)]
pub struct Session {
    pub token_hash: String,
    pub user: User,
    pub csrf_token: String,
    /// The data versions when the session was read, for the request's kept views.
    pub versions: Known,
    /// When the session was last used, as last written ([`touch`]).
    pub last_seen_at: String,
    /// Logged in fully, or half: after the password, before the second factor.
    pub stage: Stage,
    /// How the user proved who they are, and when last.
    pub proof: Proof,
}

/// How far a login has come. Only a [`Stage::Full`] session gives access to anything; a half
/// one only to its next step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Full,
    /// The password was right; the second factor's code is asked.
    Code,
    /// The password was right; the user's role requires a second factor not set up yet.
    Setup,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Full => "full",
            Stage::Code => "code",
            Stage::Setup => "setup",
        }
    }

    fn parse(text: &str) -> Stage {
        match text {
            "code" => Stage::Code,
            "setup" => Stage::Setup,
            _ => Stage::Full,
        }
    }
}

/// How a session's user proved who they are, and when they last did (login or
/// re-authentication).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proof {
    pub method: AuthMethod,
    /// The second factor used with the password: `totp` or `recovery`.
    pub second_factor: Option<String>,
    /// A stored timestamp.
    pub authenticated_at: String,
}

impl Proof {
    /// Whether the user proved who they are within the last `minutes`.
    pub fn is_fresh(&self, minutes: i64) -> bool {
        self.authenticated_at.as_str() > timestamp(Utc::now() - Duration::minutes(minutes)).as_str()
    }
}

/// How a session was authenticated: kept on the session for steps that ask later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum AuthMethod {
    /// With the user's password.
    Password,
    /// Through the OpenID Connect provider, with its `amr` claim (the methods it used,
    /// space-separated) when it sent one.
    Oidc { amr: Option<String> },
}

impl AuthMethod {
    pub fn as_str(&self) -> &'static str {
        match self {
            AuthMethod::Password => "password",
            AuthMethod::Oidc { .. } => "oidc",
        }
    }

    fn parse(method: &str, amr: Option<String>) -> AuthMethod {
        match method {
            "oidc" => AuthMethod::Oidc { amr },
            _ => AuthMethod::Password,
        }
    }

    pub fn amr(&self) -> Option<&str> {
        match self {
            AuthMethod::Password => None,
            AuthMethod::Oidc { amr } => amr.as_deref(),
        }
    }
}

/// Starts a password session for `user_id`; returns the raw token for the cookie.
pub async fn create(tx: &mut Tx<'_>, user_id: UserId) -> Result<(String, String)> {
    create_via(tx, user_id, &AuthMethod::Password).await
}

/// Starts a session for `user_id` authenticated by `method`; returns the raw token for the
/// cookie and the session's CSRF token.
pub async fn create_via(
    tx: &mut Tx<'_>,
    user_id: UserId,
    method: &AuthMethod,
) -> Result<(String, String)> {
    create_staged(tx, user_id, method, Stage::Full).await
}

/// [`create_via`] at `stage`: a half session waits for its second factor.
async fn create_staged(
    tx: &mut Tx<'_>,
    user_id: UserId,
    method: &AuthMethod,
    stage: Stage,
) -> Result<(String, String)> {
    let token = random_token();
    let csrf = random_token();
    let now = Utc::now();
    sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at, auth_method, amr, stage) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(token_hash(&token))
        .bind(user_id.get())
        .bind(&csrf)
        .bind(timestamp(now))
        .bind(timestamp(now + Duration::hours(SESSION_HOURS)))
        .bind(method.as_str())
        .bind(method.amr())
        .bind(stage.as_str())
        .execute(&mut **tx)
        .await?;
    Ok((token, csrf))
}

/// How the session `token_hash` was authenticated; `None` for an unknown session.
pub async fn auth_method(conn: &mut AnyConnection, token_hash: &str) -> Result<Option<AuthMethod>> {
    let row: Option<(String, Option<String>)> =
        sqlx::query_as("SELECT auth_method, amr FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(conn)
            .await?;
    Ok(row.map(|(method, amr)| AuthMethod::parse(&method, amr)))
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

/// Logs `user` in with a password: starts a session ([`create`]) and audits the login. Returns
/// the raw token for the cookie and the session's CSRF token.
pub async fn log_in(tx: &mut Tx<'_>, user: &User) -> Result<(String, String)> {
    log_in_via(tx, user, &AuthMethod::Password).await
}

/// Logs `user` in by `method` ([`create_via`]); the audit entry says how.
pub async fn log_in_via(
    tx: &mut Tx<'_>,
    user: &User,
    method: &AuthMethod,
) -> Result<(String, String)> {
    log_in_at(tx, user, method, Stage::Full).await
}

/// Logs `user` in by `method` at `stage`: a half session ([`Stage::Code`], [`Stage::Setup`])
/// is audited as `password_checked`, and as `login` when [`complete`]d.
pub async fn log_in_at(
    tx: &mut Tx<'_>,
    user: &User,
    method: &AuthMethod,
    stage: Stage,
) -> Result<(String, String)> {
    let tokens = create_staged(tx, user.id, method, stage).await?;
    let actor = Actor::user(user.id, &user.email);
    let how = serde_json::json!({ "via": method.as_str(), "amr": method.amr() });
    let action = match stage {
        Stage::Full => "login",
        Stage::Code | Stage::Setup => "password_checked",
    };
    audit::noted(tx, &actor, &SessionOf(user), action, None, Some(&how)).await?;
    Ok(tokens)
}

/// Completes the half session `token_hash` of `user` with the second factor `factor` (`totp`
/// or `recovery`): it becomes a full session, proved now. False when it was not half.
pub async fn complete(
    tx: &mut Tx<'_>,
    user: &User,
    token_hash: &str,
    factor: &str,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE sessions SET stage = 'full', second_factor = $3, authenticated_at = $4 \
         WHERE token_hash = $1 AND user_id = $2 AND stage <> 'full'",
    )
    .bind(token_hash)
    .bind(user.id.get())
    .bind(factor)
    .bind(now_utc())
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    let actor = Actor::user(user.id, &user.email);
    let how = serde_json::json!({ "via": "password", "second_factor": factor });
    audit::noted(tx, &actor, &SessionOf(user), "login", None, Some(&how)).await?;
    Ok(true)
}

/// Writes that the user of the full session `token_hash` proved who they are again now (the
/// password, with `factor` when they have one; or a fresh single sign-on with its `amr`).
pub async fn reauthenticated(
    tx: &mut Tx<'_>,
    user: &User,
    token_hash: &str,
    factor: Option<&str>,
    amr: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "UPDATE sessions SET authenticated_at = $2, second_factor = COALESCE($3, second_factor), \
         amr = COALESCE($4, amr) WHERE token_hash = $1 AND stage = 'full'",
    )
    .bind(token_hash)
    .bind(now_utc())
    .bind(factor)
    .bind(amr)
    .execute(&mut **tx)
    .await?;
    let actor = Actor::user(user.id, &user.email);
    let how = serde_json::json!({ "second_factor": factor, "amr": amr });
    audit::noted(
        tx,
        &actor,
        &SessionOf(user),
        "reauthenticated",
        None,
        Some(&how),
    )
    .await
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

/// The live session for a raw token: not past its lifetime, used within the last `idle`, user
/// not disabled, with the data versions the request's kept views are checked against
/// ([`Known`]). One query: every request asks it.
pub async fn find(
    conn: &mut AnyConnection,
    token: &str,
    idle: std::time::Duration,
) -> Result<Option<Session>> {
    let idle = Duration::from_std(idle).unwrap_or(Duration::minutes(IDLE_MINUTES));
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS_OF_U}, s.token_hash, s.csrf_token, COALESCE(s.last_seen_at, s.created_at) AS last_seen_at, \
         s.stage, s.auth_method, s.amr, s.second_factor, COALESCE(s.authenticated_at, s.created_at) AS authenticated_at, {} \
         FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled = 0 \
         AND COALESCE(s.last_seen_at, s.created_at) > $3",
        Known::columns()
    ))
    .bind(token_hash(token))
    .bind(now_utc())
    .bind(timestamp(Utc::now() - idle))
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| {
        let user = User::try_from(UserRow::from_row(&r)?)?;
        let versions = Known::from_row(&r, user.region)?;
        let stage: String = r.try_get("stage")?;
        let method: String = r.try_get("auth_method")?;
        Ok(Session {
            token_hash: r.try_get("token_hash")?,
            user,
            csrf_token: r.try_get("csrf_token")?,
            versions,
            last_seen_at: r.try_get("last_seen_at")?,
            stage: Stage::parse(&stage),
            proof: Proof {
                method: AuthMethod::parse(&method, r.try_get("amr")?),
                second_factor: r.try_get("second_factor")?,
                authenticated_at: r.try_get("authenticated_at")?,
            },
        })
    })
    .transpose()
}

/// Writes that the session `token_hash` was used now (call it when [`needs_touch`] says so).
pub async fn touch(tx: &mut Tx<'_>, token_hash: &str) -> Result<()> {
    sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1")
        .bind(token_hash)
        .bind(now_utc())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Keeps `form` (JSON: a pending form's address and fields) on the session `token_hash` while its
/// user re-authenticates at the single sign-on provider.
pub async fn keep_pending_form(tx: &mut Tx<'_>, token_hash: &str, form: &str) -> Result<()> {
    sqlx::query("UPDATE sessions SET pending_form = $2 WHERE token_hash = $1")
        .bind(token_hash)
        .bind(form)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The form kept by [`keep_pending_form`], removed as it is given back.
pub async fn take_pending_form(tx: &mut Tx<'_>, token_hash: &str) -> Result<Option<String>> {
    let form: Option<Option<String>> =
        sqlx::query_scalar("SELECT pending_form FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(&mut **tx)
            .await?;
    sqlx::query("UPDATE sessions SET pending_form = NULL WHERE token_hash = $1")
        .bind(token_hash)
        .execute(&mut **tx)
        .await?;
    Ok(form.flatten())
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
    /// After this the token is refused (401).
    pub expires_at: Option<String>,
    /// When the token was last used (written at most once a minute).
    pub last_used_at: Option<String>,
}

/// The columns of [`ApiToken`].
const TOKEN_COLUMNS: &str = "id, user_id, label, created_at, revoked_at, expires_at, last_used_at";

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

/// Creates an API token for a user, valid `valid_days` days (1 to [`TOKEN_MAX_DAYS`]; outside
/// that, [`TOKEN_DAYS`]); returns the stored record and the raw token (shown once).
pub async fn create_token(
    tx: &mut Tx<'_>,
    actor: &Actor,
    user_id: UserId,
    label: &str,
    valid_days: i64,
) -> Result<(ApiToken, String)> {
    let valid_days = if (1..=TOKEN_MAX_DAYS).contains(&valid_days) {
        valid_days
    } else {
        TOKEN_DAYS
    };
    let raw = format!("pulje_{}", random_token());
    let label = if label.trim().is_empty() {
        "API-nøgle"
    } else {
        label.trim()
    };
    let token = sqlx::query_as::<_, ApiToken>(&format!(
        "INSERT INTO api_tokens (user_id, token_hash, label, created_at, expires_at) VALUES ($1, $2, $3, $4, $5) \
         RETURNING {TOKEN_COLUMNS}"
    ))
    .bind(user_id.get())
    .bind(token_hash(&raw))
    .bind(label)
    .bind(now_utc())
    .bind(timestamp(Utc::now() + Duration::days(valid_days)))
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

/// What a raw API token is.
#[derive(Debug, Clone)]
pub enum TokenLookup {
    /// Live, of an enabled user; `last_used_at` as last written ([`touch_token`]).
    Live {
        user: User,
        token_id: TokenId,
        last_used_at: Option<String>,
    },
    /// Not revoked, of an enabled user, but past its expiry date.
    Expired,
    /// Unknown, revoked, or its user disabled.
    Unknown,
}

/// What the raw API token `raw` is: live (with its user), expired or unknown.
pub async fn find_token(conn: &mut AnyConnection, raw: &str) -> Result<TokenLookup> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS_OF_U}, t.id AS token_id, t.expires_at, t.last_used_at \
         FROM api_tokens t JOIN users u ON u.id = t.user_id \
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled = 0"
    ))
    .bind(token_hash(raw))
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = row else {
        return Ok(TokenLookup::Unknown);
    };
    let expires_at: Option<String> = r.try_get("expires_at")?;
    if expires_at.is_some_and(|at| at <= now_utc()) {
        return Ok(TokenLookup::Expired);
    }
    Ok(TokenLookup::Live {
        user: User::try_from(UserRow::from_row(&r)?)?,
        token_id: TokenId::new(r.try_get::<i64, _>("token_id")?),
        last_used_at: r.try_get("last_used_at")?,
    })
}

/// Writes that the token was used now (call it when [`needs_touch`] says so).
pub async fn touch_token(tx: &mut Tx<'_>, token_id: TokenId) -> Result<()> {
    sqlx::query("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1")
        .bind(token_id.get())
        .bind(now_utc())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn list_tokens(conn: &mut AnyConnection, user_id: UserId) -> Result<Vec<ApiToken>> {
    Ok(sqlx::query_as::<_, ApiToken>(&format!(
        "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE user_id = $1 ORDER BY id"
    ))
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
    let before = sqlx::query_as::<_, ApiToken>(&format!(
        "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE id = $1 AND user_id = $2"
    ))
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
