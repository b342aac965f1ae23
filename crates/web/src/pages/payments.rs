//! A region's payments: monthly postings for payroll (generated up to a date, exported as CSV)
//! and the end-of-programme statement per region and tranche.

use crate::auth::policy::{self, Scope};
use crate::auth::CurrentUser;
use crate::error::{AppError, PageResult};
use crate::extract::Form;
use crate::views::{self, Page};
use crate::Db;
use askama::Template;
use axum::extract::{Path, Query};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use pulje_domain::{Ore, RegionCode};
use pulje_store::money;
use pulje_store::reference::OK21;
use serde::Deserialize;

fn region_for(user: &CurrentUser, code: RegionCode) -> PageResult<RegionCode> {
    policy::require_payments_view(user, code)?;
    Ok(code)
}

pub struct PostingRow {
    month: String,
    application_id: i64,
    title: String,
    doctor: String,
    amount: String,
}

#[derive(Template)]
#[template(path = "payments.html")]
struct PaymentsPage {
    page: Page,
    region_code: u16,
    region_name: String,
    rows: Vec<PostingRow>,
    total: String,
    can_post: bool,
    up_to: String,
}

#[derive(Deserialize)]
pub struct PaymentsQuery {
    oprettet: Option<u64>,
}

pub async fn show(
    mut db: Db,
    user: CurrentUser,
    Path(code): Path<i64>,
    Query(q): Query<PaymentsQuery>,
) -> PageResult<Html<String>> {
    let code = crate::error::region(code)?;
    let region = region_for(&user, code)?;
    let mut conn = db.conn().await?;
    let postings = money::postings(&mut conn, OK21, code).await?;
    let total = views::total(postings.iter().map(|p| p.amount_ore))?;
    let page = PaymentsPage {
        page: Page::new(
            &user,
            format!("Udbetalinger – {}", region.name()),
            &format!("/regions/{code}"),
        )
        .with_notice(
            q.oprettet
                .map(|n| format!("{n} nye posteringer er dannet.")),
        ),
        region_code: region.code(),
        region_name: region.name().into(),
        rows: postings
            .into_iter()
            .map(|p| PostingRow {
                month: p.month[..7].to_string(),
                application_id: p.application_id,
                title: p.title,
                doctor: p.responsible_doctor,
                amount: views::kr(p.amount_ore),
            })
            .collect(),
        total: views::kr(total),
        can_post: policy::can_post_payments(&user, code),
        up_to: chrono::Utc::now().date_naive().to_string(),
    };
    Ok(Html(page.render()?))
}

#[derive(Deserialize)]
pub struct GenerateForm {
    #[serde(default)]
    up_to: String,
}

/// Generates the postings of every active agreement up to a date (region administrators).
pub async fn generate(
    mut db: Db,
    user: CurrentUser,
    Path(code): Path<i64>,
    Form(form): Form<GenerateForm>,
) -> PageResult<Response> {
    let code = crate::error::region(code)?;
    policy::require_post_payments(&user, code)?;
    let up_to = pulje_domain::parse_date(&form.up_to).ok_or_else(|| {
        AppError::Invalid(format!(
            "Datoen «{}» er ikke en gyldig dato.",
            form.up_to.trim()
        ))
    })?;
    let mut tx = db.begin().await?;
    let n = money::generate_postings(&mut tx, &user.actor(), OK21, code, up_to).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/regions/{code}/payments?oprettet={n}")).into_response())
}

/// The postings as CSV for payroll: semicolon-separated, UTF-8 with BOM, amounts in kroner with
/// decimal comma and in øre.
pub async fn csv(mut db: Db, user: CurrentUser, Path(code): Path<i64>) -> PageResult<Response> {
    let code = crate::error::region(code)?;
    region_for(&user, code)?;
    let mut conn = db.conn().await?;
    let postings = money::postings(&mut conn, OK21, code).await?;
    let mut out =
        String::from("\u{feff}måned;ansøgning;titel;afdelingslæge;beløb_kr;beløb_øre\r\n");
    for p in postings {
        let field = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
        let ore = p.amount_ore.ore();
        let kr_text = format!("{},{:02}", ore / 100, (ore % 100).abs());
        out.push_str(&format!(
            "{};{};{};{};{};{}\r\n",
            &p.month[..7],
            p.application_id,
            field(&p.title),
            field(&p.responsible_doctor),
            kr_text,
            ore
        ));
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"posteringer-{code}.csv\""),
            ),
        ],
        out,
    )
        .into_response())
}

pub struct StatementRow {
    region: String,
    tranche: String,
    allocated: String,
    committed: String,
    paid: String,
    unused: String,
}

#[derive(Template)]
#[template(path = "statement.html")]
struct StatementPage {
    page: Page,
    programme_name: String,
    rows: Vec<StatementRow>,
    totals: StatementRow,
}

/// The end-of-programme statement: per region and tranche, allocated, committed, paid and
/// unused (allocated − paid) one-off funds. Regional users see their own region.
pub async fn statement(
    mut db: Db,
    user: CurrentUser,
    Path(id): Path<String>,
) -> PageResult<Html<String>> {
    let mut conn = db.conn().await?;
    let programme = pulje_store::programmes::get(&mut conn, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let regions: Vec<RegionCode> = match Scope::of(&user) {
        Scope::All => RegionCode::all().collect(),
        Scope::Region(code) => vec![code],
        Scope::Nowhere => Vec::new(),
    };
    let mut rows = Vec::new();
    let (mut a, mut c, mut p) = (Ore::ZERO, Ore::ZERO, Ore::ZERO);
    for r in regions {
        for t in money::pool_status(&mut conn, &id, r).await? {
            a = views::plus(a, t.amount_ore)?;
            c = views::plus(c, t.committed_ore)?;
            p = views::plus(p, t.paid_ore)?;
            rows.push(StatementRow {
                region: r.name().into(),
                tranche: t.name,
                allocated: views::kr(t.amount_ore),
                committed: views::kr(t.committed_ore),
                paid: views::kr(t.paid_ore),
                unused: views::kr(views::minus(t.amount_ore, t.paid_ore)?),
            });
        }
    }
    let totals = StatementRow {
        region: "I alt".into(),
        tranche: String::new(),
        allocated: views::kr(a),
        committed: views::kr(c),
        paid: views::kr(p),
        unused: views::kr(views::minus(a, p)?),
    };
    Ok(Html(
        StatementPage {
            page: Page::new(&user, "Slutopgørelse", "/programmes"),
            programme_name: programme.name,
            rows,
            totals,
        }
        .render()?,
    ))
}
