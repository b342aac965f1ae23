//! Data versions on both backends: an audited change bumps its region's version (and every
//! view across regions), a national change bumps every region's, and a change that is rolled
//! back bumps nothing.

use pulje_domain::{Email, RegionCode, Role};
use pulje_store::trials::{self, NewTrial};
use pulje_store::users::{self, NewUser};
use pulje_store::{review, sessions, versions, Actor, Db};
use pulje_testkit::{on_both_backends, TestDb};

const NORD: RegionCode = RegionCode::NORDJYLLAND;
const MIDT: RegionCode = RegionCode::MIDTJYLLAND;

fn trial(number: i64) -> NewTrial {
    NewTrial {
        number,
        hospital: "Sygehus Nord".into(),
        department: "Ortopædkirurgisk".into(),
        area: "Ledelse".into(),
        doctor_count: 1,
        title: format!("Forsøg {number}"),
        evaluation_attached: false,
    }
}

async fn snapshot(db: &Db) -> (i64, i64, i64) {
    let mut conn = db.conn().await.unwrap();
    (
        versions::of_region(&mut conn, NORD).await.unwrap(),
        versions::of_region(&mut conn, MIDT).await.unwrap(),
        versions::of_all(&mut conn).await.unwrap(),
    )
}

async fn audited_changes_bump_their_region(fresh: TestDb) {
    let db = fresh.db().await;
    let actor = Actor::system("test");
    let start = snapshot(&db).await;

    // Rolled back: the change and its version bump go together.
    let mut tx = db.begin().await.unwrap();
    trials::import(&mut tx, &actor, "ok21", NORD, "liste.csv", &[trial(1)])
        .await
        .unwrap();
    drop(tx);
    assert_eq!(snapshot(&db).await, start);

    // Committed in Nordjylland: its version and the all-regions version grow, Midtjylland's not.
    let mut tx = db.begin().await.unwrap();
    trials::import(&mut tx, &actor, "ok21", NORD, "liste.csv", &[trial(1)])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let after_nord = snapshot(&db).await;
    assert!(after_nord.0 > start.0, "{after_nord:?} vs {start:?}");
    assert_eq!(after_nord.1, start.1);
    assert!(after_nord.2 > start.2);

    // A national change (no region) makes every region's views out of date.
    let mut tx = db.begin().await.unwrap();
    review::add_item(&mut tx, &actor, "ok21", "Et nyt punkt på tjeklisten")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let after_national = snapshot(&db).await;
    assert!(after_national.0 > after_nord.0);
    assert!(after_national.1 > after_nord.1);
    assert!(after_national.2 > after_nord.2);
}

/// The versions a session is read with are the ones read on their own, for a regional and a
/// national user, before and after a change.
async fn sessions_carry_the_versions(fresh: TestDb) {
    let db = fresh.db().await;
    let actor = Actor::system("test");
    let mut tx = db.begin().await.unwrap();
    let mut tokens = Vec::new();
    for (who, role, region) in [
        ("region", Role::RegionAdmin, Some(NORD)),
        ("national", Role::NationalViewer, None),
    ] {
        let user = users::create(
            &mut tx,
            &actor,
            &NewUser {
                email: Email::parse(&format!("{who}@versions.example")).unwrap(),
                name: who.into(),
                role,
                region,
                password: "et langt kodeord".into(),
            },
        )
        .await
        .unwrap();
        tokens.push(sessions::create(&mut tx, user.id).await.unwrap().0);
    }
    tx.commit().await.unwrap();
    let check = || async {
        let mut conn = db.conn().await.unwrap();
        let all = versions::of_all(&mut conn).await.unwrap();
        let nord = versions::of_region(&mut conn, NORD).await.unwrap();
        let nord_reports = versions::of_region_reports(&mut conn, NORD).await.unwrap();
        let regional = sessions::find(&mut conn, &tokens[0], std::time::Duration::from_secs(3600))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            regional.versions,
            versions::Known {
                region_code: Some(NORD),
                all,
                region: nord,
                region_reports: nord_reports,
            }
        );
        assert_eq!(regional.versions.of_region(NORD), Some(nord));
        assert_eq!(regional.versions.of_region(MIDT), None);
        assert_eq!(
            regional.versions.of_region_reports(NORD),
            Some(nord_reports)
        );
        let national = sessions::find(&mut conn, &tokens[1], std::time::Duration::from_secs(3600))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(national.versions.all, all);
        assert_eq!(national.versions.of_region(NORD), None);
        all
    };
    let before = check().await;
    let mut tx = db.begin().await.unwrap();
    trials::import(&mut tx, &actor, "ok21", NORD, "liste.csv", &[trial(1)])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(check().await > before);
}

on_both_backends!(
    audited_changes_bump_their_region,
    sessions_carry_the_versions
);
