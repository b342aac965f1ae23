//! The one writer of every CSV and XLSX file pulje makes (the application list, the reports'
//! tables, the payroll batches).
//!
//! CSV is semicolon-separated UTF-8 with a byte-order mark and CRLF line ends, as Danish
//! spreadsheets expect. XLSX has one worksheet per [`Sheet`], bold column titles, numbers as
//! numbers, kroner with a number format and dates as dates.
//!
//! No text cell reaches a spreadsheet as a formula: text starting with `=`, `+`, `-`, `@`, a tab
//! or a carriage return is written with a leading apostrophe, in CSV and XLSX alike (the
//! apostrophe is the spreadsheets' own mark for "this is text"). A lone `-` (a report's "none")
//! is no formula and is kept as it is. Numbers, kroner and dates are written as values, never as
//! text, so they need no guard.

use chrono::{Datelike, NaiveDate};
use pulje_domain::Ore;
use std::borrow::Cow;

/// One cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Text(String),
    Int(i64),
    /// Money shown in kroner: "35000,50" in CSV, the number 35000.5 formatted "#,##0.00" in
    /// XLSX.
    Kroner(Ore),
    Date(NaiveDate),
    Empty,
}

impl From<&str> for Value {
    fn from(t: &str) -> Value {
        Value::Text(t.to_string())
    }
}

impl From<String> for Value {
    fn from(t: String) -> Value {
        Value::Text(t)
    }
}

/// A table to write: a sheet name (XLSX only), column titles and rows.
#[derive(Debug, Clone)]
pub struct Sheet {
    pub name: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

/// `text` as a spreadsheet must get it: with a leading apostrophe when it would otherwise be
/// read as a formula.
pub fn neutralise(text: &str) -> Cow<'_, str> {
    let risky = matches!(
        text.chars().next(),
        Some('=' | '+' | '-' | '@' | '\t' | '\r')
    );
    if risky && text != "-" {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// Kroner with a decimal comma and no thousands separator: "35000,00", "-2,50".
pub fn kroner(o: Ore) -> String {
    let ore = o.ore();
    let sign = if ore < 0 { "-" } else { "" };
    let abs = ore.unsigned_abs();
    format!("{sign}{},{:02}", abs / 100, abs % 100)
}

/// How a CSV file writes its separators, kroner and dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// For Danish spreadsheets: `;`, "35000,50", "31-12-2023".
    Danish,
    /// For international standards (open data): `,`, "35000.50", "2023-12-31".
    International,
}

impl Dialect {
    fn separator(self) -> char {
        match self {
            Dialect::Danish => ';',
            Dialect::International => ',',
        }
    }
}

/// A CSV field: quoted when it holds the separator, a quote or a line break.
fn csv_field(value: &str, separator: char) -> Cow<'_, str> {
    if value.contains([separator, '"', '\n', '\r']) {
        Cow::Owned(format!("\"{}\"", value.replace('"', "\"\"")))
    } else {
        Cow::Borrowed(value)
    }
}

fn csv_value(v: &Value, dialect: Dialect) -> String {
    match (v, dialect) {
        (Value::Text(t), _) => csv_field(&neutralise(t), dialect.separator()).into_owned(),
        (Value::Int(n), _) => n.to_string(),
        (Value::Kroner(o), Dialect::Danish) => kroner(*o),
        (Value::Kroner(o), Dialect::International) => kroner(*o).replace(',', "."),
        (Value::Date(d), Dialect::Danish) => d.format("%d-%m-%Y").to_string(),
        (Value::Date(d), Dialect::International) => d.format("%Y-%m-%d").to_string(),
        (Value::Empty, _) => String::new(),
    }
}

impl Sheet {
    /// The sheet as CSV for Danish spreadsheets.
    pub fn csv(&self) -> String {
        self.csv_in(Dialect::Danish)
    }

    /// The sheet as CSV in `dialect`.
    pub fn csv_in(&self, dialect: Dialect) -> String {
        let separator = dialect.separator().to_string();
        let mut out = String::from("\u{feff}");
        let titles: Vec<String> = self
            .header
            .iter()
            .map(|h| csv_field(&neutralise(h), dialect.separator()).into_owned())
            .collect();
        out.push_str(&titles.join(&separator));
        out.push_str("\r\n");
        for row in &self.rows {
            let cells: Vec<String> = row.iter().map(|v| csv_value(v, dialect)).collect();
            out.push_str(&cells.join(&separator));
            out.push_str("\r\n");
        }
        out
    }
}

/// The most characters a workbook allows in a sheet name.
const SHEET_NAME_MAX: usize = 31;

/// Words a shortened sheet name does not end on ("Forsøg og afdelingslæger pr." is cut to
/// "Forsøg og afdelingslæger").
const TRAILING_WORDS: [&str; 12] = [
    "og", "pr.", "i", "af", "efter", "fra", "med", "til", "for", "om", "på", "-",
];

/// A sheet name a workbook accepts, made from a table's title: of the characters a workbook
/// forbids (`[]:*?/\`), slashes become hyphens, brackets parentheses and the others are left
/// out; a parenthesis is left out when the title is too long, and a title still over 31
/// characters is cut after a whole word. Empty becomes "Ark".
pub fn sheet_name(title: &str) -> String {
    let allowed: String = title
        .chars()
        .filter_map(|c| match c {
            '/' | '\\' => Some('-'),
            '[' => Some('('),
            ']' => Some(')'),
            ':' | '*' | '?' => None,
            c if c.is_control() => Some(' '),
            c => Some(c),
        })
        .collect();
    let mut name = allowed.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.chars().count() > SHEET_NAME_MAX {
        // "Forsøg efter karrierespor (fra indsendte evalueringer)" → "Forsøg efter karrierespor".
        while let (Some(open), Some(close)) = (name.find('('), name.find(')')) {
            if close < open {
                break;
            }
            name.replace_range(open..=close, "");
        }
        name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    }
    if name.chars().count() > SHEET_NAME_MAX {
        let mut words: Vec<&str> = Vec::new();
        for word in name.split_whitespace() {
            let len: usize = words.iter().map(|w| w.chars().count() + 1).sum();
            if len + word.chars().count() > SHEET_NAME_MAX {
                break;
            }
            words.push(word);
        }
        while words.len() > 1 && words.last().is_some_and(|w| TRAILING_WORDS.contains(w)) {
            words.pop();
        }
        name = if words.is_empty() {
            name.chars().take(SHEET_NAME_MAX).collect()
        } else {
            words
                .join(" ")
                .trim_end_matches([',', ';', '.', '-'])
                .to_string()
        };
    }
    // A workbook refuses a name that starts or ends with an apostrophe.
    let name = name.trim().trim_matches('\'').trim();
    if name.is_empty() {
        "Ark".into()
    } else {
        name.to_string()
    }
}

/// `name` made unique among `used` (which a workbook compares without regard to case) by a
/// number in parentheses, still within 31 characters.
fn unique_name(name: &str, used: &[String]) -> String {
    let taken = |n: &str| used.iter().any(|u| u.to_lowercase() == n.to_lowercase());
    let mut candidate = name.to_string();
    let mut n = 2;
    while taken(&candidate) {
        let suffix = format!(" ({n})");
        let room = SHEET_NAME_MAX - suffix.chars().count();
        let base: String = name.chars().take(room).collect();
        candidate = format!("{}{suffix}", base.trim_end());
        n += 1;
    }
    candidate
}

/// The sheets as one XLSX workbook. Each sheet's name is made acceptable to a workbook with
/// [`sheet_name`] and unique within it; should a workbook still refuse one, it becomes "Ark n".
pub fn xlsx(sheets: &[Sheet]) -> anyhow::Result<Vec<u8>> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.00");
    let date = Format::new().set_num_format("dd-mm-yyyy");
    let mut used: Vec<String> = Vec::new();
    for (i, s) in sheets.iter().enumerate() {
        let mut name = unique_name(&sheet_name(&s.name), &used);
        let sheet = book.add_worksheet();
        if sheet.set_name(&name).is_err() {
            name = unique_name(&format!("Ark {}", i + 1), &used);
            sheet.set_name(&name)?;
        }
        used.push(name);
        for (c, title) in s.header.iter().enumerate() {
            sheet.write_string_with_format(0, u16::try_from(c)?, neutralise(title), &bold)?;
        }
        for (r, row) in s.rows.iter().enumerate() {
            let r = u32::try_from(r)? + 1;
            for (c, v) in row.iter().enumerate() {
                let c = u16::try_from(c)?;
                match v {
                    Value::Text(t) => {
                        sheet.write_string(r, c, neutralise(t))?;
                    }
                    // Whole numbers below 2^53 are exact in the spreadsheet's number type.
                    Value::Int(n) => {
                        sheet.write_number(r, c, *n as f64)?;
                    }
                    // The number nearest the øre amount, as typing the kroner figure would give.
                    Value::Kroner(o) => {
                        let value: f64 = kroner(*o).replace(',', ".").parse()?;
                        sheet.write_number_with_format(r, c, value, &money)?;
                    }
                    Value::Date(d) => {
                        let at = ExcelDateTime::from_ymd(
                            u16::try_from(d.year())?,
                            u8::try_from(d.month())?,
                            u8::try_from(d.day())?,
                        )?;
                        sheet.write_datetime_with_format(r, c, &at, &date)?;
                    }
                    Value::Empty => {}
                }
            }
        }
        sheet.autofit();
    }
    Ok(book.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_international_dialect_uses_commas_points_and_iso_dates() {
        let sheet = Sheet {
            name: "x".into(),
            header: vec!["Title".into(), "Amount".into(), "Date".into()],
            rows: vec![vec![
                Value::Text("=SUM(A1), more".into()),
                Value::Kroner(Ore::from_ore(1_500_050)),
                Value::Date(NaiveDate::from_ymd_opt(2023, 12, 31).unwrap()),
            ]],
        };
        assert_eq!(
            sheet.csv_in(Dialect::International),
            "\u{feff}Title,Amount,Date\r\n\"'=SUM(A1), more\",15000.50,2023-12-31\r\n"
        );
        assert_eq!(
            sheet.csv(),
            "\u{feff}Title;Amount;Date\r\n'=SUM(A1), more;15000,50;31-12-2023\r\n"
        );
    }

    #[test]
    fn formula_looking_text_is_neutralised_and_the_rest_kept() {
        for risky in ["=1+1", "+1", "-1+2", "@SUM(A1)", "\tx", "\rx", "-12"] {
            assert_eq!(neutralise(risky), format!("'{risky}"), "{risky:?}");
        }
        for safe in ["-", "Almindelig", "1+1", "'=x", ""] {
            assert_eq!(neutralise(safe), safe, "{safe:?}");
        }
    }

    #[test]
    fn csv_quotes_separators_and_writes_values_as_values() {
        let s = Sheet {
            name: "x".into(),
            header: vec!["Titel".into(), "Beløb".into(), "Dato".into(), "Nr.".into()],
            rows: vec![vec![
                Value::from("Ærø; \"x\""),
                Value::Kroner(Ore::from_ore(-250)),
                Value::Date(NaiveDate::from_ymd_opt(2027, 4, 1).unwrap()),
                Value::Int(-3),
            ]],
        };
        assert_eq!(
            s.csv(),
            "\u{feff}Titel;Beløb;Dato;Nr.\r\n\"Ærø; \"\"x\"\"\";-2,50;01-04-2027;-3\r\n"
        );
    }

    #[test]
    fn sheet_names_are_danish_short_and_allowed() {
        assert_eq!(sheet_name("Økonomi pr. pulje"), "Økonomi pr. pulje");
        assert_eq!(
            sheet_name("Bevilget, disponeret, udbetalt og ubrugt pr. region"),
            "Bevilget, disponeret, udbetalt"
        );
        assert_eq!(
            sheet_name("Forsøg efter karrierespor (fra indsendte evalueringer)"),
            "Forsøg efter karrierespor"
        );
        assert_eq!(
            sheet_name("Forsøg og afdelingslæger pr. region"),
            "Forsøg og afdelingslæger"
        );
        assert_eq!(
            sheet_name("Bilag 4: Forsøg/år [*?]"),
            "Bilag 4 Forsøg-år ()"
        );
        assert_eq!(sheet_name("'Citat'"), "Citat");
        assert_eq!(sheet_name("  "), "Ark");
        assert_eq!(sheet_name(&"æ".repeat(40)).chars().count(), 31);
        for title in [
            "Forsøg efter nationalt prioriteret område og region",
            "Individuelle og tværgående forsøg pr. region",
        ] {
            let name = sheet_name(title);
            assert!(
                name.chars().count() <= 31 && title.starts_with(&name),
                "{name}"
            );
        }
    }

    #[test]
    fn sheet_names_are_unique_regardless_of_case() {
        let used = vec!["Forsøg".to_string(), "Forsøg (2)".to_string()];
        assert_eq!(unique_name("forsøg", &used), "forsøg (3)");
        let long = "x".repeat(31);
        let name = unique_name(&long, std::slice::from_ref(&long));
        assert_eq!(name.chars().count(), 31);
        assert!(name.ends_with(" (2)"));
    }

    #[test]
    fn kroner_are_exact_from_ore() {
        assert_eq!(kroner(Ore::from_ore(1)), "0,01");
        assert_eq!(kroner(Ore::from_ore(-250)), "-2,50");
        assert_eq!(kroner(Ore::from_ore(2_000_000)), "20000,00");
    }
}
