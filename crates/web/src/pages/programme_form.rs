//! The form of a programme defined as data, drawn from its definition: a new application
//! (`/programmes/{id}/ansoeg`) and changing one (`/applications/{id}/edit` hands such an
//! application here). Each kind of the palette has its input; a refused save shows the form
//! again as typed, with each field's problem.

use crate::auth::CurrentUser;
use crate::error::{AppError, PageResult};
use crate::extract::Form;
use crate::views::{Choice, Field, Page};
use crate::Db;
use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use pulje_app::policy;
use pulje_app::programme_applications as uses;
use pulje_domain::programme::values::from_form_pairs;
use pulje_domain::programme::{Definition, FieldKind, FieldSpec, FormDef, Required};
use pulje_domain::{ApplicationId, FieldErrors, RegionCode};
use pulje_store::definitions;
use serde_json::{Map, Value as Json};

pub(super) struct PersonRow {
    pub(super) index: usize,
    pub(super) name: String,
    pub(super) roles: Vec<Choice>,
}

pub(super) struct FormField {
    /// The palette's kind: `text`, `long_text`, `amount`, `date`, `period`, `choice`,
    /// `multi_choice`, `people`, `organisation`, `attachment`.
    pub(super) kind: &'static str,
    pub(super) field: Field,
    pub(super) choices: Vec<Choice>,
    pub(super) start: String,
    pub(super) end: String,
    pub(super) people: Vec<PersonRow>,
}

pub(super) struct FormSection {
    pub(super) title: String,
    pub(super) help: String,
    pub(super) fields: Vec<FormField>,
}

#[derive(Template)]
#[template(path = "applications/programme_form.html")]
struct FormPage {
    page: Page,
    heading: String,
    programme: String,
    /// When the programme takes applications.
    window: String,
    action: String,
    cancel: String,
    version: i64,
    /// Shown to a user without a region of their own (a system administrator).
    region: Option<Field>,
    regions: Vec<Choice>,
    sections: Vec<FormSection>,
    error_summary: Vec<(String, String)>,
    conflict: Option<String>,
}

/// Empty rows offered for people beyond those typed.
const EMPTY_PEOPLE_ROWS: usize = 3;

fn text_of(v: Option<&Json>) -> String {
    match v {
        Some(Json::String(s)) => s.clone(),
        Some(Json::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn kind_name(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Text => "text",
        FieldKind::LongText => "long_text",
        FieldKind::Amount => "amount",
        FieldKind::Date => "date",
        FieldKind::Period => "period",
        FieldKind::Choice => "choice",
        FieldKind::MultiChoice => "multi_choice",
        FieldKind::People => "people",
        FieldKind::Organisation => "organisation",
        FieldKind::Attachment => "attachment",
    }
}

/// The label of field `name` of the form, or the name itself.
fn def_label(form: &FormDef, name: &str) -> String {
    form.fields()
        .find(|f| f.name == name)
        .map_or_else(|| name.to_string(), |f| f.label.clone())
}

fn form_field(
    all: &FormDef,
    spec: &FieldSpec,
    fields: &Map<String, Json>,
    errors: &FieldErrors,
) -> FormField {
    let value = fields.get(&spec.name);
    let required = match (spec.required, &spec.required_when) {
        (Required::Always, _) => "Skal udfyldes.".to_string(),
        (Required::Submit, _) => "Skal udfyldes, før ansøgningen sendes.".to_string(),
        (Required::Never, Some(when)) => format!(
            "Skal udfyldes, før ansøgningen sendes, når «{}» er udfyldt{}.",
            def_label(all, &when.field),
            when.equals
                .as_ref()
                .map(|e| format!(" med «{e}»"))
                .unwrap_or_default()
        ),
        (Required::Never, None) => String::new(),
    };
    let amount = if spec.kind == FieldKind::Amount {
        "I kroner, fx 12.500 eller 12.500,50."
    } else {
        ""
    };
    let hint = [spec.help.as_str(), amount, required.as_str()]
        .iter()
        .filter(|h| !h.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    let field = Field::new(&spec.name, &spec.label, &text_of(value), errors).hint(&hint);
    let chosen: Vec<String> = match value {
        Some(Json::Array(items)) => items.iter().map(|i| text_of(Some(i))).collect(),
        Some(v) => vec![text_of(Some(v))],
        None => Vec::new(),
    };
    let mut choices: Vec<Choice> = spec
        .options
        .iter()
        .map(|o| Choice::new(o, o.as_str(), chosen.contains(o)))
        .collect();
    if spec.kind == FieldKind::Choice {
        choices.insert(
            0,
            Choice::new("", "Vælg", chosen.iter().all(|c| c.is_empty())),
        );
    }
    let part = |p: &str| match value {
        Some(Json::Object(o)) => text_of(o.get(p)),
        _ => String::new(),
    };
    let typed: Vec<(String, String)> = match value {
        Some(Json::Array(rows)) if spec.kind == FieldKind::People => rows
            .iter()
            .map(|r| (text_of(r.get("name")), text_of(r.get("role"))))
            .collect(),
        _ => Vec::new(),
    };
    let people = if spec.kind == FieldKind::People {
        typed
            .into_iter()
            .chain(std::iter::repeat_n(
                (String::new(), String::new()),
                EMPTY_PEOPLE_ROWS,
            ))
            .enumerate()
            .map(|(index, (name, role))| {
                let mut roles = vec![Choice::new("", "Vælg rolle", role.is_empty())];
                roles.extend(
                    spec.roles
                        .iter()
                        .map(|r| Choice::new(r, r.as_str(), *r == role)),
                );
                PersonRow { index, name, roles }
            })
            .collect()
    } else {
        Vec::new()
    };
    FormField {
        kind: kind_name(spec.kind),
        field,
        choices,
        start: part("start"),
        end: part("end"),
        people,
    }
}

/// What the page needs besides the form's values.
struct Frame {
    heading: String,
    action: String,
    cancel: String,
    version: i64,
    region: Option<(Field, Vec<Choice>)>,
}

/// The sections of `form` with its inputs, holding `fields` as typed and each field's problem.
pub(super) fn sections_of(
    form: &FormDef,
    fields: &Map<String, Json>,
    errors: &FieldErrors,
) -> Vec<FormSection> {
    form.sections
        .iter()
        .map(|s| FormSection {
            title: s.title.clone(),
            help: s.help.clone(),
            fields: s
                .fields
                .iter()
                .map(|f| form_field(form, f, fields, errors))
                .collect(),
        })
        .collect()
}

/// Every problem as (the field's input id, the message), in the form's order; problems of keys
/// the form does not have last.
pub(super) fn error_summary(form: &FormDef, errors: &FieldErrors) -> Vec<(String, String)> {
    form.fields()
        .flat_map(|f| {
            errors
                .get(&f.name)
                .iter()
                .map(|m| (f.name.clone(), m.clone()))
                .collect::<Vec<_>>()
        })
        .chain(
            errors
                .iter()
                .filter(|(name, _)| !form.fields().any(|f| f.name == *name))
                .flat_map(|(name, ms)| {
                    ms.iter()
                        .map(|m| (name.to_string(), m.clone()))
                        .collect::<Vec<_>>()
                }),
        )
        .collect()
}

fn form_page(
    user: &CurrentUser,
    def: &Definition,
    frame: Frame,
    fields: &Map<String, Json>,
    errors: &FieldErrors,
    conflict: Option<String>,
) -> FormPage {
    let sections = sections_of(&def.form, fields, errors);
    let error_summary = error_summary(&def.form, errors);
    FormPage {
        page: Page::new(user, frame.heading.clone(), "applications"),
        heading: frame.heading,
        programme: def.name.clone(),
        window: format!(
            "Programmet modtager ansøgninger fra {} til {}.",
            pulje_domain::date::format_date_da(def.window.opens.date()),
            pulje_domain::date::format_date_da(def.window.closes.date())
        ),
        action: frame.action,
        cancel: frame.cancel,
        version: frame.version,
        region: frame.region.as_ref().map(|(f, _)| f.clone()),
        regions: frame.region.map(|(_, c)| c).unwrap_or_default(),
        sections,
        error_summary,
        conflict,
    }
}

/// The region select of a user without a region of their own.
fn region_select(
    user: &CurrentUser,
    chosen: Option<RegionCode>,
    errors: &FieldErrors,
) -> Option<(Field, Vec<Choice>)> {
    if user.region_code().is_some() {
        return None;
    }
    let value = chosen.map(|c| c.get().to_string()).unwrap_or_default();
    let mut choices = vec![Choice::new("", "Vælg region", chosen.is_none())];
    choices.extend(RegionCode::all().map(|c| Choice::new(c.get(), c.name(), Some(c) == chosen)));
    Some((Field::new("region", "Region", &value, errors), choices))
}

async fn definition(db: &mut Db, programme_id: &str) -> PageResult<Definition> {
    if !uses::is_defined(programme_id) {
        return Err(AppError::NotFound);
    }
    let mut conn = db.conn().await?;
    definitions::latest(&mut conn, programme_id)
        .await?
        .ok_or(AppError::NotFound)
}

/// `GET /programmes/{id}/ansoeg`: an empty form.
pub async fn new(
    mut db: Db,
    user: CurrentUser,
    Path(programme_id): Path<String>,
) -> PageResult<Response> {
    let def = definition(&mut db, &programme_id).await?;
    let region = user.region_code();
    // A user without a region chooses one; the check then only asks about the role.
    policy::may_apply(&user, &def, region.unwrap_or(RegionCode::NORDJYLLAND))?;
    let none = FieldErrors::new();
    let frame = Frame {
        heading: format!("Ny ansøgning: {}", def.name),
        action: format!("/programmes/{programme_id}/ansoeg"),
        cancel: format!("/programmes/{programme_id}"),
        version: 0,
        region: region_select(&user, None, &none),
    };
    let page = form_page(&user, &def, frame, &Map::new(), &none, None);
    Ok(Html(page.render()?).into_response())
}

fn get<'p>(pairs: &'p [(String, String)], key: &str) -> Option<&'p str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// `POST /programmes/{id}/ansoeg`: saves a draft.
pub async fn create(
    mut db: Db,
    user: CurrentUser,
    Path(programme_id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    let def = definition(&mut db, &programme_id).await?;
    let fields = from_form_pairs(&def.form, &pairs);
    let chosen = get(&pairs, "region")
        .and_then(|r| r.trim().parse::<i64>().ok())
        .and_then(RegionCode::new);
    let mut errors = FieldErrors::new();
    let result = match user.region_code().or(chosen) {
        Some(region) => {
            uses::create(
                &mut db,
                &user,
                &user.actor(),
                &programme_id,
                region,
                &fields,
            )
            .await?
        }
        None => {
            errors.add("region", "Vælg den region, ansøgningen hører til.");
            Err(FieldErrors::new())
        }
    };
    match result {
        Ok(app) => {
            Ok(Redirect::to(&format!("/applications/{}?gemt=1", app.id.get())).into_response())
        }
        Err(more) => {
            for (field, messages) in more.iter() {
                for m in messages {
                    errors.add(field, m.clone());
                }
            }
            let frame = Frame {
                heading: format!("Ny ansøgning: {}", def.name),
                action: format!("/programmes/{programme_id}/ansoeg"),
                cancel: format!("/programmes/{programme_id}"),
                version: 0,
                region: region_select(&user, chosen, &errors),
            };
            let page = form_page(&user, &def, frame, &fields, &errors, None);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
        }
    }
}

fn edit_frame(app: &pulje_store::programme_applications::ProgrammeApplication) -> Frame {
    Frame {
        heading: format!("Ret: {}", app.title),
        action: format!("/applications/{}", app.id.get()),
        cancel: format!("/applications/{}", app.id.get()),
        version: app.version,
        region: None,
    }
}

/// `GET /applications/{id}/edit` for an application of a programme defined as data.
pub async fn edit(db: &mut Db, user: &CurrentUser, id: ApplicationId) -> PageResult<Response> {
    let mut conn = db.conn().await?;
    let (app, def, _) = uses::load(&mut conn, user, id).await?;
    policy::require_edit_programme_application(user, &app, &def)?;
    let page = form_page(
        user,
        &def,
        edit_frame(&app),
        &app.fields,
        &FieldErrors::new(),
        None,
    );
    Ok(Html(page.render()?).into_response())
}

/// `POST /applications/{id}` for an application of a programme defined as data.
pub async fn update(
    db: &mut Db,
    user: &CurrentUser,
    id: ApplicationId,
    pairs: &[(String, String)],
) -> PageResult<Response> {
    let (app, def) = {
        let mut conn = db.conn().await?;
        let (app, def, _) = uses::load(&mut conn, user, id).await?;
        (app, def)
    };
    let fields = from_form_pairs(&def.form, pairs);
    let version = get(pairs, "version")
        .and_then(|v| v.trim().parse::<i64>().ok())
        .unwrap_or(app.version);
    let result = uses::update(db, user, &user.actor(), id, version, &fields).await;
    let (errors, conflict, status) = match result {
        Ok(Ok(_)) => {
            return Ok(Redirect::to(&format!("/applications/{}?gemt=1", id.get())).into_response())
        }
        Ok(Err(errors)) => (errors, None, StatusCode::UNPROCESSABLE_ENTITY),
        Err(pulje_app::Error::Conflict(message)) => {
            (FieldErrors::new(), Some(message), StatusCode::CONFLICT)
        }
        Err(e) => return Err(e.into()),
    };
    let mut frame = edit_frame(&app);
    frame.version = version;
    let page = form_page(user, &def, frame, &fields, &errors, conflict);
    Ok((status, Html(page.render()?)).into_response())
}
