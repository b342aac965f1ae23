//! `pulje programme import|export`: a programme's definition file into the database and out
//! again, for moving a set-up from a test to a production installation.

use anyhow::{bail, Context};
use clap::Subcommand;
use pulje_app::programmes::{self, Format};
use pulje_domain::programme::MAX_FILE_BYTES;
use pulje_store::{Actor, Db};
use std::io::Read;

#[derive(Subcommand)]
pub enum ProgrammeCommand {
    /// Read a definition file (TOML, or JSON when the name ends in .json), check it and store
    /// it: a new programme is set up from it, a known one gets it as its newest version.
    Import {
        /// The definition file.
        file: String,
    },
    /// Write a programme's newest definition.
    Export {
        /// The programme's id, e.g. ok21.
        #[arg(long)]
        programme: String,
        /// toml or json.
        #[arg(long, default_value = "toml")]
        format: String,
        /// The file to write; standard output without it.
        #[arg(long)]
        output: Option<String>,
    },
}

pub async fn run(command: ProgrammeCommand, db: &Db) -> anyhow::Result<()> {
    let mut handle = db.handle();
    match command {
        ProgrammeCommand::Import { file } => {
            let text = read_bounded(&file)?;
            let def = programmes::read(&text, Format::of_file(&file)).map_err(|e| match e {
                pulje_app::Error::Invalid(problems) => {
                    anyhow::anyhow!("{file} kan ikke bruges:\n{problems}")
                }
                e => message(e),
            })?;
            let done = programmes::install(&mut handle, &Actor::system("cli"), &def)
                .await
                .map_err(message)?;
            if done.set_up {
                println!(
                    "Programmet «{}» ({}) er oprettet fra version {}.",
                    def.name, done.programme_id, done.version
                );
            } else {
                println!(
                    "Programmet «{}» ({}) har fået version {}; den gælder nye ansøgninger.",
                    def.name, done.programme_id, done.version
                );
            }
            Ok(())
        }
        ProgrammeCommand::Export {
            programme,
            format,
            output,
        } => {
            let format = Format::parse(&format)
                .with_context(|| format!("ukendt format «{format}» (brug toml eller json)"))?;
            let def = programmes::definition(&mut handle, &programme)
                .await
                .map_err(|e| match e {
                    pulje_app::Error::NotFound => {
                        anyhow::anyhow!(
                            "programmet «{programme}» findes ikke eller har ingen definition"
                        )
                    }
                    e => message(e),
                })?;
            let text = programmes::write(&def, format);
            match output {
                Some(path) => std::fs::write(&path, text)
                    .with_context(|| format!("kan ikke skrive {path}"))?,
                None => print!("{text}"),
            }
            Ok(())
        }
    }
}

/// The file's text, refused when larger than a definition may be.
fn read_bounded(file: &str) -> anyhow::Result<String> {
    let f = std::fs::File::open(file).with_context(|| format!("kan ikke åbne {file}"))?;
    let mut bytes = Vec::new();
    f.take(MAX_FILE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("kan ikke læse {file}"))?;
    if bytes.len() > MAX_FILE_BYTES {
        bail!(
            "{file} er for stor; en programdefinition må højst fylde {} KB",
            MAX_FILE_BYTES / 1024
        );
    }
    String::from_utf8(bytes).with_context(|| format!("{file} er ikke tekst i UTF-8"))
}

/// A use case's refusal as the CLI's message.
fn message(e: pulje_app::Error) -> anyhow::Error {
    match e {
        pulje_app::Error::Invalid(m)
        | pulje_app::Error::Conflict(m)
        | pulje_app::Error::Forbidden(m) => anyhow::anyhow!(m),
        pulje_app::Error::NotFound => anyhow::anyhow!("findes ikke"),
        pulje_app::Error::Internal(e) => e,
    }
}
