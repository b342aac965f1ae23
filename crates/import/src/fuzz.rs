//! Entry points for fuzzing: each takes arbitrary bytes, runs one parser, and must never panic
//! (errors are the expected outcome for most inputs). Used by the mutational test in
//! `tests/fuzz.rs` and by the cargo-fuzz targets in `fuzz/`.

use crate::{areas, extract, form, trials, word, Limits};

/// Limits for fuzzing: small enough that one input stays fast.
fn limits() -> Limits {
    Limits {
        max_file_bytes: 2_000_000,
        max_uncompressed_bytes: 5_000_000,
        max_entries: 200,
        max_seconds: 10,
        ocr: false,
    }
}

/// Text of any file named as a PDF.
pub fn pdf(data: &[u8]) {
    let _ = extract::extract_text("fuzz.pdf", data, &limits());
}

/// Text of any file named as a Word document, as text and as the form reader's lines.
pub fn docx(data: &[u8]) {
    let _ = extract::extract_text("fuzz.docx", data, &limits());
    if let Ok(doc) = extract::extract_document("fuzz.docx", data, &limits()) {
        let _ = form::parse_document("fuzz.docx", &doc, &areas::MIDTJYLLAND);
    }
}

/// The Word body reader (tables, merged cells, text boxes, content controls, struck runs) on
/// arbitrary XML (lossily decoded), without the ZIP around it.
pub fn word_xml(data: &[u8]) {
    let xml = String::from_utf8_lossy(data);
    let _ = word::document_lines(&xml);
}

/// A saved e-mail: MIME parts, transfer encodings, character sets and attachments, then the
/// form recogniser on its text.
pub fn mail(data: &[u8]) {
    if let Ok(doc) = extract::extract_document("fuzz.eml", data, &limits()) {
        let _ = form::parse_document("fuzz.eml", &doc, &areas::MIDTJYLLAND);
    }
}

/// An Outlook message file: the compound file, its property streams and attachments, then the
/// form recogniser on its text.
pub fn msg(data: &[u8]) {
    if let Ok(doc) = extract::extract_document("fuzz.msg", data, &limits()) {
        let _ = form::parse_document("fuzz.msg", &doc, &areas::MIDTJYLLAND);
    }
}

/// Plain text decoding.
pub fn text(data: &[u8]) {
    let _ = extract::extract_text("fuzz.txt", data, &limits());
}

/// OCR's output: Tesseract's TSV (lossily decoded) read as a scanned document's lines with
/// their words' confidences, then every agreement in it with the confidences applied.
pub fn ocr_output(data: &[u8]) {
    let tsv = String::from_utf8_lossy(data);
    let recognised = crate::ocr::Recognised {
        lines: crate::ocr::from_tsv(&tsv),
    };
    let doc = extract::scanned(&recognised);
    let _ = form::parse_document("fuzz.tif", &doc, &areas::MIDTJYLLAND);
}

/// The form recogniser on arbitrary text (lossily decoded): every agreement in it.
pub fn form(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = form::parse_forms("fuzz.txt", &text);
}

/// The CSV trial-list reader.
pub fn csv(data: &[u8]) {
    let _ = trials::parse_csv("fuzz.csv", data, &areas::NORDJYLLAND);
}

/// The XLSX trial-list reader.
pub fn xlsx(data: &[u8]) {
    let _ = trials::parse_xlsx("fuzz.xlsx", data, &limits(), &areas::NORDJYLLAND);
}

/// The report-table trial-list reader on arbitrary text.
pub fn trial_table(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = trials::parse_trial_table("fuzz.txt", &text, &areas::NORDJYLLAND);
}
