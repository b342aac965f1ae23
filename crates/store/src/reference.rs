//! The national reference data every new database holds: the five regions, the OK21 programme
//! with its tranches and regional pools, the regional configuration known from the source
//! documents, and the hospitals named in them.

use crate::audit::{self, Actor};
use crate::{Db, Result};
use pulje_domain::region::REGIONS;
use serde::Serialize;

/// The identifier of the OK21 afdelingslæge programme.
pub const OK21: &str = "ok21";

/// Each region's share of one tranche, in whole kroner (from the OK21 agreement).
const OK21_POOLS_KR: [(i64, i64); 5] = [
    (1081, 3_843_219),
    (1082, 8_944_908),
    (1083, 8_012_851),
    (1084, 14_375_724),
    (1085, 4_823_387),
];

const OK21_TRANCHES: [(i64, &str, &str, &str); 2] = [
    (1, "1. pulje (2022)", "2022-04-01", "2023-03-31"),
    (2, "2. pulje (2023)", "2023-04-01", "2024-03-31"),
];

const NATIONAL_TRANCHE_KR: i64 = 40_000_000;

const HOSPITALS: [(i64, &str); 11] = [
    (1081, "Aalborg Universitetshospital"),
    (1081, "Regionshospital Nordjylland"),
    (1081, "Psykiatrien"),
    (1082, "Aarhus Universitetshospital"),
    (1082, "Hospitalsenhed Midt"),
    (1082, "Regionshospitalet Hammel"),
    (1083, "Odense Universitetshospital"),
    (1083, "Sygehus Lillebælt"),
    (1083, "Sydvestjysk Sygehus"),
    (1083, "Sygehus Sønderjylland"),
    (1084, "Rigshospitalet"),
];

const DEPARTMENTS: [(&str, &str); 3] = [
    ("Aarhus Universitetshospital", "Bedøvelse og Operation 2"),
    ("Aarhus Universitetshospital", "Hjerne- og Rygkirurgi"),
    (
        "Hospitalsenhed Midt",
        "Medicinsk afdeling, Diagnostisk Center",
    ),
];

/// Region Nordjylland's six priority areas: (name, the overview table's short name).
const NORDJYLLAND_AREAS: [(&str, &str); 6] = [
    ("Forskning", "Forskning"),
    ("Uddannelse", "Uddannelse"),
    ("Kvalitetssikring", "Kvalitet"),
    ("Ledelse", "Ledelse"),
    ("Faglig specialist", "Faglig ekspert"),
    ("Digitalisering", "Digitalisering"),
];

const MIDTJYLLAND_AREAS: [(&str, &str); 4] = [
    (
        "Faglig specialist evt. med et særligt fokusområde",
        "Faglig specialist",
    ),
    ("Tværsektorielle patientforløb (brobygger)", "Brobygger"),
    (
        "Forbedringsaktiviteter, herunder fælles beslutningstagen",
        "Forbedring",
    ),
    ("Digitalisering og forbedringsaktiviteter", "Digitalisering"),
];

const MIDTJYLLAND_TIERS_KR: [(&str, i64); 3] =
    [("Lille", 20_000), ("Mellem", 35_000), ("Høj", 50_000)];

/// Region Nordjylland's five rounds: (name, opens, deadline).
const NORDJYLLAND_ROUNDS: [(&str, &str, &str); 5] = [
    ("1. runde", "2021-09-15", "2022-03-01"),
    ("2. runde", "2022-03-02", "2022-06-01"),
    ("3. runde", "2022-06-02", "2022-09-01"),
    ("4. runde", "2022-09-02", "2022-12-01"),
    ("5. runde", "2022-12-02", "2023-03-01"),
];

/// The quality-assurance checklist of OK21.
const OK21_CHECKLIST: [&str; 5] = [
    "Området er angivet og begrundet",
    "Perioden ligger inden for programmets rammer",
    "Ledelsen bakker op om forsøget",
    "Eventuelle afvigelser fra arbejdstidsreglerne er beskrevet",
    "Det ansøgte tillægsniveau er begrundet",
];

#[derive(Serialize)]
struct Seeded {
    programme: &'static str,
    regions: usize,
    hospitals: usize,
}

/// A programme whose reference data is being seeded, audited as `programme` (national data).
struct Seeding(&'static str);

impl audit::Audited for Seeding {
    const ENTITY: &'static str = "programme";
    fn audit_id(&self) -> String {
        self.0.to_string()
    }
    fn audit_region(&self) -> Option<i64> {
        None
    }
}

/// Inserts whatever of the reference data is missing. Runs after every migration; a database
/// that already has the OK21 programme is left as it is (admins may have changed it).
pub async fn ensure(db: &Db) -> Result<()> {
    seed_programme(db).await?;
    seed_checklist(db).await
}

/// The OK21 checklist, when the programme has none (added after the first release).
async fn seed_checklist(db: &Db) -> Result<()> {
    let mut tx = db.begin().await?;
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM checklist_items WHERE programme_id = $1")
        .bind(OK21)
        .fetch_one(&mut *tx)
        .await?;
    if n == 0 {
        for (position, text) in OK21_CHECKLIST.iter().enumerate() {
            sqlx::query(
                "INSERT INTO checklist_items (programme_id, position, text) VALUES ($1, $2, $3)",
            )
            .bind(OK21)
            .bind(position as i64 + 1)
            .bind(*text)
            .execute(&mut *tx)
            .await?;
        }
        audit::noted(
            &mut tx,
            &Actor::system("system"),
            &Seeding(OK21),
            "seed_checklist",
            None,
            Some(&OK21_CHECKLIST),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn seed_programme(db: &Db) -> Result<()> {
    let mut tx = db.begin().await?;
    for (code, name) in REGIONS {
        sqlx::query(
            "INSERT INTO regions (code, name) VALUES ($1, $2) ON CONFLICT (code) DO NOTHING",
        )
        .bind(i64::from(code))
        .bind(name)
        .execute(&mut *tx)
        .await?;
    }
    let has_ok21: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM programmes WHERE id = $1")
        .bind(OK21)
        .fetch_one(&mut *tx)
        .await?;
    if has_ok21 > 0 {
        tx.commit().await?;
        return Ok(());
    }

    sqlx::query("INSERT INTO programmes (id, name, description, window_start, window_end) VALUES ($1, $2, $3, $4, $5)")
        .bind(OK21)
        .bind("OK21 Afdelingslægeprojektet")
        .bind(
            "Danske Regioner og Yngre Læger aftalte ved OK21 at give afdelingslæger nye faglige opgaver og mere ansvar \
             gennem lokale forsøg. Erfaringerne skal bruges ved forhandlingerne i 2024. Hver region har sin egen pulje \
             i to omgange; forsøgene aftales mellem afdelingslæge og ledelse og godkendes af regionen og YL.",
        )
        .bind("2022-01-01")
        .bind("2024-03-31")
        .execute(&mut *tx)
        .await?;

    for (number, name, start, end) in OK21_TRANCHES {
        let tranche_id: i64 = sqlx::query_scalar(
            "INSERT INTO tranches (programme_id, number, name, period_start, period_end, national_amount_ore) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(OK21)
        .bind(number)
        .bind(name)
        .bind(start)
        .bind(end)
        .bind(NATIONAL_TRANCHE_KR * 100)
        .fetch_one(&mut *tx)
        .await?;
        for (region, kr) in OK21_POOLS_KR {
            sqlx::query(
                "INSERT INTO pools (tranche_id, region_code, amount_ore) VALUES ($1, $2, $3)",
            )
            .bind(tranche_id)
            .bind(region)
            .bind(kr * 100)
            .execute(&mut *tx)
            .await?;
        }
    }

    for (region, latest_end) in [(1081_i64, "2024-03-31"), (1082, "2023-12-31")] {
        sqlx::query("INSERT INTO programme_regions (programme_id, region_code, latest_end, oncost_basis_points) VALUES ($1, $2, $3, 0)")
            .bind(OK21)
            .bind(region)
            .bind(latest_end)
            .execute(&mut *tx)
            .await?;
    }

    for (region, areas) in [
        (1081_i64, &NORDJYLLAND_AREAS[..]),
        (1082, &MIDTJYLLAND_AREAS[..]),
    ] {
        for (position, (name, short)) in areas.iter().enumerate() {
            sqlx::query("INSERT INTO areas (programme_id, region_code, name, short_name, position) VALUES ($1, $2, $3, $4, $5)")
                .bind(OK21)
                .bind(region)
                .bind(*name)
                .bind(*short)
                .bind(position as i64 + 1)
                .execute(&mut *tx)
                .await?;
        }
    }

    for (name, kr) in MIDTJYLLAND_TIERS_KR {
        sqlx::query("INSERT INTO tiers (programme_id, region_code, name, amount_ore) VALUES ($1, 1082, $2, $3)")
            .bind(OK21)
            .bind(name)
            .bind(kr * 100)
            .execute(&mut *tx)
            .await?;
    }

    for (name, opens, deadline) in NORDJYLLAND_ROUNDS {
        sqlx::query("INSERT INTO rounds (programme_id, region_code, name, opens_on, deadline) VALUES ($1, 1081, $2, $3, $4)")
            .bind(OK21)
            .bind(name)
            .bind(opens)
            .bind(deadline)
            .execute(&mut *tx)
            .await?;
    }

    for (region, name) in HOSPITALS {
        sqlx::query("INSERT INTO hospitals (region_code, name) VALUES ($1, $2) ON CONFLICT (region_code, name) DO NOTHING")
            .bind(region)
            .bind(name)
            .execute(&mut *tx)
            .await?;
    }
    for (hospital, name) in DEPARTMENTS {
        sqlx::query(
            "INSERT INTO departments (hospital_id, name) SELECT id, $2 FROM hospitals WHERE name = $1 \
             ON CONFLICT (hospital_id, name) DO NOTHING",
        )
        .bind(hospital)
        .bind(name)
        .execute(&mut *tx)
        .await?;
    }

    let seeded = Seeded {
        programme: OK21,
        regions: REGIONS.len(),
        hospitals: HOSPITALS.len(),
    };
    audit::noted(
        &mut tx,
        &Actor::system("system"),
        &Seeding(OK21),
        "seed_reference_data",
        None,
        Some(&seeded),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
