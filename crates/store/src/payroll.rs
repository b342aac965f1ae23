//! Payroll batches: the region administrator gathers the due postings of a pool up to a date
//! into a batch, reviews it, downloads it for the payroll system and marks it as sent. A sent
//! batch is frozen — its lines are kept as they were sent and its postings never go into another
//! batch; a correction is a reversal posting that goes into the next batch.
//!
//! A line carries the agreement's employee number and cost centre (typed by the administrator on
//! the agreement; the cost centre falls back to its department's), the pool's wage type, the
//! responsible afdelingslæge's name, the month, the amount and the agreement's reference. Which
//! columns a region's payroll system imports, and in which order, is the region's payroll format.

use crate::audit::{self, Actor};
use crate::money;
use crate::{now_utc, Result, StoreError, Tx};
use chrono::NaiveDate;
use pulje_domain::{ApplicationId, DepartmentId, Ore, PayrollBatchId, PostingId, RegionCode};
use serde::Serialize;
use sqlx::AnyConnection;

/// The longest employee number, cost centre or wage type accepted.
pub const MAX_CODE: usize = 40;

/// A column of a payroll file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Column {
    EmployeeNumber,
    Name,
    WageType,
    CostCentre,
    Period,
    Amount,
    Reference,
}

impl Column {
    /// Every column, in the default order.
    pub const ALL: [Column; 7] = [
        Column::EmployeeNumber,
        Column::Name,
        Column::WageType,
        Column::CostCentre,
        Column::Period,
        Column::Amount,
        Column::Reference,
    ];

    /// The key stored in a payroll format.
    pub fn key(self) -> &'static str {
        match self {
            Column::EmployeeNumber => "employee_number",
            Column::Name => "name",
            Column::WageType => "wage_type",
            Column::CostCentre => "cost_centre",
            Column::Period => "period",
            Column::Amount => "amount",
            Column::Reference => "reference",
        }
    }

    /// The column's title in the file and on the pages.
    pub fn title(self) -> &'static str {
        match self {
            Column::EmployeeNumber => "Medarbejdernummer",
            Column::Name => "Navn",
            Column::WageType => "Lønart",
            Column::CostCentre => "Omkostningssted",
            Column::Period => "Periode",
            Column::Amount => "Beløb (kr.)",
            Column::Reference => "Aftalereference",
        }
    }

    pub fn parse(key: &str) -> Option<Column> {
        Column::ALL.into_iter().find(|c| c.key() == key)
    }
}

/// Columns from their stored form; unknown keys are skipped.
fn columns_from(text: &str) -> Vec<Column> {
    text.split(',').filter_map(Column::parse).collect()
}

fn columns_text(columns: &[Column]) -> String {
    columns
        .iter()
        .map(|c| c.key())
        .collect::<Vec<_>>()
        .join(",")
}

/// A region's payroll format: its columns in order (every column by default).
pub async fn format(conn: &mut AnyConnection, region_code: RegionCode) -> Result<Vec<Column>> {
    let stored: Option<String> =
        sqlx::query_scalar("SELECT columns FROM payroll_formats WHERE region_code = $1")
            .bind(region_code.get())
            .fetch_optional(conn)
            .await?;
    Ok(stored
        .map(|s| columns_from(&s))
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| Column::ALL.to_vec()))
}

/// What a region's payroll settings hold, for the audit log.
#[derive(Debug, Clone, Serialize)]
struct PayrollSettings<'a> {
    #[serde(skip)]
    region_code: RegionCode,
    columns: Vec<&'static str>,
    wage_type: &'a str,
}

impl audit::Audited for PayrollSettings<'_> {
    const ENTITY: &'static str = "payroll_settings";
    fn audit_id(&self) -> String {
        self.region_code.to_string()
    }
    fn audit_region(&self) -> Option<RegionCode> {
        Some(self.region_code)
    }
}

/// The wage type of a region's pool in a programme ("" when none is set).
pub async fn wage_type(
    conn: &mut AnyConnection,
    programme_id: &str,
    region_code: RegionCode,
) -> Result<String> {
    Ok(sqlx::query_scalar(
        "SELECT wage_type FROM programme_regions WHERE programme_id = $1 AND region_code = $2",
    )
    .bind(programme_id)
    .bind(region_code.get())
    .fetch_optional(conn)
    .await?
    .unwrap_or_default())
}

/// Sets a region's payroll format and its pool's wage type, audited.
pub async fn set_settings(
    tx: &mut Tx<'_>,
    actor: &Actor,
    programme_id: &str,
    region_code: RegionCode,
    columns: &[Column],
    wage_type_value: &str,
) -> Result<()> {
    if columns.is_empty() {
        return Err(StoreError::Refused(
            "Lønfilen skal have mindst én kolonne.".into(),
        ));
    }
    let wage = wage_type_value.trim();
    check_code("Lønart", wage)?;
    let before_columns = format(tx, region_code).await?;
    let before_wage = wage_type(tx, programme_id, region_code).await?;
    sqlx::query(
        "INSERT INTO payroll_formats (region_code, columns) VALUES ($1, $2) \
         ON CONFLICT (region_code) DO UPDATE SET columns = excluded.columns",
    )
    .bind(region_code.get())
    .bind(columns_text(columns))
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO programme_regions (programme_id, region_code, latest_end, oncost_basis_points, wage_type) \
         VALUES ($1, $2, NULL, 0, $3) \
         ON CONFLICT (programme_id, region_code) DO UPDATE SET wage_type = excluded.wage_type",
    )
    .bind(programme_id)
    .bind(region_code.get())
    .bind(wage)
    .execute(&mut **tx)
    .await?;
    let before = PayrollSettings {
        region_code,
        columns: before_columns.iter().map(|c| c.key()).collect(),
        wage_type: &before_wage,
    };
    let after = PayrollSettings {
        region_code,
        columns: columns.iter().map(|c| c.key()).collect(),
        wage_type: wage,
    };
    audit::changed(tx, actor, &before, &after).await
}

fn check_code(field: &str, value: &str) -> Result<()> {
    if value.chars().count() > MAX_CODE {
        return Err(StoreError::Refused(format!(
            "{field} må højst være {MAX_CODE} tegn."
        )));
    }
    if value.chars().any(char::is_control) {
        return Err(StoreError::Refused(format!(
            "{field} må ikke indeholde linjeskift eller tabulatorer."
        )));
    }
    Ok(())
}

/// A department of the region with its cost centre.
#[derive(Debug, Clone)]
pub struct DepartmentCostCentre {
    pub id: DepartmentId,
    pub hospital: String,
    pub name: String,
    pub cost_centre: String,
}

/// The region's departments with their cost centres, by hospital and name.
pub async fn department_cost_centres(
    conn: &mut AnyConnection,
    region_code: RegionCode,
) -> Result<Vec<DepartmentCostCentre>> {
    Ok(sqlx::query_as::<_, (i64, String, String, String)>(
        "SELECT d.id, h.name, d.name, d.cost_centre FROM departments d JOIN hospitals h ON h.id = d.hospital_id \
         WHERE h.region_code = $1 ORDER BY h.name, d.name",
    )
    .bind(region_code.get())
    .fetch_all(conn)
    .await?
    .into_iter()
    .map(|(id, hospital, name, cost_centre)| DepartmentCostCentre {
        id: DepartmentId::new(id),
        hospital,
        name,
        cost_centre,
    })
    .collect())
}

#[derive(Debug, Clone, Serialize)]
struct DepartmentCentre {
    #[serde(skip)]
    region_code: RegionCode,
    id: DepartmentId,
    cost_centre: String,
}

impl audit::Audited for DepartmentCentre {
    const ENTITY: &'static str = "department";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_region(&self) -> Option<RegionCode> {
        Some(self.region_code)
    }
}

/// Sets the cost centres of the region's departments (id → cost centre), auditing each change.
/// A department of another region is refused.
pub async fn set_department_cost_centres(
    tx: &mut Tx<'_>,
    actor: &Actor,
    region_code: RegionCode,
    centres: &[(DepartmentId, String)],
) -> Result<()> {
    let current = department_cost_centres(tx, region_code).await?;
    for (id, value) in centres {
        let value = value.trim();
        let Some(d) = current.iter().find(|d| d.id == *id) else {
            return Err(StoreError::NotFound);
        };
        check_code(&format!("Omkostningssted for {}", d.name), value)?;
        if d.cost_centre == value {
            continue;
        }
        sqlx::query("UPDATE departments SET cost_centre = $1 WHERE id = $2")
            .bind(value)
            .bind(id.get())
            .execute(&mut **tx)
            .await?;
        let before = DepartmentCentre {
            region_code,
            id: *id,
            cost_centre: d.cost_centre.clone(),
        };
        let after = DepartmentCentre {
            cost_centre: value.to_string(),
            ..before.clone()
        };
        audit::changed(tx, actor, &before, &after).await?;
    }
    Ok(())
}

/// What payroll needs to know of an agreement.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AgreementPayroll {
    pub employee_number: String,
    /// The agreement's own cost centre; empty to use its department's.
    pub cost_centre: String,
}

/// An agreement's payroll details (empty when none are typed).
pub async fn agreement_payroll(
    conn: &mut AnyConnection,
    id: ApplicationId,
) -> Result<AgreementPayroll> {
    Ok(sqlx::query_as::<_, (String, String)>(
        "SELECT employee_number, cost_centre FROM agreement_payroll WHERE application_id = $1",
    )
    .bind(id.get())
    .fetch_optional(conn)
    .await?
    .map(|(employee_number, cost_centre)| AgreementPayroll {
        employee_number,
        cost_centre,
    })
    .unwrap_or_default())
}

#[derive(Debug, Clone, Serialize)]
struct AgreementPayrollOf {
    #[serde(skip)]
    region_code: RegionCode,
    #[serde(skip)]
    id: ApplicationId,
    #[serde(flatten)]
    details: AgreementPayroll,
}

impl audit::Audited for AgreementPayrollOf {
    const ENTITY: &'static str = "agreement_payroll";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_region(&self) -> Option<RegionCode> {
        Some(self.region_code)
    }
}

/// Sets an agreement's employee number and cost centre, audited. The caller has checked that
/// the user administers the agreement's region.
pub async fn set_agreement_payroll(
    tx: &mut Tx<'_>,
    actor: &Actor,
    id: ApplicationId,
    region_code: RegionCode,
    details: &AgreementPayroll,
) -> Result<()> {
    let details = AgreementPayroll {
        employee_number: details.employee_number.trim().to_string(),
        cost_centre: details.cost_centre.trim().to_string(),
    };
    check_code("Medarbejdernummer", &details.employee_number)?;
    check_code("Omkostningssted", &details.cost_centre)?;
    let before = agreement_payroll(tx, id).await?;
    if before == details {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO agreement_payroll (application_id, employee_number, cost_centre) VALUES ($1, $2, $3) \
         ON CONFLICT (application_id) DO UPDATE SET employee_number = excluded.employee_number, cost_centre = excluded.cost_centre",
    )
    .bind(id.get())
    .bind(&details.employee_number)
    .bind(&details.cost_centre)
    .execute(&mut **tx)
    .await?;
    let of = |details| AgreementPayrollOf {
        region_code,
        id,
        details,
    };
    audit::changed(tx, actor, &of(before), &of(details)).await
}

/// A payroll batch.
#[derive(Debug, Clone, Serialize)]
pub struct Batch {
    pub id: PayrollBatchId,
    pub programme_id: String,
    #[serde(skip)]
    pub region_code: RegionCode,
    pub up_to: NaiveDate,
    pub created_at: String,
    /// When it was marked as sent; `None` while it is open.
    pub sent_at: Option<String>,
    pub lines: i64,
    pub total_ore: i64,
    /// The column keys it was sent with (empty while open).
    pub sent_columns: String,
}

impl Batch {
    pub fn is_sent(&self) -> bool {
        self.sent_at.is_some()
    }
}

impl audit::Audited for Batch {
    const ENTITY: &'static str = "payroll_batch";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_region(&self) -> Option<RegionCode> {
        Some(self.region_code)
    }
}

const BATCH_SELECT: &str = "SELECT b.id, b.programme_id, b.region_code, b.up_to, b.created_at, b.sent_at, b.sent_columns, \
     (SELECT COUNT(*) FROM postings p WHERE p.batch_id = b.id), \
     (SELECT CAST(COALESCE(SUM(p.amount_ore), 0) AS BIGINT) FROM postings p WHERE p.batch_id = b.id) \
     FROM payroll_batches b";

type BatchRow = (
    i64,
    String,
    i64,
    String,
    String,
    Option<String>,
    String,
    i64,
    i64,
);

fn batch_of(r: BatchRow) -> Result<Batch> {
    Ok(Batch {
        id: PayrollBatchId::new(r.0),
        programme_id: r.1,
        region_code: RegionCode::new(r.2).ok_or(StoreError::NotFound)?,
        up_to: NaiveDate::parse_from_str(&r.3, "%Y-%m-%d")
            .map_err(|e| StoreError::Other(e.into()))?,
        created_at: r.4,
        sent_at: r.5,
        sent_columns: r.6,
        lines: r.7,
        total_ore: r.8,
    })
}

/// A region's batch by id; `None` when it does not exist or belongs to another region.
pub async fn batch(
    conn: &mut AnyConnection,
    region_code: RegionCode,
    id: PayrollBatchId,
) -> Result<Option<Batch>> {
    sqlx::query_as::<_, BatchRow>(&format!(
        "{BATCH_SELECT} WHERE b.id = $1 AND b.region_code = $2"
    ))
    .bind(id.get())
    .bind(region_code.get())
    .fetch_optional(conn)
    .await?
    .map(batch_of)
    .transpose()
}

/// A region's batches in a programme, newest first.
pub async fn batches(
    conn: &mut AnyConnection,
    programme_id: &str,
    region_code: RegionCode,
) -> Result<Vec<Batch>> {
    sqlx::query_as::<_, BatchRow>(&format!(
        "{BATCH_SELECT} WHERE b.programme_id = $1 AND b.region_code = $2 ORDER BY b.id DESC"
    ))
    .bind(programme_id)
    .bind(region_code.get())
    .fetch_all(conn)
    .await?
    .into_iter()
    .map(batch_of)
    .collect()
}

/// Creates a batch of the pool's due postings: first the postings of the active agreements'
/// months up to `up_to` are made (see [`money::generate_postings`]), then every posting not yet
/// in a batch for a month up to `up_to`, and every reversal not yet in a batch, goes into it.
/// Refused while another batch is open, and when nothing is due.
pub async fn create_batch(
    tx: &mut Tx<'_>,
    actor: &Actor,
    programme_id: &str,
    region_code: RegionCode,
    up_to: NaiveDate,
) -> Result<Batch> {
    let open: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM payroll_batches WHERE programme_id = $1 AND region_code = $2 AND sent_at IS NULL",
    )
    .bind(programme_id)
    .bind(region_code.get())
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(open) = open {
        return Err(StoreError::Conflict(format!(
            "Lønkørsel {open} er ikke sendt endnu. Send eller kassér den, før en ny dannes."
        )));
    }
    money::generate_postings(tx, actor, programme_id, region_code, up_to).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO payroll_batches (programme_id, region_code, up_to, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(programme_id)
    .bind(region_code.get())
    .bind(up_to.to_string())
    .bind(now_utc())
    .bind(actor.user_id.map(|u| u.get()))
    .fetch_one(&mut **tx)
    .await?;
    let gathered = sqlx::query(
        "UPDATE postings SET batch_id = $1 WHERE programme_id = $2 AND region_code = $3 AND batch_id IS NULL \
         AND (month <= $4 OR reverses_id IS NOT NULL)",
    )
    .bind(id)
    .bind(programme_id)
    .bind(region_code.get())
    .bind(up_to.to_string())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if gathered == 0 {
        let held = money::held_back(tx, programme_id, region_code, up_to).await?;
        return Err(StoreError::Refused(format!(
            "Der er ingen nye posteringer til og med {}.{}",
            pulje_domain::date::format_date_da(up_to),
            if held.is_empty() {
                String::new()
            } else {
                format!(
                    " {} {} måneder før aktiveringen, som holdes tilbage, indtil regionen har skrevet en begrundelse for efterbetalingen.",
                    held.len(),
                    if held.len() == 1 { "aftale har" } else { "aftaler har" }
                )
            }
        )));
    }
    let made = batch(tx, region_code, PayrollBatchId::new(id))
        .await?
        .ok_or(StoreError::NotFound)?;
    audit::created(tx, actor, &made).await?;
    Ok(made)
}

/// One line of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub posting_id: PostingId,
    pub application_id: ApplicationId,
    pub employee_number: String,
    pub name: String,
    pub wage_type: String,
    pub cost_centre: String,
    /// The month, `YYYY-MM`.
    pub period: String,
    pub amount: Ore,
    pub reference: String,
    /// Whether the line reverses an earlier posting.
    pub reversal: bool,
}

/// The agreement reference payroll sees: the programme and the application's number.
fn reference(programme_id: &str, application_id: ApplicationId) -> String {
    format!("{}-{application_id}", programme_id.to_uppercase())
}

/// A batch's lines by month and agreement: as sent for a sent batch, from the agreements'
/// current details for an open one.
pub async fn lines(conn: &mut AnyConnection, batch: &Batch) -> Result<Vec<Line>> {
    if batch.is_sent() {
        let rows = sqlx::query_as::<_, (i64, i64, String, String, String, String, String, i64, String, Option<i64>)>(
            "SELECT l.posting_id, p.application_id, l.employee_number, l.name, l.wage_type, l.cost_centre, l.period, \
             l.amount_ore, l.reference, p.reverses_id FROM payroll_lines l JOIN postings p ON p.id = l.posting_id \
             WHERE l.batch_id = $1 ORDER BY l.period, p.application_id, l.posting_id",
        )
        .bind(batch.id.get())
        .fetch_all(conn)
        .await?;
        return Ok(rows
            .into_iter()
            .map(|r| Line {
                posting_id: PostingId::new(r.0),
                application_id: ApplicationId::new(r.1),
                employee_number: r.2,
                name: r.3,
                wage_type: r.4,
                cost_centre: r.5,
                period: r.6,
                amount: Ore::from_ore(r.7),
                reference: r.8,
                reversal: r.9.is_some(),
            })
            .collect());
    }
    let wage = wage_type(conn, &batch.programme_id, batch.region_code).await?;
    let rows = sqlx::query_as::<_, (i64, i64, Option<String>, String, Option<String>, Option<String>, String, i64, Option<i64>)>(
        "SELECT p.id, p.application_id, ap.employee_number, a.responsible_doctor, ap.cost_centre, d.cost_centre, \
         p.month, p.amount_ore, p.reverses_id FROM postings p JOIN applications a ON a.id = p.application_id \
         LEFT JOIN agreement_payroll ap ON ap.application_id = p.application_id \
         LEFT JOIN departments d ON d.hospital_id = a.hospital_id AND d.name = a.hospital_department \
         WHERE p.batch_id = $1 ORDER BY p.month, p.application_id, p.id",
    )
    .bind(batch.id.get())
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let own_centre = r.4.unwrap_or_default();
            Line {
                posting_id: PostingId::new(r.0),
                application_id: ApplicationId::new(r.1),
                employee_number: r.2.unwrap_or_default(),
                name: r.3,
                wage_type: wage.clone(),
                cost_centre: if own_centre.is_empty() {
                    r.5.unwrap_or_default()
                } else {
                    own_centre
                },
                period: r.6.chars().take(7).collect(),
                amount: Ore::from_ore(r.7),
                reference: reference(&batch.programme_id, ApplicationId::new(r.1)),
                reversal: r.8.is_some(),
            }
        })
        .collect())
}

/// The columns a batch is written with: as sent, or the region's format while open.
pub async fn batch_columns(conn: &mut AnyConnection, batch: &Batch) -> Result<Vec<Column>> {
    let sent = columns_from(&batch.sent_columns);
    if batch.is_sent() && !sent.is_empty() {
        return Ok(sent);
    }
    format(conn, batch.region_code).await
}

/// The agreements of `lines` without an employee number, once each: (application id, name).
pub fn missing_employee_numbers(lines: &[Line]) -> Vec<(ApplicationId, String)> {
    let mut out: Vec<(ApplicationId, String)> = Vec::new();
    for l in lines {
        if l.employee_number.is_empty() && !out.iter().any(|(id, _)| *id == l.application_id) {
            out.push((l.application_id, l.name.clone()));
        }
    }
    out
}

/// Marks an open batch as sent: its lines are frozen as they are now, with the region's columns.
/// Refused when it is already sent, or when an agreement in it has no employee number.
pub async fn mark_sent(tx: &mut Tx<'_>, actor: &Actor, batch: &Batch) -> Result<Batch> {
    // Re-read inside the transaction: a second click sees the first one's result.
    let current = self::batch(tx, batch.region_code, batch.id)
        .await?
        .ok_or(StoreError::NotFound)?;
    if current.is_sent() {
        return Err(StoreError::Conflict(format!(
            "Lønkørsel {} er allerede markeret som sendt.",
            current.id
        )));
    }
    let lines = lines(tx, &current).await?;
    let missing = missing_employee_numbers(&lines);
    if !missing.is_empty() {
        let names: Vec<String> = missing
            .iter()
            .map(|(id, name)| format!("nr. {id} ({name})"))
            .collect();
        return Err(StoreError::Refused(format!(
            "Disse aftaler mangler et medarbejdernummer: {}.",
            names.join(", ")
        )));
    }
    for l in &lines {
        sqlx::query(
            "INSERT INTO payroll_lines (batch_id, posting_id, employee_number, name, wage_type, cost_centre, period, amount_ore, reference) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(current.id.get())
        .bind(l.posting_id.get())
        .bind(&l.employee_number)
        .bind(&l.name)
        .bind(&l.wage_type)
        .bind(&l.cost_centre)
        .bind(&l.period)
        .bind(l.amount.ore())
        .bind(&l.reference)
        .execute(&mut **tx)
        .await?;
    }
    let columns = format(tx, current.region_code).await?;
    sqlx::query(
        "UPDATE payroll_batches SET sent_at = $1, sent_by = $2, sent_columns = $3 WHERE id = $4 AND sent_at IS NULL",
    )
    .bind(now_utc())
    .bind(actor.user_id.map(|u| u.get()))
    .bind(columns_text(&columns))
    .bind(current.id.get())
    .execute(&mut **tx)
    .await?;
    let sent = self::batch(tx, current.region_code, current.id)
        .await?
        .ok_or(StoreError::NotFound)?;
    audit::step(tx, actor, "send", Some(&current), &sent).await?;
    Ok(sent)
}

/// Discards an open batch: its postings are free for the next batch.
pub async fn discard(tx: &mut Tx<'_>, actor: &Actor, batch: &Batch) -> Result<()> {
    let current = self::batch(tx, batch.region_code, batch.id)
        .await?
        .ok_or(StoreError::NotFound)?;
    if current.is_sent() {
        return Err(StoreError::Conflict(format!(
            "Lønkørsel {} er sendt og kan ikke kasseres.",
            current.id
        )));
    }
    sqlx::query("UPDATE postings SET batch_id = NULL WHERE batch_id = $1")
        .bind(current.id.get())
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM payroll_batches WHERE id = $1")
        .bind(current.id.get())
        .execute(&mut **tx)
        .await?;
    audit::deleted(tx, actor, &current).await
}

/// A reversal posting, for the audit log.
#[derive(Debug, Clone, Serialize)]
struct Reversal {
    #[serde(skip)]
    region_code: RegionCode,
    id: PostingId,
    reverses: i64,
    application_id: i64,
    month: String,
    amount_ore: i64,
}

impl audit::Audited for Reversal {
    const ENTITY: &'static str = "posting";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_region(&self) -> Option<RegionCode> {
        Some(self.region_code)
    }
}

/// Reverses a posting of a sent batch of the region: a posting of the opposite amount for the
/// same agreement and month, which goes into the next batch. Refused for a posting not yet sent
/// (discard its batch instead), a reversal, or one already reversed.
pub async fn reverse(
    tx: &mut Tx<'_>,
    actor: &Actor,
    region_code: RegionCode,
    posting_id: PostingId,
) -> Result<PostingId> {
    let found = sqlx::query_as::<_, (i64, String, String, i64, Option<i64>, Option<String>)>(
        "SELECT p.application_id, p.programme_id, p.month, p.amount_ore, p.reverses_id, b.sent_at \
         FROM postings p LEFT JOIN payroll_batches b ON b.id = p.batch_id WHERE p.id = $1 AND p.region_code = $2",
    )
    .bind(posting_id.get())
    .bind(region_code.get())
    .fetch_optional(&mut **tx)
    .await?;
    let Some((application_id, programme_id, month, amount, reverses, sent_at)) = found else {
        return Err(StoreError::NotFound);
    };
    if reverses.is_some() {
        return Err(StoreError::Conflict(
            "En tilbageførsel kan ikke tilbageføres.".into(),
        ));
    }
    if sent_at.is_none() {
        return Err(StoreError::Conflict(
            "Posteringen er ikke sendt til løn endnu; kassér lønkørslen i stedet.".into(),
        ));
    }
    let already: Option<i64> = sqlx::query_scalar("SELECT id FROM postings WHERE reverses_id = $1")
        .bind(posting_id.get())
        .fetch_optional(&mut **tx)
        .await?;
    if already.is_some() {
        return Err(StoreError::Conflict(
            "Posteringen er allerede tilbageført.".into(),
        ));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO postings (application_id, programme_id, region_code, month, amount_ore, posted_at, reverses_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(application_id)
    .bind(&programme_id)
    .bind(region_code.get())
    .bind(&month)
    .bind(-amount)
    .bind(now_utc())
    .bind(posting_id.get())
    .fetch_one(&mut **tx)
    .await?;
    let id = PostingId::new(id);
    money::refresh_paid(tx, &programme_id, region_code).await?;
    let made = Reversal {
        region_code,
        id,
        reverses: posting_id.get(),
        application_id,
        month,
        amount_ore: -amount,
    };
    audit::step(tx, actor, "reverse", None, &made).await?;
    Ok(id)
}
