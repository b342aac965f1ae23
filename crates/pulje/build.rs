//! Tells the tests which tools this machine offers them (`cfg(pulje_postgres)`; see
//! `crates/testkit/src/tools.rs`): a test whose tool is missing is reported as ignored.

#[path = "../testkit/src/tools.rs"]
#[allow(dead_code)]
mod tools;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=../testkit/src/tools.rs");
    tools::build_script(&[tools::Tool::Postgres]);
}
