//! Two `pulje serve` instances on one database, as behind a load balancer: a session made on one
//! is valid on the other, a change made through one shows in the other's kept views at the next
//! request, and the once-only daily work is done once.

#[macro_use]
mod common;

use common::*;
use pulje_domain::{ApplicationStatus, Role};
use pulje_store::Db;
use pulje_web::{AppState, Config};

/// A second server on the same database; it stops when the sender is dropped.
async fn second_instance(app: &TestApp) -> (String, Db, tokio::sync::oneshot::Sender<()>) {
    let db = Db::connect(&app.db_url).await.expect("second connection");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let state = AppState::new(db.clone(), Config::default());
    tokio::spawn(async move {
        let _ = pulje_web::serve(listener, state, async move {
            let _ = stopped.await;
        })
        .await;
    });
    (base, db, stop)
}

both_backends!(two_instances_share_one_database, |app| async move {
    let (second, second_db, _stop) = second_instance(&app).await;

    // 1. A session made on the first instance is valid on the second (the cookie is the
    //    host's, whatever the port; the session lives in the shared database).
    let admin = app.client_as(Role::RegionAdmin, Some(NORDJYLLAND)).await;
    let dashboard = format!("/regions/{NORDJYLLAND}");
    let on_second = |path: &str| {
        let (http, url) = (admin.http.clone(), format!("{second}{path}"));
        async move {
            let r = http.get(url).send().await.expect("GET on the second");
            (r.status().as_u16(), r.text().await.expect("body"))
        }
    };
    let (status, html) = on_second(&dashboard).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains(&admin.user().user.name),
        "the admin's own page"
    );
    assert_eq!(dashboard_total(&html), 0);
    // Asked again, the second instance answers from what it kept.
    assert_eq!(dashboard_total(&on_second(&dashboard).await.1), 0);

    // 2. A change made through the first instance's API shows on the second's kept dashboard
    //    at its next request.
    let applicant = app.user(Role::Applicant, Some(NORDJYLLAND)).await;
    let api = app.bearer(&applicant).await;
    let r = api
        .send_json(
            reqwest::Method::POST,
            "/api/v1/applications",
            &api_body("Skrevet gennem den første", NORDJYLLAND),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(dashboard_total(&on_second(&dashboard).await.1), 1);
    assert_eq!(dashboard_total(&admin.get(&dashboard).await.text()), 1);

    // Logging out on the second ends the session on the first as well.
    let r = admin
        .http
        .post(format!("{second}/logout"))
        .header("x-csrf-token", csrf_of(&on_second(&dashboard).await.1))
        .send()
        .await
        .expect("logout");
    assert!(r.status().is_redirection(), "{}", r.status());
    let r = admin.get(&dashboard).await;
    assert_eq!(r.status, 303, "the session is gone on the first too");

    // 3. The daily end of agreements, run by both instances at once, ends each agreement once.
    let doctor = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
    let input = app
        .complete_input(
            MIDTJYLLAND,
            "Udløbet aftale",
            TIER_SMALL,
            "2022-06-01",
            "2023-06-30",
        )
        .await;
    let a = app.application(&doctor, MIDTJYLLAND, &input).await;
    app.set_status(i64::from(a.id), ApplicationStatus::Active, None)
        .await;
    let today = chrono::Utc::now().date_naive();
    let (mut one, mut two) = (app.db.handle(), second_db.handle());
    let (x, y) = tokio::join!(
        pulje_app::mailer::end_expired(&mut one, today),
        pulje_app::mailer::end_expired(&mut two, today),
    );
    let (x, y) = (x.expect("first instance"), y.expect("second instance"));
    assert_eq!(x + y, 1, "one agreement ended once ({x} + {y})");
    assert_eq!(
        app.get_application(i64::from(a.id)).await.status,
        ApplicationStatus::Ended
    );
    let endings = app
        .audit_of(i64::from(a.id))
        .await
        .into_iter()
        .filter(|e| e.action == "ended")
        .count();
    assert_eq!(endings, 1, "one audit entry for the ending");
    second_db.close().await;
});

/// The CSRF token a page's forms carry.
fn csrf_of(html: &str) -> String {
    hidden_value(html, "csrf_token").expect("a form with a CSRF token")
}
