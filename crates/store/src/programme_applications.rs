//! Applications of programmes whose form, workflow and money come from their definition
//! (`pulje_domain::programme`), not from the agreement form's table.
//!
//! Such an application is a row of `applications` (one id space with the OK21 agreements, one
//! region, one audit trail, one search index) whose `form_fields` holds the form's values as
//! JSON in the shape `programme::values::read` takes, whose `status` is a state of the
//! definition's workflow, and which keeps the definition version it was made under. Its title is
//! also kept in `title`, and its texts in `description`, for the lists and the search index.
//! Each step is a row of `application_steps`; a granted lump sum is a set of `instalments`,
//! each paid with what every funder bears of it (`instalment_shares`).

use crate::audit::{self, Actor, Audited};
use crate::sql::Sql;
use crate::{now_utc, opt_id, region_col, Result, StoreError, Tx};
use chrono::NaiveDate;
use pulje_domain::programme::money::funders_shares;
use pulje_domain::programme::{Actor as Who, Definition, Due, Effect, MailValues, Transition};
use pulje_domain::{ApplicationId, Ore, RegionCode, UserId};
use serde::Serialize;
use serde_json::{Map, Value as Json};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, FromRow, Row};

/// An application of a programme defined as data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProgrammeApplication {
    pub id: ApplicationId,
    pub programme_id: String,
    pub definition_version: u32,
    pub region_code: RegionCode,
    /// The state of the definition's workflow it is in.
    pub state: String,
    /// The day it entered that state (an appeal's deadline counts from it).
    pub state_entered_on: NaiveDate,
    pub version: i64,
    pub created_by: Option<UserId>,
    pub created_at: String,
    pub updated_at: String,
    pub title: String,
    /// The form's values by field name, as `programme::values::read` takes them.
    pub fields: Map<String, Json>,
}

impl Audited for ProgrammeApplication {
    const ENTITY: &'static str = "application";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_region(&self) -> Option<RegionCode> {
        Some(self.region_code)
    }
}

impl ProgrammeApplication {
    /// Whether `user` wrote it.
    pub fn is_own(&self, user: UserId) -> bool {
        self.created_by == Some(user)
    }
}

fn decode<T>(column: &str, e: impl std::fmt::Display) -> sqlx::Result<T> {
    Err(sqlx::Error::ColumnDecode {
        index: column.into(),
        source: e.to_string().into(),
    })
}

impl FromRow<'_, AnyRow> for ProgrammeApplication {
    fn from_row(r: &AnyRow) -> sqlx::Result<Self> {
        let fields: String = r.try_get("form_fields")?;
        let fields = match serde_json::from_str::<Json>(&fields) {
            Ok(Json::Object(map)) => map,
            Ok(_) => return decode("form_fields", "not an object"),
            Err(e) => return decode("form_fields", e),
        };
        let entered: String = r.try_get("state_entered_on")?;
        let Ok(state_entered_on) = NaiveDate::parse_from_str(&entered, "%Y-%m-%d") else {
            return decode("state_entered_on", entered);
        };
        let version: i64 = r.try_get("definition_version")?;
        let Ok(definition_version) = u32::try_from(version) else {
            return decode("definition_version", version);
        };
        Ok(ProgrammeApplication {
            id: ApplicationId::new(r.try_get("id")?),
            programme_id: r.try_get("programme_id")?,
            definition_version,
            region_code: region_col(r, "region_code")?,
            state: r.try_get("status")?,
            state_entered_on,
            version: r.try_get("version")?,
            created_by: opt_id(r, "created_by")?,
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
            title: r.try_get("title")?,
            fields,
        })
    }
}

const COLUMNS: &str =
    "id, programme_id, definition_version, region_code, status, state_entered_on, \
     version, created_by, created_at, updated_at, title, form_fields";

/// The application `id`, when it is one of a programme defined as data (an OK21 agreement is
/// `None` here; read it with `applications::get`).
pub async fn get(
    conn: &mut AnyConnection,
    id: ApplicationId,
) -> Result<Option<ProgrammeApplication>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM applications WHERE id = $1 AND form_fields IS NOT NULL"
    ))
    .bind(id.get())
    .fetch_optional(conn)
    .await?)
}

/// At most `limit` applications of programmes defined as data that `own` wrote, or that are in
/// `region`, oldest change first (the start page asks which of them wait for the person).
pub async fn listed(
    conn: &mut AnyConnection,
    own: Option<UserId>,
    region: Option<RegionCode>,
    limit: i64,
) -> Result<Vec<ProgrammeApplication>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM applications WHERE form_fields IS NOT NULL \
           AND ($1 IS NULL OR created_by = $1) AND ($2 IS NULL OR region_code = $2) \
         ORDER BY updated_at, id LIMIT $3"
    ))
    .bind(own.map(UserId::get))
    .bind(region.map(RegionCode::get))
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Whether `id` is an application of a programme defined as data.
pub async fn is_one(conn: &mut AnyConnection, id: ApplicationId) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM applications WHERE id = $1 AND form_fields IS NOT NULL",
    )
    .bind(id.get())
    .fetch_one(conn)
    .await?;
    Ok(n > 0)
}

/// A new application's place and first values.
#[derive(Debug, Clone)]
pub struct New<'a> {
    pub definition: &'a Definition,
    pub region_code: RegionCode,
    pub created_by: Option<UserId>,
    pub title: &'a str,
    pub fields: &'a Map<String, Json>,
    pub today: NaiveDate,
}

/// The texts of the form, for the search index.
fn search_text(fields: &Map<String, Json>) -> String {
    let mut out = Vec::new();
    for value in fields.values() {
        match value {
            Json::String(s) => out.push(s.clone()),
            Json::Array(items) => out.extend(items.iter().filter_map(|i| match i {
                Json::String(s) => Some(s.clone()),
                Json::Object(o) => o.get("name").and_then(Json::as_str).map(str::to_string),
                _ => None,
            })),
            _ => {}
        }
    }
    out.join("\n")
}

fn to_text(fields: &Map<String, Json>) -> Result<String> {
    serde_json::to_string(fields).map_err(|e| StoreError::Other(anyhow::Error::new(e)))
}

/// Creates an application in the workflow's first state.
pub async fn create(tx: &mut Tx<'_>, actor: &Actor, new: &New<'_>) -> Result<ProgrammeApplication> {
    let def = new.definition;
    let now = now_utc();
    let empty = "";
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO applications (programme_id, region_code, status, version, created_by, created_at, \
           updated_at, imported, hospital_department, title, responsible_leader, responsible_doctor, \
           purpose, description, content, working_time_deviations, period_text, organisation, remarks, \
           area_argument, party_leader, party_doctor, party_union, party_region, form_fields, \
           definition_version, state_entered_on) \
         VALUES ($1, $2, $3, 1, $4, $5, $5, 0, $6, $7, $6, $6, $6, $8, $6, $6, $6, $6, $6, $6, $6, $6, $6, $6, \
           $9, $10, $11) RETURNING id",
    )
    .bind(&def.id)
    .bind(new.region_code.get())
    .bind(&def.workflow.initial)
    .bind(new.created_by.map(|u| u.get()))
    .bind(&now)
    .bind(empty)
    .bind(new.title)
    .bind(search_text(new.fields))
    .bind(to_text(new.fields)?)
    .bind(i64::from(def.version))
    .bind(new.today.format("%Y-%m-%d").to_string())
    .fetch_one(&mut **tx)
    .await?;
    let id = ApplicationId::new(id);
    crate::search::index_application(tx, id).await?;
    let created = get(tx, id).await?.ok_or(StoreError::NotFound)?;
    audit::created(tx, actor, &created).await?;
    Ok(created)
}

/// Replaces the form's values, if `expected_version` is current.
pub async fn update(
    tx: &mut Tx<'_>,
    actor: &Actor,
    before: &ProgrammeApplication,
    expected_version: i64,
    title: &str,
    fields: &Map<String, Json>,
) -> Result<ProgrammeApplication> {
    let done = sqlx::query(
        "UPDATE applications SET title = $1, description = $2, form_fields = $3, \
           version = version + 1, updated_at = $4 \
         WHERE id = $5 AND version = $6 AND form_fields IS NOT NULL",
    )
    .bind(title)
    .bind(search_text(fields))
    .bind(to_text(fields)?)
    .bind(now_utc())
    .bind(before.id.get())
    .bind(expected_version)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Stale);
    }
    crate::search::index_application(tx, before.id).await?;
    let after = get(tx, before.id).await?.ok_or(StoreError::NotFound)?;
    audit::changed(tx, actor, before, &after).await?;
    Ok(after)
}

/// What the one taking a step gave with it (what the step requires is checked by the caller).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Given {
    pub comment: String,
    pub amount: Option<Ore>,
    pub meeting: String,
    /// The signing party (a party's id in the definition) a step with `effect = "sign"` signs
    /// as.
    pub party: Option<String>,
}

/// One step taken.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepTaken {
    pub action: String,
    pub from_state: String,
    pub to_state: String,
    pub user_id: Option<UserId>,
    pub user_name: Option<String>,
    pub taken_at: String,
    pub comment: String,
    pub amount_ore: Option<Ore>,
    pub meeting: String,
}

impl FromRow<'_, AnyRow> for StepTaken {
    fn from_row(r: &AnyRow) -> sqlx::Result<Self> {
        let amount: Option<i64> = r.try_get("amount_ore")?;
        Ok(StepTaken {
            action: r.try_get("action")?,
            from_state: r.try_get("from_state")?,
            to_state: r.try_get("to_state")?,
            user_id: opt_id(r, "user_id")?,
            user_name: r.try_get("user_name")?,
            taken_at: r.try_get("taken_at")?,
            comment: r.try_get("comment")?,
            amount_ore: amount.map(Ore::from_ore),
            meeting: r.try_get("meeting")?,
        })
    }
}

/// The steps taken on `id`, oldest first.
pub async fn steps(conn: &mut AnyConnection, id: ApplicationId) -> Result<Vec<StepTaken>> {
    Ok(sqlx::query_as(
        "SELECT s.action, s.from_state, s.to_state, s.user_id, u.name AS user_name, s.taken_at, \
           s.comment, s.amount_ore, s.meeting \
         FROM application_steps s LEFT JOIN users u ON u.id = s.user_id \
         WHERE s.application_id = $1 ORDER BY s.id",
    )
    .bind(id.get())
    .fetch_all(conn)
    .await?)
}

/// Takes `step` (already checked against the workflow and the one taking it): records it,
/// moves the application to the step's state, and does the step's effect — a grant's amount
/// becomes the money model's instalments, booked to the programme's tranche of `today`; an
/// approval of the documentation lets the instalments due on it be paid. Guarded by the state
/// it was read in, so two steps at once cannot both be taken.
pub async fn take(
    tx: &mut Tx<'_>,
    actor: &Actor,
    def: &Definition,
    before: &ProgrammeApplication,
    step: &Transition,
    given: &Given,
    today: NaiveDate,
) -> Result<ProgrammeApplication> {
    // A signature moves the application on only when every party has signed.
    let to = if step.effect == Some(Effect::Sign) {
        let party = given
            .party
            .as_deref()
            .ok_or_else(|| StoreError::Refused(format!("«{}» kræver en part.", step.label)))?;
        let signed = sign(tx, actor, def, before, party).await?;
        if signed < def.signatures.len() {
            before.state.clone()
        } else {
            step.to.clone()
        }
    } else {
        step.to.clone()
    };
    let moved = sqlx::query(
        "UPDATE applications SET status = $1, state_entered_on = $2, version = version + 1, updated_at = $3 \
         WHERE id = $4 AND status = $5 AND version = $6",
    )
    .bind(&to)
    .bind(today.format("%Y-%m-%d").to_string())
    .bind(now_utc())
    .bind(before.id.get())
    .bind(&before.state)
    .bind(before.version)
    .execute(&mut **tx)
    .await?;
    if moved.rows_affected() == 0 {
        return Err(StoreError::Stale);
    }
    sqlx::query(
        "INSERT INTO application_steps (application_id, action, from_state, to_state, user_id, taken_at, \
           comment, amount_ore, meeting) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(before.id.get())
    .bind(&step.action)
    .bind(&before.state)
    .bind(&to)
    .bind(actor.user_id.map(|u| u.get()))
    .bind(now_utc())
    .bind(&given.comment)
    .bind(given.amount.map(|a| a.ore()))
    .bind(&given.meeting)
    .execute(&mut **tx)
    .await?;
    if step.effect == Some(Effect::Commit) {
        let amount = given
            .amount
            .ok_or_else(|| StoreError::Refused(format!("«{}» kræver et beløb.", step.label)))?;
        grant(tx, def, before, amount, today).await?;
    }
    let after = get(tx, before.id).await?.ok_or(StoreError::NotFound)?;
    audit::step(tx, actor, &step.action, Some(before), &after).await?;
    Ok(after)
}

/// Records `party`'s signature by the actor; the number of parties that have now signed.
async fn sign(
    tx: &mut Tx<'_>,
    actor: &Actor,
    def: &Definition,
    app: &ProgrammeApplication,
    party: &str,
) -> Result<usize> {
    let label = def
        .signatures
        .iter()
        .find(|p| p.id == party)
        .map(|p| p.label.clone())
        .ok_or_else(|| StoreError::Refused(format!("Programmet har ingen part «{party}».")))?;
    let name: Option<String> = match actor.user_id {
        Some(id) => {
            sqlx::query_scalar("SELECT name FROM users WHERE id = $1")
                .bind(id.get())
                .fetch_optional(&mut **tx)
                .await?
        }
        None => None,
    };
    let done = sqlx::query(
        "INSERT INTO programme_signatures (application_id, party, user_id, signer_name, signed_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (application_id, party) DO NOTHING",
    )
    .bind(app.id.get())
    .bind(party)
    .bind(actor.user_id.map(|u| u.get()))
    .bind(name.unwrap_or_else(|| actor.label.clone()))
    .bind(now_utc())
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Conflict(format!(
            "Der er allerede skrevet under som {label}."
        )));
    }
    let signed: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM programme_signatures WHERE application_id = $1")
            .bind(app.id.get())
            .fetch_one(&mut **tx)
            .await?;
    Ok(usize::try_from(signed).unwrap_or(0))
}

/// One party's signature on an application.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Signature {
    pub party: String,
    pub signer_name: String,
    pub signed_at: String,
}

/// The signatures on an application, in the order they were given.
pub async fn signatures(conn: &mut AnyConnection, id: ApplicationId) -> Result<Vec<Signature>> {
    Ok(sqlx::query_as(
        "SELECT party, signer_name, signed_at FROM programme_signatures WHERE application_id = $1 \
         ORDER BY signed_at, party",
    )
    .bind(id.get())
    .fetch_all(conn)
    .await?)
}

/// Writes a grant's instalments (replacing the unpaid ones of an earlier grant).
async fn grant(
    tx: &mut Tx<'_>,
    def: &Definition,
    app: &ProgrammeApplication,
    amount: Ore,
    today: NaiveDate,
) -> Result<()> {
    let paid: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM instalments WHERE application_id = $1 AND paid_on IS NOT NULL",
    )
    .bind(app.id.get())
    .fetch_one(&mut **tx)
    .await?;
    if paid > 0 {
        return Err(StoreError::Conflict(
            "Der er allerede udbetalt af bevillingen; den kan ikke bevilges igen.".into(),
        ));
    }
    sqlx::query("DELETE FROM instalments WHERE application_id = $1")
        .bind(app.id.get())
        .execute(&mut **tx)
        .await?;
    let tranche = tranche_of(tx, &def.id, today).await?;
    room_for(tx, app, tranche, amount).await?;
    for (position, (due, part)) in def.money.instalments_of(amount).into_iter().enumerate() {
        let (kind, on) = match due {
            Due::Approval => ("approval", None),
            Due::Documentation => ("documentation", None),
            Due::On(day) => ("date", Some(day.date().format("%Y-%m-%d").to_string())),
        };
        sqlx::query(
            "INSERT INTO instalments (application_id, position, due_kind, due_on, amount_ore, tranche_id) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(app.id.get())
        .bind(position as i64 + 1)
        .bind(kind)
        .bind(on)
        .bind(part.ore())
        .bind(tranche)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Refuses a grant larger than what is left of the money it is booked to: the region's pool in
/// the tranche when the programme splits its money to the regions, else the tranche itself.
/// Grants in one tranche queue behind each other (a no-op write row-locks the tranche on
/// PostgreSQL; SQLite's `BEGIN IMMEDIATE` already serialises writers), so two at once cannot
/// both take the last money.
async fn room_for(
    tx: &mut Tx<'_>,
    app: &ProgrammeApplication,
    tranche: i64,
    amount: Ore,
) -> Result<()> {
    sqlx::query("UPDATE tranches SET national_amount_ore = national_amount_ore WHERE id = $1")
        .bind(tranche)
        .execute(&mut **tx)
        .await?;
    let (name, national): (String, i64) =
        sqlx::query_as("SELECT name, national_amount_ore FROM tranches WHERE id = $1")
            .bind(tranche)
            .fetch_one(&mut **tx)
            .await?;
    let pool: Option<i64> = sqlx::query_scalar(
        "SELECT amount_ore FROM pools WHERE tranche_id = $1 AND region_code = $2",
    )
    .bind(tranche)
    .bind(app.region_code.get())
    .fetch_optional(&mut **tx)
    .await?;
    let (budget, granted, whose) = match pool {
        Some(pool) => {
            let granted: i64 = sqlx::query_scalar(
                "SELECT CAST(COALESCE(SUM(i.amount_ore), 0) AS BIGINT) FROM instalments i \
                 JOIN applications a ON a.id = i.application_id \
                 WHERE i.tranche_id = $1 AND a.region_code = $2",
            )
            .bind(tranche)
            .bind(app.region_code.get())
            .fetch_one(&mut **tx)
            .await?;
            (pool, granted, format!(" for {}", app.region_code.name()))
        }
        None => {
            let granted: i64 = sqlx::query_scalar(
                "SELECT CAST(COALESCE(SUM(amount_ore), 0) AS BIGINT) FROM instalments WHERE tranche_id = $1",
            )
            .bind(tranche)
            .fetch_one(&mut **tx)
            .await?;
            (national, granted, String::new())
        }
    };
    // A pool lowered below what is already granted has nothing left, not a negative amount.
    let left = Ore::from_ore(budget)
        .checked_sub(Ore::from_ore(granted))
        .filter(|l| *l >= Ore::ZERO)
        .unwrap_or(Ore::ZERO);
    if amount <= left {
        return Ok(());
    }
    Err(StoreError::Refused(format!(
        "Bevillingen på {} er større end det, der er tilbage af puljen «{name}»{whose}: {}",
        amount.to_kr_string(),
        left.to_kr_string()
    )))
}

/// The programme's tranche whose period holds `day`; before the first, the first; after the
/// last, the last.
async fn tranche_of(tx: &mut Tx<'_>, programme_id: &str, day: NaiveDate) -> Result<i64> {
    let rows: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT id, period_start, period_end FROM tranches WHERE programme_id = $1 ORDER BY number",
    )
    .bind(programme_id)
    .fetch_all(&mut **tx)
    .await?;
    let day = day.format("%Y-%m-%d").to_string();
    let holding = rows
        .iter()
        .find(|(_, start, end)| *start <= day && day <= *end)
        .or_else(|| rows.first().filter(|(_, start, _)| day < *start))
        .or_else(|| rows.last());
    holding.map(|(id, _, _)| *id).ok_or_else(|| {
        StoreError::Conflict(format!(
            "Programmet «{programme_id}» har ingen perioder (tranches)."
        ))
    })
}

/// One instalment of a grant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Instalment {
    pub id: i64,
    pub position: i64,
    pub due: Due,
    pub amount_ore: Ore,
    pub tranche: String,
    pub paid_on: Option<NaiveDate>,
    /// What each funder bore of it, once paid.
    pub shares: Vec<(String, Ore)>,
}

/// id, position, due kind, due date, amount, tranche's name, paid on.
type InstalmentRow = (
    i64,
    i64,
    String,
    Option<String>,
    i64,
    String,
    Option<String>,
);

/// The grant's instalments, in order.
pub async fn instalments(conn: &mut AnyConnection, id: ApplicationId) -> Result<Vec<Instalment>> {
    let rows: Vec<InstalmentRow> = sqlx::query_as(
        "SELECT i.id, i.position, i.due_kind, i.due_on, i.amount_ore, t.name, i.paid_on \
         FROM instalments i JOIN tranches t ON t.id = i.tranche_id \
         WHERE i.application_id = $1 ORDER BY i.position",
    )
    .bind(id.get())
    .fetch_all(&mut *conn)
    .await?;
    let shares: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT s.instalment_id, s.funder, s.amount_ore FROM instalment_shares s \
         JOIN instalments i ON i.id = s.instalment_id WHERE i.application_id = $1 \
         ORDER BY s.instalment_id, s.position",
    )
    .bind(id.get())
    .fetch_all(&mut *conn)
    .await?;
    let date = |text: &str| {
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map_err(|e| StoreError::Other(anyhow::anyhow!("a stored date {text}: {e}")))
    };
    let mut out = Vec::with_capacity(rows.len());
    for (iid, position, kind, due_on, amount, tranche, paid_on) in rows {
        let due = match (kind.as_str(), due_on) {
            ("approval", _) => Due::Approval,
            ("documentation", _) => Due::Documentation,
            (_, Some(on)) => Due::On(pulje_domain::programme::Day(date(&on)?)),
            (other, None) => {
                return Err(StoreError::Other(anyhow::anyhow!(
                    "instalment {iid}: due {other} without a date"
                )))
            }
        };
        out.push(Instalment {
            id: iid,
            position,
            due,
            amount_ore: Ore::from_ore(amount),
            tranche,
            paid_on: paid_on.as_deref().map(date).transpose()?,
            shares: shares
                .iter()
                .filter(|(i, _, _)| *i == iid)
                .map(|(_, f, a)| (f.clone(), Ore::from_ore(*a)))
                .collect(),
        });
    }
    Ok(out)
}

/// Whether the instalment may be paid on `today`: after a grant, on its date, or once the
/// documentation is approved (a step with that effect was taken).
pub fn falls_due(
    inst: &Instalment,
    def: &Definition,
    steps: &[StepTaken],
    today: NaiveDate,
) -> bool {
    match &inst.due {
        Due::Approval => true,
        Due::On(day) => today >= day.date(),
        Due::Documentation => steps.iter().any(|s| {
            def.transition(&s.action)
                .is_some_and(|t| t.effect == Some(Effect::Documentation))
        }),
    }
}

/// Pays instalment `instalment_id` of `app` on `today`, keeping what each funder bears of it.
pub async fn pay(
    tx: &mut Tx<'_>,
    actor: &Actor,
    def: &Definition,
    app: &ProgrammeApplication,
    instalment_id: i64,
    today: NaiveDate,
) -> Result<Instalment> {
    let all = instalments(tx, app.id).await?;
    let inst = all
        .iter()
        .find(|i| i.id == instalment_id)
        .ok_or(StoreError::NotFound)?;
    if inst.paid_on.is_some() {
        return Err(StoreError::Conflict(format!(
            "Rate {} er allerede udbetalt.",
            inst.position
        )));
    }
    let taken = steps(tx, app.id).await?;
    if !falls_due(inst, def, &taken, today) {
        return Err(StoreError::Conflict(format!(
            "Rate {} forfalder først {}.",
            inst.position,
            inst.due.label_da()
        )));
    }
    let paid = sqlx::query(
        "UPDATE instalments SET paid_on = $1, paid_by = $2 WHERE id = $3 AND paid_on IS NULL",
    )
    .bind(today.format("%Y-%m-%d").to_string())
    .bind(actor.user_id.map(|u| u.get()))
    .bind(instalment_id)
    .execute(&mut **tx)
    .await?;
    if paid.rows_affected() == 0 {
        return Err(StoreError::Stale);
    }
    let shares = funders_shares(&def.funders, inst.amount_ore);
    for (position, (funder, amount)) in shares.iter().enumerate() {
        sqlx::query(
            "INSERT INTO instalment_shares (instalment_id, position, funder, amount_ore) VALUES ($1, $2, $3, $4)",
        )
        .bind(instalment_id)
        .bind(position as i64 + 1)
        .bind(funder)
        .bind(amount.ore())
        .execute(&mut **tx)
        .await?;
    }
    let after = instalments(tx, app.id)
        .await?
        .into_iter()
        .find(|i| i.id == instalment_id)
        .ok_or(StoreError::NotFound)?;
    audit::noted(tx, actor, app, "pay_instalment", None, Some(&after)).await?;
    Ok(after)
}

/// The e-mail addresses of who `who` is for an application: its writer; the enabled users with
/// a role in its region (a national role: those without a region); or the enabled users seated
/// in a body of its programme.
pub async fn addresses_of(
    conn: &mut AnyConnection,
    app: &ProgrammeApplication,
    who: &Who,
) -> Result<Vec<String>> {
    match who {
        Who::Applicant => crate::outbox::address_of(conn, app.created_by).await,
        Who::Role(role) if role.is_regional() => {
            crate::outbox::addresses_of(conn, app.region_code, *role).await
        }
        Who::Role(role) => Ok(sqlx::query_scalar(
            "SELECT email FROM users WHERE region_code IS NULL AND role = $1 AND disabled = 0 \
             ORDER BY email",
        )
        .bind(role.as_str())
        .fetch_all(conn)
        .await?),
        Who::Body(body) => Ok(sqlx::query_scalar(
            "SELECT u.email FROM body_seats s JOIN users u ON u.id = s.user_id \
             WHERE s.programme_id = $1 AND s.body_id = $2 AND u.disabled = 0 ORDER BY u.email",
        )
        .bind(&app.programme_id)
        .bind(body)
        .fetch_all(conn)
        .await?),
    }
}

/// Queues the definition's mail for `step`, just taken on `after` (in the step's transaction):
/// each template whose `on` is the step's action, to every address its `to` resolves to (each
/// once; a template nobody receives queues nothing), with `{titel}`, `{status}` (the new
/// state's name), `{kommentar}` (the comment or reason given) and `{link}` (`link`, the
/// absolute address of the application's page) filled in.
pub async fn queue_mail(
    tx: &mut Tx<'_>,
    def: &Definition,
    after: &ProgrammeApplication,
    step: &Transition,
    comment: &str,
    link: &str,
) -> Result<()> {
    let values = MailValues {
        titel: after.title.clone(),
        status: def.state_da(&after.state),
        link: link.to_string(),
        kommentar: comment.to_string(),
    };
    for template in def.mail_on(&step.action) {
        let mut recipients: Vec<String> = Vec::new();
        for who in &template.to {
            for address in addresses_of(tx, after, who).await? {
                if !recipients.contains(&address) {
                    recipients.push(address);
                }
            }
        }
        if recipients.is_empty() {
            continue;
        }
        let (subject, body) = template.fill(&values);
        crate::outbox::enqueue(
            tx,
            &recipients,
            &crate::outbox::Draft {
                region_code: Some(after.region_code),
                application_id: Some(after.id),
                event: &step.action,
                subject,
                body,
            },
        )
        .await?;
    }
    Ok(())
}

/// The bodies of the programme that `user` sits in.
pub async fn bodies_of(
    conn: &mut AnyConnection,
    programme_id: &str,
    user: UserId,
) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT body_id FROM body_seats WHERE programme_id = $1 AND user_id = $2 ORDER BY body_id",
    )
    .bind(programme_id)
    .bind(user.get())
    .fetch_all(conn)
    .await?)
}

/// Who sits in a body of the programme.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Seat {
    pub body_id: String,
    pub user_id: UserId,
    pub name: String,
    pub email: String,
}

/// Who sits in the programme's bodies, by body and name.
pub async fn seats(conn: &mut AnyConnection, programme_id: &str) -> Result<Vec<Seat>> {
    let rows: Vec<(String, i64, String, String)> = sqlx::query_as(
        "SELECT s.body_id, u.id, u.name, u.email FROM body_seats s JOIN users u ON u.id = s.user_id \
         WHERE s.programme_id = $1 ORDER BY s.body_id, u.name",
    )
    .bind(programme_id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(body_id, id, name, email)| Seat {
            body_id,
            user_id: UserId::new(id),
            name,
            email,
        })
        .collect())
}

/// A programme's body, as the audit log names it.
struct BodyKey<'a>(&'a str, &'a str);

impl Audited for BodyKey<'_> {
    const ENTITY: &'static str = "programme_body";
    fn audit_id(&self) -> String {
        format!("{}/{}", self.0, self.1)
    }
    fn audit_region(&self) -> Option<RegionCode> {
        None
    }
}

/// Puts `user` in, or takes them out of, a body the definition names.
pub async fn set_member(
    tx: &mut Tx<'_>,
    actor: &Actor,
    def: &Definition,
    body_id: &str,
    user: UserId,
    member: bool,
) -> Result<()> {
    if !def.bodies.iter().any(|b| b.id == body_id) {
        return Err(StoreError::Refused(format!(
            "Programmet «{}» har intet organ «{body_id}».",
            def.name
        )));
    }
    let sql = if member {
        "INSERT INTO body_seats (programme_id, body_id, user_id) VALUES ($1, $2, $3) \
         ON CONFLICT (programme_id, body_id, user_id) DO NOTHING"
    } else {
        "DELETE FROM body_seats WHERE programme_id = $1 AND body_id = $2 AND user_id = $3"
    };
    sqlx::query(sql)
        .bind(&def.id)
        .bind(body_id)
        .bind(user.get())
        .execute(&mut **tx)
        .await?;
    audit::noted(
        tx,
        actor,
        &BodyKey(&def.id, body_id),
        if member {
            "add_member"
        } else {
            "remove_member"
        },
        None,
        Some(&user.get()),
    )
    .await?;
    Ok(())
}

/// A funder's part of what has been paid out of a programme in a region, by funder.
pub async fn paid_by_funder(
    conn: &mut AnyConnection,
    programme_id: &str,
    region: Option<RegionCode>,
) -> Result<Vec<(String, Ore)>> {
    let mut sql = Sql::default();
    let programme = sql.arg(programme_id);
    let mut text = format!(
        "SELECT s.funder, CAST(SUM(s.amount_ore) AS BIGINT) FROM instalment_shares s \
         JOIN instalments i ON i.id = s.instalment_id JOIN applications a ON a.id = i.application_id \
         WHERE a.programme_id = {programme}"
    );
    if let Some(region) = region {
        text.push_str(&format!(" AND a.region_code = {}", sql.arg(region)));
    }
    text.push_str(" GROUP BY s.funder ORDER BY MIN(s.position)");
    let sql = sql.with_text(text);
    let rows: Vec<(String, i64)> = sql.query_as().fetch_all(conn).await?;
    Ok(rows
        .into_iter()
        .map(|(f, a)| (f, Ore::from_ore(a)))
        .collect())
}

/// Per tranche of the programme (by id): what has been granted (its instalments, paid or not)
/// and what has been paid, in the region or in all.
pub async fn granted_and_paid(
    conn: &mut AnyConnection,
    programme_id: &str,
    region: Option<RegionCode>,
) -> Result<Vec<(i64, Ore, Ore)>> {
    let mut sql = Sql::default();
    let programme = sql.arg(programme_id);
    let mut text = format!(
        "SELECT i.tranche_id, CAST(SUM(i.amount_ore) AS BIGINT), \
           CAST(SUM(CASE WHEN i.paid_on IS NULL THEN 0 ELSE i.amount_ore END) AS BIGINT) \
         FROM instalments i JOIN applications a ON a.id = i.application_id \
         WHERE a.programme_id = {programme}"
    );
    if let Some(region) = region {
        text.push_str(&format!(" AND a.region_code = {}", sql.arg(region)));
    }
    text.push_str(" GROUP BY i.tranche_id");
    let sql = sql.with_text(text);
    let rows: Vec<(i64, i64, i64)> = sql.query_as().fetch_all(conn).await?;
    Ok(rows
        .into_iter()
        .map(|(t, g, p)| (t, Ore::from_ore(g), Ore::from_ore(p)))
        .collect())
}
