//! The public programme page: readable without login, open rounds and deadlines, no private data.

#[macro_use]
mod common;

use common::*;
use pulje_domain::Role;

both_backends!(
    the_programme_page_shows_open_rounds_without_login,
    |app| async move {
        let today = chrono::Utc::now().date_naive();
        let future = today + chrono::Duration::days(40);
        app.create_round(
            NORDJYLLAND,
            "Forårsrunden",
            today - chrono::Duration::days(5),
            future,
        )
        .await;
        app.create_round(
            MIDTJYLLAND,
            "Afsluttet runde",
            today - chrono::Duration::days(90),
            today - chrono::Duration::days(1),
        )
        .await;
        let doctor = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        app.complete_application(
            &doctor,
            MIDTJYLLAND,
            "Hemmelig ansøgning",
            TIER_MEDIUM,
            "2022-06-01",
            "2023-12-31",
        )
        .await;

        let anon = app.anonymous();
        let r = anon.get("/program/ok21").await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body.contains("Forårsrunden (åben nu)"));
        assert!(r.body.contains(&pulje_domain::date::format_date_da(future)));
        assert!(r.body.contains("Region Nordjylland"));
        assert!(
            !r.body.contains("Afsluttet runde"),
            "closed rounds are not listed"
        );
        assert!(
            !r.body.contains("Hemmelig ansøgning") && !r.body.contains(&doctor.email),
            "no private data"
        );
        assert!(r.body.contains("href=\"/applications/new\""));
        // The login page links to it; starting an application asks for a login.
        assert!(anon
            .get("/login")
            .await
            .body
            .contains("href=\"/program/ok21\""));
        let r = anon.get("/applications/new").await;
        assert_eq!(r.status, 303);
        assert_eq!(r.location(), Some("/login?next=%2Fapplications%2Fnew"));
        // After logging in from there, the applicant lands on the new application form; a
        // `next` pointing elsewhere is not followed.
        let form = anon.get("/login?next=%2Fapplications%2Fnew").await;
        assert!(form
            .body
            .contains("name=\"next\" value=\"/applications/new\""));
        let applicant = app.user(Role::Applicant, Some(1082)).await;
        let c = app.anonymous();
        let csrf = c
            .get("/login")
            .await
            .csrf_token()
            .expect("login form token");
        let r = c
            .post_form_raw(
                "/login",
                &[
                    ("csrf_token", &csrf),
                    ("email", &applicant.email),
                    ("password", &applicant.password),
                    ("next", "/applications/new"),
                ],
            )
            .await;
        assert_eq!(r.location(), Some("/applications/new"));
        let c = app.anonymous();
        let csrf = c
            .get("/login")
            .await
            .csrf_token()
            .expect("login form token");
        let r = c
            .post_form_raw(
                "/login",
                &[
                    ("csrf_token", &csrf),
                    ("email", &applicant.email),
                    ("password", &applicant.password),
                    ("next", "https://elsewhere.example/"),
                ],
            )
            .await;
        assert_eq!(r.location(), Some("/"));
        // Every programme has its page; an unknown one is simply not found.
        assert_eq!(anon.get("/program/findes-ikke").await.status, 404);
        // The catalogue is for logged-in users only.
        assert_eq!(anon.get("/idekatalog").await.status, 303);
        assert_eq!(anon.get("/api/v1/catalogue").await.status, 401);
    }
);
