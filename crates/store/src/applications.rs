//! Applications: the agreement form with its participants and areas, its status and version.
//!
//! Every update names the version it was based on; a stale version is refused with
//! [`StoreError::Stale`] and nothing is written.

use crate::audit::{self, Actor};
use crate::bulk;
use crate::programmes::opt_date_col;
use crate::{date_text, now_utc, Result, StoreError, Tx};
use pulje_domain::{
    ApplicationData, ApplicationStatus, FieldDef, FieldValue, Kind, Ore, ParticipantData, FIELDS,
};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, FromRow, Row};

#[derive(Debug, Clone, Serialize)]
pub struct Application {
    pub id: i64,
    pub programme_id: String,
    pub region_code: i64,
    pub round_id: Option<i64>,
    pub status: ApplicationStatus,
    pub version: i64,
    pub created_by: Option<i64>,
    /// The responsible afdelingslæge's account: signs as the doctor and sees the application.
    pub doctor_user_id: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
    pub imported: bool,
    pub submitted_at: Option<String>,
    /// Submitted after its round's deadline.
    pub late: bool,
    /// The annual supplement the steering group granted.
    pub granted_ore: Option<i64>,
    pub overcommit_reason: String,
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

/// Binds one field's value as its column holds it.
fn bind_value<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    value: FieldValue,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    match value {
        FieldValue::Text(t) => q.bind(t),
        FieldValue::Date(d) => q.bind(date_text(d)),
        FieldValue::Id(i) => q.bind(i),
        FieldValue::Ore(o) => q.bind(o.map(Ore::ore)),
        // Not columns: written by `write_children`.
        FieldValue::Ids(_) | FieldValue::Participants(_) => q,
    }
}

/// Binds the form's columns in the order of [`form_columns`].
fn bind_form<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    data: &ApplicationData,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for (f, value) in data.values() {
        if f.kind.is_column() {
            q = bind_value(q, value);
        }
    }
    q
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
    pub fn is_own(&self, user_id: i64) -> bool {
        self.created_by == Some(user_id) || self.doctor_user_id == Some(user_id)
    }
}

impl FromRow<'_, AnyRow> for Application {
    fn from_row(r: &AnyRow) -> sqlx::Result<Self> {
        Ok(Application {
            id: r.try_get("id")?,
            programme_id: r.try_get("programme_id")?,
            region_code: r.try_get("region_code")?,
            round_id: r.try_get("round_id")?,
            status: status_col(r)?,
            version: r.try_get("version")?,
            created_by: r.try_get("created_by")?,
            doctor_user_id: r.try_get("doctor_user_id")?,
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
            imported: r.try_get::<i64, _>("imported")? != 0,
            submitted_at: r.try_get("submitted_at")?,
            late: r.try_get::<i64, _>("late")? != 0,
            granted_ore: r.try_get("granted_ore")?,
            overcommit_reason: r.try_get("overcommit_reason")?,
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
    pub region_code: i64,
    pub created_by: Option<i64>,
    /// The responsible afdelingslæge's account, if known.
    pub doctor_user_id: Option<i64>,
    pub imported: bool,
}

pub async fn create(
    tx: &mut Tx<'_>,
    actor: &Actor,
    place: &Placement<'_>,
    data: &ApplicationData,
) -> Result<Application> {
    let now = now_utc();
    // The placement's columns take $1–$5, the form's follow in the table's order.
    let columns: Vec<&str> = form_columns().map(|f| f.name).collect();
    let params: Vec<String> = (0..columns.len()).map(|i| format!("${}", i + 6)).collect();
    let sql = format!(
        "INSERT INTO applications (programme_id, region_code, status, version, created_by, created_at, updated_at, imported, {}) \
         VALUES ($1, $2, 'draft', 1, $3, $4, $4, $5, {}) RETURNING id",
        columns.join(", "),
        params.join(", ")
    );
    let q = sqlx::query(&sql)
        .bind(place.programme_id)
        .bind(place.region_code)
        .bind(place.created_by)
        .bind(&now)
        .bind(i64::from(place.imported));
    let id: i64 = bind_form(q, data).fetch_one(&mut **tx).await?.try_get(0)?;
    if place.doctor_user_id.is_some() {
        sqlx::query("UPDATE applications SET doctor_user_id = $1 WHERE id = $2")
            .bind(place.doctor_user_id)
            .bind(id)
            .execute(&mut **tx)
            .await?;
    }
    write_children(tx, id, data).await?;
    crate::search::index_application(tx, id).await?;
    let created = get(tx, id).await?;
    audit::record(
        tx,
        actor,
        Some(created.region_code),
        "application",
        id,
        "create",
        audit::NONE,
        Some(&created),
    )
    .await?;
    Ok(created)
}

/// Replaces the form's content of an editable application, if `expected_version` is current.
pub async fn update(
    tx: &mut Tx<'_>,
    actor: &Actor,
    id: i64,
    expected_version: i64,
    data: &ApplicationData,
) -> Result<Application> {
    let before = get(tx, id).await?;
    if before.version != expected_version {
        return Err(StoreError::Stale);
    }
    // $1 is the time; the form's columns follow in the table's order, then id and version.
    let sets: Vec<String> = form_columns()
        .enumerate()
        .map(|(i, f)| format!("{} = ${}", f.name, i + 2))
        .collect();
    let n = sets.len() + 1;
    let sql = format!(
        "UPDATE applications SET version = version + 1, updated_at = $1, {} WHERE id = ${} AND version = ${}",
        sets.join(", "),
        n + 1,
        n + 2
    );
    let changed = bind_form(sqlx::query(&sql).bind(now_utc()), data)
        .bind(id)
        .bind(expected_version)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if changed != 1 {
        return Err(StoreError::Stale);
    }
    sqlx::query("DELETE FROM application_participants WHERE application_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM application_areas WHERE application_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    write_children(tx, id, data).await?;
    crate::search::index_application(tx, id).await?;
    let after = get(tx, id).await?;
    audit::record(
        tx,
        actor,
        Some(after.region_code),
        "application",
        id,
        "update",
        Some(&before),
        Some(&after),
    )
    .await?;
    Ok(after)
}

/// Names the account of the responsible afdelingslæge: an enabled applicant of the
/// application's region, or nobody.
pub async fn assign_doctor(
    tx: &mut Tx<'_>,
    actor: &Actor,
    id: i64,
    doctor: Option<i64>,
) -> Result<Application> {
    let before = get(tx, id).await?;
    if before.doctor_user_id == doctor {
        return Ok(before);
    }
    if let Some(user_id) = doctor {
        let ok: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE id = $1 AND role = 'applicant' AND region_code = $2 AND disabled = 0")
            .bind(user_id)
            .bind(before.region_code)
            .fetch_one(&mut **tx)
            .await?;
        if ok == 0 {
            return Err(StoreError::Refused(
                "Afdelingslægens brugerkonto skal være en ansøger i regionen.".into(),
            ));
        }
    }
    sqlx::query("UPDATE applications SET doctor_user_id = $1, version = version + 1, updated_at = $2 WHERE id = $3")
        .bind(doctor)
        .bind(now_utc())
        .bind(id)
        .execute(&mut **tx)
        .await?;
    let after = get(tx, id).await?;
    audit::record(
        tx,
        actor,
        Some(after.region_code),
        "application",
        id,
        "assign_doctor",
        Some(&before),
        Some(&after),
    )
    .await?;
    Ok(after)
}

/// Moves an application to `status` without the workflow's checks, bumping its version: a
/// shortcut for tests that need an application in a given state (feature `test-support`).
#[cfg(feature = "test-support")]
pub async fn set_status(
    tx: &mut Tx<'_>,
    actor: &Actor,
    id: i64,
    status: ApplicationStatus,
    round_id: Option<i64>,
) -> Result<Application> {
    let before = get(tx, id).await?;
    sqlx::query("UPDATE applications SET status = $1, round_id = COALESCE($2, round_id), version = version + 1, updated_at = $3 WHERE id = $4")
        .bind(status.as_str())
        .bind(round_id)
        .bind(now_utc())
        .bind(id)
        .execute(&mut **tx)
        .await?;
    let after = get(tx, id).await?;
    audit::record(
        tx,
        actor,
        Some(after.region_code),
        "application",
        id,
        status.as_str(),
        Some(&before),
        Some(&after),
    )
    .await?;
    Ok(after)
}

async fn write_children(tx: &mut Tx<'_>, id: i64, data: &ApplicationData) -> Result<()> {
    for (position, p) in data.participants().iter().enumerate() {
        sqlx::query(
            "INSERT INTO application_participants (application_id, position, name, role, receives_supplement) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(position as i64)
        .bind(&p.name)
        .bind(&p.role)
        .bind(i64::from(p.receives_supplement))
        .execute(&mut **tx)
        .await?;
    }
    for area in data.area_ids() {
        sqlx::query("INSERT INTO application_areas (application_id, area_id) VALUES ($1, $2)")
            .bind(id)
            .bind(area)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// One application with its participants and areas, in one statement (the two lists as JSON
/// arrays, [`crate::bulk`]).
pub async fn get(conn: &mut AnyConnection, id: i64) -> Result<Application> {
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
         a.overcommit_reason, a.terminated_on, {form}, h.name AS hospital_name, r.name AS round_name, \
         {participants} AS participants_json, {areas} AS areas_json FROM applications a \
         LEFT JOIN hospitals h ON h.id = a.hospital_id LEFT JOIN rounds r ON r.id = a.round_id \
         WHERE a.id = $1"
    );
    let row = sqlx::query(&sql).bind(id).fetch_one(&mut *conn).await?;
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
    Ok(app)
}

/// Which applications a list shows. `None` means no restriction.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub region_code: Option<i64>,
    /// Only applications this user wrote or is the responsible afdelingslæge of.
    pub own_user: Option<i64>,
    pub programme_id: Option<String>,
    pub status: Option<ApplicationStatus>,
    pub area_id: Option<i64>,
    pub hospital_id: Option<i64>,
    pub round_id: Option<i64>,
    /// A part of the title.
    pub text: Option<String>,
}

/// One row of an application list.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub id: i64,
    pub title: String,
    pub status: ApplicationStatus,
    pub region_code: i64,
    pub programme_id: String,
    pub hospital_name: Option<String>,
    pub round_name: Option<String>,
    pub supplement_ore: Option<i64>,
    pub start_date: Option<chrono::NaiveDate>,
    pub end_date: Option<chrono::NaiveDate>,
    pub updated_at: String,
}

impl FromRow<'_, AnyRow> for Summary {
    fn from_row(r: &AnyRow) -> sqlx::Result<Self> {
        Ok(Summary {
            id: r.try_get("id")?,
            title: r.try_get("title")?,
            status: status_col(r)?,
            region_code: r.try_get("region_code")?,
            programme_id: r.try_get("programme_id")?,
            hospital_name: r.try_get("hospital_name")?,
            round_name: r.try_get("round_name")?,
            supplement_ore: r.try_get("supplement_ore")?,
            start_date: opt_date_col(r, "start_date")?,
            end_date: opt_date_col(r, "end_date")?,
            updated_at: r.try_get("updated_at")?,
        })
    }
}

enum Arg {
    Int(i64),
    Text(String),
}

/// A filter's conditions in SQL, built from its present conditions only so indexes can be used.
struct Conditions {
    /// ` WHERE …` on `applications a`, or empty.
    clause: String,
    /// A statement that reads the total without counting the applications, when the filter's
    /// conditions allow one; the same parameters as `clause`.
    kept_total: Option<String>,
    args: Vec<Arg>,
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
    let mut conds: Vec<String> = Vec::new();
    let mut keyed: Vec<(Key, String)> = Vec::new();
    let mut args: Vec<Arg> = Vec::new();
    let mut push = |key: Key, cond: &str, arg: Arg| {
        args.push(arg);
        let n = format!("${}", args.len());
        conds.push(cond.replace('?', &n));
        keyed.push((key, n));
    };
    if let Some(v) = filter.region_code {
        push(Key::Region, "a.region_code = ?", Arg::Int(v));
    }
    if let Some(v) = filter.own_user {
        push(
            Key::Other,
            "(a.created_by = ? OR a.doctor_user_id = ?)",
            Arg::Int(v),
        );
    }
    if let Some(v) = &filter.programme_id {
        push(Key::Programme, "a.programme_id = ?", Arg::Text(v.clone()));
    }
    if let Some(v) = filter.status {
        push(
            Key::Status,
            "a.status = ?",
            Arg::Text(v.as_str().to_string()),
        );
    }
    if let Some(v) = filter.hospital_id {
        // An id of 0 matches no application, but it is the kept tables' "none".
        let key = if v > 0 { Key::Hospital } else { Key::Other };
        push(key, "a.hospital_id = ?", Arg::Int(v));
    }
    if let Some(v) = filter.round_id {
        push(Key::Other, "a.round_id = ?", Arg::Int(v));
    }
    if let Some(v) = filter.area_id {
        push(Key::Area, "EXISTS (SELECT 1 FROM application_areas aa WHERE aa.application_id = a.id AND aa.area_id = ?)", Arg::Int(v));
    }
    if let Some(v) = filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        push(
            Key::Other,
            "LOWER(a.title) LIKE ?",
            Arg::Text(format!("%{}%", v.to_lowercase())),
        );
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

fn bind_all<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    args: &[Arg],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for a in args {
        q = match a {
            Arg::Int(i) => q.bind(*i),
            Arg::Text(t) => q.bind(t.clone()),
        };
    }
    q
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
    let Conditions {
        clause,
        kept_total,
        args,
    } = conditions(filter);
    let total_sql = kept_total
        .unwrap_or_else(|| format!("SELECT CAST(COUNT(*) AS BIGINT) FROM applications a{clause}"));
    let per_page = per_page.max(1);
    let n = args.len();
    // The page's ids first, from the filter's index alone; only those rows are then read whole.
    // (With LIMIT/OFFSET over the join, every skipped row was read and joined too.)
    let sql = format!(
        "SELECT a.id, a.title, a.status, a.region_code, a.programme_id, h.name AS hospital_name, r.name AS round_name, \
           a.supplement_ore, a.start_date, a.end_date, a.updated_at, ({total_sql}) AS total \
         FROM applications a LEFT JOIN hospitals h ON h.id = a.hospital_id LEFT JOIN rounds r ON r.id = a.round_id \
         WHERE a.id IN (SELECT a.id FROM applications a{clause} ORDER BY a.id DESC LIMIT ${} OFFSET ${}) \
         ORDER BY a.id DESC",
        n + 1,
        n + 2
    );
    let read_page = |page: i64| {
        bind_all(sqlx::query(&sql), &args)
            .bind(per_page)
            .bind((page.max(1) - 1) * per_page)
    };
    let mut rows = read_page(page).fetch_all(&mut *conn).await?;
    let mut counted = None;
    if rows.is_empty() && page > 1 {
        // Past the end: the total alone, then the last page.
        let total: i64 = bind_all(sqlx::query(&total_sql), &args)
            .fetch_one(&mut *conn)
            .await?
            .try_get(0)?;
        counted = Some(total);
        let last_page = ((total + per_page - 1) / per_page).max(1);
        if last_page < page {
            rows = read_page(last_page).fetch_all(&mut *conn).await?;
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

/// Runs a grouped count whose SQL has `{region}` where the condition on `column` goes;
/// for all regions it is left out, so each variant can use its index.
async fn counts(
    conn: &mut AnyConnection,
    sql: &str,
    column: &str,
    programme_id: &str,
    region: Option<i64>,
) -> Result<Vec<Count>> {
    let condition = match region {
        Some(_) => format!("{column} = $2"),
        None => "1 = 1".to_string(),
    };
    let sql = sql.replace("{region}", &condition);
    let q = sqlx::query_as::<_, Count>(&sql).bind(programme_id);
    let q = match region {
        Some(r) => q.bind(r),
        None => q,
    };
    Ok(q.fetch_all(conn).await?)
}

/// Read from `application_counts`, which the database's triggers keep in step with every
/// change to an application (migration 0006).
pub async fn count_by_status(
    conn: &mut AnyConnection,
    programme_id: &str,
    region: Option<i64>,
) -> Result<Vec<Count>> {
    let sql = "SELECT status AS key, CAST(SUM(n) AS BIGINT) AS count FROM application_counts \
               WHERE programme_id = $1 AND {region} AND n > 0 GROUP BY status ORDER BY status";
    counts(conn, sql, "region_code", programme_id, region).await
}

/// Read from `area_counts` (kept by triggers on `application_areas`); an area belongs to one
/// programme and region.
pub async fn count_by_area(
    conn: &mut AnyConnection,
    programme_id: &str,
    region: Option<i64>,
) -> Result<Vec<Count>> {
    let sql = "SELECT ar.name AS key, CAST(SUM(c.n) AS BIGINT) AS count FROM areas ar JOIN area_counts c ON c.area_id = ar.id \
               WHERE ar.programme_id = $1 AND {region} AND c.n > 0 GROUP BY ar.name ORDER BY SUM(c.n) DESC, ar.name";
    counts(conn, sql, "ar.region_code", programme_id, region).await
}

/// Read from `application_counts` (hospital 0: none given), named afterwards.
pub async fn count_by_hospital(
    conn: &mut AnyConnection,
    programme_id: &str,
    region: Option<i64>,
) -> Result<Vec<Count>> {
    let sql = "SELECT COALESCE(h.name, '(ikke angivet)') AS key, CAST(SUM(c.n) AS BIGINT) AS count FROM \
               (SELECT hospital_id, SUM(n) AS n FROM application_counts WHERE programme_id = $1 AND {region} AND n > 0 GROUP BY hospital_id) c \
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
    id: i64,
    details: &ImportDetails,
) -> Result<()> {
    let before = import_details(tx, id).await?;
    let region: i64 = sqlx::query_scalar(
        "UPDATE applications SET unmapped_text = $2, import_json = $3, imported = 1 WHERE id = $1 RETURNING region_code",
    )
    .bind(id)
    .bind(&details.unmapped_text)
    .bind(&details.import_json)
    .fetch_one(&mut **tx)
    .await?;
    audit::record(
        tx,
        actor,
        Some(region),
        "application",
        id,
        "import",
        Some(&before),
        Some(details),
    )
    .await?;
    Ok(())
}

pub async fn import_details(conn: &mut AnyConnection, id: i64) -> Result<ImportDetails> {
    Ok(sqlx::query_as::<_, ImportDetails>(
        "SELECT unmapped_text, import_json FROM applications WHERE id = $1",
    )
    .bind(id)
    .fetch_one(conn)
    .await?)
}
