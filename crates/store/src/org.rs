//! Regions, hospitals and departments.

use crate::audit::{self, Actor};
use crate::{Result, StoreError, Tx};
use pulje_domain::{DepartmentId, HospitalId, RegionCode};
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, FromRow};

#[derive(Debug, Clone, FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Region {
    #[cfg_attr(feature = "openapi", schema(value_type = i64, minimum = 1081, maximum = 1085))]
    #[sqlx(try_from = "i64")]
    pub code: RegionCode,
    pub name: String,
}

#[derive(Debug, Clone, FromRow, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Hospital {
    #[sqlx(try_from = "i64")]
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub id: HospitalId,
    #[cfg_attr(feature = "openapi", schema(value_type = i64, minimum = 1081, maximum = 1085))]
    #[sqlx(try_from = "i64")]
    pub region_code: RegionCode,
    pub name: String,
}

#[derive(Debug, Clone, FromRow, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Department {
    #[sqlx(try_from = "i64")]
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub id: DepartmentId,
    #[sqlx(try_from = "i64")]
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub hospital_id: HospitalId,
    #[cfg_attr(feature = "openapi", schema(value_type = i64, minimum = 1081, maximum = 1085))]
    #[sqlx(try_from = "i64")]
    pub region_code: RegionCode,
    pub hospital_name: String,
    pub name: String,
}

impl audit::Audited for Hospital {
    const ENTITY: &'static str = "hospital";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_region(&self) -> Option<RegionCode> {
        Some(self.region_code)
    }
}

impl audit::Audited for Department {
    const ENTITY: &'static str = "department";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_region(&self) -> Option<RegionCode> {
        Some(self.region_code)
    }
}

pub async fn regions(conn: &mut AnyConnection) -> Result<Vec<Region>> {
    Ok(
        sqlx::query_as::<_, Region>("SELECT code, name FROM regions ORDER BY code")
            .fetch_all(conn)
            .await?,
    )
}

pub async fn get_region(conn: &mut AnyConnection, code: i64) -> Result<Option<Region>> {
    Ok(
        sqlx::query_as::<_, Region>("SELECT code, name FROM regions WHERE code = $1")
            .bind(code)
            .fetch_optional(conn)
            .await?,
    )
}

/// Hospitals of one region, or of all when `region` is `None`, by region and name.
pub async fn hospitals(
    conn: &mut AnyConnection,
    region: Option<RegionCode>,
) -> Result<Vec<Hospital>> {
    Ok(sqlx::query_as::<_, Hospital>(
        "SELECT id, region_code, name FROM hospitals WHERE ($1 IS NULL OR region_code = $1) ORDER BY region_code, name",
    )
    .bind(region.map(RegionCode::get))
    .fetch_all(conn)
    .await?)
}

pub async fn get_hospital(conn: &mut AnyConnection, id: HospitalId) -> Result<Option<Hospital>> {
    Ok(
        sqlx::query_as::<_, Hospital>("SELECT id, region_code, name FROM hospitals WHERE id = $1")
            .bind(id.get())
            .fetch_optional(conn)
            .await?,
    )
}

fn clean_name(name: &str, what: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(StoreError::Refused(format!("Skriv {what}s navn.")));
    }
    if name.chars().count() > 200 {
        return Err(StoreError::Refused(format!(
            "{what}s navn er for langt (højst 200 tegn)."
        )));
    }
    Ok(name.to_string())
}

/// `what` with its article, e.g. "et hospital", "en afdeling".
fn duplicate(what: &str, name: &str) -> impl FnOnce(StoreError) -> StoreError {
    let msg = format!("Der findes allerede {what} med navnet «{name}».");
    move |e| match e {
        StoreError::Duplicate(_) => StoreError::Duplicate(msg),
        other => other,
    }
}

pub async fn create_hospital(
    tx: &mut Tx<'_>,
    actor: &Actor,
    region_code: RegionCode,
    name: &str,
) -> Result<Hospital> {
    let name = clean_name(name, "Hospital")?;
    let h = sqlx::query_as::<_, Hospital>(
        "INSERT INTO hospitals (region_code, name) VALUES ($1, $2) RETURNING id, region_code, name",
    )
    .bind(region_code.get())
    .bind(&name)
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| duplicate("et hospital", &name)(e.into()))?;
    audit::created(tx, actor, &h).await?;
    Ok(h)
}

pub async fn rename_hospital(
    tx: &mut Tx<'_>,
    actor: &Actor,
    id: HospitalId,
    name: &str,
) -> Result<Hospital> {
    let name = clean_name(name, "Hospital")?;
    let before = get_hospital(tx, id).await?.ok_or(StoreError::NotFound)?;
    sqlx::query("UPDATE hospitals SET name = $1 WHERE id = $2")
        .bind(&name)
        .bind(id.get())
        .execute(&mut **tx)
        .await
        .map_err(|e| duplicate("et hospital", &name)(e.into()))?;
    let after = get_hospital(tx, id).await?.ok_or(StoreError::NotFound)?;
    audit::changed(tx, actor, &before, &after).await?;
    Ok(after)
}

const DEPARTMENT_SELECT: &str =
    "SELECT d.id, d.hospital_id, h.region_code, h.name AS hospital_name, d.name \
     FROM departments d JOIN hospitals h ON h.id = d.hospital_id";

pub async fn departments(
    conn: &mut AnyConnection,
    region: Option<RegionCode>,
) -> Result<Vec<Department>> {
    Ok(sqlx::query_as::<_, Department>(&format!(
        "{DEPARTMENT_SELECT} WHERE ($1 IS NULL OR h.region_code = $1) ORDER BY h.region_code, h.name, d.name"
    ))
    .bind(region.map(RegionCode::get))
    .fetch_all(conn)
    .await?)
}

pub async fn get_department(
    conn: &mut AnyConnection,
    id: DepartmentId,
) -> Result<Option<Department>> {
    Ok(
        sqlx::query_as::<_, Department>(&format!("{DEPARTMENT_SELECT} WHERE d.id = $1"))
            .bind(id.get())
            .fetch_optional(conn)
            .await?,
    )
}

pub async fn create_department(
    tx: &mut Tx<'_>,
    actor: &Actor,
    hospital_id: HospitalId,
    name: &str,
) -> Result<Department> {
    let name = clean_name(name, "Afdeling")?;
    // The hospital must exist.
    get_hospital(tx, hospital_id)
        .await?
        .ok_or(StoreError::NotFound)?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO departments (hospital_id, name) VALUES ($1, $2) RETURNING id",
    )
    .bind(hospital_id.get())
    .bind(&name)
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| duplicate("en afdeling", &name)(e.into()))?;
    let d = get_department(tx, DepartmentId::new(id))
        .await?
        .ok_or(StoreError::NotFound)?;
    audit::created(tx, actor, &d).await?;
    Ok(d)
}

pub async fn rename_department(
    tx: &mut Tx<'_>,
    actor: &Actor,
    id: DepartmentId,
    name: &str,
) -> Result<Department> {
    let name = clean_name(name, "Afdeling")?;
    let before = get_department(tx, id).await?.ok_or(StoreError::NotFound)?;
    sqlx::query("UPDATE departments SET name = $1 WHERE id = $2")
        .bind(&name)
        .bind(id.get())
        .execute(&mut **tx)
        .await
        .map_err(|e| duplicate("en afdeling", &name)(e.into()))?;
    let after = get_department(tx, id).await?.ok_or(StoreError::NotFound)?;
    audit::changed(tx, actor, &before, &after).await?;
    Ok(after)
}

/// The number of hospitals per region: `(region code, count)`, regions without any left out.
pub async fn hospital_counts(conn: &mut AnyConnection) -> Result<Vec<(RegionCode, i64)>> {
    let rows = sqlx::query_as::<_, (i64, i64)>(
        "SELECT region_code, COUNT(*) FROM hospitals GROUP BY region_code ORDER BY region_code",
    )
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|(code, n)| Ok((crate::region_of(code)?, n)))
        .collect()
}
