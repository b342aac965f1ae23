//! The binary as an operator runs it: a backup taken while the server is writing restores into
//! a working database, and a server killed (SIGKILL) in the middle of a burst of writes loses
//! none that it had acknowledged, with the audit log consistent with the data.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};

static COUNTER: AtomicU64 = AtomicU64::new(0);
const BIN: &str = env!("CARGO_BIN_EXE_pulje");

struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "pulje-durability-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn path(&self, name: &str) -> String {
        self.0.join(name).to_string_lossy().into_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn pulje(db: &str, args: &[&str], stdin: Option<&str>) -> String {
    let mut child = Command::new(BIN)
        .arg("--database")
        .arg(db)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "pulje {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A user of region 1082 and an API token for it.
fn applicant_token(db: &str) -> String {
    pulje(db, &["migrate"], None);
    pulje(
        db,
        &[
            "user",
            "add",
            "--email",
            "ida@midt.example",
            "--name",
            "Ida",
            "--role",
            "applicant",
            "--region",
            "1082",
            "--password-stdin",
        ],
        Some("et langt kodeord\n"),
    );
    pulje(db, &["user", "token", "--email", "ida@midt.example"], None)
        .trim()
        .to_string()
}

struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(db: &str) -> Server {
        let mut child = Command::new(BIN)
            .args(["--database", db, "serve", "--bind", "127.0.0.1:0"])
            .env("PULJE_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let base = loop {
            let line = lines.next().expect("server printed its address").unwrap();
            if let Some(url) = line.strip_prefix("pulje kører på ") {
                break url.trim().to_string();
            }
        };
        Server { child, base }
    }

    fn kill(mut self) {
        // SIGKILL: no shutdown, no flushing.
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn body(n: u64) -> serde_json::Value {
    serde_json::json!({
        "title": format!("Skrivning nr. {n}: lægefaglig koordinator"),
        "purpose": "Æblegrød og rødgrød med fløde – en prøve på danske bogstaver.",
        "participants": [{"name": "Ida", "role": "afdelingslæge", "receives_supplement": true}],
    })
}

/// Creates applications concurrently until stopped; returns the titles the server acknowledged.
async fn burst(base: String, token: String, writers: u64, per_writer: u64) -> Vec<String> {
    let client = reqwest::Client::new();
    let mut tasks = Vec::new();
    for w in 0..writers {
        let (client, base, token) = (client.clone(), base.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            for i in 0..per_writer {
                let b = body(w * 1000 + i);
                let sent = client
                    .post(format!("{base}/api/v1/applications"))
                    .bearer_auth(&token)
                    .json(&b)
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status() == 201 => {
                        acknowledged.push(b["title"].as_str().unwrap().to_string())
                    }
                    Ok(r) => panic!("unexpected status {}", r.status()),
                    Err(_) => break, // the server is gone
                }
            }
            acknowledged
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all
}

async fn titles(base: &str, token: &str) -> Vec<String> {
    let r = reqwest::Client::new()
        .get(format!("{base}/api/v1/applications?per_page=500"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let items: Vec<serde_json::Value> = r.json().await.unwrap();
    items
        .iter()
        .map(|i| i["title"].as_str().unwrap().to_string())
        .collect()
}

async fn audit_creates(db: &str) -> (i64, i64) {
    let db = pulje_store::Db::connect(db).await.unwrap();
    let mut conn = db.conn().await.unwrap();
    let entries = pulje_store::audit::list(
        &mut conn,
        &pulje_store::audit::Filter {
            entity: Some("application".into()),
            ..Default::default()
        },
        100_000,
    )
    .await
    .unwrap();
    let (_, total) = pulje_store::applications::list(&mut conn, &Default::default(), 1, 1)
        .await
        .unwrap();
    (
        entries.iter().filter(|e| e.action == "create").count() as i64,
        total,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_writing_restores_every_write_acknowledged_before_it() {
    let dir = TempDir::new();
    let db = dir.path("pulje.db");
    let token = applicant_token(&db);
    let server = Server::start(&db);
    let before = burst(server.base.clone(), token.clone(), 2, 10).await;

    // Back up while another burst is running.
    let writing = tokio::spawn(burst(server.base.clone(), token.clone(), 3, 30));
    let backup = dir.path("kopi.db");
    let db_for_backup = db.clone();
    let backup_path = backup.clone();
    tokio::task::spawn_blocking(move || {
        pulje(&db_for_backup, &["backup", "--output", &backup_path], None)
    })
    .await
    .unwrap();
    writing.await.unwrap();
    server.kill();

    let restored = dir.path("gendannet.db");
    let out = pulje(&restored, &["restore", "--input", &backup], None);
    assert!(out.contains("gendannet"), "{out}");
    let server = Server::start(&restored);
    let found = titles(&server.base, &token).await;
    for t in &before {
        assert!(
            found.contains(t),
            "{t} was acknowledged before the backup but is missing"
        );
    }
    let (creates, total) = audit_creates(&restored).await;
    assert_eq!(
        creates, total,
        "every application in the copy has its audit entry and vice versa"
    );
    assert!(total >= before.len() as i64);
    // A backup never overwrites.
    let again = Command::new(BIN)
        .args(["--database", &db, "backup", "--output", &backup])
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("findes allerede"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_keeps_every_acknowledged_write() {
    let dir = TempDir::new();
    let db = dir.path("pulje.db");
    let token = applicant_token(&db);
    let server = Server::start(&db);
    let base = server.base.clone();
    let writing = tokio::spawn(burst(base, token.clone(), 4, 5_000));
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    server.kill();
    let acknowledged = writing.await.unwrap();
    assert!(
        !acknowledged.is_empty(),
        "some writes were acknowledged before the kill"
    );
    assert!(
        acknowledged.len() < 20_000,
        "the kill came in the middle of the burst"
    );

    let server = Server::start(&db);
    let found = titles(&server.base, &token).await;
    let missing: Vec<&String> = acknowledged.iter().filter(|t| !found.contains(t)).collect();
    assert!(missing.is_empty(), "acknowledged writes lost: {missing:?}");
    drop(server);
    let (creates, total) = audit_creates(&db).await;
    assert_eq!(
        creates, total,
        "the audit log matches the data after the crash"
    );
}

/// Every table's rows, in a comparable form.
async fn dump(db_path: &str) -> Vec<(String, Vec<String>)> {
    let db = pulje_store::Db::connect(db_path).await.unwrap();
    let mut conn = db.conn().await.unwrap();
    let tables: Vec<String> = sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    let mut out = Vec::new();
    for t in tables {
        let columns: Vec<String> =
            sqlx::query_scalar("SELECT name FROM pragma_table_info($1) ORDER BY cid")
                .bind(&t)
                .fetch_all(&mut *conn)
                .await
                .unwrap();
        let row = columns
            .iter()
            .map(|c| format!("quote(\"{c}\")"))
            .collect::<Vec<_>>()
            .join(" || ',' || ");
        let rows: Vec<String> =
            sqlx::query_scalar(&format!("SELECT {row} FROM \"{t}\" ORDER BY 1"))
                .fetch_all(&mut *conn)
                .await
                .unwrap();
        out.push((t, rows));
    }
    drop(conn);
    db.close().await;
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_and_restore_round_trip_every_table() {
    let dir = TempDir::new();
    let db = dir.path("pulje.db");
    let token = applicant_token(&db);
    let server = Server::start(&db);
    let written = burst(server.base.clone(), token.clone(), 2, 15).await;
    assert_eq!(written.len(), 30);
    server.kill();

    let backup = dir.path("kopi.db");
    pulje(&db, &["backup", "--output", &backup], None);
    let restored = dir.path("gendannet.db");
    pulje(&restored, &["restore", "--input", &backup], None);

    let original = dump(&db).await;
    let copy = dump(&restored).await;
    assert!(original
        .iter()
        .any(|(t, rows)| t == "applications" && rows.len() == 30));
    assert_eq!(original.len(), copy.len(), "the same tables");
    for ((t, a), (u, b)) in original.iter().zip(copy.iter()) {
        assert_eq!(t, u);
        assert_eq!(a, b, "table {t} differs after the round trip");
    }
    // A damaged backup is refused and leaves the database as it was.
    let damaged = dir.path("beskadiget.db");
    std::fs::write(&damaged, b"not a database at all").unwrap();
    let refused = Command::new(BIN)
        .args(["--database", &restored, "restore", "--input", &damaged])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert_eq!(dump(&restored).await, copy);
}
