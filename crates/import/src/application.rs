//! From a recognised agreement form to the application form as typed: the bridge between what a
//! file said and what pulje stores. Values that the region's rules refuse (an unknown tier, a
//! date outside the programme, an area the region does not have) are not stored in the field;
//! they go to the unmapped text with a warning, so nothing read from the file is lost.

use crate::form::FormExtract;
use crate::text::fold;
use pulje_domain::{
    ApplicationData, ApplicationInput, ApplicationRules, Kind, ParticipantInput, FIELDS,
};

/// A region's hospital or area as the mapping needs it.
#[derive(Debug, Clone)]
pub struct Named {
    pub id: i64,
    pub name: String,
}

/// An imported form ready to store as a draft.
#[derive(Debug, Clone)]
pub struct Draft {
    pub data: ApplicationData,
    /// The form as it was filled in from the file (what the review screen starts from).
    pub input: ApplicationInput,
    /// The recogniser's warnings and the mapping's own.
    pub warnings: Vec<String>,
    /// Text not placed in a field: the recogniser's unmapped text and any refused values.
    pub unmapped_text: String,
}

/// Fills the application form from `form` for a region with these hospitals and areas, then
/// validates it by the region's `rules`, moving refused values to the unmapped text.
/// `fallback_title` (e.g. the file name) is used when the form had no title, since even a
/// draft needs one. Errs (in Danish) only if not even a titled draft passes the rules.
pub fn to_draft(
    form: &FormExtract,
    hospitals: &[Named],
    areas: &[Named],
    rules: &ApplicationRules,
    fallback_title: &str,
) -> Result<Draft, String> {
    let mut warnings = form.warnings.clone();
    let mut unmapped: Vec<String> = Vec::new();
    if !form.unmapped_text.trim().is_empty() {
        unmapped.push(form.unmapped_text.trim().to_string());
    }

    // The form table's text and date fields that the file has, by name; the rest by their rules.
    let mut input = ApplicationInput::default();
    for field in FIELDS {
        if matches!(field.kind, Kind::Line | Kind::Text | Kind::Date) {
            if let Some(value) = form.value(field.name) {
                input.set(field.name, value);
            }
        }
    }
    let input = ApplicationInput {
        supplement_ore: form
            .supplement_dkk
            .and_then(|kr| kr.checked_mul(100))
            .map(|ore| ore.to_string())
            .unwrap_or_default(),
        participants: form
            .participants
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|line| ParticipantInput {
                name: line.to_string(),
                role: String::new(),
                receives_supplement: false,
            })
            .collect(),
        ..input
    };
    let mut input = input;
    if input.title.trim().is_empty() {
        input.title = fallback_title.to_string();
        warnings.push(format!(
            "Skemaet havde ingen titel (A2); filnavnet «{fallback_title}» er brugt indtil videre."
        ));
    }
    if let Some(h) = hospital_of(&form.hospital_department, hospitals) {
        input.hospital_id = h.id.to_string();
    }
    for area in &form.areas {
        match areas.iter().find(|a| fold(&a.name) == fold(area)) {
            Some(a) => input.area_ids.push(a.id.to_string()),
            None => {
                warnings.push(format!(
                    "Området «{area}» findes ikke blandt regionens områder; vælg det rette område."
                ));
                unmapped.push(format!("Område i filen: {area}"));
            }
        }
    }

    // Validate; a refused value is taken out of its field (kept in the unmapped text) and the
    // form is validated again. Each round clears at least one field, so this ends quickly.
    let mut data = None;
    for _ in 0..8 {
        match input.validate(rules) {
            Ok(valid) => {
                data = Some(valid);
                break;
            }
            Err(errors) => {
                let mut cleared = false;
                for (field, messages) in errors.iter() {
                    if let Some(value) = take_field(&mut input, field) {
                        cleared = true;
                        warnings.push(format!(
                            "{}: «{}» blev ikke brugt. {}",
                            label(field),
                            value.trim(),
                            messages.join(" ")
                        ));
                        unmapped.push(format!("{}: {}", label(field), value.trim()));
                    }
                }
                if !cleared {
                    break;
                }
            }
        }
    }
    let data = match data {
        Some(data) => data,
        None => {
            // Not expected with the rules as they are; store a draft with a plain title so the
            // file and its text still reach the review screen.
            warnings.push("Skemaets felter kunne ikke bruges; se den ikke placerede tekst.".into());
            input = ApplicationInput {
                title: "Indlæst aftaleskema".into(),
                ..Default::default()
            };
            input
                .validate(rules)
                .map_err(|_| "Skemaet kunne ikke gemmes som kladde.".to_string())?
        }
    };
    Ok(Draft {
        data,
        input,
        warnings,
        unmapped_text: unmapped.join("\n\n"),
    })
}

/// The hospital whose name the A1 text starts with (the longest such name).
pub fn hospital_of<'a>(text: &str, hospitals: &'a [Named]) -> Option<&'a Named> {
    let text = fold(text);
    hospitals
        .iter()
        .filter(|h| !h.name.trim().is_empty() && text.starts_with(&fold(&h.name)))
        .max_by_key(|h| h.name.len())
}

/// Empties the field named by a validation error's key and returns what it held.
fn take_field(input: &mut ApplicationInput, field: &str) -> Option<String> {
    match field {
        "title" => {
            // A draft needs a title: shorten instead of dropping it.
            let full = input.title.clone();
            let short: String = full
                .chars()
                .take(pulje_domain::application::MAX_LINE - 1)
                .collect();
            if short == full || short.trim().is_empty() {
                None
            } else {
                input.title = short;
                Some(full)
            }
        }
        "area_ids" => {
            let ids = std::mem::take(&mut input.area_ids);
            (!ids.is_empty()).then(|| ids.join(", "))
        }
        f if f.starts_with("participants") => {
            let all = std::mem::take(&mut input.participants);
            let names: Vec<String> = all.into_iter().map(|p| p.name).collect();
            (!names.is_empty()).then(|| names.join("\n"))
        }
        f => input.take(f),
    }
}

/// A field's label for warnings, from the form's table.
fn label(field: &str) -> &'static str {
    let name = field.split('.').next().unwrap_or(field);
    pulje_domain::application::field(name).map_or("Deltagerkreds (B3)", |f| f.short)
}
