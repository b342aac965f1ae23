//! The page of an application of a programme defined as data: its form's values by the
//! definition's sections, the steps the user may take now (with what each requires), the grant's
//! instalments with what each funder bore, and the steps taken. `/applications/{id}` hands such
//! an application here.

use super::programme_form::FileRow;
use super::programme_review::{ReviewSection, Typed};
use crate::auth::CurrentUser;
use crate::error::{AppError, PageResult};
use crate::views::{self, Page};
use crate::Db;
use askama::Template;
use axum::extract::Path;

use axum::response::{Html, IntoResponse, Redirect, Response};
use pulje_app::programme_applications::{self as uses, StepInput};
use pulje_app::programme_evaluations::ProgrammeEvaluationState;
use pulje_app::programme_review as review;
use pulje_domain::programme::values::{self, Stage, Value};
use pulje_domain::programme::{Definition, Requirement};
use pulje_domain::ProgrammeFileId;
use pulje_domain::{ApplicationId, Ore};
use pulje_store::programme_applications::ProgrammeApplication;
use pulje_store::{programme_files, Connection};

pub struct Fact {
    label: String,
    value: String,
    /// An attachment field's files, as links.
    files: Vec<FileRow>,
}

pub struct SectionView {
    title: String,
    facts: Vec<Fact>,
}

pub struct StepView {
    action: String,
    label: String,
    /// `comment`, `reason` or empty.
    text: &'static str,
    amount: bool,
    meeting: bool,
}

pub struct InstalmentView {
    id: i64,
    position: i64,
    due: String,
    amount: String,
    tranche: String,
    paid: String,
    shares: String,
    payable: bool,
}

pub struct TakenView {
    at: String,
    who: String,
    step: String,
    to: String,
    note: String,
}

/// What was typed in a refused step, shown again with the message.
#[derive(Default)]
pub struct StepError {
    action: String,
    message: String,
    text: String,
    amount: String,
    meeting: String,
}

#[derive(Template)]
#[template(path = "applications/programme_show.html")]
struct ShowPage {
    page: Page,
    app_id: i64,
    title: String,
    status: String,
    programme: String,
    programme_id: String,
    region: String,
    version: i64,
    sections: Vec<SectionView>,
    steps: Vec<StepView>,
    instalments: Vec<InstalmentView>,
    can_pay: bool,
    can_edit: bool,
    taken: Vec<TakenView>,
    step_error: StepError,
    /// The evaluation, when the user sees it: its state and the link's text.
    evaluation: Option<(&'static str, &'static str)>,
    /// The review, for those who see it (reviewers, administrators).
    review: Option<ReviewSection>,
    /// The signing parties and, for each, who signed and when (or nothing yet).
    signatures: Vec<(String, String)>,
}

pub(super) fn shown(value: &Value) -> String {
    let date = |d: &chrono::NaiveDate| pulje_domain::date::format_date_da(*d);
    match value {
        Value::Text(t) => t.clone(),
        Value::Amount(ore) => views::kr(*ore),
        Value::Date(d) => date(d),
        Value::Period { start, end } => format!("{} – {}", date(start), date(end)),
        Value::Choices(c) => c.join(", "),
        Value::People(people) => people
            .iter()
            .map(|p| format!("{} ({})", p.name, p.role))
            .collect::<Vec<_>>()
            .join("; "),
        Value::Files(ids) => format!("{} filer", ids.len()),
    }
}

/// The page with what was typed in a refused declaration or scoring.
#[allow(clippy::too_many_arguments)]
pub(super) async fn render_with(
    conn: &mut Connection,
    user: &CurrentUser,
    app: ProgrammeApplication,
    def: Definition,
    bodies: Vec<String>,
    notice: Option<String>,
    step_error: StepError,
    typed: Typed,
) -> PageResult<String> {
    let standing = review::standing(conn, user, &app, &def, &bodies).await?;
    let review = if standing.sees_review() && !standing.must_declare {
        let view = review::view(conn, &app, &def, standing).await?;
        Some(super::programme_review::section(view, &typed))
    } else {
        None
    };
    let mut page = render(conn, user, app, def, bodies, notice, step_error).await?;
    page.review = review;
    Ok(page.render()?)
}

async fn render(
    conn: &mut Connection,
    user: &CurrentUser,
    app: ProgrammeApplication,
    def: Definition,
    bodies: Vec<String>,
    notice: Option<String>,
    step_error: StepError,
) -> PageResult<ShowPage> {
    // The stored values were read by this definition when saved; they read again.
    let read = values::read(&def.form, &app.fields, Stage::Draft, &|_| None).unwrap_or_default();
    let files = programme_files::list(conn, app.id).await?;
    let sections = def
        .form
        .sections
        .iter()
        .map(|s| SectionView {
            title: s.title.clone(),
            facts: s
                .fields
                .iter()
                .map(|f| match read.get(&f.name) {
                    Some(Value::Files(ids)) => Fact {
                        label: f.label.clone(),
                        value: String::new(),
                        files: ids
                            .iter()
                            .filter_map(|id| files.iter().find(|x| x.id.get() == *id))
                            .map(FileRow::of)
                            .collect(),
                    },
                    value => Fact {
                        label: f.label.clone(),
                        value: value.map(shown).unwrap_or_default(),
                        files: Vec::new(),
                    },
                })
                .collect(),
        })
        .collect();
    let steps = uses::open_steps(user, &app, &def, &bodies)
        .into_iter()
        .map(|t| StepView {
            action: t.action.clone(),
            label: t.label.clone(),
            text: if t.requires.contains(&Requirement::Reason) {
                "reason"
            } else if t.requires.contains(&Requirement::Comment) {
                "comment"
            } else {
                ""
            },
            amount: t.requires.contains(&Requirement::Amount),
            meeting: t.requires.contains(&Requirement::Meeting),
        })
        .collect();
    let record = uses::record(conn, &app, &def).await?;
    let instalments = record
        .instalments
        .into_iter()
        .map(|(i, payable)| InstalmentView {
            id: i.id,
            position: i.position,
            due: i.due.label_da(),
            amount: views::kr(i.amount_ore),
            tranche: i.tranche,
            paid: i
                .paid_on
                .map(pulje_domain::date::format_date_da)
                .unwrap_or_default(),
            shares: i
                .shares
                .iter()
                .map(|(f, a)| format!("{f}: {}", views::kr(*a)))
                .collect::<Vec<_>>()
                .join("; "),
            payable,
        })
        .collect();
    let taken = record
        .steps
        .iter()
        .map(|s| TakenView {
            at: views::timestamp_da(&s.taken_at),
            who: s.user_name.clone().unwrap_or_default(),
            step: def
                .transition(&s.action)
                .map_or(s.action.clone(), |t| t.label.clone()),
            to: def.state_da(&s.to_state),
            note: [
                s.comment.clone(),
                s.amount_ore.map(views::kr).unwrap_or_default(),
                s.meeting.clone(),
            ]
            .into_iter()
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join(" · "),
        })
        .collect();
    let can_edit = pulje_app::policy::require_edit_programme_application(user, &app, &def).is_ok();
    let signed = pulje_store::programme_applications::signatures(conn, app.id).await?;
    let signatures = def
        .signatures
        .iter()
        .map(|p| {
            let status = signed.iter().find(|s| s.party == p.id).map_or_else(
                || "mangler".to_string(),
                |s| format!("{}, {}", s.signer_name, views::timestamp_da(&s.signed_at)),
            );
            (p.label.clone(), status)
        })
        .collect();
    let evaluation = pulje_app::programme_evaluations::shown_on_page(conn, user, &app, &def)
        .await?
        .map(|state| {
            let link = if state != ProgrammeEvaluationState::Submitted && app.is_own(user.user.id) {
                "Udfyld evalueringen"
            } else {
                "Se evalueringen"
            };
            (state.label_da(), link)
        });
    let mut page = Page::new(user, app.title.clone(), "applications");
    page.notice = notice;
    Ok(ShowPage {
        page,
        app_id: app.id.get(),
        status: def.state_da(&app.state),
        programme: def.name.clone(),
        programme_id: def.id.clone(),
        region: app.region_code.name().to_string(),
        version: app.version,
        title: app.title,
        sections,
        steps,
        instalments,
        can_pay: pulje_app::policy::can_post_payments(user, app.region_code),
        can_edit,
        taken,
        step_error,
        evaluation,
        review: None,
        signatures,
    })
}

/// `GET /applications/{id}` for an application of a programme defined as data.
pub async fn show(
    db: &mut Db,
    user: &CurrentUser,
    id: ApplicationId,
    saved: bool,
    step: Option<&str>,
) -> PageResult<Html<String>> {
    let mut conn = db.conn().await?;
    let (app, def, bodies, standing) = review::load_head(&mut conn, user, id).await?;
    if standing.must_declare {
        let page = super::programme_review::declare_page(user, &app, &def, Typed::default())?;
        return Ok(Html(page));
    }
    let saved = saved.then(|| "Ansøgningen er gemt.".to_string());
    let notice = saved.or_else(|| {
        step.and_then(|s| def.transition(s)).map(|t| {
            format!(
                "Udført: {}. Status er nu «{}».",
                t.label,
                def.state_da(&app.state)
            )
        })
    });
    let page = render_with(
        &mut conn,
        user,
        app,
        def,
        bodies,
        notice,
        StepError::default(),
        Typed::default(),
    )
    .await?;
    Ok(Html(page))
}

/// `GET /applications/{id}/filer/{file}`: a file of an attachment field, to whoever may see the
/// application.
pub async fn file(
    mut db: Db,
    user: CurrentUser,
    Path((id, file)): Path<(i64, i64)>,
) -> PageResult<Response> {
    let mut conn = db.conn().await?;
    let (f, data) = uses::file(
        &mut conn,
        &user,
        ApplicationId::new(id),
        ProgrammeFileId::new(file),
    )
    .await?;
    Ok(views::download(&f.file_name, data))
}

/// `POST /applications/{id}/transitions` for an application of a programme defined as data.
pub async fn transition(
    db: &mut Db,
    user: &CurrentUser,
    id: ApplicationId,
    pairs: &[(String, String)],
    public_url: &pulje_app::PublicUrl,
) -> PageResult<Response> {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let (action, amount_text, meeting) = (get("action"), get("amount"), get("meeting"));
    let (comment, reason) = (get("comment"), get("reason"));
    let amount = match amount_text.trim() {
        "" => Ok(None),
        t => Ore::parse_kr(t)
            .map(Some)
            .map_err(|e| AppError::Invalid(format!("Beløbet «{t}»: {e}"))),
    };
    let result = match amount {
        Ok(amount) => {
            let input = StepInput {
                action: action.clone(),
                comment: comment.clone(),
                reason: reason.clone(),
                amount,
                meeting: meeting.clone(),
            };
            uses::take_step(db, user, &user.actor(), id, &input, public_url)
                .await
                .map_err(AppError::from)
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => {
            Ok(Redirect::to(&format!("/applications/{}?trin={action}", id.get())).into_response())
        }
        Err(e @ (AppError::Conflict(_) | AppError::Invalid(_) | AppError::Forbidden(_))) => {
            let status = e.status();
            let mut conn = db.conn().await?;
            // The same step by the same person a moment ago: a double click, answered as done.
            if matches!(e, AppError::Conflict(_))
                && pulje_app::workflow::just_taken(&mut conn, user, id, &action).await?
            {
                return Ok(
                    Redirect::to(&format!("/applications/{}?trin={action}", id.get()))
                        .into_response(),
                );
            }
            let (app, def, bodies) = uses::load(&mut conn, user, id).await?;
            let error = StepError {
                action,
                message: e.message(),
                // The step's form has one of the two.
                text: comment + &reason,
                amount: amount_text,
                meeting,
            };
            let page = render_with(
                &mut conn,
                user,
                app,
                def,
                bodies,
                None,
                error,
                Typed::default(),
            )
            .await?;
            Ok((status, Html(page)).into_response())
        }
        Err(e) => Err(e),
    }
}

/// `POST /applications/{id}/instalments/{instalment}/payment`: the region's administrator pays
/// an instalment that falls due.
pub async fn pay(
    mut db: Db,
    user: CurrentUser,
    axum::extract::Path((id, instalment)): axum::extract::Path<(i64, i64)>,
) -> PageResult<Response> {
    uses::pay(
        &mut db,
        &user,
        &user.actor(),
        ApplicationId::new(id),
        instalment,
    )
    .await?;
    Ok(Redirect::to(&format!("/applications/{id}#rater")).into_response())
}
