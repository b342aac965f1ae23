//! `/admin/programmes`: the system administrator sets up a programme from a definition (written
//! in the browser, pasted, or started from one of the shipped examples) and changes a
//! programme's definition, saved as its next version. A definition with problems is shown again
//! as typed, with every problem named.

use super::*;
use crate::extract::Form;
use crate::Db;
use axum::extract::{Path, Query};
use axum::response::Redirect;
use pulje_app::programmes::{self, Format};
use pulje_domain::programme::{Definition, MAX_FILE_BYTES, SHIPPED};
use pulje_store::{definitions, programmes as stored};

pub struct ProgrammeRow {
    id: String,
    name: String,
    version: String,
}

#[derive(Template)]
#[template(path = "admin/programmes.html")]
struct ListPage {
    page: Page,
    programmes: Vec<ProgrammeRow>,
    examples: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "admin/programme_edit.html")]
struct EditPage {
    page: Page,
    /// The programme being changed; `None` when a new one is set up.
    id: Option<String>,
    heading: String,
    text: String,
    problems: Vec<String>,
    next_version: u32,
    max_kb: usize,
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    eksempel: Option<String>,
}

#[derive(Deserialize)]
pub struct DefinitionForm {
    #[serde(default)]
    definition: String,
}

pub async fn list(mut db: Db, user: CurrentUser) -> PageResult<Response> {
    policy::require_edit_programmes(&user)?;
    let mut conn = db.conn().await?;
    let mut rows = Vec::new();
    for p in stored::programmes(&mut conn).await? {
        let versions = definitions::versions(&mut conn, &p.id).await?;
        rows.push(ProgrammeRow {
            version: versions
                .last()
                .map_or("ingen definition".into(), |v| format!("version {v}")),
            id: p.id,
            name: p.name,
        });
    }
    let examples = SHIPPED
        .iter()
        .filter_map(|(id, text)| Definition::from_toml(text).ok().map(|d| (id, d.name)))
        .map(|(id, name)| Choice::new(id, name, false))
        .collect();
    respond(
        StatusCode::OK,
        ListPage {
            page: Page::new(&user, "Programmer", "/admin"),
            programmes: rows,
            examples,
        },
    )
}

/// `GET /admin/programmes/new[?eksempel=ID]`: an empty editor, or one holding a shipped example.
pub async fn new(user: CurrentUser, Query(q): Query<NewQuery>) -> PageResult<Response> {
    policy::require_edit_programmes(&user)?;
    let text = q
        .eksempel
        .as_deref()
        .and_then(|id| SHIPPED.iter().find(|(i, _)| *i == id))
        .map(|(_, text)| text.to_string())
        .unwrap_or_default();
    respond(StatusCode::OK, edit_page(&user, None, text, Vec::new(), 1))
}

/// `POST /admin/programmes`: sets a new programme up from the definition typed.
pub async fn create(
    mut db: Db,
    user: CurrentUser,
    Form(form): Form<DefinitionForm>,
) -> PageResult<Response> {
    policy::require_edit_programmes(&user)?;
    let text = form.definition;
    let def = match checked(&text) {
        Ok(def) => def,
        Err(problems) => {
            return respond(
                StatusCode::UNPROCESSABLE_ENTITY,
                edit_page(&user, None, text, problems, 1),
            )
        }
    };
    let exists = {
        let mut conn = db.conn().await?;
        stored::get(&mut conn, &def.id).await?.is_some()
    };
    if exists {
        let problem = format!(
            "id: programmet «{}» findes allerede. Vælg et andet id, eller ret programmet under Programmer.",
            def.id
        );
        return respond(
            StatusCode::UNPROCESSABLE_ENTITY,
            edit_page(&user, None, text, vec![problem], 1),
        );
    }
    match programmes::install(&mut db, &user.actor(), &def).await {
        Ok(_) => Ok(Redirect::to(&format!("/programmes/{}#opbygning", def.id)).into_response()),
        Err(pulje_app::Error::Invalid(m) | pulje_app::Error::Conflict(m)) => respond(
            StatusCode::UNPROCESSABLE_ENTITY,
            edit_page(&user, None, text, vec![m], 1),
        ),
        Err(e) => Err(e.into()),
    }
}

/// `GET /admin/programmes/{id}`: the programme's newest definition in the editor.
pub async fn edit(mut db: Db, user: CurrentUser, Path(id): Path<String>) -> PageResult<Response> {
    policy::require_edit_programmes(&user)?;
    let def = programmes::definition(&mut db, &id).await?;
    let next = def.version + 1;
    let text = programmes::write(&def, Format::Toml);
    respond(
        StatusCode::OK,
        edit_page(&user, Some(id), text, Vec::new(), next),
    )
}

/// `POST /admin/programmes/{id}`: the definition typed, saved as the programme's next version.
pub async fn update(
    mut db: Db,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<DefinitionForm>,
) -> PageResult<Response> {
    policy::require_edit_programmes(&user)?;
    let newest = {
        let mut conn = db.conn().await?;
        definitions::versions(&mut conn, &id).await?.last().copied()
    }
    .ok_or(AppError::NotFound)?;
    let next = newest + 1;
    let text = form.definition;
    let refuse = |problems: Vec<String>| {
        respond(
            StatusCode::UNPROCESSABLE_ENTITY,
            edit_page(&user, Some(id.clone()), text.clone(), problems, next),
        )
    };
    let mut def = match checked(&text) {
        Ok(def) => def,
        Err(problems) => return refuse(problems),
    };
    if def.id != id {
        return refuse(vec![format!(
            "id: definitionen hedder «{}», men du retter programmet «{id}». Et nyt id er et nyt program: opret det under Nyt program.",
            def.id
        )]);
    }
    // Saving here always makes the next version, whatever the text says.
    def.version = next;
    match programmes::install(&mut db, &user.actor(), &def).await {
        Ok(done) => Ok(Redirect::to(&format!(
            "/programmes/{}?version={}#opbygning",
            done.programme_id, done.version
        ))
        .into_response()),
        Err(pulje_app::Error::Invalid(m) | pulje_app::Error::Conflict(m)) => refuse(vec![m]),
        Err(e) => Err(e.into()),
    }
}

/// The definition typed, or every problem with it.
fn checked(text: &str) -> Result<Definition, Vec<String>> {
    if text.trim().is_empty() {
        return Err(vec![
            "Definitionen er tom. Skriv den, eller start fra et eksempel.".into(),
        ]);
    }
    programmes::read(text, Format::Toml).map_err(|e| match e {
        pulje_app::Error::Invalid(lines) => lines.lines().map(str::to_string).collect(),
        // Reading a text has no other refusal; never show an internal cause.
        _ => vec!["Definitionen kunne ikke læses.".into()],
    })
}

fn edit_page(
    user: &CurrentUser,
    id: Option<String>,
    text: String,
    problems: Vec<String>,
    next_version: u32,
) -> EditPage {
    let heading = match &id {
        Some(id) => format!("Ret programmet «{id}»"),
        None => "Nyt program".to_string(),
    };
    EditPage {
        page: Page::new(user, heading.clone(), "/admin"),
        id,
        heading,
        text,
        problems,
        next_version,
        max_kb: MAX_FILE_BYTES / 1024,
    }
}
