//! The agreement form (sections A–D) as typed by a user, and its validation.
//!
//! The form is declared once, in the table below ([`FIELDS`]): each field's name, section,
//! labels, help text, kind and when it is required. From it come [`ApplicationInput`] (exactly
//! what the user typed, as text, so a refused save can show it all again),
//! [`ApplicationData`] (validated, private fields with one read accessor per field), and what the
//! pages, the API, the store and the importer go over. [`ApplicationInput::validate`] turns the
//! input into data or field-level messages in Danish. To add a field, add a row here and a
//! column in one migration per backend (see docs/ARCHITECTURE.md, "The agreement form").

use crate::date::{format_date_da, Period};
use crate::errors::FieldErrors;
use crate::form::FieldValue;
use crate::form::Required::{Always, No, ToSubmit};
use crate::money::Ore;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use crate::form::{FieldDef, Kind, Required, Section};

/// Longest accepted free text of one field (characters).
pub const MAX_TEXT: usize = 20_000;
/// Longest accepted one-line field (characters).
pub const MAX_LINE: usize = 300;

/// One participant (B3 "Deltagerkreds") as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticipantInput {
    pub name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub receives_supplement: bool,
}

impl ParticipantInput {
    /// Whether the participant's role names an afdelingslæge (a senior consultant's post), however
    /// it is written: "Afdelingslæge", "afd.læge", "Afd. læge", "AFDELINGSLÆGE". Reports count
    /// only these as the doctors a trial involves; a nurse or a registrar is not one.
    pub fn is_afdelingslaege(role: &str) -> bool {
        let folded: String = role
            .chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect::<String>()
            .replace("ae", "æ");
        folded.starts_with("afdelingslæge") || folded.starts_with("afdlæge")
    }
}

/// One participant after validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticipantData {
    pub name: String,
    pub role: String,
    pub receives_supplement: bool,
}

agreement_form! {
    /// Chosen hospital (id as text, empty for none).
    hospital_id: Hospital {
        section: A,
        label: "Hospital",
        short: "Hospital",
        help: "",
        required: ToSubmit("Vælg hospital."),
        noun: "Hospitalet",
        import: None,
    },
    /// A1 Hospital/afdeling, as written.
    hospital_department: Line {
        section: A,
        label: "A1. Hospital/afdeling",
        short: "A1. Hospital/afdeling",
        help: "Som det skal stå i aftalen, fx hospital og afdeling.",
        required: ToSubmit("Hospital/afdeling (A1) skal udfyldes."),
        noun: "Hospital/afdeling",
        import: None,
    },
    /// A2 Forsøgets titel.
    title: Line {
        section: A,
        label: "A2. Forsøgets titel",
        short: "A2. Forsøgets titel",
        help: "",
        required: Always("Forsøgets titel (A2) skal udfyldes, også i en kladde."),
        noun: "Titlen",
        import: None,
    },
    /// A3 Ansvarlig leder for forsøget.
    responsible_leader: Line {
        section: A,
        label: "A3. Ansvarlig leder for forsøget",
        short: "A3. Ansvarlig leder",
        help: "",
        required: ToSubmit("Ansvarlig leder (A3) skal udfyldes."),
        noun: "Ansvarlig leder",
        import: None,
    },
    /// A4 Ansvarlig afdelingslæge.
    responsible_doctor: Line {
        section: A,
        label: "A4. Ansvarlig afdelingslæge",
        short: "A4. Ansvarlig afdelingslæge",
        help: "",
        required: ToSubmit("Ansvarlig afdelingslæge (A4) skal udfyldes."),
        noun: "Ansvarlig afdelingslæge",
        import: None,
    },
    /// Chosen areas (ids as text).
    area_ids: Areas {
        section: B,
        label: "Område",
        short: "Område",
        help: "",
        required: ToSubmit("Vælg mindst ét område."),
        noun: "Området",
        import: None,
    },
    /// Why the trial belongs to the chosen area(s).
    area_argument: Text {
        section: B,
        label: "Hvorfor hører forsøget under området?",
        short: "Begrundelse for området",
        help: "",
        required: ToSubmit("Begrundelse for området skal udfyldes."),
        noun: "Begrundelsen",
        import: None,
    },
    /// B1 Formål.
    purpose: Text {
        section: B,
        label: "B1. Formål",
        short: "B1. Formål",
        help: "",
        required: ToSubmit("Formål (B1) skal udfyldes."),
        noun: "Formålet",
        import: None,
    },
    /// B2 Beskrivelse.
    description: Text {
        section: B,
        label: "B2. Beskrivelse",
        short: "B2. Beskrivelse",
        help: "",
        required: ToSubmit("Beskrivelse (B2) skal udfyldes."),
        noun: "Beskrivelsen",
        import: None,
    },
    /// B3 Indhold (hvad er aftalt?).
    content: Text {
        section: B,
        label: "B3. Indhold (hvad er aftalt?)",
        short: "B3. Indhold",
        help: "Hvad er aftalt: opgaver, ansvar, tillæg og eventuel henvisning til overenskomstens paragraffer.",
        required: ToSubmit("Indhold (B3) skal udfyldes."),
        noun: "Indholdet",
        import: None,
    },
    /// B3 deviations from the collective agreement's working-time rules.
    working_time_deviations: Text {
        section: B,
        label: "B3. Afvigelser fra arbejdstidsreglerne",
        short: "B3. Afvigelser fra arbejdstidsreglerne",
        help: "Beskriv, hvis forsøget afviger fra overenskomstens regler om arbejdstid. Skriv «ingen», hvis det ikke gør.",
        required: No,
        noun: "Beskrivelsen af arbejdstid",
        import: None,
    },
    /// B3 Deltagerkreds.
    participants: Participants {
        section: B,
        label: "B3. Deltagerkreds",
        short: "B3. Deltagerkreds",
        help: "Alle, der indgår i forsøget. Tomme rækker gemmes ikke; gem for at få flere rækker.",
        required: ToSubmit("Angiv mindst én deltager (B3)."),
        noun: "Deltagerkredsen",
        import: None,
    },
    /// B4 the period in the applicant's own words.
    period_text: Text {
        section: B,
        label: "B4. I hvilken periode kører forsøget?",
        short: "B4. Periode",
        help: "Frivillig beskrivelse med egne ord; datoerne angives i afsnit C.",
        required: No,
        noun: "Periodebeskrivelsen",
        import: None,
    },
    /// B5 Organisering.
    organisation: Text {
        section: B,
        label: "B5. Organisering",
        short: "B5. Organisering",
        help: "",
        required: ToSubmit("Organisering (B5) skal udfyldes."),
        noun: "Organiseringen",
        import: None,
    },
    /// B6 requested annual supplement in øre (as text; empty for none).
    supplement_ore: Tier {
        section: B,
        label: "B6. Tillægsstørrelse (årligt funktionstillæg)",
        short: "B6. Ansøgt tillæg pr. år",
        help: "Tildeles den ansvarlige afdelingslæge, pr. år.",
        required: ToSubmit("Vælg tillægsstørrelse (B6)."),
        noun: "Tillægget",
        import: None,
        stored_as: "supplement",
    },
    /// B6 the cost centre that pays the supplement.
    cost_centre: Line {
        section: B,
        label: "B6. Omkostningssted",
        short: "B6. Omkostningssted",
        help: "Det omkostningssted, der betaler tillægget.",
        required: No,
        noun: "Omkostningsstedet",
        import: Some("Omkostningssted"),
    },
    /// B6 uddybende bemærkninger.
    remarks: Text {
        section: B,
        label: "B6. Uddybende bemærkninger",
        short: "B6. Uddybende bemærkninger",
        help: "",
        required: No,
        noun: "Bemærkningerne",
        import: None,
    },
    /// C.2 start date.
    start_date: Date {
        section: C,
        label: "C.2 Dato for forsøgets opstart",
        short: "C.2 Opstart",
        help: "",
        required: ToSubmit("Startdato (C.2) skal udfyldes."),
        noun: "Startdatoen",
        import: None,
    },
    /// C.3 end date.
    end_date: Date {
        section: C,
        label: "C.3 Dato for forsøgets afslutning",
        short: "C.3 Afslutning",
        help: "",
        required: ToSubmit("Slutdato (C.3) skal udfyldes."),
        noun: "Slutdatoen",
        import: None,
    },
    /// D: the department leader who enters the agreement.
    party_leader: Line {
        section: D,
        label: "Ledende overlæge (indgår aftalen)",
        short: "Ledende overlæge",
        help: "",
        required: No,
        noun: "Navnet",
        import: None,
    },
    /// D: the afdelingslæge who enters the agreement.
    party_doctor: Line {
        section: D,
        label: "Afdelingslæge (indgår aftalen)",
        short: "Afdelingslæge",
        help: "",
        required: No,
        noun: "Navnet",
        import: None,
    },
    /// D: who approves for the union (YL).
    party_union: Line {
        section: D,
        label: "For YL (godkender)",
        short: "For YL",
        help: "",
        required: No,
        noun: "Navnet",
        import: None,
    },
    /// D: who approves for the region.
    party_region: Line {
        section: D,
        label: "For regionen (godkender)",
        short: "For regionen",
        help: "",
        required: No,
        noun: "Navnet",
        import: None,
    },
    /// D: the date the agreement was entered.
    agreement_date: Date {
        section: D,
        label: "Dato for aftalen",
        short: "Dato for aftalen",
        help: "",
        required: No,
        noun: "Datoen",
        import: None,
    },
}

/// The row of the table for a field name.
pub fn field(name: &str) -> Option<&'static FieldDef> {
    FIELDS.iter().find(|f| f.name == name)
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

impl ApplicationInput {
    /// Validates a draft: fields may be empty, but what is filled in must be right.
    pub fn validate(&self, rules: &ApplicationRules) -> Result<ApplicationData, FieldErrors> {
        let mut errors = FieldErrors::new();
        let data = self.validate_fields(rules, &mut errors);

        // The period's rules, across fields.
        if let Some(start) = data.start_date {
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
        if let Some(end) = data.end_date {
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
        if let (Some(start), Some(end)) = (data.start_date, data.end_date) {
            if end <= start {
                errors.add("end_date", "Slutdatoen skal ligge efter startdatoen.");
            }
        }
        errors.into_result(data)
    }
}

impl ApplicationData {
    /// What must still be filled in before the application can be submitted.
    pub fn missing_for_submission(&self) -> FieldErrors {
        let mut m = FieldErrors::new();
        for (def, value) in self.values() {
            if let ToSubmit(message) | Always(message) = def.required {
                if value.is_empty() {
                    m.add(def.name, message);
                }
            }
        }
        m
    }

    /// This agreement with the amendable terms of `amended`: the period, the supplement and
    /// the participants.
    pub fn with_terms_of(&self, amended: &ApplicationData) -> ApplicationData {
        ApplicationData {
            start_date: amended.start_date,
            end_date: amended.end_date,
            supplement_ore: amended.supplement_ore,
            participants: amended.participants.clone(),
            ..self.clone()
        }
    }

    /// This agreement ending early, on `end` (a termination).
    pub fn ending_on(&self, end: NaiveDate) -> ApplicationData {
        ApplicationData {
            end_date: Some(end),
            ..self.clone()
        }
    }
}

/// A value shown as text on a page: dates the Danish way, the supplement in kroner; the lists
/// and the hospital (shown by name) are left to the caller.
pub fn display_text(value: &FieldValue) -> Option<String> {
    match value {
        FieldValue::Text(t) => Some(t.clone()),
        FieldValue::Date(d) => Some(d.map(format_date_da).unwrap_or_default()),
        FieldValue::Ore(o) => Some(o.map(|o| o.to_kr_string()).unwrap_or_default()),
        FieldValue::Id(_) | FieldValue::Ids(_) | FieldValue::Participants(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_afdelingslaege_is_recognised_however_the_role_is_written() {
        for role in [
            "Afdelingslæge",
            "afdelingslæge",
            "AFDELINGSLÆGE",
            " Afd. læge",
            "afd.læge",
            "Afdelingslaege",
            "Afdelingslæge (ansvarlig)",
        ] {
            assert!(ParticipantInput::is_afdelingslaege(role), "{role}");
        }
        for role in [
            "Sygeplejerske",
            "Overlæge",
            "1. reservelæge",
            "",
            "Kommunal sygeplejerske",
        ] {
            assert!(!ParticipantInput::is_afdelingslaege(role), "{role}");
        }
    }

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
        assert_eq!(data.supplement_ore, Some(Ore::from_ore(3_500_000)));
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

    #[test]
    fn the_table_names_each_field_once_and_every_name_is_a_form_key() {
        let mut names: Vec<&str> = FIELDS.iter().map(|f| f.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), FIELDS.len(), "a name is used twice");
        let mut input = ApplicationInput::default();
        for f in FIELDS {
            let key = match f.kind {
                Kind::Participants => format!("{}.0.name", f.name),
                _ => f.name.to_string(),
            };
            assert!(input.set(&key, "x".into()), "{key} is not a form key");
            assert!(!f.label.is_empty() && !f.short.is_empty() && !f.noun.is_empty());
        }
        assert!(!input.set("no_such_field", "x".into()));
        assert_eq!(input.participants[0].name, "x");
        assert_eq!(input.area_ids, ["x"]);
    }

    #[test]
    fn every_text_field_goes_from_the_form_to_the_data_and_back() {
        let mut input = filled();
        let texts: Vec<&FieldDef> = FIELDS
            .iter()
            .filter(|f| matches!(f.kind, Kind::Line | Kind::Text))
            .collect();
        for f in &texts {
            input.set(f.name, format!("  {} for {}  ", f.label, f.name));
        }
        let data = input.validate(&rules()).unwrap();
        for f in &texts {
            let expected = format!("{} for {}", f.label, f.name);
            assert_eq!(data.value(f.name), Some(FieldValue::Text(expected.clone())));
            assert_eq!(data.to_input().text(f.name), expected);
        }
        // Read back from its values, as the store does.
        let values = data.values();
        let mut it = values.iter();
        let restored =
            ApplicationData::restore(|_| Ok::<_, ()>(it.next().unwrap().1.clone())).unwrap();
        assert_eq!(restored, data);
    }

    #[test]
    fn a_one_line_field_is_limited_by_its_kind() {
        let mut input = filled();
        input.party_union = "x".repeat(MAX_LINE + 1);
        let errors = input.validate(&rules()).unwrap_err();
        assert_eq!(
            errors.get("party_union"),
            [format!(
                "Navnet er for lang ({} tegn); højst {MAX_LINE} tegn.",
                MAX_LINE + 1
            )]
        );
    }

    #[test]
    fn json_input_takes_numbers_and_null_as_text() {
        let input: ApplicationInput = serde_json::from_str(
            r#"{"title": "T", "hospital_id": 7, "supplement_ore": 3500000, "area_ids": [2],
                "start_date": null, "participants": [{"name": "Ida"}]}"#,
        )
        .unwrap();
        assert_eq!(input.hospital_id, "7");
        assert_eq!(input.supplement_ore, "3500000");
        assert_eq!(input.area_ids, ["2"]);
        assert_eq!(input.start_date, "");
        assert_eq!(input.participants[0].name, "Ida");
        assert!(input.validate(&rules()).is_ok());
    }

    #[test]
    fn stored_data_keeps_its_keys_and_reads_older_snapshots() {
        let data = filled().validate(&rules()).unwrap();
        let json = serde_json::to_value(&data).unwrap();
        assert_eq!(json["supplement"], 3_500_000, "{json}");
        // A snapshot written before a field existed still reads, the field empty.
        let mut older = json.clone();
        older.as_object_mut().unwrap().remove("remarks");
        let read: ApplicationData = serde_json::from_value(older).unwrap();
        assert_eq!(read, data);
    }

    #[test]
    fn amended_terms_replace_only_the_period_the_supplement_and_the_participants() {
        let current = filled().validate(&rules()).unwrap();
        let mut amended = current.to_input();
        amended.title = "Another title".into();
        amended.end_date = "2023-06-30".into();
        amended.supplement_ore = "5000000".into();
        let merged = current.with_terms_of(&amended.validate(&rules()).unwrap());
        assert_eq!(merged.title(), current.title());
        assert_eq!(merged.end_date(), Some(d(2023, 6, 30)));
        assert_eq!(merged.supplement_ore(), Some(Ore::from_ore(5_000_000)));
    }
}
