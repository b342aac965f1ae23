//! Evaluations of agreements: the form (draft, submit, field errors that keep what was typed,
//! version conflicts), who may read and write it, its due date, the reminders, and historic
//! trials' evaluations uploaded as files.

#[macro_use]
mod common;

use common::*;
use pulje_domain::{ApplicationStatus, Role};
use pulje_store::{audit, trials};

/// An active agreement of region 1082 by a new applicant, ending 31 December 2023.
async fn active(app: &TestApp, title: &str) -> (TestUser, i64) {
    let doctor = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
    let a = app
        .complete_application(
            &doctor,
            MIDTJYLLAND,
            title,
            TIER_MEDIUM,
            "2022-06-01",
            "2023-12-31",
        )
        .await;
    app.set_status(i64::from(a.id), ApplicationStatus::Active, None)
        .await;
    (doctor, i64::from(a.id))
}

fn complete(version: &str) -> Vec<(&'static str, String)> {
    vec![
        ("version", version.to_string()),
        ("action", "submit".into()),
        ("purposes_met", "partly".into()),
        (
            "purposes_text",
            "Brobygningen lykkedes, dashboardet ikke helt.".into(),
        ),
        (
            "gained_text",
            "Erfaring med ledelse på tværs af sektorer.".into(),
        ),
        (
            "effect_text",
            "Færre genindlæggelser af ældre medicinske patienter.".into(),
        ),
        ("development_percent", "30".into()),
        ("time_text", "En dag om ugen.".into()),
        ("recommendation", "expand".into()),
        ("career_track", "leadership".into()),
        ("trial_type", "individual".into()),
        ("challenges", "time".into()),
        ("challenges", "awareness".into()),
        ("advice_text", "Gør funktionstillægget permanent.".into()),
    ]
}

fn as_pairs<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'a str, &'a str)> {
    v.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

async fn evaluation_row(app: &TestApp, id: i64) -> Option<(String, i64)> {
    let mut conn = app.db.conn().await.unwrap();
    sqlx::query_as::<_, (String, i64)>(
        "SELECT status, version FROM evaluations WHERE application_id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
    .unwrap()
}

both_backends!(
    draft_then_submit_keeps_what_was_typed_and_is_audited,
    |app| async move {
        let (doctor, id) = active(&app, "Brobygning til kommunerne").await;
        let mut c = app.login(&doctor).await;
        let path = format!("/applications/{id}/evaluation");
        let r = c.get(&path).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body.contains("31. december 2023"), "due date shown");
        assert!(r.body.contains("<legend>Karrierespor</legend>"));

        // A bad percentage: 422, the message by the field, the text kept.
        let r = c
            .post_form(
                &path,
                &[
                    ("version", "0"),
                    ("action", "save"),
                    ("development_percent", "130"),
                    ("gained_text", "Ærlig talt: meget."),
                ],
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(field_error(&r.body, "development_percent")
            .unwrap()
            .contains("mellem 0 og 100"));
        assert_eq!(
            textarea_value(&r.body, "gained_text").as_deref(),
            Some("Ærlig talt: meget.")
        );
        assert_eq!(evaluation_row(&app, id).await, None);

        // A partial draft is saved.
        let r = c
            .post_form(
                &path,
                &[
                    ("version", "0"),
                    ("action", "save"),
                    ("gained_text", "Ærlig talt: meget."),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(evaluation_row(&app, id).await, Some(("draft".into(), 1)));

        // Submitting an incomplete one: 422 with the missing fields, nothing lost, nothing stored.
        let r = c
            .post_form(
                &path,
                &[
                    ("version", "1"),
                    ("action", "submit"),
                    ("gained_text", "Ærlig talt: meget."),
                    ("advice_text", "Mere tid"),
                ],
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        for f in [
            "purposes_met",
            "effect_text",
            "recommendation",
            "career_track",
            "trial_type",
        ] {
            assert!(field_error(&r.body, f).is_some(), "{f} should be marked");
        }
        assert_eq!(
            textarea_value(&r.body, "advice_text").as_deref(),
            Some("Mere tid")
        );
        assert_eq!(evaluation_row(&app, id).await, Some(("draft".into(), 1)));

        // Complete: submitted.
        let full = complete("1");
        let r = c.post_form(&path, &as_pairs(&full)).await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(
            evaluation_row(&app, id).await,
            Some(("submitted".into(), 2))
        );
        let r = c.get(&path).await;
        assert!(
            r.body.contains("Klinisk ledelse og administration") && !r.body.contains("Gem kladde")
        );
        // Final once submitted.
        let r = c.post_form(&path, &as_pairs(&complete("2"))).await;
        assert_eq!(r.status, 409, "{}", r.body);

        // The application's page shows the state; the API gives the same.
        let r = c.get(&format!("/applications/{id}")).await;
        assert!(r.body.contains("Evaluering") && r.body.contains("Indsendt"));
        let j = c
            .get(&format!("/api/v1/applications/{id}/evaluation"))
            .await;
        assert_eq!(j.status, 200, "{}", j.body);
        assert_eq!(j.json()["career_track"], "leadership");
        assert_eq!(
            j.json()["challenges"],
            serde_json::json!(["awareness", "time"])
        );

        let mut conn = app.db.conn().await.unwrap();
        let entries = audit::list(
            &mut conn,
            &audit::Filter {
                entity: Some("evaluation".into()),
                ..Default::default()
            },
            100,
        )
        .await
        .unwrap();
        let mut actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
        actions.sort();
        assert_eq!(actions, vec!["create", "submit"]);
    }
);

both_backends!(
    a_stale_version_is_refused_and_the_text_shown_again,
    |app| async move {
        let (doctor, id) = active(&app, "Samtidig redigering").await;
        let mut c = app.login(&doctor).await;
        let mut leader = app.client_as(Role::Leader, Some(MIDTJYLLAND)).await;
        let path = format!("/applications/{id}/evaluation");
        let r = c
            .post_form(
                &path,
                &[
                    ("version", "0"),
                    ("action", "save"),
                    ("effect_text", "Lægens tekst"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        // The leader's form was opened before that save.
        let r = leader
            .post_form(
                &path,
                &[
                    ("version", "0"),
                    ("action", "save"),
                    ("effect_text", "Lederens tekst"),
                ],
            )
            .await;
        assert_eq!(r.status, 409, "{}", r.body);
        assert!(r.body.contains("IKKE gemt"));
        assert_eq!(
            textarea_value(&r.body, "effect_text").as_deref(),
            Some("Lederens tekst")
        );
        // With the current version the leader may save.
        let r = leader
            .post_form(
                &path,
                &[
                    ("version", "1"),
                    ("action", "save"),
                    ("effect_text", "Lederens tekst"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(evaluation_row(&app, id).await, Some(("draft".into(), 2)));
    }
);

both_backends!(who_may_read_and_write, |app| async move {
    let (_doctor, id) = active(&app, "Adgang").await;
    let path = format!("/applications/{id}/evaluation");
    let draft = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
    for (role, region, get, post) in [
        (Role::RegionAdmin, MIDTJYLLAND, 200, 403),
        (Role::SteeringGroup, MIDTJYLLAND, 200, 403),
        (Role::WorkingGroup, MIDTJYLLAND, 200, 403),
        (Role::RegionAdmin, NORDJYLLAND, 404, 404),
        (Role::Leader, NORDJYLLAND, 404, 404),
        (Role::UnionRep, MIDTJYLLAND, 404, 404),
        (Role::Applicant, MIDTJYLLAND, 404, 404),
    ] {
        let mut c = app.client_as(role, Some(region)).await;
        let r = c.get(&path).await;
        assert_eq!(r.status, get, "GET as {role:?} of {region}: {}", r.body);
        if get == 200 {
            assert!(!r.body.contains("Gem kladde"), "{role:?} gets no form");
        }
        let r = c
            .post_form(
                &path,
                &[("version", "0"), ("action", "save"), ("effect_text", "x")],
            )
            .await;
        assert_eq!(r.status, post, "POST as {role:?} of {region}: {}", r.body);
    }
    assert_eq!(evaluation_row(&app, id).await, None);
    // Not before the agreement is in force.
    let a = app
        .complete_application(
            &draft,
            MIDTJYLLAND,
            "Kladde",
            TIER_MEDIUM,
            "2022-06-01",
            "2023-12-31",
        )
        .await;
    let mut c = app.login(&draft).await;
    let r = c
        .post_form(
            &format!("/applications/{}/evaluation", a.id),
            &[("version", "0"), ("action", "save")],
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    let r = c.get(&format!("/applications/{}", a.id)).await;
    assert!(
        !r.body.contains("evaluation-title"),
        "no evaluation box on a draft"
    );
});

both_backends!(
    due_date_follows_the_end_or_the_termination,
    |app| async move {
        let (doctor, id) = active(&app, "Ophører før tid").await;
        let c = app.login(&doctor).await;
        let r = c.get(&format!("/applications/{id}")).await;
        assert!(
            r.body.contains("skal indsendes senest 31. december 2023"),
            "{}",
            r.body
        );
        assert!(r.body.contains("overskredet"), "2023 is past");
        app.exec(&format!(
        "UPDATE applications SET status = 'ended', end_date = '2023-06-30', terminated_on = '2023-06-30' WHERE id = {id}"
    ))
    .await;
        let r = c.get(&format!("/applications/{id}")).await;
        assert!(
            r.body.contains("skal indsendes senest 30. juni 2023"),
            "{}",
            r.body
        );
        // The region's overview lists it as overdue.
        let admin = app.client_as(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
        let r = admin
            .get(&format!("/regions/{MIDTJYLLAND}/evaluations"))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body.contains("Ophører før tid") && r.body.contains("overskredet"));
        let other = app.client_as(Role::RegionAdmin, Some(NORDJYLLAND)).await;
        assert_eq!(
            other
                .get(&format!("/regions/{MIDTJYLLAND}/evaluations"))
                .await
                .status,
            404
        );
        let applicant = app.login(&doctor).await;
        assert_eq!(
            applicant
                .get(&format!("/regions/{MIDTJYLLAND}/evaluations"))
                .await
                .status,
            403
        );
    }
);

both_backends!(
    reminders_go_once_on_the_right_days_and_not_after_submission,
    |app| async move {
        let (doctor, id) = active(&app, "Påmindelser").await;
        let (other, done) = active(&app, "Allerede evalueret").await;
        let mut c = app.login(&other).await;
        let r = c
            .post_form(
                &format!("/applications/{done}/evaluation"),
                &as_pairs(&complete("0")),
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let reminders = |app: &TestApp| {
            let db = app.db.clone();
            async move {
                let mut conn = db.conn().await.unwrap();
                let all = pulje_store::outbox::list(&mut conn, None, 1000)
                    .await
                    .unwrap();
                all.into_iter()
                    .filter(|m| m.event == "evaluation_reminder")
                    .collect::<Vec<_>>()
            }
        };
        let run = |day: &str| {
            let (db, day) = (app.db.clone(), date(day));
            async move { pulje_app::mailer::queue_evaluation_reminders(&mut db.handle(), day).await }
        };
        assert_eq!(run("2023-11-29").await.unwrap(), 0, "too early");
        assert_eq!(run("2023-11-30").await.unwrap(), 1, "a month before");
        assert_eq!(run("2023-11-30").await.unwrap(), 0, "once");
        // A second instance on the same database does not send it again.
        let second = pulje_store::Db::connect(&app.db_url).await.unwrap();
        assert_eq!(
            pulje_app::mailer::queue_evaluation_reminders(&mut second.handle(), date("2023-12-01"))
                .await
                .unwrap(),
            0
        );
        assert_eq!(run("2023-12-31").await.unwrap(), 1, "on the day");
        assert_eq!(run("2024-01-01").await.unwrap(), 0);
        let sent = reminders(&app).await;
        assert_eq!(sent.len(), 2);
        assert!(sent
            .iter()
            .all(|m| m.application_id.map(|a| a.get()) == Some(id) && m.recipient == doctor.email));
        assert!(sent[0]
            .body
            .contains(&format!("/applications/{id}/evaluation")));
        // Once submitted, no reminder: a later termination date gives a new due date, but the
        // evaluation is in.
        let mut d = app.login(&doctor).await;
        let r = d
            .post_form(
                &format!("/applications/{id}/evaluation"),
                &as_pairs(&complete("0")),
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        app.exec(&format!(
            "UPDATE applications SET terminated_on = '2024-02-01' WHERE id = {id}"
        ))
        .await;
        assert_eq!(run("2024-01-01").await.unwrap(), 0);
        assert_eq!(run("2024-02-01").await.unwrap(), 0);
    }
);

/// A multipart body with the given text fields and one file.
fn multipart(fields: &[(&str, &str)], file_name: &str, data: &[u8]) -> (String, Vec<u8>) {
    multipart_files(fields, "file", &[(file_name, data)])
}

async fn upload(c: &Client, path: &str, content_type: String, body: Vec<u8>) -> (u16, String) {
    c.post_multipart(path, content_type, body).await
}

both_backends!(
    historic_trial_evaluation_file_upload_and_download,
    |app| async move {
        let admin_user = app.user(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
        let mut tx = app.db.begin().await.unwrap();
        trials::import(
            &mut tx,
            &admin_user.actor(),
            "ok21",
            rc(MIDTJYLLAND),
            "oversigt.pdf",
            &[trials::NewTrial {
                number: 7,
                hospital: "Regionshospitalet Randers".into(),
                department: "Akutafdelingen".into(),
                area: "Ledelse".into(),
                doctor_count: 2,
                title: "Flowkoordinator i akutmodtagelsen".into(),
                evaluation_attached: false,
            }],
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let trial = {
            let mut conn = app.db.conn().await.unwrap();
            trials::list(&mut conn, "ok21", rc(MIDTJYLLAND))
                .await
                .unwrap()
                .remove(0)
        };
        let mut admin = app.login(&admin_user).await;
        let r = admin.get(&format!("/regions/{MIDTJYLLAND}/trials")).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body.contains("Flowkoordinator i akutmodtagelsen") && r.body.contains("Ingen"));
        let csrf = admin.csrf().await;
        let path = format!("/trials/{}/evaluation", trial.id);
        let pdf = b"%PDF-1.4\n% evaluering\n".to_vec();

        // Without the CSRF token: refused.
        let (ct, body) = multipart(&[], "evaluering.pdf", &pdf);
        assert_eq!(upload(&admin, &path, ct, body).await.0, 403);
        // Empty: a Danish message, 422.
        let (ct, body) = multipart(
            &[("csrf_token", &csrf), ("career_track", "research")],
            "tom.pdf",
            b"",
        );
        let (status, html) = upload(&admin, &path, ct, body).await;
        assert_eq!(status, 422, "{html}");
        assert!(html.contains("tom eller mangler"));
        assert!(
            html.contains("value=\"research\" selected"),
            "the choice is kept"
        );
        // Too big: 413 with a Danish message.
        let big = vec![b'x'; pulje_web::pages::MAX_UPLOAD_BYTES + 1];
        let (ct, body) = multipart(&[("csrf_token", &csrf)], "stor.pdf", &big);
        let (status, html) = upload(&admin, &path, ct, body).await;
        assert_eq!(status, 413, "{}", &html[..html.len().min(500)]);
        assert!(html.contains("Filen er for stor"));
        // A type we do not serve.
        let (ct, body) = multipart(&[("csrf_token", &csrf)], "virus.exe", b"MZ");
        assert_eq!(upload(&admin, &path, ct, body).await.0, 422);
        // Another region's administrator cannot see the trial.
        let mut other = app.client_as(Role::RegionAdmin, Some(NORDJYLLAND)).await;
        let other_csrf = other.csrf().await;
        let (ct, body) = multipart(&[("csrf_token", &other_csrf)], "evaluering.pdf", &pdf);
        assert_eq!(upload(&other, &path, ct, body).await.0, 404);

        let (ct, body) = multipart(
            &[
                ("csrf_token", &csrf),
                ("career_track", "research"),
                ("trial_type", "cross_cutting"),
            ],
            "Evaluering Ærø.pdf",
            &pdf,
        );
        let (status, html) = upload(&admin, &path, ct, body).await;
        assert_eq!(status, 303, "{html}");
        let attachment: i64 = {
            let mut conn = app.db.conn().await.unwrap();
            sqlx::query_scalar("SELECT attachment_id FROM evaluations WHERE historic_trial_id = $1")
                .bind(trial.id.get())
                .fetch_one(&mut *conn)
                .await
                .unwrap()
        };
        let r = admin.get(&format!("/regions/{MIDTJYLLAND}/trials")).await;
        assert!(
            r.body.contains(&format!("/attachments/{attachment}"))
                && r.body.contains("Forskning og akademisk karriere")
        );

        let r = admin
            .http
            .get(admin.url(&format!("/attachments/{attachment}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let h = r.headers().clone();
        assert_eq!(h["content-type"], "application/pdf");
        assert_eq!(h["x-content-type-options"], "nosniff");
        let disposition = h["content-disposition"].to_str().unwrap().to_string();
        assert!(
            disposition.starts_with("attachment;")
                && disposition.contains("filename*=UTF-8''Evaluering%20%C3%86r%C3%B8.pdf"),
            "{disposition}"
        );
        assert_eq!(r.bytes().await.unwrap().to_vec(), pdf);
        assert_eq!(
            other
                .get(&format!("/attachments/{attachment}"))
                .await
                .status,
            404
        );
        let applicant = app.client_as(Role::Applicant, Some(MIDTJYLLAND)).await;
        assert_eq!(
            applicant
                .get(&format!("/attachments/{attachment}"))
                .await
                .status,
            404
        );
        let steering = app.client_as(Role::SteeringGroup, Some(MIDTJYLLAND)).await;
        assert_eq!(
            steering
                .get(&format!("/attachments/{attachment}"))
                .await
                .status,
            200
        );

        let mut conn = app.db.conn().await.unwrap();
        let attached: i64 =
            sqlx::query_scalar("SELECT evaluation_attached FROM historic_trials WHERE id = $1")
                .bind(trial.id.get())
                .fetch_one(&mut *conn)
                .await
                .unwrap();
        assert_eq!(attached, 1);
        for (entity, action) in [("attachment", "create"), ("evaluation", "attach_file")] {
            let n = audit::list(
                &mut conn,
                &audit::Filter {
                    entity: Some(entity.into()),
                    ..Default::default()
                },
                100,
            )
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action == action)
            .count();
            assert_eq!(n, 1, "{entity} {action}");
        }
    }
);
