//! `/idekatalog`: the idea catalogue of approved trials for every logged-in user, with Danish
//! full-text search (see `pulje_store::search`) and filters, paged.

use crate::auth::CurrentUser;
use crate::error::PageResult;
use crate::views::{Choice, Page, Pager};
use crate::AppState;
use crate::Db;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Html;
use pulje_app::applications::opt_id;
use pulje_app::catalogue::{non_empty, search, CatalogueQuery};
use pulje_domain::evaluation::CareerTrack;
use pulje_store::catalogue::Entry;
use std::collections::BTreeSet;

pub struct Card {
    title: String,
    purpose: String,
    areas: String,
    track: String,
    region: String,
    hospital: String,
    department: String,
    specialty: String,
    contact_name: String,
    contact_email: String,
    historic: bool,
}

#[derive(Template)]
#[template(path = "catalogue/list.html")]
struct CataloguePage {
    page: Page,
    q: String,
    cards: Vec<Card>,
    total: usize,
    pager: Pager,
    areas: Vec<Choice>,
    tracks: Vec<Choice>,
    hospitals: Vec<Choice>,
    specialties: Vec<Choice>,
}

fn choices(values: BTreeSet<String>, current: &Option<String>) -> Vec<Choice> {
    std::iter::once(Choice::new("", "Alle", current.is_none()))
        .chain(values.into_iter().map(|v| {
            let selected = current.as_deref() == Some(v.as_str());
            Choice::new(&v, v.clone(), selected)
        }))
        .collect()
}

pub async fn list(
    State(state): State<AppState>,
    mut db: Db,
    user: CurrentUser,
    Query(q): Query<CatalogueQuery>,
) -> PageResult<Html<String>> {
    let mut conn = db.conn().await?;
    let (all, matching) = search(&mut conn, &user, &q).await?;
    let filter = q.filter();
    let per_page = state.config.page_size.max(1);
    let page_no = opt_id(&q.page).unwrap_or(1).max(1);
    let total = matching.len();
    let pager_query: Vec<(&str, String)> = [
        ("q", &q.q),
        ("area", &q.area),
        ("track", &q.track),
        ("hospital", &q.hospital),
        ("specialty", &q.specialty),
    ]
    .into_iter()
    .filter_map(|(k, v)| non_empty(v).map(|v| (k, v)))
    .collect();
    let pager = Pager::new(
        page_no,
        per_page,
        total as i64,
        &serde_urlencoded::to_string(&pager_query).unwrap_or_default(),
    );
    let skip = usize::try_from((pager.page - 1).saturating_mul(per_page)).unwrap_or(usize::MAX);
    let cards = matching
        .into_iter()
        .skip(skip)
        .take(usize::try_from(per_page).unwrap_or(25))
        .map(|e| Card {
            historic: e.kind == "historic",
            title: e.title,
            purpose: e.purpose,
            areas: e.areas.join(", "),
            track: e
                .career_track
                .map(|t| t.label_da().to_string())
                .unwrap_or_default(),
            region: Some(e.region_code)
                .map(|r| r.name())
                .unwrap_or("")
                .to_string(),
            hospital: e.hospital,
            department: e.department,
            specialty: e.specialty,
            contact_name: e.contact_name,
            contact_email: e.contact_email,
        })
        .collect();
    let set = |f: &dyn Fn(&Entry) -> Vec<String>| -> BTreeSet<String> {
        all.iter().flat_map(f).filter(|s| !s.is_empty()).collect()
    };
    let page =
        CataloguePage {
            page: Page::new(&user, "Idékatalog", "/idekatalog"),
            q: q.q.clone().unwrap_or_default(),
            cards,
            total,
            pager,
            areas: choices(set(&|e| e.areas.clone()), &filter.area),
            tracks: std::iter::once(Choice::new("", "Alle", filter.career_track.is_none()))
                .chain(CareerTrack::ALL.iter().map(|t| {
                    Choice::new(t.as_str(), t.label_da(), filter.career_track == Some(*t))
                }))
                .collect(),
            hospitals: choices(set(&|e| vec![e.hospital.clone()]), &filter.hospital),
            specialties: choices(set(&|e| vec![e.specialty.clone()]), &filter.specialty),
        };
    Ok(Html(page.render()?))
}
