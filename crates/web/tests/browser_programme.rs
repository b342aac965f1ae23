//! A programme set up from nothing in the browser and run: the system administrator builds a
//! small programme on the programme editor (two funders 50/50, a form, a workflow in which a
//! refusal can be appealed to a board within 30 days, a lump sum in two instalments) and seats
//! the board's member; an applicant applies; the region's administrator refuses; the applicant
//! appeals; the board grants on appeal; the region pays the first instalment, approves the
//! documentation and pays the second; the regions' and the municipalities' shares show on the
//! application's statement and on the programme's page. Headless Chromium over WebDriver, as in
//! `browser.rs` (same tools, same skip rule, a screenshot under `target/browser-failures/` on
//! failure).

#[allow(unused_macros)]
mod common;
// The harness serves `browser.rs` too; this test uses part of it.
#[allow(dead_code)]
#[path = "browser/harness.rs"]
mod harness;

use anyhow::{bail, Result};
use common::*;
use harness::{type_text, Browser};
use pulje_domain::Role;
use pulje_testkit::tools::Tool;

/// Types into the control whose `id` is given (rows of the editor repeat their labels).
async fn set(b: &Browser, id: &str, text: &str) -> Result<()> {
    let e = b.css(&format!("[id=\"{id}\"]")).await?;
    type_text(&e, text).await
}

/// Types into the control with this `aria-label` (a cell of the editor's tables).
async fn cell(b: &Browser, label: &str, text: &str) -> Result<()> {
    let e = b.aria(label).await?;
    type_text(&e, text).await
}

/// Types an ISO date into the date control with this `aria-label`.
async fn cell_date(b: &Browser, label: &str, iso: &str) -> Result<()> {
    let e = b.aria(label).await?;
    e.send_keys(&b.date_keys(iso).await?).await?;
    let value = e.prop("value").await?.unwrap_or_default();
    if value != iso {
        bail!("the date «{label}» holds «{value}», not {iso}");
    }
    Ok(())
}

/// Chooses the option whose text is `option` in the select found by `css`.
async fn pick(b: &Browser, css: &str, option: &str) -> Result<()> {
    let select = b.css(css).await?;
    let o = select
        .find(fantoccini::Locator::XPath(&format!(
            ".//option[normalize-space(.)={}]",
            harness::xpath_literal(option)
        )))
        .await?;
    o.click().await?;
    if !o.is_selected().await? {
        bail!("«{option}» in {css} did not become selected");
    }
    Ok(())
}

/// Chooses the option with this `value` in the select whose `id` is given.
async fn pick_value(b: &Browser, id: &str, value: &str) -> Result<()> {
    let o = b
        .css(&format!("[id=\"{id}\"] option[value=\"{value}\"]"))
        .await?;
    o.click().await?;
    if !o.is_selected().await? {
        bail!("{value} in {id} did not become selected");
    }
    Ok(())
}

/// Ticks the checkbox `name` with `value` (a step's states, takers and requirements).
async fn check(b: &Browser, name: &str, value: &str) -> Result<()> {
    let e = b
        .css(&format!("input[name=\"{name}\"][value=\"{value}\"]"))
        .await?;
    if !e.is_selected().await? {
        e.click().await?;
    }
    if !e.is_selected().await? {
        bail!("{name}={value} did not become ticked");
    }
    Ok(())
}

/// One step of the workflow, in the row `i` of the editor.
struct Step<'a> {
    action: &'a str,
    label: &'a str,
    from: &'a [&'a str],
    to: &'a str,
    by: &'a str,
    requires: &'a [&'a str],
    effect: &'a str,
    within_days: &'a str,
}

async fn step_row(b: &Browser, i: usize, s: &Step<'_>) -> Result<()> {
    set(b, &format!("transitions.{i}.action"), s.action).await?;
    set(b, &format!("transitions.{i}.label"), s.label).await?;
    for from in s.from {
        check(b, &format!("transitions.{i}.from"), from).await?;
    }
    pick_value(b, &format!("transitions.{i}.to"), s.to).await?;
    check(b, &format!("transitions.{i}.by"), s.by).await?;
    for r in s.requires {
        check(b, &format!("transitions.{i}.requires"), r).await?;
    }
    if !s.effect.is_empty() {
        pick(b, &format!("[id=\"transitions.{i}.effect\"]"), s.effect).await?;
    }
    set(b, &format!("transitions.{i}.within_days"), s.within_days).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(pulje_browser),
    ignore = "needs Chromium and chromedriver, not installed (scripts/install-test-tools)"
)]
async fn a_programme_set_up_from_nothing_runs_in_the_browser() {
    Tool::Chromium.require();
    let app = TestApp::spawn(Backend::Sqlite).await;
    let admin = app.user(Role::Admin, None).await;
    let applicant = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
    let region = app.user(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
    let board = app.user(Role::SteeringGroup, Some(MIDTJYLLAND)).await;
    let b = Browser::start(&app.base).await.expect("start the browser");
    let as_ = |u: &TestUser| (u.email.clone(), u.password.clone(), u.user.name.clone());
    b.guard("programme-from-nothing", async {
        // The system administrator builds the programme on the form.
        let (e, p, n) = as_(&admin);
        b.log_in(&e, &p, &n).await?;
        b.open("/admin/programmes").await?;
        b.follow("Opret et nyt program").await?;
        b.expect_text("Nyt program").await?;
        b.type_into("Id", "lille-pulje-2027").await?;
        b.type_into("Navn", "Lille pulje 2027").await?;
        b.type_into("Ejer", "Region Midtjylland og kommunerne").await?;
        b.type_date("Første ansøgningsdag", "2026-12-01").await?;
        b.type_date("Sidste ansøgningsdag", "2027-06-30").await?;
        b.type_date("Tidligste start for det, der søges til", "2027-01-01").await?;
        b.type_date("Seneste slut", "2027-12-31").await?;
        cell(&b, "Finansieringskilde 1: navn", "Regionerne").await?;
        cell(&b, "Finansieringskilde 1: andel i procent", "50").await?;
        b.press("Tilføj finansieringskilde").await?;
        cell(&b, "Finansieringskilde 2: navn", "Kommunerne").await?;
        cell(&b, "Finansieringskilde 2: andel i procent", "50").await?;
        b.choose("Pengene fordeles", "efter administratorens fordeling").await?;
        cell(&b, "Enhed 1: kode", "1082").await?;
        cell(&b, "Enhed 1: navn", "Region Midtjylland").await?;
        cell(&b, "Enhed 1: beløb i kroner", "1.000.000").await?;
        cell(&b, "Pulje 1: navn", "Midler 2027").await?;
        cell_date(&b, "Pulje 1: start", "2026-12-01").await?;
        cell_date(&b, "Pulje 1: slut", "2027-12-31").await?;
        cell(&b, "Pulje 1: beløb i kroner", "1000000").await?;
        b.type_into("Hvilken slags organisation søger", "Afdeling").await?;
        cell(&b, "Organ 1: id", "board").await?;
        cell(&b, "Organ 1: navn", "Ankenævnet").await?;
        // The form: the title is there from the start; an amount is added.
        b.press("Tilføj felt").await?;
        pick(&b, "[id=\"fields.1.section\"]", "Ansøgningen (ansoegning)").await?;
        set(&b, "fields.1.name", "amount").await?;
        set(&b, "fields.1.label", "Ansøgt beløb (kr.)").await?;
        pick(&b, "[id=\"fields.1.kind\"]", "beløb").await?;
        pick(&b, "[id=\"fields.1.required\"]", "skal udfyldes før indsendelse").await?;
        // And a budget as a file.
        b.press("Tilføj felt").await?;
        pick(&b, "[id=\"fields.2.section\"]", "Ansøgningen (ansoegning)").await?;
        set(&b, "fields.2.name", "budget").await?;
        set(&b, "fields.2.label", "Budget").await?;
        pick(&b, "[id=\"fields.2.kind\"]", "bilag").await?;
        // The states: a draft is there from the start.
        for (i, (id, label, kind)) in [
            ("submitted", "Indsendt", "i gang"),
            ("refused", "Afslået", "i gang"),
            ("appealed", "Anket", "i gang"),
            ("granted", "Bevilget", "i gang"),
            ("done", "Afsluttet", "afsluttet"),
        ]
        .into_iter()
        .enumerate()
        {
            b.press("Tilføj tilstand").await?;
            let n = i + 2;
            cell(&b, &format!("Tilstand {n}: id"), id).await?;
            cell(&b, &format!("Tilstand {n}: navn"), label).await?;
            pick(&b, &format!("[aria-label=\"Tilstand {n}: art\"]"), kind).await?;
        }
        let steps = [
            Step {
                action: "submit",
                label: "Send ansøgningen",
                from: &["draft"],
                to: "submitted",
                by: "applicant",
                requires: &["complete"],
                effect: "",
                within_days: "",
            },
            Step {
                action: "refuse",
                label: "Giv afslag",
                from: &["submitted"],
                to: "refused",
                by: "region_admin",
                requires: &["reason"],
                effect: "",
                within_days: "",
            },
            Step {
                action: "appeal",
                label: "Anke afslaget",
                from: &["refused"],
                to: "appealed",
                by: "applicant",
                requires: &["reason"],
                effect: "",
                within_days: "30",
            },
            Step {
                action: "grant_on_appeal",
                label: "Bevilg efter anke",
                from: &["appealed"],
                to: "granted",
                by: "body:board",
                requires: &["amount"],
                effect: "binder midlerne i puljen",
                within_days: "",
            },
            Step {
                action: "approve_documentation",
                label: "Godkend dokumentationen",
                from: &["granted"],
                to: "done",
                by: "region_admin",
                requires: &[],
                effect: "godkender dokumentationen, så rater, der forfalder ved dokumentation, kan udbetales",
                within_days: "",
            },
        ];
        for (i, s) in steps.iter().enumerate() {
            // Every press sends the whole form: the first step's row is there from the start,
            // and the states typed above are offered once the page has been sent.
            b.press("Tilføj trin").await?;
            step_row(&b, i, s).await?;
        }
        b.press("Tilføj rate").await?;
        cell(&b, "Rate 1: andel i procent", "50").await?;
        cell(&b, "Rate 2: andel i procent", "50").await?;
        pick(&b, "[aria-label=\"Rate 2: forfalder\"]", "når dokumentationen er godkendt").await?;
        b.press("Kontrollér").await?;
        b.expect_text("Definitionen er i orden").await?;
        b.press("Gem programmet").await?;
        b.expect_text("Lille pulje 2027").await?;
        b.expect_text("Ankenævnet").await?;
        b.type_into("Tilføj et medlem (e-mailadresse)", &board.email).await?;
        b.press("Tilføj til Ankenævnet").await?;
        b.expect_text(&board.email).await?;
        b.log_out().await?;

        // The applicant applies.
        let (e, p, n) = as_(&applicant);
        b.log_in(&e, &p, &n).await?;
        b.open("/programmes/lille-pulje-2027").await?;
        b.follow("Søg i programmet").await?;
        b.type_into("Titel", "Fælles telefonvagt med kommunerne").await?;
        b.type_into("Ansøgt beløb (kr.)", "15.000").await?;
        // The budget is chosen as a file, sent with the form.
        let budget = std::env::temp_dir().join(format!("budget-{}.pdf", std::process::id()));
        std::fs::write(&budget, b"%PDF-1.4 budget for telefonvagten")?;
        b.field("Tilføj filer")
            .await?
            .send_keys(&budget.display().to_string())
            .await?;
        b.press("Gem").await?;
        b.expect_text("Ansøgningen er gemt.").await?;
        b.expect_text(&budget.file_name().unwrap().to_string_lossy()).await?;
        let _ = std::fs::remove_file(&budget);
        let path = b.path().await?;
        b.press("Send ansøgningen").await?;
        b.expect_text("Status er nu «Indsendt»").await?;
        b.log_out().await?;

        // The region refuses it.
        let (e, p, n) = as_(&region);
        b.log_in(&e, &p, &n).await?;
        b.open(&path).await?;
        b.type_into("Begrundelse (skal udfyldes)", "Budgettet er ikke begrundet.").await?;
        b.press("Giv afslag").await?;
        b.expect_text("Status er nu «Afslået»").await?;
        b.log_out().await?;

        // The applicant appeals within the 30 days.
        let (e, p, n) = as_(&applicant);
        b.log_in(&e, &p, &n).await?;
        b.open(&path).await?;
        b.type_into("Begrundelse (skal udfyldes)", "Budgettet står i bilaget.").await?;
        b.press("Anke afslaget").await?;
        b.expect_text("Status er nu «Anket»").await?;
        b.log_out().await?;

        // The board grants on appeal.
        let (e, p, n) = as_(&board);
        b.log_in(&e, &p, &n).await?;
        b.open(&path).await?;
        b.type_into("Bevilget beløb (kr.)", "10.000").await?;
        b.press("Bevilg efter anke").await?;
        b.expect_text("Status er nu «Bevilget»").await?;
        b.log_out().await?;

        // The region pays the first instalment, approves the documentation, pays the second.
        let (e, p, n) = as_(&region);
        b.log_in(&e, &p, &n).await?;
        b.open(&path).await?;
        b.press("Udbetal rate 1").await?;
        b.expect_text("Regionerne: 2.500 kr.; Kommunerne: 2.500 kr.").await?;
        b.press("Godkend dokumentationen").await?;
        b.expect_text("Status er nu «Afsluttet»").await?;
        b.press("Udbetal rate 2").await?;
        let text = b.text().await?;
        if text.contains("Udbetal rate") {
            bail!("an instalment is still unpaid: {text}");
        }
        if text.matches("Regionerne: 2.500 kr.; Kommunerne: 2.500 kr.").count() != 2 {
            bail!("both instalments should show the shares: {text}");
        }
        b.open("/programmes/lille-pulje-2027").await?;
        b.expect_text("Udbetalt fordelt på finansieringskilder").await?;
        let text = b.text().await?;
        let paid = text
            .split("Udbetalt fordelt på finansieringskilder")
            .nth(1)
            .and_then(|rest| rest.split("Organer").next())
            .unwrap_or_default();
        if !(paid.contains("Regionerne")
            && paid.contains("Kommunerne")
            && paid.matches("5.000 kr.").count() == 2)
        {
            bail!("the programme's page should show 5.000 kr. paid by each funder: {paid}");
        }
        Ok(())
    })
    .await;
    b.quit().await;
}
