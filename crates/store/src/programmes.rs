//! Programmes, their funding tranches and regional pools, and each region's configuration of a
//! programme: rounds, areas, supplement tiers and the latest end date.

use crate::audit::{self, Actor};
use crate::{Result, StoreError, Tx};
use chrono::NaiveDate;
use pulje_domain::{
    ApplicationRules, AreaId, Ore, Period, PoolId, RegionCode, RoundId, TierId, TrancheId,
};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, FromRow, Row};

/// Reads an ISO date column.
pub(crate) fn date_col(row: &AnyRow, col: &str) -> sqlx::Result<NaiveDate> {
    let text: String = row.try_get(col)?;
    NaiveDate::parse_from_str(&text, "%Y-%m-%d").map_err(|e| sqlx::Error::ColumnDecode {
        index: col.into(),
        source: Box::new(e),
    })
}

pub(crate) fn opt_date_col(row: &AnyRow, col: &str) -> sqlx::Result<Option<NaiveDate>> {
    let text: Option<String> = row.try_get(col)?;
    Ok(crate::date_of(text))
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Programme {
    pub id: String,
    pub name: String,
    pub description: String,
    pub window_start: NaiveDate,
    pub window_end: NaiveDate,
}

impl FromRow<'_, AnyRow> for Programme {
    fn from_row(r: &AnyRow) -> sqlx::Result<Self> {
        Ok(Programme {
            id: r.try_get("id")?,
            name: r.try_get("name")?,
            description: r.try_get("description")?,
            window_start: date_col(r, "window_start")?,
            window_end: date_col(r, "window_end")?,
        })
    }
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tranche {
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub id: TrancheId,
    pub programme_id: String,
    pub number: i64,
    pub name: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub national_amount_ore: Ore,
}

impl FromRow<'_, AnyRow> for Tranche {
    fn from_row(r: &AnyRow) -> sqlx::Result<Self> {
        Ok(Tranche {
            id: TrancheId::new(r.try_get("id")?),
            programme_id: r.try_get("programme_id")?,
            number: r.try_get("number")?,
            name: r.try_get("name")?,
            period_start: date_col(r, "period_start")?,
            period_end: date_col(r, "period_end")?,
            national_amount_ore: Ore::from_ore(r.try_get("national_amount_ore")?),
        })
    }
}

/// A region's share of a tranche.
#[derive(Debug, Clone, FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pool {
    #[sqlx(try_from = "i64")]
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub id: PoolId,
    #[sqlx(try_from = "i64")]
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub tranche_id: TrancheId,
    #[cfg_attr(feature = "openapi", schema(value_type = i64, minimum = 1081, maximum = 1085))]
    #[sqlx(try_from = "i64")]
    pub region_code: RegionCode,
    pub region_name: String,
    #[sqlx(try_from = "i64")]
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub amount_ore: Ore,
}

/// A region's settings for a programme.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegionSettings {
    pub programme_id: String,
    #[cfg_attr(feature = "openapi", schema(value_type = i64, minimum = 1081, maximum = 1085))]
    pub region_code: RegionCode,
    /// The region's own latest end date for trials, if stricter than the programme's window.
    pub latest_end: Option<NaiveDate>,
    /// On-cost on supplements (e.g. the employer's pension share), in hundredths of a percent.
    pub oncost_basis_points: i64,
}

/// A programme in one region: the key of its settings (`programme_regions`), audited as
/// `programme_region` with the id `programme/region`.
#[derive(Debug, Clone, Copy)]
pub struct ProgrammeRegion<'a> {
    pub programme_id: &'a str,
    pub region_code: RegionCode,
}

impl ProgrammeRegion<'_> {
    fn of(settings: &RegionSettings) -> ProgrammeRegion<'_> {
        ProgrammeRegion {
            programme_id: &settings.programme_id,
            region_code: settings.region_code,
        }
    }
}

impl audit::Audited for ProgrammeRegion<'_> {
    const ENTITY: &'static str = "programme_region";
    fn audit_id(&self) -> String {
        format!("{}/{}", self.programme_id, self.region_code)
    }
    fn audit_region(&self) -> Option<RegionCode> {
        Some(self.region_code)
    }
}

impl audit::Audited for RegionSettings {
    const ENTITY: &'static str = "programme_region";
    fn audit_id(&self) -> String {
        ProgrammeRegion::of(self).audit_id()
    }
    fn audit_region(&self) -> Option<RegionCode> {
        Some(self.region_code)
    }
}

impl FromRow<'_, AnyRow> for RegionSettings {
    fn from_row(r: &AnyRow) -> sqlx::Result<Self> {
        Ok(RegionSettings {
            programme_id: r.try_get("programme_id")?,
            region_code: crate::region_col(r, "region_code")?,
            latest_end: opt_date_col(r, "latest_end")?,
            oncost_basis_points: r.try_get("oncost_basis_points")?,
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Round {
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub id: RoundId,
    pub programme_id: String,
    #[cfg_attr(feature = "openapi", schema(value_type = i64, minimum = 1081, maximum = 1085))]
    pub region_code: RegionCode,
    pub name: String,
    pub opens_on: NaiveDate,
    pub deadline: NaiveDate,
}

impl audit::Audited for Round {
    const ENTITY: &'static str = "round";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_region(&self) -> Option<RegionCode> {
        Some(self.region_code)
    }
}

impl FromRow<'_, AnyRow> for Round {
    fn from_row(r: &AnyRow) -> sqlx::Result<Self> {
        Ok(Round {
            id: RoundId::new(r.try_get("id")?),
            programme_id: r.try_get("programme_id")?,
            region_code: crate::region_col(r, "region_code")?,
            name: r.try_get("name")?,
            opens_on: date_col(r, "opens_on")?,
            deadline: date_col(r, "deadline")?,
        })
    }
}

/// The columns of [`Area`], for every read of areas.
pub(crate) const AREA_COLUMNS: [&str; 7] = [
    "id",
    "programme_id",
    "region_code",
    "name",
    "short_name",
    "position",
    "national_area",
];

#[derive(Debug, Clone, FromRow, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Area {
    #[sqlx(try_from = "i64")]
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub id: AreaId,
    pub programme_id: String,
    #[cfg_attr(feature = "openapi", schema(value_type = i64, minimum = 1081, maximum = 1085))]
    #[sqlx(try_from = "i64")]
    pub region_code: RegionCode,
    pub name: String,
    pub short_name: String,
    pub position: i64,
    /// The national priority area it is placed under (empty: none chosen; see
    /// [`Area::national`]).
    pub national_area: String,
}

impl Area {
    /// The national priority area this area counts under in the national view: the one chosen,
    /// or else the national area its name or short name is (case-insensitively); `None` when
    /// it is not placed.
    pub fn national(&self) -> Option<&'static str> {
        let national = crate::reference::national_areas(&self.programme_id);
        let named = |text: &str| {
            national
                .iter()
                .copied()
                .find(|n| n.to_lowercase() == text.trim().to_lowercase())
        };
        named(&self.national_area)
            .or_else(|| named(&self.name))
            .or_else(|| named(&self.short_name))
    }
}

impl audit::Audited for Area {
    const ENTITY: &'static str = "area";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_region(&self) -> Option<RegionCode> {
        Some(self.region_code)
    }
}

#[derive(Debug, Clone, FromRow, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tier {
    #[sqlx(try_from = "i64")]
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub id: TierId,
    pub programme_id: String,
    #[cfg_attr(feature = "openapi", schema(value_type = i64, minimum = 1081, maximum = 1085))]
    #[sqlx(try_from = "i64")]
    pub region_code: RegionCode,
    pub name: String,
    #[sqlx(try_from = "i64")]
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub amount_ore: Ore,
}

impl audit::Audited for Tier {
    const ENTITY: &'static str = "tier";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_region(&self) -> Option<RegionCode> {
        Some(self.region_code)
    }
}

pub async fn programmes(conn: &mut AnyConnection) -> Result<Vec<Programme>> {
    Ok(sqlx::query_as::<_, Programme>("SELECT id, name, description, window_start, window_end FROM programmes ORDER BY window_start, id")
        .fetch_all(conn)
        .await?)
}

pub async fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<Programme>> {
    Ok(sqlx::query_as::<_, Programme>(
        "SELECT id, name, description, window_start, window_end FROM programmes WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?)
}

pub async fn tranches(conn: &mut AnyConnection, programme_id: &str) -> Result<Vec<Tranche>> {
    Ok(sqlx::query_as::<_, Tranche>(
        "SELECT id, programme_id, number, name, period_start, period_end, national_amount_ore FROM tranches \
         WHERE programme_id = $1 ORDER BY number",
    )
    .bind(programme_id)
    .fetch_all(conn)
    .await?)
}

/// The pools of a programme's tranches, for one region or all.
pub async fn pools(
    conn: &mut AnyConnection,
    programme_id: &str,
    region: Option<RegionCode>,
) -> Result<Vec<Pool>> {
    Ok(sqlx::query_as::<_, Pool>(
        "SELECT p.id, p.tranche_id, p.region_code, r.name AS region_name, p.amount_ore \
         FROM pools p JOIN tranches t ON t.id = p.tranche_id JOIN regions r ON r.code = p.region_code \
         WHERE t.programme_id = $1 AND ($2 IS NULL OR p.region_code = $2) ORDER BY t.number, p.region_code",
    )
    .bind(programme_id)
    .bind(region.map(RegionCode::get))
    .fetch_all(conn)
    .await?)
}

pub async fn region_settings(
    conn: &mut AnyConnection,
    programme_id: &str,
    region_code: RegionCode,
) -> Result<RegionSettings> {
    let found = sqlx::query_as::<_, RegionSettings>(
        "SELECT programme_id, region_code, latest_end, oncost_basis_points FROM programme_regions \
         WHERE programme_id = $1 AND region_code = $2",
    )
    .bind(programme_id)
    .bind(region_code.get())
    .fetch_optional(conn)
    .await?;
    Ok(found.unwrap_or(RegionSettings {
        programme_id: programme_id.to_string(),
        region_code,
        latest_end: None,
        oncost_basis_points: 0,
    }))
}

pub async fn set_region_settings(
    tx: &mut Tx<'_>,
    actor: &Actor,
    settings: &RegionSettings,
) -> Result<()> {
    let before = region_settings(tx, &settings.programme_id, settings.region_code).await?;
    if settings.oncost_basis_points < 0 || settings.oncost_basis_points > 10_000 {
        return Err(StoreError::Refused(
            "Procenttillægget skal ligge mellem 0 og 100 %.".into(),
        ));
    }
    sqlx::query(
        "INSERT INTO programme_regions (programme_id, region_code, latest_end, oncost_basis_points) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (programme_id, region_code) DO UPDATE SET latest_end = $3, oncost_basis_points = $4",
    )
    .bind(&settings.programme_id)
    .bind(settings.region_code.get())
    .bind(crate::date_text(settings.latest_end))
    .bind(settings.oncost_basis_points)
    .execute(&mut **tx)
    .await?;
    audit::changed(tx, actor, &before, settings).await?;
    Ok(())
}

/// What an application in `programme_id` and `region_code` is validated against.
pub async fn rules(
    conn: &mut AnyConnection,
    programme_id: &str,
    region_code: RegionCode,
) -> Result<ApplicationRules> {
    let p = get(conn, programme_id).await?.ok_or(StoreError::NotFound)?;
    let settings = region_settings(conn, programme_id, region_code).await?;
    let hospital_ids = crate::org::hospitals(conn, Some(region_code))
        .await?
        .into_iter()
        .map(|h| h.id.get())
        .collect();
    let area_ids = areas(conn, programme_id, Some(region_code))
        .await?
        .into_iter()
        .map(|a| a.id.get())
        .collect();
    let tiers = tiers(conn, programme_id, Some(region_code))
        .await?
        .into_iter()
        .map(|t| t.amount_ore)
        .collect();
    let window = Period::new(p.window_start, p.window_end).ok_or_else(|| {
        StoreError::Other(anyhow::anyhow!(
            "programme {programme_id} has an empty window"
        ))
    })?;
    Ok(ApplicationRules {
        window,
        latest_end: settings.latest_end,
        hospital_ids,
        area_ids,
        tiers,
    })
}

// --- rounds ---------------------------------------------------------------------------------

pub async fn rounds(
    conn: &mut AnyConnection,
    programme_id: Option<&str>,
    region: Option<RegionCode>,
) -> Result<Vec<Round>> {
    Ok(sqlx::query_as::<_, Round>(
        "SELECT id, programme_id, region_code, name, opens_on, deadline FROM rounds \
         WHERE ($1 IS NULL OR programme_id = $1) AND ($2 IS NULL OR region_code = $2) ORDER BY region_code, deadline, id",
    )
    .bind(programme_id)
    .bind(region.map(RegionCode::get))
    .fetch_all(conn)
    .await?)
}

pub async fn get_round(conn: &mut AnyConnection, id: RoundId) -> Result<Option<Round>> {
    Ok(sqlx::query_as::<_, Round>(
        "SELECT id, programme_id, region_code, name, opens_on, deadline FROM rounds WHERE id = $1",
    )
    .bind(id.get())
    .fetch_optional(conn)
    .await?)
}

/// A round as the admin form gives it.
#[derive(Debug, Clone)]
pub struct RoundInput {
    pub name: String,
    pub opens_on: NaiveDate,
    pub deadline: NaiveDate,
}

fn check_round(input: &RoundInput) -> Result<()> {
    if input.name.trim().is_empty() {
        return Err(StoreError::Refused("Skriv rundens navn.".into()));
    }
    if input.deadline < input.opens_on {
        return Err(StoreError::Refused(
            "Ansøgningsfristen skal ligge på eller efter åbningsdatoen.".into(),
        ));
    }
    Ok(())
}

/// Refuses a round that opens before the programme's application window opens or has its
/// deadline after the window closes (a programme without a stored definition has no window to
/// keep).
async fn check_in_window(
    conn: &mut AnyConnection,
    programme_id: &str,
    input: &RoundInput,
) -> Result<()> {
    let Some(def) = crate::definitions::latest(conn, programme_id).await? else {
        return Ok(());
    };
    let (opens, closes) = (def.window.opens.date(), def.window.closes.date());
    let da = pulje_domain::date::format_date_da;
    if input.opens_on < opens || input.deadline > closes {
        return Err(StoreError::Refused(format!(
            "Runden skal ligge inden for programmets ansøgningsvindue, {} – {}: {}.",
            da(opens),
            da(closes),
            if input.opens_on < opens {
                format!("den åbner {}", da(input.opens_on))
            } else {
                format!("fristen er {}", da(input.deadline))
            }
        )));
    }
    Ok(())
}

pub async fn create_round(
    tx: &mut Tx<'_>,
    actor: &Actor,
    programme_id: &str,
    region_code: RegionCode,
    input: &RoundInput,
) -> Result<Round> {
    check_round(input)?;
    check_in_window(tx, programme_id, input).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO rounds (programme_id, region_code, name, opens_on, deadline) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(programme_id)
    .bind(region_code.get())
    .bind(input.name.trim())
    .bind(input.opens_on.to_string())
    .bind(input.deadline.to_string())
    .fetch_one(&mut **tx)
    .await?;
    let r = get_round(tx, RoundId::new(id))
        .await?
        .ok_or(StoreError::NotFound)?;
    audit::created(tx, actor, &r).await?;
    Ok(r)
}

pub async fn update_round(
    tx: &mut Tx<'_>,
    actor: &Actor,
    id: RoundId,
    input: &RoundInput,
) -> Result<Round> {
    check_round(input)?;
    let before = get_round(tx, id).await?.ok_or(StoreError::NotFound)?;
    check_in_window(tx, &before.programme_id, input).await?;
    sqlx::query("UPDATE rounds SET name = $1, opens_on = $2, deadline = $3 WHERE id = $4")
        .bind(input.name.trim())
        .bind(input.opens_on.to_string())
        .bind(input.deadline.to_string())
        .bind(id.get())
        .execute(&mut **tx)
        .await?;
    let after = get_round(tx, id).await?.ok_or(StoreError::NotFound)?;
    audit::changed(tx, actor, &before, &after).await?;
    Ok(after)
}

// --- areas ----------------------------------------------------------------------------------

pub async fn areas(
    conn: &mut AnyConnection,
    programme_id: &str,
    region: Option<RegionCode>,
) -> Result<Vec<Area>> {
    Ok(sqlx::query_as::<_, Area>(&format!(
        "SELECT {} FROM areas WHERE programme_id = $1 AND ($2 IS NULL OR region_code = $2) \
         ORDER BY region_code, position, id",
        AREA_COLUMNS.join(", ")
    ))
    .bind(programme_id)
    .bind(region.map(RegionCode::get))
    .fetch_all(conn)
    .await?)
}

pub async fn get_area(conn: &mut AnyConnection, id: AreaId) -> Result<Option<Area>> {
    Ok(sqlx::query_as::<_, Area>(&format!(
        "SELECT {} FROM areas WHERE id = $1",
        AREA_COLUMNS.join(", ")
    ))
    .bind(id.get())
    .fetch_optional(conn)
    .await?)
}

fn check_area(name: &str, short_name: &str) -> Result<(String, String)> {
    let name = name.trim();
    if name.is_empty() {
        return Err(StoreError::Refused("Skriv områdets navn.".into()));
    }
    let short = if short_name.trim().is_empty() {
        name
    } else {
        short_name.trim()
    };
    Ok((name.to_string(), short.to_string()))
}

pub async fn create_area(
    tx: &mut Tx<'_>,
    actor: &Actor,
    programme_id: &str,
    region_code: RegionCode,
    name: &str,
    short_name: &str,
) -> Result<Area> {
    let (name, short) = check_area(name, short_name)?;
    let position: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(position), 0) + 1 FROM areas WHERE programme_id = $1 AND region_code = $2",
    )
    .bind(programme_id)
    .bind(region_code.get())
    .fetch_one(&mut **tx)
    .await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO areas (programme_id, region_code, name, short_name, position) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(programme_id)
    .bind(region_code.get())
    .bind(&name)
    .bind(&short)
    .bind(position)
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| match StoreError::from(e) {
        StoreError::Duplicate(_) => StoreError::Duplicate(format!("Området «{name}» findes allerede.")),
        other => other,
    })?;
    let a = get_area(tx, AreaId::new(id))
        .await?
        .ok_or(StoreError::NotFound)?;
    audit::created(tx, actor, &a).await?;
    Ok(a)
}

pub async fn update_area(
    tx: &mut Tx<'_>,
    actor: &Actor,
    id: AreaId,
    name: &str,
    short_name: &str,
) -> Result<Area> {
    let (name, short) = check_area(name, short_name)?;
    let before = get_area(tx, id).await?.ok_or(StoreError::NotFound)?;
    sqlx::query("UPDATE areas SET name = $1, short_name = $2 WHERE id = $3")
        .bind(&name)
        .bind(&short)
        .bind(id.get())
        .execute(&mut **tx)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Duplicate(_) => {
                StoreError::Duplicate(format!("Området «{name}» findes allerede."))
            }
            other => other,
        })?;
    let after = get_area(tx, id).await?.ok_or(StoreError::NotFound)?;
    audit::changed(tx, actor, &before, &after).await?;
    Ok(after)
}

/// Places an area under one of its programme's national priority areas (`""`: none), audited.
pub async fn set_national_area(
    tx: &mut Tx<'_>,
    actor: &Actor,
    id: AreaId,
    national: &str,
) -> Result<Area> {
    let before = get_area(tx, id).await?.ok_or(StoreError::NotFound)?;
    let national = national.trim();
    let known = crate::reference::national_areas(&before.programme_id);
    if !national.is_empty() && !known.contains(&national) {
        return Err(StoreError::Refused(format!(
            "«{national}» er ikke et af programmets nationale områder ({}).",
            known.join(", ")
        )));
    }
    if before.national_area == national {
        return Ok(before);
    }
    sqlx::query("UPDATE areas SET national_area = $1 WHERE id = $2")
        .bind(national)
        .bind(id.get())
        .execute(&mut **tx)
        .await?;
    let after = get_area(tx, id).await?.ok_or(StoreError::NotFound)?;
    audit::changed(tx, actor, &before, &after).await?;
    Ok(after)
}

// --- tiers ----------------------------------------------------------------------------------

pub async fn tiers(
    conn: &mut AnyConnection,
    programme_id: &str,
    region: Option<RegionCode>,
) -> Result<Vec<Tier>> {
    Ok(sqlx::query_as::<_, Tier>(
        "SELECT id, programme_id, region_code, name, amount_ore FROM tiers \
         WHERE programme_id = $1 AND ($2 IS NULL OR region_code = $2) ORDER BY region_code, amount_ore",
    )
    .bind(programme_id)
    .bind(region.map(RegionCode::get))
    .fetch_all(conn)
    .await?)
}

pub async fn get_tier(conn: &mut AnyConnection, id: TierId) -> Result<Option<Tier>> {
    Ok(sqlx::query_as::<_, Tier>(
        "SELECT id, programme_id, region_code, name, amount_ore FROM tiers WHERE id = $1",
    )
    .bind(id.get())
    .fetch_optional(conn)
    .await?)
}

pub async fn create_tier(
    tx: &mut Tx<'_>,
    actor: &Actor,
    programme_id: &str,
    region_code: RegionCode,
    name: &str,
    amount: Ore,
) -> Result<Tier> {
    if !amount.is_positive() {
        return Err(StoreError::Refused(
            "Tillæggets beløb skal være større end 0.".into(),
        ));
    }
    let name = if name.trim().is_empty() {
        amount.to_kr_string()
    } else {
        name.trim().to_string()
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO tiers (programme_id, region_code, name, amount_ore) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(programme_id)
    .bind(region_code.get())
    .bind(&name)
    .bind(amount.ore())
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| match StoreError::from(e) {
        StoreError::Duplicate(_) => StoreError::Duplicate(format!("Der findes allerede et trin på {}", amount.to_kr_string())),
        other => other,
    })?;
    let t = get_tier(tx, TierId::new(id))
        .await?
        .ok_or(StoreError::NotFound)?;
    audit::created(tx, actor, &t).await?;
    Ok(t)
}

/// Deletes a tier no application asks for.
pub async fn delete_tier(tx: &mut Tx<'_>, actor: &Actor, id: TierId) -> Result<()> {
    let before = get_tier(tx, id).await?.ok_or(StoreError::NotFound)?;
    let used: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM applications WHERE programme_id = $1 AND region_code = $2 AND supplement_ore = $3",
    )
    .bind(&before.programme_id)
    .bind(before.region_code.get())
    .bind(before.amount_ore.ore())
    .fetch_one(&mut **tx)
    .await?;
    if used > 0 {
        return Err(StoreError::Refused(format!(
            "Trinnet kan ikke slettes: {used} ansøgning(er) søger om {}",
            before.amount_ore.to_kr_string()
        )));
    }
    sqlx::query("DELETE FROM tiers WHERE id = $1")
        .bind(id.get())
        .execute(&mut **tx)
        .await?;
    audit::deleted(tx, actor, &before).await?;
    Ok(())
}
