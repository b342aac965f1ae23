//! The application list as a spreadsheet: every row the filters select (not only the page),
//! Danish column names, the supplement in kroner, dates as dates, text that looks like a formula
//! kept as text; only what the user may see, another region's filter refused.

#[macro_use]
mod common;

use calamine::{Data, Reader, Xlsx};
use common::*;
use pulje_domain::{ApplicationStatus, Role};

async fn download(client: &Client, path: &str) -> (u16, String, Vec<u8>) {
    let r = client.http.get(client.url(path)).send().await.expect("GET");
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, ct, r.bytes().await.unwrap().to_vec())
}

both_backends!(
    the_list_exports_its_filtered_rows_as_csv_and_xlsx,
    |app| async move {
        let writer = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let other = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let north = app.user(Role::Applicant, Some(NORDJYLLAND)).await;
        let hostile = "=HYPERLINK(\"http://example.org\";\"Klik\")";
        let a = app
            .complete_application(
                &writer,
                MIDTJYLLAND,
                hostile,
                TIER_MEDIUM,
                "2022-04-01",
                "2023-03-31",
            )
            .await;
        app.set_status(i64::from(a.id), ApplicationStatus::Submitted, None)
            .await;
        app.application(&other, MIDTJYLLAND, &titled("Andens kladde"))
            .await;
        app.application(&north, NORDJYLLAND, &titled("Nordjysk kladde"))
            .await;
        // More rows than one page: the export holds them all.
        for n in 0..30 {
            app.application(&writer, MIDTJYLLAND, &titled(&format!("Kladde {n}")))
                .await;
        }

        let admin = app.client_as(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
        let list = admin.get("/applications?status=submitted").await;
        assert!(
            list.body
                .contains("href=\"/applications/eksport.csv?status=submitted\""),
            "{}",
            list.body
        );
        let (status, ct, csv) = download(&admin, "/applications/eksport.csv").await;
        assert_eq!(status, 200);
        assert!(ct.starts_with("text/csv"), "{ct}");
        let csv = String::from_utf8(csv).unwrap();
        let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(
            lines[0],
            "Nr.;Titel;Status;Region;Program;Hospital;Runde;Årligt tillæg (kr.);Start;Slut;Senest ændret"
        );
        assert_eq!(
            lines.len(),
            1 + 32,
            "every row of the region, not one page: {csv}"
        );
        assert!(!csv.contains("Nordjysk"), "another region's");
        let hostile_line = lines
            .iter()
            .find(|l| l.contains("HYPERLINK"))
            .expect("the hostile title");
        assert!(hostile_line.contains("\"'=HYPERLINK("), "{hostile_line}");
        assert!(
            hostile_line.contains(";Indsendt;Region Midtjylland;"),
            "{hostile_line}"
        );
        assert!(
            hostile_line.contains(";35000,00;01-04-2022;31-03-2023;"),
            "{hostile_line}"
        );

        // Filtered: the submitted one alone, as a workbook.
        let (status, ct, xlsx) =
            download(&admin, "/applications/eksport.xlsx?status=submitted").await;
        assert_eq!(status, 200);
        assert!(ct.contains("spreadsheetml"), "{ct}");
        let mut book: Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).unwrap();
        let rows: Vec<Vec<Data>> = book
            .worksheet_range("Ansøgninger")
            .unwrap()
            .rows()
            .map(|r| r.to_vec())
            .collect();
        assert_eq!(rows.len(), 2, "a header and the submitted one: {rows:?}");
        assert_eq!(rows[0][7], Data::String("Årligt tillæg (kr.)".into()));
        assert_eq!(rows[1][0], Data::Float(i64::from(a.id) as f64));
        assert_eq!(
            rows[1][1],
            Data::String(format!("'{hostile}")),
            "text, not a formula"
        );
        assert_eq!(rows[1][7], Data::Float(35_000.0));
        // A date: 1 April 2022 is day 44652 of the spreadsheet's calendar.
        assert!(
            matches!(&rows[1][8], Data::DateTime(d) if d.as_f64() == 44652.0),
            "{:?}",
            rows[1][8]
        );

        // An applicant exports their own; another region is refused.
        let mine = app.login(&writer).await;
        let (_, _, csv) = download(&mine, "/applications/eksport.csv").await;
        let csv = String::from_utf8(csv).unwrap();
        assert!(!csv.contains("Andens kladde"), "{csv}");
        assert!(csv.contains("Kladde 29"), "{csv}");
        let (status, _, _) = download(&admin, "/applications/eksport.csv?region=1081").await;
        assert_eq!(status, 404);
        let (status, _, _) = download(&app.anonymous(), "/applications/eksport.csv").await;
        assert!(status == 303 || status == 401, "{status}");
    }
);

/// The first sheet's rows of an XLSX file.
fn xlsx_rows(bytes: Vec<u8>, sheet: &str) -> Vec<Vec<Data>> {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    book.worksheet_range(sheet)
        .unwrap()
        .rows()
        .map(|r| r.to_vec())
        .collect()
}

both_backends!(
    every_export_neutralises_text_a_spreadsheet_would_read_as_a_formula,
    |app| async move {
        let author = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let sg_user = app.user(Role::SteeringGroup, Some(MIDTJYLLAND)).await;
        let sg_api = app.bearer(&sg_user).await;
        let hostile: Vec<String> = ["=", "+", "-", "@", "\t"]
            .iter()
            .enumerate()
            .map(|(i, p)| format!("{p}HYPERLINK(\"http://example.org/{i}\")"))
            .collect();
        for (i, text) in hostile.iter().enumerate() {
            let a = app
                .ready_application(&author, &format!("Forsøg {i}"), "2022-06-01", "2023-05-31")
                .await;
            let id = i64::from(a.id);
            expect_status(
                &sg_api
                    .transition(
                        id,
                        &step(
"approve",
serde_json::json!({ "tier_ore": TIER_SMALL, "meeting_id": app.decision_meeting(MIDTJYLLAND).await }),
),
                    )
                    .await,
                id,
                "awaiting_signatures",
            );
            app.set_status(id, ApplicationStatus::Active, None).await;
            // Stored as typed (an import keeps a leading tab): the title and the doctor's name.
            let quoted = text.replace('\'', "''");
            app.exec(&format!(
                "UPDATE applications SET title = '{quoted}', responsible_doctor = '{quoted}' WHERE id = {id}"
            ))
            .await;
        }
        let neutral: Vec<String> = hostile.iter().map(|t| format!("'{t}")).collect();
        let csv_cell = |t: &String| format!("\"{}\"", t.replace('"', "\"\""));

        // The application list.
        let admin = app.client_as(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
        let (_, _, csv) = download(&admin, "/applications/eksport.csv").await;
        let csv = String::from_utf8(csv).unwrap();
        let (_, _, xlsx) = download(&admin, "/applications/eksport.xlsx").await;
        let list_titles: Vec<Data> = xlsx_rows(xlsx, "Ansøgninger")
            .into_iter()
            .map(|r| r[1].clone())
            .collect();
        // The report's table of trials.
        let sg = app.login(&sg_user).await;
        let (status, _, report_csv) =
            download(&sg, &format!("/reports/regional/{MIDTJYLLAND}/forsoeg.csv")).await;
        assert_eq!(status, 200);
        let report_csv = String::from_utf8(report_csv).unwrap();
        let (status, _, report_xlsx) =
            download(&sg, &format!("/reports/regional/{MIDTJYLLAND}/report.xlsx")).await;
        assert_eq!(status, 200);
        let report_titles: Vec<Data> = xlsx_rows(report_xlsx, "Alle forsøg")
            .into_iter()
            .map(|r| r[6].clone())
            .collect();
        // A payroll batch: the doctor's name.
        let mut admin = admin;
        let r = admin
            .post_form(
                &format!("/regions/{MIDTJYLLAND}/payments/batches"),
                &[("up_to", "2022-06-30")],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let batch = r.location().unwrap().to_string();
        let (_, _, payroll_csv) = download(&admin, &format!("{batch}/loen.csv")).await;
        let payroll_csv = String::from_utf8(payroll_csv).unwrap();
        let (_, _, payroll_xlsx) = download(&admin, &format!("{batch}/loen.xlsx")).await;
        let payroll_names: Vec<Data> = xlsx_rows(payroll_xlsx, "Lønkørsel")
            .into_iter()
            .map(|r| r[1].clone())
            .collect();

        for (raw, safe) in hostile.iter().zip(&neutral) {
            for (what, text) in [
                ("list CSV", &csv),
                ("report CSV", &report_csv),
                ("payroll CSV", &payroll_csv),
            ] {
                assert!(
                    text.contains(&csv_cell(safe)),
                    "{what} lacks {safe:?}: {text}"
                );
                assert!(
                    !text.contains(&format!(";{}", csv_cell(raw))),
                    "{what} has {raw:?} as it was"
                );
            }
            for (what, cells) in [
                ("list XLSX", &list_titles),
                ("report XLSX", &report_titles),
                ("payroll XLSX", &payroll_names),
            ] {
                assert!(
                    cells.contains(&Data::String(safe.clone())),
                    "{what} lacks {safe:?}: {cells:?}"
                );
                assert!(
                    !cells.contains(&Data::String(raw.clone())),
                    "{what} has {raw:?} as it was"
                );
            }
        }
    }
);
