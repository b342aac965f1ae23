//! The programme overview: tranches and the regions' pools.

use crate::auth::CurrentUser;
use crate::error::PageResult;
use crate::views::{self, Page};
use crate::Db;
use askama::Template;
use axum::extract::Path;
use axum::response::Html;
use pulje_store::programmes;

pub struct ProgrammeRow {
    id: String,
    name: String,
    window: String,
}

#[derive(Template)]
#[template(path = "programmes/list.html")]
struct ListPage {
    page: Page,
    programmes: Vec<ProgrammeRow>,
}

pub async fn list(mut db: Db, user: CurrentUser) -> PageResult<Html<String>> {
    let mut conn = db.conn().await?;
    let programmes = programmes::programmes(&mut conn)
        .await?
        .into_iter()
        .map(|p| ProgrammeRow {
            window: format!(
                "{} – {}",
                views::date_da(p.window_start),
                views::date_da(p.window_end)
            ),
            id: p.id,
            name: p.name,
        })
        .collect();
    Ok(Html(
        ListPage {
            page: Page::new(&user, "Programmer", "/programmes"),
            programmes,
        }
        .render()?,
    ))
}

pub struct TrancheRow {
    name: String,
    period: String,
    national: String,
    regional_sum: String,
}

pub struct PoolRow {
    region_code: i64,
    region: String,
    amounts: Vec<String>,
    total: String,
}

#[derive(Template)]
#[template(path = "programmes/show.html")]
struct ShowPage {
    page: Page,
    name: String,
    description: String,
    window: String,
    tranches: Vec<TrancheRow>,
    tranche_names: Vec<String>,
    pools: Vec<PoolRow>,
    grand_total: String,
}

pub async fn show(
    mut db: Db,
    user: CurrentUser,
    Path(id): Path<String>,
) -> PageResult<Html<String>> {
    let mut conn = db.conn().await?;
    let p = programmes::get(&mut conn, &id)
        .await?
        .ok_or(crate::error::AppError::NotFound)?;
    let tranches = programmes::tranches(&mut conn, &id).await?;
    let pools = programmes::pools(&mut conn, &id, None).await?;
    let tranche_rows = tranches
        .iter()
        .map(|t| TrancheRow {
            name: t.name.clone(),
            period: format!(
                "{} – {}",
                views::date_da(t.period_start),
                views::date_da(t.period_end)
            ),
            national: views::kr(t.national_amount_ore),
            regional_sum: views::kr(
                pools
                    .iter()
                    .filter(|p| p.tranche_id == t.id)
                    .map(|p| p.amount_ore)
                    .sum(),
            ),
        })
        .collect();
    let pool_rows = pulje_domain::RegionCode::all()
        .map(|r| {
            let code = i64::from(r.code());
            let amounts: Vec<i64> = tranches
                .iter()
                .map(|t| {
                    pools
                        .iter()
                        .find(|p| p.tranche_id == t.id && p.region_code == code)
                        .map(|p| p.amount_ore)
                        .unwrap_or(0)
                })
                .collect();
            PoolRow {
                region_code: code,
                region: r.name().into(),
                total: views::kr(amounts.iter().sum()),
                amounts: amounts.into_iter().map(views::kr).collect(),
            }
        })
        .collect();
    let page = ShowPage {
        page: Page::new(&user, p.name.clone(), "/programmes"),
        name: p.name,
        description: p.description,
        window: format!(
            "{} – {}",
            views::date_da(p.window_start),
            views::date_da(p.window_end)
        ),
        tranches: tranche_rows,
        tranche_names: tranches.iter().map(|t| t.name.clone()).collect(),
        pools: pool_rows,
        grand_total: views::kr(pools.iter().map(|p| p.amount_ore).sum()),
    };
    Ok(Html(page.render()?))
}
