//! Every error answer keeps the contract: under `/api/` JSON `{"error": "…"}` in Danish — also
//! for what no handler words (an unreadable path, query or body, a wrong content type, an
//! unknown address, a wrong method, a body over the limit, a timeout) — and everywhere else the
//! Danish error page with the site's navigation.

#[macro_use]
mod common;

use common::*;
use pulje_domain::Role;
use reqwest::Method;
use serde_json::json;

/// Asserts a JSON error answer with `status`; returns its Danish message.
fn api_error(r: &Resp, status: u16, what: &str) -> String {
    assert_eq!(r.status, status, "{what}: {}", r.body);
    let content_type = r
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert_eq!(content_type, "application/json", "{what}: {}", r.body);
    let body = r.json();
    let object = body.as_object().expect("a JSON object");
    assert_eq!(object.len(), 1, "{what}: only `error`: {body}");
    let message = body["error"].as_str().expect("error is text").to_string();
    assert!(!message.is_empty(), "{what}");
    message
}

/// Asserts the Danish error page with `status`; returns its HTML.
fn error_page(r: &Resp, status: u16, title: &str, what: &str) -> String {
    assert_eq!(r.status, status, "{what}: {}", r.body);
    let content_type = r
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert_eq!(
        content_type, "text/html; charset=utf-8",
        "{what}: {}",
        r.body
    );
    assert!(r.body.contains("<html lang=\"da\">"), "{what}: {}", r.body);
    assert!(
        r.body.contains(&format!("<h1>{title}</h1>")),
        "{what}: {}",
        r.body
    );
    assert!(
        r.body.contains(&format!("Fejlkode {status}")),
        "{what}: {}",
        r.body
    );
    r.body.clone()
}

/// The main navigation of a logged-in user's pages.
fn has_navigation(html: &str) -> bool {
    html.contains("aria-label=\"Hovedmenu\"") && html.contains("href=\"/applications\"")
}

both_backends!(api_errors_are_danish_json, |app| async move {
    let admin = app.user(Role::Admin, None).await;
    let (_, token) = app.token(&admin).await;
    let api = Bearer::new(&app, &token);
    let http = reqwest::Client::new();
    let send = |method: Method, path: &str, content_type: Option<&str>, body: Vec<u8>| {
        let mut request = http
            .request(method, app.url(path))
            .bearer_auth(&token)
            .body(body);
        if let Some(t) = content_type {
            request = request.header("content-type", t);
        }
        async move {
            let r = request.send().await.expect("request");
            let status = r.status().as_u16();
            let headers = r.headers().clone();
            let body = r.text().await.expect("body");
            Resp {
                status,
                headers,
                body,
            }
        }
    };

    // Unknown addresses under /api/, with and without a login.
    let m = api_error(&api.get("/api/v1/nothing-here").await, 404, "unknown route");
    assert!(m.contains("findes ikke"), "{m}");
    let m = api_error(
        &app.anonymous().get("/api/v2/applications").await,
        404,
        "unknown version",
    );
    assert!(m.contains("findes ikke"), "{m}");
    // Without a login: 401.
    let m = api_error(&app.anonymous().get("/api/v1/me").await, 401, "no login");
    assert_eq!(m, "Du skal logge ind.");

    // Path parameters: the parameter is named.
    let m = api_error(&api.get("/api/v1/applications/abc").await, 400, "text id");
    assert_eq!(
        m,
        "Adressens parameter «id» skal være et heltal, ikke «abc»."
    );
    let m = api_error(
        &api.get("/api/v1/applications/99999999999999999999").await,
        400,
        "id out of range",
    );
    assert!(m.contains("«id»") && m.contains("heltal"), "{m}");
    let m = api_error(
        &api.get("/api/v1/reports/regional/nord").await,
        400,
        "text code",
    );
    assert!(m.contains("«code»"), "{m}");

    // Query parameters: the parameter and its value are named.
    let m = api_error(
        &api.get("/api/v1/hospitals?region=midt").await,
        400,
        "text region",
    );
    assert_eq!(m, "Parameteren «region» har en ugyldig værdi: «midt».");
    let m = api_error(
        &api.get("/api/v1/audit?limit=mange").await,
        400,
        "text limit",
    );
    assert!(m.contains("«limit»"), "{m}");

    // A wrong method: 405 with the methods that are allowed.
    let r = send(Method::DELETE, "/api/v1/me", None, Vec::new()).await;
    let m = api_error(&r, 405, "DELETE /me");
    assert!(m.contains("metode"), "{m}");
    let allow = r.headers.get("allow").and_then(|v| v.to_str().ok());
    assert_eq!(allow, Some("GET,HEAD"));

    // Bodies: no JSON content type 415, malformed JSON 422, a field of the wrong type or a
    // missing one 422 naming the field, a body over the limit 413.
    let m = api_error(
        &send(
            Method::POST,
            "/api/v1/hospitals",
            Some("text/plain"),
            b"name".to_vec(),
        )
        .await,
        415,
        "text body",
    );
    assert!(m.contains("JSON"), "{m}");
    let m = api_error(
        &send(
            Method::POST,
            "/api/v1/hospitals",
            Some("application/json"),
            b"{\"name\": ".to_vec(),
        )
        .await,
        422,
        "cut-off JSON",
    );
    assert_eq!(
        m,
        "Forespørgslens JSON kan ikke læses: den er ikke gyldig JSON (linje 1, kolonne 9)."
    );
    let m = api_error(
        &api.send_json(
            Method::POST,
            "/api/v1/hospitals",
            &json!({"region_code": MIDTJYLLAND, "name": 5}),
        )
        .await,
        422,
        "number as name",
    );
    assert_eq!(
        m,
        "Forespørgslens JSON kan ikke læses: feltet «name» skal være tekst."
    );
    let m = api_error(
        &api.send_json(
            Method::POST,
            "/api/v1/applications/1/transitions",
            &json!({"comment": "uden handling"}),
        )
        .await,
        422,
        "no action",
    );
    assert_eq!(
        m,
        "Forespørgslens JSON kan ikke læses: feltet «action» mangler."
    );
    let too_big = format!("{{\"name\": \"{}\"}}", "x".repeat(3 * 1024 * 1024));
    let m = api_error(
        &send(
            Method::POST,
            "/api/v1/hospitals",
            Some("application/json"),
            too_big.into_bytes(),
        )
        .await,
        413,
        "3 MB body",
    );
    assert_eq!(m, "Forespørgslen er for stor.");
    // The NUL character, which PostgreSQL cannot store in text: refused, never a 500.
    let m = api_error(
        &api.get("/api/v1/applications?q=a%00b").await,
        400,
        "NUL in the query",
    );
    assert!(m.contains("NUL"), "{m}");
    let m = api_error(
        &api.get("/api/v1/programmes/ok%00").await,
        400,
        "NUL in the path",
    );
    assert!(m.contains("NUL"), "{m}");
    let m = api_error(
        &api.send_json(
            Method::POST,
            "/api/v1/hospitals",
            &json!({"region_code": MIDTJYLLAND, "name": "a\u{0}b"}),
        )
        .await,
        422,
        "NUL in a field",
    );
    assert_eq!(
        m,
        "Forespørgslens JSON kan ikke læses: feltet «name» indeholder tegnet NUL (\\u0000), som ikke kan gemmes."
    );

    // Nothing was created by any of these.
    let hospitals = api.get("/api/v1/hospitals?region=1082").await.json();
    assert!(hospitals
        .as_array()
        .expect("hospitals")
        .iter()
        .all(|h| h["name"] != "x" && h["name"] != 5));
});

both_backends!(
    page_errors_are_danish_pages_with_navigation,
    |app| async move {
        let leader = app.client_as(Role::Leader, Some(MIDTJYLLAND)).await;

        // An unknown address.
        let html = error_page(
            &leader.get("/nothing-here").await,
            404,
            "Ikke fundet",
            "404",
        );
        assert!(has_navigation(&html), "{html}");
        assert!(html.contains("findes ikke"), "{html}");
        // A path parameter that is not a number.
        let html = error_page(
            &leader.get("/applications/abc").await,
            400,
            "Ugyldig forespørgsel",
            "text id",
        );
        assert!(has_navigation(&html), "{html}");
        assert!(html.contains("kan ikke læses"), "{html}");
        // A query parameter of the wrong type.
        let html = error_page(
            &leader.get("/regions/1082/payments?kasseret=x").await,
            400,
            "Ugyldig forespørgsel",
            "text kasseret",
        );
        assert!(has_navigation(&html), "{html}");
        // A wrong method.
        let r = leader.get("/logout").await;
        let html = error_page(&r, 405, "Metoden er ikke tilladt", "GET /logout");
        assert!(has_navigation(&html), "{html}");
        assert_eq!(
            r.headers.get("allow").and_then(|v| v.to_str().ok()),
            Some("POST")
        );
        // A handler's own error keeps its words and gains the navigation.
        let author = app.user(Role::Applicant, Some(NORDJYLLAND)).await;
        let other = app
            .application(&author, NORDJYLLAND, &titled("Nordens ansøgning"))
            .await;
        let html = error_page(
            &leader.get(&format!("/applications/{}", other.id)).await,
            404,
            "Ikke fundet",
            "another region's application",
        );
        assert!(has_navigation(&html), "{html}");

        // A form over the body limit: 413.
        let mut leader = leader;
        let csrf = leader.csrf().await;
        let big = "x".repeat(3 * 1024 * 1024);
        let r = leader
            .post_form_raw(
                "/applications",
                &[("csrf_token", csrf.as_str()), ("title", big.as_str())],
            )
            .await;
        let html = error_page(&r, 413, "For stor forespørgsel", "3 MB form");
        assert!(has_navigation(&html), "{html}");
        assert!(html.contains("for stor"), "{html}");

        // Without a login the page has no navigation, but the same words.
        let html = error_page(
            &app.anonymous().get("/nothing-here").await,
            404,
            "Ikke fundet",
            "404 anonymous",
        );
        assert!(!has_navigation(&html), "{html}");
    }
);

/// A request that is not answered in time is answered 503, in the reader's format: here the
/// writes wait for SQLite's write lock, which the test holds longer than the time limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_is_answered_in_the_readers_format() {
    let config = pulje_web::Config {
        request_timeout: std::time::Duration::from_millis(300),
        ..Default::default()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, config).await;
    let admin = app.user(Role::Admin, None).await;
    let (_, token) = app.token(&admin).await;
    let mut leader = app.client_as(Role::Leader, Some(MIDTJYLLAND)).await;
    leader.csrf().await;

    let lock = app.db.begin().await.expect("the write lock");
    let r = Bearer::new(&app, &token)
        .send_json(
            Method::POST,
            "/api/v1/hospitals",
            &json!({"region_code": MIDTJYLLAND, "name": "Ventehospitalet"}),
        )
        .await;
    let m = api_error(&r, 503, "API timeout");
    assert!(m.contains("for lang tid"), "{m}");
    let r = leader
        .post_form("/applications", &[("title", "Venter på låsen")])
        .await;
    let html = error_page(&r, 503, "Prøv igen om lidt", "page timeout");
    assert!(html.contains("for lang tid"), "{html}");
    assert!(has_navigation(&html), "{html}");
    drop(lock);
}
