//! The evaluation of an application of a programme defined as data, on its definition's
//! evaluation form. It is asked for once the application has been granted (a step with
//! `effect = "commit"` was taken: `Definition::evaluation_open`) and the definition has an
//! evaluation form. The application's writer fills it in as a draft and submits it, after which
//! it is final; the region's administrators read it once it is submitted.

use crate::policy::{self, Person};
use crate::programme_applications as applications;
use crate::{Error, Result};
use pulje_domain::programme::values::{self, Stage};
use pulje_domain::programme::Definition;
use pulje_domain::{ApplicationId, FieldErrors};
use pulje_store::audit::Actor;
use pulje_store::programme_applications::{self as app_store, ProgrammeApplication};
use pulje_store::programme_evaluations::{self as store, ProgrammeEvaluation, Save};
use pulje_store::{Connection, Handle, StoreError};
use serde_json::{Map, Value as Json};

/// An application with its definition and evaluation, as the user may see them.
pub struct Loaded {
    pub app: ProgrammeApplication,
    pub def: Definition,
    /// Whether the evaluation is asked for now (the application was granted).
    pub open: bool,
    /// The stored evaluation, if begun.
    pub evaluation: Option<ProgrammeEvaluation>,
    /// Whether the user fills it in (its writer, while it is open and not yet submitted).
    pub can_edit: bool,
}

/// Whether the application's evaluation is asked for: the definition has an evaluation form
/// and the application was granted.
pub async fn is_open(
    conn: &mut Connection,
    app: &ProgrammeApplication,
    def: &Definition,
) -> Result<bool> {
    if def.evaluation.is_empty() {
        return Ok(false);
    }
    let steps = app_store::steps(conn, app.id).await?;
    Ok(def.evaluation_open(steps.iter().map(|s| s.action.as_str())))
}

/// The evaluation of `id` for `user`: [`Error::NotFound`] unless they may see the application
/// and its evaluation (its programme has an evaluation form; the writer sees it, the region's
/// administrators once it is submitted).
pub async fn load(conn: &mut Connection, user: &impl Person, id: ApplicationId) -> Result<Loaded> {
    let (app, def, _) = applications::load(conn, user, id).await?;
    if def.evaluation.is_empty() {
        return Err(Error::NotFound);
    }
    let evaluation = store::get(conn, id).await?;
    let submitted = evaluation
        .as_ref()
        .is_some_and(ProgrammeEvaluation::is_submitted);
    policy::require_view_programme_evaluation(user, &app, submitted)?;
    let open = is_open(conn, &app, &def).await?;
    let can_edit =
        open && !submitted && policy::require_edit_programme_evaluation(user, &app).is_ok();
    Ok(Loaded {
        app,
        def,
        open,
        evaluation,
        can_edit,
    })
}

/// Whether `user` sees a link to the evaluation on the application's page, and which words
/// describe it: `None` when they do not.
pub async fn shown_on_page(
    conn: &mut Connection,
    user: &impl Person,
    app: &ProgrammeApplication,
    def: &Definition,
) -> Result<Option<ProgrammeEvaluationState>> {
    if def.evaluation.is_empty() || !is_open(conn, app, def).await? {
        return Ok(None);
    }
    let evaluation = store::get(conn, app.id).await?;
    let submitted = evaluation
        .as_ref()
        .is_some_and(ProgrammeEvaluation::is_submitted);
    if policy::require_view_programme_evaluation(user, app, submitted).is_err() {
        return Ok(None);
    }
    Ok(Some(match evaluation {
        None => ProgrammeEvaluationState::NotBegun,
        Some(e) if e.is_submitted() => ProgrammeEvaluationState::Submitted,
        Some(_) => ProgrammeEvaluationState::Draft,
    }))
}

/// How far an evaluation has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgrammeEvaluationState {
    NotBegun,
    Draft,
    Submitted,
}

impl ProgrammeEvaluationState {
    pub fn label_da(self) -> &'static str {
        match self {
            ProgrammeEvaluationState::NotBegun => "ikke begyndt",
            ProgrammeEvaluationState::Draft => "kladde",
            ProgrammeEvaluationState::Submitted => "sendt",
        }
    }
}

/// Saves the evaluation of `id` (as a draft, or submitted when `submit`), based on `version`
/// (0 before it is begun): `Ok(Err(errors))` when the values are refused (nothing is stored).
pub async fn save(
    db: &mut Handle,
    user: &impl Person,
    actor: &Actor,
    id: ApplicationId,
    version: i64,
    fields: &Map<String, Json>,
    submit: bool,
) -> Result<std::result::Result<ProgrammeEvaluation, FieldErrors>> {
    let mut tx = db.begin().await?;
    // Who may write it is asked before whether they may read it: a region's administrator,
    // who reads only a submitted evaluation, is told they cannot write it (403).
    let (app, def, _) = applications::load(&mut tx, user, id).await?;
    if def.evaluation.is_empty() {
        return Err(Error::NotFound);
    }
    policy::require_edit_programme_evaluation(user, &app)?;
    let loaded = load(&mut tx, user, id).await?;
    if loaded
        .evaluation
        .as_ref()
        .is_some_and(ProgrammeEvaluation::is_submitted)
    {
        return Err(Error::Conflict(
            "Evalueringen er sendt og kan ikke ændres.".into(),
        ));
    }
    if !loaded.open {
        return Err(Error::Conflict(
            "Evalueringen kan først udfyldes, når ansøgningen er bevilget.".into(),
        ));
    }
    let stage = if submit { Stage::Submit } else { Stage::Draft };
    let stored = match values::read(&loaded.def.evaluation, fields, stage, &|_| None) {
        Ok(read) => values::to_fields(&read),
        Err(errors) => return Ok(Err(errors)),
    };
    let save = Save {
        application_id: id,
        definition_version: loaded.def.version,
        expected_version: version,
        fields: &stored,
        submit,
    };
    let saved = store::save(&mut tx, actor, &save)
        .await
        .map_err(|e| match e {
            StoreError::Stale => Error::Conflict(
                "Evalueringen er blevet ændret, siden du åbnede den. Dine ændringer er ikke gemt."
                    .into(),
            ),
            other => other.into(),
        })?;
    tx.commit().await?;
    Ok(Ok(saved))
}
