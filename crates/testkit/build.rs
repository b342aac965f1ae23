//! The testkit's own tests run on PostgreSQL too: `cfg(pulje_postgres)` as in the other crates.

#[path = "src/tools.rs"]
#[allow(dead_code)]
mod tools;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src/tools.rs");
    tools::build_script(&[tools::Tool::Postgres]);
}
