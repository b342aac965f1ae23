//! The pages every Danish public service has, open to everyone and linked from every page's
//! footer: how to reach the secretariat, the accessibility statement (pulje's own, or a link to
//! the one made in the Agency for Digital Government's tool) and the privacy notice, each naming
//! the configured secretariat.

#[macro_use]
mod common;

use common::*;
use pulje_domain::{Email, Role};

fn configured() -> pulje_web::Config {
    pulje_web::Config {
        contact: pulje_web::Contact {
            name: "Sekretariatet for puljen, Region Midtjylland".into(),
            email: Some(Email::parse("pulje@rm.example").unwrap()),
            phone: Some("+45 70 11 22 33".into()),
        },
        ..Default::default()
    }
}

const FOOTER: [&str; 3] = [
    "href=\"/kontakt\"",
    "href=\"/tilgaengelighed\"",
    "href=\"/privatliv\"",
];

both_backends!(
    contact_accessibility_and_privacy_are_open_to_all_and_name_the_secretariat,
    |app| async move {
        let app = TestApp::spawn_with(app.backend, configured()).await;
        let anyone = app.anonymous();
        for (path, says) in [
            ("/kontakt", "Har du spørgsmål til en ansøgning"),
            ("/tilgaengelighed", "WCAG 2.1 på niveau AA"),
            ("/privatliv", "er dataansvarlig"),
        ] {
            let r = anyone.get(path).await;
            assert_eq!(r.status, 200, "{path}: {}", r.body);
            assert!(r.body.contains(says), "{path}: {}", r.body);
            for needle in [
                "Sekretariatet for puljen, Region Midtjylland",
                "href=\"mailto:pulje@rm.example\"",
                "href=\"tel:+45 70 11 22 33\"",
            ] {
                assert!(r.body.contains(needle), "{path} lacks {needle}");
            }
            for link in FOOTER {
                assert!(r.body.contains(link), "{path} lacks {link}");
            }
        }
        // Every page's footer links them, the login page's and a user's pages too.
        let login = anyone.get("/login").await;
        let user = app.client_as(Role::Applicant, Some(MIDTJYLLAND)).await;
        let start = user.get("/").await;
        let contact = user.get("/kontakt").await;
        for page in [&login.body, &start.body, &contact.body] {
            for link in FOOTER {
                assert!(page.contains(link), "{link}");
            }
        }
        assert!(
            contact.body.contains("Mine opgaver"),
            "a user keeps the menu"
        );
    }
);

both_backends!(
    without_a_secretariat_the_pages_say_so_and_a_statement_made_elsewhere_is_linked,
    |app| async move {
        let anyone = app.anonymous();
        let r = anyone.get("/kontakt").await;
        assert!(
            r.body
                .contains("har endnu ikke angivet, hvem man kontakter"),
            "{}",
            r.body
        );
        assert!(!r.body.contains("mailto:"));
        let linked = TestApp::spawn_with(
            app.backend,
            pulje_web::Config {
                accessibility_statement_url: Some(
                    "https://www.was.digst.dk/pulje-rm-example".into(),
                ),
                ..Default::default()
            },
        )
        .await;
        let r = linked.anonymous().get("/tilgaengelighed").await;
        assert!(
            r.body
                .contains("href=\"https://www.was.digst.dk/pulje-rm-example\""),
            "{}",
            r.body
        );
        assert!(!r.body.contains("WCAG 2.1 på niveau AA"), "{}", r.body);
    }
);
