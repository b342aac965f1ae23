//! The agreement form (sections A–D) as typed by a user, and its validation.
//!
//! [`ApplicationInput`] holds exactly what the user typed, as text, so a refused save can show
//! it all again. [`ApplicationInput::validate`] turns it into typed [`ApplicationData`] or
//! field-level messages in Danish.

use crate::date::{format_date_da, parse_date, Period};
use crate::errors::FieldErrors;
use crate::money::Ore;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Longest accepted free text of one field (characters).
pub const MAX_TEXT: usize = 20_000;
/// Longest accepted one-line field (characters).
pub const MAX_LINE: usize = 300;

/// One participant (B3 "Deltagerkreds") as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticipantInput {
    pub name: String,
    pub role: String,
    pub receives_supplement: bool,
}

/// The agreement form as typed, every value as text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationInput {
    /// Chosen hospital (id as text, empty for none).
    pub hospital_id: String,
    /// A1 Hospital/afdeling, as written.
    pub hospital_department: String,
    /// A2 Forsøgets titel.
    pub title: String,
    /// A3 Ansvarlig leder for forsøget.
    pub responsible_leader: String,
    /// A4 Ansvarlig afdelingslæge.
    pub responsible_doctor: String,
    /// B1 Formål.
    pub purpose: String,
    /// B2 Beskrivelse.
    pub description: String,
    /// B3 Indhold (hvad er aftalt?).
    pub content: String,
    /// B3 deviations from the collective agreement's working-time rules.
    pub working_time_deviations: String,
    /// B3 Deltagerkreds.
    pub participants: Vec<ParticipantInput>,
    /// B4 the period in the applicant's own words.
    pub period_text: String,
    /// B5 Organisering.
    pub organisation: String,
    /// B6 requested annual supplement in øre (as text; empty for none).
    pub supplement_ore: String,
    /// B6 uddybende bemærkninger.
    pub remarks: String,
    /// Chosen areas (ids as text).
    pub area_ids: Vec<String>,
    /// Why the trial belongs to the chosen area(s).
    pub area_argument: String,
    /// C.2 start date.
    pub start_date: String,
    /// C.3 end date.
    pub end_date: String,
    /// D: the department leader who enters the agreement.
    pub party_leader: String,
    /// D: the afdelingslæge who enters the agreement.
    pub party_doctor: String,
    /// D: who approves for the union (YL).
    pub party_union: String,
    /// D: who approves for the region.
    pub party_region: String,
    /// D: the date the agreement was entered.
    pub agreement_date: String,
}

/// One participant after validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticipantData {
    pub name: String,
    pub role: String,
    pub receives_supplement: bool,
}

/// A validated agreement form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationData {
    pub hospital_id: Option<i64>,
    pub hospital_department: String,
    pub title: String,
    pub responsible_leader: String,
    pub responsible_doctor: String,
    pub purpose: String,
    pub description: String,
    pub content: String,
    pub working_time_deviations: String,
    pub participants: Vec<ParticipantData>,
    pub period_text: String,
    pub organisation: String,
    pub supplement: Option<Ore>,
    pub remarks: String,
    pub area_ids: Vec<i64>,
    pub area_argument: String,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub party_leader: String,
    pub party_doctor: String,
    pub party_union: String,
    pub party_region: String,
    pub agreement_date: Option<NaiveDate>,
}

/// What an application is checked against: its programme's and region's configuration.
#[derive(Debug, Clone)]
pub struct ApplicationRules {
    /// The programme's window; a trial's period must lie inside it.
    pub window: Period,
    /// The region's own latest end date, when stricter than the programme's.
    pub latest_end: Option<NaiveDate>,
    pub hospital_ids: Vec<i64>,
    pub area_ids: Vec<i64>,
    /// The pool's supplement tiers.
    pub tiers: Vec<Ore>,
}

impl ApplicationRules {
    /// The last date a trial may run to.
    pub fn last_end(&self) -> NaiveDate {
        match self.latest_end {
            Some(d) if d < self.window.end() => d,
            _ => self.window.end(),
        }
    }
}

fn trimmed(s: &str) -> String {
    s.trim().replace("\r\n", "\n")
}

fn check_len(errors: &mut FieldErrors, field: &str, label: &str, value: &str, max: usize) {
    let n = value.chars().count();
    if n > max {
        errors.add(
            field,
            format!("{label} er for lang ({n} tegn); højst {max} tegn."),
        );
    }
}

fn parse_optional_date(
    errors: &mut FieldErrors,
    field: &str,
    label: &str,
    text: &str,
) -> Option<NaiveDate> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    let parsed = parse_date(t);
    if parsed.is_none() {
        errors.add(
            field,
            format!(
                "{label} «{t}» er ikke en gyldig dato. Skriv fx 2022-04-01 eller 1. april 2022."
            ),
        );
    }
    parsed
}

impl ApplicationInput {
    /// Validates a draft: fields may be empty, but what is filled in must be right.
    pub fn validate(&self, rules: &ApplicationRules) -> Result<ApplicationData, FieldErrors> {
        let mut errors = FieldErrors::new();

        let title = trimmed(&self.title);
        if title.is_empty() {
            errors.add(
                "title",
                "Forsøgets titel (A2) skal udfyldes, også i en kladde.",
            );
        }
        let lines = [
            ("title", "Titlen", &title),
            (
                "hospital_department",
                "Hospital/afdeling",
                &self.hospital_department,
            ),
            (
                "responsible_leader",
                "Ansvarlig leder",
                &self.responsible_leader,
            ),
            (
                "responsible_doctor",
                "Ansvarlig afdelingslæge",
                &self.responsible_doctor,
            ),
            ("party_leader", "Navnet", &self.party_leader),
            ("party_doctor", "Navnet", &self.party_doctor),
            ("party_union", "Navnet", &self.party_union),
            ("party_region", "Navnet", &self.party_region),
        ];
        for (field, label, value) in lines {
            check_len(&mut errors, field, label, value.trim(), MAX_LINE);
        }
        let texts = [
            ("purpose", "Formålet", &self.purpose),
            ("description", "Beskrivelsen", &self.description),
            ("content", "Indholdet", &self.content),
            (
                "working_time_deviations",
                "Beskrivelsen af arbejdstid",
                &self.working_time_deviations,
            ),
            ("period_text", "Periodebeskrivelsen", &self.period_text),
            ("organisation", "Organiseringen", &self.organisation),
            ("remarks", "Bemærkningerne", &self.remarks),
            ("area_argument", "Begrundelsen", &self.area_argument),
        ];
        for (field, label, value) in texts {
            check_len(&mut errors, field, label, value, MAX_TEXT);
        }

        let hospital_id = match self.hospital_id.trim() {
            "" => None,
            t => match t.parse::<i64>() {
                Ok(id) if rules.hospital_ids.contains(&id) => Some(id),
                _ => {
                    errors.add("hospital_id", "Vælg et af regionens hospitaler.");
                    None
                }
            },
        };

        let mut area_ids = Vec::new();
        for a in self
            .area_ids
            .iter()
            .map(|a| a.trim())
            .filter(|a| !a.is_empty())
        {
            match a.parse::<i64>() {
                Ok(id) if rules.area_ids.contains(&id) => {
                    if !area_ids.contains(&id) {
                        area_ids.push(id);
                    }
                }
                _ => errors.add(
                    "area_ids",
                    "Området er ikke et af regionens områder i programmet.",
                ),
            }
        }

        let supplement = match self.supplement_ore.trim() {
            "" => None,
            t => match t.parse::<i64>() {
                Ok(ore) if rules.tiers.contains(&Ore::from_ore(ore)) => Some(Ore::from_ore(ore)),
                Ok(_) if rules.tiers.is_empty() => {
                    errors.add(
                        "supplement_ore",
                        "Regionen har endnu ikke oprettet tillægstrin i programmet.",
                    );
                    None
                }
                _ => {
                    let tiers: Vec<String> = rules.tiers.iter().map(|t| t.to_kr_string()).collect();
                    let listed = match tiers.split_last() {
                        Some((last, [])) => last.clone(),
                        Some((last, rest)) => format!("{} eller {last}", rest.join(", ")),
                        None => String::new(),
                    };
                    errors.add(
                        "supplement_ore",
                        format!("Tillægget skal være et af puljens trin: {listed}"),
                    );
                    None
                }
            },
        };

        let start_date =
            parse_optional_date(&mut errors, "start_date", "Startdatoen", &self.start_date);
        let end_date = parse_optional_date(&mut errors, "end_date", "Slutdatoen", &self.end_date);
        let agreement_date = parse_optional_date(
            &mut errors,
            "agreement_date",
            "Datoen",
            &self.agreement_date,
        );
        if let Some(start) = start_date {
            if start < rules.window.start() {
                errors.add(
                    "start_date",
                    format!(
                        "Forsøget kan tidligst starte {}.",
                        format_date_da(rules.window.start())
                    ),
                );
            }
        }
        if let Some(end) = end_date {
            if end > rules.last_end() {
                errors.add(
                    "end_date",
                    format!(
                        "Forsøget skal slutte senest {}.",
                        format_date_da(rules.last_end())
                    ),
                );
            }
        }
        if let (Some(start), Some(end)) = (start_date, end_date) {
            if end <= start {
                errors.add("end_date", "Slutdatoen skal ligge efter startdatoen.");
            }
        }

        let mut participants = Vec::new();
        for (i, p) in self.participants.iter().enumerate() {
            let name = trimmed(&p.name);
            let role = trimmed(&p.role);
            if name.is_empty() && role.is_empty() && !p.receives_supplement {
                continue;
            }
            if name.is_empty() {
                errors.add(format!("participants.{i}.name"), "Skriv deltagerens navn.");
            }
            check_len(
                &mut errors,
                &format!("participants.{i}.name"),
                "Navnet",
                &name,
                MAX_LINE,
            );
            check_len(
                &mut errors,
                &format!("participants.{i}.role"),
                "Rollen",
                &role,
                MAX_LINE,
            );
            participants.push(ParticipantData {
                name,
                role,
                receives_supplement: p.receives_supplement,
            });
        }

        errors.into_result(ApplicationData {
            hospital_id,
            hospital_department: trimmed(&self.hospital_department),
            title,
            responsible_leader: trimmed(&self.responsible_leader),
            responsible_doctor: trimmed(&self.responsible_doctor),
            purpose: trimmed(&self.purpose),
            description: trimmed(&self.description),
            content: trimmed(&self.content),
            working_time_deviations: trimmed(&self.working_time_deviations),
            participants,
            period_text: trimmed(&self.period_text),
            organisation: trimmed(&self.organisation),
            supplement,
            remarks: trimmed(&self.remarks),
            area_ids,
            area_argument: trimmed(&self.area_argument),
            start_date,
            end_date,
            party_leader: trimmed(&self.party_leader),
            party_doctor: trimmed(&self.party_doctor),
            party_union: trimmed(&self.party_union),
            party_region: trimmed(&self.party_region),
            agreement_date,
        })
    }
}

impl ApplicationData {
    /// What must still be filled in before the application can be submitted.
    pub fn missing_for_submission(&self) -> FieldErrors {
        let mut m = FieldErrors::new();
        let required = [
            (
                "hospital_department",
                "Hospital/afdeling (A1)",
                &self.hospital_department,
            ),
            (
                "responsible_leader",
                "Ansvarlig leder (A3)",
                &self.responsible_leader,
            ),
            (
                "responsible_doctor",
                "Ansvarlig afdelingslæge (A4)",
                &self.responsible_doctor,
            ),
            ("purpose", "Formål (B1)", &self.purpose),
            ("description", "Beskrivelse (B2)", &self.description),
            ("content", "Indhold (B3)", &self.content),
            ("organisation", "Organisering (B5)", &self.organisation),
            (
                "area_argument",
                "Begrundelse for området",
                &self.area_argument,
            ),
        ];
        for (field, label, value) in required {
            if value.trim().is_empty() {
                m.add(field, format!("{label} skal udfyldes."));
            }
        }
        if self.hospital_id.is_none() {
            m.add("hospital_id", "Vælg hospital.");
        }
        if self.area_ids.is_empty() {
            m.add("area_ids", "Vælg mindst ét område.");
        }
        if self.supplement.is_none() {
            m.add("supplement_ore", "Vælg tillægsstørrelse (B6).");
        }
        if self.start_date.is_none() {
            m.add("start_date", "Startdato (C.2) skal udfyldes.");
        }
        if self.end_date.is_none() {
            m.add("end_date", "Slutdato (C.3) skal udfyldes.");
        }
        if self.participants.is_empty() {
            m.add("participants", "Angiv mindst én deltager (B3).");
        }
        m
    }

    /// Back to text, for showing a stored application in the form.
    pub fn to_input(&self) -> ApplicationInput {
        ApplicationInput {
            hospital_id: self.hospital_id.map(|h| h.to_string()).unwrap_or_default(),
            hospital_department: self.hospital_department.clone(),
            title: self.title.clone(),
            responsible_leader: self.responsible_leader.clone(),
            responsible_doctor: self.responsible_doctor.clone(),
            purpose: self.purpose.clone(),
            description: self.description.clone(),
            content: self.content.clone(),
            working_time_deviations: self.working_time_deviations.clone(),
            participants: self
                .participants
                .iter()
                .map(|p| ParticipantInput {
                    name: p.name.clone(),
                    role: p.role.clone(),
                    receives_supplement: p.receives_supplement,
                })
                .collect(),
            period_text: self.period_text.clone(),
            organisation: self.organisation.clone(),
            supplement_ore: self
                .supplement
                .map(|s| s.ore().to_string())
                .unwrap_or_default(),
            remarks: self.remarks.clone(),
            area_ids: self.area_ids.iter().map(|a| a.to_string()).collect(),
            area_argument: self.area_argument.clone(),
            start_date: self.start_date.map(|d| d.to_string()).unwrap_or_default(),
            end_date: self.end_date.map(|d| d.to_string()).unwrap_or_default(),
            party_leader: self.party_leader.clone(),
            party_doctor: self.party_doctor.clone(),
            party_union: self.party_union.clone(),
            party_region: self.party_region.clone(),
            agreement_date: self
                .agreement_date
                .map(|d| d.to_string())
                .unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn rules() -> ApplicationRules {
        ApplicationRules {
            window: Period::new(d(2022, 1, 1), d(2024, 3, 31)).unwrap(),
            latest_end: Some(d(2023, 12, 31)),
            hospital_ids: vec![7],
            area_ids: vec![1, 2],
            tiers: vec![
                Ore::from_ore(2_000_000),
                Ore::from_ore(3_500_000),
                Ore::from_ore(5_000_000),
            ],
        }
    }

    fn filled() -> ApplicationInput {
        ApplicationInput {
            hospital_id: "7".into(),
            title: "  Koordinator for smertebehandling ".into(),
            supplement_ore: "3500000".into(),
            area_ids: vec!["2".into()],
            start_date: "1. april 2022".into(),
            end_date: "2023-12-31".into(),
            participants: vec![
                ParticipantInput {
                    name: "Ida Holm".into(),
                    role: "afdelingslæge".into(),
                    receives_supplement: true,
                },
                ParticipantInput::default(),
            ],
            ..Default::default()
        }
    }

    #[test]
    fn a_good_draft_validates_and_is_trimmed() {
        let data = filled().validate(&rules()).unwrap();
        assert_eq!(data.title, "Koordinator for smertebehandling");
        assert_eq!(data.supplement, Some(Ore::from_ore(3_500_000)));
        assert_eq!(data.start_date, Some(d(2022, 4, 1)));
        assert_eq!(
            data.participants.len(),
            1,
            "blank participant rows are dropped"
        );
        assert_eq!(data.to_input().validate(&rules()).unwrap(), data);
    }

    #[test]
    fn supplement_must_be_a_tier() {
        let mut input = filled();
        input.supplement_ore = "4000000".into();
        let errors = input.validate(&rules()).unwrap_err();
        assert!(
            errors.get("supplement_ore")[0].contains("35.000 kr."),
            "{errors:?}"
        );
    }

    #[test]
    fn period_must_lie_in_the_window_and_end_after_start() {
        let mut input = filled();
        input.start_date = "2021-12-31".into();
        input.end_date = "2024-01-31".into();
        let errors = input.validate(&rules()).unwrap_err();
        assert!(errors.get("start_date")[0].contains("1. januar 2022"));
        assert!(errors.get("end_date")[0].contains("31. december 2023"));

        let mut input = filled();
        input.start_date = "2023-05-01".into();
        input.end_date = "2023-04-30".into();
        let errors = input.validate(&rules()).unwrap_err();
        assert_eq!(
            errors.get("end_date"),
            ["Slutdatoen skal ligge efter startdatoen."]
        );
    }

    #[test]
    fn area_and_hospital_must_be_the_regions() {
        let mut input = filled();
        input.area_ids = vec!["3".into()];
        input.hospital_id = "8".into();
        let errors = input.validate(&rules()).unwrap_err();
        assert!(errors.has("area_ids"));
        assert!(errors.has("hospital_id"));
    }

    #[test]
    fn unreadable_dates_and_missing_title_are_named() {
        let mut input = filled();
        input.title = " ".into();
        input.start_date = "snart".into();
        let errors = input.validate(&rules()).unwrap_err();
        assert!(errors.get("start_date")[0].contains("«snart»"));
        assert!(errors.has("title"));
        assert_eq!(errors.len(), 2);
    }

    #[test]
    fn a_participant_needs_a_name() {
        let mut input = filled();
        input.participants.push(ParticipantInput {
            name: "".into(),
            role: "sygeplejerske".into(),
            receives_supplement: false,
        });
        let errors = input.validate(&rules()).unwrap_err();
        assert!(errors.has("participants.2.name"));
    }

    #[test]
    fn submission_needs_the_whole_form() {
        let data = filled().validate(&rules()).unwrap();
        let missing = data.missing_for_submission();
        assert!(missing.has("purpose"));
        assert!(!missing.has("supplement_ore"));
        assert!(!missing.has("participants"));
    }
}
