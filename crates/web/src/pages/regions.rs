//! The region dashboard: the pool per tranche, rounds, and counts by status, area and hospital.

use crate::auth::policy::Scope;
use crate::auth::CurrentUser;
use crate::error::{AppError, PageResult};
use crate::views::{self, Page};
use crate::AppState;
use crate::Db;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;
use pulje_domain::{ApplicationStatus, RegionCode};
use pulje_store::applications;
use pulje_store::reference::OK21;

pub struct PoolRow {
    tranche: String,
    period: String,
    amount: String,
    committed: String,
    paid: String,
    remaining: String,
}

pub struct RoundRow {
    id: i64,
    name: String,
    opens: String,
    deadline: String,
    state: &'static str,
}

pub struct CountRow {
    label: String,
    count: i64,
    href: String,
}

#[derive(Template)]
#[template(path = "regions/dashboard.html")]
struct Dashboard {
    page: Page,
    region_name: String,
    programme_name: String,
    pools: Vec<PoolRow>,
    pool_total: String,
    chart: String,
    region_code: RegionCode,
    can_see_payments: bool,
    /// The region's administrator: evaluations owed, historic trials, imports, the report.
    is_region_admin: bool,
    rounds: Vec<RoundRow>,
    by_status: Vec<CountRow>,
    by_area: Vec<CountRow>,
    by_hospital: Vec<CountRow>,
    total: i64,
}

pub async fn dashboard(
    State(state): State<AppState>,
    mut db: Db,
    user: CurrentUser,
    Path(code): Path<i64>,
) -> PageResult<Html<String>> {
    let code = crate::error::region(code)?;
    let region = code;
    let region_code = Scope::of(&user)
        .narrow(Some(code))?
        .ok_or(AppError::NotFound)?;
    let figures = state
        .caches
        .dashboard(&mut db, user.versions.as_ref(), OK21, region_code)
        .await?;
    let today = chrono::Utc::now().date_naive();
    let status = &figures.pools;

    // An applicant's counts cover their own applications only, like their list, and the area
    // and hospital counts are not shown to them.
    let own = crate::auth::policy::own_only(&user);
    let (by_status, by_area, by_hospital) = match own {
        Some(own) => {
            let mut conn = db.conn().await?;
            let filter = applications::ListFilter {
                region_code: Some(region_code),
                own_user: Some(own),
                ..Default::default()
            };
            let mut counts = Vec::new();
            for s in ApplicationStatus::ALL {
                let (_, n) = applications::list(
                    &mut conn,
                    &applications::ListFilter {
                        status: Some(s),
                        ..filter.clone()
                    },
                    1,
                    1,
                )
                .await?;
                if n > 0 {
                    counts.push(applications::Count {
                        key: s.as_str().into(),
                        count: n,
                    });
                }
            }
            (counts, Vec::new(), Vec::new())
        }
        None => (
            figures.by_status.clone(),
            figures.by_area.clone(),
            figures.by_hospital.clone(),
        ),
    };
    let total = by_status.iter().map(|c| c.count).sum();

    let page = Dashboard {
        page: Page::new(
            &user,
            format!("{} – overblik", region.name()),
            &format!("/regions/{code}"),
        ),
        region_name: region.name().into(),
        programme_name: figures.programme_name.clone(),
        pool_total: views::kr(views::total(status.iter().map(|p| p.amount_ore))?),
        chart: views::chart::bars(
            &format!("{}: pulje, disponeret og udbetalt pr. pulje", region.name()),
            &[
                views::chart::Series {
                    name: "Pulje",
                    colour: "#0b5cad",
                },
                views::chart::Series {
                    name: "Disponeret",
                    colour: "#c26d00",
                },
                views::chart::Series {
                    name: "Udbetalt",
                    colour: "#17692f",
                },
            ],
            &status
                .iter()
                .map(|p| views::chart::Group {
                    label: p.name.clone(),
                    values: vec![p.amount_ore.ore(), p.committed_ore.ore(), p.paid_ore.ore()],
                })
                .collect::<Vec<_>>(),
            |ore| views::kr(pulje_domain::Ore::from_ore(ore)),
        ),
        region_code,
        can_see_payments: crate::auth::policy::require_payments_view(&user, region_code).is_ok(),
        is_region_admin: crate::auth::policy::require_admin_of(&user, region_code).is_ok(),
        pools: status
            .iter()
            .map(|p| PoolRow {
                tranche: p.name.clone(),
                period: format!(
                    "{} – {}",
                    views::date_da(p.period_start),
                    views::date_da(p.period_end)
                ),
                amount: views::kr(p.amount_ore),
                committed: views::kr(p.committed_ore),
                paid: views::kr(p.paid_ore),
                remaining: views::kr(p.remaining_ore),
            })
            .collect(),
        rounds: figures
            .rounds
            .iter()
            .map(|r| RoundRow {
                id: i64::from(r.id),
                state: if today < r.opens_on {
                    "Ikke åbnet"
                } else if today <= r.deadline {
                    "Åben"
                } else {
                    "Lukket"
                },
                name: r.name.clone(),
                opens: views::date_da(r.opens_on),
                deadline: views::date_da(r.deadline),
            })
            .collect(),
        by_status: by_status
            .into_iter()
            .map(|c| CountRow {
                label: ApplicationStatus::parse(&c.key)
                    .map(|s| s.label_da().to_string())
                    .unwrap_or(c.key.clone()),
                href: format!("/applications?status={}", c.key),
                count: c.count,
            })
            .collect(),
        by_area: by_area
            .into_iter()
            .map(|c| CountRow {
                label: c.key,
                count: c.count,
                href: String::new(),
            })
            .collect(),
        by_hospital: by_hospital
            .into_iter()
            .map(|c| CountRow {
                label: c.key,
                count: c.count,
                href: String::new(),
            })
            .collect(),
        total,
    };
    Ok(Html(page.render()?))
}
