//! Tells the tests whether this machine has qpdf and poppler to check the PDFs with
//! (`cfg(pulje_pdf_checkers)`; see `crates/testkit/src/tools.rs`).

#[path = "../testkit/src/tools.rs"]
#[allow(dead_code)]
mod tools;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=../testkit/src/tools.rs");
    tools::build_script(&[tools::Tool::PdfCheckers]);
}
