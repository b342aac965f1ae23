//! What every test relies on: a migrated database of its own, nothing shared with the next test,
//! and nothing left behind.

use pulje_store::Db;
use pulje_testkit::{on_both_backends, postgres_admin_url, Backend, TestDb};
use sqlx::Connection as _;

async fn count(db: &Db, sql: &str) -> Result<i64, sqlx::Error> {
    let mut conn = db.conn().await.expect("conn");
    sqlx::query_scalar(sql).fetch_one(&mut *conn).await
}

async fn each_test_gets_a_migrated_database_of_its_own(first: TestDb) {
    let second = TestDb::new(first.backend).await;
    assert_ne!(first.url, second.url);
    let (a, b) = (first.db().await, second.db().await);
    for db in [&a, &b] {
        assert_eq!(count(db, "SELECT COUNT(*) FROM regions").await.unwrap(), 5);
    }
    sqlx::query("CREATE TABLE probe (x INTEGER)")
        .execute(&mut *a.conn().await.unwrap())
        .await
        .unwrap();
    assert_eq!(count(&a, "SELECT COUNT(*) FROM probe").await.unwrap(), 0);
    assert!(
        count(&b, "SELECT COUNT(*) FROM probe").await.is_err(),
        "the second database has the first one's table"
    );
    a.close().await;
    b.close().await;
}

async fn an_empty_database_has_no_schema(migrated: TestDb) {
    let empty = TestDb::empty(migrated.backend).await;
    let db = empty.db().await;
    assert!(count(&db, "SELECT COUNT(*) FROM regions").await.is_err());
    db.migrate().await.unwrap();
    assert_eq!(count(&db, "SELECT COUNT(*) FROM regions").await.unwrap(), 5);
    db.close().await;
}

async fn a_dropped_database_is_gone(t: TestDb) {
    let (url, backend) = (t.url.clone(), t.backend);
    let file = t.file("left.txt");
    std::fs::write(&file, "x").unwrap();
    let db = t.db().await;
    db.close().await;
    drop(t);
    assert!(!std::path::Path::new(&file).exists(), "{file}");
    match backend {
        Backend::Sqlite => assert!(!std::path::Path::new(&url).exists(), "{url}"),
        Backend::Postgres => {
            let name = url.rsplit('/').next().unwrap().to_string();
            let mut conn = sqlx::PgConnection::connect(&postgres_admin_url())
                .await
                .unwrap();
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pg_database WHERE datname = $1")
                .bind(&name)
                .fetch_one(&mut conn)
                .await
                .unwrap();
            assert_eq!(n, 0, "{name} is still there");
        }
    }
}

on_both_backends!(
    each_test_gets_a_migrated_database_of_its_own,
    an_empty_database_has_no_schema,
    a_dropped_database_is_gone,
);
