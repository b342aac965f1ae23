//! Single sign-on against a real OpenID provider: npm's oidc-provider, started by each test from
//! `tests/oidc/provider.mjs` on a free port of 127.0.0.1 (scripts/install-test-tools installs
//! it). The tests log in through it like a browser — pulje's redirect to the provider, the
//! provider's login and consent forms, the redirect back — with one cookie jar, and check what
//! pulje then knows. An ID token with the wrong state, nonce, issuer or audience is refused: the
//! refused tokens are real tokens from the provider (for another client, another nonce, or a
//! second provider with another issuer signing with the same key), handed to pulje through the
//! provider's test hook that replaces the ID token of its next token answer.

#[path = "oidc/idp.rs"]
mod idp;

use idp::{setup, Idp, Setup};
use openidconnect::PkceCodeChallenge;
use pulje_domain::Role;
use pulje_testkit::{Backend, Resp};
use url::Url;

const NORDJYLLAND: i64 = 1081;
const MIDTJYLLAND: i64 = 1082;

/// A browser: one cookie jar for pulje and the provider, redirects followed by hand.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        // A provider or server that stops answering fails the test instead of hanging it.
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .expect("client")
}

async fn get(http: &reqwest::Client, url: &str) -> Resp {
    Resp::read(http.get(url).send().await.expect("GET")).await
}

/// The `action` of the first form on a page, absolute.
fn form_action(page: &Resp, at: &Url) -> Url {
    let start = page.body.find("action=\"").expect("a form") + 8;
    let end = page.body[start..].find('"').expect("end of action") + start;
    at.join(&pulje_testkit::unescape(&page.body[start..end]))
        .expect("form action")
}

/// Goes through the provider from `start` (an authorization URL): its login form as `username`,
/// its consent form, up to the redirect to `callback`, which is returned without being fetched.
async fn authorize(http: &reqwest::Client, start: &str, username: &str, callback: &str) -> Url {
    let password = format!("{username}-kodeord");
    let mut url = Url::parse(start).expect("start URL");
    let mut resp = get(http, url.as_str()).await;
    for _ in 0..20 {
        if let Some(location) = resp.location() {
            url = url.join(location).expect("Location");
            if url.as_str().starts_with(callback) {
                return url;
            }
            resp = get(http, url.as_str()).await;
            continue;
        }
        assert_eq!(resp.status, 200, "at {url}: {}", resp.body);
        let action = form_action(&resp, &url);
        let pairs: Vec<(&str, &str)> = if resp.body.contains("name=\"username\"") {
            vec![("username", username), ("password", &password)]
        } else {
            Vec::new()
        };
        resp = Resp::read(
            http.post(action.as_str())
                .form(&pairs)
                .send()
                .await
                .expect("POST"),
        )
        .await;
        url = action;
    }
    panic!(
        "no redirect to {callback} after 20 steps; last at {url}: {}",
        resp.body
    )
}

/// Starts pulje's single sign-on in `http`: the provider's authorization URL pulje redirects to.
async fn start_login(s: &Setup, http: &reqwest::Client) -> String {
    let r = get(http, &s.app.url("/login/oidc")).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let location = r.location().expect("redirect to the provider").to_string();
    assert!(location.starts_with(&s.idp.issuer), "{location}");
    for p in [
        "code_challenge=",
        "code_challenge_method=S256",
        "nonce=",
        "state=",
    ] {
        assert!(location.contains(p), "{p} missing in {location}");
    }
    location
}

/// Logs in through the provider as `username` in a fresh browser: the browser and pulje's answer
/// to the provider's redirect.
async fn sso_login(s: &Setup, username: &str) -> (reqwest::Client, Resp) {
    let http = browser();
    let start = start_login(s, &http).await;
    let back = authorize(&http, &start, username, &s.callback).await;
    let r = get(&http, back.as_str()).await;
    (http, r)
}

fn query(url: &str, name: &str) -> String {
    Url::parse(url)
        .expect("url")
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("{name} missing in {url}"))
}

/// A real ID token from `idp` for `client` with `nonce`, got by its own code flow in a browser of
/// its own.
async fn id_token(idp: &Idp, client: &str, nonce: &str, callback: &str) -> String {
    let http = browser();
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut start = Url::parse(&idp.url("/auth")).expect("auth url");
    start
        .query_pairs_mut()
        .append_pair("client_id", client)
        .append_pair("response_type", "code")
        .append_pair("scope", "openid email profile")
        .append_pair("redirect_uri", callback)
        .append_pair("state", "test-state")
        .append_pair("nonce", nonce)
        .append_pair("code_challenge", challenge.as_str())
        .append_pair("code_challenge_method", "S256");
    let back = authorize(&http, start.as_str(), "anna", callback).await;
    let code = query(back.as_str(), "code");
    let r = http
        .post(idp.url("/token"))
        .basic_auth(client, Some(format!("{client}-test-secret")))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", callback),
            ("code_verifier", verifier.secret()),
        ])
        .send()
        .await
        .expect("token request");
    let body: serde_json::Value = r.json().await.expect("token JSON");
    body["id_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no id_token: {body}"))
        .to_string()
}

/// Whether the browser is logged in to pulje.
async fn logged_in(s: &Setup, http: &reqwest::Client) -> bool {
    get(http, &s.app.url("/me")).await.status == 200
}

/// How the session of the user `email` was authenticated, and its `amr`.
async fn session_of(s: &Setup, email: &str) -> Vec<(String, Option<String>)> {
    let mut conn = s.app.db.conn().await.expect("conn");
    sqlx::query_as(
        "SELECT s.auth_method, s.amr FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE u.email = $1 ORDER BY s.created_at",
    )
    .bind(email)
    .fetch_all(&mut *conn)
    .await
    .expect("sessions")
}

async fn user_row(s: &Setup, email: &str) -> Option<(i64, String, Option<i64>, Option<String>)> {
    let mut conn = s.app.db.conn().await.expect("conn");
    sqlx::query_as("SELECT id, role, region_code, oidc_subject FROM users WHERE email = $1")
        .bind(email)
        .fetch_optional(&mut *conn)
        .await
        .expect("user")
}

macro_rules! sso_test {
    ($name:ident, |$s:ident| async move $body:block) => {
        mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(
                not(pulje_oidc),
                ignore = "needs the OpenID provider oidc-provider (scripts/install-test-tools)"
            )]
            async fn sqlite() {
                let $s = setup(Backend::Sqlite).await;
                $body
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(
                any(not(pulje_oidc), not(pulje_postgres)),
                ignore = "needs the OpenID provider oidc-provider and PostgreSQL (scripts/install-test-tools, PULJE_TEST_POSTGRES_URL)"
            )]
            async fn postgres() {
                let $s = setup(Backend::Postgres).await;
                $body
            }
        }
    };
}

sso_test!(a_rule_gives_the_role_at_the_first_login, |s| async move {
    // The login page offers the provider.
    let page = s.app.anonymous().get("/login").await;
    assert!(
        page.text().contains("Log ind med Test-IdP"),
        "{}",
        page.body
    );
    assert!(page.body.contains("href=\"/login/oidc\""), "{}", page.body);

    // The administrator makes a rule on the admin page: the group gives applicant in Nordjylland.
    let mut admin = s.app.client_as(Role::Admin, None).await;
    let r = admin
        .post_form(
            "/admin/sso/regler",
            &[
                ("claim_value", "pulje-ansoegere-nord"),
                ("role", "applicant"),
                ("region_code", &NORDJYLLAND.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let listed = admin.get("/admin/sso").await;
    assert!(
        listed.text().contains("pulje-ansoegere-nord"),
        "{}",
        listed.body
    );

    let (http, r) = sso_login(&s, "anna").await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location(), Some("/"));
    assert!(
        r.set_cookies()
            .iter()
            .any(|c| c.starts_with("pulje_session=") && !c.contains("Max-Age=0")),
        "{:?}",
        r.set_cookies()
    );
    let me = get(&http, &s.app.url("/me")).await;
    assert_eq!(me.status, 200);
    assert!(me.text().contains("Anna Sso Andersen"), "{}", me.body);
    // She has no password to change.
    assert!(
        me.text().contains("Du har ingen adgangskode i pulje"),
        "{}",
        me.body
    );
    assert!(
        !me.body.contains("name=\"current_password\""),
        "{}",
        me.body
    );

    let (_, role, region, subject) = user_row(&s, "anna.sso@region-test.dk")
        .await
        .expect("provisioned");
    assert_eq!((role.as_str(), region), ("applicant", Some(NORDJYLLAND)));
    assert_eq!(subject.as_deref(), Some("anna-7f3c"));
    assert_eq!(
        session_of(&s, "anna.sso@region-test.dk").await,
        vec![("oidc".to_string(), Some("pwd otp".to_string()))]
    );

    // The second login finds the same user by the subject.
    let (_, again) = sso_login(&s, "anna").await;
    assert_eq!(again.status, 303, "{}", again.body);
    let mut conn = s.app.db.conn().await.expect("conn");
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email = $1")
        .bind("anna.sso@region-test.dk")
        .fetch_one(&mut *conn)
        .await
        .expect("count");
    assert_eq!(n, 1);
});

sso_test!(
    without_a_rule_the_person_waits_until_an_administrator_grants_a_role,
    |s| async move {
        let (http, r) = sso_login(&s, "bo").await;
        assert_eq!(r.status, 403, "{}", r.body);
        assert!(
            r.text()
                .contains("Du har ingen rolle endnu — kontakt din administrator"),
            "{}",
            r.body
        );
        assert!(!logged_in(&s, &http).await);
        assert!(user_row(&s, "bo.sso@region-test.dk").await.is_none());

        // The administrator sees Bo waiting, and gives him a role; a wrong choice is refused first,
        // with what was chosen kept.
        let mut admin = s.app.client_as(Role::Admin, None).await;
        let page = admin.get("/admin/sso").await;
        assert!(page.text().contains("Bo Sso Berg"), "{}", page.body);
        let mut conn = s.app.db.conn().await.expect("conn");
        let id: i64 = sqlx::query_scalar("SELECT id FROM oidc_pending WHERE subject = 'bo-19a2'")
            .fetch_one(&mut *conn)
            .await
            .expect("waiting");
        drop(conn);
        let refused = admin
            .post_form(
                &format!("/admin/sso/venter/{id}"),
                &[("role", "leader"), ("region_code", "")],
            )
            .await;
        assert_eq!(refused.status, 422, "{}", refused.body);
        assert!(refused.text().contains("Rollen «"), "{}", refused.body);
        let granted = admin
            .post_form(
                &format!("/admin/sso/venter/{id}"),
                &[
                    ("role", "leader"),
                    ("region_code", &MIDTJYLLAND.to_string()),
                ],
            )
            .await;
        assert_eq!(granted.status, 303, "{}", granted.body);

        let (http, r) = sso_login(&s, "bo").await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert!(logged_in(&s, &http).await);
        let (_, role, region, subject) = user_row(&s, "bo.sso@region-test.dk").await.expect("user");
        assert_eq!((role.as_str(), region), ("leader", Some(MIDTJYLLAND)));
        assert_eq!(subject.as_deref(), Some("bo-19a2"));

        // Audited: the waiting entry, the grant (a new user) and the link.
        let mut conn = s.app.db.conn().await.expect("conn");
        let actions: Vec<(String, String)> = sqlx::query_as(
        "SELECT entity, action FROM audit_log WHERE entity IN ('oidc_waiting', 'user') ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await
    .expect("audit");
        for expected in [
            ("oidc_waiting", "create"),
            ("user", "create"),
            ("user", "link_single_sign_on"),
            ("oidc_waiting", "delete"),
        ] {
            assert!(
                actions.contains(&(expected.0.to_string(), expected.1.to_string())),
                "{expected:?} not in {actions:?}"
            );
        }
    }
);

sso_test!(
    an_existing_user_is_linked_by_a_verified_e_mail_only,
    |s| async move {
        let carl = s
            .app
            .user_named(
                Role::WorkingGroup,
                Some(NORDJYLLAND),
                "carl.sso@region-test.dk",
                "Carl Clausen",
            )
            .await;
        // Dora's provider account claims Carl's address, unverified: not linked to Carl.
        let (http, r) = sso_login(&s, "dora").await;
        assert_eq!(r.status, 403, "{}", r.body);
        assert!(!logged_in(&s, &http).await);
        let (_, _, _, subject) = user_row(&s, "carl.sso@region-test.dk").await.expect("carl");
        assert_eq!(subject, None);

        let (http, r) = sso_login(&s, "carl").await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert!(logged_in(&s, &http).await);
        let (id, role, _, subject) = user_row(&s, "carl.sso@region-test.dk").await.expect("carl");
        assert_eq!(id, carl.id());
        assert_eq!(role, "working_group");
        assert_eq!(subject.as_deref(), Some("carl-55d0"));

        // His password still works while his region allows passwords, and is refused with a pointer
        // to the provider once the administrator switches them off.
        let mut pw = s.app.anonymous();
        assert_eq!(pw.login(&carl.email, &carl.password).await.status, 303);
        assert_eq!(
            session_of(&s, &carl.email)
                .await
                .iter()
                .map(|(m, _)| m.as_str())
                .collect::<Vec<_>>(),
            vec!["oidc", "password"]
        );
        let mut admin = s.app.client_as(Role::Admin, None).await;
        let r = admin
            .post_form(
                &format!("/admin/sso/regioner/{NORDJYLLAND}?adgangskoder=false"),
                &[],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(
            session_of(&s, &carl.email)
                .await
                .iter()
                .map(|(m, _)| m.as_str())
                .collect::<Vec<_>>(),
            vec!["oidc"],
            "the password session ended"
        );
        let mut pw = s.app.anonymous();
        let refused = pw.login(&carl.email, &carl.password).await;
        assert_eq!(refused.status, 403, "{}", refused.body);
        assert!(
            refused.text().contains("Brug «Log ind med Test-IdP»"),
            "{}",
            refused.body
        );
        // A wrong password gets the usual answer (the setting is told only to whoever knew it).
        let wrong = s
            .app
            .anonymous()
            .login(&carl.email, "forkert-forkert-forkert")
            .await;
        assert_eq!(wrong.status, 401, "{}", wrong.body);
        // Another region's users still log in with passwords.
        let other = s.app.user(Role::Leader, Some(MIDTJYLLAND)).await;
        assert_eq!(
            s.app
                .anonymous()
                .login(&other.email, &other.password)
                .await
                .status,
            303
        );
        // Single sign-on still works.
        let (_, r) = sso_login(&s, "carl").await;
        assert_eq!(r.status, 303, "{}", r.body);
    }
);

sso_test!(an_answer_with_another_state_is_refused, |s| async move {
    s.app
        .user_named(
            Role::Leader,
            Some(NORDJYLLAND),
            "anna.sso@region-test.dk",
            "Anna",
        )
        .await;
    let http = browser();
    let start = start_login(&s, &http).await;
    let back = authorize(&http, &start, "anna", &s.callback).await;
    let mut tampered = back.clone();
    let pairs: Vec<(String, String)> = back
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "state" {
                "en-anden-state".to_string()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    tampered.query_pairs_mut().clear().extend_pairs(pairs);
    let r = get(&http, tampered.as_str()).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.text().contains("hører ikke til dette login-forsøg"),
        "{}",
        r.body
    );
    assert!(!logged_in(&s, &http).await);

    // The right answer in another browser (without the attempt's cookie) is refused too.
    let other = browser();
    let start = start_login(&s, &http).await;
    let back = authorize(&http, &start, "anna", &s.callback).await;
    let r = get(&other, back.as_str()).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(!logged_in(&s, &other).await);
    // …while the browser that started it gets in with it.
    let r = get(&http, back.as_str()).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(logged_in(&s, &http).await);
});

/// Logs in with the provider's next ID token replaced by `token`: pulje's answer.
async fn login_with_replaced_token(
    s: &Setup,
    http: &reqwest::Client,
    start: &str,
    token: &str,
) -> Resp {
    s.idp.replace_next_id_token(token).await;
    let back = authorize(http, start, "anna", &s.callback).await;
    get(http, back.as_str()).await
}

sso_test!(
    an_id_token_with_another_nonce_audience_or_issuer_is_refused,
    |s| async move {
        // A second provider with its own issuer, signing with the same key.
        let other_idp = Idp::start(&s.callback, &s.key_file).await;
        assert_ne!(other_idp.issuer, s.idp.issuer);

        for (what, client, idp, nonce_ok) in [
            ("nonce", "pulje", &s.idp, false),
            ("audience", "other", &s.idp, true),
            ("issuer", "pulje", &other_idp, true),
        ] {
            let http = browser();
            let start = start_login(&s, &http).await;
            let nonce = if nonce_ok {
                query(&start, "nonce")
            } else {
                "en-anden-nonce".into()
            };
            let token = id_token(idp, client, &nonce, &s.callback).await;
            let r = login_with_replaced_token(&s, &http, &start, &token).await;
            assert_eq!(r.status, 401, "wrong {what}: {}", r.body);
            assert!(
                r.text().contains("kunne ikke godkendes"),
                "wrong {what}: {}",
                r.body
            );
            assert!(!logged_in(&s, &http).await, "wrong {what}");
        }
        assert!(user_row(&s, "anna.sso@region-test.dk").await.is_none());

        // The same kind of replaced token with the right nonce, audience and issuer is accepted: the
        // refusals above are the claims', not the replacement's.
        let http = browser();
        let start = start_login(&s, &http).await;
        let token = id_token(&s.idp, "pulje", &query(&start, "nonce"), &s.callback).await;
        let r = login_with_replaced_token(&s, &http, &start, &token).await;
        assert_eq!(r.status, 403, "{}", r.body);
        assert!(r.text().contains("Du har ingen rolle endnu"), "{}", r.body);
    }
);

sso_test!(
    only_administrators_change_the_single_sign_on_settings,
    |s| async move {
        let mut leader = s.app.client_as(Role::Leader, Some(NORDJYLLAND)).await;
        assert_eq!(leader.get("/admin/sso").await.status, 403);
        let r = leader
            .post_form(
                &format!("/admin/sso/regioner/{NORDJYLLAND}?adgangskoder=false"),
                &[],
            )
            .await;
        assert_eq!(r.status, 403);
        // A region's administrator sets their own region, not another, and makes no rules.
        let carl = s
            .app
            .user_named(
                Role::RegionAdmin,
                Some(NORDJYLLAND),
                "carl.sso@region-test.dk",
                "Carl Clausen",
            )
            .await;
        let mut ra = s.app.login(&carl).await;
        let page = ra.get("/admin/sso").await;
        assert_eq!(page.status, 200);
        assert!(!page.text().contains("Regler for roller"), "{}", page.body);
        let r = ra
            .post_form(
                &format!("/admin/sso/regioner/{MIDTJYLLAND}?adgangskoder=false"),
                &[],
            )
            .await;
        assert_eq!(r.status, 404);
        let r = ra
            .post_form(
                "/admin/sso/regler",
                &[("claim_value", "x"), ("role", "admin"), ("region_code", "")],
            )
            .await;
        assert_eq!(r.status, 403);
        // Logged in with a password, they would lock themselves out: refused, saying so.
        let r = ra
            .post_form(
                &format!("/admin/sso/regioner/{NORDJYLLAND}?adgangskoder=false"),
                &[],
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.text().contains("ville lukke dig selv ude"), "{}", r.body);
        // Logged in through the provider, they may.
        let (http, r) = sso_login(&s, "carl").await;
        assert_eq!(r.status, 303, "{}", r.body);
        let page = get(&http, &s.app.url("/admin/sso")).await;
        let csrf = page.csrf_token().expect("csrf");
        let r = Resp::read(
            http.post(s.app.url(&format!(
                "/admin/sso/regioner/{NORDJYLLAND}?adgangskoder=false"
            )))
            .form(&[("csrf_token", csrf.as_str())])
            .send()
            .await
            .expect("POST"),
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let mut conn = s.app.db.conn().await.expect("conn");
        let off: Vec<i64> = sqlx::query_scalar("SELECT code FROM regions WHERE password_login = 0")
            .fetch_all(&mut *conn)
            .await
            .expect("regions");
        assert_eq!(off, vec![NORDJYLLAND]);
        let audited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE entity = 'region_password_login' AND action = 'password_login'",
    )
    .fetch_one(&mut *conn)
    .await
    .expect("audit");
        assert_eq!(audited, 1);
    }
);

/// The hidden fields of the first form on a page.
fn hidden_fields(html: &str) -> Vec<(String, String)> {
    let form_end = html.find("</form>").unwrap_or(html.len());
    html[..form_end]
        .split("<input type=\"hidden\" name=\"")
        .skip(1)
        .map(|piece| {
            let name = pulje_testkit::unescape(&piece[..piece.find('"').unwrap()]);
            let value =
                pulje_testkit::hidden_value(&format!("name=\"{piece}"), &name).unwrap_or_default();
            (name, value)
        })
        .collect()
}

sso_test!(
    single_sign_on_users_are_not_asked_for_pulje_s_code_and_re_authenticate_at_the_provider,
    |s| async move {
        // Region administrators must use pulje's second factor with a password; Anna, one of
        // them, logs in through the provider, whose own second factor counts (amr).
        s.app
            .require_second_factor(&[Role::Admin, Role::RegionAdmin])
            .await;
        s.app
            .user_named(
                Role::RegionAdmin,
                Some(MIDTJYLLAND),
                "anna.sso@region-test.dk",
                "Anna Andersen",
            )
            .await;
        let (http, r) = sso_login(&s, "anna").await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(r.location(), Some("/"));
        assert!(logged_in(&s, &http).await);
        assert_eq!(
            session_of(&s, "anna.sso@region-test.dk").await,
            vec![("oidc".to_string(), Some("pwd otp".to_string()))]
        );

        // Eleven minutes later she makes an API token: she is sent to the provider for a new
        // login, and comes back to the form as she filled it in.
        let then = pulje_store::timestamp(chrono::Utc::now() - chrono::Duration::minutes(11));
        let mut conn = s.app.db.conn().await.expect("conn");
        sqlx::query("UPDATE sessions SET authenticated_at = $1")
            .bind(&then)
            .execute(&mut *conn)
            .await
            .expect("stale");
        drop(conn);
        let me = get(&http, &s.app.url("/me")).await;
        let csrf = me.csrf_token().expect("csrf");
        let asked = Resp::read(
            http.post(s.app.url("/me/tokens"))
                .form(&[
                    ("csrf_token", csrf.as_str()),
                    ("label", "Lønsystemet"),
                    ("days", "90"),
                ])
                .send()
                .await
                .expect("POST"),
        )
        .await;
        assert_eq!(asked.status, 401, "{}", asked.body);
        assert!(
            asked.body.contains("action=\"/login/oidc/bekraeft\""),
            "{}",
            asked.body
        );
        assert!(!asked.body.contains("reauth_password"), "{}", asked.body);
        let fields = hidden_fields(&asked.body);
        assert!(
            fields.contains(&("label".into(), "Lønsystemet".into())),
            "{fields:?}"
        );
        let to_provider = Resp::read(
            http.post(s.app.url("/login/oidc/bekraeft"))
                .form(&fields)
                .send()
                .await
                .expect("POST"),
        )
        .await;
        assert_eq!(to_provider.status, 303, "{}", to_provider.body);
        let location = to_provider.location().expect("to the provider").to_string();
        assert!(location.starts_with(&s.idp.issuer), "{location}");
        assert!(location.contains("prompt=login"), "{location}");
        assert!(location.contains("max_age=0"), "{location}");
        let back = authorize(&http, &location, "anna", &s.callback).await;
        let done = get(&http, back.as_str()).await;
        assert_eq!(done.status, 200, "{}", done.body);
        assert!(done.text().contains("Du er bekræftet"), "{}", done.body);
        assert!(done.body.contains("action=\"/me/tokens\""), "{}", done.body);
        let made = Resp::read(
            http.post(s.app.url("/me/tokens"))
                .form(&hidden_fields(&done.body))
                .send()
                .await
                .expect("POST"),
        )
        .await;
        assert_eq!(made.status, 200, "{}", made.body);
        assert!(made.text().contains("Din nye nøgle"), "{}", made.body);
        let mut conn = s.app.db.conn().await.expect("conn");
        let tokens: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM api_tokens WHERE label = 'Lønsystemet'")
                .fetch_one(&mut *conn)
                .await
                .expect("tokens");
        assert_eq!(tokens, 1);
        let reauthenticated: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'reauthenticated'")
                .fetch_one(&mut *conn)
                .await
                .expect("audit");
        assert_eq!(reauthenticated, 1);
    }
);
