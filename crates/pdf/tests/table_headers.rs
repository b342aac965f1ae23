//! Table headers keep their words whole: a narrow column gets the width of its widest header
//! word from the wider columns, and only when the words cannot fit side by side is the header
//! row set in a smaller size.

use pulje_pdf::{extract_text, render, Block};

fn report_table(header: &[&str], widths: Vec<f32>) -> Vec<u8> {
    let rows = (1..=3)
        .map(|n| {
            let mut row = vec![format!("Forsøg {n} om akutmodtagelse")];
            row.extend((1..header.len()).map(|c| format!("{}.000,50", n * c)));
            row
        })
        .collect();
    render(
        "Økonomi",
        "Region Nordjylland",
        &[Block::Table {
            header: header.iter().map(|h| h.to_string()).collect(),
            widths,
            rows,
        }],
    )
}

fn lines(pdf: &[u8]) -> Vec<String> {
    extract_text(pdf).lines().map(String::from).collect()
}

#[test]
fn eight_narrow_columns_keep_their_header_words_whole() {
    let header = [
        "Forsøg",
        "Afdelingslæger",
        "Bevilget",
        "Disponeret",
        "Udbetalt",
        "Ubrugt",
        "Disponeret i alt",
        "Udbetalt i året",
    ];
    let pdf = report_table(&header, vec![3.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]);
    let lines = lines(&pdf);
    for word in ["Afdelingslæger", "Disponeret", "Udbetalt", "Bevilget"] {
        assert!(lines.iter().any(|l| l == word), "{word} whole in {lines:?}");
    }
    // Every header line is whole words of the header.
    let words: Vec<&str> = header.iter().flat_map(|h| h.split(' ')).collect();
    let header_lines = &lines[..lines
        .iter()
        .position(|l| l.starts_with("Forsøg 1"))
        .unwrap()];
    for line in header_lines {
        assert!(
            line.split(' ').all(|w| words.contains(&w)),
            "a header word was cut: {line:?}"
        );
    }
    // The words fit at the table's size: the header row is not made smaller.
    let text = String::from_utf8_lossy(&pdf);
    assert!(text.contains("/F2 9 Tf"), "header in 9 pt bold");
    assert!(!text.contains("/F2 8"));
}

#[test]
fn header_words_too_wide_for_the_page_are_set_smaller_not_cut() {
    let header = ["Afdelingslægerne"; 8];
    let pdf = report_table(&header, vec![1.0; 8]);
    let lines = lines(&pdf);
    assert_eq!(
        lines.iter().filter(|l| *l == "Afdelingslægerne").count(),
        8,
        "{lines:?}"
    );
    let text = String::from_utf8_lossy(&pdf);
    assert!(!text.contains("/F2 9 Tf"), "the header row is set smaller");
    assert!(text.contains("/F1 9 Tf"), "the body keeps its size");
}

#[test]
fn long_words_break_after_their_hyphen() {
    let pdf = report_table(
        &["Nr.", "Afdelings-lægeuddannelse", "Beløb"],
        vec![1.0, 1.0, 12.0],
    );
    let lines = lines(&pdf);
    // The column is made as wide as "lægeuddannelse", not as the whole word.
    let at = lines
        .iter()
        .position(|l| l == "Afdelings-")
        .expect("broken after the hyphen");
    assert_eq!(lines[at + 1], "lægeuddannelse", "{lines:?}");
}
