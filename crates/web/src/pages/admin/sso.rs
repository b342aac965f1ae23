//! `/admin/sso`: single sign-on. Which regions' users may log in with a password (`admin` for
//! every region, `region_admin` for their own); the rules that give a person a role from a group
//! in the provider's ID token, and the people who logged in through the provider and wait for a
//! role (`admin` only: a rule or a grant can give any role in any region). Every change audited.

use super::*;
use crate::auth::policy::admin_scope;
use crate::extract::Form;
use crate::views;
use crate::Db;
use axum::extract::{Path, Query, State};
use axum::response::Redirect;
use pulje_domain::Role;
use pulje_store::{sessions, sso, Connection};

const PATH: &str = "/admin/sso";

pub struct RegionRow {
    name: String,
    passwords: bool,
    toggle: ButtonForm,
}

pub struct RuleRow {
    value: String,
    role: String,
    region: String,
    remove: ButtonForm,
}

pub struct WaitingRow {
    name: String,
    email: String,
    groups: String,
    first_seen: String,
    form: FormView,
}

#[derive(Template)]
#[template(path = "admin/sso.html")]
struct SsoPage {
    page: Page,
    provider: Option<String>,
    errors: Vec<ErrorLink>,
    error_title: String,
    regions: Vec<RegionRow>,
    /// The rules and the waiting list: for `admin` only.
    national: bool,
    rules: Vec<RuleRow>,
    rule_form: FormView,
    waiting: Vec<WaitingRow>,
}

/// A form that came back refused: which one, what was typed, what is wrong.
enum Returned {
    /// The region's switch was refused, with why.
    Region(RegionCode, String),
    Rule(Values, FieldErrors),
    Grant(i64, Values, FieldErrors),
}

fn role_options() -> Vec<(String, String)> {
    let mut options = vec![(String::new(), "Vælg rolle".to_string())];
    options.extend(
        Role::ALL
            .iter()
            .map(|r| (r.as_str().to_string(), r.label_da().to_string())),
    );
    options
}

fn region_options() -> Vec<(String, String)> {
    let mut options = vec![(String::new(), "Ingen (landsdækkende rolle)".to_string())];
    options.extend(RegionCode::all().map(|r| (r.code().to_string(), r.name().to_string())));
    options
}

fn role_inputs(form: &str, v: &Values, errors: &FieldErrors) -> [Input; 2] {
    [
        Input::select(
            form,
            "role",
            "Rolle",
            val(v, "role"),
            role_options(),
            errors,
        ),
        Input::select(
            form,
            "region_code",
            "Region",
            val(v, "region_code"),
            region_options(),
            errors,
        )
        .hint("Kræves for regionale roller; tom for landsdækkende roller."),
    ]
}

fn rule_form(v: &Values, errors: &FieldErrors) -> FormView {
    FormView::new("regel", "Ny regel", format!("{PATH}/regler"), "Opret regel")
        .intro("En person hvis ID-token har denne værdi i gruppe-kravet (groups), får rollen første gang vedkommende logger ind.")
        .input(Input::text("regel", "claim_value", "Gruppe", val(v, "claim_value"), errors).hint("Fx gruppens navn eller objekt-id hos udbyderen."))
        .inputs(role_inputs("regel", v, errors))
        .general_errors(errors)
}

fn grant_form(id: i64, v: &Values, errors: &FieldErrors) -> FormView {
    let form = format!("tildel-{id}");
    FormView::new(
        &form,
        "Giv rolle",
        format!("{PATH}/venter/{id}"),
        "Giv rolle",
    )
    .inputs(role_inputs(&form, v, errors))
    .general_errors(errors)
}

async fn render(
    conn: &mut Connection,
    state: &AppState,
    user: &CurrentUser,
    notice: Option<String>,
    returned: Option<Returned>,
) -> PageResult<SsoPage> {
    let scope = admin_scope(user)?;
    let national = scope == Scope::All;
    let off = sso::regions_without_password(conn).await?;
    let region_refused = match &returned {
        Some(Returned::Region(code, message)) => Some((*code, message.clone())),
        _ => None,
    };
    let regions: Vec<RegionRow> = RegionCode::all()
        .filter(|r| scope.allows(*r))
        .map(|r| {
            let passwords = !off.contains(&r);
            let (label, aria) = if passwords {
                (
                    "Slå adgangskoder fra",
                    format!("Slå adgangskoder fra for {}", r.name()),
                )
            } else {
                (
                    "Tillad adgangskoder",
                    format!("Tillad adgangskoder for {}", r.name()),
                )
            };
            RegionRow {
                name: r.name().to_string(),
                passwords,
                toggle: ButtonForm {
                    id: format!("adgangskoder-{r}"),
                    action: format!("{PATH}/regioner/{r}?adgangskoder={}", !passwords),
                    label: label.into(),
                    aria_label: aria,
                    confirm: None,
                    errors: match &region_refused {
                        Some((code, message)) if *code == r => vec![message.clone()],
                        _ => Vec::new(),
                    },
                },
            }
        })
        .collect();
    let (mut rule_values, mut rule_errors) = (Values::new(), FieldErrors::new());
    let mut grant_returned = None;
    match returned {
        Some(Returned::Rule(v, e)) => (rule_values, rule_errors) = (v, e),
        Some(Returned::Grant(id, v, e)) => grant_returned = Some((id, v, e)),
        Some(Returned::Region(..)) | None => {}
    }
    let (rules, waiting) = if national {
        let rules = sso::mappings(conn)
            .await?
            .into_iter()
            .map(|m| RuleRow {
                role: Role::parse(&m.role)
                    .map(|r| r.label_da().to_string())
                    .unwrap_or_else(|| m.role.clone()),
                region: m
                    .region()
                    .map(|r| r.name().to_string())
                    .unwrap_or_else(|| "Hele landet".into()),
                remove: ButtonForm {
                    id: format!("regel-{}", m.id),
                    action: format!("{PATH}/regler/{}/slet", m.id),
                    label: "Slet".into(),
                    aria_label: format!("Slet reglen for gruppen {}", m.claim_value),
                    confirm: Some((
                        format!(
                            "Slet reglen for «{}»? Brugere der har fået rollen, beholder den.",
                            m.claim_value
                        ),
                        "Ja, slet reglen".into(),
                    )),
                    errors: Vec::new(),
                },
                value: m.claim_value,
            })
            .collect();
        let waiting = sso::waiting(conn)
            .await?
            .into_iter()
            .map(|w| {
                let form = match &grant_returned {
                    Some((id, v, e)) if *id == w.id => grant_form(w.id, v, e),
                    _ => grant_form(w.id, &Values::new(), &FieldErrors::new()),
                };
                WaitingRow {
                    name: w.name,
                    email: w.email,
                    groups: w.groups,
                    first_seen: views::timestamp_da(&w.first_seen_at),
                    form,
                }
            })
            .collect();
        (rules, waiting)
    } else {
        (Vec::new(), Vec::new())
    };
    let rule_form = rule_form(&rule_values, &rule_errors);
    let mut errors: Vec<ErrorLink> = regions
        .iter()
        .flat_map(|r| {
            r.toggle.errors.iter().map(|e| ErrorLink {
                href: format!("#{}", r.toggle.id),
                text: format!("{}: {e}", r.name),
            })
        })
        .collect();
    errors.extend(rule_form.summary());
    for w in waiting.iter() {
        errors.extend(w.form.summary());
    }
    Ok(SsoPage {
        page: Page::new(user, "Single sign-on", "/admin").with_notice(notice),
        provider: state.oidc.as_ref().map(|p| p.name().to_string()),
        error_title: summary_title(errors.len()),
        errors,
        regions,
        national,
        rules,
        rule_form,
        waiting,
    })
}

/// `GET /admin/sso`.
pub async fn show(
    State(state): State<AppState>,
    mut db: Db,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> PageResult<Response> {
    let mut conn = db.conn().await?;
    let notice = q.gemt.as_deref().map(|what| {
        match what {
            "regel" => "Reglen er oprettet.",
            "slettet" => "Reglen er slettet.",
            "tildelt" => "Brugeren er oprettet med rollen.",
            _ => "Indstillingen er gemt.",
        }
        .to_string()
    });
    let page = render(&mut conn, &state, &user, notice, None).await?;
    respond(StatusCode::OK, page)
}

#[derive(Deserialize)]
pub struct ToggleQuery {
    adgangskoder: bool,
}

/// `POST /admin/sso/regioner/{code}?adgangskoder=true|false`: allows or refuses passwords for
/// the region's users. A user of the region who is logged in with a password is refused: they
/// would lock themselves out.
pub async fn set_passwords(
    State(state): State<AppState>,
    mut db: Db,
    user: CurrentUser,
    Path(code): Path<i64>,
    Query(q): Query<ToggleQuery>,
) -> PageResult<Response> {
    let code = crate::error::region(code)?;
    require_admin_of(&user, code)?;
    if !q.adgangskoder && user.region_code() == Some(code) {
        let mut conn = db.conn().await?;
        let method = match &user.session_hash {
            Some(hash) => sessions::auth_method(&mut conn, hash).await?,
            None => None,
        };
        if !matches!(method, Some(sessions::AuthMethod::Oidc { .. })) {
            let message = "Du er selv logget ind med adgangskode i denne region og ville lukke dig selv ude. Log ind med single sign-on først, og slå så adgangskoderne fra.".to_string();
            let page = render(
                &mut conn,
                &state,
                &user,
                None,
                Some(Returned::Region(code, message)),
            )
            .await?;
            return respond(StatusCode::UNPROCESSABLE_ENTITY, page);
        }
    }
    let mut tx = db.begin().await?;
    sso::set_password_login(&mut tx, &user.actor(), code, q.adgangskoder).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("{PATH}?gemt=region")).into_response())
}

/// Only `admin` makes rules and grants roles.
fn require_national_admin(user: &CurrentUser) -> PageResult<()> {
    match admin_scope(user)? {
        Scope::All => Ok(()),
        _ => Err(AppError::forbidden()),
    }
}

/// The role and region chosen in a form, or the field errors.
fn chosen_role(v: &Values, errors: &mut FieldErrors) -> (Option<Role>, Option<RegionCode>) {
    let role = Role::parse(val(v, "role"));
    if role.is_none() {
        errors.add("role", "Vælg en rolle.");
    }
    let raw = val(v, "region_code").trim();
    let region = if raw.is_empty() {
        None
    } else {
        let r = RegionCode::parse(raw);
        if r.is_none() {
            errors.add("region_code", "Vælg en af de fem regioner.");
        }
        r
    };
    check_role_region(role, region, errors);
    (role, region)
}

/// `POST /admin/sso/regler`: a new rule.
pub async fn create_rule(
    State(state): State<AppState>,
    mut db: Db,
    user: CurrentUser,
    Form(v): Form<Values>,
) -> PageResult<Response> {
    require_national_admin(&user)?;
    let mut errors = FieldErrors::new();
    let value = val(&v, "claim_value").trim().to_string();
    if value.is_empty() {
        errors.add("claim_value", "Skriv gruppens værdi.");
    }
    let (role, region) = chosen_role(&v, &mut errors);
    if let (Some(role), true) = (role, errors.is_empty()) {
        let mut tx = db.begin().await?;
        match sso::add_mapping(&mut tx, &user.actor(), &value, role, region).await {
            Ok(_) => {
                tx.commit().await?;
                return Ok(Redirect::to(&format!("{PATH}?gemt=regel")).into_response());
            }
            Err(e) => errors.add("claim_value", refusal(e)?),
        }
    }
    let mut conn = db.conn().await?;
    let page = render(
        &mut conn,
        &state,
        &user,
        None,
        Some(Returned::Rule(v, errors)),
    )
    .await?;
    respond(StatusCode::UNPROCESSABLE_ENTITY, page)
}

/// `POST /admin/sso/regler/{id}/slet`: removes a rule.
pub async fn delete_rule(
    mut db: Db,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    require_national_admin(&user)?;
    let mut tx = db.begin().await?;
    sso::remove_mapping(&mut tx, &user.actor(), id).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("{PATH}?gemt=slettet")).into_response())
}

/// `POST /admin/sso/venter/{id}`: gives a waiting person a role (creates the user, linked).
pub async fn grant(
    State(state): State<AppState>,
    mut db: Db,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(v): Form<Values>,
) -> PageResult<Response> {
    require_national_admin(&user)?;
    let mut errors = FieldErrors::new();
    let (role, region) = chosen_role(&v, &mut errors);
    if let (Some(role), true) = (role, errors.is_empty()) {
        let mut tx = db.begin().await?;
        match sso::grant(&mut tx, &user.actor(), id, role, region).await {
            Ok(_) => {
                tx.commit().await?;
                return Ok(Redirect::to(&format!("{PATH}?gemt=tildelt")).into_response());
            }
            Err(e) => errors.add("", refusal(e)?),
        }
    }
    let mut conn = db.conn().await?;
    let page = render(
        &mut conn,
        &state,
        &user,
        None,
        Some(Returned::Grant(id, v, errors)),
    )
    .await?;
    respond(StatusCode::UNPROCESSABLE_ENTITY, page)
}
