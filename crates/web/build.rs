//! Tells the tests which tools this machine offers them (see `crates/testkit/src/tools.rs`):
//! `cfg(pulje_postgres)` for the PostgreSQL variants, `cfg(pulje_browser)` for the browser tests
//! (Debian's Chromium and chromedriver) and `cfg(pulje_axe)` for the accessibility test
//! (axe-core), `cfg(pulje_oidc)` for the single sign-on tests (oidc-provider). A test whose tool is missing is reported as ignored, naming the tool.

#[path = "../testkit/src/tools.rs"]
#[allow(dead_code)]
mod tools;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=../testkit/src/tools.rs");
    tools::build_script(&[
        tools::Tool::Postgres,
        tools::Tool::Chromium,
        tools::Tool::AxeCore,
        tools::Tool::OidcProvider,
    ]);
}
