//! Outlook's own message files (.msg): a compound file (the container of old Office files) whose
//! streams hold the message's properties. The subject, the plain-text body (or, without one, the
//! HTML body with its markup removed) and the attached files are read into the same [`Mail`] a
//! saved e-mail (.eml) gives, so the form recogniser and the attachments' readers need nothing
//! of their own.
//!
//! A property is the stream `__substg1.0_IIIITTTT`: `IIII` its id in hex (0037 the subject,
//! 1000 the body, 1013 the HTML body; in an attachment's storage 3701 its data, 3707 its long and
//! 3704 its short file name) and `TTTT` its type (001F text in UTF-16, 001E text in the
//! message's code page, 0102 bytes).

use crate::error::ErrorKind;
use crate::mail::{html_text, Mail};
use std::io::{Cursor, Read};

/// The most attachments read, and the most bytes read of one stream.
const MAX_ATTACHMENTS: usize = 100;
const MAX_STREAM_BYTES: u64 = 64 * 1024 * 1024;

/// Whether the bytes are a compound file that holds a message (its property streams).
pub fn is_msg(raw: &[u8]) -> bool {
    let Ok(file) = cfb::CompoundFile::open(Cursor::new(raw)) else {
        return false;
    };
    let found = file
        .walk()
        .take(10_000)
        .any(|e| e.name().starts_with("__substg1.0_") || e.name() == "__properties_version1.0");
    found
}

/// Reads an Outlook message file.
pub fn read_msg(raw: &[u8]) -> Result<Mail, ErrorKind> {
    let mut file = cfb::CompoundFile::open(Cursor::new(raw)).map_err(|_| ErrorKind::Damaged)?;
    let subject = text_property(&mut file, "/", "0037")?.unwrap_or_default();
    let text = match text_property(&mut file, "/", "1000")? {
        Some(body) if !body.trim().is_empty() => body,
        _ => html_body(&mut file)?.unwrap_or_default(),
    };
    let storages: Vec<String> = file
        .read_root_storage()
        .filter(|e| e.is_storage() && e.name().starts_with("__attach_version1.0_#"))
        .map(|e| e.path().to_string_lossy().into_owned())
        .take(MAX_ATTACHMENTS)
        .collect();
    let mut attachments = Vec::new();
    for storage in storages {
        let Some(data) = stream(&mut file, &format!("{storage}/__substg1.0_37010102"))? else {
            // An embedded message or an OLE object: not a file to read.
            continue;
        };
        let name = match text_property(&mut file, &storage, "3707")? {
            Some(n) if !n.trim().is_empty() => n,
            _ => text_property(&mut file, &storage, "3704")?.unwrap_or_default(),
        };
        attachments.push((name.trim().to_string(), data));
    }
    Ok(Mail {
        subject: subject.trim().to_string(),
        text: text.replace("\r\n", "\n"),
        attachments,
    })
}

type File<'a> = cfb::CompoundFile<Cursor<&'a [u8]>>;

/// A stream's bytes, or `None` when there is no such stream.
fn stream(file: &mut File<'_>, path: &str) -> Result<Option<Vec<u8>>, ErrorKind> {
    if !file.is_stream(path) {
        return Ok(None);
    }
    let s = file.open_stream(path).map_err(|_| ErrorKind::Damaged)?;
    let mut bytes = Vec::new();
    s.take(MAX_STREAM_BYTES)
        .read_to_end(&mut bytes)
        .map_err(|_| ErrorKind::Damaged)?;
    Ok(Some(bytes))
}

/// A text property of the storage at `dir` (`/` for the message): UTF-16 when stored so, else
/// in the Windows code page Danish Outlook writes (1252).
fn text_property(file: &mut File<'_>, dir: &str, id: &str) -> Result<Option<String>, ErrorKind> {
    let base = format!("{}/__substg1.0_{id}", dir.trim_end_matches('/'));
    if let Some(bytes) = stream(file, &format!("{base}001F"))? {
        return Ok(Some(utf16(&bytes)));
    }
    if let Some(bytes) = stream(file, &format!("{base}001E"))? {
        return Ok(Some(decode_8bit(trim_nul(&bytes))));
    }
    Ok(None)
}

/// The HTML body (stored as bytes or as text) as readable text.
fn html_body(file: &mut File<'_>) -> Result<Option<String>, ErrorKind> {
    let html = match stream(file, "/__substg1.0_10130102")? {
        Some(bytes) => Some(decode_8bit(trim_nul(&bytes))),
        None => text_property(file, "/", "1013")?,
    };
    Ok(html.map(|h| html_text(&h)))
}

/// Eight-bit text: UTF-8 when it is valid UTF-8, else Windows-1252.
fn decode_8bit(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned(),
    }
}

fn trim_nul(bytes: &[u8]) -> &[u8] {
    let end = bytes.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
    &bytes[..end]
}

fn utf16(bytes: &[u8]) -> String {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16_lossy(&units)
        .trim_end_matches('\0')
        .to_string()
}

/// Writes a message file as Outlook lays it out, for tests and fuzzing seeds: the subject and
/// body as UTF-16 text, each attachment's name and data in a storage of its own.
pub fn write_msg(subject: &str, body: &str, attachments: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new())).expect("in memory");
    let utf16 = |s: &str| -> Vec<u8> { s.encode_utf16().flat_map(u16::to_le_bytes).collect() };
    let put = |file: &mut cfb::CompoundFile<Cursor<Vec<u8>>>, path: &str, bytes: &[u8]| {
        let mut s = file.create_stream(path).expect("in memory");
        s.write_all(bytes).expect("in memory");
    };
    put(&mut file, "/__properties_version1.0", &[0; 32]);
    put(&mut file, "/__substg1.0_0037001F", &utf16(subject));
    put(&mut file, "/__substg1.0_1000001F", &utf16(body));
    for (i, (name, data)) in attachments.iter().enumerate() {
        let dir = format!("/__attach_version1.0_#{i:08X}");
        file.create_storage(&dir).expect("in memory");
        put(
            &mut file,
            &format!("{dir}/__substg1.0_3707001F"),
            &utf16(name),
        );
        put(&mut file, &format!("{dir}/__substg1.0_37010102"), data);
    }
    file.flush().expect("in memory");
    file.into_inner().into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_with_an_attachment() {
        let raw = write_msg(
            "Aftale om forsøg",
            "Hej\r\n\r\nA2. Forsøgets titel: Brobygger\r\n",
            &[("aftale.txt", b"A2. Titel: Vagtplan")],
        );
        assert!(is_msg(&raw));
        let mail = read_msg(&raw).unwrap();
        assert_eq!(mail.subject, "Aftale om forsøg");
        assert_eq!(mail.text, "Hej\n\nA2. Forsøgets titel: Brobygger\n");
        assert_eq!(
            mail.attachments,
            vec![("aftale.txt".to_string(), b"A2. Titel: Vagtplan".to_vec())]
        );
    }

    #[test]
    fn an_old_office_file_is_not_a_message() {
        let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
        file.create_stream("/WordDocument").unwrap();
        file.flush().unwrap();
        let raw = file.into_inner().into_inner();
        assert!(!is_msg(&raw));
        assert!(!is_msg(b"not a compound file"));
    }
}
