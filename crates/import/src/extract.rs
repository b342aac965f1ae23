//! Text out of an uploaded file: PDF, DOCX or plain text, chosen by the file's content first and
//! its name second. Every third-party parser runs under [`guarded`]: a panic becomes an error,
//! and a parser that takes too long is abandoned.

use crate::error::{ErrorKind, ImportError};
use std::io::{Cursor, Read};
use std::time::Duration;

/// How much an import may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest file accepted, in bytes.
    pub max_file_bytes: u64,
    /// The most bytes read out of an archive (DOCX, XLSX) in all, counted while unpacking.
    pub max_uncompressed_bytes: u64,
    /// The most entries an archive may have.
    pub max_entries: usize,
    /// How long one parser may run before the file is given up.
    pub max_seconds: u64,
    /// Whether scans are read by OCR (Tesseract); off, a scan is refused as if Tesseract were
    /// not installed (fuzzing does not start a program per input).
    pub ocr: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 20_000_000,
            max_uncompressed_bytes: 100_000_000,
            max_entries: 5_000,
            max_seconds: 30,
            ocr: true,
        }
    }
}

/// What a file is, by its first bytes (and its name where the bytes do not tell).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Pdf,
    Docx,
    Xlsx,
    /// A ZIP archive that is neither a Word document nor a workbook.
    OtherZip,
    /// An old binary Office file (.doc, .xls).
    OldOffice,
    /// A saved e-mail (.eml).
    Email,
    /// A scanned page: PNG, JPEG or TIFF, read by OCR.
    Image(crate::ocr::ImageKind),
    /// An Outlook message file (.msg), read like a saved e-mail.
    OutlookMsg,
    /// Anything else: read as text (which refuses binary content).
    Text,
}

fn extension(file_name: &str) -> String {
    file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default()
}

/// Decides the format: magic bytes first, the extension second.
pub fn sniff(file_name: &str, bytes: &[u8]) -> Format {
    let head = &bytes[..bytes.len().min(1024)];
    if head.windows(5).any(|w| w == b"%PDF-") {
        return Format::Pdf;
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        if let Ok(zip) = zip::ZipArchive::new(Cursor::new(bytes)) {
            let names: Vec<String> = zip
                .file_names()
                .take(10_000)
                .filter_map(|n| n.ok().map(|n| n.into_owned()))
                .collect();
            if names.iter().any(|n| n == "word/document.xml") {
                return Format::Docx;
            }
            if names.iter().any(|n| n == "xl/workbook.xml") {
                return Format::Xlsx;
            }
        }
        return match extension(file_name).as_str() {
            "docx" => Format::Docx,
            "xlsx" => Format::Xlsx,
            _ => Format::OtherZip,
        };
    }
    if let Some(kind) = crate::ocr::ImageKind::sniff(bytes) {
        return Format::Image(kind);
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        if extension(file_name) == "msg" || crate::msg::is_msg(bytes) {
            return Format::OutlookMsg;
        }
        return Format::OldOffice;
    }
    match extension(file_name).as_str() {
        "pdf" => Format::Pdf,
        "docx" => Format::Docx,
        "xlsx" | "xlsm" => Format::Xlsx,
        "doc" | "xls" => Format::OldOffice,
        "msg" => Format::OutlookMsg,
        "eml" => Format::Email,
        _ if crate::mail::looks_like_mail(bytes) => Format::Email,
        _ => Format::Text,
    }
}

/// Refuses a file over the size limit or without content.
pub(crate) fn check_size(
    file_name: &str,
    bytes: &[u8],
    limits: &Limits,
) -> Result<(), ImportError> {
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(ImportError::new(
            file_name,
            ErrorKind::TooLarge {
                limit: limits.max_file_bytes,
            },
        ));
    }
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ImportError::new(file_name, ErrorKind::Empty));
    }
    Ok(())
}

/// The text of a PDF, DOCX or plain-text file. Lines are separated by `\n`.
pub fn extract_text(file_name: &str, bytes: &[u8], limits: &Limits) -> Result<String, ImportError> {
    check_size(file_name, bytes, limits)?;
    let text =
        match sniff(file_name, bytes) {
            Format::Pdf => {
                let owned = bytes.to_vec();
                guarded(file_name, limits, move || pdf_text(&owned))?
            }
            Format::Docx => {
                let owned = bytes.to_vec();
                let limits_copy = *limits;
                guarded(file_name, limits, move || docx_text(&owned, &limits_copy))?
            }
            Format::Xlsx => {
                return Err(ImportError::new(
                    file_name,
                    ErrorKind::Unsupported {
                        what: "et regneark kan ikke læses som tekst".into(),
                    },
                ))
            }
            Format::OtherZip => {
                return Err(ImportError::new(
                    file_name,
                    ErrorKind::Unsupported {
                        what: "det er et ZIP-arkiv".into(),
                    },
                ))
            }
            Format::OldOffice => return Err(ImportError::new(
                file_name,
                ErrorKind::Unsupported {
                    what:
                        "det gamle Word/Excel-format (.doc/.xls); gem den som DOCX, XLSX eller PDF"
                            .into(),
                },
            )),
            Format::Email | Format::OutlookMsg | Format::Image(_) => {
                return extract_document(file_name, bytes, limits).map(|d| d.text)
            }
            Format::Text => decode_text(bytes).map_err(|k| ImportError::new(file_name, k))?,
        };
    let text = text.replace("\r\n", "\n").replace(['\r', '\u{c}'], "\n");
    if text.trim().is_empty() {
        return Err(ImportError::new(file_name, ErrorKind::NoText));
    }
    Ok(text)
}

/// A file's text as lines, each with where it stood in the file, for the form recogniser.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Document {
    /// The lines, separated by `\n`.
    pub text: String,
    /// For each line of `text` (in order), where it stood, in Danish: "side 2, linje 14",
    /// "tabel 1, række 3, celle 2", "e-mailens tekst, linje 7".
    pub places: Vec<String>,
    /// Struck-through text left out (Word), for a warning.
    pub struck_runs: usize,
    /// Whether the text was read by OCR from a scan.
    pub ocr: bool,
    /// For a scan, per line: its words with the confidence (0–100) OCR gave each.
    pub confidence: Vec<Vec<(String, f32)>>,
}

impl Document {
    fn push_lines(&mut self, text: &str, place: impl Fn(usize) -> String) {
        for (i, line) in text.split('\n').enumerate() {
            if !self.text.is_empty() || !self.places.is_empty() {
                self.text.push('\n');
            }
            self.text.push_str(line);
            self.places.push(place(i + 1));
        }
    }

    /// Where line `no` (1-based) stood; empty when unknown.
    pub fn place(&self, no: usize) -> &str {
        no.checked_sub(1)
            .and_then(|i| self.places.get(i))
            .map_or("", String::as_str)
    }
}

/// Line breaks made plain: `\r\n` and `\r` become `\n`.
fn plain_breaks(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// OCR's lines as a document: places "scanning, side 2, linje 4" (the page only when there are
/// several), each line's confidence kept.
pub(crate) fn scanned(r: &crate::ocr::Recognised) -> Document {
    let pages = 1 + r.lines.iter().filter(|(l, _)| l == "\u{c}").count();
    let mut doc = Document {
        ocr: true,
        ..Document::default()
    };
    let (mut page, mut line) = (1, 0);
    for (text, confidence) in &r.lines {
        let text = if text == "\u{c}" {
            page += 1;
            line = 0;
            ""
        } else {
            line += 1;
            text.as_str()
        };
        let place = if pages > 1 {
            format!("scanning, side {page}, linje {line}")
        } else {
            format!("scanning, linje {line}")
        };
        doc.push_lines(&text.replace('\n', " "), |_| place.clone());
        doc.confidence.push(confidence.clone());
    }
    doc
}

/// Text lines with their line numbers as places, pages counted at form feeds (PDF).
fn numbered(text: &str, prefix: &str) -> Document {
    let text = plain_breaks(text);
    let mut doc = Document::default();
    let paged = text.contains('\u{c}');
    for (page, page_text) in text.split('\u{c}').enumerate() {
        doc.push_lines(page_text, |line| {
            if paged {
                format!("{prefix}side {}, linje {line}", page + 1)
            } else {
                format!("{prefix}linje {line}")
            }
        });
    }
    doc
}

/// The text of a PDF, DOCX, e-mail or text file as lines with their places: what the form
/// recogniser reads. A Word document's table rows are one line each ("label\tvalue"), an
/// e-mail's text is followed by its attached files' text.
pub fn extract_document(
    file_name: &str,
    bytes: &[u8],
    limits: &Limits,
) -> Result<Document, ImportError> {
    document_of(file_name, bytes, limits, true)
}

fn document_of(
    file_name: &str,
    bytes: &[u8],
    limits: &Limits,
    attachments: bool,
) -> Result<Document, ImportError> {
    check_size(file_name, bytes, limits)?;
    let format = sniff(file_name, bytes);
    let doc = match format {
        Format::Docx => {
            let owned = bytes.to_vec();
            let limits_copy = *limits;
            let word = guarded(file_name, limits, move || {
                let mut zip = open_zip(&owned, &limits_copy, ErrorKind::InvalidDocx)?;
                let entry = zip
                    .by_name("word/document.xml")
                    .map_err(|_| ErrorKind::InvalidDocx)?;
                let xml = read_capped(entry, limits_copy.max_uncompressed_bytes)?;
                crate::word::document_lines(&String::from_utf8_lossy(&xml))
            })?;
            let mut doc = Document {
                struck_runs: word.struck_runs,
                ..Document::default()
            };
            for line in word.lines {
                let text = plain_breaks(&line.text).replace('\n', " ");
                doc.push_lines(&text, |_| line.place.clone());
            }
            doc
        }
        Format::Email | Format::OutlookMsg => {
            let owned = bytes.to_vec();
            let outlook = format == Format::OutlookMsg;
            let mail = guarded(file_name, limits, move || {
                if outlook {
                    crate::msg::read_msg(&owned)
                } else {
                    crate::mail::read_mail(&owned)
                }
            })?;
            let mut doc = numbered(&mail.text, "e-mailens tekst, ");
            if attachments {
                for (name, data) in &mail.attachments {
                    let readable =
                        matches!(sniff(name, data), Format::Pdf | Format::Docx | Format::Text);
                    if !readable {
                        continue;
                    }
                    // An attachment that cannot be read is left out; the message's text stays.
                    if let Ok(inner) = document_of(name, data, limits, false) {
                        doc.push_lines("", |_| String::new());
                        for (i, line) in inner.text.split('\n').enumerate() {
                            let place = format!("bilag «{name}», {}", inner.place(i + 1));
                            doc.push_lines(line, |_| place.clone());
                        }
                        doc.struck_runs += inner.struck_runs;
                    }
                }
            }
            doc
        }
        Format::Pdf => {
            let owned = bytes.to_vec();
            let limits_copy = *limits;
            let read = guarded(file_name, limits, move || {
                let text = pdf_text(&owned)?;
                if !text.trim().is_empty() {
                    return Ok(Err(text));
                }
                // No text: a scan. Its page images go to OCR.
                let doc =
                    pdf_extract::Document::load_mem(&owned).map_err(|_| ErrorKind::InvalidPdf)?;
                let pages = crate::ocr::pdf_page_images(&doc);
                if pages.is_empty() {
                    return Err(ErrorKind::NoText);
                }
                Ok(Ok(crate::ocr::read_pages(&pages, &limits_copy)?))
            })?;
            match read {
                Ok(recognised) => scanned(&recognised),
                Err(text) => numbered(&text, ""),
            }
        }
        Format::Image(kind) => {
            let owned = bytes.to_vec();
            let limits_copy = *limits;
            let recognised = guarded(file_name, limits, move || {
                crate::ocr::read_pages(&[(kind, owned)], &limits_copy)
            })?;
            scanned(&recognised)
        }
        _ => numbered(&extract_text(file_name, bytes, limits)?, ""),
    };
    if doc.text.trim().is_empty() {
        return Err(ImportError::new(file_name, ErrorKind::NoText));
    }
    Ok(doc)
}

/// Runs a third-party parser on its own thread: a panic becomes [`ErrorKind::Damaged`], and a
/// parser still running after `limits.max_seconds` is abandoned with [`ErrorKind::Timeout`] (the
/// thread cannot be killed; it runs to its end in the background and its result is dropped).
pub(crate) fn guarded<T, F>(file_name: &str, limits: &Limits, work: F) -> Result<T, ImportError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, ErrorKind> + Send + 'static,
{
    let (tx, rx) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("pulje-import-parser".into())
        // Recursive parsers (PDF object trees) get room; overflowing the stack would abort.
        .stack_size(64 * 1024 * 1024)
        .spawn(move || {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
            let _ = tx.send(result);
        });
    let Ok(handle) = spawned else {
        return Err(ImportError::new(file_name, ErrorKind::Damaged));
    };
    let received = rx.recv_timeout(Duration::from_secs(limits.max_seconds));
    if received.is_ok() {
        // Sending was the thread's last act: wait for it to end, so no finished parser thread
        // lingers (a detached one still holds its thread-local memory for a moment).
        let _ = handle.join();
    }
    match received {
        Ok(Ok(result)) => result.map_err(|k| ImportError::new(file_name, k)),
        Ok(Err(_panic)) => Err(ImportError::new(file_name, ErrorKind::Damaged)),
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Err(ImportError::new(
            file_name,
            ErrorKind::Timeout {
                seconds: limits.max_seconds,
            },
        )),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            Err(ImportError::new(file_name, ErrorKind::Damaged))
        }
    }
}

/// Whether the raw bytes carry an `/Encrypt` entry (checked when the parser itself fails).
fn mentions_encrypt(bytes: &[u8]) -> bool {
    bytes.windows(8).any(|w| w == b"/Encrypt")
}

fn pdf_text(bytes: &[u8]) -> Result<String, ErrorKind> {
    let mut doc = match pdf_extract::Document::load_mem(bytes) {
        Ok(doc) => doc,
        Err(_) if mentions_encrypt(bytes) => return Err(ErrorKind::Encrypted),
        Err(_) => return Err(ErrorKind::InvalidPdf),
    };
    if doc.is_encrypted() || doc.trailer.get(b"Encrypt").is_ok() {
        // Some PDFs are encrypted with an empty user password (owner restrictions only):
        // those open without a password; the rest cannot be read.
        if doc.decrypt("").is_err() {
            return Err(ErrorKind::Encrypted);
        }
    }
    let mut text = String::new();
    {
        let mut output = pdf_extract::PlainTextOutput::new(&mut text);
        pdf_extract::output_doc(&doc, &mut output).map_err(|_| ErrorKind::InvalidPdf)?;
    }
    Ok(text)
}

/// Reads at most `limit` bytes of a reader; more is an error (never trusting declared sizes).
fn read_capped(reader: impl Read, limit: u64) -> Result<Vec<u8>, ErrorKind> {
    let mut out = Vec::new();
    reader
        .take(limit + 1)
        .read_to_end(&mut out)
        .map_err(|_| ErrorKind::InvalidDocx)?;
    if out.len() as u64 > limit {
        return Err(ErrorKind::Unpacked { limit });
    }
    Ok(out)
}

/// Opens a ZIP archive and checks its entry count.
pub(crate) fn open_zip<'a>(
    bytes: &'a [u8],
    limits: &Limits,
    invalid: ErrorKind,
) -> Result<zip::ZipArchive<Cursor<&'a [u8]>>, ErrorKind> {
    let zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| invalid)?;
    if zip.len() > limits.max_entries {
        return Err(ErrorKind::TooManyEntries {
            limit: limits.max_entries,
        });
    }
    Ok(zip)
}

/// Unpacks every entry whose name passes `wanted`, through a shared budget of
/// `limits.max_uncompressed_bytes`; used to vet a workbook before the spreadsheet reader sees it.
pub(crate) fn vet_zip(
    bytes: &[u8],
    limits: &Limits,
    invalid: ErrorKind,
    wanted: impl Fn(&str) -> bool,
) -> Result<(), ErrorKind> {
    let mut zip = open_zip(bytes, limits, invalid.clone())?;
    let mut budget = limits.max_uncompressed_bytes;
    for i in 0..zip.len() {
        let entry = zip.by_index(i).map_err(|_| invalid.clone())?;
        let name = entry.name().map(|n| n.into_owned()).unwrap_or_default();
        if !wanted(&name) {
            continue;
        }
        let mut sink = std::io::sink();
        let read =
            std::io::copy(&mut entry.take(budget + 1), &mut sink).map_err(|_| invalid.clone())?;
        if read > budget {
            return Err(ErrorKind::Unpacked {
                limit: limits.max_uncompressed_bytes,
            });
        }
        budget -= read;
    }
    Ok(())
}

fn docx_text(bytes: &[u8], limits: &Limits) -> Result<String, ErrorKind> {
    let mut zip = open_zip(bytes, limits, ErrorKind::InvalidDocx)?;
    let entry = zip
        .by_name("word/document.xml")
        .map_err(|_| ErrorKind::InvalidDocx)?;
    let xml = read_capped(entry, limits.max_uncompressed_bytes)?;
    docx_xml_text(&String::from_utf8_lossy(&xml))
}

/// The text of `word/document.xml`: a paragraph per line, a tab for `w:tab`, a line break for
/// `w:br`, and every table cell on a line of its own.
pub(crate) fn docx_xml_text(xml: &str) -> Result<String, ErrorKind> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = String::new();
    let mut in_text = false;
    let mut seen_body = false;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => match e.local_name().as_ref() {
                "t" => in_text = true,
                "body" | "document" => seen_body = true,
                _ => {}
            },
            Ok(Event::Empty(e)) => match e.local_name().as_ref() {
                "tab" => out.push('\t'),
                "br" | "cr" => out.push('\n'),
                "p" => out.push('\n'),
                _ => {}
            },
            Ok(Event::End(e)) => match e.local_name().as_ref() {
                "t" => in_text = false,
                "p" => out.push('\n'),
                "tc" if !out.ends_with('\n') => out.push('\n'),
                _ => {}
            },
            Ok(Event::Text(t)) if in_text => out.push_str(&t.xml10_content()),
            Ok(Event::CData(t)) if in_text => out.push_str(&t.xml10_content()),
            Ok(Event::GeneralRef(r)) if in_text => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    out.push(c);
                } else if let Some(s) = quick_xml::escape::resolve_predefined_entity(&r) {
                    out.push_str(s);
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(_) => return Err(ErrorKind::InvalidDocx),
        }
    }
    if !seen_body {
        return Err(ErrorKind::InvalidDocx);
    }
    Ok(out)
}

/// Decodes plain text: UTF-8 (with or without a byte-order mark), UTF-16 with a byte-order mark,
/// else Windows-1252 (a superset of Latin-1 for printable text). Binary content is refused.
pub fn decode_text(bytes: &[u8]) -> Result<String, ErrorKind> {
    let text = if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        String::from_utf8_lossy(rest).into_owned()
    } else if bytes.starts_with(&[0xFF, 0xFE]) {
        encoding_rs::UTF_16LE
            .decode_with_bom_removal(bytes)
            .0
            .into_owned()
    } else if bytes.starts_with(&[0xFE, 0xFF]) {
        encoding_rs::UTF_16BE
            .decode_with_bom_removal(bytes)
            .0
            .into_owned()
    } else if bytes.contains(&0) {
        return Err(ErrorKind::NotText);
    } else {
        match std::str::from_utf8(bytes) {
            Ok(s) => s.to_string(),
            Err(_) => encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(bytes)
                .0
                .into_owned(),
        }
    };
    if looks_binary(&text) {
        return Err(ErrorKind::NotText);
    }
    Ok(text)
}

/// More than 2 % control characters (other than tab, line breaks and form feed), or any NUL.
fn looks_binary(text: &str) -> bool {
    let mut total = 0usize;
    let mut control = 0usize;
    for c in text.chars() {
        total += 1;
        if c == '\0' || (c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{c}')) {
            control += 1;
        }
    }
    total > 0 && (control * 50 > total || text.contains('\0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_text_is_decoded() {
        let bytes = b"Fors\xf8g p\xe5 \xc6r\xf8";
        assert_eq!(decode_text(bytes).unwrap(), "Forsøg på Ærø");
    }

    #[test]
    fn utf8_with_bom_is_decoded() {
        let bytes = "\u{feff}Forsøg".as_bytes();
        assert_eq!(decode_text(bytes).unwrap(), "Forsøg");
    }

    #[test]
    fn binary_is_refused() {
        assert_eq!(decode_text(b"abc\0def"), Err(ErrorKind::NotText));
        let noise: Vec<u8> = (0u8..32).cycle().take(400).collect();
        assert_eq!(decode_text(&noise), Err(ErrorKind::NotText));
    }

    #[test]
    fn docx_xml_paragraphs_tabs_and_cells() {
        let xml = r#"<?xml version="1.0"?><w:document xmlns:w="x"><w:body>
            <w:p><w:r><w:t>A1. Hospital</w:t></w:r><w:r><w:tab/><w:t xml:space="preserve">Aarhus &amp; omegn</w:t></w:r></w:p>
            <w:tbl><w:tr><w:tc><w:p><w:r><w:t>celle 1</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>celle 2</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
            </w:body></w:document>"#;
        let text = docx_xml_text(xml).unwrap();
        let lines: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
        assert_eq!(
            lines,
            ["A1. Hospital\tAarhus & omegn", "celle 1", "celle 2"]
        );
    }
}
