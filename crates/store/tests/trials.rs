//! Historic trials and attachments, straight through the store on both backends: a list is
//! imported in one transaction, a corrected list updates rows by number, a list that repeats a
//! number stores nothing, and an attachment's bytes come back exactly.

use pulje_domain::{ApplicationId, RegionCode, TrialId};
use pulje_store::attachments::{self, NewAttachment, Owner, Purpose};
use pulje_store::trials::{self, NewTrial};
use pulje_store::{audit, Actor, StoreError};
use pulje_testkit::{on_both_backends, TestDb};

const NORD: RegionCode = RegionCode::NORDJYLLAND;

fn row(number: i64, hospital: &str, doctors: i64) -> NewTrial {
    NewTrial {
        number,
        hospital: hospital.into(),
        department: "Kardiologisk".into(),
        area: "Ledelse".into(),
        doctor_count: doctors,
        title: format!("Forsøg {number}"),
        evaluation_attached: number % 2 == 0,
    }
}

async fn import_updates_by_number_and_refuses_repeats(fresh: TestDb) {
    let db = fresh.db().await;
    let actor = Actor::system("test");

    let mut tx = db.begin().await.unwrap();
    let first = trials::import(
        &mut tx,
        &actor,
        "ok21",
        NORD,
        "liste.csv",
        &[row(1, "Sygehus A", 1), row(2, "Sygehus A", 11)],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!((first.added, first.updated), (2, 0));

    let mut tx = db.begin().await.unwrap();
    let second = trials::import(
        &mut tx,
        &actor,
        "ok21",
        NORD,
        "rettet.csv",
        &[row(2, "Sygehus B", 5), row(3, "Sygehus B", 1)],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!((second.added, second.updated), (1, 1));

    let mut conn = db.conn().await.unwrap();
    let list = trials::list(&mut conn, "ok21", NORD).await.unwrap();
    let summary: Vec<_> = list
        .iter()
        .map(|t| {
            (
                t.number,
                t.hospital.as_str(),
                t.doctor_count,
                t.source.as_str(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (1, "Sygehus A", 1, "liste.csv"),
            (2, "Sygehus B", 5, "rettet.csv"),
            (3, "Sygehus B", 1, "rettet.csv"),
        ]
    );
    assert!(trials::list(&mut conn, "ok21", RegionCode::MIDTJYLLAND)
        .await
        .unwrap()
        .is_empty());
    drop(conn);

    // A list that repeats a number is refused whole.
    let mut tx = db.begin().await.unwrap();
    let refused = trials::import(
        &mut tx,
        &actor,
        "ok21",
        NORD,
        "dobbelt.csv",
        &[row(4, "Sygehus C", 1), row(4, "Sygehus C", 2)],
    )
    .await;
    assert!(matches!(refused, Err(StoreError::Refused(m)) if m.contains("nr. 4")));
    drop(tx);
    let mut conn = db.conn().await.unwrap();
    assert_eq!(
        trials::list(&mut conn, "ok21", NORD).await.unwrap().len(),
        3
    );

    // Every row's import and update is in the audit log.
    let entries = audit::list(
        &mut conn,
        &audit::Filter {
            entity: Some("historic_trial".into()),
            ..Default::default()
        },
        100,
    )
    .await
    .unwrap();
    assert_eq!(entries.len(), 4);
}

async fn attachment_bytes_round_trip(fresh: TestDb) {
    let db = fresh.db().await;
    let actor = Actor::system("test");
    let mut tx = db.begin().await.unwrap();
    trials::import(&mut tx, &actor, "ok21", NORD, "l.csv", &[row(7, "S", 1)])
        .await
        .unwrap();
    let trial_id: i64 = sqlx::query_scalar("SELECT id FROM historic_trials WHERE number = 7")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    let bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let saved = attachments::insert(
        &mut tx,
        &actor,
        NewAttachment {
            region_code: NORD,
            owner: Owner::HistoricTrial(TrialId::new(trial_id)),
            purpose: Purpose::Evaluation,
            file_name: "evaluering æøå.pdf",
            content_type: "application/pdf",
            data: &bytes,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(saved.size_bytes, 70_000);
    assert_eq!(saved.sha256.len(), 64);

    let mut conn = db.conn().await.unwrap();
    assert_eq!(
        attachments::data(&mut conn, saved.id).await.unwrap(),
        Some(bytes)
    );
    let listed = attachments::list(&mut conn, Owner::HistoricTrial(TrialId::new(trial_id)))
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].file_name, "evaluering æøå.pdf");
    assert!(
        attachments::list(&mut conn, Owner::Application(ApplicationId::new(trial_id)))
            .await
            .unwrap()
            .is_empty()
    );
}

on_both_backends!(
    import_updates_by_number_and_refuses_repeats,
    attachment_bytes_round_trip,
);
