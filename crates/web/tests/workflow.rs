//! The path of a trial from draft to signed agreement, through the JSON API and the HTML forms:
//! who may take which step, in which state, with which input; rounds; notifications and their
//! delivery; the steering group's meetings and minutes.

#[macro_use]
mod common;

use common::*;
use pulje_domain::cost::{monthly_amounts, total, within};
use pulje_domain::{ApplicationId, ApplicationStatus, AreaId, Ore, Role, RoundId};
use serde_json::json;

// --- 1. the whole path -------------------------------------------------------------------------

both_backends!(
    a_trial_walks_the_whole_path_through_the_api,
    |app| async move {
        let applicant_user = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let mut applicant = app.login(&applicant_user).await;
        let mut wg = app.client_as(Role::WorkingGroup, Some(MIDTJYLLAND)).await;
        let mut sg = app.client_as(Role::SteeringGroup, Some(MIDTJYLLAND)).await;
        let mut leader = app.client_as(Role::Leader, Some(MIDTJYLLAND)).await;
        let mut union = app.client_as(Role::UnionRep, Some(MIDTJYLLAND)).await;
        let mut region_admin = app.client_as(Role::RegionAdmin, Some(MIDTJYLLAND)).await;

        // A complete application through the API, asking for the medium tier.
        let mut body = api_body("Brobygger mellem akutafdeling og kommune", MIDTJYLLAND);
        body["hospital_id"] = json!(app.hospital_ids(MIDTJYLLAND).await[0]);
        body["area_ids"] = json!([app.area_ids(MIDTJYLLAND).await[1]]);
        body["area_argument"] = json!("Forsøget handler om overgangen mellem sektorerne.");
        body["supplement_ore"] = json!(TIER_MEDIUM);
        let r = applicant
            .send_json(reqwest::Method::POST, "/api/v1/applications", &body)
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        let id = r.json()["id"].as_i64().unwrap();
        let mut version = r.json()["version"].as_i64().unwrap();
        assert_eq!(r.json()["status"], "draft");

        let v = expect_status(
            &applicant.transition(id, &step("submit", json!({}))).await,
            id,
            "submitted",
        );
        assert_eq!(v, version + 1, "each step bumps the version by one");
        version = v;

        // The working group returns it with a comment the applicant sees.
        let comment = "Beskriv venligst i B2, hvordan forsøget evalueres – fx med run charts.";
        let v = expect_status(
            &wg.transition(id, &step("return", json!({ "comment": comment })))
                .await,
            id,
            "returned",
        );
        assert_eq!(v, version + 1);
        let page = applicant.get(&format!("/applications/{id}")).await;
        assert_eq!(page.status, 200);
        let text = page.text();
        assert!(text.contains(comment), "the comment is shown: {text}");
        assert!(text.contains("Sendt retur"), "{text}");

        // The applicant edits and resubmits.
        let mut edit = body.clone();
        edit["version"] = json!(v);
        edit["description"] =
            json!("Afdelingslægen leder møderne; forsøget evalueres med run charts hver måned.");
        let r = applicant
            .send_json(
                reqwest::Method::PUT,
                &format!("/api/v1/applications/{id}"),
                &edit,
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let edited = r.json()["version"].as_i64().unwrap();
        assert_eq!(edited, v + 1);
        let v = expect_status(
            &applicant.transition(id, &step("submit", json!({}))).await,
            id,
            "submitted",
        );
        assert_eq!(v, edited + 1);
        // The working group ticks the first checklist item with a remark before forwarding.
        let mut conn = app.db.conn().await.unwrap();
        let items = pulje_store::review::items(&mut conn, "ok21").await.unwrap();
        drop(conn);
        let first_item = items[0].id;
        let r = wg
            .post_form(
                &format!("/applications/{id}/review"),
                &[
                    (format!("check_{first_item}").as_str(), "on"),
                    (
                        format!("comment_{first_item}").as_str(),
                        "Budgettet er gennemgået.",
                    ),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let v2 = expect_status(
            &wg.transition(id, &step("forward", json!({}))).await,
            id,
            "ready_for_decision",
        );
        assert_eq!(v2, v + 1);

        // The steering group grants the high tier, not the medium one asked for.
        expect_status(
            &sg.transition(id, &step(
"approve",
json!({ "tier_ore": TIER_HIGH, "meeting_id": app.decision_meeting(MIDTJYLLAND).await }),
))
                .await,
            id,
            "awaiting_signatures",
        );
        let stored = app.get_application(id).await;
        assert_eq!(stored.granted_ore, Some(Ore::from_ore(TIER_HIGH)));
        assert_eq!(
            stored.data.supplement_ore().map(|s| s.ore()),
            Some(TIER_MEDIUM)
        );
        assert_eq!(stored.exception_reason, "");

        // The region's administrator binds the four parties; four signatures, only the fourth
        // makes it active.
        app.bind_proposed(id).await;
        expect_status(
            &leader.transition(id, &sign_step()).await,
            id,
            "awaiting_signatures",
        );
        expect_status(
            &applicant.transition(id, &sign_step()).await,
            id,
            "awaiting_signatures",
        );
        expect_status(
            &union.transition(id, &sign_step()).await,
            id,
            "awaiting_signatures",
        );
        assert_eq!(
            app.get_application(id).await.status,
            ApplicationStatus::AwaitingSignatures
        );
        expect_status(
            &region_admin.transition(id, &sign_step()).await,
            id,
            "active",
        );
        let mut conn = app.db.conn().await.unwrap();
        let signed = pulje_store::workflow::signed_parties(&mut conn, ApplicationId::new(id))
            .await
            .unwrap();
        assert_eq!(signed.len(), 4, "{signed:?}");

        // What the application's page reads in one statement, on this backend.
        let stored = app.get_application(id).await;
        let related = pulje_store::application_page::related(&mut conn, &stored)
            .await
            .unwrap();
        drop(conn);
        // Signed within the same second here, so compared as a set.
        let mut parties: Vec<&str> = related
            .signatures
            .iter()
            .map(|s| s.party.as_str())
            .collect();
        parties.sort_unstable();
        assert_eq!(parties, ["doctor", "leader", "region", "union"]);
        assert_eq!(related.comments.len(), 1);
        assert_eq!(related.comments[0].body, comment);
        assert_eq!(related.comments[0].kind, "return");
        let actions: Vec<&str> = related.history.iter().map(|h| h.action.as_str()).collect();
        assert_eq!(actions.last(), Some(&"create"), "newest first: {actions:?}");
        assert!(related.history.windows(2).all(|w| w[0].at >= w[1].at));
        assert!(related
            .areas
            .iter()
            .any(|a| a.id == AreaId::new(stored.data.area_ids()[0])
                && a.region_code == rc(MIDTJYLLAND)));
        assert!(related
            .tiers
            .iter()
            .any(|t| t.amount_ore.ore() == TIER_HIGH));
        let month_pairs: Vec<(String, i64)> = related
            .months
            .iter()
            .map(|m| (m.month.clone(), m.amount_ore.ore()))
            .collect();
        assert_eq!(month_pairs, app.agreement_months(id).await);
        assert_eq!(
            related.checks.len(),
            items.len(),
            "every item of the checklist"
        );
        let ticked = &related.checks[0];
        assert_eq!((ticked.item_id, ticked.checked), (first_item, 1));
        assert_eq!(ticked.comment, "Budgettet er gennemgået.");
        assert!(ticked.reviewer.is_some() && ticked.at.is_some());
        assert!(related.checks[1..]
            .iter()
            .all(|c| c.checked == 0 && c.reviewer.is_none() && c.at.is_none()));
        assert!(related.versions.is_empty(), "no amendments");

        // The committed money is the agreement's monthly amounts for its period and granted tier.
        let stored = app.get_application(id).await;
        let basis = app.cost_basis(&stored, TIER_HIGH).await;
        let months = monthly_amounts(&period_of(&stored), &basis);
        assert_eq!(app.agreement_months(id).await, month_rows(&months));
        let tranches = app.tranche_periods().await;
        assert_eq!(tranches.len(), 2);
        let expected: Vec<i64> = tranches
            .iter()
            .map(|(_, p)| within(&months, p).ore())
            .collect();
        assert!(
            expected.iter().all(|e| *e > 0),
            "the period spans both tranches"
        );
        assert_eq!(expected.iter().sum::<i64>(), total(&months).ore());

        let r = region_admin
            .get(&format!("/api/v1/pools?region={MIDTJYLLAND}"))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let pools = r.json();
        let pools = pools.as_array().unwrap();
        assert_eq!(pools.len(), 2, "{pools:?}");
        let dashboard = region_admin.get(&format!("/regions/{MIDTJYLLAND}")).await;
        assert_eq!(dashboard.status, 200);
        let rows = table_rows(&dashboard.body);
        for (i, (number, period)) in tranches.iter().enumerate() {
            let p = &pools[i];
            assert_eq!(p["tranche"].as_i64(), Some(*number), "{p}");
            assert_eq!(p["period_start"], period.start().to_string());
            assert_eq!(p["period_end"], period.end().to_string());
            assert_eq!(p["amount_ore"].as_i64(), Some(894_490_800), "{p}");
            assert_eq!(p["committed_ore"].as_i64(), Some(expected[i]), "{p}");
            assert_eq!(p["paid_ore"].as_i64(), Some(0), "{p}");
            assert_eq!(
                p["remaining_ore"].as_i64(),
                Some(894_490_800 - expected[i]),
                "{p}"
            );
            let name = p["name"].as_str().unwrap();
            let row = rows
                .iter()
                .find(|r| r.first().map(String::as_str) == Some(name))
                .unwrap_or_else(|| panic!("no dashboard row for {name}: {rows:?}"));
            assert_eq!(row[2], kr(894_490_800), "{row:?}");
            assert_eq!(
                row[3],
                kr(expected[i]),
                "committed on the dashboard: {row:?}"
            );
            assert_eq!(row[4], kr(0), "{row:?}");
            assert_eq!(row[5], kr(894_490_800 - expected[i]), "{row:?}");
        }
    }
);

both_backends!(the_steps_work_through_the_html_forms, |app| async move {
    let applicant_user = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
    let mut applicant = app.login(&applicant_user).await;
    let mut wg = app.client_as(Role::WorkingGroup, Some(MIDTJYLLAND)).await;
    let mut sg = app.client_as(Role::SteeringGroup, Some(MIDTJYLLAND)).await;
    let a = app
        .complete_application(
            &applicant_user,
            MIDTJYLLAND,
            "Forsøg via formularerne",
            TIER_MEDIUM,
            "2022-09-01",
            "2023-08-31",
        )
        .await;
    let id = a.id;
    let path = format!("/applications/{id}/transitions");

    // The detail page offers the applicant the submit step, and only the steps they may take.
    let page = applicant.get(&format!("/applications/{id}")).await;
    assert!(
        page.body
            .contains("<input type=\"hidden\" name=\"action\" value=\"submit\">"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("value=\"approve\""));

    let r = applicant.post_form(&path, &[("action", "submit")]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        r.location(),
        Some(format!("/applications/{id}?trin=submit").as_str())
    );
    let page = applicant
        .get(&format!("/applications/{id}?trin=submit"))
        .await;
    assert!(
        page.text()
            .contains("Udført: Send ansøgningen. Status er nu «Indsendt»."),
        "{}",
        page.text()
    );

    // Without the CSRF token nothing happens.
    let r = wg
        .post_form_raw(&path, &[("action", "return"), ("comment", "Uden nøgle")])
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(
        app.get_application(i64::from(id)).await.status,
        ApplicationStatus::Submitted
    );

    // Returning without a comment shows the form again with the message.
    let r = wg
        .post_form(&path, &[("action", "return"), ("comment", "  ")])
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let text = r.text();
    assert!(text.contains("Ikke udført."), "{text}");
    assert!(text.contains("Skriv en kommentar til ansøgeren"), "{text}");
    assert_eq!(
        app.get_application(i64::from(id)).await.status,
        ApplicationStatus::Submitted
    );

    let comment = "Periode og tillæg passer ikke sammen – ret venligst C.3.";
    let r = wg
        .post_form(&path, &[("action", "return"), ("comment", comment)])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        r.location(),
        Some(format!("/applications/{id}?trin=return").as_str())
    );
    let page = applicant
        .get(&format!("/applications/{id}?trin=return"))
        .await;
    let text = page.text();
    assert!(text.contains(comment), "{text}");
    assert!(text.contains("Status er nu «Sendt retur»"), "{text}");

    let r = applicant.post_form(&path, &[("action", "submit")]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = wg
        .post_form(
            &path,
            &[("action", "forward"), ("comment", "Kvalitetssikret.")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        r.location(),
        Some(format!("/applications/{id}?trin=forward").as_str())
    );

    // The steering group approves with the small tier through the form.
    let page = sg.get(&format!("/applications/{id}")).await;
    assert!(page.body.contains("value=\"approve\""), "{}", page.body);
    let tier = TIER_SMALL.to_string();
    let meeting = app.decision_meeting(MIDTJYLLAND).await.to_string();
    let r = sg
        .post_form(
            &path,
            &[
                ("action", "approve"),
                ("tier_ore", &tier),
                ("meeting_id", &meeting),
                ("exception_reason", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        r.location(),
        Some(format!("/applications/{id}?trin=approve").as_str())
    );
    let page = sg.get(&format!("/applications/{id}?trin=approve")).await;
    let text = page.text();
    assert!(
        text.contains("Udført: Godkend. Status er nu «Afventer underskrifter»."),
        "{text}"
    );
    assert!(text.contains("Bevilget beløb (tillæg pr. år)"), "{text}");
    assert!(text.contains(&kr(TIER_SMALL)), "{text}");

    let stored = app.get_application(i64::from(id)).await;
    assert_eq!(stored.status, ApplicationStatus::AwaitingSignatures);
    assert_eq!(stored.granted_ore, Some(Ore::from_ore(TIER_SMALL)));
    let mut conn = app.db.conn().await.unwrap();
    let comments = pulje_store::workflow::comments(&mut conn, id)
        .await
        .unwrap();
    let kinds: Vec<&str> = comments.iter().map(|c| c.kind.as_str()).collect();
    assert_eq!(kinds, ["return", "forward"], "{comments:?}");
});

// --- 2. who may take which step --------------------------------------------------------------

/// What must not change when a step is refused.
#[derive(Debug, PartialEq)]
struct Snapshot {
    status: ApplicationStatus,
    version: i64,
    audit: usize,
    outbox: usize,
    signatures: i64,
    months: usize,
    comments: usize,
}

async fn snapshot(app: &TestApp, id: i64) -> Snapshot {
    let a = app.get_application(id).await;
    let mut conn = app.db.conn().await.unwrap();
    let signatures: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM signatures WHERE application_id = $1")
            .bind(id)
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    let comments = pulje_store::workflow::comments(&mut conn, ApplicationId::new(id))
        .await
        .unwrap()
        .len();
    drop(conn);
    Snapshot {
        status: a.status,
        version: a.version,
        audit: app.audit_of(id).await.len(),
        outbox: app.outbox(None).await.len(),
        signatures,
        months: app.agreement_months(id).await.len(),
        comments,
    }
}

/// A new complete application of region 1082 by `creator`, moved to `state`.
async fn fresh_in(
    app: &TestApp,
    creator: &TestUser,
    state: ApplicationStatus,
) -> pulje_store::applications::Application {
    let a = app
        .complete_application(
            creator,
            MIDTJYLLAND,
            "Forsøg i en bestemt tilstand",
            TIER_MEDIUM,
            "2022-06-01",
            "2023-05-31",
        )
        .await;
    if state == ApplicationStatus::Draft {
        return a;
    }
    let a = app.set_status(i64::from(a.id), state, None).await;
    if state == ApplicationStatus::AwaitingSignatures {
        app.bind_proposed(i64::from(a.id)).await;
    }
    a
}

/// Takes a step that must be refused with `status`; asserts nothing changed; returns the message.
async fn refused(
    app: &TestApp,
    api: &Bearer,
    id: i64,
    body: &serde_json::Value,
    status: u16,
    what: &str,
) -> String {
    let before = snapshot(app, id).await;
    let r = api.transition(id, body).await;
    let message = expect_refusal(&r, status, &format!("{what} {body}"));
    assert_eq!(
        snapshot(app, id).await,
        before,
        "{what} {body}: a refused step changed something"
    );
    message
}

both_backends!(
    every_step_refuses_wrong_roles_regions_states_and_input,
    |app| async move {
        let creator = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let mut api = std::collections::HashMap::new();
        api.insert(Role::Applicant, app.bearer(&creator).await);
        for (role, region) in [
            (Role::Leader, Some(MIDTJYLLAND)),
            (Role::WorkingGroup, Some(MIDTJYLLAND)),
            (Role::SteeringGroup, Some(MIDTJYLLAND)),
            (Role::UnionRep, Some(MIDTJYLLAND)),
            (Role::RegionAdmin, Some(MIDTJYLLAND)),
            (Role::NationalViewer, None),
            (Role::Admin, None),
        ] {
            let u = app.user(role, region).await;
            api.insert(role, app.bearer(&u).await);
        }
        let other_applicant = app
            .bearer(&app.user(Role::Applicant, Some(MIDTJYLLAND)).await)
            .await;
        let nord_admin = app
            .bearer(&app.user(Role::RegionAdmin, Some(NORDJYLLAND)).await)
            .await;
        let nord_wg = app
            .bearer(&app.user(Role::WorkingGroup, Some(NORDJYLLAND)).await)
            .await;
        let nord_sg = app
            .bearer(&app.user(Role::SteeringGroup, Some(NORDJYLLAND)).await)
            .await;

        use ApplicationStatus::*;
        use Role::*;
        let all_roles = [
            Applicant,
            Leader,
            WorkingGroup,
            SteeringGroup,
            UnionRep,
            RegionAdmin,
            NationalViewer,
            Admin,
        ];
        // Approvals are decided at a meeting before the test agreements start.
        let meeting = app.decision_meeting(MIDTJYLLAND).await;
        // (action, the state it is taken from, a complete body, the roles that may take it)
        let cases: Vec<(&str, ApplicationStatus, serde_json::Value, Vec<Role>)> = vec![
            (
                "submit",
                Draft,
                json!({}),
                vec![Applicant, Leader, RegionAdmin],
            ),
            (
                "withdraw",
                Submitted,
                json!({}),
                vec![Applicant, Leader, RegionAdmin],
            ),
            (
                "return",
                Submitted,
                json!({"comment": "Uddyb B2."}),
                vec![WorkingGroup],
            ),
            ("forward", Submitted, json!({}), vec![WorkingGroup]),
            (
                "approve",
                ReadyForDecision,
                json!({"tier_ore": TIER_MEDIUM, "meeting_id": meeting}),
                vec![SteeringGroup],
            ),
            (
                "reject",
                ReadyForDecision,
                json!({"reason": "Forsøget ligger uden for områderne."}),
                vec![SteeringGroup],
            ),
            (
                "sign",
                AwaitingSignatures,
                json!({"confirm": true}),
                vec![Applicant, Leader, UnionRep, RegionAdmin],
            ),
            (
                "terminate",
                Active,
                json!({"end_date": "2022-12-31"}),
                vec![RegionAdmin, SteeringGroup],
            ),
        ];
        let fresh = |state: ApplicationStatus| fresh_in(&app, &creator, state);
        for (action, state, body, allowed) in &cases {
            let a = fresh(*state).await;
            let full = step(action, body.clone());

            // Every role that may not take the step: 403, nothing changes. The national viewer
            // does not see a draft at all: 404 (tests/need_to_know.rs).
            for role in all_roles.iter().filter(|r| !allowed.contains(r)) {
                let hidden = *role == NationalViewer && *state == Draft;
                let message = refused(
                    &app,
                    &api[role],
                    i64::from(a.id),
                    &full,
                    if hidden { 404 } else { 403 },
                    &format!("{role:?}"),
                )
                .await;
                assert!(
                    hidden || message.contains("Rollen"),
                    "{action} as {role:?}: {message}"
                );
            }

            // A user of region 1081 whose role could take it: 404, nothing changes.
            let nord = match *action {
                "return" | "forward" => &nord_wg,
                "approve" | "reject" => &nord_sg,
                _ => &nord_admin,
            };
            refused(&app, nord, i64::from(a.id), &full, 404, "region 1081").await;

            // An allowed role takes it.
            let taker = allowed[0];
            let r = api[&taker].transition(i64::from(a.id), &full).await;
            assert_eq!(r.status, 200, "{action} as {taker:?}: {}", r.body);
        }

        // Submitting and withdrawing someone else's application: a leader may see it but is
        // refused (403); another applicant may not even see it (404).
        for (action, state) in [
            ("submit", Draft),
            ("withdraw", Submitted),
            ("withdraw", Draft),
        ] {
            let a = fresh(state).await;
            let message = refused(
                &app,
                &api[&Leader],
                i64::from(a.id),
                &step(action, json!({})),
                403,
                "leader, not the creator",
            )
            .await;
            assert!(message.contains("oprettet"), "{message}");
            refused(
                &app,
                &other_applicant,
                i64::from(a.id),
                &step(action, json!({})),
                404,
                "applicant, not the creator",
            )
            .await;
        }
        let a = fresh(AwaitingSignatures).await;
        refused(
            &app,
            &other_applicant,
            i64::from(a.id),
            &sign_step(),
            404,
            "applicant, not the creator, signing",
        )
        .await;

        // The wrong state: 409 naming the status.
        let wrong_state = [
            ("submit", Submitted, Applicant, json!({})),
            ("submit", Active, RegionAdmin, json!({})),
            ("withdraw", Active, Applicant, json!({})),
            ("withdraw", AwaitingSignatures, Applicant, json!({})),
            ("return", Draft, WorkingGroup, json!({"comment": "Ret."})),
            ("forward", ReadyForDecision, WorkingGroup, json!({})),
            (
                "approve",
                Submitted,
                SteeringGroup,
                json!({"tier_ore": TIER_MEDIUM}),
            ),
            ("reject", Active, SteeringGroup, json!({"reason": "Nej."})),
            ("sign", ReadyForDecision, Leader, json!({})),
            (
                "terminate",
                AwaitingSignatures,
                RegionAdmin,
                json!({"end_date": "2022-12-31"}),
            ),
        ];
        for (action, state, role, body) in wrong_state {
            let a = fresh(state).await;
            let message = refused(
                &app,
                &api[&role],
                i64::from(a.id),
                &step(action, body),
                409,
                action,
            )
            .await;
            assert!(message.contains(state.label_da()), "{action}: {message}");
        }
        // Signing twice as the same party.
        let a = fresh(AwaitingSignatures).await;
        let r = api[&Leader].transition(i64::from(a.id), &sign_step()).await;
        expect_status(&r, i64::from(a.id), "awaiting_signatures");
        let message = refused(
            &app,
            &api[&Leader],
            i64::from(a.id),
            &sign_step(),
            409,
            "second signature",
        )
        .await;
        assert!(message.contains("allerede underskrevet"), "{message}");

        // Missing or wrong input: 422.
        let a = fresh(Submitted).await;
        let m = refused(
            &app,
            &api[&WorkingGroup],
            i64::from(a.id),
            &step("return", json!({})),
            422,
            "return without comment",
        )
        .await;
        assert!(m.contains("kommentar"), "{m}");
        refused(
            &app,
            &api[&WorkingGroup],
            i64::from(a.id),
            &step("return", json!({"comment": "   "})),
            422,
            "return with a blank comment",
        )
        .await;
        let a = fresh(ReadyForDecision).await;
        let m = refused(
            &app,
            &api[&SteeringGroup],
            i64::from(a.id),
            &step("reject", json!({})),
            422,
            "reject without reason",
        )
        .await;
        assert!(m.contains("begrundelsen"), "{m}");
        let m = refused(
            &app,
            &api[&SteeringGroup],
            i64::from(a.id),
            &step("approve", json!({})),
            422,
            "approve without tier",
        )
        .await;
        assert!(m.contains("tillæg"), "{m}");
        let m = refused(
            &app,
            &api[&SteeringGroup],
            i64::from(a.id),
            &step(
"approve",
json!({ "tier_ore": 1_234_500, "meeting_id": app.decision_meeting(MIDTJYLLAND).await }),
),
            422,
            "approve with a tier the pool does not have",
        )
        .await;
        assert!(m.contains("ikke et af puljens trin"), "{m}");
        let a = fresh(Active).await;
        let m = refused(
            &app,
            &api[&RegionAdmin],
            i64::from(a.id),
            &step("terminate", json!({})),
            422,
            "terminate without end date",
        )
        .await;
        assert!(m.contains("slutdato"), "{m}");
        refused(
            &app,
            &api[&RegionAdmin],
            i64::from(a.id),
            &step("terminate", json!({"end_date": "snart"})),
            422,
            "terminate with a bad date",
        )
        .await;
        refused(
            &app,
            &api[&RegionAdmin],
            i64::from(a.id),
            &step("terminate", json!({"end_date": "2023-05-31"})),
            422,
            "terminate on the current end date",
        )
        .await;
        refused(
            &app,
            &api[&RegionAdmin],
            i64::from(a.id),
            &step("godkend", json!({})),
            422,
            "an unknown action",
        )
        .await;
        refused(
            &app,
            &api[&RegionAdmin],
            i64::from(a.id),
            &json!({"comment": "ingen handling"}),
            422,
            "no action",
        )
        .await;

        // Another region's pool: 404.
        let r = nord_admin
            .get(&format!("/api/v1/pools?region={MIDTJYLLAND}"))
            .await;
        assert_eq!(r.status, 404, "{}", r.body);
        assert_eq!(nord_admin.pools(NORDJYLLAND).await.len(), 2);

        // An unknown application: 404.
        let r = api[&Applicant]
            .transition(999_999, &step("submit", json!({})))
            .await;
        expect_refusal(&r, 404, "unknown application");
    }
);

// --- 6. rounds -------------------------------------------------------------------------------

both_backends!(a_submission_lands_in_its_round, |app| async move {
    let nord_tier = 3_000_000;
    app.create_tier(NORDJYLLAND, "Mellem", nord_tier).await;
    let author = app.user(Role::Applicant, Some(NORDJYLLAND)).await;
    let mut client = app.login(&author).await;
    let today = chrono::Utc::now().date_naive();
    let rounds = app.round_ids(NORDJYLLAND).await;
    assert_eq!(rounds.len(), 5);

    // All five rounds have closed: the last one, late.
    let a = app
        .complete_application(
            &author,
            NORDJYLLAND,
            "Sent nordjysk forsøg",
            nord_tier,
            "2022-06-01",
            "2023-05-31",
        )
        .await;
    expect_status(
        &client
            .transition(i64::from(a.id), &step("submit", json!({})))
            .await,
        i64::from(a.id),
        "submitted",
    );
    let stored = app.get_application(i64::from(a.id)).await;
    assert_eq!(stored.round_id, Some(RoundId::new(rounds[4])));
    assert_eq!(stored.round_name.as_deref(), Some("5. runde"));
    assert!(stored.late, "submitted after the last deadline");
    assert!(stored.submitted_at.is_some());
    let r = client.get(&format!("/api/v1/applications/{}", a.id)).await;
    assert_eq!(r.json()["round"], "5. runde", "{}", r.body);
    let page = client.get(&format!("/applications/{}", a.id)).await;
    assert!(page.text().contains("5. runde"));
    assert!(
        page.text().contains("indsendt efter fristen"),
        "{}",
        page.text()
    );

    // A round open today takes the next submission, on time.
    let open = app
        .create_round(
            NORDJYLLAND,
            "Ekstra runde",
            today - chrono::Duration::days(10),
            today + chrono::Duration::days(20),
        )
        .await;
    let b = app
        .complete_application(
            &author,
            NORDJYLLAND,
            "Rettidigt nordjysk forsøg",
            nord_tier,
            "2022-06-01",
            "2023-05-31",
        )
        .await;
    expect_status(
        &client
            .transition(i64::from(b.id), &step("submit", json!({})))
            .await,
        i64::from(b.id),
        "submitted",
    );
    let stored = app.get_application(i64::from(b.id)).await;
    assert_eq!(stored.round_id, Some(RoundId::new(i64::from(open.id))));
    assert_eq!(stored.round_name.as_deref(), Some("Ekstra runde"));
    assert!(!stored.late);
    let page = client.get(&format!("/applications/{}", b.id)).await;
    assert!(page.text().contains("Ekstra runde"));
    assert!(!page.text().contains("indsendt efter fristen"));
    // The first stays where it was.
    let first = app.get_application(i64::from(a.id)).await;
    assert_eq!(
        (first.round_id, first.late),
        (Some(RoundId::new(rounds[4])), true)
    );

    // A region without rounds: no round, never late.
    let midt_author = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
    let c = app
        .complete_application(
            &midt_author,
            MIDTJYLLAND,
            "Midtjysk forsøg",
            TIER_SMALL,
            "2022-06-01",
            "2023-05-31",
        )
        .await;
    let midt = app.bearer(&midt_author).await;
    expect_status(
        &midt
            .transition(i64::from(c.id), &step("submit", json!({})))
            .await,
        i64::from(c.id),
        "submitted",
    );
    let stored = app.get_application(i64::from(c.id)).await;
    assert_eq!((stored.round_id, stored.late), (None, false));
});

both_backends!(
    a_late_application_resubmitted_into_an_open_round_is_not_late,
    |app| async move {
        let nord_tier = 3_000_000;
        app.create_tier(NORDJYLLAND, "Mellem", nord_tier).await;
        let author = app.user(Role::Applicant, Some(NORDJYLLAND)).await;
        let client = app.bearer(&author).await;
        let nord_wg = app
            .bearer(&app.user(Role::WorkingGroup, Some(NORDJYLLAND)).await)
            .await;
        let today = chrono::Utc::now().date_naive();
        let a = app
            .complete_application(
                &author,
                NORDJYLLAND,
                "Sent, så rettidigt",
                nord_tier,
                "2022-06-01",
                "2023-05-31",
            )
            .await;
        expect_status(
            &client
                .transition(i64::from(a.id), &step("submit", json!({})))
                .await,
            i64::from(a.id),
            "submitted",
        );
        let first = app.get_application(i64::from(a.id)).await;
        assert_eq!(
            (first.round_name.as_deref(), first.late),
            (Some("5. runde"), true)
        );
        expect_status(
            &nord_wg
                .transition(
                    i64::from(a.id),
                    &step("return", json!({"comment": "Ret perioden."})),
                )
                .await,
            i64::from(a.id),
            "returned",
        );
        let open = app
            .create_round(
                NORDJYLLAND,
                "Ekstra runde",
                today - chrono::Duration::days(10),
                today + chrono::Duration::days(20),
            )
            .await;
        expect_status(
            &client
                .transition(i64::from(a.id), &step("submit", json!({})))
                .await,
            i64::from(a.id),
            "submitted",
        );
        let again = app.get_application(i64::from(a.id)).await;
        assert_eq!(
            again.round_id,
            Some(RoundId::new(i64::from(open.id))),
            "resubmitted into the open round"
        );
        assert!(
            !again.late,
            "resubmitted before the open round's deadline, yet still marked late (round {:?})",
            again.round_name
        );
    }
);

// --- 7. notifications ------------------------------------------------------------------------

fn recipients(messages: &[pulje_store::outbox::Message], event: &str) -> Vec<String> {
    let mut r: Vec<String> = messages
        .iter()
        .filter(|m| m.event == event)
        .map(|m| m.recipient.clone())
        .collect();
    r.sort();
    r
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// Fails the first attempt at every message, then delivers.
#[derive(Default)]
struct FlakyMailer {
    calls: std::sync::Mutex<Vec<i64>>,
    /// The bodies of the messages sent.
    bodies: std::sync::Mutex<Vec<String>>,
}

impl pulje_app::mailer::Mailer for FlakyMailer {
    async fn send(&self, message: &pulje_app::mailer::Composed) -> Result<(), String> {
        let mut calls = self.calls.lock().unwrap();
        let first = !calls.contains(&message.id.get());
        calls.push(message.id.get());
        if first {
            Err("421 4.3.2 Mailserveren er midlertidigt utilgængelig".into())
        } else {
            self.bodies.lock().unwrap().push(message.text.clone());
            Ok(())
        }
    }
}

/// Never delivers.
struct DeadMailer;

impl pulje_app::mailer::Mailer for DeadMailer {
    async fn send(&self, _message: &pulje_app::mailer::Composed) -> Result<(), String> {
        Err("forbindelsen blev afvist".into())
    }
}

both_backends!(
    each_step_notifies_the_right_people_and_delivery_retries,
    |app| async move {
        let author = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let wg1 = app.user(Role::WorkingGroup, Some(MIDTJYLLAND)).await;
        let wg2 = app.user(Role::WorkingGroup, Some(MIDTJYLLAND)).await;
        let sg = app.user(Role::SteeringGroup, Some(MIDTJYLLAND)).await;
        let leader = app.user(Role::Leader, Some(MIDTJYLLAND)).await;
        let union = app.user(Role::UnionRep, Some(MIDTJYLLAND)).await;
        let admin_user = app.user(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
        let nord_wg = app.user(Role::WorkingGroup, Some(NORDJYLLAND)).await;
        let author_api = app.bearer(&author).await;
        let wg_api = app.bearer(&wg1).await;
        let sg_api = app.bearer(&sg).await;

        let a = app
            .complete_application(
                &author,
                MIDTJYLLAND,
                "Forsøg med besked",
                TIER_MEDIUM,
                "2022-06-01",
                "2023-05-31",
            )
            .await;
        let id = a.id;
        assert!(app.outbox(None).await.is_empty());

        // A mail server that is down does not stop or lose anything.
        expect_status(
            &author_api
                .transition(i64::from(id), &step("submit", json!({})))
                .await,
            i64::from(id),
            "submitted",
        );
        let sent =
            pulje_app::mailer::deliver_due(&mut app.db.handle(), &DeadMailer, &Default::default())
                .await
                .unwrap();
        assert_eq!(sent, 0);
        let msgs = app.outbox(Some(MIDTJYLLAND)).await;
        assert_eq!(
            recipients(&msgs, "submitted"),
            sorted(vec![wg1.email.clone(), wg2.email.clone()]),
            "the region's working group, not another region's: {msgs:?}"
        );
        assert!(msgs.iter().all(|m| m.recipient != nord_wg.email));
        assert!(msgs
            .iter()
            .all(|m| m.application_id.map(|a| a.get()) == Some(i64::from(id))));
        assert!(msgs[0].subject.contains("Forsøg med besked"), "{msgs:?}");
        assert!(msgs
            .iter()
            .all(|m| m.attempts == 1 && m.sent_at.is_none() && !m.last_error.is_empty()));

        let comment = "Angiv venligst evalueringsmetoden.";
        expect_status(
            &wg_api
                .transition(i64::from(id), &step("return", json!({"comment": comment})))
                .await,
            i64::from(id),
            "returned",
        );
        let msgs = app.outbox(Some(MIDTJYLLAND)).await;
        assert_eq!(recipients(&msgs, "returned"), vec![author.email.clone()]);
        let returned = msgs.iter().find(|m| m.event == "returned").unwrap();
        assert!(returned.body.contains(comment), "{}", returned.body);

        expect_status(
            &author_api
                .transition(i64::from(id), &step("submit", json!({})))
                .await,
            i64::from(id),
            "submitted",
        );
        expect_status(
            &wg_api
                .transition(i64::from(id), &step("forward", json!({})))
                .await,
            i64::from(id),
            "ready_for_decision",
        );
        let msgs = app.outbox(Some(MIDTJYLLAND)).await;
        assert_eq!(recipients(&msgs, "forwarded"), vec![sg.email.clone()]);

        expect_status(
            &sg_api
                .transition(
                    i64::from(id),
                    &step(
"approve",
json!({ "tier_ore": TIER_MEDIUM, "meeting_id": app.decision_meeting(MIDTJYLLAND).await }),
),
                )
                .await,
            i64::from(id),
            "awaiting_signatures",
        );
        let msgs = app.outbox(Some(MIDTJYLLAND)).await;
        assert_eq!(
            recipients(&msgs, "decision"),
            sorted(vec![author.email.clone(), leader.email.clone()])
        );
        assert_eq!(
            recipients(&msgs, "signature_needed"),
            sorted(vec![
                author.email.clone(),
                leader.email.clone(),
                union.email.clone(),
                admin_user.email.clone()
            ]),
            "each of the four parties is asked to sign"
        );
        let decision = msgs.iter().find(|m| m.event == "decision").unwrap();
        assert!(
            decision.body.contains(&kr(TIER_MEDIUM)),
            "{}",
            decision.body
        );

        // A signature does not ask the others again.
        app.bind_proposed(i64::from(id)).await;
        let leader_api = app.bearer(&leader).await;
        let before = app.outbox(None).await.len();
        expect_status(
            &leader_api.transition(i64::from(id), &sign_step()).await,
            i64::from(id),
            "awaiting_signatures",
        );
        assert_eq!(
            app.outbox(None).await.len(),
            before,
            "no repeated signature requests"
        );

        // The region's administrator sees them on /outbox; a failed one shows its error.
        let admin = app.login(&admin_user).await;
        let page = admin.get("/outbox").await;
        assert_eq!(page.status, 200);
        let text = page.text();
        for m in &msgs {
            assert!(
                text.contains(&m.subject),
                "{} missing from /outbox",
                m.subject
            );
            // The event in Danish, never its code.
            let event = pulje_store::outbox::event_da(&m.event);
            assert!(!event.starts_with("Trin"), "{} has a Danish name", m.event);
            assert!(text.contains(&event), "{event} missing from /outbox");
        }
        assert!(text.contains(&wg2.email));
        assert!(
            text.contains("Fejlet 1 gang(e): forbindelsen blev afvist"),
            "{text}"
        );
        let wg_client = app.login(&wg1).await;
        assert_eq!(wg_client.get("/outbox").await.status, 403);

        // Delivery: the first attempt fails and is recorded, the message waits, a later one sends.
        app.exec("UPDATE outbox SET next_attempt_at = '2000-01-01T00:00:00Z'")
            .await;
        let mailer = FlakyMailer::default();
        let total_msgs = app.outbox(None).await.len();
        assert_eq!(
            pulje_app::mailer::deliver_due(&mut app.db.handle(), &mailer, &Default::default())
                .await
                .unwrap(),
            0
        );
        let now = pulje_store::now_utc();
        for m in app.outbox(None).await {
            assert!(m.sent_at.is_none(), "{m:?}");
            assert!(m.last_error.contains("midlertidigt utilgængelig"), "{m:?}");
            assert!(m.attempts >= 1, "{m:?}");
            assert!(m.next_attempt_at > now, "the next attempt is later: {m:?}");
        }
        let calls = mailer.calls.lock().unwrap().len();
        assert_eq!(calls, total_msgs);
        // Not due yet: nothing is tried.
        assert_eq!(
            pulje_app::mailer::deliver_due(&mut app.db.handle(), &mailer, &Default::default())
                .await
                .unwrap(),
            0
        );
        assert_eq!(mailer.calls.lock().unwrap().len(), calls);
        // A transition still works while the mail fails.
        let union_api = app.bearer(&union).await;
        expect_status(
            &union_api.transition(i64::from(id), &sign_step()).await,
            i64::from(id),
            "awaiting_signatures",
        );

        app.exec(
            "UPDATE outbox SET next_attempt_at = '2000-01-01T00:00:00Z' WHERE sent_at IS NULL",
        )
        .await;
        let attempts_before: std::collections::HashMap<i64, i64> = app
            .outbox(None)
            .await
            .into_iter()
            .map(|m| (m.id.get(), m.attempts))
            .collect();
        let sent =
            pulje_app::mailer::deliver_due(&mut app.db.handle(), &mailer, &Default::default())
                .await
                .unwrap();
        // Messages queued after the first round (none, as signing by union asks nobody) fail once more.
        assert_eq!(
            sent, total_msgs,
            "every failed message is sent on the later attempt"
        );
        for m in app.outbox(None).await {
            assert!(m.sent_at.is_some(), "{m:?}");
            assert_eq!(m.attempts, attempts_before[&m.id.get()] + 1, "{m:?}");
            assert_eq!(m.last_error, "", "{m:?}");
        }
        // Each mail links to the application with an absolute address.
        let bodies = mailer.bodies.lock().unwrap().clone();
        assert_eq!(bodies.len(), total_msgs);
        for body in &bodies {
            assert!(
                body.contains(&format!(
                    "http://127.0.0.1:8080/applications/{}",
                    i64::from(id)
                )),
                "{body}"
            );
            assert!(
                !body.contains(" /applications/") && !body.contains("\n/applications/"),
                "{body}"
            );
        }
        assert_eq!(
            pulje_app::mailer::deliver_due(&mut app.db.handle(), &mailer, &Default::default())
                .await
                .unwrap(),
            0,
            "nothing is sent twice"
        );
        let page = admin.get("/outbox").await;
        assert!(page.text().contains("Sendt "), "{}", page.text());
        assert!(!page.text().contains("Fejlet"), "{}", page.text());
    }
);

both_backends!(
    deadline_reminders_are_queued_once_per_round,
    |app| async move {
        let a1 = app.user(Role::Applicant, Some(NORDJYLLAND)).await;
        let a2 = app.user(Role::Applicant, Some(NORDJYLLAND)).await;
        let a3 = app.user(Role::Applicant, Some(NORDJYLLAND)).await;
        let midt = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let d1 = app
            .application(&a1, NORDJYLLAND, &titled("Kladde ét"))
            .await;
        let d2 = app
            .application(&a2, NORDJYLLAND, &titled("Kladde to"))
            .await;
        let sent = app
            .application(&a3, NORDJYLLAND, &titled("Allerede sendt"))
            .await;
        app.set_status(i64::from(sent.id), ApplicationStatus::Submitted, None)
            .await;
        app.application(&midt, MIDTJYLLAND, &titled("Midtjysk kladde"))
            .await;

        // 5. runde closes 1 March 2023.
        let week_before = date("2023-02-22");
        assert_eq!(
            pulje_app::mailer::queue_reminders(&mut app.db.handle(), date("2023-02-21"))
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            pulje_app::mailer::queue_reminders(&mut app.db.handle(), date("2023-02-23"))
                .await
                .unwrap(),
            0
        );
        assert!(app.outbox(None).await.is_empty());

        // Two instances at the same time: the reminders are queued once.
        let second = pulje_store::Db::connect(&app.db_url).await.unwrap();
        let (mut first_handle, mut second_handle) = (app.db.handle(), second.handle());
        let (x, y) = tokio::join!(
            pulje_app::mailer::queue_reminders(&mut first_handle, week_before),
            pulje_app::mailer::queue_reminders(&mut second_handle, week_before),
        );
        let (x, y) = (x.unwrap(), y.unwrap());
        assert_eq!(x + y, 2, "two drafts, one reminder each ({x} + {y})");
        assert!(x == 0 || y == 0, "one instance did the work ({x} + {y})");
        assert_eq!(
            pulje_app::mailer::queue_reminders(&mut app.db.handle(), week_before)
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            pulje_app::mailer::queue_reminders(&mut second.handle(), week_before)
                .await
                .unwrap(),
            0
        );
        second.close().await;

        let msgs = app.outbox(None).await;
        assert_eq!(msgs.len(), 2, "{msgs:?}");
        assert_eq!(
            recipients(&msgs, "deadline"),
            sorted(vec![a1.email.clone(), a2.email.clone()])
        );
        for m in &msgs {
            assert_eq!(m.region_code.map(|r| r.get()), Some(NORDJYLLAND));
            assert!(m.subject.contains("5. runde"), "{m:?}");
            assert!(m.body.contains("1. marts 2023"), "{m:?}");
        }
        let ids: Vec<Option<i64>> = msgs
            .iter()
            .map(|m| m.application_id.map(|a| a.get()))
            .collect();
        assert!(ids.contains(&Some(i64::from(d1.id))) && ids.contains(&Some(i64::from(d2.id))));
    }
);

// --- 8. meetings -----------------------------------------------------------------------------

fn meeting_id(r: &Resp) -> i64 {
    assert_eq!(r.status, 303, "{}", r.body);
    r.location()
        .and_then(|l| l.strip_prefix("/meetings/"))
        .and_then(|l| l.parse().ok())
        .unwrap_or_else(|| panic!("unexpected Location {:?}", r.location()))
}

both_backends!(
    a_meeting_decides_and_its_minutes_show_it,
    |app| async move {
        let author = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let mut sg = app.client_as(Role::SteeringGroup, Some(MIDTJYLLAND)).await;
        let mut nord_sg = app.client_as(Role::SteeringGroup, Some(NORDJYLLAND)).await;
        let a = app
            .ready_application(&author, "Forsøg til mødet", "2022-06-01", "2023-05-31")
            .await;
        let b = app
            .ready_application(&author, "Forsøg der afslås", "2022-06-01", "2023-05-31")
            .await;

        let r = sg
            .post_form(
                "/meetings",
                &[("held_on", "2022-05-10"), ("place", "Regionshuset Viborg")],
            )
            .await;
        let mid = meeting_id(&r);
        let page = sg.get(&format!("/meetings/{mid}")).await;
        assert_eq!(page.status, 200);
        let text = page.text();
        assert!(text.contains("Styregruppemøde 10. maj 2022"), "{text}");
        assert!(text.contains("Regionshuset Viborg"));
        assert!(
            text.contains(&format!("Forsøg til mødet (nr. {})", a.id)),
            "a candidate: {text}"
        );

        for id in [a.id, b.id] {
            let r = sg
                .post_form(
                    &format!("/meetings/{mid}/agenda"),
                    &[("application_id", &id.to_string())],
                )
                .await;
            assert_eq!(r.status, 303, "{}", r.body);
            assert_eq!(r.location(), Some(format!("/meetings/{mid}").as_str()));
        }
        let page = sg.get(&format!("/meetings/{mid}")).await;
        let rows = table_rows(&page.body);
        let row = rows
            .iter()
            .find(|r| r.first() == Some(&a.id.to_string()))
            .expect("on the agenda");
        assert_eq!(row[1], "Forsøg til mødet");
        assert_eq!(row.last().unwrap(), "Ikke afgjort");

        expect_status(
            &sg.transition(
                i64::from(a.id),
                &step(
                    "approve",
                    json!({"tier_ore": TIER_SMALL, "meeting_id": mid}),
                ),
            )
            .await,
            i64::from(a.id),
            "awaiting_signatures",
        );
        let reason = "Forsøget overlapper et eksisterende projekt.";
        expect_status(
            &sg.transition(
                i64::from(b.id),
                &step("reject", json!({"reason": reason, "meeting_id": mid})),
            )
            .await,
            i64::from(b.id),
            "rejected",
        );
        let mut conn = app.db.conn().await.unwrap();
        let decided: Vec<(i64, Option<i64>, String)> = sqlx::query_as(
            "SELECT application_id, meeting_id, kind FROM decisions ORDER BY application_id",
        )
        .fetch_all(&mut *conn)
        .await
        .unwrap();
        drop(conn);
        assert_eq!(
            decided,
            vec![
                (a.id.get(), Some(mid), "approve".to_string()),
                (b.id.get(), Some(mid), "reject".to_string())
            ]
        );

        let minutes = sg.get(&format!("/meetings/{mid}/minutes")).await;
        assert_eq!(minutes.status, 200);
        let text = minutes.text();
        assert!(
            text.contains("Beslutningsreferat – styregruppemøde 10. maj 2022"),
            "{text}"
        );
        let rows = table_rows(&minutes.body);
        let row_a = rows
            .iter()
            .find(|r| r.first() == Some(&a.id.to_string()))
            .expect("a in the minutes");
        assert_eq!(
            row_a.last().unwrap(),
            &format!("Godkendt med {} pr. år", kr(TIER_SMALL)),
            "{row_a:?}"
        );
        assert_eq!(row_a[4], "Afventer underskrifter");
        let row_b = rows
            .iter()
            .find(|r| r.first() == Some(&b.id.to_string()))
            .expect("b in the minutes");
        assert_eq!(
            row_b.last().unwrap(),
            &format!("Afslået: {reason}"),
            "{row_b:?}"
        );

        // Another region's meeting is not there.
        assert_eq!(nord_sg.get(&format!("/meetings/{mid}")).await.status, 404);
        assert_eq!(
            nord_sg
                .get(&format!("/meetings/{mid}/minutes"))
                .await
                .status,
            404
        );
        let c = app
            .ready_application(
                &author,
                "Forsøg på fremmed møde",
                "2022-06-01",
                "2023-05-31",
            )
            .await;
        let r = nord_sg
            .post_form(
                &format!("/meetings/{mid}/agenda"),
                &[("application_id", &c.id.to_string())],
            )
            .await;
        assert_eq!(r.status, 404);
        let r = nord_sg
            .post_form(
                "/meetings",
                &[
                    ("held_on", "2022-05-11"),
                    ("place", "Niels Bohrs Vej, Aalborg"),
                ],
            )
            .await;
        let nord_mid = meeting_id(&r);
        assert_eq!(
            sg.get(&format!("/meetings/{nord_mid}/minutes"))
                .await
                .status,
            404
        );
        // A 1082 application cannot go on a 1081 meeting's agenda, nor be decided at it.
        let r = nord_sg
            .post_form(
                &format!("/meetings/{nord_mid}/agenda"),
                &[("application_id", &c.id.to_string())],
            )
            .await;
        assert_eq!(r.status, 404);
        let before = snapshot(&app, i64::from(c.id)).await;
        let r = sg
            .transition(
                i64::from(c.id),
                &step(
                    "approve",
                    json!({"tier_ore": TIER_SMALL, "meeting_id": nord_mid}),
                ),
            )
            .await;
        let m = expect_refusal(&r, 422, "approve at another region's meeting");
        assert!(m.contains("Mødet"), "{m}");
        assert_eq!(snapshot(&app, i64::from(c.id)).await, before);
        // Applicants do not see meetings.
        let applicant = app.login(&author).await;
        assert_eq!(applicant.get(&format!("/meetings/{mid}")).await.status, 403);
    }
);

// --- signatures at the same time ---------------------------------------------------------------

both_backends!(
    the_last_two_signatures_at_the_same_time_make_the_agreement_active,
    |app| async move {
        let author = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let leader = app
            .bearer(&app.user(Role::Leader, Some(MIDTJYLLAND)).await)
            .await;
        let union = app
            .bearer(&app.user(Role::UnionRep, Some(MIDTJYLLAND)).await)
            .await;
        let admin = app
            .bearer(&app.user(Role::RegionAdmin, Some(MIDTJYLLAND)).await)
            .await;
        let doctor = app.bearer(&author).await;
        let mut ids = Vec::new();
        for _ in 0..6 {
            let a = fresh_in(&app, &author, ApplicationStatus::AwaitingSignatures).await;
            expect_status(
                &leader.transition(i64::from(a.id), &sign_step()).await,
                i64::from(a.id),
                "awaiting_signatures",
            );
            expect_status(
                &doctor.transition(i64::from(a.id), &sign_step()).await,
                i64::from(a.id),
                "awaiting_signatures",
            );
            ids.push(a.id);
        }
        let mut tasks = Vec::new();
        for &id in &ids {
            let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(2));
            for signer in [union.clone(), admin.clone()] {
                let barrier = barrier.clone();
                tasks.push(tokio::spawn(async move {
                    barrier.wait().await;
                    let r = signer.transition(i64::from(id), &sign_step()).await;
                    (id, r)
                }));
            }
        }
        for t in tasks {
            let (id, r) = t.await.unwrap();
            // Each signature either succeeds or is refused as a conflict; none is lost.
            assert!(
                r.status == 200 || r.status == 409,
                "{id}: {} {}",
                r.status,
                r.body
            );
        }
        let mut conn = app.db.conn().await.unwrap();
        for &id in &ids {
            let signed = pulje_store::workflow::signed_parties(&mut conn, id)
                .await
                .unwrap();
            let status = pulje_store::applications::get(&mut conn, id)
                .await
                .unwrap()
                .unwrap()
                .status;
            if signed.len() == 4 {
                assert_eq!(
                    status,
                    ApplicationStatus::Active,
                    "application {id}: all four parties have signed but the status is {status:?}"
                );
            } else {
                assert_eq!(status, ApplicationStatus::AwaitingSignatures);
            }
        }
    }
);
