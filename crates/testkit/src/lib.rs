//! Test support shared by the store, web and CLI tests. Used only as a dev-dependency.
//!
//! - [`tools`]: the external tools some tests need (PostgreSQL, Chromium, axe-core), how to find
//!   them, and the build-script half that reports a test as ignored when its tool is missing.
//! - [`TestDb`]: a database of its own per test on either backend, cloned from a template
//!   migrated once per test process, removed when the test ends.
//! - [`TestApp`] (feature `app`): the web application on a free port over a [`TestDb`], with
//!   HTTP clients that log in like a browser (`app.client_as(Role::Leader, Some(1082))`).
//!
//! Tests that run on both backends use [`on_both_backends!`]; its PostgreSQL variants are
//! reported as ignored without `PULJE_TEST_POSTGRES_URL` (see [`tools`]).

pub mod tools;

mod db;
pub use db::{next_number, postgres_admin_url, with_database, Backend, TestDb};

#[cfg(feature = "app")]
mod app;
#[cfg(feature = "app")]
pub use app::{hidden_value, unescape, Client, Resp, TestApp, TestUser, PASSWORD};

/// Runs each named `async fn(TestDb)` as two tests, `sqlite::NAME` and `postgres::NAME`, each on
/// a fresh migrated database. Without `PULJE_TEST_POSTGRES_URL` the PostgreSQL ones are
/// reported as ignored, naming PostgreSQL, never as passed. Needs `cfg(pulje_postgres)` from the
/// crate's build script ([`tools::build_script`]).
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::TestDb::new($crate::Backend::Sqlite).await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                #[cfg_attr(
                    not(pulje_postgres),
                    ignore = "needs PostgreSQL: PULJE_TEST_POSTGRES_URL is not set (scripts/install-test-tools)"
                )]
                async fn $name() {
                    super::$name($crate::TestDb::new($crate::Backend::Postgres).await).await;
                }
            )*
        }
    };
}

/// Binds the four signing parties of approved agreement `id` (leader, afdelingslæge, union,
/// region, in that order) to `signers`, as the region's administrator `admin` would, in one
/// transaction.
pub async fn bind_parties(
    db: &pulje_store::Db,
    admin: &pulje_store::users::User,
    id: pulje_domain::ApplicationId,
    signers: [&pulje_store::users::User; 4],
) {
    use pulje_domain::workflow::Party;
    let mut tx = db.begin().await.expect("a transaction");
    let app = pulje_store::applications::get(&mut tx, id)
        .await
        .expect("the agreement")
        .expect("the agreement exists");
    for (party, signer) in Party::ALL.into_iter().zip(signers) {
        pulje_store::signing::bind(&mut tx, admin, &app, party, signer.id)
            .await
            .expect("the party is bound");
    }
    tx.commit().await.expect("the binding is kept");
}
