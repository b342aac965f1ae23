//! Schemas of the domain's vocabularies for the API's OpenAPI document (`schema_with = …`),
//! built from the domain's own lists so that the document cannot drift from what is sent.

use pulje_domain::evaluation::{CareerTrack, Challenge, PurposesMet, Recommendation, TrialType};
use pulje_domain::{ApplicationStatus, Role};
use utoipa::openapi::schema::{ArrayBuilder, Object, ObjectBuilder, SchemaType, Type};

/// A string that is one of `values`, or also `null` when `nullable`.
fn one_of(values: &[&'static str], nullable: bool, description: &str) -> Object {
    let mut enum_values: Vec<serde_json::Value> = values.iter().map(|v| (*v).into()).collect();
    let schema_type = if nullable {
        enum_values.push(serde_json::Value::Null);
        SchemaType::from_iter([Type::String, Type::Null])
    } else {
        SchemaType::Type(Type::String)
    };
    ObjectBuilder::new()
        .schema_type(schema_type)
        .enum_values(Some(enum_values))
        .description(Some(description))
        .build()
}

/// A region's official code, 1081–1085 (or `null`).
fn region_code(nullable: bool) -> Object {
    let schema_type = if nullable {
        SchemaType::from_iter([Type::Integer, Type::Null])
    } else {
        SchemaType::Type(Type::Integer)
    };
    ObjectBuilder::new()
        .schema_type(schema_type)
        .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
            utoipa::openapi::KnownFormat::Int64,
        )))
        .minimum(Some(1081))
        .maximum(Some(1085))
        .description(Some(
            "Region code: 1081 Nordjylland, 1082 Midtjylland, 1083 Syddanmark, 1084 Hovedstaden, 1085 Sjælland",
        ))
        .build()
}

pub fn region() -> Object {
    region_code(false)
}

/// A region code, or `null` for the national roles.
pub fn region_or_null() -> Object {
    region_code(true)
}

pub fn role() -> Object {
    let values: Vec<&'static str> = Role::ALL.iter().map(|r| r.as_str()).collect();
    one_of(&values, false, "The user's role")
}

pub fn status() -> Object {
    let values: Vec<&'static str> = ApplicationStatus::ALL.iter().map(|s| s.as_str()).collect();
    one_of(&values, false, "The application's status")
}

pub fn purposes_met() -> Object {
    let values: Vec<&'static str> = PurposesMet::ALL.iter().map(|v| v.as_str()).collect();
    one_of(&values, true, "Whether the trial met its purposes")
}

pub fn recommendation() -> Object {
    let values: Vec<&'static str> = Recommendation::ALL.iter().map(|v| v.as_str()).collect();
    one_of(&values, true, "What the evaluation recommends")
}

pub fn career_track() -> Object {
    let values: Vec<&'static str> = CareerTrack::ALL.iter().map(|v| v.as_str()).collect();
    one_of(&values, true, "The career track the trial points to")
}

pub fn trial_type() -> Object {
    let values: Vec<&'static str> = TrialType::ALL.iter().map(|v| v.as_str()).collect();
    one_of(
        &values,
        true,
        "Individual and local, or cross-cutting and organisational",
    )
}

pub fn challenges() -> utoipa::openapi::schema::Array {
    let values: Vec<&'static str> = Challenge::ALL.iter().map(|v| v.as_str()).collect();
    ArrayBuilder::new()
        .items(one_of(&values, false, "A challenge the trial met"))
        .build()
}

/// The kind of a catalogue entry.
pub fn catalogue_kind() -> Object {
    one_of(
        &["application", "historic"],
        false,
        "`application` (a pulje agreement) or `historic` (an imported trial)",
    )
}
