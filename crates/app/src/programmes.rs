//! Programme definitions: read from a file, installed, and written out again — for moving a
//! set-up from a test to a production installation (`pulje programme import|export`) and for
//! the API's `GET /api/v1/programmes/{id}/definition`.

use crate::{Error, Result};
use pulje_domain::programme::Definition;
use pulje_store::definitions::{self, Installed};
use pulje_store::{Actor, Handle};

/// How a definition is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Toml,
    Json,
}

impl Format {
    pub fn parse(text: &str) -> Option<Format> {
        match text.trim().to_ascii_lowercase().as_str() {
            "toml" => Some(Format::Toml),
            "json" => Some(Format::Json),
            _ => None,
        }
    }

    /// A file's format by its name: `.json` is JSON, anything else TOML.
    pub fn of_file(name: &str) -> Format {
        if name.to_ascii_lowercase().ends_with(".json") {
            Format::Json
        } else {
            Format::Toml
        }
    }
}

/// Reads and checks a definition; every problem is named, one per line, in the error.
pub fn read(text: &str, format: Format) -> Result<Definition> {
    let read = match format {
        Format::Toml => Definition::from_toml(text),
        Format::Json => Definition::from_json(text),
    };
    read.map_err(|problems| {
        Error::Invalid(
            problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
        )
    })
}

/// The definition written out.
pub fn write(def: &Definition, format: Format) -> String {
    match format {
        Format::Toml => def.to_toml(),
        // A definition is strings, numbers, lists and tables: it always encodes.
        Format::Json => serde_json::to_string_pretty(def).unwrap_or_default(),
    }
}

/// Installs a checked definition in one transaction (see `pulje_store::definitions::install`).
pub async fn install(db: &mut Handle, actor: &Actor, def: &Definition) -> Result<Installed> {
    let mut tx = db.begin().await?;
    let installed = definitions::install(&mut tx, actor, def).await?;
    tx.commit().await?;
    Ok(installed)
}

/// The programme's newest definition.
pub async fn definition(db: &mut Handle, programme_id: &str) -> Result<Definition> {
    let mut conn = db.conn().await?;
    definitions::latest(&mut conn, programme_id)
        .await?
        .ok_or(Error::NotFound)
}
