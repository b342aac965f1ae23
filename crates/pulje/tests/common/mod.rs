//! The binary under test and how to run it on a fresh database of its own
//! ([`pulje_testkit::TestDb`]: a SQLite file in a temporary folder, or a PostgreSQL database on
//! `PULJE_TEST_POSTGRES_URL`, removed again).

#![allow(dead_code)]

use pulje_testkit::Backend;
pub use pulje_testkit::TestDb;
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_pulje");

/// An empty database on PostgreSQL or SQLite, for the binary to migrate itself.
pub async fn empty_db(postgres: bool) -> TestDb {
    let backend = if postgres {
        Backend::Postgres
    } else {
        Backend::Sqlite
    };
    TestDb::empty(backend).await
}

pub fn pulje(db: &TestDb, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--database")
        .arg(&db.url)
        .args(args)
        .env("PULJE_LOG", "error")
        .output()
        .expect("run pulje")
}

pub fn ok(out: &Output) -> &[u8] {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    &out.stdout
}

/// The keys `pulje import form --json` prints for each file (the import contract).
pub const CONTRACT_KEYS: [&str; 18] = [
    "hospital_department",
    "title",
    "responsible_leader",
    "responsible_doctor",
    "purpose",
    "description",
    "content",
    "participants",
    "period_text",
    "organisation",
    "supplement_dkk",
    "start_date",
    "end_date",
    "agreement_date",
    "areas",
    "remarks",
    "unmapped_text",
    "warnings",
];
