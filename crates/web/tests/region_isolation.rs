//! Region isolation: a user of one region can neither read nor change another region's
//! applications by any route, HTML or API; applicants see only their own; national viewers see
//! everything that was sent (no drafts: tests/need_to_know.rs) and change nothing; the
//! administration is for administrators.

#[macro_use]
mod common;

use common::*;
use pulje_domain::Role;

const REGIONAL_ROLES: [Role; 6] = [
    Role::Applicant,
    Role::Leader,
    Role::WorkingGroup,
    Role::SteeringGroup,
    Role::UnionRep,
    Role::RegionAdmin,
];

/// The ids of a region's applications, as stored.
async fn applications_in(app: &TestApp, region: i64) -> Vec<i64> {
    let mut conn = app.db.conn().await.unwrap();
    let filter = pulje_store::applications::ListFilter {
        region_code: Some(rc(region)),
        ..Default::default()
    };
    let (rows, _) = pulje_store::applications::list(&mut conn, &filter, 1, 1000)
        .await
        .unwrap();
    rows.into_iter().map(|s| s.id.get()).collect()
}

/// A 1082 applicant asks the API to create an application in region 1081.
async fn api_create_elsewhere(app: &TestApp) -> Resp {
    let applicant = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
    let (_, raw) = app.token(&applicant).await;
    Bearer::new(app, &raw)
        .send_json(
            reqwest::Method::POST,
            "/api/v1/applications",
            &api_body("Forsøg i en fremmed region", NORDJYLLAND),
        )
        .await
}

/// Text only the Nordjylland application holds; no page shown to another region may contain it.
const SECRET: &str = "NORDJYSK-HEMMELIGHED-4417";

fn assert_hidden(r: &Resp, what: &str) {
    assert!(
        !r.text().contains(SECRET),
        "{what} leaked the other region's text: {}",
        r.body
    );
    assert!(
        !r.text().contains("Hemmeligt nordjysk forsøg"),
        "{what} leaked the other region's title: {}",
        r.body
    );
}

both_backends!(
    no_regional_role_reaches_another_regions_application,
    |app| async move {
        let nord_author = app.user(Role::Applicant, Some(NORDJYLLAND)).await;
        let mut secret_input = full_input("Hemmeligt nordjysk forsøg");
        secret_input.purpose = format!("Formålet er fortroligt: {SECRET}.");
        let secret = app
            .application(&nord_author, NORDJYLLAND, &secret_input)
            .await;
        let midt_author = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let midt = app
            .application(&midt_author, MIDTJYLLAND, &full_input("Midtjysk forsøg"))
            .await;

        let id = secret.id;
        let version = secret.version.to_string();
        let mut api_update = api_body("Overtaget af en anden region", NORDJYLLAND);
        api_update["version"] = serde_json::json!(secret.version);

        for role in REGIONAL_ROLES {
            let mut c = app.client_as(role, Some(MIDTJYLLAND)).await;
            let who = role.as_str();

            // Positive controls: the user does reach their own region.
            let r = c.get("/regions/1082").await;
            assert_eq!(r.status, 200, "{who}: own region dashboard: {}", r.body);
            let r = c.get("/applications").await;
            assert_eq!(r.status, 200, "{who}: own list");
            assert!(
                !listed_ids(&r.body).contains(&id.get()),
                "{who}: the list holds the other region's application"
            );
            assert_hidden(&r, &format!("{who}: GET /applications"));
            if role != Role::Applicant {
                let r = c.get(&format!("/applications/{}", midt.id)).await;
                assert_eq!(r.status, 200, "{who}: own region's application");
                let r = c.get(&format!("/api/v1/applications/{}", midt.id)).await;
                assert_eq!(
                    r.status, 200,
                    "{who}: own region's application through the API: {}",
                    r.body
                );
            }

            // Every route to the other region's application answers 404.
            for path in [
                format!("/applications/{id}"),
                format!("/applications/{id}/edit"),
                "/regions/1081".to_string(),
                "/applications?region=1081".to_string(),
                format!("/api/v1/applications/{id}"),
                format!("/api/v1/applications/{id}/comments"),
                format!("/api/v1/applications/{id}/months"),
                format!("/api/v1/applications/{id}/parties"),
            ] {
                let r = c.get(&path).await;
                assert_eq!(r.status, 404, "{who}: GET {path}: {}", r.body);
                assert_hidden(&r, &format!("{who}: GET {path}"));
            }
            let r = c
                .post_form(
                    &format!("/applications/{id}"),
                    &[
                        ("version", &version),
                        ("title", "Overtaget af en anden region"),
                        ("purpose", "Ændret"),
                    ],
                )
                .await;
            assert_eq!(r.status, 404, "{who}: POST /applications/{id}: {}", r.body);
            assert_hidden(&r, &format!("{who}: POST /applications/{id}"));

            let r = c
                .send_json(
                    reqwest::Method::PUT,
                    &format!("/api/v1/applications/{id}"),
                    &api_update,
                )
                .await;
            assert_eq!(
                r.status, 404,
                "{who}: PUT /api/v1/applications/{id}: {}",
                r.body
            );
            assert_hidden(&r, &format!("{who}: PUT /api/v1/applications/{id}"));

            let r = c.get("/api/v1/applications?region=1081").await;
            assert!(
                r.status == 404 || r.status == 200,
                "{who}: GET /api/v1/applications?region=1081 answered {}",
                r.status
            );
            assert_hidden(&r, &format!("{who}: GET /api/v1/applications?region=1081"));
            if r.status == 200 {
                let items = r.json();
                for item in items.as_array().expect("a JSON array") {
                    assert_ne!(
                        item["id"],
                        id.get(),
                        "{who}: the API list holds the other region's application"
                    );
                    assert_ne!(
                        item["region_code"], NORDJYLLAND,
                        "{who}: the API list holds region 1081"
                    );
                }
            }
            let r = c.get("/api/v1/applications").await;
            assert_eq!(r.status, 200, "{who}: own API list: {}", r.body);
            assert_hidden(&r, &format!("{who}: GET /api/v1/applications"));

            // Creating an application in the other region is not possible either: the region comes
            // from the user, whatever the form says.
            let before = app.count_applications().await;
            if matches!(role, Role::Applicant | Role::Leader | Role::RegionAdmin) {
                let r = c
                    .post_form(
                        "/applications",
                        &[
                            ("version", "0"),
                            ("title", "Forsøg i forkert region"),
                            ("region_code", "1081"),
                        ],
                    )
                    .await;
                let new_id = saved_id(&r);
                assert_eq!(
                    app.get_application(new_id).await.region_code,
                    rc(MIDTJYLLAND),
                    "{who}: created in the user's own region"
                );
                assert_eq!(app.count_applications().await, before + 1);
            } else {
                let r = c
                    .post_form(
                        "/applications",
                        &[
                            ("version", "0"),
                            ("title", "Forsøg i forkert region"),
                            ("region_code", "1081"),
                        ],
                    )
                    .await;
                assert_eq!(
                    r.status, 403,
                    "{who}: this role creates no applications: {}",
                    r.body
                );
                assert_eq!(app.count_applications().await, before);
            }
        }

        // Creating in the other region through the API is refused, or lands in the own region.
        let r = api_create_elsewhere(&app).await;
        assert!(
            r.status == 201 || r.status == 404 || r.status == 403,
            "POST /api/v1/applications for 1081 by a 1082 applicant answered {}: {}",
            r.status,
            r.body
        );
        assert_eq!(
            applications_in(&app, NORDJYLLAND).await,
            vec![id.get()],
            "nothing new in region 1081"
        );

        // A bearer token of another region is turned away too.
        let leader = app.user(Role::Leader, Some(MIDTJYLLAND)).await;
        let (_, raw) = app.token(&leader).await;
        let api = Bearer::new(&app, &raw);
        let r = api.get(&format!("/api/v1/applications/{id}")).await;
        assert_eq!(r.status, 404, "{}", r.body);
        let r = api
            .send_json(
                reqwest::Method::PUT,
                &format!("/api/v1/applications/{id}"),
                &api_update,
            )
            .await;
        assert_eq!(r.status, 404, "{}", r.body);

        // The Nordjylland application is exactly as it was.
        let after = app.get_application(i64::from(id)).await;
        assert_eq!(after.version, secret.version);
        assert_eq!(after.data.title(), "Hemmeligt nordjysk forsøg");
        assert_eq!(after.data.purpose(), secret.data.purpose());
        assert_eq!(after.region_code, rc(NORDJYLLAND));
        let mut conn = app.db.conn().await.unwrap();
        let history = pulje_store::audit::list(
            &mut conn,
            &pulje_store::audit::Filter {
                entity: Some("application".into()),
                entity_id: Some(id.to_string()),
                ..Default::default()
            },
            50,
        )
        .await
        .unwrap();
        assert_eq!(
            history
                .iter()
                .map(|e| e.action.as_str())
                .collect::<Vec<_>>(),
            ["create"]
        );
    }
);

both_backends!(
    an_applicant_sees_only_their_own_applications,
    |app| async move {
        let mut ane = app.client_as(Role::Applicant, Some(MIDTJYLLAND)).await;
        let mut bo = app.client_as(Role::Applicant, Some(MIDTJYLLAND)).await;
        let r = ane
            .post_form(
                "/applications",
                &[("version", "0"), ("title", "Anes forsøg")],
            )
            .await;
        let ane_id = saved_id(&r);
        let r = bo
            .post_form(
                "/applications",
                &[("version", "0"), ("title", "Bos forsøg")],
            )
            .await;
        let bo_id = saved_id(&r);

        let r = ane.get("/applications").await;
        assert_eq!(listed_ids(&r.body), vec![ane_id]);
        assert!(!r.text().contains("Bos forsøg"));
        let r = bo.get("/applications").await;
        assert_eq!(listed_ids(&r.body), vec![bo_id]);

        for path in [
            format!("/applications/{bo_id}"),
            format!("/applications/{bo_id}/edit"),
            format!("/api/v1/applications/{bo_id}"),
        ] {
            let r = ane.get(&path).await;
            assert_eq!(r.status, 404, "GET {path}: {}", r.body);
            assert!(!r.text().contains("Bos forsøg"));
        }
        let r = ane
            .post_form(
                &format!("/applications/{bo_id}"),
                &[("version", "1"), ("title", "Ane overtager")],
            )
            .await;
        assert_eq!(r.status, 404, "{}", r.body);
        let r = ane.get("/api/v1/applications").await;
        assert_eq!(r.status, 200, "{}", r.body);
        let listed: Vec<i64> = r
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_i64().unwrap())
            .collect();
        assert_eq!(listed, vec![ane_id]);

        let stored = app.get_application(bo_id).await;
        assert_eq!((stored.version, stored.data.title()), (1, "Bos forsøg"));
        // The own one is readable and editable.
        assert_eq!(
            ane.get(&format!("/applications/{ane_id}")).await.status,
            200
        );
        assert_eq!(
            ane.get(&format!("/applications/{ane_id}/edit"))
                .await
                .status,
            200
        );
    }
);

both_backends!(
    a_national_viewer_sees_all_regions_but_changes_nothing,
    |app| async move {
        let nord_author = app.user(Role::Applicant, Some(NORDJYLLAND)).await;
        let midt_author = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let nord = app
            .application(&nord_author, NORDJYLLAND, &titled("Nordjysk forsøg"))
            .await;
        let midt = app
            .application(&midt_author, MIDTJYLLAND, &titled("Midtjysk forsøg"))
            .await;
        // The national viewer sees what was sent, not drafts (tests/need_to_know.rs).
        let submitted = pulje_domain::ApplicationStatus::Submitted;
        let nord = app.set_status(nord.id.get(), submitted, None).await;
        let midt = app.set_status(midt.id.get(), submitted, None).await;
        let mut viewer = app.client_as(Role::NationalViewer, None).await;

        let r = viewer.get("/applications").await;
        assert_eq!(r.status, 200);
        let mut ids = listed_ids(&r.body);
        ids.sort();
        assert_eq!(ids, vec![nord.id.get(), midt.id.get()]);
        let r = viewer.get("/applications?region=1081").await;
        assert_eq!(listed_ids(&r.body), vec![nord.id.get()]);
        assert_eq!(viewer.get("/regions/1081").await.status, 200);
        assert_eq!(viewer.get("/regions/1082").await.status, 200);

        for a in [&nord, &midt] {
            let r = viewer.get(&format!("/applications/{}", a.id)).await;
            assert_eq!(r.status, 200);
            assert!(r.text().contains(a.data.title()));
            assert!(
                !r.body
                    .contains(&format!("href=\"/applications/{}/edit\"", a.id)),
                "no edit button for a viewer"
            );
            let r = viewer.get(&format!("/applications/{}/edit", a.id)).await;
            assert_eq!(r.status, 403, "{}", r.body);
            let r = viewer
                .post_form(
                    &format!("/applications/{}", a.id),
                    &[("version", "1"), ("title", "Ændret af læser")],
                )
                .await;
            assert_eq!(r.status, 403, "{}", r.body);
            let r = viewer.get(&format!("/api/v1/applications/{}", a.id)).await;
            assert_eq!(r.status, 200, "{}", r.body);
            let mut body = api_body("Ændret af læser via API", i64::from(a.region_code));
            body["version"] = serde_json::json!(1);
            let r = viewer
                .send_json(
                    reqwest::Method::PUT,
                    &format!("/api/v1/applications/{}", a.id),
                    &body,
                )
                .await;
            assert_eq!(r.status, 403, "{}", r.body);
            let stored = app.get_application(i64::from(a.id)).await;
            assert_eq!(
                (stored.version, stored.data.title()),
                (a.version, a.data.title())
            );
        }
        let r = viewer
            .post_form(
                "/applications",
                &[
                    ("version", "0"),
                    ("title", "Læserens forsøg"),
                    ("region_code", "1081"),
                ],
            )
            .await;
        assert_eq!(r.status, 403, "{}", r.body);
        let r = viewer
            .send_json(
                reqwest::Method::POST,
                "/api/v1/applications",
                &api_body("Læserens forsøg", NORDJYLLAND),
            )
            .await;
        assert_eq!(r.status, 403, "{}", r.body);
        assert_eq!(app.count_applications().await, 2);
    }
);

/// The administration's pages.
const ADMIN_PATHS: [&str; 14] = [
    "/admin",
    "/admin/regions",
    "/admin/hospitals",
    "/admin/departments",
    "/admin/areas",
    "/admin/tiers",
    "/admin/rounds",
    "/admin/users",
    "/admin/audit",
    "/admin/sso",
    "/admin/totp",
    "/admin/mails",
    "/admin/mails/1082/ok21",
    "/admin/mails/1082/ok21/returned",
];

/// The mail template routes that change a template (POST).
const MAIL_TEMPLATE_POSTS: [&str; 2] = [
    "/admin/mails/1082/ok21/returned",
    "/admin/mails/1082/ok21/returned/nulstil",
];

async fn hospital_count(app: &TestApp, region: i64) -> usize {
    app.hospital_ids(region).await.len()
}

both_backends!(administration_is_refused_to_non_admins, |app| async move {
    let nord_hospitals = hospital_count(&app, NORDJYLLAND).await;
    let midt_hospitals = hospital_count(&app, MIDTJYLLAND).await;
    let mut clients = Vec::new();
    for role in [
        Role::Applicant,
        Role::Leader,
        Role::WorkingGroup,
        Role::SteeringGroup,
        Role::UnionRep,
    ] {
        clients.push((role, app.client_as(role, Some(MIDTJYLLAND)).await));
    }
    clients.push((
        Role::NationalViewer,
        app.client_as(Role::NationalViewer, None).await,
    ));
    for (role, mut c) in clients {
        let who = role.as_str();
        for path in ADMIN_PATHS {
            let r = c.get(path).await;
            assert_eq!(r.status, 403, "{who}: GET {path}: {}", r.body);
        }
        let r = c
            .post_form(
                "/admin/hospitals",
                &[
                    ("region_code", "1082"),
                    ("name", "Hospital oprettet uden ret"),
                ],
            )
            .await;
        assert_eq!(r.status, 403, "{who}: POST /admin/hospitals: {}", r.body);
        for path in [
            "/admin/sso/regioner/1082?adgangskoder=false",
            "/admin/sso/regler",
            "/admin/sso/regler/1/slet",
            "/admin/sso/venter/1",
        ] {
            let r = c
                .post_form(path, &[("claim_value", "x"), ("role", "admin")])
                .await;
            assert_eq!(r.status, 403, "{who}: POST {path}: {}", r.body);
        }
        for path in MAIL_TEMPLATE_POSTS {
            let r = c
                .post_form(
                    path,
                    &[("subject", "x"), ("body", "y"), ("handling", "gem")],
                )
                .await;
            assert_eq!(r.status, 403, "{who}: POST {path}: {}", r.body);
        }
        let r = c.get("/api/v1/mail-templates/1082/ok21").await;
        assert_eq!(
            r.status, 403,
            "{who}: GET /api/v1/mail-templates: {}",
            r.body
        );
        let r = c.get("/api/v1/users").await;
        assert!(
            r.status == 403 || r.status == 404,
            "{who}: GET /api/v1/users answered {}: {}",
            r.status,
            r.body
        );
        assert!(
            !c.get("/applications")
                .await
                .body
                .contains("href=\"/admin\""),
            "{who}: no admin link"
        );
    }
    assert_eq!(hospital_count(&app, MIDTJYLLAND).await, midt_hospitals);

    // A region's administrator administers that region only.
    let mut region_admin = app.client_as(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
    let r = region_admin.get("/admin").await;
    assert_eq!(r.status, 200, "region_admin: GET /admin: {}", r.body);
    let r = region_admin.get("/admin/hospitals").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.text().contains("Aarhus Universitetshospital"));
    assert!(
        !r.text().contains("Aalborg Universitetshospital"),
        "another region's hospital is listed"
    );
    for path in [
        "/admin/hospitals?region=1081",
        "/admin/areas?region=1081",
        "/admin/users?region=1081",
    ] {
        let r = region_admin.get(path).await;
        assert_eq!(r.status, 404, "region_admin: GET {path}: {}", r.body);
    }
    let r = region_admin
        .post_form(
            "/admin/hospitals",
            &[
                ("region_code", "1081"),
                ("name", "Hospital i en fremmed region"),
            ],
        )
        .await;
    assert_eq!(
        r.status, 404,
        "region_admin: POST /admin/hospitals for 1081: {}",
        r.body
    );
    assert_eq!(hospital_count(&app, NORDJYLLAND).await, nord_hospitals);

    // Mail templates: another region's are not found, neither read nor changed.
    let r = region_admin.get("/admin/mails").await;
    assert!(!r.body.contains("/admin/mails/1081/"), "{}", r.body);
    for path in ["/admin/mails/1081/ok21", "/admin/mails/1081/ok21/returned"] {
        let r = region_admin.get(path).await;
        assert_eq!(r.status, 404, "region_admin: GET {path}: {}", r.body);
    }
    for path in [
        "/admin/mails/1081/ok21/returned",
        "/admin/mails/1081/ok21/returned/nulstil",
    ] {
        let r = region_admin
            .post_form(
                path,
                &[("subject", "x"), ("body", "y"), ("handling", "gem")],
            )
            .await;
        assert_eq!(r.status, 404, "region_admin: POST {path}: {}", r.body);
    }
    let r = region_admin.get("/api/v1/mail-templates/1081/ok21").await;
    assert_eq!(
        r.status, 404,
        "region_admin: GET another region's templates: {}",
        r.body
    );
    for path in ADMIN_PATHS.iter().filter(|p| p.starts_with("/admin/mails")) {
        let r = region_admin.get(path).await;
        assert_eq!(r.status, 200, "region_admin: GET {path}: {}", r.body);
    }
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM mail_templates").await,
        0
    );

    // Single sign-on: the region's administrator sees and sets their own region's passwords only,
    // and neither makes rules nor grants roles (they can reach every region).
    let r = region_admin.get("/admin/sso").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.text().contains("Region Midtjylland"), "{}", r.body);
    assert!(!r.text().contains("Region Nordjylland"), "{}", r.body);
    let r = region_admin
        .post_form("/admin/sso/regioner/1081?adgangskoder=false", &[])
        .await;
    assert_eq!(
        r.status, 404,
        "region_admin: POST /admin/sso/regioner/1081: {}",
        r.body
    );
    // Which roles require a second factor is national: the system administrator's alone.
    let r = region_admin.get("/admin/totp").await;
    assert_eq!(r.status, 403, "region_admin: GET /admin/totp: {}", r.body);
    for path in [
        "/admin/sso/regler",
        "/admin/sso/regler/1/slet",
        "/admin/sso/venter/1",
        "/admin/totp",
    ] {
        let r = region_admin
            .post_form(path, &[("claim_value", "x"), ("role", "admin")])
            .await;
        assert_eq!(r.status, 403, "region_admin: POST {path}: {}", r.body);
    }
    let mut conn = app.db.conn().await.expect("conn");
    let off: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM regions WHERE password_login = 0")
        .fetch_one(&mut *conn)
        .await
        .expect("regions");
    drop(conn);
    assert_eq!(off, 0, "no region's passwords were switched off");

    // Nor does the region's administrator see the other region's audit log or users.
    let nord_author = app.user(Role::Applicant, Some(NORDJYLLAND)).await;
    let mut secret_input = titled("Hemmeligt nordjysk forsøg");
    secret_input.purpose = format!("Formålet er fortroligt: {SECRET}.");
    app.application(&nord_author, NORDJYLLAND, &secret_input)
        .await;
    let r = region_admin.get("/admin/audit").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_hidden(&r, "region_admin: GET /admin/audit");
    assert!(
        !r.text().contains(&nord_author.email),
        "region_admin: GET /admin/audit shows a 1081 user"
    );
    let r = region_admin.get("/admin/audit?region=1081").await;
    assert_eq!(
        r.status, 404,
        "region_admin: GET /admin/audit?region=1081: {}",
        r.body
    );
    let r = region_admin.get("/admin/users").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.text().contains(&region_admin.user().email));
    assert!(
        !r.text().contains(&nord_author.email),
        "region_admin: GET /admin/users shows a 1081 user"
    );
    let r = region_admin.get("/api/v1/audit").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_hidden(&r, "region_admin: GET /api/v1/audit");
    let entries = r.json();
    let entries = entries
        .as_array()
        .or_else(|| entries["entries"].as_array())
        .expect("a list of entries");
    assert!(!entries.is_empty(), "the own region's entries are listed");
    for e in entries {
        assert_eq!(
            e["region_code"], MIDTJYLLAND,
            "region_admin: /api/v1/audit lists {e}"
        );
    }
    let r = region_admin.get("/api/v1/users").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains(&region_admin.user().email));
    assert!(
        !r.body.contains(&nord_author.email),
        "region_admin: /api/v1/users lists a 1081 user"
    );

    // Positive control: a system administrator gets in everywhere.
    let admin = app.client_as(Role::Admin, None).await;
    for path in ADMIN_PATHS {
        let r = admin.get(path).await;
        assert_eq!(r.status, 200, "admin: GET {path}: {}", r.body);
    }
});

/// The account routes that act on one user (POST, no body needed but the CSRF token).
fn user_routes(id: i64) -> [String; 6] {
    [
        format!("/admin/users/{id}"),
        format!("/admin/users/{id}/totp"),
        format!("/admin/users/{id}/invitation"),
        format!("/admin/users/{id}/invitation/tilbagekald"),
        format!("/admin/users/{id}/disable"),
        format!("/admin/users/{id}/enable"),
    ]
}

both_backends!(
    a_region_administrator_manages_only_their_regions_users_and_grants_no_national_role,
    |app| async move {
        let mut region_admin = app.client_as(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
        let nord = app.user(Role::Leader, Some(NORDJYLLAND)).await;
        let national = app.user(Role::NationalViewer, None).await;
        let midt = app.user(Role::Leader, Some(MIDTJYLLAND)).await;
        let profile = |email: &str, role: &'static str, region: &'static str| {
            vec![
                ("email".to_string(), email.to_string()),
                ("name".to_string(), "Ændret Navn".to_string()),
                ("role".to_string(), role.to_string()),
                ("region_code".to_string(), region.to_string()),
            ]
        };

        // Another region's user, and a national one, are 404 by every route, read or write.
        for (target, what) in [(&nord, "a 1081 user"), (&national, "a national user")] {
            let r = region_admin
                .get(&format!("/admin/users?ret={}", target.id()))
                .await;
            assert_eq!(r.status, 404, "GET edit form of {what}: {}", r.body);
            for path in user_routes(target.id()) {
                let body = profile(&target.email, "leader", "1082");
                let pairs: Vec<(&str, &str)> =
                    body.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                let r = region_admin.post_form(&path, &pairs).await;
                assert_eq!(r.status, 404, "POST {path} for {what}: {}", r.body);
            }
            let after = {
                let mut conn = app.db.conn().await.unwrap();
                pulje_store::users::get(&mut conn, target.user.id)
                    .await
                    .unwrap()
                    .unwrap()
            };
            assert_eq!(after.name, target.user.name, "{what} unchanged");
            assert!(!after.disabled, "{what} not disabled");
        }

        // No admin or national role, not even for the own region's user; no move to 1081.
        for (role, region, status) in [
            ("admin", "", 403),
            ("national_viewer", "", 403),
            ("leader", "1081", 404),
        ] {
            let body = profile(&midt.email, role, region);
            let pairs: Vec<(&str, &str)> =
                body.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let r = region_admin
                .post_form(&format!("/admin/users/{}", midt.id()), &pairs)
                .await;
            assert_eq!(r.status, status, "edit to {role} {region}: {}", r.body);
            let body = profile("ny.bruger@region.example.dk", role, region);
            let pairs: Vec<(&str, &str)> =
                body.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let r = region_admin.post_form("/admin/users", &pairs).await;
            assert_eq!(r.status, status, "invite as {role} {region}: {}", r.body);
        }
        let mut conn = app.db.conn().await.unwrap();
        let unchanged = pulje_store::users::get(&mut conn, midt.user.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(unchanged.role, Role::Leader);
        assert!(
            pulje_store::users::find_by_email(&mut conn, "ny.bruger@region.example.dk")
                .await
                .unwrap()
                .is_none()
        );
        drop(conn);
        assert!(app.outbox(None).await.iter().all(|m| m.event != "invite"));

        // Within the region it works: an invitation, an edit.
        let body = profile("ny.bruger@region.example.dk", "working_group", "");
        let pairs: Vec<(&str, &str)> = body.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let r = region_admin.post_form("/admin/users", &pairs).await;
        assert_eq!(r.status, 303, "{}", r.body);
        let body = profile(&midt.email, "steering_group", "");
        let pairs: Vec<(&str, &str)> = body.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let r = region_admin
            .post_form(&format!("/admin/users/{}", midt.id()), &pairs)
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let mut conn = app.db.conn().await.unwrap();
        let invited = pulje_store::users::find_by_email(&mut conn, "ny.bruger@region.example.dk")
            .await
            .unwrap()
            .expect("invited");
        assert_eq!(invited.region.map(|r| r.get()), Some(MIDTJYLLAND));
        let edited = pulje_store::users::get(&mut conn, midt.user.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(edited.role, Role::SteeringGroup);

        // Other roles reach none of the account routes.
        drop(conn);
        let mut leader = app.login(&midt).await;
        for path in user_routes(invited.id.get()) {
            let r = leader.post_form(&path, &[]).await;
            assert_eq!(r.status, 403, "steering_group: POST {path}: {}", r.body);
        }
    }
);
