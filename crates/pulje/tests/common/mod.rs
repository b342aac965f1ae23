//! The binary under test and a fresh database for each test: a SQLite file in a temporary
//! folder, or a PostgreSQL database on `PULJE_TEST_POSTGRES_URL`, dropped again.

#![allow(dead_code)]

use sqlx::Connection as _;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU64, Ordering};

pub const BIN: &str = env!("CARGO_BIN_EXE_pulje");
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A fresh database: a SQLite file in a temporary folder, or a PostgreSQL database dropped again.
pub struct TestDb {
    pub url: String,
    dir: std::path::PathBuf,
    postgres: Option<(String, String)>,
}

impl TestDb {
    pub async fn new(postgres: bool) -> TestDb {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("pulje-cli-test-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        if !postgres {
            return TestDb {
                url: dir.join("pulje.db").to_string_lossy().into_owned(),
                dir,
                postgres: None,
            };
        }
        let admin = std::env::var("PULJE_TEST_POSTGRES_URL").expect("PULJE_TEST_POSTGRES_URL");
        let name = format!("pulje_cli_{}_{n}", std::process::id());
        let mut conn = sqlx::PgConnection::connect(&admin).await.expect("connect");
        sqlx::query(&format!("CREATE DATABASE \"{name}\""))
            .execute(&mut conn)
            .await
            .unwrap();
        let _ = conn.close().await;
        let mut url = url::Url::parse(&admin).unwrap();
        url.set_path(&format!("/{name}"));
        TestDb {
            url: url.to_string(),
            dir,
            postgres: Some((admin, name)),
        }
    }

    pub fn file(&self, name: &str) -> String {
        self.dir.join(name).to_string_lossy().into_owned()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Some((admin, name)) = self.postgres.take() {
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async move {
                    if let Ok(mut c) = sqlx::PgConnection::connect(&admin).await {
                        let _ = sqlx::query(&format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        ))
                        .execute(&mut c)
                        .await;
                        let _ = c.close().await;
                    }
                });
            })
            .join();
        }
    }
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
