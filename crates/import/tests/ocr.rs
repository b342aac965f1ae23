//! Scanned forms read by Tesseract: a corpus form rendered by Tesseract's `text2image` as a
//! printed, photocopied page (speckle noise, dilation and erosion, a slight rotation) is read
//! with its key fields right, and marked as read by OCR. Ignored, naming the tool, where
//! Tesseract with its Danish model is not installed.

#[path = "../../testkit/src/tools.rs"]
#[allow(dead_code)]
mod tools;

use chrono::NaiveDate;
use pulje_import::{read_forms, Confidence, Limits};
use std::process::Command;

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

/// `text` rendered as a scanned A4 page (TIFF), degraded and rotated as a copier would.
fn scan_of(text: &str, name: &str) -> Vec<u8> {
    let dir = std::env::temp_dir().join(format!("pulje-ocr-test-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("form.txt");
    std::fs::write(&input, text.replace('\t', "  ")).unwrap();
    let base = dir.join("scan");
    let status = Command::new(tools::TEXT2IMAGE)
        .arg(format!("--text={}", input.display()))
        .arg(format!("--outputbase={}", base.display()))
        .args([
            "--font=DejaVu Sans",
            "--fonts_dir=/usr/share/fonts/truetype/dejavu",
            "--ptsize=10",
            "--xsize=2480",
            "--ysize=3508",
            "--leading=20",
            "--degrade_image=true",
            "--rotate_image=true",
        ])
        // It writes a fonts.conf into its working folder.
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let tif = std::fs::read(base.with_extension("tif")).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    tif
}

#[test]
#[cfg_attr(
    not(pulje_tesseract),
    ignore = "needs Tesseract with its Danish model, not installed (scripts/install-test-tools)"
)]
fn a_scanned_form_is_read_by_ocr_with_its_key_fields() {
    tools::Tool::Tesseract.require();
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/corpus/t01-inline-senest.txt"
    ))
    .unwrap();
    let tif = scan_of(&text, "t01");
    let forms = read_forms("skannet.tif", &tif, &Limits::default()).unwrap();
    assert_eq!(forms.len(), 1);
    let f = &forms[0];
    assert_eq!(
        f.hospital_department,
        "Regionshospitalet Gødstrup, Akutafdelingen"
    );
    assert_eq!(
        f.title,
        "Afdelingslæge som flowkoordinator i akutmodtagelsen"
    );
    assert_eq!(
        f.responsible_leader,
        "Henrik Lund Sørensen, ledende overlæge"
    );
    assert_eq!(f.responsible_doctor, "Maja Brix Thomsen, afdelingslæge");
    assert_eq!(f.supplement_dkk, Some(35_000));
    assert_eq!(f.start_date, date(2022, 9, 1));
    assert_eq!(f.end_date, date(2023, 8, 31));
    assert_eq!(f.agreement_date, date(2022, 8, 18));
    // Marked as read by OCR: a warning, no field sure, each placed on the scan.
    assert!(
        f.warnings[0].contains("tekstgenkendelse (OCR)"),
        "{:?}",
        f.warnings
    );
    for e in &f.fields {
        assert!(e.confidence >= Confidence::Medium, "{e:?}");
        assert!(e.location.starts_with("scanning, linje "), "{e:?}");
        let warning = e.warning.as_deref().unwrap_or("");
        assert!(
            warning.contains("OCR") || warning.contains("Tekstgenkendelsen var usikker"),
            "{e:?}"
        );
    }
    let unsure: Vec<&str> = f
        .fields
        .iter()
        .filter(|e| e.confidence == Confidence::Low)
        .map(|e| e.key)
        .collect();
    eprintln!("fields OCR was unsure of: {unsure:?}");
}
