//! The review of applications of programmes defined as data (the definition's `review`): a
//! reviewer — a member of a body that may take a step now — declares a conflict of interest or
//! none before seeing the application; a declared conflict hides it from them everywhere; the
//! reviewers' scores are combined by the rubric's weights; the checklist is ticked; the
//! applicant never sees any of it; another region's users reach none of it.

#[macro_use]
mod common;

use common::*;
use pulje_domain::programme::Definition;
use pulje_domain::Role;
use reqwest::Method;
use serde_json::{json, Value};

const CLUSTERS: &str = "sundhedsklynger-2022";

/// The health clusters' definition as shipped, changed by `change`.
fn clusters(change: impl FnOnce(&mut Definition)) -> Definition {
    let mut def = shipped(CLUSTERS);
    change(&mut def);
    def.check().expect("still a sound definition");
    def
}

const TITLE: &str = "Fælles akutteam i klyngen";
const CONTENT: &str = "Ældre medicinske patienter";

/// A complete application of the clusters' programme by `applicant`, submitted.
async fn submitted(applicant: &Bearer) -> i64 {
    let fields = json!({
        "title": TITLE,
        "cluster": "Klynge Vest",
        "target_group": CONTENT,
        "description": "Et team på tværs af sektorer.",
        "sectors": ["Region", "Kommune"],
        "contacts": [{"name": "Ane Holm", "role": "Projektleder"}],
        "amount": "250.000",
        "period": {"start": "2022-05-01", "end": "2023-04-30"}
    });
    let r = applicant
        .send_json(
            Method::POST,
            "/api/v1/applications",
            &json!({"programme": CLUSTERS, "fields": fields}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    applicant
        .attach(id, "budget", "budget.pdf", b"%PDF-1.4 budget")
        .await;
    let r = transition(applicant, id, json!({"action": "submit"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    id
}

async fn declare(api: &Bearer, id: i64, conflict: bool, reason: &str) -> Resp {
    api.send_json(
        Method::PUT,
        &format!("/api/v1/applications/{id}/review/declaration"),
        &json!({"conflict": conflict, "reason": reason}),
    )
    .await
}

async fn scores(api: &Bearer, id: i64, scores: Value) -> Resp {
    api.send_json(
        Method::PUT,
        &format!("/api/v1/applications/{id}/review/scores"),
        &json!({ "scores": scores }),
    )
    .await
}

/// The audit log's actions on application `id`.
async fn audited(app: &TestApp, id: i64) -> Vec<String> {
    let mut conn = app.db.conn().await.unwrap();
    sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE entity = 'application' AND entity_id = $1 ORDER BY id",
    )
    .bind(id.to_string())
    .fetch_all(&mut *conn)
    .await
    .unwrap()
}

both_backends!(
    a_reviewer_declares_before_seeing_it_and_a_conflict_hides_it,
    |app| async move {
        let applicant = app.user(Role::Leader, Some(MIDTJYLLAND)).await;
        let reviewer = app.user(Role::WorkingGroup, Some(MIDTJYLLAND)).await;
        let conflicted = app.user(Role::WorkingGroup, Some(MIDTJYLLAND)).await;
        let region_admin = app.user(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
        let def = clusters(|_| {});
        install_programme(
            &app,
            &def,
            &[
                ("professional_level", &reviewer),
                ("professional_level", &conflicted),
            ],
        )
        .await;
        let me = bearer(&app, &applicant).await;
        let id = submitted(&me).await;
        let page_path = format!("/applications/{id}");

        // Before declaring: the title, the programme and the declaration only.
        let mut reviewer_page = app.login(&reviewer).await;
        let page = reviewer_page.get(&page_path).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let text = page.text();
        for shown in [
            TITLE,
            &def.name,
            "Erklæring om inhabilitet",
            "Afgiv erklæring",
        ] {
            assert!(text.contains(shown), "{shown}: {text}");
        }
        for hidden in [CONTENT, "Klynge Vest", "Indstil til det politiske niveau"] {
            assert!(
                !text.contains(hidden),
                "{hidden} shown before declaring: {text}"
            );
        }
        // Nor by the API, and no step is taken.
        let reviewer_api = bearer(&app, &reviewer).await;
        let r = reviewer_api
            .get(&format!("/api/v1/applications/{id}"))
            .await;
        assert_eq!(r.status, 403, "{}", r.body);
        assert!(r.body.contains("erklære, om du er inhabil"), "{}", r.body);
        assert!(!r.body.contains(CONTENT), "{}", r.body);
        let r = transition(
            &reviewer_api,
            id,
            json!({"action": "recommend", "comment": "Indstilles."}),
        )
        .await;
        assert_eq!(r.status, 403, "{}", r.body);
        let r = reviewer_page
            .post_form(
                &format!("{page_path}/transitions"),
                &[("action", "recommend"), ("comment", "Indstilles.")],
            )
            .await;
        assert_eq!(r.status, 403, "{}", r.body);
        let r = reviewer_api
            .get(&format!("/api/v1/applications/{id}/review"))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let review = r.json();
        assert_eq!(review["must_declare"], true, "{review}");
        assert_eq!(review["may_declare"], true, "{review}");
        assert_eq!(review["rubric"], Value::Null, "{review}");

        // A conflict needs a reason, and a reason is bounded; refused, shown again as typed.
        let declare_path = format!("{page_path}/inhabilitet");
        let r = reviewer_page
            .post_form(&declare_path, &[("conflict", "ja"), ("reason", "")])
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        let text = r.text();
        assert!(
            text.contains("Begrundelse: skriv, hvorfor du er inhabil."),
            "{text}"
        );
        assert!(text.contains("value=\"ja\" checked"), "{text}");
        assert!(!text.contains(CONTENT), "{text}");
        let long = format!("Min svoger {}", "x".repeat(2000));
        let r = reviewer_page
            .post_form(&declare_path, &[("conflict", "ja"), ("reason", &long)])
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        let text = r.text();
        assert!(
            text.contains("Begrundelsen må højst være 2000 tegn (der er 2011)."),
            "{text}"
        );
        assert!(text.contains(&long), "the typed reason is kept");
        let r = reviewer_page.post_form(&declare_path, &[]).await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.text().contains("Inhabilitet: vælg"), "{}", r.body);
        let r = declare(&reviewer_api, id, true, &long).await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.json()["fields"]["reason"].is_array(), "{}", r.body);
        // JSON of another type than the schema names is refused.
        let r = reviewer_api
            .send_json(
                Method::PUT,
                &format!("/api/v1/applications/{id}/review/declaration"),
                &json!({"conflict": "nej"}),
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.json()["error"].is_string(), "{}", r.body);

        // Declaring none opens the application and its steps.
        let r = reviewer_page
            .post_form(&declare_path, &[("conflict", "nej"), ("reason", "")])
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(r.location(), Some(page_path.as_str()));
        let text = reviewer_page.get(&page_path).await.text();
        for shown in [
            CONTENT,
            "Indstil til det politiske niveau",
            "Du har erklæret, at du ikke er inhabil",
        ] {
            assert!(text.contains(shown), "{shown}: {text}");
        }
        let r = reviewer_api
            .get(&format!("/api/v1/applications/{id}"))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        // A declaration is made once.
        let r = declare(&reviewer_api, id, false, "").await;
        assert_eq!(r.status, 409, "{}", r.body);

        // A declared conflict hides the application: its page, the API, its steps, its review
        // and the lists.
        let conflicted_api = bearer(&app, &conflicted).await;
        let r = declare(&conflicted_api, id, true, "Min ægtefælle leder indsatsen.").await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["conflict"], true);
        let mut conflicted_page = app.login(&conflicted).await;
        assert_eq!(conflicted_page.get(&page_path).await.status, 404);
        for path in [
            format!("/api/v1/applications/{id}"),
            format!("/api/v1/applications/{id}/review"),
        ] {
            let r = conflicted_api.get(&path).await;
            assert_eq!(r.status, 404, "{path}: {}", r.body);
        }
        let r = transition(
            &conflicted_api,
            id,
            json!({"action": "recommend", "comment": "Indstilles."}),
        )
        .await;
        assert_eq!(r.status, 404, "{}", r.body);
        let r = conflicted_page
            .post_form(
                &format!("{page_path}/transitions"),
                &[("action", "recommend"), ("comment", "Indstilles.")],
            )
            .await;
        assert_eq!(r.status, 404, "{}", r.body);
        let r = declare(&conflicted_api, id, false, "").await;
        assert_eq!(r.status, 404, "{}", r.body);
        let list = conflicted_page.get("/applications").await;
        assert_eq!(list.status, 200);
        assert!(!list.text().contains(TITLE), "{}", list.body);
        let r = conflicted_api.get("/api/v1/applications").await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(!r.body.contains(TITLE), "{}", r.body);
        assert_eq!(r.headers["x-total-count"].to_str().unwrap(), "0");
        // The other reviewer still lists it.
        assert!(reviewer_page
            .get("/applications")
            .await
            .text()
            .contains(TITLE));

        // The region's administrator is no reviewer and sees it all, with the declarations;
        // the applicant sees none of them.
        let admin_page = app.login(&region_admin).await;
        let text = admin_page.get(&page_path).await.text();
        for shown in [
            CONTENT,
            "Erklæringer om inhabilitet",
            "Min ægtefælle leder indsatsen.",
            &conflicted.user.name,
        ] {
            assert!(text.contains(shown), "{shown}: {text}");
        }
        let applicant_page = app.login(&applicant).await;
        let text = applicant_page.get(&page_path).await.text();
        assert!(text.contains(CONTENT), "{text}");
        for hidden in ["Bedømmelse", "inhabil", "Min ægtefælle"] {
            assert!(
                !text.contains(hidden),
                "{hidden} shown to the applicant: {text}"
            );
        }
        let r = me.get(&format!("/api/v1/applications/{id}/review")).await;
        assert_eq!(r.status, 403, "{}", r.body);
        assert!(!r.body.contains("ægtefælle"), "{}", r.body);

        // The declared reviewer takes the step.
        let r = transition(
            &reviewer_api,
            id,
            json!({"action": "recommend", "comment": "Indstilles."}),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);

        // Both declarations audited with the application; the refused ones wrote nothing.
        let actions = audited(&app, id).await;
        assert_eq!(
            actions.iter().filter(|a| *a == "declare_conflict").count(),
            2,
            "{actions:?}"
        );
        let mut conn = app.db.conn().await.unwrap();
        let stored: Vec<(i64, i64, String)> = sqlx::query_as(
            "SELECT user_id, conflict, reason FROM review_declarations WHERE application_id = $1 ORDER BY user_id",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await
        .unwrap();
        assert_eq!(
            stored,
            [
                (reviewer.id(), 0, String::new()),
                (conflicted.id(), 1, "Min ægtefælle leder indsatsen.".into())
            ]
        );
    }
);

both_backends!(
    two_reviewers_scores_combine_by_weight_with_not_applicable,
    |app| async move {
        let applicant = app.user(Role::Leader, Some(MIDTJYLLAND)).await;
        let first = app.user(Role::WorkingGroup, Some(MIDTJYLLAND)).await;
        // A member of the body from another region reviews every region's applications.
        let second = app.user(Role::WorkingGroup, Some(NORDJYLLAND)).await;
        let political = app.user(Role::SteeringGroup, Some(MIDTJYLLAND)).await;
        let region_admin = app.user(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
        let def = clusters(|_| {});
        install_programme(
            &app,
            &def,
            &[
                ("professional_level", &first),
                ("professional_level", &second),
                ("political_level", &political),
            ],
        )
        .await;
        let me = bearer(&app, &applicant).await;
        let id = submitted(&me).await;
        let (a, b) = (bearer(&app, &first).await, bearer(&app, &second).await);

        // Not before declaring.
        let r = scores(&a, id, json!([4, 3, null])).await;
        assert_eq!(r.status, 403, "{}", r.body);
        for reviewer in [&a, &b] {
            assert_eq!(declare(reviewer, id, false, "").await.status, 200);
        }

        // Off the scale, of another type, or not one per criterion: refused by name.
        let r = scores(&a, id, json!([6, 3, null])).await;
        assert_eq!(r.status, 422, "{}", r.body);
        let e = r.json();
        assert_eq!(
            e["fields"]["scores.0"],
            json!(["«Tværsektorielt sigte»: 6 er uden for skalaen 1–5."]),
            "{e}"
        );
        assert!(
            e["error"]
                .as_str()
                .unwrap()
                .starts_with("Karaktererne er ikke gemt"),
            "{e}"
        );
        let r = scores(&a, id, json!([0, -1, null])).await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(
            r.body.contains("«Forankring»: -1 er uden for"),
            "{}",
            r.body
        );
        for wrong in [json!(["4", 3, null]), json!([3.5, 3, null]), json!("4")] {
            let r = scores(&a, id, wrong.clone()).await;
            assert_eq!(r.status, 422, "{wrong}: {}", r.body);
            assert!(r.json()["error"].is_string(), "{}", r.body);
        }
        let r = scores(&a, id, json!([4])).await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(
            r.body.contains("hvert af de 3 kriterier (der er 1)"),
            "{}",
            r.body
        );
        // Nothing of it was stored.
        let r = a.get(&format!("/api/v1/applications/{id}/review")).await;
        assert_eq!(r.json()["scores"], Value::Null, "{}", r.body);

        // Weights 3, 2, 1: criterion means 4.5, 3 and 2 (each "ikke relevant" left out), so
        // (4.5·3 + 3·2 + 2·1) / 6 = 3.5833… → 3,58.
        let given = [vec![Some(4), Some(3), None], vec![Some(5), None, Some(2)]];
        let expected = def.review.rubric.as_ref().unwrap().combine(&given).unwrap();
        assert_eq!(expected, 358);
        let r = scores(&a, id, json!([4, 3, null])).await;
        assert_eq!(r.status, 200, "{}", r.body);
        // One reviewer alone: (4·3 + 3·2) / 5 = 3.6.
        assert_eq!(r.json()["combined"], "3,60 af 5", "{}", r.body);
        let r = scores(&b, id, json!([5, null, 2])).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let review = r.json();
        assert_eq!(review["combined_hundredths"], 358, "{review}");
        assert_eq!(review["combined"], "3,58 af 5", "{review}");
        assert_eq!(review["scored_by"], 2, "{review}");
        assert_eq!(review["scores"], json!([5, null, 2]), "{review}");

        // Reviewers and the administrator see the combined score on the page, each reviewer
        // their own scores; the applicant none of it.
        for user in [&first, &region_admin] {
            let text = app
                .login(user)
                .await
                .get(&format!("/applications/{id}"))
                .await
                .text();
            assert!(text.contains("3,58 af 5 (2 bedømmere)"), "{text}");
        }
        let text = app
            .login(&first)
            .await
            .get(&format!("/applications/{id}"))
            .await
            .text();
        assert!(
            text.contains("name=\"score_0\" value=\"4\" checked")
                && text.contains("name=\"score_2\" value=\"ir\" checked"),
            "{text}"
        );
        let text = app
            .login(&applicant)
            .await
            .get(&format!("/applications/{id}"))
            .await
            .text();
        assert!(
            !text.contains("3,58") && !text.contains("Karakterer"),
            "{text}"
        );
        let r = me.get(&format!("/api/v1/applications/{id}/review")).await;
        assert_eq!(r.status, 403, "{}", r.body);
        let r = me.get(&format!("/api/v1/applications/{id}")).await;
        assert!(
            !r.body.contains("358") && !r.body.contains("scores"),
            "{}",
            r.body
        );
        let r = scores(&me, id, json!([1, 1, 1])).await;
        assert_eq!(r.status, 403, "{}", r.body);

        // A reviewer changes their scores while it is in review.
        let r = scores(&a, id, json!([2, 3, null])).await;
        assert_eq!(r.status, 200, "{}", r.body);
        // (3.5·3 + 3·2 + 2·1) / 6 = 3.0833… → 3,08.
        assert_eq!(r.json()["combined"], "3,08 af 5", "{}", r.body);

        // Once it has moved on, the professional level no longer reviews it; once decided,
        // nobody scores.
        let r = transition(
            &a,
            id,
            json!({"action": "recommend", "comment": "Indstilles."}),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let r = scores(&b, id, json!([1, 1, 1])).await;
        assert_eq!(r.status, 403, "{}", r.body);
        let p = bearer(&app, &political).await;
        assert_eq!(declare(&p, id, false, "").await.status, 200);
        let r = transition(
            &p,
            id,
            json!({"action": "reject", "reason": "Ikke tværsektorielt nok.", "meeting": "Politisk niveau 1. juni 2022"}),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let r = scores(&p, id, json!([1, 1, 1])).await;
        assert_eq!(r.status, 403, "{}", r.body);
        let r = b.get(&format!("/api/v1/applications/{id}/review")).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["combined"], "3,08 af 5");
        assert_eq!(r.json()["may_score"], false);

        let actions = audited(&app, id).await;
        assert_eq!(
            actions.iter().filter(|a| *a == "score").count(),
            3,
            "{actions:?}"
        );
    }
);

both_backends!(
    the_checklist_is_ticked_and_not_applicable_refused_where_not_allowed,
    |app| async move {
        let applicant = app.user(Role::Leader, Some(MIDTJYLLAND)).await;
        let reviewer = app.user(Role::WorkingGroup, Some(MIDTJYLLAND)).await;
        // Without declarations, with a checklist, and every criterion to be scored.
        let def = clusters(|d| {
            d.review.conflict_declaration = false;
            d.review.checklist = vec![
                "Budgettet er gennemgået".into(),
                "Alle sektorer står bag".into(),
            ];
            if let Some(r) = d.review.rubric.as_mut() {
                r.allow_not_applicable = false;
            }
        });
        install_programme(&app, &def, &[("professional_level", &reviewer)]).await;
        let me = bearer(&app, &applicant).await;
        let id = submitted(&me).await;
        let page_path = format!("/applications/{id}");

        // No declaration asked: the reviewer sees it at once, with the review.
        let mut page = app.login(&reviewer).await;
        let text = page.get(&page_path).await.text();
        for shown in [
            CONTENT,
            "Tjekliste",
            "Budgettet er gennemgået",
            "Afkryds punkt 2",
            "Gem mine karakterer",
        ] {
            assert!(text.contains(shown), "{shown}: {text}");
        }
        assert!(!text.contains("Ikke relevant"), "{text}");
        let r = page
            .post_form(&format!("{page_path}/inhabilitet"), &[("conflict", "nej")])
            .await;
        assert_eq!(r.status, 409, "{}", r.body);

        // "Ikke relevant" is refused here; what was chosen is kept.
        let r = page
            .post_form(
                &format!("{page_path}/bedoemmelse"),
                &[("score_0", "4"), ("score_1", "7"), ("score_2", "ir")],
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        let text = r.text();
        for shown in [
            "Karaktererne er ikke gemt",
            "«Forankring»: 7 er uden for skalaen 1–5.",
            "«Realistisk budget»: «ikke relevant» kan ikke vælges i dette program",
            "name=\"score_0\" value=\"4\" checked",
            CONTENT,
        ] {
            assert!(text.contains(shown), "{shown}: {text}");
        }
        let r = scores(&bearer(&app, &reviewer).await, id, json!([4, 3, null])).await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.json()["fields"]["scores.2"].is_array(), "{}", r.body);
        let r = page
            .post_form(
                &format!("{page_path}/bedoemmelse"),
                &[("score_0", "4"), ("score_1", "3"), ("score_2", "5")],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        // (4·3 + 3·2 + 5·1) / 6 = 3.8333… → 3,83.
        assert!(page.get(&page_path).await.text().contains("3,83 af 5"));

        // Ticking shows who ticked; a point that does not exist is not found.
        let r = page
            .post_form(&format!("{page_path}/tjekliste/1"), &[("ticked", "ja")])
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let text = page.get(&page_path).await.text();
        assert!(
            text.contains(&format!("Afkrydset af {}", reviewer.user.name)),
            "{text}"
        );
        assert!(text.contains("Fjern krydset ved punkt 1"), "{text}");
        for number in ["3", "0", "-1"] {
            let r = page
                .post_form(
                    &format!("{page_path}/tjekliste/{number}"),
                    &[("ticked", "ja")],
                )
                .await;
            assert_eq!(r.status, 404, "{number}: {}", r.body);
        }
        let reviewer_api = bearer(&app, &reviewer).await;
        let r = reviewer_api
            .send_json(
                Method::PUT,
                &format!("/api/v1/applications/{id}/review/checklist/2"),
                &json!({"ticked": true}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let points = r.json()["checklist"].clone();
        assert_eq!(points[0]["ticked"], true, "{points}");
        assert_eq!(
            points[1]["ticked_by"],
            reviewer.user.name.as_str(),
            "{points}"
        );
        let r = page
            .post_form(&format!("{page_path}/tjekliste/1"), &[("ticked", "nej")])
            .await;
        assert_eq!(r.status, 303, "{}", r.body);

        // The applicant neither sees nor ticks it.
        let mut mine = app.login(&applicant).await;
        let text = mine.get(&page_path).await.text();
        assert!(
            !text.contains("Tjekliste") && !text.contains("Afkrydset"),
            "{text}"
        );
        let r = mine
            .post_form(&format!("{page_path}/tjekliste/1"), &[("ticked", "ja")])
            .await;
        assert_eq!(r.status, 403, "{}", r.body);

        let actions = audited(&app, id).await;
        for (action, n) in [("tick", 2), ("untick", 1), ("score", 1)] {
            assert_eq!(
                actions.iter().filter(|a| *a == action).count(),
                n,
                "{action}: {actions:?}"
            );
        }
    }
);

both_backends!(
    another_region_reaches_no_review_and_ok21_keeps_its_own,
    |app| async move {
        let applicant = app.user(Role::Leader, Some(MIDTJYLLAND)).await;
        let reviewer = app.user(Role::WorkingGroup, Some(MIDTJYLLAND)).await;
        let def = clusters(|d| d.review.checklist = vec!["Budgettet er gennemgået".into()]);
        install_programme(&app, &def, &[("professional_level", &reviewer)]).await;
        let id = submitted(&bearer(&app, &applicant).await).await;
        let ok21 = app
            .complete_application(
                &applicant,
                MIDTJYLLAND,
                "Aftale i OK21",
                TIER_MEDIUM,
                "2022-04-01",
                "2023-03-31",
            )
            .await;
        let ok21 = i64::from(ok21.id);

        for outsider in [
            app.user(Role::RegionAdmin, Some(NORDJYLLAND)).await,
            app.user(Role::WorkingGroup, Some(NORDJYLLAND)).await,
        ] {
            let token = bearer(&app, &outsider).await;
            let r = token
                .get(&format!("/api/v1/applications/{id}/review"))
                .await;
            assert_eq!(r.status, 404, "{}", r.body);
            for (path, body) in [
                ("review/declaration", json!({"conflict": false})),
                ("review/scores", json!({"scores": [3, 3, 3]})),
                ("review/checklist/1", json!({"ticked": true})),
            ] {
                let r = token
                    .send_json(
                        Method::PUT,
                        &format!("/api/v1/applications/{id}/{path}"),
                        &body,
                    )
                    .await;
                assert_eq!(r.status, 404, "{path}: {}", r.body);
            }
            let mut page = app.login(&outsider).await;
            assert_eq!(page.get(&format!("/applications/{id}")).await.status, 404);
            for (path, pairs) in [
                ("inhabilitet", vec![("conflict", "nej")]),
                ("bedoemmelse", vec![("score_0", "3")]),
                ("tjekliste/1", vec![("ticked", "ja")]),
            ] {
                let r = page
                    .post_form(&format!("/applications/{id}/{path}"), &pairs)
                    .await;
                assert_eq!(r.status, 404, "{path}: {}", r.body);
            }
        }
        // Nothing was stored for them.
        let mut conn = app.db.conn().await.unwrap();
        for table in ["review_declarations", "review_scores", "review_ticks"] {
            let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(&mut *conn)
                .await
                .unwrap();
            assert_eq!(n, 0, "{table}");
        }
        drop(conn);

        // An OK21 agreement has none of these routes, and its page is as before.
        let region_admin = app.user(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
        let token = bearer(&app, &region_admin).await;
        let r = token
            .get(&format!("/api/v1/applications/{ok21}/review"))
            .await;
        assert_eq!(r.status, 404, "{}", r.body);
        let mut page = app.login(&region_admin).await;
        let r = page
            .post_form(
                &format!("/applications/{ok21}/inhabilitet"),
                &[("conflict", "nej")],
            )
            .await;
        assert_eq!(r.status, 404, "{}", r.body);
        let shown = page.get(&format!("/applications/{ok21}")).await;
        assert_eq!(shown.status, 200, "{}", shown.body);
        assert!(!shown.text().contains("Erklæring om inhabilitet"));
    }
);
