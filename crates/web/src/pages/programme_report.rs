//! A region's report on a programme defined as data (`/programmes/{id}/rapport/{region}`): the
//! region's figures — applications by state, granted and paid, what each funder has paid — and
//! the text the region's administrator writes under each section the definition's report names.
//! Read by the region's people and the national roles; written by the region's administrator.

use crate::auth::{policy, CurrentUser};
use crate::error::{AppError, PageResult};
use crate::extract::Form;
use crate::views::{self, Page};
use crate::Db;
use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use pulje_domain::programme::Definition;
use pulje_domain::{Ore, RegionCode};
use pulje_store::{definitions, programme_applications, programme_reports};
use std::collections::BTreeMap;

/// The longest text one section takes, in characters.
const SECTION_MAX: usize = 20_000;

pub struct SectionView {
    id: String,
    title: String,
    help: String,
    text: String,
    error: String,
}

#[derive(Template)]
#[template(path = "programmes/report.html")]
struct ReportPage {
    page: Page,
    programme_id: String,
    programme: String,
    region: String,
    region_code: i64,
    states: Vec<(String, i64)>,
    granted: String,
    paid: String,
    by_funder: Vec<(String, String)>,
    sections: Vec<SectionView>,
    can_edit: bool,
}

async fn load(
    db: &mut Db,
    user: &CurrentUser,
    id: &str,
    code: i64,
) -> PageResult<(Definition, RegionCode)> {
    let region = RegionCode::new(code).ok_or(AppError::NotFound)?;
    policy::require_report_view(user, region)?;
    let mut conn = db.conn().await?;
    let def = definitions::latest(&mut conn, id)
        .await?
        .filter(|d| pulje_app::programme_applications::is_defined(&d.id) && !d.report.is_empty())
        .ok_or(AppError::NotFound)?;
    Ok((def, region))
}

async fn render(
    db: &mut Db,
    user: &CurrentUser,
    def: &Definition,
    region: RegionCode,
    typed: Option<&BTreeMap<String, String>>,
    errors: &BTreeMap<String, String>,
    notice: Option<String>,
) -> PageResult<String> {
    let mut conn = db.conn().await?;
    let stored = programme_reports::texts(&mut conn, &def.id, region).await?;
    let states = programme_reports::count_by_state(&mut conn, &def.id, region)
        .await?
        .into_iter()
        .map(|(state, n)| (def.state_da(&state), n))
        .collect();
    let money = programme_applications::granted_and_paid(&mut conn, &def.id, Some(region)).await?;
    let total = |f: fn(&(i64, Ore, Ore)) -> Ore| views::total(money.iter().map(f));
    let granted = views::kr(total(|m| m.1)?);
    let paid = views::kr(total(|m| m.2)?);
    let by_funder = programme_applications::paid_by_funder(&mut conn, &def.id, Some(region))
        .await?
        .into_iter()
        .map(|(f, a)| (f, views::kr(a)))
        .collect();
    let texts = typed.unwrap_or(&stored.sections);
    let sections = def
        .report
        .iter()
        .map(|s| SectionView {
            id: s.id.clone(),
            title: s.title.clone(),
            help: s.help.clone(),
            text: texts.get(&s.id).cloned().unwrap_or_default(),
            error: errors.get(&s.id).cloned().unwrap_or_default(),
        })
        .collect();
    let page = ReportPage {
        page: Page::new(user, format!("Rapport: {}", def.name), "/programmes").with_notice(notice),
        programme_id: def.id.clone(),
        programme: def.name.clone(),
        region: region.name().to_string(),
        region_code: region.get(),
        states,
        granted,
        paid,
        by_funder,
        sections,
        can_edit: policy::can_edit_report(user, region),
    };
    Ok(page.render()?)
}

#[derive(serde::Deserialize, Default)]
pub struct ShowQuery {
    gemt: Option<String>,
}

/// `GET /programmes/{id}/rapport/{region}`.
pub async fn show(
    mut db: Db,
    user: CurrentUser,
    Path((id, code)): Path<(String, i64)>,
    Query(q): Query<ShowQuery>,
) -> PageResult<Html<String>> {
    let (def, region) = load(&mut db, &user, &id, code).await?;
    let notice = q.gemt.map(|_| "Rapporten er gemt.".to_string());
    Ok(Html(
        render(&mut db, &user, &def, region, None, &BTreeMap::new(), notice).await?,
    ))
}

/// `POST /programmes/{id}/rapport/{region}`: the region's administrator saves the sections.
pub async fn save(
    mut db: Db,
    user: CurrentUser,
    Path((id, code)): Path<(String, i64)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    let (def, region) = load(&mut db, &user, &id, code).await?;
    policy::require_report_edit(&user, region)?;
    let typed: BTreeMap<String, String> = def
        .report
        .iter()
        .map(|s| {
            let text = pairs
                .iter()
                .find(|(k, _)| *k == format!("section.{}", s.id))
                .map(|(_, v)| v.replace("\r\n", "\n"))
                .unwrap_or_default();
            (s.id.clone(), text)
        })
        .collect();
    let mut errors = BTreeMap::new();
    for s in &def.report {
        let n = typed.get(&s.id).map_or(0, |t| t.chars().count());
        if n > SECTION_MAX {
            errors.insert(
                s.id.clone(),
                format!(
                    "«{}» må højst være {SECTION_MAX} tegn (der er {n}).",
                    s.title
                ),
            );
        }
        if typed.get(&s.id).is_some_and(|t| t.contains('\0')) {
            errors.insert(
                s.id.clone(),
                format!("«{}» indeholder et tegn, der ikke kan gemmes.", s.title),
            );
        }
    }
    if !errors.is_empty() {
        let html = render(&mut db, &user, &def, region, Some(&typed), &errors, None).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
    }
    let mut tx = db.begin().await?;
    programme_reports::save(&mut tx, &user.actor(), &def.id, region, &typed).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!(
        "/programmes/{}/rapport/{}?gemt=1",
        def.id,
        region.get()
    ))
    .into_response())
}
