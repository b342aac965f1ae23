//! The dashboard's counts and the reports are kept between requests, labelled with the data
//! version they were computed from. These tests change the data behind the server's back (as a
//! second server instance or the CLI would, straight through the store) and check that the very
//! next request shows the change.

#[macro_use]
mod common;

use common::*;
use pulje_domain::Role;
use pulje_store::trials::{self, NewTrial};
use pulje_store::{org, programmes, Actor};

fn trials_in(report: &serde_json::Value) -> i64 {
    report["trials_by_hospital"]
        .as_object()
        .expect("trials_by_hospital")
        .values()
        .map(|v| v.as_i64().expect("a count"))
        .sum()
}

async fn add_historic_trial(app: &TestApp, number: i64) {
    let mut tx = app.db.begin().await.unwrap();
    trials::import(
        &mut tx,
        &Actor::system("anden-server"),
        "ok21",
        rc(NORDJYLLAND),
        "liste.csv",
        &[NewTrial {
            number,
            hospital: "Aalborg Universitetshospital".into(),
            department: "Akutafdelingen".into(),
            area: "Ledelse".into(),
            doctor_count: 2,
            title: format!("Forsøg nummer {number}"),
            evaluation_attached: false,
        }],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

both_backends!(
    dashboard_and_reports_follow_every_change,
    |app| async move {
        let admin = app.client_as(Role::RegionAdmin, Some(NORDJYLLAND)).await;
        let national = app.client_as(Role::NationalViewer, None).await;
        let applicant = app.user(Role::Applicant, Some(NORDJYLLAND)).await;
        let dashboard = format!("/regions/{NORDJYLLAND}");
        let report = format!("/api/v1/reports/regional/{NORDJYLLAND}");

        // Asked twice, the second answer comes from what was kept; both are the same.
        let first = admin.get(&dashboard).await;
        assert_eq!(first.status, 200);
        assert_eq!(dashboard_total(&first.text()), 0);
        assert_eq!(dashboard_total(&admin.get(&dashboard).await.text()), 0);
        assert_eq!(trials_in(&admin.get(&report).await.json()), 0);
        let national_before = national.get("/api/v1/reports/national").await.json();

        // A new application shows on the next request.
        app.application(&applicant, NORDJYLLAND, &titled("Ny ansøgning"))
            .await;
        assert_eq!(dashboard_total(&admin.get(&dashboard).await.text()), 1);

        // So do trials added to the report, one after the other, in the data and on the kept
        // page alike.
        let page = format!("/reports/regional/{NORDJYLLAND}");
        add_historic_trial(&app, 1).await;
        assert_eq!(trials_in(&admin.get(&report).await.json()), 1);
        let html = admin.get(&page).await.text();
        assert!(html.contains("Forsøg nummer 1"));
        assert!(!html.contains("Forsøg nummer 2"));
        assert_eq!(admin.get(&page).await.text(), html, "kept, the same page");
        add_historic_trial(&app, 2).await;
        assert_eq!(trials_in(&admin.get(&report).await.json()), 2);
        let html = admin.get(&page).await.text();
        assert!(
            html.contains("Forsøg nummer 2"),
            "the HTML report lists the new trial"
        );

        // The national view follows a change in any region.
        let national_after = national.get("/api/v1/reports/national").await.json();
        assert_ne!(national_before, national_after);
    }
);

both_backends!(
    list_choices_and_rounds_follow_every_change,
    |app| async move {
        let admin = app.client_as(Role::RegionAdmin, Some(NORDJYLLAND)).await;
        let national = app.client_as(Role::NationalViewer, None).await;
        let dashboard = format!("/regions/{NORDJYLLAND}");
        for _ in 0..2 {
            assert!(!admin
                .get("/applications")
                .await
                .text()
                .contains("Nyt Testsygehus"));
            assert!(!national
                .get("/applications")
                .await
                .text()
                .contains("Nyt Testsygehus"));
            assert!(!admin.get(&dashboard).await.text().contains("Ekstra runde"));
        }

        // A hospital, an area and a round added behind the server's back (the round in 2030,
        // in OK21's application window widened for it).
        app.widen_ok21_window(
            chrono::NaiveDate::from_ymd_opt(2030, 1, 1).unwrap(),
            chrono::NaiveDate::from_ymd_opt(2030, 1, 31).unwrap(),
        )
        .await;
        let actor = Actor::system("anden-server");
        let mut tx = app.db.begin().await.unwrap();
        org::create_hospital(&mut tx, &actor, rc(NORDJYLLAND), "Nyt Testsygehus")
            .await
            .unwrap();
        programmes::create_area(
            &mut tx,
            &actor,
            "ok21",
            rc(NORDJYLLAND),
            "Nyt testområde",
            "Nyt",
        )
        .await
        .unwrap();
        let opens_on = chrono::NaiveDate::from_ymd_opt(2030, 1, 1).unwrap();
        let round = programmes::RoundInput {
            name: "Ekstra runde".into(),
            opens_on,
            deadline: opens_on + chrono::Days::new(30),
        };
        programmes::create_round(&mut tx, &actor, "ok21", rc(NORDJYLLAND), &round)
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let list = admin.get("/applications").await.text();
        assert!(
            list.contains("Nyt Testsygehus"),
            "the region's hospital filter"
        );
        assert!(list.contains("Nyt testområde"), "the region's area filter");
        assert!(list.contains("Ekstra runde"), "the region's round filter");
        assert!(
            national
                .get("/applications")
                .await
                .text()
                .contains("Nyt Testsygehus"),
            "the national list's hospital filter"
        );
        assert!(admin.get(&dashboard).await.text().contains("Ekstra runde"));
    }
);
