//! A definition edited as one flat web form, for administrators who do not write definition
//! files: every value under a name such as `funders.0.name` or `transitions.2.from` (a name given
//! several times holds several values, as checkboxes send them).
//!
//! [`to_flat`] writes a definition out as such values; [`from_flat`] reads them back onto the
//! definition the editing started from, which keeps what the form does not show (a unit's areas,
//! tiers and rounds), and checks the result. The application form is under `sections` and
//! `fields`, the evaluation form under `esections` and `efields`. A row whose text is all empty is left out, so an added row that
//! was never filled in does no harm; a row marked `fjern` is removed ([`Flat::without_removed`]).

use super::check::Problem;
use super::file::Day;
use super::flow::{Actor, Effect, Requirement, State, StateKind, Transition, Workflow};
use super::form::{Condition, FieldKind, FieldSpec, FormDef, OptionSource, Required, SectionDef};
use super::money::{Due, Funder, Instalment, MoneyModel, Split, SplitKey, Tranche, Unit};
use super::{
    Applicants, Body, Criterion, Definition, MailTemplate, Party, ReportSection, Review, Rubric,
    Window,
};
use crate::date::parse_date;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::BTreeMap;

/// The lists of rows the form holds, each under its own name.
pub const LISTS: [&str; 15] = [
    "funders",
    "units",
    "tranches",
    "bodies",
    "sections",
    "fields",
    "criteria",
    "states",
    "transitions",
    "instalments",
    "signatures",
    "esections",
    "efields",
    "report",
    "mail",
];

/// The most rows one list may hold: far above any real programme, low enough that a hostile
/// form cannot make the server build a huge definition.
pub const MAX_ROWS: usize = 500;

/// The form's values by name; a name may hold several values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flat(BTreeMap<String, Vec<String>>);

impl Flat {
    /// The values as a form sends them, in order.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Flat {
        let mut flat = Flat::default();
        for (k, v) in pairs {
            flat.push(k, v);
        }
        flat
    }

    /// The first value under `key`, or "".
    pub fn get(&self, key: &str) -> &str {
        self.0
            .get(key)
            .and_then(|v| v.first())
            .map_or("", String::as_str)
    }

    /// Every value under `key`.
    pub fn all(&self, key: &str) -> &[String] {
        self.0.get(key).map_or(&[], Vec::as_slice)
    }

    /// Whether `key` holds `value` (a checked box, a chosen option).
    pub fn has(&self, key: &str, value: &str) -> bool {
        self.all(key).iter().any(|v| v == value)
    }

    pub fn set(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.0.insert(key.into(), vec![value.into()]);
    }

    pub fn push(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.0.entry(key.into()).or_default().push(value.into());
    }

    /// The number of rows `list` holds: one more than the highest row number named, at most
    /// [`MAX_ROWS`].
    pub fn rows(&self, list: &str) -> usize {
        self.0
            .keys()
            .filter_map(|k| row_of(k, list))
            .map(|(i, _)| i + 1)
            .max()
            .unwrap_or(0)
            .min(MAX_ROWS)
    }

    /// The same values without the rows marked `fjern`, the rows after them numbered anew.
    pub fn without_removed(&self) -> Flat {
        let mut out = Flat::default();
        for (key, values) in &self.0 {
            let Some((list, i, column)) = LISTS
                .iter()
                .find_map(|list| row_of(key, list).map(|(i, c)| (*list, i, c)))
            else {
                out.0.insert(key.clone(), values.clone());
                continue;
            };
            if column == "fjern" || i >= MAX_ROWS || self.removed(list, i) {
                continue;
            }
            let before = (0..i).filter(|j| self.removed(list, *j)).count();
            out.0
                .insert(format!("{list}.{}.{column}", i - before), values.clone());
        }
        out
    }

    fn removed(&self, list: &str, i: usize) -> bool {
        !self.get(&format!("{list}.{i}.fjern")).is_empty()
    }

    fn cell(&self, list: &str, i: usize, column: &str) -> &str {
        self.get(&format!("{list}.{i}.{column}")).trim()
    }

    fn cells(&self, list: &str, i: usize, column: &str) -> Vec<String> {
        self.all(&format!("{list}.{i}.{column}"))
            .iter()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// Whether every one of the row's `columns` is empty.
    fn blank(&self, list: &str, i: usize, columns: &[&str]) -> bool {
        columns.iter().all(|c| self.cell(list, i, c).is_empty())
    }

    fn put(&mut self, list: &str, i: usize, column: &str, value: impl Into<String>) {
        self.set(format!("{list}.{i}.{column}"), value);
    }

    fn put_all(&mut self, list: &str, i: usize, column: &str, values: &[String]) {
        self.0
            .insert(format!("{list}.{i}.{column}"), values.to_vec());
    }
}

/// `("funders.2.name", "funders")` → `(2, "name")`.
fn row_of<'k>(key: &'k str, list: &str) -> Option<(usize, &'k str)> {
    let rest = key.strip_prefix(list)?.strip_prefix('.')?;
    let (n, column) = rest.split_once('.')?;
    if n.is_empty() || n.len() > 4 || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((n.parse().ok()?, column))
}

/// An enumeration's name in the definition file (`long_text`).
pub fn name_of<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn enum_of<T: DeserializeOwned>(name: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(name.to_string())).ok()
}

fn lines(values: &[String]) -> String {
    values.join("\n")
}

fn split_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// Whole kroner as the form shows them: digits only.
fn kr_text(kr: i64) -> String {
    kr.to_string()
}

/// A definition as the form's values.
pub fn to_flat(def: &Definition) -> Flat {
    let mut f = Flat::default();
    f.set("id", &def.id);
    f.set("name", &def.name);
    f.set("owner", &def.owner);
    f.set("description", &def.description);
    f.set("window.opens", def.window.opens.to_string());
    f.set("window.closes", def.window.closes.to_string());
    f.set("window.period_start", def.window.period_start.to_string());
    f.set("window.period_end", def.window.period_end.to_string());
    for (i, x) in def.funders.iter().enumerate() {
        f.put("funders", i, "name", &x.name);
        f.put("funders", i, "share_percent", x.share_percent.to_string());
    }
    f.set("split.key", name_of(&def.split.key));
    f.set("split.basis", &def.split.basis);
    for (i, u) in def.split.units.iter().enumerate() {
        f.put("units", i, "code", &u.code);
        f.put("units", i, "name", &u.name);
        f.put(
            "units",
            i,
            "amount_kr",
            u.amount_kr.map(kr_text).unwrap_or_default(),
        );
        f.put(
            "units",
            i,
            "population",
            u.population.map(|p| p.to_string()).unwrap_or_default(),
        );
        f.put(
            "units",
            i,
            "latest_end",
            u.latest_end.map(|d| d.to_string()).unwrap_or_default(),
        );
    }
    for (i, t) in def.tranches.iter().enumerate() {
        f.put("tranches", i, "name", &t.name);
        f.put("tranches", i, "start", t.start.to_string());
        f.put("tranches", i, "end", t.end.to_string());
        f.put("tranches", i, "amount_kr", kr_text(t.amount_kr));
    }
    f.0.insert("applicants.roles".into(), def.applicants.roles.clone());
    f.set("applicants.organisation", &def.applicants.organisation);
    f.set("applicants.on_behalf_of", &def.applicants.on_behalf_of);
    for (i, b) in def.bodies.iter().enumerate() {
        f.put("bodies", i, "id", &b.id);
        f.put("bodies", i, "name", &b.name);
    }
    form_to_flat(&mut f, &def.form, "sections", "fields");
    f.set("review.checklist", lines(&def.review.checklist));
    if def.review.conflict_declaration {
        f.set("review.conflict_declaration", "1");
    }
    if let Some(r) = &def.review.rubric {
        f.set("review.rubric", "1");
        f.set("review.scale_min", r.scale_min.to_string());
        f.set("review.scale_max", r.scale_max.to_string());
        if r.allow_not_applicable {
            f.set("review.allow_not_applicable", "1");
        }
        for (i, c) in r.criteria.iter().enumerate() {
            f.put("criteria", i, "name", &c.name);
            f.put("criteria", i, "help", &c.help);
            f.put("criteria", i, "weight", c.weight.to_string());
        }
    }
    f.set("workflow.initial", &def.workflow.initial);
    for (i, s) in def.workflow.states.iter().enumerate() {
        f.put("states", i, "id", &s.id);
        f.put("states", i, "label", &s.label);
        f.put("states", i, "kind", name_of(&s.kind));
    }
    for (i, t) in def.workflow.transitions.iter().enumerate() {
        f.put("transitions", i, "action", &t.action);
        f.put("transitions", i, "label", &t.label);
        f.put_all("transitions", i, "from", &t.from);
        f.put("transitions", i, "to", &t.to);
        let by: Vec<String> = t.by.iter().map(Actor::to_string).collect();
        f.put_all("transitions", i, "by", &by);
        let requires: Vec<String> = t.requires.iter().map(name_of).collect();
        f.put_all("transitions", i, "requires", &requires);
        f.put(
            "transitions",
            i,
            "effect",
            t.effect.as_ref().map(name_of).unwrap_or_default(),
        );
        f.put(
            "transitions",
            i,
            "within_days",
            t.within_days.map(|d| d.to_string()).unwrap_or_default(),
        );
    }
    for (i, p) in def.signatures.iter().enumerate() {
        f.put("signatures", i, "id", &p.id);
        f.put("signatures", i, "label", &p.label);
        f.put("signatures", i, "who", p.who.to_string());
    }
    form_to_flat(&mut f, &def.evaluation, "esections", "efields");
    for (i, r) in def.report.iter().enumerate() {
        f.put("report", i, "id", &r.id);
        f.put("report", i, "title", &r.title);
        f.put("report", i, "help", &r.help);
    }
    for (i, m) in def.mail.iter().enumerate() {
        f.put("mail", i, "on", &m.on);
        let to: Vec<String> = m.to.iter().map(Actor::to_string).collect();
        f.put_all("mail", i, "to", &to);
        f.put("mail", i, "subject", &m.subject);
        f.put("mail", i, "body", &m.body);
    }
    match &def.money {
        MoneyModel::MonthlySupplement => f.set("money.kind", "monthly_supplement"),
        MoneyModel::LumpSum { instalments } => {
            f.set("money.kind", "lump_sum");
            for (i, x) in instalments.iter().enumerate() {
                f.put(
                    "instalments",
                    i,
                    "share_percent",
                    x.share_percent.to_string(),
                );
                let (due, date) = match &x.due {
                    Due::Approval => ("approval", String::new()),
                    Due::Documentation => ("documentation", String::new()),
                    Due::On(day) => ("on", day.to_string()),
                };
                f.put("instalments", i, "due", due);
                f.put("instalments", i, "date", date);
            }
        }
    }
    f
}

/// A form's sections and fields under the lists `sections` and `fields` (a field names its
/// section by id).
fn form_to_flat(f: &mut Flat, form: &FormDef, sections: &str, fields: &str) {
    let mut n = 0;
    for (i, s) in form.sections.iter().enumerate() {
        f.put(sections, i, "id", &s.id);
        f.put(sections, i, "title", &s.title);
        f.put(sections, i, "help", &s.help);
        for field in &s.fields {
            f.put(fields, n, "section", &s.id);
            f.put(fields, n, "name", &field.name);
            f.put(fields, n, "label", &field.label);
            f.put(fields, n, "help", &field.help);
            f.put(fields, n, "kind", name_of(&field.kind));
            f.put(fields, n, "required", name_of(&field.required));
            if let Some(c) = &field.required_when {
                f.put(fields, n, "when_field", &c.field);
                f.put(
                    fields,
                    n,
                    "when_equals",
                    c.equals.clone().unwrap_or_default(),
                );
            }
            f.put(fields, n, "options", lines(&field.options));
            if let Some(source) = &field.options_from {
                f.put(fields, n, "options_from", name_of(source));
            }
            f.put(fields, n, "roles", lines(&field.roles));
            if let Some(max) = field.max_length {
                f.put(fields, n, "max_length", max.to_string());
            }
            n += 1;
        }
    }
}

/// What goes wrong while the values are read, before the definition can be checked.
struct Reader<'f> {
    flat: &'f Flat,
    problems: Vec<Problem>,
}

impl Reader<'_> {
    fn problem(&mut self, place: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem::new(place, message));
    }

    /// A whole number in `key`; `None` (and a problem, unless `optional`) when empty or not one.
    fn number<T: std::str::FromStr>(
        &mut self,
        key: &str,
        place: &str,
        what: &str,
        optional: bool,
    ) -> Option<T> {
        let text = self.flat.get(key).trim().to_string();
        if text.is_empty() {
            if !optional {
                self.problem(place, format!("{what} mangler."));
            }
            return None;
        }
        let digits: String = text
            .chars()
            .filter(|c| !matches!(c, '.' | ' ' | '\u{a0}'))
            .collect();
        match digits.parse() {
            Ok(n) => Some(n),
            Err(_) => {
                self.problem(
                    place,
                    format!("{what} «{text}» er ikke et helt tal (skriv fx 50 eller 1.000.000)."),
                );
                None
            }
        }
    }

    /// A date in `key`; `None` (and a problem, unless `optional`) when empty or not one.
    fn day(&mut self, key: &str, place: &str, what: &str, optional: bool) -> Option<Day> {
        let text = self.flat.get(key).trim().to_string();
        if text.is_empty() {
            if !optional {
                self.problem(place, format!("{what} mangler."));
            }
            return None;
        }
        match parse_date(&text) {
            Some(d) => Some(Day(d)),
            None => {
                self.problem(
                    place,
                    format!(
                        "{what} «{text}» er ikke en dato (skriv fx 2027-01-31 eller 31.1.2027)."
                    ),
                );
                None
            }
        }
    }

    /// An enumeration's value in `key`.
    fn choice<T: DeserializeOwned>(&mut self, key: &str, place: &str, what: &str) -> Option<T> {
        let text = self.flat.get(key).trim().to_string();
        let value = enum_of(&text);
        if value.is_none() {
            self.problem(place, format!("vælg {what}."));
        }
        value
    }
}

impl Reader<'_> {
    /// A form from its lists of sections and fields; `part` names it in problems.
    fn form(&mut self, section_list: &str, fields: &str, part: &str) -> FormDef {
        let mut sections: Vec<SectionDef> =
            filled(self.flat, section_list, &["id", "title", "help"])
                .into_iter()
                .map(|(i, _)| SectionDef {
                    id: self.flat.cell(section_list, i, "id").to_string(),
                    title: self.flat.cell(section_list, i, "title").to_string(),
                    help: self.flat.cell(section_list, i, "help").to_string(),
                    fields: Vec::new(),
                })
                .collect();
        for (i, n) in filled(self.flat, fields, &["name", "label", "help"]) {
            let name = self.flat.cell(fields, i, "name").to_string();
            let place = format!("{part}, felt {n} («{name}»)");
            let kind: Option<FieldKind> =
                self.choice(&format!("{fields}.{i}.kind"), &place, "feltets type");
            let required: Option<Required> = self.choice(
                &format!("{fields}.{i}.required"),
                &place,
                "om feltet skal udfyldes",
            );
            let when_field = self.flat.cell(fields, i, "when_field");
            let when_equals = self.flat.cell(fields, i, "when_equals");
            let options_from = self.flat.cell(fields, i, "options_from");
            let options_from = if options_from.is_empty() {
                None
            } else {
                self.choice::<OptionSource>(
                    &format!("{fields}.{i}.options_from"),
                    &place,
                    "hvor valgmulighederne kommer fra",
                )
            };
            let spec = FieldSpec {
                name,
                label: self.flat.cell(fields, i, "label").to_string(),
                help: self.flat.cell(fields, i, "help").to_string(),
                kind: kind.unwrap_or(FieldKind::Text),
                required: required.unwrap_or_default(),
                required_when: (!when_field.is_empty()).then(|| Condition {
                    field: when_field.to_string(),
                    equals: (!when_equals.is_empty()).then(|| when_equals.to_string()),
                }),
                options: split_lines(self.flat.cell(fields, i, "options")),
                options_from,
                roles: split_lines(self.flat.cell(fields, i, "roles")),
                max_length: self.number(
                    &format!("{fields}.{i}.max_length"),
                    &place,
                    "Største længde",
                    true,
                ),
            };
            let section = self.flat.cell(fields, i, "section");
            match sections.iter_mut().find(|s| s.id == section) {
                Some(s) => s.fields.push(spec),
                None => self.problem(
                    &place,
                    if section.is_empty() {
                        "vælg det afsnit, feltet står i.".to_string()
                    } else {
                        format!("afsnittet «{section}» findes ikke i skemaet.")
                    },
                ),
            }
        }

        FormDef { sections }
    }
}

/// A placeholder date for a value that could not be read (the definition is never used then).
fn no_day() -> Day {
    Day(chrono::NaiveDate::MIN)
}

/// The rows of `list` that are not blank in `columns`, with their numbers as the form shows
/// them (from 1).
fn filled(flat: &Flat, list: &str, columns: &[&str]) -> Vec<(usize, usize)> {
    (0..flat.rows(list))
        .filter(|i| !flat.blank(list, *i, columns))
        .map(|i| (i, i + 1))
        .collect()
}

/// Reads the form's values onto `base` (the definition the editing started from, or `None` for
/// a programme begun from nothing), as version `version`, and checks the result. Every problem is
/// in Danish with its place: a value that cannot be read names its row in the form; a definition
/// that does not hold together names its place in the definition file.
pub fn from_flat(
    flat: &Flat,
    base: Option<&Definition>,
    version: u32,
) -> Result<Definition, Vec<Problem>> {
    let mut r = Reader {
        flat,
        problems: Vec::new(),
    };
    let text = |key: &str| flat.get(key).trim().to_string();

    let window = Window {
        opens: r
            .day(
                "window.opens",
                "Ansøgningsperiode",
                "Første ansøgningsdag",
                false,
            )
            .unwrap_or_else(no_day),
        closes: r
            .day(
                "window.closes",
                "Ansøgningsperiode",
                "Sidste ansøgningsdag",
                false,
            )
            .unwrap_or_else(no_day),
        period_start: r
            .day(
                "window.period_start",
                "Ansøgningsperiode",
                "Tidligste start",
                false,
            )
            .unwrap_or_else(no_day),
        period_end: r
            .day(
                "window.period_end",
                "Ansøgningsperiode",
                "Seneste slut",
                false,
            )
            .unwrap_or_else(no_day),
    };

    let mut funders = Vec::new();
    for (i, n) in filled(flat, "funders", &["name", "share_percent"]) {
        let place = format!("Finansiering, række {n}");
        let key = format!("funders.{i}.share_percent");
        funders.push(Funder {
            name: flat.cell("funders", i, "name").to_string(),
            share_percent: r.number(&key, &place, "Andelen", false).unwrap_or(0),
        });
    }

    let mut units = Vec::new();
    for (i, n) in filled(flat, "units", &["code", "name", "amount_kr", "population"]) {
        let place = format!("Fordeling, enhed {n}");
        let code = flat.cell("units", i, "code").to_string();
        // What the form does not show (areas, tiers, rounds) comes from the unit of the same
        // code in the definition the editing started from.
        let kept = base
            .and_then(|b| b.split.units.iter().find(|u| u.code == code))
            .cloned();
        units.push(Unit {
            name: flat.cell("units", i, "name").to_string(),
            amount_kr: r.number(&format!("units.{i}.amount_kr"), &place, "Beløbet", true),
            population: r.number(
                &format!("units.{i}.population"),
                &place,
                "Befolkningstallet",
                true,
            ),
            latest_end: r.day(
                &format!("units.{i}.latest_end"),
                &place,
                "Seneste slut",
                true,
            ),
            areas: kept.as_ref().map(|u| u.areas.clone()).unwrap_or_default(),
            tiers: kept.as_ref().map(|u| u.tiers.clone()).unwrap_or_default(),
            rounds: kept.map(|u| u.rounds).unwrap_or_default(),
            code,
        });
    }
    let split = Split {
        key: r
            .choice("split.key", "Fordeling", "en fordelingsnøgle")
            .unwrap_or(SplitKey::Equal),
        basis: text("split.basis"),
        units,
    };

    let mut tranches = Vec::new();
    for (i, n) in filled(flat, "tranches", &["name", "start", "end", "amount_kr"]) {
        let place = format!("Puljer, række {n}");
        tranches.push(Tranche {
            name: flat.cell("tranches", i, "name").to_string(),
            start: r
                .day(&format!("tranches.{i}.start"), &place, "Start", false)
                .unwrap_or_else(no_day),
            end: r
                .day(&format!("tranches.{i}.end"), &place, "Slut", false)
                .unwrap_or_else(no_day),
            amount_kr: r
                .number(&format!("tranches.{i}.amount_kr"), &place, "Beløbet", false)
                .unwrap_or(0),
        });
    }

    let applicants = Applicants {
        roles: flat
            .all("applicants.roles")
            .iter()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect(),
        organisation: text("applicants.organisation"),
        on_behalf_of: text("applicants.on_behalf_of"),
    };

    let bodies = filled(flat, "bodies", &["id", "name"])
        .into_iter()
        .map(|(i, _)| Body {
            id: flat.cell("bodies", i, "id").to_string(),
            name: flat.cell("bodies", i, "name").to_string(),
        })
        .collect();

    let form = r.form("sections", "fields", "Ansøgningsskema");
    let evaluation = r.form("esections", "efields", "Evalueringsskema");

    let rubric = if flat.get("review.rubric").is_empty() {
        None
    } else {
        let place = "Bedømmelse, pointskala";
        let mut criteria = Vec::new();
        for (i, n) in filled(flat, "criteria", &["name", "help", "weight"]) {
            let place = format!("Bedømmelse, kriterium {n}");
            criteria.push(Criterion {
                name: flat.cell("criteria", i, "name").to_string(),
                help: flat.cell("criteria", i, "help").to_string(),
                weight: r
                    .number(&format!("criteria.{i}.weight"), &place, "Vægten", false)
                    .unwrap_or(0),
            });
        }
        Some(Rubric {
            scale_min: r
                .number("review.scale_min", place, "Laveste point", false)
                .unwrap_or(0),
            scale_max: r
                .number("review.scale_max", place, "Højeste point", false)
                .unwrap_or(0),
            allow_not_applicable: !flat.get("review.allow_not_applicable").is_empty(),
            criteria,
        })
    };
    let review = Review {
        checklist: split_lines(flat.get("review.checklist")),
        rubric,
        conflict_declaration: !flat.get("review.conflict_declaration").is_empty(),
    };

    let mut states = Vec::new();
    for (i, n) in filled(flat, "states", &["id", "label"]) {
        let place = format!("Sagsgang, tilstand {n}");
        let kind: Option<StateKind> =
            r.choice(&format!("states.{i}.kind"), &place, "tilstandens art");
        states.push(State {
            id: flat.cell("states", i, "id").to_string(),
            label: flat.cell("states", i, "label").to_string(),
            kind: kind.unwrap_or(StateKind::Open),
        });
    }
    let mut transitions = Vec::new();
    for (i, n) in filled(flat, "transitions", &["action", "label"]) {
        let action = flat.cell("transitions", i, "action").to_string();
        let place = format!("Sagsgang, trin {n} («{action}»)");
        let mut by = Vec::new();
        for who in flat.cells("transitions", i, "by") {
            match Actor::parse(&who) {
                Some(a) => by.push(a),
                None => r.problem(&place, format!("«{who}» er ikke en, der kan tage et trin.")),
            }
        }
        let mut requires = Vec::new();
        for what in flat.cells("transitions", i, "requires") {
            match enum_of::<Requirement>(&what) {
                Some(q) => requires.push(q),
                None => r.problem(
                    &place,
                    format!("«{what}» er ikke et krav, trinnet kan stille."),
                ),
            }
        }
        let effect = flat.cell("transitions", i, "effect");
        let effect = if effect.is_empty() {
            None
        } else {
            r.choice::<Effect>(
                &format!("transitions.{i}.effect"),
                &place,
                "trinnets virkning",
            )
        };
        transitions.push(Transition {
            label: flat.cell("transitions", i, "label").to_string(),
            from: flat.cells("transitions", i, "from"),
            to: flat.cell("transitions", i, "to").to_string(),
            by,
            requires,
            effect,
            within_days: r.number(
                &format!("transitions.{i}.within_days"),
                &place,
                "Fristen i dage",
                true,
            ),
            action,
        });
    }
    let workflow = Workflow {
        initial: text("workflow.initial"),
        states,
        transitions,
    };

    let money = match flat.get("money.kind") {
        "monthly_supplement" => MoneyModel::MonthlySupplement,
        "lump_sum" => {
            let mut instalments = Vec::new();
            for (i, n) in filled(flat, "instalments", &["share_percent", "date"]) {
                let place = format!("Udbetaling, rate {n}");
                let share = r
                    .number(
                        &format!("instalments.{i}.share_percent"),
                        &place,
                        "Andelen",
                        false,
                    )
                    .unwrap_or(0);
                let due = match flat.cell("instalments", i, "due") {
                    "approval" => Due::Approval,
                    "documentation" => Due::Documentation,
                    "on" => Due::On(
                        r.day(&format!("instalments.{i}.date"), &place, "Datoen", false)
                            .unwrap_or_else(no_day),
                    ),
                    _ => {
                        r.problem(&place, "vælg, hvornår raten forfalder.");
                        Due::Approval
                    }
                };
                instalments.push(Instalment {
                    share_percent: share,
                    due,
                });
            }
            MoneyModel::LumpSum { instalments }
        }
        _ => {
            r.problem("Udbetaling", "vælg, hvordan bevillingen udbetales.");
            MoneyModel::LumpSum {
                instalments: Vec::new(),
            }
        }
    };

    let mut signatures = Vec::new();
    for (i, n) in filled(flat, "signatures", &["id", "label"]) {
        let who = flat.cell("signatures", i, "who");
        match Actor::parse(who) {
            Some(who) => signatures.push(Party {
                id: flat.cell("signatures", i, "id").to_string(),
                label: flat.cell("signatures", i, "label").to_string(),
                who,
            }),
            None => r.problem(
                format!("Underskrifter, part {n}"),
                "vælg, hvem der skriver under.",
            ),
        }
    }
    let report = filled(flat, "report", &["id", "title", "help"])
        .into_iter()
        .map(|(i, _)| ReportSection {
            id: flat.cell("report", i, "id").to_string(),
            title: flat.cell("report", i, "title").to_string(),
            help: flat.cell("report", i, "help").to_string(),
        })
        .collect();
    let mut mail = Vec::new();
    for (i, n) in filled(flat, "mail", &["subject", "body"]) {
        let place = format!("Breve, brev {n}");
        let mut to = Vec::new();
        for who in flat.cells("mail", i, "to") {
            match Actor::parse(&who) {
                Some(a) => to.push(a),
                None => r.problem(&place, format!("«{who}» kan ikke modtage breve.")),
            }
        }
        mail.push(MailTemplate {
            on: flat.cell("mail", i, "on").to_string(),
            to,
            subject: flat.cell("mail", i, "subject").to_string(),
            // The text keeps its lines and their indentation.
            body: flat
                .get(&format!("mail.{i}.body"))
                .replace("\r\n", "\n")
                .trim_end()
                .to_string(),
        });
    }

    if !r.problems.is_empty() {
        return Err(r.problems);
    }
    let def = Definition {
        id: text("id"),
        version,
        name: text("name"),
        description: flat.get("description").trim().to_string(),
        owner: text("owner"),
        funders,
        window,
        split,
        tranches,
        applicants,
        bodies,
        form,
        review,
        workflow,
        money,
        signatures,
        evaluation,
        report,
        mail,
    };
    def.check().map(|()| def)
}

/// The values of a programme begun from nothing: an application starts as a draft the applicant
/// can change, one funder pays it all, the money is split equally and paid as one lump sum when
/// granted.
pub fn blank() -> Flat {
    let mut f = Flat::default();
    f.put("funders", 0, "share_percent", "100");
    f.set("split.key", "equal");
    f.set("applicants.roles", "applicant");
    f.put("sections", 0, "id", "ansoegning");
    f.put("sections", 0, "title", "Ansøgningen");
    f.put("fields", 0, "section", "ansoegning");
    f.put("fields", 0, "name", "title");
    f.put("fields", 0, "label", "Titel");
    f.put("fields", 0, "kind", "text");
    f.put("fields", 0, "required", "always");
    f.set("workflow.initial", "draft");
    f.put("states", 0, "id", "draft");
    f.put("states", 0, "label", "Kladde");
    f.put("states", 0, "kind", "editable");
    f.set("money.kind", "lump_sum");
    f.put("instalments", 0, "share_percent", "100");
    f.put("instalments", 0, "due", "approval");
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::programme::SHIPPED;

    #[test]
    fn every_shipped_definition_survives_the_form() {
        for (id, text) in SHIPPED {
            let def = Definition::from_toml(text).expect(id);
            let flat = to_flat(&def);
            let back =
                from_flat(&flat, Some(&def), def.version).unwrap_or_else(|p| panic!("{id}: {p:?}"));
            assert_eq!(back, def, "{id}");
            // Everything but a unit's areas, tiers and rounds is on the form itself.
            let extras = def
                .split
                .units
                .iter()
                .any(|u| !(u.areas.is_empty() && u.tiers.is_empty() && u.rounds.is_empty()));
            if !extras {
                assert_eq!(from_flat(&flat, None, def.version), Ok(def), "{id}");
            }
        }
    }

    #[test]
    fn a_value_that_cannot_be_read_is_named_with_its_row() {
        let def = Definition::from_toml(SHIPPED[1].1).unwrap();
        let mut flat = to_flat(&def);
        flat.set("funders.1.share_percent", "halvtreds");
        flat.set("tranches.0.end", "31. juni");
        let problems = from_flat(&flat, Some(&def), 1).unwrap_err();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!(problems[0].place, "Finansiering, række 2");
        assert!(problems[0]
            .message
            .contains("«halvtreds» er ikke et helt tal"));
        assert_eq!(problems[1].place, "Puljer, række 1");
        assert!(problems[1].message.contains("«31. juni» er ikke en dato"));
    }

    #[test]
    fn blank_rows_are_left_out_and_removed_rows_renumbered() {
        let def = Definition::from_toml(SHIPPED[2].1).unwrap();
        let mut flat = to_flat(&def);
        // An added row never filled in.
        let n = flat.rows("transitions");
        flat.put("transitions", n, "action", "");
        flat.put("transitions", n, "label", " ");
        flat.put("transitions", n, "effect", "");
        assert_eq!(from_flat(&flat, Some(&def), 1).unwrap(), def);

        // The first body removed: the second is now the first.
        flat.set("bodies.0.fjern", "1");
        let flat = flat.without_removed();
        assert_eq!(flat.rows("bodies"), 1);
        assert_eq!(flat.get("bodies.0.id"), "ce_steering_group");
        assert_eq!(flat.get("bodies.0.fjern"), "");
        // The medical consultant's steps now name a body that does not exist.
        let problems = from_flat(&flat, Some(&def), 1).unwrap_err();
        assert!(
            problems
                .iter()
                .any(|p| p.message.contains("medical_consultant")),
            "{problems:?}"
        );
    }

    #[test]
    fn a_programme_from_nothing_needs_its_basics() {
        let problems = from_flat(&blank(), None, 1).unwrap_err();
        let places: Vec<&str> = problems.iter().map(|p| p.place.as_str()).collect();
        assert!(places.contains(&"Ansøgningsperiode"), "{places:?}");
        // Dates given: now the definition's own checks speak.
        let mut flat = blank();
        for (k, v) in [
            ("window.opens", "2027-02-01"),
            ("window.closes", "2027-03-31"),
            ("window.period_start", "2027-04-01"),
            ("window.period_end", "2027-12-31"),
        ] {
            flat.set(k, v);
        }
        let problems = from_flat(&flat, None, 1).unwrap_err();
        assert!(problems.iter().any(|p| p.place == "id"), "{problems:?}");
    }

    #[test]
    fn rows_and_names_are_bounded() {
        let mut flat = Flat::default();
        flat.set("fields.99999.name", "x");
        flat.set("fields.x.name", "y");
        flat.set("fields.7.name", "z");
        assert_eq!(flat.rows("fields"), 8);
        flat.set("fields.4999.name", "w");
        assert_eq!(flat.rows("fields"), MAX_ROWS);
        assert_eq!(row_of("fieldsx.1.name", "fields"), None);
    }
}
