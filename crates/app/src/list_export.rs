//! The application list as a spreadsheet: the rows the list's filters select (not just the page
//! shown), with Danish column names, money in kroner, dates as dates, and nothing a spreadsheet
//! would run as a formula. CSV is semicolon-separated UTF-8 with a BOM, as Danish spreadsheets
//! expect; XLSX has its money column as numbers in kroner with a number format.

use crate::reports::csv_field;
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

/// Kroner with a decimal comma and no thousands separator: "35000,00".
fn kroner(o: Ore) -> String {
    let ore = o.ore();
    let sign = if ore < 0 { "-" } else { "" };
    let abs = ore.unsigned_abs();
    format!("{sign}{},{:02}", abs / 100, abs % 100)
}

fn day(d: Option<NaiveDate>) -> String {
    d.map(|d| d.format("%d-%m-%Y").to_string())
        .unwrap_or_default()
}

/// The rows as CSV.
pub fn csv(rows: &[Row]) -> String {
    let mut out = String::from("\u{feff}");
    let line = |cells: Vec<String>| -> String {
        cells
            .iter()
            .map(|c| csv_field(c))
            .collect::<Vec<_>>()
            .join(";")
            + "\r\n"
    };
    out.push_str(&line(HEADER.iter().map(|h| h.to_string()).collect()));
    for r in rows {
        out.push_str(&line(vec![
            r.id.to_string(),
            r.title.clone(),
            r.status.clone(),
            r.region.clone(),
            r.programme.clone(),
            r.hospital.clone(),
            r.round.clone(),
            r.supplement.map(kroner).unwrap_or_default(),
            day(r.start),
            day(r.end),
            r.changed.clone(),
        ]));
    }
    out
}

/// The rows as an XLSX workbook of one sheet. Text is written as text (never a formula); the
/// supplement is a number in kroner shown as "35.000,00" (a spreadsheet's numbers are binary
/// fractions: the kroner figure is the one nearest the øre amount, as typing it would give);
/// dates are dates.
pub fn xlsx(rows: &[Row]) -> anyhow::Result<Vec<u8>> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.00");
    let date = Format::new().set_num_format("dd-mm-yyyy");
    let sheet = book.add_worksheet();
    sheet.set_name("Ansøgninger")?;
    for (c, title) in HEADER.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *title, &bold)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let n = i as u32 + 1;
        sheet.write_number(n, 0, r.id as f64)?;
        for (c, text) in [
            (1, &r.title),
            (2, &r.status),
            (3, &r.region),
            (4, &r.programme),
            (5, &r.hospital),
            (6, &r.round),
        ] {
            sheet.write_string(n, c, text)?;
        }
        if let Some(o) = r.supplement {
            let value: f64 = kroner(o).replace(',', ".").parse()?;
            sheet.write_number_with_format(n, 7, value, &money)?;
        }
        for (c, d) in [(8, r.start), (9, r.end)] {
            if let Some(d) = d {
                let at = ExcelDateTime::from_ymd(
                    u16::try_from(chrono::Datelike::year(&d))?,
                    chrono::Datelike::month(&d) as u8,
                    chrono::Datelike::day(&d) as u8,
                )?;
                sheet.write_datetime_with_format(n, c, &at, &date)?;
            }
        }
        sheet.write_string(n, 10, &r.changed)?;
    }
    sheet.autofit();
    Ok(book.save_to_buffer()?)
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

    #[test]
    fn kroner_are_exact_from_ore() {
        assert_eq!(kroner(Ore::from_ore(1)), "0,01");
        assert_eq!(kroner(Ore::from_ore(-250)), "-2,50");
        assert_eq!(kroner(Ore::from_ore(2_000_000)), "20000,00");
    }
}
