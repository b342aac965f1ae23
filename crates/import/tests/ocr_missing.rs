//! Without Tesseract a scan is refused with a Danish message that says so (its own test binary:
//! it points `PULJE_TESSERACT` at a program that does not exist).

use pulje_import::{read_forms, ErrorKind, Limits};

#[test]
fn a_scan_without_tesseract_says_so_in_danish() {
    std::env::set_var(pulje_import::ocr::PROGRAM_ENV, "/nonexistent/tesseract");
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend_from_slice(&1000u32.to_be_bytes());
    png.extend_from_slice(&1400u32.to_be_bytes());
    png.extend_from_slice(&[8, 0, 0, 0, 0]);
    let err = read_forms("skanning.png", &png, &Limits::default()).unwrap_err();
    assert_eq!(err.kind, ErrorKind::OcrUnavailable);
    assert_eq!(
        err.to_string(),
        "Filen «skanning.png» er en scanning, og tekstgenkendelse (Tesseract med dansk sprogmodel) er ikke installeret på serveren, så den kan ikke læses. Indlæs skemaet som Word, PDF med tekst eller tekst, eller bed driften installere Tesseract."
    );
}
