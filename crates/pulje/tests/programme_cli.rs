//! `pulje programme import|export`: a definition file set up as a programme and written out
//! again unchanged, on SQLite and PostgreSQL; a broken file is refused with every problem named
//! in Danish and nothing stored.

mod common;

use common::{empty_db, ok, pulje};
use pulje_domain::programme::{Definition, SHIPPED};

fn example() -> &'static str {
    SHIPPED
        .iter()
        .find(|(id, _)| *id == "almen-praksis-efteruddannelse")
        .unwrap()
        .1
}

async fn import_and_export(postgres: bool) {
    let db = empty_db(postgres).await;
    ok(&pulje(&db, &["migrate"]));

    // OK21 is there from the start, as shipped.
    let out = String::from_utf8(
        ok(&pulje(&db, &["programme", "export", "--programme", "ok21"])).to_vec(),
    )
    .unwrap();
    let ok21 = Definition::from_toml(&out).unwrap();
    assert_eq!(ok21, Definition::from_toml(SHIPPED[0].1).unwrap());

    // A broken file: every problem named, nothing stored.
    let broken = db.file("broken.toml");
    std::fs::write(
        &broken,
        example()
            .replace("share_percent = 100\n", "share_percent = 80\n")
            .replace(
                "by = [\"body:medical_consultant\"]",
                "by = [\"body:konsulent\"]",
            ),
    )
    .unwrap();
    let out = pulje(&db, &["programme", "import", &broken]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("kan ikke bruges"), "{err}");
    assert!(err.contains("funders: andelene giver 80 %"), "{err}");
    assert!(
        err.contains("organet «konsulent» er ikke beskrevet under bodies"),
        "{err}"
    );
    let out = pulje(
        &db,
        &[
            "programme",
            "export",
            "--programme",
            "almen-praksis-efteruddannelse",
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("findes ikke"));

    // The example: set up, then written out as JSON and read back unchanged.
    let file = db.file("fap.toml");
    std::fs::write(&file, example()).unwrap();
    let said =
        String::from_utf8(ok(&pulje(&db, &["programme", "import", &file])).to_vec()).unwrap();
    assert!(said.contains("er oprettet fra version 1"), "{said}");
    let json = db.file("fap.json");
    ok(&pulje(
        &db,
        &[
            "programme",
            "export",
            "--programme",
            "almen-praksis-efteruddannelse",
            "--format",
            "json",
            "--output",
            &json,
        ],
    ));
    let back = Definition::from_json(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(back, Definition::from_toml(example()).unwrap());

    // The same version again is refused; version 2 from the JSON file is taken.
    let out = pulje(&db, &["programme", "import", &file]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("version 2 eller højere"));
    let v2 = std::fs::read_to_string(&json)
        .unwrap()
        .replace("\"version\": 1", "\"version\": 2");
    std::fs::write(&json, v2).unwrap();
    let said =
        String::from_utf8(ok(&pulje(&db, &["programme", "import", &json])).to_vec()).unwrap();
    assert!(said.contains("har fået version 2"), "{said}");
}

#[tokio::test]
async fn import_and_export_sqlite() {
    import_and_export(false).await;
}

#[tokio::test]
#[cfg_attr(
    not(pulje_postgres),
    ignore = "needs PostgreSQL: PULJE_TEST_POSTGRES_URL is not set (scripts/install-test-tools)"
)]
async fn import_and_export_postgres() {
    import_and_export(true).await;
}
