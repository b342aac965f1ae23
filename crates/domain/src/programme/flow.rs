//! A programme's workflow: the states an application passes through, the steps between them,
//! who may take each and what each requires.

use crate::role::Role;
use crate::workflow::Refusal;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workflow {
    /// The state a new application starts in.
    pub initial: String,
    pub states: Vec<State>,
    pub transitions: Vec<Transition>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    /// Lower-case identifier (`draft`, `appealed`).
    pub id: String,
    /// The Danish name shown to users.
    pub label: String,
    pub kind: StateKind,
}

impl Transition {
    /// A decision or a signature — the step grants (commits money), signs, or is decided at a
    /// deciding body's meeting (a grant or a refusal): taken only after a fresh login.
    pub fn is_decision(&self) -> bool {
        matches!(self.effect, Some(Effect::Commit) | Some(Effect::Sign))
            || self.requires.contains(&Requirement::Meeting)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StateKind {
    /// The applicant may still change the form.
    Editable,
    /// With the reviewers, the decision makers, the signers, or running.
    Open,
    /// Nothing more happens (rejected, withdrawn, ended).
    Final,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    /// The step's identifier in the API (`submit`, `appeal`).
    pub action: String,
    /// The button's Danish text.
    pub label: String,
    pub from: Vec<String>,
    pub to: String,
    /// Who may take the step.
    pub by: Vec<Actor>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<Requirement>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<Effect>,
    /// The step must be taken within this many days of entering the state it is taken from (an
    /// appeal's deadline).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within_days: Option<u32>,
}

/// What a step needs from the one taking it, or from the application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    /// The form filled in as far as submitting requires.
    Complete,
    /// A comment for the thread.
    Comment,
    /// A reason given to the applicant.
    Reason,
    /// One of the unit's supplement tiers granted.
    Tier,
    /// An amount granted.
    Amount,
    /// The meeting of the deciding body at which it was decided.
    Meeting,
}

impl Requirement {
    pub fn label_da(self) -> &'static str {
        match self {
            Requirement::Complete => "et udfyldt skema",
            Requirement::Comment => "en kommentar",
            Requirement::Reason => "en begrundelse",
            Requirement::Tier => "et tillægstrin",
            Requirement::Amount => "et beløb",
            Requirement::Meeting => "mødet, hvor det blev besluttet",
        }
    }
}

/// What a step does besides changing the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// Grants: the money is committed to the tranches (over-commitment needs a reason).
    Commit,
    /// One party's signature; the state becomes `to` when every party has signed, and stays
    /// until then.
    Sign,
    /// Ends a running agreement early; the money after the end is released.
    Terminate,
    /// Approves the documentation (a report, the accounts): a lump sum's instalments due on
    /// documentation fall due.
    Documentation,
}

impl Effect {
    pub fn label_da(self) -> &'static str {
        match self {
            Effect::Commit => "binder midlerne i puljen",
            Effect::Sign => {
                "én parts underskrift; aftalen træder i kraft, når alle har skrevet under"
            }
            Effect::Terminate => "afslutter aftalen før tid",
            Effect::Documentation => {
                "godkender dokumentationen, så rater, der forfalder ved dokumentation, kan udbetales"
            }
        }
    }
}

impl StateKind {
    pub fn label_da(self) -> &'static str {
        match self {
            StateKind::Editable => "ansøgeren kan rette",
            StateKind::Open => "i gang",
            StateKind::Final => "afsluttet",
        }
    }
}

/// Who may take a step, sign or receive a mail: the application's writer, a system role in the
/// application's unit, or a body named in the definition.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Actor {
    Applicant,
    Role(Role),
    Body(String),
}

impl Actor {
    pub fn parse(text: &str) -> Option<Actor> {
        let text = text.trim();
        if text == "applicant" {
            return Some(Actor::Applicant);
        }
        if let Some(body) = text.strip_prefix("body:") {
            let ok = !body.is_empty()
                && body
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            return ok.then(|| Actor::Body(body.to_string()));
        }
        match Role::parse(text) {
            // A role that writes applications is `applicant` above.
            Some(Role::Applicant) | None => None,
            Some(role) => Some(Actor::Role(role)),
        }
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actor::Applicant => f.write_str("applicant"),
            Actor::Role(role) => f.write_str(role.as_str()),
            Actor::Body(id) => write!(f, "body:{id}"),
        }
    }
}

impl Serialize for Actor {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Actor {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Actor, D::Error> {
        let text = String::deserialize(d)?;
        Actor::parse(&text).ok_or_else(|| {
            let roles: Vec<&str> = Role::ALL
                .iter()
                .filter(|r| **r != Role::Applicant)
                .map(|r| r.as_str())
                .collect();
            serde::de::Error::custom(format!(
                "«{text}» er ikke en aktør; brug applicant, en rolle ({}) eller body:ID for et organ i definitionen",
                roles.join(", ")
            ))
        })
    }
}

impl Workflow {
    pub fn state(&self, id: &str) -> Option<&State> {
        self.states.iter().find(|s| s.id == id)
    }

    /// The states an application can reach from the initial one.
    pub fn reachable(&self) -> BTreeSet<&str> {
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let mut todo = vec![self.initial.as_str()];
        while let Some(state) = todo.pop() {
            if !seen.insert(state) {
                continue;
            }
            for t in &self.transitions {
                if t.from.iter().any(|f| f == state) {
                    todo.push(t.to.as_str());
                }
            }
        }
        seen
    }

    /// The states from which a final state can be reached.
    pub fn can_finish(&self) -> BTreeSet<&str> {
        let mut done: BTreeSet<&str> = self
            .states
            .iter()
            .filter(|s| s.kind == StateKind::Final)
            .map(|s| s.id.as_str())
            .collect();
        loop {
            let before = done.len();
            for t in &self.transitions {
                if done.contains(t.to.as_str()) {
                    done.extend(t.from.iter().map(String::as_str));
                }
            }
            if done.len() == before {
                return done;
            }
        }
    }

    /// The steps that can be taken from `state`.
    pub fn steps_from<'a>(&'a self, state: &'a str) -> impl Iterator<Item = &'a Transition> + 'a {
        self.transitions
            .iter()
            .filter(move |t| t.from.iter().any(|f| f == state))
    }
}

/// Who asks to take a step, as the workflow sees them: whether they are the application's own
/// person (its writer, or the one it is written for), their role in the application's unit, and
/// the bodies they sit in.
#[derive(Debug, Clone, Copy)]
pub struct Taker<'a> {
    pub is_applicant: bool,
    pub role: Role,
    pub bodies: &'a [String],
}

impl Taker<'_> {
    /// Whether the taker is `actor`: the application's own person, of the role, or in the body.
    pub fn is(&self, actor: &Actor) -> bool {
        match actor {
            Actor::Applicant => self.is_applicant,
            Actor::Role(role) => *role == self.role,
            Actor::Body(id) => self.bodies.iter().any(|b| b == id),
        }
    }
}

impl Workflow {
    /// Checks that `taker` may take `action` on an application that entered `state` on
    /// `entered`, today; the step, or why not (a wrong taker 403, a wrong state or a passed
    /// deadline 409). Who may take it is checked first, so a user who never may learns nothing
    /// about the state.
    pub fn check_step(
        &self,
        action: &str,
        state: &str,
        taker: Taker<'_>,
        entered: NaiveDate,
        today: NaiveDate,
    ) -> Result<&Transition, Refusal> {
        let step = self
            .transitions
            .iter()
            .find(|t| t.action == action)
            .ok_or_else(|| Refusal::WrongState(format!("Programmet har intet trin «{action}».")))?;
        if !step.by.iter().any(|a| taker.is(a)) {
            return Err(Refusal::WrongRole(format!(
                "Du kan ikke «{}».",
                step.label.to_lowercase()
            )));
        }
        let state_label = self.state(state).map_or(state, |s| s.label.as_str());
        if !step.from.iter().any(|f| f == state) {
            return Err(Refusal::WrongState(format!(
                "Sagen har status «{state_label}»; «{}» er ikke muligt nu.",
                step.label.to_lowercase()
            )));
        }
        if let Some(days) = step.within_days {
            let last = entered + chrono::Days::new(u64::from(days));
            if today > last {
                return Err(Refusal::WrongState(format!(
                    "Fristen for «{}» var {} ({days} dage efter, at sagen fik status «{state_label}»).",
                    step.label.to_lowercase(),
                    crate::date::format_date_da(last)
                )));
            }
        }
        Ok(step)
    }

    /// The steps `taker` may take now, in the definition's order.
    pub fn open_steps(
        &self,
        state: &str,
        taker: Taker<'_>,
        entered: NaiveDate,
        today: NaiveDate,
    ) -> Vec<&Transition> {
        self.transitions
            .iter()
            .filter(|t| {
                self.check_step(&t.action, state, taker, entered, today)
                    .is_ok()
            })
            .collect()
    }
}
