//! Tells the tests what this machine offers them:
//! - `cfg(pulje_postgres)` is set when `PULJE_TEST_POSTGRES_URL` is set and non-empty, so the
//!   PostgreSQL variants of the tests run instead of being reported as ignored;
//! - `cfg(pulje_browser)` is set when Debian's Chromium and its WebDriver are installed
//!   (`/usr/bin/chromium`, `/usr/bin/chromedriver`), so the browser tests in `tests/browser.rs`
//!   run instead of being reported as ignored.

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

fn main() {
    println!("cargo::rustc-check-cfg=cfg(pulje_postgres)");
    println!("cargo::rustc-check-cfg=cfg(pulje_browser)");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=PULJE_TEST_POSTGRES_URL");
    if std::env::var("PULJE_TEST_POSTGRES_URL").is_ok_and(|v| !v.trim().is_empty()) {
        println!("cargo:rustc-cfg=pulje_postgres");
    }
    // A path that does not exist is also watched: cargo reruns this script once it appears.
    println!("cargo:rerun-if-changed={CHROMIUM}");
    println!("cargo:rerun-if-changed={CHROMEDRIVER}");
    if std::path::Path::new(CHROMIUM).exists() && std::path::Path::new(CHROMEDRIVER).exists() {
        println!("cargo:rustc-cfg=pulje_browser");
    }
}
