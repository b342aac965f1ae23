//! A fresh database per test, on SQLite or PostgreSQL, removed again when the test ends.
//!
//! A migrated database is cloned from a template migrated once per test process: on SQLite a
//! file (written with `VACUUM INTO`) copied for each test, on PostgreSQL a database
//! `pulje_tpl_<pid>` that each test's `CREATE DATABASE … TEMPLATE` copies. Names carry the
//! process id, so test processes running at the same time never share a template; what a
//! process that no longer runs left behind is removed by the next one.

use crate::tools::Tool;
use pulje_store::Db;
use sqlx::Connection as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A number unique within the test process.
pub fn next_number() -> u64 {
    COUNTER.fetch_add(1, Ordering::Relaxed)
}

/// Prefix of every temporary folder a test process makes (`<prefix><pid>-…`).
const DIR_PREFIX: &str = "pulje-test-";
/// Prefixes of the PostgreSQL databases: one template per process, one database per test.
const PG_TEMPLATE_PREFIX: &str = "pulje_tpl_";
const PG_TEST_PREFIX: &str = "pulje_t_";

/// A database of its own for one test, and a temporary folder for the test's files. Both are
/// removed when it is dropped.
pub struct TestDb {
    /// The database URL: a SQLite file path or `postgres://…/pulje_t_<pid>_<n>`.
    pub url: String,
    pub backend: Backend,
    dir: PathBuf,
    postgres: Option<PgDatabase>,
}

/// A PostgreSQL database to drop: the server's admin URL and the database's name.
struct PgDatabase {
    admin_url: String,
    name: String,
}

impl TestDb {
    /// A migrated database holding the reference data, as `pulje migrate` leaves it.
    pub async fn new(backend: Backend) -> TestDb {
        let mut t = TestDb::folder(backend);
        match backend {
            Backend::Sqlite => {
                let template = sqlite_template();
                let file = t.dir.join("pulje.db");
                std::fs::copy(template, &file).unwrap_or_else(|e| {
                    panic!(
                        "copy the template {} to {}: {e}",
                        template.display(),
                        file.display()
                    )
                });
                t.url = file.to_string_lossy().into_owned();
            }
            Backend::Postgres => {
                let template = postgres_template();
                t.create_postgres(Some(template)).await;
            }
        }
        t
    }

    /// An empty database: no schema, no data (for tests of migrating itself).
    pub async fn empty(backend: Backend) -> TestDb {
        let mut t = TestDb::folder(backend);
        match backend {
            Backend::Sqlite => t.url = t.dir.join("pulje.db").to_string_lossy().into_owned(),
            Backend::Postgres => t.create_postgres(None).await,
        }
        t
    }

    /// The test's temporary folder, made before its database.
    fn folder(backend: Backend) -> TestDb {
        if backend == Backend::Postgres {
            Tool::Postgres.require();
        }
        sweep_leftover_folders();
        let dir = std::env::temp_dir().join(format!(
            "{DIR_PREFIX}{}-{}",
            std::process::id(),
            next_number()
        ));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
        TestDb {
            url: String::new(),
            backend,
            dir,
            postgres: None,
        }
    }

    async fn create_postgres(&mut self, template: Option<&str>) {
        let admin_url = postgres_admin_url();
        let name = format!("{PG_TEST_PREFIX}{}_{}", std::process::id(), next_number());
        let mut conn = admin_connection(&admin_url).await;
        let sql = match template {
            Some(t) => format!("CREATE DATABASE \"{name}\" TEMPLATE \"{t}\""),
            None => format!("CREATE DATABASE \"{name}\""),
        };
        sqlx::query(&sql)
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        let _ = conn.close().await;
        self.url = with_database(&admin_url, &name);
        self.postgres = Some(PgDatabase { admin_url, name });
    }

    /// A connection pool to the database.
    pub async fn db(&self) -> Db {
        Db::connect(&self.url)
            .await
            .unwrap_or_else(|e| panic!("connect to {}: {e}", self.url))
    }

    /// A path in the test's temporary folder (removed with it).
    pub fn file(&self, name: &str) -> String {
        self.dir.join(name).to_string_lossy().into_owned()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Some(PgDatabase { admin_url, name }) = self.postgres.take() {
            // Drop is synchronous and may run inside a runtime: drop the database from a thread
            // with its own runtime. WITH (FORCE) ends the connections still open to it.
            let joined = std::thread::spawn(move || {
                block_on(async move {
                    match sqlx::PgConnection::connect(&admin_url).await {
                        Ok(mut conn) => {
                            let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                            if let Err(e) = sqlx::query(&sql).execute(&mut conn).await {
                                eprintln!("could not drop test database {name}: {e}");
                            }
                            let _ = conn.close().await;
                        }
                        Err(e) => eprintln!("could not connect to drop test database {name}: {e}"),
                    }
                })
            })
            .join();
            if joined.is_err() {
                eprintln!("dropping a test database panicked");
            }
        }
    }
}

/// The PostgreSQL server the tests may use; fails the test, naming the tool, without one.
pub fn postgres_admin_url() -> String {
    Tool::Postgres.require();
    std::env::var(crate::tools::POSTGRES_URL)
        .unwrap_or_default()
        .trim()
        .to_string()
}

async fn admin_connection(admin_url: &str) -> sqlx::PgConnection {
    sqlx::PgConnection::connect(admin_url)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to PULJE_TEST_POSTGRES_URL ({admin_url}): {e}"))
}

/// `url` with its database replaced by `name` (any `?query` is kept).
pub fn with_database(url: &str, name: &str) -> String {
    let mut u = url::Url::parse(url).expect("PULJE_TEST_POSTGRES_URL is not a URL");
    u.set_path(&format!("/{name}"));
    u.to_string()
}

/// Runs `fut` to its end on a runtime of its own (for set-up done once per process and for
/// clean-up in `Drop`, which may be called from inside another runtime).
fn block_on<F: std::future::Future>(fut: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
        .block_on(fut)
}

/// Runs `make` once per process on a thread of its own, whichever runtime the calling test
/// uses; every later call gets the same result. A failure fails every test that asks.
fn once<T: Send + Sync + 'static>(
    cell: &'static OnceLock<Result<T, String>>,
    make: fn() -> Result<T, String>,
) -> &'static T {
    let result = cell.get_or_init(|| {
        std::thread::spawn(make)
            .join()
            .unwrap_or_else(|_| Err("the set-up panicked".into()))
    });
    match result {
        Ok(v) => v,
        Err(e) => panic!("{e}"),
    }
}

/// The SQLite template of this process: migrated once, then copied for each test.
fn sqlite_template() -> &'static Path {
    static TEMPLATE: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    once::<PathBuf>(&TEMPLATE, || {
        let dir = std::env::temp_dir().join(format!("{DIR_PREFIX}{}-template", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
        let work = dir.join("migrating.db");
        let template = dir.join("template.db");
        for f in [&work, &template] {
            let _ = std::fs::remove_file(f);
        }
        block_on(async {
            let db = Db::connect(&work.to_string_lossy())
                .await
                .map_err(|e| format!("SQLite template: connect: {e}"))?;
            db.migrate()
                .await
                .map_err(|e| format!("SQLite template: migrate: {e}"))?;
            // One file with everything in it, whatever is still in the write-ahead log.
            db.backup_sqlite(&template.to_string_lossy())
                .await
                .map_err(|e| format!("SQLite template: VACUUM INTO: {e}"))?;
            db.close().await;
            Ok::<_, String>(())
        })?;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", work.display()));
        }
        Ok(template)
    })
}

/// The PostgreSQL template database of this process: migrated once, then copied for each test.
fn postgres_template() -> &'static str {
    static TEMPLATE: OnceLock<Result<String, String>> = OnceLock::new();
    once::<String>(&TEMPLATE, || {
        let admin_url = postgres_admin_url();
        let name = format!("{PG_TEMPLATE_PREFIX}{}", std::process::id());
        block_on(async {
            let mut conn = sqlx::PgConnection::connect(&admin_url).await.map_err(|e| {
                format!("cannot connect to PULJE_TEST_POSTGRES_URL ({admin_url}): {e}")
            })?;
            drop_leftover_databases(&mut conn).await;
            for sql in [
                format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
                format!("CREATE DATABASE \"{name}\""),
            ] {
                sqlx::query(&sql)
                    .execute(&mut conn)
                    .await
                    .map_err(|e| format!("{sql}: {e}"))?;
            }
            let _ = conn.close().await;
            let db = Db::connect(&with_database(&admin_url, &name))
                .await
                .map_err(|e| format!("PostgreSQL template: connect: {e}"))?;
            db.migrate()
                .await
                .map_err(|e| format!("PostgreSQL template: migrate: {e}"))?;
            // A template must have no open connections when it is copied.
            db.close().await;
            Ok::<_, String>(())
        })?;
        Ok(name)
    })
}

fn pid_is_running(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// The process id in a leftover's name (`<prefix><pid>…`), if the process no longer runs.
fn dead_owner(name: &str, prefix: &str) -> Option<u32> {
    let pid: u32 = name
        .strip_prefix(prefix)?
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()?;
    (pid != std::process::id() && !pid_is_running(pid)).then_some(pid)
}

/// Once per process: removes the temporary folders of test processes that no longer run.
fn sweep_leftover_folders() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if dead_owner(&name, DIR_PREFIX).is_some() {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    });
}

/// Drops the test and template databases of test processes that no longer run.
async fn drop_leftover_databases(conn: &mut sqlx::PgConnection) {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT datname::text FROM pg_database \
         WHERE datname LIKE 'pulje\\_t\\_%' OR datname LIKE 'pulje\\_tpl\\_%'",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap_or_default();
    for name in names {
        if dead_owner(&name, PG_TEST_PREFIX).is_some()
            || dead_owner(&name, PG_TEMPLATE_PREFIX).is_some()
        {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .execute(&mut *conn)
                .await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_leftovers_of_processes_that_ended_are_removed() {
        let me = std::process::id();
        assert_eq!(dead_owner(&format!("pulje_t_{me}_3"), PG_TEST_PREFIX), None);
        assert_eq!(
            dead_owner("pulje_t_1_3", PG_TEST_PREFIX),
            None,
            "pid 1 runs"
        );
        assert_eq!(
            dead_owner("pulje_t_4294967295_0", PG_TEST_PREFIX),
            Some(4294967295)
        );
        assert_eq!(
            dead_owner("pulje-test-4294967295-template", DIR_PREFIX),
            Some(4294967295)
        );
        assert_eq!(dead_owner("pulje_tpl_4294967295", PG_TEST_PREFIX), None);
        assert_eq!(dead_owner("pulje_s_4294967295_0", PG_TEST_PREFIX), None);
    }

    #[test]
    fn the_database_name_replaces_the_url_path() {
        assert_eq!(
            with_database(
                "postgres://postgres@127.0.0.1:5432/test?sslmode=disable",
                "x"
            ),
            "postgres://postgres@127.0.0.1:5432/x?sslmode=disable"
        );
    }
}
