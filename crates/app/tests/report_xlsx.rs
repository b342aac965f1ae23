//! A report's XLSX: sheets named after the tables' titles in Danish (æøå kept, within a
//! workbook's 31 characters, unique), money as kroner with a number format under the plain
//! column titles; the table's CSV keeps whole øre under "(øre)" titles.

use calamine::{Data, Reader, Xlsx};
use pulje_app::reports::{xlsx, Cell, Column, Kind, Table};
use pulje_domain::Ore;

fn column(title: &str, kind: Kind) -> Column {
    Column {
        title: title.into(),
        kind,
        width: 1.0,
    }
}

fn economy(title: &str) -> Table {
    Table {
        id: "oekonomi",
        title: title.into(),
        columns: vec![
            column("Pulje", Kind::Text),
            column("Bevilget", Kind::Ore),
            column("Forsøg", Kind::Int),
        ],
        rows: vec![
            vec![
                Cell::Text("Første pulje".into()),
                Cell::Ore(Ore::from_ore(3_500_050)),
                Cell::Int(3),
            ],
            vec![
                Cell::Text("I alt".into()),
                Cell::Ore(Ore::from_ore(-1)),
                Cell::Int(3),
            ],
        ],
    }
}

fn workbook(tables: &[Table]) -> Xlsx<std::io::Cursor<Vec<u8>>> {
    let bytes = xlsx(tables).expect("the workbook is written");
    calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("calamine reads it")
}

#[test]
fn sheets_are_named_after_the_titles_in_danish() {
    let book = workbook(&[
        economy("Økonomi pr. pulje"),
        economy("Bevilget, disponeret, udbetalt og ubrugt pr. region"),
        economy("Forsøg efter karrierespor (fra indsendte evalueringer)"),
        economy("Økonomi pr. pulje"),
        economy("Tillæg: [alle]/år?"),
    ]);
    assert_eq!(
        book.sheet_names(),
        [
            "Økonomi pr. pulje",
            "Bevilget, disponeret, udbetalt",
            "Forsøg efter karrierespor",
            "Økonomi pr. pulje (2)",
            "Tillæg (alle)-år",
        ]
    );
}

#[test]
fn money_is_kroner_with_a_number_format_under_plain_titles() {
    let mut book = workbook(&[economy("Økonomi pr. pulje")]);
    let range = book.worksheet_range("Økonomi pr. pulje").unwrap();
    let rows: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
    assert_eq!(
        rows[0],
        [
            Data::String("Pulje".into()),
            Data::String("Bevilget".into()),
            Data::String("Forsøg".into())
        ]
    );
    assert_eq!(rows[1][1], Data::Float(35000.5));
    assert_eq!(rows[2][1], Data::Float(-0.01));
    assert_eq!(rows[1][2], Data::Float(3.0));
    let styles = book.worksheet_style("Økonomi pr. pulje").unwrap();
    let format = |row: u32, col: u32| {
        styles
            .get((row, col))
            .and_then(|s| s.number_format.as_ref())
            .map(|f| f.format_code.clone())
    };
    assert_eq!(format(1, 1).as_deref(), Some("#,##0.00"));
    assert_eq!(format(2, 1).as_deref(), Some("#,##0.00"));
    assert_ne!(
        format(1, 2).as_deref(),
        Some("#,##0.00"),
        "a count is no amount"
    );
}

#[test]
fn the_csv_keeps_whole_ore_and_its_titles() {
    let csv = economy("Økonomi pr. pulje").csv();
    assert_eq!(
        csv,
        "\u{feff}Pulje;Bevilget (øre);Forsøg\r\nFørste pulje;3500050;3\r\nI alt;-1;3\r\n"
    );
}
