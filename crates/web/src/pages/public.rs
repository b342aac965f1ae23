//! `/program/{id}`: a programme described for anyone, without login — what it is, the open
//! application rounds and their deadlines per region, how to apply. Shows no applications,
//! names or money of individual trials.

use crate::auth::MaybeUser;
use crate::error::PageResult;
use crate::views::{self, Page};
use crate::Db;
use askama::Template;
use axum::extract::Path;
use axum::response::Html;
use pulje_domain::RegionCode;
use pulje_store::programmes;

pub struct RoundRow {
    name: String,
    opens: String,
    deadline: String,
    open_now: bool,
}

pub struct RegionRounds {
    region: String,
    rounds: Vec<RoundRow>,
}

#[derive(Template)]
#[template(path = "public/programme.html")]
struct ProgrammePage {
    page: Page,
    logged_in: bool,
    name: String,
    /// The programme's own description, a paragraph per entry.
    description: Vec<String>,
    /// The OK21 programme's money and purpose, told in more detail.
    is_ok21: bool,
    regions: Vec<RegionRounds>,
    /// The programme's id, for the open data's addresses, when it has awarded grants.
    open_data: Option<String>,
}

pub async fn show(
    mut db: Db,
    MaybeUser(user): MaybeUser,
    Path(id): Path<String>,
) -> PageResult<Html<String>> {
    let mut conn = db.conn().await?;
    let programme = programmes::get(&mut conn, &id)
        .await?
        .ok_or(crate::error::AppError::NotFound)?;
    let today = chrono::Utc::now().date_naive();
    let rounds = programmes::rounds(&mut conn, Some(&programme.id), None).await?;
    let regions = RegionCode::all()
        .filter_map(|r| {
            let code = r;
            let mut rows: Vec<_> = rounds
                .iter()
                .filter(|x| x.region_code == code && x.deadline >= today)
                .collect();
            rows.sort_by_key(|x| x.deadline);
            (!rows.is_empty()).then(|| RegionRounds {
                region: r.name().to_string(),
                rounds: rows
                    .into_iter()
                    .map(|x| RoundRow {
                        name: x.name.clone(),
                        opens: views::date_da(x.opens_on),
                        deadline: views::date_da(x.deadline),
                        open_now: x.opens_on <= today,
                    })
                    .collect(),
            })
        })
        .collect();
    let open_data = pulje_store::open_data::any_awarded(&mut conn, &programme.id)
        .await?
        .then(|| programme.id.clone());
    let page = match &user {
        Some(u) => Page::new(u, &programme.name, "/program"),
        None => Page::anonymous(&programme.name, String::new()),
    };
    Ok(Html(
        ProgrammePage {
            page,
            logged_in: user.is_some(),
            description: programme
                .description
                .split("\n\n")
                .map(|p| p.trim().to_string())
                .filter(|p| !p.is_empty())
                .collect(),
            is_ok21: programme.id == pulje_store::reference::OK21,
            name: programme.name,
            regions,
            open_data,
        }
        .render()?,
    ))
}
