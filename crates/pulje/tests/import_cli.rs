//! `pulje import … --json`: parses files and prints JSON without touching a database.

mod common;

use common::CONTRACT_KEYS;
use std::process::Command;

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("pulje-import-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn form_json_prints_one_object_per_readable_file_and_fails_for_the_rest() {
    let dir = temp_dir("form");
    let good = dir.join("aftale.txt");
    std::fs::write(
        &good,
        "SKEMA TIL BRUG FOR AFTALE AF REGIONALE FORSØG\n\
         A1. Hospital/afdeling Regionshospitalet Silkeborg, Diagnostisk Center\n\
         A2. Forsøgets titel Hurtig udredning\n\
         B6. Økonomi 35.000\n\
         C.2. Dato for forsøgets opstart 1. juni 2022\n",
    )
    .unwrap();
    let bad = dir.join("binær.txt");
    std::fs::write(&bad, [0u8, 1, 2, 3, 0, 5, 6]).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_pulje"))
        .args(["import", "form", "--json"])
        .arg(&bad)
        .arg(&good)
        .env("PULJE_DATABASE_URL", dir.join("unused.db"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("Filen «binær.txt» ligner ikke tekst"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{stdout}");
    let value: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    let object = value.as_object().unwrap();
    for key in CONTRACT_KEYS {
        assert!(object.contains_key(key), "missing {key}");
    }
    assert_eq!(
        object.len(),
        CONTRACT_KEYS.len() + 1,
        "file + contract keys"
    );
    assert_eq!(value["title"], "Hurtig udredning");
    assert_eq!(value["supplement_dkk"], 35_000);
    assert_eq!(value["start_date"], "2022-06-01");
    assert_eq!(value["end_date"], serde_json::Value::Null);
    // Nothing was stored: no database was created.
    assert!(!dir.join("unused.db").exists());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn trials_json_prints_an_array_of_rows() {
    let dir = temp_dir("trials");
    let csv = dir.join("liste.csv");
    std::fs::write(
        &csv,
        "Nr;Hospital;Afdeling;Område;Antal;Titel;Evaluering\n\
         1;Psykiatrien;Klinik Øst;Kvalitet;3;Tryg udskrivning;Se bilag\n",
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_pulje"))
        .args(["import", "trials", "--json", "--region", "1081"])
        .arg(&csv)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rows: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        rows,
        serde_json::json!([{
            "number": 1,
            "hospital": "Psykiatrien",
            "department": "Klinik Øst",
            "area": "Kvalitetssikring",
            "doctor_count": 3,
            "title": "Tryg udskrivning",
            "evaluation_attached": true
        }])
    );
    // Storing needs the region the trials belong to; without it nothing is done.
    let output = Command::new(env!("CARGO_BIN_EXE_pulje"))
        .args(["import", "trials"])
        .arg(&csv)
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("angiv regionen med --region"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn form_json_prints_one_line_per_agreement_in_a_file() {
    let dir = temp_dir("two");
    let both = dir.join("to-aftaler.txt");
    let form = |hospital: &str, title: &str, amount: &str| {
        format!(
            "SKEMA TIL BRUG FOR AFTALE AF REGIONALE FORSØG\n\
             A1. Hospital/afdeling {hospital}\n\
             A2. Forsøgets titel {title}\n\
             B6. Økonomi (Tillægsstørrelse 20.000 – 35.000 eller 50.000 kr.) {amount}\n\
             C.2. Dato for forsøgets opstart 1. apr. 22\n\n"
        )
    };
    std::fs::write(
        &both,
        form(
            "Regionshospitalet Randers, Akutafdelingen",
            "Første aftale",
            "35.000 kr.",
        ) + &form(
            "Regionshospitalet Randers, Kirurgi",
            "Anden aftale",
            "kr. 50.000,-",
        ),
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_pulje"))
        .args(["import", "form", "--json"])
        .arg(&both)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    for (line, (title, amount)) in lines
        .iter()
        .zip([("Første aftale", 35_000), ("Anden aftale", 50_000)])
    {
        let object = line.as_object().unwrap();
        assert_eq!(
            object.len(),
            CONTRACT_KEYS.len() + 1,
            "file + contract keys"
        );
        for key in CONTRACT_KEYS {
            assert!(object.contains_key(key), "missing {key}");
        }
        assert_eq!(line["file"], both.to_string_lossy().as_ref());
        assert_eq!(line["title"], title);
        assert_eq!(line["supplement_dkk"], amount, "never the label's options");
        assert_eq!(line["start_date"], "2022-04-01");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn form_json_reads_an_outlook_message() {
    let dir = temp_dir("msg");
    let file = dir.join("Aftale om forsøg.msg");
    let attached = "SKEMA TIL BRUG FOR AFTALE AF REGIONALE FORSØG\r\n\
                    A1. Hospital/afdeling Regionshospitalet Viborg, Kirurgi\r\n\
                    A2. Forsøgets titel Afdelingslæge i stomiambulatoriet\r\n\
                    B6. Økonomi 20.000\r\n\
                    C.2. Dato for forsøgets opstart 1. marts 2023\r\n";
    std::fs::write(
        &file,
        pulje_import::msg::write_msg(
            "Aftale",
            "Hej\r\n\r\nSkemaet er vedhæftet.\r\n",
            &[("aftale.txt", attached.as_bytes())],
        ),
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_pulje"))
        .args(["import", "form", "--json"])
        .arg(&file)
        .env("PULJE_DATABASE_URL", dir.join("unused.db"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let value: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(value["file"], file.to_string_lossy().as_ref());
    assert_eq!(value["title"], "Afdelingslæge i stomiambulatoriet");
    assert_eq!(
        value["hospital_department"],
        "Regionshospitalet Viborg, Kirurgi"
    );
    assert_eq!(value["supplement_dkk"], 20_000);
    assert_eq!(value["start_date"], "2023-03-01");
    std::fs::remove_dir_all(dir).unwrap();
}
