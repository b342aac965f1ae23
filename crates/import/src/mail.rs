//! E-mails saved as files (.eml, RFC 5322 with MIME): the readable text of the message — its
//! plain-text parts, or its HTML part with the markup removed when there is no plain text —
//! decoded from quoted-printable or base64 in its declared character set, and its attached
//! files, which may themselves be forms. Quoting, wrapped lines, forwarded headers and
//! signatures inside the text are the form recogniser's business (they look the same in
//! pasted text).

use crate::error::ErrorKind;

/// A message's text and attachments.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mail {
    pub subject: String,
    pub text: String,
    pub attachments: Vec<(String, Vec<u8>)>,
}

/// The most nested parts a message may have, and the most parts in all.
const MAX_DEPTH: usize = 8;
const MAX_PARTS: usize = 200;

const HEADER_NAMES: [&str; 9] = [
    "from",
    "to",
    "subject",
    "date",
    "mime-version",
    "received",
    "return-path",
    "message-id",
    "content-type",
];

/// Whether the bytes start like a saved e-mail: header lines, at least two of them known.
pub fn looks_like_mail(bytes: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
    let mut known = 0;
    for line in head.lines() {
        if line.trim().is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            continue;
        }
        let Some((name, _)) = line.split_once(':') else {
            return false;
        };
        if name.is_empty() || name.contains(' ') {
            return false;
        }
        if HEADER_NAMES.contains(&name.to_ascii_lowercase().as_str()) {
            known += 1;
        }
    }
    known >= 2
}

/// Header fields, unfolded, names in lower case.
fn headers(block: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in block.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = out.last_mut() {
                v.push(' ');
                v.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            out.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    out
}

fn header<'a>(hs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    hs.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

/// A header's main value and one of its parameters (`boundary`, `charset`, `name`).
fn param(value: &str, name: &str) -> Option<String> {
    value.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        (k.trim().eq_ignore_ascii_case(name)).then(|| v.trim().trim_matches('"').to_string())
    })
}

fn main_value(value: &str) -> String {
    value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Quoted-printable: `=XX` bytes and `=` soft line breaks.
pub fn quoted_printable(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        let c = body[i];
        if c == b'=' {
            match (body.get(i + 1), body.get(i + 2)) {
                (Some(b'\r'), Some(b'\n')) => {
                    i += 3;
                    continue;
                }
                (Some(b'\n'), _) => {
                    i += 2;
                    continue;
                }
                (Some(&a), Some(&b)) => {
                    if let (Some(h), Some(l)) = (hex(a), hex(b)) {
                        out.push(h * 16 + l);
                        i += 3;
                        continue;
                    }
                }
                _ => {}
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Base64, ignoring line breaks and anything outside the alphabet.
pub fn base64(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() / 4 * 3);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for &c in body {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            _ => continue,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// Bytes in a declared character set (UTF-8 when unknown or absent; Windows-1252 when not
/// valid UTF-8).
fn decode(bytes: &[u8], charset: Option<&str>) -> String {
    if let Some(enc) = charset.and_then(|c| encoding_rs::Encoding::for_label(c.as_bytes())) {
        if enc != encoding_rs::UTF_8 {
            return enc.decode_without_bom_handling(bytes).0.into_owned();
        }
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(bytes)
            .0
            .into_owned(),
    }
}

/// An RFC 2047 encoded word in a header (`=?utf-8?q?S=C3=B8ren?=`), decoded; other text kept.
fn decode_header(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("=?") {
        let Some((charset, after)) = rest[start + 2..].split_once('?') else {
            break;
        };
        let Some((encoding, after)) = after.split_once('?') else {
            break;
        };
        let Some((text, after)) = after.split_once("?=") else {
            break;
        };
        let between = &rest[..start];
        if !between.trim().is_empty() || out.is_empty() {
            out.push_str(between);
        }
        let bytes = if encoding.eq_ignore_ascii_case("q") {
            quoted_printable(text.replace('_', " ").as_bytes())
        } else {
            base64(text.as_bytes())
        };
        out.push_str(&decode(&bytes, Some(charset)));
        rest = after;
    }
    out.push_str(rest);
    out
}

/// Splits a message into its header block and its body (at the first blank line).
fn split_message(raw: &[u8]) -> (&[u8], &[u8]) {
    let mut i = 0;
    while i < raw.len() {
        let line_end = raw[i..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(raw.len(), |p| i + p + 1);
        let line = &raw[i..line_end];
        if line.iter().all(|b| *b == b'\r' || *b == b'\n') {
            return (&raw[..i], &raw[line_end..]);
        }
        i = line_end;
    }
    (raw, &[])
}

/// Removes the markup of an HTML part: tags out, block ends as line breaks, entities read.
pub fn html_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        let Some(gt) = rest[lt..].find('>') else {
            rest = "";
            break;
        };
        let tag = rest[lt + 1..lt + gt].to_ascii_lowercase();
        let name = tag
            .trim_start_matches('/')
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or("");
        if matches!(name, "style" | "script") && !tag.starts_with('/') {
            let close = format!("</{name}");
            let after = &rest[lt + gt + 1..];
            rest = match after.to_ascii_lowercase().find(&close) {
                Some(p) => &after[p..],
                None => "",
            };
            continue;
        }
        if matches!(
            name,
            "br" | "p" | "div" | "tr" | "li" | "h1" | "h2" | "h3" | "table"
        ) {
            out.push('\n');
        } else if matches!(name, "td" | "th") && tag.starts_with('/') {
            out.push('\t');
        }
        rest = &rest[lt + gt + 1..];
    }
    out.push_str(rest);
    out.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&aelig;", "æ")
        .replace("&oslash;", "ø")
        .replace("&aring;", "å")
        .replace("&AElig;", "Æ")
        .replace("&Oslash;", "Ø")
        .replace("&Aring;", "Å")
        .replace("&ndash;", "–")
        .replace("&amp;", "&")
}

#[derive(Default)]
struct Walk {
    /// The readable texts in order: plain text, or HTML without its markup.
    texts: Vec<String>,
    /// Whether a text came from HTML (an alternative prefers the plain one).
    from_html: Vec<bool>,
    attachments: Vec<(String, Vec<u8>)>,
    parts: usize,
}

fn walk(raw: &[u8], depth: usize, w: &mut Walk) -> Result<(), ErrorKind> {
    w.parts += 1;
    if depth > MAX_DEPTH || w.parts > MAX_PARTS {
        return Err(ErrorKind::Damaged);
    }
    let (head, body) = split_message(raw);
    let hs = headers(&String::from_utf8_lossy(head));
    let content_type = header(&hs, "content-type").unwrap_or("text/plain");
    let kind = main_value(content_type);
    if kind.starts_with("multipart/") {
        let Some(boundary) = param(content_type, "boundary").filter(|b| !b.is_empty()) else {
            return Ok(());
        };
        let delimiter = format!("--{boundary}");
        let text = body;
        let mut parts: Vec<&[u8]> = Vec::new();
        let mut start: Option<usize> = None;
        let mut i = 0;
        while i < text.len() {
            let end = text[i..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(text.len(), |p| i + p + 1);
            let line = &text[i..end];
            let mut trimmed = line;
            if let Some(t) = trimmed.strip_suffix(b"\n") {
                trimmed = t;
            }
            if let Some(t) = trimmed.strip_suffix(b"\r") {
                trimmed = t;
            }
            if trimmed.starts_with(delimiter.as_bytes()) {
                if let Some(s) = start {
                    parts.push(&text[s..i]);
                }
                if trimmed[delimiter.len()..].starts_with(b"--") {
                    start = None;
                    break;
                }
                start = Some(end);
            }
            i = end;
        }
        if let Some(s) = start {
            parts.push(&text[s..]);
        }
        if kind == "multipart/alternative" {
            // The same content in several forms: the plain text if there is one.
            let mut alt = Walk {
                parts: w.parts,
                ..Walk::default()
            };
            for part in parts {
                walk(part, depth + 1, &mut alt)?;
            }
            w.parts = alt.parts;
            let plain = alt.from_html.iter().any(|h| !h);
            let chosen: Vec<String> = alt
                .texts
                .into_iter()
                .zip(alt.from_html)
                .filter(|(_, html)| !plain || !html)
                .map(|(t, _)| t)
                .collect();
            w.from_html.extend(chosen.iter().map(|_| false));
            w.texts.extend(chosen);
            w.attachments.extend(alt.attachments);
        } else {
            for part in parts {
                walk(part, depth + 1, w)?;
            }
        }
        return Ok(());
    }
    let encoding = header(&hs, "content-transfer-encoding")
        .map(|e| e.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let bytes = match encoding.as_str() {
        "quoted-printable" => quoted_printable(body),
        "base64" => base64(body),
        _ => body.to_vec(),
    };
    let disposition = header(&hs, "content-disposition").unwrap_or("");
    let file_name = param(disposition, "filename").or_else(|| param(content_type, "name"));
    let attached = main_value(disposition) == "attachment" || file_name.is_some();
    let charset = param(content_type, "charset");
    if kind == "message/rfc822" {
        return walk(&bytes, depth + 1, w);
    }
    if attached && !(kind == "text/plain" && file_name.is_none()) {
        let name = decode_header(&file_name.unwrap_or_else(|| "vedhæftet fil".into()));
        w.attachments.push((name, bytes));
        return Ok(());
    }
    match kind.as_str() {
        "text/plain" | "" => {
            w.texts.push(decode(&bytes, charset.as_deref()));
            w.from_html.push(false);
        }
        "text/html" => {
            w.texts.push(html_text(&decode(&bytes, charset.as_deref())));
            w.from_html.push(true);
        }
        _ => {}
    }
    Ok(())
}

/// Reads a saved e-mail.
pub fn read_mail(raw: &[u8]) -> Result<Mail, ErrorKind> {
    let (head, _) = split_message(raw);
    let hs = headers(&String::from_utf8_lossy(head));
    let subject = decode_header(header(&hs, "subject").unwrap_or(""));
    let mut w = Walk::default();
    walk(raw, 0, &mut w)?;
    let text = w.texts.join("\n");
    Ok(Mail {
        subject,
        text: text.replace("\r\n", "\n"),
        attachments: w.attachments,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_printable_and_base64() {
        assert_eq!(
            String::from_utf8(quoted_printable(b"S=C3=B8ren =\r\nFog")).unwrap(),
            "Søren Fog"
        );
        assert_eq!(base64(b"U8O4cmVu\r\nIEZvZw=="), "Søren Fog".as_bytes());
        assert_eq!(
            decode_header("=?utf-8?q?S=C3=B8ren_Fog?= <s@x.dk>"),
            "Søren Fog <s@x.dk>"
        );
    }

    #[test]
    fn multipart_prefers_the_plain_part_and_keeps_attachments() {
        let raw = b"From: a@x.dk\r\nSubject: Skema\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\npreamble\r\n--b1\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nFors=F8g\r\n--b1\r\nContent-Type: application/octet-stream; name=\"skema.docx\"\r\nContent-Disposition: attachment; filename=\"skema.docx\"\r\nContent-Transfer-Encoding: base64\r\n\r\nUEsDBA==\r\n--b1--\r\n";
        assert!(looks_like_mail(raw));
        let mail = read_mail(raw).unwrap();
        assert_eq!(mail.text.trim(), "Forsøg");
        assert_eq!(mail.attachments.len(), 1);
        assert_eq!(mail.attachments[0].0, "skema.docx");
        assert_eq!(mail.attachments[0].1, b"PK\x03\x04");
    }

    #[test]
    fn html_only_is_read_without_markup() {
        assert_eq!(
            html_text("<p>A1. Hospital&nbsp;Viborg</p><style>p{}</style><p>A2 &amp; B</p>"),
            "\nA1. Hospital Viborg\n\nA2 & B\n"
        );
        assert!(!looks_like_mail(b"Kaere Jens\nTak for sidst.\n"));
    }
}
