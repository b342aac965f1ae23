//! Regions, hospitals and departments.

use crate::audit::{self, Actor};
use crate::{Result, StoreError, Tx};
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, FromRow};

#[derive(Debug, Clone, FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Region {
    #[cfg_attr(feature = "openapi", schema(minimum = 1081, maximum = 1085))]
    pub code: i64,
    pub name: String,
}

#[derive(Debug, Clone, FromRow, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Hospital {
    pub id: i64,
    #[cfg_attr(feature = "openapi", schema(minimum = 1081, maximum = 1085))]
    pub region_code: i64,
    pub name: String,
}

#[derive(Debug, Clone, FromRow, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Department {
    pub id: i64,
    pub hospital_id: i64,
    #[cfg_attr(feature = "openapi", schema(minimum = 1081, maximum = 1085))]
    pub region_code: i64,
    pub hospital_name: String,
    pub name: String,
}

impl audit::Audited for Hospital {
    const ENTITY: &'static str = "hospital";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_region(&self) -> Option<i64> {
        Some(self.region_code)
    }
}

impl audit::Audited for Department {
    const ENTITY: &'static str = "department";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_region(&self) -> Option<i64> {
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
pub async fn hospitals(conn: &mut AnyConnection, region: Option<i64>) -> Result<Vec<Hospital>> {
    Ok(sqlx::query_as::<_, Hospital>(
        "SELECT id, region_code, name FROM hospitals WHERE ($1 IS NULL OR region_code = $1) ORDER BY region_code, name",
    )
    .bind(region)
    .fetch_all(conn)
    .await?)
}

pub async fn get_hospital(conn: &mut AnyConnection, id: i64) -> Result<Option<Hospital>> {
    Ok(
        sqlx::query_as::<_, Hospital>("SELECT id, region_code, name FROM hospitals WHERE id = $1")
            .bind(id)
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
    region_code: i64,
    name: &str,
) -> Result<Hospital> {
    let name = clean_name(name, "Hospital")?;
    let h = sqlx::query_as::<_, Hospital>(
        "INSERT INTO hospitals (region_code, name) VALUES ($1, $2) RETURNING id, region_code, name",
    )
    .bind(region_code)
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
    id: i64,
    name: &str,
) -> Result<Hospital> {
    let name = clean_name(name, "Hospital")?;
    let before = get_hospital(tx, id).await?.ok_or(StoreError::NotFound)?;
    sqlx::query("UPDATE hospitals SET name = $1 WHERE id = $2")
        .bind(&name)
        .bind(id)
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

pub async fn departments(conn: &mut AnyConnection, region: Option<i64>) -> Result<Vec<Department>> {
    Ok(sqlx::query_as::<_, Department>(&format!(
        "{DEPARTMENT_SELECT} WHERE ($1 IS NULL OR h.region_code = $1) ORDER BY h.region_code, h.name, d.name"
    ))
    .bind(region)
    .fetch_all(conn)
    .await?)
}

pub async fn get_department(conn: &mut AnyConnection, id: i64) -> Result<Option<Department>> {
    Ok(
        sqlx::query_as::<_, Department>(&format!("{DEPARTMENT_SELECT} WHERE d.id = $1"))
            .bind(id)
            .fetch_optional(conn)
            .await?,
    )
}

pub async fn create_department(
    tx: &mut Tx<'_>,
    actor: &Actor,
    hospital_id: i64,
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
    .bind(hospital_id)
    .bind(&name)
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| duplicate("en afdeling", &name)(e.into()))?;
    let d = get_department(tx, id).await?.ok_or(StoreError::NotFound)?;
    audit::created(tx, actor, &d).await?;
    Ok(d)
}

pub async fn rename_department(
    tx: &mut Tx<'_>,
    actor: &Actor,
    id: i64,
    name: &str,
) -> Result<Department> {
    let name = clean_name(name, "Afdeling")?;
    let before = get_department(tx, id).await?.ok_or(StoreError::NotFound)?;
    sqlx::query("UPDATE departments SET name = $1 WHERE id = $2")
        .bind(&name)
        .bind(id)
        .execute(&mut **tx)
        .await
        .map_err(|e| duplicate("en afdeling", &name)(e.into()))?;
    let after = get_department(tx, id).await?.ok_or(StoreError::NotFound)?;
    audit::changed(tx, actor, &before, &after).await?;
    Ok(after)
}

/// The number of hospitals per region: `(region code, count)`, regions without any left out.
pub async fn hospital_counts(conn: &mut AnyConnection) -> Result<Vec<(i64, i64)>> {
    Ok(sqlx::query_as::<_, (i64, i64)>(
        "SELECT region_code, COUNT(*) FROM hospitals GROUP BY region_code ORDER BY region_code",
    )
    .fetch_all(conn)
    .await?)
}
