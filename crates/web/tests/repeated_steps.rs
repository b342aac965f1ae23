//! A step sent twice — a double click, or the form sent again — is answered as done, not as "not
//! possible now", and taken once; the same step refused for someone who did not just take it is
//! still refused with its reason.

#[macro_use]
mod common;

use common::*;
use pulje_domain::Role;
use serde_json::json;

/// How many times the step `action` on `id` is in the audit log.
async fn times_taken(app: &TestApp, id: i64, action: &str) -> i64 {
    let mut conn = app.db.conn().await.expect("conn");
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE entity = 'application' AND entity_id = $1 AND action = $2",
    )
    .bind(id.to_string())
    .bind(action)
    .fetch_one(&mut *conn)
    .await
    .expect("audit")
}

both_backends!(
    a_submit_clicked_twice_shows_the_success_once_taken,
    |app| async move {
        let writer = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let mut page = app.login(&writer).await;
        let a = app
            .complete_application(
                &writer,
                MIDTJYLLAND,
                "Dobbeltklik",
                TIER_MEDIUM,
                "2022-04-01",
                "2023-03-31",
            )
            .await;
        let id = i64::from(a.id);
        let path = format!("/applications/{id}/transitions");
        for _ in 0..2 {
            let r = page.post_form(&path, &[("action", "submit")]).await;
            assert_eq!(r.status, 303, "{}", r.body);
            assert_eq!(
                r.location(),
                Some(format!("/applications/{id}?trin=submit").as_str())
            );
        }
        assert_eq!(times_taken(&app, id, "submit").await, 1);
        assert_eq!(app.get_application(id).await.status.as_str(), "submitted");

        // Someone who did not just take it is told why not.
        let mut admin = app.client_as(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
        let r = admin.post_form(&path, &[("action", "submit")]).await;
        assert_eq!(r.status, 409, "{}", r.body);

        // A programme defined as data: the same.
        let applicant = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        install_shipped(&app, "almen-praksis-efteruddannelse", &[]).await;
        let me = bearer(&app, &applicant).await;
        let r = me
            .send_json(
                reqwest::Method::POST,
                "/api/v1/applications",
                &json!({"programme": "almen-praksis-efteruddannelse", "fields": gp_fields()}),
            )
            .await;
        let gp = r.json()["id"].as_i64().unwrap();
        let mut gp_page = app.login(&applicant).await;
        let path = format!("/applications/{gp}/transitions");
        for _ in 0..2 {
            let r = gp_page.post_form(&path, &[("action", "submit")]).await;
            assert_eq!(r.status, 303, "{}", r.body);
            assert_eq!(
                r.location(),
                Some(format!("/applications/{gp}?trin=submit").as_str())
            );
        }
        assert_eq!(times_taken(&app, gp, "submit").await, 1);
        let shown = gp_page
            .get(&format!("/applications/{gp}?trin=submit"))
            .await;
        assert!(
            shown.body.contains("Udført: Send ansøgningen."),
            "{}",
            shown.body
        );
    }
);
