//! Evaluations of trials: one per agreement of pulje's or per historic trial. A draft is saved
//! with a version check and may be incomplete; submitting needs the required answers
//! ([`EvaluationData::missing_for_submission`]) and makes it final. A historic trial's
//! evaluation may instead be a file. Every change is audited in the caller's transaction.

use crate::audit::{self, Actor};
use crate::outbox;
use crate::{now_utc, Result, StoreError, Tx};
use chrono::NaiveDate;
use pulje_domain::evaluation::{
    self, CareerTrack, Challenge, EvaluationData, PurposesMet, Recommendation, ReminderKind,
    TrialType,
};
use pulje_domain::{ApplicationId, AttachmentId, EvaluationId, RegionCode, TrialId, UserId};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, FromRow, Row};

/// What an evaluation belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Target {
    Application(ApplicationId),
    HistoricTrial(TrialId),
}

impl Target {
    fn column(self) -> (&'static str, i64) {
        match self {
            Target::Application(id) => ("application_id", id.get()),
            Target::HistoricTrial(id) => ("historic_trial_id", id.get()),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    pub id: EvaluationId,
    pub programme_id: String,
    pub region_code: RegionCode,
    pub application_id: Option<ApplicationId>,
    pub historic_trial_id: Option<TrialId>,
    /// `draft` or `submitted`.
    pub status: String,
    #[serde(flatten)]
    pub data: EvaluationData,
    pub attachment_id: Option<AttachmentId>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
    pub submitted_at: Option<String>,
    pub submitted_by: Option<i64>,
}

impl audit::Audited for Evaluation {
    const ENTITY: &'static str = "evaluation";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_region(&self) -> Option<RegionCode> {
        Some(self.region_code)
    }
}

impl Evaluation {
    pub fn is_submitted(&self) -> bool {
        self.status == "submitted"
    }
}

fn vocab<T>(r: &AnyRow, col: &str, parse: fn(&str) -> Option<T>) -> sqlx::Result<Option<T>> {
    let text: Option<String> = r.try_get(col)?;
    Ok(text.as_deref().and_then(parse))
}

impl FromRow<'_, AnyRow> for Evaluation {
    fn from_row(r: &AnyRow) -> sqlx::Result<Self> {
        let flag = |col: &str| -> sqlx::Result<bool> { Ok(r.try_get::<i64, _>(col)? != 0) };
        let mut challenges = Vec::new();
        for (col, c) in [
            ("challenge_concept", Challenge::Concept),
            ("challenge_awareness", Challenge::Awareness),
            ("challenge_time", Challenge::Time),
        ] {
            if flag(col)? {
                challenges.push(c);
            }
        }
        Ok(Evaluation {
            id: EvaluationId::new(r.try_get("id")?),
            programme_id: r.try_get("programme_id")?,
            region_code: crate::region_col(r, "region_code")?,
            application_id: r
                .try_get::<Option<i64>, _>("application_id")?
                .map(ApplicationId::new),
            historic_trial_id: r
                .try_get::<Option<i64>, _>("historic_trial_id")?
                .map(TrialId::new),
            status: r.try_get("status")?,
            data: EvaluationData {
                purposes_met: vocab(r, "purposes_met", PurposesMet::parse)?,
                purposes_text: r.try_get("purposes_text")?,
                gained_text: r.try_get("gained_text")?,
                effect_text: r.try_get("effect_text")?,
                development_percent: r.try_get("development_percent")?,
                time_text: r.try_get("time_text")?,
                recommendation: vocab(r, "recommendation", Recommendation::parse)?,
                recommendation_text: r.try_get("recommendation_text")?,
                career_track: vocab(r, "career_track", CareerTrack::parse)?,
                trial_type: vocab(r, "trial_type", TrialType::parse)?,
                challenges,
                challenges_text: r.try_get("challenges_text")?,
                advice_text: r.try_get("advice_text")?,
            },
            attachment_id: r
                .try_get::<Option<i64>, _>("attachment_id")?
                .map(AttachmentId::new),
            version: r.try_get("version")?,
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
            submitted_at: r.try_get("submitted_at")?,
            submitted_by: r.try_get("submitted_by")?,
        })
    }
}

const COLUMNS: &str = "id, programme_id, region_code, application_id, historic_trial_id, status, \
    purposes_met, purposes_text, gained_text, effect_text, development_percent, time_text, \
    recommendation, recommendation_text, career_track, trial_type, challenge_concept, \
    challenge_awareness, challenge_time, challenges_text, advice_text, attachment_id, version, \
    created_at, updated_at, submitted_at, submitted_by";

pub async fn get(conn: &mut AnyConnection, target: Target) -> Result<Option<Evaluation>> {
    let (column, id) = target.column();
    Ok(sqlx::query_as::<_, Evaluation>(&format!(
        "SELECT {COLUMNS} FROM evaluations WHERE {column} = $1"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?)
}

/// Where a new evaluation row belongs.
#[derive(Debug, Clone, Copy)]
pub struct Owner<'a> {
    pub programme_id: &'a str,
    pub region_code: RegionCode,
    pub target: Target,
}

/// Saves the evaluation of `owner.target` as a draft, or submits it when `submit` is set.
/// `expected_version` is the version the form was based on, 0 for an evaluation not yet stored.
/// A submitted evaluation is final; submitting needs every required answer.
pub async fn save(
    tx: &mut Tx<'_>,
    actor: &Actor,
    owner: Owner<'_>,
    expected_version: i64,
    data: &EvaluationData,
    submit: bool,
) -> Result<Evaluation> {
    if submit {
        let missing = data.missing_for_submission();
        if !missing.is_empty() {
            let list: Vec<String> = missing.iter().flat_map(|(_, m)| m.to_vec()).collect();
            return Err(StoreError::Refused(format!(
                "Evalueringen kan ikke indsendes endnu. Mangler: {}",
                list.join(" ")
            )));
        }
    }
    let before = get(tx, owner.target).await?;
    let now = now_utc();
    let id = match &before {
        Some(b) => {
            if b.is_submitted() {
                return Err(StoreError::Conflict(
                    "Evalueringen er allerede indsendt og kan ikke længere ændres.".into(),
                ));
            }
            if b.version != expected_version {
                return Err(StoreError::Stale);
            }
            b.id
        }
        None => {
            if expected_version != 0 {
                return Err(StoreError::Stale);
            }
            let (app, trial) = match owner.target {
                Target::Application(id) => (Some(id.get()), None),
                Target::HistoricTrial(id) => (None, Some(id.get())),
            };
            EvaluationId::new(sqlx::query_scalar(
                "INSERT INTO evaluations (programme_id, region_code, application_id, historic_trial_id, status, version, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, 'draft', 0, $5, $5) RETURNING id",
            )
            .bind(owner.programme_id)
            .bind(owner.region_code.get())
            .bind(app)
            .bind(trial)
            .bind(&now)
            .fetch_one(&mut **tx)
            .await?)
        }
    };
    let has = |c: Challenge| i64::from(data.challenges.contains(&c));
    let changed = sqlx::query(
        "UPDATE evaluations SET purposes_met = $1, purposes_text = $2, gained_text = $3, effect_text = $4, \
           development_percent = $5, time_text = $6, recommendation = $7, recommendation_text = $8, career_track = $9, \
           trial_type = $10, challenge_concept = $11, challenge_awareness = $12, challenge_time = $13, \
           challenges_text = $14, advice_text = $15, updated_at = $16, version = version + 1, \
           status = CASE WHEN $17 = 1 THEN 'submitted' ELSE status END, \
           submitted_at = CASE WHEN $17 = 1 THEN $16 ELSE submitted_at END, \
           submitted_by = CASE WHEN $17 = 1 THEN $18 ELSE submitted_by END \
         WHERE id = $19 AND version = $20 AND status = 'draft'",
    )
    .bind(data.purposes_met.map(|v| v.as_str()))
    .bind(&data.purposes_text)
    .bind(&data.gained_text)
    .bind(&data.effect_text)
    .bind(data.development_percent)
    .bind(&data.time_text)
    .bind(data.recommendation.map(|v| v.as_str()))
    .bind(&data.recommendation_text)
    .bind(data.career_track.map(|v| v.as_str()))
    .bind(data.trial_type.map(|v| v.as_str()))
    .bind(has(Challenge::Concept))
    .bind(has(Challenge::Awareness))
    .bind(has(Challenge::Time))
    .bind(&data.challenges_text)
    .bind(&data.advice_text)
    .bind(&now)
    .bind(i64::from(submit))
    .bind(actor.user_id.map(UserId::get))
    .bind(id.get())
    .bind(before.as_ref().map(|b| b.version).unwrap_or(0))
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if changed != 1 {
        return Err(StoreError::Stale);
    }
    let after = get(tx, owner.target).await?.ok_or(StoreError::NotFound)?;
    let action = match (&before, submit) {
        (_, true) => "submit",
        (None, false) => "create",
        (Some(_), false) => "update",
    };
    audit::step(tx, actor, action, before.as_ref(), &after).await?;
    Ok(after)
}

/// Links an uploaded file as historic trial `trial_id`'s evaluation, with the optional career
/// track and type, and marks the trial as having its evaluation attached. Replaces an earlier
/// file; the evaluation counts as submitted.
pub async fn attach_file(
    tx: &mut Tx<'_>,
    actor: &Actor,
    trial: &crate::trials::Trial,
    attachment_id: AttachmentId,
    career_track: Option<CareerTrack>,
    trial_type: Option<TrialType>,
) -> Result<Evaluation> {
    let target = Target::HistoricTrial(trial.id);
    let before = get(tx, target).await?;
    let now = now_utc();
    match &before {
        Some(b) => {
            sqlx::query(
                "UPDATE evaluations SET attachment_id = $1, career_track = COALESCE($2, career_track), \
                 trial_type = COALESCE($3, trial_type), status = 'submitted', version = version + 1, updated_at = $4, \
                 submitted_at = $4, submitted_by = $5 WHERE id = $6",
            )
            .bind(attachment_id.get())
            .bind(career_track.map(|v| v.as_str()))
            .bind(trial_type.map(|v| v.as_str()))
            .bind(&now)
            .bind(actor.user_id.map(UserId::get))
            .bind(b.id.get())
            .execute(&mut **tx)
            .await?;
        }
        None => {
            sqlx::query(
                "INSERT INTO evaluations (programme_id, region_code, historic_trial_id, status, career_track, trial_type, \
                 attachment_id, version, created_at, updated_at, submitted_at, submitted_by) \
                 VALUES ($1, $2, $3, 'submitted', $4, $5, $6, 1, $7, $7, $7, $8)",
            )
            .bind(&trial.programme_id)
            .bind(trial.region_code.get())
            .bind(trial.id.get())
            .bind(career_track.map(|v| v.as_str()))
            .bind(trial_type.map(|v| v.as_str()))
            .bind(attachment_id.get())
            .bind(&now)
            .bind(actor.user_id.map(UserId::get))
            .execute(&mut **tx)
            .await?;
        }
    }
    sqlx::query("UPDATE historic_trials SET evaluation_attached = 1 WHERE id = $1")
        .bind(trial.id.get())
        .execute(&mut **tx)
        .await?;
    let after = get(tx, target).await?.ok_or(StoreError::NotFound)?;
    audit::step(tx, actor, "attach_file", before.as_ref(), &after).await?;
    Ok(after)
}

/// One agreement's evaluation in a region's overview.
#[derive(Debug, Clone, Serialize)]
pub struct DueRow {
    pub application_id: ApplicationId,
    pub title: String,
    pub application_status: String,
    pub doctor_name: Option<String>,
    pub due: Option<NaiveDate>,
    /// `none`, `draft` or `submitted`.
    pub evaluation_status: String,
    pub submitted_at: Option<String>,
}

/// The evaluations a region's agreements owe (active and ended ones), by due date.
pub async fn due_list(
    conn: &mut AnyConnection,
    programme_id: &str,
    region_code: RegionCode,
) -> Result<Vec<DueRow>> {
    type Row = (
        i64,
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row> =
        sqlx::query_as(
            "SELECT a.id, a.title, a.status, u.name, COALESCE(a.terminated_on, a.end_date), e.status, e.submitted_at \
             FROM applications a \
             LEFT JOIN users u ON u.id = COALESCE(a.doctor_user_id, a.created_by) \
             LEFT JOIN evaluations e ON e.application_id = a.id \
             WHERE a.programme_id = $1 AND a.region_code = $2 AND a.status IN ('active', 'ended') \
             ORDER BY COALESCE(a.terminated_on, a.end_date), a.id",
        )
        .bind(programme_id)
        .bind(region_code.get())
        .fetch_all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, title, status, doctor, due, eval, at)| DueRow {
            application_id: ApplicationId::new(id),
            title,
            application_status: status,
            doctor_name: doctor,
            due: crate::date_of(due),
            evaluation_status: eval.unwrap_or_else(|| "none".into()),
            submitted_at: at,
        })
        .collect())
}

/// Queues today's evaluation reminders: a month before an agreement's evaluation is due and on
/// the due day, to the responsible afdelingslæge (else the author) and the leader who signed the
/// agreement. Each (agreement, kind, due date) is claimed once across all instances; nothing is
/// sent for an evaluation already submitted. Returns how many messages were queued.
pub async fn queue_reminders(tx: &mut Tx<'_>, today: NaiveDate) -> Result<usize> {
    // Candidates: due within a month and a day from now, or at most a week ago.
    let from = today - chrono::Duration::days(7);
    let to = today + chrono::Duration::days(32);
    type Row = (
        i64,
        i64,
        String,
        String,
        Option<String>,
        Option<i64>,
        Option<i64>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT a.id, a.region_code, a.programme_id, a.title, COALESCE(a.terminated_on, a.end_date), a.doctor_user_id, a.created_by \
         FROM applications a LEFT JOIN evaluations e ON e.application_id = a.id \
         WHERE a.status IN ('active', 'ended') AND (e.id IS NULL OR e.status = 'draft') \
           AND COALESCE(a.terminated_on, a.end_date) BETWEEN $1 AND $2 ORDER BY a.id",
    )
    .bind(from.to_string())
    .bind(to.to_string())
    .fetch_all(&mut **tx)
    .await?;
    let mut queued = 0;
    for (id, region, programme_id, title, due, doctor, creator) in rows {
        let Some(due) = crate::date_of(due) else {
            continue;
        };
        let Some(kind) = ReminderKind::due_today(due, today) else {
            continue;
        };
        if !outbox::claim(
            tx,
            &format!("evaluation-reminder/{id}/{}/{due}", kind.as_str()),
        )
        .await?
        {
            continue;
        }
        let mut to = outbox::address_of(tx, doctor.or(creator).map(UserId::new)).await?;
        let leader: Option<i64> = sqlx::query_scalar(
            "SELECT user_id FROM signatures WHERE application_id = $1 AND party = 'leader'",
        )
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .flatten();
        to.extend(outbox::address_of(tx, leader.map(UserId::new)).await?);
        if to.is_empty() {
            continue;
        }
        let notice = outbox::Notice {
            region_code: crate::region_of(region)?,
            programme_id: &programme_id,
            application_id: ApplicationId::new(id),
            event: &pulje_domain::mail::EVALUATION_DUE,
            values: pulje_domain::mail::Values::new()
                .with("titel", title)
                .with("link", format!("/applications/{id}/evaluation"))
                .with("frist", pulje_domain::date::format_date_da(due)),
        };
        outbox::notify(tx, &to, &notice).await?;
        queued += to.len();
    }
    Ok(queued)
}

/// When the evaluation of an agreement falls due.
pub fn due_of(app: &crate::applications::Application) -> Option<NaiveDate> {
    evaluation::due_date(app.data.end_date(), app.terminated_on)
}
