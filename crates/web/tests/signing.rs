//! Signatures that hold up (issue 17): each party is bound to one account by the region's
//! administrator and only that account signs for it; a signature records what was signed and
//! how the signer authenticated; a change of the agreement clears the signatures given to the
//! earlier content; the signed PDF is issued once and `/verify` recognises it byte for byte.

#[macro_use]
mod common;

use common::*;
use pulje_domain::{ApplicationId, ApplicationStatus, Role};
use serde_json::json;

/// A complete application of region 1082 by `author`, approved and awaiting signatures.
async fn awaiting(app: &TestApp, author: &TestUser) -> i64 {
    let a = app
        .complete_application(
            author,
            MIDTJYLLAND,
            "Akutlæge i visitationen",
            TIER_MEDIUM,
            "2022-06-01",
            "2023-05-31",
        )
        .await;
    let id = i64::from(a.id);
    app.set_status(id, ApplicationStatus::AwaitingSignatures, None)
        .await;
    id
}

async fn signatures(app: &TestApp, id: i64) -> Vec<pulje_store::signing::Signed> {
    let mut conn = app.db.conn().await.unwrap();
    pulje_store::signing::signatures(&mut conn, ApplicationId::new(id))
        .await
        .unwrap()
}

fn actions(entries: &[pulje_store::audit::Entry]) -> Vec<&str> {
    entries.iter().map(|e| e.action.as_str()).collect()
}

both_backends!(
    only_the_bound_account_signs_for_its_party,
    |app| async move {
        let author = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let named = app.user(Role::Leader, Some(MIDTJYLLAND)).await;
        let other_leader = app.user(Role::Leader, Some(MIDTJYLLAND)).await;
        let union = app.user(Role::UnionRep, Some(MIDTJYLLAND)).await;
        let admin_user = app.user(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
        let id = awaiting(&app, &author).await;
        let named_api = app.bearer(&named).await;
        let other_api = app.bearer(&other_leader).await;
        let admin = app.bearer(&admin_user).await;
        let parties_path = format!("/api/v1/applications/{id}/parties");

        // Nobody is bound yet: no leader signs.
        let r = named_api.transition(id, &sign_step()).await;
        assert_eq!(r.status, 403, "{}", r.body);
        assert!(r.body.contains("ikke udpeget"), "{}", r.body);
        assert!(signatures(&app, id).await.is_empty());

        // The administrator sees each party's eligible accounts; the doctor is proposed.
        let r = admin.get(&parties_path).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let signing = r.json();
        let fingerprint = signing["fingerprint"].as_str().unwrap().to_string();
        assert_eq!(fingerprint.len(), 64);
        assert_eq!(signing["agreement_version"], 1);
        let leader = &signing["parties"][0];
        assert_eq!(leader["party"], "leader");
        let eligible: Vec<i64> = leader["eligible"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["user_id"].as_i64().unwrap())
            .collect();
        assert!(eligible.contains(&named.id()) && eligible.contains(&other_leader.id()));
        assert!(
            !eligible.contains(&union.id()),
            "only leaders for the leader"
        );
        assert_eq!(signing["parties"][1]["proposed_user_id"], author.id());
        // A leader reading the same gets no list of accounts.
        let r = named_api.get(&parties_path).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["parties"][0]["eligible"], json!([]));

        // Only the region's administrator binds, only to an account of the party's role.
        let r = named_api
            .send_json(
                reqwest::Method::PUT,
                &format!("{parties_path}/leader"),
                &json!({ "user_id": named.id() }),
            )
            .await;
        assert_eq!(r.status, 403, "{}", r.body);
        let r = admin
            .send_json(
                reqwest::Method::PUT,
                &format!("{parties_path}/leader"),
                &json!({ "user_id": union.id() }),
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        let r = admin
            .send_json(
                reqwest::Method::PUT,
                &format!("{parties_path}/formand"),
                &json!({ "user_id": named.id() }),
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body.contains("Ukendt part"), "{}", r.body);
        let r = admin
            .send_json(
                reqwest::Method::PUT,
                &format!("{parties_path}/leader"),
                &json!({ "user_id": named.id() }),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["parties"][0]["user_id"], named.id());

        // Another leader of the region is refused; so is the named one without confirming, or
        // with a fingerprint of another content.
        let r = other_api.transition(id, &sign_step()).await;
        assert_eq!(r.status, 403, "{}", r.body);
        assert!(r.body.contains("en anden person"), "{}", r.body);
        let r = named_api.transition(id, &step("sign", json!({}))).await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body.contains("Sæt kryds"), "{}", r.body);
        let r = named_api
            .transition(
                id,
                &json!({"action": "sign", "confirm": true, "fingerprint": "0".repeat(64)}),
            )
            .await;
        assert_eq!(r.status, 409, "{}", r.body);
        assert!(signatures(&app, id).await.is_empty());

        // The named leader signs what was read; the signature keeps what and how.
        let r = named_api
            .transition(
                id,
                &json!({"action": "sign", "confirm": true, "fingerprint": fingerprint}),
            )
            .await;
        expect_status(&r, id, "awaiting_signatures");
        let signed = signatures(&app, id).await;
        assert_eq!(signed.len(), 1);
        assert_eq!(signed[0].party, "leader");
        assert_eq!(signed[0].user_id, Some(named.id()));
        assert_eq!(signed[0].fingerprint, fingerprint);
        assert_eq!(signed[0].agreement_version, 1);
        assert_eq!(signed[0].authenticated_by, "api_token");

        // Binding the leader to someone else clears the signature, audited.
        let r = admin
            .send_json(
                reqwest::Method::PUT,
                &format!("{parties_path}/leader"),
                &json!({ "user_id": other_leader.id() }),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(signatures(&app, id).await.is_empty());
        let audit = app.audit_of(id).await;
        let done = actions(&audit);
        assert!(done.contains(&"bind_party"), "{done:?}");
        assert!(done.contains(&"signature_cleared"), "{done:?}");
        let r = named_api.transition(id, &sign_step()).await;
        assert_eq!(r.status, 403, "{}", r.body);

        // Only the bound leader is asked to sign on their start page.
        let start = app.login(&other_leader).await.get("/").await.text();
        assert!(start.contains("Akutlæge i visitationen"), "{start}");
        let start = app.login(&named).await.get("/").await.text();
        assert!(!start.contains("Akutlæge i visitationen"), "{start}");
    }
);

both_backends!(
    the_parties_are_bound_and_signed_through_the_pages,
    |app| async move {
        let author = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let leader = app.user(Role::Leader, Some(MIDTJYLLAND)).await;
        app.user(Role::Leader, Some(MIDTJYLLAND)).await;
        let admin_user = app.user(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
        let id = awaiting(&app, &author).await;
        let path = format!("/applications/{id}");

        // The administrator gets a form per party and binds the leader.
        let mut admin = app.login(&admin_user).await;
        let page = admin.get(&path).await;
        assert_eq!(page.status, 200);
        assert!(page.text().contains("Hvem underskriver"), "{}", page.body);
        assert!(page.body.contains("id=\"party-leader\""), "{}", page.body);
        let r = admin
            .post_form(
                &format!("{path}/parties"),
                &[("party", "leader"), ("user_id", "")],
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(
            r.text().contains("Vælg, hvem der skal underskrive"),
            "{}",
            r.body
        );
        let leader_id = leader.id().to_string();
        let r = admin
            .post_form(
                &format!("{path}/parties"),
                &[("party", "leader"), ("user_id", &leader_id)],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);

        // The leader is shown what they sign and must tick the confirmation.
        let mut signer = app.login(&leader).await;
        let page = signer.get(&path).await;
        let text = page.text();
        assert!(
            page.body
                .contains("Du underskriver som <strong>Ledende overlæge</strong>"),
            "{text}"
        );
        assert!(text.contains("Fingeraftryk (SHA-256)"), "{text}");
        assert!(text.contains("Ansøgt beløb (tillæg pr. år)"), "{text}");
        let fingerprint = hidden_value(&page.body, "fingerprint").expect("fingerprint");
        let r = signer
            .post_form(
                &format!("{path}/transitions"),
                &[("action", "sign"), ("fingerprint", &fingerprint)],
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(signatures(&app, id).await.is_empty());
        let r = signer
            .post_form(
                &format!("{path}/transitions"),
                &[
                    ("action", "sign"),
                    ("fingerprint", &fingerprint),
                    ("confirm", "1"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let signed = signatures(&app, id).await;
        assert_eq!(signed.len(), 1);
        assert_eq!(signed[0].authenticated_by, "password");
        assert_eq!(signed[0].fingerprint, fingerprint);
    }
);

/// An agreement walked through the API to `awaiting_signatures` with the parties bound:
/// (id, author, leader, union, admin) and their API clients.
struct Walked {
    id: i64,
    author: TestUser,
    leader: TestUser,
    union: TestUser,
    admin: TestUser,
    sg: Bearer,
}

async fn approved(app: &TestApp) -> Walked {
    let author = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
    let wg = app
        .bearer(&app.user(Role::WorkingGroup, Some(MIDTJYLLAND)).await)
        .await;
    let sg = app
        .bearer(&app.user(Role::SteeringGroup, Some(MIDTJYLLAND)).await)
        .await;
    let leader = app.user(Role::Leader, Some(MIDTJYLLAND)).await;
    let union = app.user(Role::UnionRep, Some(MIDTJYLLAND)).await;
    let admin = app.user(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
    let a = app
        .complete_application(
            &author,
            MIDTJYLLAND,
            "Fælles akutmodtagelse",
            TIER_MEDIUM,
            "2022-06-01",
            "2023-05-31",
        )
        .await;
    let id = i64::from(a.id);
    let doctor = app.bearer(&author).await;
    expect_status(
        &doctor.transition(id, &step("submit", json!({}))).await,
        id,
        "submitted",
    );
    expect_status(
        &wg.transition(id, &step("forward", json!({}))).await,
        id,
        "ready_for_decision",
    );
    expect_status(
        &sg.transition(id, &step(
"approve",
json!({ "tier_ore": TIER_SMALL, "meeting_id": app.decision_meeting(MIDTJYLLAND).await }),
))
            .await,
        id,
        "awaiting_signatures",
    );
    pulje_testkit::bind_parties(
        app.db.db(),
        &admin.user,
        ApplicationId::new(id),
        [&leader.user, &author.user, &union.user, &admin.user],
    )
    .await;
    Walked {
        id,
        author,
        leader,
        union,
        admin,
        sg,
    }
}

/// Each of `signers` signs agreement `id`; the status after the last.
async fn sign_all(app: &TestApp, id: i64, signers: &[&TestUser]) -> String {
    let mut status = String::new();
    for s in signers {
        let r = app.bearer(s).await.transition(id, &sign_step()).await;
        assert_eq!(r.status, 200, "{}", r.body);
        status = r.json()["status"].as_str().unwrap().to_string();
    }
    status
}

both_backends!(
    a_change_after_the_first_signature_clears_the_signatures,
    |app| async move {
        let w = approved(&app).await;
        let id = w.id;
        sign_all(&app, id, &[&w.leader, &w.author]).await;
        assert_eq!(signatures(&app, id).await.len(), 2);

        // The administrator amends the agreement (a shorter period); the steering group
        // approves it: both signatures are cleared and their signers told.
        let before = app.get_application(id).await;
        let amended = before.data.ending_on(date("2023-02-28"));
        let mut tx = app.db.begin().await.unwrap();
        pulje_store::amendments::propose(
            &mut tx,
            &w.admin.user,
            ApplicationId::new(id),
            before.version,
            &amended,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        expect_status(
            &w.sg
                .transition(id, &step(
"approve",
json!({ "tier_ore": TIER_SMALL, "meeting_id": app.decision_meeting(MIDTJYLLAND).await }),
))
                .await,
            id,
            "awaiting_signatures",
        );
        assert!(signatures(&app, id).await.is_empty());
        let told: Vec<String> = app
            .outbox(Some(MIDTJYLLAND))
            .await
            .into_iter()
            .filter(|m| m.event == "signatures_cleared")
            .map(|m| m.recipient)
            .collect();
        assert!(told.contains(&w.leader.email), "{told:?}");
        assert!(told.contains(&w.author.email), "{told:?}");
        assert!(!told.contains(&w.union.email), "{told:?}");
        assert!(actions(&app.audit_of(id).await).contains(&"signatures_cleared"));

        // The new version is signed; a change made after the leader's signature (here straight
        // in the database) clears it at the next signature, which stands.
        sign_all(&app, id, &[&w.leader]).await;
        app.exec(&format!(
            "UPDATE applications SET title = 'Fælles akutmodtagelse, ændret' WHERE id = {id}"
        ))
        .await;
        sign_all(&app, id, &[&w.union]).await;
        let left: Vec<String> = signatures(&app, id)
            .await
            .into_iter()
            .map(|s| s.party)
            .collect();
        assert_eq!(left, ["union"]);
        let status = sign_all(&app, id, &[&w.leader, &w.author, &w.admin]).await;
        assert_eq!(status, "active");
        let signed = signatures(&app, id).await;
        assert_eq!(signed.len(), 4);
        let first = &signed[0].fingerprint;
        assert!(signed
            .iter()
            .all(|s| &s.fingerprint == first && s.agreement_version == 2));
    }
);

/// `path` as bytes, as `client` gets it.
async fn download(client: &Client, path: &str) -> (u16, Vec<u8>) {
    let r = client.http.get(client.url(path)).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.bytes().await.unwrap().to_vec())
}

/// `/verify` asked with a code and/or a PDF by an anonymous visitor.
async fn verify(app: &TestApp, code: &str, pdf: Option<&[u8]>) -> (u16, String) {
    let visitor = app.anonymous();
    let form = visitor.get("/verify").await;
    assert_eq!(form.status, 200);
    let csrf = form.csrf_token().expect("the form's CSRF token");
    let files: Vec<(&str, &[u8])> = pdf.map(|p| vec![("aftale.pdf", p)]).unwrap_or_default();
    let (ct, body) = multipart_files(&[("csrf_token", &csrf), ("code", code)], "pdf", &files);
    visitor.post_multipart("/verify", ct, body).await
}

both_backends!(
    verify_recognises_the_signed_pdf_and_rejects_a_changed_byte,
    |app| async move {
        let w = approved(&app).await;
        let id = w.id;
        let path = format!("/applications/{id}/agreement.pdf");

        // Before all have signed the PDF has no evidence page and no code.
        let leader = app.login(&w.leader).await;
        let (status, draft) = download(&leader, &path).await;
        assert_eq!(status, 200);
        let text = pulje_pdf::extract_text(&draft);
        assert!(text.contains("Ikke indgået endnu"), "{text}");
        assert!(!text.contains("Kontrolkode"), "{text}");

        let status = sign_all(&app, id, &[&w.leader, &w.author, &w.union, &w.admin]).await;
        assert_eq!(status, "active");
        let mut conn = app.db.conn().await.unwrap();
        let seal = pulje_store::signing::sealed(&mut conn, ApplicationId::new(id))
            .await
            .unwrap()
            .expect("sealed");
        drop(conn);

        // The signed PDF: issued once, the same bytes for everyone after.
        let (status, pdf) = download(&leader, &path).await;
        assert_eq!(status, 200);
        let (_, again) = download(&app.login(&w.admin).await, &path).await;
        assert_eq!(pdf, again, "the issued PDF is kept");
        let text = pulje_pdf::extract_text(&pdf).replace('\n', " ");
        for wanted in [
            "Bevilget beløb (tillæg pr. år)",
            "B6. Ansøgt beløb (tillæg pr. år)",
            "Dokumentation for underskrifterne",
            "Personlig API-nøgle",
            "Kontrolkode",
            seal.code.as_str(),
            w.leader.user.name.as_str(),
            w.union.user.name.as_str(),
        ] {
            assert!(text.contains(wanted), "{wanted} missing: {text}");
        }
        assert!(!text.contains("Ikke indgået endnu"), "{text}");

        // /verify: the PDF as issued is recognised, with nothing personal.
        let (status, page) = verify(&app, "", Some(&pdf)).await;
        assert_eq!(status, 200, "{page}");
        assert!(
            page.contains("Gyldig: PDF-filen svarer til en underskrevet aftale"),
            "{page}"
        );
        assert!(page.contains("Fælles akutmodtagelse"), "{page}");
        for name in [&w.leader.user.name, &w.author.user.name, &w.admin.user.name] {
            assert!(!page.contains(name.as_str()), "{name} shown on /verify");
        }
        // One byte changed: not recognised.
        let mut changed = pdf.clone();
        let middle = changed.len() / 2;
        changed[middle] ^= 0x01;
        let (status, page) = verify(&app, "", Some(&changed)).await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("Ikke gyldig"), "{page}");
        assert!(!page.contains("Fælles akutmodtagelse"), "{page}");
        // The code, typed carelessly, is recognised; another is not.
        let typed = seal.code.to_lowercase().replace('-', " ");
        let (_, page) = verify(&app, &typed, None).await;
        assert!(page.contains("Gyldig: Kontrolkoden svarer"), "{page}");
        let (_, page) = verify(&app, "AAAA-BBBB-CCCC", None).await;
        assert!(page.contains("Ikke gyldig"), "{page}");
        // Nothing given: a Danish message; a file that is no PDF: named.
        let (status, page) = verify(&app, "", None).await;
        assert_eq!(status, 422, "{page}");
        assert!(page.contains("Indtast kontrolkoden"), "{page}");
        let (status, page) = verify(&app, "", Some(b"hej")).await;
        assert_eq!(status, 422, "{page}");
        assert!(page.contains("ikke en PDF-fil"), "{page}");
    }
);

both_backends!(
    signing_in_a_stale_session_asks_for_the_password_and_the_code_and_records_both,
    |app| async move {
        let author = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
        let leader = app.user(Role::Leader, Some(MIDTJYLLAND)).await;
        let union = app.user(Role::UnionRep, Some(MIDTJYLLAND)).await;
        let admin = app.user(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
        let id = awaiting(&app, &author).await;
        pulje_testkit::bind_parties(
            app.db.db(),
            &admin.user,
            ApplicationId::new(id),
            [&leader.user, &author.user, &union.user, &admin.user],
        )
        .await;
        let mut signer = app.login(&leader).await;
        let (secret, _) = turn_on_second_factor(&mut signer).await;
        go_stale(&app, leader.id()).await;

        let path = format!("/applications/{id}");
        let page = signer.get(&path).await;
        let fingerprint = hidden_value(&page.body, "fingerprint").expect("fingerprint");
        let action = format!("{path}/transitions");
        let page = signer
            .post_form(
                &action,
                &[
                    ("action", "sign"),
                    ("fingerprint", &fingerprint),
                    ("confirm", "1"),
                ],
            )
            .await;
        assert_eq!(page.status, 401, "{}", page.body);
        assert!(page.body.contains("name=\"reauth_code\""), "{}", page.body);
        assert!(signatures(&app, id).await.is_empty());

        // The password without a right code is not enough.
        let again = confirm(&signer, &page, &action, PASSWORD, Some("000000x")).await;
        assert_eq!(again.status, 401, "{}", again.body);
        assert!(signatures(&app, id).await.is_empty());

        let code = code_of_step(&secret, app.last_step(leader.id()).await + 1);
        let done = confirm(&signer, &again, &action, PASSWORD, Some(&code)).await;
        assert_eq!(done.status, 303, "{}", done.body);
        let signed = signatures(&app, id).await;
        assert_eq!(signed.len(), 1);
        assert_eq!(signed[0].authenticated_by, "password_totp");
        assert_eq!(signed[0].fingerprint, fingerprint);
        let page = signer.get(&path).await;
        assert!(
            page.text().contains("Adgangskode og engangskode"),
            "{}",
            page.body
        );
    }
);
