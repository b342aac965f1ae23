//! Tells the tests which tools this machine offers them (`cfg(pulje_postgres)`; see
//! `crates/testkit/src/tools.rs`), and rebuilds the crate when a migration is added:
//! `sqlx::migrate!` embeds the folders' files but cannot watch them itself.

#[path = "../testkit/src/tools.rs"]
#[allow(dead_code)]
mod tools;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=../testkit/src/tools.rs");
    println!("cargo:rerun-if-changed=migrations");
    tools::build_script(&[tools::Tool::Postgres]);
}
