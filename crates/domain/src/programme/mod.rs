//! A funding programme as data: who funds it and how its money is split, when and by whom one
//! applies, the form, the review, the path of an application (states, steps, who takes them,
//! appeals), how the money is paid, who signs, the evaluation, the report and the mail.
//!
//! A programme is written as a definition file (TOML, or the same structure as JSON) and read
//! with [`Definition::from_toml`] or [`Definition::from_json`], which also check it
//! ([`Definition::check`]): every problem is reported in Danish with the place in the file it is
//! about, and a definition with problems is never returned. The programmes shipped with pulje
//! are in [`SHIPPED`].

mod check;
pub mod editor;
mod file;
pub mod flow;
pub mod form;
pub mod money;
pub mod values;

use serde::{Deserialize, Serialize};

pub use check::Problem;
pub use file::Day;
pub use flow::{Actor, Effect, Requirement, State, StateKind, Transition, Workflow};
pub use form::{Condition, FieldKind, FieldSpec, FormDef, OptionSource, Required, SectionDef};
pub use money::{Due, Funder, Instalment, MoneyModel, Split, SplitKey, Tranche, Unit};

/// The definition files shipped with pulje: OK21's afdelingslæge programme and two programmes
/// from the seeds, as examples an administrator can start from.
pub const SHIPPED: [(&str, &str); 3] = [
    ("ok21", include_str!("../../programmes/ok21.toml")),
    (
        "sundhedsklynger-2022",
        include_str!("../../programmes/sundhedsklynger-2022.toml"),
    ),
    (
        "almen-praksis-efteruddannelse",
        include_str!("../../programmes/almen-praksis-efteruddannelse.toml"),
    ),
];

/// The largest definition file read, in bytes.
pub const MAX_FILE_BYTES: usize = 512 * 1024;

/// One programme's definition, checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Definition {
    /// The programme's identifier: lower-case letters, digits and hyphens (`ok21`).
    pub id: String,
    /// The definition's version; an application keeps the version it was made under.
    pub version: u32,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Who runs the programme (e.g. "Danske Regioner og Yngre Læger").
    pub owner: String,
    /// Who pays, with their shares in whole percent adding up to 100.
    pub funders: Vec<Funder>,
    /// When applications are received and within which dates the funded work may lie.
    pub window: Window,
    /// How the money is split to the units (regions, clusters, the fund itself).
    pub split: Split,
    /// The programme's money in periods.
    pub tranches: Vec<Tranche>,
    /// Who may apply, and on whose behalf.
    pub applicants: Applicants,
    /// Bodies that take steps (a cluster's political level, a medical consultant), besides the
    /// system's roles.
    #[serde(default)]
    pub bodies: Vec<Body>,
    /// The application form.
    pub form: FormDef,
    #[serde(default)]
    pub review: Review,
    pub workflow: Workflow,
    /// How granted money is paid.
    pub money: MoneyModel,
    /// Who signs a granted agreement; none for programmes without signatures.
    #[serde(default)]
    pub signatures: Vec<Party>,
    /// The evaluation form filled in when the funded work is over; empty for none.
    #[serde(default)]
    pub evaluation: FormDef,
    #[serde(default)]
    pub report: Vec<ReportSection>,
    #[serde(default)]
    pub mail: Vec<MailTemplate>,
}

/// The application window and the funded period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    /// The first day applications are received.
    pub opens: Day,
    /// The last day applications are received.
    pub closes: Day,
    /// The earliest start of funded work.
    pub period_start: Day,
    /// The latest end of funded work (a unit may set an earlier one).
    pub period_end: Day,
}

/// Who may apply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Applicants {
    /// The roles that write applications (`applicant`, `leader`, `region_admin`, …).
    pub roles: Vec<String>,
    /// The kinds of organisation that apply (a department, a health cluster, a practice).
    pub organisation: String,
    /// On whose behalf, when the writer is not the one who benefits (e.g. "afdelingslæge").
    #[serde(default)]
    pub on_behalf_of: String,
}

/// A body named in the definition; its members are set up per installation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Body {
    /// Lower-case identifier used in `by = ["body:ID"]`.
    pub id: String,
    pub name: String,
}

/// The review before a decision.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Review {
    /// The checklist's points, ticked by the reviewers.
    #[serde(default)]
    pub checklist: Vec<String>,
    /// A scoring rubric, where wanted.
    #[serde(default)]
    pub rubric: Option<Rubric>,
    /// Whether every reviewer declares a conflict of interest (or none) before seeing an
    /// application; a declared conflict hides it from them.
    #[serde(default)]
    pub conflict_declaration: bool,
}

/// Criteria scored on one scale and combined by weight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rubric {
    pub scale_min: u32,
    pub scale_max: u32,
    /// Whether a reviewer may answer "ikke relevant" for a criterion.
    #[serde(default)]
    pub allow_not_applicable: bool,
    pub criteria: Vec<Criterion>,
}

/// A reviewer's scores, one per criterion in the rubric's order: `None` for "ikke relevant".
pub type Scores = Vec<Option<u32>>;

impl Rubric {
    /// The reviewers' scores combined: for each criterion the mean of the scores given, then
    /// the mean of those weighted by the criteria's weights (criteria nobody scored left out),
    /// in hundredths of a point, rounded half up. `None` when nothing was scored, or a score
    /// is off the scale or missing where "ikke relevant" is not allowed.
    pub fn combine(&self, reviewers: &[Scores]) -> Option<u32> {
        let mut weighted: u128 = 0;
        let mut weights: u128 = 0;
        for (i, c) in self.criteria.iter().enumerate() {
            let mut sum: u128 = 0;
            let mut n: u128 = 0;
            for scores in reviewers {
                match scores.get(i).copied().flatten() {
                    Some(s) if (self.scale_min..=self.scale_max).contains(&s) => {
                        sum += u128::from(s);
                        n += 1;
                    }
                    Some(_) => return None,
                    None if self.allow_not_applicable => {}
                    None => return None,
                }
            }
            // The criterion's mean in hundred-thousandths of a point, times its weight.
            if let Some(mean) = (sum * 100 * 1_000).checked_div(n) {
                weighted += mean * u128::from(c.weight);
                weights += u128::from(c.weight);
            }
        }
        let thousandths = weighted.checked_div(weights)?;
        u32::try_from((thousandths + 500) / 1_000).ok()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    pub name: String,
    #[serde(default)]
    pub help: String,
    /// A whole-number weight; the combined score is the weighted mean.
    pub weight: u32,
}

/// A signing party: who signs in which capacity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Party {
    pub id: String,
    /// The capacity, as the agreement names it ("Ledende overlæge").
    pub label: String,
    /// Who signs: an actor as in a transition's `by`.
    pub who: Actor,
}

/// A section of the report the programme asks of each unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportSection {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub help: String,
}

/// A mail sent when a step is taken.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailTemplate {
    /// The transition's action that sends it.
    pub on: String,
    /// Who receives it: actors as in a transition's `by`.
    pub to: Vec<Actor>,
    pub subject: String,
    /// The text; `{titel}`, `{status}`, `{link}` and `{kommentar}` are filled in.
    pub body: String,
}

/// The placeholders a mail template may use, in the order the definition's guide names them.
pub const PLACEHOLDERS: [&str; 4] = ["titel", "status", "link", "kommentar"];

/// What a mail's placeholders are filled with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MailValues {
    /// The application's title.
    pub titel: String,
    /// The Danish name of the state the step led to.
    pub status: String,
    /// An absolute link to the application.
    pub link: String,
    /// The comment or reason given with the step.
    pub kommentar: String,
}

impl MailValues {
    fn get(&self, name: &str) -> Option<&str> {
        match name {
            "titel" => Some(&self.titel),
            "status" => Some(&self.status),
            "link" => Some(&self.link),
            "kommentar" => Some(&self.kommentar),
            _ => None,
        }
    }
}

/// The placeholders written in `text`: every `{name}` whose name is letters, digits or `_`
/// (other braces are plain text).
pub fn placeholders_in(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) if is_placeholder_name(&after[..close]) => {
                found.push(&after[..close]);
                rest = &after[close + 1..];
            }
            _ => rest = after,
        }
    }
    found
}

fn is_placeholder_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// `text` with its known placeholders filled in, in one pass (as every mail is filled).
fn fill(text: &str, values: &MailValues) -> String {
    crate::mail::fill(text, |name| values.get(name))
}

impl MailTemplate {
    /// The subject (on one line) and the body with the placeholders filled in.
    pub fn fill(&self, values: &MailValues) -> (String, String) {
        let subject = fill(&self.subject, values)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        (subject, fill(&self.body, values))
    }
}

impl Definition {
    /// Reads and checks a TOML definition.
    pub fn from_toml(text: &str) -> Result<Definition, Vec<Problem>> {
        file::too_large(text)?;
        let def: Definition =
            toml::from_str(text).map_err(|e| vec![file::toml_problem(text, &e)])?;
        def.check().map(|()| def)
    }

    /// Reads and checks a JSON definition.
    pub fn from_json(text: &str) -> Result<Definition, Vec<Problem>> {
        file::too_large(text)?;
        let de = &mut serde_json::Deserializer::from_str(text);
        let def: Definition =
            serde_path_to_error::deserialize(de).map_err(|e| vec![file::json_problem(&e)])?;
        def.check().map(|()| def)
    }

    /// The definition as a TOML file.
    pub fn to_toml(&self) -> String {
        // Every value is a string, a number, a boolean, an array or a table: it always encodes.
        toml::to_string_pretty(self).unwrap_or_default()
    }

    /// Checks the whole definition; every problem found, or none.
    pub fn check(&self) -> Result<(), Vec<Problem>> {
        let problems = check::all(self);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    /// A transition by its action.
    pub fn transition(&self, action: &str) -> Option<&Transition> {
        self.workflow
            .transitions
            .iter()
            .find(|t| t.action == action)
    }

    /// Who an actor is, in Danish: "Ansøgeren", a role's name, or a body's.
    pub fn actor_da(&self, actor: &Actor) -> String {
        match actor {
            Actor::Applicant => "Ansøgeren".into(),
            Actor::Role(role) => role.label_da().into(),
            Actor::Body(id) => self
                .bodies
                .iter()
                .find(|b| &b.id == id)
                .map_or_else(|| id.clone(), |b| b.name.clone()),
        }
    }

    /// A state's name, or its id when it has none.
    pub fn state_da(&self, id: &str) -> String {
        self.workflow
            .state(id)
            .map_or_else(|| id.to_string(), |s| s.label.clone())
    }

    /// The mail templates sent when the step `action` is taken, in the definition's order.
    pub fn mail_on<'a>(&'a self, action: &'a str) -> impl Iterator<Item = &'a MailTemplate> + 'a {
        self.mail.iter().filter(move |m| m.on == action)
    }

    /// Whether an application that has taken the steps `actions` is asked for its evaluation:
    /// the definition has an evaluation form, and the application has been granted (a step
    /// with `effect = "commit"` was taken), whatever state it has come to since.
    pub fn evaluation_open<'a>(&self, actions: impl IntoIterator<Item = &'a str>) -> bool {
        !self.evaluation.is_empty()
            && actions.into_iter().any(|a| {
                self.transition(a)
                    .is_some_and(|t| t.effect == Some(Effect::Commit))
            })
    }

    /// A field of the application form by its name.
    pub fn field(&self, name: &str) -> Option<&FieldSpec> {
        self.form.fields().find(|f| f.name == name)
    }
}

#[cfg(test)]
mod tests;
