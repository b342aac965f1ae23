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

/// The text in the page's `definition` text area, unescaped.
fn textarea(body: &str) -> String {
    let start = body.find("<textarea").expect("a text area");
    let open_end = start + body[start..].find('>').unwrap() + 1;
    let end = open_end + body[open_end..].find("</textarea>").unwrap();
    unescape(&body[open_end..end])
}

both_backends!(
    an_administrator_sets_up_and_changes_programmes,
    |app| async move {
        // Only the system administrator: a region's administrator is refused.
        let mut region_admin = app.client_as(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
        assert_eq!(region_admin.get("/admin/programmes").await.status, 403);
        let r = region_admin
            .post_form("/admin/programmes", &[("definition", SHIPPED[1].1)])
            .await;
        assert_eq!(r.status, 403, "{}", r.body);

        let mut admin = app.client_as(Role::Admin, None).await;
        let list = admin.get("/admin/programmes").await;
        assert_eq!(list.status, 200);
        assert!(
            list.body.contains("OK21 Afdelingslægeprojektet"),
            "{}",
            list.body
        );

        // Starting from an example puts its text in the editor.
        let example = admin
            .get("/admin/programmes/new?eksempel=sundhedsklynger-2022")
            .await;
        assert_eq!(textarea(&example.body), SHIPPED[1].1);

        // A definition with problems: every one named, the text kept, nothing stored.
        let broken = SHIPPED[1]
            .1
            .replace(
                "share_percent = 50\n\n[window]",
                "share_percent = 40\n\n[window]",
            )
            .replace(
                "to = [\"body:political_level\"]",
                "to = [\"body:byraadet\"]",
            );
        let r = admin
            .post_form("/admin/programmes", &[("definition", &broken)])
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(
            r.body.contains("funders: andelene giver 90 %"),
            "{}",
            r.body
        );
        assert!(
            r.body.contains("organet «byraadet» er ikke beskrevet"),
            "{}",
            r.body
        );
        assert_eq!(textarea(&r.body), broken);
        assert_eq!(
            admin.get("/programmes/sundhedsklynger-2022").await.status,
            404
        );

        // The example as it is: set up, its page shows how it is built.
        let r = admin
            .post_form("/admin/programmes", &[("definition", SHIPPED[1].1)])
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let page = admin.get("/programmes/sundhedsklynger-2022").await;
        assert_eq!(page.status, 200);
        for expected in [
            "Regionerne: 50 %; Kommunerne: 50 %",
            "Klyngens politiske niveau",
            "50 % ved bevillingen, 50 % når dokumentationen er godkendt",
            "<svg class=\"flow\"",
            "Indstil til det politiske niveau",
        ] {
            assert!(page.body.contains(expected), "{expected}: {}", page.body);
        }
        // Setting up the same id again is refused.
        let r = admin
            .post_form("/admin/programmes", &[("definition", SHIPPED[1].1)])
            .await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("findes allerede"), "{}", r.body);

        // Changing OK21 saves version 2, whatever the text's own version says.
        let editor = admin.get("/admin/programmes/ok21").await;
        assert!(editor.body.contains("Gem version 2"), "{}", editor.body);
        let text = textarea(&editor.body).replace(
            "organisation = \"Hospitalsafdeling\"",
            "organisation = \"Klinisk afdeling\"",
        );
        let r = admin
            .post_form("/admin/programmes/ok21", &[("definition", &text)])
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let api = admin.get("/api/v1/programmes/ok21/definition").await;
        let served = Definition::from_json(&api.body).unwrap();
        assert_eq!(served.version, 2);
        assert_eq!(served.applicants.organisation, "Klinisk afdeling");
        // Another id in the text is another programme: refused here.
        let other = text.replace("id = \"ok21\"", "id = \"ok22\"");
        let r = admin
            .post_form("/admin/programmes/ok21", &[("definition", &other)])
            .await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("definitionen hedder «ok22»"), "{}", r.body);
    }
);
