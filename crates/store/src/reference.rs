//! The national reference data every new database holds: the five regions, the hospitals named
//! in the source documents, and the programmes shipped with pulje, set up from their definition
//! files (`pulje_domain::programme::SHIPPED`; OK21's rounds, areas and tiers included).

use crate::audit::{self, Actor};
use crate::definitions;
use crate::{Db, Result, StoreError};
use pulje_domain::programme::{Definition, SHIPPED};
use pulje_domain::region::REGIONS;
use pulje_domain::RegionCode;
use serde::Serialize;

/// The identifier of the OK21 afdelingslæge programme.
pub const OK21: &str = "ok21";

/// OK21's six national priority areas, which each region's own areas are placed under so the
/// national view can compare the regions.
pub const OK21_NATIONAL_AREAS: [&str; 6] = [
    "Forskning",
    "Uddannelse",
    "Kvalitetssikring",
    "Ledelse",
    "Faglig specialist",
    "Digitalisering",
];

/// The national priority areas of a programme (none: its national view compares the regions'
/// own area names).
pub fn national_areas(programme_id: &str) -> &'static [&'static str] {
    if programme_id == OK21 {
        &OK21_NATIONAL_AREAS
    } else {
        &[]
    }
}

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
    fn audit_region(&self) -> Option<RegionCode> {
        None
    }
}

/// Inserts whatever of the reference data is missing. Runs after every migration; a database
/// that already has the OK21 programme keeps what it has (admins may have changed it) and gets
/// the definition it was made from, when it was made before definitions were stored.
pub async fn ensure(db: &Db) -> Result<()> {
    seed_programme(db).await?;
    seed_checklist(db).await?;
    seed_definition(db).await
}

/// OK21's definition as shipped.
pub fn ok21() -> Result<Definition> {
    let (_, text) = SHIPPED
        .iter()
        .find(|(id, _)| *id == OK21)
        .ok_or(StoreError::NotFound)?;
    Definition::from_toml(text).map_err(|problems| {
        StoreError::Other(anyhow::anyhow!(
            "the shipped OK21 definition does not read: {problems:?}"
        ))
    })
}

/// OK21's definition as version 1, for a database that set the programme up before definitions
/// were stored.
async fn seed_definition(db: &Db) -> Result<()> {
    let mut tx = db.begin().await?;
    let stored: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM programme_definitions WHERE programme_id = $1")
            .bind(OK21)
            .fetch_one(&mut *tx)
            .await?;
    if stored == 0 {
        definitions::install(&mut tx, &Actor::system("system"), &ok21()?).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The OK21 checklist, when the programme has none (added after the first release).
async fn seed_checklist(db: &Db) -> Result<()> {
    let mut tx = db.begin().await?;
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM checklist_items WHERE programme_id = $1")
        .bind(OK21)
        .fetch_one(&mut *tx)
        .await?;
    if n == 0 {
        let def = ok21()?;
        definitions::insert_checklist(&mut tx, &def).await?;
        audit::noted(
            &mut tx,
            &Actor::system("system"),
            &Seeding(OK21),
            "seed_checklist",
            None,
            Some(&def.review.checklist),
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

    definitions::install(&mut tx, &Actor::system("system"), &ok21()?).await?;

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
