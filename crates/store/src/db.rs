//! Connecting, migrating and starting transactions on either backend.

use crate::Result;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, Executor, Transaction};
use std::str::FromStr;
use std::time::Duration;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Which database a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A pooled connection for reads.
pub type Conn = PoolConnection<Any>;
/// A write transaction; commit it or it rolls back when dropped.
pub type Tx = Transaction<'static, Any>;

/// The database: a connection pool and the backend it talks to. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
}

impl Db {
    /// Connects to `url`: `postgres://…`, `sqlite://FILE`, or a bare file path (SQLite).
    /// A SQLite file is created when missing.
    pub async fn connect(url: &str) -> Result<Db> {
        sqlx::any::install_default_drivers();
        let (url, backend) = normalise_url(url);
        let options = AnyConnectOptions::from_str(&url)?;
        let pool = match backend {
            Backend::Sqlite => {
                AnyPoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(Duration::from_secs(10))
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            // A 1 MB page cache per connection instead of SQLite's 2 MB: the
                            // operating system caches the file as well, and eight connections'
                            // caches were 16 MB of the server's peak; the benchmark's throughput
                            // was the same (docs/PERFORMANCE.md, fifth session).
                            conn.execute(
                                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                                 PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
                                 PRAGMA cache_size = -1000;",
                            )
                            .await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?
            }
            Backend::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            // The report's aggregations cost just enough to be compiled by
                            // PostgreSQL's JIT on every run (25 ms each, more than it saves).
                            conn.execute("SET jit = off").await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?
            }
        };
        Ok(Db { pool, backend })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Brings the schema up to date and makes sure the national reference data is there.
    pub async fn migrate(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        crate::reference::ensure(self).await
    }

    /// A connection for reads.
    pub async fn conn(&self) -> Result<Conn> {
        Ok(self.pool.acquire().await?)
    }

    /// A write transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`), so
    /// two writers queue instead of failing halfway; PostgreSQL uses row locks where needed.
    pub async fn begin(&self) -> Result<Tx> {
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(tx)
    }

    /// Whether the database answers; for the health check.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// SQLite only: a consistent copy of the live database into `target` (`VACUUM INTO`).
    pub async fn backup_sqlite(&self, target: &str) -> Result<()> {
        if self.backend != Backend::Sqlite {
            return Err(crate::StoreError::Refused(
                "Sikkerhedskopi af PostgreSQL laves med pg_dump; se README.".into(),
            ));
        }
        sqlx::query("VACUUM INTO $1")
            .bind(target)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// SQLite only: replaces the database file `target` with a copy of the backup `backup` made by
/// [`Db::backup_sqlite`]. The copy is written beside the target and renamed over it, so the
/// target is never half-written. No server may be using `target` meanwhile.
pub async fn restore_sqlite(backup: &str, target: &str) -> Result<()> {
    let (target_url, backend) = normalise_url(target);
    if backend != Backend::Sqlite {
        return Err(crate::StoreError::Refused(
            "Gendannelse af PostgreSQL sker med pg_restore; se README.".into(),
        ));
    }
    let target_path = target_url
        .trim_start_matches("sqlite://")
        .split('?')
        .next()
        .unwrap_or_default()
        .to_string();
    if !std::path::Path::new(backup).is_file() {
        return Err(crate::StoreError::Refused(format!(
            "Sikkerhedskopien {backup} findes ikke."
        )));
    }
    let mut header = [0u8; 16];
    let readable = std::fs::File::open(backup)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut header));
    if readable.is_err() || &header != b"SQLite format 3\0" {
        return Err(crate::StoreError::Refused(format!(
            "{backup} er ikke en SQLite-database."
        )));
    }
    let staging = format!("{target_path}.restoring");
    let _ = std::fs::remove_file(&staging);
    // A backup made with VACUUM INTO is one self-contained file: copy it, check the copy.
    std::fs::copy(backup, &staging).map_err(anyhow::Error::new)?;
    let copy = Db::connect(&staging).await?;
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&copy.pool)
        .await?;
    copy.close().await;
    if check != "ok" {
        let _ = std::fs::remove_file(&staging);
        return Err(crate::StoreError::Refused(format!(
            "Sikkerhedskopien {backup} er beskadiget: {check}"
        )));
    }
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{staging}{suffix}"));
    }
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{target_path}{suffix}"));
    }
    std::fs::rename(&staging, &target_path).map_err(anyhow::Error::new)?;
    Ok(())
}

fn normalise_url(url: &str) -> (String, Backend) {
    let url = url.trim();
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return (url.to_string(), Backend::Postgres);
    }
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let url = if path.contains('?') {
        format!("sqlite://{path}")
    } else {
        format!("sqlite://{path}?mode=rwc")
    };
    (url, Backend::Sqlite)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_pick_the_backend() {
        assert_eq!(
            normalise_url("pulje.db"),
            ("sqlite://pulje.db?mode=rwc".into(), Backend::Sqlite)
        );
        assert_eq!(normalise_url("sqlite://x.db").1, Backend::Sqlite);
        assert_eq!(
            normalise_url("postgres://localhost/test").1,
            Backend::Postgres
        );
    }
}
