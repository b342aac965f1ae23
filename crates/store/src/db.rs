//! Connecting, migrating and starting transactions on either backend.

use crate::Result;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Executor, Transaction};
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
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

/// A pooled connection for reads, lent by a [`Handle`] (or, for one-shot programs, by
/// [`Db::conn`]); it goes back to the pool when dropped. Derefs to the connection the store's
/// functions take.
pub struct Conn<'h> {
    inner: PoolConnection<Any>,
    _lent_by: PhantomData<&'h mut Handle>,
}

/// A write transaction, lent by a [`Handle`] (or by [`Db::begin`]); commit it or it rolls back
/// when dropped. Derefs to the connection the store's functions take.
pub struct Tx<'h> {
    /// Always `Some` while the `Tx` exists: only `commit` and `rollback` take it, and they
    /// consume the `Tx`.
    inner: Option<Transaction<'static, Any>>,
    _lent_by: PhantomData<&'h mut Handle>,
}

// Both have a `Drop` of their own so that the handle stays borrowed until the connection is
// really given back (at the end of its scope, or an explicit `drop`), not merely until its last
// use: without it the borrow checker would let a second connection be taken while the first
// still sat, unused but held, in its variable.
impl Drop for Conn<'_> {
    fn drop(&mut self) {}
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {}
}

const TX_TAKEN: &str = "a Tx's transaction is only taken by commit or rollback, which consume it";

impl Tx<'_> {
    pub async fn commit(mut self) -> std::result::Result<(), sqlx::Error> {
        match self.inner.take() {
            Some(tx) => tx.commit().await,
            None => Ok(()),
        }
    }

    pub async fn rollback(mut self) -> std::result::Result<(), sqlx::Error> {
        match self.inner.take() {
            Some(tx) => tx.rollback().await,
            None => Ok(()),
        }
    }
}

impl Deref for Conn<'_> {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.inner
    }
}

impl DerefMut for Conn<'_> {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.inner
    }
}

impl Deref for Tx<'_> {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        self.inner.as_deref().expect(TX_TAKEN)
    }
}

impl DerefMut for Tx<'_> {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        self.inner.as_deref_mut().expect(TX_TAKEN)
    }
}

/// One unit of work's access to the database — a request, a background job, a command.
///
/// It lends at most one pooled connection at a time: [`Handle::conn`] and [`Handle::begin`]
/// borrow the handle mutably for as long as the connection or transaction lives, so code holding
/// a handle cannot take a second connection while it holds the first (reads inside a write go
/// through the transaction). A unit of work that waited for its second connection while holding
/// its first could, with enough of them at once, hold every pooled connection and stall the
/// server until the acquire timeout; the borrow checker now refuses such code.
pub struct Handle {
    db: Db,
}

impl Handle {
    /// A connection for reads; back to the pool when dropped.
    pub async fn conn(&mut self) -> Result<Conn<'_>> {
        self.db.acquire().await
    }

    /// A write transaction (see [`Db::begin`] for its locking).
    pub async fn begin(&mut self) -> Result<Tx<'_>> {
        self.db.transaction().await
    }

    pub fn backend(&self) -> Backend {
        self.db.backend
    }

    /// Whether the database answers; for the health check.
    pub async fn ping(&mut self) -> Result<()> {
        sqlx::query("SELECT 1")
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(())
    }
}

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

    /// A handle for one unit of work (a request, a job): it lends one connection at a time.
    pub fn handle(&self) -> Handle {
        Handle { db: self.clone() }
    }

    /// A connection for reads, for one-shot programs (the CLI, tests). Servers and jobs, which
    /// run many units of work at once, take connections through a [`Handle`].
    pub async fn conn(&self) -> Result<Conn<'static>> {
        self.acquire().await
    }

    /// A write transaction, for one-shot programs (the CLI, tests); see [`Db::conn`]. On SQLite
    /// it takes the write lock at once (`BEGIN IMMEDIATE`), so two writers queue instead of
    /// failing halfway; PostgreSQL uses row locks where needed.
    pub async fn begin(&self) -> Result<Tx<'static>> {
        self.transaction().await
    }

    async fn acquire<'h>(&self) -> Result<Conn<'h>> {
        Ok(Conn {
            inner: self.pool.acquire().await?,
            _lent_by: PhantomData,
        })
    }

    async fn transaction<'h>(&self) -> Result<Tx<'h>> {
        let inner = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(Tx {
            inner: Some(inner),
            _lent_by: PhantomData,
        })
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
