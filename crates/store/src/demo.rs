//! Demo users (one per role, fresh random passwords at every start) and sample applications.

use crate::applications::{self, Placement};
use crate::audit::Actor;
use crate::reference::OK21;
use crate::users::{self, NewUser};
use crate::workflow::{self, Step};
use crate::{password, programmes, Db, Result};
use pulje_domain::workflow::Action;
use pulje_domain::{
    ApplicationInput, ApplicationStatus, Email, ParticipantInput, RegionCode, Role,
};

/// A demo login to print at start-up.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    pub email: String,
    pub role: Role,
    pub region: Option<RegionCode>,
    pub password: String,
}

const DEMO_DOMAIN: &str = "demo.pulje.dk";

fn demo_users() -> Vec<(&'static str, &'static str, Role, Option<RegionCode>)> {
    let midt = Some(RegionCode::MIDTJYLLAND);
    vec![
        ("ansoeger", "Ida Ansøger", Role::Applicant, midt),
        ("leder", "Lars Ledende Overlæge", Role::Leader, midt),
        (
            "arbejdsgruppe",
            "Aase Arbejdsgruppe",
            Role::WorkingGroup,
            midt,
        ),
        (
            "styregruppe",
            "Søren Styregruppe",
            Role::SteeringGroup,
            midt,
        ),
        ("tr", "Tina Tillidsrepræsentant", Role::UnionRep, midt),
        (
            "region",
            "Rikke Regionsadministrator",
            Role::RegionAdmin,
            midt,
        ),
        (
            "nord-ansoeger",
            "Niels Nordjyde",
            Role::Applicant,
            Some(RegionCode::NORDJYLLAND),
        ),
        ("national", "Nanna National", Role::NationalViewer, None),
        ("admin", "Anders Administrator", Role::Admin, None),
    ]
}

/// Creates the demo users if missing and gives every one of them a new random password;
/// the first time adds the sample applications and requires a second factor of no role. Returns the logins to print.
pub async fn ensure(db: &Db) -> Result<Vec<DemoLogin>> {
    let actor = Actor::system("demo");
    let mut logins = Vec::new();
    let mut tx = db.begin().await?;
    let mut first_time = false;
    for (local, name, role, region) in demo_users() {
        let email = format!("{local}@{DEMO_DOMAIN}");
        let pw = password::random_password();
        match users::find_by_email(&mut tx, &email).await? {
            Some(u) => users::set_password(&mut tx, &actor, u.id, &pw, None).await?,
            None => {
                first_time = true;
                let email = Email::parse(&email).map_err(|e| anyhow::anyhow!(e))?;
                users::create(
                    &mut tx,
                    &actor,
                    &NewUser {
                        email,
                        name: name.into(),
                        role,
                        region,
                        password: pw.clone(),
                    },
                )
                .await?;
            }
        }
        logins.push(DemoLogin {
            email,
            role,
            region,
            password: pw,
        });
    }
    if first_time {
        // A demo is for looking around: its administrators log in with the password alone,
        // unlike a real installation's (where the migration requires a second factor of them).
        crate::second_factor::set_required_roles(&mut tx, &actor, &[]).await?;
        sample_applications(&mut tx, &actor).await?;
        example_programmes(&mut tx, &actor).await?;
    }
    tx.commit().await?;
    Ok(logins)
}

/// Who of the demo users sits in which body of the example programmes.
const EXAMPLE_SEATS: &[(&str, &str, &str)] = &[
    (
        "almen-praksis-efteruddannelse",
        "medical_consultant",
        "leder",
    ),
    (
        "almen-praksis-efteruddannelse",
        "ce_steering_group",
        "styregruppe",
    ),
    (
        "sundhedsklynger-2022",
        "professional_level",
        "arbejdsgruppe",
    ),
    ("sundhedsklynger-2022", "political_level", "styregruppe"),
];

/// Sets up the programmes shipped as examples (every one but OK21, which `migrate` sets up),
/// with demo users in their bodies, so their forms and workflows can be tried.
async fn example_programmes(tx: &mut crate::Tx<'_>, actor: &Actor) -> Result<()> {
    use pulje_domain::programme::{Definition, SHIPPED};
    for (id, text) in SHIPPED.iter().filter(|(id, _)| *id != OK21) {
        if programmes::get(tx, id).await?.is_some() {
            continue;
        }
        let def = Definition::from_toml(text).map_err(|problems| {
            anyhow::anyhow!("the shipped example {id} does not read: {problems:?}")
        })?;
        crate::definitions::install(tx, actor, &def).await?;
        for (_, body, local) in EXAMPLE_SEATS.iter().filter(|(p, _, _)| p == id) {
            if let Some(user) = users::find_by_email(tx, &format!("{local}@{DEMO_DOMAIN}")).await? {
                crate::programme_applications::set_member(tx, actor, &def, body, user.id, true)
                    .await?;
            }
        }
    }
    Ok(())
}

async fn sample_applications(tx: &mut crate::Tx<'_>, actor: &Actor) -> Result<()> {
    let applicant = users::find_by_email(tx, &format!("ansoeger@{DEMO_DOMAIN}"))
        .await?
        .map(|u| u.id);
    let nord_applicant = users::find_by_email(tx, &format!("nord-ansoeger@{DEMO_DOMAIN}"))
        .await?
        .map(|u| u.id);
    let midt = RegionCode::MIDTJYLLAND;
    let nord = RegionCode::NORDJYLLAND;
    let midt_rules = programmes::rules(tx, OK21, midt).await?;
    // Region Nordjylland's pre-agreement has three levels whose amounts the reference data does
    // not know; the demo gives it the same amounts as Region Midtjylland so its samples can go
    // the whole way. A real region sets its own on the tiers page.
    if programmes::tiers(tx, OK21, Some(nord)).await?.is_empty() {
        for (name, kr) in [
            ("Lille niveau", 20_000),
            ("Mellem niveau", 35_000),
            ("Højt niveau", 50_000),
        ] {
            programmes::create_tier(
                tx,
                actor,
                OK21,
                nord,
                name,
                pulje_domain::Ore::from_kr(kr).unwrap_or_default(),
            )
            .await?;
        }
    }
    let nord_rules = programmes::rules(tx, OK21, nord).await?;
    let midt_hospitals = crate::org::hospitals(tx, Some(midt)).await?;
    let nord_hospitals = crate::org::hospitals(tx, Some(nord)).await?;
    let midt_areas = programmes::areas(tx, OK21, Some(midt)).await?;
    let nord_areas = programmes::areas(tx, OK21, Some(nord)).await?;
    let nord_rounds = programmes::rounds(tx, Some(OK21), Some(nord)).await?;

    struct Sample {
        title: &'static str,
        department: &'static str,
        purpose: &'static str,
        tier_kr: Option<i64>,
        start: &'static str,
        end: &'static str,
        status: ApplicationStatus,
    }
    let samples = [
        Sample {
            title: "Lægefaglig koordinator for søvnapnø-udredning",
            department: "Lungesygdomme",
            purpose: "At samle udredningen af søvnapnø hos én koordinerende afdelingslæge med ansvar for visitation og kvalitet.",
            tier_kr: Some(35_000),
            start: "2022-05-01",
            end: "2023-12-31",
            status: ApplicationStatus::Active,
        },
        Sample {
            title: "Simulationstræning af akutte team",
            department: "Akutafdelingen",
            purpose: "At give afdelingslægen ansvar for et fast simulationsprogram for akutteamet.",
            tier_kr: Some(20_000),
            start: "2022-09-01",
            end: "2023-08-31",
            status: ApplicationStatus::Submitted,
        },
        Sample {
            title: "Brobygning til kommunale sygeplejersker ved hjemmebehandling",
            department: "Medicinsk afdeling",
            purpose: "At afprøve en fast kontaktperson mellem afdelingen og kommunerne for patienter i hjemmebehandling.",
            tier_kr: Some(50_000),
            start: "2022-10-01",
            end: "2023-12-31",
            status: ApplicationStatus::Returned,
        },
        Sample {
            title: "Digital opfølgning efter hofteoperation",
            department: "Ortopædkirurgi",
            purpose: "At afprøve et digitalt forløb for patienter efter hofteoperation, ledet af en afdelingslæge.",
            tier_kr: Some(35_000),
            start: "2023-01-01",
            end: "2023-12-31",
            status: ApplicationStatus::ReadyForDecision,
        },
        Sample {
            title: "Forskningsansvarlig afdelingslæge (kladde)",
            department: "Neurologi",
            purpose: "",
            tier_kr: None,
            start: "",
            end: "",
            status: ApplicationStatus::Draft,
        },
    ];
    for (i, s) in samples.iter().enumerate() {
        let hospital = &midt_hospitals[i % midt_hospitals.len()];
        let input = ApplicationInput {
            hospital_id: hospital.id.to_string(),
            hospital_department: format!("{}, {}", hospital.name, s.department),
            title: s.title.into(),
            responsible_leader: "Lars Ledende Overlæge".into(),
            responsible_doctor: "Ida Ansøger".into(),
            purpose: s.purpose.into(),
            description: if s.purpose.is_empty() {
                String::new()
            } else {
                format!(
                    "{} Forsøget følges med status hver tredje måned.",
                    s.purpose
                )
            },
            content: if s.tier_kr.is_some() {
                "Funktionstillæg efter regionens forhåndsaftale. Ingen afvigelser fra arbejdstidsreglerne.".into()
            } else {
                String::new()
            },
            supplement_ore: s
                .tier_kr
                .map(|kr| (kr * 100).to_string())
                .unwrap_or_default(),
            area_ids: vec![midt_areas[i % midt_areas.len()].id.to_string()],
            area_argument: if s.purpose.is_empty() {
                String::new()
            } else {
                "Forsøget udvikler afdelingslægens rolle inden for området.".into()
            },
            organisation: if s.purpose.is_empty() {
                String::new()
            } else {
                "Afdelingslægen refererer til den ledende overlæge.".into()
            },
            start_date: s.start.into(),
            end_date: s.end.into(),
            participants: vec![ParticipantInput {
                name: "Ida Ansøger".into(),
                role: "Afdelingslæge".into(),
                receives_supplement: true,
            }],
            ..Default::default()
        };
        let data = input
            .validate(&midt_rules)
            .map_err(|e| anyhow::anyhow!("demo sample {i} invalid: {e:?}"))?;
        let place = Placement {
            programme_id: OK21,
            region_code: midt,
            created_by: applicant,
            doctor_user_id: applicant,
            imported: false,
        };
        let app = applications::create(tx, actor, &place, &data).await?;
        let tier = pulje_domain::Ore::from_kr(s.tier_kr.unwrap_or(0)).unwrap_or_default();
        walk_to(tx, app.id, s.status, tier).await?;
    }

    let input = ApplicationInput {
        hospital_id: nord_hospitals[0].id.to_string(),
        hospital_department: format!("{}, Patologi", nord_hospitals[0].name),
        title: "Subspecialisering i børnepatologi".into(),
        responsible_doctor: "Niels Nordjyde".into(),
        responsible_leader: "Karen Ledende Overlæge".into(),
        purpose: "At opbygge særlig ekspertise i børnepatologi i regionen.".into(),
        description: "Afdelingslægen får ansvar for regionens børnepatologiske sager og for samarbejdet med de højt specialiserede centre.".into(),
        content: "Funktionstillæg på mellem niveau. Ingen afvigelser fra arbejdstidsreglerne.".into(),
        organisation: "Afdelingslægen refererer til den ledende overlæge og har en mentor på et universitetshospital.".into(),
        area_argument: "Forsøget samler en faglig specialistfunktion hos én afdelingslæge.".into(),
        supplement_ore: "3500000".into(),
        participants: vec![ParticipantInput { name: "Niels Nordjyde".into(), role: "Afdelingslæge".into(), receives_supplement: true }],
        area_ids: vec![nord_areas[4].id.to_string()],
        start_date: "2022-06-01".into(),
        end_date: "2024-03-31".into(),
        ..Default::default()
    };
    let data = input
        .validate(&nord_rules)
        .map_err(|e| anyhow::anyhow!("demo sample invalid: {e:?}"))?;
    let place = Placement {
        programme_id: OK21,
        region_code: nord,
        created_by: nord_applicant,
        doctor_user_id: nord_applicant,
        imported: false,
    };
    let app = applications::create(tx, actor, &place, &data).await?;
    let nord_user = users::find_by_email(tx, &format!("nord-ansoeger@{DEMO_DOMAIN}"))
        .await?
        .ok_or(crate::StoreError::NotFound)?;
    // Sent during the second round.
    let in_round_two = nord_rounds
        .get(1)
        .map(|r| r.opens_on + chrono::Duration::days(10))
        .unwrap_or_else(|| chrono::Utc::now().date_naive());
    workflow::take(
        tx,
        &nord_user,
        app.id,
        &Step::new(Action::Submit),
        in_round_two,
    )
    .await?;
    Ok(())
}

/// Takes a sample application along the real path to `status`, as the demo users would.
async fn walk_to(
    tx: &mut crate::Tx<'_>,
    id: pulje_domain::ApplicationId,
    status: ApplicationStatus,
    tier_ore: pulje_domain::Ore,
) -> Result<()> {
    use ApplicationStatus::*;
    let plan: &[(&str, Action)] = match status {
        Draft => &[],
        Submitted => &[("ansoeger", Action::Submit)],
        Returned => &[
            ("ansoeger", Action::Submit),
            ("arbejdsgruppe", Action::Return),
        ],
        ReadyForDecision => &[
            ("ansoeger", Action::Submit),
            ("arbejdsgruppe", Action::Forward),
        ],
        _ => &[
            ("ansoeger", Action::Submit),
            ("arbejdsgruppe", Action::Forward),
            ("styregruppe", Action::Approve),
            ("leder", Action::Sign),
            ("ansoeger", Action::Sign),
            ("tr", Action::Sign),
            ("region", Action::Sign),
        ],
    };
    // The sample's path is walked as it happened: decided and signed two weeks before the
    // trial started, while its tranche was open (walked today, every approval of OK21 would be
    // an exception to its time rules).
    let start = crate::applications::get(tx, id)
        .await?
        .and_then(|a| a.data.start_date());
    let today = start
        .map(|s| s - chrono::Duration::days(14))
        .unwrap_or_else(pulje_domain::date::today_in_denmark);
    for (who, action) in plan {
        let user = users::find_by_email(tx, &format!("{who}@{DEMO_DOMAIN}"))
            .await?
            .ok_or(crate::StoreError::NotFound)?;
        let mut step = Step::new(*action);
        match action {
            Action::Return => step.reason = "Beskriv venligst, hvordan forsøget evalueres.".into(),
            Action::Approve => step.tier_ore = Some(tier_ore),
            Action::Sign => step = Step::sign(crate::signing::Authentication::Password),
            _ => {}
        }
        workflow::take(tx, &user, id, &step, today).await?;
        if *action == Action::Approve {
            bind_parties(tx, id).await?;
        }
    }
    Ok(())
}

/// Binds the four parties of an approved sample agreement to the demo accounts, as the region's
/// administrator would.
async fn bind_parties(tx: &mut crate::Tx<'_>, id: pulje_domain::ApplicationId) -> Result<()> {
    use pulje_domain::workflow::Party;
    let admin = users::find_by_email(tx, &format!("region@{DEMO_DOMAIN}"))
        .await?
        .ok_or(crate::StoreError::NotFound)?;
    let app = crate::applications::get(tx, id)
        .await?
        .ok_or(crate::StoreError::NotFound)?;
    for (party, who) in [
        (Party::Leader, "leder"),
        (Party::Doctor, "ansoeger"),
        (Party::Union, "tr"),
        (Party::Region, "region"),
    ] {
        let user = users::find_by_email(tx, &format!("{who}@{DEMO_DOMAIN}"))
            .await?
            .ok_or(crate::StoreError::NotFound)?;
        crate::signing::bind(tx, &admin, &app, party, user.id).await?;
    }
    Ok(())
}
