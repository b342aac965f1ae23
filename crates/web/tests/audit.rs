//! The audit log: every stored change of an application leaves an entry with the actor and the
//! values before and after; a refused save leaves none.

#[macro_use]
mod common;

use common::*;
use pulje_domain::Role;
use pulje_store::audit::{self, Entry, Filter};

async fn entries(app: &TestApp, id: Option<i64>) -> Vec<Entry> {
    let mut conn = app.db.conn().await.unwrap();
    let filter = Filter {
        entity: Some("application".into()),
        entity_id: id.map(|i| i.to_string()),
        ..Default::default()
    };
    audit::list(&mut conn, &filter, 1000).await.unwrap()
}

fn json(text: &Option<String>) -> serde_json::Value {
    serde_json::from_str(text.as_deref().expect("a JSON value")).expect("valid JSON")
}

both_backends!(
    creating_and_updating_an_application_is_audited,
    |app| async move {
        let mut client = app.client_as(Role::Applicant, Some(MIDTJYLLAND)).await;
        let user = client.user().clone();
        assert!(entries(&app, None).await.is_empty());

        let r = client
            .post_form(
                "/applications",
                &[
                    ("version", "0"),
                    ("title", "Første titel"),
                    ("purpose", "Første formål"),
                ],
            )
            .await;
        let id = saved_id(&r);
        let log = entries(&app, Some(id)).await;
        assert_eq!(log.len(), 1, "{log:?}");
        let created = &log[0];
        assert_eq!(created.action, "create");
        assert_eq!(created.actor, user.email);
        assert_eq!(created.user_id.map(|u| u.get()), Some(user.id()));
        assert_eq!(created.region_code.map(|r| r.get()), Some(MIDTJYLLAND));
        assert!(created.before_json.is_none());
        let after = json(&created.after_json);
        assert_eq!(after["title"], "Første titel");
        assert_eq!(after["purpose"], "Første formål");
        assert_eq!(after["version"], 1);

        let r = client
            .post_form(
                &format!("/applications/{id}"),
                &[
                    ("version", "1"),
                    ("title", "Anden titel"),
                    ("purpose", "Første formål"),
                ],
            )
            .await;
        assert_eq!(saved_id(&r), id);
        let log = entries(&app, Some(id)).await;
        assert_eq!(log.len(), 2, "{log:?}");
        let updated = &log[0];
        assert_eq!(updated.action, "update");
        assert_eq!(updated.actor, user.email);
        assert_eq!(updated.user_id.map(|u| u.get()), Some(user.id()));
        let before = json(&updated.before_json);
        let after = json(&updated.after_json);
        assert_eq!(
            (before["title"].as_str(), before["version"].as_i64()),
            (Some("Første titel"), Some(1))
        );
        assert_eq!(
            (after["title"].as_str(), after["version"].as_i64()),
            (Some("Anden titel"), Some(2))
        );
        assert!(updated.id > created.id);

        // The history is shown on the detail page.
        let page = client.get(&format!("/applications/{id}")).await;
        let text = page.text();
        assert!(
            text.contains("Oprettet") && text.contains("Ændret"),
            "{text}"
        );
    }
);

both_backends!(a_refused_save_writes_no_audit_entry, |app| async move {
    let mut client = app.client_as(Role::Applicant, Some(MIDTJYLLAND)).await;

    // Refused creates: invalid, and without a CSRF token.
    let r = client
        .post_form(
            "/applications",
            &[
                ("version", "0"),
                ("title", "Ugyldig"),
                ("supplement_ore", "123"),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = client
        .post_form_raw(
            "/applications",
            &[("version", "0"), ("title", "Uden nøgle")],
        )
        .await;
    assert_eq!(r.status, 403);
    assert!(
        entries(&app, None).await.is_empty(),
        "a refused create is not audited"
    );
    assert_eq!(app.count_applications().await, 0);

    let r = client
        .post_form(
            "/applications",
            &[("version", "0"), ("title", "Gyldig kladde")],
        )
        .await;
    let id = saved_id(&r);
    assert_eq!(entries(&app, Some(id)).await.len(), 1);

    // Refused updates: invalid, and stale.
    let r = client
        .post_form(
            &format!("/applications/{id}"),
            &[
                ("version", "1"),
                ("title", "Gyldig kladde"),
                ("start_date", "2020-01-01"),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = client
        .post_form(
            &format!("/applications/{id}"),
            &[("version", "7"), ("title", "Forældet")],
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    let log = entries(&app, None).await;
    assert_eq!(log.len(), 1, "only the create is audited: {log:?}");
    assert_eq!(log[0].action, "create");
    assert_eq!(app.get_application(id).await.version, 1);
});

both_backends!(
    api_changes_are_audited_with_the_token_owner_as_actor,
    |app| async move {
        let leader = app.user(Role::Leader, Some(MIDTJYLLAND)).await;
        let (_, raw) = app.token(&leader).await;
        let api = Bearer::new(&app, &raw);
        let r = api
            .send_json(
                reqwest::Method::POST,
                "/api/v1/applications",
                &api_body("Oprettet via API", MIDTJYLLAND),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        let id = r.json()["id"].as_i64().unwrap();

        let mut invalid = api_body("Oprettet via API", MIDTJYLLAND);
        invalid["version"] = serde_json::json!(1);
        invalid["end_date"] = serde_json::json!("2022-01-01");
        let r = api
            .send_json(
                reqwest::Method::PUT,
                &format!("/api/v1/applications/{id}"),
                &invalid,
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);

        let log = entries(&app, Some(id)).await;
        assert_eq!(log.len(), 1, "{log:?}");
        assert_eq!(log[0].action, "create");
        assert_eq!(log[0].actor, leader.email);
        assert_eq!(log[0].user_id.map(|u| u.get()), Some(leader.id()));
        assert_eq!(json(&log[0].after_json)["title"], "Oprettet via API");
    }
);
