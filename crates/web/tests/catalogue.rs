//! The idea catalogue: Danish word forms, filters, the regions' opt-out, and an index that
//! follows the text; plus the public programme page.

#[macro_use]
mod common;

use common::*;
use pulje_domain::{ApplicationStatus, Role};
use pulje_store::{applications, trials};

/// An approved (active) agreement in `region` with `purpose` and `department`.
async fn approved(
    app: &TestApp,
    by: &TestUser,
    region: i64,
    title: &str,
    purpose: &str,
    department: &str,
) -> i64 {
    let mut input = app
        .complete_input(region, title, TIER_MEDIUM, "2022-06-01", "2023-12-31")
        .await;
    input.purpose = purpose.into();
    // The fixture's own description says "leder", which the Danish stemmer joins with "ledelse".
    input.description = "Afdelingslægen får et nyt ansvar.".into();
    input.hospital_department = department.into();
    input.area_ids = vec![neutral_area(app, region).await.to_string()];
    let a = app.application(by, region, &input).await;
    app.set_status(i64::from(a.id), ApplicationStatus::Active, None)
        .await;
    i64::from(a.id)
}

/// An area whose name shares no word with the test texts (area names are indexed too).
async fn neutral_area(app: &TestApp, region: i64) -> i64 {
    let mut conn = app.db.conn().await.unwrap();
    let areas = pulje_store::programmes::areas(&mut conn, "ok21", Some(rc(region)))
        .await
        .unwrap();
    i64::from(
        areas
            .iter()
            .find(|a| {
                let n = a.name.to_lowercase();
                ![
                    "ledel", "forsk", "simul", "uddann", "akut", "digital", "kvalitet",
                ]
                .iter()
                .any(|w| n.contains(w))
            })
            .map(|a| a.id)
            .expect("a neutral area"),
    )
}

async fn titles(c: &Client, query: &str) -> Vec<String> {
    let r = c.get(&format!("/api/v1/catalogue?{query}")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mut t: Vec<String> = r.json()["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["title"].as_str().unwrap().to_string())
        .collect();
    t.sort();
    t
}

both_backends!(danish_word_forms_and_filters, |app| async move {
    let doctor = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
    let a = approved(
        &app,
        &doctor,
        MIDTJYLLAND,
        "Akutmodtagelsen",
        "At styrke ledelsen af akutmodtagelsen om natten.",
        "Akutafdelingen",
    )
    .await;
    approved(
        &app,
        &doctor,
        MIDTJYLLAND,
        "Uddannelsesansvar",
        "Afdelingslægen overtager ledelses- og uddannelsesopgaver.",
        "Kirurgisk afdeling",
    )
    .await;
    approved(
        &app,
        &doctor,
        MIDTJYLLAND,
        "Simulation",
        "Simulationstræning for yngre læger.",
        "Medicinsk afdeling",
    )
    .await;
    approved(
        &app,
        &doctor,
        MIDTJYLLAND,
        "Forskningsdag",
        "Et forskningsprojekt om smerte.",
        "Medicinsk afdeling",
    )
    .await;
    approved(
        &app,
        &doctor,
        MIDTJYLLAND,
        "Ambulatoriet",
        "Nye ledelsesopgaver i ambulatoriet.",
        "Medicinsk afdeling",
    )
    .await;
    // A draft is not in the catalogue, whatever it says.
    let mut input = app
        .complete_input(
            MIDTJYLLAND,
            "Kladde om ledelse",
            TIER_MEDIUM,
            "2022-06-01",
            "2023-12-31",
        )
        .await;
    input.purpose = "Ledelse".into();
    app.application(&doctor, MIDTJYLLAND, &input).await;

    let c = app.client_as(Role::Applicant, Some(NORDJYLLAND)).await;
    assert_eq!(
        titles(&c, "q=ledelse").await,
        vec!["Akutmodtagelsen", "Ambulatoriet", "Uddannelsesansvar"]
    );
    assert_eq!(
        titles(&c, "q=Ledelsen").await,
        vec!["Akutmodtagelsen", "Uddannelsesansvar"],
        "a typed inflection finds its stem, not compounds"
    );
    assert_eq!(titles(&c, "q=forskning").await, vec!["Forskningsdag"]);
    assert_eq!(
        titles(&c, "q=ledelse+akutmodtagelse").await,
        vec!["Akutmodtagelsen"],
        "all words must match"
    );
    assert!(titles(&c, "q=kardiologi").await.is_empty());
    assert_eq!(titles(&c, "").await.len(), 5);

    // Filters: specialty from the department's name, hospital, area, career track.
    assert_eq!(
        titles(&c, "specialty=Kirurgisk").await,
        vec!["Uddannelsesansvar"]
    );
    assert_eq!(
        titles(&c, "specialty=Medicinsk&q=simulation").await,
        vec!["Simulation"]
    );
    let hospital = app.get_application(a).await.hospital_name.unwrap();
    assert_eq!(
        titles(&c, &format!("hospital={}", hospital.replace(' ', "+")))
            .await
            .len(),
        5
    );
    assert_eq!(titles(&c, "hospital=Intet+hospital").await.len(), 0);
    let mut conn = app.db.conn().await.unwrap();
    let area: String = sqlx::query_scalar("SELECT ar.name FROM application_areas aa JOIN areas ar ON ar.id = aa.area_id WHERE aa.application_id = $1")
        .bind(a)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    assert_eq!(
        titles(&c, &format!("area={}", area.replace(' ', "+")))
            .await
            .len(),
        5
    );
    assert!(titles(&c, "track=leadership").await.is_empty());
    let mut d = app.login(&doctor).await;
    let r = d
        .post_form(
            &format!("/applications/{a}/evaluation"),
            &[
                ("version", "0"),
                ("action", "submit"),
                ("purposes_met", "yes"),
                ("gained_text", "Meget"),
                ("effect_text", "God"),
                ("development_percent", "20"),
                ("recommendation", "continue"),
                ("career_track", "leadership"),
                ("trial_type", "individual"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        titles(&c, "track=leadership").await,
        vec!["Akutmodtagelsen"]
    );

    // The page: purpose, track, department and the contact.
    let r = c.get("/idekatalog?q=ledelse").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r
        .body
        .contains("At styrke ledelsen af akutmodtagelsen om natten."));
    assert!(r.body.contains("Klinisk ledelse og administration"));
    assert!(r.body.contains(&doctor.user.name) && r.body.contains("Akutafdelingen"));
    // The reader is of another region and the doctor has not consented: no e-mail
    // (tests/need_to_know.rs).
    assert!(!r.body.contains(&doctor.email));
    assert!(!r.body.contains("Simulationstræning"));
});

both_backends!(
    a_region_that_opts_out_is_seen_only_by_its_own_users,
    |app| async move {
        let doctor = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        approved(
            &app,
            &doctor,
            MIDTJYLLAND,
            "Midtjysk ledelse",
            "Ledelsen af sengeafsnittet.",
            "Medicinsk afdeling",
        )
        .await;
        let north = app.client_as(Role::Applicant, Some(NORDJYLLAND)).await;
        let own = app.client_as(Role::WorkingGroup, Some(MIDTJYLLAND)).await;
        let national = app.client_as(Role::NationalViewer, None).await;
        assert_eq!(titles(&north, "q=ledelse").await, vec!["Midtjysk ledelse"]);

        // Only the region's administrator may change it.
        let mut other_admin = app.client_as(Role::RegionAdmin, Some(NORDJYLLAND)).await;
        assert_eq!(
            other_admin
                .post_form(
                    &format!("/regions/{MIDTJYLLAND}/idekatalog"),
                    &[("opt_out", "1")]
                )
                .await
                .status,
            404
        );
        let mut admin = app.client_as(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
        let r = admin
            .post_form(
                &format!("/regions/{MIDTJYLLAND}/idekatalog"),
                &[("opt_out", "1")],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);

        assert!(
            titles(&north, "q=ledelse").await.is_empty(),
            "hidden from other regions"
        );
        assert!(north.get("/idekatalog").await.body.contains("0 forsøg"));
        assert_eq!(
            titles(&own, "q=ledelse").await,
            vec!["Midtjysk ledelse"],
            "seen by its own users"
        );
        assert_eq!(
            titles(&national, "q=ledelse").await,
            vec!["Midtjysk ledelse"],
            "national roles see all"
        );
        let mut conn = app.db.conn().await.unwrap();
        let audited = pulje_store::audit::list(
            &mut conn,
            &pulje_store::audit::Filter {
                entity: Some("programme_region".into()),
                ..Default::default()
            },
            10,
        )
        .await
        .unwrap();
        assert!(audited.iter().any(|e| e.action == "catalogue_opt_out"));
        drop(conn);

        let r = admin
            .post_form(&format!("/regions/{MIDTJYLLAND}/idekatalog"), &[])
            .await;
        assert_eq!(r.status, 303);
        assert_eq!(titles(&north, "q=ledelse").await, vec!["Midtjysk ledelse"]);
    }
);

both_backends!(
    the_index_follows_the_text_and_historic_trials_are_found,
    |app| async move {
        let doctor = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let mut input = app
            .complete_input(
                MIDTJYLLAND,
                "Kvalitetsarbejde",
                TIER_MEDIUM,
                "2022-06-01",
                "2023-12-31",
            )
            .await;
        input.purpose = "Kvalitetsarbejdet i ambulatoriet.".into();
        let a = app.application(&doctor, MIDTJYLLAND, &input).await;
        // The text changes before approval.
        input.title = "Digitalisering".into();
        input.purpose = "Digitaliseringen af ambulatoriets booking.".into();
        let mut conn = app.db.conn().await.unwrap();
        let rules = pulje_store::programmes::rules(&mut conn, "ok21", rc(MIDTJYLLAND))
            .await
            .unwrap();
        drop(conn);
        let data = input.validate(&rules).unwrap();
        let mut tx = app.db.begin().await.unwrap();
        applications::update(&mut tx, &doctor.actor(), a.id, a.version, &data)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let c = app.client_as(Role::Leader, Some(MIDTJYLLAND)).await;
        assert!(
            titles(&c, "q=digitalisering").await.is_empty(),
            "not approved yet"
        );
        app.set_status(i64::from(a.id), ApplicationStatus::Active, None)
            .await;
        assert_eq!(titles(&c, "q=digitalisering").await, vec!["Digitalisering"]);
        assert!(
            titles(&c, "q=kvalitetsarbejde").await.is_empty(),
            "the old text is gone"
        );
        app.set_status(i64::from(a.id), ApplicationStatus::Withdrawn, None)
            .await;
        assert!(
            titles(&c, "q=digitalisering").await.is_empty(),
            "withdrawn leaves the catalogue"
        );

        let admin = app.user(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
        let mut tx = app.db.begin().await.unwrap();
        trials::import(
            &mut tx,
            &admin.actor(),
            "ok21",
            rc(MIDTJYLLAND),
            "liste.pdf",
            &[trials::NewTrial {
                number: 1,
                hospital: "Aalborg Universitetshospital".into(),
                department: "Ortopædkirurgi".into(),
                area: "Ledelse".into(),
                doctor_count: 1,
                title: "Ledelsesudvikling for afdelingslæger".into(),
                evaluation_attached: true,
            }],
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let r = c.get("/api/v1/catalogue?q=ledelse").await;
        let e = &r.json()["entries"][0];
        assert_eq!(e["title"], "Ledelsesudvikling for afdelingslæger");
        assert_eq!(e["kind"], "historic");
        assert_eq!(e["specialty"], "Ortopædkirurgi");
        assert_eq!(
            e["contact_email"],
            admin.email.as_str(),
            "the region's administrator is the contact"
        );
    }
);
