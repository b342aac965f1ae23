//! Every response carries the request's id (`x-request-id`), the same id its log lines are
//! written under; an id given by a proxy in front is kept.

#[macro_use]
mod common;

both_backends!(every_response_carries_a_request_id, |app| async move {
    let client = app.anonymous();
    let mut seen = std::collections::HashSet::new();
    for path in ["/login", "/healthz", "/findes-ikke", "/api/v1/openapi.json"] {
        let r = client.get(path).await;
        let id = r
            .headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("{path} has no x-request-id"))
            .to_string();
        assert_eq!(id.len(), 16, "{path}: {id}");
        assert!(id.chars().all(|c| c.is_ascii_hexdigit()), "{path}: {id}");
        assert!(seen.insert(id), "each request has an id of its own");
    }
    let r = client
        .http
        .get(app.url("/login"))
        .header("x-request-id", "lb-4711")
        .send()
        .await
        .expect("GET");
    assert_eq!(r.headers()["x-request-id"], "lb-4711");
    // One that is not short and plain is replaced by a new one.
    let r = client
        .http
        .get(app.url("/login"))
        .header("x-request-id", "a b\tc".repeat(30))
        .send()
        .await
        .expect("GET");
    let id = r.headers()["x-request-id"].to_str().unwrap().to_string();
    assert_eq!(id.len(), 16, "{id}");
});
