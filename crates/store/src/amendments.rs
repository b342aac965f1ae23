//! Amendments of an approved agreement: a new period, tier or participants go back to the
//! steering group. The earlier version is kept; if the amendment is rejected it is restored.

use crate::applications::{self, Application};
use crate::audit::{self, Actor};
use crate::outbox::{self, Draft};
use crate::users::User;
use crate::{date_text, now_utc, Result, StoreError, Tx};
use pulje_domain::{ApplicationData, ApplicationId, ApplicationStatus, Ore, Role};
use serde::Serialize;
use sqlx::AnyConnection;

/// An earlier version of an agreement.
#[derive(Debug, Clone, Serialize)]
pub struct Version {
    pub version: i64,
    pub at: String,
    /// Empty while pending, then `approved` or `rejected`.
    pub resolution: String,
    pub snapshot: serde_json::Value,
}

impl Version {
    /// A version as stored: its snapshot is JSON text (unreadable text becomes `null`).
    pub(crate) fn stored(
        version: i64,
        at: String,
        resolution: String,
        snapshot_json: &str,
    ) -> Version {
        Version {
            version,
            at,
            resolution,
            snapshot: serde_json::from_str(snapshot_json).unwrap_or_default(),
        }
    }
}

/// Who may propose an amendment: the region's administrator or the applicant who wrote it.
pub fn may_amend(user: &User, app: &Application) -> bool {
    matches!(
        app.status,
        ApplicationStatus::Active | ApplicationStatus::AwaitingSignatures
    ) && user.region == Some(app.region_code)
        && (user.role == Role::RegionAdmin
            || (matches!(user.role, Role::Applicant | Role::Leader) && app.is_own(user.id)))
}

/// Proposes an amendment: `amended` carries the new period, tier and participants (the other
/// fields are ignored). The agreement goes back to the steering group; its committed months
/// stay until the amendment is decided.
pub async fn propose(
    tx: &mut Tx<'_>,
    user: &User,
    id: ApplicationId,
    expected_version: i64,
    amended: &ApplicationData,
) -> Result<Application> {
    let before = applications::get(tx, id)
        .await?
        .ok_or(StoreError::NotFound)?;
    if !may_amend(user, &before) {
        return Err(
            if matches!(
                before.status,
                ApplicationStatus::Active | ApplicationStatus::AwaitingSignatures
            ) {
                StoreError::Forbidden(
                    "Kun regionens administrator og ansøgeren kan ændre en godkendt aftale.".into(),
                )
            } else {
                StoreError::Conflict(format!(
                    "Kun en godkendt aftale kan ændres; denne har status «{}».",
                    before.status.label_da()
                ))
            },
        );
    }
    if before.version != expected_version {
        return Err(StoreError::Stale);
    }
    if pending(tx, id).await?.is_some() {
        return Err(StoreError::Conflict(
            "Der er allerede en ændring, som venter på styregruppen.".into(),
        ));
    }
    if amended.start_date().is_none()
        || amended.end_date().is_none()
        || amended.supplement_ore().is_none()
    {
        return Err(StoreError::Refused(
            "En ændring skal have start- og slutdato og tillæg.".into(),
        ));
    }
    let snapshot = serde_json::to_string(&before).map_err(anyhow::Error::new)?;
    sqlx::query("INSERT INTO application_versions (application_id, version, snapshot_json, at) VALUES ($1, $2, $3, $4)")
        .bind(id.get())
        .bind(before.version)
        .bind(snapshot)
        .bind(now_utc())
        .execute(&mut **tx)
        .await?;
    let data = before.data.with_terms_of(amended);
    write_terms(tx, id, &data, Some(ApplicationStatus::ReadyForDecision)).await?;
    let after = applications::get(tx, id)
        .await?
        .ok_or(StoreError::NotFound)?;
    let actor = Actor::user(user.id, &user.email);
    audit::step(tx, &actor, "amend", Some(&before), &after).await?;
    let recipients = outbox::addresses_of(tx, after.region_code, Role::SteeringGroup).await?;
    let title = &after.data.title();
    let draft = Draft {
        region_code: Some(after.region_code),
        application_id: Some(id),
        event: "amendment",
        subject: format!("Ændring af aftale til beslutning: {title}"),
        body: format!("Aftalen «{title}» er foreslået ændret (periode, tillæg eller deltagere) og venter på styregruppens beslutning.\n\n/applications/{id}"),
    };
    outbox::enqueue(tx, &recipients, &draft).await?;
    Ok(after)
}

/// Writes the amendable terms and, when given, the status.
async fn write_terms(
    tx: &mut Tx<'_>,
    id: ApplicationId,
    data: &ApplicationData,
    status: Option<ApplicationStatus>,
) -> Result<()> {
    sqlx::query(
        "UPDATE applications SET start_date = $1, end_date = $2, supplement_ore = $3, status = COALESCE($4, status), version = version + 1, updated_at = $5 WHERE id = $6",
    )
    .bind(date_text(data.start_date()))
    .bind(date_text(data.end_date()))
    .bind(data.supplement_ore().map(Ore::ore))
    .bind(status.map(|s| s.as_str()))
    .bind(now_utc())
    .bind(id.get())
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM application_participants WHERE application_id = $1")
        .bind(id.get())
        .execute(&mut **tx)
        .await?;
    for (position, p) in data.participants().iter().enumerate() {
        sqlx::query("INSERT INTO application_participants (application_id, position, name, role, receives_supplement) VALUES ($1, $2, $3, $4, $5)")
            .bind(id.get())
            .bind(position as i64)
            .bind(&p.name)
            .bind(&p.role)
            .bind(i64::from(p.receives_supplement))
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// The pending amendment's earlier version, if any.
pub async fn pending(conn: &mut AnyConnection, id: ApplicationId) -> Result<Option<Version>> {
    Ok(history(conn, id)
        .await?
        .into_iter()
        .find(|v| v.resolution.is_empty()))
}

/// Every earlier version, newest first.
pub async fn history(conn: &mut AnyConnection, id: ApplicationId) -> Result<Vec<Version>> {
    let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
        "SELECT version, at, resolution, snapshot_json FROM application_versions WHERE application_id = $1 ORDER BY id DESC",
    )
    .bind(id.get())
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(version, at, resolution, json)| Version::stored(version, at, resolution, &json))
        .collect())
}

async fn resolve(tx: &mut Tx<'_>, id: ApplicationId, resolution: &str) -> Result<()> {
    sqlx::query("UPDATE application_versions SET resolution = $1 WHERE application_id = $2 AND resolution = ''")
        .bind(resolution)
        .bind(id.get())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// After an approval: the amendment is accepted and the parties must sign the new version; the
/// signatures of the earlier version are cleared and their signers told
/// ([`crate::signing::clear_outdated`]). (A rejected amendment restores the earlier version,
/// whose signatures stand.)
pub(crate) async fn approved(tx: &mut Tx<'_>, actor: &Actor, id: ApplicationId) -> Result<()> {
    if pending(tx, id).await?.is_some() {
        let app = applications::get(tx, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        crate::signing::clear_outdated(tx, actor, &app).await?;
        resolve(tx, id, "approved").await?;
    }
    Ok(())
}

/// On a rejection of a pending amendment: the earlier terms come back, and the earlier status
/// is returned for the caller to set. `None` when there is no pending amendment.
pub(crate) async fn rejected(
    tx: &mut Tx<'_>,
    id: ApplicationId,
) -> Result<Option<ApplicationStatus>> {
    let Some(earlier) = pending(tx, id).await? else {
        return Ok(None);
    };
    let s = &earlier.snapshot;
    let status = s
        .get("status")
        .and_then(|v| v.as_str())
        .and_then(ApplicationStatus::parse)
        .unwrap_or(ApplicationStatus::Active);
    let data: ApplicationData = serde_json::from_value(s.clone()).map_err(anyhow::Error::new)?;
    write_terms(tx, id, &data, None).await?;
    resolve(tx, id, "rejected").await?;
    Ok(Some(status))
}
