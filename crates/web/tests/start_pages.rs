//! Each person's start page, "Mine opgaver": the applicant's returned applications (the reason
//! first), drafts, signatures and evaluations; the working group's queue; the steering group's
//! next meeting and what is ready without one; the signing parties' agreements awaiting their
//! own signature (and no longer once given); the region administrator's rounds, payroll,
//! missing evaluations and agreements ending; steps of programmes defined as data waiting for a
//! body's member or for an appeal; the national roles' regions side by side. Nothing of another
//! region or another applicant shows.

#[macro_use]
mod common;

use common::*;
use pulje_domain::{ApplicationStatus, Role};
use serde_json::json;

/// The start page's section whose heading begins with `heading`: its HTML, or `None`.
fn section(html: &str, heading: &str) -> Option<String> {
    let at = html.find(&format!("\">{heading}"))?;
    let rest = &html[at..];
    Some(rest[..rest.find("</section>")?].to_string())
}

/// The start page of `client`.
async fn start(client: &Client) -> String {
    let r = client.get("/").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("<h1>Mine opgaver</h1>"), "{}", r.body);
    r.body
}

const START: &str = "2022-04-01";
const END: &str = "2023-03-31";

both_backends!(
    the_applicant_sees_returned_drafts_signatures_and_evaluations,
    |app| async move {
        let me = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let other = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let mut page = app.login(&me).await;
        let mut wg = app.client_as(Role::WorkingGroup, Some(MIDTJYLLAND)).await;

        let draft = app
            .application(&me, MIDTJYLLAND, &titled("Min kladde"))
            .await;
        app.application(&other, MIDTJYLLAND, &titled("Andens kladde"))
            .await;
        let returned = app
            .complete_application(&me, MIDTJYLLAND, "Skal rettes", TIER_MEDIUM, START, END)
            .await;
        let id = i64::from(returned.id);
        expect_status(
            &page.transition(id, &step("submit", json!({}))).await,
            id,
            "submitted",
        );
        let reason = "Beskriv i B2, hvordan forsøget evalueres.";
        expect_status(
            &wg.transition(id, &step("return", json!({ "comment": reason })))
                .await,
            id,
            "returned",
        );
        let to_sign = app
            .complete_application(
                &me,
                MIDTJYLLAND,
                "Klar til underskrift",
                TIER_MEDIUM,
                START,
                END,
            )
            .await;
        let sign_id = i64::from(to_sign.id);
        app.set_status(sign_id, ApplicationStatus::AwaitingSignatures, None)
            .await;
        let ended = app
            .complete_application(
                &me,
                MIDTJYLLAND,
                "Afsluttet forsøg",
                TIER_MEDIUM,
                "2022-04-01",
                "2023-03-31",
            )
            .await;
        app.set_status(i64::from(ended.id), ApplicationStatus::Ended, None)
            .await;

        let html = start(&page).await;
        assert!(
            html.contains("href=\"/applications/new\""),
            "«Ny ansøgning»"
        );
        let back = section(&html, "Sendt retur til dig").expect("returned");
        assert!(
            back.contains("Skal rettes") && back.contains(reason),
            "{back}"
        );
        assert!(
            back.find(reason) < back.find("Skal rettes"),
            "the reason comes first: {back}"
        );
        assert!(back.contains(&format!("/applications/{id}/edit")), "{back}");
        let drafts = section(&html, "Dine kladder").expect("drafts");
        assert!(drafts.contains("Min kladde"), "{drafts}");
        assert!(drafts.contains(&format!("/applications/{}/edit", i64::from(draft.id))));
        assert!(!html.contains("Andens kladde"), "another applicant's draft");
        let sign = section(&html, "Afventer din underskrift").expect("signatures");
        assert!(sign.contains("Klar til underskrift"), "{sign}");
        let evaluations = section(&html, "Evalueringer").expect("evaluations");
        assert!(
            evaluations.contains("Afsluttet forsøg")
                && evaluations.contains("Frist 31. marts 2023 (overskredet)"),
            "{evaluations}"
        );

        // Signed (once the region's administrator has bound the parties): no longer waiting for
        // the applicant.
        for role in [Role::Leader, Role::UnionRep, Role::RegionAdmin] {
            app.user(role, Some(MIDTJYLLAND)).await;
        }
        app.bind_proposed(sign_id).await;
        let r = page.transition(sign_id, &sign_step()).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let html = start(&page).await;
        let sign = section(&html, "Afventer din underskrift").expect("signatures");
        assert!(!sign.contains("Klar til underskrift"), "{sign}");
        assert!(sign.contains("Ingen aftaler venter på din underskrift."));
    }
);

both_backends!(
    the_groups_see_their_queues_and_the_parties_what_they_have_not_signed,
    |app| async move {
        let writer = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let north_writer = app.user(Role::Applicant, Some(NORDJYLLAND)).await;
        let mut writer_page = app.login(&writer).await;
        let mut wg = app.client_as(Role::WorkingGroup, Some(MIDTJYLLAND)).await;

        // The working group's queue: submitted in its region, a returned one that came back
        // marked as such; another region's not at all.
        let first = app
            .complete_application(
                &writer,
                MIDTJYLLAND,
                "Første indsendte",
                TIER_MEDIUM,
                START,
                END,
            )
            .await;
        let again = app
            .complete_application(&writer, MIDTJYLLAND, "Kommet igen", TIER_MEDIUM, START, END)
            .await;
        let north = app
            .application(&north_writer, NORDJYLLAND, &titled("Nordjysk"))
            .await;
        for a in [&first, &again] {
            let id = i64::from(a.id);
            expect_status(
                &writer_page.transition(id, &step("submit", json!({}))).await,
                id,
                "submitted",
            );
        }
        app.set_status(i64::from(north.id), ApplicationStatus::Submitted, None)
            .await;
        let id = i64::from(again.id);
        expect_status(
            &wg.transition(id, &step("return", json!({"comment": "Ret B6."})))
                .await,
            id,
            "returned",
        );
        expect_status(
            &writer_page.transition(id, &step("submit", json!({}))).await,
            id,
            "submitted",
        );
        let html = start(&wg).await;
        let queue = section(&html, "Til behandling i arbejdsgruppen").expect("queue");
        assert!(queue.contains("Første indsendte"), "{queue}");
        assert!(queue.contains("Kommet tilbage efter rettelse"), "{queue}");
        assert!(!html.contains("Nordjysk"), "another region's");

        // The steering group: ready without a meeting, then on the next meeting's agenda.
        let mut sg = app.client_as(Role::SteeringGroup, Some(MIDTJYLLAND)).await;
        let ready = app
            .ready_application(&writer, "Klar til styregruppen", START, END)
            .await;
        let html = start(&sg).await;
        let waiting = section(&html, "Klar til beslutning, ikke på en dagsorden").expect("ready");
        assert!(waiting.contains("Klar til styregruppen"), "{waiting}");
        let day = (pulje_domain::date::today_in_denmark() + chrono::Days::new(14)).to_string();
        let r = sg
            .post_form(
                "/meetings",
                &[("held_on", day.as_str()), ("place", "Regionshuset")],
            )
            .await;
        assert!(r.status == 303 || r.status == 200, "{}", r.body);
        let meeting: i64 = {
            let mut conn = app.db.conn().await.expect("conn");
            sqlx::query_scalar("SELECT MAX(id) FROM meetings")
                .fetch_one(&mut *conn)
                .await
                .expect("a meeting")
        };
        let r = sg
            .post_form(
                &format!("/meetings/{meeting}/agenda"),
                &[("application_id", i64::from(ready.id).to_string().as_str())],
            )
            .await;
        assert!(r.status == 303 || r.status == 200, "{}", r.body);
        let html = start(&sg).await;
        let next = section(&html, "Næste møde").expect("the next meeting");
        assert!(
            next.contains("Klar til styregruppen") && next.contains("Regionshuset"),
            "{next}"
        );
        let waiting = section(&html, "Klar til beslutning, ikke på en dagsorden").expect("ready");
        assert!(!waiting.contains("Klar til styregruppen"), "{waiting}");

        // The parties: each sees an agreement until their own party has signed.
        let agreement = app
            .complete_application(
                &writer,
                MIDTJYLLAND,
                "Til underskrift",
                TIER_MEDIUM,
                START,
                END,
            )
            .await;
        let aid = i64::from(agreement.id);
        app.set_status(aid, ApplicationStatus::AwaitingSignatures, None)
            .await;
        let mut union = app.client_as(Role::UnionRep, Some(MIDTJYLLAND)).await;
        let leader = app.client_as(Role::Leader, Some(MIDTJYLLAND)).await;
        let region_admin = app.client_as(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
        let north_union = app.client_as(Role::UnionRep, Some(NORDJYLLAND)).await;
        app.bind_proposed(aid).await;
        for (client, heading) in [
            (&union, "Afventer din underskrift for Yngre Læger"),
            (&leader, "Afventer din underskrift som ledende overlæge"),
            (&region_admin, "Afventer regionens underskrift"),
        ] {
            let html = start(client).await;
            let list = section(&html, heading).expect(heading);
            assert!(list.contains("Til underskrift"), "{heading}: {list}");
        }
        assert!(!start(&north_union).await.contains("Til underskrift"));
        let r = union.transition(aid, &sign_step()).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let html = start(&union).await;
        let list = section(&html, "Afventer din underskrift for Yngre Læger").expect("list");
        assert!(!list.contains("Til underskrift"), "{list}");
        let html = start(&leader).await;
        assert!(
            section(&html, "Afventer din underskrift som ledende overlæge")
                .expect("list")
                .contains("Til underskrift")
        );
    }
);

both_backends!(
    the_region_administrator_sees_rounds_payroll_evaluations_and_endings,
    |app| async move {
        let writer = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let admin = app.client_as(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
        let today = pulje_domain::date::today_in_denmark();
        let deadline = today + chrono::Days::new(20);
        app.create_round(MIDTJYLLAND, "Forårsrunden", today, deadline)
            .await;
        let ending = app
            .complete_application(
                &writer,
                MIDTJYLLAND,
                "Slutter snart",
                TIER_MEDIUM,
                START,
                END,
            )
            .await;
        // Its end moved into the coming weeks (OK21's own dates are long past).
        app.exec(&format!(
            "UPDATE applications SET end_date = '{}' WHERE id = {}",
            today + chrono::Days::new(30),
            i64::from(ending.id)
        ))
        .await;
        app.set_status(i64::from(ending.id), ApplicationStatus::Active, None)
            .await;
        let over = app
            .complete_application(
                &writer,
                MIDTJYLLAND,
                "Uden evaluering",
                TIER_MEDIUM,
                "2022-04-01",
                "2023-03-31",
            )
            .await;
        app.set_status(i64::from(over.id), ApplicationStatus::Ended, None)
            .await;

        let html = start(&admin).await;
        let rounds = section(&html, "Ansøgningsrunder og frister").expect("rounds");
        assert!(
            rounds.contains("Forårsrunden")
                && rounds.contains(&format!(
                    "Frist {}",
                    pulje_domain::date::format_date_da(deadline)
                )),
            "{rounds}"
        );
        let endings = section(&html, "Aftaler, der slutter inden for 60 dage").expect("endings");
        assert!(endings.contains("Slutter snart"), "{endings}");
        let missing = section(&html, "Evalueringer, der mangler").expect("evaluations");
        assert!(
            missing.contains("Uden evaluering") && missing.contains("overskredet"),
            "{missing}"
        );
        assert!(!missing.contains("Slutter snart"), "not due yet: {missing}");
        assert!(section(&html, "Udbetalinger").is_some());

        // Another region's administrator sees none of it.
        let north = app.client_as(Role::RegionAdmin, Some(NORDJYLLAND)).await;
        let html = start(&north).await;
        for title in ["Forårsrunden", "Slutter snart", "Uden evaluering"] {
            assert!(!html.contains(title), "{title}");
        }

        // The national roles: the regions side by side.
        for role in [Role::NationalViewer, Role::Admin] {
            let client = app.client_as(role, None).await;
            let html = start(&client).await;
            assert!(html.contains("Regionerne side om side"));
            for code in [1081, 1082, 1083, 1084, 1085] {
                assert!(
                    html.contains(&format!("href=\"/regions/{code}\"")),
                    "{code}"
                );
            }
            let rows = table_rows(&html);
            let mid = rows
                .iter()
                .find(|r| r[0] == "Region Midtjylland")
                .expect("Midtjylland's row");
            assert_eq!(mid[4], "1", "one active agreement: {mid:?}");
        }
    }
);

both_backends!(
    steps_of_programmes_defined_as_data_wait_for_their_takers,
    |app| async move {
        let applicant = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let consultant = app.user(Role::Leader, Some(MIDTJYLLAND)).await;
        install_shipped(
            &app,
            "almen-praksis-efteruddannelse",
            &[("medical_consultant", &consultant)],
        )
        .await;
        let me = bearer(&app, &applicant).await;
        let r = me
            .send_json(
                reqwest::Method::POST,
                "/api/v1/applications",
                &json!({"programme": "almen-praksis-efteruddannelse", "fields": gp_fields()}),
            )
            .await;
        let id = r.json()["id"].as_i64().unwrap();
        let applicant_page = app.login(&applicant).await;
        let html = start(&applicant_page).await;
        let drafts = section(&html, "Dine kladder").expect("drafts");
        let closes = pulje_domain::date::today_in_denmark() + chrono::Days::new(365);
        assert!(
            drafts.contains("Kursus i akut pædiatri")
                && drafts.contains(&format!(
                    "Frist {}",
                    pulje_domain::date::format_date_da(closes)
                )),
            "the programme's deadline: {drafts}"
        );
        assert_eq!(
            transition(&me, id, json!({"action": "submit"}))
                .await
                .status,
            200
        );

        let consultant_page = app.login(&consultant).await;
        let html = start(&consultant_page).await;
        let waiting = section(&html, "Venter på dig i programmernes ansøgninger").expect("steps");
        assert!(
            waiting.contains("Kursus i akut pædiatri") && waiting.contains("Bevilg"),
            "{waiting}"
        );
        let consultant_api = bearer(&app, &consultant).await;
        let r = transition(
            &consultant_api,
            id,
            json!({"action": "refuse", "reason": "Kurset er ikke klinisk relevant."}),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let html = start(&consultant_page).await;
        assert!(section(&html, "Venter på dig i programmernes ansøgninger").is_none());

        // The refusal can be appealed within 42 days: the applicant sees it with its deadline.
        let html = start(&applicant_page).await;
        let now = section(&html, "Du kan gøre nu").expect("the appeal");
        let deadline = pulje_domain::date::today_in_denmark() + chrono::Days::new(42);
        assert!(
            now.contains("Anke afslaget")
                && now.contains(&pulje_domain::date::format_date_da(deadline)),
            "{now}"
        );
    }
);
