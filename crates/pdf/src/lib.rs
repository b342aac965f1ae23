//! pulje-pdf: a small PDF writer for documents fit to send: A4 pages, Helvetica (one of the PDF standard
//! fonts, so nothing is embedded) with WinAnsi encoding for Danish letters, wrapped paragraphs,
//! label–value facts, tables whose rows never split and whose header repeats on each page, and
//! "Side n af N" on every page. Content streams are left uncompressed.

use std::fmt::Write;

/// What a document is made of.
pub enum Block {
    Title(String),
    Heading(String),
    Paragraph(String),
    /// A label and its value, the value wrapped beside the label.
    Fact(String, String),
    /// Column headers, relative column widths and rows.
    Table {
        header: Vec<String>,
        widths: Vec<f32>,
        rows: Vec<Vec<String>>,
    },
    Space,
    /// The blocks after it start on a new page.
    PageBreak,
}

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 56.0;
const BODY: f32 = 10.0;
const LINE: f32 = 1.35;

/// Helvetica advance widths (thousandths of an em) for the characters we meet; others use 556.
fn width_of(c: char, bold: bool) -> f32 {
    let w = match c {
        ' ' | '.' | ',' | ':' | ';' | '!' | 'f' | 't' | '/' | 'I' | '[' | ']' | '\'' => 278.0,
        'i' | 'j' | 'l' | '|' => 222.0,
        'r' | '-' | '(' | ')' | '«' | '»' | '–' => 333.0,
        'c' | 'k' | 's' | 'v' | 'x' | 'y' | 'z' | 'J' | '"' | '*' => 500.0,
        'm' | 'M' => 833.0,
        'w' | 'C' | 'D' | 'H' | 'N' | 'R' | 'U' => 722.0,
        'G' | 'O' | 'Q' | 'Ø' => 778.0,
        'W' => 944.0,
        'F' | 'T' | 'Z' => 611.0,
        'L' => 556.0,
        'æ' => 889.0,
        'ø' => 611.0,
        'Æ' => 1000.0,
        '%' => 889.0,
        '@' => 1015.0,
        '—' => 1000.0,
        'A' | 'B' | 'E' | 'K' | 'P' | 'S' | 'V' | 'X' | 'Y' | 'Å' => 667.0,
        _ => 556.0,
    };
    if bold {
        w * 1.06
    } else {
        w
    }
}

fn text_width(text: &str, size: f32, bold: bool) -> f32 {
    text.chars().map(|c| width_of(c, bold)).sum::<f32>() * size / 1000.0
}

/// Breaks text into lines no wider than `max`; explicit newlines are kept; overlong words are cut.
fn wrap(text: &str, size: f32, bold: bool, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.replace("\r\n", "\n").split('\n') {
        let mut line = String::new();
        for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if text_width(&candidate, size, bold) <= max {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let mut piece = String::new();
            for c in word.chars() {
                if text_width(&format!("{piece}{c}"), size, bold) > max && !piece.is_empty() {
                    lines.push(std::mem::take(&mut piece));
                }
                piece.push(c);
            }
            line = piece;
        }
        lines.push(line);
    }
    lines
}

/// Text as a PDF string literal in WinAnsi encoding.
fn pdf_string(text: &str) -> String {
    let mut out = String::from("(");
    for c in text.chars() {
        let byte: u32 = match c {
            '(' | ')' | '\\' => {
                out.push('\\');
                c as u32
            }
            '€' => 0x80,
            '…' => 0x85,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            c if (c as u32) < 0x20 => 0x20,
            c if (c as u32) < 0x7f || ((c as u32) >= 0xa0 && (c as u32) <= 0xff) => c as u32,
            _ => '?' as u32,
        };
        if (0x20..0x7f).contains(&byte) {
            out.push(char::from_u32(byte).unwrap_or('?'));
        } else {
            let _ = write!(out, "\\{byte:03o}");
        }
    }
    out.push(')');
    out
}

struct Layout {
    pages: Vec<String>,
    ops: String,
    y: f32,
}

impl Layout {
    fn new() -> Layout {
        Layout {
            pages: Vec::new(),
            ops: String::new(),
            y: PAGE_H - MARGIN,
        }
    }

    fn break_page(&mut self) {
        self.pages.push(std::mem::take(&mut self.ops));
        self.y = PAGE_H - MARGIN;
    }

    fn ensure(&mut self, height: f32) {
        if self.y - height < MARGIN + 20.0 {
            self.break_page();
        }
    }

    fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, text: &str) {
        let font = if bold { "F2" } else { "F1" };
        let _ = writeln!(
            self.ops,
            "BT /{font} {size} Tf {x:.1} {y:.1} Td {} Tj ET",
            pdf_string(text)
        );
    }

    fn lines(&mut self, lines: &[String], x: f32, size: f32, bold: bool) {
        for l in lines {
            self.ensure(size * LINE);
            self.y -= size * LINE;
            self.text(x, self.y, size, bold, l);
        }
    }

    fn table(&mut self, header: &[String], widths: &[f32], rows: &[Vec<String>]) {
        let total: f32 = widths.iter().sum::<f32>().max(f32::EPSILON);
        let usable = PAGE_W - 2.0 * MARGIN;
        let cols: Vec<f32> = widths.iter().map(|w| w / total * usable).collect();
        let size = BODY - 1.0;
        let wrap_row = |cells: &[String], bold: bool| -> Vec<Vec<String>> {
            cols.iter()
                .enumerate()
                .map(|(i, w)| {
                    wrap(
                        cells.get(i).map(String::as_str).unwrap_or(""),
                        size,
                        bold,
                        w - 6.0,
                    )
                })
                .collect()
        };
        let header_cells = wrap_row(header, true);
        let row_height = |cells: &[Vec<String>]| {
            cells.iter().map(Vec::len).max().unwrap_or(1) as f32 * size * LINE + 4.0
        };
        let draw = |layout: &mut Layout, cells: &[Vec<String>], bold: bool| {
            let h = row_height(cells);
            let mut x = MARGIN;
            for (i, lines) in cells.iter().enumerate() {
                for (n, l) in lines.iter().enumerate() {
                    layout.text(
                        x + 2.0,
                        layout.y - (n as f32 + 1.0) * size * LINE,
                        size,
                        bold,
                        l,
                    );
                }
                x += cols[i];
            }
            layout.y -= h;
            let _ = writeln!(
                layout.ops,
                "0.6 G 0.5 w {MARGIN:.1} {:.1} m {:.1} {:.1} l S 0 G",
                layout.y + 1.0,
                PAGE_W - MARGIN,
                layout.y + 1.0
            );
        };
        self.ensure(
            row_height(&header_cells)
                + row_height(&rows.first().map(|r| wrap_row(r, false)).unwrap_or_default()),
        );
        draw(self, &header_cells, true);
        for row in rows {
            let cells = wrap_row(row, false);
            if self.y - row_height(&cells) < MARGIN + 20.0 {
                self.break_page();
                draw(self, &header_cells, true);
            }
            draw(self, &cells, false);
        }
        self.y -= 6.0;
    }
}

/// Renders blocks into a PDF; `footer` is printed on every page before the page numbers.
pub fn render(title: &str, footer: &str, blocks: &[Block]) -> Vec<u8> {
    let mut layout = Layout::new();
    let usable = PAGE_W - 2.0 * MARGIN;
    for block in blocks {
        match block {
            Block::Title(t) => {
                layout.ensure(40.0);
                layout.lines(&wrap(t, 16.0, true, usable), MARGIN, 16.0, true);
                layout.y -= 8.0;
            }
            Block::Heading(t) => {
                layout.ensure(50.0);
                layout.y -= 8.0;
                layout.lines(&wrap(t, 12.0, true, usable), MARGIN, 12.0, true);
                layout.y -= 2.0;
            }
            Block::Paragraph(t) => {
                layout.lines(&wrap(t, BODY, false, usable), MARGIN, BODY, false);
                layout.y -= 4.0;
            }
            Block::Fact(label, value) => {
                let label_w = 160.0;
                let label_lines = wrap(label, BODY, true, label_w - 8.0);
                let value_lines = wrap(
                    if value.trim().is_empty() {
                        "–"
                    } else {
                        value
                    },
                    BODY,
                    false,
                    usable - label_w,
                );
                let first = label_lines.len().max(1).min(value_lines.len().max(1)) as f32;
                layout.ensure(first * BODY * LINE);
                let top = layout.y;
                let mut label_y = top;
                for l in &label_lines {
                    label_y -= BODY * LINE;
                    layout.text(MARGIN, label_y, BODY, true, l);
                }
                let mut value_y = top;
                for l in &value_lines {
                    if value_y - BODY * LINE < MARGIN + 20.0 {
                        layout.break_page();
                        value_y = layout.y;
                        label_y = value_y;
                    }
                    value_y -= BODY * LINE;
                    layout.text(MARGIN + label_w, value_y, BODY, false, l);
                }
                layout.y = value_y.min(label_y) - 4.0;
            }
            Block::Table {
                header,
                widths,
                rows,
            } => layout.table(header, widths, rows),
            Block::Space => layout.y -= BODY,
            Block::PageBreak => {
                if !layout.ops.is_empty() {
                    layout.break_page();
                }
            }
        }
    }
    layout.pages.push(std::mem::take(&mut layout.ops));
    let count = layout.pages.len();

    // Objects: 1 catalog, 2 pages, 3 and 4 fonts, 5 info, then a page and its content per page.
    let mut objects: Vec<String> = vec![
        "<< /Type /Catalog /Pages 2 0 R /Lang (da-DK) >>".into(),
        String::new(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".into(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>"
            .into(),
        format!("<< /Title {} /Producer (pulje) >>", pdf_string(title)),
    ];
    let mut kids = Vec::new();
    for (i, ops) in layout.pages.iter().enumerate() {
        let mut content = ops.clone();
        let foot = format!("{footer}   Side {} af {count}", i + 1);
        let _ = writeln!(
            content,
            "BT /F1 8 Tf {MARGIN:.1} 30 Td {} Tj ET",
            pdf_string(&foot)
        );
        let page_id = objects.len() + 1;
        kids.push(format!("{page_id} 0 R"));
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {} 0 R >>",
            page_id + 1
        ));
        let bytes = encode_latin1(&content);
        objects.push(format!(
            "<< /Length {} >>\nstream\n{}\nendstream",
            bytes.len(),
            content
        ));
    }
    objects[1] = format!(
        "<< /Type /Pages /Kids [{}] /Count {count} >>",
        kids.join(" ")
    );

    let mut out: Vec<u8> = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(&encode_latin1(body));
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    let mut tail = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for o in offsets {
        let _ = writeln!(tail, "{o:010} 00000 n ");
    }
    let _ = write!(
        tail,
        "trailer\n<< /Size {} /Root 1 0 R /Info 5 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    );
    out.extend_from_slice(tail.as_bytes());
    out
}

/// The content is ASCII by construction (strings use octal escapes), so this is a byte copy.
fn encode_latin1(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| if (c as u32) < 0x100 { c as u8 } else { b'?' })
        .collect()
}

/// The text of a PDF made by [`render`], in reading order, one line per text operation. For
/// tests and checks: it understands only what this module writes.
pub fn extract_text(pdf: &[u8]) -> String {
    let mut out = String::new();
    let bytes = pdf;
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] == b'(' && i >= 3 && bytes[i.saturating_sub(4)..i].ends_with(b"Td ") {
            let mut j = i + 1;
            let mut text = String::new();
            while j < bytes.len() && bytes[j] != b')' {
                if bytes[j] == b'\\' && j + 1 < bytes.len() {
                    if bytes[j + 1].is_ascii_digit() && j + 3 < bytes.len() {
                        let code = u8::from_str_radix(
                            std::str::from_utf8(&bytes[j + 1..j + 4]).unwrap_or("077"),
                            8,
                        )
                        .unwrap_or(b'?');
                        text.push(match code {
                            0x96 => '–',
                            0x97 => '—',
                            0x85 => '…',
                            0x80 => '€',
                            c => c as char,
                        });
                        j += 4;
                    } else {
                        text.push(bytes[j + 1] as char);
                        j += 2;
                    }
                } else {
                    text.push(bytes[j] as char);
                    j += 1;
                }
            }
            out.push_str(&text);
            out.push('\n');
            i = j;
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn danish_letters_survive_and_pages_are_numbered() {
        let rows: Vec<Vec<String>> = (1..=120)
            .map(|n| {
                vec![
                    n.to_string(),
                    format!("Forsøg nr. {n} på Ærø – «særligt»"),
                    "Høj".into(),
                ]
            })
            .collect();
        let pdf = render(
            "Prøve",
            "Region Midtjylland",
            &[
                Block::Title("Aftale om regionalt forsøg".into()),
                Block::Fact(
                    "A2. Forsøgets titel".into(),
                    "Udvikling af øjenklinikkens ambulatorium".into(),
                ),
                Block::Table {
                    header: vec!["Nr.".into(), "Titel".into(), "Niveau".into()],
                    widths: vec![1.0, 6.0, 2.0],
                    rows,
                },
            ],
        );
        assert!(pdf.starts_with(b"%PDF-1.4"));
        assert!(pdf.ends_with(b"%%EOF\n"));
        let text = extract_text(&pdf);
        assert!(text.contains("Aftale om regionalt forsøg"), "{text}");
        assert!(text.contains("Udvikling af øjenklinikkens ambulatorium"));
        assert!(text.contains("Forsøg nr. 120 på Ærø – «særligt»"));
        let pages = text.matches("Side ").count();
        assert!(pages >= 3, "120 rows need several pages, got {pages}");
        assert!(text.contains(&format!("Side {pages} af {pages}")));
        // The header row repeats on every page.
        assert_eq!(text.matches("Niveau").count(), pages);
    }

    #[test]
    fn long_words_and_text_wrap_inside_the_width() {
        let lines = wrap(&"ord ".repeat(200), 10.0, false, 200.0);
        assert!(lines.len() > 5);
        assert!(lines.iter().all(|l| text_width(l, 10.0, false) <= 200.0));
        let long = wrap(&"x".repeat(500), 10.0, false, 100.0);
        assert!(long.iter().all(|l| text_width(l, 10.0, false) <= 100.0));
    }

    #[test]
    fn parentheses_and_backslashes_are_escaped() {
        assert_eq!(pdf_string("a(b)\\"), "(a\\(b\\)\\\\)");
        assert_eq!(pdf_string("æ"), "(\\346)");
    }
}
