//! `/admin/regions`: each region's settings for the OK21 programme (latest end date for trials,
//! on-cost on supplements) with counts of hospitals and users.

use super::*;
use crate::auth::policy::admin_scope;
use crate::extract::Form;
use crate::views;
use crate::Db;
use axum::extract::{Path, Query};
use axum::response::Redirect;
use chrono::NaiveDate;
use pulje_domain::{parse_date, RegionCode};
use pulje_store::programmes::{self, Programme, RegionSettings};
use pulje_store::reference::OK21;
use pulje_store::{org, users, Connection};

const PATH: &str = "/admin/regions";

pub struct Section {
    code: RegionCode,
    name: String,
    hospitals: i64,
    users: i64,
    active: String,
    latest_end: String,
    oncost: String,
    form: FormView,
}

#[derive(Template)]
#[template(path = "admin/regions.html")]
struct RegionsPage {
    page: Page,
    programme_name: String,
    window: String,
    errors: Vec<ErrorLink>,
    error_title: String,
    sections: Vec<Section>,
}

/// A form that came back with errors: the region, what was typed and what is wrong.
struct Returned {
    code: RegionCode,
    values: Values,
    errors: FieldErrors,
}

pub async fn list(
    mut db: Db,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> PageResult<Response> {
    admin_scope(&user)?;
    let mut conn = db.conn().await?;
    let page = render(&mut conn, &user, q.notice("Indstillingerne"), None).await?;
    respond(StatusCode::OK, page)
}

/// On-cost in basis points as a Danish percentage: `0`, `2,5`, `12,34`.
fn percent_text(bp: i64) -> String {
    let (whole, frac) = (bp / 100, bp % 100);
    match frac {
        0 => whole.to_string(),
        f if f % 10 == 0 => format!("{whole},{}", f / 10),
        f => format!("{whole},{f:02}"),
    }
}

/// A percentage typed as `2,5`, `2.5` or `2,5 %` to basis points.
fn parse_percent(text: &str) -> Result<i64, String> {
    let t = text.trim().trim_end_matches('%').trim().replace(',', ".");
    if t.is_empty() {
        return Err("Skriv procenttillægget, fx 0 eller 2,5.".into());
    }
    let unreadable = || {
        format!(
            "«{}» kan ikke læses som en procentsats. Skriv fx 2,5.",
            text.trim()
        )
    };
    let (whole, frac) = t.split_once('.').unwrap_or((t.as_str(), ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if !digits(whole) || !digits(frac) || (whole.is_empty() && frac.is_empty()) {
        return Err(unreadable());
    }
    if frac.len() > 2 {
        return Err("Skriv procenttillægget med højst to decimaler, fx 2,25.".into());
    }
    if whole.len() > 3 {
        return Err("Procenttillægget skal ligge mellem 0 og 100 %.".into());
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| unreadable())?
    };
    let frac: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().map_err(|_| unreadable())? * 10,
        _ => frac.parse().map_err(|_| unreadable())?,
    };
    let bp = whole * 100 + frac;
    if bp > 10_000 {
        return Err("Procenttillægget skal ligge mellem 0 og 100 %.".into());
    }
    Ok(bp)
}

fn settings_form(
    code: RegionCode,
    programme: &Programme,
    v: &Values,
    errors: &FieldErrors,
) -> FormView {
    let prefix = format!("r{code}");
    FormView::new(&format!("region-{code}-form"), "Indstillinger", format!("{PATH}/{code}/settings"), "Gem indstillinger")
        .input(
            Input::date(&prefix, "latest_end", "Seneste slutdato for forsøg", val(v, "latest_end"), errors).hint(&format!(
                "Forsøg i regionen skal slutte senest denne dato. Lad feltet stå tomt for at bruge programmets sidste dag, {}.",
                views::date_da(programme.window_end)
            )),
        )
        .input(
            Input::text(&prefix, "oncost", "Procenttillæg (%)", val(v, "oncost"), errors)
                .hint("Lægges oven i funktionstillæggene i budgettet, fx arbejdsgiverens pensionsbidrag. Skriv fx 0 eller 2,5.")
                .inputmode("decimal"),
        )
        .general_errors(errors)
}

fn values_of(s: &RegionSettings) -> Values {
    Values::from([
        (
            "latest_end".to_string(),
            s.latest_end.map(|d| d.to_string()).unwrap_or_default(),
        ),
        ("oncost".to_string(), percent_text(s.oncost_basis_points)),
    ])
}

async fn render(
    conn: &mut Connection,
    user: &CurrentUser,
    notice: Option<String>,
    returned: Option<Returned>,
) -> PageResult<RegionsPage> {
    let scope = Scope::of(user);
    let programme = programmes::get(conn, OK21)
        .await?
        .ok_or(AppError::NotFound)?;
    let hospital_counts = org::hospital_counts(conn).await?;
    let user_counts = users::counts_by_region(conn).await?;
    let mut sections = Vec::new();
    let mut errors = Vec::new();
    for region in RegionCode::all() {
        let code = region;
        if !scope.allows(code) {
            continue;
        }
        let settings = programmes::region_settings(conn, OK21, code).await?;
        let form = match &returned {
            Some(r) if r.code == code => settings_form(code, &programme, &r.values, &r.errors),
            _ => settings_form(code, &programme, &values_of(&settings), &FieldErrors::new()),
        };
        errors.extend(form.summary().into_iter().map(|e| ErrorLink {
            text: format!("{} – {}", region.name(), e.text),
            ..e
        }));
        let counts = user_counts.iter().find(|c| c.region_code == code);
        sections.push(Section {
            code,
            name: region.name().to_string(),
            hospitals: hospital_counts
                .iter()
                .find(|(c, _)| *c == code)
                .map(|(_, n)| *n)
                .unwrap_or(0),
            users: counts.map(|c| c.users).unwrap_or(0),
            active: match counts.map(|c| c.active).unwrap_or(0) {
                1 => "1 aktiv".to_string(),
                n => format!("{n} aktive"),
            },
            latest_end: match settings.latest_end {
                Some(d) => views::date_da(d),
                None => format!(
                    "Programmets sidste dag ({})",
                    views::date_da(programme.window_end)
                ),
            },
            oncost: format!("{} %", percent_text(settings.oncost_basis_points)),
            form,
        });
    }
    Ok(RegionsPage {
        page: Page::new(user, "Regioner", "/admin").with_notice(notice),
        window: format!(
            "{} – {}",
            views::date_da(programme.window_start),
            views::date_da(programme.window_end)
        ),
        programme_name: programme.name,
        error_title: summary_title(errors.len()),
        errors,
        sections,
    })
}

/// Checks the form against the programme's window.
fn read_settings(
    v: &Values,
    programme: &Programme,
    errors: &mut FieldErrors,
) -> (Option<NaiveDate>, i64) {
    let text = val(v, "latest_end").trim();
    let latest_end = if text.is_empty() {
        None
    } else {
        match parse_date(text) {
            None => {
                errors.add("latest_end", format!("«{text}» er ikke en gyldig dato. Skriv fx 2023-12-31 eller 31. december 2023."));
                None
            }
            Some(d) if d <= programme.window_start => {
                errors.add(
                    "latest_end",
                    format!(
                        "Datoen skal ligge efter programmets start, {}.",
                        views::date_da(programme.window_start)
                    ),
                );
                None
            }
            Some(d) if d > programme.window_end => {
                errors.add(
                    "latest_end",
                    format!(
                        "Datoen ligger efter programmets sidste dag, {}. Lad feltet stå tomt for at bruge programmets periode.",
                        views::date_da(programme.window_end)
                    ),
                );
                None
            }
            Some(d) => Some(d),
        }
    };
    let oncost = match parse_percent(val(v, "oncost")) {
        Ok(bp) => bp,
        Err(m) => {
            errors.add("oncost", m);
            0
        }
    };
    (latest_end, oncost)
}

pub async fn update(
    mut db: Db,
    user: CurrentUser,
    Path(code): Path<i64>,
    Form(v): Form<Values>,
) -> PageResult<Response> {
    let code = crate::error::region(code)?;
    admin_scope(&user)?;
    let region = code;
    require_admin_of(&user, code)?;
    let mut conn = db.conn().await?;
    let programme = programmes::get(&mut conn, OK21)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(conn);
    let mut errors = FieldErrors::new();
    let (latest_end, oncost_basis_points) = read_settings(&v, &programme, &mut errors);
    if errors.is_empty() {
        let settings = RegionSettings {
            programme_id: OK21.to_string(),
            region_code: code,
            latest_end,
            oncost_basis_points,
        };
        let mut tx = db.begin().await?;
        match programmes::set_region_settings(&mut tx, &user.actor(), &settings).await {
            Ok(()) => {
                tx.commit().await?;
                return Ok(
                    Redirect::to(&format!("{PATH}?gemt=1#region-{}", region.code()))
                        .into_response(),
                );
            }
            Err(e) => errors.add("oncost", refusal(e)?),
        }
    }
    let mut conn = db.conn().await?;
    let page = render(
        &mut conn,
        &user,
        None,
        Some(Returned {
            code,
            values: v,
            errors,
        }),
    )
    .await?;
    respond(StatusCode::UNPROCESSABLE_ENTITY, page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_trip() {
        assert_eq!(parse_percent("2,5"), Ok(250));
        assert_eq!(parse_percent("2.25 %"), Ok(225));
        assert_eq!(parse_percent("0"), Ok(0));
        assert_eq!(parse_percent("100"), Ok(10_000));
        assert_eq!(parse_percent(",5"), Ok(50));
        assert!(parse_percent("100,01").is_err());
        assert!(parse_percent("2,555").is_err());
        assert!(parse_percent("abc").is_err());
        assert!(parse_percent("").is_err());
        assert!(parse_percent("-1").is_err());
        for bp in [0, 5, 50, 250, 1234, 10_000] {
            assert_eq!(parse_percent(&percent_text(bp)), Ok(bp));
        }
    }
}
