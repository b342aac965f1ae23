//! What waits for a person: the reads behind each person's start page ("Mine opgaver"). Each
//! read answers one question about one person or region and returns [`Waiting`] rows; which
//! questions a person's page asks is the service layer's business (`pulje_app::tasks`).

use crate::{date_of, Result};
use chrono::NaiveDate;
use pulje_domain::{ApplicationId, Ore, RegionCode, UserId};
use sqlx::AnyConnection;

/// One application that waits for something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    pub id: ApplicationId,
    pub title: String,
    /// Since when it has waited (a timestamp as stored), when known.
    pub since: Option<String>,
    /// A day that matters: a deadline, a meeting, an end date.
    pub day: Option<NaiveDate>,
    /// A line to show first (the reason it was returned, the round's name).
    pub note: String,
    /// Whether something particular holds (returned before, reviewed, already on an agenda).
    pub flag: bool,
}

type Row = (
    i64,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
);

fn rows(rows: Vec<Row>) -> Vec<Waiting> {
    rows.into_iter()
        .map(|(id, title, since, day, note, flag)| Waiting {
            id: ApplicationId::new(id),
            title,
            since,
            day: date_of(day),
            note: note.unwrap_or_default(),
            flag: flag != 0,
        })
        .collect()
}

/// `user`'s own agreements (written by them, or they are the responsible afdelingslæge) in
/// `status`: since their last change; for a returned one the reason given, since it was
/// returned.
pub async fn own_agreements(
    conn: &mut AnyConnection,
    user: UserId,
    status: &str,
) -> Result<Vec<Waiting>> {
    Ok(rows(
        sqlx::query_as(
            "SELECT a.id, a.title, COALESCE(c.at, a.updated_at), NULL, c.body, 0 \
             FROM applications a \
             LEFT JOIN comments c ON c.id = (SELECT MAX(id) FROM comments \
                 WHERE application_id = a.id AND kind = 'return') \
             WHERE a.form_fields IS NULL AND a.status = $1 \
               AND (a.created_by = $2 OR a.doctor_user_id = $2) \
             ORDER BY a.updated_at, a.id",
        )
        .bind(status)
        .bind(user.get())
        .fetch_all(conn)
        .await?,
    ))
}

/// Agreements awaiting signatures that `party` has not given: those `doctor` is the
/// responsible afdelingslæge of (party `doctor`), or the region's (the other parties), less
/// those whose party the region's administrator has bound to another account than `me`. Since
/// the approval.
pub async fn unsigned(
    conn: &mut AnyConnection,
    party: &str,
    region: Option<RegionCode>,
    doctor: Option<UserId>,
    me: UserId,
) -> Result<Vec<Waiting>> {
    Ok(rows(
        sqlx::query_as(
            "SELECT a.id, a.title, (SELECT MAX(at) FROM decisions d \
                 WHERE d.application_id = a.id AND d.kind = 'approve'), NULL, NULL, 0 \
             FROM applications a \
             WHERE a.form_fields IS NULL AND a.status = 'awaiting_signatures' \
               AND ($1 IS NULL OR a.region_code = $1) AND ($2 IS NULL OR a.doctor_user_id = $2) \
               AND NOT EXISTS (SELECT 1 FROM signatures s \
                   WHERE s.application_id = a.id AND s.party = $3) \
               AND NOT EXISTS (SELECT 1 FROM signing_parties b \
                   WHERE b.application_id = a.id AND b.party = $3 AND b.user_id <> $4) \
             ORDER BY a.id",
        )
        .bind(region.map(RegionCode::get))
        .bind(doctor.map(UserId::get))
        .bind(party)
        .bind(me.get())
        .fetch_all(conn)
        .await?,
    ))
}

/// Agreements in force or over whose evaluation is not submitted: `user`'s own, or a region's.
/// The day is when it falls due (the termination, else the end).
pub async fn evaluations_owed(
    conn: &mut AnyConnection,
    own: Option<UserId>,
    region: Option<RegionCode>,
) -> Result<Vec<Waiting>> {
    Ok(rows(
        sqlx::query_as(
            "SELECT a.id, a.title, NULL, COALESCE(a.terminated_on, a.end_date), NULL, \
                 CASE WHEN e.id IS NULL THEN 0 ELSE 1 END \
             FROM applications a LEFT JOIN evaluations e ON e.application_id = a.id \
             WHERE a.form_fields IS NULL AND a.status IN ('active', 'ended') \
               AND (e.status IS NULL OR e.status <> 'submitted') \
               AND ($1 IS NULL OR a.created_by = $1 OR a.doctor_user_id = $1) \
               AND ($2 IS NULL OR a.region_code = $2) \
             ORDER BY COALESCE(a.terminated_on, a.end_date), a.id",
        )
        .bind(own.map(UserId::get))
        .bind(region.map(RegionCode::get))
        .fetch_all(conn)
        .await?,
    ))
}

/// A region's submitted agreements, the working group's queue: since they were submitted, the
/// round's name and deadline; flagged when it was returned before and has come back.
pub async fn submitted(conn: &mut AnyConnection, region: RegionCode) -> Result<Vec<Waiting>> {
    Ok(rows(
        sqlx::query_as(
            "SELECT a.id, a.title, COALESCE(a.submitted_at, a.updated_at), r.deadline, r.name, \
                 CASE WHEN EXISTS (SELECT 1 FROM comments c WHERE c.application_id = a.id \
                     AND c.kind = 'return') THEN 1 ELSE 0 END \
             FROM applications a LEFT JOIN rounds r ON r.id = a.round_id \
             WHERE a.form_fields IS NULL AND a.status = 'submitted' AND a.region_code = $1 \
             ORDER BY r.deadline, a.submitted_at, a.id",
        )
        .bind(region.get())
        .fetch_all(conn)
        .await?,
    ))
}

/// The region's next steering group meeting on or after `today`: its id, day and place.
pub async fn next_meeting(
    conn: &mut AnyConnection,
    region: RegionCode,
    today: NaiveDate,
) -> Result<Option<(i64, NaiveDate, String)>> {
    let row: Option<(i64, String, String)> = sqlx::query_as(
        "SELECT id, held_on, place FROM meetings WHERE region_code = $1 AND held_on >= $2 \
         ORDER BY held_on, id LIMIT 1",
    )
    .bind(region.get())
    .bind(today.to_string())
    .fetch_optional(conn)
    .await?;
    Ok(row.and_then(|(id, day, place)| date_of(Some(day)).map(|d| (id, d, place))))
}

/// The applications on a meeting's agenda, flagged when decided.
pub async fn agenda(conn: &mut AnyConnection, meeting: i64) -> Result<Vec<Waiting>> {
    Ok(rows(
        sqlx::query_as(
            "SELECT a.id, a.title, a.updated_at, m.held_on, NULL, \
                 CASE WHEN a.status = 'ready_for_decision' THEN 0 ELSE 1 END \
             FROM agenda_items ai JOIN applications a ON a.id = ai.application_id \
             JOIN meetings m ON m.id = ai.meeting_id \
             WHERE ai.meeting_id = $1 ORDER BY a.id",
        )
        .bind(meeting)
        .fetch_all(conn)
        .await?,
    ))
}

/// A region's agreements ready for decision that no meeting on or after `today` has on its
/// agenda, since their last change.
pub async fn ready_without_meeting(
    conn: &mut AnyConnection,
    region: RegionCode,
    today: NaiveDate,
) -> Result<Vec<Waiting>> {
    Ok(rows(
        sqlx::query_as(
            "SELECT a.id, a.title, a.updated_at, NULL, NULL, 0 FROM applications a \
             WHERE a.form_fields IS NULL AND a.status = 'ready_for_decision' \
               AND a.region_code = $1 \
               AND NOT EXISTS (SELECT 1 FROM agenda_items ai JOIN meetings m \
                   ON m.id = ai.meeting_id WHERE ai.application_id = a.id AND m.held_on >= $2) \
             ORDER BY a.updated_at, a.id",
        )
        .bind(region.get())
        .bind(today.to_string())
        .fetch_all(conn)
        .await?,
    ))
}

/// A region's agreements that came into force (their last signature) at or after `since`.
pub async fn activated_since(
    conn: &mut AnyConnection,
    region: RegionCode,
    since: &str,
) -> Result<Vec<Waiting>> {
    Ok(rows(
        sqlx::query_as(
            "SELECT a.id, a.title, s.last, a.start_date, NULL, 0 FROM applications a \
             JOIN (SELECT application_id, MAX(signed_at) AS last FROM signatures \
                   GROUP BY application_id) s ON s.application_id = a.id \
             WHERE a.form_fields IS NULL AND a.status = 'active' AND a.region_code = $1 \
               AND s.last >= $2 \
             ORDER BY s.last DESC, a.id",
        )
        .bind(region.get())
        .bind(since)
        .fetch_all(conn)
        .await?,
    ))
}

/// A region's agreements in force whose end (or termination) lies from `from` to `to`.
pub async fn ending_between(
    conn: &mut AnyConnection,
    region: RegionCode,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Waiting>> {
    Ok(rows(
        sqlx::query_as(
            "SELECT a.id, a.title, NULL, COALESCE(a.terminated_on, a.end_date), NULL, 0 \
             FROM applications a \
             WHERE a.form_fields IS NULL AND a.status = 'active' AND a.region_code = $1 \
               AND COALESCE(a.terminated_on, a.end_date) BETWEEN $2 AND $3 \
             ORDER BY COALESCE(a.terminated_on, a.end_date), a.id",
        )
        .bind(region.get())
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(conn)
        .await?,
    ))
}

/// A region's rounds whose deadline is `today` or later: name, opening and deadline.
pub async fn open_rounds(
    conn: &mut AnyConnection,
    region: RegionCode,
    today: NaiveDate,
) -> Result<Vec<(String, NaiveDate, NaiveDate)>> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT name, opens_on, deadline FROM rounds WHERE region_code = $1 AND deadline >= $2 \
         ORDER BY deadline, id",
    )
    .bind(region.get())
    .bind(today.to_string())
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(name, opens, deadline)| {
            Some((name, date_of(Some(opens))?, date_of(Some(deadline))?))
        })
        .collect())
}

/// A region's agreement months up to `up_to` that have not gone to payroll in a sent batch: how
/// many and their sum.
pub async fn unposted(
    conn: &mut AnyConnection,
    region: RegionCode,
    up_to: NaiveDate,
) -> Result<(i64, Ore)> {
    let (n, sum): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), CAST(COALESCE(SUM(m.amount_ore), 0) AS BIGINT) \
         FROM agreement_months m JOIN applications a ON a.id = m.application_id \
         WHERE m.region_code = $1 AND a.status IN ('active', 'ended') AND m.month <= $2 \
           AND NOT EXISTS (SELECT 1 FROM postings p JOIN payroll_batches b ON b.id = p.batch_id \
               WHERE p.application_id = m.application_id AND p.month = m.month AND p.reverses_id IS NULL \
                 AND b.sent_at IS NOT NULL)",
    )
    .bind(region.get())
    .bind(up_to.to_string())
    .fetch_one(conn)
    .await?;
    Ok((n, Ore::from_ore(sum)))
}

/// A region's mail that has failed at least once and is not sent.
pub async fn undelivered(conn: &mut AnyConnection, region: RegionCode) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM outbox WHERE region_code = $1 AND sent_at IS NULL AND attempts > 0",
    )
    .bind(region.get())
    .fetch_one(conn)
    .await?)
}

/// Each region's applications of `programme_id` by status, from the kept counts.
pub async fn counts_by_region(
    conn: &mut AnyConnection,
    programme_id: &str,
) -> Result<Vec<(RegionCode, String, i64)>> {
    let rows: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT region_code, status, CAST(SUM(n) AS BIGINT) FROM application_counts \
         WHERE programme_id = $1 GROUP BY region_code, status",
    )
    .bind(programme_id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(r, s, n)| Some((RegionCode::new(r)?, s, n)))
        .collect())
}

/// The regions that have written some of their report on `programme_id`.
pub async fn reports_begun(
    conn: &mut AnyConnection,
    programme_id: &str,
) -> Result<Vec<RegionCode>> {
    let rows: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT region_code FROM report_texts WHERE programme_id = $1 AND body <> ''",
    )
    .bind(programme_id)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().filter_map(RegionCode::new).collect())
}
