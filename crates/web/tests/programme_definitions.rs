//! `GET /api/v1/programmes/{id}/definition`: the programme's newest definition as JSON, readable
//! again as a definition file; unknown programmes answer 404, anonymous callers 401.

#[macro_use]
mod common;

use common::*;
use pulje_domain::programme::{Definition, SHIPPED};
use pulje_domain::Role;

both_backends!(the_definition_is_served_as_json, |app| async move {
    let applicant = app.client_as(Role::Applicant, Some(MIDTJYLLAND)).await;
    let r = applicant.get("/api/v1/programmes/ok21/definition").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let served = Definition::from_json(&r.body).expect("the served definition reads");
    assert_eq!(served, Definition::from_toml(SHIPPED[0].1).unwrap());

    let r = applicant.get("/api/v1/programmes/ok99/definition").await;
    assert_eq!(r.status, 404, "{}", r.body);
    assert!(r.body.contains("\"error\""), "{}", r.body);

    let r = app
        .anonymous()
        .get("/api/v1/programmes/ok21/definition")
        .await;
    assert_eq!(r.status, 401, "{}", r.body);
});
