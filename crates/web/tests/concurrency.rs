//! Many writers at once: every request is answered without a server error and nothing is lost.
//!
//! A request holds at most one pooled connection at a time (`pulje_store::Handle`). Before, the
//! API's create and update took a read connection and then waited for a transaction's second
//! one; with more concurrent writers than pooled connections every connection was held by a
//! request waiting for another, and the server stalled until the acquire timeout (500s).
//! Timings are not asserted here (docs/PERFORMANCE.md has them); only that all succeed.

#[macro_use]
mod common;

use common::*;
use pulje_domain::Role;

/// Concurrent writers: more than either backend's pool (8 on SQLite, 16 on PostgreSQL).
const WRITERS: usize = 50;

both_backends!(fifty_concurrent_api_writers_all_succeed, |app| async move {
    let _ = tracing_subscriber::fmt()
        .with_env_filter("error")
        .try_init();
    // Several applicants of one region, each with a token, so the writes contend for the same
    // region's rows (counts, data version) as they would in practice.
    let mut apis = Vec::new();
    for _ in 0..5 {
        let applicant = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let (_, raw) = app.token(&applicant).await;
        apis.push(Bearer::new(&app, &raw));
    }

    // 1. Fifty drafts created at once.
    let creates = (0..WRITERS).map(|i| {
        let api = apis[i % apis.len()].clone();
        tokio::spawn(async move {
            let body = api_body(&format!("Samtidigt forsøg nr. {i}"), MIDTJYLLAND);
            api.send_json(reqwest::Method::POST, "/api/v1/applications", &body)
                .await
        })
    });
    let mut created = Vec::new();
    for (i, r) in futures_join(creates).await.into_iter().enumerate() {
        assert_eq!(r.status, 201, "create {i}: {}", r.body);
        let json = r.json();
        assert_eq!(json["title"], format!("Samtidigt forsøg nr. {i}"));
        created.push((
            i,
            json["id"].as_i64().expect("id"),
            json["version"].as_i64().expect("version"),
        ));
    }
    assert_eq!(app.count_applications().await, WRITERS as i64);

    // 2. Each of them updated at once by its author, together with reads of the list.
    let updates = created.iter().map(|&(i, id, version)| {
        let api = apis[i % apis.len()].clone();
        tokio::spawn(async move {
            let mut body = api_body(&format!("Ændret forsøg nr. {i}"), MIDTJYLLAND);
            body["version"] = serde_json::json!(version);
            let put = api
                .send_json(
                    reqwest::Method::PUT,
                    &format!("/api/v1/applications/{id}"),
                    &body,
                )
                .await;
            let list = api.get("/api/v1/applications?per_page=5").await;
            (put, list)
        })
    });
    for (i, (put, list)) in futures_join(updates).await.into_iter().enumerate() {
        assert_eq!(put.status, 200, "update {i}: {}", put.body);
        assert_eq!(list.status, 200, "list beside update {i}: {}", list.body);
    }

    // Nothing lost: every application carries its own new title and one more version.
    for (i, id, version) in created {
        let stored = app.get_application(id).await;
        assert_eq!(stored.data.title(), format!("Ændret forsøg nr. {i}"));
        assert_eq!(stored.version, version + 1, "application {id}");
    }
    assert_eq!(app.count_applications().await, WRITERS as i64);
});

/// Awaits every spawned task, in order; a task that panicked fails the test.
async fn futures_join<T>(tasks: impl Iterator<Item = tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for t in tasks.collect::<Vec<_>>() {
        out.push(t.await.expect("writer task"));
    }
    out
}
