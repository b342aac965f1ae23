//! Applications through the HTML form and the JSON API: partial drafts, validation that keeps
//! what was typed, optimistic locking, the list's filters and paging.

#[macro_use]
mod common;

use common::*;
use pulje_domain::{ApplicationStatus, Role, UserId};

fn pairs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// A long B1 text with Danish letters and several paragraphs.
fn long_purpose() -> String {
    let paragraph = "Formålet er at afprøve, om en afdelingslæge med særligt ansvar for brobygning mellem \
                     akutmodtagelsen og kommunernes sygeplejersker kan forkorte indlæggelser for ældre \
                     medicinske patienter. Ærlig talt: vi ved det ikke endnu – derfor forsøget. Øvrige mål: \
                     færre genindlæggelser, bedre overgange og en tydeligere karrierevej for afdelingslæger.";
    (1..=8)
        .map(|i| format!("{i}. {paragraph}"))
        .collect::<Vec<_>>()
        .join("\n\n")
}

both_backends!(
    a_partial_draft_with_only_a_title_is_saved,
    |app| async move {
        let mut client = app.client_as(Role::Applicant, Some(MIDTJYLLAND)).await;
        let form = client.get("/applications/new").await;
        assert_eq!(form.status, 200);
        assert_eq!(hidden_value(&form.body, "version").as_deref(), Some("0"));

        let r = client
            .post_form(
                "/applications",
                &[
                    ("version", "0"),
                    ("title", "Kladde: brobygger på Hospitalsenhed Midt"),
                ],
            )
            .await;
        let id = saved_id(&r);

        let page = client.get(&format!("/applications/{id}?gemt=1")).await;
        assert_eq!(page.status, 200);
        let text = page.text();
        assert!(text.contains("Ansøgningen er gemt."), "{text}");
        assert!(
            text.contains("<h1>Kladde: brobygger på Hospitalsenhed Midt</h1>"),
            "{text}"
        );
        assert!(text.contains("Kladde"), "status is shown");
        assert!(
            text.contains("Før ansøgningen kan sendes, mangler"),
            "a partial draft lists what is missing"
        );

        let stored = app.get_application(id).await;
        assert_eq!(
            stored.data.title(),
            "Kladde: brobygger på Hospitalsenhed Midt"
        );
        assert_eq!(stored.status, ApplicationStatus::Draft);
        assert_eq!(stored.region_code, rc(MIDTJYLLAND));
        assert_eq!(stored.created_by, Some(UserId::new(client.user().id())));
        assert_eq!(stored.version, 1);
        assert!(stored.data.purpose().is_empty() && stored.data.participants().is_empty());

        // A draft without a title is refused, with the message next to the title.
        let r = client
            .post_form(
                "/applications",
                &[
                    ("version", "0"),
                    ("title", "   "),
                    ("purpose", "Kun formål"),
                ],
            )
            .await;
        assert_eq!(r.status, 422);
        assert!(
            field_error(&r.body, "title").unwrap().contains("titel"),
            "{}",
            r.body
        );
        assert_eq!(
            textarea_value(&r.body, "purpose").as_deref(),
            Some("Kun formål")
        );
        assert_eq!(app.count_applications().await, 1);
    }
);

both_backends!(
    an_invalid_save_is_refused_field_by_field_and_keeps_everything_typed,
    |app| async move {
        let mut client = app.client_as(Role::Applicant, Some(MIDTJYLLAND)).await;
        let midt_areas = app.area_ids(MIDTJYLLAND).await;
        let nord_areas = app.area_ids(NORDJYLLAND).await;
        assert_eq!(midt_areas.len(), 4);
        let midt_hospital = app.hospital_ids(MIDTJYLLAND).await[1];
        let purpose = long_purpose();
        let remarks = "Tillægget søges fra 2. pulje.\nAfdelingen dækker selv vagtfri dage – se bilag «Økonomi».";

        let form: Vec<(String, String)> = [
            ("version", "0".to_string()),
            (
                "title",
                "Brobygger mellem akutmodtagelse og kommune".to_string(),
            ),
            ("hospital_id", midt_hospital.to_string()),
            (
                "hospital_department",
                "Hospitalsenhed Midt, Medicinsk afdeling".to_string(),
            ),
            (
                "responsible_leader",
                "Ledende overlæge Birgitte Ærenlund".to_string(),
            ),
            ("purpose", purpose.clone()),
            ("remarks", remarks.to_string()),
            ("supplement_ore", "4000000".to_string()),
            ("start_date", "2021-12-01".to_string()),
            ("end_date", "2024-02-01".to_string()),
            ("area_ids", midt_areas[1].to_string()),
            ("area_ids", nord_areas[0].to_string()),
            ("participants.0.name", "Åse Øhlenschläger".to_string()),
            (
                "participants.0.role",
                "afdelingslæge, brobygger".to_string(),
            ),
            ("participants.0.receives_supplement", "on".to_string()),
            ("participants.1.name", "Bjørn Ærø".to_string()),
            ("participants.1.role", "overlæge".to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();

        let r = client.post_form("/applications", &pairs(&form)).await;
        assert_eq!(r.status, 422, "{}", r.body);
        let html = &r.body;
        assert!(
            r.text().contains("Ansøgningen er ikke gemt."),
            "an error summary is shown"
        );

        // A Danish message next to each wrong field.
        let supplement = field_error(html, "supplement_ore").expect("message at the supplement");
        assert!(
            supplement.contains("puljens trin") && supplement.contains("35.000 kr."),
            "{supplement}"
        );
        let start = field_error(html, "start_date").expect("message at the start date");
        assert!(start.contains("tidligst starte 1. januar 2022"), "{start}");
        let end = field_error(html, "end_date").expect("message at the end date");
        assert!(end.contains("senest 31. december 2023"), "{end}");
        let areas = field_error(html, "area_ids").expect("message at the areas");
        assert!(areas.contains("ikke et af regionens områder"), "{areas}");
        assert!(field_error(html, "title").is_none(), "the title is fine");
        assert!(
            html.contains("id=\"supplement_ore\" name=\"supplement_ore\" aria-invalid=\"true\""),
            "the field is marked invalid"
        );

        // Everything typed is still there.
        assert_eq!(
            input_value(html, "title").as_deref(),
            Some("Brobygger mellem akutmodtagelse og kommune")
        );
        assert_eq!(
            input_value(html, "hospital_department").as_deref(),
            Some("Hospitalsenhed Midt, Medicinsk afdeling")
        );
        assert_eq!(
            input_value(html, "responsible_leader").as_deref(),
            Some("Ledende overlæge Birgitte Ærenlund")
        );
        assert_eq!(
            textarea_value(html, "purpose").as_deref(),
            Some(purpose.as_str())
        );
        assert_eq!(textarea_value(html, "remarks").as_deref(), Some(remarks));
        assert_eq!(
            input_value(html, "start_date").as_deref(),
            Some("2021-12-01")
        );
        assert_eq!(input_value(html, "end_date").as_deref(), Some("2024-02-01"));
        assert_eq!(
            input_value(html, "participants.0.name").as_deref(),
            Some("Åse Øhlenschläger")
        );
        assert_eq!(
            input_value(html, "participants.0.role").as_deref(),
            Some("afdelingslæge, brobygger")
        );
        assert!(checkbox_checked(
            html,
            "participants.0.receives_supplement",
            "on"
        ));
        assert_eq!(
            input_value(html, "participants.1.name").as_deref(),
            Some("Bjørn Ærø")
        );
        assert_eq!(
            input_value(html, "participants.1.role").as_deref(),
            Some("overlæge")
        );
        assert!(!checkbox_checked(
            html,
            "participants.1.receives_supplement",
            "on"
        ));
        assert!(
            checkbox_checked(html, "area_ids", &midt_areas[1].to_string()),
            "the valid area stays ticked"
        );
        assert!(
            html.contains(&format!("<option value=\"{midt_hospital}\" selected>")),
            "the hospital stays chosen"
        );
        assert_eq!(app.count_applications().await, 0, "nothing is stored");

        // End before start, on its own.
        let r = client
            .post_form(
                "/applications",
                &[
                    ("version", "0"),
                    ("title", "Omvendt periode"),
                    ("start_date", "2023-05-01"),
                    ("end_date", "2023-04-01"),
                ],
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert_eq!(
            field_error(&r.body, "end_date").as_deref(),
            Some("Slutdatoen skal ligge efter startdatoen.")
        );
        assert!(field_error(&r.body, "start_date").is_none());
        assert_eq!(
            input_value(&r.body, "start_date").as_deref(),
            Some("2023-05-01")
        );
        assert_eq!(
            input_value(&r.body, "end_date").as_deref(),
            Some("2023-04-01")
        );

        // An unreadable date is shown back as typed.
        let r = client
            .post_form(
                "/applications",
                &[
                    ("version", "0"),
                    ("title", "Dato i fritekst"),
                    ("start_date", "først på foråret"),
                ],
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(
            field_error(&r.body, "start_date")
                .unwrap()
                .contains("«først på foråret»"),
            "{}",
            r.body
        );
        assert_eq!(
            input_value(&r.body, "start_date").as_deref(),
            Some("først på foråret")
        );
        assert_eq!(app.count_applications().await, 0, "nothing is stored");

        // The same form with the mistakes corrected is accepted and stored as typed.
        let fixed: Vec<(String, String)> = form
            .iter()
            .filter(|(k, v)| !(k == "area_ids" && *v == nord_areas[0].to_string()))
            .map(|(k, v)| {
                let v = match k.as_str() {
                    "supplement_ore" => "3500000".to_string(),
                    "start_date" => "2022-03-01".to_string(),
                    "end_date" => "2023-12-31".to_string(),
                    _ => v.clone(),
                };
                (k.clone(), v)
            })
            .collect();
        let r = client.post_form("/applications", &pairs(&fixed)).await;
        let id = saved_id(&r);
        let stored = app.get_application(id).await;
        assert_eq!(stored.data.purpose(), purpose);
        assert_eq!(stored.data.remarks(), remarks);
        assert_eq!(stored.data.area_ids(), vec![midt_areas[1]]);
        assert_eq!(stored.data.hospital_id(), Some(midt_hospital));
        assert_eq!(
            stored.data.supplement_ore().map(|s| s.ore()),
            Some(3_500_000)
        );
        assert_eq!(stored.data.participants().len(), 2);
        assert_eq!(stored.data.participants()[0].name, "Åse Øhlenschläger");
        assert!(stored.data.participants()[0].receives_supplement);
        assert!(!stored.data.participants()[1].receives_supplement);
    }
);

both_backends!(a_refused_edit_changes_nothing, |app| async move {
    let mut client = app.client_as(Role::Applicant, Some(MIDTJYLLAND)).await;
    let r = client
        .post_form(
            "/applications",
            &[
                ("version", "0"),
                ("title", "Uændret titel"),
                ("purpose", "Oprindeligt formål"),
            ],
        )
        .await;
    let id = saved_id(&r);

    let r = client
        .post_form(
            &format!("/applications/{id}"),
            &[
                ("version", "1"),
                ("title", "Ny titel"),
                ("purpose", "Nyt formål med æøå"),
                ("end_date", "2024-03-31"),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(field_error(&r.body, "end_date")
        .unwrap()
        .contains("31. december 2023"));
    assert_eq!(input_value(&r.body, "title").as_deref(), Some("Ny titel"));
    assert_eq!(
        textarea_value(&r.body, "purpose").as_deref(),
        Some("Nyt formål med æøå")
    );
    assert_eq!(
        hidden_value(&r.body, "version").as_deref(),
        Some("1"),
        "the version the user started from is kept"
    );

    let stored = app.get_application(id).await;
    assert_eq!(stored.version, 1);
    assert_eq!(stored.data.title(), "Uændret titel");
    assert_eq!(stored.data.purpose(), "Oprindeligt formål");
});

both_backends!(
    a_stale_version_is_refused_with_409_and_keeps_the_typed_text,
    |app| async move {
        let mut client = app.client_as(Role::Applicant, Some(MIDTJYLLAND)).await;
        let r = client
            .post_form(
                "/applications",
                &[("version", "0"), ("title", "Første udgave")],
            )
            .await;
        let id = saved_id(&r);

        // Two tabs open the edit form at version 1.
        let tab_a = client.get(&format!("/applications/{id}/edit")).await;
        let tab_b = client.get(&format!("/applications/{id}/edit")).await;
        assert_eq!(tab_a.status, 200);
        assert_eq!(hidden_value(&tab_a.body, "version").as_deref(), Some("1"));
        assert_eq!(hidden_value(&tab_b.body, "version").as_deref(), Some("1"));
        assert_eq!(
            input_value(&tab_a.body, "title").as_deref(),
            Some("Første udgave")
        );

        let r = client
            .post_form(
                &format!("/applications/{id}"),
                &[("version", "1"), ("title", "Anden udgave fra fane A")],
            )
            .await;
        assert_eq!(saved_id(&r), id);
        assert_eq!(app.get_application(id).await.version, 2);

        let r = client
            .post_form(
                &format!("/applications/{id}"),
                &[
                    ("version", "1"),
                    ("title", "Udgave fra fane B"),
                    ("purpose", "Tekst, der ikke må gå tabt: æøå ÆØÅ"),
                    ("participants.0.name", "Søren Kierkegård"),
                ],
            )
            .await;
        assert_eq!(r.status, 409, "{}", r.body);
        let text = r.text();
        assert!(text.contains("Ikke gemt."), "{text}");
        assert!(text.contains("nu version 2"), "{text}");
        assert_eq!(
            input_value(&r.body, "title").as_deref(),
            Some("Udgave fra fane B")
        );
        assert_eq!(
            textarea_value(&r.body, "purpose").as_deref(),
            Some("Tekst, der ikke må gå tabt: æøå ÆØÅ")
        );
        assert_eq!(
            input_value(&r.body, "participants.0.name").as_deref(),
            Some("Søren Kierkegård")
        );

        let stored = app.get_application(id).await;
        assert_eq!(stored.version, 2, "the stale save did not write");
        assert_eq!(stored.data.title(), "Anden udgave fra fane A");
        assert!(stored.data.purpose().is_empty());
        assert!(stored.data.participants().is_empty());
    }
);

/// Asserts that `/applications{query}` lists exactly `expected`.
async fn expect_rows(reader: &Client, query: String, expected: Vec<i64>) {
    let r = reader.get(&format!("/applications{query}")).await;
    assert_eq!(r.status, 200, "{query}: {}", r.body);
    let mut got = listed_ids(&r.body);
    got.sort();
    let mut want = expected.clone();
    want.sort();
    assert_eq!(got, want, "rows for {query}");
    assert!(
        r.text()
            .contains(&format!("{} ansøgning(er)", expected.len())),
        "{query}: count shown"
    );
}

both_backends!(list_filters_return_the_right_rows, |app| async move {
    let author = app.user(Role::Applicant, Some(NORDJYLLAND)).await;
    let reader = app.client_as(Role::WorkingGroup, Some(NORDJYLLAND)).await;
    let areas = app.area_ids(NORDJYLLAND).await;
    let hospitals = app.hospital_ids(NORDJYLLAND).await;
    let rounds = app.round_ids(NORDJYLLAND).await;
    assert_eq!((areas.len(), hospitals.len(), rounds.len()), (6, 3, 5));

    let with = |title: &str, hospital: i64, area: i64| pulje_domain::ApplicationInput {
        title: title.into(),
        hospital_id: hospital.to_string(),
        area_ids: vec![area.to_string()],
        ..Default::default()
    };
    let a = app
        .application(
            &author,
            NORDJYLLAND,
            &with("Simulationsansvarlig", hospitals[0], areas[1]),
        )
        .await
        .id;
    let b = app
        .application(
            &author,
            NORDJYLLAND,
            &with("Forskningsansvarlig", hospitals[1], areas[0]),
        )
        .await
        .id;
    let c = app
        .application(
            &author,
            NORDJYLLAND,
            &with("Kvalitetsansvarlig", hospitals[0], areas[0]),
        )
        .await
        .id;
    app.set_status(i64::from(a), ApplicationStatus::Submitted, Some(rounds[0]))
        .await;
    app.set_status(i64::from(c), ApplicationStatus::Submitted, Some(rounds[2]))
        .await;
    let elsewhere_author = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
    let elsewhere = app
        .application(&elsewhere_author, MIDTJYLLAND, &titled("Midtjysk forsøg"))
        .await
        .id;
    app.set_status(i64::from(elsewhere), ApplicationStatus::Submitted, None)
        .await;

    let check = |query: String, expected: Vec<i64>| expect_rows(&reader, query, expected);
    check("".to_string(), vec![a.get(), b.get(), c.get()]).await;
    check("?status=submitted".to_string(), vec![a.get(), c.get()]).await;
    check("?status=draft".to_string(), vec![b.get()]).await;
    check(format!("?area={}", areas[0]), vec![b.get(), c.get()]).await;
    check(
        format!("?hospital={}", hospitals[0]),
        vec![a.get(), c.get()],
    )
    .await;
    check(format!("?round={}", rounds[2]), vec![c.get()]).await;
    check(
        format!(
            "?status=submitted&area={}&hospital={}",
            areas[1], hospitals[0]
        ),
        vec![a.get()],
    )
    .await;
    check(format!("?round={}", rounds[4]), vec![]).await;
    check("?q=forskning".to_string(), vec![b.get()]).await;
    // Empty filter values (as the form sends "Alle") mean no filter.
    check(
        "?status=&area=&hospital=&round=&q=".to_string(),
        vec![a.get(), b.get(), c.get()],
    )
    .await;
});

both_backends!(the_list_pages_by_25, |app| async move {
    let author = app.user(Role::Applicant, Some(NORDJYLLAND)).await;
    let mut ids = Vec::new();
    for i in 1..=27 {
        ids.push(
            app.application(&author, NORDJYLLAND, &titled(&format!("Forsøg nr. {i}")))
                .await
                .id,
        );
    }
    let reader = app.client_as(Role::SteeringGroup, Some(NORDJYLLAND)).await;

    let first = reader.get("/applications").await;
    assert_eq!(first.status, 200);
    let page1 = listed_ids(&first.body);
    assert_eq!(page1.len(), 25);
    let mut newest: Vec<i64> = ids.iter().rev().map(|id| id.get()).collect();
    assert_eq!(page1, newest[..25], "newest first");
    assert!(
        first.text().contains("27 ansøgning(er), side 1 af 2."),
        "{}",
        first.body
    );
    assert!(
        first.body.contains("href=\"?page=2\" rel=\"next\""),
        "a link to page 2"
    );

    let second = reader.get("/applications?page=2").await;
    assert_eq!(second.status, 200);
    let page2 = listed_ids(&second.body);
    assert_eq!(page2, newest.split_off(25));
    assert!(second.text().contains("side 2 af 2."));
    assert!(second.body.contains("href=\"?page=1\" rel=\"prev\""));

    // The filters are kept in the paging links.
    for id in &ids[..26] {
        app.set_status(i64::from(*id), ApplicationStatus::Submitted, None)
            .await;
    }
    let r = reader.get("/applications?status=submitted").await;
    assert_eq!(listed_ids(&r.body).len(), 25);
    assert!(
        r.text().contains("href=\"?status=submitted&page=2\""),
        "{}",
        r.body
    );
    let r = reader.get("/applications?status=submitted&page=2").await;
    assert_eq!(listed_ids(&r.body), vec![ids[0].get()]);
});

// --- the JSON API ---------------------------------------------------------------------------

both_backends!(
    api_creates_reads_and_updates_with_a_bearer_token,
    |app| async move {
        let applicant = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let (_, raw) = app.token(&applicant).await;
        let api = Bearer::new(&app, &raw);

        let mut body = api_body("Forbedringsagent i akutmodtagelsen", MIDTJYLLAND);
        body["areas"] =
            serde_json::json!(["Forbedringsaktiviteter, herunder fælles beslutningstagen"]);
        body["supplement_ore"] = serde_json::json!(3_500_000);
        let r = api
            .send_json(reqwest::Method::POST, "/api/v1/applications", &body)
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        let created = r.json();
        let id = created["id"].as_i64().expect("id");
        assert_eq!(created["status"], "draft");
        assert_eq!(created["title"], "Forbedringsagent i akutmodtagelsen");

        let stored = app.get_application(id).await;
        assert_eq!(stored.region_code, rc(MIDTJYLLAND));
        assert_eq!(stored.created_by, Some(UserId::new(applicant.id())));
        assert_eq!(
            stored.data.supplement_ore().map(|s| s.ore()),
            Some(3_500_000)
        );
        assert_eq!(stored.data.area_ids().len(), 1);
        assert_eq!(stored.data.participants()[0].name, "Åse Øhlenschläger");

        let r = api.get(&format!("/api/v1/applications/{id}")).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let got = r.json();
        assert_eq!(got["id"], id);
        assert_eq!(got["status"], "draft");
        assert_eq!(got["version"], 1);

        let r = api.get("/api/v1/applications").await;
        assert_eq!(r.status, 200);
        assert!(r
            .json()
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["id"] == id && i["region_code"] == MIDTJYLLAND));

        let mut update = body.clone();
        update["title"] = serde_json::json!("Forbedringsagent – revideret");
        update["version"] = serde_json::json!(1);
        let r = api
            .send_json(
                reqwest::Method::PUT,
                &format!("/api/v1/applications/{id}"),
                &update,
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let stored = app.get_application(id).await;
        assert_eq!(
            (stored.version, stored.data.title()),
            (2, "Forbedringsagent – revideret")
        );

        // The same version again is stale.
        update["title"] = serde_json::json!("Forældet ændring");
        let r = api
            .send_json(
                reqwest::Method::PUT,
                &format!("/api/v1/applications/{id}"),
                &update,
            )
            .await;
        assert_eq!(r.status, 409, "{}", r.body);
        assert!(r.json()["error"].is_string());
        let stored = app.get_application(id).await;
        assert_eq!(
            (stored.version, stored.data.title()),
            (2, "Forbedringsagent – revideret")
        );
    }
);

both_backends!(
    api_refuses_invalid_input_with_field_messages,
    |app| async move {
        let applicant = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let (_, raw) = app.token(&applicant).await;
        let api = Bearer::new(&app, &raw);

        let mut body = api_body("Ugyldigt forsøg", MIDTJYLLAND);
        body["supplement_ore"] = serde_json::json!(4_000_000);
        body["start_date"] = serde_json::json!("2021-06-01");
        body["end_date"] = serde_json::json!("2024-02-01");
        let r = api
            .send_json(reqwest::Method::POST, "/api/v1/applications", &body)
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        let e = r.json();
        assert!(e["error"].is_string(), "{e}");
        let fields = e["fields"].as_object().expect("fields");
        for key in ["supplement_ore", "start_date", "end_date"] {
            assert!(fields.contains_key(key), "no message for {key}: {e}");
        }
        assert!(
            e["fields"]["end_date"]
                .to_string()
                .contains("31. december 2023"),
            "{e}"
        );
        assert_eq!(app.count_applications().await, 0);

        // An area of another region is refused by name, and so is an unknown one.
        for name in ["Forskning", "Helt ukendt område"] {
            let mut body = api_body("Forkert område", MIDTJYLLAND);
            body["areas"] = serde_json::json!([name]);
            let r = api
                .send_json(reqwest::Method::POST, "/api/v1/applications", &body)
                .await;
            assert_eq!(r.status, 422, "area {name}: {}", r.body);
            assert!(
                r.json()["fields"]["areas"].to_string().contains(name),
                "area {name}: {}",
                r.body
            );
        }
        assert_eq!(app.count_applications().await, 0);

        // A value of another JSON type than the schema names is refused, naming the field;
        // `null` stands for nothing.
        for (key, value) in [
            ("purpose", serde_json::json!(17)),
            ("hospital_id", serde_json::json!("7")),
            ("supplement_ore", serde_json::json!(true)),
            ("area_ids", serde_json::json!(["1"])),
            ("participants", serde_json::json!(["Åse"])),
        ] {
            let mut body = api_body("Forkert type", MIDTJYLLAND);
            body[key] = value;
            let r = api
                .send_json(reqwest::Method::POST, "/api/v1/applications", &body)
                .await;
            assert_eq!(r.status, 422, "{key}: {}", r.body);
            assert!(
                r.json()["error"].to_string().contains(key),
                "{key}: {}",
                r.body
            );
        }
        assert_eq!(app.count_applications().await, 0);
        let mut body = api_body("Uden deltagere", MIDTJYLLAND);
        body["participants"] = serde_json::Value::Null;
        body["purpose"] = serde_json::Value::Null;
        let r = api
            .send_json(reqwest::Method::POST, "/api/v1/applications", &body)
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(r.json()["participants"], serde_json::json!([]));
    }
);

both_backends!(
    api_writes_with_a_session_cookie_need_the_csrf_header,
    |app| async move {
        let mut client = app.client_as(Role::Leader, Some(MIDTJYLLAND)).await;
        let body = api_body("Forsøg oprettet fra browseren", MIDTJYLLAND);
        let r = client
            .send_json_without_csrf(reqwest::Method::POST, "/api/v1/applications", &body)
            .await;
        assert_eq!(r.status, 403, "{}", r.body);
        assert!(
            r.json()["error"].is_string(),
            "the API answers JSON: {}",
            r.body
        );
        assert_eq!(app.count_applications().await, 0);

        let r = client
            .send_json(reqwest::Method::POST, "/api/v1/applications", &body)
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(app.count_applications().await, 1);
        let id = r.json()["id"].as_i64().unwrap();

        // Updates too: without the header (or with a wrong one) nothing changes.
        let mut update = body.clone();
        update["version"] = serde_json::json!(1);
        update["title"] = serde_json::json!("Ændret uden nøgle");
        let path = format!("/api/v1/applications/{id}");
        let r = client
            .send_json_without_csrf(reqwest::Method::PUT, &path, &update)
            .await;
        assert_eq!(r.status, 403, "{}", r.body);
        let r = client
            .http
            .put(client.url(&path))
            .header("X-CSRF-Token", "falsk")
            .json(&update)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 403);
        let stored = app.get_application(id).await;
        assert_eq!(
            (stored.version, stored.data.title()),
            (1, "Forsøg oprettet fra browseren")
        );
        update["title"] = serde_json::json!("Ændret med nøgle");
        let r = client.send_json(reqwest::Method::PUT, &path, &update).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(
            app.get_application(id).await.data.title(),
            "Ændret med nøgle"
        );
    }
);

both_backends!(
    a_page_past_the_end_does_not_claim_to_be_the_last_page,
    |app| async move {
        let author = app.user(Role::Applicant, Some(NORDJYLLAND)).await;
        for i in 1..=27 {
            app.application(&author, NORDJYLLAND, &titled(&format!("Forsøg nr. {i}")))
                .await;
        }
        let reader = app.client_as(Role::SteeringGroup, Some(NORDJYLLAND)).await;
        let last = reader.get("/applications?page=2").await;
        let past = reader.get("/applications?page=3").await;
        assert_eq!(past.status, 200);
        // Either the last page is shown, or the page is not called the last one.
        let consistent = listed_ids(&past.body) == listed_ids(&last.body)
            || !past.text().contains("side 2 af 2");
        assert!(
        consistent,
        "GET /applications?page=3 (of 2) says «side 2 af 2» but lists {:?} instead of page 2's {:?}",
        listed_ids(&past.body),
        listed_ids(&last.body)
    );
    }
);

// --- the form's table drives the form, the API and the store ---------------------------------

/// The name a field's input carries in the page form.
fn input_name(field: &pulje_domain::FieldDef) -> String {
    match field.kind {
        pulje_domain::Kind::Participants => format!("{}.0.name", field.name),
        _ => field.name.to_string(),
    }
}

/// The one-value text fields of the form's table, each with a value of its own.
fn text_fields(prefix: &str) -> Vec<(&'static str, pulje_domain::Kind, String)> {
    pulje_domain::FIELDS
        .iter()
        .filter(|f| matches!(f.kind, pulje_domain::Kind::Line | pulje_domain::Kind::Text))
        .map(|f| {
            (
                f.name,
                f.kind,
                format!("{prefix} {} – æøå «{}»", f.label, f.name),
            )
        })
        .collect()
}

both_backends!(
    every_field_of_the_form_table_is_in_the_form_and_the_api,
    |app| async move {
        let mut client = app.client_as(Role::Applicant, Some(MIDTJYLLAND)).await;
        let form = client.get("/applications/new").await;
        assert_eq!(form.status, 200);
        let html = form.text();
        for field in pulje_domain::FIELDS {
            assert!(
                html.contains(&format!("name=\"{}\"", input_name(field))),
                "the form has no input for {}",
                field.name
            );
            assert!(
                html.contains(field.label),
                "the form does not show the label of {}: {}",
                field.name,
                field.label
            );
            if !field.help.is_empty() {
                assert!(html.contains(field.help), "no help text for {}", field.name);
            }
        }

        let r = client
            .post_form("/applications", &[("version", "0"), ("title", "Et forsøg")])
            .await;
        let id = saved_id(&r);
        let json = client
            .get(&format!("/api/v1/applications/{id}"))
            .await
            .json();
        for field in pulje_domain::FIELDS {
            assert!(
                json.get(field.name).is_some(),
                "the API's JSON has no key {}: {json}",
                field.name
            );
        }
        let page = client.get(&format!("/applications/{id}")).await.text();
        for field in pulje_domain::FIELDS
            .iter()
            .filter(|f| f.kind != pulje_domain::Kind::Participants)
        {
            assert!(
                page.contains(&format!("<dt>{}</dt>", field.short)),
                "the application's page does not show {}",
                field.name
            );
        }

        let doc = client.get("/api/v1/openapi.json").await.text();
        for field in pulje_domain::FIELDS {
            assert!(
                doc.contains(&format!("\"{}\"", field.name)),
                "the OpenAPI document does not describe {}",
                field.name
            );
        }
    }
);

both_backends!(
    every_text_field_round_trips_through_the_form_the_api_and_the_store,
    |app| async move {
        let mut client = app.client_as(Role::Applicant, Some(MIDTJYLLAND)).await;

        // The page form: every one-value text field of the table, saved and shown again.
        let typed = text_fields("Formular:");
        let mut pairs: Vec<(&str, &str)> = vec![("version", "0")];
        pairs.extend(typed.iter().map(|(name, _, value)| (*name, value.as_str())));
        let id = saved_id(&client.post_form("/applications", &pairs).await);
        let stored = app.get_application(id).await;
        let edit = client.get(&format!("/applications/{id}/edit")).await;
        let json = client
            .get(&format!("/api/v1/applications/{id}"))
            .await
            .json();
        for (name, kind, value) in &typed {
            assert_eq!(
                stored.data.value(name),
                Some(pulje_domain::FieldValue::Text(value.clone())),
                "stored {name}"
            );
            let shown = match kind {
                pulje_domain::Kind::Line => input_value(&edit.body, name),
                _ => textarea_value(&edit.body, name),
            };
            assert_eq!(shown.as_deref(), Some(value.as_str()), "edit form's {name}");
            assert_eq!(json[name], value.as_str(), "API's {name}");
        }

        // A refused save shows every field as typed.
        let mut refused = pairs.clone();
        refused.retain(|(k, _)| *k != "title" && *k != "version");
        refused.push(("version", "1"));
        refused.push(("title", " "));
        let r = client
            .post_form(&format!("/applications/{id}"), &refused)
            .await;
        assert_eq!(r.status, 422);
        for (name, kind, value) in typed.iter().filter(|(n, _, _)| *n != "title") {
            let shown = match kind {
                pulje_domain::Kind::Line => input_value(&r.body, name),
                _ => textarea_value(&r.body, name),
            };
            assert_eq!(
                shown.as_deref(),
                Some(value.as_str()),
                "refused save's {name}"
            );
        }

        // The API: new values for every field, read back from the store and the API.
        let sent = text_fields("API:");
        let mut body = serde_json::json!({ "version": stored.version });
        for (name, _, value) in &sent {
            body[*name] = serde_json::json!(value);
        }
        let r = client
            .send_json(
                reqwest::Method::PUT,
                &format!("/api/v1/applications/{id}"),
                &body,
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let answered = r.json();
        let stored = app.get_application(id).await;
        let page = client.get(&format!("/applications/{id}")).await.text();
        for (name, _, value) in &sent {
            assert_eq!(answered[name], value.as_str(), "API's answer's {name}");
            assert_eq!(
                stored.data.value(name),
                Some(pulje_domain::FieldValue::Text(value.clone())),
                "stored {name} after the API's update"
            );
            assert!(page.contains(value.as_str()), "the page shows {name}");
        }
    }
);
