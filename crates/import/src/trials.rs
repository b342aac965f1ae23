//! Lists of trials: a CSV file, an XLSX workbook, or the overview table of a region's evaluation
//! report (rows "number, evaluation, department, area, number of afdelingslæger, title" under
//! hospital headings such as "Aalborg Universitetshospital (45 stk.):").

use crate::areas;
use crate::error::{ErrorKind, ImportError};
use crate::extract::{self, check_size, decode_text, guarded, sniff, vet_zip, Format, Limits};
use crate::text::{dehyphenate, fold};
use serde::Serialize;

/// One trial, with exactly the keys of the import contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrialRow {
    pub number: u32,
    pub hospital: String,
    pub department: String,
    /// The region's area name where the written one maps to it; `None` for "-" or nothing.
    pub area: Option<String>,
    pub doctor_count: u32,
    pub title: String,
    pub evaluation_attached: bool,
}

/// The rows read from one file, and what the reader noticed on the way (in Danish).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TrialList {
    pub rows: Vec<TrialRow>,
    pub warnings: Vec<String>,
}

/// Reads a list of trials from a CSV or XLSX file, or from the overview table in a report
/// (PDF, DOCX or text). `known_areas` are the region's area names ([`areas::for_region`]).
pub fn read_trials(
    file_name: &str,
    bytes: &[u8],
    limits: &Limits,
    known_areas: &[&str],
) -> Result<TrialList, ImportError> {
    check_size(file_name, bytes, limits)?;
    match sniff(file_name, bytes) {
        Format::Xlsx => parse_xlsx(file_name, bytes, limits, known_areas),
        Format::Text => {
            let text = decode_text(bytes).map_err(|k| ImportError::new(file_name, k))?;
            if file_name.to_ascii_lowercase().ends_with(".csv") || looks_like_csv(&text) {
                parse_csv_text(file_name, &text, known_areas)
            } else {
                parse_trial_table(file_name, &text, known_areas)
            }
        }
        _ => {
            let text = extract::extract_text(file_name, bytes, limits)?;
            parse_trial_table(file_name, &text, known_areas)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Columns

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Number,
    Hospital,
    Department,
    Area,
    Doctors,
    Title,
    Evaluation,
}

impl Column {
    /// The name used in messages.
    fn danish(self) -> &'static str {
        match self {
            Column::Number => "Nr.",
            Column::Hospital => "Hospital",
            Column::Department => "Afdeling",
            Column::Area => "Område",
            Column::Doctors => "Antal afdelingslæger",
            Column::Title => "Titel",
            Column::Evaluation => "Evaluering",
        }
    }

    /// Header names (folded, letters and digits only) that mean this column.
    fn names(self) -> &'static [&'static str] {
        match self {
            Column::Number => &["nr", "number", "no", "nummer", "loebenr", "lbnr", "id"],
            Column::Hospital => &[
                "hospital",
                "sygehus",
                "hospitalsenhed",
                "enhed",
                "hospitals",
            ],
            Column::Department => &["afdeling", "afd", "department", "dept", "afdelinger"],
            Column::Area => &[
                "omraade",
                "emneomraade",
                "area",
                "emne",
                "prioriteretomraade",
                "topic",
                "karrierespor",
            ],
            Column::Doctors => &[
                "antalafdelingslaeger",
                "antal",
                "doctors",
                "afdelingslaeger",
                "antalafdlaeger",
                "antallaeger",
                "numberofdoctors",
                "doctorcount",
            ],
            Column::Title => &[
                "titel",
                "projekttitel",
                "title",
                "forsoegstitel",
                "projekt",
                "project",
                "projecttitle",
                "forsoeg",
            ],
            Column::Evaluation => &[
                "evaluering",
                "evaluation",
                "evalueret",
                "evaluated",
                "bilag",
            ],
        }
    }
}

const COLUMNS: [Column; 7] = [
    Column::Number,
    Column::Hospital,
    Column::Department,
    Column::Area,
    Column::Doctors,
    Column::Title,
    Column::Evaluation,
];

/// Columns without which a list is refused; the others have defaults.
const REQUIRED: [Column; 2] = [Column::Department, Column::Title];

fn header_key(cell: &str) -> String {
    fold(cell).chars().filter(|c| c.is_alphanumeric()).collect()
}

/// Which column of the table holds each of ours.
fn map_columns(file_name: &str, header: &[String]) -> Result<[Option<usize>; 7], ImportError> {
    let keys: Vec<String> = header.iter().map(|h| header_key(h)).collect();
    let mut map = [None; 7];
    for (ci, col) in COLUMNS.iter().enumerate() {
        map[ci] = keys.iter().position(|k| col.names().contains(&k.as_str()));
    }
    // Second chance: a header that starts with a known name ("Titel på projektet").
    for (ci, col) in COLUMNS.iter().enumerate() {
        if map[ci].is_none() {
            map[ci] = keys.iter().enumerate().position(|(i, k)| {
                !map.contains(&Some(i))
                    && col.names().iter().any(|n| n.len() >= 4 && k.starts_with(n))
            });
        }
    }
    for col in REQUIRED {
        let ci = COLUMNS.iter().position(|c| *c == col).unwrap_or(0);
        if map[ci].is_none() {
            return Err(ImportError::new(
                file_name,
                ErrorKind::MissingColumn {
                    column: col.danish().to_string(),
                },
            ));
        }
    }
    Ok(map)
}

fn parse_flag(value: &str) -> Option<bool> {
    let v = fold(value.trim());
    match v.as_str() {
        "" | "-" | "nej" | "no" | "n" | "false" | "0" | "ingen" => Some(false),
        "ja" | "x" | "yes" | "y" | "true" | "1" | "vedlagt" | "attached" => Some(true),
        _ if v.contains("bilag") => Some(true),
        _ => None,
    }
}

fn normalise_area(
    written: &str,
    known: &[&str],
    warnings: &mut Vec<String>,
    number: u32,
) -> Option<String> {
    let w = written.trim();
    if w.is_empty() || w.chars().all(|c| matches!(c, '-' | '–' | '—')) {
        return None;
    }
    match areas::match_area(w, known) {
        Some((name, _)) => Some(name),
        None => {
            if !known.is_empty() {
                warnings.push(format!(
                    "Række {number}: området «{w}» er ikke et af regionens kendte områder."
                ));
            }
            Some(w.to_string())
        }
    }
}

/// Rows of cells (header first, blank rows anywhere) into trials.
fn rows_from_cells(
    file_name: &str,
    cells: Vec<Vec<String>>,
    known_areas: &[&str],
) -> Result<TrialList, ImportError> {
    let mut rows = cells
        .into_iter()
        .filter(|r| r.iter().any(|c| !c.trim().is_empty()));
    let Some(header) = rows.next() else {
        return Err(ImportError::new(file_name, ErrorKind::NoTrials));
    };
    let map = map_columns(file_name, &header)?;
    let get = |row: &[String], col: Column| -> String {
        let ci = COLUMNS.iter().position(|c| *c == col).unwrap_or(0);
        map[ci]
            .and_then(|i| row.get(i))
            .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_default()
    };
    let mut out = TrialList::default();
    for (i, row) in rows.enumerate() {
        let position = i as u32 + 1;
        let number = match get(&row, Column::Number)
            .trim_end_matches('.')
            .parse::<u32>()
        {
            Ok(n) => n,
            Err(_) => {
                if !get(&row, Column::Number).is_empty() {
                    out.warnings.push(format!(
                        "Række {position}: nummeret «{}» er ikke et tal; rækkens plads er brugt.",
                        get(&row, Column::Number)
                    ));
                }
                position
            }
        };
        let doctors_text = get(&row, Column::Doctors);
        let doctor_count = if doctors_text.is_empty() {
            1
        } else {
            match doctors_text.parse::<f64>() {
                Ok(n) if n >= 0.0 && n.fract() == 0.0 && n < 10_000.0 => n as u32,
                _ => {
                    out.warnings.push(format!(
                        "Række {number}: antallet af afdelingslæger «{doctors_text}» er ikke et helt tal; 1 er brugt."
                    ));
                    1
                }
            }
        };
        let evaluation_text = get(&row, Column::Evaluation);
        let evaluation_attached = parse_flag(&evaluation_text).unwrap_or_else(|| {
            out.warnings.push(format!(
                "Række {number}: evalueringen «{evaluation_text}» er hverken ja eller nej; læst som nej."
            ));
            false
        });
        let area = normalise_area(
            &get(&row, Column::Area),
            known_areas,
            &mut out.warnings,
            number,
        );
        let title = get(&row, Column::Title);
        if title.is_empty() {
            out.warnings
                .push(format!("Række {number} har ingen titel."));
        }
        out.rows.push(TrialRow {
            number,
            hospital: get(&row, Column::Hospital),
            department: get(&row, Column::Department),
            area,
            doctor_count,
            title,
            evaluation_attached,
        });
    }
    if out.rows.is_empty() {
        return Err(ImportError::new(file_name, ErrorKind::NoTrials));
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// CSV

fn delimiter_of(text: &str) -> u8 {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let counts = [
        (b';', first.matches(';').count()),
        (b'\t', first.matches('\t').count()),
        (b',', first.matches(',').count()),
    ];
    counts
        .iter()
        .max_by_key(|(_, n)| *n)
        .filter(|(_, n)| *n > 0)
        .map(|(d, _)| *d)
        .unwrap_or(b',')
}

fn looks_like_csv(text: &str) -> bool {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let d = delimiter_of(text) as char;
    first.matches(d).count() >= 2
        && first
            .split(d)
            .filter(|h| {
                let k = header_key(h.trim_matches('"'));
                COLUMNS.iter().any(|c| c.names().contains(&k.as_str()))
            })
            .count()
            >= 2
}

/// Reads a CSV file: `;`, `,` or tab as delimiter, UTF-8 (with or without BOM) or Windows-1252.
pub fn parse_csv(
    file_name: &str,
    bytes: &[u8],
    known_areas: &[&str],
) -> Result<TrialList, ImportError> {
    let text = decode_text(bytes).map_err(|k| ImportError::new(file_name, k))?;
    parse_csv_text(file_name, &text, known_areas)
}

fn parse_csv_text(
    file_name: &str,
    text: &str,
    known_areas: &[&str],
) -> Result<TrialList, ImportError> {
    let text = text.trim_start_matches('\u{feff}');
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter_of(text))
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut cells = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|_| {
            ImportError::new(
                file_name,
                ErrorKind::Unsupported {
                    what: "den er ikke en gyldig CSV-fil".into(),
                },
            )
        })?;
        cells.push(record.iter().map(str::to_string).collect());
    }
    rows_from_cells(file_name, cells, known_areas)
}

// ---------------------------------------------------------------------------------------------
// XLSX

/// Reads the first sheet with content of an XLSX workbook.
pub fn parse_xlsx(
    file_name: &str,
    bytes: &[u8],
    limits: &Limits,
    known_areas: &[&str],
) -> Result<TrialList, ImportError> {
    check_size(file_name, bytes, limits)?;
    let owned = bytes.to_vec();
    let limits_copy = *limits;
    let cells = guarded(file_name, limits, move || {
        vet_zip(
            &owned,
            &limits_copy,
            ErrorKind::InvalidSpreadsheet,
            |name| name.ends_with(".xml") || name.ends_with(".rels"),
        )?;
        xlsx_cells(&owned)
    })?;
    rows_from_cells(file_name, cells, known_areas)
}

fn xlsx_cells(bytes: &[u8]) -> Result<Vec<Vec<String>>, ErrorKind> {
    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes))
        .map_err(|_| ErrorKind::InvalidSpreadsheet)?;
    let sheets = book.sheet_names();
    for (i, _) in sheets.iter().enumerate().take(100) {
        let Some(Ok(range)) = book.worksheet_range_at(i) else {
            continue;
        };
        if range.is_empty() {
            continue;
        }
        let cells = range
            .rows()
            .take(100_000)
            .map(|row| {
                row.iter()
                    .map(|cell| match cell {
                        Data::Empty => String::new(),
                        Data::String(s) => s.clone(),
                        Data::Int(n) => n.to_string(),
                        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => {
                            format!("{}", *f as i64)
                        }
                        Data::Float(f) => f.to_string(),
                        Data::Bool(b) => if *b { "ja" } else { "nej" }.to_string(),
                        other => other.to_string(),
                    })
                    .collect()
            })
            .collect();
        return Ok(cells);
    }
    Err(ErrorKind::NoTrials)
}

// ---------------------------------------------------------------------------------------------
// The report's overview table

struct Heading {
    name: String,
    declared: u32,
    line: String,
}

/// "Aalborg Universitetshospital (45 stk.):" → ("Aalborg Universitetshospital", 45).
fn heading(line: &str) -> Option<(String, u32)> {
    let line = line.trim().trim_end_matches(':').trim();
    let open = line.rfind('(')?;
    let inner = line[open + 1..].strip_suffix(')')?;
    let mut words = inner.split_whitespace();
    let n: u32 = words.next()?.parse().ok()?;
    let unit = fold(words.next()?);
    if !unit.starts_with("stk") || words.next().is_some() {
        return None;
    }
    let name = line[..open].trim().to_string();
    if name.is_empty() || name.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    Some((name, n))
}

const HEADER_WORDS: [&str; 13] = [
    "nr",
    "evaluering",
    "evalue",
    "ring",
    "afd",
    "emne",
    "omraade",
    "emneomraade",
    "antal",
    "laeger",
    "afd.laeger",
    "projekttitel",
    "afdelingslaeger",
];

fn is_header_line(line: &str) -> bool {
    let words: Vec<String> = line
        .split_whitespace()
        .map(|w| fold(w.trim_matches(|c: char| !c.is_alphanumeric())))
        .filter(|w| !w.is_empty())
        .collect();
    !words.is_empty() && words.iter().all(|w| HEADER_WORDS.contains(&w.as_str()))
}

fn is_page_debris(line: &str) -> bool {
    let f = fold(line);
    let words: Vec<&str> = f.split(' ').collect();
    if words.len() > 4 && words.len() <= 10 {
        return is_page_debris(&words[words.len() - 4..].join(" "));
    }
    matches!(words.as_slice(), ["side", n, "af", m] if n.parse::<u32>().is_ok() && m.parse::<u32>().is_ok())
        || matches!(words.as_slice(), ["side", n] if n.parse::<u32>().is_ok())
}

/// Whether the words from `j` are an evaluation mark ("Se bilag" or "-").
fn evaluation_at(words: &[&str], j: usize) -> Option<(bool, usize)> {
    match words.get(j).map(|w| fold(w)) {
        Some(w) if w == "-" || w == "–" => Some((false, 1)),
        Some(w)
            if w == "se"
                && words
                    .get(j + 1)
                    .is_some_and(|n| fold(n).starts_with("bilag")) =>
        {
            Some((true, 2))
        }
        _ => None,
    }
}

/// An area word at `k` (and the words it takes), as written.
fn area_at(words: &[&str], k: usize) -> Option<(String, usize)> {
    let w = fold(words.get(k)?);
    let w = w.trim_end_matches([',', '.']);
    match w {
        "-" | "–" => Some(("-".into(), 1)),
        "forskning" | "uddannelse" | "kvalitet" | "kvalitetssikring" | "ledelse"
        | "digitalisering" | "innovation" => Some((words[k].to_string(), 1)),
        "faglig" => {
            let next = fold(words.get(k + 1)?);
            if next.starts_with("ekspert") || next.starts_with("specialist") {
                Some((format!("{} {}", words[k], words[k + 1]), 2))
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Whether a row's words already hold department, area, count and a title.
fn row_complete(words: &[String]) -> bool {
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    (1..words.len()).any(|k| {
        area_at(&words, k).is_some_and(|(_, used)| {
            words
                .get(k + used)
                .is_some_and(|w| w.parse::<u32>().is_ok())
                && words.len() > k + used + 1
        })
    })
}

/// Reads the overview table of an evaluation report: hospital headings with their declared
/// counts, then rows of number, evaluation ("Se bilag" or "-"), department, area, number of
/// afdelingslæger and title, broken across lines in any way.
pub fn parse_trial_table(
    file_name: &str,
    text: &str,
    known_areas: &[&str],
) -> Result<TrialList, ImportError> {
    let raw: Vec<&str> = text.lines().collect();
    let lines: Vec<String> = dehyphenate(&raw)
        .into_iter()
        .map(|(_, l)| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();

    let mut headings: Vec<Heading> = Vec::new();
    // Raw rows: number, heading index, evaluation, words after the evaluation.
    let mut raw_rows: Vec<(u32, Option<usize>, bool, Vec<String>)> = Vec::new();
    let mut started = false;
    let mut warnings = Vec::new();
    for line in &lines {
        if line.is_empty() || is_page_debris(line) {
            continue;
        }
        if let Some((name, declared)) = heading(line) {
            headings.push(Heading {
                name,
                declared,
                line: line.clone(),
            });
            started = true;
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        let last = raw_rows.last().map(|r| r.0).unwrap_or(0);
        let first_number = words[0].parse::<u32>().ok();
        // A row starts with the next number and an evaluation mark.
        if let Some(n) = first_number {
            if n > last && n <= last + 3 {
                if let Some((evaluated, used)) = evaluation_at(&words, 1) {
                    if n > last + 1 {
                        warnings.push(format!(
                            "Rækkerne {}–{} mangler i tabellen.",
                            last + 1,
                            n - 1
                        ));
                    }
                    started = true;
                    raw_rows.push((
                        n,
                        headings.len().checked_sub(1),
                        evaluated,
                        words[1 + used..].iter().map(|w| w.to_string()).collect(),
                    ));
                    continue;
                }
            }
            // A numbered section heading after a complete row ("4 Karrierespor") ends the table.
            if raw_rows.last().is_some_and(|r| row_complete(&r.3))
                && n < last
                && words
                    .get(1)
                    .is_some_and(|w| w.chars().next().is_some_and(char::is_uppercase))
            {
                break;
            }
        }
        if !started || is_header_line(line) {
            continue;
        }
        if let Some(row) = raw_rows.last_mut() {
            row.3.extend(words.iter().map(|w| w.to_string()));
        }
    }
    if raw_rows.is_empty() {
        return Err(ImportError::new(file_name, ErrorKind::NoTrials));
    }

    let mut out = TrialList {
        rows: Vec::new(),
        warnings,
    };
    for (number, heading_index, evaluation_attached, words) in raw_rows {
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        // The department runs to the first area word that is followed by a count.
        let mut parsed = None;
        for k in 1..words.len() {
            if let Some((area, used)) = area_at(&words, k) {
                if let Some(count) = words.get(k + used).and_then(|w| w.parse::<u32>().ok()) {
                    parsed = Some((k, area, used, count));
                    break;
                }
            }
        }
        let (department, area, doctor_count, title) = match parsed {
            Some((k, area, used, count)) => (
                words[..k].join(" "),
                normalise_area(&area, known_areas, &mut out.warnings, number),
                count,
                words[k + used + 1..].join(" "),
            ),
            None => {
                out.warnings.push(format!(
                    "Række {number}: område og antal afdelingslæger kunne ikke findes; kontrollér rækken."
                ));
                match words.iter().position(|w| w.parse::<u32>().is_ok()) {
                    Some(k) if k > 0 => (
                        words[..k].join(" "),
                        None,
                        words[k].parse().unwrap_or(1),
                        words[k + 1..].join(" "),
                    ),
                    _ => (String::new(), None, 1, words.join(" ")),
                }
            }
        };
        out.rows.push(TrialRow {
            number,
            hospital: heading_index
                .map(|h| headings[h].name.clone())
                .unwrap_or_default(),
            department,
            area,
            doctor_count,
            title,
            evaluation_attached,
        });
    }
    for (i, h) in headings.iter().enumerate() {
        let found = out.rows.iter().filter(|r| r.hospital == h.name).count() as u32;
        let _ = i;
        if found != h.declared {
            out.warnings.push(format!(
                "Overskriften «{}» nævner {} forsøg, men der blev fundet {found}.",
                h.line.trim_end_matches(':').trim(),
                h.declared
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_and_flags() {
        assert_eq!(
            heading("Aalborg Universitetshospital (45 stk.):"),
            Some(("Aalborg Universitetshospital".into(), 45))
        );
        assert_eq!(
            heading("Psykiatrien (2 stk.) "),
            Some(("Psykiatrien".into(), 2))
        );
        assert_eq!(heading("Hjemmebehandling (OPAT)"), None);
        assert_eq!(parse_flag("Se bilag"), Some(true));
        assert_eq!(parse_flag("x"), Some(true));
        assert_eq!(parse_flag("-"), Some(false));
        assert_eq!(parse_flag("Nej"), Some(false));
        assert_eq!(parse_flag("måske"), None);
    }
}
