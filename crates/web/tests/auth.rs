//! Authentication: login, the same message for a wrong password and an unknown e-mail,
//! throttling, CSRF, logout, disabled users, the health check and API bearer tokens.

#[macro_use]
mod common;

use common::*;
use pulje_domain::{Role, TokenId, UserId};
use pulje_store::Actor;

const WRONG: &str = "E-mailadressen eller adgangskoden er forkert.";

/// The raw value of the `pulje_session` cookie a response sets, if any.
fn session_cookie(r: &Resp) -> Option<String> {
    r.set_cookies().iter().find_map(|c| {
        c.strip_prefix("pulje_session=")
            .map(|rest| rest.split(';').next().unwrap_or("").to_string())
    })
}

/// Whether `client` is logged in: `/me` answers 200 rather than sending it to the login page.
async fn logged_in(client: &Client) -> bool {
    let r = client.get("/me").await;
    match r.status {
        200 => true,
        303 | 302 | 307 => {
            assert_eq!(r.location(), Some("/login?next=%2Fme"));
            false
        }
        other => panic!("GET /me answered {other}: {}", r.body),
    }
}

both_backends!(
    login_with_the_right_password_starts_a_session,
    |app| async move {
        let user = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let mut client = app.anonymous();
        assert!(!logged_in(&client).await);

        let r = client.login(&user.email, &user.password).await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(r.location(), Some("/"));
        let token = session_cookie(&r).expect("pulje_session is set");
        assert!(
            token.len() >= 32,
            "session token looks too short: {token:?}"
        );
        let set = r
            .set_cookies()
            .into_iter()
            .find(|c| c.starts_with("pulje_session="))
            .unwrap();
        assert!(set.contains("HttpOnly"), "{set}");

        let me = client.get("/me").await;
        assert_eq!(me.status, 200);
        assert!(
            me.text().contains(&user.email),
            "the account page names the user"
        );
        // The e-mail is matched case-insensitively and trimmed.
        let mut other = app.anonymous();
        let r = other
            .login(
                &format!("  {}  ", user.email.to_uppercase()),
                &user.password,
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
    }
);

both_backends!(
    wrong_password_and_unknown_email_give_the_same_message,
    |app| async move {
        let user = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;

        let mut c1 = app.anonymous();
        let wrong_password = c1.login(&user.email, "forkert-kodeord-123").await;
        let mut c2 = app.anonymous();
        let unknown = c2
            .login("findes.ikke@test.pulje.dk", "forkert-kodeord-123")
            .await;

        for r in [&wrong_password, &unknown] {
            assert_eq!(r.status, 401, "{}", r.body);
            assert!(r.text().contains(WRONG), "{}", r.body);
            assert!(session_cookie(r).is_none(), "no session on a failed login");
        }
        // Nothing in the page tells the two cases apart, except the e-mail typed back into the form.
        let strip = |r: &Resp, email: &str| {
            r.body
                .replace(email, "EMAIL")
                .replace(&r.csrf_token().unwrap_or_default(), "CSRF")
        };
        assert_eq!(
            strip(&wrong_password, &user.email),
            strip(&unknown, "findes.ikke@test.pulje.dk")
        );
        assert!(!logged_in(&c1).await);
        assert!(!logged_in(&c2).await);

        // Empty fields get their own message, not a login attempt.
        let mut c3 = app.anonymous();
        let r = c3.login(&user.email, "").await;
        assert_eq!(r.status, 422);
        assert!(
            r.text()
                .contains("Skriv både e-mailadresse og adgangskode."),
            "{}",
            r.body
        );
    }
);

both_backends!(
    the_sixth_attempt_after_five_failures_is_refused,
    |app| async move {
        let user = app.user(Role::Leader, Some(MIDTJYLLAND)).await;
        let bystander = app.user(Role::Leader, Some(MIDTJYLLAND)).await;
        for i in 0..5 {
            let mut c = app.anonymous();
            let r = c.login(&user.email, &format!("forkert-kodeord-{i}")).await;
            assert_eq!(r.status, 401, "attempt {}: {}", i + 1, r.body);
        }
        let mut c = app.anonymous();
        let r = c.login(&user.email, &user.password).await;
        assert_eq!(
            r.status, 429,
            "the right password after five failures must still be refused: {}",
            r.body
        );
        assert!(
            r.text().contains("For mange mislykkede forsøg"),
            "{}",
            r.body
        );
        assert!(session_cookie(&r).is_none());
        assert!(!logged_in(&c).await);

        // Throttling is per e-mail: another user logs in as usual.
        let c = app.login(&bystander).await;
        assert!(logged_in(&c).await);
    }
);

both_backends!(
    a_post_without_the_right_csrf_token_is_refused_and_changes_nothing,
    |app| async move {
        let user = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;

        // Login without and with a wrong token: refused, and no session starts.
        let anon = app.anonymous();
        let form = anon.get("/login").await;
        assert!(form.csrf_token().is_some());
        let r = anon
            .post_form_raw(
                "/login",
                &[("email", &user.email), ("password", &user.password)],
            )
            .await;
        assert_eq!(r.status, 403, "{}", r.body);
        let r = anon
            .post_form_raw(
                "/login",
                &[
                    ("email", &user.email),
                    ("password", &user.password),
                    ("csrf_token", "falsk"),
                ],
            )
            .await;
        assert_eq!(r.status, 403, "{}", r.body);
        assert!(r.text().contains("CSRF"), "{}", r.body);
        assert!(session_cookie(&r).is_none());
        assert!(!logged_in(&anon).await);

        // Logged in: creating an application without or with a wrong token stores nothing.
        let mut client = app.login(&user).await;
        let r = client
            .post_form_raw(
                "/applications",
                &[("title", "Uden nøgle"), ("version", "0")],
            )
            .await;
        assert_eq!(r.status, 403, "{}", r.body);
        let r = client
            .post_form_raw(
                "/applications",
                &[
                    ("title", "Forkert nøgle"),
                    ("version", "0"),
                    ("csrf_token", "falsk"),
                ],
            )
            .await;
        assert_eq!(r.status, 403, "{}", r.body);
        // The pre-login token is not the session's token.
        let r = client
            .post_form_raw(
                "/applications",
                &[
                    ("title", "Gammel nøgle"),
                    ("version", "0"),
                    ("csrf_token", &form.csrf_token().unwrap()),
                ],
            )
            .await;
        assert_eq!(r.status, 403, "{}", r.body);
        assert_eq!(app.count_applications().await, 0);

        // A JSON body cannot carry the token; without the header it is refused.
        let r = client
            .send_json_without_csrf(
                reqwest::Method::POST,
                "/applications",
                &serde_json::json!({"title": "JSON"}),
            )
            .await;
        assert_eq!(r.status, 403, "{}", r.body);
        assert_eq!(app.count_applications().await, 0);

        // Logout without the token does not end the session.
        let r = client.post_form_raw("/logout", &[]).await;
        assert_eq!(r.status, 403);
        assert!(logged_in(&client).await);

        // With the right token the same request works (the refusals above were about the token).
        let r = client
            .post_form("/applications", &[("title", "Med nøgle"), ("version", "0")])
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(app.count_applications().await, 1);
    }
);

both_backends!(logout_ends_the_session, |app| async move {
    let user = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
    let mut client = app.anonymous();
    let r = client.login(&user.email, &user.password).await;
    let old = session_cookie(&r).expect("session cookie");
    client.user = Some(user.clone());
    assert!(logged_in(&client).await);

    let r = client.post_form("/logout", &[]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location(), Some("/login"));
    assert_eq!(
        session_cookie(&r).as_deref(),
        Some(""),
        "the cookie is cleared"
    );
    assert!(!logged_in(&client).await);

    // The old cookie, replayed by hand, no longer works.
    let raw = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = raw
        .get(app.url("/me"))
        .header("Cookie", format!("pulje_session={old}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers().get("location").unwrap(), "/login?next=%2Fme");
    let r = raw
        .get(app.url("/api/v1/applications"))
        .header("Cookie", format!("pulje_session={old}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
});

both_backends!(a_disabled_user_cannot_log_in, |app| async move {
    let user = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
    let before = app.login(&user).await;
    assert!(logged_in(&before).await);

    let mut tx = app.db.begin().await.unwrap();
    pulje_store::users::set_disabled(
        &mut tx,
        &Actor::system("test"),
        UserId::new(user.id()),
        true,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    // The running session ends, and a new login is refused with the usual message.
    assert!(!logged_in(&before).await);
    let mut c = app.anonymous();
    let r = c.login(&user.email, &user.password).await;
    assert_eq!(r.status, 401, "{}", r.body);
    assert!(r.text().contains(WRONG));
    assert!(session_cookie(&r).is_none());
    assert!(!logged_in(&c).await);
});

both_backends!(healthz_answers_ok, |app| async move {
    let r = app.anonymous().get("/healthz").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, "ok");
});

both_backends!(pages_need_a_login, |app| async move {
    let anon = app.anonymous();
    for path in ["/applications", "/applications/new", "/me", "/regions/1082"] {
        let r = anon.get(path).await;
        assert_eq!(r.status, 303, "{path}");
        let next = serde_urlencoded::to_string([("next", path)]).unwrap();
        assert_eq!(
            r.location(),
            Some(format!("/login?{next}").as_str()),
            "{path}"
        );
    }
    let r = anon.get("/api/v1/applications").await;
    assert_eq!(r.status, 401, "{}", r.body);
});

both_backends!(api_bearer_tokens_work_until_revoked, |app| async move {
    let leader = app.user(Role::Leader, Some(MIDTJYLLAND)).await;
    let own = app
        .application(&leader, MIDTJYLLAND, &titled("Forsøg set via API-nøgle"))
        .await;
    let (token_id, raw) = app.token(&leader).await;
    let api = Bearer::new(&app, &raw);

    let r = api.get("/api/v1/applications").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r
        .headers
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let list = r.json();
    let items = list.as_array().expect("a JSON array");
    let item = items
        .iter()
        .find(|i| i["id"] == own.id.get())
        .expect("the region's application is listed");
    assert_eq!(item["title"], "Forsøg set via API-nøgle");
    assert_eq!(item["status"], "draft");
    assert_eq!(item["region_code"], MIDTJYLLAND);

    // A wrong token is refused.
    let r = Bearer::new(&app, "pulje_ikke-en-rigtig-nøgle")
        .get("/api/v1/applications")
        .await;
    assert_eq!(r.status, 401, "{}", r.body);

    let mut tx = app.db.begin().await.unwrap();
    pulje_store::sessions::revoke_token(
        &mut tx,
        &leader.actor(),
        UserId::new(leader.id()),
        TokenId::new(token_id),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let r = api.get("/api/v1/applications").await;
    assert_eq!(r.status, 401, "a revoked token must be refused: {}", r.body);
    assert!(r.json()["error"].is_string());
});
