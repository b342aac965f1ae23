//! The review of an application of a programme defined as data, as its definition's `review`
//! asks for it: declarations of a conflict of interest, a scoring rubric and a checklist.
//!
//! A *reviewer* of an application is a person who may take some step of its workflow from its
//! current state other than as its own applicant: a member of a body the step names
//! (`body_seats`) or a holder of a role it names, as [`Workflow::open_steps`] answers with a
//! [`Taker`] that is not the applicant. Administrators (the system's, and the application's
//! region's) are never reviewers here and always see the application, nor is its own writer.
//!
//! When the definition asks for declarations, a reviewer declares a conflict of interest (with a
//! reason) or none before they see the application's content or take a step; until then they
//! see its title and programme only. A declared conflict hides the application from them: it is
//! not found for them, and is left out of their lists. The reviewers' scores are combined by
//! [`Rubric::combine`]; reviewers and administrators see the combined score, the applicant never
//! sees scores or declarations.

use crate::policy::Person;
use crate::programme_applications::{load_unchecked, today};
use crate::{Error, Result};
use pulje_domain::programme::flow::Taker;
use pulje_domain::programme::{Definition, Rubric, Scores, StateKind};
use pulje_domain::{ApplicationId, FieldErrors, Role, UserId};
use pulje_store::audit::Actor;
use pulje_store::programme_applications::ProgrammeApplication;
use pulje_store::programme_review::{self as store, Declaration, Tick};
use pulje_store::{Connection, Handle};

/// The longest reason given with a declaration, in characters.
pub const REASON_MAX: usize = 2000;

/// Said to a reviewer who has not yet declared.
pub const MUST_DECLARE: &str =
    "Du skal erklære, om du er inhabil, før du kan se ansøgningen eller tage et skridt på den.";

/// Whether `user` administers `app`'s region (the system administrator administers all).
pub fn is_administrator(user: &impl Person, app: &ProgrammeApplication) -> bool {
    match user.person().role {
        Role::Admin => true,
        Role::RegionAdmin => user.region_code() == Some(app.region_code),
        _ => false,
    }
}

/// Where a user stands in the review of one application.
#[derive(Debug, Clone)]
pub struct Standing {
    pub user: UserId,
    /// The application's region's administrator, or the system's.
    pub administrator: bool,
    /// A reviewer of it now (see the module's description).
    pub reviewer: bool,
    /// Its writer.
    pub own: bool,
    /// A seat in a body of the programme.
    pub seated: bool,
    /// The user's declaration on it, if made.
    pub declaration: Option<Declaration>,
    /// The definition asks for declarations, the user is a reviewer and has not declared.
    pub must_declare: bool,
}

impl Standing {
    /// A declared conflict hides the application (never from an administrator).
    pub fn hidden(&self) -> bool {
        !self.administrator && self.declaration.as_ref().is_some_and(|d| d.conflict)
    }

    /// Whether the user sees the review (scores, checklist, declarations): administrators,
    /// reviewers and the members of the programme's bodies; never the applicant.
    pub fn sees_review(&self) -> bool {
        !self.own && (self.administrator || self.reviewer || self.seated)
    }
}

/// Where `user` stands in the review of `app`.
pub async fn standing(
    conn: &mut Connection,
    user: &impl Person,
    app: &ProgrammeApplication,
    def: &Definition,
    bodies: &[String],
) -> Result<Standing> {
    let me = user.person();
    let administrator = is_administrator(user, app);
    let own = app.is_own(me.id);
    let taker = Taker {
        is_applicant: false,
        role: me.role,
        bodies,
    };
    let reviewer = !administrator
        && !own
        && !def
            .workflow
            .open_steps(&app.state, taker, app.state_entered_on, today())
            .is_empty();
    let declaration = store::declaration(conn, app.id, me.id).await?;
    let must_declare = reviewer && def.review.conflict_declaration && declaration.is_none();
    Ok(Standing {
        user: me.id,
        administrator,
        reviewer,
        own,
        seated: !bodies.is_empty(),
        declaration,
        must_declare,
    })
}

/// Whom a user's application lists leave applications out for (their declared conflicts):
/// everyone but the administrators.
pub fn hidden_from(user: &impl Person) -> Option<UserId> {
    match user.person().role {
        Role::Admin | Role::RegionAdmin => None,
        _ => Some(user.person().id),
    }
}

/// An application whose title and programme the user may see, with its definition, the user's
/// bodies and where they stand in its review; another region's, or one hidden from them by a
/// declared conflict, is [`Error::NotFound`]. Its content may be shown only when
/// `must_declare` is false.
pub async fn load_head(
    conn: &mut Connection,
    user: &impl Person,
    id: ApplicationId,
) -> Result<(ProgrammeApplication, Definition, Vec<String>, Standing)> {
    let (app, def, bodies) = load_unchecked(conn, user, id).await?;
    let standing = standing(conn, user, &app, &def, &bodies).await?;
    if standing.hidden() {
        return Err(Error::NotFound);
    }
    Ok((app, def, bodies, standing))
}

/// One point of the checklist with its tick.
#[derive(Debug, Clone)]
pub struct Point {
    /// 1, 2, … in the definition's order.
    pub number: usize,
    pub text: String,
    pub tick: Option<Tick>,
}

/// The review as one user sees it.
#[derive(Debug, Clone)]
pub struct ReviewView {
    pub standing: Standing,
    /// The definition asks for declarations.
    pub asks_declaration: bool,
    /// Every declaration: administrators only.
    pub declarations: Vec<Declaration>,
    pub rubric: Option<Rubric>,
    /// The user's own scores, if given.
    pub own_scores: Option<Scores>,
    /// The reviewers' scores combined, in hundredths of a point.
    pub combined: Option<u32>,
    /// How many reviewers have scored.
    pub scored_by: usize,
    pub checklist: Vec<Point>,
    /// The user may declare now (a reviewer without a declaration, or one who declared none
    /// and now declares a conflict).
    pub may_declare: bool,
    pub may_score: bool,
    pub may_tick: bool,
}

/// Whether the review can still change: while the application is in an open state.
fn in_review(app: &ProgrammeApplication, def: &Definition) -> bool {
    def.workflow
        .state(&app.state)
        .is_some_and(|s| s.kind == StateKind::Open)
}

/// The review of `app` as the user sees it; [`Error::Forbidden`] for one who does not see it
/// (the applicant, and others who are neither reviewers nor administrators). A reviewer who
/// must declare sees nothing but that.
pub async fn view(
    conn: &mut Connection,
    app: &ProgrammeApplication,
    def: &Definition,
    standing: Standing,
) -> Result<ReviewView> {
    if !standing.sees_review() {
        return Err(Error::Forbidden(
            "Kun bedømmerne og administratorerne ser bedømmelsen.".into(),
        ));
    }
    let asks_declaration = def.review.conflict_declaration;
    let may_declare = standing.reviewer
        && asks_declaration
        && standing.declaration.as_ref().is_none_or(|d| !d.conflict);
    if standing.must_declare {
        return Ok(ReviewView {
            standing,
            asks_declaration,
            declarations: Vec::new(),
            rubric: None,
            own_scores: None,
            combined: None,
            scored_by: 0,
            checklist: Vec::new(),
            may_declare,
            may_score: false,
            may_tick: false,
        });
    }
    let open = in_review(app, def) && standing.reviewer;
    let rubric = def.review.rubric.clone();
    let criteria = rubric.as_ref().map_or(0, |r| r.criteria.len());
    let (own_scores, combined, scored_by) = match &rubric {
        Some(r) => {
            let all = store::scores(conn, app.id, criteria).await?;
            let given: Vec<Scores> = all.iter().map(|(_, s)| s.clone()).collect();
            let own = if standing.reviewer || standing.seated {
                store::own_scores(conn, app.id, standing.user, criteria).await?
            } else {
                None
            };
            (own, r.combine(&given), given.len())
        }
        None => (None, None, 0),
    };
    let ticks = store::ticks(conn, app.id).await?;
    let checklist = def
        .review
        .checklist
        .iter()
        .enumerate()
        .map(|(i, text)| Point {
            number: i + 1,
            text: text.clone(),
            tick: ticks.iter().find(|t| t.item == i).cloned(),
        })
        .collect::<Vec<_>>();
    let declarations = if standing.administrator {
        store::declarations(conn, app.id).await?
    } else {
        Vec::new()
    };
    Ok(ReviewView {
        may_score: open && rubric.is_some(),
        may_tick: open && !checklist.is_empty(),
        standing,
        asks_declaration,
        declarations,
        rubric,
        own_scores,
        combined,
        scored_by,
        checklist,
        may_declare,
    })
}

/// A declaration as sent: whether there is a conflict (`None`: not answered) and why.
#[derive(Debug, Clone, Default)]
pub struct DeclarationInput {
    pub conflict: Option<bool>,
    pub reason: String,
}

/// Checks a declaration; what is wrong, keyed `conflict` and `reason`.
fn check_declaration(input: &DeclarationInput) -> std::result::Result<(bool, String), FieldErrors> {
    let mut errors = FieldErrors::new();
    let reason = input.reason.trim();
    let length = reason.chars().count();
    if length > REASON_MAX {
        errors.add(
            "reason",
            format!("Begrundelsen må højst være {REASON_MAX} tegn (der er {length})."),
        );
    }
    if reason.contains('\0') {
        errors.add(
            "reason",
            "Begrundelsen indeholder tegnet NUL, som ikke kan gemmes.",
        );
    }
    match input.conflict {
        None => errors.add("conflict", "Inhabilitet: vælg, om du er inhabil eller ej."),
        Some(true) if reason.is_empty() => {
            errors.add("reason", "Begrundelse: skriv, hvorfor du er inhabil.")
        }
        _ => {}
    }
    let conflict = input.conflict.unwrap_or_default();
    errors.into_result((conflict, reason.to_string()))
}

/// Records `user`'s declaration on `id`: a reviewer of an application whose programme asks for
/// declarations. `Ok(Err(errors))` when the input is refused (nothing is stored).
pub async fn declare(
    db: &mut Handle,
    user: &impl Person,
    actor: &Actor,
    id: ApplicationId,
    input: &DeclarationInput,
) -> Result<std::result::Result<Declaration, FieldErrors>> {
    let mut tx = db.begin().await?;
    let (app, def, _, standing) = load_head(&mut tx, user, id).await?;
    if !def.review.conflict_declaration {
        return Err(Error::Conflict(format!(
            "«{}» beder ikke om erklæringer om inhabilitet.",
            def.name
        )));
    }
    if !standing.reviewer {
        return Err(Error::Forbidden(
            "Kun ansøgningens bedømmere erklærer sig om inhabilitet.".into(),
        ));
    }
    let (conflict, reason) = match check_declaration(input) {
        Ok(checked) => checked,
        Err(errors) => return Ok(Err(errors)),
    };
    let declared =
        store::declare(&mut tx, actor, &app, user.person().id, conflict, &reason).await?;
    tx.commit().await?;
    Ok(Ok(declared))
}

/// One criterion's score as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScoreInput {
    /// Nothing chosen.
    Missing,
    /// "Ikke relevant".
    NotApplicable,
    Score(i64),
    /// Something that is not a number.
    Unreadable(String),
}

/// The field of criterion `i`'s score in the errors (`scores.0`, …); `scores` for the whole.
pub fn score_field(i: usize) -> String {
    format!("scores.{i}")
}

/// Checks scores against the rubric: one per criterion, on the scale, "ikke relevant" only
/// where allowed; what is wrong, each message naming its criterion.
pub fn check_scores(
    rubric: &Rubric,
    given: &[ScoreInput],
) -> std::result::Result<Scores, FieldErrors> {
    let mut errors = FieldErrors::new();
    let (min, max) = (rubric.scale_min, rubric.scale_max);
    if given.len() != rubric.criteria.len() {
        errors.add(
            "scores",
            format!(
                "Giv én karakter for hvert af de {} kriterier (der er {}).",
                rubric.criteria.len(),
                given.len()
            ),
        );
        return Err(errors);
    }
    let mut scores = Vec::with_capacity(given.len());
    for (i, (criterion, input)) in rubric.criteria.iter().zip(given).enumerate() {
        let name = &criterion.name;
        let wrong = match input {
            ScoreInput::Score(s) => match u32::try_from(*s) {
                Ok(s) if (min..=max).contains(&s) => {
                    scores.push(Some(s));
                    continue;
                }
                _ => format!("«{name}»: {s} er uden for skalaen {min}–{max}."),
            },
            ScoreInput::NotApplicable if rubric.allow_not_applicable => {
                scores.push(None);
                continue;
            }
            ScoreInput::NotApplicable => format!(
                "«{name}»: «ikke relevant» kan ikke vælges i dette program; giv en karakter fra {min} til {max}."
            ),
            ScoreInput::Missing => {
                format!("«{name}»: vælg en karakter fra {min} til {max}.")
            }
            ScoreInput::Unreadable(text) => {
                let text: String = text.chars().take(40).collect();
                format!("«{name}»: «{text}» er ikke en karakter fra {min} til {max}.")
            }
        };
        errors.add(score_field(i), wrong);
    }
    errors.into_result(scores)
}

/// The reviewer's checks before a change of the review: a reviewer now, declared where asked,
/// while the application is in review.
fn require_reviewing(
    app: &ProgrammeApplication,
    def: &Definition,
    standing: &Standing,
    what: &str,
) -> Result<()> {
    if !standing.reviewer {
        return Err(Error::Forbidden(format!(
            "Kun ansøgningens bedømmere kan {what}."
        )));
    }
    if standing.must_declare {
        return Err(Error::Forbidden(MUST_DECLARE.into()));
    }
    if !in_review(app, def) {
        return Err(Error::Conflict(format!(
            "Ansøgningen har status «{}»; bedømmelsen kan ikke længere ændres.",
            def.state_da(&app.state)
        )));
    }
    Ok(())
}

/// Replaces `user`'s scores on `id` with `given`, one per criterion of the rubric, while the
/// application is in review. `Ok(Err(errors))` when they are refused (nothing is stored).
pub async fn score(
    db: &mut Handle,
    user: &impl Person,
    actor: &Actor,
    id: ApplicationId,
    given: &[ScoreInput],
) -> Result<std::result::Result<Scores, FieldErrors>> {
    let mut tx = db.begin().await?;
    let (app, def, _, standing) = load_head(&mut tx, user, id).await?;
    let Some(rubric) = &def.review.rubric else {
        return Err(Error::Conflict(format!(
            "«{}» bedømmes ikke efter en skala.",
            def.name
        )));
    };
    require_reviewing(&app, &def, &standing, "give karakterer")?;
    let scores = match check_scores(rubric, given) {
        Ok(scores) => scores,
        Err(errors) => return Ok(Err(errors)),
    };
    store::set_scores(&mut tx, actor, &app, user.person().id, &scores).await?;
    tx.commit().await?;
    Ok(Ok(scores))
}

/// Ticks (or unticks) point `number` (1, 2, …) of the checklist of `id`, while it is in review.
pub async fn tick(
    db: &mut Handle,
    user: &impl Person,
    actor: &Actor,
    id: ApplicationId,
    number: i64,
    ticked: bool,
) -> Result<()> {
    let mut tx = db.begin().await?;
    let (app, def, _, standing) = load_head(&mut tx, user, id).await?;
    let item = usize::try_from(number)
        .ok()
        .and_then(|n| n.checked_sub(1))
        .filter(|i| *i < def.review.checklist.len())
        .ok_or(Error::NotFound)?;
    require_reviewing(&app, &def, &standing, "krydse tjeklisten af")?;
    store::set_tick(&mut tx, actor, &app, item, user.person().id, ticked).await?;
    tx.commit().await?;
    Ok(())
}

/// A combined score in Danish: hundredths of a point on the scale's top (`3,58 af 5`).
pub fn combined_da(hundredths: u32, scale_max: u32) -> String {
    format!(
        "{},{:02} af {scale_max}",
        hundredths / 100,
        hundredths % 100
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use pulje_domain::programme::Criterion;

    fn rubric(allow_not_applicable: bool) -> Rubric {
        let c = |name: &str, weight| Criterion {
            name: name.into(),
            help: String::new(),
            weight,
        };
        Rubric {
            scale_min: 1,
            scale_max: 5,
            allow_not_applicable,
            criteria: vec![c("Sigte", 3), c("Forankring", 2)],
        }
    }

    #[test]
    fn scores_on_the_scale_are_taken_and_the_rest_named() {
        use ScoreInput::*;
        assert_eq!(
            check_scores(&rubric(true), &[Score(5), NotApplicable]),
            Ok(vec![Some(5), None])
        );
        let errors = check_scores(&rubric(false), &[Score(0), NotApplicable]).unwrap_err();
        assert_eq!(
            errors.get("scores.0"),
            ["«Sigte»: 0 er uden for skalaen 1–5."]
        );
        assert!(errors.get("scores.1")[0].contains("«Forankring»: «ikke relevant» kan ikke"));
        let errors = check_scores(
            &rubric(true),
            &[Score(i64::MAX), Unreadable("x".repeat(500))],
        )
        .unwrap_err();
        assert_eq!(errors.len(), 2);
        assert!(errors.get("scores.1")[0].chars().count() < 120);
        let errors = check_scores(&rubric(true), &[Missing]).unwrap_err();
        assert!(errors.has("scores"));
    }

    #[test]
    fn a_conflict_needs_a_reason_of_bounded_length() {
        let check = |conflict, reason: &str| {
            check_declaration(&DeclarationInput {
                conflict,
                reason: reason.into(),
            })
        };
        assert_eq!(check(Some(false), " "), Ok((false, String::new())));
        assert_eq!(
            check(Some(true), " Min bror "),
            Ok((true, "Min bror".to_string()))
        );
        assert!(check(Some(true), "").unwrap_err().has("reason"));
        assert!(check(None, "").unwrap_err().has("conflict"));
        assert!(check(Some(true), &"x".repeat(REASON_MAX)).is_ok());
        assert!(check(Some(true), &"æ".repeat(REASON_MAX + 1))
            .unwrap_err()
            .has("reason"));
        assert!(check(Some(true), "a\0b").unwrap_err().has("reason"));
    }

    #[test]
    fn a_combined_score_reads_in_danish() {
        assert_eq!(combined_da(358, 5), "3,58 af 5");
        assert_eq!(combined_da(400, 5), "4,00 af 5");
        assert_eq!(combined_da(5, 10), "0,05 af 10");
    }
}
