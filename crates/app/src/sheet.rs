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

/// The sheets as one XLSX workbook. Sheet names are cut to the 31 characters a workbook allows
/// and made unique; a name a workbook refuses (e.g. with `/`) becomes "Ark n".
pub fn xlsx(sheets: &[Sheet]) -> anyhow::Result<Vec<u8>> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.00");
    let date = Format::new().set_num_format("dd-mm-yyyy");
    let mut used: Vec<String> = Vec::new();
    for (i, s) in sheets.iter().enumerate() {
        let mut name: String = s.name.chars().take(28).collect();
        let mut n = 2;
        while used.contains(&name) {
            name = format!("{}_{n}", s.name.chars().take(26).collect::<String>());
            n += 1;
        }
        let sheet = book.add_worksheet();
        if sheet.set_name(&name).is_err() {
            name = format!("Ark {}", i + 1);
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
    fn kroner_are_exact_from_ore() {
        assert_eq!(kroner(Ore::from_ore(1)), "0,01");
        assert_eq!(kroner(Ore::from_ore(-250)), "-2,50");
        assert_eq!(kroner(Ore::from_ore(2_000_000)), "20000,00");
    }
}
