//! Tells the tests whether a PostgreSQL server is configured for them: `cfg(pulje_postgres)` is
//! set when `PULJE_TEST_POSTGRES_URL` is set and non-empty, so the PostgreSQL variants of the
//! tests run instead of being reported as ignored. It also rebuilds the crate when a migration
//! is added: `sqlx::migrate!` embeds the folders' files but cannot watch them itself.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(pulje_postgres)");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-env-changed=PULJE_TEST_POSTGRES_URL");
    if std::env::var("PULJE_TEST_POSTGRES_URL").is_ok_and(|v| !v.trim().is_empty()) {
        println!("cargo:rustc-cfg=pulje_postgres");
    }
}
