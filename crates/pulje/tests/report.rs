//! `pulje report regional|national`: the binary writes each format to a file or standard output,
//! with the JSON contract's keys, on SQLite and PostgreSQL; an unknown region, programme or
//! format is a Danish error and a non-zero exit.

mod common;

use common::{empty_db, ok, pulje, BIN};
use pulje_store::trials::{self, NewTrial};
use pulje_store::{Actor, Db};
use std::collections::BTreeMap;
use std::process::Command;

fn row(number: i64, hospital: &str, area: &str, doctors: i64, title: &str) -> NewTrial {
    NewTrial {
        number,
        hospital: hospital.into(),
        department: "Afdeling".into(),
        area: area.into(),
        doctor_count: doctors,
        title: title.into(),
        evaluation_attached: number % 2 == 1,
    }
}

async fn seed(url: &str) {
    let db = Db::connect(url).await.unwrap();
    db.migrate().await.unwrap();
    let mut tx = db.begin().await.unwrap();
    let rows = vec![
        row(
            1,
            "Aarhus Universitetshospital",
            "Brobygger",
            1,
            "Brobygning",
        ),
        row(
            2,
            "Aarhus Universitetshospital",
            "Digitalisering",
            2,
            "Digital ambulance",
        ),
        row(
            3,
            "Aarhus Universitetshospital",
            "Brobygger",
            1,
            "Tværsektorielt team",
        ),
        row(
            4,
            "Aarhus Universitetshospital",
            "",
            11,
            "Simulationsansvarlige",
        ),
        row(
            5,
            "Hospitalsenhed Midt",
            "Forbedring",
            1,
            "Fald og svimmelhed",
        ),
        row(
            6,
            "Hospitalsenhed Midt",
            "Forbedring",
            5,
            "Innovationskoordinatorer",
        ),
        row(
            7,
            "Regionshospitalet Hammel",
            "Brobygger",
            3,
            "Spasticitet – Ærø og Øster Hurup",
        ),
    ];
    trials::import(
        &mut tx,
        &Actor::system("test"),
        "ok21",
        pulje_domain::RegionCode::MIDTJYLLAND,
        "liste.pdf",
        &rows,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    db.close().await;
}

fn counts(v: &serde_json::Value) -> BTreeMap<String, i64> {
    v.as_object()
        .unwrap()
        .iter()
        .map(|(k, n)| (k.clone(), n.as_i64().unwrap()))
        .collect()
}

async fn cli_writes_every_format(postgres: bool) {
    let db = empty_db(postgres).await;
    seed(&db.url).await;
    let regional = [
        "report",
        "regional",
        "--region",
        "1082",
        "--programme",
        "ok21",
    ];

    // JSON on standard output, with the contract's keys.
    let out = pulje(&db, &[&regional[..], &["--format", "json"]].concat());
    let j: serde_json::Value = serde_json::from_slice(ok(&out)).unwrap();
    assert_eq!(
        counts(&j["trials_by_hospital"]),
        [
            ("Aarhus Universitetshospital".to_string(), 4),
            ("Hospitalsenhed Midt".to_string(), 2),
            ("Regionshospitalet Hammel".to_string(), 1)
        ]
        .into_iter()
        .collect()
    );
    let by_area = counts(&j["trials_by_area"]);
    assert_eq!(by_area["Tværsektorielle patientforløb (brobygger)"], 3);
    assert_eq!(
        by_area["Forbedringsaktiviteter, herunder fælles beslutningstagen"],
        2
    );
    assert_eq!(by_area["Digitalisering og forbedringsaktiviteter"], 1);
    assert_eq!(by_area["Ikke oplyst"], 1);
    assert_eq!(counts(&j["trials_by_track"])["not_stated"], 7);
    assert_eq!(j["doctors_involved"], 24);
    let economy = j["economy"].as_array().unwrap();
    assert_eq!(economy.len(), 2);
    for (n, e) in economy.iter().enumerate() {
        assert_eq!(e["tranche"], n as i64 + 1);
        assert!(e["name"].as_str().unwrap().contains("pulje"));
        assert_eq!(e["allocated_ore"], 894_490_800_i64);
        assert_eq!(e["committed_ore"], 0);
        assert_eq!(e["paid_ore"], 0);
        assert_eq!(e["unused_ore"], 894_490_800_i64);
    }

    // XLSX to a file, read back.
    let xlsx = db.file("rapport.xlsx");
    let out = pulje(
        &db,
        &[&regional[..], &["--format", "xlsx", "--output", &xlsx]].concat(),
    );
    assert!(
        ok(&out).is_empty(),
        "nothing on standard output with --output"
    );
    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
    let rows: Vec<Vec<Data>> = book
        .worksheet_range("Alle forsøg")
        .unwrap()
        .rows()
        .map(|r| r.to_vec())
        .collect();
    assert_eq!(rows.len(), 8);
    assert_eq!(rows[7][2], Data::String("Regionshospitalet Hammel".into()));
    assert_eq!(
        rows[7][6],
        Data::String("Spasticitet – Ærø og Øster Hurup".into())
    );
    assert_eq!(rows[4][5], Data::Float(11.0));

    // PDF on standard output (binary), HTML standalone with its stylesheet inside.
    let out = pulje(&db, &[&regional[..], &["--format", "pdf"]].concat());
    let pdf = ok(&out);
    assert!(pdf.starts_with(b"%PDF-1.7"));
    let text = pulje_pdf::extract_text(pdf);
    assert!(text.contains("Regionshospitalet Hammel (1 stk.)"), "{text}");
    assert!(text.contains("Spasticitet – Ærø og Øster Hurup"), "{text}");
    let out = pulje(&db, &[&regional[..], &["--format", "html"]].concat());
    let html = String::from_utf8(ok(&out).to_vec()).unwrap();
    assert!(html.contains("<h1>Evalueringsrapport – Region Midtjylland</h1>"));
    assert!(html.contains("<style>") && !html.contains("/static/pulje.css"));

    // The national view, the database taken from PULJE_DATABASE_URL.
    let out = Command::new(BIN)
        .args([
            "report",
            "national",
            "--programme",
            "ok21",
            "--format",
            "json",
        ])
        .env("PULJE_DATABASE_URL", &db.url)
        .env("PULJE_LOG", "error")
        .output()
        .unwrap();
    let n: serde_json::Value = serde_json::from_slice(ok(&out)).unwrap();
    let regions = n["regions"].as_array().unwrap();
    assert_eq!(regions.len(), 5);
    let midt = regions.iter().find(|r| r["region_code"] == 1082).unwrap();
    assert_eq!(midt["trials"], 7);
    assert_eq!(midt["doctors_involved"], 24);
    assert_eq!(midt["evaluation_coverage"]["evaluated"], 4);
    assert_eq!(n["total"]["trials"], 7);
    let out = pulje(
        &db,
        &[
            "report",
            "national",
            "--programme",
            "ok21",
            "--format",
            "xlsx",
        ],
    );
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(ok(&out).to_vec())).unwrap();
    let eco: Vec<Vec<Data>> = book
        .worksheet_range("Bevilget, disponeret, udbetalt")
        .unwrap()
        .rows()
        .map(|r| r.to_vec())
        .collect();
    assert_eq!(eco.len(), 7, "a header, five regions and the total");

    // Refusals: Danish, non-zero, nothing written.
    for (args, message) in [
        (
            vec![
                "report",
                "regional",
                "--region",
                "9999",
                "--programme",
                "ok21",
                "--format",
                "json",
            ],
            "ukendt regionskode «9999»",
        ),
        (
            vec![
                "report",
                "regional",
                "--region",
                "1082",
                "--programme",
                "ok99",
                "--format",
                "json",
            ],
            "ukendt program «ok99»",
        ),
        (
            vec![
                "report",
                "national",
                "--programme",
                "ok21",
                "--format",
                "docx",
            ],
            "ukendt format «docx»",
        ),
    ] {
        let out = pulje(&db, &args);
        assert!(!out.status.success(), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(message), "{args:?}: {err}");
    }
}

#[tokio::test]
async fn cli_writes_every_format_sqlite() {
    cli_writes_every_format(false).await;
}

#[tokio::test]
#[cfg_attr(
    not(pulje_postgres),
    ignore = "needs PostgreSQL: PULJE_TEST_POSTGRES_URL is not set (scripts/install-test-tools)"
)]
async fn cli_writes_every_format_postgres() {
    cli_writes_every_format(true).await;
}
