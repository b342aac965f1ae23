//! One-time links to set a password: an invitation (a user created without a password) and a
//! reset asked for by e-mail. The raw token (32 random bytes) goes only into the mail; the
//! table keeps its SHA-256 hash. A link is used once, expires, and dies when a newer link for
//! the same user is issued or when an administrator revokes it.

use crate::audit::{self, Actor};
use crate::password::{self, random_token, token_hash};
use crate::users::{self, User};
use crate::{now_utc, timestamp, Result, StoreError, Tx};
use chrono::{Duration, Utc};
use pulje_domain::UserId;
use serde::Serialize;
use sqlx::AnyConnection;

/// What a link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// A new user's first password.
    Invite,
    /// A forgotten password.
    Reset,
}

/// How long an invitation lasts.
pub const INVITE_HOURS: i64 = 72;
/// How long a reset link lasts.
pub const RESET_HOURS: i64 = 1;

/// The refusal for a link that is not (or no longer) live; it does not say which.
pub const DEAD_LINK: &str =
    "Linket er udløbet, allerede brugt eller tilbagekaldt. Bed om et nyt link.";

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Invite => "invite",
            Purpose::Reset => "reset",
        }
    }

    fn parse(s: &str) -> Option<Purpose> {
        match s {
            "invite" => Some(Purpose::Invite),
            "reset" => Some(Purpose::Reset),
            _ => None,
        }
    }

    pub fn hours(self) -> i64 {
        match self {
            Purpose::Invite => INVITE_HOURS,
            Purpose::Reset => RESET_HOURS,
        }
    }
}

/// A live link, as its page and the user's administration show it.
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    pub purpose: Purpose,
    pub created_at: String,
    pub expires_at: String,
}

/// What the audit log records of a link: never the token.
#[derive(Serialize)]
struct Issued {
    purpose: Purpose,
    expires_at: String,
}

/// Ends `user_id`'s live links; returns how many there were.
async fn revoke_live(tx: &mut Tx<'_>, user_id: UserId) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE account_links SET revoked_at = $1 \
         WHERE user_id = $2 AND used_at IS NULL AND revoked_at IS NULL",
    )
    .bind(now_utc())
    .bind(user_id.get())
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// Issues a new link for `user` (its earlier live links die) and audits it; returns the raw
/// token for the mail, which is not stored.
pub async fn issue(
    tx: &mut Tx<'_>,
    actor: &Actor,
    user: &User,
    purpose: Purpose,
) -> Result<String> {
    revoke_live(tx, user.id).await?;
    let raw = random_token();
    let now = Utc::now();
    let expires_at = timestamp(now + Duration::hours(purpose.hours()));
    sqlx::query(
        "INSERT INTO account_links (user_id, purpose, token_hash, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(user.id.get())
    .bind(purpose.as_str())
    .bind(token_hash(&raw))
    .bind(timestamp(now))
    .bind(&expires_at)
    .execute(&mut **tx)
    .await?;
    let action = match purpose {
        Purpose::Invite => "invite",
        Purpose::Reset => "reset_link",
    };
    let issued = Issued {
        purpose,
        expires_at,
    };
    audit::noted(tx, actor, user, action, None, Some(&issued)).await?;
    Ok(raw)
}

/// The link and its user for a raw token, if the link is live and the user enabled.
pub async fn live(conn: &mut AnyConnection, raw: &str) -> Result<Option<(Link, User)>> {
    let row = sqlx::query_as::<_, (i64, String, String, String)>(
        "SELECT l.user_id, l.purpose, l.created_at, l.expires_at FROM account_links l \
         JOIN users u ON u.id = l.user_id \
         WHERE l.token_hash = $1 AND l.used_at IS NULL AND l.revoked_at IS NULL \
         AND l.expires_at > $2 AND u.disabled = 0",
    )
    .bind(token_hash(raw))
    .bind(now_utc())
    .fetch_optional(&mut *conn)
    .await?;
    let Some((user_id, purpose, created_at, expires_at)) = row else {
        return Ok(None);
    };
    let Some(purpose) = Purpose::parse(&purpose) else {
        return Ok(None);
    };
    let user = users::get(conn, UserId::new(user_id))
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok(Some((
        Link {
            purpose,
            created_at,
            expires_at,
        },
        user,
    )))
}

/// Uses the link `raw` to set `new_password`: the link is spent (once: two requests at the same
/// moment cannot both use it), the user's sessions all end, and the change is audited as the
/// user's own. A dead link, or a disabled user's, is refused with [`DEAD_LINK`].
pub async fn redeem(tx: &mut Tx<'_>, raw: &str, new_password: &str) -> Result<User> {
    password::check_new(new_password).map_err(StoreError::Refused)?;
    let now = now_utc();
    let spent = sqlx::query_as::<_, (i64, String)>(
        "UPDATE account_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL \
         AND revoked_at IS NULL AND expires_at > $1 RETURNING user_id, purpose",
    )
    .bind(&now)
    .bind(token_hash(raw))
    .fetch_optional(&mut **tx)
    .await?;
    let Some((user_id, purpose)) = spent else {
        return Err(StoreError::Refused(DEAD_LINK.into()));
    };
    let user = users::get(tx, UserId::new(user_id))
        .await?
        .ok_or(StoreError::NotFound)?;
    if user.disabled {
        return Err(StoreError::Refused(DEAD_LINK.into()));
    }
    revoke_live(tx, user.id).await?;
    let actor = Actor::user(user.id, &user.email);
    users::store_password(tx, &actor, &user, new_password, &purpose).await?;
    crate::sessions::end_all(tx, user.id, None).await?;
    Ok(user)
}

/// Revokes `user`'s live links (an invitation withdrawn); audited when there was one.
pub async fn revoke(tx: &mut Tx<'_>, actor: &Actor, user: &User) -> Result<bool> {
    let n = revoke_live(tx, user.id).await?;
    if n > 0 {
        audit::noted(tx, actor, user, "revoke_links", audit::NONE, audit::NONE).await?;
    }
    Ok(n > 0)
}

/// The users without a password (invited, not yet set), each with the expiry of their live
/// invitation if there is one: for the list of users. One query.
pub async fn without_password(conn: &mut AnyConnection) -> Result<Vec<(UserId, Option<String>)>> {
    let rows = sqlx::query_as::<_, (i64, Option<String>)>(
        "SELECT u.id, (SELECT MAX(l.expires_at) FROM account_links l WHERE l.user_id = u.id \
         AND l.purpose = 'invite' AND l.used_at IS NULL AND l.revoked_at IS NULL \
         AND l.expires_at > $1) FROM users u WHERE u.password_hash = ''",
    )
    .bind(now_utc())
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, expires)| (UserId::new(id), expires))
        .collect())
}

/// Whether a reset link for `user_id` was issued within the last `minutes` (so that asking
/// again and again does not fill the person's mailbox).
pub async fn reset_issued_within(
    conn: &mut AnyConnection,
    user_id: UserId,
    minutes: i64,
) -> Result<bool> {
    let since = timestamp(Utc::now() - Duration::minutes(minutes));
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM account_links WHERE user_id = $1 AND purpose = 'reset' \
         AND created_at > $2",
    )
    .bind(user_id.get())
    .bind(since)
    .fetch_one(conn)
    .await?;
    Ok(n > 0)
}
