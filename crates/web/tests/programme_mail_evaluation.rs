//! The mail and the evaluation of the programmes shipped as definitions. A step queues its
//! definition's mail templates in the outbox — the GP fund's refusal to the applicant with the
//! reason, the title and an absolute link under the configured public address; an appeal to the
//! steering group's seat holders only; nothing for a step without a template. The health
//! clusters' evaluation form is offered once an application is granted, to its writer: a
//! refused save keeps what was typed and names the field, a stale version is 409, a submitted
//! evaluation is final and read by the region's administrator; another region sees nothing.

#[macro_use]
mod common;

use common::*;
use pulje_domain::{ApplicationId, Role};
use reqwest::Method;
use serde_json::{json, Value};

/// The public address the tests' servers are configured with.
const PUBLIC: &str = "https://pulje.example.dk/tilskud";

/// [`both_backends!`] on a server whose public address is [`PUBLIC`].
macro_rules! both_backends_public {
    ($name:ident, |$app:ident| async move $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let $app = spawn_public($crate::common::Backend::Sqlite).await;
                $body
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(
                not(pulje_postgres),
                ignore = "needs PostgreSQL: PULJE_TEST_POSTGRES_URL is not set (scripts/install-test-tools)"
            )]
            async fn postgres() {
                let $app = spawn_public($crate::common::Backend::Postgres).await;
                $body
            }
        }
    };
}

async fn spawn_public(backend: Backend) -> TestApp {
    let config = pulje_web::Config {
        public_url: PUBLIC.parse().expect("a public address"),
        ..Default::default()
    };
    TestApp::spawn_with(backend, config).await
}

/// Takes a step that must be taken.
async fn step(api: &Bearer, id: i64, body: Value) -> Resp {
    let r = transition(api, id, body.clone()).await;
    assert_eq!(r.status, 200, "{body}: {}", r.body);
    r
}

/// The application's queued mail, oldest first: (event, recipient, subject, body).
async fn mail_of(app: &TestApp, id: i64) -> Vec<(String, String, String, String)> {
    let mut conn = app.db.conn().await.expect("conn");
    sqlx::query_as(
        "SELECT event, recipient, subject, body FROM outbox WHERE application_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await
    .expect("outbox")
}

both_backends_public!(
    a_refusal_mails_the_applicant_and_an_appeal_the_steering_group_only,
    |app| async move {
        let applicant = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let consultant = app.user(Role::Leader, Some(MIDTJYLLAND)).await;
        let seated = [
            app.user(Role::SteeringGroup, Some(MIDTJYLLAND)).await,
            app.user(Role::SteeringGroup, Some(NORDJYLLAND)).await,
        ];
        // A steering group member of the region who does not sit in the programme's body.
        let unseated = app.user(Role::SteeringGroup, Some(MIDTJYLLAND)).await;
        install_shipped(
            &app,
            "almen-praksis-efteruddannelse",
            &[
                ("medical_consultant", &consultant),
                ("ce_steering_group", &seated[0]),
                ("ce_steering_group", &seated[1]),
            ],
        )
        .await;
        let me = bearer(&app, &applicant).await;
        let r = me
            .send_json(
                Method::POST,
                "/api/v1/applications",
                &json!({"programme": "almen-praksis-efteruddannelse", "fields": gp_fields()}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        let id = r.json()["id"].as_i64().unwrap();

        // Submitting has no template: nothing is queued.
        step(&me, id, json!({"action": "submit"})).await;
        assert_eq!(mail_of(&app, id).await, []);

        let reason = "Kurset ligger uden for fondens formål.";
        step(
            &bearer(&app, &consultant).await,
            id,
            json!({"action": "refuse", "reason": reason}),
        )
        .await;
        let mail = mail_of(&app, id).await;
        assert_eq!(mail.len(), 1, "{mail:?}");
        let (event, to, subject, body) = &mail[0];
        assert_eq!(event, "refuse");
        assert_eq!(to, &applicant.email);
        assert_eq!(subject, "Afslag: Kursus i akut pædiatri");
        let link = format!("{PUBLIC}/applications/{id}");
        for part in ["«Kursus i akut pædiatri»", reason, link.as_str()] {
            assert!(body.contains(part), "{part}: {body}");
        }
        assert!(
            !body.contains('{'),
            "every placeholder is filled in: {body}"
        );

        // The appeal goes to the steering group's seat holders (of any region), each once, and
        // to nobody else.
        step(
            &me,
            id,
            json!({"action": "appeal", "reason": "Kurset er netop rettet mod almen praksis."}),
        )
        .await;
        let mail = mail_of(&app, id).await;
        let appeal: Vec<&(String, String, String, String)> =
            mail.iter().filter(|m| m.0 == "appeal").collect();
        let mut to: Vec<&str> = appeal.iter().map(|m| m.1.as_str()).collect();
        to.sort_unstable();
        let mut expected: Vec<&str> = seated.iter().map(|u| u.email.as_str()).collect();
        expected.sort_unstable();
        assert_eq!(to, expected);
        assert!(!to.contains(&unseated.email.as_str()));
        for m in &appeal {
            assert_eq!(m.2, "Ankesag: Kursus i akut pædiatri");
            assert!(m.3.contains(&link), "{}", m.3);
        }
        assert_eq!(mail.len(), 3, "{mail:?}");

        // Granting on appeal has no template: nothing more is queued.
        step(
            &bearer(&app, &seated[1]).await,
            id,
            json!({"action": "grant_on_appeal", "amount_ore": 1_250_000, "meeting": "Styregruppemøde 4. marts 2027"}),
        )
        .await;
        assert_eq!(mail_of(&app, id).await.len(), 3);

        // The GP programme has no evaluation form: there is no evaluation to see.
        let r = me
            .get(&format!("/api/v1/applications/{id}/evaluation"))
            .await;
        assert_eq!(r.status, 404, "{}", r.body);
        let page = app.login(&applicant).await;
        let r = page.get(&format!("/applications/{id}/evaluering")).await;
        assert_eq!(r.status, 404, "{}", r.body);
        let r = page.get(&format!("/applications/{id}")).await;
        assert!(!r.body.contains("/evaluering"), "{}", r.body);
    }
);

fn cluster_fields() -> Value {
    json!({
        "title": "Fælles akutteam i klyngen",
        "cluster": "Klynge Vest",
        "target_group": "Ældre medicinske patienter",
        "description": "Et team på tværs af sektorer.",
        "sectors": ["Region", "Kommune"],
        "contacts": [{"name": "Ane Holm", "role": "Projektleder"}],
        "amount": "400.000",
        "period": {"start": "2022-05-01", "end": "2023-04-30"}
    })
}

both_backends_public!(
    the_evaluation_is_offered_once_granted_and_read_by_the_regions_administrator,
    |app| async move {
        let writer = app.user(Role::Leader, Some(MIDTJYLLAND)).await;
        let professional = app.user(Role::WorkingGroup, Some(MIDTJYLLAND)).await;
        let political = app.user(Role::SteeringGroup, Some(MIDTJYLLAND)).await;
        let region_admin = app.user(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
        let colleague = app.user(Role::Leader, Some(MIDTJYLLAND)).await;
        let outsider = app.user(Role::RegionAdmin, Some(NORDJYLLAND)).await;
        install_shipped(
            &app,
            "sundhedsklynger-2022",
            &[
                ("professional_level", &professional),
                ("political_level", &political),
            ],
        )
        .await;
        let me = bearer(&app, &writer).await;
        let r = me
            .send_json(
                Method::POST,
                "/api/v1/applications",
                &json!({"programme": "sundhedsklynger-2022", "fields": cluster_fields()}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        let id = r.json()["id"].as_i64().unwrap();
        let evaluering = format!("/applications/{id}/evaluering");
        let evaluation_api = format!("/api/v1/applications/{id}/evaluation");
        me.attach(id, "budget", "budget.pdf", b"%PDF-1.4 budget")
            .await;
        step(&me, id, json!({"action": "submit"})).await;
        // The programme's reviewers declare a conflict of interest, or none, before their steps.
        let declare = |who: Bearer| {
            let path = format!("/api/v1/applications/{id}/review/declaration");
            async move {
                let r = who
                    .send_json(Method::PUT, &path, &json!({"conflict": false}))
                    .await;
                assert_eq!(r.status, 200, "{}", r.body);
            }
        };
        declare(bearer(&app, &professional).await).await;
        step(
            &bearer(&app, &professional).await,
            id,
            json!({"action": "recommend", "comment": "Indstilles."}),
        )
        .await;

        // Before the grant the form is not offered: no link, no inputs, and a save is refused.
        let mut page = app.login(&writer).await;
        let r = page.get(&format!("/applications/{id}")).await;
        assert!(!r.body.contains(&evaluering), "{}", r.body);
        let r = page.get(&evaluering).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r
            .body
            .contains("først udfyldes, når ansøgningen er bevilget"));
        assert!(!r.body.contains("name=\"result\""), "{}", r.body);
        let r = me.get(&evaluation_api).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["open"], false);
        assert_eq!(r.json()["status"], "none");
        let r = me
            .send_json(
                Method::PUT,
                &evaluation_api,
                &json!({"version": 0, "fields": {"result": "For tidligt"}}),
            )
            .await;
        assert_eq!(r.status, 409, "{}", r.body);
        assert!(r.body.contains("bevilget"), "{}", r.body);

        declare(bearer(&app, &political).await).await;
        step(
            &bearer(&app, &political).await,
            id,
            json!({"action": "grant", "amount_ore": 40_000_000, "meeting": "Politisk niveau 12. maj 2022"}),
        )
        .await;
        // The grant's template reached the writer; the recommendation's the political level.
        let mail = mail_of(&app, id).await;
        let to = |event: &str| -> Vec<&str> {
            mail.iter()
                .filter(|m| m.0 == event)
                .map(|m| m.1.as_str())
                .collect()
        };
        assert_eq!(to("recommend"), [political.email.as_str()]);
        assert_eq!(to("grant"), [writer.email.as_str()]);

        // Now the writer is asked for it, on the page and over the API.
        let r = page.get(&format!("/applications/{id}")).await;
        assert!(
            r.body.contains(&evaluering) && r.body.contains("Udfyld evalueringen"),
            "{}",
            r.body
        );
        let form = page.get(&evaluering).await;
        assert_eq!(form.status, 200, "{}", form.body);
        for input in [
            "name=\"result\"",
            "name=\"continues\"",
            "Hvad har indsatsen opnået?",
            "Send evalueringen",
        ] {
            assert!(form.body.contains(input), "{input}: {}", form.body);
        }

        // A choice that is not one of the options is refused by its field's name; everything
        // typed is kept; nothing is stored.
        let typed = "Færre genindlæggelser blandt de ældste borgere.";
        let r = page
            .post_form(
                &evaluering,
                &[
                    ("version", "0"),
                    ("result", typed),
                    ("continues", "Måske"),
                    ("handling", "gem"),
                ],
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body.contains(typed), "{}", r.body);
        assert!(
            unescape(&r.body)
                .contains("«Fortsætter indsatsen i drift?»: «Måske» er ikke et af valgene"),
            "{}",
            r.body
        );
        // Submitting without what submitting requires names the missing field.
        let r = page
            .post_form(
                &evaluering,
                &[("version", "0"), ("continues", "Ja"), ("handling", "send")],
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(
            unescape(&r.body).contains("«Hvad har indsatsen opnået?» skal udfyldes."),
            "{}",
            r.body
        );
        assert_eq!(me.get(&evaluation_api).await.json()["status"], "none");

        // A draft is saved; the same version again is stale and keeps what was typed.
        let draft = [
            ("version", "0"),
            ("result", typed),
            ("continues", "Delvist"),
            ("handling", "gem"),
        ];
        let r = page.post_form(&evaluering, &draft).await;
        assert_eq!(r.status, 303, "{}", r.body);
        let r = page.get(r.location().unwrap()).await;
        assert!(
            r.body.contains("Evalueringen er gemt som kladde."),
            "{}",
            r.body
        );
        assert!(r.body.contains(typed), "{}", r.body);
        let mut stale = draft;
        stale[1] = ("result", "En anden tekst skrevet i en gammel fane.");
        let r = page.post_form(&evaluering, &stale).await;
        assert_eq!(r.status, 409, "{}", r.body);
        assert!(
            r.body.contains("En anden tekst skrevet i en gammel fane."),
            "{}",
            r.body
        );
        let r = me
            .send_json(
                Method::PUT,
                &evaluation_api,
                &json!({"version": 0, "fields": {"result": "Gammel"}}),
            )
            .await;
        assert_eq!(r.status, 409, "{}", r.body);

        // A draft is the writer's own: the region's administrator and a colleague see nothing
        // of it yet, and cannot write it.
        let admin_api = bearer(&app, &region_admin).await;
        assert_eq!(admin_api.get(&evaluation_api).await.status, 404);
        assert_eq!(
            bearer(&app, &colleague)
                .await
                .get(&evaluation_api)
                .await
                .status,
            404
        );
        let r = admin_api
            .send_json(
                Method::PUT,
                &evaluation_api,
                &json!({"version": 1, "fields": {"result": "Skrevet af en anden"}}),
            )
            .await;
        assert_eq!(r.status, 403, "{}", r.body);

        // The API takes exactly the JSON types its schema names.
        for wrong in [
            json!({"version": "1", "fields": {}}),
            json!({"version": 1, "fields": ["result"]}),
            json!({"version": 1, "fields": {}, "submit": "ja"}),
            json!({"version": 1, "fields": {}, "colour": "blå"}),
        ] {
            let r = me.send_json(Method::PUT, &evaluation_api, &wrong).await;
            assert_eq!(r.status, 422, "{wrong}: {}", r.body);
            assert!(r.json()["error"].is_string(), "{}", r.body);
        }
        let r = me
            .send_json(
                Method::PUT,
                &evaluation_api,
                &json!({"version": 1, "fields": {"result": typed, "continues": "Nej", "ukendt": "x"}, "submit": true}),
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.json()["fields"]["ukendt"].is_array(), "{}", r.body);

        // Submitted over the API; then it is final.
        let r = me
            .send_json(
                Method::PUT,
                &evaluation_api,
                &json!({"version": 1, "fields": {"result": typed, "continues": "Ja"}, "submit": true}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let saved = r.json();
        assert_eq!(saved["status"], "submitted");
        assert_eq!(saved["version"], 2);
        assert_eq!(saved["fields"]["continues"], "Ja");
        let r = me
            .send_json(
                Method::PUT,
                &evaluation_api,
                &json!({"version": 2, "fields": {"result": "Ændret bagefter"}}),
            )
            .await;
        assert_eq!(r.status, 409, "{}", r.body);
        let r = page.get(&evaluering).await;
        assert!(!r.body.contains("name=\"result\""), "{}", r.body);
        assert!(r.body.contains(typed), "{}", r.body);

        // The region's administrator reads the submitted evaluation, linked from the page.
        let r = admin_api.get(&evaluation_api).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["fields"]["result"], typed);
        let admin_page = app.login(&region_admin).await;
        let r = admin_page.get(&format!("/applications/{id}")).await;
        assert!(r.body.contains("Se evalueringen"), "{}", r.body);
        let r = admin_page.get(&evaluering).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(
            r.body.contains(typed) && r.body.contains("Ja"),
            "{}",
            r.body
        );
        assert!(!r.body.contains("name=\"result\""), "{}", r.body);

        // Another region's administrator gets 404 on the page and the API.
        let mut other_page = app.login(&outsider).await;
        assert_eq!(other_page.get(&evaluering).await.status, 404);
        let r = other_page
            .post_form(&evaluering, &[("version", "2"), ("handling", "gem")])
            .await;
        assert_eq!(r.status, 404, "{}", r.body);
        let other_api = bearer(&app, &outsider).await;
        assert_eq!(other_api.get(&evaluation_api).await.status, 404);
        let r = other_api
            .send_json(
                Method::PUT,
                &evaluation_api,
                &json!({"version": 2, "fields": {}}),
            )
            .await;
        assert_eq!(r.status, 404, "{}", r.body);

        // Every change is audited: begun, then submitted.
        let mut conn = app.db.conn().await.unwrap();
        let actions: Vec<String> = sqlx::query_scalar(
            "SELECT action FROM audit_log WHERE entity = 'programme_evaluation' AND entity_id = $1 ORDER BY id",
        )
        .bind(id.to_string())
        .fetch_all(&mut *conn)
        .await
        .unwrap();
        assert_eq!(actions, ["create", "submit"]);
        let stored = pulje_store::programme_evaluations::get(&mut conn, ApplicationId::new(id))
            .await
            .unwrap()
            .expect("stored");
        assert!(stored.is_submitted() && stored.submitted_at.is_some());
    }
);

both_backends!(
    an_agreements_evaluation_is_read_as_before_and_not_written_here,
    |app| async move {
        let applicant = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let agreement = app
            .application(&applicant, MIDTJYLLAND, &titled("Simulationstræning"))
            .await;
        let id = agreement.id.get();
        let me = bearer(&app, &applicant).await;
        let evaluation_api = format!("/api/v1/applications/{id}/evaluation");
        // The OK21 agreement's evaluation keeps its own shape.
        let r = me.get(&evaluation_api).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let json = r.json();
        assert_eq!(json["application_id"], id);
        assert_eq!(json["status"], "none");
        assert!(json.get("gained_text").is_some(), "{json}");
        assert!(json.get("fields").is_none(), "{json}");
        // The programme evaluation's save is not an agreement's, nor its page.
        let r = me
            .send_json(
                Method::PUT,
                &evaluation_api,
                &json!({"version": 0, "fields": {}}),
            )
            .await;
        assert_eq!(r.status, 404, "{}", r.body);
        let page = app.login(&applicant).await;
        let r = page.get(&format!("/applications/{id}/evaluering")).await;
        assert_eq!(r.status, 404, "{}", r.body);
    }
);
