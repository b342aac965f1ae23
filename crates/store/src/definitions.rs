//! Programme definitions (`pulje_domain::programme`): stored as JSON, one row per version.
//!
//! [`install`] stores a checked definition. A programme new to the database is also set up from
//! it: the programme, its tranches, each region's pool (by the definition's split key), the
//! regions' latest end, priority areas, supplement tiers and rounds, and the review checklist.
//! A later version of a programme already set up is stored as its newest definition; what an
//! administrator has since set up in the browser (rounds, areas, tiers) is left as it is.

use crate::audit::{self, Actor};
use crate::{now_utc, Result, StoreError, Tx};
use pulje_domain::programme::{Definition, SplitKey};
use pulje_domain::{Ore, RegionCode};
use serde::Serialize;
use sqlx::AnyConnection;

/// A programme's definitions in the audit log (national data).
struct Programme<'a>(&'a str);

impl audit::Audited for Programme<'_> {
    const ENTITY: &'static str = "programme";
    fn audit_id(&self) -> String {
        self.0.to_string()
    }
    fn audit_region(&self) -> Option<RegionCode> {
        None
    }
}

/// What [`install`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Installed {
    pub programme_id: String,
    pub version: u32,
    /// Whether the programme was new and set up from the definition.
    pub set_up: bool,
}

/// The largest number of applications named when a version is refused.
const NAMED: usize = 10;

/// Stores `def` as the programme's newest version, setting the programme up when it is new.
/// Refused when the version is not newer than the stored ones, or when it has no state for
/// applications that are in one today (they are named).
pub async fn install(tx: &mut Tx<'_>, actor: &Actor, def: &Definition) -> Result<Installed> {
    let newest: Option<i64> = sqlx::query_scalar(
        "SELECT MAX(version) FROM programme_definitions WHERE programme_id = $1",
    )
    .bind(&def.id)
    .fetch_one(&mut **tx)
    .await?;
    if let Some(newest) = newest.filter(|v| *v >= i64::from(def.version)) {
        return Err(StoreError::Conflict(format!(
            "Programmet «{}» har allerede version {newest}; en ny definition skal have version {} eller højere.",
            def.id,
            newest + 1
        )));
    }
    let exists: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM programmes WHERE id = $1")
        .bind(&def.id)
        .fetch_one(&mut **tx)
        .await?;
    if exists > 0 {
        refuse_lost_states(tx, def).await?;
    } else {
        set_up(tx, def).await?;
    }
    let json = serde_json::to_string(def).map_err(anyhow::Error::new)?;
    sqlx::query(
        "INSERT INTO programme_definitions (programme_id, version, definition, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&def.id)
    .bind(i64::from(def.version))
    .bind(json)
    .bind(now_utc())
    .bind(&actor.label)
    .execute(&mut **tx)
    .await?;
    let installed = Installed {
        programme_id: def.id.clone(),
        version: def.version,
        set_up: exists == 0,
    };
    audit::noted(
        tx,
        actor,
        &Programme(&def.id),
        "install_definition",
        None,
        Some(&installed),
    )
    .await?;
    Ok(installed)
}

/// The programme's newest definition.
pub async fn latest(conn: &mut AnyConnection, programme_id: &str) -> Result<Option<Definition>> {
    let json: Option<String> = sqlx::query_scalar(
        "SELECT definition FROM programme_definitions WHERE programme_id = $1 \
         ORDER BY version DESC LIMIT 1",
    )
    .bind(programme_id)
    .fetch_optional(conn)
    .await?;
    json.map(|j| read(&j)).transpose()
}

/// The programme's definition as it was in `version` (what an application made under it keeps).
pub async fn version(
    conn: &mut AnyConnection,
    programme_id: &str,
    version: u32,
) -> Result<Option<Definition>> {
    let json: Option<String> = sqlx::query_scalar(
        "SELECT definition FROM programme_definitions WHERE programme_id = $1 AND version = $2",
    )
    .bind(programme_id)
    .bind(i64::from(version))
    .fetch_optional(conn)
    .await?;
    json.map(|j| read(&j)).transpose()
}

/// The programme's stored versions, oldest first.
pub async fn versions(conn: &mut AnyConnection, programme_id: &str) -> Result<Vec<u32>> {
    let rows: Vec<i64> = sqlx::query_scalar(
        "SELECT version FROM programme_definitions WHERE programme_id = $1 ORDER BY version",
    )
    .bind(programme_id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|v| u32::try_from(v).ok())
        .collect())
}

/// A stored definition, checked again (a stored one was checked when it was installed).
fn read(json: &str) -> Result<Definition> {
    Definition::from_json(json).map_err(|problems| {
        StoreError::Other(anyhow::anyhow!(
            "a stored programme definition no longer reads: {}",
            problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        ))
    })
}

/// Refuses a version that has no state for some of the programme's applications.
async fn refuse_lost_states(tx: &mut Tx<'_>, def: &Definition) -> Result<()> {
    let statuses: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT status FROM applications WHERE programme_id = $1")
            .bind(&def.id)
            .fetch_all(&mut **tx)
            .await?;
    let lost: Vec<String> = statuses
        .into_iter()
        .filter(|s| def.workflow.state(s).is_none())
        .collect();
    if lost.is_empty() {
        return Ok(());
    }
    let mut named = Vec::new();
    for status in &lost {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, title FROM applications WHERE programme_id = $1 AND status = $2 \
             ORDER BY id LIMIT $3",
        )
        .bind(&def.id)
        .bind(status)
        .bind(NAMED as i64)
        .fetch_all(&mut **tx)
        .await?;
        named.extend(
            rows.into_iter()
                .map(|(id, title)| format!("nr. {id} «{title}» ({status})")),
        );
    }
    named.truncate(NAMED);
    Err(StoreError::Refused(format!(
        "Version {} har ingen tilstand for {}, som ansøgninger står i: {}. Behold tilstanden, eller flyt ansøgningerne først.",
        def.version,
        lost.iter()
            .map(|s| format!("«{s}»"))
            .collect::<Vec<_>>()
            .join(", "),
        named.join("; ")
    )))
}

/// Sets a new programme up from its definition.
async fn set_up(tx: &mut Tx<'_>, def: &Definition) -> Result<()> {
    sqlx::query(
        "INSERT INTO programmes (id, name, description, window_start, window_end) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&def.id)
    .bind(&def.name)
    .bind(def.description.trim())
    .bind(def.window.period_start.to_string())
    .bind(def.window.period_end.to_string())
    .execute(&mut **tx)
    .await?;
    // The units that are regions known to the database get pools and lists of their own.
    let known: Vec<i64> = sqlx::query_scalar("SELECT code FROM regions")
        .fetch_all(&mut **tx)
        .await?;
    let region_of = |code: &str| {
        code.parse::<i64>()
            .ok()
            .filter(|c| known.contains(c) && RegionCode::new(*c).is_some())
    };
    for (i, t) in def.tranches.iter().enumerate() {
        let total = Ore::from_kr(t.amount_kr)
            .ok_or_else(|| StoreError::Refused("Puljens beløb er for stort.".into()))?;
        let tranche_id: i64 = sqlx::query_scalar(
            "INSERT INTO tranches (programme_id, number, name, period_start, period_end, national_amount_ore) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(&def.id)
        .bind(i as i64 + 1)
        .bind(&t.name)
        .bind(t.start.to_string())
        .bind(t.end.to_string())
        .bind(total.ore())
        .fetch_one(&mut **tx)
        .await?;
        // A manual split is entered by an administrator later.
        if def.split.key == SplitKey::Manual {
            continue;
        }
        for (code, amount) in def.split.allocate(total).unwrap_or_default() {
            let Some(region) = region_of(&code) else {
                continue;
            };
            sqlx::query(
                "INSERT INTO pools (tranche_id, region_code, amount_ore) VALUES ($1, $2, $3)",
            )
            .bind(tranche_id)
            .bind(region)
            .bind(amount.ore())
            .execute(&mut **tx)
            .await?;
        }
    }
    for unit in &def.split.units {
        let Some(region) = region_of(&unit.code) else {
            continue;
        };
        if let Some(end) = unit.latest_end {
            sqlx::query(
                "INSERT INTO programme_regions (programme_id, region_code, latest_end, oncost_basis_points) \
                 VALUES ($1, $2, $3, 0)",
            )
            .bind(&def.id)
            .bind(region)
            .bind(end.to_string())
            .execute(&mut **tx)
            .await?;
        }
        for (position, area) in unit.areas.iter().enumerate() {
            sqlx::query(
                "INSERT INTO areas (programme_id, region_code, name, short_name, position) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&def.id)
            .bind(region)
            .bind(&area.name)
            .bind(if area.short.is_empty() { &area.name } else { &area.short })
            .bind(position as i64 + 1)
            .execute(&mut **tx)
            .await?;
        }
        for tier in &unit.tiers {
            let amount = Ore::from_kr(tier.amount_kr)
                .ok_or_else(|| StoreError::Refused("Tillæggets beløb er for stort.".into()))?;
            sqlx::query(
                "INSERT INTO tiers (programme_id, region_code, name, amount_ore) VALUES ($1, $2, $3, $4)",
            )
            .bind(&def.id)
            .bind(region)
            .bind(&tier.name)
            .bind(amount.ore())
            .execute(&mut **tx)
            .await?;
        }
        for round in &unit.rounds {
            sqlx::query(
                "INSERT INTO rounds (programme_id, region_code, name, opens_on, deadline) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&def.id)
            .bind(region)
            .bind(&round.name)
            .bind(round.opens.to_string())
            .bind(round.deadline.to_string())
            .execute(&mut **tx)
            .await?;
        }
    }
    insert_checklist(tx, def).await
}

/// The definition's review checklist, as the programme's checklist items.
pub(crate) async fn insert_checklist(tx: &mut Tx<'_>, def: &Definition) -> Result<()> {
    for (position, text) in def.review.checklist.iter().enumerate() {
        sqlx::query(
            "INSERT INTO checklist_items (programme_id, position, text) VALUES ($1, $2, $3)",
        )
        .bind(&def.id)
        .bind(position as i64 + 1)
        .bind(text)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
