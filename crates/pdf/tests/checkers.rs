//! The PDFs as other readers see them: qpdf finds no syntax error, and poppler reads the
//! structure tree (headings, a table with header cells scoped to their column), the document's
//! title and language, and the Danish text. Ignored, naming the tools, where qpdf and poppler
//! are not installed.

#[path = "../../testkit/src/tools.rs"]
#[allow(dead_code)]
mod tools;

use pulje_pdf::{render, Block};
use std::path::PathBuf;
use std::process::{Command, Output};

/// A report-like document across pages, written to a file of its own.
fn written(name: &str) -> PathBuf {
    let rows = (1..=70)
        .map(|n| {
            vec![
                n.to_string(),
                format!("Akutmodtagelse på Ærø nr. {n}"),
                format!("{n}.500,00"),
                "Ja".into(),
            ]
        })
        .collect();
    let pdf = render(
        "Evalueringsrapport – Region Sjælland",
        "Region Sjælland · OK21",
        &[
            Block::Title("Evalueringsrapport – Region Sjælland".into()),
            Block::Fact("Periode".into(), "2022–2024".into()),
            Block::Heading("Økonomi og forsøg".into()),
            Block::Paragraph("Tabellen viser alle forsøg med afdelingslæger.".into()),
            Block::Table {
                header: vec![
                    "Nr.".into(),
                    "Forsøg".into(),
                    "Disponeret".into(),
                    "Afdelingslæger".into(),
                ],
                widths: vec![1.0, 8.0, 1.0, 1.0],
                rows,
            },
        ],
    );
    let path = std::env::temp_dir().join(format!("pulje-pdf-{}-{name}.pdf", std::process::id()));
    std::fs::write(&path, pdf).expect("the PDF is written");
    path
}

/// Runs `program` with `args` and the file, then `after` (pdftotext's `-` for standard output).
fn run_with(program: &str, args: &[&str], path: &PathBuf, after: &[&str]) -> Output {
    let out = Command::new(program)
        .args(args)
        .arg(path)
        .args(after)
        .output()
        .unwrap_or_else(|e| panic!("{program} runs: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn run(program: &str, args: &[&str], path: &PathBuf) -> Output {
    run_with(program, args, path, &[])
}

#[test]
#[cfg_attr(
    not(pulje_pdf_checkers),
    ignore = "needs qpdf and poppler-utils, not installed (scripts/install-test-tools)"
)]
fn qpdf_finds_no_error() {
    tools::Tool::PdfCheckers.require();
    let path = written("qpdf");
    let out = run(tools::QPDF, &["--check"], &path);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("No syntax or stream encoding errors found"),
        "{said}"
    );
    assert!(said.contains("PDF Version: 1.7"), "{said}");
    std::fs::remove_file(path).ok();
}

#[test]
#[cfg_attr(
    not(pulje_pdf_checkers),
    ignore = "needs qpdf and poppler-utils, not installed (scripts/install-test-tools)"
)]
fn poppler_reads_the_tagged_structure_and_the_danish_text() {
    tools::Tool::PdfCheckers.require();
    let path = written("poppler");
    let info = run(tools::PDFINFO, &[], &path);
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(info.contains("Tagged:          yes"), "{info}");
    assert!(info.contains("Metadata Stream: yes"), "{info}");
    assert!(
        info.contains("Title:           Evalueringsrapport – Region Sjælland"),
        "{info}"
    );

    let tree = run(tools::PDFINFO, &["-struct-text"], &path);
    let errors = String::from_utf8_lossy(&tree.stderr);
    assert!(errors.trim().is_empty(), "poppler complains: {errors}");
    let tree = String::from_utf8_lossy(&tree.stdout);
    let lines: Vec<&str> = tree.lines().map(str::trim).collect();
    assert_eq!(lines[0], "Document", "{tree}");
    assert!(
        tree.contains("H1 (block)\n    \"Evalueringsrapport – Region Sjælland\""),
        "{tree}"
    );
    assert!(
        tree.contains("H2 (block)\n    \"Økonomi og forsøg\""),
        "{tree}"
    );
    assert_eq!(lines.iter().filter(|l| **l == "Table (block)").count(), 1);
    assert_eq!(lines.iter().filter(|l| **l == "TR").count(), 71, "{tree}");
    assert_eq!(lines.iter().filter(|l| **l == "TH:").count(), 4);
    assert_eq!(lines.iter().filter(|l| **l == "/Scope /Column").count(), 4);
    assert!(lines.contains(&"\"Afdelingslæger\""), "{tree}");
    assert!(
        lines.contains(&"\"Akutmodtagelse på Ærø nr. 70\""),
        "{tree}"
    );
    assert!(!tree.contains("Side 1 af"), "the footer is no content");

    let meta = run(tools::PDFINFO, &["-meta"], &path);
    let meta = String::from_utf8_lossy(&meta.stdout);
    assert!(meta.contains("<rdf:li>da-DK</rdf:li>"), "{meta}");

    let text = run_with(tools::PDFTOTEXT, &["-layout"], &path, &["-"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("Akutmodtagelse på Ærø nr. 1"), "{text}");
    assert!(text.contains("Side 1 af "), "{text}");
    std::fs::remove_file(path).ok();
}
