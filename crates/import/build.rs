//! Tells the tests whether this machine has Tesseract with its Danish model
//! (`cfg(pulje_tesseract)`; see `crates/testkit/src/tools.rs`).

#[path = "../testkit/src/tools.rs"]
#[allow(dead_code)]
mod tools;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=../testkit/src/tools.rs");
    tools::build_script(&[tools::Tool::Tesseract]);
}
