//! The working group and steering group of a region's programme, the steering group's
//! meetings, their agendas and the decisions recorded at them.

use crate::audit::{self, Actor};
use crate::programmes::date_col;
use crate::{Result, StoreError, Tx};
use chrono::NaiveDate;
use pulje_domain::{ApplicationId, MeetingId, MemberId, Ore, RegionCode, UserId};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, FromRow, Row};

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Member {
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub id: MemberId,
    pub programme_id: String,
    #[cfg_attr(feature = "openapi", schema(value_type = i64, minimum = 1081, maximum = 1085))]
    pub region_code: RegionCode,
    /// `working_group` or `steering_group`.
    pub body: String,
    pub name: String,
    pub title: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub user_id: Option<UserId>,
}

impl FromRow<'_, AnyRow> for Member {
    fn from_row(r: &AnyRow) -> sqlx::Result<Self> {
        Ok(Member {
            id: MemberId::from(r.try_get::<i64, _>("id")?),
            programme_id: r.try_get("programme_id")?,
            region_code: crate::region_col(r, "region_code")?,
            body: r.try_get("body")?,
            name: r.try_get("name")?,
            title: r.try_get("title")?,
            user_id: crate::opt_id(r, "user_id")?,
        })
    }
}

impl audit::Audited for Member {
    const ENTITY: &'static str = "body_member";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_region(&self) -> Option<RegionCode> {
        Some(self.region_code)
    }
}

pub async fn members(
    conn: &mut AnyConnection,
    programme_id: &str,
    region_code: RegionCode,
) -> Result<Vec<Member>> {
    Ok(sqlx::query_as::<_, Member>(
        "SELECT id, programme_id, region_code, body, name, title, user_id FROM body_members \
         WHERE programme_id = $1 AND region_code = $2 ORDER BY body, name",
    )
    .bind(programme_id)
    .bind(region_code.get())
    .fetch_all(conn)
    .await?)
}

pub async fn add_member(
    tx: &mut Tx<'_>,
    actor: &Actor,
    programme_id: &str,
    region_code: RegionCode,
    body: &str,
    name: &str,
    title: &str,
) -> Result<Member> {
    if !matches!(body, "working_group" | "steering_group") {
        return Err(StoreError::Refused(
            "Vælg arbejdsgruppe eller styregruppe.".into(),
        ));
    }
    if name.trim().is_empty() {
        return Err(StoreError::Refused("Skriv medlemmets navn.".into()));
    }
    let m = sqlx::query_as::<_, Member>(
        "INSERT INTO body_members (programme_id, region_code, body, name, title) VALUES ($1, $2, $3, $4, $5) \
         RETURNING id, programme_id, region_code, body, name, title, user_id",
    )
    .bind(programme_id)
    .bind(region_code.get())
    .bind(body)
    .bind(name.trim())
    .bind(title.trim())
    .fetch_one(&mut **tx)
    .await?;
    audit::created(tx, actor, &m).await?;
    Ok(m)
}

pub async fn remove_member(
    tx: &mut Tx<'_>,
    actor: &Actor,
    id: MemberId,
    region_code: RegionCode,
) -> Result<()> {
    let m = sqlx::query_as::<_, Member>("SELECT id, programme_id, region_code, body, name, title, user_id FROM body_members WHERE id = $1")
        .bind(id.get())
        .fetch_optional(&mut **tx)
        .await?
        .filter(|m| m.region_code == region_code)
        .ok_or(StoreError::NotFound)?;
    sqlx::query("DELETE FROM body_members WHERE id = $1")
        .bind(id.get())
        .execute(&mut **tx)
        .await?;
    audit::deleted(tx, actor, &m).await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Meeting {
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub id: MeetingId,
    pub programme_id: String,
    #[cfg_attr(feature = "openapi", schema(value_type = i64, minimum = 1081, maximum = 1085))]
    pub region_code: RegionCode,
    pub held_on: NaiveDate,
    pub place: String,
}

impl audit::Audited for Meeting {
    const ENTITY: &'static str = "meeting";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_region(&self) -> Option<RegionCode> {
        Some(self.region_code)
    }
}

impl FromRow<'_, AnyRow> for Meeting {
    fn from_row(r: &AnyRow) -> sqlx::Result<Self> {
        Ok(Meeting {
            id: MeetingId::new(r.try_get("id")?),
            programme_id: r.try_get("programme_id")?,
            region_code: crate::region_col(r, "region_code")?,
            held_on: date_col(r, "held_on")?,
            place: r.try_get("place")?,
        })
    }
}

pub async fn meetings(
    conn: &mut AnyConnection,
    programme_id: &str,
    region_code: RegionCode,
) -> Result<Vec<Meeting>> {
    Ok(sqlx::query_as::<_, Meeting>(
        "SELECT id, programme_id, region_code, held_on, place FROM meetings WHERE programme_id = $1 AND region_code = $2 ORDER BY held_on DESC, id DESC",
    )
    .bind(programme_id)
    .bind(region_code.get())
    .fetch_all(conn)
    .await?)
}

pub async fn get(conn: &mut AnyConnection, id: MeetingId) -> Result<Option<Meeting>> {
    Ok(sqlx::query_as::<_, Meeting>(
        "SELECT id, programme_id, region_code, held_on, place FROM meetings WHERE id = $1",
    )
    .bind(id.get())
    .fetch_optional(conn)
    .await?)
}

pub async fn create_meeting(
    tx: &mut Tx<'_>,
    actor: &Actor,
    programme_id: &str,
    region_code: RegionCode,
    held_on: NaiveDate,
    place: &str,
) -> Result<Meeting> {
    if place.trim().is_empty() {
        return Err(StoreError::Refused("Skriv mødestedet.".into()));
    }
    let id: i64 = sqlx::query_scalar("INSERT INTO meetings (programme_id, region_code, held_on, place) VALUES ($1, $2, $3, $4) RETURNING id")
        .bind(programme_id)
        .bind(region_code.get())
        .bind(held_on.to_string())
        .bind(place.trim())
        .fetch_one(&mut **tx)
        .await?;
    let m = get(tx, MeetingId::new(id))
        .await?
        .ok_or(StoreError::NotFound)?;
    audit::created(tx, actor, &m).await?;
    Ok(m)
}

/// Puts an application of the meeting's region on its agenda (once).
pub async fn add_to_agenda(
    tx: &mut Tx<'_>,
    actor: &Actor,
    meeting_id: MeetingId,
    application_id: ApplicationId,
) -> Result<()> {
    let m = get(tx, meeting_id).await?.ok_or(StoreError::NotFound)?;
    let region: Option<i64> =
        sqlx::query_scalar("SELECT region_code FROM applications WHERE id = $1")
            .bind(application_id.get())
            .fetch_optional(&mut **tx)
            .await?;
    if region != Some(m.region_code.get()) {
        return Err(StoreError::NotFound);
    }
    sqlx::query(
        "INSERT INTO agenda_items (meeting_id, application_id) VALUES ($1, $2) ON CONFLICT (meeting_id, application_id) DO NOTHING",
    )
    .bind(meeting_id.get())
    .bind(application_id.get())
    .execute(&mut **tx)
    .await?;
    audit::noted(tx, actor, &m, "agenda_add", None, Some(&application_id)).await?;
    Ok(())
}

/// One application on an agenda, with the decision taken on it at this meeting, if any.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgendaItem {
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub application_id: ApplicationId,
    pub title: String,
    pub status: String,
    pub responsible_doctor: String,
    pub hospital_department: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub requested_ore: Option<Ore>,
    pub decision: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub tier_ore: Option<Ore>,
    pub reason: Option<String>,
}

/// By hand: sqlx's `try_from` cannot target the optional amounts.
impl FromRow<'_, AnyRow> for AgendaItem {
    fn from_row(r: &AnyRow) -> sqlx::Result<Self> {
        let ore = |column: &str| -> sqlx::Result<Option<Ore>> {
            Ok(r.try_get::<Option<i64>, _>(column)?.map(Ore::from_ore))
        };
        Ok(AgendaItem {
            application_id: ApplicationId::new(r.try_get("application_id")?),
            title: r.try_get("title")?,
            status: r.try_get("status")?,
            responsible_doctor: r.try_get("responsible_doctor")?,
            hospital_department: r.try_get("hospital_department")?,
            requested_ore: ore("requested_ore")?,
            decision: r.try_get("decision")?,
            tier_ore: ore("tier_ore")?,
            reason: r.try_get("reason")?,
        })
    }
}

pub async fn agenda(conn: &mut AnyConnection, meeting_id: MeetingId) -> Result<Vec<AgendaItem>> {
    Ok(sqlx::query_as::<_, AgendaItem>(
        "SELECT a.id AS application_id, a.title, a.status, a.responsible_doctor, a.hospital_department, a.supplement_ore AS requested_ore, \
           d.kind AS decision, d.tier_ore, d.reason \
         FROM agenda_items i JOIN applications a ON a.id = i.application_id \
         LEFT JOIN decisions d ON d.application_id = a.id AND d.meeting_id = i.meeting_id \
         WHERE i.meeting_id = $1 ORDER BY a.id",
    )
    .bind(meeting_id.get())
    .fetch_all(conn)
    .await?)
}
