//! The recognisers against the real documents in `../shared/seeds` (values worked out by reading
//! the seeds by hand). Skipped, with a message, where the seeds are absent; CI always has them.

use chrono::NaiveDate;
use pulje_import::{areas, extract_text, form, read_form, trials, ErrorKind, Limits};
use std::collections::BTreeMap;
use std::path::PathBuf;

const SEEDS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/seeds");

fn seed(prefix: &str) -> Option<(String, Vec<u8>)> {
    let dir = PathBuf::from(SEEDS);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!(
            "skipped: the seed directory {} is absent (CI provides it)",
            dir.display()
        );
        return None;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(prefix) {
            return Some((name, std::fs::read(entry.path()).expect("seed readable")));
        }
    }
    eprintln!("skipped: no seed {prefix}* in {}", dir.display());
    None
}

/// The seed's text, for expected values read from the seed itself rather than written here.
fn seed_text(prefix: &str) -> String {
    let (_, bytes) = seed(prefix).expect("the seed was found above");
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The text from `fragment` to the end of its line, joined with the `lines - 1` non-empty lines
/// after it, whitespace collapsed: a value as the seed prints it, possibly broken across lines.
fn seed_value(text: &str, fragment: &str, lines: usize) -> String {
    let start = text
        .find(fragment)
        .unwrap_or_else(|| panic!("{fragment:?} is in the seed"));
    text[start..]
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(lines)
        .flat_map(str::split_whitespace)
        .collect::<Vec<_>>()
        .join(" ")
}

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn form_of(prefix: &str) -> Option<form::FormExtract> {
    let (name, bytes) = seed(prefix)?;
    Some(read_form(&name, &bytes, &Limits::default()).expect("the seed is a form"))
}

#[test]
fn seed_000_labels_first_layout() {
    let Some(f) = form_of("000_") else { return };
    let seed = seed_text("000_");
    assert_eq!(f.hospital_department, seed_value(&seed, "Aarhus Univ", 3));
    assert!(f.hospital_department.ends_with("(HRK)"));
    // The title runs over two lines and loses its final full stop.
    let title = seed_value(&seed, "Sikring af højt", 2);
    assert_eq!(f.title, title.trim_end_matches('.'));
    assert!(f.title.ends_with("kroniske smerter"));
    assert_eq!(
        f.responsible_leader,
        seed_value(&seed, "professor / overlæge på", 1)
    );
    assert_eq!(
        f.responsible_doctor,
        seed_value(&seed, "afdelingslæge på Bed", 1)
    );
    assert!(
        f.purpose
            .starts_with("At sikre en robust, tværfaglig struktur"),
        "{}",
        f.purpose
    );
    assert!(
        f.purpose.ends_with("koordinator for feltet."),
        "{}",
        f.purpose
    );
    assert_eq!(f.purpose.lines().count(), 2);
    assert!(
        f.description.starts_with("På AUH har der siden 2006"),
        "{}",
        f.description
    );
    // The description goes on after the B3 labels ("Desuden …") until "Nærværende forsøg …".
    assert!(f.description.contains("\nDesuden vil der i nær fremtid"));
    assert!(f.description.ends_with("for kroniske smerter."));
    assert!(f.content.starts_with("Følgende indgår i"), "{}", f.content);
    assert!(
        f.content.ends_with("kapacitetsoverskrideiser)."),
        "{}",
        f.content
    );
    assert_eq!(
        f.participants.lines().next(),
        Some(seed_value(&seed, "afd.læge, B&O", 1).as_str()),
        "{}",
        f.participants
    );
    assert!(f.participants.ends_with("afd.læge, Neurologisk afd."));
    assert_eq!(f.participants.lines().count(), 12);
    assert_eq!(f.period_text, "1. april 2022 og fortløbende");
    assert!(f
        .organisation
        .starts_with("Ansvarlig afd.læge vil som led i projektet"));
    assert!(
        f.organisation.ends_with("såvel som at kunne var"),
        "{}",
        f.organisation
    );
    assert!(f
        .remarks
        .starts_with("Neuromodulation for kroniske smerter omfatter"));
    assert!(f.remarks.ends_with("afdelinger og specialer."));
    // 50.000 written beside the template's "20.000 – 35.000 eller 50.000".
    assert_eq!(f.supplement_dkk, Some(50_000));
    assert_eq!(f.start_date, date(2022, 4, 1));
    // "31. dec. 2023" — not the template's "senest 31.12.\n\n2023", which is skipped.
    assert_eq!(f.end_date, date(2023, 12, 31));
    assert_eq!(f.agreement_date, None);
    assert_eq!(
        f.areas,
        [
            "Faglig specialist evt. med et særligt fokusområde",
            "Tværsektorielle patientforløb (brobygger)",
            "Forbedringsaktiviteter, herunder fælles beslutningstagen",
        ]
    );
    assert!(f.warnings.iter().any(|w| w.contains("Tværsektarie/le")));
    assert!(f.warnings.iter().any(|w| w.contains("fokusomr\u{fffd}de")));
    assert!(f.warnings.iter().any(|w| w.contains("rækkefølge")));
    // Nothing dropped: the note in A3's cell and the signature marks stay visible.
    assert_eq!(
        f.unmapped_text,
        format!("{}\nV\nI", seed_value(&seed, "Note: Tvær", 1))
    );
    // Template text never leaks into a value.
    let all = serde_json::to_string(&f).unwrap();
    assert!(!all.contains("Tillægsstørrelse"));
    assert!(!all.contains("ophører senest"));
    // Evidence for the review screen.
    let title = f.fields.iter().find(|e| e.key == "title").unwrap();
    assert_eq!(title.confidence, form::Confidence::Medium);
    assert!(title
        .source_excerpt
        .contains("Neuromodulation for\nkroniske"));
}

#[test]
fn seed_001_inline_layout() {
    let Some(f) = form_of("001_") else { return };
    let seed = seed_text("001_");
    assert_eq!(
        f.hospital_department,
        "Hospitalsenhed Midt, Diagnostisk Center, Medicinsk afdeling"
    );
    assert_eq!(f.title, "Udvikling fra fundamentet");
    // Names are redacted in the seed: A3 and A4 are empty.
    assert_eq!(f.responsible_leader, "");
    assert_eq!(f.responsible_doctor, "");
    assert!(f
        .purpose
        .starts_with("Formålet er tre-sporet:\n1. Udvikling af afdelingslægers"));
    assert!(f
        .purpose
        .ends_with(&seed_value(&seed, "Projektet ligger", 2)));
    assert!(f
        .description
        .starts_with("Afdelingslægen er tovholder og mentor"));
    assert!(
        f.description.ends_with("\"aftalt behandlingsniveau\""),
        "{}",
        f.description
    );
    assert!(f.description.contains("BI-portalen."));
    assert!(!f.description.contains("Udstregning"));
    assert_eq!(f.content, "");
    assert_eq!(f.participants, "");
    assert_eq!(f.period_text, seed_value(&seed, "Indtil 31-12", 1));
    assert!(f
        .organisation
        .starts_with("Den yngre læge indgår på ledelsesplan"));
    assert!(f
        .organisation
        .ends_with("morgenkonferencen og før stuegang."));
    assert!(!f.organisation.contains("http"));
    assert_eq!(f.remarks, seed_value(&seed, "Den afsluttende rapport", 1));
    assert!(f.remarks.ends_with("er vedhæftet."));
    assert_eq!(f.supplement_dkk, Some(50_000));
    assert_eq!(f.start_date, date(2022, 3, 1));
    assert_eq!(f.end_date, date(2023, 12, 31));
    assert_eq!(f.agreement_date, date(2022, 3, 29));
    assert_eq!(f.areas, ["Digitalisering og forbedringsaktiviteter"]);
    assert!(f
        .unmapped_text
        .starts_with("anc\nUdstregning\nhttp://bi-portal/"));
    assert_eq!(f.unmapped_text.lines().count(), 4);
    assert!(f.warnings.iter().any(|w| w.contains("Udstregning")));
    let title = f.fields.iter().find(|e| e.key == "title").unwrap();
    assert_eq!(title.confidence, form::Confidence::High);
}

#[test]
fn seeds_002_003_004_are_not_agreement_forms() {
    for prefix in ["002_", "003_", "004_"] {
        let Some((name, bytes)) = seed(prefix) else {
            return;
        };
        let err = read_form(&name, &bytes, &Limits::default()).unwrap_err();
        assert_eq!(err.kind, ErrorKind::NotAForm, "{prefix}");
        assert!(err.to_string().contains("ligner ikke et skema"), "{err}");
        assert!(err.to_string().contains(&name));
    }
}

#[test]
fn seed_004_overview_table() {
    let Some((name, bytes)) = seed("004_") else {
        return;
    };
    let text = extract_text(&name, &bytes, &Limits::default()).unwrap();
    let list = trials::parse_trial_table(&name, &text, &areas::NORDJYLLAND).unwrap();
    assert!(list.warnings.is_empty(), "{:?}", list.warnings);
    let rows = &list.rows;
    assert_eq!(rows.len(), 54);
    assert_eq!(
        rows.iter().map(|r| r.number).collect::<Vec<_>>(),
        (1..=54).collect::<Vec<_>>()
    );
    let per = |f: &dyn Fn(&trials::TrialRow) -> String| {
        let mut m: BTreeMap<String, usize> = BTreeMap::new();
        for r in rows {
            *m.entry(f(r)).or_default() += 1;
        }
        m
    };
    let hospitals = per(&|r| r.hospital.clone());
    assert_eq!(hospitals["Aalborg Universitetshospital"], 45);
    assert_eq!(hospitals["Regionshospital Nordjylland"], 7);
    assert_eq!(hospitals["Psykiatrien"], 2);
    assert_eq!(hospitals.len(), 3);

    let by_area = per(&|r| r.area.clone().unwrap_or_else(|| "-".into()));
    let want: BTreeMap<String, usize> = [
        ("Faglig specialist", 23),
        ("Ledelse", 13),
        ("Kvalitetssikring", 9),
        ("Forskning", 4),
        ("Digitalisering", 3),
        ("Uddannelse", 1),
        ("-", 1),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(by_area, want);

    let row = |n: u32| rows.iter().find(|r| r.number == n).unwrap();
    for (n, doctors) in [
        (44, 11),
        (45, 5),
        (6, 2),
        (10, 2),
        (12, 2),
        (36, 2),
        (52, 4),
        (1, 1),
    ] {
        assert_eq!(row(n).doctor_count, doctors, "row {n}");
    }
    assert_eq!(rows.iter().map(|r| r.doctor_count).sum::<u32>(), 75);
    assert_eq!(rows.iter().filter(|r| r.evaluation_attached).count(), 33);
    for (n, attached) in [
        (1, true),
        (3, false),
        (5, false),
        (13, true),
        (33, false),
        (46, true),
        (54, false),
    ] {
        assert_eq!(row(n).evaluation_attached, attached, "row {n}");
    }

    // (number, department, area, where the title starts in the seed and over how many lines).
    let seed = seed_text("004_");
    let tricky: [(u32, &str, Option<&str>, &str, usize); 15] = [
        (
            5,
            "Infektionsmedicinsk",
            Some("Faglig specialist"),
            "Hjemmebehandling med",
            1,
        ),
        (
            7,
            "Kardiologisk",
            Some("Faglig specialist"),
            "Funktionsansvarlig afdelingslæge ved impl",
            2,
        ),
        (
            9,
            "Klinisk Biokemisk",
            Some("Faglig specialist"),
            "Funktionsansvarlig afdelingslæge for nyre",
            1,
        ),
        (
            13,
            "Nuklear",
            Some("Faglig specialist"),
            "Afdelingslæge 123",
            1,
        ),
        (
            16,
            "Obstetrisk og Gynækologisk",
            None,
            "Regional tovholder",
            1,
        ),
        (
            32,
            "Pædiatri",
            Some("Faglig specialist"),
            "Fagligområde ekspert",
            2,
        ),
        (
            40,
            "Urologisk",
            Some("Forskning"),
            "Forskningsprotokoller vedr",
            2,
        ),
        (
            42,
            "Hud- og kønssygdomme",
            Some("Faglig specialist"),
            "Etablering af kontrolforløb",
            2,
        ),
        (
            43,
            "Øre-, Næse,- Halskir",
            Some("Digitalisering"),
            "Elektronisk operationstilmelding",
            1,
        ),
        (
            44,
            "Tværgående",
            Some("Ledelse"),
            "Simulationsansvarlige",
            1,
        ),
        (
            45,
            "NAU – nyt universitetshospital",
            Some("Ledelse"),
            "YL som innovation",
            1,
        ),
        (
            49,
            "Pædiatri",
            Some("Faglig specialist"),
            "Funktionsansvarlige afdelingslæge på Børn",
            2,
        ),
        (52, "Børne", Some("Ledelse"), "Fremtidens arbejdsplads", 1),
        (
            53,
            "Klinik Nord",
            Some("Faglig specialist"),
            "Håndtering af Polyfarmaci",
            1,
        ),
        (
            54,
            "Klinik Syd",
            Some("Kvalitetssikring"),
            "Sikker medicin",
            1,
        ),
    ];
    for (n, department, area, title_start, title_lines) in tricky {
        let r = row(n);
        assert_eq!(r.department, department, "row {n}");
        assert_eq!(r.area.as_deref(), area, "row {n}");
        assert_eq!(
            r.title,
            seed_value(&seed, title_start, title_lines),
            "row {n}"
        );
    }
    // Titles broken over lines come out whole.
    assert!(row(7).title.contains("pacing ved pacemakerbehandling"));
    assert!(row(42).title.ends_with("NMSC volumen"));
    assert_eq!(row(24).area.as_deref(), Some("Uddannelse"));
    assert_eq!(row(27).area.as_deref(), Some("Digitalisering"));
    assert_eq!(row(45).hospital, "Aalborg Universitetshospital");
    assert_eq!(row(46).hospital, "Regionshospital Nordjylland");
    assert_eq!(row(53).hospital, "Psykiatrien");

    // The same through the file-level reader (a .txt report goes to the table reader).
    let same = trials::read_trials(&name, &bytes, &Limits::default(), &areas::NORDJYLLAND).unwrap();
    assert_eq!(same.rows, list.rows);
}

#[test]
fn seed_004_heading_count_mismatch_is_reported() {
    let Some((name, bytes)) = seed("004_") else {
        return;
    };
    let text = String::from_utf8(bytes)
        .unwrap()
        .replace("(7 stk.)", "(8 stk.)");
    let list = trials::parse_trial_table(&name, &text, &areas::NORDJYLLAND).unwrap();
    assert_eq!(list.rows.len(), 54);
    assert_eq!(
        list.warnings,
        ["Overskriften «Regionshospital Nordjylland (8 stk.)» nævner 8 forsøg, men der blev fundet 7."]
    );
}
