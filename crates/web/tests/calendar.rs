//! A person's calendar feed: made on "Min konto", read by a calendar program without a login
//! through its secret address, parsed here with an iCalendar library: the region's round
//! deadlines, the steering group's meetings (for those who take part) and the evaluations due,
//! each an all-day event linking absolutely to its page; another region's days never; a renewed
//! or stopped address, or a disabled user's, answers 404.

#[macro_use]
mod common;

use common::*;
use icalendar::{Calendar, CalendarComponent, Component, DatePerhapsTime};
use pulje_domain::{ApplicationStatus, Role};

/// The address shown once on the calendar page.
fn address_on(html: &str) -> String {
    let at = html.find("http://").expect("the address is shown");
    html[at..].split('"').next().unwrap().replace("&amp;", "&")
}

/// (summary, day, url) of each event in a feed, parsed with an iCalendar library.
fn events(ics: &str) -> Vec<(String, chrono::NaiveDate, String)> {
    let calendar: Calendar = ics.parse().expect("an iCalendar document");
    calendar
        .components
        .iter()
        .filter_map(|c| match c {
            CalendarComponent::Event(e) => Some(e),
            _ => None,
        })
        .map(|e| {
            let day = match e.get_start() {
                Some(DatePerhapsTime::Date(d)) => d,
                other => panic!("an all-day event, not {other:?}"),
            };
            (
                e.get_summary().unwrap_or_default().to_string(),
                day,
                e.get_url().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// Makes `client`'s feed and returns its address (path and query on the test server).
async fn make_feed(client: &mut Client) -> String {
    let r = client
        .post_form("/me/kalender", &[("handling", "forny")])
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let address = address_on(&r.body);
    let path = address
        .split_once("127.0.0.1:8080")
        .map(|(_, p)| p.to_string())
        .unwrap_or(address);
    assert!(path.starts_with("/kalender.ics?noegle="), "{path}");
    path
}

both_backends!(
    a_feed_holds_the_persons_deadlines_meetings_and_evaluations,
    |app| async move {
        let today = pulje_domain::date::today_in_denmark();
        let deadline = today + chrono::Days::new(20);
        app.create_round(MIDTJYLLAND, "Forårsrunden; 2027", today, deadline)
            .await;
        app.create_round(NORDJYLLAND, "Nordjysk runde", today, deadline)
            .await;
        let applicant = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let ended = app
            .complete_application(
                &applicant,
                MIDTJYLLAND,
                "Afsluttet forsøg",
                TIER_MEDIUM,
                "2022-04-01",
                "2023-03-31",
            )
            .await;
        app.set_status(i64::from(ended.id), ApplicationStatus::Ended, None)
            .await;
        let mut steering = app.client_as(Role::SteeringGroup, Some(MIDTJYLLAND)).await;
        let meeting_day = today + chrono::Days::new(7);
        let r = steering
            .post_form(
                "/meetings",
                &[
                    ("held_on", meeting_day.to_string().as_str()),
                    ("place", "Regionshuset, lokale 2"),
                ],
            )
            .await;
        assert!(r.status == 303 || r.status == 200, "{}", r.body);

        let mut page = app.login(&applicant).await;
        let before = page.get("/me/kalender").await;
        assert!(
            before.body.contains("Du har ingen kalenderadresse."),
            "{}",
            before.body
        );
        let path = make_feed(&mut page).await;
        // A calendar program has no session.
        let feed = app.anonymous().get(&path).await;
        assert_eq!(feed.status, 200, "{}", feed.body);
        assert!(
            feed.body.starts_with("BEGIN:VCALENDAR\r\n"),
            "{}",
            feed.body
        );
        let got = events(&feed.body);
        assert!(
            got.contains(&(
                "Ansøgningsfrist: Forårsrunden; 2027".into(),
                deadline,
                "http://127.0.0.1:8080/program/ok21".into()
            )),
            "{got:?}"
        );
        let eval = got
            .iter()
            .find(|(s, _, _)| s == "Evaluering skal skrives: Afsluttet forsøg")
            .expect("the evaluation due");
        assert_eq!(
            eval.1,
            pulje_domain::date::parse_date("2023-03-31").unwrap()
        );
        assert_eq!(
            eval.2,
            format!(
                "http://127.0.0.1:8080/applications/{}/evaluation",
                i64::from(ended.id)
            )
        );
        assert!(
            !got.iter().any(|(s, _, _)| s.contains("Nordjysk")),
            "{got:?}"
        );
        assert!(
            !got.iter().any(|(s, _, _)| s.contains("Styregruppemøde")),
            "{got:?}"
        );

        // The steering group's feed has its meeting.
        let path_sg = make_feed(&mut steering).await;
        let got = events(&app.anonymous().get(&path_sg).await.body);
        assert!(
            got.iter().any(
                |(s, d, _)| s == "Styregruppemøde, Regionshuset, lokale 2" && *d == meeting_day
            ),
            "{got:?}"
        );

        // A new address: the old one stops; stopping ends the new one too.
        let renewed = make_feed(&mut page).await;
        assert_ne!(renewed, path);
        assert_eq!(app.anonymous().get(&path).await.status, 404);
        assert_eq!(app.anonymous().get(&renewed).await.status, 200);
        let r = page
            .post_form("/me/kalender", &[("handling", "stop")])
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(app.anonymous().get(&renewed).await.status, 404);
        assert_eq!(
            app.anonymous().get("/kalender.ics?noegle=").await.status,
            404
        );
        let audit = {
            let mut conn = app.db.conn().await.expect("conn");
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM audit_log WHERE entity = 'user' AND action IN ('calendar_renew', 'calendar_stop')",
            )
            .fetch_one(&mut *conn)
            .await
            .expect("audit")
        };
        assert_eq!(audit, 4, "three renewals and a stop");

        // A disabled user's feed stops.
        app.exec(&format!(
            "UPDATE users SET disabled = 1 WHERE id = {}",
            steering.user().id()
        ))
        .await;
        assert_eq!(app.anonymous().get(&path_sg).await.status, 404);
    }
);
