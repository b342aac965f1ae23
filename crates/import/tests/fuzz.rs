//! A bounded, deterministic mutational fuzz run of every parser entry point in
//! `pulje_import::fuzz`, over a corpus of our own fixtures: bit flips, interesting bytes,
//! truncations, deletions, duplications and splices. Any panic fails the test and prints the
//! seed and iteration to reproduce it. (The open-ended run is `crates/import/fuzz/run.sh`.)

use pulje_import::fuzz;
use pulje_pdf::{render, Block};
use std::io::Write;
use std::time::Instant;

/// xorshift64*: small, deterministic, good enough for choosing mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

fn mutate(rng: &mut Rng, input: &[u8], corpus: &[Vec<u8>]) -> Vec<u8> {
    let mut data = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = data.len();
        match rng.below(8) {
            0 if len > 0 => {
                let i = rng.below(len);
                data[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                data[i] = [0, 0xff, 0x7f, 0x80, b'\n', b'(', b'<', b'0', b'-', b'/'][rng.below(10)];
            }
            2 => data.truncate(rng.below(len + 1)),
            3 if len > 1 => {
                let a = rng.below(len);
                let b = (a + 1 + rng.below(64)).min(len);
                data.drain(a..b);
            }
            4 if len > 1 => {
                let a = rng.below(len);
                let b = (a + 1 + rng.below(256)).min(len);
                let chunk = data[a..b].to_vec();
                let at = rng.below(len);
                data.splice(at..at, chunk);
            }
            5 => {
                let other = &corpus[rng.below(corpus.len())];
                if !other.is_empty() {
                    let a = rng.below(other.len());
                    let b = (a + 1 + rng.below(512)).min(other.len());
                    let at = rng.below(len + 1);
                    data.splice(at..at, other[a..b].iter().copied());
                }
            }
            6 if len > 0 => {
                // A number somewhere: big, negative or zero lengths and counts.
                let at = rng.below(len);
                let n = ["0", "-1", "99999999999", "4294967296", "1e308"][rng.below(5)];
                data.splice(at..at, n.bytes());
            }
            _ => {
                let at = rng.below(len + 1);
                let byte = rng.next() as u8;
                data.insert(at, byte);
            }
        }
    }
    data
}

fn run(name: &str, target: fn(&[u8]), corpus: &[Vec<u8>], iterations: usize) {
    let started = Instant::now();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ name.len() as u64);
    for input in corpus {
        target(input);
    }
    for i in 0..iterations {
        let base = &corpus[rng.below(corpus.len())];
        let input = mutate(&mut rng, base, corpus);
        let outcome = std::panic::catch_unwind(|| target(&input));
        if outcome.is_err() {
            let path = std::env::temp_dir().join(format!("pulje-import-crash-{name}-{i}"));
            let _ = std::fs::write(&path, &input);
            panic!(
                "fuzz target {name} panicked at iteration {i}; input written to {}",
                path.display()
            );
        }
    }
    eprintln!(
        "fuzz {name}: {iterations} inputs in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

const FORM_TEXT: &str = "SKEMA TIL BRUG FOR AFTALE AF REGIONALE FORSØG\nA. Identifikation\n\
A1. Hospital/afdel1ng\nA2. Forsøgets titel\nA3. Ansvarlige leder for\nforsøget\nA4. Ansvarlig afd.læge\n\
B. Forsøget\nBl. Formål\nB2. Beskrivelse\nRegionshospitalet Gødstrup,\nLungemedicinsk afdeling\n\
Hjemmeilt til\nKOL-patienter.\n\nUnder område:\n- Tvaersektorielle patientforlob (bro-bygger)\n\
Line Bak, ledende overlæge\nOle Dam, afdelingslæge\n\nAt flytte iltbehandling hjem.\nKlinikken har mange ind-\nlæggelser.\n\
B3. Indhold (hvad er\naftalt?)\n- Der er aftalt et tillæg på x kr. til\nB3. Deltagerkreds (hvem\nindgår?)\n\
Desuden deltager kommunen.\nDet aftales at lægen leder teamet.\nafdelingslæge, Lunge\n\
I hvilken periode 1. marts 2023 og fremefter\nkører forsøget?\nB5. Organisering\nB6. Økonomi\n\
Teamet mødes hver uge.\n(Tillægsstørrelse 20.000 35.000\n- 35.000 eller 50.000\nkr.) - tildeles den\nansvarlige afd.læge\n\
Uddybende bemærkninger:\nIngen.\nC. Forsøgets tidsmæssige udstrækning\nC.2. Dato for forsøgets opstart 01-03-2023\n\
C.3. Dato for forsøgets afslutning\n- Forsøget ophører senest 31.12.\n\n2023\n31. dec. 2023\n\
D. Aftalen er indgået mellem\nDato 15.02.2023\nLeder\nD. Aftalen er godkendt\nDato\nFor YL For Region Midtjylland\n\
http://eksempel.dk/side\nabc\nUdstregning\nSide 1 af 2\n";

const TABLE_TEXT: &str = "3 Oversigt\n\nAalborg Universitetshospital (3 stk.):\n\nNr.\nEvalue-\nring Afd.\n\nEmne-\nområde\n\
Antal Afd.\nlæger Projekttitel\n\n1 Se bilag\nKardio-\nlogisk\n\nFaglig\nekspert 1 Hjertesvigt i\nambulatoriet\n\n\
2 - Øre-, Næse,- Hals-\nkir Kvalitet 2\nStemmeklinik\n\n3 Se bilag Børne - 1\nLegestue\nSide 2 af 9\n\
Psykiatrien (1 stk.)\n4 - Klinik Vest Digitalise-\nring 11 Videokonsultationer\n\n5 Karrierespor\nTekst.\n";

const CSV_TEXT: &str = "Nr.;Sygehus;Afd.;Emneområde;Antal;Projekttitel;Evaluering\n\
1;Aalborg Universitetshospital;Kardiologisk;Kvalitet;2;Hjertesvigt;Se bilag\n\
2;Regionshospital Nordjylland;Kirurgi;-;1;\"Brok; opfølgning\";nej\n";

fn pdf_corpus() -> Vec<Vec<u8>> {
    let blocks = [
        Block::Title("Skema til brug for aftale af regionale forsøg".into()),
        Block::Fact(
            "A1. Hospital/afdeling".into(),
            "Regionshospitalet Horsens, Akutafdelingen".into(),
        ),
        Block::Fact(
            "C.2. Dato for forsøgets opstart".into(),
            "1. juni 2022".into(),
        ),
        Block::Table {
            header: vec!["Nr.".into(), "Titel".into()],
            widths: vec![1.0, 5.0],
            rows: vec![vec!["1".into(), "Akut modtagelse – «forløb»".into()]],
        },
    ];
    vec![
        render("Fuzz", "Region Midtjylland", &blocks),
        render("Tom", "", &[Block::Space]),
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF".to_vec(),
    ]
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, data) in entries {
        zip.start_file(*name, options).unwrap();
        zip.write_all(data).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// A Word body with what the form reader handles: a table of label and value cells, a shaded
/// section row, a merged column, struck runs, a content control showing its prompt and a text
/// box with its fallback.
const WORD_XML: &str = "<?xml version=\"1.0\"?><w:document xmlns:w=\"w\" xmlns:mc=\"mc\"><w:body>\
<w:p><w:r><mc:AlternateContent><mc:Choice><w:txbxContent><w:p><w:r><w:t>SKEMA TIL BRUG FOR AFTALE AF REGIONALE FORSØG</w:t></w:r></w:p></w:txbxContent></mc:Choice><mc:Fallback><w:txbxContent><w:p><w:r><w:t>SKEMA</w:t></w:r></w:p></w:txbxContent></mc:Fallback></mc:AlternateContent></w:r></w:p>\
<w:p><w:r><w:t>A1. Hospital/afdeling</w:t></w:r><w:r><w:tab/><w:t>Aarhus &amp; omegn</w:t></w:r></w:p>\
<w:tbl><w:tr><w:tc><w:tcPr><w:gridSpan w:val=\"3\"/><w:shd w:fill=\"D9D9D9\"/></w:tcPr><w:p><w:r><w:t>B. Forsøget</w:t></w:r></w:p></w:tc></w:tr>\
<w:tr><w:tc><w:tcPr><w:vMerge w:val=\"restart\"/></w:tcPr><w:p><w:r><w:t>B</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>B6. Økonomi</w:t></w:r></w:p><w:p><w:r><w:t>(Tillægsstørrelse 20.000 – 35.000 eller 50.000 kr.)</w:t></w:r></w:p></w:tc>\
<w:tc><w:p><w:r><w:rPr><w:strike/></w:rPr><w:t>20.000</w:t></w:r><w:r><w:t xml:space=\"preserve\"> 35.000 </w:t></w:r><w:r><w:rPr><w:dstrike w:val=\"1\"/></w:rPr><w:t>50.000</w:t></w:r><w:r><w:sym w:font=\"Wingdings\" w:char=\"F0FE\"/></w:r></w:p></w:tc></w:tr>\
<w:tr><w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc><w:tc><w:p><w:r><w:t>C.2. Dato</w:t></w:r></w:p></w:tc><w:tc><w:p><w:sdt><w:sdtPr><w:showingPlcHdr/></w:sdtPr><w:sdtContent><w:r><w:t>Klik her</w:t></w:r></w:sdtContent></w:sdt><w:r><w:t>1. maj 2022</w:t><w:br/></w:r></w:p></w:tc></w:tr></w:tbl></w:body></w:document>";

/// A text as Tesseract's TSV output: a word per row, lines and paragraphs numbered, varied
/// confidences.
fn tsv_of(text: &str) -> Vec<u8> {
    let mut out =
        String::from("level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n");
    let (mut par, mut line) = (1, 0);
    for l in text.lines() {
        if l.trim().is_empty() {
            par += 1;
            line = 0;
            continue;
        }
        line += 1;
        for (w, word) in l.split_whitespace().enumerate() {
            let conf = 40 + (w * 17 + line * 7) % 60;
            out.push_str(&format!(
                "5\t1\t1\t{par}\t{line}\t{}\t0\t0\t10\t10\t{conf}.5\t{word}\n",
                w + 1
            ));
        }
    }
    out.into_bytes()
}

fn mail_corpus() -> Vec<Vec<u8>> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus");
    let mut out: Vec<Vec<u8>> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".eml"))
        .map(|e| std::fs::read(e.path()).unwrap())
        .collect();
    out.sort();
    // A message with a Word attachment and a nested message.
    let docx = zip_of(&[("word/document.xml", WORD_XML.as_bytes())]);
    let mut attached = b"From: a@x.dk\r\nTo: b@x.dk\r\nSubject: Skema\r\nContent-Type: multipart/mixed; boundary=\"yy\"\r\n\r\n--yy\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Se bilag</p>\r\n--yy\r\nContent-Type: message/rfc822\r\n\r\nFrom: c@x.dk\r\nSubject: =?utf-8?b?U2tlbWE=?=\r\n\r\nA1. Hospital/afdeling: Viborg\r\n--yy\r\nContent-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document; name=\"skema.docx\"\r\nContent-Disposition: attachment; filename=\"skema.docx\"\r\nContent-Transfer-Encoding: base64\r\n\r\n".to_vec();
    attached.extend(base64_lines(&docx).into_bytes());
    attached.extend_from_slice(b"\r\n--yy--\r\n");
    out.push(attached);
    out
}

/// Outlook message files: a form in the text, a Word form attached.
fn msg_corpus() -> Vec<Vec<u8>> {
    let docx = docx_corpus().pop().unwrap_or_default();
    vec![
        pulje_import::msg::write_msg("Aftale", FORM_TEXT, &[]),
        pulje_import::msg::write_msg("Aftale", "Se bilaget.", &[("aftale.docx", &docx)]),
    ]
}

/// Base64 in lines of 76, as mail programs write attachments.
fn base64_lines(data: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out.as_bytes()
        .chunks(76)
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .collect::<Vec<_>>()
        .join("\r\n")
}

fn docx_corpus() -> Vec<Vec<u8>> {
    let xml = "<?xml version=\"1.0\"?><w:document xmlns:w=\"w\"><w:body><w:p><w:r><w:t>A1. Hospital/afdeling</w:t></w:r><w:r><w:tab/><w:t>Aarhus &amp; omegn</w:t></w:r></w:p><w:tbl><w:tr><w:tc><w:p><w:r><w:t>C.2. Dato</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>1. maj 2022</w:t><w:br/></w:r></w:p></w:tc></w:tr></w:tbl></w:body></w:document>";
    vec![
        zip_of(&[("word/document.xml", WORD_XML.as_bytes())]),
        zip_of(&[("word/document.xml", xml.as_bytes())]),
        zip_of(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("word/document.xml", b"<w:document><w:body/></w:document>"),
        ]),
    ]
}

fn xlsx_corpus() -> Vec<Vec<u8>> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in [
        "Nr",
        "Hospital",
        "Afdeling",
        "Område",
        "Antal",
        "Titel",
        "Evaluering",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
        sheet.write_string(1, c as u16, "Ledelse").unwrap();
    }
    sheet.write_number(2, 0, 2.0).unwrap();
    sheet.write_number(2, 4, 3.5).unwrap();
    vec![book.save_to_buffer().unwrap()]
}

#[test]
fn every_parser_survives_mutated_input() {
    // Panics inside third-party parsers are caught by the library (and become "damaged file"
    // errors); keep them from flooding the output. Any other panic is still printed.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() != Some("pulje-import-parser") {
            default_hook(info);
        }
    }));
    let started = Instant::now();
    let texts: Vec<Vec<u8>> = vec![
        FORM_TEXT.as_bytes().to_vec(),
        TABLE_TEXT.as_bytes().to_vec(),
        CSV_TEXT.as_bytes().to_vec(),
        encoding_rs::WINDOWS_1252.encode(FORM_TEXT).0.into_owned(),
    ];
    run("form", fuzz::form, &texts, 1500);
    run("trial_table", fuzz::trial_table, &texts, 1500);
    run("text", fuzz::text, &texts, 1000);
    run("csv", fuzz::csv, &texts, 1000);
    run("pdf", fuzz::pdf, &pdf_corpus(), 3000);
    run("docx", fuzz::docx, &docx_corpus(), 2000);
    run(
        "word_xml",
        fuzz::word_xml,
        &[WORD_XML.as_bytes().to_vec()],
        3000,
    );
    run("mail", fuzz::mail, &mail_corpus(), 2000);
    run("msg", fuzz::msg, &msg_corpus(), 1500);
    run("ocr_output", fuzz::ocr_output, &[tsv_of(FORM_TEXT)], 1000);
    run("xlsx", fuzz::xlsx, &xlsx_corpus(), 1500);
    eprintln!("fuzz total: {:.1} s", started.elapsed().as_secs_f64());
}

#[test]
fn an_attached_word_form_is_read_from_the_mail() {
    let mail = mail_corpus().pop().unwrap();
    let doc = pulje_import::extract_document("skema.eml", &mail, &pulje_import::Limits::default())
        .unwrap();
    assert!(doc.text.contains("Se bilag"), "{}", doc.text);
    assert!(doc.text.contains("A1. Hospital/afdeling: Viborg"));
    let row = doc
        .text
        .lines()
        .position(|l| l.starts_with("B\tB6. Økonomi"))
        .expect("the attachment's table row");
    assert_eq!(
        doc.places[row],
        "bilag «skema.docx», tabel 1, række 2, celle 3"
    );
    assert!(doc.text.lines().nth(row).unwrap().ends_with("\t35.000 ☒"));
    assert_eq!(doc.struck_runs, 2);
}
