//! pulje-import: reads what regions already have — agreement forms (PDF, DOCX, e-mail, text,
//! scans) and lists of trials (CSV, XLSX, or the table in an evaluation report) — into
//! structured data for review. Pure functions (OCR aside, which runs Tesseract): bytes in,
//! values, warnings or a Danish error out; no database.
//!
//! - [`extract::extract_document`]: a file's lines with where each stood (page and line, table
//!   row and cell, e-mail or attachment), guarded against damaged, encrypted, oversized and
//!   hostile files; [`extract::extract_text`] the plain text (for trial tables).
//! - [`word`], [`mail`], [`ocr`]: Word bodies, saved e-mails, scans.
//! - [`form::parse_document`]: every agreement form "Skema til brug for aftale af regionale
//!   forsøg" in a document, each field with its evidence; [`supplement`] chooses B6's answer.
//! - [`trials::read_trials`]: a list of trials from CSV, XLSX or a report's table.
//! - [`fuzz`]: one never-panicking entry point per parser, for fuzzing.

pub mod application;
pub mod areas;
pub mod error;
pub mod extract;
pub mod form;
pub mod fuzz;
pub mod mail;
pub mod msg;
pub mod ocr;
pub mod supplement;
pub mod text;
pub mod trials;
pub mod word;

pub use error::{ErrorKind, ImportError};
pub use extract::{extract_document, extract_text, Document, Limits};
pub use form::{parse_document, parse_form, parse_forms, Confidence, FieldEvidence, FormExtract};
pub use trials::{read_trials, TrialList, TrialRow};

/// Reads an agreement form from a file: text extraction, then recognition. A file holding
/// several agreements gives the first ([`read_forms`] gives them all).
pub fn read_form(
    file_name: &str,
    bytes: &[u8],
    limits: &Limits,
) -> Result<FormExtract, ImportError> {
    Ok(read_forms(file_name, bytes, limits)?.swap_remove(0))
}

/// Reads every agreement form in a file (a file may hold several, e.g. a Word document or an
/// e-mail with two agreements), using Region Midtjylland's area names.
pub fn read_forms(
    file_name: &str,
    bytes: &[u8],
    limits: &Limits,
) -> Result<Vec<FormExtract>, ImportError> {
    let doc = extract_document(file_name, bytes, limits)?;
    parse_document(file_name, &doc, &areas::MIDTJYLLAND)
}
