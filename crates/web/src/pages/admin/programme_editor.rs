//! The programme editor: the system administrator sets a programme up, or changes one, on a
//! form instead of in a definition file (`pulje_domain::programme::editor`). A programme is
//! begun from nothing, or copied from a programme or a shipped example (next year's programme
//! from this year's). Rows are added with a button and removed with a checkbox; everything typed
//! goes with every press, so nothing is lost, and nothing is saved before «Gem» finds the whole
//! definition in order.
//!
//! `GET/POST /admin/programmes/opret[?fra=ID]` for a new programme;
//! `GET/POST /admin/programmes/{id}/opsaetning` for the next version of one.

use super::*;
use crate::extract::Form;
use crate::Db;
use axum::extract::{Path, Query};
use axum::response::Redirect;
use pulje_app::programmes;
use pulje_domain::programme::editor::{self, name_of, Flat, LISTS};
use pulje_domain::programme::{
    Definition, Effect, FieldKind, OptionSource, Problem, Required, Requirement, SplitKey,
    StateKind, SHIPPED,
};
use pulje_domain::Role;
use pulje_store::programmes as stored;

/// One option of a select or a group of checkboxes.
pub struct Opt {
    pub value: String,
    pub label: String,
}

fn opts<T: serde::Serialize + Copy>(values: &[T], label: impl Fn(T) -> String) -> Vec<Opt> {
    values
        .iter()
        .map(|v| Opt {
            value: name_of(v),
            label: label(*v),
        })
        .collect()
}

/// One of a programme's forms on the page: its lists of sections and fields.
pub struct FormPart {
    legend: &'static str,
    hint: &'static str,
    sections: &'static str,
    fields: &'static str,
}

#[derive(Template)]
#[template(path = "admin/programme_editor.html")]
pub struct EditorPage {
    page: Page,
    heading: String,
    action: String,
    /// The programme being changed (its id cannot change); `None` for a new one.
    id: Option<String>,
    next_version: u32,
    /// Where a new programme was copied from (`programme:ID`, `eksempel:ID`), or "".
    from: String,
    f: Flat,
    /// The list that gets one more row (after «Tilføj»).
    extra: String,
    problems: Vec<String>,
    /// Said after «Kontrollér» found the definition in order.
    notice: Option<String>,
    /// What the form does not show and keeps from where the editing started.
    kept: Vec<String>,
    field_kinds: Vec<Opt>,
    requireds: Vec<Opt>,
    option_sources: Vec<Opt>,
    state_kinds: Vec<Opt>,
    requirements: Vec<Opt>,
    effects: Vec<Opt>,
    split_keys: Vec<Opt>,
    dues: Vec<Opt>,
    roles: Vec<Opt>,
}

impl EditorPage {
    /// The first value under `key`.
    fn v(&self, key: &str) -> &str {
        self.f.get(key)
    }

    /// A row's value: `c("funders", 2, "name")`.
    fn c(&self, list: &str, i: &usize, column: &str) -> String {
        self.f.get(&format!("{list}.{i}.{column}")).to_string()
    }

    /// Whether a row's `column` holds `value` (a chosen option, a checked box).
    fn has(&self, list: &str, i: &usize, column: &str, value: &str) -> bool {
        self.f.has(&format!("{list}.{i}.{column}"), value)
    }

    fn is(&self, key: &str, value: &str) -> bool {
        self.f.has(key, value)
    }

    fn on(&self, key: &str) -> bool {
        !self.f.get(key).is_empty()
    }

    /// The row numbers of `list` to show: at least one, and one more after «Tilføj».
    fn rows(&self, list: &str) -> Vec<usize> {
        let n = self.f.rows(list).max(1) + usize::from(self.extra == list);
        (0..n.min(editor::MAX_ROWS)).collect()
    }

    /// The ids typed in a list (the states, the sections) with their names, for choosing:
    /// `(id, "Name (id)")`.
    fn ids(&self, list: &str, name: &str) -> Vec<(String, String)> {
        self.ids_of(list, "id", name)
    }

    /// [`EditorPage::ids`] with the id in the column `id` (a step's `action`).
    fn ids_of(&self, list: &str, id: &str, name: &str) -> Vec<(String, String)> {
        let id_column = id;
        (0..self.f.rows(list))
            .filter_map(|i| {
                let id = self.f.get(&format!("{list}.{i}.{id_column}")).trim();
                let label = self.f.get(&format!("{list}.{i}.{name}")).trim();
                match (id.is_empty(), label.is_empty()) {
                    (true, _) => None,
                    (false, true) => Some((id.to_string(), id.to_string())),
                    (false, false) => Some((id.to_string(), format!("{label} ({id})"))),
                }
            })
            .collect()
    }

    /// The two forms a programme has: the application form and the evaluation form.
    fn forms(&self) -> [FormPart; 2] {
        [
            FormPart {
                legend: "Ansøgningsskema",
                hint: "",
                sections: "sections",
                fields: "fields",
            },
            FormPart {
                legend: "Evalueringsskema",
                hint: "Det, ansøgeren udfylder, når bevillingen er givet. Ingen felter: programmet har ingen evaluering.",
                sections: "esections",
                fields: "efields",
            },
        ]
    }

    /// Who may take a step: the applicant, a role, or one of the bodies typed.
    fn actors(&self) -> Vec<Opt> {
        let mut out = vec![Opt {
            value: "applicant".into(),
            label: "Ansøgeren".into(),
        }];
        out.extend(
            Role::ALL
                .into_iter()
                .filter(|r| *r != Role::Applicant)
                .map(|r| Opt {
                    value: r.as_str().into(),
                    label: r.label_da().into(),
                }),
        );
        for i in 0..self.f.rows("bodies") {
            let id = self.f.get(&format!("bodies.{i}.id")).trim();
            if !id.is_empty() {
                let name = self.f.get(&format!("bodies.{i}.name")).trim();
                out.push(Opt {
                    value: format!("body:{id}"),
                    label: if name.is_empty() {
                        id.to_string()
                    } else {
                        name.to_string()
                    },
                });
            }
        }
        out
    }
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    fra: Option<String>,
}

/// Where the editing of a new programme starts: a stored programme's newest definition, a
/// shipped example, or nothing.
async fn origin(db: &mut Db, from: &str) -> PageResult<Option<Definition>> {
    if let Some(id) = from.strip_prefix("programme:") {
        return match programmes::definition(db, id).await {
            Ok(def) => Ok(Some(def)),
            Err(pulje_app::Error::NotFound) => Err(AppError::NotFound),
            Err(e) => Err(e.into()),
        };
    }
    if let Some(id) = from.strip_prefix("eksempel:") {
        let text = SHIPPED
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, text)| *text)
            .ok_or(AppError::NotFound)?;
        return Definition::from_toml(text)
            .map(Some)
            .map_err(|_| AppError::NotFound);
    }
    Ok(None)
}

/// `GET /admin/programmes/opret[?fra=programme:ID|eksempel:ID]`.
pub async fn new(mut db: Db, user: CurrentUser, Query(q): Query<NewQuery>) -> PageResult<Response> {
    policy::require_edit_programmes(&user)?;
    let from = q.fra.unwrap_or_default();
    let base = origin(&mut db, &from).await?;
    let f = match &base {
        Some(def) => {
            let mut f = editor::to_flat(def);
            // A copy is a new programme: it needs an id of its own.
            f.set("id", "");
            f.set("name", format!("{} (kopi)", def.name));
            f
        }
        None => editor::blank(),
    };
    respond(StatusCode::OK, page(&user, None, 1, from, f, base.as_ref()))
}

/// `POST /admin/programmes/opret`.
pub async fn create(
    mut db: Db,
    user: CurrentUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    policy::require_edit_programmes(&user)?;
    let f = Flat::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))).without_removed();
    let from = f.get("fra").to_string();
    let base = origin(&mut db, &from).await?;
    let mut view = page(&user, None, 1, from, f, base.as_ref());
    let def = match press(&mut view, base.as_ref()) {
        Some(def) => def,
        None => return shown(view),
    };
    let exists = {
        let mut conn = db.conn().await?;
        stored::get(&mut conn, &def.id).await?.is_some()
    };
    if exists {
        view.problems = vec![format!(
            "Grundoplysninger: programmet «{}» findes allerede. Vælg et andet id.",
            def.id
        )];
        return respond(StatusCode::UNPROCESSABLE_ENTITY, view);
    }
    install(&mut db, &user, view, &def).await
}

/// `GET /admin/programmes/{id}/opsaetning`: the programme's newest definition on the form.
pub async fn edit(mut db: Db, user: CurrentUser, Path(id): Path<String>) -> PageResult<Response> {
    policy::require_edit_programmes(&user)?;
    let def = programmes::definition(&mut db, &id).await?;
    let f = editor::to_flat(&def);
    respond(
        StatusCode::OK,
        page(
            &user,
            Some(id),
            def.version + 1,
            String::new(),
            f,
            Some(&def),
        ),
    )
}

/// `POST /admin/programmes/{id}/opsaetning`: saved as the programme's next version.
pub async fn update(
    mut db: Db,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    policy::require_edit_programmes(&user)?;
    let base = programmes::definition(&mut db, &id).await?;
    let mut f =
        Flat::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))).without_removed();
    // The programme's id is the address's; the form does not offer to change it.
    f.set("id", &id);
    let mut view = page(
        &user,
        Some(id),
        base.version + 1,
        String::new(),
        f,
        Some(&base),
    );
    match press(&mut view, Some(&base)) {
        Some(def) => install(&mut db, &user, view, &def).await,
        None => shown(view),
    }
}

/// Does what the button pressed asks: adds a row or checks the definition (then `None`, the page
/// is shown again), or reads the definition to be saved.
fn press(view: &mut EditorPage, base: Option<&Definition>) -> Option<Definition> {
    let pressed = view.f.get("handling").to_string();
    if let Some(list) = pressed.strip_prefix("tilfoej:") {
        if LISTS.contains(&list) {
            view.extra = list.to_string();
        }
        return None;
    }
    match editor::from_flat(&view.f, base, view.next_version) {
        Ok(def) if pressed == "gem" => Some(def),
        Ok(_) => {
            view.notice = Some(
                "Definitionen er i orden. Intet er gemt endnu: tryk «Gem», når du er færdig."
                    .into(),
            );
            None
        }
        Err(problems) => {
            view.problems = problems.iter().map(problem_da).collect();
            None
        }
    }
}

/// The page after a press that saved nothing: 422 when it found problems.
fn shown(view: EditorPage) -> PageResult<Response> {
    let status = if view.problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    respond(status, view)
}

async fn install(
    db: &mut Db,
    user: &CurrentUser,
    mut view: EditorPage,
    def: &Definition,
) -> PageResult<Response> {
    match programmes::install(db, &user.actor(), def).await {
        Ok(done) => Ok(Redirect::to(&format!(
            "/programmes/{}?version={}#opbygning",
            done.programme_id, done.version
        ))
        .into_response()),
        Err(pulje_app::Error::Invalid(m) | pulje_app::Error::Conflict(m)) => {
            view.problems = m.lines().map(str::to_string).collect();
            respond(StatusCode::UNPROCESSABLE_ENTITY, view)
        }
        Err(e) => Err(e.into()),
    }
}

/// A problem with the part of the form it is about: a value that could not be read already
/// names its row; a check of the whole definition names its place in the definition file, here
/// put under the form's heading for that part.
fn problem_da(p: &Problem) -> String {
    const PARTS: [(&str, &str); 18] = [
        ("id", "Grundoplysninger"),
        ("name", "Grundoplysninger"),
        ("owner", "Grundoplysninger"),
        ("version", "Grundoplysninger"),
        ("window", "Ansøgningsperiode"),
        ("funders", "Finansiering"),
        ("split", "Fordeling"),
        ("tranches", "Puljer"),
        ("applicants", "Ansøgere"),
        ("bodies", "Organer"),
        ("form", "Ansøgningsskema"),
        ("review", "Bedømmelse"),
        ("workflow", "Sagsgang"),
        ("money", "Udbetaling"),
        ("signatures", "Underskrifter"),
        ("evaluation", "Evalueringsskema"),
        ("report", "Rapport"),
        ("mail", "Breve"),
    ];
    let head = p.place.split(['.', ' ', '[']).next().unwrap_or_default();
    match PARTS.iter().find(|(key, _)| *key == head) {
        Some((_, part)) => format!("{part} ({}): {}", p.place, p.message),
        None => p.to_string(),
    }
}

fn page(
    user: &CurrentUser,
    id: Option<String>,
    next_version: u32,
    from: String,
    f: Flat,
    base: Option<&Definition>,
) -> EditorPage {
    let heading = match &id {
        Some(id) => format!("Opsætning af programmet «{id}»"),
        None => "Nyt program".to_string(),
    };
    let action = match &id {
        Some(id) => format!("/admin/programmes/{id}/opsaetning"),
        None => "/admin/programmes/opret".to_string(),
    };
    let kept = base.map(kept_parts).unwrap_or_default();
    EditorPage {
        page: Page::new(user, heading.clone(), "/admin"),
        heading,
        action,
        id,
        next_version,
        from,
        f,
        extra: String::new(),
        problems: Vec::new(),
        notice: None,
        kept,
        field_kinds: opts(
            &[
                FieldKind::Text,
                FieldKind::LongText,
                FieldKind::Amount,
                FieldKind::Date,
                FieldKind::Period,
                FieldKind::Choice,
                FieldKind::MultiChoice,
                FieldKind::People,
                FieldKind::Organisation,
                FieldKind::Attachment,
            ],
            |k| k.label_da().into(),
        ),
        requireds: opts(
            &[Required::Never, Required::Submit, Required::Always],
            |r| r.label_da().into(),
        ),
        option_sources: opts(
            &[
                OptionSource::Areas,
                OptionSource::Tiers,
                OptionSource::Hospitals,
            ],
            |s| {
                match s {
                    OptionSource::Areas => "programmets områder",
                    OptionSource::Tiers => "tillægstrinene",
                    OptionSource::Hospitals => "regionens hospitaler",
                }
                .into()
            },
        ),
        state_kinds: opts(
            &[StateKind::Editable, StateKind::Open, StateKind::Final],
            |k| k.label_da().into(),
        ),
        requirements: opts(
            &[
                Requirement::Complete,
                Requirement::Comment,
                Requirement::Reason,
                Requirement::Amount,
                Requirement::Meeting,
                Requirement::Tier,
            ],
            |q| q.label_da().into(),
        ),
        effects: opts(
            &[
                Effect::Commit,
                Effect::Documentation,
                Effect::Sign,
                Effect::Terminate,
            ],
            |e| e.label_da().into(),
        ),
        split_keys: opts(
            &[
                SplitKey::Equal,
                SplitKey::Population,
                SplitKey::Table,
                SplitKey::Manual,
            ],
            |k| k.label_da().into(),
        ),
        dues: vec![
            Opt {
                value: "approval".into(),
                label: "ved bevillingen".into(),
            },
            Opt {
                value: "documentation".into(),
                label: "når dokumentationen er godkendt".into(),
            },
            Opt {
                value: "on".into(),
                label: "på en dato".into(),
            },
        ],
        roles: Role::ALL
            .into_iter()
            .map(|r| Opt {
                value: r.as_str().into(),
                label: r.label_da().into(),
            })
            .collect(),
    }
}

/// The parts of a definition the form does not show, which a save keeps as they are.
fn kept_parts(def: &Definition) -> Vec<String> {
    let extras: usize = def
        .split
        .units
        .iter()
        .map(|u| u.areas.len() + u.tiers.len() + u.rounds.len())
        .sum();
    if extras > 0 {
        vec!["enhedernes områder, tillægstrin og ansøgningsrunder".into()]
    } else {
        Vec::new()
    }
}
