//! A region's payments: its payroll batches (see [`super::payroll`]) and the end-of-programme
//! statement per region and tranche.

use crate::auth::policy::{self, Scope};
use crate::auth::CurrentUser;
use crate::error::{AppError, PageResult};
use crate::views::{self, Page};
use crate::Db;
use askama::Template;
use axum::extract::{Path, Query};
use axum::response::{Html, IntoResponse, Response};
use pulje_domain::figures::Figure;
use pulje_domain::{Ore, RegionCode};
use pulje_store::reference::OK21;
use pulje_store::{money, payroll};
use serde::Deserialize;

pub struct BatchRow {
    id: pulje_domain::PayrollBatchId,
    up_to: String,
    created: String,
    sent: Option<String>,
    lines: i64,
    total: String,
}

#[derive(Template)]
#[template(path = "payments.html")]
struct PaymentsPage {
    page: Page,
    region_code: u16,
    region_name: String,
    batches: Vec<BatchRow>,
    can_post: bool,
    up_to: String,
    /// Agreements whose months before their activation wait for a back-pay reason.
    held_back: Vec<HeldBackRow>,
    error: Option<String>,
}

pub struct HeldBackRow {
    id: i64,
    title: String,
    activated: String,
    months: i64,
    amount: String,
}

#[derive(Deserialize)]
pub struct PaymentsQuery {
    /// The batch just discarded.
    kasseret: Option<i64>,
}

/// The payments page: the region's payroll batches, and for its administrator the form that
/// creates the next one. `error` and `typed` re-show a refused form.
pub(super) async fn page(
    db: &mut Db,
    user: &CurrentUser,
    code: RegionCode,
    notice: Option<String>,
    error: Option<String>,
    typed: &str,
) -> PageResult<Response> {
    policy::require_payments_view(user, code)?;
    let mut conn = db.conn().await?;
    let batches = payroll::batches(&mut conn, OK21, code).await?;
    let today = pulje_domain::date::today_in_denmark();
    let held_back = money::held_back(&mut conn, OK21, code, today).await?;
    let status = if error.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    let page = PaymentsPage {
        page: Page::new(
            user,
            format!("Udbetalinger – {}", code.name()),
            &format!("/regions/{code}"),
        )
        .with_notice(notice),
        region_code: code.code(),
        region_name: code.name().into(),
        batches: batches
            .into_iter()
            .map(|b| BatchRow {
                id: b.id,
                up_to: views::date_da(b.up_to),
                created: views::timestamp_da(&b.created_at),
                sent: b.sent_at.as_deref().map(views::timestamp_da),
                lines: b.lines,
                total: views::kr(Ore::from_ore(b.total_ore)),
            })
            .collect(),
        can_post: policy::can_post_payments(user, code),
        held_back: held_back
            .into_iter()
            .map(|h| HeldBackRow {
                id: h.application_id.get(),
                title: h.title,
                activated: views::date_da(h.activated_on),
                months: h.months,
                amount: views::kr(h.amount),
            })
            .collect(),
        up_to: if typed.is_empty() {
            today.to_string()
        } else {
            typed.to_string()
        },
        error,
    };
    Ok((status, Html(page.render()?)).into_response())
}

pub async fn show(
    mut db: Db,
    user: CurrentUser,
    Path(code): Path<i64>,
    Query(q): Query<PaymentsQuery>,
) -> PageResult<Response> {
    let code = crate::error::region(code)?;
    let notice = q
        .kasseret
        .map(|id| format!("Lønkørsel {id} er kasseret; dens posteringer kommer med i næste."));
    page(&mut db, &user, code, notice, None, "").await
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
    /// The four figures' titles and what each is (`pulje_domain::figures`).
    figures: Vec<(&'static str, &'static str)>,
}

/// The end-of-programme statement: per region and tranche the four figures of
/// `pulje_domain::figures` (bevilget, disponeret, udbetalt, ubrugt = bevilget − disponeret), with
/// their definitions beside them. Regional users see their own region.
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
                unused: views::kr(views::unused(t.amount_ore, t.committed_ore)?),
            });
        }
    }
    let totals = StatementRow {
        region: "I alt".into(),
        tranche: String::new(),
        allocated: views::kr(a),
        committed: views::kr(c),
        paid: views::kr(p),
        unused: views::kr(views::unused(a, c)?),
    };
    Ok(Html(
        StatementPage {
            page: Page::new(&user, "Slutopgørelse", "/programmes"),
            programme_name: programme.name,
            rows,
            totals,
            figures: Figure::ALL
                .iter()
                .map(|f| (f.label_da(), f.definition_da()))
                .collect(),
        }
        .render()?,
    ))
}
