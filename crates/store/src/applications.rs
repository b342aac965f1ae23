//! Applications: the agreement form with its participants and areas, its status and version.
//!
//! Every update names the version it was based on; a stale version is refused with
//! [`StoreError::Stale`] and nothing is written.

use crate::audit::{self, Actor};
use crate::bulk;
use crate::programmes::opt_date_col;
use crate::sql::{Sql, Value};
use crate::{date_text, now_utc, region_col, Result, StoreError, Tx};
use pulje_domain::{
    ApplicationData, ApplicationId, ApplicationStatus, AreaId, FieldDef, FieldValue, HospitalId,
    Kind, Ore, ParticipantData, RegionCode, RoundId, UserId, FIELDS,
};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, FromRow, Row};

#[derive(Debug, Clone, Serialize)]
pub struct Application {
    pub id: ApplicationId,
    pub programme_id: String,
    pub region_code: RegionCode,
    pub round_id: Option<RoundId>,
    pub status: ApplicationStatus,
    pub version: i64,
    pub created_by: Option<UserId>,
    /// The responsible afdelingslæge's account: signs as the doctor and sees the application.
    pub doctor_user_id: Option<UserId>,
    pub created_at: String,
    pub updated_at: String,
    pub imported: bool,
    pub submitted_at: Option<String>,
    /// Submitted after its round's deadline.
    pub late: bool,
    /// The annual supplement the steering group granted.
    pub granted_ore: Option<Ore>,
    /// Why the deciding body approved although the approval over-commits a tranche or breaks the
    /// time rules (`exceptions`); empty when it did neither.
    pub exception_reason: String,
    /// The time rules the approval broke, one Danish sentence each
    /// (`pulje_domain::exceptions`).
    pub exceptions: Vec<String>,
    /// The day the agreement became active (its last signature, Danish date).
    pub activated_on: Option<chrono::NaiveDate>,
    /// Why months before the activation are paid (back pay); without it they are held back.
    pub backpay_reason: String,
    pub terminated_on: Option<chrono::NaiveDate>,
    #[serde(flatten)]
    pub data: ApplicationData,
    pub hospital_name: Option<String>,
    pub round_name: Option<String>,
}

/// The form's columns (every field of [`FIELDS`] but the lists, which are child tables).
fn form_columns() -> impl Iterator<Item = &'static FieldDef> {
    FIELDS.iter().filter(|f| f.kind.is_column())
}

/// An application's form from its row, with its participants and areas read beside it.
fn form_data(
    r: &AnyRow,
    participants: Vec<ParticipantData>,
    area_ids: Vec<i64>,
) -> sqlx::Result<ApplicationData> {
    let mut participants = Some(participants);
    let mut area_ids = Some(area_ids);
    ApplicationData::restore(|f| {
        Ok(match f.kind {
            Kind::Line | Kind::Text => FieldValue::Text(r.try_get(f.name)?),
            Kind::Date => FieldValue::Date(opt_date_col(r, f.name)?),
            Kind::Hospital => FieldValue::Id(r.try_get(f.name)?),
            Kind::Tier => FieldValue::Ore(r.try_get::<Option<i64>, _>(f.name)?.map(Ore::from_ore)),
            Kind::Areas => FieldValue::Ids(area_ids.take().unwrap_or_default()),
            Kind::Participants => FieldValue::Participants(participants.take().unwrap_or_default()),
        })
    })
}

/// One field's value as its column holds it; `None` for the lists, which are child tables
/// (written by `write_children`).
fn column_value(value: FieldValue) -> Option<Value> {
    match value {
        FieldValue::Text(t) => Some(t.into()),
        FieldValue::Date(d) => Some(date_text(d).into()),
        FieldValue::Id(i) => Some(i.into()),
        FieldValue::Ore(o) => Some(o.map(Ore::ore).into()),
        FieldValue::Ids(_) | FieldValue::Participants(_) => None,
    }
}

/// The form's columns with their values, in the table's order.
fn form_values(data: &ApplicationData) -> impl Iterator<Item = (&'static str, Value)> {
    data.values()
        .into_iter()
        .filter_map(|(f, value)| column_value(value).map(|v| (f.name, v)))
}

fn status_col(r: &AnyRow) -> sqlx::Result<ApplicationStatus> {
    let s: String = r.try_get("status")?;
    ApplicationStatus::parse(&s).ok_or_else(|| sqlx::Error::ColumnDecode {
        index: "status".into(),
        source: format!("unknown status {s}").into(),
    })
}

impl Application {
    /// Whether `user_id` wrote the application or is its responsible afdelingslæge.
    pub fn is_own(&self, user_id: UserId) -> bool {
        self.created_by == Some(user_id) || self.doctor_user_id == Some(user_id)
    }
}

impl audit::Audited for Application {
    const ENTITY: &'static str = "application";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_region(&self) -> Option<RegionCode> {
        Some(self.region_code)
    }
}

impl FromRow<'_, AnyRow> for Application {
    fn from_row(r: &AnyRow) -> sqlx::Result<Self> {
        Ok(Application {
            id: ApplicationId::new(r.try_get("id")?),
            programme_id: r.try_get("programme_id")?,
            region_code: region_col(r, "region_code")?,
            round_id: r.try_get::<Option<i64>, _>("round_id")?.map(RoundId::new),
            status: status_col(r)?,
            version: r.try_get("version")?,
            created_by: r.try_get::<Option<i64>, _>("created_by")?.map(UserId::new),
            doctor_user_id: r
                .try_get::<Option<i64>, _>("doctor_user_id")?
                .map(UserId::new),
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
            imported: r.try_get::<i64, _>("imported")? != 0,
            submitted_at: r.try_get("submitted_at")?,
            late: r.try_get::<i64, _>("late")? != 0,
            granted_ore: r
                .try_get::<Option<i64>, _>("granted_ore")?
                .map(Ore::from_ore),
            exception_reason: r.try_get("exception_reason")?,
            exceptions: r
                .try_get::<String, _>("exceptions")?
                .lines()
                .map(str::to_string)
                .collect(),
            activated_on: opt_date_col(r, "activated_on")?,
            backpay_reason: r.try_get("backpay_reason")?,
            terminated_on: opt_date_col(r, "terminated_on")?,
            hospital_name: r.try_get("hospital_name")?,
            round_name: r.try_get("round_name")?,
            data: form_data(r, Vec::new(), Vec::new())?,
        })
    }
}

/// Where an application belongs when it is created.
#[derive(Debug, Clone)]
pub struct Placement<'a> {
    pub programme_id: &'a str,
    pub region_code: RegionCode,
    pub created_by: Option<UserId>,
    /// The responsible afdelingslæge's account, if known.
    pub doctor_user_id: Option<UserId>,
    pub imported: bool,
}

pub async fn create(
    tx: &mut Tx<'_>,
    actor: &Actor,
    place: &Placement<'_>,
    data: &ApplicationData,
) -> Result<Application> {
    let mut sql = Sql::default();
    let mut columns = vec![
        "programme_id",
        "region_code",
        "status",
        "version",
        "created_by",
        "created_at",
        "updated_at",
        "imported",
    ];
    let programme = sql.arg(place.programme_id);
    let region = sql.arg(place.region_code);
    let created_by = sql.arg(place.created_by);
    let now = sql.arg(now_utc());
    let imported = sql.arg(place.imported);
    let mut values = vec![
        programme,
        region,
        "'draft'".to_string(),
        "1".to_string(),
        created_by,
        now.clone(),
        now,
        imported,
    ];
    for (column, value) in form_values(data) {
        columns.push(column);
        values.push(sql.arg(value));
    }
    let sql = sql.with_text(format!(
        "INSERT INTO applications ({}) VALUES ({}) RETURNING id",
        columns.join(", "),
        values.join(", ")
    ));
    let id = ApplicationId::new(sql.query_scalar().fetch_one(&mut **tx).await?);
    if let Some(doctor) = place.doctor_user_id {
        sqlx::query("UPDATE applications SET doctor_user_id = $1 WHERE id = $2")
            .bind(doctor.get())
            .bind(id.get())
            .execute(&mut **tx)
            .await?;
    }
    write_children(tx, id, data).await?;
    crate::search::index_application(tx, id).await?;
    let created = get(tx, id).await?.ok_or(StoreError::NotFound)?;
    audit::created(tx, actor, &created).await?;
    Ok(created)
}

/// Replaces the form's content of an editable application, if `expected_version` is current.
pub async fn update(
    tx: &mut Tx<'_>,
    actor: &Actor,
    id: ApplicationId,
    expected_version: i64,
    data: &ApplicationData,
) -> Result<Application> {
    let before = get(tx, id).await?.ok_or(StoreError::NotFound)?;
    if before.version != expected_version {
        return Err(StoreError::Stale);
    }
    let mut sql = Sql::new("UPDATE applications SET version = version + 1, updated_at = ");
    sql.push_arg(now_utc());
    for (column, value) in form_values(data) {
        sql.push(&format!(", {column} = ")).push_arg(value);
    }
    sql.push(" WHERE id = ")
        .push_arg(id)
        .push(" AND version = ")
        .push_arg(expected_version);
    let changed = sql.query().execute(&mut **tx).await?.rows_affected();
    if changed != 1 {
        return Err(StoreError::Stale);
    }
    sqlx::query("DELETE FROM application_participants WHERE application_id = $1")
        .bind(id.get())
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM application_areas WHERE application_id = $1")
        .bind(id.get())
        .execute(&mut **tx)
        .await?;
    write_children(tx, id, data).await?;
    crate::search::index_application(tx, id).await?;
    let after = get(tx, id).await?.ok_or(StoreError::NotFound)?;
    audit::changed(tx, actor, &before, &after).await?;
    Ok(after)
}

/// Names the account of the responsible afdelingslæge: an enabled applicant of the
/// application's region, or nobody.
pub async fn assign_doctor(
    tx: &mut Tx<'_>,
    actor: &Actor,
    id: ApplicationId,
    doctor: Option<UserId>,
) -> Result<Application> {
    let before = get(tx, id).await?.ok_or(StoreError::NotFound)?;
    if before.doctor_user_id == doctor {
        return Ok(before);
    }
    if let Some(user_id) = doctor {
        let ok: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE id = $1 AND role = 'applicant' AND region_code = $2 AND disabled = 0")
            .bind(user_id.get())
            .bind(before.region_code.get())
            .fetch_one(&mut **tx)
            .await?;
        if ok == 0 {
            return Err(StoreError::Refused(
                "Afdelingslægens brugerkonto skal være en ansøger i regionen.".into(),
            ));
        }
    }
    sqlx::query("UPDATE applications SET doctor_user_id = $1, version = version + 1, updated_at = $2 WHERE id = $3")
        .bind(doctor.map(UserId::get))
        .bind(now_utc())
        .bind(id.get())
        .execute(&mut **tx)
        .await?;
    let after = get(tx, id).await?.ok_or(StoreError::NotFound)?;
    audit::step(tx, actor, "assign_doctor", Some(&before), &after).await?;
    Ok(after)
}

/// Moves an application to `status` without the workflow's checks, bumping its version: a
/// shortcut for tests that need an application in a given state (feature `test-support`).
#[cfg(feature = "test-support")]
pub async fn set_status(
    tx: &mut Tx<'_>,
    actor: &Actor,
    id: ApplicationId,
    status: ApplicationStatus,
    round_id: Option<RoundId>,
) -> Result<Application> {
    let before = get(tx, id).await?.ok_or(StoreError::NotFound)?;
    sqlx::query("UPDATE applications SET status = $1, round_id = COALESCE($2, round_id), version = version + 1, updated_at = $3 WHERE id = $4")
        .bind(status.as_str())
        .bind(round_id.map(RoundId::get))
        .bind(now_utc())
        .bind(id.get())
        .execute(&mut **tx)
        .await?;
    let after = get(tx, id).await?.ok_or(StoreError::NotFound)?;
    audit::step(tx, actor, status.as_str(), Some(&before), &after).await?;
    Ok(after)
}

async fn write_children(tx: &mut Tx<'_>, id: ApplicationId, data: &ApplicationData) -> Result<()> {
    for (position, p) in data.participants().iter().enumerate() {
        sqlx::query(
            "INSERT INTO application_participants (application_id, position, name, role, receives_supplement) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id.get())
        .bind(position as i64)
        .bind(&p.name)
        .bind(&p.role)
        .bind(i64::from(p.receives_supplement))
        .execute(&mut **tx)
        .await?;
    }
    for area in data.area_ids() {
        sqlx::query("INSERT INTO application_areas (application_id, area_id) VALUES ($1, $2)")
            .bind(id.get())
            .bind(area)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// One application with its participants and areas, in one statement (the two lists as JSON
/// arrays, [`crate::bulk`]).
pub async fn get(conn: &mut AnyConnection, id: ApplicationId) -> Result<Option<Application>> {
    let participants = bulk::json_array_expr(
        conn,
        "SELECT name, role, receives_supplement, position FROM application_participants \
         WHERE application_id = $1",
        &["name", "role", "receives_supplement"],
        "position",
    );
    let areas = bulk::json_array_expr(
        conn,
        "SELECT area_id FROM application_areas WHERE application_id = $1",
        &["area_id"],
        "area_id",
    );
    let form: Vec<String> = form_columns().map(|f| format!("a.{}", f.name)).collect();
    let form = form.join(", ");
    let sql = format!(
        "SELECT a.id, a.programme_id, a.region_code, a.round_id, a.status, a.version, a.created_by, \
         a.doctor_user_id, a.created_at, a.updated_at, a.imported, a.submitted_at, a.late, a.granted_ore, \
         a.exception_reason, a.exceptions, a.activated_on, a.backpay_reason, a.terminated_on, {form}, h.name AS hospital_name, r.name AS round_name, \
         {participants} AS participants_json, {areas} AS areas_json FROM applications a \
         LEFT JOIN hospitals h ON h.id = a.hospital_id LEFT JOIN rounds r ON r.id = a.round_id \
         WHERE a.id = $1 AND a.form_fields IS NULL"
    );
    let Some(row) = sqlx::query(&sql)
        .bind(id.get())
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let mut app = Application::from_row(&row)?;
    #[derive(Deserialize)]
    struct P {
        name: String,
        role: String,
        receives_supplement: i64,
    }
    #[derive(Deserialize)]
    struct A {
        area_id: i64,
    }
    let participants: Vec<P> = bulk::parse_rows(row.try_get("participants_json")?)?;
    let participants = participants
        .into_iter()
        .map(|p| ParticipantData {
            name: p.name,
            role: p.role,
            receives_supplement: p.receives_supplement != 0,
        })
        .collect();
    let areas: Vec<A> = bulk::parse_rows(row.try_get("areas_json")?)?;
    app.data = form_data(
        &row,
        participants,
        areas.into_iter().map(|a| a.area_id).collect(),
    )?;
    Ok(Some(app))
}

/// Which applications a list shows. `None` means no restriction.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub region_code: Option<RegionCode>,
    /// Only applications this user wrote or is the responsible afdelingslæge of.
    pub own_user: Option<UserId>,
    pub programme_id: Option<String>,
    pub status: Option<ApplicationStatus>,
    pub area_id: Option<AreaId>,
    pub hospital_id: Option<HospitalId>,
    pub round_id: Option<RoundId>,
    /// A part of the title.
    pub text: Option<String>,
    /// Leaves out the applications this user has declared a conflict of interest on
    /// (`programme_review`).
    pub hidden_from: Option<UserId>,
    /// Only applications that were sent: no agreement in status `draft`, and no application of
    /// a programme defined as data that no step was taken on (for the national viewer). The
    /// kept totals cannot tell these apart, so such a list counts its total.
    pub sent_only: bool,
}

/// One row of an application list.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub id: ApplicationId,
    pub title: String,
    /// The status: one of [`ApplicationStatus`] for an agreement, a state of its programme's
    /// workflow for an application of a programme defined as data
    /// (`programme_applications`).
    pub state: String,
    /// The definition version of an application of a programme defined as data; `None` for
    /// an agreement.
    pub definition_version: Option<i64>,
    pub region_code: RegionCode,
    pub programme_id: String,
    pub hospital_name: Option<String>,
    pub round_name: Option<String>,
    pub supplement_ore: Option<Ore>,
    pub start_date: Option<chrono::NaiveDate>,
    pub end_date: Option<chrono::NaiveDate>,
    pub updated_at: String,
}

impl Summary {
    /// The agreement's status; `None` for an application of a programme defined as data.
    pub fn status(&self) -> Option<ApplicationStatus> {
        match self.definition_version {
            None => ApplicationStatus::parse(&self.state),
            Some(_) => None,
        }
    }
}

impl FromRow<'_, AnyRow> for Summary {
    fn from_row(r: &AnyRow) -> sqlx::Result<Self> {
        Ok(Summary {
            id: ApplicationId::new(r.try_get("id")?),
            title: r.try_get("title")?,
            state: r.try_get("status")?,
            definition_version: r.try_get("definition_version")?,
            region_code: region_col(r, "region_code")?,
            programme_id: r.try_get("programme_id")?,
            hospital_name: r.try_get("hospital_name")?,
            round_name: r.try_get("round_name")?,
            supplement_ore: r
                .try_get::<Option<i64>, _>("supplement_ore")?
                .map(Ore::from_ore),
            start_date: opt_date_col(r, "start_date")?,
            end_date: opt_date_col(r, "end_date")?,
            updated_at: r.try_get("updated_at")?,
        })
    }
}

/// A filter's conditions in SQL, built from its present conditions only so indexes can be used.
struct Conditions {
    /// The arguments of the conditions; its placeholders are in `clause` and `kept_total`.
    args: Sql,
    /// ` WHERE …` on `applications a`, or empty.
    clause: String,
    /// A statement that reads the total without counting the applications, when the filter's
    /// conditions allow one; the same arguments as `clause`.
    kept_total: Option<String>,
}

/// Which condition of the filter, for choosing how to read the total.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Key {
    Region,
    Programme,
    Status,
    /// A hospital that exists (ids are positive); the kept tables write "none" as 0.
    Hospital,
    Area,
    /// Anything no kept table is keyed by.
    Other,
}

fn conditions(filter: &ListFilter) -> Conditions {
    let mut args = Sql::default();
    let mut conds: Vec<String> = Vec::new();
    // Each condition with its placeholder, for the kept tables' statements.
    let mut keyed: Vec<(Key, String)> = Vec::new();
    let mut push = |key: Key, value: Value, cond: &dyn Fn(&str) -> String| {
        let n = args.arg(value);
        conds.push(cond(&n));
        keyed.push((key, n));
    };
    if let Some(v) = filter.region_code {
        push(Key::Region, v.into(), &|n| format!("a.region_code = {n}"));
    }
    if let Some(v) = filter.own_user {
        push(Key::Other, v.into(), &|n| {
            format!("(a.created_by = {n} OR a.doctor_user_id = {n})")
        });
    }
    if let Some(v) = &filter.programme_id {
        push(Key::Programme, v.into(), &|n| {
            format!("a.programme_id = {n}")
        });
    }
    if let Some(v) = filter.status {
        push(Key::Status, v.as_str().into(), &|n| {
            format!("a.status = {n}")
        });
    }
    if let Some(v) = filter.hospital_id {
        // An id of 0 matches no application, but it is the kept tables' "none".
        let key = if v.get() > 0 {
            Key::Hospital
        } else {
            Key::Other
        };
        push(key, v.into(), &|n| format!("a.hospital_id = {n}"));
    }
    if let Some(v) = filter.round_id {
        push(Key::Other, v.into(), &|n| format!("a.round_id = {n}"));
    }
    if let Some(v) = filter.area_id {
        push(Key::Area, v.into(), &|n| {
            format!("EXISTS (SELECT 1 FROM application_areas aa WHERE aa.application_id = a.id AND aa.area_id = {n})")
        });
    }
    if let Some(v) = filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        push(Key::Other, format!("%{}%", v.to_lowercase()).into(), &|n| {
            format!("LOWER(a.title) LIKE {n}")
        });
    }
    if let Some(v) = filter.hidden_from {
        push(Key::Other, v.into(), &|n| {
            format!("NOT EXISTS (SELECT 1 FROM review_declarations d WHERE d.application_id = a.id AND d.user_id = {n} AND d.conflict = 1)")
        });
    }
    if filter.sent_only {
        // No argument; no kept table knows whether a step was taken, so the total is counted.
        conds.push(
            "((a.definition_version IS NULL AND a.status <> 'draft') OR (a.definition_version IS NOT NULL \
             AND EXISTS (SELECT 1 FROM application_steps s WHERE s.application_id = a.id)))"
                .to_string(),
        );
        keyed.push((Key::Other, String::new()));
    }
    let where_ = |conds: &[String]| {
        if conds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conds.join(" AND "))
        }
    };
    let has = |key: Key| keyed.iter().any(|(k, _)| *k == key);
    let only = |allowed: &[Key]| keyed.iter().all(|(k, _)| allowed.contains(k));
    let on = |alias: &str, column: &dyn Fn(Key) -> &'static str| {
        let conds: Vec<String> = keyed
            .iter()
            .map(|(k, n)| format!("{alias}.{} = {n}", column(*k)))
            .collect();
        where_(&conds)
    };
    let kept_total = if only(&[Key::Region, Key::Programme, Key::Status, Key::Hospital]) {
        // Applications per programme, region, status and hospital (migration 0006).
        let column = |k: Key| match k {
            Key::Region => "region_code",
            Key::Programme => "programme_id",
            Key::Status => "status",
            _ => "hospital_id",
        };
        Some(format!(
            "SELECT CAST(COALESCE(SUM(c.n), 0) AS BIGINT) FROM application_counts c{}",
            on("c", &column)
        ))
    } else if has(Key::Area) && has(Key::Hospital) && only(&[Key::Region, Key::Hospital, Key::Area])
    {
        // Area links carry their application's region and hospital (migration 0008).
        let column = |k: Key| match k {
            Key::Region => "region_code",
            Key::Area => "area_id",
            _ => "hospital_id",
        };
        Some(format!(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM application_areas p{}",
            on("p", &column)
        ))
    } else {
        None
    };
    Conditions {
        clause: where_(&conds),
        kept_total,
        args,
    }
}

/// A page of applications, newest first, and how many match in all. A page past the end
/// gives the last page (as the pager shows it).
///
/// One statement reads the page and the total: the total from `application_counts` or the
/// area links when the filter's conditions are all among their keys, else counted.
pub async fn list(
    conn: &mut AnyConnection,
    filter: &ListFilter,
    page: i64,
    per_page: i64,
) -> Result<(Vec<Summary>, i64)> {
    // Most users have declared no conflict: their lists keep the kept totals.
    let mut filter = filter.clone();
    if let Some(user) = filter.hidden_from {
        if !crate::programme_review::has_conflicts(conn, user).await? {
            filter.hidden_from = None;
        }
    }
    let Conditions {
        clause,
        kept_total,
        args,
    } = conditions(&filter);
    let total_sql = kept_total
        .unwrap_or_else(|| format!("SELECT CAST(COUNT(*) AS BIGINT) FROM applications a{clause}"));
    let per_page = per_page.max(1);
    // The page's ids first, from the filter's index alone; only those rows are then read whole.
    // (With LIMIT/OFFSET over the join, every skipped row was read and joined too.)
    let read_page = |page: i64| {
        let mut sql = args.with_text(format!(
            "SELECT a.id, a.title, a.status, a.region_code, a.programme_id, h.name AS hospital_name, r.name AS round_name, \
               a.supplement_ore, a.start_date, a.end_date, a.updated_at, a.definition_version, ({total_sql}) AS total \
             FROM applications a LEFT JOIN hospitals h ON h.id = a.hospital_id LEFT JOIN rounds r ON r.id = a.round_id \
             WHERE a.id IN (SELECT a.id FROM applications a{clause} ORDER BY a.id DESC LIMIT "
        ));
        sql.push_arg(per_page)
            .push(" OFFSET ")
            .push_arg((page.max(1) - 1).saturating_mul(per_page))
            .push(") ORDER BY a.id DESC");
        sql
    };
    let mut rows = read_page(page).query().fetch_all(&mut *conn).await?;
    let mut counted = None;
    if rows.is_empty() && page > 1 {
        // Past the end: the total alone, then the last page.
        let total: i64 = args
            .with_text(total_sql.clone())
            .query_scalar()
            .fetch_one(&mut *conn)
            .await?;
        counted = Some(total);
        let last_page = ((total + per_page - 1) / per_page).max(1);
        if last_page < page {
            rows = read_page(last_page).query().fetch_all(&mut *conn).await?;
        }
    }
    let total = match (counted, rows.first()) {
        (Some(total), _) => total,
        (None, Some(r)) => r.try_get::<i64, _>("total")?,
        // The first page is empty only when nothing matches.
        (None, None) => 0,
    };
    let summaries = rows
        .iter()
        .map(Summary::from_row)
        .collect::<sqlx::Result<Vec<_>>>()?;
    Ok((summaries, total))
}

/// Counts of a region's (or all regions') applications in a programme, grouped by `key`.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Count {
    pub key: String,
    pub count: i64,
}

/// Runs a grouped count whose SQL has `{programme}` where the programme's placeholder goes and
/// `{region}` where the condition on `column` goes; for all regions it is left out, so each
/// variant can use its index.
async fn counts(
    conn: &mut AnyConnection,
    sql: &str,
    column: &str,
    programme_id: &str,
    region: Option<RegionCode>,
) -> Result<Vec<Count>> {
    let mut args = Sql::default();
    let programme = args.arg(programme_id);
    let condition = match region {
        Some(r) => format!("{column} = {}", args.arg(r)),
        None => "1 = 1".to_string(),
    };
    let sql = args.with_text(
        sql.replace("{programme}", &programme)
            .replace("{region}", &condition),
    );
    Ok(sql.query_as::<Count>().fetch_all(conn).await?)
}

/// Read from `application_counts`, which the database's triggers keep in step with every
/// change to an application (migration 0006).
pub async fn count_by_status(
    conn: &mut AnyConnection,
    programme_id: &str,
    region: Option<RegionCode>,
) -> Result<Vec<Count>> {
    let sql = "SELECT status AS key, CAST(SUM(n) AS BIGINT) AS count FROM application_counts \
               WHERE programme_id = {programme} AND {region} AND n > 0 GROUP BY status ORDER BY status";
    counts(conn, sql, "region_code", programme_id, region).await
}

/// Read from `area_counts` (kept by triggers on `application_areas`); an area belongs to one
/// programme and region.
pub async fn count_by_area(
    conn: &mut AnyConnection,
    programme_id: &str,
    region: Option<RegionCode>,
) -> Result<Vec<Count>> {
    let sql = "SELECT ar.name AS key, CAST(SUM(c.n) AS BIGINT) AS count FROM areas ar JOIN area_counts c ON c.area_id = ar.id \
               WHERE ar.programme_id = {programme} AND {region} AND c.n > 0 GROUP BY ar.name ORDER BY SUM(c.n) DESC, ar.name";
    counts(conn, sql, "ar.region_code", programme_id, region).await
}

/// Read from `application_counts` (hospital 0: none given), named afterwards.
pub async fn count_by_hospital(
    conn: &mut AnyConnection,
    programme_id: &str,
    region: Option<RegionCode>,
) -> Result<Vec<Count>> {
    let sql = "SELECT COALESCE(h.name, '(ikke angivet)') AS key, CAST(SUM(c.n) AS BIGINT) AS count FROM \
               (SELECT hospital_id, SUM(n) AS n FROM application_counts WHERE programme_id = {programme} AND {region} AND n > 0 GROUP BY hospital_id) c \
               LEFT JOIN hospitals h ON h.id = c.hospital_id \
               GROUP BY COALESCE(h.name, '(ikke angivet)') ORDER BY SUM(c.n) DESC, COALESCE(h.name, '(ikke angivet)')";
    counts(conn, sql, "region_code", programme_id, region).await
}

/// What an imported agreement form left beside its fields: the text that fitted none, and the
/// recogniser's evidence per field (JSON) for the review screen.
#[derive(Debug, Clone, Default, PartialEq, Eq, FromRow, Serialize)]
pub struct ImportDetails {
    pub unmapped_text: String,
    pub import_json: Option<String>,
}

/// Stores an imported application's unmapped text and evidence, audited.
pub async fn record_import(
    tx: &mut Tx<'_>,
    actor: &Actor,
    app: &Application,
    details: &ImportDetails,
) -> Result<()> {
    let before = import_details(tx, app.id).await?;
    sqlx::query(
        "UPDATE applications SET unmapped_text = $2, import_json = $3, imported = 1 WHERE id = $1",
    )
    .bind(app.id.get())
    .bind(&details.unmapped_text)
    .bind(&details.import_json)
    .execute(&mut **tx)
    .await?;
    audit::noted(tx, actor, app, "import", Some(&before), Some(details)).await
}

pub async fn import_details(conn: &mut AnyConnection, id: ApplicationId) -> Result<ImportDetails> {
    Ok(sqlx::query_as::<_, ImportDetails>(
        "SELECT unmapped_text, import_json FROM applications WHERE id = $1",
    )
    .bind(id.get())
    .fetch_one(conn)
    .await?)
}
