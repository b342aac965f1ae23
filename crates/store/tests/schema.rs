//! The two migration trees give the same schema, and the reference data is seeded exactly once.
//!
//! The PostgreSQL tests need `PULJE_TEST_POSTGRES_URL` (e.g.
//! `postgres://postgres@127.0.0.1:5432/test`); without it they are reported as ignored.

use pulje_store::Db;
use pulje_testkit::{Backend, TestDb};
use sqlx::Connection as _;
use std::collections::{BTreeMap, BTreeSet};

type Schema = BTreeMap<String, BTreeSet<String>>;

async fn sqlite_schema(url: &str) -> Schema {
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{url}"))
        .await
        .unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut schema = Schema::new();
    for table in tables {
        let columns: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info(?1)")
            .bind(&table)
            .fetch_all(&mut conn)
            .await
            .unwrap();
        schema.insert(table, columns.into_iter().collect());
    }
    schema
}

async fn postgres_schema(url: &str) -> Schema {
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.table_name::text, c.column_name::text FROM information_schema.columns c \
         JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
         WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' AND c.table_name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut schema = Schema::new();
    for (table, column) in rows {
        schema.entry(table).or_default().insert(column);
    }
    schema
}

#[tokio::test]
#[cfg_attr(
    not(pulje_postgres),
    ignore = "needs PostgreSQL: PULJE_TEST_POSTGRES_URL is not set (scripts/install-test-tools)"
)]
async fn sqlite_and_postgres_migrations_give_the_same_tables_and_columns() {
    let lite = TestDb::empty(Backend::Sqlite).await;
    let db = Db::connect(&lite.url).await.unwrap();
    db.migrate().await.unwrap();
    db.close().await;
    let pg = TestDb::empty(Backend::Postgres).await;
    let db = Db::connect(&pg.url).await.unwrap();
    db.migrate().await.unwrap();
    db.close().await;

    let a = sqlite_schema(&lite.url).await;
    let b = postgres_schema(&pg.url).await;
    assert!(
        a.len() >= 18 && a.contains_key("applications") && a.contains_key("audit_log"),
        "unexpected SQLite schema: {a:?}"
    );
    let only_sqlite: Vec<_> = a.keys().filter(|t| !b.contains_key(*t)).collect();
    let only_postgres: Vec<_> = b.keys().filter(|t| !a.contains_key(*t)).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "tables only in SQLite: {only_sqlite:?}; only in PostgreSQL: {only_postgres:?}"
    );
    for (table, columns) in &a {
        assert_eq!(
            columns, &b[table],
            "columns of {table} differ (SQLite left, PostgreSQL right)"
        );
    }
}

/// What the reference data holds after migrating.
async fn reference_counts(db: &Db) -> Vec<(&'static str, i64)> {
    let mut conn = db.conn().await.unwrap();
    let mut out = Vec::new();
    for (what, sql) in [
        ("OK21 programmes", "SELECT COUNT(*) FROM programmes WHERE id = 'ok21'"),
        ("OK21 tranches", "SELECT COUNT(*) FROM tranches WHERE programme_id = 'ok21'"),
        ("OK21 pools", "SELECT COUNT(*) FROM pools p JOIN tranches t ON t.id = p.tranche_id WHERE t.programme_id = 'ok21'"),
        ("Nordjylland areas", "SELECT COUNT(*) FROM areas WHERE programme_id = 'ok21' AND region_code = 1081"),
        ("Nordjylland rounds", "SELECT COUNT(*) FROM rounds WHERE programme_id = 'ok21' AND region_code = 1081"),
        ("Midtjylland tiers", "SELECT COUNT(*) FROM tiers WHERE programme_id = 'ok21' AND region_code = 1082"),
        ("Midtjylland areas", "SELECT COUNT(*) FROM areas WHERE programme_id = 'ok21' AND region_code = 1082"),
        ("regions", "SELECT COUNT(*) FROM regions"),
        ("OK21 definitions", "SELECT COUNT(*) FROM programme_definitions WHERE programme_id = 'ok21'"),
        ("OK21 checklist", "SELECT COUNT(*) FROM checklist_items WHERE programme_id = 'ok21'"),
    ] {
        let n: i64 = sqlx::query_scalar(sql).fetch_one(&mut *conn).await.unwrap();
        out.push((what, n));
    }
    out
}

const EXPECTED: [(&str, i64); 10] = [
    ("OK21 programmes", 1),
    ("OK21 tranches", 2),
    ("OK21 pools", 10),
    ("Nordjylland areas", 6),
    ("Nordjylland rounds", 5),
    ("Midtjylland tiers", 3),
    ("Midtjylland areas", 4),
    ("regions", 5),
    ("OK21 definitions", 1),
    ("OK21 checklist", 5),
];

async fn migrating_twice_seeds_once(fresh: TestDb) {
    let db = Db::connect(&fresh.url).await.unwrap();
    db.migrate().await.unwrap();
    assert_eq!(reference_counts(&db).await, EXPECTED);
    db.migrate().await.unwrap();
    assert_eq!(
        reference_counts(&db).await,
        EXPECTED,
        "after the second migrate"
    );
    db.close().await;

    // As after a restart: a new connection, migrate again.
    let db = Db::connect(&fresh.url).await.unwrap();
    db.migrate().await.unwrap();
    assert_eq!(
        reference_counts(&db).await,
        EXPECTED,
        "after migrating on a new connection"
    );
    let mut conn = db.conn().await.unwrap();
    let tiers: Vec<i64> = sqlx::query_scalar(
        "SELECT amount_ore FROM tiers WHERE region_code = 1082 ORDER BY amount_ore",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    assert_eq!(tiers, [2_000_000, 3_500_000, 5_000_000]);
    let seeded: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'seed_reference_data'")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    assert_eq!(seeded, 1, "the seeding is logged once");
    drop(conn);
    db.close().await;
}

#[tokio::test]
async fn migrating_twice_seeds_the_reference_data_once_sqlite() {
    migrating_twice_seeds_once(TestDb::empty(Backend::Sqlite).await).await;
}

#[tokio::test]
#[cfg_attr(
    not(pulje_postgres),
    ignore = "needs PostgreSQL: PULJE_TEST_POSTGRES_URL is not set (scripts/install-test-tools)"
)]
async fn migrating_twice_seeds_the_reference_data_once_postgres() {
    migrating_twice_seeds_once(TestDb::empty(Backend::Postgres).await).await;
}
