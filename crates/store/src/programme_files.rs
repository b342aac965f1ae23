//! The files in the attachment fields of a programme's application form. The form's value of
//! such a field is the list of its files' ids ([`pulje_domain::programme::values::Value::Files`]);
//! the files themselves, with their bytes, are rows here, owned by the application.

use crate::audit::{self, Actor};
use crate::{now_utc, region_col, Result, StoreError, Tx};
use pulje_domain::{ApplicationId, ProgrammeFileId, RegionCode, UserId};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, FromRow, Row};

/// A file without its bytes.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProgrammeFile {
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub id: ProgrammeFileId,
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub application_id: ApplicationId,
    #[serde(skip)]
    pub region_code: RegionCode,
    /// The attachment field it is in.
    pub field: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub created_at: String,
}

impl FromRow<'_, AnyRow> for ProgrammeFile {
    fn from_row(r: &AnyRow) -> sqlx::Result<Self> {
        Ok(ProgrammeFile {
            id: ProgrammeFileId::from(r.try_get::<i64, _>("id")?),
            application_id: ApplicationId::from(r.try_get::<i64, _>("application_id")?),
            region_code: region_col(r, "region_code")?,
            field: r.try_get("field")?,
            file_name: r.try_get("file_name")?,
            content_type: r.try_get("content_type")?,
            size_bytes: r.try_get("size_bytes")?,
            sha256: r.try_get("sha256")?,
            created_at: r.try_get("created_at")?,
        })
    }
}

impl audit::Audited for ProgrammeFile {
    const ENTITY: &'static str = "programme_file";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_region(&self) -> Option<RegionCode> {
        Some(self.region_code)
    }
}

const COLUMNS: &str = "id, application_id, region_code, field, file_name, content_type, \
                       size_bytes, sha256, created_at";

/// A file to keep.
pub struct NewFile<'a> {
    pub application_id: ApplicationId,
    pub region_code: RegionCode,
    pub field: &'a str,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub data: &'a [u8],
}

pub async fn insert(tx: &mut Tx<'_>, actor: &Actor, new: NewFile<'_>) -> Result<ProgrammeFile> {
    let file_name = new.file_name.trim();
    if file_name.is_empty() {
        return Err(StoreError::Refused("Filen mangler et navn.".into()));
    }
    let sha256 = crate::attachments::sha256_hex(new.data);
    let size = i64::try_from(new.data.len())
        .map_err(|_| StoreError::Refused("Filen er for stor.".into()))?;
    let file = sqlx::query_as::<_, ProgrammeFile>(&format!(
        "INSERT INTO programme_files (application_id, region_code, field, file_name, \
         content_type, size_bytes, sha256, data, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING {COLUMNS}"
    ))
    .bind(new.application_id.get())
    .bind(new.region_code.get())
    .bind(new.field)
    .bind(file_name)
    .bind(new.content_type)
    .bind(size)
    .bind(&sha256)
    .bind(new.data)
    .bind(actor.user_id.map(UserId::get))
    .bind(now_utc())
    .fetch_one(&mut **tx)
    .await?;
    audit::created(tx, actor, &file).await?;
    Ok(file)
}

/// The application's files, oldest first.
pub async fn list(
    conn: &mut AnyConnection,
    application: ApplicationId,
) -> Result<Vec<ProgrammeFile>> {
    Ok(sqlx::query_as::<_, ProgrammeFile>(&format!(
        "SELECT {COLUMNS} FROM programme_files WHERE application_id = $1 ORDER BY id"
    ))
    .bind(application.get())
    .fetch_all(conn)
    .await?)
}

/// A file of `application` by its id.
pub async fn get(
    conn: &mut AnyConnection,
    application: ApplicationId,
    id: ProgrammeFileId,
) -> Result<Option<ProgrammeFile>> {
    Ok(sqlx::query_as::<_, ProgrammeFile>(&format!(
        "SELECT {COLUMNS} FROM programme_files WHERE application_id = $1 AND id = $2"
    ))
    .bind(application.get())
    .bind(id.get())
    .fetch_optional(conn)
    .await?)
}

/// The bytes of a file of `application`.
pub async fn data(
    conn: &mut AnyConnection,
    application: ApplicationId,
    id: ProgrammeFileId,
) -> Result<Option<Vec<u8>>> {
    Ok(
        sqlx::query_scalar(
            "SELECT data FROM programme_files WHERE application_id = $1 AND id = $2",
        )
        .bind(application.get())
        .bind(id.get())
        .fetch_optional(conn)
        .await?,
    )
}

/// Deletes file `f` (its bytes with it).
pub async fn delete(tx: &mut Tx<'_>, actor: &Actor, f: &ProgrammeFile) -> Result<()> {
    sqlx::query("DELETE FROM programme_files WHERE id = $1")
        .bind(f.id.get())
        .execute(&mut **tx)
        .await?;
    audit::deleted(tx, actor, f).await?;
    Ok(())
}
