//! End-to-end tests in a real browser: headless Chromium driven over WebDriver (chromedriver),
//! against the application on a fresh SQLite database.
//!
//! - `a_trial_walks_the_whole_path_in_the_browser`: the people of region 1082 take a trial from
//!   the empty form to a signed agreement, only through the pages.
//! - `main_pages_have_no_serious_accessibility_violations`: axe-core (WCAG 2.0/2.1 A and AA) on
//!   the main pages.
//! - `the_application_form_works_by_keyboard`: tab order, visible focus, the error summary and the
//!   invalid fields' descriptions after a refused save.
//! - `a_person_logs_in_through_the_openid_provider_in_the_browser`: single sign-on through a real
//!   OpenID provider (npm's oidc-provider, `tests/oidc`), with axe-core on the pages it adds.
//! - `a_person_turns_on_the_second_factor_in_the_browser`: TOTP turned on from "Min konto" with
//!   the code computed from the secret on the page, then asked at the next login; axe-core on
//!   each of its pages.
//!
//! They need Debian's `chromium` and `chromium-driver` (`/usr/bin/chromium`,
//! `/usr/bin/chromedriver`), the accessibility test also axe-core (from npm, in `tests/axe`);
//! `scripts/install-test-tools` installs them. A test whose tool is missing is reported as
//! ignored, naming the tool (`cfg(pulje_browser)`, `cfg(pulje_axe)`, set by `build.rs` through
//! `pulje_testkit::tools`), and fails instead when `PULJE_TEST_REQUIRE_ALL` is set.
//! On failure each test saves a screenshot and the page's HTML under `target/browser-failures/`.

#[allow(unused_macros)]
mod common;
#[path = "browser/harness.rs"]
mod harness;
#[path = "oidc/idp.rs"]
mod idp;

use anyhow::{bail, ensure, Context as _, Result};
use common::*;
use harness::Browser;
use pulje_domain::{ApplicationStatus, Ore, Role, UserId};
use pulje_testkit::tools::{self, Tool};
use serde_json::Value;

/// A test user's e-mail, password and display name.
struct Person {
    email: String,
    password: String,
    name: String,
}

impl Person {
    async fn new(app: &TestApp, role: Role) -> Person {
        Person::of(&app.user(role, Some(MIDTJYLLAND)).await)
    }

    fn of(u: &TestUser) -> Person {
        Person {
            name: u.user.name.clone(),
            email: u.email.clone(),
            password: u.password.clone(),
        }
    }
}

impl Browser {
    async fn log_in_as(&self, p: &Person) -> Result<()> {
        self.log_in(&p.email, &p.password, &p.name).await
    }

    /// From anywhere: the application list, then the application with this title.
    async fn open_application(&self, title: &str) -> Result<()> {
        self.follow("Ansøgninger").await?;
        self.follow(title).await?;
        self.css("h1").await?;
        Ok(())
    }

    /// Takes a step on the detail page by pressing its button; expects the confirmation.
    async fn step(&self, button: &str, status_after: &str) -> Result<()> {
        self.press(button).await?;
        self.expect_text(&format!("Udført: {button}. Status er nu «{status_after}»."))
            .await
    }
}

/// Kroner as the pages show them (`1.234.567 kr.`, `12,50 kr.`) in øre.
fn ore_of(text: &str) -> Option<i64> {
    let t = text.trim().strip_suffix("kr.")?.trim().replace('.', "");
    let (kr, ore) = match t.split_once(',') {
        Some((k, o)) => (k.to_string(), o.to_string()),
        None => (t, "0".into()),
    };
    Some(kr.parse::<i64>().ok()? * 100 + ore.parse::<i64>().ok()?)
}

// --- 1. the whole path ----------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(pulje_browser),
    ignore = "needs Chromium and chromedriver, not installed (scripts/install-test-tools)"
)]
async fn a_trial_walks_the_whole_path_in_the_browser() {
    Tool::Chromium.require();
    let app = TestApp::spawn(Backend::Sqlite).await;
    let applicant = Person::new(&app, Role::Applicant).await;
    let wg = Person::new(&app, Role::WorkingGroup).await;
    let sg = Person::new(&app, Role::SteeringGroup).await;
    let leader = Person::new(&app, Role::Leader).await;
    let union = Person::new(&app, Role::UnionRep).await;
    let region_admin = Person::new(&app, Role::RegionAdmin).await;
    let b = Browser::start(&app.base).await.expect("start the browser");
    let title = "Brobygger mellem akutafdeling og kommune";
    let comment = "Beskriv venligst i B2, hvordan forsøget evalueres – fx med run charts.";
    let mut id = 0;
    b.guard("whole-path", async {
        // The applicant writes the agreement form.
        b.log_in_as(&applicant).await?;
        b.follow("Ansøgninger").await?;
        b.follow("Ny ansøgning").await?;
        b.expect_text("Ny ansøgning").await?;
        b.choose("Hospital", "Aarhus Universitetshospital").await?;
        b.type_into("A1. Hospital/afdeling", "Aarhus Universitetshospital, Akutafdelingen")
            .await?;
        b.type_into("A2. Forsøgets titel", title).await?;
        b.type_into("A3. Ansvarlig leder for forsøget", "Ledende overlæge Birgit Møller")
            .await?;
        b.type_into("A4. Ansvarlig afdelingslæge", &applicant.name).await?;
        b.tick("Tværsektorielle patientforløb (brobygger)").await?;
        b.type_into(
            "Hvorfor hører forsøget under området?",
            "Forsøget handler om overgangen mellem hospital og kommune.",
        )
        .await?;
        b.type_into("B1. Formål", "At give afdelingslægen ansvar for forløb mellem hospital og kommune.")
            .await?;
        b.type_into("B2. Beskrivelse", "Afdelingslægen leder ugentlige møder med kommunens sygeplejersker.")
            .await?;
        b.type_into(
            "B3. Indhold (hvad er aftalt?)",
            "Et årligt funktionstillæg; opgaverne ligger inden for normal arbejdstid.",
        )
        .await?;
        b.type_into("B3. Afvigelser fra arbejdstidsreglerne", "Ingen").await?;
        type_aria(&b, "Deltager 1: navn", &applicant.name).await?;
        type_aria(&b, "Deltager 1: rolle", "afdelingslæge").await?;
        b.tick_aria("Deltager 1 får tillæg").await?;
        b.type_into("B4. I hvilken periode kører forsøget?", "April 2022 til udgangen af 2023.")
            .await?;
        b.type_into("B5. Organisering", "Afdelingsledelsen følger forsøget kvartalsvis.")
            .await?;
        b.choose("B6. Tillægsstørrelse (årligt funktionstillæg)", "35.000 kr.")
            .await?;
        b.type_into("B6. Uddybende bemærkninger", "Evalueres med regionens skema.")
            .await?;
        b.type_date("C.2 Dato for forsøgets opstart", "2022-04-01").await?;
        b.type_date("C.3 Dato for forsøgets afslutning", "2023-12-31").await?;
        b.type_into("Ledende overlæge (indgår aftalen)", "Birgit Møller").await?;
        b.type_into("Afdelingslæge (indgår aftalen)", &applicant.name).await?;
        b.type_into("For YL (godkender)", "Regional tovholder").await?;
        b.type_into("For regionen (godkender)", "HR, Region Midtjylland").await?;
        b.press("Gem").await?;
        b.expect_text("Ansøgningen er gemt.").await?;
        b.expect_text("Kladde").await?;
        let text = b.text().await?;
        ensure!(
            !text.contains("Før ansøgningen kan sendes, mangler"),
            "the complete form still misses something:\n{text}"
        );
        let path = b.path().await?;
        id = path
            .strip_prefix("/applications/")
            .and_then(|r| r.split('?').next())
            .and_then(|n| n.parse().ok())
            .with_context(|| format!("no application id in {path}"))?;
        b.step("Send ansøgningen", "Indsendt").await?;
        b.log_out().await?;

        // The working group returns it with a comment.
        b.log_in_as(&wg).await?;
        b.open_application(title).await?;
        b.type_into("Kommentar til ansøgeren (skal udfyldes)", comment)
            .await?;
        b.step("Send retur til ansøger", "Sendt retur").await?;
        b.log_out().await?;

        // The applicant reads the comment, edits and resubmits.
        b.log_in_as(&applicant).await?;
        b.open_application(title).await?;
        b.expect_text(comment).await?;
        b.expect_text("Sendt retur").await?;
        b.follow("Rediger").await?;
        b.type_into(
            "B2. Beskrivelse",
            "Afdelingslægen leder møderne; forsøget evalueres med run charts hver måned.",
        )
        .await?;
        b.press("Gem").await?;
        b.expect_text("Ansøgningen er gemt.").await?;
        b.expect_text("evalueres med run charts hver måned").await?;
        b.step("Send ansøgningen", "Indsendt").await?;
        b.log_out().await?;

        // The working group forwards it.
        b.log_in_as(&wg).await?;
        b.open_application(title).await?;
        b.type_into("Kommentar (frivillig)", "Kvalitetssikret.").await?;
        b.step("Send videre til styregruppen", "Klar til beslutning")
            .await?;
        b.log_out().await?;

        // The steering group approves the high tier, not the medium one asked for.
        b.log_in_as(&sg).await?;
        b.open_application(title).await?;
        b.choose("Bevilget tillæg pr. år", "50.000 kr.").await?;
        // Decided today, years after OK21's tranches closed: the form says so, and the steering
        // group writes why it approves anyway.
        b.expect_text("Godkendes forsøget i dag, er det en undtagelse").await?;
        b.type_into(
            "Begrundelse for en undtagelse (skal udfyldes)",
            "Forsøget blev aftalt i 2022; beslutningen registreres nu.",
        )
        .await?;
        b.step("Godkend", "Afventer underskrifter").await?;
        b.expect_text("50.000 kr.").await?;
        b.log_out().await?;

        // The region's administrator binds the four parties to the accounts proposed.
        b.log_in_as(&region_admin).await?;
        b.open_application(title).await?;
        for party in [
            "Ledende overlæge",
            "Ansvarlig afdelingslæge",
            "For YL",
            "For regionen",
        ] {
            b.press(&format!("Udpeg underskriver for «{party}»"))
                .await?;
            b.expect_text("Parten er udpeget").await?;
        }
        b.log_out().await?;

        // The four parties sign, each ticking that they have read what they sign; the last
        // signature makes the agreement active.
        for (who, capacity, after) in [
            (&leader, "Ledende overlæge", "Afventer underskrifter"),
            (&applicant, "Ansvarlig afdelingslæge", "Afventer underskrifter"),
            (&union, "For YL", "Afventer underskrifter"),
            (&region_admin, "For regionen", "Aktiv"),
        ] {
            b.log_in_as(who).await?;
            b.open_application(title).await?;
            b.tick(&format!(
                "Jeg har læst aftalen og underskriver den som {capacity}"
            ))
            .await?;
            b.step("Underskriv", after)
                .await
                .with_context(|| format!("signing as {}", who.email))?;
            if after == "Aktiv" {
                break;
            }
            b.log_out().await?;
        }
        let text = b.text().await?;
        let total = text
            .lines()
            .skip_while(|l| l.trim() != "Disponeret i alt")
            .nth(1)
            .and_then(ore_of)
            .with_context(|| format!("no «Disponeret i alt» on the detail page:\n{text}"))?;
        ensure!(total > 0, "nothing committed: {total} øre");

        // The region's dashboard shows the committed money.
        b.follow("Regionens overblik").await?;
        b.expect_text("Puljen pr. periode").await?;
        let rows = b
            .client
            .execute(
                "const t = [...document.querySelectorAll('table')].find(t => \
                   [...t.querySelectorAll('th')].some(h => h.innerText.trim() === 'Disponeret'));\
                 if (!t) return null;\
                 const col = [...t.querySelectorAll('thead th')].findIndex(h => h.innerText.trim() === 'Disponeret');\
                 return [...t.querySelectorAll('tbody tr')].map(r => r.cells[col].innerText);",
                vec![],
            )
            .await?;
        let committed: Vec<String> = match rows {
            Value::Array(a) => a
                .iter()
                .map(|v| v.as_str().unwrap_or_default().to_string())
                .collect(),
            other => bail!("no pool table with a «Disponeret» column on the dashboard: {other}"),
        };
        ensure!(!committed.is_empty(), "the pool table has no rows");
        let amounts: Vec<i64> = committed.iter().filter_map(|c| ore_of(c)).collect();
        ensure!(
            amounts.len() == committed.len(),
            "unreadable amounts: {committed:?}"
        );
        ensure!(
            amounts.iter().any(|a| *a > 0),
            "the dashboard shows nothing committed: {committed:?}"
        );
        ensure!(
            amounts.iter().sum::<i64>() == total,
            "the dashboard's committed amounts {committed:?} do not add up to the agreement's {total} øre"
        );
        Ok(())
    })
    .await;
    b.quit().await;

    // What the pages did is what was stored.
    let stored = app.get_application(id).await;
    assert_eq!(stored.status, ApplicationStatus::Active);
    assert_eq!(stored.granted_ore, Some(Ore::from_ore(TIER_HIGH)));
    assert_eq!(
        stored.data.supplement_ore().map(|s| s.ore()),
        Some(TIER_MEDIUM)
    );
    assert_eq!(
        stored.data.start_date().map(|d| d.to_string()).as_deref(),
        Some("2022-04-01")
    );
    assert_eq!(
        stored.data.end_date().map(|d| d.to_string()).as_deref(),
        Some("2023-12-31")
    );
    assert_eq!(stored.data.participants().len(), 1);
    assert!(stored.data.participants()[0].receives_supplement);
}

async fn type_aria(b: &Browser, label: &str, text: &str) -> Result<()> {
    let e = b.aria(label).await?;
    harness::type_text(&e, text)
        .await
        .with_context(|| format!("typing into «{label}»"))
}

// --- 3. accessibility with axe-core -----------------------------------------------------------

/// Where `npm install --no-save --prefix crates/web/tests/axe axe-core@4` puts axe-core.
fn axe_source() -> String {
    let path = tools::resolve(tools::AXE_CORE);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("axe-core cannot be read ({}: {e})", path.display()))
}

/// The WCAG 2.0/2.1 A and AA rules axe-core runs.
const AXE_TAGS: [&str; 4] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/// One rule axe-core found broken on a page.
#[derive(Debug)]
struct Violation {
    page: String,
    rule: String,
    impact: String,
    help: String,
    /// Each failing element: its CSS selector and its HTML.
    targets: Vec<(String, String)>,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "[{}] {} on {}: {}",
            self.impact, self.rule, self.page, self.help
        )?;
        for (target, html) in &self.targets {
            let html: String = html.chars().take(160).collect();
            writeln!(f, "    {target}  {html}")?;
        }
        Ok(())
    }
}

impl Browser {
    /// Injects axe-core into the current page and returns its WCAG A/AA violations.
    async fn axe(&self, axe: &str, page: &str) -> Result<Vec<Violation>> {
        self.client
            .execute(axe, vec![])
            .await
            .context("injecting axe-core")?;
        let result = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];\
                 axe.run(document, { runOnly: { type: 'tag', values: arguments[0] }, resultTypes: ['violations'] })\
                   .then(r => done({ passes: r.passes.length, violations: r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,\
                      nodes: v.nodes.map(n => ({ target: n.target.join(' '), html: n.html })) })) }))\
                   .catch(e => done({ error: String(e) }));",
                vec![serde_json::json!(AXE_TAGS)],
            )
            .await
            .context("running axe-core")?;
        if let Some(e) = result.get("error") {
            bail!("axe-core failed on {page}: {e}");
        }
        // A run that checked nothing would pass silently.
        let passes = result["passes"].as_u64().unwrap_or(0);
        if passes == 0 {
            bail!("axe-core checked no rule on {page}: {result}");
        }
        eprintln!(
            "axe: {page}: {passes} rules passed, {} violated",
            result["violations"].as_array().map_or(0, |v| v.len())
        );
        let list = result["violations"]
            .as_array()
            .with_context(|| format!("axe-core's answer has no violations list: {result}"))?;
        Ok(list
            .iter()
            .map(|v| Violation {
                page: page.to_string(),
                rule: v["id"].as_str().unwrap_or_default().into(),
                impact: v["impact"].as_str().unwrap_or("unknown").into(),
                help: v["help"].as_str().unwrap_or_default().into(),
                targets: v["nodes"]
                    .as_array()
                    .map(|nodes| {
                        nodes
                            .iter()
                            .map(|n| {
                                (
                                    n["target"].as_str().unwrap_or_default().into(),
                                    n["html"].as_str().unwrap_or_default().into(),
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            })
            .collect())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(pulje_browser),
    ignore = "needs Chromium and chromedriver, not installed (scripts/install-test-tools)"
)]
#[cfg_attr(
    all(pulje_browser, not(pulje_axe)),
    ignore = "needs axe-core, not installed (scripts/install-test-tools)"
)]
async fn main_pages_have_no_serious_accessibility_violations() {
    Tool::Chromium.require();
    Tool::AxeCore.require();
    let axe = axe_source();
    let app = TestApp::spawn(Backend::Sqlite).await;
    let applicant_user = app.user(Role::Applicant, Some(MIDTJYLLAND)).await;
    let applicant = Person::of(&applicant_user);
    let wg = Person::new(&app, Role::WorkingGroup).await;
    let region_admin_user = app.user(Role::RegionAdmin, Some(MIDTJYLLAND)).await;
    let region_admin = Person::of(&region_admin_user);
    // An agreement awaiting signatures, the applicant bound to sign as the afdelingslæge.
    let to_sign = {
        let a = app
            .complete_application(
                &applicant_user,
                MIDTJYLLAND,
                "Aftale til underskrift til tilgængelighedstjek",
                TIER_MEDIUM,
                "2022-06-01",
                "2023-05-31",
            )
            .await;
        let a = app
            .set_status(i64::from(a.id), ApplicationStatus::AwaitingSignatures, None)
            .await;
        let mut tx = app.db.begin().await.expect("begin");
        pulje_store::signing::bind(
            &mut tx,
            &region_admin_user.user,
            &a,
            pulje_domain::workflow::Party::Doctor,
            applicant_user.user.id,
        )
        .await
        .expect("bind");
        tx.commit().await.expect("commit");
        a.id
    };
    let draft = app
        .complete_application(
            &applicant_user,
            MIDTJYLLAND,
            "Kladde til tilgængelighedstjek",
            TIER_MEDIUM,
            "2022-04-01",
            "2023-12-31",
        )
        .await;
    let submitted = app
        .complete_application(
            &applicant_user,
            MIDTJYLLAND,
            "Indsendt til tilgængelighedstjek",
            TIER_MEDIUM,
            "2022-06-01",
            "2023-05-31",
        )
        .await;
    app.set_status(i64::from(submitted.id), ApplicationStatus::Submitted, None)
        .await;
    let active = app
        .complete_application(
            &applicant_user,
            MIDTJYLLAND,
            "Aktiv aftale til tilgængelighedstjek",
            TIER_MEDIUM,
            "2022-04-01",
            "2023-03-31",
        )
        .await;
    app.set_status(i64::from(active.id), ApplicationStatus::Active, None)
        .await;
    // A payroll batch of its first month (no employee number yet: the page says so).
    app.exec(&format!(
        "INSERT INTO agreement_months (application_id, programme_id, region_code, month, amount_ore) \
         VALUES ({}, 'ok21', {MIDTJYLLAND}, '2022-04-01', 291667)",
        active.id
    ))
    .await;
    let batch = {
        let mut tx = app.db.begin().await.expect("begin");
        let b = pulje_store::payroll::create_batch(
            &mut tx,
            &pulje_store::Actor::system("test"),
            "ok21",
            rc(MIDTJYLLAND),
            chrono::NaiveDate::from_ymd_opt(2022, 4, 30).unwrap(),
        )
        .await
        .expect("a batch");
        tx.commit().await.expect("commit");
        b.id
    };
    // An imported draft, whose edit form is the review screen with the file's text.
    let imported = pulje_app::imports::import_forms(
        &mut app.db.handle(),
        &applicant_user.actor(),
        &pulje_app::imports::Destination {
            programme_id: "ok21",
            region_code: rc(MIDTJYLLAND),
            created_by: Some(UserId::new(applicant_user.id())),
            doctor_user_id: Some(UserId::new(applicant_user.id())),
        },
        "aftale.txt",
        "text/plain",
        b"SKEMA TIL BRUG FOR AFTALE AF REGIONALE FORS\xc3\x98G\nA1. Hospital/afdeling Hospitalsenhed Midt, Akutafdelingen\nA2. Fors\xc3\xb8gets titel Triage med afdelingsl\xc3\xa6ge\nC.2. Dato for fors\xc3\xb8gets opstart 01-05-2022\n".to_vec(),
        &pulje_import::Limits::default(),
    )
    .await
    .map_err(|e| format!("{e:?}"))
    .expect("import a form")
    .remove(0);
    let national = Person::of(&app.user(Role::NationalViewer, None).await);
    let admin = Person::of(&app.user(Role::Admin, None).await);
    // An invitation, whose link's page is checked too: the token read from the queued mail.
    let invite_token = {
        let profile = pulje_store::users::Profile {
            email: pulje_domain::Email::parse("inviteret@region.example.dk").unwrap(),
            name: "Inviteret Ida".into(),
            role: Role::Leader,
            region: Some(rc(MIDTJYLLAND)),
        };
        pulje_app::accounts::invite(
            &mut app.db.handle(),
            &pulje_app::accounts::By::system("test"),
            &profile,
            &pulje_app::PublicUrl::default(),
        )
        .await
        .map_err(|e| format!("{e:?}"))
        .expect("invite");
        let mail = app
            .outbox(None)
            .await
            .into_iter()
            .find(|m| m.recipient == "inviteret@region.example.dk")
            .expect("the invitation is queued");
        let at = mail.body.find("token=").expect("a link") + "token=".len();
        mail.body[at..]
            .chars()
            .take_while(|c| !c.is_whitespace())
            .collect::<String>()
    };
    // A programme defined as data, with a draft on its own form.
    let gp = {
        use pulje_domain::programme::{Definition, SHIPPED};
        let (_, text) = SHIPPED
            .iter()
            .find(|(id, _)| *id == "almen-praksis-efteruddannelse")
            .expect("shipped");
        let mut def = Definition::from_toml(text).expect("reads");
        // Its form is offered while the window is open, whenever the test runs.
        def.window.closes = pulje_domain::programme::Day(
            pulje_domain::date::today_in_denmark() + chrono::Days::new(365),
        );
        let actor = pulje_store::Actor::system("test");
        let mut tx = app.db.begin().await.expect("begin");
        pulje_store::definitions::install(&mut tx, &actor, &def)
            .await
            .expect("install");
        let fields = serde_json::json!({"title": "Kursus i akut pædiatri", "amount": "12.500"});
        let new = pulje_store::programme_applications::New {
            definition: &def,
            region_code: pulje_domain::RegionCode::new(MIDTJYLLAND).unwrap(),
            created_by: Some(UserId::new(applicant_user.id())),
            title: "Kursus i akut pædiatri",
            fields: fields.as_object().unwrap(),
            today: chrono::NaiveDate::from_ymd_opt(2027, 1, 4).unwrap(),
        };
        let created = pulje_store::programme_applications::create(&mut tx, &actor, &new)
            .await
            .expect("create");
        tx.commit().await.expect("commit");
        created.id.get()
    };
    // The health clusters' programme, with a checklist added, and an application submitted to
    // its professional level: one reviewer has declared no conflict of interest, one has not;
    // and a granted application, whose evaluation is asked for.
    let undeclared = app.user(Role::WorkingGroup, Some(MIDTJYLLAND)).await;
    let declared = app.user(Role::WorkingGroup, Some(MIDTJYLLAND)).await;
    let (cluster, granted) = {
        use pulje_domain::programme::{Definition, SHIPPED};
        use pulje_store::programme_applications as store;
        let (_, text) = SHIPPED
            .iter()
            .find(|(id, _)| *id == "sundhedsklynger-2022")
            .expect("shipped");
        let mut def = Definition::from_toml(text).expect("reads");
        def.review.checklist = vec!["Budgettet er gennemgået".into()];
        let actor = pulje_store::Actor::system("test");
        let mut tx = app.db.begin().await.expect("begin");
        pulje_store::definitions::install(&mut tx, &actor, &def)
            .await
            .expect("install");
        for reviewer in [&undeclared, &declared] {
            store::set_member(
                &mut tx,
                &actor,
                &def,
                "professional_level",
                UserId::new(reviewer.id()),
                true,
            )
            .await
            .expect("seat");
        }
        let fields = serde_json::json!({"title": "Fælles akutteam i klyngen", "target_group": "Ældre medicinske patienter"});
        let today = chrono::NaiveDate::from_ymd_opt(2022, 5, 2).unwrap();
        let new = store::New {
            definition: &def,
            region_code: pulje_domain::RegionCode::new(MIDTJYLLAND).unwrap(),
            created_by: Some(UserId::new(applicant_user.id())),
            title: "Fælles akutteam i klyngen",
            fields: fields.as_object().unwrap(),
            today,
        };
        let created = store::create(&mut tx, &actor, &new).await.expect("create");
        let submit = def.transition("submit").expect("submit").clone();
        let submitted = store::take(
            &mut tx,
            &actor,
            &def,
            &created,
            &submit,
            &store::Given::default(),
            today,
        )
        .await
        .expect("submit");
        pulje_store::programme_review::declare(
            &mut tx,
            &actor,
            &submitted,
            UserId::new(declared.id()),
            false,
            "",
        )
        .await
        .expect("declare");
        let fields = serde_json::json!({"title": "Fælles akutteam i klyngen"});
        let day = chrono::NaiveDate::from_ymd_opt(2022, 5, 12).unwrap();
        let new = store::New {
            definition: &def,
            region_code: pulje_domain::RegionCode::new(MIDTJYLLAND).unwrap(),
            created_by: Some(UserId::new(applicant_user.id())),
            title: "Fælles akutteam i klyngen",
            fields: fields.as_object().unwrap(),
            today: day,
        };
        let to_grant = store::create(&mut tx, &actor, &new).await.expect("create");
        let grant = def.transition("grant").expect("a grant step").clone();
        let given = store::Given {
            amount: Some(pulje_domain::Ore::from_ore(40_000_000)),
            ..Default::default()
        };
        store::take(&mut tx, &actor, &def, &to_grant, &grant, &given, day)
            .await
            .expect("grant");
        tx.commit().await.expect("commit");
        (created.id.get(), to_grant.id.get())
    };
    let (undeclared, declared) = (Person::of(&undeclared), Person::of(&declared));
    // Single sign-on's page with a rule and a person waiting for a role.
    {
        use pulje_store::sso;
        let mut tx = app.db.begin().await.expect("begin");
        let actor = pulje_store::Actor::system("test");
        sso::add_mapping(
            &mut tx,
            &actor,
            "pulje-ansoegere-midt",
            Role::Applicant,
            pulje_domain::RegionCode::new(MIDTJYLLAND),
        )
        .await
        .expect("rule");
        let waiting = sso::Identity {
            issuer: "https://idp.test".into(),
            subject: "venter-1".into(),
            email: Some("venter@region-test.dk".into()),
            email_verified: true,
            name: "Vera Venter".into(),
            groups: vec!["ukendt-gruppe".into()],
        };
        sso::resolve(&mut tx, &waiting).await.expect("waiting");
        tx.commit().await.expect("commit");
    }

    let b = Browser::start(&app.base).await.expect("start the browser");
    let mut found: Vec<Violation> = Vec::new();
    b.guard("accessibility", async {
        let mut check = |v: Vec<Violation>| found.extend(v);
        b.open("/login").await?;
        check(b.axe(&axe, "login (/login)").await?);
        b.open("/program/ok21").await?;
        check(b.axe(&axe, "public programme page (/program/ok21)").await?);
        for (path, what) in [
            ("/kontakt", "contact"),
            ("/tilgaengelighed", "accessibility statement"),
            ("/privatliv", "privacy notice"),
            ("/verify", "checking a signed agreement"),
        ] {
            b.open(path).await?;
            check(b.axe(&axe, &format!("{what} ({path})")).await?);
        }

        b.open("/glemt-adgangskode").await?;
        check(
            b.axe(&axe, "forgotten password (/glemt-adgangskode)")
                .await?,
        );
        b.press("Send link").await?;
        b.css(".error-summary").await?;
        check(
            b.axe(&axe, "forgotten password refused (POST /glemt-adgangskode)")
                .await?,
        );
        b.open(&format!("/adgangskode?token={invite_token}"))
            .await?;
        b.expect_text("Vælg din adgangskode").await?;
        check(
            b.axe(
                &axe,
                "choosing a password from an invitation (/adgangskode)",
            )
            .await?,
        );
        b.press("Gem adgangskoden og log ind").await?;
        b.css(".error-summary").await?;
        check(
            b.axe(&axe, "a refused password (POST /adgangskode)")
                .await?,
        );
        b.open("/adgangskode?token=brugt").await?;
        b.expect_text("Linket virker ikke").await?;
        check(b.axe(&axe, "a dead link (/adgangskode)").await?);

        b.log_in_as(&applicant).await?;
        b.open("/").await?;
        check(b.axe(&axe, "the applicant's start page (/)").await?);
        b.open("/me/kalender").await?;
        check(
            b.axe(&axe, "the calendar feed's page (/me/kalender)")
                .await?,
        );
        b.open("/me").await?;
        check(b.axe(&axe, "my account (/me)").await?);
        b.press("Skift adgangskode").await?;
        b.css(".error-summary").await?;
        check(
            b.axe(&axe, "a refused password change (POST /me/adgangskode)")
                .await?,
        );
        b.open("/applications").await?;
        check(b.axe(&axe, "application list (/applications)").await?);
        b.open("/applications/new").await?;
        check(
            b.axe(&axe, "new application form (/applications/new)")
                .await?,
        );
        b.type_into("A2. Forsøgets titel", "").await?;
        b.type_date("C.3 Dato for forsøgets afslutning", "2024-06-30")
            .await?;
        b.press("Gem").await?;
        b.css(".error-summary").await?;
        check(
            b.axe(&axe, "the form after a refused save (POST /applications)")
                .await?,
        );
        b.open(&format!("/applications/{}", draft.id)).await?;
        check(
            b.axe(
                &axe,
                "application detail, applicant, draft (/applications/ID)",
            )
            .await?,
        );
        b.open(&format!("/applications/{to_sign}")).await?;
        b.expect_text("Du underskriver som").await?;
        check(
            b.axe(
                &axe,
                "application detail, the bound signer (/applications/ID)",
            )
            .await?,
        );
        b.open("/programmes/almen-praksis-efteruddannelse/ansoeg")
            .await?;
        check(
            b.axe(
                &axe,
                "a programme's own form (/programmes/almen-praksis-efteruddannelse/ansoeg)",
            )
            .await?,
        );
        b.press("Gem").await?;
        b.css(".error-summary").await?;
        check(
            b.axe(
                &axe,
                "a programme's own form after a refused save (POST /programmes/ID/ansoeg)",
            )
            .await?,
        );
        for (name, path) in [
            (
                "application of a programme defined as data",
                format!("/applications/{gp}"),
            ),
            ("its form", format!("/applications/{gp}/edit")),
            ("import upload", "/applications/import".to_string()),
            (
                "imported draft's review form",
                format!("/applications/{}/edit", imported.application_id),
            ),
            (
                "evaluation form",
                format!("/applications/{}/evaluation", active.id),
            ),
            (
                "idea catalogue with a search",
                "/idekatalog?q=ledelse".to_string(),
            ),
            (
                "a granted programme application",
                format!("/applications/{granted}"),
            ),
        ] {
            b.open(&path).await?;
            check(b.axe(&axe, &format!("{name} ({path})")).await?);
        }
        b.open(&format!("/applications/{granted}/evaluering"))
            .await?;
        check(
            b.axe(
                &axe,
                "a programme application's evaluation form (/applications/ID/evaluering)",
            )
            .await?,
        );
        b.press("Send evalueringen").await?;
        b.css(".error-summary").await?;
        check(
            b.axe(
                &axe,
                "the evaluation form after a refused submission (POST /applications/ID/evaluering)",
            )
            .await?,
        );
        b.log_out().await?;

        b.log_in_as(&wg).await?;
        b.open("/").await?;
        check(b.axe(&axe, "the working group's start page (/)").await?);
        b.open(&format!("/applications/{}", submitted.id)).await?;
        check(
            b.axe(
                &axe,
                "application detail, working group, submitted (/applications/ID)",
            )
            .await?,
        );
        b.log_out().await?;

        b.log_in_as(&undeclared).await?;
        let path = format!("/applications/{cluster}");
        b.open(&path).await?;
        b.expect_text("Erklæring om inhabilitet").await?;
        check(
            b.axe(
                &axe,
                &format!("a reviewer's declaration of conflict of interest ({path})"),
            )
            .await?,
        );
        b.press("Afgiv erklæring").await?;
        b.css(".error-summary").await?;
        check(
            b.axe(
                &axe,
                "a refused declaration (POST /applications/ID/inhabilitet)",
            )
            .await?,
        );
        b.log_out().await?;

        b.log_in_as(&declared).await?;
        b.open(&path).await?;
        b.expect_text("Gem mine karakterer").await?;
        check(
            b.axe(&axe, &format!("a reviewer's scores and checklist ({path})"))
                .await?,
        );
        b.press("Gem mine karakterer").await?;
        b.css(".error-summary").await?;
        check(
            b.axe(&axe, "refused scores (POST /applications/ID/bedoemmelse)")
                .await?,
        );
        b.log_out().await?;

        b.log_in_as(&region_admin).await?;
        b.open("/").await?;
        check(
            b.axe(&axe, "the region administrator's start page (/)")
                .await?,
        );
        for (name, path) in [
            (
                "review of a programme defined as data, administrator",
                format!("/applications/{cluster}"),
            ),
            (
                "binding the signing parties, administrator",
                format!("/applications/{to_sign}"),
            ),
            ("programme overview", "/programmes/ok21".to_string()),
            (
                "a region's report on a programme defined as data",
                format!("/programmes/sundhedsklynger-2022/rapport/{MIDTJYLLAND}"),
            ),
            ("region dashboard", format!("/regions/{MIDTJYLLAND}")),
            ("meetings", "/meetings".to_string()),
            ("admin index", "/admin".to_string()),
            ("admin users", "/admin/users".to_string()),
            (
                "editing a user",
                format!("/admin/users?ret={}#ret", applicant_user.id()),
            ),
            (
                "regional report",
                format!("/reports/regional/{MIDTJYLLAND}"),
            ),
            (
                "report narrative",
                format!("/reports/regional/{MIDTJYLLAND}/edit"),
            ),
            (
                "evaluations owed",
                format!("/regions/{MIDTJYLLAND}/evaluations"),
            ),
            ("historic trials", format!("/regions/{MIDTJYLLAND}/trials")),
            ("trial list import", "/trials/import".to_string()),
            ("payments", format!("/regions/{MIDTJYLLAND}/payments")),
            (
                "a payroll batch",
                format!("/regions/{MIDTJYLLAND}/payments/batches/{batch}"),
            ),
            (
                "payroll settings",
                format!("/regions/{MIDTJYLLAND}/payments/settings"),
            ),
            (
                "an agreement's payroll details",
                format!("/applications/{}/payroll", active.id),
            ),
            ("mail templates", format!("/admin/mails/{MIDTJYLLAND}/ok21")),
            (
                "a mail template with its preview",
                format!("/admin/mails/{MIDTJYLLAND}/ok21/returned"),
            ),
        ] {
            b.open(&path).await?;
            check(b.axe(&axe, &format!("{name} ({path})")).await?);
        }
        b.type_into("Emne", "Retur: {ukendt}").await?;
        b.press("Gem").await?;
        b.css(".error-summary").await?;
        check(
            b.axe(
                &axe,
                "a refused mail template (POST /admin/mails/REGION/ok21/returned)",
            )
            .await?,
        );
        b.log_out().await?;

        b.log_in_as(&national).await?;
        b.open("/").await?;
        check(b.axe(&axe, "the national start page (/)").await?);
        b.open("/reports/national").await?;
        check(b.axe(&axe, "national view (/reports/national)").await?);
        b.log_out().await?;

        b.log_in_as(&admin).await?;
        for (name, path) in [
            ("programmes", "/admin/programmes"),
            ("programme editor", "/admin/programmes/ok21"),
            (
                "new programme from an example",
                "/admin/programmes/new?eksempel=almen-praksis-efteruddannelse",
            ),
            (
                "a programme's page with its bodies",
                "/programmes/almen-praksis-efteruddannelse",
            ),
            ("a new programme on the form", "/admin/programmes/opret"),
            ("single sign-on: rules and the waiting list", "/admin/sso"),
            (
                "a programme's set-up on the form",
                "/admin/programmes/ok21/opsaetning",
            ),
        ] {
            b.open(path).await?;
            check(b.axe(&axe, &format!("{name} ({path})")).await?);
        }
        Ok(())
    })
    .await;
    b.quit().await;

    for v in &found {
        eprint!("axe: {v}");
    }
    let serious: Vec<&Violation> = found
        .iter()
        .filter(|v| v.impact == "serious" || v.impact == "critical")
        .collect();
    assert!(
        serious.is_empty(),
        "KNOWN FAILURE until the markup is fixed: axe-core found {} serious or critical WCAG 2.0/2.1 A/AA violation(s):\n{}",
        serious.len(),
        serious.iter().map(|v| v.to_string()).collect::<String>()
    );
}

// --- 4. the form by keyboard ------------------------------------------------------------------

/// What has focus: a short description, its id, and whether a focus indicator is visible.
#[derive(Debug, Clone, PartialEq)]
struct Focus {
    /// The element's position among all elements of the page: unique.
    key: i64,
    what: String,
    id: String,
    in_header: bool,
    visible_indicator: bool,
    tag: String,
    input_type: String,
}

const DESCRIBE: &str = "
const d = (e) => {
  if (!e || e === document.body) return null;
  const s = getComputedStyle(e);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
  const shadow = s.boxShadow && s.boxShadow !== 'none';
  const wrap = e.closest('label');
  const label = e.id || e.getAttribute('aria-label') || (wrap ? wrap.innerText.trim() : '') || e.getAttribute('name')
    || (e.innerText || '').trim().slice(0, 40) || e.getAttribute('href') || '';
  return { key: Array.prototype.indexOf.call(document.getElementsByTagName('*'), e),
           what: e.tagName.toLowerCase() + ' ' + label, id: e.id || '', in_header: !!e.closest('header'),
           visible: outline || !!shadow, tag: e.tagName.toLowerCase(), type: e.getAttribute('type') || '' };
};";

fn focus_of(v: &Value) -> Option<Focus> {
    Some(Focus {
        key: v["key"].as_i64()?,
        what: v["what"].as_str()?.to_string(),
        id: v["id"].as_str()?.to_string(),
        in_header: v["in_header"].as_bool()?,
        visible_indicator: v["visible"].as_bool()?,
        tag: v["tag"].as_str()?.to_string(),
        input_type: v["type"].as_str()?.to_string(),
    })
}

impl Browser {
    async fn focused(&self) -> Result<Option<Focus>> {
        let v = self
            .client
            .execute(
                &format!("{DESCRIBE} return d(document.activeElement);"),
                vec![],
            )
            .await?;
        Ok(focus_of(&v))
    }

    /// Every element Tab should reach, in document order.
    async fn tabbable(&self) -> Result<Vec<Focus>> {
        let v = self
            .client
            .execute(
                &format!(
                    "{DESCRIBE} return [...document.querySelectorAll('a[href], button, input, select, textarea, [tabindex]')]\
                       .filter(e => !e.disabled && e.tabIndex >= 0 && e.type !== 'hidden' && e.getClientRects().length > 0\
                                    && getComputedStyle(e).visibility !== 'hidden')\
                       .map(d);"
                ),
                vec![],
            )
            .await?;
        Ok(v.as_array()
            .map(|a| a.iter().filter_map(focus_of).collect())
            .unwrap_or_default())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(pulje_browser),
    ignore = "needs Chromium and chromedriver, not installed (scripts/install-test-tools)"
)]
async fn the_application_form_works_by_keyboard() {
    Tool::Chromium.require();
    let app = TestApp::spawn(Backend::Sqlite).await;
    let applicant = Person::new(&app, Role::Applicant).await;
    let b = Browser::start(&app.base).await.expect("start the browser");
    b.guard("keyboard", async {
        b.log_in_as(&applicant).await?;
        b.follow("Ansøgninger").await?;
        b.follow("Ny ansøgning").await?;
        b.css("form button[type=submit]").await?;
        let expected = b.tabbable().await?;
        ensure!(
            b.focused().await?.is_none(),
            "something has focus before the first Tab: {:?}",
            b.focused().await?
        );

        // Tab from the top to the save button; on the way, type what the refused save needs:
        // a participant's role without a name, and an end date after the region's last one.
        let date_keys = b.date_keys("2024-06-30").await?;
        let start_keys = b.date_keys("2022-04-01").await?;
        let mut seen: Vec<Focus> = Vec::new();
        for _ in 0..expected.len() * 4 + 10 {
            b.tab().await?;
            let Some(f) = b.focused().await? else {
                bail!("Tab left the page after {:?}", seen.last());
            };
            if seen.last().map(|l| l.key) == Some(f.key) {
                // A date input's day, month and year are separate Tab stops inside one element.
                ensure!(f.input_type == "date", "Tab stayed on {}", f.what);
                continue;
            }
            match f.id.as_str() {
                "start_date" => b.keys(&start_keys).await?,
                "end_date" => b.keys(&date_keys).await?,
                _ if f.what == "input Deltager 1: rolle" => b.keys("kursusleder").await?,
                _ => {}
            }
            let done = f.tag == "button" && f.what.trim_end() == "button Gem";
            seen.push(f);
            if done {
                break;
            }
        }
        let names = |l: &[Focus]| l.iter().map(|f| f.what.clone()).collect::<Vec<_>>();
        ensure!(
            seen.last().map(|f| f.what.as_str()) == Some("button Gem"),
            "Tab never reached the save button; it went through {:#?}",
            names(&seen)
        );
        let keys = |l: &[Focus]| l.iter().map(|f| f.key).collect::<Vec<_>>();
        let order = &expected[..seen.len().min(expected.len())];
        ensure!(
            keys(&seen) == keys(order),
            "Tab does not follow the document order.\nTab went: {:#?}\ndocument order: {:#?}",
            names(&seen),
            names(order)
        );
        ensure!(
            seen[0].what.contains("#indhold") || seen[0].what.contains("Spring til indholdet"),
            "the first Tab stop is not the skip link but {}",
            seen[0].what
        );
        let first_main = seen
            .iter()
            .skip(1)
            .position(|f| !f.in_header)
            .map_or(seen.len(), |p| p + 1);
        ensure!(
            first_main > 2 && seen[1..first_main].iter().all(|f| f.in_header),
            "after the skip link Tab should go through the navigation: {:#?}",
            names(&seen)
        );
        ensure!(
            seen[1..first_main].iter().any(|f| f.what.contains("Ansøgninger")),
            "the navigation's links were not reached: {:#?}",
            names(&seen[..first_main])
        );
        let title_at = seen
            .iter()
            .position(|f| f.id == "title")
            .context("Tab never reached the title field")?;
        ensure!(title_at > first_main, "the title field came before the navigation");
        let without_indicator: Vec<String> = seen
            .iter()
            .filter(|f| !f.visible_indicator)
            .map(|f| f.what.clone())
            .collect();
        ensure!(
            without_indicator.is_empty(),
            "focused elements without a visible outline or box-shadow: {without_indicator:#?}"
        );

        // Enter on the focused save button: refused, because the title is empty.
        b.navigating("pressing Enter on «Gem»", async {
            b.keys(&fantoccini::key::Key::Enter.to_string()).await
        })
        .await?;
        let summary = b.css(".error-summary").await?;
        let summary_text = summary.text().await?;
        let links = summary.find_all(fantoccini::Locator::Css("a")).await?;
        let mut targets = Vec::new();
        for link in &links {
            let href = link.attr("href").await?.unwrap_or_default();
            let text = link.text().await?;
            let id = href
                .strip_prefix('#')
                .with_context(|| format!("the summary link «{text}» is not in-page: {href}"))?
                .to_string();
            targets.push((id, text));
        }
        let ids: Vec<&str> = targets.iter().map(|(id, _)| id.as_str()).collect();
        for want in ["title", "end_date", "participants.0.name"] {
            ensure!(
                ids.contains(&want),
                "the error summary has no link to {want}: {targets:?}\n{summary_text}"
            );
        }
        // Each link, activated by keyboard, leads to its field.
        for (i, (id, text)) in targets.iter().enumerate() {
            let link = &links[i];
            link.send_keys(&fantoccini::key::Key::Enter.to_string())
                .await
                .with_context(|| format!("pressing Enter on the summary link «{text}»"))?;
            b.wait_until(
                &format!("the link «{text}» to move focus to #{id}"),
                &format!(
                    "return location.hash === '#{}' && document.activeElement && document.activeElement.id === {};",
                    id.replace('\'', ""),
                    serde_json::to_string(id)?
                ),
            )
            .await?;
        }
        // Each invalid field says so and points at its message.
        let invalid = b
            .client
            .execute(
                "return [...document.querySelectorAll('[aria-invalid=\"true\"]')].map(e => ({\
                   id: e.id, describedby: e.getAttribute('aria-describedby') || '',\
                   messages: (e.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean)\
                     .map(r => { const m = document.getElementById(r); return m ? m.innerText.trim() : null; }) }));",
                vec![],
            )
            .await?;
        let invalid = invalid.as_array().cloned().unwrap_or_default();
        for want in ["title", "end_date", "participants.0.name"] {
            let field = invalid
                .iter()
                .find(|f| f["id"] == want)
                .with_context(|| format!("#{want} is not aria-invalid=\"true\": {invalid:?}"))?;
            let messages: Vec<&str> = field["messages"]
                .as_array()
                .map(|m| m.iter().filter_map(|x| x.as_str()).collect())
                .unwrap_or_default();
            ensure!(
                field["messages"]
                    .as_array()
                    .is_some_and(|m| m.iter().all(|x| !x.is_null())),
                "#{want}'s aria-describedby «{}» points at a missing element",
                field["describedby"]
            );
            let (_, summary_line) = targets.iter().find(|(id, _)| id == want).unwrap();
            ensure!(
                messages
                    .iter()
                    .any(|m| !m.is_empty() && summary_line.contains(m.trim())),
                "#{want}'s aria-describedby «{}» leads to {messages:?}, not to its error «{summary_line}»",
                field["describedby"]
            );
        }
        for f in &invalid {
            let id = f["id"].as_str().unwrap_or_default();
            ensure!(
                ids.contains(&id),
                "#{id} is marked invalid but the error summary does not link to it: {targets:?}"
            );
        }
        // What was typed is still there.
        let end = b.css("[id=\"end_date\"]").await?.prop("value").await?;
        ensure!(
            end.as_deref() == Some("2024-06-30"),
            "the end date typed was lost: {end:?}"
        );
        Ok(())
    })
    .await;
    b.quit().await;
}

// --- 5. single sign-on ------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(all(pulje_browser, pulje_oidc, pulje_axe)),
    ignore = "needs Chromium and chromedriver, the OpenID provider oidc-provider and axe-core (scripts/install-test-tools)"
)]
async fn a_person_logs_in_through_the_openid_provider_in_the_browser() {
    Tool::Chromium.require();
    Tool::OidcProvider.require();
    Tool::AxeCore.require();
    let axe = axe_source();
    let s = idp::setup(Backend::Sqlite).await;
    // A rule gives Anna's group at the provider the applicant role in Midtjylland.
    {
        let mut tx = s.app.db.begin().await.expect("begin");
        pulje_store::sso::add_mapping(
            &mut tx,
            &pulje_store::Actor::system("test"),
            "pulje-ansoegere-nord",
            Role::Applicant,
            pulje_domain::RegionCode::new(MIDTJYLLAND),
        )
        .await
        .expect("rule");
        tx.commit().await.expect("commit");
    }
    let mut found: Vec<Violation> = Vec::new();

    // Anna logs in through the provider's login and consent pages and lands on her start page.
    let b = Browser::start(&s.app.base)
        .await
        .expect("start the browser");
    b.guard("single sign-on", async {
        b.open("/login").await?;
        found.extend(b.axe(&axe, "login with single sign-on (/login)").await?);
        b.follow("Log ind med Test-IdP").await?;
        b.expect_text("Test-IdP: log ind").await?;
        b.type_into("Brugernavn", "anna").await?;
        b.type_into("Adgangskode", "anna-kodeord").await?;
        b.press("Log ind").await?;
        b.press("Tillad").await?;
        b.expect_text("Anna Sso Andersen").await?;
        ensure!(
            b.path().await? == "/",
            "after login at {}",
            b.where_am_i().await
        );
        b.open("/me").await?;
        b.expect_text("anna.sso@region-test.dk").await?;
        found.extend(b.axe(&axe, "my account without a password (/me)").await?);
        b.log_out().await
    })
    .await;
    b.quit().await;

    // Bo has no role: the provider lets him in, pulje tells him to ask his administrator.
    let b = Browser::start(&s.app.base)
        .await
        .expect("start the browser");
    b.guard("single sign-on without a role", async {
        b.open("/login").await?;
        b.follow("Log ind med Test-IdP").await?;
        b.type_into("Brugernavn", "bo").await?;
        b.type_into("Adgangskode", "bo-kodeord").await?;
        b.press("Log ind").await?;
        b.press("Tillad").await?;
        b.expect_text("Du har ingen rolle endnu — kontakt din administrator")
            .await?;
        found.extend(b.axe(&axe, "no role yet (/login/oidc/callback)").await?);
        Ok(())
    })
    .await;
    b.quit().await;

    assert_no_serious_violation(&found);
}

// --- 6. the second factor -----------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(all(pulje_browser, pulje_axe)),
    ignore = "needs Chromium and chromedriver and axe-core (scripts/install-test-tools)"
)]
async fn a_person_turns_on_the_second_factor_in_the_browser() {
    Tool::Chromium.require();
    Tool::AxeCore.require();
    let axe = axe_source();
    let app = TestApp::spawn(Backend::Sqlite).await;
    let user = app.user(Role::Leader, Some(MIDTJYLLAND)).await;
    let leader = Person::of(&user);
    let mut found: Vec<Violation> = Vec::new();
    let b = Browser::start(&app.base).await.expect("start the browser");
    b.guard("second factor", async {
        b.log_in_as(&leader).await?;
        b.open("/me").await?;
        b.follow("Slå totrinsbekræftelse til").await?;
        b.expect_text("Scan QR-koden").await?;
        b.css("img.qr").await?;
        found.extend(
            b.axe(&axe, "turning on the second factor (/me/totp)")
                .await?,
        );
        let secret = b.css("#secret").await?.text().await?.replace(' ', "");

        // A wrong code first: the page says so, and the set-up stays.
        b.type_into("Engangskode fra appen", "12345").await?;
        b.press("Slå totrinsbekræftelse til").await?;
        b.css(".error-summary").await?;
        found.extend(b.axe(&axe, "a wrong code (POST /me/totp)").await?);

        let code = pulje_app::second_factor::code_at(&secret, now_seconds())
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        b.type_into("Engangskode fra appen", &code).await?;
        b.press("Slå totrinsbekræftelse til").await?;
        b.expect_text("Dine gendannelseskoder").await?;
        found.extend(b.axe(&axe, "the recovery codes (POST /me/totp)").await?);
        b.follow("Jeg har gemt koderne – fortsæt").await?;
        b.expect_text("Totrinsbekræftelse er slået til").await?;
        found.extend(
            b.axe(&axe, "the second factor turned on (/me/totp)")
                .await?,
        );
        b.log_out().await?;

        // Logging in now asks for the code after the password.
        b.open("/login").await?;
        b.type_into("E-mailadresse", &leader.email).await?;
        b.type_into("Adgangskode", &leader.password).await?;
        b.press("Log ind").await?;
        b.expect_text("Adgangskoden er rigtig").await?;
        found.extend(b.axe(&axe, "the code step (/login/kode)").await?);
        let next = code_of_step(&secret, app.last_step(user.id()).await + 1);
        b.type_into("Engangskode eller gendannelseskode", &next)
            .await?;
        b.press("Log ind").await?;
        b.expect_text(&leader.name).await?;
        ensure!(
            b.path().await? == "/",
            "after the code at {}",
            b.where_am_i().await
        );
        Ok(())
    })
    .await;
    b.quit().await;
    assert_no_serious_violation(&found);
}

/// Prints every axe-core finding and fails on any serious or critical one.
fn assert_no_serious_violation(found: &[Violation]) {
    for v in found {
        eprint!("axe: {v}");
    }
    let serious: Vec<&Violation> = found
        .iter()
        .filter(|v| v.impact == "serious" || v.impact == "critical")
        .collect();
    assert!(
        serious.is_empty(),
        "axe-core found {} serious or critical WCAG 2.0/2.1 A/AA violation(s):\n{}",
        serious.len(),
        serious.iter().map(|v| v.to_string()).collect::<String>()
    );
}
