//! The review on the page of an application of a programme defined as data: the declaration of
//! a conflict of interest a reviewer makes before seeing it (`/applications/{id}/inhabilitet`),
//! the rubric's scores (`/applications/{id}/bedoemmelse`) and the checklist's ticks
//! (`/applications/{id}/tjekliste/{number}`). Refused input is shown again as typed with the
//! message (422). What may be done is decided by `pulje_app::programme_review`.

use super::programme_application::{render_with, StepError};
use crate::auth::CurrentUser;
use crate::error::PageResult;
use crate::extract::Form;
use crate::views::{self, Page};
use crate::Db;
use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use pulje_app::programme_review::{
    self as review, combined_da, score_field, DeclarationInput, ReviewView, ScoreInput,
};
use pulje_domain::programme::Definition;
use pulje_domain::{ApplicationId, FieldErrors};
use pulje_store::programme_applications::ProgrammeApplication;

/// What was typed in a refused declaration or scoring, with the messages.
#[derive(Default)]
pub struct Typed {
    /// `ja`, `nej` or empty.
    pub conflict: String,
    pub reason: String,
    pub conflict_error: String,
    pub reason_error: String,
    /// Each criterion's value as sent.
    pub scores: Vec<String>,
    pub errors: FieldErrors,
}

impl Typed {
    /// Whether a declaration was refused (its form is shown with the message).
    pub fn declaration_refused(&self) -> bool {
        !self.conflict_error.is_empty() || !self.reason_error.is_empty()
    }
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

pub struct CriterionView {
    pub index: usize,
    pub name: String,
    pub help: String,
    pub weight: u32,
    pub choices: Vec<Choice>,
    /// The reviewer's own score, in words.
    pub own: String,
    pub error: String,
}

pub struct PointView {
    pub number: usize,
    pub text: String,
    /// "Afkrydset af NN, tid", or empty.
    pub ticked: String,
}

pub struct DeclarationView {
    pub name: String,
    pub conflict: bool,
    pub reason: String,
    pub at: String,
}

/// The review's section of the application's page.
pub struct ReviewSection {
    /// The user's own declaration, in words (empty when none asked or made).
    pub own_declaration: String,
    pub may_declare: bool,
    pub declarations: Vec<DeclarationView>,
    pub has_rubric: bool,
    /// "3,58 af 5 (2 bedømmere)", or empty when nothing is scored.
    pub combined: String,
    pub scale: String,
    pub criteria: Vec<CriterionView>,
    pub may_score: bool,
    /// A message for the whole of the scores.
    pub score_error: String,
    /// Scores were refused: the summary of what is wrong is shown.
    pub scores_refused: bool,
    /// The reviewer has scored (shown as a table where they can no longer change them).
    pub has_own_scores: bool,
    pub checklist: Vec<PointView>,
    pub may_tick: bool,
    pub reason: String,
    pub reason_error: String,
}

fn score_da(score: Option<u32>) -> String {
    score.map_or_else(|| "ikke relevant".to_string(), |s| s.to_string())
}

/// The review's section, as `view` and what was typed give it.
pub fn section(view: ReviewView, typed: &Typed) -> ReviewSection {
    let own_declaration = match &view.standing.declaration {
        Some(d) if d.conflict => format!(
            "Du har erklæret dig inhabil {}.",
            views::timestamp_da(&d.declared_at)
        ),
        Some(d) => format!(
            "Du har erklæret, at du ikke er inhabil ({}).",
            views::timestamp_da(&d.declared_at)
        ),
        None => String::new(),
    };
    let mut criteria = Vec::new();
    let mut scale = String::new();
    let mut combined = String::new();
    if let Some(r) = &view.rubric {
        scale = format!("{}–{}", r.scale_min, r.scale_max);
        if let Some(c) = view.combined {
            let who = if view.scored_by == 1 {
                "1 bedømmer".to_string()
            } else {
                format!("{} bedømmere", view.scored_by)
            };
            combined = format!("{} ({who})", combined_da(c, r.scale_max));
        }
        for (i, c) in r.criteria.iter().enumerate() {
            let own = view
                .own_scores
                .as_ref()
                .and_then(|s| s.get(i).copied())
                .map(score_da)
                .unwrap_or_default();
            // What was typed, else the reviewer's own score.
            let current = match typed.scores.get(i) {
                Some(t) => t.clone(),
                None => view
                    .own_scores
                    .as_ref()
                    .and_then(|s| s.get(i).copied())
                    .map(|s| s.map_or_else(|| "ir".to_string(), |s| s.to_string()))
                    .unwrap_or_default(),
            };
            let mut choices: Vec<Choice> = (r.scale_min..=r.scale_max)
                .map(|s| Choice {
                    value: s.to_string(),
                    label: s.to_string(),
                    checked: current == s.to_string(),
                })
                .collect();
            if r.allow_not_applicable {
                choices.push(Choice {
                    value: "ir".into(),
                    label: "Ikke relevant".into(),
                    checked: current == "ir",
                });
            }
            criteria.push(CriterionView {
                index: i,
                name: c.name.clone(),
                help: c.help.clone(),
                weight: c.weight,
                choices,
                own,
                error: typed.errors.get(&score_field(i)).join(" "),
            });
        }
    }
    let score_error = typed.errors.get("scores").join(" ");
    ReviewSection {
        scores_refused: !typed.errors.is_empty(),
        has_own_scores: view.own_scores.is_some(),
        own_declaration,
        may_declare: view.may_declare,
        declarations: view
            .declarations
            .into_iter()
            .map(|d| DeclarationView {
                name: d.user_name,
                conflict: d.conflict,
                reason: d.reason,
                at: views::timestamp_da(&d.declared_at),
            })
            .collect(),
        has_rubric: view.rubric.is_some(),
        combined,
        scale,
        criteria,
        may_score: view.may_score,
        score_error,
        checklist: view
            .checklist
            .into_iter()
            .map(|p| PointView {
                number: p.number,
                text: p.text,
                ticked: p
                    .tick
                    .map(|t| {
                        format!(
                            "Afkrydset af {}, {}",
                            t.ticked_by_name,
                            views::timestamp_da(&t.ticked_at)
                        )
                    })
                    .unwrap_or_default(),
            })
            .collect(),
        may_tick: view.may_tick,
        reason: typed.reason.clone(),
        reason_error: typed.reason_error.clone(),
    }
}

/// The page a reviewer sees before declaring: the application's title and programme, and the
/// declaration.
#[derive(Template)]
#[template(path = "applications/programme_declare.html")]
struct DeclarePage {
    page: Page,
    app_id: i64,
    title: String,
    programme: String,
    programme_id: String,
    typed: Typed,
}

/// The declaration page of `app` for a reviewer who must declare.
pub fn declare_page(
    user: &CurrentUser,
    app: &ProgrammeApplication,
    def: &Definition,
    typed: Typed,
) -> PageResult<String> {
    let page = DeclarePage {
        page: Page::new(user, app.title.clone(), "applications"),
        app_id: app.id.get(),
        title: app.title.clone(),
        programme: def.name.clone(),
        programme_id: def.id.clone(),
        typed,
    };
    Ok(page.render()?)
}

fn value(pairs: &[(String, String)], key: &str) -> Option<String> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
}

/// `POST /applications/{id}/inhabilitet`: a reviewer declares a conflict of interest (`ja`,
/// with a reason) or none (`nej`).
pub async fn declare(
    mut db: Db,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    let id = ApplicationId::new(id);
    let conflict_text = value(&pairs, "conflict").unwrap_or_default();
    let reason = value(&pairs, "reason").unwrap_or_default();
    let input = DeclarationInput {
        conflict: match conflict_text.as_str() {
            "ja" => Some(true),
            "nej" => Some(false),
            _ => None,
        },
        reason: reason.clone(),
    };
    match review::declare(&mut db, &user, &user.actor(), id, &input).await? {
        Ok(d) if d.conflict => Ok(Redirect::to("/applications").into_response()),
        Ok(_) => Ok(Redirect::to(&format!("/applications/{}", id.get())).into_response()),
        Err(errors) => {
            let typed = Typed {
                conflict: conflict_text,
                reason,
                conflict_error: errors.get("conflict").join(" "),
                reason_error: errors.get("reason").join(" "),
                ..Typed::default()
            };
            refused(&mut db, &user, id, typed).await
        }
    }
}

/// The page again with what was typed: the declaration page for a reviewer who must still
/// declare, else the application's page.
async fn refused(
    db: &mut Db,
    user: &CurrentUser,
    id: ApplicationId,
    typed: Typed,
) -> PageResult<Response> {
    let mut conn = db.conn().await?;
    let (app, def, bodies, standing) = review::load_head(&mut conn, user, id).await?;
    let html = if standing.must_declare {
        declare_page(user, &app, &def, typed)?
    } else {
        render_with(
            &mut conn,
            user,
            app,
            def,
            bodies,
            None,
            StepError::default(),
            typed,
        )
        .await?
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
}

/// `POST /applications/{id}/bedoemmelse`: a reviewer's scores, `score_0`, `score_1`, … (a
/// number on the scale, or `ir` for "ikke relevant").
pub async fn score(
    mut db: Db,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    let id = ApplicationId::new(id);
    let criteria = {
        let mut conn = db.conn().await?;
        let (_, def, _, _) = review::load_head(&mut conn, &user, id).await?;
        def.review.rubric.map_or(0, |r| r.criteria.len())
    };
    let typed: Vec<String> = (0..criteria)
        .map(|i| value(&pairs, &format!("score_{i}")).unwrap_or_default())
        .collect();
    let given: Vec<ScoreInput> = typed
        .iter()
        .map(|t| match t.trim() {
            "" => ScoreInput::Missing,
            "ir" => ScoreInput::NotApplicable,
            t => t
                .parse::<i64>()
                .map_or_else(|_| ScoreInput::Unreadable(t.to_string()), ScoreInput::Score),
        })
        .collect();
    match review::score(&mut db, &user, &user.actor(), id, &given).await? {
        Ok(_) => {
            Ok(Redirect::to(&format!("/applications/{}#bedoemmelse", id.get())).into_response())
        }
        Err(errors) => {
            let typed = Typed {
                scores: typed,
                errors,
                ..Typed::default()
            };
            refused(&mut db, &user, id, typed).await
        }
    }
}

/// `POST /applications/{id}/tjekliste/{number}`: a reviewer ticks (`ticked=ja`) or unticks
/// (`ticked=nej`) a point of the checklist.
pub async fn tick(
    mut db: Db,
    user: CurrentUser,
    Path((id, number)): Path<(i64, i64)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    let ticked = value(&pairs, "ticked").as_deref() == Some("ja");
    review::tick(
        &mut db,
        &user,
        &user.actor(),
        ApplicationId::new(id),
        number,
        ticked,
    )
    .await?;
    Ok(Redirect::to(&format!("/applications/{id}#tjekliste")).into_response())
}
