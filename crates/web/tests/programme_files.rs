//! The files of a programme's attachment fields and its application window: a file chosen on the
//! page form is kept with the draft, listed and downloaded by those who see the application and
//! by nobody else, removed again from the form; a kind of file not accepted is refused by its
//! field with everything typed kept; the API adds, reads and deletes files; a form's value can
//! only name the application's own files. An application is sent in only while the programme's
//! window is open, and one returned for correction may be sent again after it has closed.

#[macro_use]
mod common;

use common::*;
use pulje_domain::programme::{Actor as Who, Day, Definition, Requirement, Transition};
use pulje_domain::Role;
use reqwest::Method;
use serde_json::json;

const GP: &str = "almen-praksis-efteruddannelse";

/// The newest application's id.
async fn newest_application(app: &TestApp) -> i64 {
    let mut conn = app.db.conn().await.expect("conn");
    sqlx::query_scalar::<_, i64>("SELECT COALESCE(MAX(id), 0) FROM applications")
        .fetch_one(&mut *conn)
        .await
        .expect("an application")
}

/// The address of the first file link `/applications/ID/filer/N` on a page.
fn file_link(html: &str, id: i64) -> String {
    let start = format!("/applications/{id}/filer/");
    let at = html.find(&start).expect("a link to the file");
    html[at..].split('"').next().expect("the link").to_string()
}

both_backends!(
    a_file_chosen_on_the_form_is_kept_shown_downloaded_and_removed,
    |app| async move {
        let applicant = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let colleague = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let admin = app.user(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
        let outsider = app.user(Role::RegionAdmin, Some(NORDJYLLAND)).await;
        install_shipped(&app, GP, &[]).await;
        let mut page = app.login(&applicant).await;
        let csrf = page.csrf().await;
        let path = format!("/programmes/{GP}/ansoeg");
        let new_form = page.get(&path).await.body;
        assert!(
            new_form.contains("enctype=\"multipart/form-data\""),
            "{new_form}"
        );
        assert!(new_form.contains("name=\"programme_file\" type=\"file\""));

        // A kind of file that cannot be attached: refused by its field, nothing stored, the
        // text typed shown again, and the user told to choose the file again.
        let before = newest_application(&app).await;
        let (ct, body) = multipart_files(
            &[("csrf_token", &csrf), ("title", "Kursus i akut pædiatri")],
            "programme_file",
            &[("program.exe", b"MZ not a document")],
        );
        let (status, html) = page.post_multipart(&path, ct, body).await;
        assert_eq!(status, 422, "{html}");
        let message = field_error(&html, "programme_file").expect("the field's message");
        assert!(
            message.contains("«Kursusprogram»") && message.contains("program.exe"),
            "{message}"
        );
        assert_eq!(
            input_value(&html, "title").as_deref(),
            Some("Kursus i akut pædiatri")
        );
        assert!(html.contains("Vælg dem igen"), "{html}");
        assert_eq!(newest_application(&app).await, before);

        // Without the form's CSRF token nothing is read.
        let (ct, body) = multipart_files(
            &[("title", "Uden nøgle")],
            "programme_file",
            &[("program.pdf", b"%PDF-1.4")],
        );
        let (status, _) = page.post_multipart(&path, ct, body).await;
        assert_eq!(status, 403);

        // A PDF: the draft is saved with it.
        let pdf: &[u8] = b"%PDF-1.4 kursusprogram for akut paediatri";
        let (ct, body) = multipart_files(
            &[("csrf_token", &csrf), ("title", "Kursus i akut pædiatri")],
            "programme_file",
            &[("Kursusprogram æø.pdf", pdf)],
        );
        let (status, html) = page.post_multipart(&path, ct, body).await;
        assert_eq!(status, 303, "{html}");
        let id = newest_application(&app).await;
        assert!(id > before);
        let shown = page.get(&format!("/applications/{id}")).await.body;
        assert!(shown.contains("Kursusprogram æø.pdf"), "{shown}");
        let link = file_link(&shown, id);
        let r = page.http.get(page.url(&link)).send().await.expect("GET");
        assert_eq!(r.status().as_u16(), 200);
        assert_eq!(
            r.headers()["content-type"].to_str().unwrap(),
            "application/pdf"
        );
        assert!(r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;"));
        assert_eq!(r.bytes().await.unwrap().as_ref(), pdf);

        // The region's administrator reads it; another applicant and another region do not.
        let admin_page = app.login(&admin).await;
        assert_eq!(admin_page.get(&link).await.status, 200);
        for who in [&colleague, &outsider] {
            let other = app.login(who).await;
            assert_eq!(other.get(&link).await.status, 404, "{}", who.email);
        }

        // The edit form lists the file with «Fjern»; ticking it removes and deletes the file.
        let edit = page.get(&format!("/applications/{id}/edit")).await.body;
        let file_id = link.rsplit('/').next().unwrap().to_string();
        assert!(
            edit.contains(&format!(
                "name=\"programme_file.fjern\" value=\"{file_id}\""
            )),
            "{edit}"
        );
        let version = hidden_value(&edit, "version").expect("version");
        let r = page
            .post_form(
                &format!("/applications/{id}"),
                &[
                    ("version", &version),
                    ("title", "Kursus i akut pædiatri"),
                    ("programme_file", &file_id),
                    ("programme_file.fjern", &file_id),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(page.get(&link).await.status, 404);
        let audit = app.audit_of(id).await;
        assert!(!audit.is_empty());
        let mut conn = app.db.conn().await.expect("conn");
        let deleted: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'programme_file' AND action = 'delete' \
             AND entity_id = $1",
        )
        .bind(&file_id)
        .fetch_one(&mut *conn)
        .await
        .expect("audit");
        assert_eq!(deleted, 1);
    }
);

both_backends!(
    the_api_adds_reads_and_deletes_files_of_the_applications_own,
    |app| async move {
        let applicant = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let outsider = app.user(Role::RegionAdmin, Some(NORDJYLLAND)).await;
        install_shipped(&app, GP, &[]).await;
        let me = bearer(&app, &applicant).await;
        let create = |title: &str| json!({"programme": GP, "fields": {"title": title}});
        let r = me
            .send_json(Method::POST, "/api/v1/applications", &create("Første"))
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        let id = r.json()["id"].as_i64().unwrap();
        let r = me
            .send_json(Method::POST, "/api/v1/applications", &create("Anden"))
            .await;
        let other_id = r.json()["id"].as_i64().unwrap();

        let file = me
            .attach(id, "programme_file", "program.pdf", b"%PDF-1.4 a")
            .await;
        let r = me.get(&format!("/api/v1/applications/{id}")).await;
        assert_eq!(
            r.json()["fields"]["programme_file"],
            json!([file]),
            "{}",
            r.body
        );
        let r = me
            .get(&format!("/api/v1/applications/{id}/files/{file}"))
            .await;
        assert_eq!(r.status, 200);
        assert_eq!(r.body, "%PDF-1.4 a");

        // Not an attachment field, an empty file, a kind not accepted: refused by field.
        for (field, name, bytes, says) in [
            ("title", "a.pdf", &b"x"[..], "intet bilagsfelt"),
            ("programme_file", "tom.pdf", &b""[..], "er tom"),
            (
                "programme_file",
                "script.js",
                &b"x"[..],
                "kan ikke vedhæftes",
            ),
        ] {
            let r = me
                .send_bytes(
                    Method::POST,
                    &format!("/api/v1/applications/{id}/files?field={field}&name={name}"),
                    bytes.to_vec(),
                )
                .await;
            assert_eq!(r.status, 422, "{}", r.body);
            assert!(
                r.json()["fields"][field].to_string().contains(says),
                "{}",
                r.body
            );
        }

        // A form may only list the application's own files.
        let r = me
            .send_json(
                Method::PUT,
                &format!("/api/v1/applications/{other_id}"),
                &json!({"version": 1, "fields": {"title": "Anden", "programme_file": [file]}}),
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(
            r.json()["fields"]["programme_file"]
                .to_string()
                .contains("hører ikke til ansøgningen"),
            "{}",
            r.body
        );

        // Another region sees nothing and adds nothing.
        let them = bearer(&app, &outsider).await;
        let r = them
            .get(&format!("/api/v1/applications/{id}/files/{file}"))
            .await;
        assert_eq!(r.status, 404);
        let r = them
            .send_bytes(
                Method::POST,
                &format!("/api/v1/applications/{id}/files?field=programme_file&name=x.pdf"),
                b"%PDF".to_vec(),
            )
            .await;
        assert_eq!(r.status, 404, "{}", r.body);
        let r = them
            .send_json(
                Method::DELETE,
                &format!("/api/v1/applications/{id}/files/{file}"),
                &json!({}),
            )
            .await;
        assert_eq!(r.status, 404, "{}", r.body);

        // Deleted: gone from the field and from the files.
        let r = me
            .send_json(
                Method::DELETE,
                &format!("/api/v1/applications/{id}/files/{file}"),
                &json!({}),
            )
            .await;
        assert_eq!(r.status, 204, "{}", r.body);
        let r = me.get(&format!("/api/v1/applications/{id}")).await;
        assert!(
            r.json()["fields"].get("programme_file").is_none(),
            "{}",
            r.body
        );
        let r = me
            .get(&format!("/api/v1/applications/{id}/files/{file}"))
            .await;
        assert_eq!(r.status, 404);
    }
);

/// The GP fund's programme with a step that returns a submitted application for correction.
fn with_return(mut def: Definition) -> Definition {
    def.workflow.transitions.push(Transition {
        action: "return".into(),
        label: "Send tilbage til rettelse".into(),
        from: vec!["submitted".into()],
        to: "draft".into(),
        by: vec![Who::Body("medical_consultant".into())],
        requires: vec![Requirement::Comment],
        effect: None,
        within_days: None,
    });
    def
}

both_backends!(
    applications_are_sent_in_only_while_the_window_is_open,
    |app| async move {
        let applicant = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let consultant = app.user(Role::Leader, Some(MIDTJYLLAND)).await;
        let today = pulje_domain::date::today_in_denmark();
        let days = |n: i64| Day(today + chrono::Duration::days(n));

        // Not yet open: a draft can be written, not sent in.
        let mut def = with_return(shipped(GP));
        def.window.opens = days(10);
        def.window.closes = days(100);
        def.check().expect("sound");
        install_programme(&app, &def, &[("medical_consultant", &consultant)]).await;
        let me = bearer(&app, &applicant).await;
        let r = me
            .send_json(
                Method::POST,
                "/api/v1/applications",
                &json!({"programme": GP, "fields": gp_fields()}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        let early = r.json()["id"].as_i64().unwrap();
        let r = transition(&me, early, json!({"action": "submit"})).await;
        assert_eq!(r.status, 409, "{}", r.body);
        assert!(r.body.contains("modtager ansøgninger fra"), "{}", r.body);

        // Open: sent in; then returned for correction.
        def.version = 2;
        def.window.opens = days(-10);
        install_programme(&app, &def, &[]).await;
        let r = transition(&me, early, json!({"action": "submit"})).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let r = me
            .send_json(
                Method::POST,
                "/api/v1/applications",
                &json!({"programme": GP, "fields": gp_fields()}),
            )
            .await;
        let late = r.json()["id"].as_i64().unwrap();
        let consultant_api = bearer(&app, &consultant).await;
        let r = transition(
            &consultant_api,
            early,
            json!({"action": "return", "comment": "Tilføj kursets program."}),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);

        // Closed: no new application, no first submission; the returned one goes in again.
        def.version = 3;
        def.window.opens = days(-30);
        def.window.closes = days(-1);
        install_programme(&app, &def, &[]).await;
        let r = transition(&me, late, json!({"action": "submit"})).await;
        assert_eq!(r.status, 409, "{}", r.body);
        assert!(r.body.contains("fristen er udløbet"), "{}", r.body);
        let r = me
            .send_json(
                Method::POST,
                "/api/v1/applications",
                &json!({"programme": GP, "fields": gp_fields()}),
            )
            .await;
        assert_eq!(r.status, 409, "{}", r.body);
        let r = transition(&me, early, json!({"action": "submit"})).await;
        assert_eq!(r.status, 200, "{}", r.body);

        // The programme's page says so and offers no form; the form's address refuses.
        let page = app.login(&applicant).await;
        let shown = page.get(&format!("/programmes/{GP}")).await.body;
        assert!(shown.contains("fristen er udløbet"), "{shown}");
        assert!(!shown.contains("Søg i programmet"), "{shown}");
        let r = page.get(&format!("/programmes/{GP}/ansoeg")).await;
        assert_eq!(r.status, 409, "{}", r.body);
    }
);
