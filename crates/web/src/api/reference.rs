//! Reference data: regions, programmes with tranches and pools, hospitals, departments, areas,
//! tiers and rounds. This is the programme's public configuration, readable by every logged-in
//! user across regions (the pools and rounds are published); an unknown region code is a 404.

use super::ApiUser;
use crate::error::{ApiError, ApiResult, AppError};
use crate::extract::{Json, Path, Query};
use crate::Db;
use pulje_store::org::{Department, Hospital, Region};
use pulje_store::programmes::{self, Area, Pool, Programme, RegionSettings, Round, Tier, Tranche};
use pulje_store::reference::OK21;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Which region's and programme's configuration to list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegionParams {
    /// Region code 1081–1085; all regions when left out.
    #[param(minimum = 1081, maximum = 1085)]
    pub region: Option<i64>,
    /// Programme identifier; default `ok21`.
    pub programme: Option<String>,
}

impl RegionParams {
    fn region(&self) -> ApiResult<Option<i64>> {
        match self.region {
            Some(code) if pulje_domain::RegionCode::new(code).is_none() => {
                Err(ApiError(AppError::NotFound))
            }
            r => Ok(r),
        }
    }

    fn programme(&self) -> &str {
        self.programme.as_deref().unwrap_or(OK21)
    }
}

#[utoipa::path(get, path = "/api/v1/regions", tag = "reference", responses((status = 200, body = [Region])), security(("bearer" = []), ("session" = [])))]
pub async fn regions(mut db: Db, _user: ApiUser) -> ApiResult<Json<Vec<Region>>> {
    let mut conn = db.conn().await?;
    Ok(Json(pulje_store::org::regions(&mut conn).await?))
}

#[utoipa::path(get, path = "/api/v1/programmes", tag = "reference", responses((status = 200, body = [Programme])), security(("bearer" = []), ("session" = [])))]
pub async fn programmes(mut db: Db, _user: ApiUser) -> ApiResult<Json<Vec<Programme>>> {
    let mut conn = db.conn().await?;
    Ok(Json(programmes::programmes(&mut conn).await?))
}

/// The programme's newest definition (the file `pulje programme export --format json` writes):
/// its funders and split, tranches, form, review, workflow, money model, signing parties,
/// evaluation, report and mail.
#[utoipa::path(get, path = "/api/v1/programmes/{id}/definition", tag = "reference", params(("id" = String, Path, description = "Programme identifier, e.g. ok21")),
    responses((status = 200, body = Object, description = "The definition, as in a definition file"), (status = 404, description = "No such programme, or none with a definition")), security(("bearer" = []), ("session" = [])))]
pub async fn definition(
    mut db: Db,
    _user: ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<pulje_domain::programme::Definition>> {
    Ok(Json(pulje_app::programmes::definition(&mut db, &id).await?))
}

/// A tranche with the regions' pools.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrancheWithPools {
    #[serde(flatten)]
    pub tranche: Tranche,
    pub pools: Vec<Pool>,
}

/// A programme with its tranches, pools and each region's settings.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgrammeDetail {
    #[serde(flatten)]
    pub programme: Programme,
    pub tranches: Vec<TrancheWithPools>,
    pub regions: Vec<RegionSettings>,
}

#[utoipa::path(get, path = "/api/v1/programmes/{id}", tag = "reference", params(("id" = String, Path, description = "Programme identifier, e.g. ok21")),
    responses((status = 200, body = ProgrammeDetail), (status = 404, description = "No such programme")), security(("bearer" = []), ("session" = [])))]
pub async fn programme(
    mut db: Db,
    _user: ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<ProgrammeDetail>> {
    let mut conn = db.conn().await?;
    let programme = programmes::get(&mut conn, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let pools = programmes::pools(&mut conn, &id, None).await?;
    let tranches = programmes::tranches(&mut conn, &id)
        .await?
        .into_iter()
        .map(|t| TrancheWithPools {
            pools: pools
                .iter()
                .filter(|p| p.tranche_id == t.id)
                .cloned()
                .collect(),
            tranche: t,
        })
        .collect();
    let mut regions = Vec::new();
    for r in pulje_domain::RegionCode::all() {
        regions.push(programmes::region_settings(&mut conn, &id, i64::from(r.code())).await?);
    }
    Ok(Json(ProgrammeDetail {
        programme,
        tranches,
        regions,
    }))
}

#[utoipa::path(get, path = "/api/v1/hospitals", tag = "reference", params(RegionParams), responses((status = 200, body = [Hospital]), (status = 404, description = "Unknown region code")), security(("bearer" = []), ("session" = [])))]
pub async fn hospitals(
    mut db: Db,
    _user: ApiUser,
    Query(p): Query<RegionParams>,
) -> ApiResult<Json<Vec<Hospital>>> {
    let mut conn = db.conn().await?;
    Ok(Json(
        pulje_store::org::hospitals(&mut conn, p.region()?).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/departments", tag = "reference", params(RegionParams), responses((status = 200, body = [Department]), (status = 404, description = "Unknown region code")), security(("bearer" = []), ("session" = [])))]
pub async fn departments(
    mut db: Db,
    _user: ApiUser,
    Query(p): Query<RegionParams>,
) -> ApiResult<Json<Vec<Department>>> {
    let mut conn = db.conn().await?;
    Ok(Json(
        pulje_store::org::departments(&mut conn, p.region()?).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/areas", tag = "reference", params(RegionParams), responses((status = 200, body = [Area]), (status = 404, description = "Unknown region code")), security(("bearer" = []), ("session" = [])))]
pub async fn areas(
    mut db: Db,
    _user: ApiUser,
    Query(p): Query<RegionParams>,
) -> ApiResult<Json<Vec<Area>>> {
    let mut conn = db.conn().await?;
    Ok(Json(
        programmes::areas(&mut conn, p.programme(), p.region()?).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/tiers", tag = "reference", params(RegionParams), responses((status = 200, body = [Tier]), (status = 404, description = "Unknown region code")), security(("bearer" = []), ("session" = [])))]
pub async fn tiers(
    mut db: Db,
    _user: ApiUser,
    Query(p): Query<RegionParams>,
) -> ApiResult<Json<Vec<Tier>>> {
    let mut conn = db.conn().await?;
    Ok(Json(
        programmes::tiers(&mut conn, p.programme(), p.region()?).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/rounds", tag = "reference", params(RegionParams), responses((status = 200, body = [Round]), (status = 404, description = "Unknown region code")), security(("bearer" = []), ("session" = [])))]
pub async fn rounds(
    mut db: Db,
    _user: ApiUser,
    Query(p): Query<RegionParams>,
) -> ApiResult<Json<Vec<Round>>> {
    let mut conn = db.conn().await?;
    Ok(Json(
        programmes::rounds(&mut conn, Some(p.programme()), p.region()?).await?,
    ))
}
