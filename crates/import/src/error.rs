//! The one error type of the import crate: which file, and what is wrong with it, in Danish.

use std::fmt;

/// What went wrong. The message shown to a person is the `Display` of [`ImportError`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// The file is larger than `Limits::max_file_bytes`.
    TooLarge { limit: u64 },
    /// The file has no content at all.
    Empty,
    /// A PDF protected by a password or encryption.
    Encrypted,
    /// Looks like (or is named) a PDF, but cannot be parsed as one.
    InvalidPdf,
    /// Looks like (or is named) a DOCX, but is not a readable Word document.
    InvalidDocx,
    /// Looks like (or is named) an XLSX, but is not a readable workbook.
    InvalidSpreadsheet,
    /// An archive that unpacks to more than `Limits::max_uncompressed_bytes`.
    Unpacked { limit: u64 },
    /// An archive with more entries than any real document has.
    TooManyEntries { limit: usize },
    /// Binary content, whatever its name says.
    NotText,
    /// A format we do not read (e.g. an old .doc or .xls, an image).
    Unsupported { what: String },
    /// A parser took longer than `Limits::max_seconds`.
    Timeout { seconds: u64 },
    /// A third-party parser gave up on the file (it panicked, which we caught).
    Damaged,
    /// A PDF with no extractable text (e.g. a scan without OCR).
    NoText,
    /// A scan (an image, or a PDF of page images) while Tesseract or its Danish model is not
    /// installed.
    OcrUnavailable,
    /// A required column is missing from a trial list.
    MissingColumn { column: String },
    /// The text does not look like the agreement form.
    NotAForm,
    /// No trial rows were found.
    NoTrials,
    /// The file could not be opened or read at all (reported by the caller that reads files).
    Unreadable { reason: String },
}

/// An import failure: the file's name and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    pub file_name: String,
    pub kind: ErrorKind,
}

impl ImportError {
    pub fn new(file_name: &str, kind: ErrorKind) -> Self {
        ImportError {
            file_name: file_name.to_string(),
            kind,
        }
    }
}

/// Bytes as megabytes for a message: "20 MB", "1,5 MB".
pub(crate) fn megabytes(bytes: u64) -> String {
    if bytes.is_multiple_of(1_000_000) {
        format!("{} MB", bytes / 1_000_000)
    } else if bytes >= 100_000 {
        format!("{:.1} MB", bytes as f64 / 1_000_000.0).replace('.', ",")
    } else {
        format!("{bytes} bytes")
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = &self.file_name;
        match &self.kind {
            ErrorKind::TooLarge { limit } => write!(
                f,
                "Filen «{name}» er større end grænsen på {}.",
                megabytes(*limit)
            ),
            ErrorKind::Empty => write!(f, "Filen «{name}» er tom."),
            ErrorKind::Encrypted => {
                write!(f, "Filen «{name}» er krypteret og kan ikke læses.")
            }
            ErrorKind::InvalidPdf => write!(f, "Filen «{name}» er ikke en gyldig PDF-fil."),
            ErrorKind::InvalidDocx => {
                write!(f, "Filen «{name}» er ikke et gyldigt Word-dokument (DOCX).")
            }
            ErrorKind::InvalidSpreadsheet => {
                write!(f, "Filen «{name}» er ikke et gyldigt regneark (XLSX).")
            }
            ErrorKind::Unpacked { limit } => write!(
                f,
                "Filen «{name}» fylder mere end grænsen på {} når den pakkes ud, og læses derfor ikke.",
                megabytes(*limit)
            ),
            ErrorKind::TooManyEntries { limit } => write!(
                f,
                "Filen «{name}» indeholder mere end {limit} dele og læses derfor ikke."
            ),
            ErrorKind::NotText => write!(
                f,
                "Filen «{name}» ligner ikke tekst (den indeholder binære data)."
            ),
            ErrorKind::Unsupported { what } => write!(
                f,
                "Filen «{name}» kan ikke læses: {what}. Brug PDF, DOCX, TXT, EML, CSV eller XLSX."
            ),
            ErrorKind::Timeout { seconds } => write!(
                f,
                "Filen «{name}» kunne ikke læses inden for {seconds} sekunder og er opgivet."
            ),
            ErrorKind::Damaged => write!(
                f,
                "Filen «{name}» er beskadiget og kan ikke læses."
            ),
            ErrorKind::NoText => write!(
                f,
                "Filen «{name}» indeholder ingen tekst, der kan læses (er den en scanning uden tekstgenkendelse?)."
            ),
            ErrorKind::OcrUnavailable => write!(
                f,
                "Filen «{name}» er en scanning, og tekstgenkendelse (Tesseract med dansk sprogmodel) er ikke installeret på serveren, så den kan ikke læses. Indlæs skemaet som Word, PDF med tekst eller tekst, eller bed driften installere Tesseract."
            ),
            ErrorKind::MissingColumn { column } => {
                write!(f, "Kolonnen «{column}» mangler i «{name}».")
            }
            ErrorKind::NotAForm => write!(
                f,
                "Filen «{name}» ligner ikke et skema til aftale af regionale forsøg (ingen af skemaets felter blev fundet)."
            ),
            ErrorKind::Unreadable { reason } => {
                write!(f, "Filen «{name}» kan ikke åbnes: {reason}.")
            }
            ErrorKind::NoTrials => write!(
                f,
                "Filen «{name}» indeholder ingen liste over forsøg, der kan læses."
            ),
        }
    }
}

impl std::error::Error for ImportError {}
