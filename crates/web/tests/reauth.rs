//! Re-authentication before sensitive actions: a session whose user last proved who they are
//! more than 10 minutes ago is asked for the password (and the second factor's code when on)
//! before creating a user, changing a role, deciding or signing; the page carries what was typed,
//! and after the password the action completes with it. An API request in a stale session is
//! refused; other steps pass.

#[macro_use]
mod common;

use common::*;
use pulje_domain::{ApplicationStatus, Role};
use serde_json::json;

both_backends!(
    creating_a_user_in_a_stale_session_asks_for_the_password_and_keeps_what_was_typed,
    |app| async move {
        let mut admin = app.client_as(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
        // A fresh login counts: the first user is created straight away.
        let r = admin
            .post_form(
                "/admin/users",
                &[
                    ("email", "frisk@region.example.dk"),
                    ("name", "Frisk Bruger"),
                    ("role", "leader"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);

        go_stale(&app, admin.user().id()).await;
        let typed = [
            ("email", "ny.kollega@region.example.dk"),
            ("name", "Søren Ærø-Åberg & Co <test>"),
            ("role", "working_group"),
        ];
        let page = admin.post_form("/admin/users", &typed).await;
        assert_eq!(page.status, 401, "{}", page.body);
        let count = "SELECT COUNT(*) FROM users WHERE email = 'ny.kollega@region.example.dk'";
        assert_eq!(app.scalar_i64(count).await, 0);
        for (name, value) in typed {
            assert!(
                hidden_fields(&page.body).contains(&(name.to_string(), value.to_string())),
                "{name} carried: {}",
                page.body
            );
        }

        // A wrong password: asked again, nothing done.
        let again = confirm(&admin, &page, "/admin/users", "forkert-kodeord-999", None).await;
        assert_eq!(again.status, 401, "{}", again.body);
        assert!(
            again.text().contains("adgangskoden er forkert"),
            "{}",
            again.body
        );
        assert_eq!(app.scalar_i64(count).await, 0);

        // The right one: the user is created with what was typed.
        let done = confirm(&admin, &again, "/admin/users", PASSWORD, None).await;
        assert_eq!(done.status, 303, "{}", done.body);
        assert_eq!(app.scalar_i64(count).await, 1);
        let name: String = {
            let mut conn = app.db.conn().await.unwrap();
            pulje_store::users::find_by_email(&mut conn, "ny.kollega@region.example.dk")
                .await
                .unwrap()
                .unwrap()
                .name
        };
        assert_eq!(name, "Søren Ærø-Åberg & Co <test>");
        assert_eq!(
            app.scalar_i64(&format!(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'reauthenticated' AND user_id = {}",
                admin.user().id()
            ))
            .await,
            1
        );

        // Fresh again: changing a role goes straight through.
        let target = app.user(Role::Leader, Some(MIDTJYLLAND)).await;
        let r = admin
            .post_form(
                &format!("/admin/users/{}", target.id()),
                &[
                    ("email", &target.email),
                    ("name", "Ny Rolle"),
                    ("role", "steering_group"),
                    ("region_code", ""),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);

        // Stale: changing a role asks first.
        go_stale(&app, admin.user().id()).await;
        let path = format!("/admin/users/{}", target.id());
        let page = admin
            .post_form(
                &path,
                &[
                    ("email", &target.email),
                    ("name", "Ny Rolle"),
                    ("role", "working_group"),
                    ("region_code", ""),
                ],
            )
            .await;
        assert_eq!(page.status, 401, "{}", page.body);
        let done = confirm(&admin, &page, &path, PASSWORD, None).await;
        assert_eq!(done.status, 303, "{}", done.body);
        let mut conn = app.db.conn().await.unwrap();
        let after = pulje_store::users::get(&mut conn, target.user.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(after.role, Role::WorkingGroup);
    }
);

both_backends!(
    deciding_in_a_stale_session_asks_first_and_then_decides_with_the_reason_typed,
    |app| async move {
        let author = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let a = app
            .ready_application(&author, "Hurtigere udskrivelse", "2022-06-01", "2023-05-31")
            .await;
        let id = i64::from(a.id);
        let sg_user = app.user(Role::SteeringGroup, Some(MIDTJYLLAND)).await;
        let mut sg = app.login(&sg_user).await;
        go_stale(&app, sg_user.id()).await;

        // Through the API with the session: refused, nothing decided.
        let r = sg
            .send_json(
                reqwest::Method::POST,
                &format!("/api/v1/applications/{id}/transitions"),
                &json!({ "action": "reject", "reason": "Ikke nu." }),
            )
            .await;
        assert_eq!(r.status, 403, "{}", r.body);
        assert!(r.body.contains("10 minutter"), "{}", r.body);

        let path = format!("/applications/{id}/transitions");
        let reason = "Projektet mangler en plan for evaluering – «søg igen» næste runde.";
        let page = sg
            .post_form(&path, &[("action", "reject"), ("reason", reason)])
            .await;
        assert_eq!(page.status, 401, "{}", page.body);
        assert_eq!(
            app.get_application(id).await.status,
            ApplicationStatus::ReadyForDecision
        );
        let done = confirm(&sg, &page, &path, PASSWORD, None).await;
        assert_eq!(done.status, 303, "{}", done.body);
        let after = app.get_application(id).await;
        assert_eq!(after.status, ApplicationStatus::Rejected);
        let stored = {
            let mut conn = app.db.conn().await.unwrap();
            sqlx::query_scalar::<_, String>(&format!(
                "SELECT reason FROM decisions WHERE application_id = {id} AND kind = 'reject'"
            ))
            .fetch_one(&mut *conn)
            .await
            .unwrap()
        };
        assert_eq!(stored, reason);
    }
);

both_backends!(
    steps_that_are_not_decisions_pass_in_a_stale_session,
    |app| async move {
        let author = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let a = app
            .complete_application(
                &author,
                MIDTJYLLAND,
                "Indsendes i en gammel session",
                TIER_MEDIUM,
                "2022-06-01",
                "2023-05-31",
            )
            .await;
        let id = i64::from(a.id);
        let mut client = app.login(&author).await;
        go_stale(&app, author.id()).await;
        let r = client
            .post_form(
                &format!("/applications/{id}/transitions"),
                &[("action", "submit")],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(
            app.get_application(id).await.status,
            ApplicationStatus::Submitted
        );
        // Someone who may not create users at all is refused, not asked for the password.
        let r = client
            .post_form(
                "/admin/users",
                &[
                    ("email", "x@region.example.dk"),
                    ("name", "X"),
                    ("role", "leader"),
                ],
            )
            .await;
        assert_eq!(r.status, 403, "{}", r.body);
    }
);
