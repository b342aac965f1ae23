//! Logging in: the throttle's counters, the devices a user has logged in from, and the record of
//! attempts.
//!
//! An attempt is counted before its password is checked, in a committed transaction of its own
//! ([`reserve`]): every counter it is judged by (its account or known device, its source address)
//! is raised at once, under the row's lock (SQLite's `BEGIN IMMEDIATE`, PostgreSQL's row lock
//! taken by the upsert), so parallel attempts are counted one after another and none slips past
//! the count. Past a counter's free attempts each further attempt must wait a growing time
//! ([`wait_after`]); an attempt during the wait is refused without a check.

use crate::password::{random_token, token_hash};
use crate::{now_utc, timestamp, Result, Tx};
use chrono::{Duration, Utc};
use pulje_domain::UserId;
use sqlx::AnyConnection;

/// How long a known device stays known after its last login.
pub const DEVICE_DAYS: i64 = 180;

/// One throttle counter: its key (`account:<e-mail>`, `address:<ip>`, `device:<hash>`) and how
/// many failures it allows before the waits begin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counter {
    pub key: String,
    pub free: i64,
}

impl Counter {
    pub fn account(email: &str, free: i64) -> Counter {
        Counter {
            key: format!("account:{}", email.trim().to_lowercase()),
            free,
        }
    }
    pub fn address(address: &str, free: i64) -> Counter {
        Counter {
            key: format!("address:{address}"),
            free,
        }
    }
    /// A known device, by its cookie's raw value (only the hash is kept).
    pub fn device(raw: &str, free: i64) -> Counter {
        Counter {
            key: format!("device:{}", token_hash(raw)),
            free,
        }
    }
}

/// The throttle's timing.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// A counter untouched this long (and not in a wait) starts again from nothing.
    pub quiet: std::time::Duration,
    /// The longest wait.
    pub max_wait: std::time::Duration,
}

/// The wait after `failures` counted attempts when `free` are allowed: nothing below `free`,
/// then 2^(failures − free + 2) seconds (4 s after the fifth of five free failures, 8 s after
/// the sixth, …), never more than `max_wait`.
pub fn wait_after(failures: i64, free: i64, max_wait: std::time::Duration) -> std::time::Duration {
    if failures < free {
        return std::time::Duration::ZERO;
    }
    let exponent = (failures - free + 2).clamp(0, 30) as u32;
    std::time::Duration::from_secs(1u64 << exponent).min(max_wait)
}

/// What the throttle says about an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Counted; check the password.
    Check,
    /// Refused unchecked: try again after this long.
    Wait(std::time::Duration),
}

fn millis(at: chrono::DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

fn ms(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Locks `key`'s counter row (creating it empty) and reads it: failures, last attempt, end of
/// the wait (Unix milliseconds).
async fn lock(tx: &mut Tx<'_>, key: &str, now: i64) -> Result<(i64, i64, i64)> {
    // The no-op update makes PostgreSQL lock an existing row until the transaction ends; SQLite
    // holds its write lock from `BEGIN IMMEDIATE`.
    Ok(sqlx::query_as::<_, (i64, i64, i64)>(
        "INSERT INTO login_throttle (key, failures, last_at, not_before) VALUES ($1, 0, $2, 0) \
         ON CONFLICT (key) DO UPDATE SET failures = login_throttle.failures \
         RETURNING failures, last_at, not_before",
    )
    .bind(key)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?)
}

/// Counts an attempt against every counter in `counters` before its password is checked, or
/// refuses it while any of them is in a wait (then nothing is counted). Commit the transaction
/// before checking the password, so the count is seen by every parallel attempt.
pub async fn reserve(tx: &mut Tx<'_>, counters: &[Counter], rule: Rule) -> Result<Verdict> {
    let now = millis(Utc::now());
    let mut rows = Vec::with_capacity(counters.len());
    let mut wait = 0i64;
    for c in counters {
        let (mut failures, last_at, not_before) = lock(tx, &c.key, now).await?;
        if not_before > now {
            wait = wait.max(not_before - now);
        } else if now.saturating_sub(last_at) > ms(rule.quiet) {
            failures = 0;
        }
        rows.push((c, failures));
    }
    if wait > 0 {
        return Ok(Verdict::Wait(std::time::Duration::from_millis(
            u64::try_from(wait).unwrap_or(0),
        )));
    }
    for (c, failures) in rows {
        let failures = failures + 1;
        let wait = wait_after(failures, c.free, rule.max_wait);
        let not_before = if wait.is_zero() { 0 } else { now + ms(wait) };
        sqlx::query(
            "UPDATE login_throttle SET failures = $2, last_at = $3, not_before = $4 WHERE key = $1",
        )
        .bind(&c.key)
        .bind(failures)
        .bind(now)
        .bind(not_before)
        .execute(&mut **tx)
        .await?;
    }
    Ok(Verdict::Check)
}

/// After a failed check: each counter's wait runs from now (a slow check does not shorten it for
/// the attempts that were refused while it ran). Counters untouched for longer than the quiet
/// spell and out of their wait, which would start again from nothing anyway, are removed, so
/// attempts on made-up e-mail addresses do not pile up rows.
pub async fn failed(tx: &mut Tx<'_>, counters: &[Counter], rule: Rule) -> Result<()> {
    let now = millis(Utc::now());
    sqlx::query("DELETE FROM login_throttle WHERE last_at < $1 AND not_before < $2")
        .bind(now.saturating_sub(ms(rule.quiet)))
        .bind(now)
        .execute(&mut **tx)
        .await?;
    for c in counters {
        let (failures, _, not_before) = lock(tx, &c.key, now).await?;
        let wait = wait_after(failures, c.free, rule.max_wait);
        let until = if wait.is_zero() {
            not_before
        } else {
            not_before.max(now + ms(wait))
        };
        sqlx::query("UPDATE login_throttle SET last_at = $2, not_before = $3 WHERE key = $1")
            .bind(&c.key)
            .bind(now)
            .bind(until)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// After the right password: the account's or device's counter starts again from nothing; the
/// source address's gives back the one attempt it counted (an address is not cleared by one good
/// login, or one account of an attacker's would clear it).
pub async fn succeeded(tx: &mut Tx<'_>, cleared: &Counter, address: &Counter) -> Result<()> {
    sqlx::query("DELETE FROM login_throttle WHERE key = $1")
        .bind(&cleared.key)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "UPDATE login_throttle SET failures = CASE WHEN failures > 0 THEN failures - 1 ELSE 0 END \
         WHERE key = $1",
    )
    .bind(&address.key)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// How an attempt ended, as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The right password for an enabled user.
    Success,
    /// Checked and wrong (or an unknown or disabled user, checked against a dummy hash).
    Failure,
    /// Refused by the throttle without a check.
    Refused,
}

/// Records an attempt: the e-mail as typed (trimmed, lower case), the source address, whether
/// the password was checked and whether it was right.
pub async fn record(tx: &mut Tx<'_>, email: &str, address: &str, outcome: Outcome) -> Result<()> {
    sqlx::query(
        "INSERT INTO login_attempts (email, at, success, checked, address) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(email.trim().to_lowercase())
    .bind(now_utc())
    .bind(i64::from(outcome == Outcome::Success))
    .bind(i64::from(outcome != Outcome::Refused))
    .bind(address)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Attempts recorded for `email` whose password was checked.
pub async fn checked_attempts(conn: &mut AnyConnection, email: &str) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM login_attempts WHERE email = $1 AND checked = 1")
            .bind(email.trim().to_lowercase())
            .fetch_one(conn)
            .await?,
    )
}

/// Whether the raw known-device cookie `raw` belongs to `user_id` and is still known.
pub async fn is_known_device(conn: &mut AnyConnection, raw: &str, user_id: UserId) -> Result<bool> {
    let since = timestamp(Utc::now() - Duration::days(DEVICE_DAYS));
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM known_devices WHERE token_hash = $1 AND user_id = $2 AND last_login_at > $3",
    )
    .bind(token_hash(raw))
    .bind(user_id.get())
    .bind(since)
    .fetch_one(conn)
    .await?;
    Ok(n > 0)
}

/// Remembers the device a user just logged in from: the cookie's raw value `current` if it is
/// already this user's known device, otherwise a new one. Returns the raw value for the cookie.
pub async fn remember_device(
    tx: &mut Tx<'_>,
    user_id: UserId,
    current: Option<&str>,
) -> Result<String> {
    let now = now_utc();
    if let Some(raw) = current {
        let updated = sqlx::query(
            "UPDATE known_devices SET last_login_at = $3 WHERE token_hash = $1 AND user_id = $2",
        )
        .bind(token_hash(raw))
        .bind(user_id.get())
        .bind(&now)
        .execute(&mut **tx)
        .await?;
        if updated.rows_affected() > 0 {
            return Ok(raw.to_string());
        }
    }
    let raw = random_token();
    sqlx::query(
        "INSERT INTO known_devices (token_hash, user_id, created_at, last_login_at) VALUES ($1, $2, $3, $3)",
    )
    .bind(token_hash(&raw))
    .bind(user_id.get())
    .bind(&now)
    .execute(&mut **tx)
    .await?;
    Ok(raw)
}

#[cfg(test)]
mod tests {
    use super::wait_after;
    use std::time::Duration;

    #[test]
    fn waits_begin_after_the_free_failures_and_double_up_to_the_cap() {
        let cap = Duration::from_secs(300);
        for n in 0..5 {
            assert_eq!(wait_after(n, 5, cap), Duration::ZERO);
        }
        assert_eq!(wait_after(5, 5, cap), Duration::from_secs(4));
        assert_eq!(wait_after(6, 5, cap), Duration::from_secs(8));
        assert_eq!(wait_after(11, 5, cap), Duration::from_secs(256));
        assert_eq!(wait_after(12, 5, cap), cap);
        assert_eq!(wait_after(i64::MAX, 5, cap), cap);
    }
}
