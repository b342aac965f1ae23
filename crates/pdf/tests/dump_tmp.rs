#[test]
fn dump() {
    use pulje_pdf::{render, Block};
    let rows: Vec<Vec<String>> = (1..=80).map(|n| vec![n.to_string(), format!("Forsøg {n} på Ærø"), "x".into()]).collect();
    let pdf = render("Evaluering «ÆØÅ» & <x>", "Region", &[Block::Title("Evaluering".into()), Block::Fact("A".into(), "B".into()), Block::Table{header: vec!["Nr.".into(), "Titel".into(), "Beløb".into()], widths: vec![1.0,5.0,2.0], rows}]);
    std::fs::write("/tmp/pdfx/a.pdf", pdf).unwrap();
}
