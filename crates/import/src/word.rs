//! The text of a Word document's body (`word/document.xml`) as lines, each with where it stood:
//! a paragraph per line; a table row per line, its cells separated by a tab (a label cell and a
//! value cell become "label\tvalue", a shaded section row spanning the table one cell); text
//! boxes once (Word stores each twice, as a drawing and as its VML fallback); content controls'
//! text unless it is Word's own prompt; struck-through and deleted runs left out (they are not
//! the answer); headers and footers are other parts and never read.

use crate::error::ErrorKind;
use quick_xml::events::{BytesStart, Event};

/// One line of a Word document and where it stood, in Danish ("tabel 1, række 3").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WordLine {
    pub text: String,
    pub place: String,
}

/// The document's lines, and how many struck-through runs were left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WordText {
    pub lines: Vec<WordLine>,
    pub struck_runs: usize,
}

/// A table cell being read: its paragraphs, and whether it continues a vertical merge.
#[derive(Default)]
struct Cell {
    paragraphs: Vec<String>,
    continues_merge: bool,
}

#[derive(Default)]
struct Table {
    number: usize,
    rows: usize,
    row: Vec<Cell>,
    cell: Option<Cell>,
}

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .map(|a| a.value.to_string())
}

/// A toggle property (`<w:strike/>`, `<w:strike w:val="0"/>`): on unless its value says off.
fn toggled_on(e: &BytesStart<'_>) -> bool {
    !matches!(
        attr(e, "val").as_deref(),
        Some("0" | "false" | "off" | "none")
    )
}

/// A Wingdings check box drawn with `w:sym`.
fn symbol(e: &BytesStart<'_>) -> Option<char> {
    let code = attr(e, "char")?.to_ascii_uppercase();
    match code.trim_start_matches("F0") {
        "FE" | "78" | "FD" => Some('☒'),
        "6F" | "A8" | "A1" => Some('☐'),
        _ => None,
    }
}

struct Reader {
    out: WordText,
    /// Open paragraphs (a text box's paragraph sits inside its anchor's paragraph).
    paragraphs: Vec<String>,
    tables: Vec<Table>,
    tables_seen: usize,
    body_paragraphs: usize,
    text_boxes: usize,
    in_text: bool,
    in_run: bool,
    in_run_props: bool,
    run_struck: bool,
    /// Depth inside `mc:Fallback` (skipped: it repeats the `mc:Choice`).
    fallback: usize,
    /// Per open content control: whether it shows Word's prompt instead of an answer.
    controls: Vec<bool>,
    /// Depth inside text boxes.
    boxes: usize,
    seen_body: bool,
}

impl Reader {
    fn skipping(&self) -> bool {
        self.fallback > 0 || self.controls.iter().any(|p| *p)
    }

    fn push_text(&mut self, s: &str) {
        if self.skipping() || !self.in_text {
            return;
        }
        if self.run_struck {
            return;
        }
        if let Some(p) = self.paragraphs.last_mut() {
            p.push_str(s);
        }
    }

    fn push_char(&mut self, c: char) {
        if self.skipping() {
            return;
        }
        if let Some(p) = self.paragraphs.last_mut() {
            p.push(c);
        }
    }

    fn emit(&mut self, text: String, place: String) {
        self.out.lines.push(WordLine { text, place });
    }

    fn end_paragraph(&mut self) {
        let Some(text) = self.paragraphs.pop() else {
            return;
        };
        if self.boxes > 0 {
            self.text_boxes += 1;
            let place = format!("tekstfelt {}", self.text_boxes);
            for line in text.split('\n') {
                self.emit(line.to_string(), place.clone());
            }
            return;
        }
        if let Some(cell) = self.tables.last_mut().and_then(|t| t.cell.as_mut()) {
            cell.paragraphs
                .extend(text.split('\n').map(|s| s.to_string()));
            return;
        }
        self.body_paragraphs += 1;
        let place = format!("afsnit {}", self.body_paragraphs);
        for line in text.split('\n') {
            self.emit(line.to_string(), place.clone());
        }
    }

    /// A finished row: its non-empty cells; the last one is the value, the others its label.
    fn end_row(&mut self) {
        let Some(table) = self.tables.last_mut() else {
            return;
        };
        table.rows += 1;
        let place = format!("tabel {}, række {}", table.number, table.rows);
        let cells: Vec<Vec<String>> = std::mem::take(&mut table.row)
            .into_iter()
            .filter(|c| !c.continues_merge)
            .map(|c| {
                c.paragraphs
                    .into_iter()
                    .map(|p| p.trim().to_string())
                    .filter(|p| !p.is_empty())
                    .collect::<Vec<_>>()
            })
            .filter(|c| !c.is_empty())
            .collect();
        match cells.len() {
            0 => {}
            1 => {
                for p in &cells[0] {
                    self.emit(p.clone(), place.clone());
                }
            }
            n => {
                let label: Vec<String> = cells[..n - 1].iter().map(|c| c.join(" ")).collect();
                let value = &cells[n - 1];
                self.emit(
                    format!("{}\t{}", label.join("\t"), value[0]),
                    format!("{place}, celle {n}"),
                );
                for p in &value[1..] {
                    self.emit(p.clone(), format!("{place}, celle {n}"));
                }
            }
        }
    }

    fn start(&mut self, e: &BytesStart<'_>, empty: bool) {
        let name = e.local_name();
        let name = name.as_ref();
        if name == "Fallback" && !empty {
            self.fallback += 1;
            return;
        }
        if self.fallback > 0 {
            return;
        }
        match name {
            "body" => self.seen_body = true,
            "p" if !empty => self.paragraphs.push(String::new()),
            "p" => {}
            "r" if !empty => {
                self.in_run = true;
                self.run_struck = false;
            }
            "rPr" if self.in_run && !empty => self.in_run_props = true,
            "strike" | "dstrike" if self.in_run_props && toggled_on(e) => {
                self.run_struck = true;
            }
            "t" if !empty => self.in_text = true,
            "tab" if self.in_run => self.push_char('\t'),
            "br" | "cr" if self.in_run => self.push_char('\n'),
            "noBreakHyphen" => self.push_char('-'),
            "sym" => {
                if let Some(c) = symbol(e) {
                    self.push_char(c);
                }
            }
            "sdt" if !empty => self.controls.push(false),
            "showingPlcHdr" => {
                if let Some(last) = self.controls.last_mut() {
                    *last = true;
                }
            }
            "txbxContent" if !empty => self.boxes += 1,
            "tbl" if !empty => {
                self.tables_seen += 1;
                self.tables.push(Table {
                    number: self.tables_seen,
                    ..Table::default()
                });
            }
            "tc" if !empty => {
                if let Some(t) = self.tables.last_mut() {
                    t.cell = Some(Cell::default());
                }
            }
            "vMerge" => {
                let continues = !matches!(attr(e, "val").as_deref(), Some("restart"));
                if let Some(cell) = self.tables.last_mut().and_then(|t| t.cell.as_mut()) {
                    cell.continues_merge = continues;
                }
            }
            _ => {}
        }
    }

    fn end(&mut self, name: &str) {
        if name == "Fallback" {
            self.fallback = self.fallback.saturating_sub(1);
            return;
        }
        if self.fallback > 0 {
            return;
        }
        match name {
            "t" => self.in_text = false,
            "rPr" => self.in_run_props = false,
            "r" => {
                self.in_run = false;
                self.run_struck = false;
            }
            "p" => self.end_paragraph(),
            "sdt" => {
                self.controls.pop();
            }
            "txbxContent" => self.boxes = self.boxes.saturating_sub(1),
            "tc" => {
                if let Some(t) = self.tables.last_mut() {
                    if let Some(cell) = t.cell.take() {
                        t.row.push(cell);
                    }
                }
            }
            "tr" => self.end_row(),
            "tbl" => {
                self.tables.pop();
            }
            _ => {}
        }
    }
}

/// Reads `word/document.xml`. Struck-through runs are counted, not read.
pub fn document_lines(xml: &str) -> Result<WordText, ErrorKind> {
    let mut xml_reader = quick_xml::Reader::from_str(xml);
    let mut r = Reader {
        out: WordText::default(),
        paragraphs: Vec::new(),
        tables: Vec::new(),
        tables_seen: 0,
        body_paragraphs: 0,
        text_boxes: 0,
        in_text: false,
        in_run: false,
        in_run_props: false,
        run_struck: false,
        fallback: 0,
        controls: Vec::new(),
        boxes: 0,
        seen_body: false,
    };
    loop {
        match xml_reader.read_event() {
            Ok(Event::Start(e)) => {
                if e.local_name().as_ref() == "document" {
                    r.seen_body = true;
                }
                r.start(&e, false)
            }
            Ok(Event::Empty(e)) => r.start(&e, true),
            Ok(Event::End(e)) => {
                let name = e.local_name();
                r.end(name.as_ref());
            }
            Ok(Event::Text(t)) if r.in_text => {
                let struck = r.run_struck && !r.skipping();
                r.push_text(&t.xml10_content());
                if struck {
                    r.out.struck_runs += 1;
                }
            }
            Ok(Event::CData(t)) if r.in_text => r.push_text(&t.xml10_content()),
            Ok(Event::GeneralRef(reference)) if r.in_text => {
                if let Ok(Some(c)) = reference.resolve_char_ref() {
                    r.push_text(c.encode_utf8(&mut [0; 4]));
                } else if let Some(s) = quick_xml::escape::resolve_predefined_entity(&reference) {
                    r.push_text(s);
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(_) => return Err(ErrorKind::InvalidDocx),
        }
    }
    if !r.seen_body {
        return Err(ErrorKind::InvalidDocx);
    }
    // Unclosed elements in a damaged file: keep what was read.
    while !r.paragraphs.is_empty() {
        r.end_paragraph();
    }
    Ok(r.out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(xml: &str) -> Vec<String> {
        document_lines(xml)
            .unwrap()
            .lines
            .into_iter()
            .map(|l| l.text)
            .collect()
    }

    #[test]
    fn a_row_is_label_tab_value_and_merged_continuations_are_skipped() {
        let xml = r#"<w:document xmlns:w="w"><w:body><w:tbl>
            <w:tr><w:tc><w:tcPr><w:gridSpan w:val="3"/></w:tcPr><w:p><w:r><w:t>A. Identifikation</w:t></w:r></w:p></w:tc></w:tr>
            <w:tr><w:tc><w:tcPr><w:vMerge w:val="restart"/></w:tcPr><w:p><w:r><w:t>A</w:t></w:r></w:p></w:tc>
              <w:tc><w:p><w:r><w:t>A1. Hospital</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Viborg</w:t></w:r></w:p><w:p><w:r><w:t>Medicin</w:t></w:r></w:p></w:tc></w:tr>
            <w:tr><w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc>
              <w:tc><w:p><w:r><w:t>A2. Titel</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Forsøg</w:t></w:r></w:p></w:tc></w:tr>
            </w:tbl></w:body></w:document>"#;
        assert_eq!(
            texts(xml),
            [
                "A. Identifikation",
                "A\tA1. Hospital\tViborg",
                "Medicin",
                "A2. Titel\tForsøg"
            ]
        );
        let lines = document_lines(xml).unwrap().lines;
        assert_eq!(lines[1].place, "tabel 1, række 2, celle 3");
    }

    #[test]
    fn struck_runs_prompts_and_fallbacks_are_not_read() {
        let xml = r#"<w:document xmlns:w="w" xmlns:mc="mc"><w:body>
            <w:p><w:r><w:rPr><w:strike/></w:rPr><w:t>20.000</w:t></w:r><w:r><w:t xml:space="preserve"> 35.000 </w:t></w:r><w:r><w:rPr><w:strike w:val="0"/></w:rPr><w:t>kr.</w:t></w:r></w:p>
            <w:p><w:sdt><w:sdtPr><w:showingPlcHdr/></w:sdtPr><w:sdtContent><w:r><w:t>Klik her</w:t></w:r></w:sdtContent></w:sdt></w:p>
            <w:p><w:r><mc:AlternateContent><mc:Choice><w:txbxContent><w:p><w:r><w:t>Boks</w:t></w:r></w:p></w:txbxContent></mc:Choice><mc:Fallback><w:txbxContent><w:p><w:r><w:t>Boks</w:t></w:r></w:p></w:txbxContent></mc:Fallback></mc:AlternateContent></w:r></w:p>
            </w:body></w:document>"#;
        let read = document_lines(xml).unwrap();
        let texts: Vec<&str> = read.lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, [" 35.000 kr.", "", "Boks", ""]);
        assert_eq!(read.struck_runs, 1);
        assert_eq!(read.lines[2].place, "tekstfelt 1");
    }
}
