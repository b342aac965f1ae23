//! The evaluation of an application of a programme defined as data
//! (`/applications/{id}/evaluering`): its definition's evaluation form, drawn like the
//! application form, for the application's writer once it is granted; read-only once submitted,
//! and for the region's administrators. A refused save shows the form again as typed, with each
//! field's problem.

use super::programme_form::{error_summary, sections_of, FormSection};
use crate::auth::CurrentUser;
use crate::error::{AppError, PageResult};
use crate::extract::Form;
use crate::views::Page;
use crate::Db;
use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use pulje_app::programme_evaluations::{self as uses, Loaded};
use pulje_domain::programme::values::{self, from_form_pairs, Stage};
use pulje_domain::{ApplicationId, FieldErrors};
use serde::Deserialize;
use serde_json::{Map, Value as Json};

pub struct Fact {
    label: String,
    value: String,
}

pub struct ReadSection {
    title: String,
    facts: Vec<Fact>,
}

#[derive(Template)]
#[template(path = "applications/programme_evaluation.html")]
struct EvaluationPage {
    page: Page,
    app_id: i64,
    title: String,
    programme: String,
    /// `ikke begyndt`, `kladde` or `sendt`.
    state: &'static str,
    open: bool,
    can_edit: bool,
    version: i64,
    /// The form's inputs, when the user fills it in.
    sections: Vec<FormSection>,
    /// The values, when the user reads it.
    read: Vec<ReadSection>,
    submitted_at: String,
    error_summary: Vec<(String, String)>,
    conflict: Option<String>,
}

fn state_of(loaded: &Loaded) -> uses::ProgrammeEvaluationState {
    match &loaded.evaluation {
        None => uses::ProgrammeEvaluationState::NotBegun,
        Some(e) if e.is_submitted() => uses::ProgrammeEvaluationState::Submitted,
        Some(_) => uses::ProgrammeEvaluationState::Draft,
    }
}

fn render(
    user: &CurrentUser,
    loaded: &Loaded,
    fields: &Map<String, Json>,
    errors: &FieldErrors,
    conflict: Option<String>,
    notice: Option<String>,
) -> EvaluationPage {
    let form = &loaded.def.evaluation;
    let (sections, read) = if loaded.can_edit {
        (sections_of(form, fields, errors, &[]), Vec::new())
    } else {
        // Stored values were read by this form when saved; they read again.
        let values = values::read(form, fields, Stage::Draft, &|_| None).unwrap_or_default();
        let read = form
            .sections
            .iter()
            .map(|s| ReadSection {
                title: s.title.clone(),
                facts: s
                    .fields
                    .iter()
                    .map(|f| Fact {
                        label: f.label.clone(),
                        value: values
                            .get(&f.name)
                            .map(super::programme_application::shown)
                            .unwrap_or_default(),
                    })
                    .collect(),
            })
            .collect();
        (Vec::new(), read)
    };
    let mut page = Page::new(
        user,
        format!("Evaluering: {}", loaded.app.title),
        "applications",
    );
    page.notice = notice;
    let evaluation = loaded.evaluation.as_ref();
    EvaluationPage {
        page,
        app_id: loaded.app.id.get(),
        title: loaded.app.title.clone(),
        programme: loaded.def.name.clone(),
        state: state_of(loaded).label_da(),
        open: loaded.open,
        can_edit: loaded.can_edit,
        version: evaluation.map_or(0, |e| e.version),
        sections,
        read,
        submitted_at: evaluation
            .and_then(|e| e.submitted_at.as_deref())
            .map(crate::views::timestamp_da)
            .unwrap_or_default(),
        error_summary: error_summary(form, errors),
        conflict,
    }
}

#[derive(Deserialize)]
pub struct ShowQuery {
    gemt: Option<String>,
    sendt: Option<String>,
}

/// `GET /applications/{id}/evaluering`.
pub async fn show(
    mut db: Db,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<ShowQuery>,
) -> PageResult<Html<String>> {
    let mut conn = db.conn().await?;
    let loaded = uses::load(&mut conn, &user, ApplicationId::new(id)).await?;
    let notice = if q.sendt.is_some() {
        Some("Evalueringen er sendt.".to_string())
    } else if q.gemt.is_some() {
        Some("Evalueringen er gemt som kladde.".to_string())
    } else {
        None
    };
    let fields = loaded
        .evaluation
        .as_ref()
        .map(|e| e.fields.clone())
        .unwrap_or_default();
    let page = render(&user, &loaded, &fields, &FieldErrors::new(), None, notice);
    Ok(Html(page.render()?))
}

fn get<'p>(pairs: &'p [(String, String)], key: &str) -> Option<&'p str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// `POST /applications/{id}/evaluering`: saves a draft (`handling=gem`) or submits it
/// (`handling=send`).
pub async fn save(
    mut db: Db,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    let id = ApplicationId::new(id);
    let loaded = {
        let mut conn = db.conn().await?;
        uses::load(&mut conn, &user, id).await?
    };
    let fields = from_form_pairs(&loaded.def.evaluation, &pairs);
    let version = get(&pairs, "version")
        .and_then(|v| v.trim().parse::<i64>().ok())
        .unwrap_or(-1);
    let submit = get(&pairs, "handling") == Some("send");
    let result = uses::save(&mut db, &user, &user.actor(), id, version, &fields, submit).await;
    let (errors, conflict, status) = match result {
        Ok(Ok(_)) => {
            let done = if submit { "sendt" } else { "gemt" };
            return Ok(
                Redirect::to(&format!("/applications/{}/evaluering?{done}=1", id.get()))
                    .into_response(),
            );
        }
        Ok(Err(errors)) => (errors, None, StatusCode::UNPROCESSABLE_ENTITY),
        Err(pulje_app::Error::Conflict(message)) => {
            (FieldErrors::new(), Some(message), StatusCode::CONFLICT)
        }
        Err(e) => return Err(AppError::from(e)),
    };
    // Shown again as typed, on the version the user had (a stale one stays stale).
    let mut page = render(&user, &loaded, &fields, &errors, conflict, None);
    page.version = version.max(0);
    Ok((status, Html(page.render()?)).into_response())
}
