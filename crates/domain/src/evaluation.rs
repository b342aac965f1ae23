//! The vocabulary of a trial's evaluation, shared by the evaluation form, the regional report,
//! the national view and the idea catalogue. Each value has a stable identifier (stored, and
//! used in the API) and a Danish label.

use serde::{Serialize, Serializer};

macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $id:literal, $label:literal;)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $id,)+
                }
            }

            pub fn label_da(self) -> &'static str {
                match self {
                    $($name::$variant => $label,)+
                }
            }

            pub fn parse(text: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|v| v.as_str() == text)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

vocabulary! {
    /// Whether the trial met its purposes.
    PurposesMet {
        Yes => "yes", "Ja";
        Partly => "partly", "Delvist";
        No => "no", "Nej";
    }
}

vocabulary! {
    /// What the evaluation recommends for the trial's kind of work.
    Recommendation {
        Continue => "continue", "Fortsæt";
        Expand => "expand", "Udvid";
        Change => "change", "Ændr";
        Stop => "stop", "Stop";
    }
}

vocabulary! {
    /// The four career tracks the programme's evaluations point to.
    CareerTrack {
        ClinicalSpecialist => "clinical_specialist", "Klinisk specialist";
        Leadership => "leadership", "Klinisk ledelse og administration";
        Research => "research", "Forskning og akademisk karriere";
        Teaching => "teaching", "Undervisning og uddannelse";
    }
}

vocabulary! {
    /// Whether a trial was individual and local, or cross-cutting and organisational.
    TrialType {
        Individual => "individual", "Individuelt og lokalt";
        CrossCutting => "cross_cutting", "Tværgående og organisatorisk";
    }
}

vocabulary! {
    /// The challenges the programme met, as the evaluation form asks about them.
    Challenge {
        Concept => "concept", "Uklart begreb om karriereudvikling og projektets muligheder";
        Awareness => "awareness", "Lavt kendskab blandt afdelingslæger og afdelingsledelser";
        Time => "time", "Manglende tid i den kliniske hverdag";
    }
}

/// Longest free text accepted in one field (characters).
pub const MAX_TEXT: usize = 20_000;

/// The evaluation form as typed: every value a string (or the checked boxes), so that a refused
/// form can be shown again exactly as it was.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, Serialize)]
#[serde(default)]
pub struct EvaluationInput {
    pub purposes_met: String,
    pub purposes_text: String,
    pub gained_text: String,
    pub effect_text: String,
    pub development_percent: String,
    pub time_text: String,
    pub recommendation: String,
    pub recommendation_text: String,
    pub career_track: String,
    pub trial_type: String,
    /// The identifiers of the checked challenges.
    pub challenges: Vec<String>,
    pub challenges_text: String,
    pub advice_text: String,
}

/// A readable evaluation: every choice known, the percentage in range. A draft may leave
/// anything empty; [`EvaluationData::missing_for_submission`] says what submitting needs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EvaluationData {
    pub purposes_met: Option<PurposesMet>,
    pub purposes_text: String,
    pub gained_text: String,
    pub effect_text: String,
    /// Share of the trial's time spent on development rather than operations, 0–100.
    pub development_percent: Option<i64>,
    pub time_text: String,
    pub recommendation: Option<Recommendation>,
    pub recommendation_text: String,
    pub career_track: Option<CareerTrack>,
    pub trial_type: Option<TrialType>,
    pub challenges: Vec<Challenge>,
    pub challenges_text: String,
    pub advice_text: String,
}

fn choice<T: Copy>(
    errors: &mut crate::FieldErrors,
    field: &str,
    text: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Option<T> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    let found = parse(t);
    if found.is_none() {
        errors.add(field, "Vælg en af mulighederne.");
    }
    found
}

impl EvaluationInput {
    /// Checks what can be checked in a draft: known choices, a whole percentage from 0 to 100,
    /// texts of a sane length. Nothing is required here.
    pub fn validate(&self) -> Result<EvaluationData, crate::FieldErrors> {
        let mut errors = crate::FieldErrors::new();
        let purposes_met = choice(
            &mut errors,
            "purposes_met",
            &self.purposes_met,
            PurposesMet::parse,
        );
        let recommendation = choice(
            &mut errors,
            "recommendation",
            &self.recommendation,
            Recommendation::parse,
        );
        let career_track = choice(
            &mut errors,
            "career_track",
            &self.career_track,
            CareerTrack::parse,
        );
        let trial_type = choice(
            &mut errors,
            "trial_type",
            &self.trial_type,
            TrialType::parse,
        );
        let percent_text = self.development_percent.trim().trim_end_matches('%').trim();
        let development_percent = if percent_text.is_empty() {
            None
        } else {
            match percent_text.parse::<i64>() {
                Ok(p) if (0..=100).contains(&p) => Some(p),
                Ok(_) => {
                    errors.add(
                        "development_percent",
                        "Andelen skal ligge mellem 0 og 100 %.",
                    );
                    None
                }
                Err(_) => {
                    errors.add(
                        "development_percent",
                        format!("«{percent_text}» er ikke et helt tal. Skriv fx 30."),
                    );
                    None
                }
            }
        };
        let mut challenges = Vec::new();
        for c in &self.challenges {
            match Challenge::parse(c.trim()) {
                Some(c) if !challenges.contains(&c) => challenges.push(c),
                Some(_) => {}
                None => errors.add("challenges", "Vælg blandt de viste udfordringer."),
            }
        }
        challenges.sort();
        let texts = [
            ("purposes_text", &self.purposes_text),
            ("gained_text", &self.gained_text),
            ("effect_text", &self.effect_text),
            ("time_text", &self.time_text),
            ("recommendation_text", &self.recommendation_text),
            ("challenges_text", &self.challenges_text),
            ("advice_text", &self.advice_text),
        ];
        for (field, text) in texts {
            if text.chars().count() > MAX_TEXT {
                errors.add(
                    field,
                    format!("Teksten er for lang; højst {MAX_TEXT} tegn."),
                );
            }
        }
        let t = |s: &String| s.trim().to_string();
        errors.into_result(EvaluationData {
            purposes_met,
            purposes_text: t(&self.purposes_text),
            gained_text: t(&self.gained_text),
            effect_text: t(&self.effect_text),
            development_percent,
            time_text: t(&self.time_text),
            recommendation,
            recommendation_text: t(&self.recommendation_text),
            career_track,
            trial_type,
            challenges,
            challenges_text: t(&self.challenges_text),
            advice_text: t(&self.advice_text),
        })
    }
}

impl EvaluationData {
    /// What submitting needs that the draft lacks, as messages per field. Required: whether the
    /// purposes were met (with an explanation unless fully), what the afdelingslæge gained, the
    /// effect, the time split, a recommendation (explained when it is to change or stop), the
    /// career track and the type. Challenges and advice are optional.
    pub fn missing_for_submission(&self) -> crate::FieldErrors {
        let mut m = crate::FieldErrors::new();
        if self.purposes_met.is_none() {
            m.add("purposes_met", "Angiv, om formålene blev opfyldt.");
        }
        if matches!(
            self.purposes_met,
            Some(PurposesMet::Partly | PurposesMet::No)
        ) && self.purposes_text.is_empty()
        {
            m.add(
                "purposes_text",
                "Forklar, hvad der ikke blev opfyldt, og hvorfor.",
            );
        }
        if self.gained_text.is_empty() {
            m.add(
                "gained_text",
                "Beskriv, hvad afdelingslægen har fået ud af forsøget.",
            );
        }
        if self.effect_text.is_empty() {
            m.add(
                "effect_text",
                "Beskriv effekten for afdelingen og patienterne.",
            );
        }
        if self.development_percent.is_none() {
            m.add(
                "development_percent",
                "Angiv andelen af tiden brugt på udvikling (0–100).",
            );
        }
        if self.recommendation.is_none() {
            m.add("recommendation", "Vælg en anbefaling.");
        }
        if matches!(
            self.recommendation,
            Some(Recommendation::Change | Recommendation::Stop)
        ) && self.recommendation_text.is_empty()
        {
            m.add(
                "recommendation_text",
                "Begrund anbefalingen om at ændre eller stoppe.",
            );
        }
        if self.career_track.is_none() {
            m.add(
                "career_track",
                "Vælg det karrierespor, forsøget bedst hører til.",
            );
        }
        if self.trial_type.is_none() {
            m.add("trial_type", "Angiv forsøgets type.");
        }
        m
    }

    /// The data back as the form shows it.
    pub fn to_input(&self) -> EvaluationInput {
        EvaluationInput {
            purposes_met: self
                .purposes_met
                .map(|v| v.as_str().to_string())
                .unwrap_or_default(),
            purposes_text: self.purposes_text.clone(),
            gained_text: self.gained_text.clone(),
            effect_text: self.effect_text.clone(),
            development_percent: self
                .development_percent
                .map(|p| p.to_string())
                .unwrap_or_default(),
            time_text: self.time_text.clone(),
            recommendation: self
                .recommendation
                .map(|v| v.as_str().to_string())
                .unwrap_or_default(),
            recommendation_text: self.recommendation_text.clone(),
            career_track: self
                .career_track
                .map(|v| v.as_str().to_string())
                .unwrap_or_default(),
            trial_type: self
                .trial_type
                .map(|v| v.as_str().to_string())
                .unwrap_or_default(),
            challenges: self
                .challenges
                .iter()
                .map(|c| c.as_str().to_string())
                .collect(),
            challenges_text: self.challenges_text.clone(),
            advice_text: self.advice_text.clone(),
        }
    }
}

/// When a trial's evaluation falls due: the day it was terminated, else its agreed end date.
pub fn due_date(
    end_date: Option<chrono::NaiveDate>,
    terminated_on: Option<chrono::NaiveDate>,
) -> Option<chrono::NaiveDate> {
    terminated_on.or(end_date)
}

/// Whether an agreement in `status` can be evaluated: once it is in force (active) or over
/// (ended, also when terminated early). Submitting before the due date is allowed.
pub fn can_evaluate(status: crate::ApplicationStatus) -> bool {
    matches!(
        status,
        crate::ApplicationStatus::Active | crate::ApplicationStatus::Ended
    )
}

/// The day a reminder of `kind` goes out for an evaluation due on `due`: a month before, and on
/// the day itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReminderKind {
    MonthBefore,
    OnTheDay,
}

impl ReminderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReminderKind::MonthBefore => "month",
            ReminderKind::OnTheDay => "due",
        }
    }

    /// The reminder due `today` for an evaluation due on `due`, if any. A reminder missed by a
    /// few days (the server was down) still goes out: the month reminder until the due date,
    /// the due-day reminder for a week after it.
    pub fn due_today(due: chrono::NaiveDate, today: chrono::NaiveDate) -> Option<ReminderKind> {
        let month_before = due.checked_sub_months(chrono::Months::new(1))?;
        if today >= due && today <= due + chrono::Duration::days(7) {
            Some(ReminderKind::OnTheDay)
        } else if today >= month_before && today < due {
            Some(ReminderKind::MonthBefore)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_round_trip_and_labels_differ() {
        for t in CareerTrack::ALL {
            assert_eq!(CareerTrack::parse(t.as_str()), Some(*t));
        }
        for r in Recommendation::ALL {
            assert_eq!(Recommendation::parse(r.as_str()), Some(*r));
        }
        assert_eq!(
            TrialType::parse("cross_cutting"),
            Some(TrialType::CrossCutting)
        );
        assert_eq!(PurposesMet::parse("maybe"), None);
        assert_eq!(Challenge::ALL.len(), 3);
        let labels: std::collections::HashSet<_> =
            CareerTrack::ALL.iter().map(|t| t.label_da()).collect();
        assert_eq!(labels.len(), 4);
        assert_eq!(
            serde_json::to_string(&CareerTrack::Research).unwrap(),
            "\"research\""
        );
    }

    #[test]
    fn a_draft_may_be_empty_but_submission_needs_the_core() {
        let data = EvaluationInput::default().validate().unwrap();
        let missing = data.missing_for_submission();
        for f in [
            "purposes_met",
            "gained_text",
            "effect_text",
            "development_percent",
            "recommendation",
            "career_track",
            "trial_type",
        ] {
            assert!(missing.has(f), "{f} should be required");
        }
        assert!(!missing.has("advice_text"));
    }

    #[test]
    fn bad_values_get_danish_messages_and_good_ones_round_trip() {
        let input = EvaluationInput {
            purposes_met: "maybe".into(),
            development_percent: "130".into(),
            challenges: vec!["time".into(), "nonsense".into()],
            ..Default::default()
        };
        let e = input.validate().unwrap_err();
        assert!(e.has("purposes_met") && e.has("development_percent") && e.has("challenges"));
        let e = EvaluationInput {
            development_percent: "tredive".into(),
            ..Default::default()
        }
        .validate()
        .unwrap_err();
        assert!(e.get("development_percent")[0].contains("helt tal"));
        let input = EvaluationInput {
            purposes_met: "partly".into(),
            purposes_text: "Delvist".into(),
            gained_text: "Ledelseserfaring".into(),
            effect_text: "Kortere ventetid".into(),
            development_percent: " 30 % ".into(),
            recommendation: "stop".into(),
            career_track: "leadership".into(),
            trial_type: "individual".into(),
            challenges: vec!["time".into(), "concept".into(), "time".into()],
            ..Default::default()
        };
        let data = input.validate().unwrap();
        assert_eq!(data.development_percent, Some(30));
        assert_eq!(data.challenges, vec![Challenge::Concept, Challenge::Time]);
        // A recommendation to stop must be explained.
        assert!(data.missing_for_submission().has("recommendation_text"));
        assert_eq!(data.to_input().validate().unwrap(), data);
    }

    #[test]
    fn due_dates_and_reminder_days() {
        let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(due_date(Some(d("2023-12-31")), None), Some(d("2023-12-31")));
        assert_eq!(
            due_date(Some(d("2023-12-31")), Some(d("2023-06-30"))),
            Some(d("2023-06-30"))
        );
        let due = d("2024-03-31");
        assert_eq!(ReminderKind::due_today(due, d("2024-02-28")), None);
        assert_eq!(
            ReminderKind::due_today(due, d("2024-02-29")),
            Some(ReminderKind::MonthBefore)
        );
        assert_eq!(
            ReminderKind::due_today(due, d("2024-03-30")),
            Some(ReminderKind::MonthBefore)
        );
        assert_eq!(
            ReminderKind::due_today(due, due),
            Some(ReminderKind::OnTheDay)
        );
        assert_eq!(ReminderKind::due_today(due, d("2024-04-08")), None);
        assert!(can_evaluate(crate::ApplicationStatus::Ended));
        assert!(!can_evaluate(crate::ApplicationStatus::AwaitingSignatures));
    }
}
