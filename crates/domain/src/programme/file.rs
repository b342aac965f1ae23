//! Reading a definition file: civil dates written as text, and the reader's errors in Danish with
//! the place they are about.

use super::check::Problem;
use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A civil date written `ÅÅÅÅ-MM-DD` (quoted, in TOML).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(pub NaiveDate);

impl Day {
    pub fn date(self) -> NaiveDate {
        self.0
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

impl Serialize for Day {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Day, D::Error> {
        let text = String::deserialize(d)?;
        NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .map(Day)
            .map_err(|_| {
                serde::de::Error::custom(format!(
                    "«{text}» er ikke en dato; skriv den som ÅÅÅÅ-MM-DD i anførselstegn"
                ))
            })
    }
}

pub(super) fn too_large(text: &str) -> Result<(), Vec<Problem>> {
    if text.len() > super::MAX_FILE_BYTES {
        return Err(vec![Problem::new(
            "filen",
            format!(
                "er {} KB; en programdefinition må højst fylde {} KB.",
                text.len() / 1024,
                super::MAX_FILE_BYTES / 1024
            ),
        )]);
    }
    Ok(())
}

/// A TOML reader's error as a Danish problem with its line and column.
pub(super) fn toml_problem(text: &str, e: &toml::de::Error) -> Problem {
    let place = match e.span() {
        Some(span) if span.start > 0 => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("linje {line}, kolonne {column}")
        }
        _ => "filen".to_string(),
    };
    Problem::new(place, danish(e.message()))
}

/// A JSON reader's error as a Danish problem with the path of the value.
pub(super) fn json_problem(e: &serde_path_to_error::Error<serde_json::Error>) -> Problem {
    let path = e.path().to_string();
    let place = if path == "." || path.is_empty() {
        let inner = e.inner();
        format!("linje {}, kolonne {}", inner.line(), inner.column())
    } else {
        path
    };
    let message = e.inner().to_string();
    // serde_json adds " at line L column C", already given by the place.
    let message = message
        .rsplit_once(" at line ")
        .map_or(message.as_str(), |(m, _)| m);
    Problem::new(place, danish(message))
}

/// The reader's messages in Danish: the common ones translated, the names kept; a message that
/// is already Danish (from [`Day`]) is kept as it is.
fn danish(message: &str) -> String {
    let message = message.trim();
    let quoted = |m: &str| m.split('`').nth(1).map(str::to_string).unwrap_or_default();
    let known = |m: &str| {
        m.split_once("expected one of ")
            .map(|(_, rest)| format!(" Kendte nøgler: {}.", rest.replace('`', "")))
            .unwrap_or_default()
    };
    if message.starts_with("unknown field") {
        format!("ukendt nøgle «{}».{}", quoted(message), known(message))
    } else if message.starts_with("missing field") {
        format!("nøglen «{}» mangler.", quoted(message))
    } else if message.starts_with("unknown variant") {
        format!(
            "ukendt værdi «{}».{}",
            quoted(message),
            message
                .split_once("expected one of ")
                .or_else(|| message.split_once("expected "))
                .map(|(_, rest)| format!(" Mulige værdier: {}.", rest.replace('`', "")))
                .unwrap_or_default()
        )
    } else if message.starts_with("invalid type") {
        format!(
            "forkert type ({}).",
            types(message.trim_start_matches("invalid type: "))
        )
    } else if message.starts_with("duplicate key") {
        format!("nøglen «{}» står to gange.", quoted(message))
    } else if message.starts_with("invalid value") {
        format!(
            "ugyldig værdi ({}).",
            message.trim_start_matches("invalid value: ")
        )
    } else if message.contains(" er ikke en ") {
        // Our own messages (a date, an actor) are Danish already.
        format!("{message}.")
    } else {
        format!("filen kan ikke læses: {message}")
    }
}

/// The reader's names of types in Danish.
fn types(detail: &str) -> String {
    let mut out = detail.replace(", expected ", ", forventede ");
    for (english, danish) in [
        ("a string", "tekst"),
        ("string ", "tekst "),
        ("integer ", "tal "),
        ("u32", "et helt tal"),
        ("i64", "et helt tal"),
        ("a sequence", "en liste"),
        ("sequence", "liste"),
        ("a boolean", "sand eller falsk"),
        ("boolean ", "sand/falsk "),
        ("map", "en tabel"),
    ] {
        out = out.replace(english, danish);
    }
    out
}
