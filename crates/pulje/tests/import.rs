//! `pulje import` end to end, on SQLite and PostgreSQL: the seeds' agreement forms become
//! imported drafts, seed 004's table of trials becomes Region Nordjylland's historic trials, and
//! the regional report computed from them reproduces the report's own counts (45, 7 and 2
//! trials per hospital; its rows' areas). A bad file names itself and stores nothing.
//!
//! The seeds are read from `../shared/seeds` beside the checkout; without them the seed steps
//! say so and are left out (CI always has them).

mod common;

use common::{empty_db, ok, pulje};
use std::collections::BTreeMap;

fn seed(prefix: &str) -> Option<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/seeds");
    let found = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(prefix))
        });
    if found.is_none() {
        eprintln!(
            "seed {prefix}… not found in {}: the seed steps of this test are skipped",
            dir.display()
        );
    }
    found.map(|p| p.to_string_lossy().into_owned())
}

/// Title, start, end, supplement in øre, imported flag.
type StoredDraft = (String, Option<String>, Option<String>, Option<i64>, i64);

fn counts(v: &serde_json::Value) -> BTreeMap<String, i64> {
    v.as_object()
        .unwrap()
        .iter()
        .map(|(k, n)| (k.clone(), n.as_i64().unwrap()))
        .collect()
}

async fn seed_004_table_gives_the_reports_own_counts(postgres: bool) {
    let Some(table) = seed("004_") else {
        return;
    };
    let db = empty_db(postgres).await;
    let out = pulje(&db, &["import", "trials", "--region", "1081", &table]);
    let printed = String::from_utf8_lossy(ok(&out)).into_owned();
    assert!(
        printed.contains("54 forsøg gemt for Region Nordjylland (54 nye, 0 opdaterede)"),
        "{printed}"
    );

    let out = pulje(
        &db,
        &[
            "report",
            "regional",
            "--region",
            "1081",
            "--programme",
            "ok21",
            "--format",
            "json",
        ],
    );
    let report: serde_json::Value = serde_json::from_slice(ok(&out)).unwrap();
    let want = |pairs: &[(&str, i64)]| -> BTreeMap<String, i64> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    };
    assert_eq!(
        counts(&report["trials_by_hospital"]),
        want(&[
            ("Aalborg Universitetshospital", 45),
            ("Regionshospital Nordjylland", 7),
            ("Psykiatrien", 2),
        ])
    );
    let areas = counts(&report["trials_by_area"]);
    assert_eq!(areas.values().sum::<i64>(), 54, "{areas:?}");
    for (area, n) in [
        ("Faglig specialist", 23),
        ("Ledelse", 13),
        ("Kvalitetssikring", 9),
        ("Forskning", 4),
        ("Digitalisering", 3),
        ("Uddannelse", 1),
    ] {
        assert_eq!(areas.get(area), Some(&n), "{area} in {areas:?}");
    }
    assert_eq!(report["doctors_involved"], 75);

    // Importing the same table again updates the rows instead of doubling them.
    let out = pulje(&db, &["import", "trials", "--region", "1081", &table]);
    assert!(String::from_utf8_lossy(ok(&out)).contains("(0 nye, 54 opdaterede)"));
}

async fn seed_forms_become_imported_drafts(postgres: bool) {
    let (Some(scrambled), Some(inline)) = (seed("000_"), seed("001_")) else {
        return;
    };
    let db = empty_db(postgres).await;
    let dir = std::env::temp_dir().join(format!(
        "pulje-import-bad-{}-{postgres}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let binary = dir.join("scanning.txt");
    std::fs::write(
        &binary,
        (0..3000u32).map(|i| (i % 5) as u8).collect::<Vec<_>>(),
    )
    .unwrap();
    let binary = binary.to_string_lossy().into_owned();

    // --json prints the contract's keys and stores nothing.
    let out = pulje(&db, &["import", "form", "--json", &scrambled]);
    let line = String::from_utf8_lossy(ok(&out)).into_owned();
    let v: serde_json::Value = serde_json::from_str(line.trim()).unwrap();
    for key in common::CONTRACT_KEYS {
        assert!(v.get(key).is_some(), "key {key} in {line}");
    }
    assert_eq!(v["start_date"], "2022-04-01");
    assert_eq!(v["end_date"], "2023-12-31");
    assert_eq!(v["supplement_dkk"], 50000);

    // Stored: two drafts; the binary file is named with its problem, and nothing of it is kept.
    let out = pulje(
        &db,
        &[
            "import", "form", "--region", "1082", &scrambled, &inline, &binary,
        ],
    );
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stdout.matches("gemt som kladde").count(), 2, "{stdout}");
    assert!(stderr.contains("«scanning.txt»"), "{stderr}");
    assert!(
        stderr.contains("1 af 3 filer kunne ikke indlæses"),
        "{stderr}"
    );

    let store = pulje_store::Db::connect(&db.url).await.unwrap();
    let mut conn = store.conn().await.unwrap();
    let rows: Vec<StoredDraft> = sqlx::query_as(
        "SELECT title, start_date, end_date, supplement_ore, imported FROM applications ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    // Seed 000's title, read from the seed (its two lines joined, the final full stop dropped).
    let seed_text = std::fs::read_to_string(&scrambled).unwrap();
    let start = seed_text.find("Sikring af højt").unwrap();
    let seed_title = seed_text[start..]
        .lines()
        .take(2)
        .flat_map(str::split_whitespace)
        .collect::<Vec<_>>()
        .join(" ")
        .trim_end_matches('.')
        .to_string();
    assert_eq!(
        rows,
        vec![
            (
                seed_title.clone(),
                Some("2022-04-01".to_string()),
                Some("2023-12-31".to_string()),
                Some(5_000_000),
                1
            ),
            (
                "Udvikling fra fundamentet".to_string(),
                Some("2022-03-01".to_string()),
                Some("2023-12-31".to_string()),
                Some(5_000_000),
                1
            ),
        ]
    );
    let originals: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM attachments WHERE purpose = 'import_source'")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    assert_eq!(originals, 2);

    // Without --region, the region is read from the form's hospital (A1).
    let out = pulje(&db, &["import", "form", &inline]);
    assert!(
        String::from_utf8_lossy(ok(&out)).contains("i Region Midtjylland"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let regions: Vec<i64> = sqlx::query_scalar("SELECT region_code FROM applications ORDER BY id")
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    assert_eq!(regions, vec![1082, 1082, 1082]);
    let unknown = dir.join("ukendt.txt");
    std::fs::write(
        &unknown,
        "SKEMA TIL BRUG FOR AFTALE AF REGIONALE FORSØG\nA1. Hospital/afdeling Et sygehus, vi ikke kender\nA2. Forsøgets titel Prøve\n",
    )
    .unwrap();
    let out = pulje(&db, &["import", "form", &unknown.to_string_lossy()]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("angiv den med --region"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    drop(conn);
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn seed_004_table_gives_the_reports_own_counts_sqlite() {
    seed_004_table_gives_the_reports_own_counts(false).await;
}

#[tokio::test]
#[cfg_attr(
    not(pulje_postgres),
    ignore = "needs PostgreSQL: PULJE_TEST_POSTGRES_URL is not set (scripts/install-test-tools)"
)]
async fn seed_004_table_gives_the_reports_own_counts_postgres() {
    seed_004_table_gives_the_reports_own_counts(true).await;
}

#[tokio::test]
async fn seed_forms_become_imported_drafts_sqlite() {
    seed_forms_become_imported_drafts(false).await;
}

#[tokio::test]
#[cfg_attr(
    not(pulje_postgres),
    ignore = "needs PostgreSQL: PULJE_TEST_POSTGRES_URL is not set (scripts/install-test-tools)"
)]
async fn seed_forms_become_imported_drafts_postgres() {
    seed_forms_become_imported_drafts(true).await;
}
