//! The machinery behind the agreement form's field table ([`crate::application::FIELDS`]).
//!
//! A field is declared once, in the table in `application.rs`: its name (the form's, the API's
//! and the database column's), its section, labels, help text, kind and when it is required.
//! The `agreement_form!` macro turns the table into the typed input
//! ([`crate::ApplicationInput`]), the validated data ([`crate::ApplicationData`], private fields
//! with one read accessor per field) and the `FIELDS` table that the web pages, the API, the
//! store and the importer iterate. What a field's kind means — its types, how it is parsed,
//! checked and shown — lives here, in one [`FieldKind`] implementation per kind.

use crate::application::{ApplicationRules, ParticipantData, ParticipantInput, MAX_LINE, MAX_TEXT};
use crate::date::parse_date;
use crate::errors::FieldErrors;
use crate::money::Ore;
use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};

/// The form's sections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    /// Identifikation.
    A,
    /// Forsøget.
    B,
    /// Forsøgets tidsmæssige udstrækning.
    C,
    /// Parterne.
    D,
}

impl Section {
    pub const ALL: [Section; 4] = [Section::A, Section::B, Section::C, Section::D];
}

/// What kind of value a field holds; decides its types, its check and how it is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One line of text (at most [`MAX_LINE`] characters).
    Line,
    /// Free text (at most [`MAX_TEXT`] characters).
    Text,
    /// A civil date, typed as `2022-04-01` or `1. april 2022`.
    Date,
    /// One of the region's hospitals, by id.
    Hospital,
    /// One of the pool's supplement tiers, in øre.
    Tier,
    /// Some of the region's areas in the programme, by id.
    Areas,
    /// The participants list.
    Participants,
}

impl Kind {
    /// Whether the field is a column of `applications` (the lists are child tables).
    pub fn is_column(self) -> bool {
        !matches!(self, Kind::Areas | Kind::Participants)
    }

    /// A name for templates and schemas: `line`, `text`, `date`, `hospital`, `tier`, `areas`,
    /// `participants`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Line => "line",
            Kind::Text => "text",
            Kind::Date => "date",
            Kind::Hospital => "hospital",
            Kind::Tier => "tier",
            Kind::Areas => "areas",
            Kind::Participants => "participants",
        }
    }
}

/// When a field must be filled in, with the Danish message when it is not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Required {
    /// Never.
    No,
    /// Even in a draft.
    Always(&'static str),
    /// Before the application can be submitted.
    ToSubmit(&'static str),
}

/// One field of the agreement form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldDef {
    /// The form's, the API's and the database column's name.
    pub name: &'static str,
    pub section: Section,
    /// The label in the form (and in the error summary).
    pub label: &'static str,
    /// The label on the application's page and the printed agreement.
    pub short: &'static str,
    /// Help text under the label (may be empty).
    pub help: &'static str,
    pub kind: Kind,
    pub required: Required,
    /// What validation messages call the field ("Titlen er for lang …").
    pub noun: &'static str,
    /// For a field the form recogniser does not know by itself: the label of the line in an
    /// imported form whose text is the field's value.
    pub import_label: Option<&'static str>,
}

/// A field's value, the same for every kind: what the API returns, the store binds and the
/// pages show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum FieldValue {
    Text(String),
    Date(Option<NaiveDate>),
    /// A hospital's id.
    Id(Option<i64>),
    /// A supplement, serialised in øre.
    Ore(Option<Ore>),
    /// Area ids.
    Ids(Vec<i64>),
    Participants(Vec<ParticipantData>),
}

impl FieldValue {
    /// Whether nothing is filled in.
    pub fn is_empty(&self) -> bool {
        match self {
            FieldValue::Text(t) => t.trim().is_empty(),
            FieldValue::Date(d) => d.is_none(),
            FieldValue::Id(i) => i.is_none(),
            FieldValue::Ore(o) => o.is_none(),
            FieldValue::Ids(v) => v.is_empty(),
            FieldValue::Participants(v) => v.is_empty(),
        }
    }
}

/// What a kind of field is, as types and functions; implemented by the marker types in
/// [`kinds`].
pub trait FieldKind {
    const KIND: Kind;
    /// As typed (text, so a refused save can show it again).
    type Input: Clone + Default + PartialEq + Eq + std::fmt::Debug + Serialize;
    /// After validation.
    type Data: Clone + Default + PartialEq + Eq + std::fmt::Debug + Serialize + DeserializeOwned;
    /// What the read accessor returns.
    type Ref<'a>
    where
        Self: 'a;

    fn get(data: &Self::Data) -> Self::Ref<'_>;
    /// Takes one submitted form value; `sub` is what follows `name.` in the key, if anything.
    fn set(input: &mut Self::Input, sub: Option<&str>, value: String);
    /// Checks the typed value and gives the validated one; messages go to `errors`.
    fn validate(
        def: &FieldDef,
        input: &Self::Input,
        rules: &ApplicationRules,
        errors: &mut FieldErrors,
    ) -> Self::Data;
    fn to_input(data: &Self::Data) -> Self::Input;
    fn value(data: &Self::Data) -> FieldValue;
    /// Back from a stored value; a value of another kind gives the empty value.
    fn from_value(value: FieldValue) -> Self::Data;
}

/// Trims and normalises line breaks.
pub(crate) fn trimmed(s: &str) -> String {
    s.trim().replace("\r\n", "\n")
}

pub(crate) fn check_len(
    errors: &mut FieldErrors,
    field: &str,
    label: &str,
    value: &str,
    max: usize,
) {
    let n = value.chars().count();
    if n > max {
        errors.add(
            field,
            format!("{label} er for lang ({n} tegn); højst {max} tegn."),
        );
    }
}

/// JSON scalars as text: a string, a number, a boolean, or nothing.
#[derive(Deserialize)]
#[serde(untagged)]
enum Scalar {
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
}

impl Scalar {
    fn into_text(self) -> String {
        match self {
            Scalar::Text(t) => t,
            Scalar::Int(i) => i.to_string(),
            Scalar::Float(f) => f.to_string(),
            Scalar::Bool(b) => b.to_string(),
        }
    }
}

/// Typed values read from JSON leniently: numbers and `null` are taken as text, so an API
/// client may send `"hospital_id": 7` or `"start_date": null`.
pub trait Lenient: Sized {
    fn deserialize_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error>;
}

impl Lenient for String {
    fn deserialize_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Option::<Scalar>::deserialize(d)?
            .map(Scalar::into_text)
            .unwrap_or_default())
    }
}

impl Lenient for Vec<String> {
    fn deserialize_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Option::<Vec<Scalar>>::deserialize(d)?
            .unwrap_or_default()
            .into_iter()
            .map(Scalar::into_text)
            .collect())
    }
}

impl Lenient for Vec<ParticipantInput> {
    fn deserialize_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Option::<Vec<ParticipantInput>>::deserialize(d)?.unwrap_or_default())
    }
}

/// `deserialize_with` for every input field.
pub fn lenient<'de, D: Deserializer<'de>, T: Lenient>(d: D) -> Result<T, D::Error> {
    T::deserialize_lenient(d)
}

fn single(input: &mut String, sub: Option<&str>, value: String) {
    if sub.is_none() {
        *input = value;
    }
}

/// The marker types of the kinds.
pub mod kinds {
    use super::*;

    pub struct Line;
    pub struct Text;
    pub struct Date;
    pub struct Hospital;
    pub struct Tier;
    pub struct Areas;
    pub struct Participants;

    /// Line and Text differ only in their limit.
    fn text_validate(
        def: &FieldDef,
        input: &str,
        errors: &mut FieldErrors,
        max: usize,
        measure_trimmed: bool,
    ) -> String {
        let value = trimmed(input);
        if let Required::Always(message) = def.required {
            if value.is_empty() {
                errors.add(def.name, message);
            }
        }
        let measured = if measure_trimmed { input.trim() } else { input };
        check_len(errors, def.name, def.noun, measured, max);
        value
    }

    /// The two text kinds differ only in their longest value and whether the length is
    /// measured on the trimmed text.
    macro_rules! text_kind {
        ($kind:ident, $max:expr, $measure_trimmed:expr) => {
            impl FieldKind for $kind {
                const KIND: Kind = Kind::$kind;
                type Input = String;
                type Data = String;
                type Ref<'a> = &'a str;
                fn get(data: &String) -> &str {
                    data
                }
                fn set(input: &mut String, sub: Option<&str>, value: String) {
                    single(input, sub, value)
                }
                fn validate(
                    def: &FieldDef,
                    input: &String,
                    _: &ApplicationRules,
                    errors: &mut FieldErrors,
                ) -> String {
                    text_validate(def, input, errors, $max, $measure_trimmed)
                }
                fn to_input(data: &String) -> String {
                    data.clone()
                }
                fn value(data: &String) -> FieldValue {
                    FieldValue::Text(data.clone())
                }
                fn from_value(value: FieldValue) -> String {
                    match value {
                        FieldValue::Text(t) => t,
                        _ => String::new(),
                    }
                }
            }
        };
    }

    text_kind!(Line, MAX_LINE, true);
    text_kind!(Text, MAX_TEXT, false);

    impl FieldKind for Date {
        const KIND: Kind = Kind::Date;
        type Input = String;
        type Data = Option<NaiveDate>;
        type Ref<'a> = Option<NaiveDate>;
        fn get(data: &Option<NaiveDate>) -> Option<NaiveDate> {
            *data
        }
        fn set(input: &mut String, sub: Option<&str>, value: String) {
            single(input, sub, value)
        }
        fn validate(
            def: &FieldDef,
            input: &String,
            _: &ApplicationRules,
            errors: &mut FieldErrors,
        ) -> Option<NaiveDate> {
            let t = input.trim();
            if t.is_empty() {
                return None;
            }
            let parsed = parse_date(t);
            if parsed.is_none() {
                errors.add(
                    def.name,
                    format!(
                        "{} «{t}» er ikke en gyldig dato. Skriv fx 2022-04-01 eller 1. april 2022.",
                        def.noun
                    ),
                );
            }
            parsed
        }
        fn to_input(data: &Option<NaiveDate>) -> String {
            data.map(|d| d.to_string()).unwrap_or_default()
        }
        fn value(data: &Option<NaiveDate>) -> FieldValue {
            FieldValue::Date(*data)
        }
        fn from_value(value: FieldValue) -> Option<NaiveDate> {
            match value {
                FieldValue::Date(d) => d,
                _ => None,
            }
        }
    }

    impl FieldKind for Hospital {
        const KIND: Kind = Kind::Hospital;
        type Input = String;
        type Data = Option<i64>;
        type Ref<'a> = Option<i64>;
        fn get(data: &Option<i64>) -> Option<i64> {
            *data
        }
        fn set(input: &mut String, sub: Option<&str>, value: String) {
            single(input, sub, value)
        }
        fn validate(
            def: &FieldDef,
            input: &String,
            rules: &ApplicationRules,
            errors: &mut FieldErrors,
        ) -> Option<i64> {
            match input.trim() {
                "" => None,
                t => match t.parse::<i64>() {
                    Ok(id) if rules.hospital_ids.contains(&id) => Some(id),
                    _ => {
                        errors.add(def.name, "Vælg et af regionens hospitaler.");
                        None
                    }
                },
            }
        }
        fn to_input(data: &Option<i64>) -> String {
            data.map(|h| h.to_string()).unwrap_or_default()
        }
        fn value(data: &Option<i64>) -> FieldValue {
            FieldValue::Id(*data)
        }
        fn from_value(value: FieldValue) -> Option<i64> {
            match value {
                FieldValue::Id(i) => i,
                _ => None,
            }
        }
    }

    impl FieldKind for Tier {
        const KIND: Kind = Kind::Tier;
        type Input = String;
        type Data = Option<Ore>;
        type Ref<'a> = Option<Ore>;
        fn get(data: &Option<Ore>) -> Option<Ore> {
            *data
        }
        fn set(input: &mut String, sub: Option<&str>, value: String) {
            single(input, sub, value)
        }
        fn validate(
            def: &FieldDef,
            input: &String,
            rules: &ApplicationRules,
            errors: &mut FieldErrors,
        ) -> Option<Ore> {
            match input.trim() {
                "" => None,
                t => match t.parse::<i64>() {
                    Ok(ore) if rules.tiers.contains(&Ore::from_ore(ore)) => {
                        Some(Ore::from_ore(ore))
                    }
                    Ok(_) if rules.tiers.is_empty() => {
                        errors.add(
                            def.name,
                            "Regionen har endnu ikke oprettet tillægstrin i programmet.",
                        );
                        None
                    }
                    _ => {
                        let tiers: Vec<String> =
                            rules.tiers.iter().map(|t| t.to_kr_string()).collect();
                        let listed = match tiers.split_last() {
                            Some((last, [])) => last.clone(),
                            Some((last, rest)) => format!("{} eller {last}", rest.join(", ")),
                            None => String::new(),
                        };
                        errors.add(
                            def.name,
                            format!("Tillægget skal være et af puljens trin: {listed}"),
                        );
                        None
                    }
                },
            }
        }
        fn to_input(data: &Option<Ore>) -> String {
            data.map(|s| s.ore().to_string()).unwrap_or_default()
        }
        fn value(data: &Option<Ore>) -> FieldValue {
            FieldValue::Ore(*data)
        }
        fn from_value(value: FieldValue) -> Option<Ore> {
            match value {
                FieldValue::Ore(o) => o,
                _ => None,
            }
        }
    }

    impl FieldKind for Areas {
        const KIND: Kind = Kind::Areas;
        type Input = Vec<String>;
        type Data = Vec<i64>;
        type Ref<'a> = &'a [i64];
        fn get(data: &Vec<i64>) -> &[i64] {
            data
        }
        fn set(input: &mut Vec<String>, sub: Option<&str>, value: String) {
            if sub.is_none() {
                input.push(value);
            }
        }
        fn validate(
            def: &FieldDef,
            input: &Vec<String>,
            rules: &ApplicationRules,
            errors: &mut FieldErrors,
        ) -> Vec<i64> {
            let mut ids = Vec::new();
            for a in input.iter().map(|a| a.trim()).filter(|a| !a.is_empty()) {
                match a.parse::<i64>() {
                    Ok(id) if rules.area_ids.contains(&id) => {
                        if !ids.contains(&id) {
                            ids.push(id);
                        }
                    }
                    _ => errors.add(
                        def.name,
                        "Området er ikke et af regionens områder i programmet.",
                    ),
                }
            }
            ids
        }
        fn to_input(data: &Vec<i64>) -> Vec<String> {
            data.iter().map(|a| a.to_string()).collect()
        }
        fn value(data: &Vec<i64>) -> FieldValue {
            FieldValue::Ids(data.clone())
        }
        fn from_value(value: FieldValue) -> Vec<i64> {
            match value {
                FieldValue::Ids(v) => v,
                _ => Vec::new(),
            }
        }
    }

    /// The most participant rows a submitted form may address.
    const MAX_PARTICIPANT_ROWS: usize = 200;

    impl FieldKind for Participants {
        const KIND: Kind = Kind::Participants;
        type Input = Vec<ParticipantInput>;
        type Data = Vec<ParticipantData>;
        type Ref<'a> = &'a [ParticipantData];
        fn get(data: &Vec<ParticipantData>) -> &[ParticipantData] {
            data
        }
        /// `participants.N.name`, `participants.N.role`, `participants.N.receives_supplement`.
        fn set(input: &mut Vec<ParticipantInput>, sub: Option<&str>, value: String) {
            let Some((index, attr)) = sub.and_then(|s| s.split_once('.')) else {
                return;
            };
            let Some(index) = index
                .parse::<usize>()
                .ok()
                .filter(|i| *i < MAX_PARTICIPANT_ROWS)
            else {
                return;
            };
            if input.len() <= index {
                input.resize_with(index + 1, Default::default);
            }
            let p = &mut input[index];
            match attr {
                "name" => p.name = value,
                "role" => p.role = value,
                "receives_supplement" => p.receives_supplement = !value.is_empty(),
                _ => {}
            }
        }
        fn validate(
            def: &FieldDef,
            input: &Vec<ParticipantInput>,
            _: &ApplicationRules,
            errors: &mut FieldErrors,
        ) -> Vec<ParticipantData> {
            let mut participants = Vec::new();
            for (i, p) in input.iter().enumerate() {
                let name = trimmed(&p.name);
                let role = trimmed(&p.role);
                if name.is_empty() && role.is_empty() && !p.receives_supplement {
                    continue;
                }
                let key = |attr: &str| format!("{}.{i}.{attr}", def.name);
                if name.is_empty() {
                    errors.add(key("name"), "Skriv deltagerens navn.");
                }
                check_len(errors, &key("name"), "Navnet", &name, MAX_LINE);
                check_len(errors, &key("role"), "Rollen", &role, MAX_LINE);
                participants.push(ParticipantData {
                    name,
                    role,
                    receives_supplement: p.receives_supplement,
                });
            }
            participants
        }
        fn to_input(data: &Vec<ParticipantData>) -> Vec<ParticipantInput> {
            data.iter()
                .map(|p| ParticipantInput {
                    name: p.name.clone(),
                    role: p.role.clone(),
                    receives_supplement: p.receives_supplement,
                })
                .collect()
        }
        fn value(data: &Vec<ParticipantData>) -> FieldValue {
            FieldValue::Participants(data.clone())
        }
        fn from_value(value: FieldValue) -> Vec<ParticipantData> {
            match value {
                FieldValue::Participants(v) => v,
                _ => Vec::new(),
            }
        }
    }
}

/// Splits a submitted key into the field it addresses and what follows `name.`.
pub(crate) fn key_of<'k>(key: &'k str, name: &str) -> Option<Option<&'k str>> {
    let rest = key.strip_prefix(name)?;
    if rest.is_empty() {
        Some(None)
    } else {
        rest.strip_prefix('.').map(Some)
    }
}

/// Declares the agreement form: one row per field, in the form's order. Generates
/// `ApplicationInput`, `ApplicationData` (private fields, one accessor per field), `FIELDS`, and
/// the code that goes over every field (parsing a submitted key, validation, values).
macro_rules! agreement_form {
    (
        $(
            $(#[doc = $doc:literal])*
            $name:ident : $kind:ident {
                section: $section:ident,
                label: $label:literal,
                short: $short:literal,
                help: $help:literal,
                required: $required:expr,
                noun: $noun:literal,
                import: $import:expr
                $(, stored_as: $stored:literal)?
                $(,)?
            }
        ),+ $(,)?
    ) => {
        /// The agreement form as typed, every value as text.
        #[derive(Debug, Clone, Default, PartialEq, Eq, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(default)]
        pub struct ApplicationInput {
            $(
                $(#[doc = $doc])*
                #[serde(deserialize_with = "crate::form::lenient")]
                pub $name: <crate::form::kinds::$kind as crate::form::FieldKind>::Input,
            )+
        }

        /// A validated agreement form, built only by [`ApplicationInput::validate`] (or read
        /// back from where a valid one was stored).
        #[derive(Debug, Clone, PartialEq, Eq, ::serde::Serialize, ::serde::Deserialize)]
        pub struct ApplicationData {
            $(
                #[serde(default)]
                $(#[serde(rename = $stored)])?
                $name: <crate::form::kinds::$kind as crate::form::FieldKind>::Data,
            )+
        }

        /// Every field of the agreement form, in the form's order.
        pub const FIELDS: &[crate::form::FieldDef] = &[
            $(
                crate::form::FieldDef {
                    name: stringify!($name),
                    section: crate::form::Section::$section,
                    label: $label,
                    short: $short,
                    help: $help,
                    kind: <crate::form::kinds::$kind as crate::form::FieldKind>::KIND,
                    required: $required,
                    noun: $noun,
                    import_label: $import,
                },
            )+
        ];

        impl ApplicationInput {
            /// Takes one submitted form pair (`area_ids` repeats, participants are
            /// `participants.N.name` …); `false` when the key names no field.
            pub fn set(&mut self, key: &str, value: String) -> bool {
                $(
                    if let Some(sub) = crate::form::key_of(key, stringify!($name)) {
                        <crate::form::kinds::$kind as crate::form::FieldKind>::set(
                            &mut self.$name, sub, value,
                        );
                        return true;
                    }
                )+
                false
            }

            /// The typed text of a one-value field (empty for the lists and unknown names).
            pub fn text(&self, name: &str) -> &str {
                $(
                    if name == stringify!($name) {
                        return crate::form::AsText::as_text(&self.$name);
                    }
                )+
                ""
            }

            /// Empties a one-value field and gives back what it held (the lists are left).
            pub fn take(&mut self, name: &str) -> Option<String> {
                $(
                    if name == stringify!($name) {
                        return crate::form::AsText::take_text(&mut self.$name);
                    }
                )+
                None
            }

            /// Each field checked by its kind, in the table's order.
            fn validate_fields(
                &self,
                rules: &ApplicationRules,
                errors: &mut FieldErrors,
            ) -> ApplicationData {
                let mut defs = FIELDS.iter();
                ApplicationData {
                    $(
                        $name: <crate::form::kinds::$kind as crate::form::FieldKind>::validate(
                            defs.next().expect("a row per field"),
                            &self.$name,
                            rules,
                            errors,
                        ),
                    )+
                }
            }
        }

        impl ApplicationData {
            $(
                $(#[doc = $doc])*
                pub fn $name(&self) -> <crate::form::kinds::$kind as crate::form::FieldKind>::Ref<'_> {
                    <crate::form::kinds::$kind as crate::form::FieldKind>::get(&self.$name)
                }
            )+

            /// Back to text, for showing a stored application in the form.
            pub fn to_input(&self) -> ApplicationInput {
                ApplicationInput {
                    $(
                        $name: <crate::form::kinds::$kind as crate::form::FieldKind>::to_input(&self.$name),
                    )+
                }
            }

            /// Every field's value with its row of the table, in the form's order.
            pub fn values(&self) -> Vec<(&'static crate::form::FieldDef, crate::form::FieldValue)> {
                let mut defs = FIELDS.iter();
                vec![
                    $(
                        (
                            defs.next().expect("a row per field"),
                            <crate::form::kinds::$kind as crate::form::FieldKind>::value(&self.$name),
                        ),
                    )+
                ]
            }

            /// One field's value by name.
            pub fn value(&self, name: &str) -> Option<crate::form::FieldValue> {
                $(
                    if name == stringify!($name) {
                        return Some(<crate::form::kinds::$kind as crate::form::FieldKind>::value(&self.$name));
                    }
                )+
                None
            }

            /// Reads back a form that was valid when it was stored: `get` gives each field's
            /// stored value. Not a way around validation for new input.
            pub fn restore<E>(
                mut get: impl FnMut(&'static crate::form::FieldDef) -> Result<crate::form::FieldValue, E>,
            ) -> Result<ApplicationData, E> {
                let mut defs = FIELDS.iter();
                Ok(ApplicationData {
                    $(
                        $name: <crate::form::kinds::$kind as crate::form::FieldKind>::from_value(
                            get(defs.next().expect("a row per field"))?,
                        ),
                    )+
                })
            }
        }
    };
}

/// The one-value inputs as text (the lists have none).
pub trait AsText {
    fn as_text(&self) -> &str;
    fn take_text(&mut self) -> Option<String>;
}

impl AsText for String {
    fn as_text(&self) -> &str {
        self
    }
    fn take_text(&mut self) -> Option<String> {
        if self.trim().is_empty() {
            None
        } else {
            Some(std::mem::take(self))
        }
    }
}

impl<T> AsText for Vec<T> {
    fn as_text(&self) -> &str {
        ""
    }
    fn take_text(&mut self) -> Option<String> {
        None
    }
}
