//! The programme overview: tranches and the regions' pools.

use crate::auth::CurrentUser;
use crate::error::{AppError, PageResult};
use crate::extract::Form;
use crate::views::{self, Page};
use crate::Db;
use askama::Template;
use axum::extract::{Path, Query};
use axum::http::header;
use axum::response::Redirect;
use axum::response::{Html, IntoResponse, Response};
use pulje_app::policy;
use pulje_app::programme_applications as uses;
use pulje_domain::programme::Definition;
use pulje_domain::{Ore, RegionCode};
use pulje_store::{definitions, programmes};

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
    /// Said in words where the regions' shares, as published, do not add up to the amount.
    difference: Option<String>,
}

/// Where the regions' shares of a tranche, as published, do not add up to its amount: the
/// difference in words, so two unexplained totals never stand side by side.
fn shares_difference(tranche: &str, amount: Ore, shares_sum: Ore, shares: usize) -> Option<String> {
    if shares == 0 || shares_sum == amount {
        return None;
    }
    let more = shares_sum.ore() > amount.ore();
    let difference = if more {
        shares_sum.checked_sub(amount)?
    } else {
        amount.checked_sub(shares_sum)?
    };
    Some(format!(
        "{tranche}: regionernes andele er gengivet, som de blev aftalt og offentliggjort, og de \
         summer til {}, {} {} end puljens samlede beløb på {}.",
        views::kr(shares_sum),
        views::kr(difference),
        if more { "mere" } else { "mindre" },
        views::kr(amount),
    ))
}

/// Granted and paid of a programme defined as data, per tranche.
pub struct MoneyRow {
    name: String,
    amount: String,
    granted: String,
    paid: String,
    /// What is left to grant; only where the figures are the whole programme's.
    left: Option<String>,
}

pub struct PoolRow {
    region_code: RegionCode,
    region: String,
    amounts: Vec<String>,
    total: String,
}

#[derive(Template)]
#[template(path = "programmes/show.html")]
struct ShowPage {
    page: Page,
    id: String,
    name: String,
    description: String,
    window: String,
    tranches: Vec<TrancheRow>,
    tranche_names: Vec<String>,
    pools: Vec<PoolRow>,
    grand_total: String,
    /// How the programme is built, from its newest definition.
    definition: Option<DefinitionView>,
    /// Whether the user may apply on the programme's own form (a programme defined as data).
    may_apply: bool,
    /// Why the programme takes no more applications: its window has closed.
    closed: Option<String>,
    /// The bodies of a programme defined as data and who sits in them.
    bodies: Vec<BodySeats>,
    /// Whether the user seats people in the bodies (the system administrator).
    can_seat: bool,
    /// What each funder has borne of the instalments paid (in the user's region, or all).
    paid_by_funder: Vec<(String, String)>,
    /// Links to the regions' reports the user may read: (region code, name).
    reports: Vec<(i64, String)>,
    /// Whether the programme's money is split into the regions' pools.
    has_pools: bool,
    /// When applications are received, for a programme defined as data.
    apply_window: Option<String>,
    /// Granted and paid per tranche, for a programme defined as data.
    money: Vec<MoneyRow>,
    /// Whose figures `money` holds: "" for the whole programme, else the region's name.
    money_region: String,
}

pub struct BodySeats {
    id: String,
    name: String,
    members: Vec<(String, String)>,
}

/// A programme's definition as the page shows it.
pub struct DefinitionView {
    version: u32,
    owner: String,
    funders: Vec<String>,
    split: String,
    applications: String,
    applicants: String,
    bodies: Vec<String>,
    sections: Vec<SectionView>,
    checklist: Vec<String>,
    rubric: Vec<String>,
    conflict_declaration: bool,
    flow_svg: String,
    steps: Vec<StepView>,
    money: String,
    parties: Vec<String>,
    report: Vec<String>,
}

pub struct SectionView {
    title: String,
    fields: Vec<FieldView>,
}

pub struct FieldView {
    label: String,
    kind: &'static str,
    required: String,
}

pub struct StepView {
    label: String,
    from: String,
    to: String,
    who: String,
    needs: String,
}

fn definition_view(def: &Definition) -> DefinitionView {
    let list = |items: Vec<String>| items.join(", ");
    DefinitionView {
        version: def.version,
        owner: def.owner.clone(),
        funders: def
            .funders
            .iter()
            .map(|f| format!("{}: {} %", f.name, f.share_percent))
            .collect(),
        split: {
            let how = def.split.key.label_da();
            let basis = def.split.basis.trim();
            if basis.is_empty() {
                format!("Pengene fordeles {how}.")
            } else {
                format!("Pengene fordeles {how}: {basis}")
            }
        },
        applications: format!(
            "Ansøgninger modtages fra {} til {}.",
            views::date_da(def.window.opens.date()),
            views::date_da(def.window.closes.date())
        ),
        applicants: {
            let roles: Vec<String> = def
                .applicants
                .roles
                .iter()
                .filter_map(|r| pulje_domain::Role::parse(r))
                .map(|r| r.label_da().to_lowercase())
                .collect();
            let behalf = def.applicants.on_behalf_of.trim();
            let writers = match roles.split_last() {
                Some((last, [])) => last.clone(),
                Some((last, rest)) => format!("{} eller {last}", rest.join(", ")),
                None => String::new(),
            };
            format!(
                "Ansøger: {}. Ansøgningen skrives af {writers}{}.",
                def.applicants.organisation,
                if behalf.is_empty() {
                    String::new()
                } else {
                    format!(" på vegne af: {}", behalf.to_lowercase())
                }
            )
        },
        bodies: def.bodies.iter().map(|b| b.name.clone()).collect(),
        sections: def
            .form
            .sections
            .iter()
            .map(|s| SectionView {
                title: s.title.clone(),
                fields: s
                    .fields
                    .iter()
                    .map(|f| FieldView {
                        label: f.label.clone(),
                        kind: f.kind.label_da(),
                        required: match &f.required_when {
                            Some(c) => format!(
                                "skal udfyldes, når «{}» er udfyldt{}",
                                def.field(&c.field)
                                    .map_or(c.field.as_str(), |o| o.label.as_str()),
                                c.equals
                                    .as_ref()
                                    .map(|v| format!(" med «{v}»"))
                                    .unwrap_or_default()
                            ),
                            None => f.required.label_da().to_string(),
                        },
                    })
                    .collect(),
            })
            .collect(),
        checklist: def.review.checklist.clone(),
        rubric: def
            .review
            .rubric
            .iter()
            .flat_map(|r| {
                r.criteria.iter().map(move |c| {
                    format!(
                        "{} (vægt {}, skala {}–{}{})",
                        c.name,
                        c.weight,
                        r.scale_min,
                        r.scale_max,
                        if r.allow_not_applicable {
                            ", kan være «ikke relevant»"
                        } else {
                            ""
                        }
                    )
                })
            })
            .collect(),
        conflict_declaration: def.review.conflict_declaration,
        flow_svg: views::flow::diagram(&format!("Sagsgangen i {}", def.name), &def.workflow),
        steps: def
            .workflow
            .transitions
            .iter()
            .map(|t| {
                let mut needs: Vec<String> = t
                    .requires
                    .iter()
                    .map(|r| r.label_da().to_string())
                    .collect();
                if let Some(e) = t.effect {
                    needs.push(e.label_da().to_string());
                }
                if let Some(days) = t.within_days {
                    needs.push(format!("inden {days} dage"));
                }
                StepView {
                    label: t.label.clone(),
                    from: list(t.from.iter().map(|f| def.state_da(f)).collect()),
                    to: def.state_da(&t.to),
                    who: list(t.by.iter().map(|a| def.actor_da(a)).collect()),
                    needs: if needs.is_empty() {
                        "–".into()
                    } else {
                        list(needs)
                    },
                }
            })
            .collect(),
        money: def.money.describe_da(),
        parties: def
            .signatures
            .iter()
            .map(|p| format!("{} ({})", p.label, def.actor_da(&p.who)))
            .collect(),
        report: def.report.iter().map(|r| r.title.clone()).collect(),
    }
}

#[derive(serde::Deserialize, Default)]
pub struct ShowQuery {
    /// Set after a new version of the definition was saved.
    version: Option<u32>,
}

pub async fn show(
    mut db: Db,
    user: CurrentUser,
    Path(id): Path<String>,
    Query(q): Query<ShowQuery>,
) -> PageResult<Html<String>> {
    let mut conn = db.conn().await?;
    let p = programmes::get(&mut conn, &id)
        .await?
        .ok_or(crate::error::AppError::NotFound)?;
    let tranches = programmes::tranches(&mut conn, &id).await?;
    let pools = programmes::pools(&mut conn, &id, None).await?;
    let tranche_rows = tranches
        .iter()
        .map(|t| {
            let shares: Vec<Ore> = pools
                .iter()
                .filter(|p| p.tranche_id == t.id)
                .map(|p| p.amount_ore)
                .collect();
            let regional_sum = views::total(shares.iter().copied())?;
            Ok(TrancheRow {
                name: t.name.clone(),
                period: format!(
                    "{} – {}",
                    views::date_da(t.period_start),
                    views::date_da(t.period_end)
                ),
                national: views::kr(t.national_amount_ore),
                regional_sum: views::kr(regional_sum),
                difference: shares_difference(
                    &t.name,
                    t.national_amount_ore,
                    regional_sum,
                    shares.len(),
                ),
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    let pool_rows = pulje_domain::RegionCode::all()
        .map(|r| {
            let code = r;
            let amounts: Vec<Ore> = tranches
                .iter()
                .map(|t| {
                    pools
                        .iter()
                        .find(|p| p.tranche_id == t.id && p.region_code == code)
                        .map(|p| p.amount_ore)
                        .unwrap_or(Ore::ZERO)
                })
                .collect();
            Ok(PoolRow {
                region_code: code,
                region: r.name().into(),
                total: views::kr(views::total(amounts.iter().copied())?),
                amounts: amounts.into_iter().map(views::kr).collect(),
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    let definition = definitions::latest(&mut conn, &id).await?;
    let defined = definition.as_ref().filter(|_| uses::is_defined(&id));
    let today = pulje_domain::date::today_in_denmark();
    let closed = defined.and_then(|d| uses::window_closed(d, today));
    let may_apply = closed.is_none()
        && defined.is_some_and(|d| {
            let region = user.region_code().unwrap_or(RegionCode::NORDJYLLAND);
            policy::may_apply(&user, d, region).is_ok()
        });
    let region_filter = policy::Scope::of(&user).region_filter();
    let (money, money_region) = match (defined, region_filter) {
        (Some(_), Ok(region)) => {
            let figures =
                pulje_store::programme_applications::granted_and_paid(&mut conn, &id, region)
                    .await?;
            let rows = tranches
                .iter()
                .map(|t| {
                    let (granted, paid) = figures
                        .iter()
                        .find(|(tid, _, _)| *tid == t.id.get())
                        .map_or((Ore::ZERO, Ore::ZERO), |(_, g, p)| (*g, *p));
                    MoneyRow {
                        name: t.name.clone(),
                        amount: views::kr(t.national_amount_ore),
                        granted: views::kr(granted),
                        paid: views::kr(paid),
                        left: region.is_none().then(|| {
                            views::kr(
                                t.national_amount_ore
                                    .checked_sub(granted)
                                    .unwrap_or(Ore::ZERO),
                            )
                        }),
                    }
                })
                .collect();
            (
                rows,
                region.map(|r| r.name().to_string()).unwrap_or_default(),
            )
        }
        _ => (Vec::new(), String::new()),
    };
    let (bodies, paid_by_funder) = match defined {
        Some(d) => {
            let seats = pulje_store::programme_applications::seats(&mut conn, &id).await?;
            let bodies = d
                .bodies
                .iter()
                .map(|b| BodySeats {
                    id: b.id.clone(),
                    name: b.name.clone(),
                    members: seats
                        .iter()
                        .filter(|s| s.body_id == b.id)
                        .map(|s| (s.name.clone(), s.email.clone()))
                        .collect(),
                })
                .collect();
            let paid = match policy::Scope::of(&user).region_filter() {
                Ok(region) => {
                    pulje_store::programme_applications::paid_by_funder(&mut conn, &id, region)
                        .await?
                        .into_iter()
                        .map(|(f, a)| (f, views::kr(a)))
                        .collect()
                }
                Err(_) => Vec::new(),
            };
            (bodies, paid)
        }
        None => (Vec::new(), Vec::new()),
    };
    let page =
        ShowPage {
            page: Page::new(&user, p.name.clone(), "/programmes").with_notice(q.version.map(|v| {
                format!("Definitionen er gemt som version {v}; den gælder nye ansøgninger.")
            })),
            id: p.id,
            definition: definition.as_ref().map(definition_view),
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
            grand_total: views::kr(views::total(pools.iter().map(|p| p.amount_ore))?),
            may_apply,
            closed,
            bodies,
            can_seat: policy::require_edit_programmes(&user).is_ok(),
            paid_by_funder,
            apply_window: defined.map(|d| {
                format!(
                    "{} – {}",
                    views::date_da(d.window.opens.date()),
                    views::date_da(d.window.closes.date())
                )
            }),
            money,
            money_region,
            has_pools: !pools.is_empty(),
            reports: match defined {
                Some(d) if !d.report.is_empty() => RegionCode::all()
                    .filter(|r| policy::require_report_view(&user, *r).is_ok())
                    .map(|r| (r.get(), r.name().to_string()))
                    .collect(),
                _ => Vec::new(),
            },
        };
    Ok(Html(page.render()?))
}

/// `GET /programmes/{id}/definition.toml`: the newest definition as a file to download.
pub async fn definition_file(
    mut db: Db,
    _user: CurrentUser,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let def = pulje_app::programmes::definition(&mut db, &id).await?;
    let text = pulje_app::programmes::write(&def, pulje_app::programmes::Format::Toml);
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/toml; charset=utf-8".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{}-version-{}.toml\"",
                    def.id, def.version
                ),
            ),
        ],
        text,
    )
        .into_response())
}

/// `POST /programmes/{id}/organer`: seats a user (by e-mail) in a body, or with `fjern` takes
/// them out; the system administrator.
pub async fn seat(
    mut db: Db,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let remove = !get("fjern").is_empty();
    uses::seat(
        &mut db,
        &user,
        &user.actor(),
        &id,
        &get("body"),
        &get("email"),
        !remove,
    )
    .await?;
    Ok(Redirect::to(&format!("/programmes/{id}#organer")).into_response())
}
