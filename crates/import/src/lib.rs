//! pulje-import: reads what regions already have — agreement forms (PDF, DOCX, text) and lists
//! of trials (CSV, XLSX, or the table in an evaluation report) — into structured data for
//! review. Pure functions: bytes in, values, warnings or a Danish error out; no database.
//!
//! - [`extract::extract_text`]: text out of a PDF, DOCX or text file, guarded against damaged,
//!   encrypted, oversized and hostile files.
//! - [`form::parse_form`]: the agreement form "Skema til brug for aftale af regionale forsøg".
//! - [`trials::read_trials`]: a list of trials from CSV, XLSX or a report's table.
//! - [`fuzz`]: one never-panicking entry point per parser, for fuzzing.

pub mod application;
pub mod areas;
pub mod error;
pub mod extract;
pub mod form;
pub mod fuzz;
pub mod mail;
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
