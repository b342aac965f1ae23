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
pub mod text;
pub mod trials;

pub use error::{ErrorKind, ImportError};
pub use extract::{extract_text, Limits};
pub use form::{parse_form, Confidence, FieldEvidence, FormExtract};
pub use trials::{read_trials, TrialList, TrialRow};

/// Reads an agreement form from a file: text extraction, then recognition.
pub fn read_form(
    file_name: &str,
    bytes: &[u8],
    limits: &Limits,
) -> Result<FormExtract, ImportError> {
    let text = extract_text(file_name, bytes, limits)?;
    parse_form(file_name, &text)
}
