//! A programme's forms (the application, the evaluation): sections of fields from a palette.

use serde::{Deserialize, Serialize};

/// A form: its sections in order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormDef {
    #[serde(default)]
    pub sections: Vec<SectionDef>,
}

impl FormDef {
    /// Every field, section by section.
    pub fn fields(&self) -> impl Iterator<Item = &FieldSpec> {
        self.sections.iter().flat_map(|s| s.fields.iter())
    }

    pub fn is_empty(&self) -> bool {
        self.sections.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionDef {
    /// A short identifier ("A", "oekonomi").
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub help: String,
    pub fields: Vec<FieldSpec>,
}

/// One field: its name (the key in the API's `fields` and in the stored form), its Danish label
/// and help text, its kind from the palette, and when it must be filled in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    /// Lower-case letters, digits and underscores.
    pub name: String,
    pub label: String,
    #[serde(default)]
    pub help: String,
    pub kind: FieldKind,
    #[serde(default)]
    pub required: Required,
    /// Required before submitting when another field has a value (or a given value).
    #[serde(default)]
    pub required_when: Option<Condition>,
    /// The choices of a `choice` or `multi_choice` field, when given in the definition.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// The choices taken from the unit's own lists instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options_from: Option<OptionSource>,
    /// For `people`: the roles the persons can have ("afdelingslæge", "projektleder").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    /// For text: the most characters accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
}

/// The palette of field kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// One line of text.
    Text,
    /// Free text over several lines.
    LongText,
    /// An amount in kroner, stored in øre.
    Amount,
    Date,
    /// A start and an end date.
    Period,
    Choice,
    MultiChoice,
    /// Named persons, each with one of the field's roles.
    People,
    /// An organisation from the register (a hospital, a department, a practice).
    Organisation,
    Attachment,
}

impl FieldKind {
    pub fn label_da(self) -> &'static str {
        match self {
            FieldKind::Text => "kort tekst",
            FieldKind::LongText => "lang tekst",
            FieldKind::Amount => "beløb",
            FieldKind::Date => "dato",
            FieldKind::Period => "periode",
            FieldKind::Choice => "valg",
            FieldKind::MultiChoice => "flere valg",
            FieldKind::People => "personer",
            FieldKind::Organisation => "organisation",
            FieldKind::Attachment => "bilag",
        }
    }

    /// Whether the kind chooses from options.
    pub fn has_options(self) -> bool {
        matches!(self, FieldKind::Choice | FieldKind::MultiChoice)
    }
}

/// When a field must be filled in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Required {
    /// Never.
    #[default]
    Never,
    /// Always, even in a draft.
    Always,
    /// Before the application is submitted.
    Submit,
}

impl Required {
    pub fn label_da(self) -> &'static str {
        match self {
            Required::Never => "frivilligt",
            Required::Always => "skal altid udfyldes",
            Required::Submit => "skal udfyldes før indsendelse",
        }
    }
}

/// Where a choice field's options come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OptionSource {
    /// The unit's priority areas.
    Areas,
    /// The unit's supplement tiers.
    Tiers,
    /// The unit's hospitals.
    Hospitals,
}

/// A condition on another field of the same form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub field: String,
    /// The value the other field must have; left out, any value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<String>,
}
