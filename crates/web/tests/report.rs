//! The regional report and the national view: counts per hospital, area, career track and type
//! from historic trials, an approved pulje agreement and submitted evaluations; the economy per
//! tranche against the pool computed independently; PDF, XLSX, CSV and JSON read back; the
//! narrative saved with a version check and audited; who may see and write what.

#[macro_use]
mod common;

use common::*;
use pulje_domain::cost::{monthly_amounts, within};
use pulje_domain::Role;
use pulje_store::trials::{self, NewTrial};
use serde_json::json;
use std::collections::BTreeMap;

const REGION: i64 = MIDTJYLLAND;
const TITLE_DANISH: &str = "Ændret operationsmetode på Øre-, næse- og halsafdelingen";

const AREA_SPECIALIST: &str = "Faglig specialist evt. med et særligt fokusområde";
const AREA_BRIDGE: &str = "Tværsektorielle patientforløb (brobygger)";
const AREA_IMPROVE: &str = "Forbedringsaktiviteter, herunder fælles beslutningstagen";
const AREA_DIGITAL: &str = "Digitalisering og forbedringsaktiviteter";

fn row(
    number: i64,
    hospital: &str,
    department: &str,
    area: &str,
    doctors: i64,
    title: &str,
    attached: bool,
) -> NewTrial {
    NewTrial {
        number,
        hospital: hospital.into(),
        department: department.into(),
        area: area.into(),
        doctor_count: doctors,
        title: title.into(),
        evaluation_attached: attached,
    }
}

/// What the fixture made, for the assertions.
struct Fixture {
    /// The approved, active pulje agreement.
    agreement: i64,
    agreement_title: String,
    agreement_hospital: String,
    /// Its monthly amounts and the expected money per tranche: (allocated, committed, paid).
    expected_economy: Vec<(i64, i64, i64)>,
}

async fn bytes(c: &Client, path: &str) -> (u16, String, Vec<u8>) {
    let r = c.http.get(c.url(path)).send().await.expect("GET");
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, ct, r.bytes().await.expect("body").to_vec())
}

/// Seven historic trials at three hospitals (4/2/1), one pulje agreement walked from submission
/// to four signatures with postings for its first months, one application still under review,
/// three submitted evaluations and one draft.
async fn fixture(app: &TestApp) -> Fixture {
    let mut tx = app.db.begin().await.unwrap();
    let rows = vec![
        row(
            1,
            "Aarhus Universitetshospital",
            "Akutafdelingen",
            "Faglig specialist",
            1,
            "Akut smerteteam",
            true,
        ),
        row(
            2,
            "Aarhus Universitetshospital",
            "Ortopædkirurgi",
            "Brobygger",
            2,
            "Brobygning til kommunerne",
            false,
        ),
        row(
            3,
            "Aarhus Universitetshospital",
            "Tværgående",
            "Forbedring",
            11,
            "Simulationsansvarlige afdelingslæger",
            true,
        ),
        row(
            4,
            "Aarhus Universitetshospital",
            "Øre-, næse- og halskirurgi",
            "",
            1,
            TITLE_DANISH,
            false,
        ),
        row(
            5,
            "Hospitalsenhed Midt",
            "Medicinsk afdeling",
            "forbedring",
            1,
            "Fald og svimmelhed",
            true,
        ),
        row(
            6,
            "Hospitalsenhed Midt",
            "Diagnostisk Center",
            "Digitalisering",
            5,
            "Yngre læger som koordinatorer for innovation",
            false,
        ),
        row(
            7,
            "Regionshospitalet Hammel",
            "Neurorehabilitering",
            AREA_SPECIALIST,
            3,
            "Spasticitetsbehandling",
            false,
        ),
    ];
    let imported = trials::import(
        &mut tx,
        &pulje_store::Actor::system("test"),
        "ok21",
        rc(REGION),
        "liste.pdf",
        &rows,
    )
    .await
    .unwrap();
    assert_eq!(imported.added, 7);
    tx.commit().await.unwrap();

    // A pulje agreement through the real workflow.
    let author = app.user(Role::Applicant, Some(REGION)).await;
    let wg = app
        .bearer(&app.user(Role::WorkingGroup, Some(REGION)).await)
        .await;
    let sg = app
        .bearer(&app.user(Role::SteeringGroup, Some(REGION)).await)
        .await;
    let leader = app
        .bearer(&app.user(Role::Leader, Some(REGION)).await)
        .await;
    let union = app
        .bearer(&app.user(Role::UnionRep, Some(REGION)).await)
        .await;
    let admin = app
        .bearer(&app.user(Role::RegionAdmin, Some(REGION)).await)
        .await;
    let doctor = app.bearer(&author).await;
    let title = "Tværsektoriel brobygger – Åse Øhlenschläger";
    let a = app
        .complete_application(
            &author,
            REGION,
            title,
            TIER_MEDIUM,
            "2022-06-01",
            "2023-05-31",
        )
        .await;
    let id = a.id;
    expect_status(
        &doctor
            .transition(i64::from(id), &step("submit", json!({})))
            .await,
        i64::from(id),
        "submitted",
    );
    expect_status(
        &wg.transition(i64::from(id), &step("forward", json!({})))
            .await,
        i64::from(id),
        "ready_for_decision",
    );
    expect_status(
        &sg.transition(
            i64::from(id),
            &step(
"approve",
json!({ "tier_ore": TIER_MEDIUM, "meeting_id": app.decision_meeting(MIDTJYLLAND).await }),
),
        )
        .await,
        i64::from(id),
        "awaiting_signatures",
    );
    app.bind_proposed(i64::from(id)).await;
    for signer in [&leader, &doctor, &union] {
        expect_status(
            &signer.transition(i64::from(id), &sign_step()).await,
            i64::from(id),
            "awaiting_signatures",
        );
    }
    expect_status(
        &admin.transition(i64::from(id), &sign_step()).await,
        i64::from(id),
        "active",
    );

    // Another application only submitted: not a trial.
    let other = app
        .complete_application(
            &author,
            REGION,
            "Endnu ikke besluttet",
            TIER_SMALL,
            "2022-09-01",
            "2023-08-31",
        )
        .await;
    expect_status(
        &doctor
            .transition(i64::from(other.id), &step("submit", json!({})))
            .await,
        i64::from(other.id),
        "submitted",
    );

    // The parties signed as the trial started (the test signs today, years later, which
    // would hold the months before today back from payroll).
    app.exec(&format!(
        "UPDATE applications SET activated_on = '2022-06-01' WHERE id = {id}"
    ))
    .await;
    // Payroll is told to pay the months up to September 2022.
    let mut tx = app.db.begin().await.unwrap();
    pulje_store::money::generate_postings(
        &mut tx,
        &pulje_store::Actor::system("test"),
        "ok21",
        rc(REGION),
        date("2022-09-30"),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    // The money, computed independently of the store's sums.
    let stored = app.get_application(i64::from(id)).await;
    let basis = app.cost_basis(&stored, TIER_MEDIUM).await;
    let months = monthly_amounts(&period_of(&stored), &basis);
    let mut conn = app.db.conn().await.unwrap();
    let pools = pulje_store::programmes::pools(&mut conn, "ok21", Some(rc(REGION)))
        .await
        .unwrap();
    drop(conn);
    let mut expected_economy = Vec::new();
    for (n, (_, period)) in app.tranche_periods().await.into_iter().enumerate() {
        let committed = within(&months, &period).ore();
        let paid: i64 = months
            .iter()
            .filter(|m| m.first_day() <= date("2022-09-30") && period.contains_date(m.first_day()))
            .map(|m| m.amount.ore())
            .sum();
        expected_economy.push((pools[n].amount_ore.ore(), committed, paid));
    }
    assert!(
        expected_economy[0].1 > 0 && expected_economy[1].1 > 0,
        "spans both tranches"
    );
    assert!(expected_economy[0].2 > 0, "postings made");

    // Evaluations: three submitted, one draft (which must not count).
    let mut conn = app.db.conn().await.unwrap();
    let historic = trials::list(&mut conn, "ok21", rc(REGION)).await.unwrap();
    drop(conn);
    let hid = |n: i64| historic.iter().find(|t| t.number == n).unwrap().id;
    for sql in [
        eval_sql(
            "historic_trial_id, status",
            &format!("{}, 'submitted'", hid(1)),
            "clinical_specialist",
            "individual",
            "continue",
            0,
            0,
            1,
            "Der var ikke tid i klinikken.",
            "Gør tillægget permanent.",
        ),
        eval_sql(
            "historic_trial_id, status",
            &format!("{}, 'submitted'", hid(3)),
            "leadership",
            "cross_cutting",
            "expand",
            1,
            1,
            0,
            "Begrebet var uklart for afdelingsledelserne.",
            "Udbred simulationsansvaret til alle hospitaler.",
        ),
        eval_sql(
            "application_id, status",
            &format!("{id}, 'submitted'"),
            "research",
            "individual",
            "change",
            0,
            0,
            1,
            "",
            "Afsæt tid i vagtplanen.",
        ),
        eval_sql(
            "historic_trial_id, status",
            &format!("{}, 'draft'", hid(2)),
            "teaching",
            "cross_cutting",
            "stop",
            1,
            1,
            1,
            "Kladde – tæller ikke.",
            "Kladde",
        ),
    ] {
        app.exec(&sql).await;
    }
    let agreement_hospital = app
        .get_application(i64::from(id))
        .await
        .hospital_name
        .unwrap_or_default();
    Fixture {
        agreement: i64::from(id),
        agreement_title: title.into(),
        agreement_hospital,
        expected_economy,
    }
}

#[allow(clippy::too_many_arguments)]
fn eval_sql(
    cols: &str,
    vals: &str,
    track: &str,
    kind: &str,
    rec: &str,
    concept: i64,
    awareness: i64,
    time: i64,
    challenges: &str,
    advice: &str,
) -> String {
    format!(
        "INSERT INTO evaluations (programme_id, region_code, {cols}, purposes_met, purposes_text, \
         career_track, trial_type, recommendation, challenge_concept, challenge_awareness, challenge_time, \
         challenges_text, advice_text, version, created_at, updated_at, submitted_at) VALUES \
         ('ok21', {REGION}, {vals}, 'yes', 'Formålet blev nået.', '{track}', '{kind}', '{rec}', {concept}, {awareness}, {time}, \
         '{challenges}', '{advice}', 1, '2023-06-01T10:00:00Z', '2023-06-01T10:00:00Z', '2023-06-01T10:00:00Z')"
    )
}

fn counts(v: &serde_json::Value) -> BTreeMap<String, i64> {
    v.as_object()
        .unwrap_or_else(|| panic!("an object: {v}"))
        .iter()
        .map(|(k, n)| (k.clone(), n.as_i64().expect("a count")))
        .collect()
}

fn map(pairs: &[(&str, i64)]) -> BTreeMap<String, i64> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

both_backends!(
    regional_report_counts_every_trial_and_the_money,
    |app| async move {
        let f = fixture(&app).await;
        let admin = app.client_as(Role::RegionAdmin, Some(REGION)).await;
        let r = admin
            .get(&format!("/api/v1/reports/regional/{REGION}?programme=ok21"))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let j = r.json();

        // Hospitals: 4/2/1 historic, the agreement's hospital one more.
        let mut hospitals = map(&[
            ("Aarhus Universitetshospital", 4),
            ("Hospitalsenhed Midt", 2),
            ("Regionshospitalet Hammel", 1),
        ]);
        *hospitals.entry(f.agreement_hospital.clone()).or_default() += 1;
        assert_eq!(counts(&j["trials_by_hospital"]), hospitals);
        assert_eq!(j["trial_count"], 8);
        // 1+2+11+1+1+5+3 historic afdelingslæger and the agreement's one participant.
        assert_eq!(j["doctors_involved"], 25);

        // Areas: short names and case are matched to the region's areas; the agreement's first area
        // is the region's first; an empty area is "Ikke oplyst".
        assert_eq!(
            counts(&j["trials_by_area"]),
            map(&[
                (AREA_SPECIALIST, 3),
                (AREA_BRIDGE, 1),
                (AREA_IMPROVE, 2),
                (AREA_DIGITAL, 1),
                ("Ikke oplyst", 1),
            ])
        );
        // Only submitted evaluations count; the draft's "teaching" does not.
        assert_eq!(
            counts(&j["trials_by_track"]),
            map(&[
                ("clinical_specialist", 1),
                ("leadership", 1),
                ("research", 1),
                ("teaching", 0),
                ("not_stated", 5),
            ])
        );
        assert_eq!(
            counts(&j["trials_by_type"]),
            map(&[("individual", 2), ("cross_cutting", 1), ("not_stated", 5)])
        );
        assert_eq!(
            counts(&j["trials_by_recommendation"]),
            map(&[
                ("continue", 1),
                ("expand", 1),
                ("change", 1),
                ("stop", 0),
                ("not_stated", 5)
            ])
        );
        let challenges: BTreeMap<String, i64> = j["challenges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["key"].as_str().unwrap().to_string(),
                    c["count"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            challenges,
            map(&[("concept", 1), ("awareness", 1), ("time", 2)])
        );
        let statements: Vec<&str> = j["challenge_statements"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["text"].as_str().unwrap())
            .collect();
        assert_eq!(
            statements,
            vec![
                "Der var ikke tid i klinikken.",
                "Begrebet var uklart for afdelingsledelserne."
            ]
        );
        let advice: Vec<&str> = j["advice"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["text"].as_str().unwrap())
            .collect();
        assert_eq!(
            advice,
            vec![
                "Gør tillægget permanent.",
                "Udbred simulationsansvaret til alle hospitaler.",
                "Afsæt tid i vagtplanen."
            ]
        );
        assert_eq!(j["evaluations"].as_array().unwrap().len(), 3);
        // Evaluated: #1 and #3 (list and evaluation), #5 (the list says so), the agreement.
        assert_eq!(
            j["evaluation_coverage"],
            json!({ "evaluated": 4, "trials": 8 })
        );

        // The trials keep their numbers; the agreement comes after them.
        let trials = j["trials"].as_array().unwrap();
        let numbers: Vec<i64> = trials
            .iter()
            .map(|t| t["number"].as_i64().unwrap())
            .collect();
        assert_eq!(numbers, (1..=8).collect::<Vec<_>>());
        let last = &trials[7];
        assert_eq!(last["source"], "pulje");
        assert_eq!(last["application_id"], f.agreement);
        assert_eq!(last["title"], f.agreement_title.as_str());
        assert_eq!(last["department"], "Medicinsk afdeling");
        assert_eq!(last["area"], AREA_SPECIALIST);
        assert_eq!(last["evaluation_attached"], true);
        assert_eq!(last["granted_ore"], TIER_MEDIUM);
        assert_eq!(trials[3]["title"], TITLE_DANISH);
        assert_eq!(trials[3]["evaluation_attached"], false);

        // The economy per tranche equals the pool and the agreement's months computed independently.
        let economy = j["economy"].as_array().unwrap();
        assert_eq!(economy.len(), f.expected_economy.len());
        let pool = app.pool_status(REGION).await;
        for (n, e) in economy.iter().enumerate() {
            let (allocated, committed, paid) = f.expected_economy[n];
            assert_eq!(e["tranche"], n as i64 + 1);
            assert_eq!(e["name"], pool[n].name.as_str());
            assert_eq!(e["allocated_ore"], allocated, "{e}");
            assert_eq!(e["committed_ore"], committed, "{e}");
            assert_eq!(e["paid_ore"], paid, "{e}");
            assert_eq!(e["unused_ore"], allocated - committed, "{e}");
            assert_eq!(pool[n].committed_ore.ore(), committed);
        }
        assert_eq!(
            j["economy_total"]["allocated_ore"],
            f.expected_economy.iter().map(|e| e.0).sum::<i64>()
        );
        // The medium tier was granted once.
        let tiers = j["tiers"].as_array().unwrap();
        let medium = tiers
            .iter()
            .find(|t| t["amount_ore"] == TIER_MEDIUM)
            .unwrap();
        assert_eq!(medium["trials"], 1);

        // The page: a table per hospital with "(n stk.)", every row with th/td cells.
        let page = admin.get(&format!("/reports/regional/{REGION}")).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let text = page.text();
        assert!(text.contains("Hospitalsenhed Midt (2 stk.)"), "{text}");
        assert!(text.contains("Regionshospitalet Hammel (1 stk.)"));
        assert!(page.body.contains("<th scope=\"col\">Projekttitel</th>"));
        let rows = table_rows(&page.body);
        assert!(
            rows.contains(&vec![
                "4".to_string(),
                "-".into(),
                "Øre-, næse- og halskirurgi".into(),
                "Ikke oplyst".into(),
                "1".into(),
                TITLE_DANISH.into()
            ]),
            "{rows:?}"
        );
        assert!(rows.contains(&vec![
            "8".to_string(),
            "Se bilag".into(),
            "Medicinsk afdeling".into(),
            AREA_SPECIALIST.into(),
            "1".into(),
            f.agreement_title.clone()
        ]));
        assert!(
            text.contains("Skriv rapportens afsnit"),
            "the administrator gets the edit link"
        );
        // The navigation links to the reports.
        assert!(page.body.contains("href=\"/reports\""));
    }
);

both_backends!(report_files_read_back, |app| async move {
    let f = fixture(&app).await;
    let sg = app.client_as(Role::SteeringGroup, Some(REGION)).await;

    // PDF: Danish letters, the trial tables, page numbers.
    let (status, ct, pdf) = bytes(&sg, &format!("/reports/regional/{REGION}/report.pdf")).await;
    assert_eq!(status, 200);
    assert_eq!(ct, "application/pdf");
    let text = pulje_pdf::extract_text(&pdf);
    // A cell's wrapped lines come out one after another: joined, they give the cell's text.
    let flat = text.replace('\n', " ");
    assert!(
        text.contains("Evalueringsrapport – Region Midtjylland"),
        "{text}"
    );
    assert!(text.contains("Aarhus Universitetshospital ("), "{text}");
    assert!(text.contains("Regionshospitalet Hammel (1 stk.)"));
    assert!(flat.contains("Øre-, næse- og halskirurgi"), "{text}");
    assert!(flat.contains(TITLE_DANISH), "{text}");
    assert!(flat.contains(&f.agreement_title), "{text}");
    assert!(text.contains("Spasticitetsbehandling"));
    assert!(text.contains("Bilag 4: Økonomisk oversigt"));
    assert!(text.contains("Side 1 af "));
    let pages = text.matches("Side ").count();
    assert!(text.contains(&format!("Side {pages} af {pages}")));

    // XLSX: every trial on one sheet, sheets named after the tables, money in kroner.
    let (status, ct, xlsx) = bytes(&sg, &format!("/reports/regional/{REGION}/report.xlsx")).await;
    assert_eq!(status, 200);
    assert!(ct.contains("spreadsheetml"), "{ct}");
    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).unwrap();
    let names = book.sheet_names();
    assert_eq!(names[0], "Alle forsøg", "{names:?}");
    for name in [
        "Økonomi pr. pulje",
        "Forsøg efter karrierespor",
        "Tillægsniveauer",
    ] {
        assert!(names.contains(&name.to_string()), "{name} in {names:?}");
    }
    assert!(names.iter().all(|n| n.chars().count() <= 31), "{names:?}");
    let sheet = book.worksheet_range("Alle forsøg").unwrap();
    let rows: Vec<Vec<Data>> = sheet.rows().map(|r| r.to_vec()).collect();
    assert_eq!(rows.len(), 9, "a header and eight trials");
    assert_eq!(rows[0][0], Data::String("Nr.".into()));
    assert_eq!(rows[0][6], Data::String("Projekttitel".into()));
    assert_eq!(rows[4][0], Data::Float(4.0));
    assert_eq!(
        rows[4][2],
        Data::String("Aarhus Universitetshospital".into())
    );
    assert_eq!(rows[4][6], Data::String(TITLE_DANISH.into()));
    assert_eq!(rows[3][5], Data::Float(11.0));
    assert_eq!(rows[8][1], Data::String("Puljen".into()));
    assert_eq!(
        rows[8][8],
        Data::String("Forskning og akademisk karriere".into())
    );
    let eco = book.worksheet_range("Økonomi pr. pulje").unwrap();
    let eco: Vec<Vec<Data>> = eco.rows().map(|r| r.to_vec()).collect();
    assert_eq!(eco[0][1], Data::String("Bevilget".into()));
    assert!(eco[0].iter().all(|t| !t.to_string().contains("øre")));
    // Kroner: the øre figure divided by 100 is the same nearest number the writer gives.
    let kroner = |ore: i64| Data::Float(ore as f64 / 100.0);
    for (n, (allocated, committed, paid)) in f.expected_economy.iter().enumerate() {
        assert_eq!(eco[n + 1][1], kroner(*allocated));
        assert_eq!(eco[n + 1][2], kroner(*committed));
        assert_eq!(eco[n + 1][3], kroner(*paid));
        assert_eq!(eco[n + 1][4], kroner(allocated - committed));
    }

    // CSV of one table; JSON with the contract's keys.
    let csv = sg
        .get(&format!("/reports/regional/{REGION}/hospitaler.csv"))
        .await;
    assert_eq!(csv.status, 200);
    assert!(
        csv.body.contains("Regionshospitalet Hammel;1"),
        "{}",
        csv.body
    );
    let j = sg
        .get(&format!("/reports/regional/{REGION}/report.json"))
        .await
        .json();
    for key in [
        "trials_by_hospital",
        "trials_by_area",
        "trials_by_track",
        "doctors_involved",
        "economy",
    ] {
        assert!(j.get(key).is_some(), "{key} missing");
    }
    assert_eq!(
        sg.get(&format!("/reports/regional/{REGION}/report.docx"))
            .await
            .status,
        404
    );
    assert_eq!(
        sg.get(&format!("/reports/regional/{REGION}/nothing.csv"))
            .await
            .status,
        404
    );
    assert_eq!(sg.get("/reports/regional/1099").await.status, 404);
    assert_eq!(
        sg.get(&format!("/reports/regional/{REGION}?programme=ok99"))
            .await
            .status,
        404
    );
});

both_backends!(
    narrative_is_saved_with_a_version_and_audited,
    |app| async move {
        let mut admin = app.client_as(Role::RegionAdmin, Some(REGION)).await;
        let form = admin.get(&format!("/reports/regional/{REGION}/edit")).await;
        assert_eq!(form.status, 200, "{}", form.body);
        assert!(form
            .body
            .contains("<label for=\"text_challenges\">5. Udfordringer</label>"));
        assert_eq!(
            hidden_value(&form.body, "version_challenges").as_deref(),
            Some("0")
        );

        let first = "Mange afdelingslæger manglede tid i klinikken.\n\nDerfor bør tiden afsættes i vagtplanen.";
        let r = admin
            .post_form(
                &format!("/reports/regional/{REGION}/edit"),
                &[
                    ("text_challenges", first),
                    ("version_challenges", "0"),
                    ("text_introduction", ""),
                    ("version_introduction", "0"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(
            r.location(),
            Some(format!("/reports/regional/{REGION}?gemt=1").as_str())
        );
        let page = admin
            .get(&format!("/reports/regional/{REGION}?gemt=1"))
            .await;
        assert!(page.text().contains("Rapportens afsnit er gemt."));
        assert!(page
            .text()
            .contains("Derfor bør tiden afsættes i vagtplanen."));
        let j = admin
            .get(&format!("/api/v1/reports/regional/{REGION}"))
            .await
            .json();
        let challenges = j["texts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["section"] == "challenges")
            .unwrap()
            .clone();
        assert_eq!(challenges["version"], 1);
        assert_eq!(challenges["body"], first);
        // An unchanged empty section is not written.
        let intro = j["texts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["section"] == "introduction")
            .unwrap()
            .clone();
        assert_eq!(intro["version"], 0);

        // The audit entry, in the same transaction as the text.
        let mut conn = app.db.conn().await.unwrap();
        let filter = pulje_store::audit::Filter {
            entity: Some("report_text".into()),
            entity_id: Some(format!("ok21/{REGION}/challenges")),
            ..Default::default()
        };
        let entries = pulje_store::audit::list(&mut conn, &filter, 10)
            .await
            .unwrap();
        drop(conn);
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].action, "create");
        assert_eq!(entries[0].region_code.map(|r| r.get()), Some(REGION));
        assert!(entries[0]
            .after_json
            .as_deref()
            .unwrap()
            .contains("vagtplanen"));
        assert_eq!(entries[0].actor, admin.user().email);

        // A second administrator saves from the same old version: refused, text kept, stored shown.
        let mut other = app.client_as(Role::RegionAdmin, Some(REGION)).await;
        let mine = "Min egen tekst om udfordringerne, skrevet samtidig.";
        let r = other
            .post_form(
                &format!("/reports/regional/{REGION}/edit"),
                &[("text_challenges", mine), ("version_challenges", "0")],
            )
            .await;
        assert_eq!(r.status, 409, "{}", r.body);
        assert_eq!(
            textarea_value(&r.body, "text_challenges").as_deref(),
            Some(mine)
        );
        let err = field_error(&r.body, "text_challenges").expect("a message at the field");
        assert!(
            err.contains("5. Udfordringer") && err.contains("ændret af en anden"),
            "{err}"
        );
        assert!(
            r.text().contains("Derfor bør tiden afsættes i vagtplanen."),
            "the stored text is shown"
        );
        assert_eq!(
            hidden_value(&r.body, "version_challenges").as_deref(),
            Some("1")
        );
        // Saving again from the version now shown goes through.
        let r = other
            .post_form(
                &format!("/reports/regional/{REGION}/edit"),
                &[("text_challenges", mine), ("version_challenges", "1")],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let j = admin
            .get(&format!("/api/v1/reports/regional/{REGION}"))
            .await
            .json();
        let challenges = j["texts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["section"] == "challenges")
            .unwrap()
            .clone();
        assert_eq!(challenges["version"], 2);
        assert_eq!(challenges["body"], mine);
        let pdf = bytes(&admin, &format!("/reports/regional/{REGION}/report.pdf"))
            .await
            .2;
        assert!(pulje_pdf::extract_text(&pdf).contains(mine));

        // Who may not write: applicant and steering group (403), another region's admin (404),
        // the national viewer (403).
        for role in [Role::Applicant, Role::SteeringGroup] {
            let mut c = app.client_as(role, Some(REGION)).await;
            assert_eq!(
                c.get(&format!("/reports/regional/{REGION}/edit"))
                    .await
                    .status,
                403,
                "{role:?}"
            );
            let r = c
                .post_form(
                    &format!("/reports/regional/{REGION}/edit"),
                    &[("text_challenges", "x"), ("version_challenges", "2")],
                )
                .await;
            assert_eq!(r.status, 403, "{role:?}: {}", r.body);
        }
        let mut foreign = app.client_as(Role::RegionAdmin, Some(NORDJYLLAND)).await;
        assert_eq!(
            foreign
                .get(&format!("/reports/regional/{REGION}/edit"))
                .await
                .status,
            404
        );
        let r = foreign
            .post_form(
                &format!("/reports/regional/{REGION}/edit"),
                &[("text_challenges", "x"), ("version_challenges", "2")],
            )
            .await;
        assert_eq!(r.status, 404);
        let nv = app.client_as(Role::NationalViewer, None).await;
        assert_eq!(
            nv.get(&format!("/reports/regional/{REGION}/edit"))
                .await
                .status,
            403
        );
        // Nothing of theirs was written.
        let j = admin
            .get(&format!("/api/v1/reports/regional/{REGION}"))
            .await
            .json();
        assert_eq!(
            j["texts"]
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["section"] == "challenges")
                .unwrap()["version"],
            2
        );
    }
);

both_backends!(who_sees_which_report, |app| async move {
    let _f = fixture(&app).await;
    let regional_paths = [
        format!("/reports/regional/{REGION}"),
        format!("/reports/regional/{REGION}/report.pdf"),
        format!("/reports/regional/{REGION}/report.xlsx"),
        format!("/reports/regional/{REGION}/report.json"),
        format!("/reports/regional/{REGION}/omraader.csv"),
        format!("/reports/regional/{REGION}/edit"),
        format!("/api/v1/reports/regional/{REGION}"),
    ];
    // Users of another region: 404 everywhere, whatever their role.
    for role in [
        Role::RegionAdmin,
        Role::SteeringGroup,
        Role::Applicant,
        Role::Leader,
    ] {
        let c = app.client_as(role, Some(NORDJYLLAND)).await;
        for path in &regional_paths {
            assert_eq!(c.get(path).await.status, 404, "{role:?} {path}");
        }
    }
    // An applicant of the region may not read the region's report.
    let applicant = app.client_as(Role::Applicant, Some(REGION)).await;
    assert_eq!(
        applicant
            .get(&format!("/reports/regional/{REGION}"))
            .await
            .status,
        403
    );
    assert_eq!(
        applicant
            .get(&format!("/api/v1/reports/regional/{REGION}"))
            .await
            .status,
        403
    );
    assert!(
        !applicant
            .get("/applications")
            .await
            .body
            .contains("href=\"/reports\""),
        "no nav link"
    );
    // Region roles read their own report, not the national view.
    for role in [
        Role::RegionAdmin,
        Role::WorkingGroup,
        Role::UnionRep,
        Role::Leader,
    ] {
        let c = app.client_as(role, Some(REGION)).await;
        assert_eq!(
            c.get(&format!("/reports/regional/{REGION}")).await.status,
            200,
            "{role:?}"
        );
        assert_eq!(c.get("/reports/national").await.status, 403, "{role:?}");
        assert_eq!(
            c.get("/reports/national/report.json").await.status,
            403,
            "{role:?}"
        );
        assert_eq!(
            c.get("/api/v1/reports/national").await.status,
            403,
            "{role:?}"
        );
        let index = c.get("/reports").await;
        assert_eq!(index.status, 200);
        assert!(index.body.contains(&format!("/reports/regional/{REGION}")));
        assert!(!index.body.contains("/reports/regional/1081"));
        assert!(!index.body.contains("/reports/national"));
    }

    // The national viewer sees every region side by side.
    let nv = app.client_as(Role::NationalViewer, None).await;
    let page = nv.get("/reports/national").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let text = page.text();
    for name in [
        "Region Nordjylland",
        "Region Midtjylland",
        "Region Syddanmark",
        "Region Hovedstaden",
        "Region Sjælland",
    ] {
        assert!(text.contains(name), "{name}");
    }
    assert!(page
        .body
        .contains("<th scope=\"row\">Region Midtjylland</th>"));
    assert!(table_rows(&page.body).iter().any(|r| r
        == &vec![
            "Region Midtjylland".to_string(),
            "8".into(),
            "25".into(),
            "4 af 8".into()
        ]));
    let j = nv
        .get("/api/v1/reports/national?programme=ok21")
        .await
        .json();
    let regions = j["regions"].as_array().unwrap();
    assert_eq!(regions.len(), 5);
    let midt = regions.iter().find(|r| r["region_code"] == REGION).unwrap();
    assert_eq!(midt["trials"], 8);
    assert_eq!(midt["doctors_involved"], 25);
    assert_eq!(
        midt["evaluation_coverage"],
        json!({ "evaluated": 4, "trials": 8 })
    );
    assert_eq!(counts(&midt["trials_by_track"])["research"], 1);
    let pool = app.pool_status(REGION).await;
    assert_eq!(
        midt["allocated_ore"],
        pool.iter().map(|p| p.amount_ore.ore()).sum::<i64>()
    );
    assert_eq!(
        midt["committed_ore"],
        pool.iter().map(|p| p.committed_ore.ore()).sum::<i64>()
    );
    assert_eq!(
        midt["paid_ore"],
        pool.iter().map(|p| p.paid_ore.ore()).sum::<i64>()
    );
    let nord = regions
        .iter()
        .find(|r| r["region_code"] == NORDJYLLAND)
        .unwrap();
    assert_eq!(nord["trials"], 0);
    assert_eq!(nord["allocated_ore"], 2 * 384_321_900_i64);
    assert_eq!(nord["unused_ore"], 2 * 384_321_900_i64);
    assert_eq!(j["total"]["trials"], 8);
    let mut conn = app.db.conn().await.unwrap();
    let all_pools: i64 = pulje_store::programmes::pools(&mut conn, "ok21", None)
        .await
        .unwrap()
        .iter()
        .map(|p| p.amount_ore.ore())
        .sum();
    drop(conn);
    assert_eq!(j["total"]["allocated_ore"], all_pools);
    // Every table as CSV and the workbook.
    for table in ["oekonomi", "forsoeg", "omraader", "karrierespor", "type"] {
        let r = nv.get(&format!("/reports/national/{table}.csv")).await;
        assert_eq!(r.status, 200, "{table}");
        assert!(r.body.contains("Region Midtjylland"), "{table}: {}", r.body);
    }
    let csv = nv.get("/reports/national/karrierespor.csv").await.body;
    assert!(
        csv.contains("Forskning og akademisk karriere;0;1;0;0;0;1"),
        "{csv}"
    );
    let (status, _, xlsx) = bytes(&nv, "/reports/national/report.xlsx").await;
    assert_eq!(status, 200);
    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).unwrap();
    let forsoeg: Vec<Vec<Data>> = book
        .worksheet_range("Forsøg og afdelingslæger")
        .unwrap()
        .rows()
        .map(|r| r.to_vec())
        .collect();
    let midt_row = forsoeg
        .iter()
        .find(|r| r[0] == Data::String("Region Midtjylland".into()))
        .unwrap();
    assert_eq!(midt_row[1], Data::Float(8.0));
    assert_eq!(midt_row[3], Data::String("4 af 8".into()));
    let (_, _, pdf) = bytes(&nv, "/reports/national/report.pdf").await;
    let text = pulje_pdf::extract_text(&pdf);
    assert!(
        text.contains("National oversigt") && text.contains("Region Sjælland"),
        "{text}"
    );
    // The national viewer reads any region's report, and the system administrator too.
    assert_eq!(
        nv.get(&format!("/reports/regional/{NORDJYLLAND}"))
            .await
            .status,
        200
    );
    let sys = app.client_as(Role::Admin, None).await;
    assert_eq!(sys.get("/reports/national").await.status, 200);
    assert_eq!(
        sys.get(&format!("/api/v1/reports/regional/{REGION}"))
            .await
            .status,
        200
    );
});

// A region with more trials at one hospital than the report's page shows: the page shows the
// first 200 and says so; the JSON (like the PDF and spreadsheet) has them all.
both_backends!(the_report_page_cuts_a_long_list, |app| async move {
    let rows: Vec<NewTrial> = (1..=230)
        .map(|n| {
            row(
                n,
                "Regionshospitalet Gødstrup",
                "Medicinsk afdeling",
                AREA_SPECIALIST,
                1,
                &format!("Langt forsøg nr. {n}"),
                false,
            )
        })
        .collect();
    let mut tx = app.db.begin().await.unwrap();
    trials::import(
        &mut tx,
        &pulje_store::Actor::system("test"),
        "ok21",
        rc(REGION),
        "liste.csv",
        &rows,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let admin = app.client_as(Role::RegionAdmin, Some(REGION)).await;
    let page = admin.get(&format!("/reports/regional/{REGION}")).await;
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(
        html.contains("Siden viser de første 200 af 230."),
        "the cut is announced"
    );
    assert!(html.contains("Langt forsøg nr. 200<"));
    assert!(
        !html.contains("Langt forsøg nr. 201<"),
        "the rest is left to the files"
    );

    let json = admin
        .get(&format!("/api/v1/reports/regional/{REGION}"))
        .await
        .json();
    assert_eq!(json["trials"].as_array().map(Vec::len), Some(230));
});

both_backends!(
    only_afdelingslaeger_are_counted_and_a_trial_counts_under_each_area,
    |app| async move {
        let author = app.user(Role::Applicant, Some(REGION)).await;
        let areas = app.area_ids(REGION).await;
        let mut input = app
            .complete_input(
                REGION,
                "Fælles forløb",
                TIER_MEDIUM,
                "2022-06-01",
                "2023-05-31",
            )
            .await;
        input.participants = [
            "Afdelingslæge",
            "Kommunal sygeplejerske",
            "afd. læge",
            "1. reservelæge",
        ]
        .iter()
        .enumerate()
        .map(|(n, role)| pulje_domain::ParticipantInput {
            name: format!("Deltager {n}"),
            role: role.to_string(),
            receives_supplement: n == 0,
        })
        .collect();
        input.area_ids = vec![areas[0].to_string(), areas[1].to_string()];
        let id = app.approved_application(&author, REGION, &input).await;

        let sg = app.client_as(Role::SteeringGroup, Some(REGION)).await;
        let r = sg
            .get(&format!("/api/v1/reports/regional/{REGION}?programme=ok21"))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let j: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        let trial = j["trials"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["application_id"] == id)
            .expect("the approved application is a trial")
            .clone();
        // Two of the four participants are afdelingslæger; the nurse and the registrar are not.
        assert_eq!(trial["doctor_count"], 2, "{trial}");
        assert_eq!(j["doctors_involved"], 2);
        // The one trial counts under both its areas, and the report says why the sum is two.
        assert_eq!(trial["areas"].as_array().map(Vec::len), Some(2), "{trial}");
        let counted: i64 = j["area_counts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["count"].as_i64().unwrap())
            .sum();
        assert_eq!((j["trial_count"].as_i64(), counted), (Some(1), 2));
        let note = j["area_note"]
            .as_str()
            .expect("a note beside the area table");
        assert!(note.contains("(2)") && note.contains("(1)"), "{note}");
        let page = sg.get(&format!("/reports/regional/{REGION}")).await;
        assert!(
            page.body.contains("tælles under hvert af dem"),
            "the page shows the note"
        );
    }
);

both_backends!(
    the_programme_page_explains_shares_that_do_not_add_up,
    |app| async move {
        let admin = app.client_as(Role::RegionAdmin, Some(REGION)).await;
        let page = admin.get("/programmes/ok21").await;
        assert_eq!(page.status, 200);
        // OK21's regional shares were agreed as amounts that add up to 89 kr. more than each
        // 40 mio. kr. tranche; the page says so in words instead of leaving two totals.
        let said = format!(
            "summer til {}, {} mere end puljens samlede beløb på {}.",
            pulje_domain::Ore::from_kr(40_000_089)
                .unwrap()
                .to_kr_string(),
            pulje_domain::Ore::from_kr(89).unwrap().to_kr_string(),
            pulje_domain::Ore::from_kr(40_000_000)
                .unwrap()
                .to_kr_string(),
        );
        assert_eq!(
            unescape(&page.body).matches(&said).count(),
            2,
            "{}",
            page.body
        );
    }
);

both_backends!(
    the_national_view_places_each_regions_areas_under_the_national_ones,
    |app| async move {
        let _f = fixture(&app).await;
        let nv = app.client_as(Role::NationalViewer, None).await;
        let national = |j: &serde_json::Value| {
            let midt = j["regions"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["region_code"] == REGION)
                .unwrap()
                .clone();
            counts(&midt["trials_by_national_area"])
        };
        let j = nv
            .get("/api/v1/reports/national?programme=ok21")
            .await
            .json();
        assert_eq!(
            j["national_areas"].as_array().map(Vec::len),
            Some(8),
            "six national areas, then the unplaced and the not stated"
        );
        // Named like a national area (by name or short name): placed without anybody's help.
        // Brobygger (1 trial) and Forbedring (2) are the region's own.
        let placed = national(&j);
        assert_eq!(placed.get("Faglig specialist"), Some(&3), "{placed:?}");
        assert_eq!(placed.get("Digitalisering"), Some(&1));
        assert_eq!(
            placed.get("Ikke placeret under et nationalt område"),
            Some(&3)
        );
        assert_eq!(placed.get("Ikke oplyst"), Some(&1));
        let unplaced: Vec<String> = j["unplaced_areas"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| format!("{}={}", u["area"].as_str().unwrap(), u["trials"]))
            .collect();
        assert_eq!(
            unplaced,
            vec![format!("{AREA_BRIDGE}=1"), format!("{AREA_IMPROVE}=2")]
        );
        let page = nv.get("/reports/national").await;
        assert!(page
            .text()
            .contains("endnu ikke placeret under et nationalt område"));

        // The region's administrator places Forbedring under Kvalitetssikring.
        let improve = app.area_ids(REGION).await[2];
        let mut admin = app.client_as(Role::RegionAdmin, Some(REGION)).await;
        let form = admin
            .get(&format!("/admin/areas?region={REGION}&ret={improve}"))
            .await;
        assert!(
            form.body.contains("name=\"national_area\""),
            "{}",
            form.body
        );
        let bad = admin
            .post_form(
                &format!("/admin/areas/{improve}"),
                &[
                    ("name", AREA_IMPROVE),
                    ("short_name", "Forbedring"),
                    ("national_area", "Noget andet"),
                ],
            )
            .await;
        assert_eq!(bad.status, 422);
        assert!(unescape(&bad.body)
            .contains("«Noget andet» er ikke et af programmets nationale områder"));
        let ok = admin
            .post_form(
                &format!("/admin/areas/{improve}"),
                &[
                    ("name", AREA_IMPROVE),
                    ("short_name", "Forbedring"),
                    ("national_area", "Kvalitetssikring"),
                ],
            )
            .await;
        assert_eq!(ok.status, 303, "{}", ok.body);
        let j = nv
            .get("/api/v1/reports/national?programme=ok21")
            .await
            .json();
        let placed = national(&j);
        assert_eq!(placed.get("Kvalitetssikring"), Some(&2), "{placed:?}");
        assert_eq!(
            placed.get("Ikke placeret under et nationalt område"),
            Some(&1)
        );
        assert_eq!(j["unplaced_areas"].as_array().map(Vec::len), Some(1));
        // Audited: who placed it, from what to what.
        let mut conn = app.db.conn().await.unwrap();
        let entries = pulje_store::audit::list(
            &mut conn,
            &pulje_store::audit::Filter {
                entity: Some("area".into()),
                entity_id: Some(improve.to_string()),
                ..Default::default()
            },
            10,
        )
        .await
        .unwrap();
        assert!(
            entries
                .iter()
                .any(|e| format!("{e:?}").contains("Kvalitetssikring")),
            "{entries:?}"
        );
    }
);
