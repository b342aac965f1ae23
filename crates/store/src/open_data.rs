//! The grants a programme has awarded, as open data reads them: every approved trial of an
//! agreement programme (status `awaiting_signatures`, `active` or `ended`, [`crate::reports::APPROVED`])
//! with the sum of its agreement months, and every application of a programme defined as data
//! that was granted a lump sum (it has instalments), with the sum of its instalments.
//!
//! Only what open data may show is read, plus the names of the people each application mentions
//! (responsible leader and doctor, signing parties, participants) so that the publisher can make
//! sure none of them reaches the published text.

use crate::reports::APPROVED;
use crate::Result;
use chrono::NaiveDate;
use pulje_domain::{Ore, RegionCode};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, FromRow, Row};
use std::collections::HashMap;

/// One awarded grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwardedGrant {
    pub application_id: i64,
    pub region_code: RegionCode,
    pub title: String,
    /// The trial's purpose as the applicant wrote it (the longer description when empty).
    pub purpose: String,
    /// The hospital as registered (empty when none was chosen).
    pub hospital: String,
    /// Section A1's "hospital/department" as written, without the hospital's name in front.
    pub department: String,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub awarded_ore: Ore,
    /// When the grant was decided (UTC timestamp as stored).
    pub awarded_at: String,
    /// When the application last changed (UTC timestamp as stored).
    pub modified_at: String,
    /// Every person the application names, to be kept out of what is published.
    pub names: Vec<String>,
}

impl FromRow<'_, AnyRow> for AwardedGrant {
    fn from_row(r: &AnyRow) -> sqlx::Result<Self> {
        let purpose: String = r.try_get("purpose")?;
        let description: String = r.try_get("description")?;
        let names = [
            "responsible_leader",
            "responsible_doctor",
            "party_leader",
            "party_doctor",
            "party_union",
            "party_region",
        ]
        .iter()
        .map(|c| r.try_get::<String, _>(*c))
        .collect::<sqlx::Result<Vec<_>>>()?;
        Ok(AwardedGrant {
            application_id: r.try_get("id")?,
            region_code: crate::region_col(r, "region_code")?,
            title: r.try_get("title")?,
            purpose: if purpose.trim().is_empty() {
                description
            } else {
                purpose
            },
            department: crate::reports::department_of(
                &r.try_get::<String, _>("hospital")?,
                &r.try_get::<String, _>("hospital_department")?,
            ),
            hospital: r.try_get("hospital")?,
            start_date: crate::programmes::opt_date_col(r, "start_date")?,
            end_date: crate::programmes::opt_date_col(r, "end_date")?,
            awarded_ore: Ore::from_ore(r.try_get("awarded_ore")?),
            awarded_at: r.try_get("awarded_at")?,
            modified_at: r.try_get("updated_at")?,
            names,
        })
    }
}

/// Which applications of a programme are awarded grants (on `applications a`).
fn awarded_condition() -> String {
    let statuses = APPROVED
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "a.programme_id = $1 AND ( \
           (a.form_fields IS NULL AND a.status IN ({statuses})) \
           OR (a.form_fields IS NOT NULL AND EXISTS (SELECT 1 FROM instalments i WHERE i.application_id = a.id)))"
    )
}

/// Whether `programme_id` has awarded any grant (so its public page links to the open data).
pub async fn any_awarded(conn: &mut AnyConnection, programme_id: &str) -> Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(&format!(
        "SELECT a.id FROM applications a WHERE {} LIMIT 1",
        awarded_condition()
    ))
    .bind(programme_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(found.is_some())
}

/// The grants `programme_id` has awarded, by application id.
pub async fn awarded(conn: &mut AnyConnection, programme_id: &str) -> Result<Vec<AwardedGrant>> {
    let condition = awarded_condition();
    // An agreement's amount is its months; a lump sum's its instalments. The decision is the
    // steering group's approval, or the step that committed the lump sum.
    let sql = format!(
        "SELECT a.id, a.region_code, a.title, a.purpose, a.description, COALESCE(h.name, '') AS hospital, \
           a.hospital_department, a.start_date, a.end_date, a.updated_at, \
           a.responsible_leader, a.responsible_doctor, a.party_leader, a.party_doctor, a.party_union, a.party_region, \
           CAST(COALESCE((SELECT SUM(m.amount_ore) FROM agreement_months m WHERE m.application_id = a.id), 0) \
              + COALESCE((SELECT SUM(i.amount_ore) FROM instalments i WHERE i.application_id = a.id), 0) AS BIGINT) AS awarded_ore, \
           COALESCE((SELECT MAX(d.at) FROM decisions d WHERE d.application_id = a.id AND d.kind = 'approve'), \
                    (SELECT MIN(s.taken_at) FROM application_steps s WHERE s.application_id = a.id AND s.amount_ore IS NOT NULL), \
                    a.updated_at) AS awarded_at \
         FROM applications a LEFT JOIN hospitals h ON h.id = a.hospital_id \
         WHERE {condition} ORDER BY a.id"
    );
    let mut grants: Vec<AwardedGrant> = sqlx::query_as(&sql)
        .bind(programme_id)
        .fetch_all(&mut *conn)
        .await?;
    let mut participants: HashMap<i64, Vec<String>> = HashMap::new();
    for (id, name) in sqlx::query_as::<_, (i64, String)>(
        "SELECT p.application_id, p.name FROM application_participants p \
         JOIN applications a ON a.id = p.application_id WHERE a.programme_id = $1",
    )
    .bind(programme_id)
    .fetch_all(&mut *conn)
    .await?
    {
        participants.entry(id).or_default().push(name);
    }
    for g in &mut grants {
        g.names
            .extend(participants.remove(&g.application_id).unwrap_or_default());
        g.names.retain(|n| !n.trim().is_empty());
    }
    Ok(grants)
}
