//! A second factor with the password: a TOTP secret (RFC 6238) per user, single-use recovery
//! codes (hashes only), and the roles that must use it.
//!
//! The codes themselves are computed by the service layer (`pulje_app::second_factor`); this
//! module keeps what must survive between requests and guards it: a secret is enabled only once,
//! a time step is accepted only once ([`accept_step`], one guarded `UPDATE`), a recovery code is
//! spent only once. The secret never leaves this module after it is enabled except to check a
//! code, and is never written to the audit log.

use crate::audit::{self, Actor};
use crate::sessions::Stage;
use crate::users::User;
use crate::{now_utc, Result, Tx};
use pulje_domain::{RegionCode, Role, UserId};
use serde::Serialize;
use sqlx::AnyConnection;

/// How many recovery codes a user is given at a time.
pub const RECOVERY_CODES: usize = 10;

/// A user's TOTP secret as stored.
#[derive(Clone)]
pub struct Totp {
    /// The secret in base32.
    pub secret: String,
    /// Confirmed with a code; before that it is being set up.
    pub enabled: bool,
    /// The last time step whose code was accepted.
    pub last_step: i64,
}

impl std::fmt::Debug for Totp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Totp")
            .field("enabled", &self.enabled)
            .field("last_step", &self.last_step)
            .finish_non_exhaustive()
    }
}

/// `user_id`'s secret, enabled or being set up.
pub async fn get(conn: &mut AnyConnection, user_id: UserId) -> Result<Option<Totp>> {
    let row: Option<(String, Option<String>, i64)> =
        sqlx::query_as("SELECT secret, enabled_at, last_step FROM totp_secrets WHERE user_id = $1")
            .bind(user_id.get())
            .fetch_optional(conn)
            .await?;
    Ok(row.map(|(secret, enabled_at, last_step)| Totp {
        secret,
        enabled: enabled_at.is_some(),
        last_step,
    }))
}

/// Whether `user_id` has an enabled second factor.
pub async fn is_enabled(conn: &mut AnyConnection, user_id: UserId) -> Result<bool> {
    Ok(get(conn, user_id).await?.is_some_and(|t| t.enabled))
}

/// How far a right password takes `user`: a full session, or half — the code asked when they
/// have a second factor, its set-up when their role requires one they have not.
pub async fn stage_after_password(conn: &mut AnyConnection, user: &User) -> Result<Stage> {
    Ok(if is_enabled(conn, user.id).await? {
        Stage::Code
    } else if is_required(conn, user.role).await? {
        Stage::Setup
    } else {
        Stage::Full
    })
}

/// The users with an enabled second factor.
pub async fn enabled_users(conn: &mut AnyConnection) -> Result<Vec<UserId>> {
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT user_id FROM totp_secrets WHERE enabled_at IS NOT NULL")
            .fetch_all(conn)
            .await?;
    Ok(ids.into_iter().map(UserId::new).collect())
}

/// Keeps `secret` as `user_id`'s secret being set up, replacing one being set up before. An
/// enabled secret is left alone (returns false).
pub async fn start_setup(tx: &mut Tx<'_>, user_id: UserId, secret: &str) -> Result<bool> {
    sqlx::query("DELETE FROM totp_secrets WHERE user_id = $1 AND enabled_at IS NULL")
        .bind(user_id.get())
        .execute(&mut **tx)
        .await?;
    let done = sqlx::query(
        "INSERT INTO totp_secrets (user_id, secret, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id) DO NOTHING",
    )
    .bind(user_id.get())
    .bind(secret)
    .bind(now_utc())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The audit entry's values for a second factor (never the secret).
#[derive(Serialize)]
struct FactorNote<'a> {
    second_factor: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    recovery_codes: Option<usize>,
}

/// Enables `user`'s secret being set up, after a code of time step `step` was right, with new
/// recovery codes (`code_hashes`). False when there was none being set up (enabled meanwhile).
pub async fn enable(
    tx: &mut Tx<'_>,
    actor: &Actor,
    user: &User,
    step: i64,
    code_hashes: &[String],
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE totp_secrets SET enabled_at = $2, last_step = $3 \
         WHERE user_id = $1 AND enabled_at IS NULL",
    )
    .bind(user.id.get())
    .bind(now_utc())
    .bind(step)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    store_recovery_codes(tx, user.id, code_hashes).await?;
    let note = FactorNote {
        second_factor: "totp",
        recovery_codes: Some(code_hashes.len()),
    };
    audit::noted(tx, actor, user, "second_factor_enabled", None, Some(&note)).await?;
    Ok(true)
}

/// Accepts time step `step` for `user_id`'s enabled secret if it is later than the last one
/// accepted: the same code (or an earlier one) is never taken twice, also by two requests at once.
pub async fn accept_step(tx: &mut Tx<'_>, user_id: UserId, step: i64) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE totp_secrets SET last_step = $2 \
         WHERE user_id = $1 AND enabled_at IS NOT NULL AND last_step < $2",
    )
    .bind(user_id.get())
    .bind(step)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

async fn store_recovery_codes(tx: &mut Tx<'_>, user_id: UserId, hashes: &[String]) -> Result<()> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id.get())
        .execute(&mut **tx)
        .await?;
    let now = now_utc();
    for hash in hashes {
        sqlx::query(
            "INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES ($1, $2, $3)",
        )
        .bind(user_id.get())
        .bind(hash)
        .bind(&now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Replaces `user`'s recovery codes with new ones (their hashes); the old ones stop working.
pub async fn replace_recovery_codes(
    tx: &mut Tx<'_>,
    actor: &Actor,
    user: &User,
    hashes: &[String],
) -> Result<()> {
    store_recovery_codes(tx, user.id, hashes).await?;
    let note = FactorNote {
        second_factor: "totp",
        recovery_codes: Some(hashes.len()),
    };
    audit::noted(tx, actor, user, "recovery_codes_renewed", None, Some(&note)).await
}

/// Spends `user`'s unused recovery code with the hash `hash`; false when there is none.
pub async fn use_recovery_code(tx: &mut Tx<'_>, user: &User, hash: &str) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE recovery_codes SET used_at = $3 \
         WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
    )
    .bind(user.id.get())
    .bind(hash)
    .bind(now_utc())
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    let actor = Actor::user(user.id, &user.email);
    audit::noted(
        tx,
        &actor,
        user,
        "recovery_code_used",
        audit::NONE,
        audit::NONE,
    )
    .await?;
    Ok(true)
}

/// How many of `user_id`'s recovery codes are unused.
pub async fn recovery_codes_left(conn: &mut AnyConnection, user_id: UserId) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
    )
    .bind(user_id.get())
    .fetch_one(conn)
    .await?)
}

/// Removes `user`'s second factor and recovery codes, audited as `action` (`second_factor_disabled`
/// by the user, `second_factor_reset` by an administrator). False when there was none.
pub async fn remove(tx: &mut Tx<'_>, actor: &Actor, user: &User, action: &str) -> Result<bool> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user.id.get())
        .execute(&mut **tx)
        .await?;
    let done = sqlx::query("DELETE FROM totp_secrets WHERE user_id = $1")
        .bind(user.id.get())
        .execute(&mut **tx)
        .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    audit::noted(tx, actor, user, action, audit::NONE, audit::NONE).await?;
    Ok(true)
}

/// The roles that must use a second factor with their password.
pub async fn required_roles(conn: &mut AnyConnection) -> Result<Vec<Role>> {
    let rows: Vec<String> =
        sqlx::query_scalar("SELECT role FROM second_factor_roles ORDER BY role")
            .fetch_all(conn)
            .await?;
    Ok(rows.iter().filter_map(|r| Role::parse(r)).collect())
}

/// Whether `role` must use a second factor with the password.
pub async fn is_required(conn: &mut AnyConnection, role: Role) -> Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM second_factor_roles WHERE role = $1")
        .bind(role.as_str())
        .fetch_one(conn)
        .await?;
    Ok(n > 0)
}

/// The setting "which roles must use a second factor", audited as one national setting.
struct RequiredRoles;

impl audit::Audited for RequiredRoles {
    const ENTITY: &'static str = "second_factor_roles";
    fn audit_id(&self) -> String {
        "national".into()
    }
    fn audit_region(&self) -> Option<RegionCode> {
        None
    }
}

/// Sets the roles that must use a second factor, audited with before and after.
pub async fn set_required_roles(tx: &mut Tx<'_>, actor: &Actor, roles: &[Role]) -> Result<()> {
    let before = required_roles(tx).await?;
    sqlx::query("DELETE FROM second_factor_roles")
        .execute(&mut **tx)
        .await?;
    for role in roles {
        sqlx::query("INSERT INTO second_factor_roles (role) VALUES ($1) ON CONFLICT DO NOTHING")
            .bind(role.as_str())
            .execute(&mut **tx)
            .await?;
    }
    let names = |rs: &[Role]| rs.iter().map(|r| r.as_str()).collect::<Vec<_>>();
    let after = required_roles(tx).await?;
    audit::noted(
        tx,
        actor,
        &RequiredRoles,
        "update",
        Some(&names(&before)),
        Some(&names(&after)),
    )
    .await
}
