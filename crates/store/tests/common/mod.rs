//! A fresh database per test: a SQLite file in its own temp directory, or a new PostgreSQL
//! database on the server named by `PULJE_TEST_POSTGRES_URL`; both are removed on drop.

use sqlx::Connection as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

/// Runs each named `async fn(Fresh)` as a test on SQLite and on PostgreSQL (ignored, saying why,
/// when `PULJE_TEST_POSTGRES_URL` is not set).
#[allow(unused_macros)]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(super::Fresh::sqlite()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                #[cfg_attr(not(pulje_postgres), ignore = "PULJE_TEST_POSTGRES_URL is not set: PostgreSQL tests skipped")]
                async fn $name() {
                    super::$name(super::Fresh::postgres().await).await;
                }
            )*
        }
    };
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A fresh, empty database; removed again on drop.
pub struct Fresh {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Dir(PathBuf),
    Postgres { admin_url: String, name: String },
}

impl Fresh {
    pub fn sqlite() -> Fresh {
        let dir = std::env::temp_dir().join(format!(
            "pulje-store-test-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let url = dir.join("schema.db").to_string_lossy().into_owned();
        Fresh {
            url,
            cleanup: Cleanup::Dir(dir),
        }
    }

    pub async fn postgres() -> Fresh {
        let admin_url = match std::env::var("PULJE_TEST_POSTGRES_URL") {
            Ok(v) if !v.trim().is_empty() => v.trim().to_string(),
            _ => panic!("PULJE_TEST_POSTGRES_URL is not set"),
        };
        let mut conn = sqlx::PgConnection::connect(&admin_url)
            .await
            .expect("connect to PULJE_TEST_POSTGRES_URL");
        drop_leftovers(&mut conn).await;
        // `pulje_s_` keeps these apart from the web tests' `pulje_t_` databases.
        let name = format!(
            "pulje_s_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        sqlx::query(&format!("CREATE DATABASE \"{name}\""))
            .execute(&mut conn)
            .await
            .expect("CREATE DATABASE");
        let _ = conn.close().await;
        let url = with_database(&admin_url, &name);
        Fresh {
            url,
            cleanup: Cleanup::Postgres { admin_url, name },
        }
    }
}

/// `url` with its database replaced by `name` (any `?query` is kept).
fn with_database(url: &str, name: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((h, q)) => (h, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = head.find("://").map(|i| i + 3).unwrap_or(0);
    let authority_end = head[scheme_end..]
        .find('/')
        .map(|i| i + scheme_end)
        .unwrap_or(head.len());
    format!("{}/{name}{query}", &head[..authority_end])
}

/// Drops `pulje_s_<pid>_*` databases of test processes that no longer run.
async fn drop_leftovers(conn: &mut sqlx::PgConnection) {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT datname::text FROM pg_database WHERE datname LIKE 'pulje\\_s\\_%'",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap_or_default();
    for name in names {
        let pid = name
            .strip_prefix("pulje_s_")
            .and_then(|r| r.split('_').next())
            .and_then(|p| p.parse::<u32>().ok());
        if let Some(pid) = pid {
            if pid != std::process::id() && !std::path::Path::new(&format!("/proc/{pid}")).exists()
            {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .execute(&mut *conn)
                    .await;
            }
        }
    }
}

impl Drop for Fresh {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Dir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Postgres { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    rt.block_on(async move {
                        if let Ok(mut conn) = sqlx::PgConnection::connect(&admin_url).await {
                            let _ = sqlx::query(&format!(
                                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                            ))
                            .execute(&mut conn)
                            .await;
                            let _ = conn.close().await;
                        }
                    });
                })
                .join();
            }
        }
    }
}
