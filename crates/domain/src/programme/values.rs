//! What an applicant filled in on a programme's form, checked against the form's definition: each
//! field read by its kind, the required ones present (always, before submitting, or when another
//! field has a value), choices among the field's options, lengths bounded. One set of rules for
//! every programme; nothing here knows a programme by name.
//!
//! Input is the API's `fields` object (a page form is turned into the same shape): text as
//! strings, several choices as a list of strings, people as a list of `{"name", "role"}`, a
//! period as `{"start", "end"}`.

use super::form::{FieldKind, FieldSpec, FormDef, Required};
use crate::date::{parse_date, Period};
use crate::errors::FieldErrors;
use crate::money::Ore;
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::Value as Json;
use std::collections::BTreeMap;

/// A one-line text's longest length when the definition sets none.
pub const TEXT_MAX: usize = 500;
/// A long text's longest length when the definition sets none.
pub const LONG_TEXT_MAX: usize = 20_000;
/// The most persons in a people field, and choices in a multiple choice.
pub const LIST_MAX: usize = 200;
/// The most files in one attachment field.
pub const FILES_MAX: usize = 20;

/// Whether the form is saved as a draft or submitted: what `required = "submit"` and
/// `required_when` ask for applies only to a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Draft,
    Submit,
}

/// One field's value, by kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Value {
    /// Text, long text, a choice or an organisation's id.
    Text(String),
    Amount(Ore),
    Date(NaiveDate),
    Period {
        start: NaiveDate,
        end: NaiveDate,
    },
    Choices(Vec<String>),
    People(Vec<PersonValue>),
    /// An attachment field's files: the ids of the application's attachments, in the order
    /// they were added.
    Files(Vec<i64>),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonValue {
    pub name: String,
    pub role: String,
}

/// A form's values by field name; fields left empty are absent.
pub type Values = BTreeMap<String, Value>;

/// Reads `fields` against `form`. `options` gives the allowed values of a field whose options
/// come from the unit (`options_from`), or `None` where another check owns them (an
/// organisation's id is checked against the register).
pub fn read(
    form: &FormDef,
    fields: &serde_json::Map<String, Json>,
    stage: Stage,
    options: &dyn Fn(&FieldSpec) -> Option<Vec<String>>,
) -> Result<Values, FieldErrors> {
    let mut errors = FieldErrors::new();
    for key in fields.keys() {
        if !form.fields().any(|f| &f.name == key) {
            errors.add(key.clone(), format!("Formularen har intet felt «{key}»."));
        }
    }
    let mut values = Values::new();
    for field in form.fields() {
        let raw = fields.get(&field.name).unwrap_or(&Json::Null);
        match one(field, raw, options) {
            Ok(Some(v)) => {
                values.insert(field.name.clone(), v);
            }
            Ok(None) => {}
            Err(message) => errors.add(field.name.clone(), message),
        }
    }
    for field in form.fields() {
        if values.contains_key(&field.name) || errors.has(&field.name) {
            continue;
        }
        let needed = match (field.required, stage) {
            (Required::Always, _) => true,
            (Required::Submit, Stage::Submit) => true,
            _ => {
                stage == Stage::Submit
                    && field.required_when.as_ref().is_some_and(|c| {
                        values
                            .get(&c.field)
                            .is_some_and(|v| c.equals.as_ref().is_none_or(|e| v.has(e)))
                    })
            }
        };
        if needed {
            errors.add(
                field.name.clone(),
                format!("«{}» skal udfyldes.", field.label),
            );
        }
    }
    errors.into_result(values)
}

/// A submitted page form as the `fields` object [`read`] takes: one key per field, a period's
/// `NAME.start` and `NAME.end`, a multiple choice's repeated `NAME`, people as `NAME.N.name` and
/// `NAME.N.role` (rows left empty are dropped). Keys that name no field are left out.
pub fn from_form_pairs(
    form: &FormDef,
    pairs: &[(String, String)],
) -> serde_json::Map<String, Json> {
    let mut out = serde_json::Map::new();
    let all = |key: String| {
        pairs
            .iter()
            .filter(move |(k, _)| *k == key)
            .map(|(_, v)| v.clone())
    };
    for field in form.fields() {
        let name = field.name.as_str();
        let value = match field.kind {
            FieldKind::Period => {
                let part = |p: &str| all(format!("{name}.{p}")).next().unwrap_or_default();
                let (start, end) = (part("start"), part("end"));
                if start.trim().is_empty() && end.trim().is_empty() {
                    continue;
                }
                serde_json::json!({ "start": start, "end": end })
            }
            FieldKind::MultiChoice => {
                let chosen: Vec<String> = all(name.to_string())
                    .filter(|v| !v.trim().is_empty())
                    .collect();
                if chosen.is_empty() {
                    continue;
                }
                Json::from(chosen)
            }
            FieldKind::People => {
                let mut rows: BTreeMap<usize, (String, String)> = BTreeMap::new();
                let prefix = format!("{name}.");
                for (key, v) in pairs {
                    let Some(rest) = key.strip_prefix(&prefix) else {
                        continue;
                    };
                    let Some((n, part)) = rest.split_once('.') else {
                        continue;
                    };
                    let Ok(n) = n.parse::<usize>() else { continue };
                    if n >= LIST_MAX {
                        continue;
                    }
                    let row = rows.entry(n).or_default();
                    match part {
                        "name" => row.0 = v.clone(),
                        "role" => row.1 = v.clone(),
                        _ => {}
                    }
                }
                let people: Vec<Json> = rows
                    .into_values()
                    .filter(|(n, r)| !n.trim().is_empty() || !r.trim().is_empty())
                    .map(|(n, r)| serde_json::json!({ "name": n, "role": r }))
                    .collect();
                if people.is_empty() {
                    continue;
                }
                Json::Array(people)
            }
            FieldKind::Attachment => {
                // The files kept: each listed id, less those ticked for removal.
                let removed: Vec<String> = all(format!("{name}.fjern")).collect();
                let kept: Vec<Json> = all(name.to_string())
                    .filter(|v| !v.trim().is_empty() && !removed.contains(v))
                    .map(|v| match v.trim().parse::<i64>() {
                        Ok(id) => Json::from(id),
                        Err(_) => Json::String(v),
                    })
                    .collect();
                if kept.is_empty() {
                    continue;
                }
                Json::Array(kept)
            }
            _ => match all(name.to_string()).next() {
                Some(v) if !v.trim().is_empty() => Json::String(v),
                _ => continue,
            },
        };
        out.insert(field.name.clone(), value);
    }
    out
}

/// The values in the shape [`read`] takes (amounts as kroner text, dates `ÅÅÅÅ-MM-DD`), so a
/// stored form reads back to the same values and shows in its fields as typed.
pub fn to_fields(values: &Values) -> serde_json::Map<String, Json> {
    let date = |d: &NaiveDate| Json::String(d.format("%Y-%m-%d").to_string());
    values
        .iter()
        .map(|(name, value)| {
            let json = match value {
                Value::Text(t) => Json::String(t.clone()),
                Value::Amount(ore) => Json::String(ore.to_input_string()),
                Value::Date(d) => date(d),
                Value::Period { start, end } => {
                    serde_json::json!({ "start": date(start), "end": date(end) })
                }
                Value::Choices(c) => Json::from(c.clone()),
                Value::People(people) => Json::Array(
                    people
                        .iter()
                        .map(|p| serde_json::json!({ "name": p.name, "role": p.role }))
                        .collect(),
                ),
                Value::Files(ids) => Json::from(ids.clone()),
            };
            (name.clone(), json)
        })
        .collect()
}

impl Value {
    /// Whether the value is `text` or, for several choices, holds it.
    fn has(&self, text: &str) -> bool {
        match self {
            Value::Text(t) => t == text,
            Value::Choices(c) => c.iter().any(|x| x == text),
            _ => false,
        }
    }
}

/// One field's value, `None` when left empty, or the Danish message naming the problem.
fn one(
    field: &FieldSpec,
    raw: &Json,
    options: &dyn Fn(&FieldSpec) -> Option<Vec<String>>,
) -> Result<Option<Value>, String> {
    let label = &field.label;
    let text = |raw: &Json| -> Result<Option<String>, String> {
        match raw {
            Json::Null => Ok(None),
            Json::String(s) if s.trim().is_empty() => Ok(None),
            Json::String(s) => Ok(Some(s.trim().to_string())),
            Json::Number(n) => Ok(Some(n.to_string())),
            _ => Err(format!("«{label}» skal være tekst.")),
        }
    };
    let allowed = || -> Option<Vec<String>> {
        if field.options.is_empty() {
            options(field)
        } else {
            Some(field.options.clone())
        }
    };
    match field.kind {
        FieldKind::Attachment => {
            let items = match raw {
                Json::Null => return Ok(None),
                Json::Array(items) => items.as_slice(),
                one => std::slice::from_ref(one),
            };
            let mut ids = Vec::new();
            for item in items {
                let id = match item {
                    Json::Number(n) => n.as_i64(),
                    Json::String(s) => s.trim().parse::<i64>().ok(),
                    _ => None,
                };
                match id {
                    Some(id) if id > 0 => {
                        if !ids.contains(&id) {
                            ids.push(id);
                        }
                    }
                    _ => {
                        return Err(format!(
                            "«{label}» skal være en liste af bilag (deres numre); upload filen til ansøgningen først."
                        ))
                    }
                }
            }
            if ids.len() > FILES_MAX {
                return Err(format!("«{label}» kan højst have {FILES_MAX} filer."));
            }
            Ok((!ids.is_empty()).then_some(Value::Files(ids)))
        }
        FieldKind::Text | FieldKind::LongText | FieldKind::Organisation => {
            let Some(t) = text(raw)? else { return Ok(None) };
            let max = field.max_length.map_or(
                if field.kind == FieldKind::LongText {
                    LONG_TEXT_MAX
                } else {
                    TEXT_MAX
                },
                |m| m as usize,
            );
            if t.chars().count() > max {
                return Err(format!("«{label}» må højst være {max} tegn."));
            }
            if field.kind == FieldKind::Text && t.contains('\n') {
                return Err(format!("«{label}» skal stå på én linje."));
            }
            if field.kind == FieldKind::Organisation {
                if let Some(allowed) = allowed() {
                    if !allowed.contains(&t) {
                        return Err(format!("Vælg «{label}» på listen."));
                    }
                }
            }
            Ok(Some(Value::Text(t)))
        }
        FieldKind::Amount => {
            let Some(t) = text(raw)? else { return Ok(None) };
            let ore = Ore::parse_kr(&t).map_err(|e| format!("«{label}»: {e}"))?;
            if ore.ore() < 0 {
                return Err(format!("«{label}» kan ikke være negativt."));
            }
            Ok(Some(Value::Amount(ore)))
        }
        FieldKind::Date => {
            let Some(t) = text(raw)? else { return Ok(None) };
            parse_date(&t)
                .map(|d| Some(Value::Date(d)))
                .ok_or_else(|| format!("«{label}»: «{t}» er ikke en dato."))
        }
        FieldKind::Period => {
            let part = |key: &str| match raw {
                Json::Object(o) => text(o.get(key).unwrap_or(&Json::Null)),
                Json::Null => Ok(None),
                _ => Err(format!("«{label}» skal have en start og en slutning.")),
            };
            let (start, end) = (part("start")?, part("end")?);
            let date = |t: Option<String>, which: &str| -> Result<Option<NaiveDate>, String> {
                t.map(|t| {
                    parse_date(&t)
                        .ok_or_else(|| format!("«{label}»: {which} «{t}» er ikke en dato."))
                })
                .transpose()
            };
            match (date(start, "starten")?, date(end, "slutningen")?) {
                (None, None) => Ok(None),
                (Some(start), Some(end)) => Period::new(start, end)
                    .map(|p| {
                        Some(Value::Period {
                            start: p.start(),
                            end: p.end(),
                        })
                    })
                    .ok_or_else(|| format!("«{label}»: slutningen skal ligge efter starten.")),
                _ => Err(format!("«{label}» skal have både en start og en slutning.")),
            }
        }
        FieldKind::Choice => {
            let Some(t) = text(raw)? else { return Ok(None) };
            match allowed() {
                Some(allowed) if !allowed.contains(&t) => Err(format!(
                    "«{label}»: «{t}» er ikke et af valgene ({}).",
                    allowed.join(", ")
                )),
                _ => Ok(Some(Value::Text(t))),
            }
        }
        FieldKind::MultiChoice => {
            let items: Vec<String> = match raw {
                Json::Null => Vec::new(),
                Json::Array(items) => items
                    .iter()
                    .map(&text)
                    .collect::<Result<Vec<_>, _>>()?
                    .into_iter()
                    .flatten()
                    .collect(),
                Json::String(_) => text(raw)?.into_iter().collect(),
                _ => return Err(format!("«{label}» skal være en liste af valg.")),
            };
            if items.is_empty() {
                return Ok(None);
            }
            if items.len() > LIST_MAX {
                return Err(format!("«{label}» kan højst have {LIST_MAX} valg."));
            }
            if let Some(allowed) = allowed() {
                if let Some(bad) = items.iter().find(|i| !allowed.contains(i)) {
                    return Err(format!(
                        "«{label}»: «{bad}» er ikke et af valgene ({}).",
                        allowed.join(", ")
                    ));
                }
            }
            let mut unique = items.clone();
            unique.sort();
            unique.dedup();
            if unique.len() != items.len() {
                return Err(format!("«{label}»: det samme valg står flere gange."));
            }
            Ok(Some(Value::Choices(items)))
        }
        FieldKind::People => {
            let rows = match raw {
                Json::Null => return Ok(None),
                Json::Array(rows) => rows,
                _ => return Err(format!("«{label}» skal være en liste af personer.")),
            };
            if rows.len() > LIST_MAX {
                return Err(format!("«{label}» kan højst have {LIST_MAX} personer."));
            }
            let mut people = Vec::new();
            for (i, row) in rows.iter().enumerate() {
                let n = i + 1;
                let Json::Object(o) = row else {
                    return Err(format!("«{label}», person {n}: skal have navn og rolle."));
                };
                let name = text(o.get("name").unwrap_or(&Json::Null))?;
                let role = text(o.get("role").unwrap_or(&Json::Null))?;
                match (name, role) {
                    (None, None) => continue,
                    (Some(name), Some(role)) => {
                        if name.chars().count() > TEXT_MAX {
                            return Err(format!(
                                "«{label}», person {n}: navnet må højst være {TEXT_MAX} tegn."
                            ));
                        }
                        if !field.roles.contains(&role) {
                            return Err(format!(
                                "«{label}», person {n}: rollen «{role}» er ikke en af {}.",
                                field.roles.join(", ")
                            ));
                        }
                        people.push(PersonValue { name, role });
                    }
                    (None, Some(_)) => {
                        return Err(format!("«{label}», person {n}: navnet mangler."))
                    }
                    (Some(_), None) => {
                        return Err(format!("«{label}», person {n}: rollen mangler."))
                    }
                }
            }
            Ok((!people.is_empty()).then_some(Value::People(people)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::programme::{Definition, SHIPPED};
    use serde_json::json;

    fn form(id: &str) -> FormDef {
        let (_, text) = SHIPPED.iter().find(|(i, _)| *i == id).unwrap();
        Definition::from_toml(text).unwrap().form
    }

    fn fields(v: Json) -> serde_json::Map<String, Json> {
        match v {
            Json::Object(o) => o,
            _ => unreachable!(),
        }
    }

    const NO_LISTS: &dyn Fn(&FieldSpec) -> Option<Vec<String>> = &|_| None;

    fn complete() -> Json {
        json!({
            "title": "Fælles akutteam i klyngen",
            "cluster": "Klynge Vest",
            "target_group": "Ældre medicinske patienter",
            "description": "Et team på tværs af sektorer.",
            "sectors": ["Region", "Kommune"],
            "contacts": [{"name": "Ane Holm", "role": "Projektleder"}],
            "amount": "1.250.000",
            "budget": [7],
            "period": {"start": "2022-05-01", "end": "2023-04-30"},
        })
    }

    #[test]
    fn a_complete_application_reads_into_typed_values() {
        let v = read(
            &form("sundhedsklynger-2022"),
            &fields(complete()),
            Stage::Submit,
            NO_LISTS,
        )
        .unwrap();
        assert_eq!(v["amount"], Value::Amount(Ore::from_kr(1_250_000).unwrap()));
        assert_eq!(
            v["period"],
            Value::Period {
                start: NaiveDate::from_ymd_opt(2022, 5, 1).unwrap(),
                end: NaiveDate::from_ymd_opt(2023, 4, 30).unwrap()
            }
        );
        assert_eq!(
            v["sectors"],
            Value::Choices(vec!["Region".into(), "Kommune".into()])
        );
        assert!(!v.contains_key("other_sectors"));
        assert_eq!(v["budget"], Value::Files(vec![7]));
    }

    #[test]
    fn an_attachment_field_lists_files_by_their_ids() {
        let f = form("sundhedsklynger-2022");
        let mut input = complete();
        input["budget"] = json!(["7", 8, 7]);
        let v = read(&f, &fields(input.clone()), Stage::Submit, NO_LISTS).unwrap();
        assert_eq!(v["budget"], Value::Files(vec![7, 8]), "each file once");
        for wrong in [json!("budget.pdf"), json!([0]), json!([{"id": 7}])] {
            input["budget"] = wrong;
            let errors = read(&f, &fields(input.clone()), Stage::Draft, NO_LISTS).unwrap_err();
            assert!(
                errors.get("budget")[0].contains("upload filen"),
                "{errors:?}"
            );
        }
        input["budget"] = json!((1..=21).collect::<Vec<i64>>());
        let errors = read(&f, &fields(input.clone()), Stage::Draft, NO_LISTS).unwrap_err();
        assert_eq!(errors.get("budget"), ["«Budget» kan højst have 20 filer."]);
        input["budget"] = json!([]);
        let errors = read(&f, &fields(input), Stage::Submit, NO_LISTS).unwrap_err();
        assert_eq!(errors.get("budget"), ["«Budget» skal udfyldes."]);
    }

    #[test]
    fn stored_values_read_back_to_the_same_values() {
        let f = form("sundhedsklynger-2022");
        let mut input = complete();
        input["amount"] = json!("1.250.000,50");
        let v = read(&f, &fields(input), Stage::Submit, NO_LISTS).unwrap();
        let stored = to_fields(&v);
        assert_eq!(stored["amount"], json!("1.250.000,50"));
        assert_eq!(
            stored["period"],
            json!({"start": "2022-05-01", "end": "2023-04-30"})
        );
        assert_eq!(read(&f, &stored, Stage::Submit, NO_LISTS).unwrap(), v);
    }

    #[test]
    fn a_page_form_reads_like_the_apis_fields() {
        let f = form("sundhedsklynger-2022");
        let pairs: Vec<(String, String)> = [
            ("csrf_token", "x"),
            ("title", "Fælles akutteam i klyngen"),
            ("cluster", "Klynge Vest"),
            ("target_group", "Ældre medicinske patienter"),
            ("description", "Et team på tværs af sektorer."),
            ("sectors", "Region"),
            ("sectors", "Kommune"),
            ("contacts.0.name", "Ane Holm"),
            ("contacts.0.role", "Projektleder"),
            ("contacts.1.name", ""),
            ("contacts.1.role", ""),
            ("amount", "1.250.000"),
            ("budget", "7"),
            ("budget", "9"),
            ("budget.fjern", "9"),
            ("period.start", "2022-05-01"),
            ("period.end", "2023-04-30"),
            ("other_sectors", "  "),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let fields = from_form_pairs(&f, &pairs);
        assert_eq!(Json::Object(fields.clone()), complete());
        // A row with a role but no name is kept, so its problem is named.
        let mut pairs = pairs;
        pairs.push(("contacts.3.role".into(), "Kontaktperson".into()));
        let errors = read(&f, &from_form_pairs(&f, &pairs), Stage::Draft, NO_LISTS).unwrap_err();
        assert_eq!(
            errors.get("contacts"),
            ["«Kontaktpersoner», person 2: navnet mangler."]
        );
    }

    #[test]
    fn a_draft_needs_only_what_is_always_required() {
        let f = form("sundhedsklynger-2022");
        let draft = read(
            &f,
            &fields(json!({"title": "Kladde"})),
            Stage::Draft,
            NO_LISTS,
        )
        .unwrap();
        assert_eq!(draft.len(), 1);
        let errors = read(
            &f,
            &fields(json!({"title": "Kladde"})),
            Stage::Submit,
            NO_LISTS,
        )
        .unwrap_err();
        assert_eq!(
            errors.get("amount"),
            ["«Ansøgt beløb (kr.)» skal udfyldes."]
        );
        assert!(errors.has("period") && errors.has("contacts"));
        let errors = read(&f, &fields(json!({})), Stage::Draft, NO_LISTS).unwrap_err();
        assert_eq!(errors.get("title"), ["«Indsatsens titel» skal udfyldes."]);
    }

    #[test]
    fn required_when_follows_the_other_field() {
        let f = form("sundhedsklynger-2022");
        let mut with_others = complete();
        with_others["sectors"] = json!(["Region", "Andre"]);
        let errors = read(&f, &fields(with_others.clone()), Stage::Submit, NO_LISTS).unwrap_err();
        assert_eq!(
            errors.get("other_sectors"),
            ["«Andre deltagere» skal udfyldes."]
        );
        with_others["other_sectors"] = json!("Patientforeningen");
        assert!(read(&f, &fields(with_others), Stage::Submit, NO_LISTS).is_ok());
    }

    #[test]
    fn every_problem_names_its_field() {
        let f = form("sundhedsklynger-2022");
        let mut bad = complete();
        bad["amount"] = json!("mange penge");
        bad["sectors"] = json!(["Region", "Staten"]);
        bad["contacts"] = json!([{"name": "Ane Holm", "role": "Direktør"}]);
        bad["period"] = json!({"start": "2023-01-01", "end": "2022-01-01"});
        bad["title"] = json!("x".repeat(TEXT_MAX + 1));
        bad["budget_2"] = json!("?");
        let errors = read(&f, &fields(bad), Stage::Submit, NO_LISTS).unwrap_err();
        assert!(errors.get("amount")[0].starts_with("«Ansøgt beløb (kr.)»: Beløbet «mange penge»"));
        assert_eq!(
            errors.get("sectors"),
            ["«Sektorer, der deltager»: «Staten» er ikke et af valgene (Region, Kommune, Almen praksis, Andre)."]
        );
        assert!(errors.get("contacts")[0]
            .contains("rollen «Direktør» er ikke en af Projektleder, Kontaktperson"));
        assert_eq!(
            errors.get("period"),
            ["«Periode»: slutningen skal ligge efter starten."]
        );
        assert_eq!(
            errors.get("title"),
            [format!("«Indsatsens titel» må højst være {TEXT_MAX} tegn.")]
        );
        assert_eq!(
            errors.get("budget_2"),
            ["Formularen har intet felt «budget_2»."]
        );
    }

    #[test]
    fn options_from_the_unit_are_asked_for() {
        let f = form("ok21");
        let tiers: &dyn Fn(&FieldSpec) -> Option<Vec<String>> = &|spec| {
            (spec.name == "supplement_ore").then(|| vec!["2000000".into(), "3500000".into()])
        };
        let ok = read(
            &f,
            &fields(json!({"title": "T", "supplement_ore": "3500000"})),
            Stage::Draft,
            tiers,
        );
        assert!(ok.is_ok());
        let errors = read(
            &f,
            &fields(json!({"title": "T", "supplement_ore": "4000000"})),
            Stage::Draft,
            tiers,
        )
        .unwrap_err();
        assert!(errors.get("supplement_ore")[0].contains("«4000000» er ikke et af valgene"));
    }

    proptest::proptest! {
        /// Whatever is sent for whichever field, reading answers (never panics), and what it
        /// accepts keeps within the limits.
        #[test]
        fn any_input_is_answered(
            picks in proptest::collection::vec((0usize..20, ".{0,40}", proptest::bool::ANY), 0..12)
        ) {
            let f = form("sundhedsklynger-2022");
            let names: Vec<String> = f.fields().map(|x| x.name.clone()).collect();
            let mut input = serde_json::Map::new();
            for (i, text, as_list) in picks {
                let name = names.get(i).cloned().unwrap_or_else(|| format!("felt_{i}"));
                let value = if as_list { json!([text, {"name": text, "role": "Projektleder"}]) } else { json!(text) };
                input.insert(name, value);
            }
            for stage in [Stage::Draft, Stage::Submit] {
                if let Ok(values) = read(&f, &input, stage, NO_LISTS) {
                    for v in values.values() {
                        if let Value::Text(t) = v {
                            proptest::prop_assert!(t.chars().count() <= LONG_TEXT_MAX);
                        }
                    }
                }
            }
        }
    }
}
