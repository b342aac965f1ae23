//! The programme's time rules: a round lies inside the programme's application window; an
//! approval that starts before the decision, or whose months fall in a closed tranche or outside
//! every tranche, needs the steering group's reason, which the agreement and the report show;
//! months before an agreement's activation are paid only when the region has written why.

#[macro_use]
mod common;

use common::*;
use pulje_domain::{ApplicationStatus, Role};
use serde_json::json;

both_backends!(
    an_approval_years_after_the_tranches_closed_needs_the_steering_groups_reason,
    |app| async move {
        let author = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let sg_user = app.user(Role::SteeringGroup, Some(MIDTJYLLAND)).await;
        let sg = app.bearer(&sg_user).await;
        let a = app
            .ready_application(&author, "Sent forsøg", "2023-04-01", "2023-12-31")
            .await;
        let id = i64::from(a.id);

        // The decision form warns before the steering group decides.
        let page = app.login(&sg_user).await;
        let shown = page.get(&format!("/applications/{id}")).await;
        assert_eq!(shown.status, 200);
        let text = shown.text();
        assert!(
            text.contains("Godkendes forsøget i dag, er det en undtagelse"),
            "{text}"
        );
        assert!(
            text.contains("Forsøget starter 1. april 2023, før beslutningen"),
            "{text}"
        );
        assert!(
            text.contains("9 måneder ligger i «2. pulje (2023)», som lukkede 31. marts 2024."),
            "{text}"
        );

        // Decided today without a reason: refused, nothing stored.
        let r = sg
            .transition(id, &step("approve", json!({ "tier_ore": TIER_SMALL })))
            .await;
        let message = expect_refusal(&r, 409, "approval without a reason");
        assert!(
            message.contains("undtagelse fra programmets tidsregler"),
            "{message}"
        );
        assert!(message.contains("lukkede 31. marts 2024"), "{message}");
        let still = app.get_application(id).await;
        assert_eq!(still.status, ApplicationStatus::ReadyForDecision);
        assert!(app.agreement_months(id).await.is_empty());

        // With the reason: approved, and the exceptions and the reason are kept.
        let reason = "Afdelingen ventede på en ny overlæge; parterne har aftalt forsøget uændret.";
        expect_status(
            &sg.transition(
                id,
                &step(
                    "approve",
                    json!({ "tier_ore": TIER_SMALL, "exception_reason": reason }),
                ),
            )
            .await,
            id,
            "awaiting_signatures",
        );
        let approved = app.get_application(id).await;
        assert_eq!(approved.exception_reason, reason);
        assert_eq!(approved.exceptions.len(), 2, "{:?}", approved.exceptions);
        assert!(approved.exceptions[0].starts_with("Forsøget starter 1. april 2023"));

        // The agreement shows them, its PDF too, and so does the region's report.
        let shown = page.get(&format!("/applications/{id}")).await;
        let text = shown.text();
        assert!(text.contains("Godkendt som undtagelse"), "{text}");
        assert!(text.contains(reason), "{text}");
        let r = page
            .http
            .get(page.url(&format!("/applications/{id}/agreement.pdf")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let pdf_text = pulje_pdf::extract_text(&r.bytes().await.unwrap());
        assert!(pdf_text.contains("Godkendt som undtagelse"), "{pdf_text}");
        let admin = app
            .bearer(&app.user(Role::RegionAdmin, Some(MIDTJYLLAND)).await)
            .await;
        let report = admin
            .get(&format!("/api/v1/reports/regional/{MIDTJYLLAND}"))
            .await;
        assert_eq!(report.status, 200, "{}", report.body);
        let listed = &report.json()["exceptions"];
        assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
        assert_eq!(listed[0]["application_id"], id);
        assert_eq!(listed[0]["reason"], reason);
    }
);

both_backends!(
    an_approval_decided_at_a_meeting_before_the_start_keeps_the_rules,
    |app| async move {
        let author = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let sg = app
            .bearer(&app.user(Role::SteeringGroup, Some(MIDTJYLLAND)).await)
            .await;
        let a = app
            .ready_application(&author, "Rettidigt forsøg", "2022-04-01", "2023-03-31")
            .await;
        let id = i64::from(a.id);
        let meeting = app.decision_meeting(MIDTJYLLAND).await;
        expect_status(
            &sg.transition(
                id,
                &step(
                    "approve",
                    json!({ "tier_ore": TIER_SMALL, "meeting_id": meeting }),
                ),
            )
            .await,
            id,
            "awaiting_signatures",
        );
        let approved = app.get_application(id).await;
        assert!(approved.exceptions.is_empty(), "{:?}", approved.exceptions);
        assert_eq!(approved.exception_reason, "");
    }
);

both_backends!(
    a_round_outside_the_programmes_application_window_is_refused,
    |app| async move {
        let admin = app
            .bearer(&app.user(Role::RegionAdmin, Some(MIDTJYLLAND)).await)
            .await;
        // OK21's window: 15 September 2021 to 31 May 2023.
        let r = admin
            .send_json(
                reqwest::Method::POST,
                "/api/v1/rounds",
                &json!({
                    "programme_id": "ok21",
                    "region_code": MIDTJYLLAND,
                    "name": "Efterårsrunden 2027",
                    "opens_on": "2027-09-01",
                    "deadline": "2027-10-01"
                }),
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(
            r.body.contains(
                "inden for programmets ansøgningsvindue, 15. september 2021 – 31. maj 2023"
            ),
            "{}",
            r.body
        );
        let r = admin
            .send_json(
                reqwest::Method::POST,
                "/api/v1/rounds",
                &json!({
                    "programme_id": "ok21",
                    "region_code": MIDTJYLLAND,
                    "name": "Ekstra runde",
                    "opens_on": "2023-04-01",
                    "deadline": "2023-05-31"
                }),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
);

both_backends!(
    months_before_the_activation_wait_for_a_backpay_reason,
    |app| async move {
        let author = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let admin_user = app.user(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
        let mut admin = app.login(&admin_user).await;
        let input = app
            .complete_input(
                MIDTJYLLAND,
                "Forsøg med sen underskrift",
                TIER_SMALL,
                "2022-04-01",
                "2023-03-31",
            )
            .await;
        let id = app.approved_application(&author, MIDTJYLLAND, &input).await;
        // The last signature came on 15 October 2022: April–September lie before it.
        app.set_status(id, ApplicationStatus::Active, None).await;
        app.exec(&format!(
            "UPDATE applications SET activated_on = '2022-10-15' WHERE id = {id}"
        ))
        .await;
        let months = app.agreement_months(id).await;
        assert_eq!(months.len(), 12);

        // The payments page says what is held back and where to write why.
        let page = admin.get(&format!("/regions/{MIDTJYLLAND}/payments")).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let text = page.text();
        assert!(
            text.contains("Holdt tilbage: måneder før aktiveringen"),
            "{text}"
        );
        assert!(text.contains("Forsøg med sen underskrift"), "{text}");
        assert!(page.body.contains(&format!("/applications/{id}/payroll")));

        // A batch up to March 2023 pays October–March only.
        let batches = format!("/regions/{MIDTJYLLAND}/payments/batches");
        let r = admin.post_form(&batches, &[("up_to", "2023-03-31")]).await;
        assert_eq!(r.status, 303, "{}", r.body);
        let first = r.location().expect("to the batch").to_string();
        let paid: Vec<String> = {
            let mut conn = app.db.conn().await.unwrap();
            sqlx::query_scalar(&format!(
                "SELECT month FROM postings WHERE application_id = {id} ORDER BY month"
            ))
            .fetch_all(&mut *conn)
            .await
            .unwrap()
        };
        assert_eq!(paid.len(), 6, "{paid:?}");
        assert_eq!(paid[0], "2022-10-01");
        let r = admin.post_form(&format!("{first}/sent"), &[]).await;
        // Sending needs an employee number; type it, then send.
        if r.status != 303 {
            let r = admin
                .post_form(
                    &format!("/applications/{id}/payroll"),
                    &[("employee_number", "1234"), ("cost_centre", "")],
                )
                .await;
            assert_eq!(r.status, 303, "{}", r.body);
            let r = admin.post_form(&format!("{first}/sent"), &[]).await;
            assert_eq!(r.status, 303, "{}", r.body);
        }

        // Nothing else is due: the refusal names the held-back months.
        let r = admin.post_form(&batches, &[("up_to", "2023-03-31")]).await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(
            r.text().contains("1 aftale har måneder før aktiveringen"),
            "{}",
            r.text()
        );

        // The payroll page shows the six early months; the reason is written and audited.
        let shown = admin.get(&format!("/applications/{id}/payroll")).await;
        let text = shown.text();
        assert!(
            text.contains("Aftalen blev aktiv 15. oktober 2022. 6 måneder fra april 2022"),
            "{text}"
        );
        let reason = "Aftalen blev mundtligt indgået 1. april; underskrifterne blev forsinket.";
        let r = admin
            .post_form(
                &format!("/applications/{id}/payroll"),
                &[
                    ("employee_number", "1234"),
                    ("cost_centre", ""),
                    ("backpay_reason", reason),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(app.get_application(id).await.backpay_reason, reason);
        assert!(app
            .audit_of(id)
            .await
            .iter()
            .any(|e| e.action == "update"
                && e.after_json.as_deref().is_some_and(|a| a.contains(reason))));

        // Now the next batch pays the six early months.
        let r = admin.post_form(&batches, &[("up_to", "2023-03-31")]).await;
        assert_eq!(r.status, 303, "{}", r.body);
        let all: i64 = app
            .scalar_i64(&format!(
                "SELECT COUNT(*) FROM postings WHERE application_id = {id}"
            ))
            .await;
        assert_eq!(all, 12);
        let page = admin.get(&format!("/regions/{MIDTJYLLAND}/payments")).await;
        assert!(!page.text().contains("Holdt tilbage"), "{}", page.text());
        // The agreement says why.
        let shown = admin.get(&format!("/applications/{id}")).await;
        assert!(shown.text().contains("Begrundelse for efterbetaling"));
        assert!(shown.text().contains(reason));
    }
);

both_backends!(
    the_last_signature_records_the_activation_day,
    |app| async move {
        let author = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let leader = app.user(Role::Leader, Some(MIDTJYLLAND)).await;
        let union = app.user(Role::UnionRep, Some(MIDTJYLLAND)).await;
        let admin = app.user(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
        let input = app
            .complete_input(
                MIDTJYLLAND,
                "Underskrevet forsøg",
                TIER_SMALL,
                "2022-04-01",
                "2023-03-31",
            )
            .await;
        let id = app.approved_application(&author, MIDTJYLLAND, &input).await;
        pulje_testkit::bind_parties(
            app.db.db(),
            &admin.user,
            pulje_domain::ApplicationId::new(id),
            [&leader.user, &author.user, &union.user, &admin.user],
        )
        .await;
        for signer in [&leader, &author, &union, &admin] {
            let r = app.bearer(signer).await.transition(id, &sign_step()).await;
            assert_eq!(r.status, 200, "{}", r.body);
        }
        let a = app.get_application(id).await;
        assert_eq!(a.status, ApplicationStatus::Active);
        assert_eq!(a.activated_on, Some(pulje_domain::date::today_in_denmark()));
    }
);
