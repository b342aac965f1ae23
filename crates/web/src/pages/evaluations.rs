//! The evaluation of an agreement: the form the responsible afdelingslæge (or a department
//! leader) fills in once the agreement is active or ended, saved as a draft with a version check
//! and submitted when complete; read-only for the region's administrators and groups. Also a
//! region's overview of evaluations owed, with due and overdue ones, and the catalogue opt-out.

use crate::auth::policy;
use crate::auth::CurrentUser;
use crate::error::{AppError, PageResult};
use crate::extract::Form;
use crate::views::{self, Choice, Field, Page};
use crate::Db;
use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use pulje_app::applications::get as get_application;
use pulje_domain::evaluation::{
    self, CareerTrack, Challenge, EvaluationData, EvaluationInput, PurposesMet, Recommendation,
    TrialType,
};
use pulje_domain::{ApplicationId, FieldErrors, RegionCode};
use pulje_store::applications::Application;
use pulje_store::evaluations::{self, Evaluation, Owner, Target};
use pulje_store::{catalogue, Connection, StoreError};
use serde::Deserialize;

/// The evaluation's state as the application's page shows it.
pub struct Summary {
    pub status: String,
    pub due: String,
    pub overdue: bool,
}

fn status_label(e: Option<&Evaluation>) -> &'static str {
    match e {
        Some(e) if e.is_submitted() => "Indsendt",
        Some(_) => "Kladde",
        None => "Ikke påbegyndt",
    }
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

/// The summary for the application's page, when the agreement can be evaluated and `user` may
/// read its evaluation.
pub(crate) async fn summary(
    conn: &mut Connection,
    user: &CurrentUser,
    app: &Application,
) -> PageResult<Option<Summary>> {
    if !evaluation::can_evaluate(app.status) || policy::require_view_evaluation(user, app).is_err()
    {
        return Ok(None);
    }
    let e = evaluations::get(conn, Target::Application(app.id)).await?;
    let due = evaluations::due_of(app);
    let submitted = e.as_ref().is_some_and(Evaluation::is_submitted);
    Ok(Some(Summary {
        status: status_label(e.as_ref()).into(),
        due: due.map(views::date_da).unwrap_or_default(),
        overdue: !submitted && due.is_some_and(|d| d < today()),
    }))
}

const LABELS: [(&str, &str); 13] = [
    ("purposes_met", "Blev forsøgets formål opfyldt?"),
    ("purposes_text", "Uddyb: hvad blev opfyldt, og hvad ikke?"),
    (
        "gained_text",
        "Hvad har afdelingslægen fået ud af forsøget?",
    ),
    (
        "effect_text",
        "Hvilken effekt har forsøget haft for afdelingen og dens patienter?",
    ),
    (
        "development_percent",
        "Andel af tiden brugt på udvikling (%)",
    ),
    ("time_text", "Uddyb fordelingen mellem drift og udvikling"),
    ("recommendation", "Anbefaling"),
    ("recommendation_text", "Begrundelse for anbefalingen"),
    ("career_track", "Karrierespor"),
    ("trial_type", "Forsøgets type"),
    ("challenges", "Udfordringer undervejs"),
    ("challenges_text", "Andre udfordringer eller uddybning"),
    ("advice_text", "Gode råd til næste overenskomst"),
];

fn label(field: &str) -> &'static str {
    LABELS
        .iter()
        .find(|(k, _)| *k == field)
        .map(|(_, l)| *l)
        .unwrap_or("Felt")
}

pub struct Fact {
    label: &'static str,
    value: String,
}

#[derive(Template)]
#[template(path = "evaluations/form.html")]
struct FormPage {
    page: Page,
    app_id: i64,
    title: String,
    status: &'static str,
    due: String,
    overdue: bool,
    /// Why the form cannot be filled in now, if it cannot.
    closed: Option<String>,
    editable: bool,
    version: i64,
    error_title: String,
    error_summary: Vec<(String, String)>,
    conflict: Option<String>,
    facts: Vec<Fact>,
    purposes_met: Field,
    purposes_choices: Vec<Choice>,
    purposes_text: Field,
    gained_text: Field,
    effect_text: Field,
    development_percent: Field,
    time_text: Field,
    recommendation: Field,
    recommendation_choices: Vec<Choice>,
    recommendation_text: Field,
    career_track: Field,
    track_choices: Vec<Choice>,
    trial_type: Field,
    type_choices: Vec<Choice>,
    challenges: Field,
    challenge_choices: Vec<Choice>,
    challenges_text: Field,
    advice_text: Field,
}

fn choices<T: Copy>(
    all: &[T],
    id: fn(T) -> &'static str,
    name: fn(T) -> &'static str,
    current: &str,
) -> Vec<Choice> {
    all.iter()
        .map(|v| Choice::new(id(*v), name(*v), current.trim() == id(*v)))
        .collect()
}

fn facts(data: &EvaluationData) -> Vec<Fact> {
    let opt = |v: Option<&'static str>| v.unwrap_or("").to_string();
    vec![
        Fact {
            label: label("purposes_met"),
            value: opt(data.purposes_met.map(PurposesMet::label_da)),
        },
        Fact {
            label: label("purposes_text"),
            value: data.purposes_text.clone(),
        },
        Fact {
            label: label("gained_text"),
            value: data.gained_text.clone(),
        },
        Fact {
            label: label("effect_text"),
            value: data.effect_text.clone(),
        },
        Fact {
            label: label("development_percent"),
            value: data
                .development_percent
                .map(|p| format!("{p} % udvikling, {} % drift", 100 - p))
                .unwrap_or_default(),
        },
        Fact {
            label: label("time_text"),
            value: data.time_text.clone(),
        },
        Fact {
            label: label("recommendation"),
            value: opt(data.recommendation.map(Recommendation::label_da)),
        },
        Fact {
            label: label("recommendation_text"),
            value: data.recommendation_text.clone(),
        },
        Fact {
            label: label("career_track"),
            value: opt(data.career_track.map(CareerTrack::label_da)),
        },
        Fact {
            label: label("trial_type"),
            value: opt(data.trial_type.map(TrialType::label_da)),
        },
        Fact {
            label: label("challenges"),
            value: data
                .challenges
                .iter()
                .map(|c| c.label_da())
                .collect::<Vec<_>>()
                .join("; "),
        },
        Fact {
            label: label("challenges_text"),
            value: data.challenges_text.clone(),
        },
        Fact {
            label: label("advice_text"),
            value: data.advice_text.clone(),
        },
    ]
}

#[allow(clippy::too_many_arguments)]
fn form_page(
    user: &CurrentUser,
    app: &Application,
    stored: Option<&Evaluation>,
    editable: bool,
    version: i64,
    input: &EvaluationInput,
    errors: &FieldErrors,
    conflict: Option<String>,
    notice: Option<String>,
) -> FormPage {
    let f = |name: &str, value: &str| Field::new(name, label(name), value, errors);
    let due = evaluations::due_of(app);
    let submitted = stored.is_some_and(Evaluation::is_submitted);
    let closed = if submitted {
        stored
            .and_then(|e| e.submitted_at.as_deref())
            .map(|at| format!("Evalueringen blev indsendt {}.", views::timestamp_da(at)))
    } else if !evaluation::can_evaluate(app.status) {
        Some(format!(
            "Evalueringen kan udfyldes, når aftalen er aktiv. Aftalen har status «{}».",
            app.status.label_da()
        ))
    } else {
        None
    };
    let title = format!("Evaluering: {}", app.data.title());
    FormPage {
        page: Page::new(user, title.clone(), "/applications").with_notice(notice),
        app_id: i64::from(app.id),
        title,
        status: status_label(stored),
        due: due.map(views::date_da).unwrap_or_default(),
        overdue: !submitted && due.is_some_and(|d| d < today()),
        editable: editable && closed.is_none(),
        closed,
        version,
        error_title: format!("Evalueringen er ikke gemt. Ret {} fejl:", errors.len()),
        error_summary: errors
            .iter()
            .flat_map(|(k, msgs)| {
                msgs.iter()
                    .map(move |m| (k.to_string(), format!("{}: {m}", label(k))))
            })
            .collect(),
        conflict,
        facts: stored.map(|e| facts(&e.data)).unwrap_or_default(),
        purposes_met: f("purposes_met", &input.purposes_met),
        purposes_choices: choices(
            PurposesMet::ALL,
            PurposesMet::as_str,
            PurposesMet::label_da,
            &input.purposes_met,
        ),
        purposes_text: f("purposes_text", &input.purposes_text)
            .hint("Skal udfyldes, hvis formålene kun delvist eller ikke blev opfyldt."),
        gained_text: f("gained_text", &input.gained_text)
            .hint("Fx nye opgaver, kompetencer, ansvar og karrieremuligheder."),
        effect_text: f("effect_text", &input.effect_text),
        development_percent: f("development_percent", &input.development_percent)
            .hint("Resten af tiden regnes som drift. Skriv et helt tal fra 0 til 100."),
        time_text: f("time_text", &input.time_text),
        recommendation: f("recommendation", &input.recommendation),
        recommendation_choices: choices(
            Recommendation::ALL,
            Recommendation::as_str,
            Recommendation::label_da,
            &input.recommendation,
        ),
        recommendation_text: f("recommendation_text", &input.recommendation_text)
            .hint("Skal udfyldes, hvis I anbefaler at ændre eller stoppe."),
        career_track: f("career_track", &input.career_track),
        track_choices: choices(
            CareerTrack::ALL,
            CareerTrack::as_str,
            CareerTrack::label_da,
            &input.career_track,
        ),
        trial_type: f("trial_type", &input.trial_type),
        type_choices: choices(
            TrialType::ALL,
            TrialType::as_str,
            TrialType::label_da,
            &input.trial_type,
        ),
        challenges: f("challenges", ""),
        challenge_choices: Challenge::ALL
            .iter()
            .map(|c| {
                Choice::new(
                    c.as_str(),
                    c.label_da(),
                    input.challenges.iter().any(|x| x.trim() == c.as_str()),
                )
            })
            .collect(),
        challenges_text: f("challenges_text", &input.challenges_text),
        advice_text: f("advice_text", &input.advice_text)
            .hint("Hvad bør parterne tage med til næste overenskomst?"),
    }
}

fn render(status: StatusCode, page: FormPage) -> PageResult<Response> {
    Ok((status, Html(page.render()?)).into_response())
}

#[derive(Debug, Deserialize, Default)]
pub struct ShowQuery {
    gemt: Option<String>,
    indsendt: Option<String>,
}

pub async fn show(
    mut db: Db,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<ShowQuery>,
) -> PageResult<Response> {
    let mut conn = db.conn().await?;
    let app = get_application(&mut conn, ApplicationId::new(id)).await?;
    policy::require_view_evaluation(&user, &app)?;
    let stored = evaluations::get(&mut conn, Target::Application(ApplicationId::new(id))).await?;
    let editable = policy::require_edit_evaluation(&user, &app).is_ok();
    let input = stored
        .as_ref()
        .map(|e| e.data.to_input())
        .unwrap_or_default();
    let notice = if q.indsendt.is_some() {
        Some("Evalueringen er indsendt. Tak.".to_string())
    } else if q.gemt.is_some() {
        Some("Kladden er gemt.".to_string())
    } else {
        None
    };
    let page = form_page(
        &user,
        &app,
        stored.as_ref(),
        editable,
        stored.as_ref().map(|e| e.version).unwrap_or(0),
        &input,
        &FieldErrors::new(),
        None,
        notice,
    );
    render(StatusCode::OK, page)
}

/// The posted form: the input, the version it was based on and whether to submit.
fn parse_form(pairs: Vec<(String, String)>) -> (EvaluationInput, i64, bool) {
    let mut input = EvaluationInput::default();
    let mut version = 0;
    let mut submit = false;
    for (key, value) in pairs {
        match key.as_str() {
            "version" => version = value.trim().parse().unwrap_or(-1),
            "action" => submit = value == "submit",
            "purposes_met" => input.purposes_met = value,
            "purposes_text" => input.purposes_text = value,
            "gained_text" => input.gained_text = value,
            "effect_text" => input.effect_text = value,
            "development_percent" => input.development_percent = value,
            "time_text" => input.time_text = value,
            "recommendation" => input.recommendation = value,
            "recommendation_text" => input.recommendation_text = value,
            "career_track" => input.career_track = value,
            "trial_type" => input.trial_type = value,
            "challenges" => input.challenges.push(value),
            "challenges_text" => input.challenges_text = value,
            "advice_text" => input.advice_text = value,
            _ => {}
        }
    }
    (input, version, submit)
}

pub async fn save(
    mut db: Db,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    let (input, version, submit) = parse_form(pairs);
    let mut conn = db.conn().await?;
    let app = get_application(&mut conn, ApplicationId::new(id)).await?;
    policy::require_edit_evaluation(&user, &app)?;
    if !evaluation::can_evaluate(app.status) {
        return Err(AppError::Conflict(format!(
            "Evalueringen kan udfyldes, når aftalen er aktiv. Aftalen har status «{}».",
            app.status.label_da()
        )));
    }
    let stored = evaluations::get(&mut conn, Target::Application(ApplicationId::new(id))).await?;
    drop(conn);
    let again = |errors: &FieldErrors, conflict: Option<String>| {
        form_page(
            &user,
            &app,
            stored.as_ref(),
            true,
            version,
            &input,
            errors,
            conflict,
            None,
        )
    };
    let data = match input.validate() {
        Ok(data) => data,
        Err(errors) => return render(StatusCode::UNPROCESSABLE_ENTITY, again(&errors, None)),
    };
    if submit {
        let missing = data.missing_for_submission();
        if !missing.is_empty() {
            return render(StatusCode::UNPROCESSABLE_ENTITY, again(&missing, None));
        }
    }
    let owner = Owner {
        programme_id: &app.programme_id,
        region_code: app.region_code,
        target: Target::Application(ApplicationId::new(id)),
    };
    let mut tx = db.begin().await?;
    match evaluations::save(&mut tx, &user.actor(), owner, version, &data, submit).await {
        Ok(_) => {
            tx.commit().await?;
            let flag = if submit { "indsendt" } else { "gemt" };
            Ok(Redirect::to(&format!("/applications/{id}/evaluation?{flag}=1")).into_response())
        }
        Err(StoreError::Stale) => {
            drop(tx);
            let message = "Evalueringen er blevet ændret af en anden, siden du åbnede den. Dine ændringer er IKKE gemt, \
                men står stadig i formularen herunder. Åbn evalueringen i et nyt vindue, og overfør det, du vil beholde."
                .to_string();
            render(
                StatusCode::CONFLICT,
                again(&FieldErrors::new(), Some(message)),
            )
        }
        Err(e) => Err(e.into()),
    }
}

// --- the region's overview ------------------------------------------------------------------

pub struct DueRow {
    id: i64,
    title: String,
    doctor: String,
    due: String,
    status: &'static str,
    overdue: bool,
    due_soon: bool,
}

#[derive(Template)]
#[template(path = "evaluations/list.html")]
struct ListPage {
    page: Page,
    code: RegionCode,
    region: String,
    rows: Vec<DueRow>,
    overdue: usize,
    opted_out: bool,
}

pub async fn region_list(
    mut db: Db,
    user: CurrentUser,
    Path(code): Path<i64>,
    Query(q): Query<ShowQuery>,
) -> PageResult<Html<String>> {
    let code = crate::error::region(code)?;
    let region = code;
    policy::require_admin_of(&user, code)?;
    let mut conn = db.conn().await?;
    let rows = evaluations::due_list(&mut conn, pulje_store::reference::OK21, code).await?;
    let opted_out = catalogue::opted_out(&mut conn, pulje_store::reference::OK21, code).await?;
    let today = today();
    let rows: Vec<DueRow> = rows
        .into_iter()
        .map(|r| {
            let submitted = r.evaluation_status == "submitted";
            DueRow {
                id: r.application_id.get(),
                title: r.title,
                doctor: r.doctor_name.unwrap_or_default(),
                due: r.due.map(views::date_da).unwrap_or_default(),
                status: match r.evaluation_status.as_str() {
                    "submitted" => "Indsendt",
                    "draft" => "Kladde",
                    _ => "Ikke påbegyndt",
                },
                overdue: !submitted && r.due.is_some_and(|d| d < today),
                due_soon: !submitted
                    && r.due
                        .is_some_and(|d| d >= today && d <= today + chrono::Duration::days(31)),
            }
        })
        .collect();
    let page = ListPage {
        page: Page::new(
            &user,
            format!("Evalueringer – {}", region.name()),
            &format!("/regions/{code}"),
        )
        .with_notice(q.gemt.map(|_| "Indstillingen er gemt.".to_string())),
        code,
        region: region.name().to_string(),
        overdue: rows.iter().filter(|r| r.overdue).count(),
        rows,
        opted_out,
    };
    Ok(Html(page.render()?))
}

#[derive(Debug, Deserialize)]
pub struct OptOutForm {
    #[serde(default)]
    opt_out: Option<String>,
}

pub async fn set_opt_out(
    mut db: Db,
    user: CurrentUser,
    Path(code): Path<i64>,
    Form(form): Form<OptOutForm>,
) -> PageResult<Response> {
    let code = crate::error::region(code)?;
    policy::require_admin_of(&user, code)?;
    let mut tx = db.begin().await?;
    catalogue::set_opt_out(
        &mut tx,
        &user.actor(),
        pulje_store::reference::OK21,
        code,
        form.opt_out.is_some_and(|v| !v.is_empty()),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/regions/{code}/evaluations?gemt=1")).into_response())
}
