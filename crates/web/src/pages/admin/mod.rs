//! Administration pages: regions' settings, hospitals, departments, areas, tiers, rounds, users
//! and the audit log. `admin` administers every region, `region_admin` their own.
//!
//! Every handler asks [`policy`](crate::auth::policy) first: a user without an admin role gets
//! 403, an object of another region 404. Lists share one template (`admin/list.html`): a table,
//! an optional edit form (`?ret=ID`) and a create form. A refused form is shown again with the
//! typed values and a Danish message per field (status 422); a saved one redirects (303) back to
//! the list with `?gemt=…`.

mod areas;
mod audit;
mod checklist;
mod departments;
mod hospitals;
mod index;
mod mails;
mod programme_editor;
mod programmes;
mod regions;
mod rounds;
mod second_factor;
mod sso;
mod tiers;
mod users;

use crate::auth::policy::{self, require_admin_of, Scope};
use crate::auth::CurrentUser;
use crate::error::{AppError, PageResult};
use crate::views::{Choice, Page};
use crate::AppState;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use pulje_app::applications::opt_id;
use pulje_domain::{FieldErrors, RegionCode};
use pulje_store::StoreError;
use serde::Deserialize;
use std::collections::BTreeMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(index::show))
        .route("/admin/regions", get(regions::list))
        .route("/admin/regions/{code}/settings", post(regions::update))
        .route(
            "/admin/hospitals",
            get(hospitals::list).post(hospitals::create),
        )
        .route("/admin/hospitals/{id}", post(hospitals::rename))
        .route(
            "/admin/departments",
            get(departments::list).post(departments::create),
        )
        .route("/admin/departments/{id}", post(departments::rename))
        .route("/admin/areas", get(areas::list).post(areas::create))
        .route("/admin/areas/{id}", post(areas::update))
        .route("/admin/tiers", get(tiers::list).post(tiers::create))
        .route("/admin/tiers/{id}/delete", post(tiers::delete))
        .route("/admin/rounds", get(rounds::list).post(rounds::create))
        .route("/admin/rounds/{id}", post(rounds::update))
        .route("/admin/users", get(users::list).post(users::create))
        .route("/admin/users/{id}", post(users::update))
        .route("/admin/users/{id}/invitation", post(users::resend))
        .route(
            "/admin/users/{id}/invitation/tilbagekald",
            post(users::revoke),
        )
        .route("/admin/users/{id}/disable", post(users::disable))
        .route("/admin/users/{id}/enable", post(users::enable))
        .route("/admin/users/{id}/totp", post(users::reset_second_factor))
        .route(
            "/admin/totp",
            get(second_factor::show).post(second_factor::save),
        )
        .route("/admin/audit", get(audit::list))
        .route("/admin/mails", get(mails::index))
        .route("/admin/mails/{code}/{programme}", get(mails::events))
        .route(
            "/admin/mails/{code}/{programme}/{event}",
            get(mails::show).post(mails::save),
        )
        .route(
            "/admin/mails/{code}/{programme}/{event}/nulstil",
            post(mails::reset),
        )
        .route("/admin/sso", get(sso::show))
        .route("/admin/sso/regioner/{code}", post(sso::set_passwords))
        .route("/admin/sso/regler", post(sso::create_rule))
        .route("/admin/sso/regler/{id}/slet", post(sso::delete_rule))
        .route("/admin/sso/venter/{id}", post(sso::grant))
        .route(
            "/admin/programmes",
            get(programmes::list).post(programmes::create),
        )
        .route("/admin/programmes/new", get(programmes::new))
        .route(
            "/admin/programmes/opret",
            get(programme_editor::new).post(programme_editor::create),
        )
        .route(
            "/admin/programmes/{id}/opsaetning",
            get(programme_editor::edit).post(programme_editor::update),
        )
        .route(
            "/admin/programmes/{id}",
            get(programmes::edit).post(programmes::update),
        )
        .route(
            "/admin/checklist",
            get(checklist::list).post(checklist::create),
        )
}

// --- requests -------------------------------------------------------------------------------

/// A submitted form as typed: field name to value.
type Values = BTreeMap<String, String>;

fn val<'a>(values: &'a Values, name: &str) -> &'a str {
    values.get(name).map(String::as_str).unwrap_or("")
}

/// A create form's starting values: the region the list shows.
fn defaults(region: Option<RegionCode>) -> Values {
    region
        .map(|code| Values::from([("region_code".to_string(), code.to_string())]))
        .unwrap_or_default()
}

/// An id typed in a form; empty or unreadable means none.
fn id_value(values: &Values, name: &str) -> Option<i64> {
    val(values, name).trim().parse().ok()
}

/// The query of a list page: region filter, the object to edit, and the notice after a save.
#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    region: Option<String>,
    ret: Option<String>,
    gemt: Option<String>,
}

impl ListQuery {
    /// The confirmation after a redirect; `subject` is the definite noun ("Hospitalet").
    fn notice(&self, subject: &str) -> Option<String> {
        let verb = match self.gemt.as_deref()? {
            "oprettet" => "oprettet",
            "slettet" => "slettet",
            "deaktiveret" => "deaktiveret",
            "aktiveret" => "aktiveret",
            _ => "gemt",
        };
        Some(format!("{subject} er {verb}."))
    }

    fn edit_id(&self) -> Option<i64> {
        opt_id(&self.ret)
    }
}

/// The region a list shows: the user's own for a `region_admin` (another region is 404), the
/// chosen one or all for an `admin`.
fn region_filter(scope: Scope, raw: &Option<String>) -> PageResult<Option<RegionCode>> {
    Ok(scope.narrow(opt_id::<i64>(raw).and_then(RegionCode::new))?)
}

/// The region a create form asks for. Empty means the user's own region (or a field error for an
/// `admin`); a region the user does not administer is 404.
fn chosen_region(
    user: &CurrentUser,
    raw: &str,
    errors: &mut FieldErrors,
) -> PageResult<Option<RegionCode>> {
    let raw = raw.trim();
    let code = if raw.is_empty() {
        match Scope::of(user) {
            Scope::Region(code) => code,
            Scope::All => {
                errors.add("region_code", "Vælg en region.");
                return Ok(None);
            }
            Scope::Nowhere => return Err(AppError::NotFound),
        }
    } else {
        match RegionCode::parse(raw) {
            Some(r) => r,
            None => {
                errors.add("region_code", "Vælg en af de fem regioner.");
                return Ok(None);
            }
        }
    };
    require_admin_of(user, code)?;
    Ok(Some(code))
}

/// The Danish message of a store refusal, to show at the form; other errors pass on.
fn refusal(e: StoreError) -> PageResult<String> {
    match e {
        StoreError::Refused(m) | StoreError::Duplicate(m) => Ok(m),
        other => Err(other.into()),
    }
}

fn region_name(code: RegionCode) -> String {
    code.name().to_string()
}

/// The list's URL for a region after a save, with the notice.
fn back_to(path: &str, region: Option<RegionCode>, notice: &str) -> String {
    match region {
        Some(code) => format!("{path}?region={code}&gemt={notice}"),
        None => format!("{path}?gemt={notice}"),
    }
}

fn respond<T: Template>(status: StatusCode, page: T) -> PageResult<Response> {
    Ok((status, Html(page.render()?)).into_response())
}

// --- view structs ---------------------------------------------------------------------------

/// One form control with its label, hint, value and messages. `id` is unique on the page.
#[derive(Debug, Clone)]
pub struct Input {
    id: String,
    name: String,
    label: String,
    hint: String,
    value: String,
    errors: Vec<String>,
    /// `text`, `date`, `email`, `password` or `select`.
    kind: &'static str,
    choices: Vec<Choice>,
    autocomplete: &'static str,
    inputmode: &'static str,
}

impl Input {
    /// A text field of form `form` (the id prefix).
    fn text(form: &str, name: &str, label: &str, value: &str, errors: &FieldErrors) -> Input {
        Input {
            id: format!("{form}-{name}"),
            name: name.into(),
            label: label.into(),
            hint: String::new(),
            value: value.into(),
            errors: errors.get(name).to_vec(),
            kind: "text",
            choices: Vec::new(),
            autocomplete: "",
            inputmode: "",
        }
    }

    /// A date field; shown as text when the value is not an ISO date, so nothing typed is lost.
    fn date(form: &str, name: &str, label: &str, value: &str, errors: &FieldErrors) -> Input {
        let iso = value.trim().is_empty()
            || chrono::NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").is_ok();
        let mut i = Input::text(form, name, label, value, errors);
        if iso {
            i.kind = "date";
        } else {
            i.hint = "Skriv datoen som fx 2022-03-01 eller 1. marts 2022.".into();
        }
        i
    }

    /// A select; the option whose value equals the field's value is selected.
    fn select(
        form: &str,
        name: &str,
        label: &str,
        value: &str,
        options: Vec<(String, String)>,
        errors: &FieldErrors,
    ) -> Input {
        let mut i = Input::text(form, name, label, value, errors);
        i.kind = "select";
        i.choices = options
            .into_iter()
            .map(|(v, l)| Choice::new(&v, l, v == value.trim()))
            .collect();
        i
    }

    fn kind(mut self, kind: &'static str) -> Input {
        self.kind = kind;
        if kind == "password" {
            self.value.clear();
        }
        self
    }

    fn hint(mut self, hint: &str) -> Input {
        if self.hint.is_empty() {
            self.hint = hint.into();
        } else {
            self.hint = format!("{hint} {}", self.hint);
        }
        self
    }

    fn autocomplete(mut self, value: &'static str) -> Input {
        self.autocomplete = value;
        self
    }

    fn inputmode(mut self, value: &'static str) -> Input {
        self.inputmode = value;
        self
    }

    fn invalid(&self) -> bool {
        !self.errors.is_empty()
    }

    fn is_select(&self) -> bool {
        self.kind == "select"
    }

    /// The ids of the hint and the error message, for `aria-describedby`.
    fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if !self.hint.is_empty() {
            ids.push(format!("{}-hint", self.id));
        }
        if self.invalid() {
            ids.push(format!("{}-error", self.id));
        }
        ids.join(" ")
    }
}

/// A form with fields; `errors` are messages about the form as a whole.
#[derive(Debug, Clone)]
pub struct FormView {
    id: String,
    title: String,
    intro: String,
    action: String,
    inputs: Vec<Input>,
    errors: Vec<String>,
    button: String,
    cancel: Option<String>,
}

impl FormView {
    fn new(
        id: &str,
        title: impl Into<String>,
        action: impl Into<String>,
        button: &str,
    ) -> FormView {
        FormView {
            id: id.into(),
            title: title.into(),
            intro: String::new(),
            action: action.into(),
            inputs: Vec::new(),
            errors: Vec::new(),
            button: button.into(),
            cancel: None,
        }
    }

    fn intro(mut self, intro: impl Into<String>) -> FormView {
        self.intro = intro.into();
        self
    }

    fn input(mut self, input: Input) -> FormView {
        self.inputs.push(input);
        self
    }

    fn inputs(mut self, inputs: impl IntoIterator<Item = Input>) -> FormView {
        self.inputs.extend(inputs);
        self
    }

    fn cancel(mut self, href: impl Into<String>) -> FormView {
        self.cancel = Some(href.into());
        self
    }

    /// Takes the messages not tied to one of the form's fields (key `""` and unknown keys).
    fn general_errors(mut self, errors: &FieldErrors) -> FormView {
        for (key, msgs) in errors.iter() {
            if !self.inputs.iter().any(|i| i.name == key) {
                self.errors.extend(msgs.iter().cloned());
            }
        }
        self
    }

    /// Links for the error summary at the top of the page.
    fn summary(&self) -> Vec<ErrorLink> {
        let mut links: Vec<ErrorLink> = self
            .errors
            .iter()
            .map(|e| ErrorLink {
                href: format!("#{}", self.id),
                text: e.clone(),
            })
            .collect();
        for i in &self.inputs {
            for e in &i.errors {
                links.push(ErrorLink {
                    href: format!("#{}", i.id),
                    text: format!("{}: {e}", i.label),
                });
            }
        }
        links
    }
}

/// A form of a single button on a table row (delete, disable). With `confirm`, the button is
/// behind a disclosure that asks first.
#[derive(Debug, Clone)]
pub struct ButtonForm {
    id: String,
    action: String,
    label: String,
    aria_label: String,
    /// The question and the label of the button that answers it.
    confirm: Option<(String, String)>,
    errors: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct ErrorLink {
    href: String,
    text: String,
}

#[derive(Debug, Clone)]
pub struct Column {
    label: &'static str,
    num: bool,
}

fn col(label: &'static str) -> Column {
    Column { label, num: false }
}

fn num_col(label: &'static str) -> Column {
    Column { label, num: true }
}

#[derive(Debug, Clone)]
pub struct Cell {
    text: String,
    num: bool,
    href: Option<String>,
}

fn cell(text: impl Into<String>) -> Cell {
    Cell {
        text: text.into(),
        num: false,
        href: None,
    }
}

fn num_cell(text: impl Into<String>) -> Cell {
    Cell {
        text: text.into(),
        num: true,
        href: None,
    }
}

#[derive(Debug, Clone)]
pub struct Row {
    /// What the row is, for the accessible names of its links and buttons.
    label: String,
    cells: Vec<Cell>,
    edit_href: Option<String>,
    buttons: Vec<ButtonForm>,
}

/// The shared list page: a table, an optional edit form and a create form.
#[derive(Template)]
#[template(path = "admin/list.html")]
pub struct ListPage {
    page: Page,
    heading: String,
    intro: String,
    path: String,
    regions: Vec<Choice>,
    errors: Vec<ErrorLink>,
    error_title: String,
    columns: Vec<Column>,
    rows: Vec<Row>,
    empty: String,
    has_actions: bool,
    edit: Option<FormView>,
    create: Option<FormView>,
}

impl ListPage {
    #[allow(clippy::too_many_arguments)]
    fn new(
        user: &CurrentUser,
        heading: &str,
        intro: &str,
        path: &str,
        region: Option<RegionCode>,
        notice: Option<String>,
        columns: Vec<Column>,
        rows: Vec<Row>,
        empty: &str,
        edit: Option<FormView>,
        create: Option<FormView>,
    ) -> ListPage {
        let mut errors: Vec<ErrorLink> = Vec::new();
        for f in edit.iter().chain(create.iter()) {
            errors.extend(f.summary());
        }
        for r in &rows {
            for b in &r.buttons {
                errors.extend(b.errors.iter().map(|e| ErrorLink {
                    href: format!("#{}", b.id),
                    text: format!("{}: {e}", r.label),
                }));
            }
        }
        let error_title = if rows
            .iter()
            .any(|r| r.buttons.iter().any(|b| !b.errors.is_empty()))
        {
            "Handlingen blev ikke udført:".to_string()
        } else {
            summary_title(errors.len())
        };
        let has_actions = rows
            .iter()
            .any(|r| r.edit_href.is_some() || !r.buttons.is_empty());
        ListPage {
            page: Page::new(user, heading, "/admin").with_notice(notice),
            heading: heading.into(),
            intro: intro.into(),
            path: path.into(),
            regions: region_filter_choices(Scope::of(user), region),
            errors,
            error_title,
            columns,
            rows,
            empty: empty.into(),
            has_actions,
            edit,
            create,
        }
    }
}

/// The heading of the error summary above a refused form.
fn summary_title(count: usize) -> String {
    format!("Ikke gemt. Ret {count} fejl:")
}

/// The region filter's options; none for a user of one region.
fn region_filter_choices(scope: Scope, selected: Option<RegionCode>) -> Vec<Choice> {
    if scope != Scope::All {
        return Vec::new();
    }
    let mut choices = vec![Choice::new("", "Alle regioner", selected.is_none())];
    choices.extend(RegionCode::all().map(|r| Choice::new(r.code(), r.name(), selected == Some(r))));
    choices
}

/// The region field of a create form: a select for an `admin`, nothing for a `region_admin`
/// (their own region is used).
fn region_input(
    form: &str,
    user: &CurrentUser,
    value: &str,
    errors: &FieldErrors,
) -> Option<Input> {
    if Scope::of(user) != Scope::All {
        return None;
    }
    let mut options = vec![(String::new(), "Vælg region".to_string())];
    options.extend(RegionCode::all().map(|r| (r.code().to_string(), r.name().to_string())));
    Some(Input::select(
        form,
        "region_code",
        "Region",
        value,
        options,
        errors,
    ))
}

/// A regional role needs a region and a national role has none: the `region_code` field's error
/// when the chosen pair does not fit (none when the region itself was already refused).
fn check_role_region(
    role: Option<pulje_domain::Role>,
    region: Option<RegionCode>,
    errors: &mut FieldErrors,
) {
    let Some(role) = role else { return };
    match (role.is_regional(), region) {
        (true, None) if !errors.has("region_code") => errors.add(
            "region_code",
            format!("Rollen «{}» kræver en region.", role.label_da()),
        ),
        (false, Some(_)) => errors.add(
            "region_code",
            format!(
                "Rollen «{}» gælder hele landet; vælg ingen region.",
                role.label_da()
            ),
        ),
        _ => {}
    }
}

/// "Opretter i Region X." for a `region_admin`'s create form.
fn own_region_intro(user: &CurrentUser) -> String {
    match (Scope::of(user), user.region_code()) {
        (Scope::Region(_), Some(code)) => format!("Oprettes i {}.", region_name(code)),
        _ => String::new(),
    }
}

/// The region column, shown only to users who see more than one region.
fn shows_region(user: &CurrentUser) -> bool {
    Scope::of(user) == Scope::All
}

fn list_href(path: &str, region: Option<RegionCode>) -> String {
    match region {
        Some(code) => format!("{path}?region={code}"),
        None => path.to_string(),
    }
}

fn edit_href(path: &str, region: RegionCode, id: impl std::fmt::Display) -> String {
    format!("{path}?region={region}&ret={id}#ret")
}
