//! Snapshot tests (insta): the reports as JSON, the CSV files (report tables and payroll) and the
//! main content of the key pages, compared with the files under `tests/snapshots/`.
//!
//! One fixture, built through the store's own functions with fixed names, fixed e-mail addresses
//! and a pinned "today" for the workflow, so every run on every day and on both backends gives
//! the same output. Each case has ONE snapshot file, shared by the SQLite and the PostgreSQL
//! run, so a difference between the backends fails the test. What still changes from run to run
//! — the stored timestamps shown on pages, the session's CSRF token — is filtered out.
//!
//! Update after an intended change: `INSTA_UPDATE=always cargo test -p pulje-web --test
//! snapshots`, then read the diff of `tests/snapshots/` before committing it. CI sets
//! `INSTA_UPDATE=no`, so a changed or missing snapshot fails there.

#[macro_use]
mod common;

use common::*;
use pulje_domain::evaluation::EvaluationInput;
use pulje_domain::workflow::Action;
use pulje_domain::{ApplicationId, Ore, Role};
use pulje_store::trials::NewTrial;
use pulje_store::workflow::{self, Step};
use pulje_store::{evaluations, meetings, reports, trials, Actor};

const REGION: i64 = MIDTJYLLAND;

/// The people of the fixture, with fixed names and addresses (so pages and histories that name
/// them are the same on every run).
struct People {
    applicant: TestUser,
    leader: TestUser,
    working_group: TestUser,
    steering_group: TestUser,
    union_rep: TestUser,
    region_admin: TestUser,
    national_viewer: TestUser,
}

/// What the fixture made.
struct Fixture {
    people: People,
    /// The active agreement (approved, signed, postings, a submitted evaluation).
    agreement: i64,
}

async fn person(
    app: &TestApp,
    role: Role,
    region: Option<i64>,
    email: &str,
    name: &str,
) -> TestUser {
    app.user_named(role, region, email, name).await
}

async fn take(app: &TestApp, by: &TestUser, id: i64, step: Step, today: &str) {
    let mut tx = app.db.begin().await.expect("begin");
    workflow::take(
        &mut tx,
        &by.user,
        ApplicationId::new(id),
        &step,
        date(today),
    )
    .await
    .unwrap_or_else(|e| panic!("{:?} on {id}: {e:?}", step.action));
    tx.commit().await.expect("commit");
}

fn historic(
    number: i64,
    hospital: &str,
    department: &str,
    area: &str,
    doctors: i64,
    title: &str,
    attached: bool,
) -> NewTrial {
    NewTrial {
        number,
        hospital: hospital.into(),
        department: department.into(),
        area: area.into(),
        doctor_count: doctors,
        title: title.into(),
        evaluation_attached: attached,
    }
}

/// Region Midtjylland: a round, a steering group meeting and the groups' members, two historic
/// trials, four applications — an active agreement (submitted in the round, approved at the
/// middle tier, signed by all four parties, paid June–September 2022, evaluated), one
/// submitted, one rejected, one draft — and the report's introduction. Region Nordjylland: one
/// historic trial, for the national view.
async fn fixture(app: &TestApp) -> Fixture {
    let people = People {
        applicant: person(
            app,
            Role::Applicant,
            Some(REGION),
            "aase@midt.test",
            "Åse Øhlenschläger",
        )
        .await,
        leader: person(
            app,
            Role::Leader,
            Some(REGION),
            "birgitte@midt.test",
            "Birgitte Ærenlund",
        )
        .await,
        working_group: person(
            app,
            Role::WorkingGroup,
            Some(REGION),
            "jens@midt.test",
            "Jens Kjær",
        )
        .await,
        steering_group: person(
            app,
            Role::SteeringGroup,
            Some(REGION),
            "mette@midt.test",
            "Mette Frølund",
        )
        .await,
        union_rep: person(
            app,
            Role::UnionRep,
            Some(REGION),
            "lars@midt.test",
            "Lars Bøgh",
        )
        .await,
        region_admin: person(
            app,
            Role::RegionAdmin,
            Some(REGION),
            "karen@midt.test",
            "Karen Skøtt",
        )
        .await,
        national_viewer: person(
            app,
            Role::NationalViewer,
            None,
            "niels@danske-regioner.test",
            "Niels Ravn",
        )
        .await,
    };
    let system = Actor::system("test");

    app.create_round(
        REGION,
        "1. runde 2022",
        date("2022-03-01"),
        date("2022-05-15"),
    )
    .await;
    let mut tx = app.db.begin().await.expect("begin");
    let meeting = meetings::create_meeting(
        &mut tx,
        &system,
        "ok21",
        rc(REGION),
        date("2022-05-25"),
        "Regionshuset Viborg",
    )
    .await
    .expect("create_meeting");
    meetings::add_member(
        &mut tx,
        &system,
        "ok21",
        rc(REGION),
        "working_group",
        "Jens Kjær",
        "Overlæge",
    )
    .await
    .expect("add_member");
    meetings::add_member(
        &mut tx,
        &system,
        "ok21",
        rc(REGION),
        "steering_group",
        "Mette Frølund",
        "Vicedirektør",
    )
    .await
    .expect("add_member");
    trials::import(
        &mut tx,
        &system,
        "ok21",
        rc(REGION),
        "forsoeg.csv",
        &[
            historic(
                1,
                "Aarhus Universitetshospital",
                "Akutafdelingen",
                "Faglig specialist",
                2,
                "Akut smerteteam",
                true,
            ),
            historic(
                2,
                "Hospitalsenhed Midt",
                "Medicinsk afdeling",
                "",
                1,
                "Fald og svimmelhed – ældre medicinske patienter",
                false,
            ),
        ],
    )
    .await
    .expect("import Midtjylland");
    trials::import(
        &mut tx,
        &system,
        "ok21",
        rc(NORDJYLLAND),
        "forsoeg.csv",
        &[historic(
            1,
            "Aalborg Universitetshospital",
            "Anæstesi",
            "Ledelse",
            3,
            "Afdelingslæger som teamledere",
            true,
        )],
    )
    .await
    .expect("import Nordjylland");
    reports::save_text(
        &mut tx,
        &system,
        "ok21",
        rc(REGION),
        "introduction",
        "Region Midtjylland har afprøvet forsøgsaftaler på tre hospitaler.\n\nRapporten dækker 2022–2023.",
        0,
    )
    .await
    .expect("save_text");
    tx.commit().await.expect("commit");

    let p = &people;
    // The agreement: submitted in the round, forwarded, approved at the middle tier, signed.
    let agreement = app
        .complete_application(
            &p.applicant,
            REGION,
            "Tværsektoriel brobygger – akutafdelingen",
            TIER_MEDIUM,
            "2022-06-01",
            "2023-05-31",
        )
        .await
        .id;
    take(
        app,
        &p.applicant,
        i64::from(agreement),
        Step::new(Action::Submit),
        "2022-04-20",
    )
    .await;
    take(
        app,
        &p.working_group,
        i64::from(agreement),
        Step {
            reason: "Godt beskrevet; anbefales.".into(),
            ..Step::new(Action::Forward)
        },
        "2022-05-02",
    )
    .await;
    take(
        app,
        &p.steering_group,
        i64::from(agreement),
        Step {
            tier_ore: Some(Ore::from_ore(TIER_MEDIUM)),
            meeting_id: Some(meeting.id),
            ..Step::new(Action::Approve)
        },
        "2022-05-25",
    )
    .await;
    let signers = [&p.leader, &p.applicant, &p.union_rep, &p.region_admin];
    pulje_testkit::bind_parties(
        app.db.db(),
        &p.region_admin.user,
        agreement,
        signers.map(|s| &s.user),
    )
    .await;
    for signer in signers {
        take(
            app,
            signer,
            i64::from(agreement),
            Step::sign(pulje_store::signing::Authentication::Password),
            "2022-05-30",
        )
        .await;
    }

    // Submitted, waiting for the working group.
    let submitted = app
        .complete_application(
            &p.applicant,
            REGION,
            "Simulationsansvarlig afdelingslæge",
            TIER_SMALL,
            "2022-08-01",
            "2023-07-31",
        )
        .await
        .id;
    take(
        app,
        &p.applicant,
        i64::from(submitted),
        Step::new(Action::Submit),
        "2022-05-10",
    )
    .await;

    // Rejected by the steering group.
    let rejected = app
        .complete_application(
            &p.applicant,
            REGION,
            "Fælles beslutningstagen i ambulatoriet",
            TIER_HIGH,
            "2022-09-01",
            "2023-08-31",
        )
        .await
        .id;
    take(
        app,
        &p.applicant,
        i64::from(rejected),
        Step::new(Action::Submit),
        "2022-05-12",
    )
    .await;
    take(
        app,
        &p.working_group,
        i64::from(rejected),
        Step::new(Action::Forward),
        "2022-05-16",
    )
    .await;
    take(
        app,
        &p.steering_group,
        i64::from(rejected),
        Step {
            reason: "Forsøget ligger uden for regionens prioriterede områder.".into(),
            meeting_id: Some(meeting.id),
            ..Step::new(Action::Reject)
        },
        "2022-05-25",
    )
    .await;

    // A draft with only a title.
    app.application(&p.applicant, REGION, &titled("Kladde: digital vagtplan"))
        .await;

    // A payroll batch up to September 2022, and the agreement's evaluation.
    let mut tx = app.db.begin().await.expect("begin");
    pulje_store::payroll::set_settings(
        &mut tx,
        &Actor::system("test"),
        "ok21",
        rc(REGION),
        &pulje_store::payroll::Column::ALL,
        "7315",
    )
    .await
    .expect("payroll settings");
    pulje_store::payroll::set_agreement_payroll(
        &mut tx,
        &Actor::system("test"),
        agreement,
        rc(REGION),
        &pulje_store::payroll::AgreementPayroll {
            employee_number: "0042317".into(),
            cost_centre: "AUH-AKUT-01".into(),
        },
    )
    .await
    .expect("agreement payroll");
    pulje_store::payroll::create_batch(
        &mut tx,
        &Actor::system("test"),
        "ok21",
        rc(REGION),
        date("2022-09-30"),
    )
    .await
    .expect("create_batch");
    let input = EvaluationInput {
        purposes_met: "partly".into(),
        purposes_text: "Konferencen kørte, men kun på den ene matrikel.".into(),
        gained_text: "Erfaring med at lede på tværs af sektorer.".into(),
        effect_text: "Færre genindlæggelser af ældre medicinske patienter.".into(),
        development_percent: "40".into(),
        time_text: "Fire timer om ugen, taget fra klinikken.".into(),
        recommendation: "expand".into(),
        recommendation_text: "Brobyggerfunktionen bør findes på alle akutafdelinger.".into(),
        career_track: "leadership".into(),
        trial_type: "cross_cutting".into(),
        challenges: vec!["time".into(), "awareness".into()],
        challenges_text: "Der var ikke afsat tid i vagtplanen.".into(),
        advice_text: "Gør funktionstillægget permanent.".into(),
    };
    let data = input.validate().expect("a valid evaluation");
    evaluations::save(
        &mut tx,
        &p.applicant.actor(),
        evaluations::Owner {
            programme_id: "ok21",
            region_code: rc(REGION),
            target: evaluations::Target::Application(agreement),
        },
        0,
        &data,
        true,
    )
    .await
    .expect("evaluations::save");
    tx.commit().await.expect("commit");

    Fixture {
        people,
        agreement: agreement.get(),
    }
}

/// What changes from run to run on a page: the stored timestamps (shown as `dd-mm-yyyy hh:mm`)
/// and the session's CSRF token.
fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.add_filter(r"\b\d{2}-\d{2}-\d{4} \d{2}:\d{2}\b", "[tidspunkt]");
    s.add_filter(
        r#"name="csrf_token" value="[^"]*""#,
        r#"name="csrf_token" value="[csrf]""#,
    );
    s
}

/// Tags that start a new line in a page's snapshot.
const BLOCK_TAGS: &[&str] = &[
    "h1", "h2", "h3", "h4", "p", "div", "section", "article", "nav", "form", "fieldset", "legend",
    "label", "input", "select", "option", "textarea", "button", "table", "caption", "thead",
    "tbody", "tr", "ul", "ol", "li", "dl", "dt", "figure", "svg", "g", "rect", "text", "line",
];

/// The page's `<main>` element with its whitespace collapsed and each block on a line of its
/// own: the labels, figures and fields, without the layout around them.
fn main_content(r: &Resp) -> String {
    assert_eq!(r.status, 200, "{}", r.body);
    let start = r.body.find("<main").expect("a <main> element");
    let end = r.body.find("</main>").expect("</main>") + "</main>".len();
    let collapsed = r.body[start..end]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let mut out = String::new();
    let mut rest = collapsed.as_str();
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let name: String = rest[1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if BLOCK_TAGS.contains(&name.as_str()) || rest.starts_with("</main>") {
            while out.ends_with(' ') {
                out.pop();
            }
            if !out.is_empty() {
                out.push('\n');
            }
        }
        out.push('<');
        rest = &rest[1..];
    }
    out.push_str(rest);
    out.push('\n');
    out
}

/// A CSV download: UTF-8 with a byte order mark and CRLF line ends, given back without either.
fn csv_text(r: &Resp) -> String {
    assert_eq!(r.status, 200, "{}", r.body);
    let ct = r.headers[reqwest::header::CONTENT_TYPE].to_str().unwrap();
    assert!(ct.starts_with("text/csv"), "{ct}");
    let body = r.body.strip_prefix('\u{feff}').expect("a byte order mark");
    assert!(body.ends_with("\r\n"), "CRLF line ends: {body:?}");
    assert!(
        !body.replace("\r\n", "").contains('\n'),
        "only CRLF: {body:?}"
    );
    body.replace("\r\n", "\n")
}

// The reports as JSON: the API, and the report's own JSON file, which must say the same.
both_backends!(report_json, |app| async move {
    let f = fixture(&app).await;
    let admin = app.login(&f.people.region_admin).await;
    let r = admin
        .get(&format!("/api/v1/reports/regional/{REGION}?programme=ok21"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let regional = r.json();
    let file = admin
        .get(&format!("/reports/regional/{REGION}/report.json"))
        .await;
    assert_eq!(file.json(), regional, "the file and the API agree");
    assert_eq!(regional["trials"][2]["application_id"], f.agreement);

    let nv = app.login(&f.people.national_viewer).await;
    let r = nv.get("/api/v1/reports/national?programme=ok21").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let national = r.json();
    assert_eq!(
        nv.get("/reports/national/report.json").await.json(),
        national
    );

    settings().bind(|| {
        insta::assert_json_snapshot!("regional_report", regional);
        insta::assert_json_snapshot!("national_report", national);
    });
});

// Every table of the regional and the national report as CSV, and the payroll batch.
both_backends!(csv_files, |app| async move {
    let f = fixture(&app).await;
    let admin = app.login(&f.people.region_admin).await;
    let mut regional = String::new();
    for table in [
        "runder",
        "omraader",
        "hospitaler",
        "karrierespor",
        "udfordringer",
        "type",
        "anbefalinger",
        "organisation",
        "tillaeg",
        "oekonomi",
        "forsoeg",
    ] {
        let r = admin
            .get(&format!("/reports/regional/{REGION}/{table}.csv"))
            .await;
        regional.push_str(&format!("== {table}.csv ==\n{}\n", csv_text(&r)));
    }
    let nv = app.login(&f.people.national_viewer).await;
    let mut national = String::new();
    for table in ["oekonomi", "forsoeg", "omraader", "karrierespor", "type"] {
        let r = nv.get(&format!("/reports/national/{table}.csv")).await;
        national.push_str(&format!("== {table}.csv ==\n{}\n", csv_text(&r)));
    }
    let mut conn = app.db.conn().await.unwrap();
    let batch = pulje_store::payroll::batches(&mut conn, "ok21", rc(REGION))
        .await
        .unwrap()[0]
        .id;
    drop(conn);
    let payroll = csv_text(
        &admin
            .get(&format!(
                "/regions/{REGION}/payments/batches/{batch}/loen.csv"
            ))
            .await,
    );

    settings().bind(|| {
        insta::assert_snapshot!("regional_report_csv", regional);
        insta::assert_snapshot!("national_report_csv", national);
        insta::assert_snapshot!("payroll_csv", payroll);
    });
});

// The key pages' main content, each as the role that uses it.
both_backends!(pages, |app| async move {
    let f = fixture(&app).await;
    let p = &f.people;
    let admin = app.login(&p.region_admin).await;
    let dashboard = main_content(&admin.get(&format!("/regions/{REGION}")).await);
    let detail = main_content(&admin.get(&format!("/applications/{}", f.agreement)).await);
    let report = main_content(&admin.get(&format!("/reports/regional/{REGION}")).await);
    let working_group = app.login(&p.working_group).await;
    let list = main_content(&working_group.get("/applications").await);
    let applicant = app.login(&p.applicant).await;
    let start = main_content(&applicant.get("/").await);
    let new_form = main_content(&applicant.get("/applications/new").await);
    let nv = app.login(&p.national_viewer).await;
    let national = main_content(&nv.get("/reports/national").await);

    settings().bind(|| {
        insta::assert_snapshot!("dashboard_region_admin", dashboard);
        insta::assert_snapshot!("application_list_working_group", list);
        insta::assert_snapshot!("application_detail_region_admin", detail);
        insta::assert_snapshot!("new_application_applicant", new_form);
        insta::assert_snapshot!("start_page_applicant", start);
        insta::assert_snapshot!("regional_report_page", report);
        insta::assert_snapshot!("national_report_page", national);
    });
});
