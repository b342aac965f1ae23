//! A workflow step taken on an application: the step read from what was sent (the API's JSON
//! or the page's form), checked against the policy and taken in one transaction.

use crate::policy::Person;
use crate::{Error, Result};
use pulje_domain::workflow::{Action, Party};
use pulje_domain::{ApplicationId, Ore};
use pulje_store::applications::Application;
use pulje_store::signing::Authentication;
use pulje_store::workflow::{self, Step};
use pulje_store::Handle;
use serde::Deserialize;

/// A step as sent.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransitionBody {
    /// OK21: `submit`, `return`, `forward`, `approve`, `reject`, `sign`, `withdraw` or
    /// `terminate`; a programme defined as data: one of its workflow's actions.
    pub action: String,
    /// `approve`: the annual supplement granted in øre (one of the pool's tiers; may differ from
    /// the one requested).
    pub tier_ore: Option<i64>,
    /// `approve`: why the steering group approves although the approval over-commits a tranche
    /// or breaks the programme's time rules (a start before the decision, months in a closed
    /// tranche or outside every tranche); required then, and shown on the agreement and in the
    /// report. `overcommit_reason` is accepted as the older name.
    #[serde(default, alias = "overcommit_reason")]
    pub exception_reason: String,
    /// `reject`: the reason (required).
    #[serde(default)]
    pub reason: String,
    /// `return` (required), `forward`, `withdraw`, `terminate`: a comment for the thread.
    #[serde(default)]
    pub comment: String,
    /// `terminate`: the new end date, `YYYY-MM-DD`.
    pub end_date: Option<String>,
    /// `approve`/`reject`: the steering group meeting that decided.
    pub meeting_id: Option<i64>,
    /// A programme defined as data: the amount granted in øre, for a step that requires one.
    pub amount_ore: Option<i64>,
    /// A programme defined as data: the deciding body's meeting (its name and date), for a
    /// step that requires one.
    #[serde(default)]
    pub meeting: String,
    /// `sign`: `true` to confirm having read the agreement and signing it in one's capacity
    /// (required).
    #[serde(default)]
    pub confirm: bool,
    /// `sign`: the agreement's fingerprint as read (`GET /api/v1/applications/{id}/parties`);
    /// when given and the agreement has changed since, the signature is refused.
    #[serde(default)]
    pub fingerprint: String,
}

/// The step sent in `b` by a user who authenticated as `authenticated_by`.
pub fn step_from(b: &TransitionBody, authenticated_by: Authentication) -> Result<Step> {
    let action = Action::parse(&b.action).ok_or_else(|| {
        Error::Invalid(format!(
            "Ukendt handling «{}». Brug submit, return, forward, approve, reject, sign, withdraw eller terminate.",
            b.action
        ))
    })?;
    let end_date = match b
        .end_date
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        Some(text) => Some(pulje_domain::parse_date(text).ok_or_else(|| {
            Error::Invalid(format!("Slutdatoen «{text}» er ikke en gyldig dato."))
        })?),
        None => None,
    };
    // A rejection's reason, or another step's comment (either key is accepted for a comment).
    let reason = if action == Action::Reject || b.comment.trim().is_empty() {
        b.reason.clone()
    } else {
        b.comment.clone()
    };
    Ok(Step {
        action,
        tier_ore: b.tier_ore.map(Ore::from_ore),
        exception_reason: b.exception_reason.clone(),
        reason,
        end_date,
        meeting_id: b.meeting_id.map(pulje_domain::MeetingId::new),
        confirmed: b.confirm,
        fingerprint: b.fingerprint.chars().take(128).collect(),
        authenticated_by,
    })
}

/// Takes a step on an application the user may see, in one transaction. A refused step is a
/// conflict (wrong state, over-commitment), forbidden (wrong role) or invalid (missing or wrong
/// input), with a Danish message, and changes nothing.
pub async fn take_step(
    db: &mut Handle,
    user: &impl Person,
    id: ApplicationId,
    step: &Step,
) -> Result<Application> {
    let mut tx = db.begin().await?;
    crate::applications::load(&mut tx, user, id).await?;
    let today = pulje_domain::date::today_in_denmark();
    let after = workflow::take(&mut tx, user.person(), id, step, today).await?;
    tx.commit().await?;
    Ok(after)
}

/// The steps `user` may take on `app` now, in the workflow's order: those the step itself
/// would allow ([`workflow::allowed`]); a signature only for the party `signable` (the party
/// the user is bound to sign for and has not signed yet).
pub fn open_steps(user: &impl Person, app: &Application, signable: Option<Party>) -> Vec<Action> {
    let me = user.person();
    Action::ALL
        .into_iter()
        .filter(|&action| workflow::allowed(me, app, action).is_ok())
        .filter(|&action| {
            action != Action::Sign
                || Party::for_role(me.role).is_some_and(|party| signable == Some(party))
        })
        .collect()
}

/// How long after a step the same step by the same person is taken for a repeated click.
pub const REPEAT_WINDOW_SECONDS: i64 = 120;

/// Whether `user` took `action` on `id` within the last [`REPEAT_WINDOW_SECONDS`]: a refused
/// step that was just taken by the same person is a double click (or a form sent again), to
/// be answered with the step's success rather than "not possible now".
pub async fn just_taken(
    conn: &mut pulje_store::Connection,
    user: &impl Person,
    id: ApplicationId,
    action: &str,
) -> Result<bool> {
    let since = pulje_store::timestamp(
        chrono::Utc::now() - chrono::Duration::seconds(REPEAT_WINDOW_SECONDS),
    );
    Ok(pulje_store::audit::step_taken_since(conn, id, action, user.person().id, &since).await?)
}

/// Whether the step `action` on application `id` is a decision or a signature, which is taken
/// only after a fresh login: OK21's `approve`, `reject` and `sign`; a programme defined as data
/// its steps that grant, sign or are decided at a meeting ([`pulje_domain::programme::flow::Transition::is_decision`]).
/// An unknown application or action is not (the step itself then refuses it).
pub async fn is_decision(db: &mut Handle, id: ApplicationId, action: &str) -> Result<bool> {
    let mut conn = db.conn().await?;
    if pulje_store::programme_applications::is_one(&mut conn, id).await? {
        let Some(app) = pulje_store::programme_applications::get(&mut conn, id).await? else {
            return Ok(false);
        };
        let def = crate::programme_applications::definition_of(&mut conn, &app).await?;
        return Ok(def
            .workflow
            .transitions
            .iter()
            .any(|t| t.action == action.trim() && t.is_decision()));
    }
    Ok(matches!(
        Action::parse(action),
        Some(Action::Approve | Action::Reject | Action::Sign)
    ))
}
