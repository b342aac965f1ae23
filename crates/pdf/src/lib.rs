//! pulje-pdf: a small PDF writer for documents fit to send: A4 pages, Helvetica (one of the PDF standard
//! fonts, so nothing is embedded) with WinAnsi encoding for Danish letters, wrapped paragraphs,
//! label–value facts, tables whose rows never split and whose header repeats on each page, and
//! "Side n af N" on every page. Every PDF is tagged (a structure tree in reading order, see
//! [`render`]) and in Danish. Content streams are left uncompressed.

mod tags;
mod text;

use std::fmt::Write;
use tags::Tree;
use text::{columns, wrap, CELL_PAD};

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

/// How a table row is drawn and tagged.
#[derive(Clone, Copy, PartialEq)]
enum RowKind {
    /// The header row where the table starts: a TR of TH cells.
    Header,
    /// The header row again at the top of a later page: an artifact, the tree has it once.
    RepeatedHeader,
    /// A TR of TD cells.
    Body,
}

/// Text as a PDF text string outside content streams (the document information): UTF-16BE with
/// its byte-order mark, in hex. WinAnsi would be read as PDFDocEncoding there, which differs
/// for the dashes and quotes.
fn text_string(text: &str) -> String {
    let mut out = String::from("<FEFF");
    for unit in text.encode_utf16() {
        let _ = write!(out, "{unit:04X}");
    }
    out.push('>');
    out
}

struct Layout {
    pages: Vec<String>,
    ops: String,
    y: f32,
    tree: Tree,
}

impl Layout {
    fn new() -> Layout {
        Layout {
            pages: Vec::new(),
            ops: String::new(),
            y: PAGE_H - MARGIN,
            tree: Tree::new(),
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

    /// A line of text as content of the structure element open in the tree.
    fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, text: &str) {
        let (mcid, tag) = self.tree.mark(self.pages.len());
        let _ = write!(self.ops, "/{tag} <</MCID {mcid}>> BDC ");
        self.show(x, y, size, bold, text);
        self.ops.push_str("EMC\n");
    }

    /// A line of text that is no content of its own (a repeated header): outside the tree.
    fn artifact_text(&mut self, x: f32, y: f32, size: f32, bold: bool, text: &str) {
        self.ops.push_str("/Artifact <</Type /Pagination>> BDC ");
        self.show(x, y, size, bold, text);
        self.ops.push_str("EMC\n");
    }

    fn show(&mut self, x: f32, y: f32, size: f32, bold: bool, text: &str) {
        let font = if bold { "F2" } else { "F1" };
        let _ = write!(
            self.ops,
            "BT /{font} {size} Tf {x:.1} {y:.1} Td {} Tj ET ",
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
        let usable = PAGE_W - 2.0 * MARGIN;
        let size = BODY - 1.0;
        let (cols, head_size) = columns(widths, header, rows, size, usable);
        let wrap_row = |cells: &[String], size: f32, bold: bool| -> Vec<Vec<String>> {
            cols.iter()
                .enumerate()
                .map(|(i, w)| {
                    wrap(
                        cells.get(i).map(String::as_str).unwrap_or(""),
                        size,
                        bold,
                        w - CELL_PAD,
                    )
                })
                .collect()
        };
        let header_cells = wrap_row(header, head_size, true);
        let row_height = |cells: &[Vec<String>], size: f32| {
            cells.iter().map(Vec::len).max().unwrap_or(1) as f32 * size * LINE + 4.0
        };
        let draw = |layout: &mut Layout, cells: &[Vec<String>], kind: RowKind| {
            let (size, bold, cell_tag, cell_extra) = match kind {
                RowKind::Body => (size, false, "TD", ""),
                _ => (head_size, true, "TH", " /A << /O /Table /Scope /Column >>"),
            };
            let h = row_height(cells, size);
            let tagged = kind != RowKind::RepeatedHeader;
            if tagged {
                layout.tree.open("TR", "");
            }
            let mut x = MARGIN;
            for (i, lines) in cells.iter().enumerate() {
                if tagged {
                    layout.tree.open(cell_tag, cell_extra);
                }
                for (n, l) in lines.iter().enumerate() {
                    let y = layout.y - (n as f32 + 1.0) * size * LINE;
                    if tagged {
                        layout.text(x + 2.0, y, size, bold, l);
                    } else {
                        layout.artifact_text(x + 2.0, y, size, bold, l);
                    }
                }
                if tagged {
                    layout.tree.close();
                }
                x += cols[i];
            }
            if tagged {
                layout.tree.close();
            }
            layout.y -= h;
            let _ = writeln!(
                layout.ops,
                "/Artifact BMC 0.6 G 0.5 w {MARGIN:.1} {:.1} m {:.1} {:.1} l S 0 G EMC",
                layout.y + 1.0,
                PAGE_W - MARGIN,
                layout.y + 1.0
            );
        };
        self.ensure(
            row_height(&header_cells, head_size)
                + row_height(
                    &rows
                        .first()
                        .map(|r| wrap_row(r, size, false))
                        .unwrap_or_default(),
                    size,
                ),
        );
        self.tree.open("Table", "");
        draw(self, &header_cells, RowKind::Header);
        for row in rows {
            let cells = wrap_row(row, size, false);
            if self.y - row_height(&cells, size) < MARGIN + 20.0 {
                self.break_page();
                draw(self, &header_cells, RowKind::RepeatedHeader);
            }
            draw(self, &cells, RowKind::Body);
        }
        self.tree.close();
        self.y -= 6.0;
    }
}

/// Renders blocks into a tagged PDF; `footer` is printed on every page before the page numbers.
///
/// The structure tree has a `/Document` with, in reading order: `H1` for a title, `H2` for a
/// heading, `P` for a paragraph, `Table` (rows `TR`, header cells `TH` scoped to their column,
/// cells `TD`) for a table, and `P` for a fact. A fact is a `P` holding its label and then its
/// value: it reads as one statement ("Forsøgets titel: …"), and facts come one by one between
/// paragraphs, so a one-row table for each would make a screen reader announce a table where
/// there is none. The footer, the page numbers, a table's header repeated on a later page and
/// the rule lines are artifacts.
pub fn render(title: &str, footer: &str, blocks: &[Block]) -> Vec<u8> {
    let mut layout = Layout::new();
    let usable = PAGE_W - 2.0 * MARGIN;
    for block in blocks {
        match block {
            Block::Title(t) => {
                layout.ensure(40.0);
                layout.tree.open("H1", "");
                layout.lines(&wrap(t, 16.0, true, usable), MARGIN, 16.0, true);
                layout.tree.close();
                layout.y -= 8.0;
            }
            Block::Heading(t) => {
                layout.ensure(50.0);
                layout.y -= 8.0;
                layout.tree.open("H2", "");
                layout.lines(&wrap(t, 12.0, true, usable), MARGIN, 12.0, true);
                layout.tree.close();
                layout.y -= 2.0;
            }
            Block::Paragraph(t) => {
                layout.tree.open("P", "");
                layout.lines(&wrap(t, BODY, false, usable), MARGIN, BODY, false);
                layout.tree.close();
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
                layout.tree.open("P", "");
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
                layout.tree.close();
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

    // Objects: 1 catalog, 2 pages, 3 and 4 fonts, 5 info, 6 structure tree root, 7 its parent
    // tree, 8 XMP metadata, then the structure elements (the Document first), then a page and
    // its content per page.
    const ROOT: usize = 6;
    const FIRST_ELEM: usize = 9;
    let first_page = FIRST_ELEM + layout.tree.len();
    let page_object = |p: usize| first_page + 2 * p;
    let mut objects: Vec<Vec<u8>> = [
        "<< /Type /Catalog /Pages 2 0 R /Lang (da-DK) /MarkInfo << /Marked true >> /StructTreeRoot 6 0 R /ViewerPreferences << /DisplayDocTitle true >> /Metadata 8 0 R >>".to_string(),
        String::new(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".into(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>"
            .into(),
        format!("<< /Title {} /Producer (pulje) >>", text_string(title)),
        format!("<< /Type /StructTreeRoot /K {FIRST_ELEM} 0 R /ParentTree 7 0 R /ParentTreeNextKey {count} >>"),
        layout.tree.parent_tree(FIRST_ELEM, count),
    ]
    .iter()
    .map(|o| encode_latin1(o))
    .collect();
    objects.push(metadata(title));
    for elem in layout.tree.objects(FIRST_ELEM, ROOT, page_object) {
        objects.push(encode_latin1(&elem));
    }
    let mut kids = Vec::new();
    for (i, ops) in layout.pages.iter().enumerate() {
        let mut content = ops.clone();
        let foot = format!("{footer}   Side {} af {count}", i + 1);
        let _ = writeln!(
            content,
            "/Artifact <</Type /Pagination /Subtype /Footer>> BDC BT /F1 8 Tf {MARGIN:.1} 30 Td {} Tj ET EMC",
            pdf_string(&foot)
        );
        let page_id = objects.len() + 1;
        debug_assert_eq!(page_id, page_object(i));
        kids.push(format!("{page_id} 0 R"));
        objects.push(encode_latin1(&format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {} 0 R /StructParents {i} /Tabs /S >>",
            page_id + 1
        )));
        let bytes = encode_latin1(&content);
        objects.push(encode_latin1(&format!(
            "<< /Length {} >>\nstream\n{}\nendstream",
            bytes.len(),
            content
        )));
    }
    objects[1] = encode_latin1(&format!(
        "<< /Type /Pages /Kids [{}] /Count {count} >>",
        kids.join(" ")
    ));

    let mut out: Vec<u8> = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
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

/// The XMP metadata stream (UTF-8): the title and the language, nothing that changes between
/// runs. No PDF/UA claim: the fonts are not embedded.
fn metadata(title: &str) -> Vec<u8> {
    let escaped = title
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let xmp = format!(
        "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n\
<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n\
<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n\
<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\">\n\
<dc:format>application/pdf</dc:format>\n\
<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">{escaped}</rdf:li></rdf:Alt></dc:title>\n\
<dc:language><rdf:Bag><rdf:li>da-DK</rdf:li></rdf:Bag></dc:language>\n\
<pdf:Producer>pulje</pdf:Producer>\n\
</rdf:Description>\n\
</rdf:RDF>\n\
</x:xmpmeta>\n\
<?xpacket end=\"w\"?>"
    );
    let mut out = format!(
        "<< /Type /Metadata /Subtype /XML /Length {} >>\nstream\n",
        xmp.len()
    )
    .into_bytes();
    out.extend_from_slice(xmp.as_bytes());
    out.extend_from_slice(b"\nendstream");
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
        assert!(pdf.starts_with(b"%PDF-1.7"));
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
    fn parentheses_and_backslashes_are_escaped() {
        assert_eq!(pdf_string("a(b)\\"), "(a\\(b\\)\\\\)");
        assert_eq!(pdf_string("æ"), "(\\346)");
        assert_eq!(text_string("Æ–"), "<FEFF00C62013>");
    }
}
