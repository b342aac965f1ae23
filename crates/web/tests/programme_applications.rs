//! Applications of the programmes shipped as definitions, through the same API as OK21's: the
//! GP fund's continuing-education grant refused, appealed within its deadline and granted on
//! appeal by the steering group, paid when the documentation is approved; the health clusters'
//! joint funds granted by the political level and paid in two instalments, each shared 50/50
//! by the regions and the municipalities. Another region cannot read or step them.

#[macro_use]
mod common;

use common::*;
use pulje_domain::programme::Definition;
use pulje_domain::Role;
use pulje_store::programme_applications as store;
use pulje_store::Actor;
use reqwest::Method;
use serde_json::json;

both_backends!(
    a_refusal_is_appealed_granted_on_appeal_and_paid,
    |app| async move {
        let applicant = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let consultant = app.user(Role::Leader, Some(MIDTJYLLAND)).await;
        let steering = app.user(Role::SteeringGroup, Some(MIDTJYLLAND)).await;
        let region_admin = app.user(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
        install_shipped(
            &app,
            "almen-praksis-efteruddannelse",
            &[
                ("medical_consultant", &consultant),
                ("ce_steering_group", &steering),
            ],
        )
        .await;
        let (me, consultant_api, steering_api, admin_api) = (
            bearer(&app, &applicant).await,
            bearer(&app, &consultant).await,
            bearer(&app, &steering).await,
            bearer(&app, &region_admin).await,
        );

        // A field the form does not have, and a wrong amount, are refused by name.
        let mut wrong = gp_fields();
        wrong["amount"] = json!("mange penge");
        wrong["colour"] = json!("blå");
        let r = me
            .send_json(
                Method::POST,
                "/api/v1/applications",
                &json!({"programme": "almen-praksis-efteruddannelse", "fields": wrong}),
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        let e = r.json();
        assert!(
            e["fields"]["amount"].to_string().contains("Ansøgt tilskud"),
            "{e}"
        );
        assert!(e["fields"]["colour"].is_array(), "{e}");

        // A draft with a title only, then the whole form.
        let r = me
            .send_json(
                Method::POST,
                "/api/v1/applications",
                &json!({"programme": "almen-praksis-efteruddannelse", "fields": {"title": "Kursus"}}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        let created = r.json();
        let id = created["id"].as_i64().unwrap();
        assert_eq!(created["status"], "draft");
        assert_eq!(created["definition_version"], 1);

        // Submitting an incomplete form names what is missing.
        let r = transition(&me, id, json!({"action": "submit"})).await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body.contains("Relevans for praksis"), "{}", r.body);

        let r = me
            .send_json(
                Method::PUT,
                &format!("/api/v1/applications/{id}"),
                &json!({"version": 1, "fields": gp_fields()}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["fields"]["amount"], "12.500");
        assert_eq!(r.json()["title"], "Kursus i akut pædiatri");
        // Its programme and region stay.
        let r = me
            .send_json(
                Method::PUT,
                &format!("/api/v1/applications/{id}"),
                &json!({"version": 2, "region_code": NORDJYLLAND, "fields": gp_fields()}),
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(
            r.body.contains("Region og programme kan ikke ændres"),
            "{}",
            r.body
        );

        let r = transition(&me, id, json!({"action": "submit"})).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["status"], "submitted");

        // Only the medical consultant decides; a refusal needs a reason.
        let r = transition(
            &steering_api,
            id,
            json!({"action": "refuse", "reason": "Nej"}),
        )
        .await;
        assert_eq!(r.status, 403, "{}", r.body);
        let r = transition(&consultant_api, id, json!({"action": "refuse"})).await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body.contains("en begrundelse"), "{}", r.body);
        let r = transition(
            &consultant_api,
            id,
            json!({"action": "refuse", "reason": "Kurset ligger uden for fondens formål."}),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["status"], "refused");

        // The applicant appeals within the deadline; the steering group grants on appeal at a
        // meeting, with an amount.
        let r = transition(
            &me,
            id,
            json!({"action": "appeal", "reason": "Kurset er netop rettet mod almen praksis."}),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["status"], "appealed");
        let r = transition(
            &steering_api,
            id,
            json!({"action": "grant_on_appeal", "amount_ore": 1_250_000}),
        )
        .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body.contains("mødet"), "{}", r.body);
        let r = transition(
            &steering_api,
            id,
            json!({"action": "grant_on_appeal", "amount_ore": 1_250_000, "meeting": "Styregruppemøde 4. marts 2027"}),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["status"], "granted");

        // One instalment, due on documentation: not payable until the documentation is approved.
        let r = admin_api
            .get(&format!("/api/v1/applications/{id}/instalments"))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let list = r.json();
        assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
        assert_eq!(list[0]["amount_ore"], 1_250_000);
        assert_eq!(list[0]["payable"], false);
        let inst = list[0]["id"].as_i64().unwrap();
        let pay = format!("/api/v1/applications/{id}/instalments/{inst}/payment");
        let r = admin_api.send_json(Method::POST, &pay, &json!({})).await;
        assert_eq!(r.status, 409, "{}", r.body);

        let r = transition(&admin_api, id, json!({"action": "approve_documentation"})).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["status"], "documented");
        // Only the region's administrator pays.
        let r = consultant_api
            .send_json(Method::POST, &pay, &json!({}))
            .await;
        assert_eq!(r.status, 403, "{}", r.body);
        let r = admin_api.send_json(Method::POST, &pay, &json!({})).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let paid = r.json();
        assert_eq!(
            paid["shares"],
            json!([{"funder": "Regionerne (overenskomst om almen praksis)", "amount_ore": 1_250_000}])
        );
        let r = admin_api.send_json(Method::POST, &pay, &json!({})).await;
        assert_eq!(r.status, 409, "paid twice: {}", r.body);

        // The steps are audited with who took them.
        let mut conn = app.db.conn().await.unwrap();
        let taken = store::steps(&mut conn, pulje_domain::ApplicationId::new(id))
            .await
            .unwrap();
        let actions: Vec<&str> = taken.iter().map(|s| s.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "submit",
                "refuse",
                "appeal",
                "grant_on_appeal",
                "approve_documentation"
            ]
        );
        assert_eq!(taken[3].meeting, "Styregruppemøde 4. marts 2027");
    }
);

both_backends!(
    a_cluster_grant_is_paid_in_two_instalments_shared_by_the_funders,
    |app| async move {
        let applicant = app.user(Role::Leader, Some(MIDTJYLLAND)).await;
        let professional = app.user(Role::WorkingGroup, Some(MIDTJYLLAND)).await;
        let political = app.user(Role::SteeringGroup, Some(MIDTJYLLAND)).await;
        let region_admin = app.user(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
        let other_region = app.user(Role::RegionAdmin, Some(NORDJYLLAND)).await;
        install_shipped(
            &app,
            "sundhedsklynger-2022",
            &[
                ("professional_level", &professional),
                ("political_level", &political),
            ],
        )
        .await;
        let me = bearer(&app, &applicant).await;
        let fields = json!({
            "title": "Fælles akutteam i klyngen",
            "cluster": "Klynge Vest",
            "target_group": "Ældre medicinske patienter",
            "description": "Et team på tværs af sektorer.",
            "sectors": ["Region", "Kommune"],
            "contacts": [{"name": "Ane Holm", "role": "Projektleder"}],
            "amount": "1.000.001",
            "period": {"start": "2022-05-01", "end": "2023-04-30"}
        });
        let r = me
            .send_json(
                Method::POST,
                "/api/v1/applications",
                &json!({"programme": "sundhedsklynger-2022", "fields": fields}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        let id = r.json()["id"].as_i64().unwrap();

        // Another region's administrator sees nothing of it, and cannot step it.
        let outsider = bearer(&app, &other_region).await;
        let r = outsider.get(&format!("/api/v1/applications/{id}")).await;
        assert_eq!(r.status, 404, "{}", r.body);
        let r = transition(&outsider, id, json!({"action": "withdraw"})).await;
        assert_eq!(r.status, 404, "{}", r.body);
        let r = outsider
            .get(&format!("/api/v1/applications/{id}/instalments"))
            .await;
        assert_eq!(r.status, 404, "{}", r.body);

        // The budget is a file: without one the application cannot be sent in.
        let r = transition(&me, id, json!({"action": "submit"})).await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body.contains("«Budget»"), "{}", r.body);
        me.attach(id, "budget", "budget.pdf", b"%PDF-1.4 budget")
            .await;
        assert_eq!(
            transition(&me, id, json!({"action": "submit"}))
                .await
                .status,
            200
        );
        // The programme asks its reviewers to declare a conflict of interest (or none) before
        // they take a step (programme_review.rs tests it).
        let none = json!({"conflict": false});
        let declaration = format!("/api/v1/applications/{id}/review/declaration");
        let professional_api = bearer(&app, &professional).await;
        let r = professional_api
            .send_json(Method::PUT, &declaration, &none)
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let r = transition(
            &professional_api,
            id,
            json!({"action": "recommend", "comment": "Indstilles."}),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let political_api = bearer(&app, &political).await;
        let r = political_api
            .send_json(Method::PUT, &declaration, &none)
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let r = transition(
            &political_api,
            id,
            json!({"action": "grant", "amount_ore": 100_000_001, "meeting": "Politisk niveau 12. maj 2022"}),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);

        let admin_api = bearer(&app, &region_admin).await;
        let list = admin_api
            .get(&format!("/api/v1/applications/{id}/instalments"))
            .await
            .json();
        let amounts: Vec<i64> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["amount_ore"].as_i64().unwrap())
            .collect();
        assert_eq!(amounts, [50_000_000, 50_000_001]);
        let payable: Vec<bool> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["payable"].as_bool().unwrap())
            .collect();
        assert_eq!(payable, [true, false]);

        let first = list[0]["id"].as_i64().unwrap();
        // Nor pay it, by the API or the page, nor see its page or step it there.
        let r = outsider
            .send_json(
                Method::POST,
                &format!("/api/v1/applications/{id}/instalments/{first}/payment"),
                &json!({}),
            )
            .await;
        assert_eq!(r.status, 404, "{}", r.body);
        let mut outsider_page = app.login(&other_region).await;
        assert_eq!(
            outsider_page
                .get(&format!("/applications/{id}"))
                .await
                .status,
            404
        );
        for (path, pairs) in [
            (
                format!("/applications/{id}/instalments/{first}/payment"),
                vec![],
            ),
            (
                format!("/applications/{id}/transitions"),
                vec![("action", "complete")],
            ),
        ] {
            let r = outsider_page.post_form(&path, &pairs).await;
            assert_eq!(r.status, 404, "{path}: {}", r.body);
        }
        let r = admin_api
            .send_json(
                Method::POST,
                &format!("/api/v1/applications/{id}/instalments/{first}/payment"),
                &json!({}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(
            r.json()["shares"],
            json!([{"funder": "Regionerne", "amount_ore": 25_000_000}, {"funder": "Kommunerne", "amount_ore": 25_000_000}])
        );
        // The second falls due when the documentation is approved.
        assert_eq!(
            transition(&admin_api, id, json!({"action": "complete"}))
                .await
                .status,
            200
        );
        let second = list[1]["id"].as_i64().unwrap();
        let r = admin_api
            .send_json(
                Method::POST,
                &format!("/api/v1/applications/{id}/instalments/{second}/payment"),
                &json!({}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let shares = r.json()["shares"].clone();
        let sum: i64 = shares
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["amount_ore"].as_i64().unwrap())
            .sum();
        assert_eq!(sum, 50_000_001, "{shares}");

        let mut conn = app.db.conn().await.unwrap();
        let by_funder = store::paid_by_funder(&mut conn, "sundhedsklynger-2022", None)
            .await
            .unwrap();
        let total: i64 = by_funder.iter().map(|(_, a)| a.ore()).sum();
        assert_eq!(total, 100_000_001, "{by_funder:?}");
        assert_eq!(by_funder[0].0, "Regionerne");
    }
);

both_backends!(
    the_pages_show_the_form_and_take_the_programmes_steps,
    |app| async move {
        let applicant = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let consultant = app.user(Role::Leader, Some(MIDTJYLLAND)).await;
        install_shipped(
            &app,
            "almen-praksis-efteruddannelse",
            &[("medical_consultant", &consultant)],
        )
        .await;
        let r = bearer(&app, &applicant)
            .await
            .send_json(
                Method::POST,
                "/api/v1/applications",
                &json!({"programme": "almen-praksis-efteruddannelse", "fields": gp_fields()}),
            )
            .await;
        let id = r.json()["id"].as_i64().unwrap();

        let mut me = app.login(&applicant).await;
        let list = me.get("/applications").await;
        assert!(
            list.body.contains("Kursus i akut pædiatri"),
            "{}",
            list.body
        );
        let page = me.get(&format!("/applications/{id}")).await;
        assert_eq!(page.status, 200, "{}", page.body);
        for shown in [
            "Kladde",
            "Relevans for praksis",
            "12.500 kr.",
            "Søren Ærø (Praktiserende læge)",
            "Send ansøgningen",
        ] {
            assert!(page.body.contains(shown), "{shown}: {}", page.body);
        }
        let r = me
            .post_form(
                &format!("/applications/{id}/transitions"),
                &[("action", "submit")],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);

        // A refusal without a reason is shown again with the message; nothing is changed.
        let mut doctor = app.login(&consultant).await;
        let page = doctor.get(&format!("/applications/{id}")).await;
        assert!(
            page.body.contains("Giv afslag") && page.body.contains("Bevilg"),
            "{}",
            page.body
        );
        let r = doctor
            .post_form(
                &format!("/applications/{id}/transitions"),
                &[("action", "grant"), ("amount", "ti tusind")],
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(
            r.body.contains("ti tusind") && r.body.contains("Ikke udført"),
            "{}",
            r.body
        );
        let r = doctor
            .post_form(
                &format!("/applications/{id}/transitions"),
                &[("action", "grant"), ("amount", "10.000")],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let page = doctor.get(&format!("/applications/{id}?trin=grant")).await;
        assert!(
            page.body.contains("Status er nu «Bevilget»"),
            "{}",
            page.body
        );
        assert!(page.body.contains("10.000 kr."), "{}", page.body);
        // The list names the state as the programme's definition does.
        let list = me.get("/applications").await;
        assert!(list.body.contains("Bevilget"), "{}", list.body);
    }
);

both_backends!(
    a_programme_is_staffed_and_applied_for_in_the_browser,
    |app| async move {
        install_shipped(&app, "almen-praksis-efteruddannelse", &[]).await;
        let consultant = app.user(Role::Leader, Some(MIDTJYLLAND)).await;
        let programme = "/programmes/almen-praksis-efteruddannelse";

        // The system administrator seats the consultant; a region's administrator cannot.
        let mut region_admin = app.client_as(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
        let seat = [
            ("body", "medical_consultant"),
            ("email", consultant.email.as_str()),
        ];
        let r = region_admin
            .post_form(&format!("{programme}/organer"), &seat)
            .await;
        assert_eq!(r.status, 403, "{}", r.body);
        let mut admin = app.client_as(Role::Admin, None).await;
        let page = admin.get(programme).await;
        assert!(page.body.contains("Ingen medlemmer endnu"), "{}", page.body);
        let r = admin
            .post_form(&format!("{programme}/organer"), &seat)
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let r = admin
            .post_form(
                &format!("{programme}/organer"),
                &[
                    ("body", "medical_consultant"),
                    ("email", "ingen@example.dk"),
                ],
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body.contains("ingen@example.dk"), "{}", r.body);
        let page = admin.get(programme).await;
        assert!(page.body.contains(&consultant.email), "{}", page.body);

        // An applicant applies on the programme's own form; a wrong amount is shown again
        // as typed with its problem, and nothing is stored.
        let applicant = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let mut me = app.login(&applicant).await;
        let page = me.get(programme).await;
        assert!(page.body.contains("Søg i programmet"), "{}", page.body);
        let form = me.get(&format!("{programme}/ansoeg")).await;
        assert_eq!(form.status, 200, "{}", form.body);
        for input in [
            "name=\"course_dates.start\"",
            "name=\"participants.0.role\"",
            "Praktiserende læge",
        ] {
            assert!(form.body.contains(input), "{input}: {}", form.body);
        }
        let mut typed = vec![
            ("title", "Kursus i akut pædiatri"),
            ("practice", "Lægehuset ved Åen"),
            ("participants.0.name", "Søren Ærø"),
            ("participants.0.role", "Praktiserende læge"),
            ("participants.1.name", ""),
            ("participants.1.role", ""),
            ("course_dates.start", "2027-03-01"),
            ("course_dates.end", "2027-03-03"),
            ("relevance", "Praksis ser mange akut syge børn."),
            ("amount", "tolv tusind"),
        ];
        let r = me.post_form(&format!("{programme}/ansoeg"), &typed).await;
        assert_eq!(r.status, 422, "{}", r.body);
        for kept in ["tolv tusind", "Søren Ærø", "2027-03-03", "Ansøgt tilskud"] {
            assert!(r.body.contains(kept), "{kept}: {}", r.body);
        }
        let mut conn = app.db.conn().await.unwrap();
        assert!(store::seats(&mut conn, "almen-praksis-efteruddannelse")
            .await
            .unwrap()
            .iter()
            .any(|s| s.email == consultant.email));
        drop(conn);
        typed.pop();
        typed.push(("amount", "12.500"));
        let r = me.post_form(&format!("{programme}/ansoeg"), &typed).await;
        assert_eq!(r.status, 303, "{}", r.body);
        let shown = r.location().expect("a redirect").to_string();
        let page = me.get(&shown).await;
        assert!(page.body.contains("Ansøgningen er gemt."), "{}", page.body);
        assert!(page.body.contains("Ret ansøgningen"), "{}", page.body);
        let id = shown
            .trim_start_matches("/applications/")
            .split('?')
            .next()
            .unwrap()
            .to_string();

        // Changing it keeps the form's values in the form.
        let edit = me.get(&format!("/applications/{id}/edit")).await;
        assert_eq!(edit.status, 200, "{}", edit.body);
        assert!(edit.body.contains("value=\"12.500\""), "{}", edit.body);
        let mut changed = typed.clone();
        changed.push(("version", "1"));
        changed.retain(|(k, _)| *k != "title");
        changed.push(("title", "Kursus i akut pædiatri, 2. udgave"));
        let r = me.post_form(&format!("/applications/{id}"), &changed).await;
        assert_eq!(r.status, 303, "{}", r.body);
        // The same version again is stale: shown again with the message.
        let r = me.post_form(&format!("/applications/{id}"), &changed).await;
        assert_eq!(r.status, 409, "{}", r.body);
        assert!(r.body.contains("2. udgave"), "{}", r.body);

        // The seated consultant can now decide.
        let r = me
            .post_form(
                &format!("/applications/{id}/transitions"),
                &[("action", "submit")],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let doctor = app.login(&consultant).await;
        let page = doctor.get(&format!("/applications/{id}")).await;
        assert!(page.body.contains("Giv afslag"), "{}", page.body);
        assert!(!page.body.contains("Ret ansøgningen"), "{}", page.body);
    }
);

both_backends!(
    a_grant_larger_than_what_is_left_is_refused,
    |app| async move {
        // The GP fund has one tranche of 10.000.000 kr. and no regional pools: its grants
        // share the tranche.
        let applicant = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let other = app.user(Role::Applicant, Some(NORDJYLLAND)).await;
        let consultant = app.user(Role::Leader, Some(MIDTJYLLAND)).await;
        install_shipped(
            &app,
            "almen-praksis-efteruddannelse",
            &[("medical_consultant", &consultant)],
        )
        .await;
        let decider = bearer(&app, &consultant).await;
        let mut ids = Vec::new();
        for who in [&applicant, &other] {
            let me = bearer(&app, who).await;
            let r = me
                .send_json(
                    Method::POST,
                    "/api/v1/applications",
                    &json!({"programme": "almen-praksis-efteruddannelse", "fields": gp_fields()}),
                )
                .await;
            assert_eq!(r.status, 201, "{}", r.body);
            let id = r.json()["id"].as_i64().unwrap();
            assert_eq!(
                transition(&me, id, json!({"action": "submit"}))
                    .await
                    .status,
                200
            );
            ids.push(id);
        }

        let r = transition(
            &decider,
            ids[0],
            json!({"action": "grant", "amount_ore": 1_000_000_001_i64}),
        )
        .await;
        assert!(r.status == 409 || r.status == 422, "{}", r.body);
        assert!(
            r.body.contains(
                "er større end det, der er tilbage af puljen «Tilskud 2027»: 10.000.000 kr."
            ),
            "{}",
            r.body
        );
        let r = transition(
            &decider,
            ids[0],
            json!({"action": "grant", "amount_ore": 999_000_000_i64}),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);

        // What is left is 10.000 kr., whichever region applies.
        let r = transition(
            &decider,
            ids[1],
            json!({"action": "grant", "amount_ore": 1_000_001}),
        )
        .await;
        assert!(r.status == 409 || r.status == 422, "{}", r.body);
        assert!(r.body.contains("10.000 kr."), "{}", r.body);
        let mut conn = app.db.conn().await.unwrap();
        let app_row = store::get(&mut conn, pulje_domain::ApplicationId::new(ids[1]))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(app_row.state, "submitted", "nothing half-stored");
        drop(conn);
        let r = transition(
            &decider,
            ids[1],
            json!({"action": "grant", "amount_ore": 1_000_000}),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);

        // The programme's page: the whole programme's figures for the system administrator,
        // the region's own for a region's administrator; the fund has no regional pools.
        let page = "/programmes/almen-praksis-efteruddannelse";
        let admin = app.client_as(Role::Admin, None).await;
        let shown = admin.get(page).await.body;
        assert!(shown.contains("Ansøgninger modtages"), "{shown}");
        assert!(!shown.contains("Regionernes andele"), "{shown}");
        let row = |html: &str| {
            html.split("<td>Tilskud 2027</td>")
                .nth(1)
                .and_then(|rest| rest.split("</tr>").next())
                .map(|r| r.replace("<td class=\"num\">", "|").replace("</td>", ""))
                .unwrap_or_default()
        };
        assert_eq!(
            row(shown
                .split("Bevilget og udbetalt")
                .nth(1)
                .unwrap_or_default()),
            "|10.000.000 kr.|10.000.000 kr.|0 kr.|0 kr.",
            "{shown}"
        );
        let north = app.client_as(Role::RegionAdmin, Some(NORDJYLLAND)).await;
        let shown = north.get(page).await.body;
        assert!(
            shown.contains("Bevilget og udbetalt i Region Nordjylland"),
            "{shown}"
        );
        assert_eq!(
            row(shown
                .split("Bevilget og udbetalt")
                .nth(1)
                .unwrap_or_default()),
            "|10.000.000 kr.|10.000 kr.|0 kr.",
            "{shown}"
        );
    }
);

/// A small programme of our own whose grants are signed by the applicant and the region.
const SIGNED: &str = r#"
id = "underskrevet-pulje"
version = 1
name = "Pulje med underskrifter"
owner = "Region Midtjylland"

[[funders]]
name = "Regionen"
share_percent = 100

[window]
opens = "2026-01-01"
closes = "2027-12-31"
period_start = "2026-01-01"
period_end = "2028-12-31"

[split]
key = "equal"
units = [{ code = "1082", name = "Region Midtjylland" }]

[[tranches]]
name = "Midler"
start = "2026-01-01"
end = "2028-12-31"
amount_kr = 1000000

[applicants]
roles = ["applicant"]
organisation = "Afdeling"

[[form.sections]]
id = "a"
title = "Projektet"

[[form.sections.fields]]
name = "title"
label = "Titel"
kind = "text"
required = "always"

[workflow]
initial = "draft"
states = [
  { id = "draft", label = "Kladde", kind = "editable" },
  { id = "submitted", label = "Indsendt", kind = "open" },
  { id = "signing", label = "Afventer underskrifter", kind = "open" },
  { id = "active", label = "I gang", kind = "open" },
  { id = "ended", label = "Afsluttet", kind = "final" },
]

[[workflow.transitions]]
action = "submit"
label = "Send"
from = ["draft"]
to = "submitted"
by = ["applicant"]
requires = ["complete"]

[[workflow.transitions]]
action = "grant"
label = "Bevilg"
from = ["submitted"]
to = "signing"
by = ["region_admin"]
requires = ["amount"]
effect = "commit"

[[workflow.transitions]]
action = "sign"
label = "Skriv under"
from = ["signing"]
to = "active"
by = ["applicant", "region_admin"]
effect = "sign"

[[workflow.transitions]]
action = "end"
label = "Afslut"
from = ["active"]
to = "ended"
by = ["region_admin"]

[money]
kind = "lump_sum"
instalments = [{ share_percent = 100, due = "approval" }]

[[signatures]]
id = "projektleder"
label = "Projektleder"
who = "applicant"

[[signatures]]
id = "region"
label = "For regionen"
who = "region_admin"
"#;

both_backends!(
    a_grant_is_in_force_when_every_party_has_signed,
    |app| async move {
        let def = Definition::from_toml(SIGNED).expect("our definition reads");
        let mut tx = app.db.begin().await.unwrap();
        pulje_store::definitions::install(&mut tx, &Actor::system("test"), &def)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let applicant = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let region = app.user(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
        let leader = app.user(Role::Leader, Some(MIDTJYLLAND)).await;
        let (me, admin, other) = (
            bearer(&app, &applicant).await,
            bearer(&app, &region).await,
            bearer(&app, &leader).await,
        );
        let r = me
            .send_json(
                Method::POST,
                "/api/v1/applications",
                &json!({"programme": "underskrevet-pulje", "fields": {"title": "Fælles vagtplan"}}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        let id = r.json()["id"].as_i64().unwrap();
        assert_eq!(
            transition(&me, id, json!({"action": "submit"}))
                .await
                .status,
            200
        );
        let r = transition(
            &admin,
            id,
            json!({"action": "grant", "amount_ore": 5_000_000}),
        )
        .await;
        assert_eq!(r.json()["status"], "signing", "{}", r.body);

        // The applicant signs: the agreement waits for the region.
        let r = transition(&me, id, json!({"action": "sign"})).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["status"], "signing", "{}", r.body);
        // Not twice, and not by somebody who is no party.
        let r = transition(&me, id, json!({"action": "sign"})).await;
        assert_eq!(r.status, 409, "{}", r.body);
        assert!(r.body.contains("Projektleder"), "{}", r.body);
        let r = transition(&other, id, json!({"action": "sign"})).await;
        assert!(r.status == 403 || r.status == 404, "{}", r.body);
        let page = app.login(&applicant).await;
        let shown = page.get(&format!("/applications/{id}")).await.body;
        assert!(shown.contains("Underskrifter"), "{shown}");
        assert!(shown.contains(&applicant.user.name), "{shown}");
        assert!(shown.contains("mangler"), "{shown}");

        // The region signs last: now it is in force.
        let r = transition(&admin, id, json!({"action": "sign"})).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["status"], "active", "{}", r.body);
        let shown = page.get(&format!("/applications/{id}")).await.body;
        assert!(!shown.contains("mangler"), "{shown}");
        assert!(shown.contains(&region.user.name), "{shown}");
        let mut conn = app.db.conn().await.unwrap();
        let signed = store::signatures(&mut conn, pulje_domain::ApplicationId::new(id))
            .await
            .unwrap();
        let parties: Vec<&str> = signed.iter().map(|s| s.party.as_str()).collect();
        assert_eq!(parties.len(), 2);
        assert!(parties.contains(&"projektleder") && parties.contains(&"region"));
    }
);

both_backends!(
    a_regions_report_on_a_programme_is_written_by_its_administrator,
    |app| async move {
        install_shipped(&app, "sundhedsklynger-2022", &[]).await;
        let page = format!("/programmes/sundhedsklynger-2022/rapport/{MIDTJYLLAND}");
        let mut admin = app.client_as(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
        let shown = admin.get(&page).await;
        assert_eq!(shown.status, 200, "{}", shown.body);
        for part in [
            "Overblik over bevillingerne",
            "Resultater og forankring",
            "Ingen ansøgninger endnu",
        ] {
            assert!(shown.body.contains(part), "{part}: {}", shown.body);
        }
        let programme = admin.get("/programmes/sundhedsklynger-2022").await.body;
        assert!(programme.contains(&page), "{programme}");

        // Too long: refused with the typed text kept; nothing stored.
        let long = "x".repeat(20_001);
        let r = admin
            .post_form(
                &page,
                &[
                    ("section.overview", "Tre klynger har fået midler."),
                    ("section.results", &long),
                ],
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body.contains("højst være 20000 tegn"), "{}", r.body);
        assert!(
            r.body.contains("Tre klynger har fået midler."),
            "{}",
            r.body
        );
        let r = admin
            .post_form(
                &page,
                &[
                    ("section.overview", "Tre klynger har fået midler."),
                    ("section.results", "To indsatser fortsætter i drift."),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let shown = admin.get(r.location().unwrap()).await.body;
        assert!(shown.contains("Rapporten er gemt."), "{shown}");
        assert!(
            shown.contains("To indsatser fortsætter i drift."),
            "{shown}"
        );

        // Read by the national viewer and the region's steering group; not written by them.
        let national = app.client_as(Role::NationalViewer, None).await;
        let shown = national.get(&page).await;
        assert_eq!(shown.status, 200, "{}", shown.body);
        assert!(
            shown.body.contains("To indsatser fortsætter i drift."),
            "{}",
            shown.body
        );
        assert!(!shown.body.contains("<textarea"), "{}", shown.body);
        let mut steering = app.client_as(Role::SteeringGroup, Some(MIDTJYLLAND)).await;
        let r = steering
            .post_form(&page, &[("section.overview", "Ændret")])
            .await;
        assert_eq!(r.status, 403, "{}", r.body);
        // Applicants do not read it; another region does not find it.
        let applicant = app.client_as(Role::Applicant, Some(MIDTJYLLAND)).await;
        assert_eq!(applicant.get(&page).await.status, 403);
        let mut north = app.client_as(Role::RegionAdmin, Some(NORDJYLLAND)).await;
        assert_eq!(north.get(&page).await.status, 404);
        let r = north
            .post_form(&page, &[("section.overview", "Ændret")])
            .await;
        assert_eq!(r.status, 404, "{}", r.body);
        // A programme without report sections, and OK21, have no such page.
        let r = admin
            .get(&format!("/programmes/ok21/rapport/{MIDTJYLLAND}"))
            .await;
        assert_eq!(r.status, 404, "{}", r.body);

        let mut conn = app.db.conn().await.unwrap();
        let audited: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE entity = 'programme_report'")
                .fetch_one(&mut *conn)
                .await
                .unwrap();
        assert_eq!(audited, 1);
    }
);
