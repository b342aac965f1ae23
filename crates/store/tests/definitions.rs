//! Programme definitions in the database: OK21 set up from its shipped file, the examples set up
//! from theirs, and the versioning rules.

use pulje_domain::programme::{Definition, SHIPPED};
use pulje_domain::{ApplicationInput, Ore, RegionCode};
use pulje_store::applications::{self, Placement};
use pulje_store::{definitions, programmes, reference, Actor, StoreError};
use pulje_testkit::{on_both_backends, TestDb};

fn shipped(id: &str) -> Definition {
    let (_, text) = SHIPPED.iter().find(|(i, _)| *i == id).unwrap();
    Definition::from_toml(text).unwrap()
}

async fn ok21_is_set_up_from_its_definition(fresh: TestDb) {
    let db = fresh.db().await;
    let mut conn = db.conn().await.unwrap();
    let def = reference::ok21().unwrap();
    assert_eq!(
        definitions::latest(&mut conn, "ok21").await.unwrap(),
        Some(def.clone())
    );
    assert_eq!(definitions::versions(&mut conn, "ok21").await.unwrap(), [1]);

    let programme = programmes::get(&mut conn, "ok21").await.unwrap().unwrap();
    assert_eq!(programme.name, def.name);
    assert_eq!(programme.window_end.to_string(), "2024-03-31");
    let tranches = programmes::tranches(&mut conn, "ok21").await.unwrap();
    let names: Vec<&str> = tranches.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["1. pulje (2022)", "2. pulje (2023)"]);
    assert!(tranches
        .iter()
        .all(|t| t.national_amount_ore == Ore::from_ore(4_000_000_000)));
    // Each region's pool is its line of the table, in each tranche.
    let pools: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT p.region_code, p.amount_ore FROM pools p JOIN tranches t ON t.id = p.tranche_id \
         WHERE t.programme_id = 'ok21' AND t.number = 2 ORDER BY p.region_code",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    assert_eq!(
        pools,
        [
            (1081, 384_321_900),
            (1082, 894_490_800),
            (1083, 801_285_100),
            (1084, 1_437_572_400),
            (1085, 482_338_700)
        ]
    );
    let ends: Vec<(i64, String)> = sqlx::query_as(
        "SELECT region_code, latest_end FROM programme_regions WHERE programme_id = 'ok21' ORDER BY region_code",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    assert_eq!(
        ends,
        [
            (1081, "2024-03-31".to_string()),
            (1082, "2023-12-31".to_string())
        ]
    );
    let areas = programmes::areas(&mut conn, "ok21", Some(RegionCode::NORDJYLLAND))
        .await
        .unwrap();
    let shorts: Vec<&str> = areas.iter().map(|a| a.short_name.as_str()).collect();
    assert_eq!(
        shorts,
        [
            "Forskning",
            "Uddannelse",
            "Kvalitet",
            "Ledelse",
            "Faglig ekspert",
            "Digitalisering"
        ]
    );
    let checklist = pulje_store::review::items(&mut conn, "ok21").await.unwrap();
    assert_eq!(checklist.len(), def.review.checklist.len());
    assert_eq!(checklist[0].text, def.review.checklist[0]);

    // A database that set OK21 up before definitions were stored gets version 1 at the next
    // migration, and nothing is set up twice.
    sqlx::query("DELETE FROM programme_definitions")
        .execute(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    db.migrate().await.unwrap();
    let mut conn = db.conn().await.unwrap();
    assert_eq!(definitions::versions(&mut conn, "ok21").await.unwrap(), [1]);
    assert_eq!(
        programmes::tranches(&mut conn, "ok21").await.unwrap().len(),
        2
    );
}

async fn the_examples_are_set_up_from_their_files(fresh: TestDb) {
    let db = fresh.db().await;
    let mut tx = db.begin().await.unwrap();
    let actor = Actor::system("test");
    for id in ["sundhedsklynger-2022", "almen-praksis-efteruddannelse"] {
        let done = definitions::install(&mut tx, &actor, &shipped(id))
            .await
            .unwrap();
        assert!(done.set_up, "{id}");
        assert_eq!(done.version, 1);
    }
    tx.commit().await.unwrap();
    let mut conn = db.conn().await.unwrap();
    let clusters = programmes::tranches(&mut conn, "sundhedsklynger-2022")
        .await
        .unwrap();
    assert_eq!(
        clusters[0].national_amount_ore,
        Ore::from_kr(80_000_000).unwrap()
    );
    // The clusters' split is manual and the fund is no region: neither has pools yet.
    let pools: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM pools p JOIN tranches t ON t.id = p.tranche_id WHERE t.programme_id <> 'ok21'",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert_eq!(pools, 0);
    let logged: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE entity = 'programme' AND action = 'install_definition' \
         AND entity_id IN ('sundhedsklynger-2022', 'almen-praksis-efteruddannelse') AND actor = 'test'",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert_eq!(logged, 2);
    assert_eq!(
        definitions::latest(&mut conn, "almen-praksis-efteruddannelse")
            .await
            .unwrap()
            .unwrap()
            .transition("appeal")
            .unwrap()
            .within_days,
        Some(42)
    );
}

async fn a_version_must_be_newer_and_keep_the_states_in_use(fresh: TestDb) {
    let db = fresh.db().await;
    let actor = Actor::system("test");
    let mut tx = db.begin().await.unwrap();
    match definitions::install(&mut tx, &actor, &reference::ok21().unwrap()).await {
        Err(StoreError::Conflict(m)) => assert!(m.contains("version 2 eller højere"), "{m}"),
        other => panic!("{other:?}"),
    }
    drop(tx);

    // A draft in OK21.
    let mut tx = db.begin().await.unwrap();
    let rules = programmes::rules(&mut tx, "ok21", RegionCode::MIDTJYLLAND)
        .await
        .unwrap();
    let input = ApplicationInput {
        title: "Kladde om vagtplaner".into(),
        ..Default::default()
    };
    let data = input.validate(&rules).unwrap();
    let place = Placement {
        programme_id: "ok21",
        region_code: RegionCode::MIDTJYLLAND,
        created_by: None,
        doctor_user_id: None,
        imported: false,
    };
    let app = applications::create(&mut tx, &actor, &place, &data)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // Version 2 calls the first state "kladde": the draft would have no state.
    let (_, text) = SHIPPED[0];
    let renamed = text
        .replace("version = 1", "version = 2")
        .replace("\"draft\"", "\"kladde\"");
    let v2 = Definition::from_toml(&renamed).unwrap();
    let mut tx = db.begin().await.unwrap();
    match definitions::install(&mut tx, &actor, &v2).await {
        Err(StoreError::Refused(m)) => {
            assert!(m.contains("«draft»"), "{m}");
            assert!(
                m.contains(&format!("nr. {} «Kladde om vagtplaner»", app.id)),
                "{m}"
            );
        }
        other => panic!("{other:?}"),
    }
    drop(tx);

    // A version 2 that keeps the states is stored and becomes the newest.
    let kept = Definition::from_toml(&text.replace("version = 1", "version = 2").replace(
        "name = \"OK21 Afdelingslægeprojektet\"",
        "name = \"OK21 (version 2)\"",
    ))
    .unwrap();
    let mut tx = db.begin().await.unwrap();
    let done = definitions::install(&mut tx, &actor, &kept).await.unwrap();
    assert!(!done.set_up);
    tx.commit().await.unwrap();
    let mut conn = db.conn().await.unwrap();
    assert_eq!(
        definitions::versions(&mut conn, "ok21").await.unwrap(),
        [1, 2]
    );
    let newest = definitions::latest(&mut conn, "ok21")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(newest.name, "OK21 (version 2)");
}

async fn the_demo_sets_up_the_examples_with_people_in_their_bodies(fresh: TestDb) {
    let db = fresh.db().await;
    pulje_store::demo::ensure(&db).await.unwrap();
    // A second start gives new passwords and sets up nothing twice.
    pulje_store::demo::ensure(&db).await.unwrap();
    let mut conn = db.conn().await.unwrap();
    for id in ["sundhedsklynger-2022", "almen-praksis-efteruddannelse"] {
        assert_eq!(
            definitions::versions(&mut conn, id).await.unwrap(),
            [1],
            "{id}"
        );
    }
    let seats =
        pulje_store::programme_applications::seats(&mut conn, "almen-praksis-efteruddannelse")
            .await
            .unwrap();
    let seated: Vec<(&str, &str)> = seats
        .iter()
        .map(|s| (s.body_id.as_str(), s.email.as_str()))
        .collect();
    assert_eq!(
        seated,
        [
            ("ce_steering_group", "styregruppe@demo.pulje.dk"),
            ("medical_consultant", "leder@demo.pulje.dk")
        ]
    );
}

on_both_backends!(
    the_demo_sets_up_the_examples_with_people_in_their_bodies,
    ok21_is_set_up_from_its_definition,
    the_examples_are_set_up_from_their_files,
    a_version_must_be_newer_and_keep_the_states_in_use,
);
