//! Sets `cfg(pulje_postgres)` for the tests when `PULJE_TEST_POSTGRES_URL` is set and non-empty,
//! so the PostgreSQL variants run instead of being reported as ignored.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(pulje_postgres)");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=PULJE_TEST_POSTGRES_URL");
    if std::env::var("PULJE_TEST_POSTGRES_URL").is_ok_and(|v| !v.trim().is_empty()) {
        println!("cargo:rustc-cfg=pulje_postgres");
    }
}
