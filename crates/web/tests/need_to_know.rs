//! Need to know: the national viewer sees no unsent drafts; internal comments reach only the
//! working and steering groups and the administrators; the idea catalogue shows another
//! region's doctor's e-mail only with the doctor's consent; only the roles that use the API
//! make API tokens on "Min konto".

#[macro_use]
mod common;

use common::*;
use pulje_domain::{ApplicationStatus, Role};
use reqwest::Method;
use serde_json::json;

/// The ids of a JSON list of applications, sorted.
fn json_ids(r: &Resp) -> Vec<i64> {
    let mut ids: Vec<i64> = r
        .json()
        .as_array()
        .unwrap_or_else(|| panic!("a JSON array: {}", r.body))
        .iter()
        .map(|a| a["id"].as_i64().expect("an id"))
        .collect();
    ids.sort_unstable();
    ids
}

fn total_count(r: &Resp) -> i64 {
    r.headers
        .get("x-total-count")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("an X-Total-Count header: {:?}", r.headers))
}

both_backends!(
    the_national_viewer_finds_no_draft_by_any_route_and_lists_only_what_was_sent,
    |app| async move {
        app.create_tier(NORDJYLLAND, "Mellem", TIER_MEDIUM).await;
        let author = app.user(Role::Applicant, Some(NORDJYLLAND)).await;
        let draft = app
            .complete_application(
                &author,
                NORDJYLLAND,
                "Uafsendt kladde om akutmodtagelsen",
                TIER_MEDIUM,
                "2022-06-01",
                "2023-12-31",
            )
            .await;
        let sent = app
            .complete_application(
                &author,
                NORDJYLLAND,
                "Indsendt forsøg om brobygning",
                TIER_MEDIUM,
                "2022-06-01",
                "2023-12-31",
            )
            .await;
        app.set_status(i64::from(sent.id), ApplicationStatus::Submitted, None)
            .await;
        let (draft_id, sent_id) = (i64::from(draft.id), i64::from(sent.id));
        let draft_title = "Uafsendt kladde om akutmodtagelsen";

        let viewer_user = app.user(Role::NationalViewer, None).await;
        let viewer = app.login(&viewer_user).await;
        let api = app.bearer(&viewer_user).await;

        // The draft is not found by any route, page, PDF or API; the sent one is.
        for path in [
            format!("/applications/{draft_id}"),
            format!("/applications/{draft_id}/agreement.pdf"),
            format!("/api/v1/applications/{draft_id}"),
            format!("/api/v1/applications/{draft_id}/comments"),
        ] {
            let r = viewer.get(&path).await;
            assert_eq!(r.status, 404, "GET {path}: {}", r.body);
            assert!(
                !r.text().contains(draft_title),
                "GET {path} leaked the draft"
            );
            let r = api.get(&path).await;
            if path.starts_with("/api/") {
                assert_eq!(r.status, 404, "bearer GET {path}: {}", r.body);
            }
        }
        let r = viewer.get(&format!("/applications/{sent_id}")).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let r = api.get(&format!("/api/v1/applications/{sent_id}")).await;
        assert_eq!(r.status, 200, "{}", r.body);

        // Lists: the page, the API with its total, a region's and a status's.
        let r = viewer.get("/applications").await;
        assert_eq!(r.status, 200);
        assert_eq!(listed_ids(&r.body), vec![sent_id]);
        assert!(!r.text().contains(draft_title));
        for query in ["", "?region=1081", "?q=om"] {
            let r = api.get(&format!("/api/v1/applications{query}")).await;
            assert_eq!(r.status, 200, "{}", r.body);
            assert_eq!(json_ids(&r), vec![sent_id], "{query}");
            assert_eq!(
                total_count(&r),
                1,
                "the total leaves the draft out: {query}"
            );
        }
        let r = api.get("/api/v1/applications?status=draft").await;
        assert_eq!(json_ids(&r), Vec::<i64>::new());
        assert_eq!(total_count(&r), 0);
        let r = viewer.get("/applications?status=draft").await;
        assert_eq!(listed_ids(&r.body), Vec::<i64>::new());

        // The start page and the catalogue do not name it either.
        for path in ["/", "/idekatalog"] {
            let r = viewer.get(path).await;
            assert_eq!(r.status, 200, "{path}");
            assert!(!r.text().contains(draft_title), "{path} named the draft");
        }

        // The region's own roles still see the draft (a positive control), and the system
        // administrator too.
        let wg = app.client_as(Role::WorkingGroup, Some(NORDJYLLAND)).await;
        assert_eq!(
            wg.get(&format!("/applications/{draft_id}")).await.status,
            200
        );
        let admin = app.client_as(Role::Admin, None).await;
        assert_eq!(
            admin.get(&format!("/applications/{draft_id}")).await.status,
            200
        );
        let r = admin.get("/applications").await;
        let mut ids = listed_ids(&r.body);
        ids.sort_unstable();
        assert_eq!(ids, vec![draft_id, sent_id]);

        // Once sent, the viewer finds it.
        app.set_status(draft_id, ApplicationStatus::Submitted, None)
            .await;
        assert_eq!(
            viewer
                .get(&format!("/applications/{draft_id}"))
                .await
                .status,
            200
        );
        let r = api.get("/api/v1/applications").await;
        assert_eq!(
            json_ids(&r),
            vec![sent_id.min(draft_id), sent_id.max(draft_id)]
        );
        assert_eq!(total_count(&r), 2);
    }
);

both_backends!(
    the_national_viewer_sees_a_programme_application_only_once_a_step_was_taken,
    |app| async move {
        let applicant = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let consultant = app.user(Role::Leader, Some(MIDTJYLLAND)).await;
        let steering = app.user(Role::SteeringGroup, Some(MIDTJYLLAND)).await;
        install_shipped(
            &app,
            "almen-praksis-efteruddannelse",
            &[
                ("medical_consultant", &consultant),
                ("ce_steering_group", &steering),
            ],
        )
        .await;
        let me = bearer(&app, &applicant).await;
        let r = me
            .send_json(
                Method::POST,
                "/api/v1/applications",
                &json!({"programme": "almen-praksis-efteruddannelse", "fields": gp_fields()}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        let id = r.json()["id"].as_i64().unwrap();

        let viewer_user = app.user(Role::NationalViewer, None).await;
        let viewer = app.login(&viewer_user).await;
        let api = bearer(&app, &viewer_user).await;
        assert_eq!(viewer.get(&format!("/applications/{id}")).await.status, 404);
        let r = api.get(&format!("/api/v1/applications/{id}")).await;
        assert_eq!(r.status, 404, "{}", r.body);
        let r = api.get("/api/v1/applications").await;
        assert_eq!(json_ids(&r), Vec::<i64>::new());
        assert_eq!(total_count(&r), 0);
        // Its writer does see it (a positive control).
        assert_eq!(
            me.get(&format!("/api/v1/applications/{id}")).await.status,
            200
        );

        let r = transition(&me, id, json!({"action": "submit"})).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let r = api.get(&format!("/api/v1/applications/{id}")).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(viewer.get(&format!("/applications/{id}")).await.status, 200);
        let r = api.get("/api/v1/applications").await;
        assert_eq!(json_ids(&r), vec![id]);
        assert_eq!(total_count(&r), 1);
    }
);

const INTERNAL: &str = "Intern vurdering: budgettet virker for stort";
const OPEN: &str = "Vi har modtaget ansøgningen og ser på den";

both_backends!(
    an_internal_comment_reaches_only_the_working_and_steering_groups_and_administrators,
    |app| async move {
        let author = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let a = app
            .complete_application(
                &author,
                MIDTJYLLAND,
                "Forsøg med kommentarer",
                TIER_MEDIUM,
                "2022-06-01",
                "2023-12-31",
            )
            .await;
        let id = i64::from(a.id);
        app.set_status(id, ApplicationStatus::Submitted, None).await;
        let path = format!("/applications/{id}");
        let comments = format!("/applications/{id}/comments");

        // The working group is offered the checkbox and writes one internal comment and one
        // for everyone.
        let wg_user = app.user(Role::WorkingGroup, Some(MIDTJYLLAND)).await;
        let mut wg = app.login(&wg_user).await;
        let r = wg.get(&path).await;
        assert!(
            r.text().contains("Kun til arbejds- og styregruppen"),
            "the working group is offered the checkbox"
        );
        let r = wg
            .post_form(&comments, &[("body", INTERNAL), ("internal", "1")])
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let r = wg.post_form(&comments, &[("body", OPEN)]).await;
        assert_eq!(r.status, 303, "{}", r.body);

        // The applicant cannot mark a comment internal: 403, nothing stored; the form does
        // not offer it.
        let mut applicant = app.login(&author).await;
        let r = applicant.get(&path).await;
        assert!(!r.text().contains("Kun til arbejds- og styregruppen"));
        let r = applicant
            .post_form(&comments, &[("body", "Må jeg?"), ("internal", "1")])
            .await;
        assert_eq!(r.status, 403, "{}", r.body);

        // A return's reason is for the applicant, never internal.
        let reason = "Beskriv evalueringen nærmere";
        let r = app
            .bearer(&wg_user)
            .await
            .transition(id, &step("return", json!({ "comment": reason })))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);

        let mut conn = app.db.conn().await.unwrap();
        let stored = pulje_store::workflow::comments(&mut conn, a.id)
            .await
            .unwrap();
        drop(conn);
        let flags: Vec<(&str, bool)> = stored
            .iter()
            .map(|c| (c.body.as_str(), c.internal.0))
            .collect();
        assert_eq!(flags, [(INTERNAL, true), (OPEN, false), (reason, false)]);

        // Who reads what, on the page and through the API.
        let mut readers = vec![(author.clone(), false)];
        for (role, region, sees) in [
            (Role::Leader, Some(MIDTJYLLAND), false),
            (Role::UnionRep, Some(MIDTJYLLAND), false),
            (Role::WorkingGroup, Some(MIDTJYLLAND), true),
            (Role::SteeringGroup, Some(MIDTJYLLAND), true),
            (Role::RegionAdmin, Some(MIDTJYLLAND), true),
            (Role::Admin, None, true),
            (Role::NationalViewer, None, false),
        ] {
            readers.push((app.user(role, region).await, sees));
        }
        for (user, sees) in readers {
            let who = user.user.role.as_str();
            let c = app.login(&user).await;
            let r = c.get(&path).await;
            assert_eq!(r.status, 200, "{who}: {}", r.body);
            let text = r.text();
            assert!(text.contains(OPEN), "{who} reads the open comment");
            assert!(text.contains(reason), "{who} reads the return's reason");
            assert_eq!(text.contains(INTERNAL), sees, "{who}: the internal comment");
            let r = app
                .bearer(&user)
                .await
                .get(&format!("/api/v1/applications/{id}/comments"))
                .await;
            assert_eq!(r.status, 200, "{who}: {}", r.body);
            let listed: Vec<(String, bool)> = r
                .json()
                .as_array()
                .unwrap()
                .iter()
                .map(|c| {
                    (
                        c["body"].as_str().unwrap().to_string(),
                        c["internal"].as_bool().expect("internal is a boolean"),
                    )
                })
                .collect();
            let mut expected = vec![(OPEN.to_string(), false), (reason.to_string(), false)];
            if sees {
                expected.insert(0, (INTERNAL.to_string(), true));
            }
            assert_eq!(listed, expected, "{who}");
        }

        // No mail carries it, and the audit names it internal.
        for m in app.outbox(None).await {
            assert!(!format!("{m:?}").contains(INTERNAL), "a mail: {m:?}");
        }
        let actions: Vec<String> = app
            .audit_of(id)
            .await
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert!(
            actions.iter().any(|a| a == "internal_comment"),
            "{actions:?}"
        );
        assert!(actions.iter().any(|a| a == "comment"), "{actions:?}");
    }
);

both_backends!(
    the_catalogue_shows_another_regions_doctors_email_only_with_consent,
    |app| async move {
        app.create_tier(NORDJYLLAND, "Mellem", TIER_MEDIUM).await;
        let doctor = app.user(Role::Applicant, Some(NORDJYLLAND)).await;
        let a = app
            .complete_application(
                &doctor,
                NORDJYLLAND,
                "Nordjysk idé om vagtplanlægning",
                TIER_MEDIUM,
                "2022-06-01",
                "2023-12-31",
            )
            .await;
        app.set_status(i64::from(a.id), ApplicationStatus::Active, None)
            .await;

        let email_of = |r: &Resp| -> (String, String) {
            assert_eq!(r.status, 200, "{}", r.body);
            let entries = r.json()["entries"].as_array().unwrap().clone();
            let e = entries
                .iter()
                .find(|e| e["id"].as_i64() == Some(i64::from(a.id)))
                .unwrap_or_else(|| panic!("the entry is listed: {}", r.body));
            (
                e["contact_name"].as_str().unwrap().to_string(),
                e["contact_email"].as_str().unwrap().to_string(),
            )
        };
        let other = app.client_as(Role::WorkingGroup, Some(MIDTJYLLAND)).await;
        let own = app.client_as(Role::WorkingGroup, Some(NORDJYLLAND)).await;
        let national = app.client_as(Role::NationalViewer, None).await;

        // Without consent: the other region and the national roles get the name only.
        let (name, email) = email_of(&other.get("/api/v1/catalogue").await);
        assert_eq!(
            (name.as_str(), email.as_str()),
            (doctor.user.name.as_str(), "")
        );
        assert_eq!(email_of(&national.get("/api/v1/catalogue").await).1, "");
        let page = other.get("/idekatalog").await;
        assert!(page.text().contains("Nordjysk idé om vagtplanlægning"));
        assert!(
            !page.body.contains(&doctor.email),
            "the page hides the e-mail"
        );
        // The own region's users see it.
        assert_eq!(
            email_of(&own.get("/api/v1/catalogue").await).1,
            doctor.email
        );
        assert!(own.get("/idekatalog").await.body.contains(&doctor.email));

        // The doctor consents on "Min konto" (audited); then every reader sees it.
        let mut me = app.login(&doctor).await;
        let r = me.get("/me").await;
        assert!(r
            .text()
            .contains("Vis min e-mail i idékataloget for andre regioner"));
        assert!(!checkbox_checked(&r.body, "consent", "1"));
        let r = me.post_form("/me/idekatalog", &[("consent", "1")]).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(checkbox_checked(&r.body, "consent", "1"));
        assert_eq!(
            email_of(&other.get("/api/v1/catalogue").await).1,
            doctor.email
        );
        assert!(other.get("/idekatalog").await.body.contains(&doctor.email));
        assert_eq!(
            email_of(&national.get("/api/v1/catalogue").await).1,
            doctor.email
        );

        // Withdrawn: hidden again.
        let r = me.post_form("/me/idekatalog", &[]).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(!checkbox_checked(&r.body, "consent", "1"));
        assert_eq!(email_of(&other.get("/api/v1/catalogue").await).1, "");

        let mut conn = app.db.conn().await.unwrap();
        let filter = pulje_store::audit::Filter {
            entity: Some("user".into()),
            entity_id: Some(doctor.id().to_string()),
            ..Default::default()
        };
        let entries = pulje_store::audit::list(&mut conn, &filter, 100)
            .await
            .unwrap();
        let consents: Vec<(Option<String>, Option<String>)> = entries
            .into_iter()
            .filter(|e| e.action == "catalogue_email_consent")
            .map(|e| (e.before_json, e.after_json))
            .collect();
        // Newest first.
        assert_eq!(
            consents,
            [
                (Some("true".into()), Some("false".into())),
                (Some("false".into()), Some("true".into())),
            ]
        );
    }
);

both_backends!(
    only_the_roles_that_use_the_api_make_api_tokens,
    |app| async move {
        for role in Role::ALL {
            let who = role.as_str();
            let region = role.is_regional().then_some(MIDTJYLLAND);
            let user = app.user(role, region).await;
            let mut c = app.login(&user).await;
            let uses_api = matches!(role, Role::Admin | Role::RegionAdmin | Role::NationalViewer);
            let r = c.get("/me").await;
            assert_eq!(r.status, 200, "{who}");
            // The rest of the page stays.
            assert!(r.text().contains("Skift adgangskode"), "{who}");
            assert_eq!(r.text().contains("Opret API-nøgle"), uses_api, "{who}");
            assert_eq!(r.text().contains("API-nøgler"), uses_api, "{who}");

            let r = c
                .post_form("/me/tokens", &[("label", "mit program"), ("days", "30")])
                .await;
            let mut conn = app.db.conn().await.unwrap();
            let tokens =
                pulje_store::sessions::list_tokens(&mut conn, pulje_domain::UserId::new(user.id()))
                    .await
                    .unwrap();
            drop(conn);
            if uses_api {
                assert_eq!(r.status, 200, "{who}: {}", r.body);
                assert_eq!(tokens.len(), 1, "{who}");
            } else {
                assert_eq!(r.status, 403, "{who}: {}", r.body);
                assert!(
                    r.text().contains("kan ikke oprette API-nøgler"),
                    "{who}: a Danish reason: {}",
                    r.body
                );
                assert!(tokens.is_empty(), "{who}: no token made");
            }
        }

        // A token an applicant holds from before keeps working, is listed and can be revoked.
        let applicant = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let (token_id, raw) = app.token(&applicant).await;
        let api = Bearer::new(&app, &raw);
        let r = api.get("/api/v1/applications").await;
        assert_eq!(r.status, 200, "{}", r.body);
        let mut c = app.login(&applicant).await;
        let r = c.get("/me").await;
        assert!(r.text().contains("API-nøgler"));
        assert!(!r.text().contains("Opret API-nøgle"));
        assert!(r.body.contains(&format!("/me/tokens/{token_id}/revoke")));
        let r = c
            .post_form(&format!("/me/tokens/{token_id}/revoke"), &[])
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(api.get("/api/v1/applications").await.status, 401);
    }
);
