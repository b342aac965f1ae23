//! `pulje import …`: reads agreement forms and trial lists from files with `pulje-import`.
//! With `--json` the results are printed and nothing is stored; without it each form becomes an
//! imported draft and a trial list the region's historic trials, one transaction per file
//! (`pulje_app::imports`, the same path as the upload pages).

use anyhow::bail;
use clap::Subcommand;
use pulje_domain::RegionCode;
use pulje_import::{areas, form::FormExtract, ImportError, Limits, TrialList};

#[derive(Subcommand)]
pub enum ImportCommand {
    /// Read agreement forms ("Skema til brug for aftale af regionale forsøg") from PDF, DOCX,
    /// e-mail (.eml), text or scanned (PNG, JPEG, TIFF; read with Tesseract) files; a file may
    /// hold several agreements, each stored as its own draft. With --json: one JSON object per line (JSON Lines), one line per agreement found,
    /// in the order given; each has the key "file" and the contract's keys.
    Form {
        /// Print the results as JSON instead of storing them.
        #[arg(long)]
        json: bool,
        /// Region code 1081–1085 the drafts belong to; without it, each form's region is read
        /// from its A1 hospital.
        #[arg(long)]
        region: Option<String>,
        /// The programme the drafts belong to.
        #[arg(long, default_value = "ok21")]
        programme: String,
        /// Largest file accepted, in bytes.
        #[arg(long, env = "PULJE_MAX_UPLOAD_BYTES", default_value_t = 20_000_000)]
        max_file_bytes: u64,
        #[arg(required = true, value_name = "FILE")]
        files: Vec<String>,
    },
    /// Read a list of trials from a CSV or XLSX file, or from the overview table of a report
    /// (PDF, DOCX or text). With --json: a JSON array of rows; warnings go to standard error.
    Trials {
        /// Print the rows as JSON instead of storing them.
        #[arg(long)]
        json: bool,
        /// Region code 1081–1085: whose trials they are, and whose area names the rows' areas
        /// are matched to (needed to store them; with --json the default is all known names).
        #[arg(long)]
        region: Option<String>,
        /// The programme the trials belong to.
        #[arg(long, default_value = "ok21")]
        programme: String,
        /// Largest file accepted, in bytes.
        #[arg(long, env = "PULJE_MAX_UPLOAD_BYTES", default_value_t = 20_000_000)]
        max_file_bytes: u64,
        #[arg(value_name = "FILE")]
        file: String,
    },
}

/// Reads each file's agreement forms; one result per file, in order, holding its agreements.
pub fn read_forms(
    files: &[String],
    limits: &Limits,
) -> Vec<(String, Result<Vec<FormExtract>, ImportError>)> {
    files
        .iter()
        .map(|path| {
            let name = display_name(path);
            let result = match std::fs::read(path) {
                Ok(bytes) => pulje_import::read_forms(&name, &bytes, limits),
                Err(e) => Err(unreadable(&name, &e)),
            };
            (path.clone(), result)
        })
        .collect()
}

/// Reads one file as a list of trials, matching areas to the region's names.
pub fn read_trial_list(
    path: &str,
    region: Option<RegionCode>,
    limits: &Limits,
) -> Result<TrialList, ImportError> {
    let name = display_name(path);
    let bytes = std::fs::read(path).map_err(|e| unreadable(&name, &e))?;
    let known: Vec<&str> = match region {
        Some(r) => areas::for_region(r.code()).to_vec(),
        None => areas::NORDJYLLAND
            .iter()
            .chain(areas::MIDTJYLLAND.iter())
            .copied()
            .collect(),
    };
    pulje_import::read_trials(&name, &bytes, limits, &known)
}

fn display_name(path: &str) -> String {
    std::path::Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.to_string())
}

fn unreadable(name: &str, e: &std::io::Error) -> ImportError {
    let reason = match e.kind() {
        std::io::ErrorKind::NotFound => "den findes ikke".to_string(),
        std::io::ErrorKind::PermissionDenied => "adgang nægtet".to_string(),
        _ => e.to_string(),
    };
    ImportError::new(name, pulje_import::ErrorKind::Unreadable { reason })
}

/// Writes to standard output; a closed pipe (`| head`) ends the output quietly.
fn emit(out: &mut impl std::io::Write, text: &str) -> anyhow::Result<bool> {
    match writeln!(out, "{text}") {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(false),
        Err(e) => Err(e.into()),
    }
}

fn region_of(region: Option<&str>) -> anyhow::Result<Option<RegionCode>> {
    region
        .map(|r| {
            RegionCode::parse(r)
                .ok_or_else(|| anyhow::anyhow!("ukendt regionskode «{r}» (brug 1081–1085)"))
        })
        .transpose()
}

/// The content type a stored original is served with, from its name.
fn content_type(name: &str) -> &'static str {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".pdf") {
        "application/pdf"
    } else if lower.ends_with(".docx") {
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    } else if lower.ends_with(".txt") {
        "text/plain; charset=utf-8"
    } else if lower.ends_with(".eml") {
        "message/rfc822"
    } else if lower.ends_with(".png") {
        "image/png"
    } else if lower.ends_with(".jpg") || lower.ends_with(".jpeg") {
        "image/jpeg"
    } else if lower.ends_with(".tif") || lower.ends_with(".tiff") {
        "image/tiff"
    } else {
        "application/octet-stream"
    }
}

pub async fn run(command: ImportCommand, database: &str) -> anyhow::Result<()> {
    match command {
        ImportCommand::Form {
            json: false,
            region,
            programme,
            max_file_bytes,
            files,
        } => {
            // Without --region each form's region is read from its A1 hospital.
            let region = region_of(region.as_deref())?;
            let limits = Limits {
                max_file_bytes,
                ..Limits::default()
            };
            let db = crate::open(database).await?;
            let actor = pulje_store::Actor::system("cli");
            let mut failed = 0;
            for path in &files {
                let name = display_name(path);
                let bytes = match std::fs::read(path) {
                    Ok(b) => b,
                    Err(e) => {
                        failed += 1;
                        eprintln!("{}", unreadable(&name, &e));
                        continue;
                    }
                };
                let region_code = match region {
                    Some(r) => Ok(r),
                    None => {
                        pulje_app::imports::infer_region(&mut db.handle(), &name, &bytes, &limits)
                            .await
                    }
                };
                let stored = match region_code {
                    Ok(region_code) => {
                        let to = pulje_app::imports::Destination {
                            programme_id: &programme,
                            region_code,
                            created_by: None,
                            doctor_user_id: None,
                        };
                        pulje_app::imports::import_forms(
                            &mut db.handle(),
                            &actor,
                            &to,
                            &name,
                            content_type(&name),
                            bytes,
                            &limits,
                        )
                        .await
                        .map(|done| (done, region_code))
                    }
                    Err(e) => Err(e),
                };
                match stored {
                    Ok((drafts, region_code)) => {
                        let region_name = region_code.name();
                        for done in &drafts {
                            println!(
                                "«{name}»: gemt som kladde nr. {} «{}» i {region_name}",
                                done.application_id, done.title
                            );
                            for w in &done.warnings {
                                println!("  kontrollér: {w}");
                            }
                        }
                    }
                    Err(pulje_app::imports::ImportFailure::File(message)) => {
                        failed += 1;
                        eprintln!("{message}");
                    }
                    Err(pulje_app::imports::ImportFailure::Store(e)) => {
                        db.close().await;
                        return Err(
                            anyhow::Error::new(e).context(format!("«{name}» blev ikke gemt"))
                        );
                    }
                }
            }
            db.close().await;
            if failed > 0 {
                bail!("{failed} af {} filer kunne ikke indlæses", files.len());
            }
            Ok(())
        }
        ImportCommand::Trials {
            json: false,
            region,
            programme,
            max_file_bytes,
            file,
        } => {
            let Some(region) = region_of(region.as_deref())? else {
                bail!("angiv regionen med --region (1081–1085) for at gemme forsøgene, eller brug --json");
            };
            let limits = Limits {
                max_file_bytes,
                ..Limits::default()
            };
            let name = display_name(&file);
            let bytes =
                std::fs::read(&file).map_err(|e| anyhow::anyhow!("{}", unreadable(&name, &e)))?;
            let db = crate::open(database).await?;
            let result = pulje_app::imports::import_trials(
                &mut db.handle(),
                &pulje_store::Actor::system("cli"),
                &programme,
                region,
                &name,
                bytes,
                &limits,
            )
            .await;
            db.close().await;
            match result {
                Ok(done) => {
                    for w in &done.warnings {
                        eprintln!("advarsel: {w}");
                    }
                    println!(
                        "«{name}»: {} forsøg gemt for {} ({} nye, {} opdaterede)",
                        done.rows,
                        region.name(),
                        done.added,
                        done.updated
                    );
                    Ok(())
                }
                Err(pulje_app::imports::ImportFailure::File(message)) => bail!("{message}"),
                Err(pulje_app::imports::ImportFailure::Store(e)) => {
                    Err(anyhow::Error::new(e).context(format!("«{name}» blev ikke gemt")))
                }
            }
        }
        json_only => print_json(json_only),
    }
}

/// `--json`: read and print, without a database.
fn print_json(command: ImportCommand) -> anyhow::Result<()> {
    match command {
        ImportCommand::Form {
            files,
            max_file_bytes,
            ..
        } => {
            let limits = Limits {
                max_file_bytes,
                ..Limits::default()
            };
            let results = read_forms(&files, &limits);
            let mut failed = 0;
            let mut out = std::io::stdout().lock();
            for (path, result) in &results {
                match result {
                    Ok(extracts) => {
                        // One line per agreement: "file" first, then the contract's keys in the
                        // contract's order.
                        for extract in extracts {
                            let fields = serde_json::to_string(extract)?;
                            let line = format!(
                                "{{\"file\":{},{}",
                                serde_json::to_string(path)?,
                                &fields[1..]
                            );
                            if !emit(&mut out, &line)? {
                                return Ok(());
                            }
                        }
                    }
                    Err(e) => {
                        failed += 1;
                        eprintln!("{e}");
                    }
                }
            }
            if failed > 0 {
                bail!("{failed} af {} filer kunne ikke læses", results.len());
            }
            Ok(())
        }
        ImportCommand::Trials {
            region,
            programme,
            max_file_bytes,
            file,
            ..
        } => {
            let region = region_of(region.as_deref())?;
            if programme.trim().is_empty() {
                bail!("angiv et program med --programme (fx ok21)");
            }
            let limits = Limits {
                max_file_bytes,
                ..Limits::default()
            };
            let list =
                read_trial_list(&file, region, &limits).map_err(|e| anyhow::anyhow!("{e}"))?;
            for w in &list.warnings {
                eprintln!("advarsel: {w}");
            }
            emit(
                &mut std::io::stdout().lock(),
                &serde_json::to_string_pretty(&list.rows)?,
            )?;
            Ok(())
        }
    }
}
