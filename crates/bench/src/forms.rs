//! `pulje-bench forms`: how long reading agreement forms takes, without a server or database —
//! each file of the import corpus (text and e-mail forms) and generated Word forms read many
//! times, and an upload of 100 forms (as 100 files, and as one file holding all 100).

use pulje_import::{read_forms, Limits};
use std::io::Write;
use std::time::{Duration, Instant};

pub struct Forms {
    /// The import corpus directory (`crates/import/tests/corpus`).
    pub corpus: String,
    /// Reads of each file.
    pub rounds: usize,
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Median and maximum of the times, in milliseconds.
fn summary(times: &mut [Duration]) -> (f64, f64) {
    times.sort();
    (
        millis(times[times.len() / 2]),
        millis(*times.last().unwrap_or(&Duration::ZERO)),
    )
}

/// A Word form laid out as a two-column table (label cell, value cell), as hospitals make them.
fn word_form(n: usize) -> Vec<u8> {
    let row = |label: &str, value: &str| {
        format!("<w:tr><w:tc><w:p><w:r><w:t>{label}</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>{value}</w:t></w:r></w:p></w:tc></w:tr>")
    };
    let rows = [
        row("A1. Hospital/afdeling", "Regionshospitalet Viborg, Medicinsk Afdeling"),
        row("A2. Forsøgets titel", &format!("Forsøg nummer {n} med afdelingslæge som tovholder")),
        row("A3. Ansvarlige leder for forsøget", "Grethe Aabo, ledende overlæge"),
        row("A4. Ansvarlig afd.læge", "Nikolaj Stenz"),
        row("B1. Formål", "At samle ansvaret for forløbene hos én læge, så patienterne møder færre skift og ventetiden falder."),
        row("B2. Beskrivelse", "Afdelingslægen planlægger forløbene, følger op på ventetider hver måned og underviser de yngre læger."),
        row("B6. Økonomi (Tillægsstørrelse 20.000 – 35.000 eller 50.000 kr.)", "35.000 kr."),
        row("C.2. Dato for forsøgets opstart", "1. april 2022"),
        row("C.3. Dato for forsøgets afslutning (Forsøget ophører senest 31.12.2023)", "31. marts 2023"),
        row("Dato", "21. marts 2022"),
    ];
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body><w:p><w:r><w:t>SKEMA TIL BRUG FOR AFTALE AF REGIONALE FORSØG</w:t></w:r></w:p><w:tbl>{}</w:tbl></w:body></w:document>",
        rows.concat()
    );
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("word/document.xml", options)
        .expect("zip in memory");
    zip.write_all(xml.as_bytes()).expect("zip in memory");
    zip.finish().expect("zip in memory").into_inner()
}

fn time_reads(name: &str, bytes: &[u8], rounds: usize, limits: &Limits) -> (usize, Vec<Duration>) {
    let mut times = Vec::with_capacity(rounds);
    let mut found = 0;
    for _ in 0..rounds {
        let started = Instant::now();
        found = read_forms(name, bytes, limits).map_or(0, |f| f.len());
        times.push(started.elapsed());
    }
    (found, times)
}

pub fn run(f: &Forms) -> anyhow::Result<()> {
    let limits = Limits::default();
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&f.corpus)?
        .flatten()
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            std::fs::read(e.path()).map(|b| (name, b))
        })
        .collect::<Result<_, _>>()?;
    files.sort();
    files.push(("word-table.docx".into(), word_form(1)));

    println!("| kind | files | agreements | median per file | slowest file (max) |");
    println!("| --- | --- | --- | --- | --- |");
    for (kind, ext) in [("text", ".txt"), ("e-mail", ".eml"), ("Word", ".docx")] {
        let mut all = Vec::new();
        let mut agreements = 0;
        let mut count = 0;
        for (name, bytes) in files.iter().filter(|(n, _)| n.ends_with(ext)) {
            let (found, times) = time_reads(name, bytes, f.rounds, &limits);
            agreements += found;
            count += 1;
            all.extend(times);
        }
        if all.is_empty() {
            continue;
        }
        let (median, max) = summary(&mut all);
        println!("| {kind} | {count} | {agreements} | {median:.2} ms | {max:.2} ms |");
    }

    // An upload of 100 forms: 100 files, read one after another as the upload does.
    let texts: Vec<&(String, Vec<u8>)> = files
        .iter()
        .filter(|(n, _)| n.ends_with(".txt") || n.ends_with(".eml"))
        .collect();
    let upload: Vec<(String, Vec<u8>)> = (0..100)
        .map(|i| {
            if i % 4 == 3 {
                (format!("form-{i}.docx"), word_form(i))
            } else {
                let (n, b) = texts[i % texts.len()];
                (format!("{i}-{n}"), b.clone())
            }
        })
        .collect();
    let started = Instant::now();
    let mut agreements = 0;
    for (name, bytes) in &upload {
        agreements += read_forms(name, bytes, &limits).map_or(0, |f| f.len());
    }
    println!(
        "100 files (a quarter Word) in one upload: {agreements} agreements in {:.0} ms",
        millis(started.elapsed())
    );

    // One file holding 100 agreements.
    let one_form = files
        .iter()
        .find(|(n, _)| n.starts_with("t01"))
        .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
        .unwrap_or_default();
    let hundred = vec![one_form; 100].join("\n");
    let started = Instant::now();
    let found = read_forms("hundrede.txt", hundred.as_bytes(), &limits).map_or(0, |f| f.len());
    println!(
        "one text file of {} kB holding 100 agreements: {found} read in {:.0} ms",
        hundred.len() / 1000,
        millis(started.elapsed())
    );
    Ok(())
}
