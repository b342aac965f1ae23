//! Mails people can act on: a mail for each event is queued with a greeting, the region as
//! sender, a plain-text and an HTML part and absolute links that its recipient may open; the
//! HTML part escapes what an applicant typed; the region's administrator edits, previews and
//! resets the templates of their own region only; a digest user gets one mail a day.

#[macro_use]
mod common;

use common::*;
use pulje_app::mailer::{self, Composed};
use pulje_domain::{mail, Role};
use pulje_store::outbox::{self, Message};
use serde_json::json;
use std::collections::HashMap;

const REGION: &str = "Region Midtjylland";

async fn messages(app: &TestApp) -> Vec<Message> {
    let mut conn = app.db.conn().await.unwrap();
    let mut all = outbox::list(&mut conn, None, 10_000).await.unwrap();
    all.reverse();
    all
}

async fn compose(app: &TestApp, m: &Message) -> Composed {
    let public: pulje_app::PublicUrl = app.base.parse().unwrap();
    let mut conn = app.db.conn().await.unwrap();
    mailer::compose(&mut conn, m, &public).await.unwrap()
}

/// The first address in `text` under the app's base, as a path on the site.
fn site_link(app: &TestApp, text: &str) -> Option<String> {
    text.split_whitespace()
        .find_map(|w| w.strip_prefix(app.base.as_str()))
        .map(str::to_string)
}

/// An application through the API by `c`, in region 1082, asking for the medium tier.
async fn submitted(app: &TestApp, c: &mut Client, title: &str) -> i64 {
    let mut body = api_body(title, MIDTJYLLAND);
    body["hospital_id"] = json!(app.hospital_ids(MIDTJYLLAND).await[0]);
    body["area_ids"] = json!([app.area_ids(MIDTJYLLAND).await[0]]);
    body["area_argument"] = json!("Forsøget handler om overgangen mellem sektorerne.");
    body["supplement_ore"] = json!(TIER_MEDIUM);
    let r = c
        .send_json(reqwest::Method::POST, "/api/v1/applications", &body)
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    expect_status(
        &c.transition(id, &step("submit", json!({}))).await,
        id,
        "submitted",
    );
    id
}

both_backends!(
    a_mail_for_each_event_links_to_a_page_its_recipient_may_open,
    |app| async move {
        let mut applicant = app.client_as(Role::Applicant, Some(MIDTJYLLAND)).await;
        let mut wg = app.client_as(Role::WorkingGroup, Some(MIDTJYLLAND)).await;
        let mut sg = app.client_as(Role::SteeringGroup, Some(MIDTJYLLAND)).await;
        let mut leader = app.client_as(Role::Leader, Some(MIDTJYLLAND)).await;
        let mut union = app.client_as(Role::UnionRep, Some(MIDTJYLLAND)).await;
        let mut region_admin = app.client_as(Role::RegionAdmin, Some(MIDTJYLLAND)).await;

        // Submitted, returned with a reason, submitted again, forwarded, approved, signed.
        let id = submitted(
            &app,
            &mut applicant,
            "Brobygning mellem akutafdeling og kommune",
        )
        .await;
        let reason = "Beskriv i B2, hvordan forsøget evalueres.";
        expect_status(
            &wg.transition(id, &step("return", json!({ "comment": reason })))
                .await,
            id,
            "returned",
        );
        expect_status(
            &applicant.transition(id, &step("submit", json!({}))).await,
            id,
            "submitted",
        );
        expect_status(
            &wg.transition(id, &step("forward", json!({}))).await,
            id,
            "ready_for_decision",
        );
        expect_status(
            &sg.transition(
                id,
                &step(
                    "approve",
                    json!({ "tier_ore": TIER_MEDIUM, "meeting_id": app.decision_meeting(MIDTJYLLAND).await }),
                ),
            )
            .await,
            id,
            "awaiting_signatures",
        );
        app.bind_proposed(id).await;
        for c in [&mut leader, &mut applicant, &mut union] {
            expect_status(
                &c.transition(id, &sign_step()).await,
                id,
                "awaiting_signatures",
            );
        }
        expect_status(
            &region_admin.transition(id, &sign_step()).await,
            id,
            "active",
        );

        // The daily jobs: the agreement ends in 30 days; its evaluation is due in a month; a
        // round's deadline is a week away for a draft.
        app.exec(&format!(
            "UPDATE applications SET end_date = '2030-01-31' WHERE id = {id}"
        ))
        .await;
        let handle = || app.db.handle();
        assert_eq!(
            mailer::queue_ending_reminders(&mut handle(), date("2030-01-01"))
                .await
                .unwrap(),
            2
        );
        app.exec(&format!(
            "UPDATE applications SET end_date = '2023-12-31' WHERE id = {id}"
        ))
        .await;
        assert!(
            mailer::queue_evaluation_reminders(&mut handle(), date("2023-11-30"))
                .await
                .unwrap()
                >= 1
        );
        app.complete_application(
            applicant.user(),
            MIDTJYLLAND,
            "En kladde før fristen",
            TIER_MEDIUM,
            "2022-06-01",
            "2023-12-31",
        )
        .await;
        app.exec(
            "INSERT INTO rounds (programme_id, region_code, name, opens_on, deadline) \
             VALUES ('ok21', 1082, 'Forårsrunden 2030', '2030-01-01', '2030-06-08')",
        )
        .await;
        assert_eq!(
            mailer::queue_reminders(&mut handle(), date("2030-06-01"))
                .await
                .unwrap(),
            1
        );

        let people: HashMap<String, &Client> =
            [&applicant, &wg, &sg, &leader, &union, &region_admin]
                .into_iter()
                .map(|c| (c.user().email.clone(), c))
                .collect();
        let all = messages(&app).await;
        let mut checked: HashMap<&str, usize> = HashMap::new();
        for m in &all {
            let Some(event) = mail::event(&m.event) else {
                continue;
            };
            let Some(client) = people.get(&m.recipient) else {
                continue;
            };
            let c = compose(&app, m).await;
            let who = format!("{} to {}", m.event, m.recipient);
            assert_eq!(c.from_name, format!("{REGION} — pulje"), "{who}");
            assert!(
                c.text
                    .starts_with(&format!("Kære {},\n\n", client.user().user.name)),
                "{who}: {}",
                c.text
            );
            assert!(
                c.text.ends_with(&format!("Venlig hilsen\n{REGION}")),
                "{who}: {}",
                c.text
            );
            assert_eq!(outbox::event_da(&m.event), event.label_da);
            assert!(
                !c.subject.contains('{') && !c.text.contains('{'),
                "{who}: {}",
                c.text
            );
            let path = site_link(&app, &c.text)
                .unwrap_or_else(|| panic!("{who}: no absolute link: {}", c.text));
            assert!(
                c.html.contains(&format!("<a href=\"{}{path}\"", app.base)),
                "{who}: the HTML part links: {}",
                c.html
            );
            let r = client.get(&path).await;
            assert_eq!(r.status, 200, "{who}: GET {path}: {}", r.body);
            *checked.entry(event.key).or_default() += 1;
        }
        for e in mail::EVENTS {
            assert!(
                checked.contains_key(e.key),
                "no mail for {} was checked: {checked:?}",
                e.key
            );
        }
        let returned = all.iter().find(|m| m.event == "returned").unwrap();
        assert!(returned.body.contains(reason), "{}", returned.body);
        let decision = all.iter().find(|m| m.event == "decision").unwrap();
        assert!(
            decision.body.contains("godkendt") && decision.body.contains(&kr(TIER_MEDIUM)),
            "{}",
            decision.body
        );
        let receipt = all.iter().find(|m| m.event == "receipt").unwrap();
        assert_eq!(receipt.recipient, applicant.user().email);
    }
);

both_backends!(
    the_html_part_keeps_an_applicants_markup_as_text,
    |app| async move {
        let mut applicant = app.client_as(Role::Applicant, Some(MIDTJYLLAND)).await;
        let title = "Forsøg <script>alert(1)</script> & \"andet\"";
        submitted(&app, &mut applicant, title).await;
        let all = messages(&app).await;
        let receipt = all
            .iter()
            .find(|m| m.event == "receipt")
            .expect("a receipt");
        let c = compose(&app, receipt).await;
        assert!(c.text.contains(title), "{}", c.text);
        assert!(!c.html.contains("<script>"), "{}", c.html);
        assert!(
            c.html
                .contains("Forsøg &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;andet&quot;"),
            "{}",
            c.html
        );
    }
);

both_backends!(
    a_region_administrator_edits_previews_and_resets_a_template,
    |app| async move {
        let mut applicant = app.client_as(Role::Applicant, Some(MIDTJYLLAND)).await;
        let mut wg = app.client_as(Role::WorkingGroup, Some(MIDTJYLLAND)).await;
        let mut admin = app.client_as(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
        let path = "/admin/mails/1082/ok21/returned";

        let r = admin.get("/admin/mails").await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body.contains("/admin/mails/1082/ok21"), "{}", r.body);
        assert!(
            !r.body.contains("/admin/mails/1081/"),
            "another region is offered: {}",
            r.body
        );
        let r = admin.get("/admin/mails/1082/ok21").await;
        assert_eq!(r.status, 200, "{}", r.body);
        for e in mail::EVENTS {
            assert!(r.text().contains(e.label_da), "{}: {}", e.label_da, r.body);
        }

        // Without an application there is nothing to preview with; then a real one is used.
        let r = admin.get(path).await;
        assert_eq!(r.status, 200, "{}", r.body);
        for name in ["{navn}", "{titel}", "{link}", "{region}", "{begrundelse}"] {
            assert!(
                r.text().contains(name),
                "the guide names {name}: {}",
                r.body
            );
        }
        assert!(
            !r.text().contains("{trin}"),
            "another event's placeholder is not offered"
        );
        assert!(r.text().contains("ingen ansøgninger"), "{}", r.body);
        let id = submitted(&app, &mut applicant, "Akutlæger i kommunale akutteams").await;
        let r = admin.get(path).await;
        assert!(
            r.text().contains("Akutlæger i kommunale akutteams"),
            "the preview shows the title: {}",
            r.body
        );
        // The link as sent: absolute under the configured public address.
        assert!(
            r.text()
                .contains(&format!("http://127.0.0.1:8080/applications/{id}")),
            "{}",
            r.body
        );

        // An unknown placeholder is refused with the text kept, and nothing is stored.
        let typed = "Hej {fornavn}.\n\nBegrundelse: {begrundelse}";
        let r = admin
            .post_form(
                path,
                &[
                    ("subject", "Retur: {titel}"),
                    ("body", typed),
                    ("handling", "gem"),
                ],
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(
            r.text().contains("«{fornavn}»"),
            "the placeholder is named: {}",
            r.body
        );
        assert_eq!(textarea_value(&r.body, "body").as_deref(), Some(typed));
        assert_eq!(
            input_value(&r.body, "subject").as_deref(),
            Some("Retur: {titel}")
        );
        let r = admin
            .post_form(
                path,
                &[
                    ("subject", "Retur: {titel"),
                    ("body", "x"),
                    ("handling", "gem"),
                ],
            )
            .await;
        assert_eq!(r.status, 422, "an unbalanced brace: {}", r.body);
        let long = "x".repeat(mail::MAX_BODY + 1);
        let r = admin
            .post_form(
                path,
                &[
                    ("subject", "Retur"),
                    ("body", long.as_str()),
                    ("handling", "gem"),
                ],
            )
            .await;
        assert_eq!(r.status, 422, "too long: {}", r.body);
        assert_eq!(
            app.scalar_i64("SELECT COUNT(*) FROM mail_templates").await,
            0
        );

        // A preview of typed text, then a save that the next mail uses.
        let body = "{navn}: «{titel}» kom retur.\n\n{begrundelse}\n\n{link}";
        let r = admin
            .post_form(
                path,
                &[
                    ("subject", "Retur fra {region}: {titel}"),
                    ("body", body),
                    ("handling", "vis"),
                ],
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(
            r.text()
                .contains("Retur fra Region Midtjylland: Akutlæger i kommunale akutteams"),
            "{}",
            r.body
        );
        assert_eq!(
            app.scalar_i64("SELECT COUNT(*) FROM mail_templates").await,
            0,
            "a preview saves nothing"
        );
        let r = admin
            .post_form(
                path,
                &[
                    ("subject", "Retur fra {region}: {titel}"),
                    ("body", body),
                    ("handling", "gem"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert!(admin
            .get("/admin/mails/1082/ok21")
            .await
            .text()
            .contains("Regionens egen"));
        expect_status(
            &wg.transition(id, &step("return", json!({ "comment": "Mangler budget." })))
                .await,
            id,
            "returned",
        );
        let returned = messages(&app)
            .await
            .into_iter()
            .find(|m| m.event == "returned")
            .unwrap();
        assert_eq!(
            returned.subject,
            "Retur fra Region Midtjylland: Akutlæger i kommunale akutteams"
        );
        assert!(
            returned.body.contains("Mangler budget."),
            "{}",
            returned.body
        );

        // Reset: the built-in text again; both changes are audited.
        let r = admin.post_form(&format!("{path}/nulstil"), &[]).await;
        assert_eq!(r.status, 303, "{}", r.body);
        let mut conn = app.db.conn().await.unwrap();
        let now = pulje_store::mail_templates::current(
            &mut conn,
            rc(MIDTJYLLAND),
            "ok21",
            &mail::RETURNED,
        )
        .await
        .unwrap();
        assert!(!now.custom);
        assert_eq!(
            (now.subject.as_str(), now.body.as_str()),
            (mail::RETURNED.subject, mail::RETURNED.body)
        );
        let filter = pulje_store::audit::Filter {
            entity: Some("mail_template".into()),
            ..Default::default()
        };
        let entries = pulje_store::audit::list(&mut conn, &filter, 100)
            .await
            .unwrap();
        drop(conn);
        let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["delete", "create"], "newest first");

        // Another region's administrator gets 404; other roles 403.
        let mut other = app.client_as(Role::RegionAdmin, Some(NORDJYLLAND)).await;
        for p in ["/admin/mails/1082/ok21", path] {
            assert_eq!(other.get(p).await.status, 404, "GET {p}");
        }
        let r = other
            .post_form(
                path,
                &[("subject", "x"), ("body", "y"), ("handling", "gem")],
            )
            .await;
        assert_eq!(r.status, 404, "{}", r.body);
        assert_eq!(
            other
                .post_form(&format!("{path}/nulstil"), &[])
                .await
                .status,
            404
        );
        assert_eq!(applicant.get(path).await.status, 403);
        assert_eq!(admin.get("/admin/mails/1082/ok21/ukendt").await.status, 404);
        assert_eq!(
            admin.get("/admin/mails/1082/ukendt/returned").await.status,
            404
        );
        assert_eq!(
            app.scalar_i64("SELECT COUNT(*) FROM mail_templates").await,
            0
        );
    }
);

both_backends!(
    a_digest_user_gets_one_mail_a_day_with_every_event,
    |app| async move {
        let mut applicant = app.client_as(Role::Applicant, Some(MIDTJYLLAND)).await;
        let mut wg = app.client_as(Role::WorkingGroup, Some(MIDTJYLLAND)).await;
        let r = applicant.get("/me").await;
        assert!(
            r.body.contains("value=\"straks\" checked"),
            "immediate by default: {}",
            r.body
        );
        let r = applicant
            .post_form("/me/mail", &[("delivery", "hvornår som helst")])
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        let r = applicant
            .post_form("/me/mail", &[("delivery", "dagligt")])
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert!(applicant
            .get("/me")
            .await
            .body
            .contains("value=\"dagligt\" checked"));

        let id = submitted(&app, &mut applicant, "Samlet mail om dagen").await;
        expect_status(
            &wg.transition(
                id,
                &step("return", json!({ "comment": "Tilføj en tidsplan." })),
            )
            .await,
            id,
            "returned",
        );
        let email = applicant.user().email.clone();
        let mine = |all: Vec<Message>| {
            all.into_iter()
                .filter(|m| m.recipient == email)
                .collect::<Vec<_>>()
        };
        let held = mine(messages(&app).await);
        assert_eq!(
            held.iter().map(|m| m.event.as_str()).collect::<Vec<_>>(),
            ["receipt", "returned"]
        );
        assert!(held.iter().all(|m| m.held && m.digest_id.is_none()));
        let mut conn = app.db.conn().await.unwrap();
        let due = outbox::due(&mut conn, 100).await.unwrap();
        drop(conn);
        assert!(
            due.iter().all(|m| m.recipient != email),
            "held messages are not sent alone"
        );
        // The working group's own mail goes at once.
        assert!(due.iter().any(|m| m.recipient == wg.user().email));

        let today = date("2030-03-01");
        assert_eq!(
            mailer::queue_digests(&mut app.db.handle(), today)
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            mailer::queue_digests(&mut app.db.handle(), today)
                .await
                .unwrap(),
            0,
            "once a day"
        );
        let after = mine(messages(&app).await);
        let digest = after
            .iter()
            .find(|m| m.event == "digest")
            .expect("a digest");
        assert_eq!(after.len(), 3);
        assert!(after
            .iter()
            .filter(|m| m.event != "digest")
            .all(|m| m.digest_id == Some(digest.id)));
        let c = compose(&app, digest).await;
        assert!(
            c.text
                .starts_with(&format!("Kære {},", applicant.user().user.name)),
            "{}",
            c.text
        );
        assert_eq!(
            c.text.matches("Kære ").count(),
            1,
            "one greeting: {}",
            c.text
        );
        for part in [
            "Kvittering for indsendt ansøgning",
            "Sendt retur til ansøgeren",
            "Tilføj en tidsplan.",
            "Samlet mail om dagen",
        ] {
            assert!(c.text.contains(part), "{part}: {}", c.text);
        }
        assert!(site_link(&app, &c.text).is_some(), "{}", c.text);
        let mut conn = app.db.conn().await.unwrap();
        let due = outbox::due(&mut conn, 100).await.unwrap();
        assert!(due.iter().any(|m| m.id == digest.id));
        drop(conn);
        // The outbox page shows who, the event in Danish, the state and the attempts.
        let mut admin = app.client_as(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
        let page = admin.get("/outbox").await;
        assert_eq!(page.status, 200);
        let text = page.text();
        for part in [
            "Dagens beskeder samlet",
            "Sendt samlet i dagens mail",
            "Forsøg",
            email.as_str(),
        ] {
            assert!(text.contains(part), "{part}: {text}");
        }
        let _ = &mut admin;
    }
);

both_backends!(the_templates_through_the_api, |app| async move {
    let admin = app
        .bearer(&app.user(Role::RegionAdmin, Some(MIDTJYLLAND)).await)
        .await;
    let r = admin.get("/api/v1/mail-templates/1082/ok21").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let list = r.json();
    assert_eq!(list.as_array().unwrap().len(), mail::EVENTS.len());
    assert_eq!(list[2]["event"], "returned");
    assert_eq!(list[2]["custom"], false);
    assert!(list[2]["placeholders"]
        .as_array()
        .unwrap()
        .contains(&json!("begrundelse")));

    let path = "/api/v1/mail-templates/1082/ok21/returned";
    let r = admin
        .send_json(
            reqwest::Method::PUT,
            path,
            &json!({ "subject": "Retur", "body": "Hej {fornavn}" }),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.json()["error"].as_str().unwrap().contains("«{fornavn}»"),
        "{}",
        r.body
    );
    let r = admin
        .send_json(
            reqwest::Method::PUT,
            path,
            &json!({ "subject": "Retur: {titel}", "body": "{begrundelse}\n\n{link}" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (r.json()["custom"].clone(), r.json()["subject"].clone()),
        (json!(true), json!("Retur: {titel}"))
    );
    let r = admin
        .send_json(reqwest::Method::DELETE, path, &json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["subject"], mail::RETURNED.subject);
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM mail_templates").await,
        0
    );

    let other = app
        .bearer(&app.user(Role::RegionAdmin, Some(NORDJYLLAND)).await)
        .await;
    assert_eq!(
        other.get("/api/v1/mail-templates/1082/ok21").await.status,
        404
    );
    let r = other
        .send_json(
            reqwest::Method::PUT,
            path,
            &json!({ "subject": "x", "body": "y" }),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    let applicant = app
        .bearer(&app.user(Role::Applicant, Some(MIDTJYLLAND)).await)
        .await;
    assert_eq!(
        applicant
            .get("/api/v1/mail-templates/1082/ok21")
            .await
            .status,
        403
    );
    assert_eq!(
        admin.get("/api/v1/mail-templates/1082/ukendt").await.status,
        404
    );
});
