//! An agreement's life after approval, straight through the store on both backends: it ends by
//! itself when its end date has passed, and an amendment either replaces its terms (and asks
//! for new signatures) or, rejected, leaves the earlier version in force. And the reports' data
//! version: it stays while an application is on its way and grows from its approval on.

use chrono::NaiveDate;
use pulje_domain::workflow::Action;
use pulje_domain::{
    ApplicationData, ApplicationId, ApplicationInput, ApplicationStatus, AreaId, Email, HospitalId,
    Ore, ParticipantInput, RegionCode, Role,
};
use pulje_store::applications::{self, Placement};
use pulje_store::users::{self, NewUser, User};
use pulje_store::workflow::{self, Step};
use pulje_store::{amendments, audit, money, programmes, versions, Actor, Db, Tx};
use pulje_testkit::{on_both_backends, TestDb};

const MIDT: RegionCode = RegionCode::MIDTJYLLAND;

fn d(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

struct World {
    db: Db,
    applicant: User,
    working: User,
    steering: User,
    leader: User,
    union: User,
    region: User,
}

async fn world(fresh: &TestDb) -> World {
    let db = fresh.db().await;
    let mut tx = db.begin().await.unwrap();
    let mut make = Vec::new();
    for (who, role) in [
        ("ansoeger", Role::Applicant),
        ("ag", Role::WorkingGroup),
        ("sg", Role::SteeringGroup),
        ("leder", Role::Leader),
        ("tr", Role::UnionRep),
        ("region", Role::RegionAdmin),
    ] {
        let new = NewUser {
            email: Email::parse(&format!("{who}@midt.example")).unwrap(),
            name: format!("Test {who}"),
            role,
            region: Some(MIDT),
            password: "et langt kodeord".into(),
        };
        make.push(
            users::create(&mut tx, &Actor::system("test"), &new)
                .await
                .unwrap(),
        );
    }
    tx.commit().await.unwrap();
    let mut it = make.into_iter();
    World {
        db,
        applicant: it.next().unwrap(),
        working: it.next().unwrap(),
        steering: it.next().unwrap(),
        leader: it.next().unwrap(),
        union: it.next().unwrap(),
        region: it.next().unwrap(),
    }
}

/// An application's fields: at the region's `hospital`th hospital, in its `areas`th areas,
/// from `start` to `end`.
async fn fields(
    tx: &mut Tx<'_>,
    hospital: usize,
    areas: &[usize],
    start: &str,
    end: &str,
) -> ApplicationData {
    let rules = programmes::rules(tx, "ok21", MIDT).await.unwrap();
    let hospital = pulje_store::org::hospitals(tx, Some(MIDT)).await.unwrap()[hospital].id;
    let all_areas = programmes::areas(tx, "ok21", Some(MIDT)).await.unwrap();
    let input = ApplicationInput {
        hospital_id: hospital.to_string(),
        hospital_department: "Testhospital, Testafdeling".into(),
        title: "Afdelingslæge som koordinator for testforløb".into(),
        responsible_leader: "Leder".into(),
        responsible_doctor: "Læge".into(),
        purpose: "Formål".into(),
        description: "Beskrivelse".into(),
        content: "Indhold".into(),
        organisation: "Organisering".into(),
        area_argument: "Begrundelse".into(),
        area_ids: areas.iter().map(|i| all_areas[*i].id.to_string()).collect(),
        supplement_ore: "3500000".into(),
        start_date: start.into(),
        end_date: end.into(),
        participants: vec![ParticipantInput {
            name: "Læge".into(),
            role: "Afdelingslæge".into(),
            receives_supplement: true,
        }],
        ..Default::default()
    };
    input.validate(&rules).unwrap()
}

/// An application from `start` to `end`, a draft.
async fn draft(w: &World, start: &str, end: &str) -> ApplicationId {
    let mut tx = w.db.begin().await.unwrap();
    let data = fields(&mut tx, 0, &[0], start, end).await;
    let place = Placement {
        programme_id: "ok21",
        region_code: MIDT,
        created_by: Some(w.applicant.id),
        doctor_user_id: Some(w.applicant.id),
        imported: false,
    };
    let app = applications::create(
        &mut tx,
        &Actor::user(w.applicant.id, &w.applicant.email),
        &place,
        &data,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    app.id
}

fn sign() -> Step {
    Step::sign(pulje_store::signing::Authentication::Password)
}

/// The region's administrator binds the four parties to the world's signers.
async fn bind(w: &World, id: ApplicationId) {
    pulje_testkit::bind_parties(
        &w.db,
        &w.region,
        id,
        [&w.leader, &w.applicant, &w.union, &w.region],
    )
    .await;
}

fn approve() -> Step {
    let mut approve = Step::new(Action::Approve);
    approve.tier_ore = Some(Ore::from_ore(3_500_000));
    approve
}

/// Takes each step in its own transaction.
async fn take(w: &World, id: ApplicationId, steps: Vec<(&User, Step)>) {
    for (user, step) in steps {
        let mut tx = w.db.begin().await.unwrap();
        workflow::take(&mut tx, user, id, &step, d("2022-03-01"))
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
}

/// Submitted by the applicant and forwarded by the working group.
async fn submit_and_forward(w: &World, id: ApplicationId) {
    take(
        w,
        id,
        vec![
            (&w.applicant, Step::new(Action::Submit)),
            (&w.working, Step::new(Action::Forward)),
        ],
    )
    .await;
}

/// Takes a draft through to an active agreement with the 35.000 kr. tier.
async fn activate(w: &World, id: ApplicationId) {
    submit_and_forward(w, id).await;
    take(w, id, vec![(&w.steering, approve())]).await;
    bind(w, id).await;
    take(
        w,
        id,
        vec![
            (&w.leader, sign()),
            (&w.applicant, sign()),
            (&w.union, sign()),
            (&w.region, sign()),
        ],
    )
    .await;
}

/// An active agreement from `start` to `end` with the 35.000 kr. tier.
async fn active_agreement(w: &World, start: &str, end: &str) -> ApplicationId {
    let id = draft(w, start, end).await;
    activate(w, id).await;
    id
}

/// (every view's version, the reports' version) of the region.
async fn versions_of(w: &World) -> (i64, i64) {
    let mut conn = w.db.conn().await.unwrap();
    (
        versions::of_region(&mut conn, MIDT).await.unwrap(),
        versions::of_region_reports(&mut conn, MIDT).await.unwrap(),
    )
}

async fn reports_follow_only_what_they_show(fresh: TestDb) {
    let w = world(&fresh).await;
    let start = versions_of(&w).await;

    // A draft written, submitted and forwarded: the counts change, the reports cannot.
    let id = draft(&w, "2022-04-01", "2023-03-31").await;
    submit_and_forward(&w, id).await;
    let on_its_way = versions_of(&w).await;
    assert_eq!(on_its_way.0, start.0 + 3, "three changes counted");
    assert_eq!(on_its_way.1, start.1, "none of them reaches the reports");

    // Approved, and then signed: each reaches the reports.
    take(&w, id, vec![(&w.steering, approve())]).await;
    let approved = versions_of(&w).await;
    assert!(approved.0 > on_its_way.0);
    assert!(approved.1 > on_its_way.1, "{approved:?} vs {on_its_way:?}");
    bind(&w, id).await;
    take(&w, id, vec![(&w.leader, sign())]).await;
    let signed = versions_of(&w).await;
    assert!(signed.1 > approved.1, "{signed:?} vs {approved:?}");
}

/// The counts the dashboards read (kept by the database's triggers) equal the applications
/// counted anew, for the region and for all regions.
async fn assert_counts_match(db: &Db) {
    let mut conn = db.conn().await.unwrap();
    for region in [Some(MIDT), None] {
        let filter = match region {
            Some(r) => format!("region_code = {r}"),
            None => "region_code IS NOT NULL".into(),
        };
        let pairs = |counts: Vec<applications::Count>| -> Vec<(String, i64)> {
            let mut v: Vec<(String, i64)> = counts.into_iter().map(|c| (c.key, c.count)).collect();
            v.sort();
            v
        };
        let direct = |sql: String| {
            let sql = sql.replace("{filter}", &filter);
            async move {
                let mut conn = db.conn().await.unwrap();
                let mut v: Vec<(String, i64)> =
                    sqlx::query_as(&sql).fetch_all(&mut *conn).await.unwrap();
                v.sort();
                v
            }
        };
        assert_eq!(
            pairs(applications::count_by_status(&mut conn, "ok21", region).await.unwrap()),
            direct("SELECT status, COUNT(*) FROM applications WHERE programme_id = 'ok21' AND {filter} GROUP BY status".into()).await
        );
        assert_eq!(
            pairs(applications::count_by_area(&mut conn, "ok21", region).await.unwrap()),
            direct("SELECT ar.name, COUNT(*) FROM areas ar JOIN application_areas aa ON aa.area_id = ar.id \
                    WHERE ar.programme_id = 'ok21' AND ar.{filter} GROUP BY ar.name".into()).await
        );
        assert_eq!(
            pairs(applications::count_by_hospital(&mut conn, "ok21", region).await.unwrap()),
            direct("SELECT COALESCE(h.name, '(ikke angivet)'), COUNT(*) FROM applications a LEFT JOIN hospitals h ON h.id = a.hospital_id \
                    WHERE a.programme_id = 'ok21' AND a.{filter} GROUP BY COALESCE(h.name, '(ikke angivet)')".into()).await
        );
    }
    // Every area link carries its application's region and hospital (migration 0008).
    let misplaced: i64 = sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM application_areas aa JOIN applications a ON a.id = aa.application_id \
         WHERE aa.region_code <> a.region_code OR aa.hospital_id <> COALESCE(a.hospital_id, 0)",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert_eq!(misplaced, 0);
    assert_list_totals_match(db).await;
}

/// The lists' totals (read from the kept counts where the filter allows, else counted) equal the
/// rows counted anew, and a page past the end gives the last page.
async fn assert_list_totals_match(db: &Db) {
    let mut conn = db.conn().await.unwrap();
    let count = |sql: String| async move {
        let mut conn = db.conn().await.unwrap();
        let n: i64 = sqlx::query_scalar(&format!(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM applications a WHERE {sql}"
        ))
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        n
    };
    let hospitals: Vec<i64> = sqlx::query_scalar("SELECT id FROM hospitals WHERE region_code = $1")
        .bind(MIDT.get())
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    let area: i64 = sqlx::query_scalar("SELECT MIN(id) FROM areas WHERE region_code = $1")
        .bind(MIDT.get())
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    let region = applications::ListFilter {
        region_code: Some(MIDT),
        ..Default::default()
    };
    let mut cases = vec![
        (applications::ListFilter::default(), "1 = 1".to_string()),
        (region.clone(), format!("a.region_code = {MIDT}")),
        (
            applications::ListFilter {
                programme_id: Some("ok21".into()),
                ..region.clone()
            },
            format!("a.region_code = {MIDT} AND a.programme_id = 'ok21'"),
        ),
        // Counted, not kept: an area, a title and an author are not among the counts' keys.
        (
            applications::ListFilter {
                area_id: Some(AreaId::new(area)),
                ..region.clone()
            },
            format!("a.region_code = {MIDT} AND a.id IN (SELECT application_id FROM application_areas WHERE area_id = {area})"),
        ),
        (
            applications::ListFilter {
                text: Some("a".into()),
                ..region.clone()
            },
            format!("a.region_code = {MIDT} AND LOWER(a.title) LIKE '%a%'"),
        ),
    ];
    for status in ApplicationStatus::ALL {
        cases.push((
            applications::ListFilter {
                status: Some(status),
                ..region.clone()
            },
            format!(
                "a.region_code = {MIDT} AND a.status = '{}'",
                status.as_str()
            ),
        ));
    }
    let areas: Vec<i64> = sqlx::query_scalar("SELECT id FROM areas WHERE region_code = $1")
        .bind(MIDT.get())
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    for hospital in hospitals.iter().copied().chain([0]) {
        cases.push((
            applications::ListFilter {
                hospital_id: Some(HospitalId::new(hospital)),
                ..region.clone()
            },
            format!("a.region_code = {MIDT} AND a.hospital_id = {hospital}"),
        ));
        // With an area: from the area links (with or without a region), or counted (with a
        // status).
        for &area in &areas {
            let in_area = format!(
                "a.hospital_id = {hospital} AND a.id IN (SELECT application_id FROM application_areas WHERE area_id = {area})"
            );
            let both = applications::ListFilter {
                hospital_id: Some(HospitalId::new(hospital)),
                area_id: Some(AreaId::new(area)),
                ..Default::default()
            };
            cases.push((both.clone(), in_area.clone()));
            cases.push((
                applications::ListFilter {
                    region_code: Some(MIDT),
                    ..both.clone()
                },
                format!("a.region_code = {MIDT} AND {in_area}"),
            ));
            cases.push((
                applications::ListFilter {
                    region_code: Some(MIDT),
                    status: Some(ApplicationStatus::Draft),
                    ..both
                },
                format!("a.region_code = {MIDT} AND a.status = 'draft' AND {in_area}"),
            ));
        }
    }
    for (filter, sql) in cases {
        let expected = count(sql.clone()).await;
        let (rows, total) = applications::list(&mut conn, &filter, 1, 2).await.unwrap();
        assert_eq!(total, expected, "{sql}");
        assert_eq!(rows.len() as i64, expected.min(2), "{sql}");
        // Far past the end: the last page, with the same total.
        let (last, total) = applications::list(&mut conn, &filter, 1000, 1)
            .await
            .unwrap();
        assert_eq!(total, expected, "{sql}");
        assert_eq!(last.len() as i64, expected.min(1), "{sql}");
        if let Some(row) = last.first() {
            let oldest: i64 =
                sqlx::query_scalar(&format!("SELECT MIN(a.id) FROM applications a WHERE {sql}"))
                    .fetch_one(&mut *conn)
                    .await
                    .unwrap();
            assert_eq!(row.id.get(), oldest, "{sql}");
        }
    }
}

async fn the_counts_follow_every_change(fresh: TestDb) {
    let w = world(&fresh).await;
    assert_counts_match(&w.db).await;
    let first = draft(&w, "2022-04-01", "2023-03-31").await;
    let second = draft(&w, "2022-04-01", "2023-03-31").await;
    let third = draft(&w, "2022-04-01", "2023-03-31").await;
    assert_counts_match(&w.db).await;

    // Another hospital and other areas for the second.
    let mut tx = w.db.begin().await.unwrap();
    let data = fields(&mut tx, 1, &[1, 2], "2022-04-01", "2023-03-31").await;
    let version = applications::get(&mut tx, second)
        .await
        .unwrap()
        .unwrap()
        .version;
    applications::update(
        &mut tx,
        &Actor::user(w.applicant.id, &w.applicant.email),
        second,
        version,
        &data,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_counts_match(&w.db).await;

    // Moved along; one approved and signed.
    submit_and_forward(&w, second).await;
    activate(&w, first).await;
    assert_counts_match(&w.db).await;

    // Another writer moves the third to another hospital and back to none, areas untouched.
    for hospital in [
        "(SELECT MAX(id) FROM hospitals WHERE region_code = 1082)",
        "NULL",
    ] {
        sqlx::query(&format!(
            "UPDATE applications SET hospital_id = {hospital} WHERE id = $1"
        ))
        .bind(third.get())
        .execute(&mut *w.db.conn().await.unwrap())
        .await
        .unwrap();
        assert_counts_match(&w.db).await;
    }

    // Ended by the daily job; a draft deleted with its areas; a change rolled back.
    let mut tx = w.db.begin().await.unwrap();
    assert_eq!(
        workflow::end_expired(&mut tx, d("2023-04-01"))
            .await
            .unwrap(),
        1
    );
    sqlx::query("DELETE FROM applications WHERE id = $1")
        .bind(third.get())
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = w.db.begin().await.unwrap();
    workflow::take(&mut tx, &w.steering, second, &approve(), d("2022-03-01"))
        .await
        .unwrap();
    drop(tx);
    assert_counts_match(&w.db).await;
}

/// The per-month summary the dashboards read equals the sums of the underlying rows.
async fn assert_pool_summary_matches(db: &Db) {
    let mut conn = db.conn().await.unwrap();
    let summary: Vec<(String, i64, i64)> =
        sqlx::query_as("SELECT month, committed_ore, paid_ore FROM pool_months WHERE region_code = $1 ORDER BY month")
            .bind(MIDT.get())
            .fetch_all(&mut *conn)
            .await
            .unwrap();
    let committed: Vec<(String, i64)> = sqlx::query_as(
        "SELECT month, CAST(SUM(amount_ore) AS BIGINT) FROM agreement_months WHERE region_code = $1 GROUP BY month ORDER BY month",
    )
    .bind(MIDT.get())
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let nonzero: Vec<(String, i64)> = summary
        .iter()
        .filter(|(_, c, _)| *c != 0)
        .map(|(m, c, _)| (m.clone(), *c))
        .collect();
    assert_eq!(nonzero, committed);
    assert!(summary.iter().all(|(_, c, p)| *c >= 0 && *p >= 0));
}

async fn ends_when_its_end_date_has_passed(fresh: TestDb) {
    let w = world(&fresh).await;
    let id = active_agreement(&w, "2022-04-01", "2023-06-30").await;

    let mut tx = w.db.begin().await.unwrap();
    assert_eq!(
        workflow::end_expired(&mut tx, d("2023-06-30"))
            .await
            .unwrap(),
        0,
        "not on its last day"
    );
    assert_eq!(
        workflow::end_expired(&mut tx, d("2023-07-01"))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        workflow::end_expired(&mut tx, d("2023-07-02"))
            .await
            .unwrap(),
        0,
        "only once"
    );
    tx.commit().await.unwrap();

    let mut conn = w.db.conn().await.unwrap();
    let app = applications::get(&mut conn, id).await.unwrap().unwrap();
    assert_eq!(app.status, ApplicationStatus::Ended);
    let entries = audit::list(
        &mut conn,
        &audit::Filter {
            entity_id: Some(id.to_string()),
            ..Default::default()
        },
        5,
    )
    .await
    .unwrap();
    assert_eq!(entries[0].action, "ended");
    assert_eq!(entries[0].actor, "system");
    // Its money stays committed: it ran its course.
    assert_eq!(
        money::agreement_months(&mut conn, id).await.unwrap().len(),
        15
    );
}

async fn a_rejected_amendment_leaves_the_agreement_in_force(fresh: TestDb) {
    let w = world(&fresh).await;
    let id = active_agreement(&w, "2022-04-01", "2023-12-31").await;
    let mut conn = w.db.conn().await.unwrap();
    let before = applications::get(&mut conn, id).await.unwrap().unwrap();
    let months_before = money::agreement_months(&mut conn, id).await.unwrap();
    let rules = programmes::rules(&mut conn, "ok21", MIDT).await.unwrap();
    drop(conn);

    let mut amended = before.data.to_input();
    amended.end_date = "2023-06-30".into();
    amended.supplement_ore = "5000000".into();
    let amended = amended.validate(&rules).unwrap();
    let mut tx = w.db.begin().await.unwrap();
    // Only the region's administrator or the applicant may propose it.
    assert!(
        amendments::propose(&mut tx, &w.union, id, before.version, &amended)
            .await
            .is_err()
    );
    let proposed = amendments::propose(&mut tx, &w.region, id, before.version, &amended)
        .await
        .unwrap();
    assert_eq!(proposed.status, ApplicationStatus::ReadyForDecision);
    assert_eq!(proposed.data.end_date(), Some(d("2023-06-30")));
    let mut reject = Step::new(Action::Reject);
    reject.reason = "Forlængelsen er ikke begrundet".into();
    let after = workflow::take(&mut tx, &w.steering, id, &reject, d("2023-01-10"))
        .await
        .unwrap();
    tx.commit().await.unwrap();

    assert_eq!(
        after.status,
        ApplicationStatus::Active,
        "the earlier version is in force again"
    );
    assert_eq!(after.data.end_date(), before.data.end_date());
    assert_eq!(after.data.supplement_ore(), before.data.supplement_ore());
    let mut conn = w.db.conn().await.unwrap();
    assert_eq!(
        money::agreement_months(&mut conn, id).await.unwrap(),
        months_before
    );
    assert_eq!(
        workflow::signed_parties(&mut conn, id).await.unwrap().len(),
        4,
        "signatures stand"
    );
    let history = amendments::history(&mut conn, id).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].resolution, "rejected");
    drop(conn);
    assert_pool_summary_matches(&w.db).await;
}

async fn an_approved_amendment_replaces_the_terms_and_needs_new_signatures(fresh: TestDb) {
    let w = world(&fresh).await;
    let id = active_agreement(&w, "2022-04-01", "2023-12-31").await;
    let mut conn = w.db.conn().await.unwrap();
    let before = applications::get(&mut conn, id).await.unwrap().unwrap();
    let rules = programmes::rules(&mut conn, "ok21", MIDT).await.unwrap();
    drop(conn);

    let mut amended = before.data.to_input();
    amended.end_date = "2023-03-31".into();
    let amended = amended.validate(&rules).unwrap();
    let mut tx = w.db.begin().await.unwrap();
    amendments::propose(&mut tx, &w.applicant, id, before.version, &amended)
        .await
        .unwrap();
    let mut approve = Step::new(Action::Approve);
    approve.tier_ore = Some(Ore::from_ore(5_000_000));
    let after = workflow::take(&mut tx, &w.steering, id, &approve, d("2023-01-10"))
        .await
        .unwrap();
    tx.commit().await.unwrap();

    assert_eq!(after.status, ApplicationStatus::AwaitingSignatures);
    assert_eq!(after.granted_ore, Some(Ore::from_ore(5_000_000)));
    let mut conn = w.db.conn().await.unwrap();
    assert!(workflow::signed_parties(&mut conn, id)
        .await
        .unwrap()
        .is_empty());
    let months = money::agreement_months(&mut conn, id).await.unwrap();
    assert_eq!(months.len(), 12, "April 2022 to March 2023");
    // 50,000 kr. a year by cumulative rounding: each month within one øre of 4,166.67 kr., the
    // twelve together exactly 50,000 kr.
    assert!(months
        .iter()
        .all(|(_, amount)| [416_666, 416_667].contains(&amount.ore())));
    let status = money::pool_status(&mut conn, "ok21", MIDT).await.unwrap();
    assert_eq!(status[0].committed_ore, Ore::from_kr(50_000).unwrap());
    assert_eq!(
        status[1].committed_ore,
        Ore::ZERO,
        "nothing left in the second tranche"
    );
    assert_eq!(
        amendments::history(&mut conn, id).await.unwrap()[0].resolution,
        "approved"
    );
}

on_both_backends!(
    ends_when_its_end_date_has_passed,
    a_rejected_amendment_leaves_the_agreement_in_force,
    an_approved_amendment_replaces_the_terms_and_needs_new_signatures,
    reports_follow_only_what_they_show,
    the_counts_follow_every_change,
);
