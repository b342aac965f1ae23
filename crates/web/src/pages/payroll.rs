//! Payroll batches for the region administrator: create a batch of the due postings up to a
//! date, review its lines and total (and which agreements lack an employee number), download it
//! as CSV or XLSX, mark it as sent (frozen from then on) or discard it; reverse a sent posting
//! (the reversal goes into the next batch); set the region's payroll file columns, the pool's
//! wage type and the departments' cost centres; type an agreement's employee number and cost
//! centre. Every route is for the administrator of the region only.

use crate::auth::policy;
use crate::auth::CurrentUser;
use crate::error::{AppError, PageResult};
use crate::extract::Form;
use crate::views::{self, Page};
use crate::Db;
use askama::Template;
use axum::extract::{Path, Query};
use axum::response::{Html, IntoResponse, Redirect, Response};
use pulje_domain::{ApplicationId, DepartmentId, PayrollBatchId, PostingId, RegionCode};
use pulje_store::payroll::{self, AgreementPayroll, Batch, Column, Line};
use pulje_store::reference::OK21;
use serde::Deserialize;
use std::collections::HashMap;

/// The region from the address, for its administrator only (404 for another region's).
fn admin_region(user: &CurrentUser, code: i64) -> PageResult<RegionCode> {
    let code = crate::error::region(code)?;
    policy::require_post_payments(user, code)?;
    Ok(code)
}

async fn batch_of(db: &mut Db, code: RegionCode, id: i64) -> PageResult<Batch> {
    let mut conn = db.conn().await?;
    payroll::batch(&mut conn, code, PayrollBatchId::new(id))
        .await?
        .ok_or(AppError::NotFound)
}

#[derive(Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    up_to: String,
}

/// Creates a batch of the due postings up to a date; a refusal shows the payments page again
/// with the message and the typed date.
pub async fn create(
    mut db: Db,
    user: CurrentUser,
    Path(code): Path<i64>,
    Form(form): Form<CreateForm>,
) -> PageResult<Response> {
    let code = admin_region(&user, code)?;
    let typed = form.up_to.chars().take(40).collect::<String>();
    let Some(up_to) = pulje_domain::parse_date(&typed) else {
        let error = format!(
            "Til og med: «{}» er ikke en dato. Skriv den som 31-12-2026.",
            typed.trim()
        );
        return super::payments::page(&mut db, &user, code, None, Some(error), &typed).await;
    };
    let mut tx = db.begin().await?;
    match payroll::create_batch(&mut tx, &user.actor(), OK21, code, up_to).await {
        Ok(batch) => {
            tx.commit().await?;
            Ok(
                Redirect::to(&format!("/regions/{code}/payments/batches/{}", batch.id))
                    .into_response(),
            )
        }
        Err(pulje_store::StoreError::Refused(m) | pulje_store::StoreError::Conflict(m)) => {
            drop(tx);
            super::payments::page(&mut db, &user, code, None, Some(m), &typed).await
        }
        Err(e) => Err(e.into()),
    }
}

pub struct LineRow {
    posting_id: PostingId,
    application_id: ApplicationId,
    employee_number: String,
    name: String,
    wage_type: String,
    cost_centre: String,
    period: String,
    amount: String,
    reference: String,
    reversal: bool,
}

impl From<&Line> for LineRow {
    fn from(l: &Line) -> LineRow {
        LineRow {
            posting_id: l.posting_id,
            application_id: l.application_id,
            employee_number: l.employee_number.clone(),
            name: l.name.clone(),
            wage_type: l.wage_type.clone(),
            cost_centre: l.cost_centre.clone(),
            period: l.period.clone(),
            amount: views::kr(l.amount),
            reference: l.reference.clone(),
            reversal: l.reversal,
        }
    }
}

#[derive(Template)]
#[template(path = "payroll/batch.html")]
struct BatchPage {
    page: Page,
    region_code: u16,
    region_name: String,
    id: PayrollBatchId,
    up_to: String,
    created: String,
    sent: Option<String>,
    rows: Vec<LineRow>,
    total: String,
    missing: Vec<(ApplicationId, String)>,
    columns: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct BatchQuery {
    sendt: Option<String>,
    tilbagefoert: Option<String>,
}

async fn batch_page(
    db: &mut Db,
    user: &CurrentUser,
    code: RegionCode,
    batch: &Batch,
    notice: Option<String>,
    error: Option<String>,
) -> PageResult<Response> {
    let mut conn = db.conn().await?;
    let lines = payroll::lines(&mut conn, batch).await?;
    let columns = payroll::batch_columns(&mut conn, batch).await?;
    let total = views::total(lines.iter().map(|l| l.amount))?;
    let page = BatchPage {
        page: Page::new(
            user,
            format!("Lønkørsel {} – {}", batch.id, code.name()),
            &format!("/regions/{code}"),
        )
        .with_notice(notice),
        region_code: code.code(),
        region_name: code.name().into(),
        id: batch.id,
        up_to: views::date_da(batch.up_to),
        created: views::timestamp_da(&batch.created_at),
        sent: batch.sent_at.as_deref().map(views::timestamp_da),
        missing: payroll::missing_employee_numbers(&lines),
        rows: lines.iter().map(LineRow::from).collect(),
        total: views::kr(total),
        columns: columns
            .iter()
            .map(|c| c.title())
            .collect::<Vec<_>>()
            .join(", "),
        error,
    };
    let status = if page.error.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    Ok((status, Html(page.render()?)).into_response())
}

/// A batch's review page: its lines, total, the agreements without an employee number, and the
/// download, send and discard buttons.
pub async fn show(
    mut db: Db,
    user: CurrentUser,
    Path((code, id)): Path<(i64, i64)>,
    Query(q): Query<BatchQuery>,
) -> PageResult<Response> {
    let code = admin_region(&user, code)?;
    let batch = batch_of(&mut db, code, id).await?;
    let notice = if q.sendt.is_some() {
        Some("Lønkørslen er markeret som sendt og kan ikke længere ændres.".to_string())
    } else if q.tilbagefoert.is_some() {
        Some("Posteringen er tilbageført; tilbageførslen kommer med i næste lønkørsel.".to_string())
    } else {
        None
    };
    batch_page(&mut db, &user, code, &batch, notice, None).await
}

/// The batch as the payroll file: `loen.csv` or `loen.xlsx`.
pub async fn download(
    mut db: Db,
    user: CurrentUser,
    Path((code, id, file)): Path<(i64, i64, String)>,
) -> PageResult<Response> {
    let code = admin_region(&user, code)?;
    let batch = batch_of(&mut db, code, id).await?;
    let mut conn = db.conn().await?;
    let lines = payroll::lines(&mut conn, &batch).await?;
    let columns = payroll::batch_columns(&mut conn, &batch).await?;
    let (bytes, content_type, ext) = match file.as_str() {
        "loen.csv" => (
            pulje_app::payroll_file::csv(&lines, &columns).into_bytes(),
            "text/csv; charset=utf-8",
            "csv",
        ),
        "loen.xlsx" => (
            pulje_app::payroll_file::xlsx(&lines, &columns).map_err(AppError::Internal)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        _ => return Err(AppError::NotFound),
    };
    Ok(super::reports::file_response(
        bytes,
        content_type,
        &format!("loenkoersel-{code}-{id}.{ext}"),
    ))
}

/// Marks an open batch as sent; a refusal (an agreement without an employee number) shows the
/// batch page with the message.
pub async fn send(
    mut db: Db,
    user: CurrentUser,
    Path((code, id)): Path<(i64, i64)>,
) -> PageResult<Response> {
    let code = admin_region(&user, code)?;
    let batch = batch_of(&mut db, code, id).await?;
    let mut tx = db.begin().await?;
    match payroll::mark_sent(&mut tx, &user.actor(), &batch).await {
        Ok(_) => {
            tx.commit().await?;
            Ok(
                Redirect::to(&format!("/regions/{code}/payments/batches/{id}?sendt=1"))
                    .into_response(),
            )
        }
        Err(pulje_store::StoreError::Refused(m) | pulje_store::StoreError::Conflict(m)) => {
            drop(tx);
            batch_page(&mut db, &user, code, &batch, None, Some(m)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Discards an open batch; its postings go into the next one.
pub async fn discard(
    mut db: Db,
    user: CurrentUser,
    Path((code, id)): Path<(i64, i64)>,
) -> PageResult<Response> {
    let code = admin_region(&user, code)?;
    let batch = batch_of(&mut db, code, id).await?;
    let mut tx = db.begin().await?;
    payroll::discard(&mut tx, &user.actor(), &batch).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/regions/{code}/payments?kasseret={id}")).into_response())
}

#[derive(Deserialize)]
pub struct ReverseForm {
    batch: i64,
}

/// Reverses a posting of a sent batch; the reversal goes into the next batch.
pub async fn reverse(
    mut db: Db,
    user: CurrentUser,
    Path((code, posting)): Path<(i64, i64)>,
    Form(form): Form<ReverseForm>,
) -> PageResult<Response> {
    let code = admin_region(&user, code)?;
    let mut tx = db.begin().await?;
    payroll::reverse(&mut tx, &user.actor(), code, PostingId::new(posting)).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!(
        "/regions/{code}/payments/batches/{}?tilbagefoert=1",
        form.batch
    ))
    .into_response())
}

pub struct ColumnRow {
    key: &'static str,
    title: &'static str,
    position: String,
}

pub struct CentreRow {
    id: DepartmentId,
    hospital: String,
    name: String,
    value: String,
}

#[derive(Template)]
#[template(path = "payroll/settings.html")]
struct SettingsPage {
    page: Page,
    region_code: u16,
    region_name: String,
    columns: Vec<ColumnRow>,
    wage_type: String,
    centres: Vec<CentreRow>,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct SettingsQuery {
    gemt: Option<String>,
}

/// The region's payroll settings: the file's columns and their order, the pool's wage type and
/// the departments' cost centres.
pub async fn settings(
    mut db: Db,
    user: CurrentUser,
    Path(code): Path<i64>,
    Query(q): Query<SettingsQuery>,
) -> PageResult<Response> {
    let code = admin_region(&user, code)?;
    let mut conn = db.conn().await?;
    let format = payroll::format(&mut conn, code).await?;
    let wage_type = payroll::wage_type(&mut conn, OK21, code).await?;
    let centres = payroll::department_cost_centres(&mut conn, code).await?;
    drop(conn);
    let columns = Column::ALL
        .iter()
        .map(|c| ColumnRow {
            key: c.key(),
            title: c.title(),
            position: format
                .iter()
                .position(|f| f == c)
                .map(|p| (p + 1).to_string())
                .unwrap_or_default(),
        })
        .collect();
    let centres = centres
        .into_iter()
        .map(|d| CentreRow {
            id: d.id,
            hospital: d.hospital,
            name: d.name,
            value: d.cost_centre,
        })
        .collect();
    settings_page(
        &user,
        code,
        columns,
        wage_type,
        centres,
        q.gemt.map(|_| "Indstillingerne er gemt.".to_string()),
        None,
    )
}

fn settings_page(
    user: &CurrentUser,
    code: RegionCode,
    columns: Vec<ColumnRow>,
    wage_type: String,
    centres: Vec<CentreRow>,
    notice: Option<String>,
    error: Option<String>,
) -> PageResult<Response> {
    let status = if error.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    let page = SettingsPage {
        page: Page::new(
            user,
            format!("Lønindstillinger – {}", code.name()),
            &format!("/regions/{code}"),
        )
        .with_notice(notice),
        region_code: code.code(),
        region_name: code.name().into(),
        columns,
        wage_type,
        centres,
        error,
    };
    Ok((status, Html(page.render()?)).into_response())
}

/// Reads the settings form: columns by their position (blank leaves a column out), the wage
/// type, and `centre_{id}` per department.
/// The settings form as typed.
struct TypedSettings {
    /// The column rows to show again.
    rows: Vec<ColumnRow>,
    /// The columns in order, or what is wrong with the positions.
    columns: Result<Vec<Column>, String>,
    wage_type: String,
    centres: Vec<(DepartmentId, String)>,
}

fn read_settings(form: &HashMap<String, String>) -> TypedSettings {
    let mut rows = Vec::new();
    let mut placed: Vec<(u32, Column)> = Vec::new();
    let mut error = None;
    for c in Column::ALL {
        let typed: String = form
            .get(&format!("col_{}", c.key()))
            .map(|v| v.trim().chars().take(10).collect())
            .unwrap_or_default();
        if !typed.is_empty() {
            match typed.parse::<u32>() {
                Ok(n) if (1..=Column::ALL.len() as u32).contains(&n) => placed.push((n, c)),
                _ => {
                    error.get_or_insert(format!(
                        "Placering for «{}»: skriv et tal fra 1 til {}, eller lad feltet stå tomt.",
                        c.title(),
                        Column::ALL.len()
                    ));
                }
            }
        }
        rows.push(ColumnRow {
            key: c.key(),
            title: c.title(),
            position: typed,
        });
    }
    placed.sort_by_key(|(n, _)| *n);
    if error.is_none() && placed.windows(2).any(|w| w[0].0 == w[1].0) {
        error = Some("To kolonner har samme placering; giv hver kolonne sit eget tal.".into());
    }
    if error.is_none() && placed.is_empty() {
        error = Some("Vælg mindst én kolonne til lønfilen.".into());
    }
    let columns = match error {
        Some(e) => Err(e),
        None => Ok(placed.into_iter().map(|(_, c)| c).collect()),
    };
    let wage_type = form
        .get("wage_type")
        .map(|v| v.chars().take(200).collect())
        .unwrap_or_default();
    let centres = form
        .iter()
        .filter_map(|(k, v)| {
            let id = k.strip_prefix("centre_")?.parse::<i64>().ok()?;
            Some((
                DepartmentId::new(id),
                v.chars().take(200).collect::<String>(),
            ))
        })
        .collect();
    TypedSettings {
        rows,
        columns,
        wage_type,
        centres,
    }
}

/// Saves the payroll settings in one transaction; a refusal shows the form again as typed.
pub async fn save_settings(
    mut db: Db,
    user: CurrentUser,
    Path(code): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult<Response> {
    let code = admin_region(&user, code)?;
    let TypedSettings {
        rows,
        columns,
        wage_type,
        centres,
    } = read_settings(&form);
    let mut conn = db.conn().await?;
    let departments = payroll::department_cost_centres(&mut conn, code).await?;
    drop(conn);
    let typed_centres: Vec<CentreRow> = departments
        .into_iter()
        .map(|d| CentreRow {
            value: centres
                .iter()
                .find(|(id, _)| *id == d.id)
                .map(|(_, v)| v.clone())
                .unwrap_or(d.cost_centre),
            id: d.id,
            hospital: d.hospital,
            name: d.name,
        })
        .collect();
    let columns = match columns {
        Ok(c) => c,
        Err(e) => return settings_page(&user, code, rows, wage_type, typed_centres, None, Some(e)),
    };
    let mut tx = db.begin().await?;
    let saved = async {
        payroll::set_settings(&mut tx, &user.actor(), OK21, code, &columns, &wage_type).await?;
        payroll::set_department_cost_centres(&mut tx, &user.actor(), code, &centres).await
    }
    .await;
    match saved {
        Ok(()) => {
            tx.commit().await?;
            Ok(Redirect::to(&format!("/regions/{code}/payments/settings?gemt=1")).into_response())
        }
        Err(pulje_store::StoreError::Refused(m)) => {
            drop(tx);
            settings_page(&user, code, rows, wage_type, typed_centres, None, Some(m))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "payroll/agreement.html")]
struct AgreementPage {
    page: Page,
    id: i64,
    title: String,
    doctor: String,
    employee_number: String,
    cost_centre: String,
    /// The day the agreement became active, in Danish, when known.
    activated: String,
    /// The agreement's months before its activation: how many and the first, in Danish.
    early_months: usize,
    early_from: String,
    backpay_reason: String,
    error: Option<String>,
}

/// An application of the administrator's own region (404 otherwise).
async fn own_agreement(
    db: &mut Db,
    user: &CurrentUser,
    id: i64,
) -> PageResult<pulje_store::applications::Application> {
    let mut conn = db.conn().await?;
    let app = pulje_store::applications::get(&mut conn, ApplicationId::new(id))
        .await?
        .ok_or(AppError::NotFound)?;
    if user.user.region != Some(app.region_code) {
        return Err(AppError::NotFound);
    }
    policy::require_post_payments(user, app.region_code)?;
    Ok(app)
}

/// What the agreement page shows and keeps: the payroll details and the back-pay reason.
struct AgreementInput {
    details: AgreementPayroll,
    backpay_reason: String,
}

async fn agreement_page(
    db: &mut Db,
    user: &CurrentUser,
    app: &pulje_store::applications::Application,
    input: AgreementInput,
    notice: Option<String>,
    error: Option<String>,
) -> PageResult<Response> {
    let early: Vec<String> = match app.activated_on {
        Some(day) => {
            let from = day.format("%Y-%m-01").to_string();
            let mut conn = db.conn().await?;
            pulje_store::money::agreement_months(&mut conn, app.id)
                .await?
                .into_iter()
                .map(|(month, _)| month)
                .filter(|month| *month < from)
                .collect()
        }
        None => Vec::new(),
    };
    let status = if error.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    let page = AgreementPage {
        page: Page::new(user, "Løn for aftalen", "/applications").with_notice(notice),
        id: app.id.get(),
        title: app.data.title().to_string(),
        doctor: app.data.responsible_doctor().to_string(),
        employee_number: input.details.employee_number,
        cost_centre: input.details.cost_centre,
        activated: app
            .activated_on
            .map(pulje_domain::date::format_date_da)
            .unwrap_or_default(),
        early_months: early.len(),
        early_from: early
            .first()
            .and_then(|m| pulje_domain::parse_date(m))
            .map(pulje_domain::date::month_da)
            .unwrap_or_default(),
        backpay_reason: input.backpay_reason,
        error,
    };
    Ok((status, Html(page.render()?)).into_response())
}

/// The agreement's employee number and cost centre, for the region administrator.
pub async fn agreement(
    mut db: Db,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<SettingsQuery>,
) -> PageResult<Response> {
    let app = own_agreement(&mut db, &user, id).await?;
    let mut conn = db.conn().await?;
    let details = payroll::agreement_payroll(&mut conn, app.id).await?;
    drop(conn);
    let input = AgreementInput {
        details,
        backpay_reason: app.backpay_reason.clone(),
    };
    agreement_page(
        &mut db,
        &user,
        &app,
        input,
        q.gemt.map(|_| "Lønoplysningerne er gemt.".to_string()),
        None,
    )
    .await
}

#[derive(Deserialize)]
pub struct AgreementForm {
    #[serde(default)]
    employee_number: String,
    #[serde(default)]
    cost_centre: String,
    #[serde(default)]
    backpay_reason: String,
}

/// Saves the agreement's employee number, cost centre and back-pay reason, audited, in one
/// transaction.
pub async fn save_agreement(
    mut db: Db,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<AgreementForm>,
) -> PageResult<Response> {
    let app = own_agreement(&mut db, &user, id).await?;
    let details = AgreementPayroll {
        employee_number: form.employee_number.chars().take(200).collect(),
        cost_centre: form.cost_centre.chars().take(200).collect(),
    };
    let backpay_reason: String = form.backpay_reason.chars().take(4000).collect();
    let mut tx = db.begin().await?;
    let saved = async {
        payroll::set_agreement_payroll(&mut tx, &user.actor(), app.id, app.region_code, &details)
            .await?;
        pulje_store::money::set_backpay_reason(&mut tx, &user.actor(), app.id, &backpay_reason)
            .await?;
        Ok::<(), pulje_store::StoreError>(())
    }
    .await;
    match saved {
        Ok(()) => {
            tx.commit().await?;
            Ok(Redirect::to(&format!("/applications/{id}/payroll?gemt=1")).into_response())
        }
        Err(pulje_store::StoreError::Refused(m)) => {
            drop(tx);
            let input = AgreementInput {
                details,
                backpay_reason,
            };
            agreement_page(&mut db, &user, &app, input, None, Some(m)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The old payroll CSV's address: the batches replaced it.
pub async fn old_csv(user: CurrentUser, Path(code): Path<i64>) -> PageResult<Response> {
    let code = crate::error::region(code)?;
    policy::require_payments_view(&user, code)?;
    Ok(Redirect::permanent(&format!("/regions/{code}/payments")).into_response())
}
