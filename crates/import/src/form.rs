//! Recognises the agreement form "Skema til brug for aftale af regionale forsøg" (sections A–D)
//! in extracted text, in both layouts seen in practice:
//!
//! - *inline*: each label followed by its value on the same line (and the lines after it);
//! - *labels first*: a PDF extraction that emits a run of labels and then their values, in the
//!   labels' order, with template text in between.
//!
//! The text goes through three steps: lines are cleaned (hyphenation joined, whitespace
//! collapsed); each line is classified (label, section heading, template text, areas list,
//! debris, or value text); values are then assigned to fields. Template text (the form's own
//! instructions, including its example amounts and its latest end date) is never a value.
//! Everything that is neither a value nor template ends up in `unmapped_text`.

use crate::areas;
use crate::error::{ErrorKind, ImportError};
use crate::extract::Document;
use crate::supplement;
use crate::text::{
    dehyphenate, find_amounts, find_dates, fold, levenshtein, parse_amount, window_after,
    window_before, FoundDate,
};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;

/// The form's content, with exactly the keys of the import contract.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FormExtract {
    pub hospital_department: String,
    pub title: String,
    pub responsible_leader: String,
    pub responsible_doctor: String,
    pub purpose: String,
    pub description: String,
    pub content: String,
    pub participants: String,
    pub period_text: String,
    pub organisation: String,
    pub supplement_dkk: Option<i64>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub agreement_date: Option<NaiveDate>,
    pub areas: Vec<String>,
    pub remarks: String,
    /// The agreement form's other fields that have a line of their own in the file
    /// (`import_label` in the form's table, e.g. `cost_centre` from "Omkostningssted"), keyed
    /// by the field's name.
    #[serde(flatten)]
    pub extra: BTreeMap<&'static str, String>,
    pub unmapped_text: String,
    pub warnings: Vec<String>,
    /// Per field: the source text and how sure the recogniser is (for a review screen). Not part
    /// of the contract's JSON.
    #[serde(skip)]
    pub fields: Vec<FieldEvidence>,
}

impl FormExtract {
    /// A one-value field by the application form's name: text as read, dates as
    /// `YYYY-MM-DD`; `None` for what the form lacked and for the fields mapped by their own
    /// rules (participants, supplement, areas).
    pub fn value(&self, name: &str) -> Option<String> {
        let text = match name {
            "hospital_department" => &self.hospital_department,
            "title" => &self.title,
            "responsible_leader" => &self.responsible_leader,
            "responsible_doctor" => &self.responsible_doctor,
            "purpose" => &self.purpose,
            "description" => &self.description,
            "content" => &self.content,
            "period_text" => &self.period_text,
            "organisation" => &self.organisation,
            "remarks" => &self.remarks,
            "start_date" | "end_date" | "agreement_date" => {
                let date = match name {
                    "start_date" => self.start_date,
                    "end_date" => self.end_date,
                    _ => self.agreement_date,
                };
                return date.map(|d| d.format("%Y-%m-%d").to_string());
            }
            other => self.extra.get(other)?,
        };
        (!text.is_empty()).then(|| text.clone())
    }
}

/// How sure the recogniser is of a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// Found next to its own label, or in a form that cannot be misread.
    High,
    /// Placed by the form's order (labels first, values later), or corrected.
    Medium,
    /// A guess: check it.
    Low,
}

/// Where one field's value came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldEvidence {
    /// The contract key, e.g. `"title"`.
    pub key: &'static str,
    /// The value as it appears in the extract (dates as YYYY-MM-DD, areas joined by "; ").
    pub value: String,
    /// The source lines it was read from.
    pub source_excerpt: String,
    /// Where in the file, in Danish: "linje 12", "side 2, linje 4", "tabel 1, række 3, celle 2".
    pub location: String,
    pub confidence: Confidence,
    /// A Danish note when the recogniser is unsure of this field.
    pub warning: Option<String>,
    /// The document's lines the value was read from (1-based); empty when not known.
    #[serde(skip)]
    pub lines: Vec<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Field {
    HospitalDepartment,
    Title,
    ResponsibleLeader,
    ResponsibleDoctor,
    Purpose,
    Description,
    Content,
    Participants,
    PeriodText,
    Organisation,
    Economy,
    Remarks,
    StartDate,
    EndDate,
    AgreementDate,
    ApprovalDate,
}

impl Field {
    fn key(self) -> &'static str {
        match self {
            Field::HospitalDepartment => "hospital_department",
            Field::Title => "title",
            Field::ResponsibleLeader => "responsible_leader",
            Field::ResponsibleDoctor => "responsible_doctor",
            Field::Purpose => "purpose",
            Field::Description => "description",
            Field::Content => "content",
            Field::Participants => "participants",
            Field::PeriodText => "period_text",
            Field::Organisation => "organisation",
            Field::Economy => "supplement_dkk",
            Field::Remarks => "remarks",
            Field::StartDate => "start_date",
            Field::EndDate => "end_date",
            Field::AgreementDate => "agreement_date",
            Field::ApprovalDate => "approval_date",
        }
    }

    fn is_date(self) -> bool {
        matches!(
            self,
            Field::StartDate | Field::EndDate | Field::AgreementDate | Field::ApprovalDate
        )
    }

    fn is_text(self) -> bool {
        !self.is_date() && self != Field::Economy
    }

    /// The label as the form prints it, for warnings.
    fn label(self) -> &'static str {
        match self {
            Field::HospitalDepartment => "A1 Hospital/afdeling",
            Field::Title => "A2 Forsøgets titel",
            Field::ResponsibleLeader => "A3 Ansvarlig leder",
            Field::ResponsibleDoctor => "A4 Ansvarlig afdelingslæge",
            Field::Purpose => "B1 Formål",
            Field::Description => "B2 Beskrivelse",
            Field::Content => "B3 Indhold",
            Field::Participants => "B3 Deltagerkreds",
            Field::PeriodText => "B4 Periode",
            Field::Organisation => "B5 Organisering",
            Field::Economy => "B6 Økonomi",
            Field::Remarks => "Uddybende bemærkninger",
            Field::StartDate => "C.2 Dato for forsøgets opstart",
            Field::EndDate => "C.3 Dato for forsøgets afslutning",
            Field::AgreementDate => "D Dato for aftalen",
            Field::ApprovalDate => "D Dato for godkendelsen",
        }
    }
}

/// A label of the form: its code (letter and digit), its field, its printed text, and whether
/// it is recognised without its code.
struct LabelDef {
    code: &'static str,
    field: Field,
    text: &'static str,
    needs_code: bool,
}

const LABELS: [LabelDef; 15] = [
    LabelDef {
        code: "A1",
        field: Field::HospitalDepartment,
        text: "Hospital/afdeling",
        needs_code: true,
    },
    LabelDef {
        code: "A2",
        field: Field::Title,
        text: "Forsøgets titel",
        needs_code: true,
    },
    LabelDef {
        code: "A3",
        field: Field::ResponsibleLeader,
        text: "Ansvarlige leder for forsøget",
        needs_code: true,
    },
    LabelDef {
        code: "A4",
        field: Field::ResponsibleDoctor,
        text: "Ansvarlig afd.læge",
        needs_code: true,
    },
    LabelDef {
        code: "B1",
        field: Field::Purpose,
        text: "Formål",
        needs_code: true,
    },
    LabelDef {
        code: "B2",
        field: Field::Description,
        text: "Beskrivelse",
        needs_code: true,
    },
    LabelDef {
        code: "B3",
        field: Field::Content,
        text: "Indhold (hvad er aftalt?)",
        needs_code: true,
    },
    LabelDef {
        code: "B3",
        field: Field::Participants,
        text: "Deltagerkreds (hvem indgår?)",
        needs_code: true,
    },
    LabelDef {
        code: "B4",
        field: Field::PeriodText,
        text: "I hvilken periode kører forsøget?",
        needs_code: false,
    },
    LabelDef {
        code: "B5",
        field: Field::Organisation,
        text: "Organisering",
        needs_code: true,
    },
    LabelDef {
        code: "B6",
        field: Field::Economy,
        text: "Økonomi",
        needs_code: true,
    },
    LabelDef {
        code: "C2",
        field: Field::StartDate,
        text: "Dato for forsøgets opstart",
        needs_code: false,
    },
    LabelDef {
        code: "C3",
        field: Field::EndDate,
        text: "Dato for forsøgets afslutning",
        needs_code: false,
    },
    LabelDef {
        code: "",
        field: Field::Remarks,
        text: "Uddybende bemærkninger:",
        needs_code: false,
    },
    LabelDef {
        code: "D",
        field: Field::AgreementDate,
        text: "Dato",
        needs_code: false,
    },
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Zone {
    Anywhere,
    /// Only inside section D (signatures), where short words like "Leder" are the form's own.
    SectionD,
}

/// The form's own text. Lines made of a piece of one of these (two words or more, or a piece
/// continuing the previous line's) are template, not values. Amounts beside the template's own
/// are values written into it.
const TEMPLATES: [(&str, Zone); 8] = [
    ("PROJEKT FAGLIG OG OPGAVEMÆSSIG UDVIKLING FOR AFDELINGSLÆGER", Zone::Anywhere),
    ("SKEMA TIL BRUG FOR AFTALE AF REGIONALE FORSØG", Zone::Anywhere),
    (
        "Hvad har I konkret aftalt? Fx Der er aftalt et tillæg på x kr. til Vi fraviger overenskomstens arbejdstidsregler (§ X) på følgende måde: Evt. dokumenteret som bilag.",
        Zone::Anywhere,
    ),
    (
        "(Tillægsstørrelse 20.000 – 35.000 eller 50.000 kr.) – tildeles den ansvarlige afd.læge",
        Zone::Anywhere,
    ),
    ("Forsøget ophører senest 31.12. 2023", Zone::Anywhere),
    ("Ledende overlæge", Zone::SectionD),
    ("Leder Afdelingslæge", Zone::SectionD),
    ("For YL For Region Midtjylland", Zone::SectionD),
];
const ECONOMY_TEMPLATE: usize = 3;
const CONTENT_TEMPLATE: usize = 2;
const FORM_TITLE_TEMPLATE: usize = 1;

/// Section headings: letter and the folded start of its title.
const SECTIONS: [(char, &str); 5] = [
    ('A', "identifikation"),
    ('B', "forsoeget"),
    ('C', "forsoegets tidsmaessige"),
    ('D', "aftalen er indgaaet"),
    ('E', "aftalen er godkendt"),
];

/// Words that mark a comment or markup left in a PDF by a reviewer.
const ANNOTATIONS: [&str; 7] = [
    "udstregning",
    "understregning",
    "gennemstregning",
    "fremhaevning",
    "markering",
    "kommentar",
    "notat",
];

// ---------------------------------------------------------------------------------------------
// Tokens

/// A word of a line, folded for comparison, with its byte range in the line.
#[derive(Debug, Clone)]
struct Tok {
    folded: String,
    end: usize,
}

const TRIM: &[char] = &[
    '(', ')', '[', ']', '{', '}', ',', ';', ':', '?', '!', '"', '\'', '.', '«', '»', '-', '–', '—',
    '•', '\u{f0b7}', '*', '“', '”',
];

fn tokens(line: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in line
        .char_indices()
        .chain(std::iter::once((line.len(), ' ')))
    {
        if c.is_whitespace() {
            if let Some(s) = start.take() {
                let word = &line[s..i];
                let folded = fold(word.trim_matches(TRIM));
                if !folded.is_empty() {
                    out.push(Tok { folded, end: i });
                }
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    out
}

fn template_tokens(text: &str) -> Vec<String> {
    tokens(text).into_iter().map(|t| t.folded).collect()
}

/// Equal after folding, allowing the OCR damage seen in scans: q for g, l/I for 1, one wrong
/// letter in a long word.
fn tok_eq(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    // Cheap refusals first: this runs for every word against every template word.
    if a.len().abs_diff(b.len()) > 2 {
        return false;
    }
    // Figures must match exactly: 50.000 is not a misread 20.000.
    if a.bytes().chain(b.bytes()).any(|c| c.is_ascii_digit()) {
        return false;
    }
    if (a.contains('q') || b.contains('q')) && a.replace('q', "g") == b.replace('q', "g") {
        return true;
    }
    let (la, lb) = (a.chars().count(), b.chars().count());
    la >= 7
        && lb >= 7
        && la.abs_diff(lb) <= 1
        && a.chars().next() == b.chars().next()
        && levenshtein(&a.replace('q', "g"), &b.replace('q', "g")) <= 1
}

/// A label code at the start of a word: "A1.", "Al.", "C.2.", "B4" → ("A1", "C2", "B4").
fn parse_code(word: &str) -> Option<String> {
    let mut chars = word.chars();
    let letter = chars.next()?;
    if !matches!(letter, 'A'..='D') {
        return None;
    }
    let rest: String = chars.filter(|c| *c != '.').collect();
    let mut rc = rest.chars();
    let digit = match rc.next()? {
        d @ '1'..='6' => d,
        'l' | 'I' | '|' | 'i' | '!' => '1',
        _ => return None,
    };
    if rc.next().is_some() {
        return None;
    }
    Some(format!("{letter}{digit}"))
}

// ---------------------------------------------------------------------------------------------
// Classification

#[derive(Debug, Clone)]
enum Kind {
    Blank,
    /// 'A'..'D', and 'E' for "D. Aftalen er godkendt".
    Section,
    Label {
        field: Field,
        inline: String,
    },
    Template {
        index: usize,
        extras: Vec<i64>,
    },
    AreaHeader {
        inline: String,
    },
    AreaItem(String),
    AreaNote,
    /// A line labelled with a field's `import_label` from the form's table.
    Extra {
        key: &'static str,
        inline: String,
    },
    /// Not content: page numbers and the like (dropped).
    Noise,
    /// Links and reviewers' marks: kept in unmapped_text.
    Debris {
        annotation: bool,
    },
    /// A greeting that ends an e-mail's text ("Med venlig hilsen", "Mvh", "-- ").
    Signature,
    Text,
}

#[derive(Debug, Clone)]
struct Item {
    no: usize,
    text: String,
    kind: Kind,
}

/// Whitespace collapsed to one space, or to one tab where the run held a tab (a table's cell
/// boundary, or a tab between label and value).
fn collapse_spaces(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut gap: Option<char> = None;
    for c in s.trim().chars() {
        if c.is_whitespace() {
            if c == '\t' || gap.is_none() {
                gap = Some(if c == '\t' { '\t' } else { ' ' });
            }
        } else {
            if let Some(g) = gap.take() {
                out.push(g);
            }
            out.push(c);
        }
    }
    out
}

/// Where a value's text stops being the form's note about the date ("senest 31.12.2023",
/// "(Forsøget ophører senest …)"): such a date is the form's limit, never the answer.
fn is_limit_note(text: &str, d: &FoundDate) -> bool {
    // Only the words since the last closing parenthesis or date speak of this date.
    let window = window_before(text, d.start, 60);
    let since = window
        .rfind(')')
        .map_or(0, |p| p + 1)
        .max(find_dates(window).last().map_or(0, |prev| prev.end));
    let near = fold(&window[since..]);
    if near.contains("senest") || near.contains("ophoerer") || near.contains("ikke efter") {
        return true;
    }
    // Inside parentheses that speak of the limit.
    let wide = window_before(text, d.start, 120);
    if let Some(open) = wide.rfind('(') {
        if !wide[open..].contains(')') {
            let after = window_after(text, d.end, 120);
            let close = after.find(')').unwrap_or(after.len());
            let inside = fold(&format!("{}{}", &wide[open..], &after[..close]));
            return inside.contains("senest") || inside.contains("ophoerer");
        }
    }
    false
}

/// The dates of a value, without the form's "senest …" limit.
fn value_dates(text: &str) -> Vec<FoundDate> {
    find_dates(text)
        .into_iter()
        .filter(|d| !is_limit_note(text, d))
        .collect()
}

/// A line of an e-mail's header block, as mail programs quote it in replies and forwards.
fn mail_header_key(line: &str) -> Option<&'static str> {
    let folded = fold(line);
    let key = folded.split(':').next()?;
    if folded.len() == key.len() {
        return None;
    }
    [
        "fra", "from", "sendt", "sent", "til", "to", "emne", "subject", "cc", "bcc", "dato",
        "date", "vedr", "svar til", "reply-to",
    ]
    .into_iter()
    .find(|k| *k == key)
}

/// For each line, whether it belongs to a quoted mail header block: two or more header lines
/// in a row, among them a sender, a recipient or a subject.
fn mail_header_lines(lines: &[(usize, String)]) -> Vec<bool> {
    let mut out = vec![false; lines.len()];
    let mut i = 0;
    while i < lines.len() {
        let mut j = i;
        let mut core = false;
        while j < lines.len() {
            match mail_header_key(&lines[j].1) {
                Some(k) => {
                    core |= matches!(
                        k,
                        "fra" | "from" | "til" | "to" | "emne" | "subject" | "sendt" | "sent"
                    );
                    j += 1;
                }
                None => break,
            }
        }
        if j - i >= 2 && core {
            for flag in &mut out[i..j] {
                *flag = true;
            }
        }
        i = j.max(i + 1);
    }
    out
}

/// A mail program's separator line ("-----Original Message-----", "Videresendt meddelelse").
fn is_mail_separator(folded: &str) -> bool {
    let words = folded.trim_matches(|c: char| c == '-' || c.is_whitespace());
    matches!(
        words,
        "original message"
            | "oprindelig meddelelse"
            | "videresendt meddelelse"
            | "forwarded message"
            | "begin forwarded message:"
            | "videresendt besked"
    )
}

/// A greeting that starts an e-mail's signature.
fn is_signature(folded: &str) -> bool {
    if folded == "--" || folded.starts_with("sendt fra min") || folded.starts_with("sent from my") {
        return true;
    }
    let words: Vec<&str> = folded.split_whitespace().collect();
    let greeting = [
        "med venlig hilsen",
        "venlig hilsen",
        "venligst",
        "mvh",
        "mvh.",
        "vh",
        "vh.",
        "bedste hilsner",
        "de bedste hilsner",
        "kh",
        "hilsen",
        "kind regards",
        "best regards",
    ];
    words.len() <= 5
        && greeting.iter().any(|g| {
            folded == *g
                || folded
                    .strip_prefix(g)
                    .is_some_and(|rest| rest.starts_with([' ', ',']))
        })
}

/// A check box at the start of a line ("[X] 35.000 kr.", "☐ 20.000"): an answer, never the
/// form's own text.
fn starts_with_box(line: &str) -> bool {
    line.starts_with(['☐', '☒', '☑', '✔', '✓', '['])
        || line.starts_with("(x)")
        || line.starts_with("(X)")
        || line.starts_with("( )")
}

/// Matches a line against a template from position `from`; returns the position after the
/// line, the amounts written beside the template's own, and how many template words matched.
fn match_template(toks: &[Tok], tmpl: &[String], from: usize) -> Option<(usize, Vec<i64>, usize)> {
    let mut p = from;
    let mut extras = Vec::new();
    let mut matched = 0;
    for t in toks {
        if p < tmpl.len() && tok_eq(&t.folded, &tmpl[p]) {
            p += 1;
            matched += 1;
        } else if p < tmpl.len() && tmpl[p] == "x" && parse_amount(&t.folded).is_some() {
            extras.extend(parse_amount(&t.folded));
            p += 1;
        } else if let Some(a) = parse_amount(&t.folded).filter(|a| *a >= 1000) {
            extras.push(a);
        } else {
            return None;
        }
    }
    Some((p, extras, matched))
}

struct Classifier {
    templates: Vec<Vec<String>>,
    labels: Vec<Vec<String>>,
    /// The form table's other labelled lines: (field name, label words).
    extra_labels: Vec<(&'static str, Vec<String>)>,
    /// [`ALIASES`] as words.
    aliases: Vec<(Field, Vec<String>)>,
}

impl Classifier {
    fn new() -> Self {
        Classifier {
            templates: TEMPLATES.iter().map(|(t, _)| template_tokens(t)).collect(),
            labels: LABELS.iter().map(|l| template_tokens(l.text)).collect(),
            extra_labels: pulje_domain::FIELDS
                .iter()
                .filter_map(|f| f.import_label.map(|l| (f.name, template_tokens(l))))
                .filter(|(_, words)| !words.is_empty())
                .collect(),
            aliases: ALIASES
                .iter()
                .map(|(f, words)| (*f, template_tokens(words)))
                .collect(),
        }
    }

    /// A line that starts with one of the table's other labels (after an optional code such
    /// as "B6"): the field and the byte offset where its value starts.
    fn extra_at(&self, line: &str, toks: &[Tok]) -> Option<(&'static str, usize)> {
        let skip = usize::from(
            line.split_whitespace()
                .next()
                .and_then(parse_code)
                .is_some(),
        );
        let rest = toks.get(skip..)?;
        self.extra_labels.iter().find_map(|(key, words)| {
            let n = rest
                .iter()
                .zip(words)
                .take_while(|(t, w)| tok_eq(&t.folded, w))
                .count();
            (n == words.len()).then(|| (*key, rest[n - 1].end))
        })
    }

    /// A date label whose date is split over two lines, as mail programs wrap them ("… opstart:
    /// 1. december" + "2022"): the next line is joined to it.
    fn join_wrapped_dates(&self, lines: &mut [(usize, String)]) {
        let mut zone = '-';
        for i in 0..lines.len() {
            if let Some(section) = section_of(&lines[i].1) {
                zone = section;
            }
            // "Dato" alone outside section D (where it is the label anyway, and in a scrambled
            // extraction the next date may be another field's), its date on the next line.
            let folded = fold(&lines[i].1);
            if (folded == "dato" || folded == "dato:") && !matches!(zone, 'D' | 'E') {
                if let Some(j) = (i + 1..lines.len().min(i + 3)).find(|&j| !lines[j].1.is_empty()) {
                    if date_line(&lines[j].1).is_some() {
                        let next = std::mem::take(&mut lines[j].1);
                        lines[i].1 = format!("{} {next}", lines[i].1);
                        continue;
                    }
                }
            }
            let toks = tokens(&lines[i].1);
            let Some((li, _, end)) = self.label_at(&lines[i].1, &toks, 'D') else {
                continue;
            };
            if !LABELS[li].field.is_date() {
                continue;
            }
            let inline = lines[i].1[end..].trim().to_string();
            if inline.is_empty() || !value_dates(&inline).is_empty() {
                continue;
            }
            let Some(j) = (i + 1..lines.len().min(i + 3)).find(|&j| !lines[j].1.is_empty()) else {
                continue;
            };
            let next = lines[j].1.clone();
            let next_toks = tokens(&next);
            if next_toks.len() > 6 || self.label_at(&next, &next_toks, 'D').is_some() {
                continue;
            }
            let joined = format!("{inline} {next}");
            if value_dates(&joined)
                .first()
                .is_some_and(|d| d.end > inline.len())
            {
                lines[i].1 = format!("{} {next}", lines[i].1);
                lines[j].1.clear();
            }
        }
    }

    /// Label match: (label index, label words matched, byte offset where the value starts).
    fn label_at(&self, line: &str, toks: &[Tok], zone: char) -> Option<(usize, usize, usize)> {
        let first_word = line.split_whitespace().next()?;
        let code = parse_code(first_word);
        let (rest, code_end) = if code.is_some() {
            (
                &toks[1.min(toks.len())..],
                toks.first().map(|t| t.end).unwrap_or(0),
            )
        } else {
            (toks, 0)
        };
        let mut best: Option<(usize, usize, usize)> = None;
        for (i, def) in LABELS.iter().enumerate() {
            let words = &self.labels[i];
            if let Some(c) = &code {
                let c = c.as_str();
                // "C.2." is parsed as C2 and matches "C2"; codes never match D/remarks labels.
                if def.code != c {
                    continue;
                }
            } else if def.needs_code {
                continue;
            }
            if def.field == Field::AgreementDate
                && (code.is_some() || !(matches!(zone, 'D' | 'E') || dato_with_value(line)))
            {
                continue;
            }
            let n = rest
                .iter()
                .zip(words)
                .take_while(|(t, w)| tok_eq(&t.folded, w))
                .count();
            // Without a code, a label starts the line with a capital and is written out.
            let enough = if code.is_some() {
                n >= 1
            } else {
                starts_upper(line) && (n == words.len() || n >= 3)
            };
            if enough && best.is_none_or(|b| n > b.1) {
                let end = if n == 0 { code_end } else { rest[n - 1].end };
                best = Some((i, n, end));
            }
        }
        best
    }

    /// Classifies the lines of one agreement; `offset` is the number of the document's lines
    /// before them, so items carry the document's line numbers.
    fn classify(&self, raw: &[&str], offset: usize) -> Vec<Item> {
        let mut lines: Vec<(usize, String)> = dehyphenate(raw)
            .into_iter()
            .map(|(no, l)| (no + offset, collapse_spaces(&l)))
            .collect();
        // A table's section letter merged down its rows ("A\tA1. Hospital/afdeling\t…").
        for (_, line) in lines.iter_mut() {
            let mut chars = line.chars();
            let letter = chars.next().is_some_and(|c| matches!(c, 'A'..='D'));
            let rest = chars.as_str();
            let rest = rest.strip_prefix('.').unwrap_or(rest);
            if letter && rest.starts_with('\t') {
                *line = rest.trim_start().to_string();
            }
        }
        self.join_wrapped_dates(&mut lines);
        let headers = mail_header_lines(&lines);
        // A code left at the end of a line ("… Neurologisk afd. B4") belongs to the label that
        // starts the next non-blank line.
        for i in 0..lines.len() {
            let Some((head, last)) = lines[i].1.rsplit_once(' ') else {
                continue;
            };
            let Some(code) = parse_code(last) else {
                continue;
            };
            let head = head.to_string();
            if let Some(j) = (i + 1..lines.len().min(i + 4)).find(|&j| !lines[j].1.is_empty()) {
                let next_toks = tokens(&lines[j].1);
                let starts_label = LABELS.iter().enumerate().any(|(k, def)| {
                    def.code == code
                        && next_toks
                            .first()
                            .zip(self.labels[k].first())
                            .is_some_and(|(t, w)| tok_eq(&t.folded, w))
                });
                if starts_label {
                    lines[j].1 = format!("{code} {}", lines[j].1);
                    lines[i].1 = head;
                }
            }
        }

        let mut items = Vec::new();
        let mut zone = '-';
        // An open template run: (template index, position reached).
        let mut run: Option<(usize, usize)> = None;
        // An open label whose words continue on the next line: (label index, words matched).
        let mut label_run: Option<(usize, usize)> = None;
        let mut in_areas = false;
        for (idx, (no, line)) in lines.into_iter().enumerate() {
            let push = |items: &mut Vec<Item>, kind| {
                items.push(Item {
                    no,
                    text: line.clone(),
                    kind,
                })
            };
            if line.is_empty() {
                push(&mut items, Kind::Blank);
                continue;
            }
            let toks = tokens(&line);
            let folded = fold(&line);

            // Continuation of a label's words ("forsøget", "aftalt?)", "kører forsøget?").
            if let Some((li, k)) = label_run.take() {
                let words = &self.labels[li];
                let n = toks
                    .iter()
                    .zip(&words[k..])
                    .take_while(|(t, w)| tok_eq(&t.folded, w))
                    .count();
                if n > 0 {
                    let inline = line[toks[n - 1].end..].trim().to_string();
                    if k + n < words.len() && inline.is_empty() {
                        label_run = Some((li, k + n));
                    }
                    if inline.is_empty() {
                        push(&mut items, Kind::Noise);
                    } else {
                        push(
                            &mut items,
                            Kind::Label {
                                field: LABELS[li].field,
                                inline: clean_inline(&inline),
                            },
                        );
                    }
                    continue;
                }
            }

            // Page furniture, and what mail programs add around a quoted or forwarded text.
            if is_page_number(&folded) || headers[idx] || is_mail_separator(&folded) {
                push(&mut items, Kind::Noise);
                continue;
            }
            if is_signature(&folded) {
                run = None;
                in_areas = false;
                push(&mut items, Kind::Signature);
                continue;
            }

            // Section headings: "A. Identifikation", "D. Aftalen er godkendt".
            if let Some(section) = section_of(&line) {
                zone = section;
                run = None;
                in_areas = false;
                push(&mut items, Kind::Section);
                continue;
            }

            // The areas list: "Under område:" then "- …" items.
            if folded.starts_with("under omraade") || folded.starts_with("under omrade") {
                in_areas = true;
                let inline = line
                    .split_once(':')
                    .map(|(_, r)| r.trim().to_string())
                    .unwrap_or_default();
                push(&mut items, Kind::AreaHeader { inline });
                continue;
            }
            if in_areas {
                let bullet = line.starts_with(['-', '•', '\u{f0b7}', '*', '–']);
                if bullet {
                    let item = line.trim_start_matches(['-', '•', '\u{f0b7}', '*', '–', ' ']);
                    push(&mut items, Kind::AreaItem(item.to_string()));
                    continue;
                }
                if line.ends_with(':') && toks.len() <= 5 {
                    push(&mut items, Kind::AreaNote);
                    continue;
                }
                in_areas = false;
            }

            // The table's other labelled lines ("Omkostningssted: …").
            if let Some((key, end)) = self.extra_at(&line, &toks) {
                run = None;
                push(
                    &mut items,
                    Kind::Extra {
                        key,
                        inline: clean_inline(&line[end..]),
                    },
                );
                continue;
            }

            // Labels.
            if let Some((li, n, end)) = self.label_at(&line, &toks, zone) {
                let def = &LABELS[li];
                let inline = line[end..].trim().to_string();
                if n < self.labels[li].len() && inline.is_empty() {
                    label_run = Some((li, n));
                } else if n < self.labels[li].len() {
                    // "I hvilken periode   1. april 2022 …" then "kører forsøget?".
                    label_run = Some((li, n));
                }
                let field = if def.field == Field::AgreementDate && zone == 'E' {
                    Field::ApprovalDate
                } else {
                    def.field
                };
                run = None;
                push(
                    &mut items,
                    Kind::Label {
                        field,
                        inline: clean_inline(&inline),
                    },
                );
                continue;
            }

            // The labels written without their codes: "Forsøgets titel: …", "Startdato: …".
            if let Some((field, end)) = alias_at(&line, &toks, &self.aliases) {
                let field = if field == Field::AgreementDate && zone == 'E' {
                    Field::ApprovalDate
                } else {
                    field
                };
                run = None;
                push(
                    &mut items,
                    Kind::Label {
                        field,
                        inline: clean_inline(&line[end..]),
                    },
                );
                continue;
            }

            // A ticked or empty check box starts an answer, whatever words follow it.
            if starts_with_box(&line) {
                run = None;
                push(&mut items, Kind::Text);
                continue;
            }

            // Template text, continuing an open run or starting a new one.
            if let Some((ti, p)) = run.take() {
                if let Some((end, extras, matched)) = match_template(&toks, &self.templates[ti], p)
                {
                    if matched > 0 {
                        if end < self.templates[ti].len() {
                            run = Some((ti, end));
                        }
                        push(&mut items, Kind::Template { index: ti, extras });
                        continue;
                    }
                }
            }
            if let Some((ti, end, extras)) = self.template_start(&toks, zone) {
                if end < self.templates[ti].len() {
                    run = Some((ti, end));
                }
                push(&mut items, Kind::Template { index: ti, extras });
                continue;
            }

            // Reviewers' marks ("anc" / "Udstregning") and links.
            if toks.len() == 1 && ANNOTATIONS.contains(&toks[0].folded.as_str()) {
                // The initials on the line before belong to the mark.
                if let Some(prev) = items
                    .iter_mut()
                    .rev()
                    .find(|i| !matches!(i.kind, Kind::Blank))
                {
                    if matches!(prev.kind, Kind::Text)
                        && prev.text.chars().count() <= 4
                        && prev.text.chars().all(|c| c.is_alphabetic())
                    {
                        prev.kind = Kind::Debris { annotation: true };
                    }
                }
                push(&mut items, Kind::Debris { annotation: true });
                continue;
            }
            if toks.len() == 1
                && (folded.starts_with("http://")
                    || folded.starts_with("https://")
                    || folded.starts_with("www."))
            {
                push(&mut items, Kind::Debris { annotation: false });
                continue;
            }
            push(&mut items, Kind::Text);
        }
        items
    }

    /// A new template run: a line made of a piece of a template of at least two words, or of a
    /// whole one-line template.
    fn template_start(&self, toks: &[Tok], zone: char) -> Option<(usize, usize, Vec<i64>)> {
        if toks.is_empty() {
            return None;
        }
        for (ti, tmpl) in self.templates.iter().enumerate() {
            if TEMPLATES[ti].1 == Zone::SectionD && !matches!(zone, 'D' | 'E') {
                continue;
            }
            for start in 0..tmpl.len() {
                if !tok_eq(&toks[0].folded, &tmpl[start]) {
                    continue;
                }
                if let Some((end, extras, matched)) = match_template(toks, tmpl, start) {
                    let whole_word_template = TEMPLATES[ti].1 == Zone::SectionD;
                    if matched >= 2 || (whole_word_template && matched == toks.len()) {
                        return Some((ti, end, extras));
                    }
                }
            }
        }
        None
    }
}

/// The form's labels as people write them without the form's codes, each followed by a colon
/// or a tab: (field, words).
const ALIASES: [(Field, &str); 35] = [
    (Field::HospitalDepartment, "Hospital/afdeling"),
    (Field::HospitalDepartment, "Hospital og afdeling"),
    (Field::HospitalDepartment, "Sygehus/afdeling"),
    (Field::Title, "Forsøgets titel"),
    (Field::Title, "Titel på forsøget"),
    (Field::Title, "Titel"),
    (Field::Title, "Projekttitel"),
    (Field::ResponsibleLeader, "Ansvarlige leder for forsøget"),
    (Field::ResponsibleLeader, "Ansvarlig leder for forsøget"),
    (Field::ResponsibleLeader, "Ansvarlig leder"),
    (Field::ResponsibleLeader, "Ansvarlige leder"),
    (Field::ResponsibleDoctor, "Ansvarlig afdelingslæge"),
    (Field::ResponsibleDoctor, "Ansvarlig afd.læge"),
    (Field::ResponsibleDoctor, "Ansvarlig afd. læge"),
    (Field::Purpose, "Formål"),
    (Field::Description, "Beskrivelse"),
    (Field::Content, "Indhold"),
    (Field::Participants, "Deltagerkreds"),
    (Field::PeriodText, "Periode"),
    (Field::Organisation, "Organisering"),
    (Field::Economy, "Økonomi"),
    (Field::Economy, "Tillægsstørrelse"),
    (Field::Economy, "Funktionstillæg"),
    (Field::Economy, "Tillægget"),
    (Field::Economy, "Tillæg"),
    (Field::StartDate, "Dato for forsøgets opstart"),
    (Field::StartDate, "Startdato"),
    (Field::StartDate, "Opstart"),
    (Field::StartDate, "Forsøgets start"),
    (Field::EndDate, "Dato for forsøgets afslutning"),
    (Field::EndDate, "Slutdato"),
    (Field::EndDate, "Forsøgets afslutning"),
    (Field::AgreementDate, "Dato for aftalen"),
    (Field::AgreementDate, "Aftaledato"),
    (Field::AgreementDate, "Dato"),
];

/// A label written without its code at the start of a line and followed by a colon or a tab:
/// the field and the byte offset where the value starts. `aliases` are [`ALIASES`] as words.
fn alias_at(line: &str, toks: &[Tok], aliases: &[(Field, Vec<String>)]) -> Option<(Field, usize)> {
    aliases.iter().find_map(|(field, words)| {
        if toks.len() < words.len() || !toks.iter().zip(words).all(|(t, w)| t.folded == *w) {
            return None;
        }
        let mut end = toks[words.len() - 1].end;
        // The label's own note before its colon: "Slutdato (senest 31.12.2023): …".
        let rest = &line[end..];
        if rest.trim_start().starts_with('(') && !line[..end].ends_with(':') {
            if let Some(close) = rest.find("):") {
                end += close + 2;
                return Some((*field, end));
            }
        }
        let word_end = line[..end].trim_end();
        let colon = word_end.ends_with(':');
        let tab = line[end..].starts_with('\t');
        (colon || tab).then_some((*field, end))
    })
}

/// "Dato" outside the form's section D: only when a value follows it ("Dato: 1. maj 2022",
/// "Dato\t…"), so a word in running text is not taken for the label.
fn dato_with_value(line: &str) -> bool {
    let Some(rest) = line
        .get(..4)
        .filter(|head| head.eq_ignore_ascii_case("dato"))
        .map(|_| &line[4..])
    else {
        return false;
    };
    rest.starts_with([':', '\t']) || date_line(rest).is_some()
}

fn clean_inline(s: &str) -> String {
    s.trim_start_matches([':', '-', '–', ' '])
        .trim()
        .to_string()
}

/// "Side 3 af 5", also at the end of a short footer line ("Region Midtjylland   Side 1 af 2").
fn is_page_number(folded: &str) -> bool {
    let words: Vec<&str> = folded.split(' ').collect();
    if words.len() > 4 && words.len() <= 10 {
        return is_page_number(&words[words.len() - 4..].join(" "));
    }
    match words.as_slice() {
        ["side", n] => n.chars().all(|c| c.is_ascii_digit()),
        ["side", n, "af", m] => {
            n.chars().all(|c| c.is_ascii_digit()) && m.chars().all(|c| c.is_ascii_digit())
        }
        _ => false,
    }
}

fn section_of(line: &str) -> Option<char> {
    let (head, rest) = line.split_once(' ')?;
    let letter = match head {
        "A." => 'A',
        "B." => 'B',
        "C." => 'C',
        "D." => 'D',
        _ => return None,
    };
    let rest = fold(rest);
    SECTIONS
        .iter()
        .find(|(l, start)| {
            (*l == letter || (letter == 'D' && *l == 'E')) && rest.starts_with(start)
        })
        .map(|(l, _)| *l)
}

// ---------------------------------------------------------------------------------------------
// Assignment

type Lines = Vec<(usize, String)>;

/// A block line: a value line, or a paragraph break.
type BlockLine = Option<(usize, String)>;

#[derive(Default)]
struct Assigned {
    text: BTreeMap<Field, (Lines, Confidence)>,
    dates: BTreeMap<Field, (NaiveDate, String, Confidence, usize)>,
    amounts: Vec<(i64, usize, String)>,
    /// The text written under B6 (label line included), for [`supplement::choose`].
    economy_lines: Lines,
    content_amounts: Vec<(i64, usize, String)>,
    /// The table's other labelled lines: field name → (value, source line, confidence, line).
    extra: BTreeMap<&'static str, (String, String, Confidence, usize)>,
    unmapped: Lines,
    warnings: Vec<String>,
}

impl Assigned {
    fn add(&mut self, field: Field, lines: &[(usize, String)], confidence: Confidence) {
        if lines.is_empty() {
            return;
        }
        let entry = self
            .text
            .entry(field)
            .or_insert_with(|| (Vec::new(), confidence));
        entry.0.extend(lines.iter().cloned());
        entry.1 = entry.1.max(confidence);
    }
}

const CONNECTORS: [&str; 8] = [
    "desuden",
    "derudover",
    "endvidere",
    "herudover",
    "dertil",
    "samtidig",
    "ligeledes",
    "yderligere",
];

const LEADER_WORDS: [&str; 7] = [
    "overlaege",
    "professor",
    "ledende",
    "leder",
    "chef",
    "klinikchef",
    "direktoer",
];

fn words_of(text: &str) -> Vec<String> {
    tokens(text)
        .into_iter()
        .flat_map(|t| {
            t.folded
                .split('/')
                .map(|s| s.trim_matches(TRIM).to_string())
                .collect::<Vec<_>>()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

fn is_role_word(w: &str) -> bool {
    [
        "laege",
        "sygeplejerske",
        "sekretaer",
        "professor",
        "stud",
        "terapeut",
        "jordemoder",
    ]
    .iter()
    .any(|s| w.ends_with(s))
        || w.starts_with("samarbejdspartner")
        || w == "samt"
}

fn is_doctor_line(text: &str) -> bool {
    let f = fold(text);
    f.contains("afdelingslaege") || f.contains("afd.laege") || f.contains("afd. laege")
}

fn is_leader_line(text: &str) -> bool {
    words_of(text)
        .iter()
        .any(|w| LEADER_WORDS.iter().any(|l| w.ends_with(l)))
}

/// A paragraph of a participants list: short lines, names of roles or very few words.
fn is_list_like(par: &[(usize, String)]) -> bool {
    !par.is_empty()
        && par.iter().all(|(_, l)| {
            let words = words_of(l);
            l.chars().count() <= 70 && (words.len() <= 4 || words.iter().any(|w| is_role_word(w)))
        })
}

fn starts_upper(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_uppercase())
}

/// Splits block lines into paragraphs at blank lines and at sentence ends followed by a capital.
fn paragraphs(block: &[BlockLine]) -> Vec<Lines> {
    let mut out: Vec<Lines> = Vec::new();
    let mut cur: Lines = Vec::new();
    for line in block {
        match line {
            None => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            Some((no, text)) => {
                if let Some((_, last)) = cur.last() {
                    if last.ends_with(['.', '!', '?']) && starts_upper(text) {
                        out.push(std::mem::take(&mut cur));
                    }
                }
                cur.push((*no, text.clone()));
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Whether a paragraph opens the given field's content (used to end a continuation).
fn opens(field: Field, par: &[(usize, String)]) -> bool {
    let f = fold(
        &par.iter()
            .map(|(_, l)| l.as_str())
            .collect::<Vec<_>>()
            .join(" "),
    );
    match field {
        Field::Content => f.contains("aftal") || f.contains("indgaar i"),
        Field::Participants => is_list_like(par),
        _ => false,
    }
}

/// Labels first: distributes a block of value lines over the pending fields, in order, by the
/// shape each field's value has on the form. `previous` is the field before the pending ones,
/// whose value may continue at the top of the block.
fn distribute(block: &[BlockLine], fields: &[Field], previous: Option<Field>, out: &mut Assigned) {
    let mut pars = paragraphs(block);
    if pars.is_empty() {
        return;
    }
    // A value continuing from before the labels ("Desuden …").
    if let (Some(prev), Some(first)) = (previous, fields.first()) {
        let first_word = pars[0][0]
            .1
            .split_whitespace()
            .next()
            .map(fold)
            .unwrap_or_default();
        let continues = prev.is_text()
            && *first > Field::ResponsibleDoctor
            && (CONNECTORS.contains(&first_word.as_str())
                || pars[0][0]
                    .1
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_lowercase()));
        if continues {
            let opener = pars.iter().position(|p| opens(*first, p));
            let take = match opener {
                Some(k) if k > 0 => k,
                _ => 1,
            };
            let taken: Vec<Lines> = pars.drain(..take.min(pars.len())).collect();
            out.add(prev, &taken.concat(), Confidence::Medium);
        }
    }

    let mut lines: Vec<(usize, String)> = Vec::new();
    let mut breaks: Vec<usize> = Vec::new(); // indexes in `lines` where a paragraph starts
    for p in &pars {
        breaks.push(lines.len());
        lines.extend(p.iter().cloned());
    }
    let is_break = |i: usize| breaks.binary_search(&i).is_ok();
    let mut pos = 0;
    for (fi, &field) in fields.iter().enumerate() {
        let last = fi + 1 == fields.len();
        if pos >= lines.len() {
            break;
        }
        if last {
            // The last field takes the rest, except a participants list after content.
            out.add(field, &lines[pos..], Confidence::Medium);
            pos = lines.len();
            break;
        }
        let next_break = |from: usize| {
            breaks
                .get(breaks.partition_point(|&b| b <= from))
                .copied()
                .unwrap_or(lines.len())
        };
        let (take_from, take_to, confidence) = match field {
            Field::HospitalDepartment => {
                let mut end = pos + 1;
                while end < lines.len() {
                    let prev = &lines[end - 1].1;
                    let next = &lines[end].1;
                    let first = next.split_whitespace().next().unwrap_or("");
                    let joined = prev.ends_with(',')
                        || matches!(first, "samt" | "og" | "&")
                        || next.chars().next().is_some_and(|c| c.is_lowercase());
                    if !joined || is_break(end) {
                        break;
                    }
                    end += 1;
                }
                (pos, end, Confidence::Medium)
            }
            Field::Title => {
                let mut end = pos + 1;
                while end < lines.len()
                    && end - pos < 3
                    && !lines[end - 1].1.ends_with(['.', '!', '?'])
                    && !is_break(end)
                {
                    end += 1;
                }
                (pos, end, Confidence::Medium)
            }
            Field::ResponsibleLeader | Field::ResponsibleDoctor => {
                let test = if field == Field::ResponsibleLeader {
                    is_leader_line
                } else {
                    is_doctor_line
                };
                match (pos..lines.len().min(pos + 3)).find(|&k| test(&lines[k].1)) {
                    Some(k) => {
                        out.unmapped.extend(lines[pos..k].iter().cloned());
                        (k, k + 1, Confidence::Medium)
                    }
                    None => (pos, pos + 1, Confidence::Low),
                }
            }
            Field::Purpose => {
                let mut end = next_break(pos);
                while end < lines.len() && fold(&lines[end].1).starts_with("at ") {
                    end = next_break(end);
                }
                (pos, end, Confidence::Medium)
            }
            Field::Content if fields.get(fi + 1) == Some(&Field::Participants) => {
                // Content runs until the participants list that ends the block.
                let mut start_of_list = lines.len();
                for b in breaks.iter().rev().copied().filter(|&b| b > pos) {
                    let end = next_break(b);
                    if is_list_like(&lines[b..end]) {
                        start_of_list = b;
                    } else {
                        break;
                    }
                }
                (pos, start_of_list, Confidence::Medium)
            }
            _ => (pos, next_break(pos), Confidence::Low),
        };
        out.add(field, &lines[take_from..take_to], confidence);
        pos = take_to;
    }
    if pos < lines.len() {
        out.unmapped.extend(lines[pos..].iter().cloned());
    }
}

/// A line that is a date and little else ("1. april 2022", "Indtil 31-12-2023").
fn date_line(text: &str) -> Option<NaiveDate> {
    let found = value_dates(text);
    let first = found.first()?;
    let mut rest = String::new();
    rest.push_str(&text[..first.start]);
    rest.push_str(&text[first.end..]);
    (rest
        .split_whitespace()
        .filter(|w| w.chars().any(|c| c.is_alphanumeric()))
        .count()
        <= 1)
        .then_some(first.date)
}

struct Assigner {
    labels_first: bool,
    out: Assigned,
    current: Option<Field>,
    pending_text: Vec<Field>,
    pending_dates: Vec<Field>,
    block: Vec<BlockLine>,
    economy_zone: bool,
    /// After a greeting ("Med venlig hilsen"): lines are the signature, not values.
    after_signature: bool,
}

impl Assigner {
    fn flush(&mut self) {
        let block = std::mem::take(&mut self.block);
        let mut rest: Vec<BlockLine> = Vec::new();
        for line in block {
            if let Some((no, text)) = &line {
                if !self.pending_dates.is_empty() {
                    if let Some(date) = date_line(text) {
                        let field = self.pending_dates.remove(0);
                        self.out
                            .dates
                            .insert(field, (date, text.clone(), Confidence::Medium, *no));
                        continue;
                    }
                }
                if self.current.is_some_and(Field::is_date) {
                    self.out.unmapped.push((*no, text.clone()));
                    continue;
                }
            }
            rest.push(line);
        }
        if rest.iter().all(Option::is_none) {
            return;
        }
        if self.labels_first && !self.pending_text.is_empty() {
            let fields = std::mem::take(&mut self.pending_text);
            distribute(&rest, &fields, self.current, &mut self.out);
            self.current = fields.last().copied();
            return;
        }
        let lines: Lines = rest.into_iter().flatten().collect();
        match self.current {
            Some(field) if field.is_text() => {
                let confidence = if self.labels_first {
                    Confidence::Medium
                } else {
                    Confidence::High
                };
                self.out.add(field, &lines, confidence);
            }
            _ => self.out.unmapped.extend(lines),
        }
    }

    fn label(&mut self, field: Field, inline: &str, no: usize, line: &str) {
        self.flush();
        if field.is_date() {
            self.current = if self.labels_first {
                self.current
            } else {
                Some(field)
            };
            let value = inline.rsplit('\t').next().unwrap_or(inline);
            let found = date_line(value)
                .or_else(|| value_dates(value).first().map(|d| d.date))
                .or_else(|| date_line(inline))
                .or_else(|| value_dates(inline).first().map(|d| d.date));
            match found {
                Some(date) => {
                    self.out
                        .dates
                        .insert(field, (date, line.to_string(), Confidence::High, no));
                }
                None => {
                    self.pending_dates.push(field);
                    if !inline.is_empty() {
                        self.out.unmapped.push((no, inline.to_string()));
                    }
                }
            }
            if !self.labels_first {
                self.current = None;
            }
            return;
        }
        if field == Field::Economy {
            self.economy_zone = true;
            if !self.labels_first {
                self.current = None;
            }
            if !inline.is_empty() {
                self.economy_line(no, inline);
            }
            return;
        }
        self.economy_zone = false;
        // A table row's label cell may carry the form's note before the value cell.
        let inline = inline.rsplit('\t').next().unwrap_or(inline).trim();
        if inline.is_empty() {
            if self.labels_first {
                self.pending_text.push(field);
            } else {
                self.current = Some(field);
            }
        } else {
            self.out
                .add(field, &[(no, inline.to_string())], Confidence::High);
            self.current = Some(field);
            if !self.labels_first {
                self.pending_text.clear();
            }
        }
    }

    /// A line written under B6; the answer is chosen from all of them at the end
    /// (`supplement::choose`).
    fn economy_line(&mut self, no: usize, text: &str) {
        if find_amounts(text).is_empty() {
            self.out.unmapped.push((no, text.to_string()));
        } else {
            self.out.economy_lines.push((no, text.to_string()));
        }
    }
}

/// Recognises the agreement form in extracted text, using Region Midtjylland's area names.
pub fn parse_form(file_name: &str, text: &str) -> Result<FormExtract, ImportError> {
    parse_form_with_areas(file_name, text, &areas::MIDTJYLLAND)
}

/// Recognises the agreement form in extracted text; `known_areas` are the region's area names
/// that the "Under område" list and the purpose are matched against. A text holding several
/// agreements gives the first ([`parse_forms`] gives them all).
pub fn parse_form_with_areas(
    file_name: &str,
    text: &str,
    known_areas: &[&str],
) -> Result<FormExtract, ImportError> {
    let doc = plain_document(text);
    let mut forms = parse_document(file_name, &doc, known_areas)?;
    Ok(forms.swap_remove(0))
}

/// Every agreement form in a text, using Region Midtjylland's area names.
pub fn parse_forms(file_name: &str, text: &str) -> Result<Vec<FormExtract>, ImportError> {
    parse_document(file_name, &plain_document(text), &areas::MIDTJYLLAND)
}

fn plain_document(text: &str) -> Document {
    let text = text.replace("\r\n", "\n").replace(['\r', '\u{c}'], "\n");
    let places = (1..=text.split('\n').count())
        .map(|n| format!("linje {n}"))
        .collect();
    Document {
        text,
        places,
        ..Document::default()
    }
}

/// An e-mail's quoting ("> ", "> > ") taken off a line.
fn unquote(line: &str) -> &str {
    let mut rest = line;
    loop {
        let trimmed = rest.trim_start_matches([' ', '\t']);
        match trimmed.strip_prefix('>') {
            Some(r) => rest = r.strip_prefix(' ').unwrap_or(r),
            None => return if rest.len() == line.len() { line } else { rest },
        }
    }
}

/// Whether a line is the form's title ("SKEMA TIL BRUG FOR AFTALE AF REGIONALE FORSØG").
fn is_form_title(line: &str) -> bool {
    fold(line).contains("skema til brug for aftale af regionale fors")
}

/// Whether a line is the first label, A1 ("A1. Hospital/afdeling", "Hospital/afdeling:").
fn is_first_label(line: &str) -> bool {
    let folded = fold(line);
    let first = line.split_whitespace().next().unwrap_or("");
    let coded = parse_code(first).as_deref() == Some("A1") && folded.contains("hospital");
    let uncoded = folded.starts_with("hospital/afdeling:")
        || folded.starts_with("hospital/afdeling\t")
        || folded.starts_with("hospital og afdeling:");
    coded || uncoded
}

/// Where each agreement in the lines starts: at its title or its A1 label, once the agreement
/// before has had its A1.
fn split_points(lines: &[&str]) -> Vec<usize> {
    let mut starts = vec![0];
    let mut seen_first_label = false;
    for (i, line) in lines.iter().enumerate() {
        let title = is_form_title(line);
        if !title && !is_first_label(line) {
            continue;
        }
        if seen_first_label {
            // Take the agreement's own heading lines with it.
            let mut at = i;
            while at > *starts.last().unwrap_or(&0) + 1 {
                let prev = fold(lines[at - 1]);
                let heading = prev.is_empty()
                    || prev.contains("projekt faglig og opgavemaessig")
                    || is_form_title(lines[at - 1])
                    || section_of(lines[at - 1].trim()) == Some('A');
                if !heading {
                    break;
                }
                at -= 1;
            }
            starts.push(at);
            seen_first_label = false;
        }
        if !title {
            seen_first_label = true;
        }
    }
    starts
}

/// Below this OCR confidence (0–100) for a word of its value, a field read from a scan is unsure.
const OCR_UNSURE: f32 = 60.0;

/// The lowest confidence OCR gave a word of a field's value (the words of its lines that are in
/// the value; all of them when none is, as for a date written out): the label's words do not
/// count.
fn ocr_confidence(e: &FieldEvidence, confidence: &[Vec<(String, f32)>]) -> Option<f32> {
    let words: Vec<&(String, f32)> = e
        .lines
        .iter()
        .filter_map(|no| confidence.get(no.checked_sub(1)?))
        .flatten()
        .collect();
    let value: Vec<String> = tokens(&e.value).into_iter().map(|t| t.folded).collect();
    let of_value: Vec<f32> = words
        .iter()
        .filter(|(w, _)| {
            let w = fold(w.trim_matches(TRIM));
            !w.is_empty() && value.contains(&w)
        })
        .map(|(_, c)| *c)
        .collect();
    let all: Vec<f32> = words.iter().map(|(_, c)| *c).collect();
    let chosen = if of_value.is_empty() { all } else { of_value };
    chosen.into_iter().reduce(f32::min)
}

/// Every agreement form in a document (a file may hold several, one after another); each is
/// its own extract, its evidence placed by the document's places. Parts of the file that are
/// not a form (a mail's greeting before the first) are left out; a file without any is
/// [`ErrorKind::NotAForm`].
pub fn parse_document(
    file_name: &str,
    doc: &Document,
    known_areas: &[&str],
) -> Result<Vec<FormExtract>, ImportError> {
    let lines: Vec<&str> = doc.text.split('\n').map(unquote).collect();
    let starts = split_points(&lines);
    let classifier = Classifier::new();
    let mut forms = Vec::new();
    for (k, &start) in starts.iter().enumerate() {
        let end = starts.get(k + 1).copied().unwrap_or(lines.len());
        let part = &lines[start..end];
        if let Ok(mut form) = parse_part(
            &classifier,
            file_name,
            part,
            start,
            known_areas,
            &doc.places,
        ) {
            if doc.ocr {
                form.warnings.insert(
                    0,
                    "Skemaet er læst ved tekstgenkendelse (OCR) af en scanning; kontrollér hvert felt mod den scannede side.".into(),
                );
                for e in &mut form.fields {
                    let lowest = ocr_confidence(e, &doc.confidence);
                    match lowest {
                        Some(c) if c < OCR_UNSURE => {
                            e.confidence = Confidence::Low;
                            e.warning = Some(format!(
                                "Tekstgenkendelsen var usikker her (et ord læst med {c:.0} % sikkerhed); sammenlign med den scannede side."
                            ));
                        }
                        _ => {
                            if e.confidence == Confidence::High {
                                e.confidence = Confidence::Medium;
                            }
                            e.warning.get_or_insert_with(|| {
                                "Læst ved tekstgenkendelse (OCR); sammenlign med den scannede side."
                                    .into()
                            });
                        }
                    }
                }
            }
            if doc.struck_runs > 0 {
                form.warnings.push(format!(
                    "Gennemstreget tekst i dokumentet er ikke læst ({} steder); kontrollér at det var meningen.",
                    doc.struck_runs
                ));
            }
            forms.push(form);
        }
    }
    if forms.is_empty() {
        return Err(ImportError::new(file_name, ErrorKind::NotAForm));
    }
    if forms.len() > 1 {
        let n = forms.len();
        for (i, form) in forms.iter_mut().enumerate() {
            form.warnings.insert(
                0,
                format!(
                    "Filen indeholder {n} aftaler; dette er aftale {} af {n}.",
                    i + 1
                ),
            );
        }
    }
    Ok(forms)
}

/// One agreement: `lines` start at line `offset + 1` of the document.
fn parse_part(
    classifier: &Classifier,
    file_name: &str,
    lines: &[&str],
    offset: usize,
    known_areas: &[&str],
    places: &[String],
) -> Result<FormExtract, ImportError> {
    let items = classifier.classify(lines, offset);

    let labels_found: std::collections::BTreeSet<Field> = items
        .iter()
        .filter_map(|i| match &i.kind {
            Kind::Label { field, .. } => Some(*field),
            _ => None,
        })
        .collect();
    let has_title = items
        .iter()
        .any(|i| matches!(i.kind, Kind::Template { index, .. } if index == FORM_TITLE_TEMPLATE));
    // Four of the form's labels, or its title and at least one label.
    if labels_found.len() < 4 && (!has_title || labels_found.is_empty()) {
        return Err(ImportError::new(file_name, ErrorKind::NotAForm));
    }
    let inline_labels = items
        .iter()
        .filter(|i| matches!(&i.kind, Kind::Label { inline, .. } if !inline.is_empty()))
        .count();
    let labels_first = inline_labels < 2;

    let mut a = Assigner {
        labels_first,
        out: Assigned::default(),
        current: None,
        pending_text: Vec::new(),
        pending_dates: Vec::new(),
        block: Vec::new(),
        economy_zone: false,
        after_signature: false,
    };
    let mut area_lines: Lines = Vec::new();
    let mut area_items: Vec<(usize, String)> = Vec::new();
    let mut annotations = false;
    // A labelled line without its value on it: the value is the next line, if that is text.
    let mut extra_pending: Option<(&'static str, String)> = None;
    for item in &items {
        if !matches!(item.kind, Kind::Blank) {
            if let Some((key, label_line)) = extra_pending.take() {
                if matches!(item.kind, Kind::Text) {
                    let source = format!("{label_line}\n{}", item.text);
                    a.out.extra.insert(
                        key,
                        (item.text.clone(), source, Confidence::Medium, item.no),
                    );
                    continue;
                }
            }
        }
        match &item.kind {
            Kind::Extra { key, inline } => {
                a.flush();
                if inline.is_empty() {
                    extra_pending = Some((key, item.text.clone()));
                } else {
                    a.out.extra.insert(
                        key,
                        (inline.clone(), item.text.clone(), Confidence::High, item.no),
                    );
                }
            }
            Kind::Blank => a.block.push(None),
            Kind::Section => {
                a.flush();
                a.current = None;
                a.economy_zone = false;
                a.after_signature = false;
            }
            Kind::Signature => {
                // A greeting ends what was written in the form; the name, title and phone
                // number under it are kept as unmapped text.
                a.flush();
                a.current = None;
                a.economy_zone = false;
                a.after_signature = true;
                a.out.unmapped.push((item.no, item.text.clone()));
            }
            Kind::Label { field, inline } => {
                if *field == Field::Remarks || *field == Field::ApprovalDate {
                    a.economy_zone = false;
                }
                a.after_signature = false;
                a.label(*field, inline, item.no, &item.text)
            }
            Kind::Template { index, extras } => {
                let target = if *index == CONTENT_TEMPLATE {
                    &mut a.out.content_amounts
                } else {
                    &mut a.out.amounts
                };
                if *index == ECONOMY_TEMPLATE || *index == CONTENT_TEMPLATE || a.economy_zone {
                    for x in extras {
                        target.push((*x, item.no, item.text.clone()));
                    }
                }
            }
            Kind::AreaHeader { inline } => {
                area_lines.push((item.no, item.text.clone()));
                if !inline.is_empty() {
                    area_items.push((item.no, inline.clone()));
                }
                a.block.push(None);
            }
            Kind::AreaItem(text) => {
                area_lines.push((item.no, item.text.clone()));
                area_items.push((item.no, text.clone()));
            }
            Kind::AreaNote => area_lines.push((item.no, item.text.clone())),
            Kind::Noise => {}
            Kind::Debris { annotation } => {
                annotations |= annotation;
                if a.out.unmapped.last().map(|(_, t)| t) != Some(&item.text) {
                    a.out.unmapped.push((item.no, item.text.clone()));
                }
            }
            Kind::Text if a.after_signature => a.out.unmapped.push((item.no, item.text.clone())),
            Kind::Text => {
                let amount_line = a.economy_zone && {
                    let f = fold(&item.text);
                    !find_amounts(&item.text).is_empty()
                        && (tokens(&item.text).len() <= 4
                            || f.contains("kr")
                            || f.contains("tillaeg")
                            || f.contains("dkk"))
                };
                if amount_line {
                    a.economy_line(item.no, &item.text);
                } else {
                    a.block.push(Some((item.no, item.text.clone())));
                }
            }
        }
    }
    a.flush();
    let mut out = a.out;
    if annotations {
        out.warnings.push(
            "Dokumentet indeholder en korrekturmarkering (fx «Udstregning»); kontrollér teksten."
                .into(),
        );
    }
    if labels_first {
        out.warnings.push(
            "Skemaets feltnavne og indhold stod adskilt i filen; felterne er placeret efter skemaets rækkefølge. Kontrollér dem."
                .into(),
        );
    }
    Ok(finish(out, area_lines, area_items, known_areas, places))
}

/// Joins a field's lines: a space inside a paragraph, a line break after a sentence or colon
/// and before a list item.
fn join_lines(lines: &[(usize, String)]) -> String {
    let mut out = String::new();
    for (_, line) in lines {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if !out.is_empty() {
            let list_item = line.starts_with(['-', '•', '\u{f0b7}', '*', '–'])
                || line
                    .split_once(". ")
                    .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
            if out.ends_with(['.', ':', '!', '?']) || list_item {
                out.push('\n');
            } else {
                out.push(' ');
            }
        }
        out.push_str(line);
    }
    out
}

fn excerpt(lines: &[(usize, String)]) -> String {
    lines
        .iter()
        .map(|(_, l)| l.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A field's warning by its confidence, when no more particular one was given.
fn confidence_warning(confidence: Confidence) -> Option<String> {
    match confidence {
        Confidence::High => None,
        Confidence::Medium => Some(
            "Værdien er placeret efter skemaets rækkefølge eller rettet; sammenlign med filen."
                .into(),
        ),
        Confidence::Low => Some("Usikker læsning; kontrollér feltet mod filen.".into()),
    }
}

/// The programme's years: a date outside them is likely misread.
const PROGRAMME_YEARS: std::ops::RangeInclusive<i32> = 2021..=2024;

fn finish(
    mut a: Assigned,
    area_lines: Lines,
    area_items: Vec<(usize, String)>,
    known_areas: &[&str],
    places: &[String],
) -> FormExtract {
    let place = |no: usize| -> String {
        no.checked_sub(1)
            .and_then(|i| places.get(i))
            .cloned()
            .unwrap_or_default()
    };
    let mut f = FormExtract::default();
    let mut evidence = Vec::new();
    for (field, (lines, confidence)) in &a.text {
        // A participants list keeps one entry per line.
        let mut value = if *field == Field::Participants {
            excerpt(lines)
        } else {
            join_lines(lines)
        };
        value = value.replace('\t', " ");
        if *field == Field::Title {
            value = value.trim_end_matches('.').to_string();
        }
        let slot = match field {
            Field::HospitalDepartment => &mut f.hospital_department,
            Field::Title => &mut f.title,
            Field::ResponsibleLeader => &mut f.responsible_leader,
            Field::ResponsibleDoctor => &mut f.responsible_doctor,
            Field::Purpose => &mut f.purpose,
            Field::Description => &mut f.description,
            Field::Content => &mut f.content,
            Field::Participants => &mut f.participants,
            Field::PeriodText => &mut f.period_text,
            Field::Organisation => &mut f.organisation,
            Field::Remarks => &mut f.remarks,
            _ => continue,
        };
        *slot = value.clone();
        evidence.push(FieldEvidence {
            key: field.key(),
            value,
            source_excerpt: excerpt(lines),
            location: lines.first().map(|(no, _)| place(*no)).unwrap_or_default(),
            lines: lines.iter().map(|(no, _)| *no).collect(),
            confidence: *confidence,
            warning: confidence_warning(*confidence),
        });
    }
    for (field, (date, source, confidence, no)) in &a.dates {
        let slot = match field {
            Field::StartDate => &mut f.start_date,
            Field::EndDate => &mut f.end_date,
            Field::AgreementDate => &mut f.agreement_date,
            _ => continue,
        };
        *slot = Some(*date);
        let (confidence, warning) = if PROGRAMME_YEARS.contains(&chrono::Datelike::year(date)) {
            (*confidence, confidence_warning(*confidence))
        } else {
            (
                Confidence::Low,
                Some(format!(
                    "Datoen {} ligger uden for programmets år ({}–{}); kontrollér den.",
                    date.format("%d.%m.%Y"),
                    PROGRAMME_YEARS.start(),
                    PROGRAMME_YEARS.end()
                )),
            )
        };
        evidence.push(FieldEvidence {
            key: field.key(),
            value: date.to_string(),
            source_excerpt: source.clone(),
            location: place(*no),
            lines: vec![*no],
            confidence,
            warning,
        });
    }

    for (key, (value, source, confidence, no)) in &a.extra {
        f.extra.insert(key, value.clone());
        evidence.push(FieldEvidence {
            key,
            value: value.clone(),
            source_excerpt: source.clone(),
            location: place(*no),
            lines: vec![*no],
            confidence: *confidence,
            warning: confidence_warning(*confidence),
        });
    }

    // The supplement: the answer chosen from what was written under B6 (never the form's own
    // options); else amounts written beside the template's own; else the supplement named in
    // B3's content ("et tillæg på 20.000 kr.").
    let written = excerpt(&a.economy_lines);
    let chosen = supplement::choose(&written);
    let mut by_marking = chosen.by_marking;
    let mut guessed = false;
    let mut amounts: Vec<(i64, usize, String)> = if chosen.amounts.is_empty() {
        Vec::new()
    } else {
        let no = a.economy_lines.first().map_or(0, |(no, _)| *no);
        chosen
            .amounts
            .iter()
            .map(|x| (*x, no, String::new()))
            .collect()
    };
    let mut sources: Lines = a.economy_lines.clone();
    if amounts.is_empty() {
        amounts = a.amounts.clone();
        if amounts.is_empty() {
            amounts = a.content_amounts.clone();
        }
        sources = amounts.iter().map(|(_, no, l)| (*no, l.clone())).collect();
        sources.dedup();
        by_marking = false;
    }
    if amounts.is_empty() && fold(&f.content).contains("tillaeg") {
        let from_content = supplement::choose(&f.content);
        if let Some((no, _)) = a.text.get(&Field::Content).and_then(|(l, _)| l.first()) {
            amounts = from_content
                .amounts
                .iter()
                .map(|x| (*x, *no, String::new()))
                .collect();
            sources = a.text[&Field::Content].0.clone();
            guessed = true;
        }
    }
    let mut distinct: Vec<i64> = amounts.iter().map(|(x, _, _)| *x).collect();
    distinct.sort_unstable();
    distinct.dedup();
    if let Some(&(first, no, _)) = amounts.first() {
        let mut warning = None;
        let confidence = if distinct.len() > 1 {
            let w = format!(
                "Der står flere beløb i {} ({}); det første er brugt.",
                Field::Economy.label(),
                distinct
                    .iter()
                    .map(|x| format_kr(*x))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            a.warnings.push(w.clone());
            warning = Some(w);
            Confidence::Low
        } else if guessed {
            warning = Some(format!(
                "Tillægget er læst i {}, fordi {} ikke nævnte et beløb.",
                Field::Content.label(),
                Field::Economy.label()
            ));
            Confidence::Medium
        } else if by_marking {
            warning = Some(
                "Tillægget er det afkrydsede eller ikke overstregede beløb; kontrollér det.".into(),
            );
            Confidence::Medium
        } else {
            Confidence::High
        };
        if !supplement::OPTIONS.contains(&first) {
            let w = format!(
                "Tillægget på {} kr. er ikke en af skemaets størrelser (20.000, 35.000 eller 50.000 kr.).",
                format_kr(first)
            );
            a.warnings.push(w.clone());
            warning.get_or_insert(w);
        }
        f.supplement_dkk = Some(first);
        evidence.push(FieldEvidence {
            key: Field::Economy.key(),
            value: first.to_string(),
            source_excerpt: excerpt(&sources),
            location: place(no),
            lines: sources
                .iter()
                .map(|(no, _)| *no)
                .filter(|no| *no > 0)
                .collect(),
            confidence,
            warning,
        });
    }

    // Areas: the "Under område" list, then areas named in the purpose or title.
    let mut area_confidence = Confidence::High;
    for (_, item) in &area_items {
        match areas::match_area(item, known_areas) {
            Some((name, exact)) => {
                if !exact {
                    area_confidence = Confidence::Medium;
                    a.warnings.push(format!(
                        "Området «{item}» er læst som «{name}» (teksten var beskadiget)."
                    ));
                }
                if !f.areas.contains(&name) {
                    f.areas.push(name);
                }
            }
            None => {
                area_confidence = Confidence::Low;
                a.warnings.push(format!(
                    "Området «{item}» er ikke et af regionens kendte områder."
                ));
                f.areas.push(item.clone());
            }
        }
    }
    let mut area_sources = area_lines;
    let haystack = fold(&format!("{} {}", f.purpose, f.title));
    for name in known_areas {
        let needle = fold(name);
        if haystack.contains(&needle) && !f.areas.iter().any(|a| a == name) {
            f.areas.push(name.to_string());
            area_confidence = area_confidence.max(Confidence::Medium);
            area_sources.push((0, format!("{}: …{name}…", Field::Purpose.label())));
        }
    }
    if !f.areas.is_empty() {
        evidence.push(FieldEvidence {
            key: "areas",
            value: f.areas.join("; "),
            source_excerpt: excerpt(&area_sources),
            location: area_sources
                .iter()
                .find(|(no, _)| *no > 0)
                .map(|(no, _)| place(*no))
                .unwrap_or_default(),
            lines: area_sources
                .iter()
                .map(|(no, _)| *no)
                .filter(|no| *no > 0)
                .collect(),
            confidence: area_confidence,
            warning: confidence_warning(area_confidence),
        });
    }

    // Warnings about what is missing or odd.
    for (field, empty) in [
        (Field::HospitalDepartment, f.hospital_department.is_empty()),
        (Field::Title, f.title.is_empty()),
        (Field::ResponsibleLeader, f.responsible_leader.is_empty()),
        (Field::ResponsibleDoctor, f.responsible_doctor.is_empty()),
        (Field::StartDate, f.start_date.is_none()),
        (Field::EndDate, f.end_date.is_none()),
        (Field::Economy, f.supplement_dkk.is_none()),
        (Field::AgreementDate, f.agreement_date.is_none()),
    ] {
        if empty {
            a.warnings.push(format!(
                "Feltet «{}» blev ikke fundet eller er tomt.",
                field.label()
            ));
        }
    }
    if let (Some(s), Some(e)) = (f.start_date, f.end_date) {
        if e < s {
            a.warnings
                .push("Forsøgets slutdato ligger før startdatoen.".to_string());
        }
    }
    if f.areas.is_empty() {
        a.warnings.push("Der blev ikke fundet noget område.".into());
    }
    let mut unmapped = a.unmapped;
    unmapped.sort_by_key(|(no, _)| *no);
    f.unmapped_text = excerpt(&unmapped);
    f.warnings = a.warnings;
    f.fields = evidence;
    f
}

fn format_kr(amount: i64) -> String {
    let digits = amount.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    if amount < 0 {
        format!("-{out}")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_with_ocr_damage() {
        assert_eq!(parse_code("Al.").as_deref(), Some("A1"));
        assert_eq!(parse_code("Bl.").as_deref(), Some("B1"));
        assert_eq!(parse_code("C.2.").as_deref(), Some("C2"));
        assert_eq!(parse_code("B4").as_deref(), Some("B4"));
        assert_eq!(parse_code("A."), None);
        assert_eq!(parse_code("Aarhus"), None);
    }

    #[test]
    fn ocr_confidence_counts_the_value_not_the_label() {
        let e = FieldEvidence {
            key: "title",
            value: "Brokklinik for alle".into(),
            source_excerpt: String::new(),
            location: String::new(),
            confidence: Confidence::High,
            warning: None,
            lines: vec![2],
        };
        let words = |pairs: &[(&str, f32)]| -> Vec<(String, f32)> {
            pairs.iter().map(|(w, c)| (w.to_string(), *c)).collect()
        };
        let lines = vec![
            words(&[("x", 10.0)]),
            words(&[
                ("Al.", 30.0),
                ("Brokklinik", 91.0),
                ("for", 95.0),
                ("alle", 88.0),
            ]),
        ];
        assert_eq!(ocr_confidence(&e, &lines), Some(88.0));
        let lines = vec![vec![], words(&[("A2.", 96.0), ("Brokk1inik", 41.0)])];
        assert_eq!(
            ocr_confidence(&e, &lines),
            Some(41.0),
            "no word of the value: all count"
        );
    }

    #[test]
    fn amounts_are_formatted_the_danish_way() {
        assert_eq!(format_kr(50_000), "50.000");
        assert_eq!(format_kr(1_234_567), "1.234.567");
    }
}
