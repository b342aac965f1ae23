//! Accounts: invitations by mail with a one-time link, "Glemt adgangskode", the password change
//! on "Min konto", the password rules, an administrator's edits, disabling. The links are read
//! from the queued mail, as the person would.

#[macro_use]
mod common;

use common::*;
use pulje_domain::Role;

/// A password that satisfies the rules.
const NEW_PASSWORD: &str = "blå hest på Gudenåen 77";
/// Long enough, but on the shipped list of common passwords.
const COMMON: &str = "qwertyuiop123";

/// The one-time token in a mail's link (`…/adgangskode?token=…`).
fn token_in(body: &str) -> String {
    let start = body
        .find("/adgangskode?token=")
        .expect("the mail has a link")
        + 19;
    body[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect()
}

/// The queued mails to `email` of `event`, oldest first.
async fn mails_to(app: &TestApp, email: &str, event: &str) -> Vec<pulje_store::outbox::Message> {
    app.outbox(None)
        .await
        .into_iter()
        .filter(|m| m.recipient == email && m.event == event)
        .collect()
}

/// The user with `email`, as stored.
async fn stored(app: &TestApp, email: &str) -> pulje_store::users::User {
    let mut conn = app.db.conn().await.unwrap();
    pulje_store::users::find_by_email(&mut conn, email)
        .await
        .unwrap()
        .expect("the user is stored")
}

/// The audit entries about a user, newest first.
async fn user_audit(app: &TestApp, id: i64) -> Vec<pulje_store::audit::Entry> {
    let mut conn = app.db.conn().await.unwrap();
    let filter = pulje_store::audit::Filter {
        entity: Some("user".into()),
        entity_id: Some(id.to_string()),
        ..Default::default()
    };
    pulje_store::audit::list(&mut conn, &filter, 1000)
        .await
        .unwrap()
}

/// Opens the link's page in `client` and submits `password`; returns the page and the answer.
async fn use_link(client: &Client, token: &str, password: &str) -> (Resp, Resp) {
    let page = client.get(&format!("/adgangskode?token={token}")).await;
    // A dead link's page has no form: the pre-login token from another page of the same browser.
    let csrf = match page.csrf_token() {
        Some(t) => t,
        None => client.get("/glemt-adgangskode").await.csrf_token().unwrap(),
    };
    let answer = client
        .post_form_raw(
            "/adgangskode",
            &[
                ("csrf_token", &csrf),
                ("token", token),
                ("password", password),
            ],
        )
        .await;
    (page, answer)
}

/// Whether `client` is logged in: `/me` answers 200 rather than sending it to the login page.
async fn logged_in(client: &Client) -> bool {
    match client.get("/me").await.status {
        200 => true,
        303 => false,
        other => panic!("GET /me answered {other}"),
    }
}

/// An administrator invites an applicant in Midtjylland through the page; returns the e-mail.
async fn invite(admin: &mut Client, email: &str) -> Resp {
    admin
        .post_form(
            "/admin/users",
            &[
                ("email", email),
                ("name", "Inviteret Ingeborg"),
                ("role", "applicant"),
                ("region_code", "1082"),
            ],
        )
        .await
}

both_backends!(
    an_invited_user_sets_a_password_from_the_mail_and_is_logged_in,
    |app| async move {
        let mut admin = app.client_as(Role::Admin, None).await;
        let email = "ingeborg@region.example.dk";
        let r = invite(&mut admin, email).await;
        assert_eq!(r.status, 303, "{}", r.body);
        let user = stored(&app, email).await;
        assert_eq!(user.role, Role::Applicant);

        // Before the link is used, no password logs in.
        let r = app.anonymous().login(email, "").await;
        assert_eq!(r.status, 422);
        let r = app.anonymous().login(email, NEW_PASSWORD).await;
        assert_eq!(r.status, 401);

        // One mail, with an absolute link from the public address, valid 72 hours.
        let mails = mails_to(&app, email, "invite").await;
        assert_eq!(mails.len(), 1);
        let body = &mails[0].body;
        assert!(
            body.contains("http://127.0.0.1:8080/adgangskode?token="),
            "{body}"
        );
        assert!(body.contains("72 timer"), "{body}");
        let token = token_in(body);
        assert_eq!(token.len(), 43, "32 random bytes, base64: {token}");
        // Only the token's hash is stored.
        let mut conn = app.db.conn().await.unwrap();
        let raw_stored: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM account_links WHERE token_hash = '{token}'"
        ))
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        assert_eq!(raw_stored, 0);
        drop(conn);
        // The outbox page does not show the link to administrators.
        let outbox = admin.get("/outbox").await;
        assert_eq!(outbox.status, 200);
        assert!(!outbox.body.contains(&token));

        // A short and a common password are refused at the field, the link still live.
        let person = app.anonymous();
        let (page, r) = use_link(&person, &token, "kort").await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.text().contains("Inviteret Ingeborg"));
        assert!(page.text().contains("Mindst 12 og højst 128 tegn"));
        // The live count is a script's extra; the rules are on the page without it.
        assert!(page
            .body
            .contains("data-min-length=\"12\" data-max-length=\"128\""));
        let script = person.get("/static/adgangskode.js").await;
        assert_eq!(script.status, 200);
        assert!(script.body.contains("data-min-length"));
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r
            .text()
            .contains("Ny adgangskode: Adgangskoden skal være mindst 12 tegn"));
        let (_, r) = use_link(&person, &token, COMMON).await;
        assert_eq!(r.status, 422);
        assert!(r.text().contains("for almindelig"), "{}", r.body);
        assert!(!logged_in(&person).await);

        // The right password: logged in at once.
        let (_, r) = use_link(&person, &token, NEW_PASSWORD).await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(r.location(), Some("/"));
        assert!(logged_in(&person).await);
        let mut other = app.anonymous();
        assert_eq!(other.login(email, NEW_PASSWORD).await.status, 303);

        // The link works once.
        let again = app.anonymous();
        let (page, r) = use_link(&again, &token, "en helt anden adgangskode").await;
        assert_eq!(page.status, 410);
        assert!(page.text().contains("Linket er udløbet, allerede brugt"));
        assert_eq!(r.status, 410);
        assert!(!logged_in(&again).await);
        assert_eq!(app.anonymous().login(email, NEW_PASSWORD).await.status, 303);

        // Audited: created, invited (no token in the log), the password set by the user.
        let audit = user_audit(&app, user.id.get()).await;
        let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
        assert!(actions.contains(&"create"), "{actions:?}");
        assert!(actions.contains(&"invite"), "{actions:?}");
        let set = audit.iter().find(|e| e.action == "set_password").unwrap();
        assert_eq!(set.user_id, Some(user.id));
        for e in &audit {
            let text = format!("{:?}{:?}", e.before_json, e.after_json);
            assert!(!text.contains(&token), "the token is in the audit log");
        }
    }
);

both_backends!(
    resend_kills_the_old_link_and_revoked_or_expired_links_are_refused,
    |app| async move {
        let mut admin = app.client_as(Role::Admin, None).await;
        let email = "gentaget@region.example.dk";
        assert_eq!(invite(&mut admin, email).await.status, 303);
        let user = stored(&app, email).await;
        let first = token_in(&mails_to(&app, email, "invite").await[0].body);

        let list = admin.get("/admin/users?region=1082").await;
        assert!(
            list.text().contains("Inviteret; linket udløber"),
            "{}",
            list.body
        );

        let r = admin
            .post_form(&format!("/admin/users/{}/invitation", user.id), &[])
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let mails = mails_to(&app, email, "invite").await;
        assert_eq!(mails.len(), 2);
        let second = token_in(&mails[1].body);
        assert_ne!(first, second);
        assert_eq!(
            app.anonymous()
                .get(&format!("/adgangskode?token={first}"))
                .await
                .status,
            410
        );
        assert_eq!(
            app.anonymous()
                .get(&format!("/adgangskode?token={second}"))
                .await
                .status,
            200
        );

        // Revoked: the live link dies.
        let r = admin
            .post_form(
                &format!("/admin/users/{}/invitation/tilbagekald", user.id),
                &[],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let (page, r) = use_link(&app.anonymous(), &second, NEW_PASSWORD).await;
        assert_eq!(page.status, 410);
        assert_eq!(r.status, 410);
        let list = admin.get("/admin/users?region=1082").await;
        assert!(list.text().contains("linket er udløbet eller tilbagekaldt"));

        // Expired: a new link whose time has run out (set in the row, not waited for).
        admin
            .post_form(&format!("/admin/users/{}/invitation", user.id), &[])
            .await;
        let third = token_in(&mails_to(&app, email, "invite").await[2].body);
        app.exec(&format!(
            "UPDATE account_links SET expires_at = '2020-01-01T00:00:00Z' WHERE user_id = {}",
            user.id
        ))
        .await;
        let person = app.anonymous();
        let (page, r) = use_link(&person, &third, NEW_PASSWORD).await;
        assert_eq!(page.status, 410);
        assert_eq!(r.status, 410);
        assert!(!logged_in(&person).await);
        assert_eq!(app.anonymous().login(email, NEW_PASSWORD).await.status, 401);

        let actions: Vec<String> = user_audit(&app, user.id.get())
            .await
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert!(actions.contains(&"revoke_links".to_string()), "{actions:?}");
        assert_eq!(actions.iter().filter(|a| *a == "invite").count(), 3);
    }
);

both_backends!(
    forgot_password_answers_alike_for_unknown_addresses_and_the_link_ends_all_sessions,
    |app| async move {
        let user = app.user(Role::Leader, Some(MIDTJYLLAND)).await;
        let session = app.login(&user).await;
        let disabled = app.user(Role::Leader, Some(MIDTJYLLAND)).await;
        app.exec(&format!(
            "UPDATE users SET disabled = 1 WHERE id = {}",
            disabled.id()
        ))
        .await;

        let client = app.anonymous();
        let form = client.get("/glemt-adgangskode").await;
        assert_eq!(form.status, 200);
        let csrf = form.csrf_token().unwrap();
        let ask = |email: String| {
            let csrf = csrf.clone();
            let client = &client;
            async move {
                client
                    .post_form_raw(
                        "/glemt-adgangskode",
                        &[("csrf_token", csrf.as_str()), ("email", email.as_str())],
                    )
                    .await
            }
        };
        let unknown = ask("ingen.her@region.example.dk".into()).await;
        let known = ask(format!("  {}  ", user.email.to_uppercase())).await;
        let off = ask(disabled.email.clone()).await;
        assert_eq!(unknown.status, 200);
        assert_eq!(known.status, 200);
        assert_eq!(unknown.body, known.body, "the answer must not tell");
        assert_eq!(unknown.body, off.body);
        assert!(known
            .text()
            .contains("Hvis adressen hører til en bruger i pulje"));
        // Asked again at once: the same answer, no second mail.
        let again = ask(user.email.clone()).await;
        assert_eq!(again.body, unknown.body);
        let empty = ask(String::new()).await;
        assert_eq!(empty.status, 422);
        assert!(empty
            .text()
            .contains("E-mailadresse: Skriv din e-mailadresse."));

        // Only the enabled user's mail is queued; it says the link lasts an hour.
        let all = app.outbox(None).await;
        let resets: Vec<_> = all.iter().filter(|m| m.event == "password_reset").collect();
        assert_eq!(resets.len(), 1, "{resets:?}");
        assert_eq!(resets[0].recipient, user.email);
        assert!(
            resets[0].body.contains("udløber om 1 time"),
            "{}",
            resets[0].body
        );
        let token = token_in(&resets[0].body);

        let person = app.anonymous();
        let (page, r) = use_link(&person, &token, "1234567890123").await;
        assert!(page.text().contains("én time"), "{}", page.body);
        assert_eq!(r.status, 422);
        let (_, r) = use_link(&person, &token, NEW_PASSWORD).await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert!(logged_in(&person).await);
        // The session from before the reset has ended; the old password is dead.
        assert!(!logged_in(&session).await);
        assert_eq!(
            app.anonymous()
                .login(&user.email, &user.password)
                .await
                .status,
            401
        );
        assert_eq!(
            app.anonymous()
                .login(&user.email, NEW_PASSWORD)
                .await
                .status,
            303
        );
    }
);

both_backends!(
    changing_the_password_needs_the_current_one_and_ends_the_other_sessions,
    |app| async move {
        let user = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let mut here = app.login(&user).await;
        let elsewhere = app.login(&user).await;

        let change = |current: &'static str, new: &'static str| (current, new);
        let cases = [
            (
                change("forkert-adgangskode-1", NEW_PASSWORD),
                "Nuværende adgangskode: Den nuværende adgangskode er forkert.",
            ),
            (
                change("", NEW_PASSWORD),
                "Nuværende adgangskode: Skriv din nuværende adgangskode.",
            ),
        ];
        for ((current, new), message) in cases {
            let r = here
                .post_form(
                    "/me/adgangskode",
                    &[("current_password", current), ("new_password", new)],
                )
                .await;
            assert_eq!(r.status, 422, "{}", r.body);
            assert!(r.text().contains(message), "{message}: {}", r.body);
        }
        let password = user.password.clone();
        for (new, message) in [
            (
                "kort",
                "Ny adgangskode: Adgangskoden skal være mindst 12 tegn",
            ),
            (COMMON, "Ny adgangskode: Adgangskoden er for almindelig"),
        ] {
            let r = here
                .post_form(
                    "/me/adgangskode",
                    &[("current_password", &password), ("new_password", new)],
                )
                .await;
            assert_eq!(r.status, 422, "{}", r.body);
            assert!(r.text().contains(message), "{message}: {}", r.body);
            // Passwords are not written back into the page.
            assert!(!r.body.contains(&password));
        }
        assert!(logged_in(&elsewhere).await, "nothing changed yet");

        let r = here
            .post_form(
                "/me/adgangskode",
                &[
                    ("current_password", &password),
                    ("new_password", NEW_PASSWORD),
                ],
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.text().contains("Din adgangskode er skiftet"));
        assert!(logged_in(&here).await, "this session stays");
        assert!(!logged_in(&elsewhere).await, "the other session ended");
        assert_eq!(
            app.anonymous().login(&user.email, &password).await.status,
            401
        );
        assert_eq!(
            app.anonymous()
                .login(&user.email, NEW_PASSWORD)
                .await
                .status,
            303
        );
        let actions: Vec<String> = user_audit(&app, user.id())
            .await
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert!(actions.contains(&"set_password".to_string()), "{actions:?}");
    }
);

both_backends!(
    an_administrator_edits_a_user_and_the_change_is_audited_before_and_after,
    |app| async move {
        let mut admin = app.client_as(Role::Admin, None).await;
        let target = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let id = target.id();

        let form = admin.get(&format!("/admin/users?ret={id}")).await;
        assert_eq!(form.status, 200);
        assert!(form.body.contains(&format!("action=\"/admin/users/{id}\"")));

        // A bad address: 422, the message at the field, everything typed kept.
        let r = admin
            .post_form(
                &format!("/admin/users/{id}"),
                &[
                    ("email", "ikke en adresse"),
                    ("name", "Nyt Navn"),
                    ("role", "leader"),
                    ("region_code", "1081"),
                ],
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(field_error(&r.body, "ret-email").is_some(), "{}", r.body);
        assert_eq!(input_value(&r.body, "name").as_deref(), Some("Nyt Navn"));
        assert_eq!(stored(&app, &target.email).await.name, target.user.name);

        let r = admin
            .post_form(
                &format!("/admin/users/{id}"),
                &[
                    ("email", "ny.adresse@region.example.dk"),
                    ("name", "Nyt Navn"),
                    ("role", "leader"),
                    ("region_code", "1081"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let after = stored(&app, "ny.adresse@region.example.dk").await;
        assert_eq!(after.id.get(), id);
        assert_eq!(after.name, "Nyt Navn");
        assert_eq!(after.role, Role::Leader);
        assert_eq!(after.region.map(|r| r.get()), Some(NORDJYLLAND));

        let audit = user_audit(&app, id).await;
        let update = audit
            .iter()
            .find(|e| e.action == "update")
            .expect("audited");
        assert!(update
            .before_json
            .as_deref()
            .unwrap()
            .contains(&target.email));
        assert!(update
            .after_json
            .as_deref()
            .unwrap()
            .contains("ny.adresse@region.example.dk"));
        assert!(update.after_json.as_deref().unwrap().contains("\"leader\""));

        // Nobody changes their own role.
        let me = admin.user().clone();
        let r = admin
            .post_form(
                &format!("/admin/users/{}", me.id()),
                &[
                    ("email", me.email.as_str()),
                    ("name", "Mig"),
                    ("role", "national_viewer"),
                    ("region_code", ""),
                ],
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.text().contains("Du kan ikke ændre din egen rolle"));
    }
);

both_backends!(
    a_disabled_user_is_shut_out_at_once_and_can_come_back,
    |app| async move {
        let mut admin = app.client_as(Role::Admin, None).await;
        let user = app.user(Role::Leader, Some(MIDTJYLLAND)).await;
        let session = app.login(&user).await;
        let (_, raw) = app.token(&user).await;
        let api = Bearer::new(&app, &raw);
        assert_eq!(api.get("/api/v1/me").await.status, 200);

        let r = admin
            .post_form(&format!("/admin/users/{}/disable", user.id()), &[])
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert!(!logged_in(&session).await);
        assert_eq!(api.get("/api/v1/me").await.status, 401);
        assert_eq!(
            app.anonymous()
                .login(&user.email, &user.password)
                .await
                .status,
            401
        );
        // No reset mail for a disabled user either.
        let client = app.anonymous();
        let csrf = client.get("/glemt-adgangskode").await.csrf_token().unwrap();
        client
            .post_form_raw(
                "/glemt-adgangskode",
                &[
                    ("csrf_token", csrf.as_str()),
                    ("email", user.email.as_str()),
                ],
            )
            .await;
        assert!(mails_to(&app, &user.email, "password_reset")
            .await
            .is_empty());

        let r = admin
            .post_form(&format!("/admin/users/{}/enable", user.id()), &[])
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(
            app.anonymous()
                .login(&user.email, &user.password)
                .await
                .status,
            303
        );
        let actions: Vec<String> = user_audit(&app, user.id())
            .await
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert!(actions.contains(&"disable".to_string()));
        assert!(actions.contains(&"enable".to_string()));
    }
);

both_backends!(
    a_link_used_by_two_requests_at_once_sets_one_password,
    |app| async move {
        let mut admin = app.client_as(Role::Admin, None).await;
        let email = "samtidig@region.example.dk";
        assert_eq!(invite(&mut admin, email).await.status, 303);
        let token = token_in(&mails_to(&app, email, "invite").await[0].body);
        let (a, b) = (app.anonymous(), app.anonymous());
        let csrf_a = a.get("/glemt-adgangskode").await.csrf_token().unwrap();
        let csrf_b = b.get("/glemt-adgangskode").await.csrf_token().unwrap();
        let first = "første adgangskode til pulje";
        let second = "anden adgangskode til pulje";
        let form_a = [
            ("csrf_token", csrf_a.as_str()),
            ("token", token.as_str()),
            ("password", first),
        ];
        let form_b = [
            ("csrf_token", csrf_b.as_str()),
            ("token", token.as_str()),
            ("password", second),
        ];
        let (ra, rb) = tokio::join!(
            a.post_form_raw("/adgangskode", &form_a),
            b.post_form_raw("/adgangskode", &form_b),
        );
        let mut statuses = [ra.status, rb.status];
        statuses.sort();
        assert_eq!(statuses, [303, 410], "{} / {}", ra.body, rb.body);
        let winner = if ra.status == 303 { first } else { second };
        let loser = if ra.status == 303 { second } else { first };
        assert_eq!(app.anonymous().login(email, winner).await.status, 303);
        assert_eq!(app.anonymous().login(email, loser).await.status, 401);
    }
);
