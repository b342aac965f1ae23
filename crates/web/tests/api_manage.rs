//! The API's write endpoints for the reference data: hospitals, departments, areas, tiers,
//! rounds and users. `admin` writes in every region, a `region_admin` in their own (another
//! region answers 404), other roles get 403; every change leaves its audit entry.

#[macro_use]
mod common;

use common::*;
use pulje_domain::{Role, UserId};
use pulje_store::audit::{self, Entry};
use reqwest::Method;
use serde_json::{json, Value};

const NON_ADMIN_ROLES: [Role; 5] = [
    Role::Applicant,
    Role::Leader,
    Role::WorkingGroup,
    Role::SteeringGroup,
    Role::UnionRep,
];

/// The audit entries of one object, newest first.
async fn audit_of(app: &TestApp, entity: &str, id: i64) -> Vec<Entry> {
    let mut conn = app.db.conn().await.expect("conn");
    let filter = audit::Filter {
        entity: Some(entity.into()),
        entity_id: Some(id.to_string()),
        ..Default::default()
    };
    audit::list(&mut conn, &filter, 1000)
        .await
        .expect("audit::list")
}

/// Every audit entry of the reference data and users (API tokens left out), newest first.
async fn changes(app: &TestApp) -> Vec<Entry> {
    let mut conn = app.db.conn().await.expect("conn");
    audit::list(&mut conn, &audit::Filter::default(), 100_000)
        .await
        .expect("audit::list")
        .into_iter()
        .filter(|e| {
            ["hospital", "department", "area", "tier", "round", "user"].contains(&e.entity.as_str())
        })
        .collect()
}

/// Asserts `entries` start with an entry of `action` by `by` in `region`; returns it.
fn expect_entry(entries: &[Entry], action: &str, by: &TestUser, region: Option<i64>) -> Entry {
    let e = entries
        .first()
        .unwrap_or_else(|| panic!("no audit entry for {action}"));
    assert_eq!(e.action, action, "{e:?}");
    assert_eq!(e.user_id.map(|u| u.get()), Some(by.id()), "{e:?}");
    assert_eq!(e.actor, by.email, "{e:?}");
    assert_eq!(e.region_code.map(|r| r.get()), region, "{e:?}");
    e.clone()
}

/// Asserts 201 and returns the created object's JSON.
fn created(r: &Resp, what: &str) -> Value {
    assert_eq!(r.status, 201, "{what}: {}", r.body);
    r.json()
}

/// Asserts 200 and returns the JSON.
fn ok(r: &Resp, what: &str) -> Value {
    assert_eq!(r.status, 200, "{what}: {}", r.body);
    r.json()
}

fn id_of(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}

async fn post(api: &Bearer, path: &str, body: Value) -> Resp {
    api.send_json(Method::POST, path, &body).await
}

async fn put(api: &Bearer, path: &str, body: Value) -> Resp {
    api.send_json(Method::PUT, path, &body).await
}

async fn delete(api: &Bearer, path: &str) -> Resp {
    api.send_json(Method::DELETE, path, &json!({})).await
}

/// The names of a region's hospitals.
async fn hospital_names(app: &TestApp, region: i64) -> Vec<String> {
    let mut conn = app.db.conn().await.expect("conn");
    pulje_store::org::hospitals(&mut conn, Some(rc(region)))
        .await
        .expect("hospitals")
        .into_iter()
        .map(|h| h.name)
        .collect()
}

/// Creates and changes every kind of object through the API as `by`, in `region` (sent as
/// `region_code` when `send_region`), and checks the answers and the audit entries.
async fn manage_everything(app: &TestApp, by: &TestUser, region: i64, send_region: bool) {
    let api = app.bearer(by).await;
    // Names of this call's own, so that the function may run twice in a region.
    let n = by.id();
    let with_region = |mut body: Value| {
        if send_region {
            body["region_code"] = json!(region);
        }
        body
    };

    // A hospital, renamed.
    let h = created(
        &post(
            &api,
            "/api/v1/hospitals",
            with_region(json!({"name": format!("  Sygehus Ærøskøbing {n} ")})),
        )
        .await,
        "POST hospital",
    );
    let hid = id_of(&h);
    assert_eq!(h["name"], format!("Sygehus Ærøskøbing {n}"));
    assert_eq!(h["region_code"], region);
    let e = expect_entry(
        &audit_of(app, "hospital", hid).await,
        "create",
        by,
        Some(region),
    );
    assert!(e
        .after_json
        .unwrap()
        .contains(&format!("Sygehus Ærøskøbing {n}")));
    let h = ok(
        &put(
            &api,
            &format!("/api/v1/hospitals/{hid}"),
            json!({"name": format!("Sygehus Ærø {n}")}),
        )
        .await,
        "PUT hospital",
    );
    assert_eq!(id_of(&h), hid);
    assert_eq!(h["name"], format!("Sygehus Ærø {n}"));
    let e = expect_entry(
        &audit_of(app, "hospital", hid).await,
        "update",
        by,
        Some(region),
    );
    assert!(e
        .before_json
        .unwrap()
        .contains(&format!("Sygehus Ærøskøbing {n}")));
    assert!(e
        .after_json
        .unwrap()
        .contains(&format!("Sygehus Ærø {n}\"")));
    assert!(hospital_names(app, region)
        .await
        .contains(&format!("Sygehus Ærø {n}")));
    let listed = ok(
        &api.get(&format!("/api/v1/hospitals?region={region}")).await,
        "GET hospitals",
    );
    assert!(listed
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["id"] == hid && x["name"] == format!("Sygehus Ærø {n}")));

    // A department of it, renamed.
    let d = created(
        &post(
            &api,
            "/api/v1/departments",
            json!({"hospital_id": hid, "name": "Akutafdelingen"}),
        )
        .await,
        "POST department",
    );
    let did = id_of(&d);
    assert_eq!(d["hospital_id"], hid);
    assert_eq!(d["hospital_name"], format!("Sygehus Ærø {n}"));
    assert_eq!(d["region_code"], region);
    expect_entry(
        &audit_of(app, "department", did).await,
        "create",
        by,
        Some(region),
    );
    let d = ok(
        &put(
            &api,
            &format!("/api/v1/departments/{did}"),
            json!({"name": "Akutmodtagelsen"}),
        )
        .await,
        "PUT department",
    );
    assert_eq!(d["name"], "Akutmodtagelsen");
    expect_entry(
        &audit_of(app, "department", did).await,
        "update",
        by,
        Some(region),
    );

    // An area (programme left out: ok21), changed; the short name defaults to the name.
    let a = created(
        &post(
            &api,
            "/api/v1/areas",
            with_region(json!({"name": format!("Patientsikkerhed {n}"), "short_name": ""})),
        )
        .await,
        "POST area",
    );
    let aid = id_of(&a);
    assert_eq!(a["programme_id"], "ok21");
    assert_eq!(a["region_code"], region);
    assert_eq!(a["short_name"], format!("Patientsikkerhed {n}"));
    expect_entry(
        &audit_of(app, "area", aid).await,
        "create",
        by,
        Some(region),
    );
    let a = ok(
        &put(
            &api,
            &format!("/api/v1/areas/{aid}"),
            json!({"name": format!("Patientsikkerhed og kvalitet {n}"), "short_name": "Sikkerhed"}),
        )
        .await,
        "PUT area",
    );
    assert_eq!(a["name"], format!("Patientsikkerhed og kvalitet {n}"));
    assert_eq!(a["short_name"], "Sikkerhed");
    expect_entry(
        &audit_of(app, "area", aid).await,
        "update",
        by,
        Some(region),
    );
    assert!(app.area_ids(region).await.contains(&aid));

    // A tier, deleted again.
    let t = created(
        &post(
            &api,
            "/api/v1/tiers",
            with_region(json!({"programme": "ok21", "name": "Særlig", "amount_ore": 4_250_050})),
        )
        .await,
        "POST tier",
    );
    let tid = id_of(&t);
    assert_eq!(
        (t["name"].as_str(), t["amount_ore"].as_i64()),
        (Some("Særlig"), Some(4_250_050))
    );
    expect_entry(
        &audit_of(app, "tier", tid).await,
        "create",
        by,
        Some(region),
    );
    let r = delete(&api, &format!("/api/v1/tiers/{tid}")).await;
    assert_eq!(r.status, 204, "DELETE tier: {}", r.body);
    expect_entry(
        &audit_of(app, "tier", tid).await,
        "delete",
        by,
        Some(region),
    );
    let r = delete(&api, &format!("/api/v1/tiers/{tid}")).await;
    expect_refusal(&r, 404, "DELETE a deleted tier");

    // A round, changed.
    let rd = created(
        &post(
            &api,
            "/api/v1/rounds",
            with_region(json!({
                "programme": "ok21",
                "name": "6. runde",
                "opens_on": "2023-03-02",
                "deadline": "2023-05-15"
            })),
        )
        .await,
        "POST round",
    );
    let rid = id_of(&rd);
    assert_eq!(
        (rd["opens_on"].as_str(), rd["deadline"].as_str()),
        (Some("2023-03-02"), Some("2023-05-15"))
    );
    expect_entry(
        &audit_of(app, "round", rid).await,
        "create",
        by,
        Some(region),
    );
    let rd = ok(
        &put(
            &api,
            &format!("/api/v1/rounds/{rid}"),
            json!({"name": "6. runde (forlænget)", "opens_on": "2023-03-02", "deadline": "2023-05-31"}),
        )
        .await,
        "PUT round",
    );
    assert_eq!(rd["name"], "6. runde (forlænget)");
    assert_eq!(rd["deadline"], "2023-05-31");
    expect_entry(
        &audit_of(app, "round", rid).await,
        "update",
        by,
        Some(region),
    );
    assert!(app.round_ids(region).await.contains(&rid));

    // A user of the region, disabled and enabled again.
    let email = format!("ny.laege.{region}.{}@Test.Pulje.dk", by.id());
    let u = created(
        &post(
            &api,
            "/api/v1/users",
            with_region(json!({
                "email": email,
                "name": "Åse Ørsted",
                "role": "applicant",
                "password": "langt-nok-kodeord-1"
            })),
        )
        .await,
        "POST user",
    );
    let uid = id_of(&u);
    assert_eq!(u["email"], email.to_lowercase());
    assert_eq!(u["role"], "applicant");
    assert_eq!(u["region"], region);
    assert_eq!(u["disabled"], false);
    let body = serde_json::to_string(&u).unwrap();
    assert!(
        !body.contains("langt-nok-kodeord-1")
            && !body.contains("argon2")
            && !body.contains("password"),
        "the user's JSON shows the password: {body}"
    );
    let e = expect_entry(
        &audit_of(app, "user", uid).await,
        "create",
        by,
        Some(region),
    );
    assert!(!e.after_json.unwrap_or_default().contains("argon2"));
    let mut browser = app.anonymous();
    let r = browser.login(&email, "langt-nok-kodeord-1").await;
    assert_eq!(r.status, 303, "the new user logs in: {}", r.body);

    let u = ok(
        &post(&api, &format!("/api/v1/users/{uid}/disable"), json!({})).await,
        "disable",
    );
    assert_eq!(u["disabled"], true);
    expect_entry(
        &audit_of(app, "user", uid).await,
        "disable",
        by,
        Some(region),
    );
    let r = app.anonymous().login(&email, "langt-nok-kodeord-1").await;
    assert_ne!(r.status, 303, "a disabled user logs in");
    let u = ok(
        &post(&api, &format!("/api/v1/users/{uid}/enable"), json!({})).await,
        "enable",
    );
    assert_eq!(u["disabled"], false);
    expect_entry(
        &audit_of(app, "user", uid).await,
        "enable",
        by,
        Some(region),
    );
    let listed = ok(&api.get("/api/v1/users").await, "GET users");
    assert!(listed.as_array().unwrap().iter().any(|x| x["id"] == uid));
}

both_backends!(an_admin_manages_every_region, |app| async move {
    let admin = app.user(Role::Admin, None).await;
    manage_everything(&app, &admin, NORDJYLLAND, true).await;
    manage_everything(&app, &admin, MIDTJYLLAND, true).await;

    // The admin also creates national users, and users of any role in any region.
    let api = app.bearer(&admin).await;
    for (role, region) in [
        ("national_viewer", None),
        ("admin", None),
        ("region_admin", Some(1083)),
        ("steering_group", Some(1085)),
    ] {
        let email = format!("{}@national.pulje.dk", role.replace('_', "-"));
        let u = created(
            &post(
                &api,
                "/api/v1/users",
                json!({"email": email, "name": "Ny bruger", "role": role,
                       "region_code": region, "password": "langt-nok-kodeord-2"}),
            )
            .await,
            role,
        );
        assert_eq!(u["role"], role);
        assert_eq!(u["region"], json!(region));
        expect_entry(
            &audit_of(&app, "user", id_of(&u)).await,
            "create",
            &admin,
            region,
        );
    }
    // An area of another programme than the default is refused while the programme is unknown.
    let r = post(
        &api,
        "/api/v1/areas",
        json!({"region_code": 1083, "programme": "ok99", "name": "Forskning"}),
    )
    .await;
    let m = expect_refusal(&r, 422, "unknown programme");
    assert!(m.contains("ok99"), "{m}");
    // A national user is disabled by the admin only.
    let viewer = app.user(Role::NationalViewer, None).await;
    let u = ok(
        &post(
            &api,
            &format!("/api/v1/users/{}/disable", viewer.id()),
            json!({}),
        )
        .await,
        "disable a national viewer",
    );
    assert_eq!(u["disabled"], true);
    expect_entry(
        &audit_of(&app, "user", viewer.id()).await,
        "disable",
        &admin,
        None,
    );
});

both_backends!(a_region_admin_manages_their_own_region, |app| async move {
    let region_admin = app.user(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
    // With region_code given, and left out (the own region).
    manage_everything(&app, &region_admin, MIDTJYLLAND, true).await;
    let other = app.user(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
    manage_everything(&app, &other, MIDTJYLLAND, false).await;

    // Another region administrator of the region may be created, and is then managed too.
    let api = app.bearer(&region_admin).await;
    let u = created(
        &post(
            &api,
            "/api/v1/users",
            json!({"email": "kollega@rm.pulje.dk", "name": "Kollega", "role": "region_admin",
                   "password": "langt-nok-kodeord-3"}),
        )
        .await,
        "POST region_admin",
    );
    assert_eq!(u["region"], MIDTJYLLAND);
    let r = post(
        &api,
        &format!("/api/v1/users/{}/disable", id_of(&u)),
        json!({}),
    )
    .await;
    assert_eq!(ok(&r, "disable the colleague")["disabled"], true);

    // Not the own user, though.
    let r = post(
        &api,
        &format!("/api/v1/users/{}/disable", region_admin.id()),
        json!({}),
    )
    .await;
    let m = expect_refusal(&r, 422, "disable oneself");
    assert!(m.contains("egen bruger"), "{m}");
    let mut conn = app.db.conn().await.unwrap();
    assert!(
        !pulje_store::users::get(&mut conn, UserId::new(region_admin.id()))
            .await
            .unwrap()
            .unwrap()
            .disabled
    );
});

both_backends!(disabling_a_user_ends_their_api_tokens, |app| async move {
    let admin = app.user(Role::Admin, None).await;
    let api = app.bearer(&admin).await;
    let leader = app.user(Role::Leader, Some(MIDTJYLLAND)).await;
    let leader_api = app.bearer(&leader).await;
    assert_eq!(leader_api.get("/api/v1/me").await.status, 200);
    let r = post(
        &api,
        &format!("/api/v1/users/{}/disable", leader.id()),
        json!({}),
    )
    .await;
    ok(&r, "disable");
    assert_eq!(leader_api.get("/api/v1/me").await.status, 401);
    let r = post(&api, "/api/v1/users/999999/disable", json!({})).await;
    expect_refusal(&r, 404, "an unknown user");
});

both_backends!(
    a_region_admin_cannot_touch_another_regions_objects,
    |app| async move {
        let region_admin = app.user(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
        let api = app.bearer(&region_admin).await;
        let admin = app.user(Role::Admin, None).await;
        let admin_api = app.bearer(&admin).await;

        // Region 1081's objects: a hospital and area and round from the seed, a department and
        // tier made by the admin, a user.
        let nord_hospital = app.hospital_ids(NORDJYLLAND).await[0];
        let nord_area = app.area_ids(NORDJYLLAND).await[0];
        let nord_round = app.round_ids(NORDJYLLAND).await[0];
        let d = created(
            &post(
                &admin_api,
                "/api/v1/departments",
                json!({"hospital_id": nord_hospital, "name": "Ortopædkirurgi"}),
            )
            .await,
            "1081 department",
        );
        let nord_department = id_of(&d);
        let t = created(
            &post(
                &admin_api,
                "/api/v1/tiers",
                json!({"region_code": NORDJYLLAND, "name": "Nordjysk trin", "amount_ore": 3_000_000}),
            )
            .await,
            "1081 tier",
        );
        let nord_tier = id_of(&t);
        let nord_user = app.user(Role::Applicant, Some(NORDJYLLAND)).await;
        let hospitals_before = hospital_names(&app, NORDJYLLAND).await;
        let before = changes(&app).await.len();

        let attempts: Vec<(Method, String, Value)> = vec![
            (
                Method::POST,
                "/api/v1/hospitals".into(),
                json!({"region_code": NORDJYLLAND, "name": "Fremmed sygehus"}),
            ),
            (
                Method::PUT,
                format!("/api/v1/hospitals/{nord_hospital}"),
                json!({"name": "Overtaget"}),
            ),
            (
                Method::POST,
                "/api/v1/departments".into(),
                json!({"hospital_id": nord_hospital, "name": "Fremmed afdeling"}),
            ),
            (
                Method::PUT,
                format!("/api/v1/departments/{nord_department}"),
                json!({"name": "Overtaget"}),
            ),
            (
                Method::POST,
                "/api/v1/areas".into(),
                json!({"region_code": NORDJYLLAND, "name": "Fremmed område"}),
            ),
            (
                Method::PUT,
                format!("/api/v1/areas/{nord_area}"),
                json!({"name": "Overtaget", "short_name": ""}),
            ),
            (
                Method::POST,
                "/api/v1/tiers".into(),
                json!({"region_code": NORDJYLLAND, "amount_ore": 1_000_000}),
            ),
            (
                Method::DELETE,
                format!("/api/v1/tiers/{nord_tier}"),
                json!({}),
            ),
            (
                Method::POST,
                "/api/v1/rounds".into(),
                json!({"region_code": NORDJYLLAND, "name": "Fremmed runde",
                       "opens_on": "2023-01-01", "deadline": "2023-02-01"}),
            ),
            (
                Method::PUT,
                format!("/api/v1/rounds/{nord_round}"),
                json!({"name": "Overtaget", "opens_on": "2023-01-01", "deadline": "2023-02-01"}),
            ),
            (
                Method::POST,
                "/api/v1/users".into(),
                json!({"email": "fremmed@rn.pulje.dk", "name": "Fremmed", "role": "applicant",
                       "region_code": NORDJYLLAND, "password": "langt-nok-kodeord-4"}),
            ),
            (
                Method::POST,
                format!("/api/v1/users/{}/disable", nord_user.id()),
                json!({}),
            ),
            (
                Method::POST,
                format!("/api/v1/users/{}/enable", nord_user.id()),
                json!({}),
            ),
            // Users without a region are the admin's alone.
            (
                Method::POST,
                format!("/api/v1/users/{}/disable", admin.id()),
                json!({}),
            ),
        ];
        for (method, path, body) in &attempts {
            let r = api.send_json(method.clone(), path, body).await;
            let m = expect_refusal(&r, 404, &format!("region_admin 1082: {method} {path}"));
            assert!(m.contains("findes ikke"), "{method} {path}: {m}");
            assert!(!r.body.contains("Aalborg"), "{method} {path}: {}", r.body);
        }
        assert_eq!(hospital_names(&app, NORDJYLLAND).await, hospitals_before);
        assert_eq!(changes(&app).await.len(), before, "nothing was changed");
        let mut conn = app.db.conn().await.unwrap();
        assert!(
            !pulje_store::users::get(&mut conn, UserId::new(nord_user.id()))
                .await
                .unwrap()
                .unwrap()
                .disabled
        );
        assert!(
            !pulje_store::users::get(&mut conn, UserId::new(admin.id()))
                .await
                .unwrap()
                .unwrap()
                .disabled
        );
        drop(conn);

        // Positive control: the admin may do the same.
        let r = put(
            &admin_api,
            &format!("/api/v1/hospitals/{nord_hospital}"),
            json!({"name": "Aalborg Universitetshospital, Syd"}),
        )
        .await;
        ok(&r, "admin renames a 1081 hospital");
        let r = delete(&admin_api, &format!("/api/v1/tiers/{nord_tier}")).await;
        assert_eq!(r.status, 204, "{}", r.body);
    }
);

both_backends!(other_roles_are_refused_with_403, |app| async move {
    let hospital = app.hospital_ids(MIDTJYLLAND).await[0];
    let area = app.area_ids(MIDTJYLLAND).await[0];
    let round = app
        .create_round(
            MIDTJYLLAND,
            "1. runde",
            date("2022-03-01"),
            date("2022-06-01"),
        )
        .await;
    let tier = created(
        &post(
            &app.bearer(&app.user(Role::Admin, None).await).await,
            "/api/v1/tiers",
            json!({"region_code": MIDTJYLLAND, "amount_ore": 9_900_000}),
        )
        .await,
        "tier",
    );
    let target = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
    let mut users = Vec::new();
    for role in NON_ADMIN_ROLES {
        users.push(app.user(role, Some(MIDTJYLLAND)).await);
    }
    users.push(app.user(Role::NationalViewer, None).await);
    let before = changes(&app).await.len();
    let attempts: Vec<(Method, String, Value)> = vec![
        (
            Method::POST,
            "/api/v1/hospitals".into(),
            json!({"region_code": MIDTJYLLAND, "name": "Uden ret"}),
        ),
        (
            Method::PUT,
            format!("/api/v1/hospitals/{hospital}"),
            json!({"name": "Uden ret"}),
        ),
        (
            Method::POST,
            "/api/v1/departments".into(),
            json!({"hospital_id": hospital, "name": "Uden ret"}),
        ),
        (
            Method::PUT,
            "/api/v1/departments/1".into(),
            json!({"name": "Uden ret"}),
        ),
        (
            Method::POST,
            "/api/v1/areas".into(),
            json!({"region_code": MIDTJYLLAND, "name": "Uden ret"}),
        ),
        (
            Method::PUT,
            format!("/api/v1/areas/{area}"),
            json!({"name": "Uden ret"}),
        ),
        (
            Method::POST,
            "/api/v1/tiers".into(),
            json!({"region_code": MIDTJYLLAND, "amount_ore": 100}),
        ),
        (
            Method::DELETE,
            format!("/api/v1/tiers/{}", id_of(&tier)),
            json!({}),
        ),
        (
            Method::POST,
            "/api/v1/rounds".into(),
            json!({"region_code": MIDTJYLLAND, "name": "Uden ret", "opens_on": "2022-01-01", "deadline": "2022-02-01"}),
        ),
        (
            Method::PUT,
            format!("/api/v1/rounds/{}", round.id),
            json!({"name": "Uden ret", "opens_on": "2022-01-01", "deadline": "2022-02-01"}),
        ),
        (
            Method::POST,
            "/api/v1/users".into(),
            json!({"email": "uden-ret@rm.pulje.dk", "name": "Uden ret", "role": "applicant",
                   "region_code": MIDTJYLLAND, "password": "langt-nok-kodeord-5"}),
        ),
        (
            Method::POST,
            format!("/api/v1/users/{}/disable", target.id()),
            json!({}),
        ),
        (
            Method::POST,
            format!("/api/v1/users/{}/enable", target.id()),
            json!({}),
        ),
        // A malformed body is refused for the role before it is read.
        (
            Method::POST,
            "/api/v1/hospitals".into(),
            json!("ikke et objekt"),
        ),
    ];
    for u in &users {
        let api = app.bearer(u).await;
        for (method, path, body) in &attempts {
            let r = api.send_json(method.clone(), path, body).await;
            let m = expect_refusal(
                &r,
                403,
                &format!("{}: {method} {path}", u.user.role.as_str()),
            );
            assert!(m.contains("adgang"), "{m}");
        }
    }
    assert_eq!(changes(&app).await.len(), before, "nothing was changed");
    let r = app.anonymous().get("/api/v1/users").await;
    assert_eq!(r.status, 401);
    let r = reqwest::Client::new()
        .post(app.url("/api/v1/hospitals"))
        .bearer_auth("ikke-en-noegle")
        .json(&json!({"region_code": MIDTJYLLAND, "name": "Uden nøgle"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
});

both_backends!(
    a_region_admin_cannot_create_national_users,
    |app| async move {
        let region_admin = app.user(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
        let api = app.bearer(&region_admin).await;
        let before = changes(&app).await.len();
        for (role, region) in [
            ("admin", None),
            ("admin", Some(MIDTJYLLAND)),
            ("national_viewer", None),
            ("national_viewer", Some(MIDTJYLLAND)),
        ] {
            let r = post(
                &api,
                "/api/v1/users",
                json!({"email": format!("{role}@forsoeg.pulje.dk"), "name": "Forsøg", "role": role,
                       "region_code": region, "password": "langt-nok-kodeord-6"}),
            )
            .await;
            let m = expect_refusal(&r, 403, &format!("region_admin creates {role}"));
            assert!(m.contains("rollen"), "{m}");
        }
        assert_eq!(changes(&app).await.len(), before);
        let mut conn = app.db.conn().await.unwrap();
        let all = pulje_store::users::list(&mut conn, None).await.unwrap();
        assert!(!all.iter().any(|u| u.email.ends_with("@forsoeg.pulje.dk")));
    }
);

both_backends!(bad_input_is_refused_with_422, |app| async move {
    let admin = app.user(Role::Admin, None).await;
    let api = app.bearer(&admin).await;
    let region_admin = app.user(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
    let ra_api = app.bearer(&region_admin).await;
    let hospital = app.hospital_ids(MIDTJYLLAND).await[0];
    let area = app.area_ids(MIDTJYLLAND).await[0];
    let round = app
        .create_round(
            MIDTJYLLAND,
            "1. runde",
            date("2022-03-01"),
            date("2022-06-01"),
        )
        .await;
    let before = changes(&app).await.len();

    let cases: Vec<(&Bearer, Method, String, Value, &str)> = vec![
        (
            &api,
            Method::POST,
            "/api/v1/hospitals".into(),
            json!({"region_code": MIDTJYLLAND, "name": "   "}),
            "Skriv hospitalets navn",
        ),
        (
            &api,
            Method::POST,
            "/api/v1/hospitals".into(),
            json!({"name": "Uden region"}),
            "region_code",
        ),
        (
            &api,
            Method::POST,
            "/api/v1/hospitals".into(),
            json!({"region_code": 1090, "name": "Ukendt region"}),
            "1090",
        ),
        (
            &ra_api,
            Method::POST,
            "/api/v1/hospitals".into(),
            json!({"region_code": 42, "name": "Ukendt region"}),
            "42",
        ),
        (
            &api,
            Method::POST,
            "/api/v1/hospitals".into(),
            json!({"region_code": MIDTJYLLAND, "name": "x".repeat(201)}),
            "for langt",
        ),
        (
            &api,
            Method::PUT,
            format!("/api/v1/hospitals/{hospital}"),
            json!({"name": ""}),
            "Skriv hospitalets navn",
        ),
        (
            &ra_api,
            Method::PUT,
            format!("/api/v1/hospitals/{hospital}"),
            json!({}),
            "Skriv hospitalets navn",
        ),
        (
            &api,
            Method::POST,
            "/api/v1/departments".into(),
            json!({"name": "Uden hospital"}),
            "hospital_id",
        ),
        (
            &api,
            Method::POST,
            "/api/v1/departments".into(),
            json!({"hospital_id": hospital, "name": ""}),
            "Skriv afdelingens navn",
        ),
        (
            &api,
            Method::POST,
            "/api/v1/areas".into(),
            json!({"region_code": MIDTJYLLAND, "name": " ", "short_name": "Kort"}),
            "Skriv områdets navn",
        ),
        (
            &ra_api,
            Method::PUT,
            format!("/api/v1/areas/{area}"),
            json!({"name": "", "short_name": "Kort"}),
            "Skriv områdets navn",
        ),
        (
            &api,
            Method::POST,
            "/api/v1/tiers".into(),
            json!({"region_code": MIDTJYLLAND, "name": "Nul", "amount_ore": 0}),
            "større end 0",
        ),
        (
            &ra_api,
            Method::POST,
            "/api/v1/tiers".into(),
            json!({"name": "Negativ", "amount_ore": -100}),
            "større end 0",
        ),
        (
            &ra_api,
            Method::POST,
            "/api/v1/tiers".into(),
            json!({"name": "Uden beløb"}),
            "amount_ore",
        ),
        (
            &ra_api,
            Method::POST,
            "/api/v1/tiers".into(),
            json!({"programme": "ok99", "amount_ore": 100}),
            "ok99",
        ),
        (
            &ra_api,
            Method::POST,
            "/api/v1/rounds".into(),
            json!({"name": "7. runde", "opens_on": "2023-02-30", "deadline": "2023-06-01"}),
            "2023-02-30",
        ),
        (
            &ra_api,
            Method::POST,
            "/api/v1/rounds".into(),
            json!({"name": "7. runde", "opens_on": "i morgen", "deadline": "2023-06-01"}),
            "gyldig dato",
        ),
        (
            &ra_api,
            Method::POST,
            "/api/v1/rounds".into(),
            json!({"name": "7. runde", "opens_on": "2023-03-01"}),
            "deadline",
        ),
        (
            &ra_api,
            Method::POST,
            "/api/v1/rounds".into(),
            json!({"name": "7. runde", "opens_on": "2023-06-01", "deadline": "2023-03-01"}),
            "efter",
        ),
        (
            &ra_api,
            Method::POST,
            "/api/v1/rounds".into(),
            json!({"name": "", "opens_on": "2023-03-01", "deadline": "2023-06-01"}),
            "Skriv rundens navn",
        ),
        (
            &ra_api,
            Method::PUT,
            format!("/api/v1/rounds/{}", round.id),
            json!({"name": "1. runde", "opens_on": "2022-03-01", "deadline": "1. juni"}),
            "gyldig dato",
        ),
        (
            &ra_api,
            Method::PUT,
            format!("/api/v1/rounds/{}", round.id),
            json!({"name": "1. runde", "opens_on": "2022-03-01", "deadline": "2022-02-01"}),
            "efter",
        ),
        (
            &api,
            Method::POST,
            "/api/v1/users".into(),
            json!({"email": "uden-region@rm.pulje.dk", "name": "Uden region", "role": "applicant",
                   "password": "langt-nok-kodeord-7"}),
            "kræver en region",
        ),
        (
            &api,
            Method::POST,
            "/api/v1/users".into(),
            json!({"email": "laeser@rm.pulje.dk", "name": "Læser", "role": "national_viewer",
                   "region_code": MIDTJYLLAND, "password": "langt-nok-kodeord-7"}),
            "hele landet",
        ),
        (
            &ra_api,
            Method::POST,
            "/api/v1/users".into(),
            json!({"email": "ukendt@rm.pulje.dk", "name": "Ukendt", "role": "chef",
                   "password": "langt-nok-kodeord-7"}),
            "Ukendt rolle",
        ),
        (
            &ra_api,
            Method::POST,
            "/api/v1/users".into(),
            json!({"email": "ingen-rolle@rm.pulje.dk", "name": "Ingen rolle",
                   "password": "langt-nok-kodeord-7"}),
            "rolle",
        ),
        (
            &ra_api,
            Method::POST,
            "/api/v1/users".into(),
            json!({"email": "ikke en adresse", "name": "Forkert", "role": "leader",
                   "password": "langt-nok-kodeord-7"}),
            "gyldig e-mailadresse",
        ),
        (
            &ra_api,
            Method::POST,
            "/api/v1/users".into(),
            json!({"email": "kort@rm.pulje.dk", "name": "Kort", "role": "leader",
                   "password": "kort"}),
            "mindst 12 tegn",
        ),
        (
            &ra_api,
            Method::POST,
            "/api/v1/users".into(),
            json!({"email": "navnloes@rm.pulje.dk", "name": " ", "role": "leader",
                   "password": "langt-nok-kodeord-7"}),
            "Navnet mangler",
        ),
        // Wrong JSON types and bodies.
        (
            &api,
            Method::POST,
            "/api/v1/tiers".into(),
            json!({"region_code": MIDTJYLLAND, "amount_ore": "35.000 kr."}),
            "JSON kan ikke læses",
        ),
        (
            &api,
            Method::POST,
            "/api/v1/hospitals".into(),
            json!({"region_code": "Midtjylland", "name": "Tekst som region"}),
            "JSON kan ikke læses",
        ),
        (
            &api,
            Method::POST,
            "/api/v1/users".into(),
            json!(42),
            "JSON kan ikke læses",
        ),
    ];
    for (client, method, path, body, expected) in &cases {
        let r = client.send_json(method.clone(), path, body).await;
        let m = expect_refusal(&r, 422, &format!("{method} {path} {body}"));
        assert!(
            m.contains(expected),
            "{method} {path} {body}: expected «{expected}» in «{m}»"
        );
    }
    // Not JSON at all.
    let (_, raw) = app.token(&admin).await;
    let r = reqwest::Client::new()
        .post(app.url("/api/v1/hospitals"))
        .bearer_auth(&raw)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let j: Value = r.json().await.unwrap();
    assert!(j["error"].as_str().unwrap().contains("JSON kan ikke læses"));

    assert_eq!(changes(&app).await.len(), before, "nothing was changed");
    let mut conn = app.db.conn().await.unwrap();
    let stored = pulje_store::programmes::get_round(&mut conn, round.id)
        .await
        .unwrap();
    assert_eq!(stored, Some(round));

    // A tier an application asks for cannot be deleted.
    let author = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
    app.complete_application(
        &author,
        MIDTJYLLAND,
        "Forsøg med mellemtrin",
        TIER_MEDIUM,
        "2022-06-01",
        "2023-05-31",
    )
    .await;
    let tiers = pulje_store::programmes::tiers(&mut conn, "ok21", Some(rc(MIDTJYLLAND)))
        .await
        .unwrap();
    drop(conn);
    let medium = tiers
        .iter()
        .find(|t| t.amount_ore.ore() == TIER_MEDIUM)
        .unwrap();
    let r = delete(&ra_api, &format!("/api/v1/tiers/{}", medium.id)).await;
    let m = expect_refusal(&r, 422, "delete a tier in use");
    assert!(m.contains("kan ikke slettes"), "{m}");
    assert!(audit_of(&app, "tier", i64::from(medium.id))
        .await
        .iter()
        .all(|e| e.action != "delete"));

    // Dates in Danish are read too.
    let r = post(
        &ra_api,
        "/api/v1/rounds",
        json!({"name": "8. runde", "opens_on": "1. marts 2023", "deadline": "31.5.2023"}),
    )
    .await;
    let rd = created(&r, "Danish dates");
    assert_eq!(
        (rd["opens_on"].as_str(), rd["deadline"].as_str()),
        (Some("2023-03-01"), Some("2023-05-31"))
    );
});

both_backends!(duplicates_are_refused_with_409, |app| async move {
    let region_admin = app.user(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
    let api = app.bearer(&region_admin).await;
    let hospitals = app.hospital_ids(MIDTJYLLAND).await;

    let r = post(
        &api,
        "/api/v1/hospitals",
        json!({"name": "Aarhus Universitetshospital"}),
    )
    .await;
    let m = expect_refusal(&r, 409, "duplicate hospital");
    assert!(
        m.contains("Aarhus Universitetshospital") && m.contains("allerede"),
        "{m}"
    );
    // The same name in another region is a different hospital.
    let admin = app.user(Role::Admin, None).await;
    let r = post(
        &app.bearer(&admin).await,
        "/api/v1/hospitals",
        json!({"region_code": 1085, "name": "Aarhus Universitetshospital"}),
    )
    .await;
    created(&r, "the same name in region 1085");

    let h = created(
        &post(
            &api,
            "/api/v1/hospitals",
            json!({"name": "Regionshospitalet Viborg"}),
        )
        .await,
        "hospital",
    );
    let r = put(
        &api,
        &format!("/api/v1/hospitals/{}", id_of(&h)),
        json!({"name": "Hospitalsenhed Midt"}),
    )
    .await;
    expect_refusal(&r, 409, "rename to a taken name");

    let d = created(
        &post(
            &api,
            "/api/v1/departments",
            json!({"hospital_id": hospitals[0], "name": "Kardiologi"}),
        )
        .await,
        "department",
    );
    let r = post(
        &api,
        "/api/v1/departments",
        json!({"hospital_id": hospitals[0], "name": "Kardiologi"}),
    )
    .await;
    let m = expect_refusal(&r, 409, "duplicate department");
    assert!(m.contains("Kardiologi"), "{m}");
    let r = put(
        &api,
        &format!("/api/v1/departments/{}", id_of(&d)),
        json!({"name": "Hjerne- og Rygkirurgi"}),
    )
    .await;
    expect_refusal(&r, 409, "rename a department to a taken name");
    // Another hospital may have a department of the same name.
    created(
        &post(
            &api,
            "/api/v1/departments",
            json!({"hospital_id": hospitals[1], "name": "Kardiologi"}),
        )
        .await,
        "the same department name at another hospital",
    );

    let r = post(
        &api,
        "/api/v1/areas",
        json!({"name": "Digitalisering og forbedringsaktiviteter"}),
    )
    .await;
    let m = expect_refusal(&r, 409, "duplicate area");
    assert!(m.contains("findes allerede"), "{m}");
    let a = created(
        &post(&api, "/api/v1/areas", json!({"name": "Uddannelse"})).await,
        "area",
    );
    let r = put(
        &api,
        &format!("/api/v1/areas/{}", id_of(&a)),
        json!({"name": "Tværsektorielle patientforløb (brobygger)", "short_name": ""}),
    )
    .await;
    expect_refusal(&r, 409, "rename an area to a taken name");

    let r = post(
        &api,
        "/api/v1/tiers",
        json!({"name": "Også mellem", "amount_ore": TIER_MEDIUM}),
    )
    .await;
    let m = expect_refusal(&r, 409, "duplicate tier amount");
    assert!(m.contains("35.000"), "{m}");

    let body = json!({"email": "dobbelt@rm.pulje.dk", "name": "Dobbelt", "role": "leader", "password": "langt-nok-kodeord-8"});
    created(&post(&api, "/api/v1/users", body.clone()).await, "user");
    let mut again = body.clone();
    again["email"] = json!("Dobbelt@RM.pulje.dk");
    let r = post(&api, "/api/v1/users", again).await;
    let m = expect_refusal(&r, 409, "duplicate e-mail");
    assert!(m.contains("dobbelt@rm.pulje.dk"), "{m}");

    // None of the refusals left a trace: one entry per object created.
    let mut conn = app.db.conn().await.unwrap();
    let mine = audit::list(
        &mut conn,
        &audit::Filter {
            actor: Some(region_admin.email.clone()),
            ..Default::default()
        },
        1000,
    )
    .await
    .unwrap();
    let actions: Vec<(&str, &str)> = mine
        .iter()
        .filter(|e| e.entity != "api_token")
        .map(|e| (e.entity.as_str(), e.action.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("user", "create"),
            ("area", "create"),
            ("department", "create"),
            ("department", "create"),
            ("hospital", "create")
        ]
    );
});

both_backends!(session_requests_need_the_csrf_header, |app| async move {
    let mut c = app.client_as(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
    let before = hospital_names(&app, MIDTJYLLAND).await;
    let hospital = app.hospital_ids(MIDTJYLLAND).await[0];
    let r = c
        .send_json_without_csrf(
            Method::POST,
            "/api/v1/hospitals",
            &json!({"name": "Uden CSRF"}),
        )
        .await;
    let m = expect_refusal(&r, 403, "POST without X-CSRF-Token");
    assert!(m.contains("CSRF"), "{m}");
    let r = c
        .send_json_without_csrf(
            Method::PUT,
            &format!("/api/v1/hospitals/{hospital}"),
            &json!({"name": "Uden CSRF"}),
        )
        .await;
    expect_refusal(&r, 403, "PUT without X-CSRF-Token");
    let r = c
        .send_json_without_csrf(
            Method::POST,
            &format!("/api/v1/users/{}/disable", c.user().id()),
            &json!({}),
        )
        .await;
    expect_refusal(&r, 403, "disable without X-CSRF-Token");
    let r = read_wrong_csrf(&c, &app).await;
    assert_eq!(r, 403, "a wrong X-CSRF-Token");
    assert_eq!(hospital_names(&app, MIDTJYLLAND).await, before);

    // With the header the same request is made.
    let r = c
        .send_json(
            Method::POST,
            "/api/v1/hospitals",
            &json!({"name": "Med CSRF"}),
        )
        .await;
    let h = created(&r, "POST with X-CSRF-Token");
    expect_entry(
        &audit_of(&app, "hospital", id_of(&h)).await,
        "create",
        c.user(),
        Some(MIDTJYLLAND),
    );
});

/// A session POST with a made-up `X-CSRF-Token`; returns the status.
async fn read_wrong_csrf(c: &Client, app: &TestApp) -> u16 {
    c.http
        .post(app.url("/api/v1/hospitals"))
        .header("X-CSRF-Token", "forkert-noegle")
        .json(&json!({"name": "Forkert CSRF"}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

both_backends!(
    the_openapi_document_describes_the_write_endpoints,
    |app| async move {
        let r = app.anonymous().get("/api/v1/openapi.json").await;
        let doc = ok(&r, "openapi.json");
        for (path, method) in [
            ("/api/v1/hospitals", "post"),
            ("/api/v1/hospitals/{id}", "put"),
            ("/api/v1/departments", "post"),
            ("/api/v1/departments/{id}", "put"),
            ("/api/v1/areas", "post"),
            ("/api/v1/areas/{id}", "put"),
            ("/api/v1/tiers", "post"),
            ("/api/v1/tiers/{id}", "delete"),
            ("/api/v1/rounds", "post"),
            ("/api/v1/rounds/{id}", "put"),
            ("/api/v1/users", "post"),
            ("/api/v1/users/{id}/disable", "post"),
            ("/api/v1/users/{id}/enable", "post"),
        ] {
            assert!(
                doc["paths"][path][method].is_object(),
                "{method} {path} is not documented"
            );
        }
        for schema in [
            "HospitalBody",
            "DepartmentBody",
            "AreaBody",
            "TierBody",
            "RoundBody",
            "UserBody",
        ] {
            assert!(
                doc["components"]["schemas"][schema].is_object(),
                "{schema} is not in the document"
            );
        }
    }
);
