//! The second factor (TOTP, RFC 6238) with recovery codes: turned on from "Min konto" only with a
//! right code, then asked after the password on a step of its own, where half logged in gives
//! access to nothing else; a code is taken once; a recovery code works once; a role that requires
//! it is led to set it up before anything else; turning it off needs the password and a code; an
//! administrator resets it. The codes are computed as an authenticator app would, from the
//! secret shown on the page.

#[macro_use]
mod common;

use common::*;
use pulje_app::second_factor::code_at;
use pulje_domain::Role;

fn now() -> u64 {
    now_seconds()
}

/// A code that is not right now (nor a step either side).
fn wrong_code(secret: &str) -> String {
    let near: Vec<String> = [-30i64, 0, 30]
        .iter()
        .map(|d| code_at(secret, now().checked_add_signed(*d).unwrap()).unwrap())
        .collect();
    (0..1_000_000)
        .map(|n| format!("{n:06}"))
        .find(|c| !near.contains(c))
        .unwrap()
}

async fn last_step(app: &TestApp, user_id: i64) -> i64 {
    app.last_step(user_id).await
}

async fn turn_on(client: &mut Client) -> (String, Vec<String>) {
    turn_on_second_factor(client).await
}

/// Logs `user` in with the password in a fresh browser; the half-logged-in client and where
/// it was sent.
async fn password_step(app: &TestApp, user: &TestUser) -> (Client, String) {
    let mut c = app.anonymous();
    let r = c.login(&user.email, &user.password).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let location = r.location().unwrap_or_default().to_string();
    (c, location)
}

/// POSTs `code` on the code step (with the half session's CSRF token from the step's page).
async fn code_step(c: &Client, code: &str) -> Resp {
    let page = c.get("/login/kode").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let csrf = page.csrf_token().expect("csrf");
    c.post_form_raw("/login/kode", &[("csrf_token", &csrf), ("code", code)])
        .await
}

both_backends!(
    turning_it_on_needs_a_right_code_and_then_the_login_asks_for_it,
    |app| async move {
        let user = app.user(Role::Leader, Some(MIDTJYLLAND)).await;
        let mut client = app.login(&user).await;
        let page = client.get("/me").await;
        assert!(
            page.text().contains("Slå totrinsbekræftelse til"),
            "{}",
            page.body
        );

        // The set-up page: the secret as a QR code (SVG, no script) and as text.
        let page = client.get("/me/totp").await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(
            page.body.contains("src=\"data:image/svg+xml;base64,"),
            "{}",
            page.body
        );
        assert!(!page.body.contains("<script"), "{}", page.body);
        let secret = secret_on(&page);
        assert_eq!(secret.len(), 32, "160 bits in base32: {secret}");

        // A wrong code does not turn it on; the page says so and keeps the same secret.
        let r = client
            .post_form("/me/totp", &[("code", &wrong_code(&secret))])
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.text().contains("koden passer ikke"), "{}", r.body);
        assert_eq!(secret_on(&r), secret);
        assert_eq!(
            app.scalar_i64(&format!(
                "SELECT COUNT(*) FROM totp_secrets WHERE user_id = {} AND enabled_at IS NOT NULL",
                user.id()
            ))
            .await,
            0
        );
        let (_, location) = password_step(&app, &user).await;
        assert_eq!(
            location, "/",
            "no second factor yet: the password is enough"
        );

        // The right code turns it on; ten recovery codes are shown once, kept as hashes.
        let code = code_at(&secret, now()).unwrap();
        let r = client.post_form("/me/totp", &[("code", &code)]).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let codes = recovery_codes_on(&r);
        assert_eq!(codes.len(), 10, "{}", r.body);
        let stored = app
            .scalar_i64(&format!(
                "SELECT COUNT(*) FROM recovery_codes WHERE user_id = {} AND used_at IS NULL",
                user.id()
            ))
            .await;
        assert_eq!(stored, 10);
        for c in &codes {
            assert_eq!(
                app.scalar_i64(&format!(
                    "SELECT COUNT(*) FROM recovery_codes WHERE code_hash = '{c}'"
                ))
                .await,
                0,
                "recovery codes are not stored as typed"
            );
        }
        // The secret is not shown again.
        let page = client.get("/me/totp").await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(!page.body.contains(&secret[..8]), "{}", page.body);
        assert!(
            page.text().contains("10 ubrugte gendannelseskoder"),
            "{}",
            page.body
        );

        // The password alone now opens only the code step; nothing else is reached.
        let (half, location) = password_step(&app, &user).await;
        assert_eq!(location, "/login/kode");
        for path in ["/", "/me", "/applications", "/me/totp"] {
            let r = half.get(path).await;
            assert_eq!(r.status, 303, "{path}: {}", r.body);
            assert!(
                r.location().unwrap_or_default().starts_with("/login"),
                "{path}: {:?}",
                r.location()
            );
        }
        let r = half.get("/api/v1/applications").await;
        assert_eq!(r.status, 401, "{}", r.body);

        // The code of the step already used (turning it on) is refused; a wrong one too.
        let used = last_step(&app, user.id()).await;
        let r = code_step(&half, &code_of_step(&secret, used)).await;
        assert_eq!(r.status, 401, "{}", r.body);
        assert!(
            r.text().contains("forkert eller allerede brugt"),
            "{}",
            r.body
        );
        let r = code_step(&half, &wrong_code(&secret)).await;
        assert_eq!(r.status, 401, "{}", r.body);
        assert_eq!(half.get("/").await.status, 303);

        // The next step's code completes the login (one step either side of now is accepted).
        let r = code_step(&half, &code_of_step(&secret, used + 1)).await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(r.location(), Some("/"));
        let r = half.get("/").await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(last_step(&app, user.id()).await, used + 1);

        // A recovery code works once.
        let (half, _) = password_step(&app, &user).await;
        let r = code_step(&half, &codes[3].to_uppercase()).await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(half.get("/me").await.status, 200);
        let (half, _) = password_step(&app, &user).await;
        let r = code_step(&half, &codes[3]).await;
        assert_eq!(r.status, 401, "{}", r.body);
        assert_eq!(half.get("/me").await.status, 303);
        let audit = app
            .scalar_i64(&format!(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'recovery_code_used' AND entity_id = '{}'",
                user.id()
            ))
            .await;
        assert_eq!(audit, 1);
    }
);

both_backends!(wrong_codes_are_throttled_like_passwords, |app| async move {
    let user = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
    let mut client = app.login(&user).await;
    let (secret, _) = turn_on(&mut client).await;
    let (half, _) = password_step(&app, &user).await;
    let wrong = wrong_code(&secret);
    for n in 1..=5 {
        let r = code_step(&half, &wrong).await;
        assert_eq!(r.status, 401, "attempt {n}: {}", r.body);
    }
    // Past the free failures the step must wait, without checking the code.
    let used = last_step(&app, user.id()).await;
    let r = code_step(&half, &code_of_step(&secret, used + 1)).await;
    assert_eq!(r.status, 429, "{}", r.body);
    assert!(r.text().contains("For mange forkerte koder"), "{}", r.body);
    assert_eq!(half.get("/").await.status, 303);
});

both_backends!(
    a_role_that_requires_it_is_led_to_set_it_up_before_anything_else,
    |app| async move {
        // A migrated database requires it of administrators and region administrators.
        let fresh = pulje_testkit::TestDb::new(app.backend).await;
        let mut handle = fresh.db().await.handle();
        let mut conn = handle.conn().await.unwrap();
        let mut required = pulje_store::second_factor::required_roles(&mut conn)
            .await
            .unwrap();
        required.sort_by_key(|r| r.as_str());
        assert_eq!(required, vec![Role::Admin, Role::RegionAdmin]);
        drop(conn);

        app.require_second_factor(&[Role::Admin, Role::RegionAdmin])
            .await;
        let admin = app.user(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
        let (half, location) = password_step(&app, &admin).await;
        assert_eq!(location, "/login/totp");
        for path in ["/", "/admin", "/admin/users", "/me", "/login/kode"] {
            let r = half.get(path).await;
            assert_eq!(r.status, 303, "{path}: {}", r.body);
            assert!(
                r.location().unwrap_or_default().starts_with("/login"),
                "{path}: {:?}",
                r.location()
            );
        }
        assert_eq!(half.get("/api/v1/users").await.status, 401);

        let page = half.get("/login/totp").await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(
            page.text().contains("Din rolle kræver totrinsbekræftelse"),
            "{}",
            page.body
        );
        let csrf = page.csrf_token().unwrap();
        // Not even a form of an administrator's is taken with the half session's token.
        let r = half
            .post_form_raw(
                "/admin/users",
                &[
                    ("csrf_token", &csrf),
                    ("email", "halv@region.example.dk"),
                    ("name", "Halv"),
                    ("role", "leader"),
                ],
            )
            .await;
        assert!(
            r.status == 401 || r.status == 303,
            "{}: {}",
            r.status,
            r.body
        );
        assert_eq!(
            app.scalar_i64("SELECT COUNT(*) FROM users WHERE email = 'halv@region.example.dk'")
                .await,
            0
        );

        let secret = secret_on(&page);
        let r = half
            .post_form_raw(
                "/login/totp",
                &[
                    ("csrf_token", &csrf),
                    ("code", &code_at(&secret, now()).unwrap()),
                ],
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(recovery_codes_on(&r).len(), 10);
        let r = half.get("/admin").await;
        assert_eq!(r.status, 200, "{}", r.body);

        // It cannot be turned off while the role requires it.
        let mut full = half;
        let r = full
            .post_form(
                "/me/totp/fra",
                &[("password", PASSWORD), ("code", &wrong_code(&secret))],
            )
            .await;
        assert_eq!(r.status, 403, "{}", r.body);
        assert!(pulje_store::second_factor::is_enabled(
            &mut app.db.conn().await.unwrap(),
            admin.user.id
        )
        .await
        .unwrap());
    }
);

both_backends!(
    turning_it_off_needs_the_password_and_a_code_and_an_administrator_can_reset_it,
    |app| async move {
        let user = app.user(Role::WorkingGroup, Some(MIDTJYLLAND)).await;
        let mut client = app.login(&user).await;
        let (secret, codes) = turn_on(&mut client).await;
        let used = last_step(&app, user.id()).await;
        let next = code_of_step(&secret, used + 1);
        let r = client
            .post_form(
                "/me/totp/fra",
                &[("password", "forkert-kodeord-123"), ("code", &next)],
            )
            .await;
        assert_eq!(r.status, 401, "{}", r.body);
        let r = client
            .post_form("/me/totp/fra", &[("password", PASSWORD), ("code", &next)])
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let mut conn = app.db.conn().await.unwrap();
        assert!(
            !pulje_store::second_factor::is_enabled(&mut conn, user.user.id)
                .await
                .unwrap()
        );
        drop(conn);
        let (_, location) = password_step(&app, &user).await;
        assert_eq!(location, "/");

        // On again, with new recovery codes; then an administrator resets it (audited), which
        // also ends the user's sessions.
        let (_, new_codes) = turn_on(&mut client).await;
        assert!(new_codes.iter().all(|c| !codes.contains(c)));
        let admin = app.client_as(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
        let mut admin = admin;
        let list = admin.get("/admin/users").await;
        assert!(
            list.text().contains("Nulstil totrinsbekræftelse"),
            "{}",
            list.body
        );
        let r = admin
            .post_form(&format!("/admin/users/{}/totp", user.id()), &[])
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let mut conn = app.db.conn().await.unwrap();
        assert!(
            !pulje_store::second_factor::is_enabled(&mut conn, user.user.id)
                .await
                .unwrap()
        );
        drop(conn);
        assert_eq!(
            client.get("/me").await.status,
            303,
            "the user's session ended"
        );
        assert_eq!(
            app.scalar_i64(&format!(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'second_factor_reset' AND entity_id = '{}'",
                user.id()
            ))
            .await,
            1
        );
        // Another region's administrator cannot.
        let other = app.client_as(Role::RegionAdmin, Some(NORDJYLLAND)).await;
        let mut other = other;
        let r = other
            .post_form(&format!("/admin/users/{}/totp", user.id()), &[])
            .await;
        assert_eq!(r.status, 404, "{}", r.body);
    }
);

both_backends!(
    an_administrator_chooses_the_roles_that_require_it,
    |app| async move {
        let mut admin = app.client_as(Role::Admin, None).await;
        let page = admin.get("/admin/totp").await;
        assert_eq!(page.status, 200, "{}", page.body);
        let r = admin
            .post_form(
                "/admin/totp",
                &[("role", "steering_group"), ("role", "admin")],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let mut conn = app.db.conn().await.unwrap();
        let mut roles = pulje_store::second_factor::required_roles(&mut conn)
            .await
            .unwrap();
        roles.sort_by_key(|r| r.as_str());
        assert_eq!(roles, vec![Role::Admin, Role::SteeringGroup]);
        drop(conn);
        let sg = app.user(Role::SteeringGroup, Some(MIDTJYLLAND)).await;
        let (_, location) = password_step(&app, &sg).await;
        assert_eq!(location, "/login/totp");
        let r = admin.post_form("/admin/totp", &[("role", "konge")]).await;
        assert_eq!(r.status, 422, "{}", r.body);
    }
);

both_backends!(
    the_new_routes_need_their_own_kind_of_session,
    |app| async move {
        // Without a session every page of the second factor sends the browser to the login page.
        let anon = app.anonymous();
        for path in ["/login/kode", "/login/totp", "/me/totp", "/admin/totp"] {
            let r = anon.get(path).await;
            assert_eq!(r.status, 303, "{path}: {}", r.body);
            assert!(
                r.location().unwrap_or_default().starts_with("/login"),
                "{path}: {:?}",
                r.location()
            );
        }
        // A full session has no code step to take; a non-administrator no roles to set.
        let mut leader = app.client_as(Role::Leader, Some(MIDTJYLLAND)).await;
        for path in ["/login/kode", "/login/totp"] {
            let r = leader.get(path).await;
            assert_eq!(r.status, 303, "{path}: {}", r.body);
        }
        let r = leader.post_form("/login/kode", &[("code", "123456")]).await;
        assert_ne!(r.status, 200, "{}", r.body);
        assert_eq!(leader.get("/admin/totp").await.status, 403);
        let r = leader.post_form("/admin/totp", &[("role", "leader")]).await;
        assert_eq!(r.status, 403, "{}", r.body);
        // Without a single sign-on provider there is nothing to re-authenticate at.
        let r = leader
            .post_form("/login/oidc/bekraeft", &[("reauth_action", "/me/tokens")])
            .await;
        assert_eq!(r.status, 404, "{}", r.body);
        let mut conn = app.db.conn().await.unwrap();
        assert!(pulje_store::second_factor::required_roles(&mut conn)
            .await
            .unwrap()
            .is_empty());
    }
);

both_backends!(
    a_password_reset_link_does_not_stand_in_for_the_second_factor,
    |app| async move {
        let user = app.user(Role::Leader, Some(MIDTJYLLAND)).await;
        let mut client = app.login(&user).await;
        let (secret, _) = turn_on(&mut client).await;

        let browser = app.anonymous();
        let csrf = browser
            .get("/glemt-adgangskode")
            .await
            .csrf_token()
            .unwrap();
        let r = browser
            .post_form_raw(
                "/glemt-adgangskode",
                &[
                    ("csrf_token", csrf.as_str()),
                    ("email", user.email.as_str()),
                ],
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let mail = app
            .outbox(None)
            .await
            .into_iter()
            .find(|m| m.recipient == user.email && m.event == "password_reset")
            .expect("the reset mail");
        let start = mail.body.find("/adgangskode?token=").expect("link") + 19;
        let token: String = mail.body[start..]
            .chars()
            .take_while(|c| !c.is_whitespace())
            .collect();
        let r = browser
            .post_form_raw(
                "/adgangskode",
                &[
                    ("csrf_token", csrf.as_str()),
                    ("token", token.as_str()),
                    ("password", "en helt ny adgangskode 2026"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(r.location(), Some("/login/kode"));
        assert_eq!(browser.get("/").await.status, 303, "half logged in only");
        let next = code_of_step(&secret, last_step(&app, user.id()).await + 1);
        let r = code_step(&browser, &next).await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(browser.get("/").await.status, 200);
    }
);

both_backends!(a_half_session_lasts_ten_minutes, |app| async move {
    let user = app.user(Role::Leader, Some(MIDTJYLLAND)).await;
    let mut client = app.login(&user).await;
    turn_on(&mut client).await;
    let (half, _) = password_step(&app, &user).await;
    assert_eq!(half.get("/login/kode").await.status, 200);
    // Eleven minutes after the password the code step is gone: back to the login page.
    let then = pulje_store::timestamp(chrono::Utc::now() - chrono::Duration::minutes(11));
    app.exec(&format!(
        "UPDATE sessions SET created_at = '{then}' WHERE user_id = {} AND stage = 'code'",
        user.id()
    ))
    .await;
    let r = half.get("/login/kode").await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(r.location().unwrap_or_default().starts_with("/login"));
    // The login form works again in the same browser.
    let mut again = half;
    let r = again.login(&user.email, &user.password).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location(), Some("/login/kode"));
});
