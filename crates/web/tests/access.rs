//! Access and faults (issue 15): the login throttle under parallel attempts, the headers that keep
//! personal answers out of caches, page forms with the NUL character, page numbers past the end,
//! bounded upload fields, and connections that send nothing.

#[macro_use]
mod common;

use common::*;
use pulje_domain::Role;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A browser of its own (cookie store, no redirects followed).
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("reqwest client")
}

/// Password checks recorded for `email` (attempts the throttle let through).
async fn checks(app: &TestApp, email: &str) -> i64 {
    let mut conn = app.db.conn().await.expect("conn");
    pulje_store::logins::checked_attempts(&mut conn, email)
        .await
        .expect("checked_attempts")
}

/// All attempts recorded for `email`, checked or not.
async fn attempts(app: &TestApp, email: &str) -> i64 {
    let mut conn = app.db.conn().await.expect("conn");
    sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM login_attempts WHERE email = $1")
        .bind(email)
        .fetch_one(&mut *conn)
        .await
        .expect("count")
}

both_backends!(
    forty_parallel_wrong_passwords_get_at_most_five_checks_and_the_user_still_gets_in,
    |app| async move {
        let user = app.user(Role::Leader, Some(MIDTJYLLAND)).await;
        // The user's own browser knows the device from an earlier login, then logs out.
        let mut own = app.login(&user).await;
        assert!(
            own.get("/me").await.status == 200,
            "the user's own browser is logged in"
        );
        let r = own.post_form("/logout", &[]).await;
        assert_eq!(r.status, 303, "{}", r.body);
        let before = checks(&app, &user.email).await;
        assert_eq!(before, 1, "the earlier login was one check");

        // 40 browsers, each with its login form, send a wrong password at the same moment.
        let mut ready = Vec::new();
        for _ in 0..40 {
            let http = browser();
            let form = Resp::read(http.get(app.url("/login")).send().await.unwrap()).await;
            let csrf = form.csrf_token().expect("csrf_token");
            ready.push((http, csrf));
        }
        let mut set = tokio::task::JoinSet::new();
        for (i, (http, csrf)) in ready.into_iter().enumerate() {
            let url = app.url("/login");
            let email = user.email.clone();
            set.spawn(async move {
                let password = format!("forkert-kodeord-{i}");
                let r = http
                    .post(url)
                    .form(&[
                        ("email", email.as_str()),
                        ("password", password.as_str()),
                        ("csrf_token", csrf.as_str()),
                    ])
                    .send()
                    .await
                    .expect("POST /login");
                Resp::read(r).await
            });
        }
        let mut wrong = 0;
        let mut refused = 0;
        while let Some(r) = set.join_next().await {
            let r = r.expect("task");
            match r.status {
                401 => {
                    assert!(
                        r.text()
                            .contains("E-mailadressen eller adgangskoden er forkert."),
                        "{}",
                        r.body
                    );
                    wrong += 1;
                }
                429 => {
                    assert!(
                        r.text().contains("For mange mislykkede forsøg"),
                        "{}",
                        r.body
                    );
                    assert!(r.headers.contains_key("retry-after"));
                    refused += 1;
                }
                other => panic!("a wrong password answered {other}: {}", r.body),
            }
        }
        assert_eq!(wrong + refused, 40);
        let checked = checks(&app, &user.email).await - before;
        assert!(
            (1..=5).contains(&checked),
            "40 parallel wrong passwords got {checked} password checks"
        );
        assert_eq!(checked, wrong, "every 401 was a check, every 429 was not");
        assert_eq!(
            attempts(&app, &user.email).await,
            41,
            "every attempt recorded"
        );

        // The user's own browser (a known device) gets in at once with the right password.
        let r = own.login(&user.email, &user.password).await;
        assert_eq!(r.status, 303, "the known device is let in: {}", r.body);

        // A browser pulje has not seen is told to wait, without a check, and when to come back …
        let mut stranger = app.anonymous();
        let r = stranger.login(&user.email, &user.password).await;
        assert_eq!(r.status, 429, "{}", r.body);
        assert!(r.text().contains("Vent "), "{}", r.body);
        let wait: u64 = r
            .headers
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .expect("Retry-After in seconds");
        assert!(
            (1..=8).contains(&wait),
            "after five failures the wait is seconds, not a 15-minute lock: {wait}"
        );
        // … and gets in with the right password once the wait is over.
        tokio::time::sleep(Duration::from_secs(wait) + Duration::from_millis(300)).await;
        let r = stranger.login(&user.email, &user.password).await;
        assert_eq!(r.status, 303, "{}", r.body);
    }
);

both_backends!(
    an_unknown_and_a_disabled_account_are_checked_and_answered_like_a_wrong_password,
    |app| async move {
        let disabled = app.user(Role::Leader, Some(MIDTJYLLAND)).await;
        {
            let mut tx = app.db.begin().await.unwrap();
            sqlx::query("UPDATE users SET disabled = 1 WHERE id = $1")
                .bind(disabled.id())
                .execute(&mut *tx)
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }
        for (email, password) in [
            (disabled.email.as_str(), disabled.password.as_str()),
            ("findes.ikke@test.pulje.dk", "korrekt-hest-batteri-42"),
        ] {
            let mut c = app.anonymous();
            let r = c.login(email, password).await;
            assert_eq!(r.status, 401, "{email}: {}", r.body);
            assert!(r
                .text()
                .contains("E-mailadressen eller adgangskoden er forkert."));
            assert_eq!(checks(&app, email).await, 1, "{email}: one check");
        }
    }
);

both_backends!(
    personal_answers_are_not_stored_and_no_address_is_sent_to_other_sites,
    |app| async move {
        let sg = app.client_as(Role::SteeringGroup, Some(MIDTJYLLAND)).await;
        let api = app
            .bearer(&app.user(Role::SteeringGroup, Some(MIDTJYLLAND)).await)
            .await;
        let private = [
            ("page", sg.get("/me").await),
            ("list", sg.get("/applications").await),
            (
                "PDF",
                sg.get(&format!("/reports/regional/{MIDTJYLLAND}/report.pdf"))
                    .await,
            ),
            (
                "CSV",
                sg.get(&format!("/reports/regional/{MIDTJYLLAND}/hospitaler.csv"))
                    .await,
            ),
            ("API", api.get("/api/v1/applications").await),
            ("404", sg.get("/findes-ikke").await),
            ("login form", app.anonymous().get("/login").await),
        ];
        for (what, r) in &private {
            if *what != "404" {
                assert_eq!(r.status, 200, "{what}: {}", r.body);
            }
            assert_eq!(
                r.headers.get("cache-control").and_then(|v| v.to_str().ok()),
                Some("no-store"),
                "{what}"
            );
            assert_eq!(
                r.headers
                    .get("referrer-policy")
                    .and_then(|v| v.to_str().ok()),
                Some("same-origin"),
                "{what}"
            );
        }
        // The stylesheet may be kept; it still tells no other site where it was used.
        let css = app.anonymous().get("/static/pulje.css").await;
        assert_eq!(css.status, 200);
        assert_eq!(
            css.headers
                .get("cache-control")
                .and_then(|v| v.to_str().ok()),
            Some("public, max-age=3600")
        );
        assert_eq!(
            css.headers
                .get("referrer-policy")
                .and_then(|v| v.to_str().ok()),
            Some("same-origin")
        );
        let health = app.anonymous().get("/healthz").await;
        assert_eq!(health.status, 200);
        assert!(health.headers.get("cache-control").is_none());
    }
);

both_backends!(
    a_nul_in_a_page_form_is_refused_by_field_name_and_nothing_is_stored,
    |app| async move {
        // Before login: the login form.
        let mut c = app.anonymous();
        let r = c
            .login("a\0b@test.pulje.dk", "korrekt-hest-batteri-42")
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(
            r.text().contains("Feltet «email» indeholder tegnet NUL"),
            "{}",
            r.body
        );
        // Logged in: a new API token's label on "Min konto" (a role that makes tokens).
        let mut user = app.client_as(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
        let r = user
            .post_form("/me/tokens", &[("label", "min\0nøgle")])
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(
            r.text().contains("Feltet «label» indeholder tegnet NUL"),
            "{}",
            r.body
        );
        let mut conn = app.db.conn().await.unwrap();
        let tokens: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM api_tokens")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(tokens, 0, "no token was made");
        drop(conn);
        // The same form without the NUL is taken.
        let r = user
            .post_form("/me/tokens", &[("label", "min nøgle")])
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
);

both_backends!(
    a_page_number_far_past_the_end_gives_the_last_page,
    |app| async move {
        let c = app.client_as(Role::NationalViewer, None).await;
        for page in ["99999999", "9223372036854775807", "99999999999999999999"] {
            let r = c.get(&format!("/applications?page={page}")).await;
            assert_eq!(r.status, 200, "page {page}: {}", r.body);
            let r = c.get(&format!("/idekatalog?page={page}")).await;
            assert_eq!(r.status, 200, "catalogue page {page}: {}", r.body);
        }
        let api = app
            .bearer(&app.user(Role::NationalViewer, None).await)
            .await;
        let r = api
            .get("/api/v1/applications?page=9223372036854775807")
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
);

/// Reads from `stream` until the server closes it; `None` if it is still open after `limit`.
async fn closed_within(stream: &mut tokio::net::TcpStream, limit: Duration) -> Option<Vec<u8>> {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    let read_all = async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(limit, read_all).await.ok()?;
    Some(seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_that_sends_half_a_header_or_nothing_more_is_closed() {
    let config = pulje_web::Config {
        header_timeout: Duration::from_secs(1),
        ..Default::default()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, config).await;
    let address = app.base.trim_start_matches("http://").to_string();

    // Half a request header, then silence.
    let mut slow = tokio::net::TcpStream::connect(&address).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: pulje\r\nX-Slow: ")
        .await
        .unwrap();
    assert!(
        closed_within(&mut slow, Duration::from_secs(15))
            .await
            .is_some(),
        "a connection sending half a header is closed"
    );

    // A whole request on a kept-alive connection, answered, then silence.
    let mut idle = tokio::net::TcpStream::connect(&address).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: pulje\r\n\r\n")
        .await
        .unwrap();
    let seen = closed_within(&mut idle, Duration::from_secs(15))
        .await
        .expect("an idle kept-alive connection is closed");
    let text = String::from_utf8_lossy(&seen);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");

    // A connection that keeps talking is served as before.
    let r = app.anonymous().get("/healthz").await;
    assert_eq!(r.status, 200);
}

both_backends!(an_upload_form_text_field_is_bounded, |app| async move {
    let mut c = app.client_as(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
    let csrf = c.csrf().await;
    let huge = "x".repeat(200 * 1024);
    let (ct, body) = multipart_files(
        &[("csrf_token", &csrf), ("notes", &huge)],
        "files",
        &[("a.txt", b"hej")],
    );
    let (status, body) = c.post_multipart("/applications/import", ct, body).await;
    let r = Resp {
        status,
        headers: Default::default(),
        body,
    };
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.text()
            .contains("Feltet «notes» er for langt: højst 128 KB."),
        "{}",
        r.body
    );
});

/// A stored timestamp `seconds` ago, as the store writes them.
fn ago(seconds: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::seconds(seconds))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Runs one statement on the test's own connection to the server's database.
async fn exec(app: &TestApp, sql: &str, value: &str) {
    let mut tx = app.db.begin().await.unwrap();
    sqlx::query(sql)
        .bind(value)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

async fn scalar(app: &TestApp, sql: &str) -> Option<String> {
    let mut conn = app.db.conn().await.unwrap();
    sqlx::query_scalar::<_, Option<String>>(sql)
        .fetch_one(&mut *conn)
        .await
        .unwrap()
}

both_backends!(
    a_session_unused_for_an_hour_ends_and_its_last_use_is_written_at_most_once_a_minute,
    |app| async move {
        let c = app.client_as(Role::Leader, Some(MIDTJYLLAND)).await;
        let last_seen = "SELECT last_seen_at FROM sessions";

        // Used 30 seconds ago: still live, and not written again.
        let thirty = ago(30);
        exec(&app, "UPDATE sessions SET last_seen_at = $1", &thirty).await;
        assert_eq!(c.get("/me").await.status, 200);
        assert_eq!(scalar(&app, last_seen).await, Some(thirty));

        // Used 59 minutes ago: still live, and the use is written.
        let fifty_nine = ago(59 * 60);
        exec(&app, "UPDATE sessions SET last_seen_at = $1", &fifty_nine).await;
        assert_eq!(c.get("/me").await.status, 200);
        let written = scalar(&app, last_seen).await.expect("written");
        assert!(written > ago(10), "last use written now: {written}");

        // Unused for 61 minutes: ended, back to the login page.
        exec(&app, "UPDATE sessions SET last_seen_at = $1", &ago(61 * 60)).await;
        let r = c.get("/me").await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(r.location(), Some("/login?next=%2Fme"));
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_idle_timeout_is_configurable() {
    let config = pulje_web::Config {
        session_idle_timeout: Duration::from_secs(120),
        ..Default::default()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, config).await;
    let c = app.client_as(Role::Leader, Some(MIDTJYLLAND)).await;
    exec(&app, "UPDATE sessions SET last_seen_at = $1", &ago(100)).await;
    assert_eq!(c.get("/me").await.status, 200);
    exec(&app, "UPDATE sessions SET last_seen_at = $1", &ago(130)).await;
    assert_eq!(c.get("/me").await.status, 303);
}

both_backends!(
    an_api_token_expires_when_chosen_and_shows_its_last_use,
    |app| async move {
        let mut c = app.client_as(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
        let r = c
            .post_form("/me/tokens", &[("label", "lønsystem"), ("days", "30")])
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let raw = hidden_new_token(&r.body);
        let expires = scalar(&app, "SELECT expires_at FROM api_tokens")
            .await
            .expect("an expiry date");
        let in_30_days = (chrono::Utc::now() + chrono::Duration::days(30))
            .format("%Y-%m-%d")
            .to_string();
        assert!(expires.starts_with(&in_30_days), "{expires}");
        // A validity that is not offered is refused, and no token made.
        let r = c
            .post_form("/me/tokens", &[("label", "x"), ("days", "100000")])
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.text().contains("Vælg, hvor længe nøglen skal gælde"));

        // Not used yet.
        assert!(c.get("/me").await.text().contains("aldrig"));
        let api = Bearer::new(&app, &raw);
        assert_eq!(api.get("/api/v1/applications").await.status, 200);
        let used = scalar(&app, "SELECT last_used_at FROM api_tokens")
            .await
            .expect("last use written");
        let me = c.get("/me").await;
        assert!(!me.text().contains("aldrig"), "{}", me.body);
        // Used 30 seconds ago: not written again.
        let thirty = ago(30);
        exec(&app, "UPDATE api_tokens SET last_used_at = $1", &thirty).await;
        assert_eq!(api.get("/api/v1/applications").await.status, 200);
        assert_eq!(
            scalar(&app, "SELECT last_used_at FROM api_tokens").await,
            Some(thirty)
        );
        assert!(used > ago(60));

        // Past its expiry date: 401 with why, in Danish.
        exec(&app, "UPDATE api_tokens SET expires_at = $1", &ago(1)).await;
        let r = api.get("/api/v1/applications").await;
        assert_eq!(r.status, 401, "{}", r.body);
        assert_eq!(
            r.json()["error"],
            "API-nøglen er udløbet. Opret en ny under «Min konto»."
        );
        assert!(c.get("/me").await.text().contains("udløbet"));
    }
);

/// The new token shown once on "Min konto".
fn hidden_new_token(html: &str) -> String {
    let start = html
        .find("id=\"new-token\"")
        .expect("the new token is shown");
    let rest = &html[start..];
    let value = rest.find("value=\"").expect("value") + 7;
    let end = rest[value..].find('"').expect("end of value");
    unescape(&rest[value..value + end])
}

/// Logs in from a browser of its own, optionally through a proxy that names the client in
/// `X-Forwarded-For`; returns the status.
async fn login_from(app: &TestApp, email: &str, password: &str, forwarded: Option<&str>) -> u16 {
    let http = browser();
    let form = Resp::read(http.get(app.url("/login")).send().await.unwrap()).await;
    let csrf = form.csrf_token().expect("csrf_token");
    let mut request = http.post(app.url("/login")).form(&[
        ("email", email),
        ("password", password),
        ("csrf_token", csrf.as_str()),
    ]);
    if let Some(client) = forwarded {
        request = request.header("x-forwarded-for", client);
    }
    request.send().await.unwrap().status().as_u16()
}

both_backends!(
    failures_from_one_address_slow_down_every_account_from_it_and_only_it,
    |app: TestApp| async move {
        // A server of its own, with a low limit per address and the test as a trusted proxy.
        let backend = app.backend;
        drop(app);
        let config = pulje_web::Config {
            login_address_max_failures: 3,
            trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
            ..Default::default()
        };
        let app = TestApp::spawn_with(backend, config).await;
        let victim = app.user(Role::Leader, Some(MIDTJYLLAND)).await;
        // Three wrong passwords for three accounts through the proxy, from one client address.
        for i in 0..3 {
            let status = login_from(
                &app,
                &format!("gaet-{i}@test.pulje.dk"),
                "forkert-kodeord-1",
                Some("198.51.100.7"),
            )
            .await;
            assert_eq!(status, 401);
        }
        // The same address must now wait, whichever account it tries …
        assert_eq!(
            login_from(&app, &victim.email, &victim.password, Some("198.51.100.7")).await,
            429
        );
        // … what it writes before the proxy's entry does not help …
        assert_eq!(
            login_from(
                &app,
                &victim.email,
                &victim.password,
                Some("203.0.113.1, 198.51.100.7")
            )
            .await,
            429
        );
        assert_eq!(checks(&app, &victim.email).await, 0);
        // … while the account's owner at another address logs in.
        assert_eq!(
            login_from(&app, &victim.email, &victim.password, Some("192.0.2.44")).await,
            303
        );
    }
);

both_backends!(
    a_nul_in_a_page_address_is_refused_in_danish_not_a_server_error,
    |app| async move {
        let c = app.client_as(Role::NationalViewer, None).await;
        for path in [
            "/applications?q=a%00b",
            "/idekatalog?q=a%00b",
            "/applications?status=a%00b",
            "/programmes/ok%0021",
        ] {
            let r = c.get(path).await;
            assert_eq!(r.status, 400, "{path}: {}", r.body);
            assert!(
                r.text()
                    .contains("Adressen indeholder tegnet NUL (%00), som ikke kan bruges."),
                "{path}: {}",
                r.body
            );
        }
        // The same search without the NUL is answered.
        assert_eq!(c.get("/applications?q=ab").await.status, 200);
    }
);

both_backends!(
    another_regions_administrator_reaches_no_payroll_batch,
    |app| async move {
        // Midtjylland has an active agreement and an open batch.
        let author = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let sg = app.user(Role::SteeringGroup, Some(MIDTJYLLAND)).await;
        let sg = app.bearer(&sg).await;
        let a = app
            .ready_application(&author, "Midtjysk løn", "2022-06-01", "2023-06-30")
            .await;
        let id = i64::from(a.id);
        expect_status(
            &sg.transition(
                id,
                &step(
"approve",
serde_json::json!({ "tier_ore": TIER_SMALL, "meeting_id": app.decision_meeting(MIDTJYLLAND).await }),
),
            )
            .await,
            id,
            "awaiting_signatures",
        );
        app.set_status(id, pulje_domain::ApplicationStatus::Active, None)
            .await;
        let mut midt = app.client_as(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
        let batches = format!("/regions/{MIDTJYLLAND}/payments/batches");
        let r = midt.post_form(&batches, &[("up_to", "2022-12-31")]).await;
        assert_eq!(r.status, 303, "{}", r.body);
        let batch = r.location().unwrap().to_string();
        let batch_id = batch.rsplit('/').next().unwrap().to_string();
        assert_eq!(midt.get(&batch).await.status, 200, "positive control");
        let posting: i64 = app.scalar_i64("SELECT MIN(id) FROM postings").await;

        let mut nord = app.client_as(Role::RegionAdmin, Some(NORDJYLLAND)).await;
        for path in [
            batch.clone(),
            format!("{batch}/loen.csv"),
            format!("{batch}/loen.xlsx"),
            format!("/regions/{MIDTJYLLAND}/payments/settings"),
            format!("/applications/{id}/payroll"),
        ] {
            let r = nord.get(&path).await;
            assert_eq!(r.status, 404, "GET {path}: {}", r.body);
            assert!(!r.text().contains("Midtjysk løn"), "GET {path} leaked");
        }
        for (path, form) in [
            (batches.clone(), vec![("up_to", "2023-12-31")]),
            (format!("{batch}/sent"), vec![]),
            (format!("{batch}/discard"), vec![]),
            (
                format!("/regions/{MIDTJYLLAND}/payments/postings/{posting}/reverse"),
                vec![("batch", batch_id.as_str())],
            ),
            (
                format!("/regions/{MIDTJYLLAND}/payments/settings"),
                vec![("col_name", "1"), ("wage_type", "X")],
            ),
            (
                format!("/applications/{id}/payroll"),
                vec![("employee_number", "666"), ("cost_centre", "")],
            ),
        ] {
            let r = nord.post_form(&path, &form).await;
            assert_eq!(r.status, 404, "POST {path}: {}", r.body);
        }
        // Nothing changed: one open batch, nobody's employee number, no settings.
        assert_eq!(
            app.scalar_i64("SELECT COUNT(*) FROM payroll_batches WHERE sent_at IS NULL")
                .await,
            1
        );
        assert_eq!(
            app.scalar_i64("SELECT COUNT(*) FROM payroll_batches").await,
            1
        );
        assert_eq!(
            app.scalar_i64("SELECT COUNT(*) FROM agreement_payroll")
                .await,
            0
        );
        assert_eq!(
            app.scalar_i64("SELECT COUNT(*) FROM payroll_formats").await,
            0
        );
        assert_eq!(
            app.scalar_i64("SELECT COUNT(*) FROM postings WHERE reverses_id IS NOT NULL")
                .await,
            0
        );
        // The region's own administrator discards it; its postings go into the next batch.
        let r = midt.post_form(&format!("{batch}/discard"), &[]).await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(
            r.location(),
            Some(format!("/regions/{MIDTJYLLAND}/payments?kasseret={batch_id}").as_str())
        );
        assert_eq!(
            app.scalar_i64("SELECT COUNT(*) FROM payroll_batches").await,
            0
        );
        let r = midt.post_form(&batches, &[("up_to", "2022-12-31")]).await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(
            app.scalar_i64("SELECT COUNT(*) FROM postings WHERE batch_id IS NOT NULL")
                .await,
            7,
            "June to December 2022, in the new batch"
        );
    }
);

both_backends!(
    another_regions_signing_parties_are_out_of_reach,
    |app| async move {
        let author = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let a = app
            .complete_application(
                &author,
                MIDTJYLLAND,
                "Midtjysk aftale til underskrift",
                TIER_MEDIUM,
                "2022-06-01",
                "2023-05-31",
            )
            .await;
        let id = i64::from(a.id);
        app.set_status(
            id,
            pulje_domain::ApplicationStatus::AwaitingSignatures,
            None,
        )
        .await;
        let midt_leader = app.user(Role::Leader, Some(MIDTJYLLAND)).await;
        let midt_admin = app.user(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
        let leader_id = midt_leader.id().to_string();
        let body = serde_json::json!({ "user_id": midt_leader.id() });

        // Positive control: the region's own administrator reaches the parties.
        let own = app.bearer(&midt_admin).await;
        let r = own.get(&format!("/api/v1/applications/{id}/parties")).await;
        assert_eq!(r.status, 200, "{}", r.body);

        for role in [
            Role::RegionAdmin,
            Role::Leader,
            Role::UnionRep,
            Role::Applicant,
        ] {
            let who = role.as_str();
            let nord = app.user(role, Some(NORDJYLLAND)).await;
            let api = app.bearer(&nord).await;
            let r = api.get(&format!("/api/v1/applications/{id}/parties")).await;
            assert_eq!(r.status, 404, "{who}: GET parties: {}", r.body);
            let r = api
                .send_json(
                    reqwest::Method::PUT,
                    &format!("/api/v1/applications/{id}/parties/leader"),
                    &body,
                )
                .await;
            assert_eq!(r.status, 404, "{who}: PUT parties: {}", r.body);
            let r = api.transition(id, &sign_step()).await;
            assert_eq!(r.status, 404, "{who}: sign: {}", r.body);
            let mut page = app.login(&nord).await;
            let r = page
                .post_form(
                    &format!("/applications/{id}/parties"),
                    &[("party", "leader"), ("user_id", &leader_id)],
                )
                .await;
            assert_eq!(r.status, 404, "{who}: POST /applications/{id}/parties");
            let r = page.get(&format!("/applications/{id}/agreement.pdf")).await;
            assert_eq!(r.status, 404, "{who}: GET agreement.pdf");
        }
        let mut conn = app.db.conn().await.unwrap();
        let bound = pulje_store::signing::bound(&mut conn, pulje_domain::ApplicationId::new(id))
            .await
            .unwrap();
        assert!(bound.is_empty(), "nothing bound from another region");
        drop(conn);

        // Nor can the region's own administrator bind another region's account.
        let nord_leader = app.user(Role::Leader, Some(NORDJYLLAND)).await;
        let r = own
            .send_json(
                reqwest::Method::PUT,
                &format!("/api/v1/applications/{id}/parties/leader"),
                &serde_json::json!({ "user_id": nord_leader.id() }),
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
    }
);
