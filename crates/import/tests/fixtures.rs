//! Our own fixtures, made in the test: agreement forms as PDF (both layouts) and DOCX, trial
//! lists as CSV and XLSX with Danish and English headers, and bad files that must each give a
//! clear Danish message naming the file.

use chrono::NaiveDate;
use pulje_import::{areas, extract_text, read_form, trials, ErrorKind, Limits};
use pulje_pdf::{render, Block};
use std::io::Write;

fn p(text: &str) -> Block {
    Block::Paragraph(text.into())
}

fn fact(label: &str, value: &str) -> Block {
    Block::Fact(label.into(), value.into())
}

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

/// A form with each value beside its label.
fn inline_form_pdf() -> Vec<u8> {
    render(
        "Aftale",
        "Region Midtjylland",
        &[
            Block::Title("Skema til brug for aftale af regionale forsøg".into()),
            Block::Heading("A. Identifikation".into()),
            fact("A1. Hospital/afdeling", "Regionshospitalet Randers, Ortopædkirurgisk afdeling"),
            fact("A2. Forsøgets titel", "Ansvar for knæambulatoriets udvikling"),
            fact("A3. Ansvarlige leder for forsøget", "Karen Østergaard, ledende overlæge"),
            fact("A4. Ansvarlig afd.læge", "Søren Ærø, afdelingslæge"),
            Block::Heading("B. Forsøget".into()),
            fact(
                "B1. Formål",
                "At give afdelingslægen ansvaret for ambulatoriets faglige udvikling. Forsøget ligger indenfor Faglig specialist evt. med et særligt fokusområde.",
            ),
            fact(
                "B2. Beskrivelse",
                "Ambulatoriet ser flere patienter hvert år. Afdelingslægen samler retningslinjer og opfølgning.",
            ),
            fact(
                "B3. Indhold (hvad er aftalt?)",
                "Afdelingslægen planlægger ambulatoriet og holder et månedligt møde.",
            ),
            fact("B3. Deltagerkreds (hvem indgår?)", "Afdelingslægen og to sygeplejersker"),
            fact("B4 I hvilken periode kører forsøget?", "Fra 1. maj 2022 til udgangen af april 2023"),
            fact("B5. Organisering", "Afdelingslægen refererer til den ledende overlæge."),
            fact("B6. Økonomi", "Tillægsstørrelse 35.000 kr."),
            fact("Uddybende bemærkninger:", "Ingen."),
            Block::Heading("C. Forsøgets tidsmæssige udstrækning".into()),
            fact("C.2. Dato for forsøgets opstart", "01.05.2022"),
            fact("C.3. Dato for forsøgets afslutning", "30-04-2023"),
            p("- Forsøget ophører senest 31.12. 2023"),
            Block::Heading("D. Aftalen er indgået mellem".into()),
            fact("Dato", "12. april 2022"),
        ],
    )
}

/// A form whose labels come first and values after, as in a scrambled extraction.
fn labels_first_form_pdf() -> Vec<u8> {
    render(
        "Aftale",
        "Region Midtjylland",
        &[
            p("SKEMA TIL BRUG FOR AFTALE AF REGIONALE FORSØG"),
            p("A. Identifikation"),
            p("A1. Hospital/afdeling"),
            p("A2. Forsøgets titel"),
            p("A3. Ansvarlige leder for\nforsøget"),
            p("A4. Ansvarlig afd.læge"),
            p("B. Forsøget"),
            p("B1. Formål"),
            p("B2. Beskrivelse"),
            p("Regionshospitalet Viborg,\nKirurgisk afdeling"),
            p("Fælles vagtplan for\nakutkirurgien."),
            p("Under område:\n- Tværsektorielle patientforlob (brobygger)"),
            p("Jens Kirk, ledende overlæge"),
            p("Ida Holm, afdelingslæge"),
            p("At samle planlægningen af den akutte kirurgi hos en afdelingslæge."),
            p("Kirurgien har i dag tre separate vagtlag. Planerne laves hver for sig."),
            p("B3. Indhold (hvad er\naftalt?)"),
            p("B3. Deltagerkreds (hvem\nindgår?)"),
            p("Desuden skal planen deles med anæstesien."),
            p("Det er aftalt, at afdelingslægen ejer vagtplanen og holder ugentligt møde med planlæggerne."),
            p("afdelingslæge, Kirurgi\nsygeplejerske, Kirurgi\nlægesekretær, Kirurgi"),
            p("I hvilken periode kører forsøget? Hele 2023"),
            p("B5. Organisering"),
            p("B6. Økonomi"),
            p("Afdelingslægen refererer til den ledende overlæge og mødes med ham hver måned."),
            p("(Tillægsstørrelse 20.000 20.000\n– 35.000 eller 50.000\nkr.) – tildeles den\nansvarlige afd.læge"),
            p("Uddybende bemærkninger:"),
            p("Planen evalueres efter et halvt år."),
            p("C. Forsøgets tidsmæssige udstrækning"),
            p("C.2. Dato for forsøgets opstart"),
            p("C.3. Dato for forsøgets afslutning"),
            p("- Forsøget ophører senest 31.12.\n\n2023"),
            p("D. Aftalen er indgået mellem"),
            p("Dato"),
            p("1. februar 2023"),
            p("31. dec. 2023"),
        ],
    )
}

#[test]
fn pdf_form_with_values_beside_labels() {
    let pdf = inline_form_pdf();
    let f = read_form("aftale.pdf", &pdf, &Limits::default()).unwrap();
    assert_eq!(
        f.hospital_department,
        "Regionshospitalet Randers, Ortopædkirurgisk afdeling"
    );
    assert_eq!(f.title, "Ansvar for knæambulatoriets udvikling");
    assert_eq!(f.responsible_leader, "Karen Østergaard, ledende overlæge");
    assert_eq!(f.responsible_doctor, "Søren Ærø, afdelingslæge");
    assert!(f.purpose.starts_with("At give afdelingslægen ansvaret"));
    assert!(
        f.description.ends_with("retningslinjer og opfølgning."),
        "{}",
        f.description
    );
    assert_eq!(
        f.content,
        "Afdelingslægen planlægger ambulatoriet og holder et månedligt møde."
    );
    assert_eq!(f.participants, "Afdelingslægen og to sygeplejersker");
    assert_eq!(f.period_text, "Fra 1. maj 2022 til udgangen af april 2023");
    assert_eq!(
        f.organisation,
        "Afdelingslægen refererer til den ledende overlæge."
    );
    assert_eq!(f.supplement_dkk, Some(35_000));
    assert_eq!(f.remarks, "Ingen.");
    assert_eq!(f.start_date, date(2022, 5, 1));
    assert_eq!(f.end_date, date(2023, 4, 30));
    assert_eq!(f.agreement_date, date(2022, 4, 12));
    assert_eq!(
        f.areas,
        ["Faglig specialist evt. med et særligt fokusområde"]
    );
    // The page footer is page furniture, not content.
    assert_eq!(f.unmapped_text, "");
    assert!(f.warnings.is_empty(), "{:?}", f.warnings);
}

#[test]
fn pdf_form_with_labels_first() {
    let pdf = labels_first_form_pdf();
    let f = read_form("aftale2.pdf", &pdf, &Limits::default()).unwrap();
    assert_eq!(
        f.hospital_department,
        "Regionshospitalet Viborg, Kirurgisk afdeling"
    );
    assert_eq!(f.title, "Fælles vagtplan for akutkirurgien");
    assert_eq!(f.responsible_leader, "Jens Kirk, ledende overlæge");
    assert_eq!(f.responsible_doctor, "Ida Holm, afdelingslæge");
    assert_eq!(
        f.purpose,
        "At samle planlægningen af den akutte kirurgi hos en afdelingslæge."
    );
    assert_eq!(
        f.description,
        "Kirurgien har i dag tre separate vagtlag. Planerne laves hver for sig.\nDesuden skal planen deles med anæstesien."
    );
    assert!(f
        .content
        .starts_with("Det er aftalt, at afdelingslægen ejer vagtplanen"));
    assert_eq!(
        f.participants,
        "afdelingslæge, Kirurgi\nsygeplejerske, Kirurgi\nlægesekretær, Kirurgi"
    );
    assert_eq!(f.period_text, "Hele 2023");
    assert!(f.organisation.starts_with("Afdelingslægen refererer"));
    // The filled-in 20.000 beside the template's own 20.000.
    assert_eq!(f.supplement_dkk, Some(20_000));
    assert_eq!(f.remarks, "Planen evalueres efter et halvt år.");
    assert_eq!(f.start_date, date(2023, 2, 1));
    assert_eq!(f.end_date, date(2023, 12, 31));
    assert_eq!(f.agreement_date, None);
    assert_eq!(f.areas, ["Tværsektorielle patientforløb (brobygger)"]);
    assert!(f.warnings.iter().any(|w| w.contains("patientforlob")));
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        zip.start_file(*name, options).unwrap();
        zip.write_all(data).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn docx_of(paragraphs: &[&str], table: &[(&str, &str)]) -> Vec<u8> {
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;");
    let mut body = String::new();
    for p in paragraphs {
        let runs: Vec<String> = p
            .split('\t')
            .map(|r| format!("<w:r><w:t xml:space=\"preserve\">{}</w:t></w:r>", esc(r)))
            .collect();
        body.push_str(&format!("<w:p>{}</w:p>", runs.join("<w:r><w:tab/></w:r>")));
    }
    body.push_str("<w:tbl>");
    for (label, value) in table {
        body.push_str(&format!(
            "<w:tr><w:tc><w:p><w:r><w:t>{}</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>{}</w:t></w:r></w:p></w:tc></w:tr>",
            esc(label),
            esc(value)
        ));
    }
    body.push_str("</w:tbl>");
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}</w:body></w:document>"
    );
    let types = b"<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>";
    zip_of(&[
        ("[Content_Types].xml", types),
        ("word/document.xml", xml.as_bytes()),
    ])
}

#[test]
fn docx_form_with_tabs_and_a_table() {
    let docx = docx_of(
        &[
            "Skema til brug for aftale af regionale forsøg",
            "A. Identifikation",
            "A1. Hospital/afdeling\tHospitalsenhed Vest, Medicinsk afdeling",
            "A2. Forsøgets titel\tTelemedicinsk opfølgning af hjertesvigt",
            "B. Forsøget",
            "B1. Formål\tAt flytte kontroller hjem til patienten.",
            "B6. Økonomi\t50.000",
        ],
        &[
            ("C.2. Dato for forsøgets opstart", "1. september 2022"),
            ("C.3. Dato for forsøgets afslutning", "31.08.2023"),
        ],
    );
    let text = extract_text("aftale.docx", &docx, &Limits::default()).unwrap();
    assert!(text.contains("A1. Hospital/afdeling\tHospitalsenhed Vest"));
    let f = read_form("aftale.docx", &docx, &Limits::default()).unwrap();
    assert_eq!(
        f.hospital_department,
        "Hospitalsenhed Vest, Medicinsk afdeling"
    );
    assert_eq!(f.title, "Telemedicinsk opfølgning af hjertesvigt");
    assert_eq!(f.purpose, "At flytte kontroller hjem til patienten.");
    assert_eq!(f.supplement_dkk, Some(50_000));
    assert_eq!(f.start_date, date(2022, 9, 1));
    assert_eq!(f.end_date, date(2023, 8, 31));
}

#[test]
fn plain_text_form_in_latin1() {
    let text = "SKEMA TIL BRUG FOR AFTALE AF REGIONALE FORSØG\nA1. Hospital/afdeling Aarhus Universitetshospital, Øjenafdelingen\nA2. Forsøgets titel Nethindeklinik\nB1. Formål At korte ventetiden.\nC.2. Dato for forsøgets opstart 1/3 2022\n";
    let (latin1, _, _) = encoding_rs::WINDOWS_1252.encode(text);
    let f = read_form("aftale.txt", &latin1, &Limits::default()).unwrap();
    assert_eq!(
        f.hospital_department,
        "Aarhus Universitetshospital, Øjenafdelingen"
    );
    assert_eq!(f.title, "Nethindeklinik");
    assert_eq!(f.start_date, date(2022, 3, 1));
}

// --- Trial lists -------------------------------------------------------------------------

fn check_rows(list: &trials::TrialList) {
    assert_eq!(list.rows.len(), 3, "{:?}", list.rows);
    let r = &list.rows[0];
    assert_eq!(r.number, 1);
    assert_eq!(r.hospital, "Aalborg Universitetshospital");
    assert_eq!(r.department, "Kardiologisk");
    assert_eq!(r.area.as_deref(), Some("Kvalitetssikring"));
    assert_eq!(r.doctor_count, 2);
    assert_eq!(r.title, "Hjertesvigtsklinik i Hjørring");
    assert!(r.evaluation_attached);
    assert_eq!(list.rows[1].area.as_deref(), Some("Faglig specialist"));
    assert!(!list.rows[1].evaluation_attached);
    assert_eq!(list.rows[2].area, None);
    assert!(list.rows[2].evaluation_attached);
    assert_eq!(list.rows[2].title, "Æblegrød og øllebrød på afdelingen");
}

#[test]
fn csv_with_danish_headers_semicolons_and_latin1() {
    let csv = "Nr.;Sygehus;Afd.;Emneområde;Antal afdelingslæger;Projekttitel;Evaluering\n\
               1;Aalborg Universitetshospital;Kardiologisk;Kvalitet;2;Hjertesvigtsklinik i Hjørring;Se bilag\n\
               2;Aalborg Universitetshospital;Urologisk;Faglig ekspert;1;Stenklinik;-\n\
               \n\
               3;Aalborg Universitetshospital;Børne;-;1;Æblegrød og øllebrød på afdelingen;ja\n";
    let (latin1, _, _) = encoding_rs::WINDOWS_1252.encode(csv);
    let list = trials::read_trials(
        "liste.csv",
        &latin1,
        &Limits::default(),
        &areas::NORDJYLLAND,
    )
    .unwrap();
    check_rows(&list);
}

#[test]
fn csv_with_english_headers_commas_and_bom() {
    let csv = "\u{feff}Number,Hospital,Department,Area,Doctors,Title,Evaluation\n\
               1,Aalborg Universitetshospital,Kardiologisk,Kvalitetssikring,2,Hjertesvigtsklinik i Hjørring,yes\n\
               2,Aalborg Universitetshospital,Urologisk,Faglig specialist,1,Stenklinik,no\n\
               3,Aalborg Universitetshospital,Børne,,1,\"Æblegrød og øllebrød på afdelingen\",x\n";
    let list = trials::read_trials(
        "list.csv",
        csv.as_bytes(),
        &Limits::default(),
        &areas::NORDJYLLAND,
    )
    .unwrap();
    check_rows(&list);
}

fn xlsx_of(header: &[&str], rows: &[[&str; 7]]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in header.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            match cell.parse::<f64>() {
                Ok(n) => sheet.write_number(r as u32 + 1, c as u16, n).unwrap(),
                Err(_) => sheet.write_string(r as u32 + 1, c as u16, *cell).unwrap(),
            };
        }
    }
    book.save_to_buffer().unwrap()
}

const XLSX_ROWS: [[&str; 7]; 3] = [
    [
        "1",
        "Aalborg Universitetshospital",
        "Kardiologisk",
        "Kvalitet",
        "2",
        "Hjertesvigtsklinik i Hjørring",
        "Se bilag",
    ],
    [
        "2",
        "Aalborg Universitetshospital",
        "Urologisk",
        "Faglig ekspert",
        "1",
        "Stenklinik",
        "",
    ],
    [
        "3",
        "Aalborg Universitetshospital",
        "Børne",
        "-",
        "1",
        "Æblegrød og øllebrød på afdelingen",
        "x",
    ],
];

#[test]
fn xlsx_with_danish_and_english_headers() {
    let danish = xlsx_of(
        &[
            "Nr",
            "Hospital",
            "Afdeling",
            "Område",
            "Antal",
            "Titel",
            "Evaluering",
        ],
        &XLSX_ROWS,
    );
    let list = trials::read_trials(
        "liste.xlsx",
        &danish,
        &Limits::default(),
        &areas::NORDJYLLAND,
    )
    .unwrap();
    check_rows(&list);
    let english = xlsx_of(
        &[
            "NUMBER",
            "Hospital",
            "Department",
            "Area",
            "Doctors",
            "Title",
            "Evaluation",
        ],
        &XLSX_ROWS,
    );
    let list = trials::read_trials(
        "list.xlsx",
        &english,
        &Limits::default(),
        &areas::NORDJYLLAND,
    )
    .unwrap();
    check_rows(&list);
}

// --- Bad files -------------------------------------------------------------------------

fn message(result: Result<impl std::fmt::Debug, pulje_import::ImportError>) -> String {
    result.unwrap_err().to_string()
}

#[test]
fn corrupt_pdf_is_refused_by_name() {
    let mut pdf = inline_form_pdf();
    pdf.truncate(200);
    let m = message(extract_text("skadet.pdf", &pdf, &Limits::default()));
    assert_eq!(m, "Filen «skadet.pdf» er ikke en gyldig PDF-fil.");
    let m = message(extract_text(
        "tom.pdf",
        b"%PDF-1.7\n%%EOF",
        &Limits::default(),
    ));
    assert_eq!(m, "Filen «tom.pdf» er ikke en gyldig PDF-fil.");
}

/// A PDF with an /Encrypt dictionary in its trailer (the standard handler, an owner and user
/// password that the empty password does not open).
fn encrypted_pdf() -> Vec<u8> {
    let pdf = String::from_utf8_lossy(&inline_form_pdf()).into_owned();
    let encrypt = "/Encrypt << /Filter /Standard /V 2 /R 3 /Length 128 /P -1340 \
        /O <6a1f2e5d9c3b7a4e8f1d2c3b4a5e6f7081928374655647382910abcdefabcdef> \
        /U <0a1b2c3d4e5f60718293a4b5c6d7e8f900112233445566778899aabbccddeeff> >> \
        /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>]";
    pdf.replace("/Info 5 0 R >>", &format!("/Info 5 0 R {encrypt} >>"))
        .into_bytes()
}

#[test]
fn encrypted_pdf_says_so() {
    let m = message(extract_text(
        "hemmelig.pdf",
        &encrypted_pdf(),
        &Limits::default(),
    ));
    assert_eq!(m, "Filen «hemmelig.pdf» er krypteret og kan ikke læses.");
}

#[test]
fn docx_zip_bomb_is_stopped_while_unpacking() {
    let huge = vec![b' '; 8_000_000];
    let bomb = zip_of(&[("word/document.xml", &huge)]);
    assert!(bomb.len() < 100_000, "compresses well: {}", bomb.len());
    let limits = Limits {
        max_uncompressed_bytes: 1_000_000,
        ..Limits::default()
    };
    let m = message(extract_text("bombe.docx", &bomb, &limits));
    assert_eq!(
        m,
        "Filen «bombe.docx» fylder mere end grænsen på 1 MB når den pakkes ud, og læses derfor ikke."
    );
}

#[test]
fn too_many_entries_are_refused() {
    let names: Vec<String> = (0..50).map(|i| format!("word/media/{i}.bin")).collect();
    let mut entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"x"[..])).collect();
    entries.push(("word/document.xml", b"<w:document/>"));
    let docx = zip_of(&entries);
    let limits = Limits {
        max_entries: 20,
        ..Limits::default()
    };
    let m = message(extract_text("mange.docx", &docx, &limits));
    assert_eq!(
        m,
        "Filen «mange.docx» indeholder mere end 20 dele og læses derfor ikke."
    );
}

#[test]
fn file_over_the_size_limit() {
    let big = vec![b'a'; 1_000_001];
    let limits = Limits {
        max_file_bytes: 1_000_000,
        ..Limits::default()
    };
    let m = message(extract_text("stor.txt", &big, &limits));
    assert_eq!(m, "Filen «stor.txt» er større end grænsen på 1 MB.");
    assert_eq!(Limits::default().max_file_bytes, 20_000_000);
}

#[test]
fn binary_named_txt_is_not_text() {
    let bytes: Vec<u8> = (0..4096u32).map(|i| (i * 7 % 256) as u8).collect();
    let m = message(extract_text("noter.txt", &bytes, &Limits::default()));
    assert_eq!(
        m,
        "Filen «noter.txt» ligner ikke tekst (den indeholder binære data)."
    );
}

#[test]
fn spreadsheet_with_a_missing_column() {
    let xlsx = xlsx_of(
        &[
            "Nr",
            "Hospital",
            "Afdeling",
            "Område",
            "Antal",
            "Noget andet",
            "Evaluering",
        ],
        &XLSX_ROWS,
    );
    let m = message(trials::read_trials(
        "liste.xlsx",
        &xlsx,
        &Limits::default(),
        &areas::NORDJYLLAND,
    ));
    assert_eq!(m, "Kolonnen «Titel» mangler i «liste.xlsx».");
    let csv = "Nr;Titel;Område\n1;Noget;Ledelse\n";
    let m = message(trials::read_trials(
        "liste.csv",
        csv.as_bytes(),
        &Limits::default(),
        &areas::NORDJYLLAND,
    ));
    assert_eq!(m, "Kolonnen «Afdeling» mangler i «liste.csv».");
}

#[test]
fn other_bad_files() {
    let limits = Limits::default();
    let m = message(extract_text(
        "gammel.doc",
        b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest",
        &limits,
    ));
    assert!(
        m.starts_with("Filen «gammel.doc» kan ikke læses: det gamle Word/Excel-format"),
        "{m}"
    );
    let not_docx = zip_of(&[("hello.txt", b"hej")]);
    let m = message(extract_text("brev.docx", &not_docx, &limits));
    assert_eq!(
        m,
        "Filen «brev.docx» er ikke et gyldigt Word-dokument (DOCX)."
    );
    let m = message(extract_text("brev.docx", b"not a zip at all", &limits));
    assert_eq!(
        m,
        "Filen «brev.docx» er ikke et gyldigt Word-dokument (DOCX)."
    );
    let m = message(extract_text("tom.txt", b"  \n ", &limits));
    assert_eq!(m, "Filen «tom.txt» er tom.");
    let m = message(trials::read_trials(
        "ark.xlsx",
        b"PK\x03\x04broken",
        &limits,
        &[],
    ));
    assert_eq!(m, "Filen «ark.xlsx» er ikke et gyldigt regneark (XLSX).");
    let m = message(read_form(
        "brev.txt",
        "Kære Jens\nTak for sidst.\n".as_bytes(),
        &limits,
    ));
    assert!(m.contains("«brev.txt» ligner ikke et skema"), "{m}");
    let err = read_form("x.pdf", b"%PDF-1.4 junk", &limits).unwrap_err();
    assert_eq!(err.kind, ErrorKind::InvalidPdf);
    assert_eq!(err.file_name, "x.pdf");
}
