//! The application list as a spreadsheet: the rows the list's filters select (not just the page
//! shown), with Danish column names, money in kroner, dates as dates, and nothing a spreadsheet
//! would run as a formula. CSV is semicolon-separated UTF-8 with a BOM, as Danish spreadsheets
//! expect; XLSX has its money column as numbers in kroner with a number format.

use crate::sheet::{self, Sheet, Value};
use chrono::NaiveDate;
use pulje_domain::Ore;

/// The most rows one export holds.
pub const MAX_ROWS: i64 = 10_000;

/// One row of the export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub id: i64,
    pub title: String,
    pub status: String,
    pub region: String,
    pub programme: String,
    pub hospital: String,
    pub round: String,
    pub supplement: Option<Ore>,
    pub start: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
    /// When it was last changed, in Danish time ("4. december 2026 kl. 17.20").
    pub changed: String,
}

const HEADER: [&str; 11] = [
    "Nr.",
    "Titel",
    "Status",
    "Region",
    "Program",
    "Hospital",
    "Runde",
    "Årligt tillæg (kr.)",
    "Start",
    "Slut",
    "Senest ændret",
];

fn or_empty<T>(v: Option<T>, f: impl FnOnce(T) -> Value) -> Value {
    v.map(f).unwrap_or(Value::Empty)
}

/// The rows as one sheet.
fn sheet(rows: &[Row]) -> Sheet {
    Sheet {
        name: "Ansøgninger".into(),
        header: HEADER.iter().map(|h| h.to_string()).collect(),
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    Value::Int(r.id),
                    Value::from(r.title.as_str()),
                    Value::from(r.status.as_str()),
                    Value::from(r.region.as_str()),
                    Value::from(r.programme.as_str()),
                    Value::from(r.hospital.as_str()),
                    Value::from(r.round.as_str()),
                    or_empty(r.supplement, Value::Kroner),
                    or_empty(r.start, Value::Date),
                    or_empty(r.end, Value::Date),
                    Value::from(r.changed.as_str()),
                ]
            })
            .collect(),
    }
}

/// The rows as CSV.
pub fn csv(rows: &[Row]) -> String {
    sheet(rows).csv()
}

/// The rows as an XLSX workbook of one sheet.
pub fn xlsx(rows: &[Row]) -> anyhow::Result<Vec<u8>> {
    sheet::xlsx(&[sheet(rows)])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(title: &str) -> Row {
        Row {
            id: 7,
            title: title.into(),
            status: "Indsendt".into(),
            region: "Region Midtjylland".into(),
            programme: "OK21".into(),
            hospital: "Aarhus Universitetshospital".into(),
            round: "Forår; 2027".into(),
            supplement: Some(Ore::from_ore(3_500_050)),
            start: chrono::NaiveDate::from_ymd_opt(2027, 4, 1),
            end: None,
            changed: "4. december 2026 kl. 17.20".into(),
        }
    }

    #[test]
    fn csv_has_danish_columns_kroner_and_no_formulas() {
        let text = csv(&[
            row("=HYPERLINK(\"http://x\")"),
            row("-5+3"),
            row("Almindelig"),
        ]);
        let lines: Vec<&str> = text.trim_start_matches('\u{feff}').split("\r\n").collect();
        assert!(
            lines[0].starts_with("Nr.;Titel;Status;Region;Program"),
            "{}",
            lines[0]
        );
        assert_eq!(
            lines[1],
            "7;\"'=HYPERLINK(\"\"http://x\"\")\";Indsendt;Region Midtjylland;OK21;Aarhus Universitetshospital;\"Forår; 2027\";35000,50;01-04-2027;;4. december 2026 kl. 17.20"
        );
        assert!(lines[2].starts_with("7;'-5+3;"), "{}", lines[2]);
        assert!(lines[3].starts_with("7;Almindelig;"), "{}", lines[3]);
    }
}
