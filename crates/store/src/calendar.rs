//! A person's calendar feed (iCalendar): the secret address they subscribe to, kept hashed, and
//! the days it holds — round deadlines, meetings, evaluations due — read for that person.

use crate::audit::{self, Actor};
use crate::password::{random_token, token_hash};
use crate::users::User;
use crate::{date_of, now_utc, Result, Tx};
use chrono::NaiveDate;
use pulje_domain::{RegionCode, Role, UserId};
use serde::Serialize;
use sqlx::AnyConnection;

/// What the audit log keeps of a renewal: when, never the secret.
#[derive(Serialize)]
struct Feed<'a> {
    created_at: &'a str,
}

/// A new secret for `user`'s feed, replacing any before (whose address stops working); the
/// secret itself, shown once.
pub async fn renew(tx: &mut Tx<'_>, actor: &Actor, user: &User) -> Result<String> {
    let token = random_token();
    let now = now_utc();
    sqlx::query("DELETE FROM calendar_feeds WHERE user_id = $1")
        .bind(user.id.get())
        .execute(&mut **tx)
        .await?;
    sqlx::query("INSERT INTO calendar_feeds (user_id, token_hash, created_at) VALUES ($1, $2, $3)")
        .bind(user.id.get())
        .bind(token_hash(&token))
        .bind(&now)
        .execute(&mut **tx)
        .await?;
    let after = Feed { created_at: &now };
    audit::noted(tx, actor, user, "calendar_renew", None, Some(&after)).await?;
    Ok(token)
}

/// Stops `user`'s feed.
pub async fn stop(tx: &mut Tx<'_>, actor: &Actor, user: &User) -> Result<()> {
    let n = sqlx::query("DELETE FROM calendar_feeds WHERE user_id = $1")
        .bind(user.id.get())
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if n > 0 {
        audit::noted::<_, Feed>(tx, actor, user, "calendar_stop", None, None).await?;
    }
    Ok(())
}

/// When `user`'s feed was made, if they have one.
pub async fn created(conn: &mut AnyConnection, user: UserId) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT created_at FROM calendar_feeds WHERE user_id = $1")
            .bind(user.get())
            .fetch_optional(conn)
            .await?,
    )
}

/// The enabled user whose feed has the secret `token`.
pub async fn owner(conn: &mut AnyConnection, token: &str) -> Result<Option<User>> {
    let id: Option<i64> =
        sqlx::query_scalar("SELECT user_id FROM calendar_feeds WHERE token_hash = $1")
            .bind(token_hash(token))
            .fetch_optional(&mut *conn)
            .await?;
    let Some(id) = id else { return Ok(None) };
    Ok(crate::users::get(conn, UserId::new(id))
        .await?
        .filter(|u| !u.disabled))
}

/// One day in a feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Day {
    /// Stable across reads, so a calendar updates the event rather than adding another.
    pub uid: String,
    pub day: NaiveDate,
    pub summary: String,
    /// The page on the site it is about.
    pub path: String,
}

/// The days `user` has in their feed: the rounds' deadlines (their region's; every region's for
/// the national roles), the meetings of their region's steering group (for those who take part
/// in or prepare them), and the evaluations due (their own agreements', or their region's for
/// its administrator).
pub async fn days(conn: &mut AnyConnection, user: &User) -> Result<Vec<Day>> {
    let mut out = Vec::new();
    let region = user.region.map(RegionCode::get);
    let rounds: Vec<(i64, String, i64, String)> = sqlx::query_as(
        "SELECT id, name, region_code, deadline FROM rounds WHERE ($1 IS NULL OR region_code = $1) \
         ORDER BY deadline, id",
    )
    .bind(region)
    .fetch_all(&mut *conn)
    .await?;
    for (id, name, code, deadline) in rounds {
        let Some(day) = date_of(Some(deadline)) else {
            continue;
        };
        let region_name = RegionCode::new(code).map(|r| r.name()).unwrap_or_default();
        out.push(Day {
            uid: format!("round-{id}"),
            day,
            summary: if user.region.is_some() {
                format!("Ansøgningsfrist: {name}")
            } else {
                format!("Ansøgningsfrist: {name} ({region_name})")
            },
            path: format!("/program/{}", crate::reference::OK21),
        });
    }
    if matches!(
        user.role,
        Role::SteeringGroup | Role::WorkingGroup | Role::RegionAdmin
    ) {
        let meetings: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT id, held_on, place FROM meetings WHERE region_code = $1 ORDER BY held_on, id",
        )
        .bind(region)
        .fetch_all(&mut *conn)
        .await?;
        for (id, held_on, place) in meetings {
            if let Some(day) = date_of(Some(held_on)) {
                out.push(Day {
                    uid: format!("meeting-{id}"),
                    day,
                    summary: format!("Styregruppemøde, {place}"),
                    path: format!("/meetings/{id}"),
                });
            }
        }
    }
    let own = matches!(user.role, Role::Applicant | Role::Leader).then_some(user.id.get());
    let region_due = (user.role == Role::RegionAdmin).then_some(region).flatten();
    if own.is_some() || region_due.is_some() {
        let due: Vec<(i64, String, Option<String>)> = sqlx::query_as(
            "SELECT a.id, a.title, COALESCE(a.terminated_on, a.end_date) \
             FROM applications a LEFT JOIN evaluations e ON e.application_id = a.id \
             WHERE a.form_fields IS NULL AND a.status IN ('active', 'ended') \
               AND (e.status IS NULL OR e.status <> 'submitted') \
               AND ($1 IS NULL OR a.created_by = $1 OR a.doctor_user_id = $1) \
               AND ($2 IS NULL OR a.region_code = $2) ORDER BY a.id",
        )
        .bind(own)
        .bind(region_due)
        .fetch_all(&mut *conn)
        .await?;
        for (id, title, day) in due {
            if let Some(day) = date_of(day) {
                out.push(Day {
                    uid: format!("evaluation-{id}"),
                    day,
                    summary: format!("Evaluering skal skrives: {title}"),
                    path: format!("/applications/{id}/evaluation"),
                });
            }
        }
    }
    out.sort_by(|a, b| (a.day, &a.uid).cmp(&(b.day, &b.uid)));
    Ok(out)
}
