//! The programme editor (`/admin/programmes/opret`, `/admin/programmes/{id}/opsaetning`): a
//! programme set up on the form from nothing, rows added without losing what was typed, a
//! definition that does not hold together refused with its problems named and everything typed
//! shown again, the next version saved, a programme copied, and nobody but the system
//! administrator let in.

#[macro_use]
mod common;

use common::*;
use pulje_domain::Role;

/// A small programme from nothing: two funders 50/50, a form of two fields, a refusal
/// appealable to a board within 30 days, a lump sum paid in two instalments.
fn small() -> Vec<(&'static str, &'static str)> {
    vec![
        ("id", "lille-pulje-2027"),
        ("name", "Lille pulje 2027"),
        ("owner", "Region Midtjylland og kommunerne"),
        ("description", "Små beløb til samarbejde på tværs."),
        ("window.opens", "2027-01-01"),
        ("window.closes", "2027-06-30"),
        ("window.period_start", "2027-01-01"),
        ("window.period_end", "2027-12-31"),
        ("funders.0.name", "Regionerne"),
        ("funders.0.share_percent", "50"),
        ("funders.1.name", "Kommunerne"),
        ("funders.1.share_percent", "50"),
        ("split.key", "manual"),
        ("split.basis", ""),
        ("units.0.code", "1082"),
        ("units.0.name", "Region Midtjylland"),
        ("units.0.amount_kr", "1.000.000"),
        ("tranches.0.name", "Midler 2027"),
        ("tranches.0.start", "2027-01-01"),
        ("tranches.0.end", "2027-12-31"),
        ("tranches.0.amount_kr", "1000000"),
        ("applicants.roles", "applicant"),
        ("applicants.organisation", "Afdeling"),
        ("bodies.0.id", "board"),
        ("bodies.0.name", "Ankenævnet"),
        ("sections.0.id", "projekt"),
        ("sections.0.title", "Projektet"),
        ("fields.0.section", "projekt"),
        ("fields.0.name", "title"),
        ("fields.0.label", "Titel"),
        ("fields.0.kind", "text"),
        ("fields.0.required", "always"),
        ("fields.1.section", "projekt"),
        ("fields.1.name", "amount"),
        ("fields.1.label", "Ansøgt beløb (kr.)"),
        ("fields.1.kind", "amount"),
        ("fields.1.required", "submit"),
        ("workflow.initial", "draft"),
        ("states.0.id", "draft"),
        ("states.0.label", "Kladde"),
        ("states.0.kind", "editable"),
        ("states.1.id", "submitted"),
        ("states.1.label", "Indsendt"),
        ("states.1.kind", "open"),
        ("states.2.id", "refused"),
        ("states.2.label", "Afslået"),
        ("states.2.kind", "open"),
        ("states.3.id", "appealed"),
        ("states.3.label", "Anket"),
        ("states.3.kind", "open"),
        ("states.4.id", "granted"),
        ("states.4.label", "Bevilget"),
        ("states.4.kind", "open"),
        ("states.5.id", "done"),
        ("states.5.label", "Afsluttet"),
        ("states.5.kind", "final"),
        ("transitions.0.action", "submit"),
        ("transitions.0.label", "Send"),
        ("transitions.0.from", "draft"),
        ("transitions.0.to", "submitted"),
        ("transitions.0.by", "applicant"),
        ("transitions.0.requires", "complete"),
        ("transitions.1.action", "refuse"),
        ("transitions.1.label", "Giv afslag"),
        ("transitions.1.from", "submitted"),
        ("transitions.1.to", "refused"),
        ("transitions.1.by", "region_admin"),
        ("transitions.1.requires", "reason"),
        ("transitions.2.action", "appeal"),
        ("transitions.2.label", "Anke"),
        ("transitions.2.from", "refused"),
        ("transitions.2.to", "appealed"),
        ("transitions.2.by", "applicant"),
        ("transitions.2.requires", "reason"),
        ("transitions.2.within_days", "30"),
        ("transitions.3.action", "grant_on_appeal"),
        ("transitions.3.label", "Bevilg efter anke"),
        ("transitions.3.from", "appealed"),
        ("transitions.3.to", "granted"),
        ("transitions.3.by", "body:board"),
        ("transitions.3.requires", "amount"),
        ("transitions.3.effect", "commit"),
        ("transitions.4.action", "close"),
        ("transitions.4.label", "Afslut"),
        ("transitions.4.from", "refused"),
        ("transitions.4.from", "granted"),
        ("transitions.4.from", "appealed"),
        ("transitions.4.to", "done"),
        ("transitions.4.by", "region_admin"),
        ("money.kind", "lump_sum"),
        ("instalments.0.share_percent", "50"),
        ("instalments.0.due", "approval"),
        ("instalments.1.share_percent", "50"),
        ("instalments.1.due", "on"),
        ("instalments.1.date", "2027-09-01"),
        ("esections.0.id", "resultat"),
        ("esections.0.title", "Resultat"),
        ("efields.0.section", "resultat"),
        ("efields.0.name", "result"),
        ("efields.0.label", "Hvad blev resultatet?"),
        ("efields.0.kind", "long_text"),
        ("efields.0.required", "submit"),
        ("mail.0.on", "refuse"),
        ("mail.0.to", "applicant"),
        ("mail.0.subject", "Afslag: {titel}"),
        (
            "mail.0.body",
            "Du har fået afslag:\n\n{kommentar}\n\nDu kan anke inden 30 dage: {link}",
        ),
        ("report.0.id", "resultater"),
        ("report.0.title", "Resultater"),
    ]
}

fn with<'a>(
    mut pairs: Vec<(&'a str, &'a str)>,
    extra: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    for (k, v) in extra {
        pairs.retain(|(key, _)| key != k);
        pairs.push((k, v));
    }
    pairs
}

both_backends!(
    a_programme_is_set_up_on_the_form_from_nothing,
    |app| async move {
        let mut admin = app.client_as(Role::Admin, None).await;
        let page = admin.get("/admin/programmes/opret").await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains("Nyt program"), "{}", page.body);
        assert!(
            page.body.contains("name=\"funders.0.name\""),
            "{}",
            page.body
        );
        assert!(
            !page.body.contains("name=\"funders.1.name\""),
            "{}",
            page.body
        );

        // «Tilføj finansieringskilde» adds a row and keeps what was typed.
        let typed = [
            ("name", "Lille pulje 2027"),
            ("funders.0.name", "Regionerne"),
            ("funders.0.share_percent", "50"),
            ("handling", "tilfoej:funders"),
        ];
        let r = admin.post_form("/admin/programmes/opret", &typed).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body.contains("name=\"funders.1.name\""), "{}", r.body);
        assert!(r.body.contains("value=\"Lille pulje 2027\""), "{}", r.body);
        assert!(r.body.contains("value=\"Regionerne\""), "{}", r.body);

        // A row marked «Fjern» goes.
        let r = admin
            .post_form(
                "/admin/programmes/opret",
                &[
                    ("funders.0.name", "Regionerne"),
                    ("funders.1.name", "Væk"),
                    ("funders.1.fjern", "1"),
                    ("handling", "kontroller"),
                ],
            )
            .await;
        assert!(!r.body.contains("Væk"), "{}", r.body);

        // A share that is not a number, and a step nobody can take from a state that does not
        // exist: refused, every problem named, everything typed shown again.
        let bad = with(
            small(),
            &[
                ("funders.1.share_percent", "halvdelen"),
                ("handling", "gem"),
            ],
        );
        let r = admin.post_form("/admin/programmes/opret", &bad).await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body.contains("Finansiering, række 2"), "{}", r.body);
        assert!(
            r.body.contains("«halvdelen» er ikke et helt tal"),
            "{}",
            r.body
        );
        assert!(r.body.contains("value=\"halvdelen\""), "{}", r.body);
        assert!(r.body.contains("value=\"Bevilg efter anke\""), "{}", r.body);
        let unreachable = with(
            small(),
            &[("transitions.3.from", "nowhere"), ("handling", "gem")],
        );
        let r = admin
            .post_form("/admin/programmes/opret", &unreachable)
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body.contains("Sagsgang (workflow"), "{}", r.body);
        assert!(r.body.contains("nowhere"), "{}", r.body);
        let unknown_placeholder = with(
            small(),
            &[("mail.0.subject", "Afslag til {navn}"), ("handling", "gem")],
        );
        let r = admin
            .post_form("/admin/programmes/opret", &unknown_placeholder)
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body.contains("Breve (mail"), "{}", r.body);
        assert!(r.body.contains("{navn}"), "{}", r.body);
        let listed = admin.get("/admin/programmes").await;
        assert!(!listed.body.contains("lille-pulje-2027"), "{}", listed.body);

        // «Kontrollér» on a good definition saves nothing.
        let r = admin
            .post_form(
                "/admin/programmes/opret",
                &with(small(), &[("handling", "kontroller")]),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body.contains("Definitionen er i orden"), "{}", r.body);

        // «Gem» sets it up.
        let r = admin
            .post_form(
                "/admin/programmes/opret",
                &with(small(), &[("handling", "gem")]),
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(
            r.location(),
            Some("/programmes/lille-pulje-2027?version=1#opbygning")
        );
        let def = admin
            .get("/api/v1/programmes/lille-pulje-2027/definition")
            .await
            .json();
        assert_eq!(def["version"], 1);
        assert_eq!(def["funders"][1]["name"], "Kommunerne");
        assert_eq!(def["split"]["units"][0]["amount_kr"], 1_000_000);
        assert_eq!(def["workflow"]["transitions"][2]["within_days"], 30);
        assert_eq!(def["workflow"]["transitions"][3]["by"][0], "body:board");
        assert_eq!(def["money"]["instalments"][1]["due"]["on"], "2027-09-01");
        assert_eq!(def["form"]["sections"][0]["fields"][1]["kind"], "amount");
        assert_eq!(
            def["evaluation"]["sections"][0]["fields"][0]["kind"],
            "long_text"
        );
        assert_eq!(def["mail"][0]["to"][0], "applicant");
        assert_eq!(
            def["mail"][0]["body"],
            "Du har fået afslag:\n\n{kommentar}\n\nDu kan anke inden 30 dage: {link}"
        );
        assert_eq!(def["report"][0]["title"], "Resultater");
        let shown = admin.get("/programmes/lille-pulje-2027").await;
        assert!(shown.body.contains("Ankenævnet"), "{}", shown.body);

        // The same id again is refused.
        let r = admin
            .post_form(
                "/admin/programmes/opret",
                &with(small(), &[("handling", "gem")]),
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body.contains("findes allerede"), "{}", r.body);

        // Its set-up on the form; a change is the next version, and the id cannot change.
        let form = admin
            .get("/admin/programmes/lille-pulje-2027/opsaetning")
            .await;
        assert_eq!(form.status, 200, "{}", form.body);
        assert!(
            form.body.contains("value=\"Bevilg efter anke\""),
            "{}",
            form.body
        );
        assert!(form.body.contains("Gem version 2"), "{}", form.body);
        let changed = with(
            small(),
            &[
                ("id", "et-andet-id"),
                ("name", "Lille pulje 2027, revideret"),
                ("handling", "gem"),
            ],
        );
        let r = admin
            .post_form("/admin/programmes/lille-pulje-2027/opsaetning", &changed)
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let def = admin
            .get("/api/v1/programmes/lille-pulje-2027/definition")
            .await
            .json();
        assert_eq!(def["version"], 2);
        assert_eq!(def["id"], "lille-pulje-2027");
        assert_eq!(def["name"], "Lille pulje 2027, revideret");

        // Next year's programme starts as a copy, without an id of its own.
        let copy = admin
            .get("/admin/programmes/opret?fra=programme:lille-pulje-2027")
            .await;
        assert_eq!(copy.status, 200, "{}", copy.body);
        assert!(copy.body.contains("revideret (kopi)"), "{}", copy.body);
        assert!(
            copy.body
                .contains("id=\"id\" name=\"id\" type=\"text\" value=\"\""),
            "{}",
            copy.body
        );
        assert!(copy.body.contains("value=\"Ankenævnet\""), "{}", copy.body);
        let example = admin
            .get("/admin/programmes/opret?fra=eksempel:sundhedsklynger-2022")
            .await;
        assert_eq!(example.status, 200, "{}", example.body);
        // Its evaluation form, report and mail are on the form too.
        for shown in [
            "name=\"efields.0.label\"",
            "value=\"Hvad har indsatsen opnået?\"",
            "value=\"Resultater og forankring\"",
            "value=\"Indstilling til beslutning: {titel}\"",
        ] {
            assert!(example.body.contains(shown), "{shown}: {}", example.body);
        }
        assert!(
            !example.body.contains("Følger med uændret"),
            "{}",
            example.body
        );
        let unknown = admin
            .get("/admin/programmes/opret?fra=programme:findes-ikke")
            .await;
        assert_eq!(unknown.status, 404, "{}", unknown.body);
    }
);

both_backends!(
    only_the_system_administrator_sets_programmes_up,
    |app| async move {
        for role in [Role::RegionAdmin, Role::SteeringGroup, Role::Applicant] {
            let mut c = app.client_as(role, Some(MIDTJYLLAND)).await;
            let r = c.get("/admin/programmes/opret").await;
            assert_eq!(r.status, 403, "{role:?}: {}", r.body);
            let r = c.get("/admin/programmes/ok21/opsaetning").await;
            assert_eq!(r.status, 403, "{role:?}: {}", r.body);
            let r = c
                .post_form(
                    "/admin/programmes/opret",
                    &with(small(), &[("handling", "gem")]),
                )
                .await;
            assert_eq!(r.status, 403, "{role:?}: {}", r.body);
            let r = c
                .post_form(
                    "/admin/programmes/ok21/opsaetning",
                    &[("name", "Kapret"), ("handling", "gem")],
                )
                .await;
            assert_eq!(r.status, 403, "{role:?}: {}", r.body);
        }
        let admin = app.client_as(Role::Admin, None).await;
        let listed = admin.get("/admin/programmes").await;
        assert!(!listed.body.contains("lille-pulje-2027"), "{}", listed.body);
        // OK21's own set-up opens on the form, with what the form does not show named.
        let ok21 = admin.get("/admin/programmes/ok21/opsaetning").await;
        assert_eq!(ok21.status, 200, "{}", ok21.body);
        assert!(ok21.body.contains("Følger med uændret"), "{}", ok21.body);
        let r = admin.get("/admin/programmes/findes-ikke/opsaetning").await;
        assert_eq!(r.status, 404, "{}", r.body);
    }
);
