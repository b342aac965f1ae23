//! Open data: a programme's approved trials as a 360Giving package (JSON) and CSV, readable
//! without login, with amounts that are the agreements' months, the decision date, the hospital
//! department as recipient and the region as funder — and nobody named.

#[macro_use]
mod common;

use common::*;
use pulje_domain::cost::{monthly_amounts, total};
use pulje_domain::Role;
use serde_json::Value;

const REGION: i64 = MIDTJYLLAND;

/// An application of `title` approved through the workflow, and what its months add up to.
async fn approved(app: &TestApp, title: &str, start: &str, end: &str) -> (i64, i64) {
    let author = app.user(Role::Applicant, Some(REGION)).await;
    let mut input = app
        .complete_input(REGION, title, TIER_MEDIUM, start, end)
        .await;
    // Section A1 as people write it: the hospital, then the department.
    let mut conn = app.db.conn().await.unwrap();
    let hospital = pulje_store::org::hospitals(&mut conn, Some(rc(REGION)))
        .await
        .unwrap()
        .into_iter()
        .find(|h| h.id.to_string() == input.hospital_id)
        .expect("the input's hospital")
        .name;
    drop(conn);
    input.hospital_department = format!("{hospital}, Medicinsk afdeling");
    let id = app.approved_application(&author, REGION, &input).await;
    let stored = app.get_application(id).await;
    let basis = app.cost_basis(&stored, TIER_MEDIUM).await;
    let expected = total(&monthly_amounts(&period_of(&stored), &basis)).ore();
    (id, expected)
}

/// `ore` as the JSON number in kroner the package must hold.
fn kroner(ore: i64) -> String {
    if ore % 100 == 0 {
        (ore / 100).to_string()
    } else {
        format!("{}.{:02}", ore / 100, ore % 100)
    }
}

both_backends!(
    approved_trials_are_published_as_360giving_without_people,
    |app| async move {
        let anon = app.anonymous();
        // Nothing approved yet: no package (the standard requires a grant), and no link.
        let r = anon
            .get("/api/v1/open-data/360giving.json?programme=ok21")
            .await;
        assert_eq!(r.status, 404, "{}", r.body);
        assert!(!anon
            .get("/program/ok21")
            .await
            .body
            .contains("360giving.json"));

        let (id, expected_ore) = approved(
            &app,
            "=HYPERLINK(\"https://x\") Brobygning ved Åse Øhlenschläger og Birgitte Ærenlund",
            "2023-04-01",
            "2023-12-31",
        )
        .await;
        // Only submitted: not published.
        let author = app.user(Role::Applicant, Some(REGION)).await;
        let pending = app
            .complete_application(
                &author,
                REGION,
                "Endnu ikke besluttet",
                TIER_SMALL,
                "2023-01-01",
                "2023-12-31",
            )
            .await;

        let r = anon
            .get("/api/v1/open-data/360giving.json?programme=ok21")
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let package: Value = serde_json::from_str(&r.body).expect("JSON");
        assert_eq!(package["version"], "1.4");
        let grants = package["grants"].as_array().expect("grants");
        assert_eq!(grants.len(), 1, "{grants:?}");
        let g = &grants[0];
        assert_eq!(g["id"], format!("360G-pulje-ok21-{REGION}-{id}"));
        assert_eq!(g["currency"], "DKK");
        // The amount is the agreement's months, to the øre, as a number in kroner.
        assert!(r
            .body
            .contains(&format!("\"amountAwarded\": {}", kroner(expected_ore))));
        let today = pulje_domain::date::today_in_denmark()
            .format("%Y-%m-%d")
            .to_string();
        assert_eq!(g["awardDate"], today);
        assert_eq!(g["plannedDates"][0]["startDate"], "2023-04-01");
        assert_eq!(g["plannedDates"][0]["endDate"], "2023-12-31");
        assert_eq!(g["plannedDates"][0]["duration"], 9);
        assert_eq!(
            g["recipientOrganization"][0]["department"],
            "Medicinsk afdeling"
        );
        // The recipient is the hospital, its department without the hospital's name again.
        assert!(g["recipientOrganization"][0]["name"]
            .as_str()
            .is_some_and(|n| !n.is_empty() && !n.contains("Medicinsk")));
        assert_eq!(g["fundingOrganization"][0]["name"], "Region Midtjylland");
        assert_eq!(
            g["fundingOrganization"][0]["id"],
            format!("360G-pulje-region-{REGION}")
        );
        assert_eq!(g["grantProgramme"][0]["code"], "ok21");
        assert_eq!(
            g["description"],
            "At give afdelingslægen ansvar for brobygning til kommunerne."
        );
        // Nobody is named: the doctor and the leader of the fixture are replaced.
        assert_eq!(
            g["title"],
            "=HYPERLINK(\"https://x\") Brobygning ved [navn] og [navn]"
        );
        for name in ["Øhlenschläger", "Ærenlund", "@"] {
            assert!(!r.body.contains(name), "{name} is published");
        }
        assert!(!r.body.contains("Endnu ikke besluttet"));
        assert!(!r.body.contains(&format!("-{}\"", i64::from(pending.id))));
        // Open data may be kept by browsers and proxies.
        assert!(r
            .headers
            .get("cache-control")
            .is_some_and(|v| v.to_str().unwrap_or("").contains("public")));

        // The same grant as CSV, the formula neutralised.
        let r = anon
            .get("/api/v1/open-data/360giving.csv?programme=ok21")
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let mut lines = r.body.trim_start_matches('\u{feff}').lines();
        let header = lines.next().expect("header");
        assert!(header.starts_with("Identifier,Title,Description,Currency,Amount Awarded"));
        let row = lines.next().expect("a row");
        assert!(row.starts_with(&format!(
            "360G-pulje-ok21-{REGION}-{id},\"'=HYPERLINK(\"\"https://x\"\") Brobygning ved [navn] og [navn]\""
        )), "{row}");
        let csv_kroner = format!("{}.{:02}", expected_ore / 100, expected_ore % 100);
        assert!(row.contains(&format!(",DKK,{csv_kroner},")), "{row}");
        assert!(lines.next().is_none());

        // The public page links to both.
        let page = anon.get("/program/ok21").await.body;
        assert!(page.contains("href=\"/api/v1/open-data/360giving.json?programme=ok21\""));
        assert!(page.contains("href=\"/api/v1/open-data/360giving.csv?programme=ok21\""));
        // An unknown programme is a 404 in Danish.
        let r = anon
            .get("/api/v1/open-data/360giving.json?programme=findes-ikke")
            .await;
        assert_eq!(r.status, 404);
        assert!(r.body.contains("error"));
    }
);
