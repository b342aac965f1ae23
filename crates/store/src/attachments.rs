//! Files kept with an application or a historic trial: the original of an imported agreement
//! form, an evaluation handed in as a file. Stored in the database, so a backup holds them.

use crate::audit::{self, Actor};
use crate::{now_utc, opt_id, region_col, Result, StoreError, Tx};
use pulje_domain::{ApplicationId, AttachmentId, RegionCode, TrialId, UserId};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, FromRow, Row};

/// What an attachment is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    ImportSource,
    Evaluation,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::ImportSource => "import_source",
            Purpose::Evaluation => "evaluation",
        }
    }
}

/// What an attachment belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Application(ApplicationId),
    HistoricTrial(TrialId),
}

/// An attachment without its bytes.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attachment {
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub id: AttachmentId,
    #[cfg_attr(feature = "openapi", schema(value_type = i64, minimum = 1081, maximum = 1085))]
    pub region_code: RegionCode,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub application_id: Option<ApplicationId>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub historic_trial_id: Option<TrialId>,
    pub purpose: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub created_at: String,
}

impl FromRow<'_, AnyRow> for Attachment {
    fn from_row(r: &AnyRow) -> sqlx::Result<Self> {
        Ok(Attachment {
            id: AttachmentId::from(r.try_get::<i64, _>("id")?),
            region_code: region_col(r, "region_code")?,
            application_id: opt_id(r, "application_id")?,
            historic_trial_id: opt_id(r, "historic_trial_id")?,
            purpose: r.try_get("purpose")?,
            file_name: r.try_get("file_name")?,
            content_type: r.try_get("content_type")?,
            size_bytes: r.try_get("size_bytes")?,
            sha256: r.try_get("sha256")?,
            created_at: r.try_get("created_at")?,
        })
    }
}

impl audit::Audited for Attachment {
    const ENTITY: &'static str = "attachment";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_region(&self) -> Option<RegionCode> {
        Some(self.region_code)
    }
}

const COLUMNS: &str = "id, region_code, application_id, historic_trial_id, purpose, file_name, \
                       content_type, size_bytes, sha256, created_at";

pub struct NewAttachment<'a> {
    pub region_code: RegionCode,
    pub owner: Owner,
    pub purpose: Purpose,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub data: &'a [u8],
}

pub async fn insert(tx: &mut Tx<'_>, actor: &Actor, new: NewAttachment<'_>) -> Result<Attachment> {
    let file_name = new.file_name.trim();
    if file_name.is_empty() {
        return Err(StoreError::Refused("Filen mangler et navn.".into()));
    }
    let (application_id, historic_trial_id) = match new.owner {
        Owner::Application(id) => (Some(id.get()), None),
        Owner::HistoricTrial(id) => (None, Some(id.get())),
    };
    let sha256 = sha256_hex(new.data);
    let size = i64::try_from(new.data.len())
        .map_err(|_| StoreError::Refused("Filen er for stor.".into()))?;
    let attachment = sqlx::query_as::<_, Attachment>(&format!(
        "INSERT INTO attachments (region_code, application_id, historic_trial_id, purpose, file_name, \
         content_type, size_bytes, sha256, data, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING {COLUMNS}"
    ))
    .bind(new.region_code.get())
    .bind(application_id)
    .bind(historic_trial_id)
    .bind(new.purpose.as_str())
    .bind(file_name)
    .bind(new.content_type)
    .bind(size)
    .bind(&sha256)
    .bind(new.data)
    .bind(actor.user_id.map(UserId::get))
    .bind(now_utc())
    .fetch_one(&mut **tx)
    .await?;
    audit::created(tx, actor, &attachment).await?;
    Ok(attachment)
}

pub async fn get(conn: &mut AnyConnection, id: AttachmentId) -> Result<Option<Attachment>> {
    Ok(
        sqlx::query_as::<_, Attachment>(&format!(
            "SELECT {COLUMNS} FROM attachments WHERE id = $1"
        ))
        .bind(id.get())
        .fetch_optional(conn)
        .await?,
    )
}

/// The bytes of an attachment.
pub async fn data(conn: &mut AnyConnection, id: AttachmentId) -> Result<Option<Vec<u8>>> {
    Ok(
        sqlx::query_scalar("SELECT data FROM attachments WHERE id = $1")
            .bind(id.get())
            .fetch_optional(conn)
            .await?,
    )
}

pub async fn list(conn: &mut AnyConnection, owner: Owner) -> Result<Vec<Attachment>> {
    let (column, id) = match owner {
        Owner::Application(id) => ("application_id", id.get()),
        Owner::HistoricTrial(id) => ("historic_trial_id", id.get()),
    };
    Ok(sqlx::query_as::<_, Attachment>(&format!(
        "SELECT {COLUMNS} FROM attachments WHERE {column} = $1 ORDER BY id"
    ))
    .bind(id)
    .fetch_all(conn)
    .await?)
}

/// The SHA-256 of `data` in lower-case hex, as every kept file records it.
pub(crate) fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
