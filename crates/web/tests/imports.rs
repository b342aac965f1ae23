//! Importing what the regions already have, over HTTP on both backends: agreement forms become
//! imported drafts whose review form shows the file's text beside each field, the original file
//! and the unmapped text are kept, a bad file is named with its problem and stores nothing, and
//! trial lists become the region's historic trials — all within the user's own region.

#[macro_use]
mod common;

use common::*;
use pulje_domain::{ApplicationId, Role};
use pulje_store::{attachments, audit, trials};

const MIDT: i64 = 1082;
const NORD: i64 = 1081;

/// An agreement form in the one-line layout (label and value on one line), our own text.
const FORM: &str = "\
PROJEKT FAGLIG OG OPGAVEMÆSSIG UDVIKLING FOR AFDELINGSLÆGER
SKEMA TIL BRUG FOR AFTALE AF REGIONALE FORSØG
A. Identifikation
A1. Hospital/afdeling Hospitalsenhed Midt, Lungemedicinsk afdeling
A2. Forsøgets titel Søvnapnø-klinik med afdelingslæge som tovholder
A3. Ansvarlige leder for forsøget Birthe Ølgaard, ledende overlæge
A4. Ansvarlig afd.læge Mads Å. Krogh
B. Forsøget
B1. Formål At samle udredningen af søvnapnø hos én afdelingslæge. Forsøget ligger indenfor
Forbedringsaktiviteter, herunder fælles beslutningstagen.
B2. Beskrivelse Afdelingslægen planlægger klinikken og følger ventetiderne hver måned.
B3. Indhold (hvad er aftalt?) Et tillæg og to faste udviklingsdage om måneden.
B3. Deltagerkreds (hvem indgår?) Mads Å. Krogh, afdelingslæge
Sygeplejerske i søvnklinikken
B4 I hvilken periode kører forsøget? Fra 1. juni 2022 til 30. november 2023
B5. Organisering Afdelingslægen mødes med den ledende overlæge hver anden uge.
B6. Økonomi
(Tillægsstørrelse 20.000 – 35.000 eller 50.000 kr.) – tildeles den ansvarlige afd.læge
Tillægsstørrelse 35.000.
Uddybende bemærkninger: Klinikken skal på sigt dække hele hospitalsenheden.
C. Forsøgets tidsmæssige udstrækning
C.2. Dato for forsøgets opstart 01-06-2022
C.3. Dato for forsøgets afslutning
- Forsøget ophører senest 31.12. 2023
30-11-2023
D. Aftalen er indgået mellem
Dato 12.05.2022
";

/// The application form's fields as a browser would send them, by the form's table.
fn input_pairs(input: &pulje_domain::ApplicationInput) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = pulje_domain::FIELDS
        .iter()
        .filter(|f| {
            !matches!(
                f.kind,
                pulje_domain::Kind::Areas | pulje_domain::Kind::Participants
            )
        })
        .map(|f| (f.name.to_string(), input.text(f.name).to_string()))
        .collect();
    for a in &input.area_ids {
        pairs.push(("area_ids".into(), a.clone()));
    }
    for (i, p) in input.participants.iter().enumerate() {
        pairs.push((format!("participants.{i}.name"), p.name.clone()));
        pairs.push((format!("participants.{i}.role"), p.role.clone()));
        if p.receives_supplement {
            pairs.push((format!("participants.{i}.receives_supplement"), "on".into()));
        }
    }
    pairs
}

both_backends!(
    an_uploaded_form_becomes_an_imported_draft_to_review,
    |app| async move {
        let applicant = app.user(Role::Applicant, Some(MIDT)).await;
        let mut c = app.login(&applicant).await;
        let csrf = c.csrf().await;
        let page = c.get("/applications/import").await;
        assert_eq!(page.status, 200);

        // Two files in one upload: a good form, and a binary file named .txt.
        let binary: Vec<u8> = (0..4000u32).map(|i| (i % 7) as u8).collect();
        let (ct, body) = multipart_files(
            &[("csrf_token", &csrf)],
            "files",
            &[
                ("søvnklinik.txt", FORM.as_bytes()),
                ("billede.txt", &binary),
            ],
        );
        let (status, html) = c.post_multipart("/applications/import", ct, body).await;
        assert_eq!(status, 200, "{html}");
        assert!(html.contains("1 af 2 filer indlæst"), "{html}");
        assert!(
            unescape(&html).contains("«billede.txt» ligner ikke tekst"),
            "the refused file is named with its problem: {html}"
        );

        let id: i64 = sqlx::query_scalar("SELECT id FROM applications WHERE imported = 1")
            .fetch_one(&mut *app.db.conn().await.unwrap())
            .await
            .unwrap();
        let a = app.get_application(id).await;
        assert_eq!(a.status.as_str(), "draft");
        assert_eq!(a.region_code, rc(MIDT));
        assert_eq!(a.doctor_user_id, Some(applicant.user.id));
        assert_eq!(
            a.data.title(),
            "Søvnapnø-klinik med afdelingslæge som tovholder"
        );
        assert_eq!(
            a.data.hospital_department(),
            "Hospitalsenhed Midt, Lungemedicinsk afdeling"
        );
        assert_eq!(a.hospital_name.as_deref(), Some("Hospitalsenhed Midt"));
        assert_eq!(a.data.responsible_doctor(), "Mads Å. Krogh");
        assert_eq!(a.data.start_date(), Some(date("2022-06-01")));
        assert_eq!(a.data.end_date(), Some(date("2023-11-30")));
        assert_eq!(a.data.agreement_date(), Some(date("2022-05-12")));
        assert_eq!(a.data.supplement_ore().map(|o| o.ore()), Some(3_500_000));
        assert_eq!(a.data.participants().len(), 2);
        let area_names: Vec<String> = {
            let mut conn = app.db.conn().await.unwrap();
            let areas = pulje_store::programmes::areas(&mut conn, "ok21", Some(rc(MIDT)))
                .await
                .unwrap();
            areas
                .into_iter()
                .filter(|ar| a.data.area_ids().contains(&ar.id.get()))
                .map(|ar| ar.name)
                .collect()
        };
        assert_eq!(
            area_names,
            vec!["Forbedringsaktiviteter, herunder fælles beslutningstagen".to_string()]
        );

        // The original is kept byte for byte, and the applicant may download it.
        let mut conn = app.db.conn().await.unwrap();
        let kept = attachments::list(
            &mut conn,
            attachments::Owner::Application(ApplicationId::new(id)),
        )
        .await
        .unwrap();
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].purpose, "import_source");
        assert_eq!(
            attachments::data(&mut conn, kept[0].id)
                .await
                .unwrap()
                .as_deref(),
            Some(FORM.as_bytes())
        );
        drop(conn);
        let download = c.get(&format!("/attachments/{}", kept[0].id)).await;
        assert_eq!(download.status, 200);
        assert_eq!(download.body, FORM);

        // The review form shows each field with the file's text beside it.
        let edit = c.get(&format!("/applications/{id}/edit")).await;
        assert_eq!(edit.status, 200);
        let text = unescape(&edit.body);
        assert!(text.contains("Læst fra filen «søvnklinik.txt»"), "{text}");
        assert!(text.contains("Læst fra filen – "));
        let title_source = text
            .split("id=\"title\"")
            .next()
            .and_then(|before| before.rsplit("<pre>").next())
            .unwrap_or_default()
            .to_string();
        assert!(
            title_source.contains("Søvnapnø-klinik med afdelingslæge som tovholder"),
            "the title's source text is shown beside it: {title_source}"
        );
        assert_eq!(
            input_value(&edit.body, "title").as_deref(),
            Some("Søvnapnø-klinik med afdelingslæge som tovholder")
        );

        // The import is audited, the refused file left nothing behind.
        let mut conn = app.db.conn().await.unwrap();
        let entries = audit::list(
            &mut conn,
            &audit::Filter {
                entity: Some("application".into()),
                entity_id: Some(id.to_string()),
                ..Default::default()
            },
            10,
        )
        .await
        .unwrap();
        assert!(entries.iter().any(|e| e.action == "import"));
        assert_eq!(app.count_applications().await, 1);

        // The user corrects a field and saves through the ordinary form.
        let version = hidden_value(&edit.body, "version").unwrap();
        let mut input = a.data.to_input();
        input.title = "Søvnapnøklinik".into();
        let mut pairs = input_pairs(&input);
        pairs.push(("version".into(), version));
        let refs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let saved = c.post_form(&format!("/applications/{id}"), &refs).await;
        assert_eq!(saved.status, 303, "{}", saved.body);
        let a = app.get_application(id).await;
        assert_eq!(a.data.title(), "Søvnapnøklinik");
        assert_eq!(
            a.data.supplement_ore().map(|o| o.ore()),
            Some(3_500_000),
            "the rest is kept"
        );
    }
);

both_backends!(
    a_file_with_two_agreements_becomes_two_drafts_with_places_beside_the_fields,
    |app| async move {
        let mut c = app.client_as(Role::Leader, Some(MIDT)).await;
        let csrf = c.csrf().await;
        let second = FORM
            .replace(
                "Søvnapnø-klinik med afdelingslæge som tovholder",
                "Lungeklinik med afdelingslæge som tovholder",
            )
            .replace("Tillægsstørrelse 35.000.", "Tillæg: 50 t.kr.");
        let both = format!("{FORM}\n{second}");
        let (ct, body) = multipart_files(
            &[("csrf_token", &csrf)],
            "files",
            &[("to-aftaler.txt", both.as_bytes())],
        );
        let (status, html) = c.post_multipart("/applications/import", ct, body).await;
        assert_eq!(status, 200, "{html}");
        let html = unescape(&html);
        assert!(html.contains("1 af 1 filer indlæst (2 aftaler)"), "{html}");
        assert!(html.contains("(aftale 2 af 2)"), "{html}");
        let ids: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM applications WHERE imported = 1 ORDER BY id")
                .fetch_all(&mut *app.db.conn().await.unwrap())
                .await
                .unwrap();
        assert_eq!(ids.len(), 2);
        let first = app.get_application(ids[0]).await;
        let other = app.get_application(ids[1]).await;
        assert_eq!(
            first.data.title(),
            "Søvnapnø-klinik med afdelingslæge som tovholder"
        );
        assert_eq!(
            other.data.title(),
            "Lungeklinik med afdelingslæge som tovholder"
        );
        assert_eq!(
            first.data.supplement_ore().map(|o| o.ore()),
            Some(3_500_000)
        );
        assert_eq!(
            other.data.supplement_ore().map(|o| o.ore()),
            Some(5_000_000)
        );
        // Each draft keeps the original file.
        let mut conn = app.db.conn().await.unwrap();
        for id in &ids {
            let kept = attachments::list(
                &mut conn,
                attachments::Owner::Application(ApplicationId::new(*id)),
            )
            .await
            .unwrap();
            assert_eq!(kept.len(), 1);
        }
        drop(conn);
        // The review form says where in the file each value stood.
        let edit = c.get(&format!("/applications/{}/edit", ids[1])).await;
        let text = unescape(&edit.body);
        let title_line = both
            .lines()
            .position(|l| l.starts_with("A2.") && l.contains("Lungeklinik"))
            .unwrap()
            + 1;
        assert!(
            text.contains(&format!("Læst fra filen – sikker (linje {title_line})")),
            "{text}"
        );
        assert!(text.contains("dette er aftale 2 af 2"), "{text}");
    }
);

both_backends!(
    a_scanned_page_is_shown_beside_the_fields_it_was_read_into,
    |app| async move {
        // The review screen shows a PNG or JPEG original as the page the fields came from.
        // (The recogniser goes by the file's content, so a text saved under a .png name stands
        // in for a scan here; reading real scans is pulje-import's OCR test.)
        let mut c = app.client_as(Role::Leader, Some(MIDT)).await;
        let csrf = c.csrf().await;
        let (ct, body) = multipart_files(
            &[("csrf_token", &csrf)],
            "files",
            &[("skanning.png", FORM.as_bytes())],
        );
        let (status, html) = c.post_multipart("/applications/import", ct, body).await;
        assert_eq!(status, 200, "{html}");
        let id: i64 = sqlx::query_scalar("SELECT id FROM applications WHERE imported = 1")
            .fetch_one(&mut *app.db.conn().await.unwrap())
            .await
            .unwrap();
        let attachment: i64 = sqlx::query_scalar("SELECT id FROM attachments")
            .fetch_one(&mut *app.db.conn().await.unwrap())
            .await
            .unwrap();
        let edit = c.get(&format!("/applications/{id}/edit")).await;
        assert!(
            edit.body
                .contains(&format!("<img src=\"/attachments/{attachment}\"")),
            "{}",
            edit.body
        );
        let image = c.get(&format!("/attachments/{attachment}")).await;
        assert_eq!(image.status, 200);
        assert_eq!(image.headers["content-type"], "image/png");
        assert_eq!(image.headers["x-content-type-options"], "nosniff");
    }
);

both_backends!(imports_stay_in_the_users_region, |app| async move {
    // An applicant of Nordjylland cannot fetch Midtjylland's imported original.
    let midt = app.client_as(Role::Applicant, Some(MIDT)).await;
    let mut midt = midt;
    let csrf = midt.csrf().await;
    let (ct, body) = multipart_files(
        &[("csrf_token", &csrf)],
        "files",
        &[("a.txt", FORM.as_bytes())],
    );
    let (status, _) = midt.post_multipart("/applications/import", ct, body).await;
    assert_eq!(status, 200);
    let attachment: i64 = sqlx::query_scalar("SELECT id FROM attachments")
        .fetch_one(&mut *app.db.conn().await.unwrap())
        .await
        .unwrap();
    let nord = app.client_as(Role::Applicant, Some(NORD)).await;
    assert_eq!(
        nord.get(&format!("/attachments/{attachment}")).await.status,
        404
    );

    // Without the form's CSRF token nothing is stored.
    let (ct, body) = multipart_files(
        &[("csrf_token", "forkert")],
        "files",
        &[("b.txt", FORM.as_bytes())],
    );
    let (status, _) = midt.post_multipart("/applications/import", ct, body).await;
    assert_eq!(status, 403);
    assert_eq!(app.count_applications().await, 1);

    // Only a region administrator imports trial lists, and only into their own region.
    let union = app.client_as(Role::UnionRep, Some(MIDT)).await;
    assert_eq!(union.get("/trials/import").await.status, 403);
    let mut admin = app.client_as(Role::RegionAdmin, Some(NORD)).await;
    let csrf = admin.csrf().await;
    let csv = "Nr;Hospital;Afdeling;Område;Antal afdelingslæger;Titel;Evaluering\n1;Sygehus Nord;Kirurgi;Ledelse;2;Ny vagtplan;Se bilag\n";
    let (ct, body) = multipart_files(
        &[("csrf_token", &csrf), ("region", "1082")],
        "files",
        &[("liste.csv", csv.as_bytes())],
    );
    let (status, html) = admin.post_multipart("/trials/import", ct, body).await;
    assert_eq!(status, 200, "{html}");
    let mut conn = app.db.conn().await.unwrap();
    assert_eq!(
        trials::list(&mut conn, "ok21", rc(NORD))
            .await
            .unwrap()
            .len(),
        1,
        "the region field is ignored for a region user"
    );
    assert!(trials::list(&mut conn, "ok21", rc(MIDT))
        .await
        .unwrap()
        .is_empty());
});

both_backends!(
    a_trial_list_is_stored_whole_or_refused_with_the_missing_column_named,
    |app| async move {
        let mut admin = app.client_as(Role::RegionAdmin, Some(NORD)).await;
        let csrf = admin.csrf().await;
        let csv = "Nr;Hospital;Afdeling;Område;Antal afdelingslæger;Titel;Evaluering\n\
                   1;Aalborg Sygehus;Kardiologi;Forskning;1;Hjertedatabase;Se bilag\n\
                   2;Aalborg Sygehus;Patologi;Faglig ekspert;3;Subspecialisering;-\n\
                   3;Sygehus Thy;Medicin;Kvalitet;1;Faldklinik;ja\n";
        let (ct, body) = multipart_files(
            &[("csrf_token", &csrf)],
            "files",
            &[("forsøg.csv", csv.as_bytes())],
        );
        let (status, html) = admin.post_multipart("/trials/import", ct, body).await;
        assert_eq!(status, 200, "{html}");
        assert!(html.contains("3 forsøg: 3 nye og 0 opdaterede"), "{html}");
        let mut conn = app.db.conn().await.unwrap();
        let rows = trials::list(&mut conn, "ok21", rc(NORD)).await.unwrap();
        let got: Vec<_> = rows
            .iter()
            .map(|t| {
                (
                    t.number,
                    t.hospital.as_str(),
                    t.area.as_str(),
                    t.doctor_count,
                    t.evaluation_attached,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (1, "Aalborg Sygehus", "Forskning", 1, 1),
                (2, "Aalborg Sygehus", "Faglig specialist", 3, 0),
                (3, "Sygehus Thy", "Kvalitetssikring", 1, 1),
            ]
        );
        drop(conn);

        // A list without the title column: named, and nothing stored.
        let bad = "Nr;Hospital;Afdeling;Område;Antal afdelingslæger;Evaluering\n4;Sygehus Thy;Medicin;Ledelse;1;-\n";
        let (ct, body) = multipart_files(
            &[("csrf_token", &csrf)],
            "files",
            &[("mangler.csv", bad.as_bytes())],
        );
        let (status, html) = admin.post_multipart("/trials/import", ct, body).await;
        assert_eq!(status, 422);
        let text = unescape(&html);
        assert!(
            text.contains("mangler.csv") && text.contains("Titel"),
            "{text}"
        );
        let mut conn = app.db.conn().await.unwrap();
        assert_eq!(
            trials::list(&mut conn, "ok21", rc(NORD))
                .await
                .unwrap()
                .len(),
            3
        );
    }
);

both_backends!(
    a_line_labelled_as_the_form_table_says_is_imported_into_its_field,
    |app| async move {
        // Every field the table gives an import label: a line "Label: value" in the form.
        let labelled: Vec<(&str, String, String)> = pulje_domain::FIELDS
            .iter()
            .filter_map(|f| {
                f.import_label.map(|label| {
                    (
                        f.name,
                        format!("{label}: Værdi for {}", f.name),
                        format!("Værdi for {}", f.name),
                    )
                })
            })
            .collect();
        let extra: String = labelled
            .iter()
            .map(|(_, line, _)| format!("{line}\n"))
            .collect();
        let form = FORM.replace(
            "Uddybende bemærkninger:",
            &format!("{extra}Uddybende bemærkninger:"),
        );

        let mut c = app.client_as(Role::Applicant, Some(MIDT)).await;
        let csrf = c.csrf().await;
        let (ct, body) = multipart_files(
            &[("csrf_token", &csrf)],
            "files",
            &[("omkostningssted.txt", form.as_bytes())],
        );
        let (status, html) = c.post_multipart("/applications/import", ct, body).await;
        assert_eq!(status, 200, "{html}");
        assert!(html.contains("1 af 1 filer indlæst"), "{html}");
        let id: i64 = sqlx::query_scalar("SELECT id FROM applications WHERE imported = 1")
            .fetch_one(&mut *app.db.conn().await.unwrap())
            .await
            .unwrap();
        let a = app.get_application(id).await;
        assert_eq!(
            a.data.remarks(),
            "Klinikken skal på sigt dække hele hospitalsenheden.",
            "the labelled lines do not run into the fields around them"
        );
        let edit = c.get(&format!("/applications/{id}/edit")).await;
        let page = c.get(&format!("/applications/{id}")).await.text();
        for (name, line, value) in &labelled {
            assert_eq!(
                a.data.value(name),
                Some(pulje_domain::FieldValue::Text(value.clone())),
                "{name}"
            );
            assert_eq!(
                input_value(&edit.body, name).as_deref(),
                Some(value.as_str())
            );
            let source = unescape(&edit.body)
                .split(&format!("id=\"{name}\""))
                .next()
                .and_then(|before| before.rsplit("<pre>").next())
                .unwrap_or_default()
                .to_string();
            assert!(
                source.starts_with(line.as_str()),
                "{name}'s source: {source}"
            );
            assert!(page.contains(value.as_str()), "the page shows {name}");
        }
    }
);
