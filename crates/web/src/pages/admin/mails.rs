//! `/admin/mails`: the region's mail templates per programme. A region's administrator (and the
//! system administrator, for any region) sees each event with its current subject and body,
//! edits one, previews it filled in with the region's newest application of the programme, and
//! resets it to the built-in text. Another region's templates are a 404; every change audited
//! by the store.

use super::*;
use crate::extract::Form;
use crate::Db;
use axum::extract::{Path, Query, State};
use axum::response::Redirect;
use pulje_domain::mail::{self, Event};
use pulje_store::{mail_templates, org, programmes};

const PATH: &str = "/admin/mails";

pub struct ProgrammeLink {
    href: String,
    label: String,
}

#[derive(Template)]
#[template(path = "admin/mails.html")]
struct IndexPage {
    page: Page,
    links: Vec<ProgrammeLink>,
}

/// The regions and programmes whose templates the user may edit.
pub async fn index(mut db: Db, user: CurrentUser) -> PageResult<Html<String>> {
    let scope = policy::admin_scope(&user)?;
    let mut conn = db.conn().await?;
    let programmes = programmes::programmes(&mut conn).await?;
    let mut links = Vec::new();
    for region in org::regions(&mut conn).await? {
        if !scope.allows(region.code) {
            continue;
        }
        for p in &programmes {
            links.push(ProgrammeLink {
                href: format!("{PATH}/{}/{}", region.code.get(), p.id),
                label: format!("{}: {}", region.name, p.name),
            });
        }
    }
    Ok(Html(
        IndexPage {
            page: Page::new(&user, "Mailskabeloner", "/admin"),
            links,
        }
        .render()?,
    ))
}

pub struct EventRow {
    label: &'static str,
    to: &'static str,
    subject: String,
    custom: bool,
    href: String,
}

#[derive(Template)]
#[template(path = "admin/mail_events.html")]
struct EventsPage {
    page: Page,
    region: String,
    programme: String,
    rows: Vec<EventRow>,
}

/// The region and programme a template address names.
struct Place {
    code: RegionCode,
    /// The region's name.
    region: String,
    programme: programmes::Programme,
}

/// The region and programme of a template address, after the policy: another region's is a
/// 404, as is an unknown region or programme.
async fn place(
    db: &mut Db,
    user: &CurrentUser,
    code: i64,
    programme_id: &str,
) -> PageResult<Place> {
    let code = crate::error::region(code)?;
    require_admin_of(user, code)?;
    let mut conn = db.conn().await?;
    let region = org::get_region(&mut conn, code.get())
        .await?
        .ok_or(AppError::NotFound)?;
    let programme = programmes::get(&mut conn, programme_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Place {
        code,
        region: region.name,
        programme,
    })
}

#[derive(Deserialize)]
pub struct Saved {
    #[serde(default)]
    gemt: String,
}

/// `GET /admin/mails/{region}/{programme}`: every event with its current template.
pub async fn events(
    mut db: Db,
    user: CurrentUser,
    Path((code, programme_id)): Path<(i64, String)>,
    Query(q): Query<Saved>,
) -> PageResult<Html<String>> {
    let Place {
        code,
        region,
        programme,
    } = place(&mut db, &user, code, &programme_id).await?;
    let mut conn = db.conn().await?;
    let rows = mail_templates::all(&mut conn, code, &programme.id)
        .await?
        .into_iter()
        .zip(mail::EVENTS)
        .map(|(t, e)| EventRow {
            label: e.label_da,
            to: e.to_da,
            subject: t.subject,
            custom: t.custom,
            href: format!("{PATH}/{}/{}/{}", code.get(), programme.id, e.key),
        })
        .collect();
    let notice = match q.gemt.as_str() {
        "" => None,
        "nulstillet" => Some("Skabelonen bruger igen standardteksten.".to_string()),
        _ => Some("Skabelonen er gemt.".to_string()),
    };
    Ok(Html(
        EventsPage {
            page: Page::new(
                &user,
                format!("Mailskabeloner: {}", programme.name),
                "/admin",
            )
            .with_notice(notice),
            region,
            programme: programme.name,
            rows,
        }
        .render()?,
    ))
}

#[derive(Template)]
#[template(path = "admin/mail_template.html")]
struct TemplatePage {
    page: Page,
    region: String,
    programme: String,
    back: String,
    action: String,
    event: &'static Event,
    guide: Vec<(&'static str, &'static str)>,
    subject: String,
    body: String,
    custom: bool,
    subject_error: Option<String>,
    body_error: Option<String>,
    default_subject: &'static str,
    default_body: &'static str,
    /// The preview: subject and text as sent, or why there is none.
    preview: Result<(String, String), String>,
    max_subject: usize,
    max_body: usize,
}

struct Typed<'a> {
    subject: &'a str,
    body: &'a str,
    custom: bool,
    problems: Vec<(&'static str, String)>,
}

async fn render(
    db: &mut Db,
    state: &AppState,
    user: &CurrentUser,
    place: Place,
    event: &'static Event,
    typed: Typed<'_>,
) -> PageResult<Html<String>> {
    let Place {
        code,
        region,
        programme,
    } = place;
    let mut conn = db.conn().await?;
    let sample = mail_templates::sample(&mut conn, code, &programme.id).await?;
    drop(conn);
    let problem = |field: &str| {
        typed
            .problems
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.clone())
    };
    let preview = match (&sample, typed.problems.is_empty()) {
        (_, false) => Err("Ret fejlene i skabelonen for at se et eksempel.".to_string()),
        (None, _) => Err(format!(
            "Der er endnu ingen ansøgninger til {} i regionen at vise et eksempel med.",
            programme.name
        )),
        (Some(sample), true) => {
            let (subject, text) = mail_templates::preview(
                event,
                typed.subject,
                typed.body,
                sample,
                &user.user.name,
                &region,
            );
            Ok((
                subject,
                pulje_app::mailer::absolute_links(&text, &state.config.public_url),
            ))
        }
    };
    let base = format!("{PATH}/{}/{}", code.get(), programme.id);
    Ok(Html(
        TemplatePage {
            page: Page::new(user, format!("Mailskabelon: {}", event.label_da), "/admin"),
            region,
            programme: programme.name.clone(),
            action: format!("{base}/{}", event.key),
            back: base,
            event,
            guide: event.guide(),
            subject: typed.subject.to_string(),
            body: typed.body.to_string(),
            custom: typed.custom,
            subject_error: problem("subject"),
            body_error: problem("body"),
            default_subject: event.subject,
            default_body: event.body,
            preview,
            max_subject: mail::MAX_SUBJECT,
            max_body: mail::MAX_BODY,
        }
        .render()?,
    ))
}

fn event_of(key: &str) -> PageResult<&'static Event> {
    mail::event(key).ok_or(AppError::NotFound)
}

/// `GET /admin/mails/{region}/{programme}/{event}`: the edit form with a preview.
pub async fn show(
    State(state): State<AppState>,
    mut db: Db,
    user: CurrentUser,
    Path((code, programme_id, key)): Path<(i64, String, String)>,
) -> PageResult<Html<String>> {
    let place = place(&mut db, &user, code, &programme_id).await?;
    let event = event_of(&key)?;
    let mut conn = db.conn().await?;
    let current =
        mail_templates::current(&mut conn, place.code, &place.programme.id, event).await?;
    drop(conn);
    let typed = Typed {
        subject: &current.subject,
        body: &current.body,
        custom: current.custom,
        problems: Vec::new(),
    };
    render(&mut db, &state, &user, place, event, typed).await
}

#[derive(Deserialize)]
pub struct TemplateForm {
    #[serde(default)]
    subject: String,
    #[serde(default)]
    body: String,
    /// `gem` saves; `vis` only shows the preview of what was typed.
    #[serde(default)]
    handling: String,
}

/// `POST /admin/mails/{region}/{programme}/{event}`: saves (then back to the list) or previews
/// what was typed; a refused text is shown again as typed, its problem named (422).
pub async fn save(
    State(state): State<AppState>,
    mut db: Db,
    user: CurrentUser,
    Path((code, programme_id, key)): Path<(i64, String, String)>,
    Form(form): Form<TemplateForm>,
) -> PageResult<Response> {
    let place = place(&mut db, &user, code, &programme_id).await?;
    let (code, programme_id) = (place.code, place.programme.id.clone());
    let event = event_of(&key)?;
    let body = form.body.replace("\r\n", "\n");
    let problems = mail_templates::problems(event, &form.subject, &body);
    let mut conn = db.conn().await?;
    let custom = mail_templates::current(&mut conn, code, &programme_id, event)
        .await?
        .custom;
    drop(conn);
    if form.handling == "gem" && problems.is_empty() {
        let mut tx = db.begin().await?;
        mail_templates::save(
            &mut tx,
            &user.actor(),
            code,
            &programme_id,
            event,
            &form.subject,
            &body,
        )
        .await?;
        tx.commit().await?;
        return Ok(Redirect::to(&format!(
            "{PATH}/{}/{}?gemt={}",
            code.get(),
            programme_id,
            event.key
        ))
        .into_response());
    }
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let typed = Typed {
        subject: &form.subject,
        body: &body,
        custom,
        problems,
    };
    let page = render(&mut db, &state, &user, place, event, typed).await?;
    Ok((status, page).into_response())
}

/// `POST /admin/mails/{region}/{programme}/{event}/nulstil`: back to the built-in text.
pub async fn reset(
    mut db: Db,
    user: CurrentUser,
    Path((code, programme_id, key)): Path<(i64, String, String)>,
) -> PageResult<Response> {
    let Place {
        code, programme, ..
    } = place(&mut db, &user, code, &programme_id).await?;
    let event = event_of(&key)?;
    let mut tx = db.begin().await?;
    mail_templates::reset(&mut tx, &user.actor(), code, &programme.id, event).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!(
        "{PATH}/{}/{}?gemt=nulstillet",
        code.get(),
        programme.id
    ))
    .into_response())
}
