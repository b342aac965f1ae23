//! Reports: a region's evaluation report on a programme (the structure of the regional reports
//! the regions sent the national parties: organisation and economy, priority areas, the trials per
//! hospital, career tracks, challenges, generalisation, recommendations and appendices) and the
//! national view of the five regions side by side.
//!
//! Tables and counts are always computed from the data; only the narrative sections are stored
//! (`report_texts`), written by the region's administrator with a version check and an audit entry.
//!
//! Definitions (documented in docs/ARCHITECTURE.md too):
//! - **A region's trials** are its historic trials (the imported overview lists) and its pulje
//!   applications the steering group approved: status `awaiting_signatures`, `active` or `ended`
//!   ([`APPROVED`]) — the ones whose money is committed. Drafts, applications under review,
//!   rejected and withdrawn ones are not trials.
//! - **Numbers**: historic trials keep their own numbers; pulje trials are numbered after the
//!   highest historic number, in the order of their application id.
//! - **Afdelingslæger**: a historic trial's doctor count; a pulje trial's participants whose role
//!   is afdelingslæge (`ParticipantInput::is_afdelingslaege`), at least one: the responsible
//!   afdelingslæge of section A4. A nurse or a registrar among the participants is not counted.
//! - **Area**: a historic trial's area text, shown as the region's area whose name or short name
//!   it matches; a pulje trial's areas (by the region's order). None: "Ikke oplyst". A trial with
//!   several areas counts under each of them in the area table, so that table's sum may exceed
//!   the number of trials ([`RegionalReport::area_note`] says so).
//! - **Career track, type, challenges, recommendation** come from *submitted* evaluations; a
//!   trial without one (or whose evaluation left the field open) counts as not stated.
//! - **Evaluation attached** ("Se bilag"): a submitted evaluation, an evaluation file, or (for a
//!   historic trial) the list said so. Coverage is "x af y" trials, never a fraction.
//! - **Economy per tranche**: `allocated_ore` is the region's pool of the tranche;
//!   `committed_ore` the approved agreements' monthly amounts inside the tranche's period;
//!   `paid_ore` the postings made for months inside it; `unused_ore` = allocated − committed
//!   (what no approved agreement has claimed; negative when the steering group over-committed).

use crate::audit::{self, Actor};
use crate::{bulk, money, now_utc, programmes, Result, StoreError, Tx};
use chrono::NaiveDate;
use pulje_domain::application::ParticipantInput;
use pulje_domain::evaluation::{CareerTrack, Challenge, PurposesMet, Recommendation, TrialType};
use pulje_domain::{ApplicationStatus, Ore, RegionCode, UserId};
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, FromRow};
use std::collections::{BTreeMap, HashMap};

/// The statuses of a pulje application that make it one of the region's trials.
pub const APPROVED: [ApplicationStatus; 3] = [
    ApplicationStatus::AwaitingSignatures,
    ApplicationStatus::Active,
    ApplicationStatus::Ended,
];

/// The key and label of whatever an evaluation did not state.
pub const NOT_STATED: &str = "not_stated";
pub const NOT_STATED_DA: &str = "Ikke oplyst";

/// The narrative sections of a regional report: (id, heading, what to write).
pub const SECTIONS: [(&str, &str, &str); 7] = [
    (
        "introduction",
        "Indledning og formål",
        "Hvad regionen ville opnå med programmet, og hvordan det blev sat i gang.",
    ),
    (
        "organisation",
        "1. Organisering, økonomi og kommunikation",
        "Puljens organisering, arbejdsgruppe og styregruppe, hvordan afdelingslægerne hørte om programmet (fx intranet, idékatalog, møder på hospitalerne).",
    ),
    (
        "priorities",
        "2. Prioriterede områder og regionale aftaler",
        "Hvorfor regionen valgte sine områder, og hvad en eventuel forhåndsaftale om funktionstillæg fastlagde.",
    ),
    (
        "career_tracks",
        "4. Karrierespor",
        "Hvilke karrierespor forsøgene peger på.",
    ),
    (
        "challenges",
        "5. Udfordringer",
        "De væsentligste udfordringer i regionen, og hvad der bør gøres anderledes.",
    ),
    (
        "generalisation",
        "6. Generaliseringspotentiale",
        "Individuelle og lokale forsøg over for tværgående og organisatoriske – hvad kan udbredes?",
    ),
    (
        "recommendations",
        "7. Anbefalinger til de centrale parter",
        "Regionens anbefalinger og den læring, der bør tages med til næste overenskomst.",
    ),
];

/// The longest narrative section stored, in characters.
pub const MAX_TEXT_CHARS: usize = 50_000;

/// The heading of a narrative section, if `section` is one.
pub fn section_heading(section: &str) -> Option<&'static str> {
    SECTIONS
        .iter()
        .find(|(id, _, _)| *id == section)
        .map(|(_, h, _)| *h)
}

/// One trial in the report's overview table.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportTrial {
    pub number: i64,
    /// `historic` (imported list) or `pulje` (an approved application).
    pub source: String,
    pub application_id: Option<i64>,
    pub historic_trial_id: Option<i64>,
    pub hospital: String,
    pub department: String,
    /// The trial's areas, joined for display ("Ikke oplyst" when none).
    pub area: String,
    /// The trial's areas, each counted in the area table.
    pub areas: Vec<String>,
    pub doctor_count: i64,
    pub title: String,
    /// A submitted evaluation or an evaluation file ("Se bilag").
    pub evaluation_attached: bool,
    /// The career track identifier from its submitted evaluation.
    pub career_track: Option<String>,
    /// `individual` or `cross_cutting`, from its submitted evaluation.
    pub trial_type: Option<String>,
    /// A pulje trial's granted annual supplement.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub granted_ore: Option<Ore>,
}

/// A counted value: a stable key, its Danish label and the count.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Count {
    pub key: String,
    pub label: String,
    pub count: i64,
}

/// "x af y": how many of the trials have an evaluation.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Coverage {
    pub evaluated: i64,
    pub trials: i64,
}

impl Coverage {
    pub fn text_da(&self) -> String {
        format!("{} af {}", self.evaluated, self.trials)
    }
}

/// A tranche's money for one region.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrancheEconomy {
    /// The tranche's number in the programme (1, 2, …).
    pub tranche: i64,
    pub name: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// The region's pool of the tranche.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub allocated_ore: Ore,
    /// Approved agreements' monthly amounts inside the tranche's period.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub committed_ore: Ore,
    /// Postings for months inside the tranche's period.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub paid_ore: Ore,
    /// allocated − committed (negative when over-committed).
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub unused_ore: Ore,
}

/// Sums over tranches.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EconomyTotal {
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub allocated_ore: Ore,
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub committed_ore: Ore,
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub paid_ore: Ore,
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub unused_ore: Ore,
}

impl EconomyTotal {
    /// The sum of two totals, field by field; `None` on overflow.
    pub fn checked_add(self, other: EconomyTotal) -> Option<EconomyTotal> {
        Some(EconomyTotal {
            allocated_ore: self.allocated_ore.checked_add(other.allocated_ore)?,
            committed_ore: self.committed_ore.checked_add(other.committed_ore)?,
            paid_ore: self.paid_ore.checked_add(other.paid_ore)?,
            unused_ore: self.unused_ore.checked_add(other.unused_ore)?,
        })
    }

    fn of(tranches: &[TrancheEconomy]) -> Result<EconomyTotal> {
        tranches
            .iter()
            .try_fold(EconomyTotal::default(), |t, e| {
                t.checked_add(EconomyTotal {
                    allocated_ore: e.allocated_ore,
                    committed_ore: e.committed_ore,
                    paid_ore: e.paid_ore,
                    unused_ore: e.unused_ore,
                })
            })
            .ok_or_else(money_overflow)
    }
}

/// The error of a sum of money too large for 64 bits, which no real pool reaches.
fn money_overflow() -> StoreError {
    StoreError::Other(anyhow::anyhow!("an amount of money overflowed"))
}

/// What one evaluation said, tied to its trial.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Statement {
    pub number: i64,
    pub title: String,
    pub text: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChallengeSummary {
    /// `concept`, `awareness` or `time`.
    pub key: String,
    pub label: String,
    /// Submitted evaluations that name the challenge.
    pub count: i64,
}

/// A submitted evaluation, for the appendix of individual evaluations.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EvaluationSummary {
    pub number: i64,
    pub title: String,
    pub hospital: String,
    /// Danish label, or "Ikke oplyst".
    pub purposes_met: String,
    pub purposes_text: String,
    pub gained_text: String,
    pub effect_text: String,
    pub development_percent: Option<i64>,
    pub time_text: String,
    pub career_track: String,
    pub trial_type: String,
    /// Danish labels of the challenges it names.
    pub challenges: Vec<String>,
    pub challenges_text: String,
    pub recommendation: String,
    pub recommendation_text: String,
    pub advice_text: String,
}

/// A narrative section as stored (version 0: never written).
#[derive(Debug, Clone, Serialize, PartialEq, Eq, FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportText {
    pub section: String,
    pub body: String,
    pub version: i64,
}

/// Where a narrative section is stored: audited as `report_text` with the id
/// `programme/region/section`.
struct SectionKey<'a> {
    programme_id: &'a str,
    region_code: RegionCode,
    section: &'a str,
}

impl audit::Audited for SectionKey<'_> {
    const ENTITY: &'static str = "report_text";
    fn audit_id(&self) -> String {
        format!(
            "{}/{}/{}",
            self.programme_id, self.region_code, self.section
        )
    }
    fn audit_region(&self) -> Option<RegionCode> {
        Some(self.region_code)
    }
}

/// An application round with the pulje trials approved from it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoundSummary {
    pub name: String,
    pub opens_on: NaiveDate,
    pub deadline: NaiveDate,
    pub trials: i64,
}

/// A member of the working group or steering group.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberSummary {
    /// `working_group` or `steering_group`.
    pub body: String,
    pub name: String,
    pub title: String,
}

/// A supplement tier with the pulje trials granted it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TierSummary {
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub amount_ore: Ore,
    pub trials: i64,
}

/// A region's report on a programme. `trials_by_*` map a name or key to its count; the
/// `*_counts` lists carry the same counts in the report's order with Danish labels.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegionalReport {
    pub programme_id: String,
    pub programme_name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = i64, minimum = 1081, maximum = 1085))]
    pub region_code: RegionCode,
    pub region_name: String,
    /// The narrative sections, in the report's order (empty body: not written yet).
    pub texts: Vec<ReportText>,
    pub rounds: Vec<RoundSummary>,
    pub steering_group_meetings: i64,
    pub members: Vec<MemberSummary>,
    /// The region's priority areas: (name, short name).
    pub areas: Vec<(String, String)>,
    pub tiers: Vec<TierSummary>,
    /// Every trial, by number.
    pub trials: Vec<ReportTrial>,
    pub trial_count: i64,
    pub doctors_involved: i64,
    /// Hospital name → trials.
    pub trials_by_hospital: BTreeMap<String, i64>,
    /// Area name (or "Ikke oplyst") → trials.
    pub trials_by_area: BTreeMap<String, i64>,
    /// Career track key (`clinical_specialist`, `leadership`, `research`, `teaching`, `not_stated`) → trials.
    pub trials_by_track: BTreeMap<String, i64>,
    /// Trial type key (`individual`, `cross_cutting`, `not_stated`) → trials.
    pub trials_by_type: BTreeMap<String, i64>,
    /// Recommendation key (`continue`, `expand`, `change`, `stop`, `not_stated`) → trials.
    pub trials_by_recommendation: BTreeMap<String, i64>,
    pub hospital_counts: Vec<Count>,
    pub area_counts: Vec<Count>,
    /// Said beside the area table when trials with several areas make its sum exceed the
    /// number of trials.
    pub area_note: Option<String>,
    pub track_counts: Vec<Count>,
    pub type_counts: Vec<Count>,
    pub recommendation_counts: Vec<Count>,
    pub evaluation_coverage: Coverage,
    pub challenges: Vec<ChallengeSummary>,
    /// What the evaluations wrote about challenges.
    pub challenge_statements: Vec<Statement>,
    /// The evaluations' advice to the central parties and the reasons for their recommendation.
    pub advice: Vec<Statement>,
    pub evaluations: Vec<EvaluationSummary>,
    pub economy: Vec<TrancheEconomy>,
    pub economy_total: EconomyTotal,
    /// The approved agreements that are exceptions: approved over the pool or against the time
    /// rules, or paid for months before their activation, each with the reason recorded.
    pub exceptions: Vec<ExceptionSummary>,
}

/// An approved agreement that is an exception, with the reasons recorded for it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExceptionSummary {
    pub application_id: i64,
    pub title: String,
    /// What made the approval an exception, one Danish sentence each.
    pub exceptions: Vec<String>,
    /// The steering group's reason for approving anyway.
    pub reason: String,
    /// Why months before the activation are paid; empty when none are.
    pub backpay_reason: String,
}

/// The region's approved agreements that are exceptions (see [`ExceptionSummary`]).
async fn exceptions(
    conn: &mut AnyConnection,
    programme_id: &str,
    region_code: RegionCode,
) -> Result<Vec<ExceptionSummary>> {
    let statuses = APPROVED
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    let rows = sqlx::query_as::<_, (i64, String, String, String, String)>(&format!(
        "SELECT id, title, exceptions, exception_reason, backpay_reason FROM applications \
         WHERE programme_id = $1 AND region_code = $2 AND status IN ({statuses}) \
           AND (exceptions <> '' OR exception_reason <> '' OR backpay_reason <> '') ORDER BY id"
    ))
    .bind(programme_id)
    .bind(region_code.get())
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(application_id, title, exceptions, reason, backpay_reason)| ExceptionSummary {
                application_id,
                title,
                exceptions: exceptions.lines().map(str::to_string).collect(),
                reason,
                backpay_reason,
            },
        )
        .collect())
}

impl RegionalReport {
    /// The stored text of a section (empty when never written).
    pub fn text(&self, section: &str) -> &str {
        self.texts
            .iter()
            .find(|t| t.section == section)
            .map(|t| t.body.as_str())
            .unwrap_or("")
    }
}

#[derive(Deserialize)]
struct PuljeRow {
    id: i64,
    title: String,
    hospital_department: String,
    granted_ore: Option<Ore>,
    round_id: Option<i64>,
    hospital: String,
}

#[derive(Deserialize)]
struct EvaluationRow {
    application_id: Option<i64>,
    historic_trial_id: Option<i64>,
    purposes_met: Option<String>,
    purposes_text: String,
    gained_text: String,
    effect_text: String,
    development_percent: Option<i64>,
    time_text: String,
    recommendation: Option<String>,
    recommendation_text: String,
    career_track: Option<String>,
    trial_type: Option<String>,
    challenge_concept: i64,
    challenge_awareness: i64,
    challenge_time: i64,
    challenges_text: String,
    advice_text: String,
}

/// Which trial an evaluation or attachment belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum TrialKey {
    Historic(i64),
    Pulje(i64),
}

fn key_of(application_id: Option<i64>, historic_trial_id: Option<i64>) -> Option<TrialKey> {
    match (application_id, historic_trial_id) {
        (Some(a), _) => Some(TrialKey::Pulje(a)),
        (None, Some(h)) => Some(TrialKey::Historic(h)),
        _ => None,
    }
}

/// Strips the hospital's name from the front of the form's "hospital, department" field.
pub(crate) fn department_of(hospital: &str, field: &str) -> String {
    let field = field.trim();
    if !hospital.is_empty() {
        if let Some(rest) = field.strip_prefix(hospital) {
            let rest = rest.trim_start_matches([',', ' ', '-', '–']).trim();
            if !rest.is_empty() {
                return rest.to_string();
            }
        }
    }
    field.to_string()
}

/// The words beside an area table whose counts add up to more than the trials.
pub fn area_sum_note(counted: i64, trials: usize) -> Option<String> {
    let trials = i64::try_from(trials).unwrap_or(i64::MAX);
    (counted > trials).then(|| {
        format!(
            "Et forsøg med flere områder tælles under hvert af dem, så tabellens sum ({counted}) \
             er større end antallet af forsøg ({trials})."
        )
    })
}

fn counts_of<'a>(
    keys: impl Iterator<Item = &'a str>,
    order: &[(String, String)],
) -> (BTreeMap<String, i64>, Vec<Count>) {
    let mut map: BTreeMap<String, i64> = BTreeMap::new();
    for k in keys {
        *map.entry(k.to_string()).or_default() += 1;
    }
    let mut list: Vec<Count> = order
        .iter()
        .map(|(k, label)| Count {
            key: k.clone(),
            label: label.clone(),
            count: map.get(k).copied().unwrap_or(0),
        })
        .collect();
    for (k, n) in &map {
        if !order.iter().any(|(o, _)| o == k) {
            list.push(Count {
                key: k.clone(),
                label: k.clone(),
                count: *n,
            });
        }
    }
    // The map keeps zero entries of the known order too, so every key is present.
    for (k, _) in order {
        map.entry(k.clone()).or_insert(0);
    }
    (map, list)
}

/// The vocabulary's (key, label) pairs with "not stated" last.
fn vocabulary<T: Copy>(
    all: &[T],
    id: impl Fn(T) -> &'static str,
    label: impl Fn(T) -> &'static str,
) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = all
        .iter()
        .map(|t| (id(*t).to_string(), label(*t).to_string()))
        .collect();
    v.push((NOT_STATED.into(), NOT_STATED_DA.into()));
    v
}

fn label_or_not_stated<T>(
    value: Option<&str>,
    parse: impl Fn(&str) -> Option<T>,
    label: impl Fn(T) -> &'static str,
) -> String {
    value
        .and_then(parse)
        .map(label)
        .unwrap_or(NOT_STATED_DA)
        .to_string()
}

/// The narrative sections of a region's report, every section present (version 0 if unwritten).
pub async fn texts(
    conn: &mut AnyConnection,
    programme_id: &str,
    region_code: RegionCode,
) -> Result<Vec<ReportText>> {
    let stored = sqlx::query_as::<_, ReportText>(
        "SELECT section, body, version FROM report_texts WHERE programme_id = $1 AND region_code = $2",
    )
    .bind(programme_id)
    .bind(region_code.get())
    .fetch_all(conn)
    .await?;
    Ok(SECTIONS
        .iter()
        .map(|(id, _, _)| {
            stored
                .iter()
                .find(|t| t.section == *id)
                .cloned()
                .unwrap_or(ReportText {
                    section: id.to_string(),
                    body: String::new(),
                    version: 0,
                })
        })
        .collect())
}

/// Saves one narrative section if its text changed. `expected_version` is the version the writer
/// started from (0 for a section never written); another writer's newer version is refused with
/// [`StoreError::Conflict`] and nothing is written. Audited in the caller's transaction.
pub async fn save_text(
    tx: &mut Tx<'_>,
    actor: &Actor,
    programme_id: &str,
    region_code: RegionCode,
    section: &str,
    body: &str,
    expected_version: i64,
) -> Result<ReportText> {
    let Some(heading) = section_heading(section) else {
        return Err(StoreError::Refused(format!(
            "Rapporten har ikke et afsnit, der hedder «{section}»."
        )));
    };
    let body = body.replace("\r\n", "\n");
    let body = body.trim_end();
    if body.chars().count() > MAX_TEXT_CHARS {
        return Err(StoreError::Refused(format!(
            "{heading}: teksten er for lang (højst {MAX_TEXT_CHARS} tegn)."
        )));
    }
    let before = sqlx::query_as::<_, ReportText>(
        "SELECT section, body, version FROM report_texts WHERE programme_id = $1 AND region_code = $2 AND section = $3",
    )
    .bind(programme_id)
    .bind(region_code.get())
    .bind(section)
    .fetch_optional(&mut **tx)
    .await?;
    let current = before.as_ref().map(|t| t.version).unwrap_or(0);
    if current != expected_version {
        return Err(StoreError::Conflict(format!(
            "{heading}: afsnittet er blevet ændret af en anden, siden du åbnede det. Din tekst er ikke gemt – sammenlign med den gemte, og gem igen."
        )));
    }
    match &before {
        Some(b) if b.body == body => return Ok(b.clone()),
        // Nothing typed into a section never written: nothing to store.
        None if body.trim().is_empty() => {
            return Ok(ReportText {
                section: section.to_string(),
                body: String::new(),
                version: 0,
            })
        }
        _ => {}
    }
    let now = now_utc();
    let written = match &before {
        Some(_) => sqlx::query(
            "UPDATE report_texts SET body = $1, version = version + 1, updated_at = $2, updated_by = $3 \
             WHERE programme_id = $4 AND region_code = $5 AND section = $6 AND version = $7",
        )
        .bind(body)
        .bind(&now)
        .bind(actor.user_id.map(UserId::get))
        .bind(programme_id)
        .bind(region_code.get())
        .bind(section)
        .bind(expected_version)
        .execute(&mut **tx)
        .await?
        .rows_affected(),
        None => sqlx::query(
            "INSERT INTO report_texts (programme_id, region_code, section, body, version, updated_at, updated_by) \
             VALUES ($1, $2, $3, $4, 1, $5, $6) ON CONFLICT (programme_id, region_code, section) DO NOTHING",
        )
        .bind(programme_id)
        .bind(region_code.get())
        .bind(section)
        .bind(body)
        .bind(&now)
        .bind(actor.user_id.map(UserId::get))
        .execute(&mut **tx)
        .await?
        .rows_affected(),
    };
    if written != 1 {
        return Err(StoreError::Conflict(format!(
            "{heading}: afsnittet blev gemt af en anden i samme øjeblik. Din tekst er ikke gemt – prøv igen."
        )));
    }
    let after = ReportText {
        section: section.to_string(),
        body: body.to_string(),
        version: expected_version + 1,
    };
    let key = SectionKey {
        programme_id,
        region_code,
        section,
    };
    let action = if before.is_some() { "update" } else { "create" };
    audit::noted(tx, actor, &key, action, before.as_ref(), Some(&after)).await?;
    Ok(after)
}

/// A region's money per tranche.
pub async fn economy(
    conn: &mut AnyConnection,
    programme_id: &str,
    region_code: RegionCode,
) -> Result<Vec<TrancheEconomy>> {
    money::pool_status(conn, programme_id, region_code)
        .await?
        .into_iter()
        .map(|p| {
            Ok(TrancheEconomy {
                tranche: p.tranche,
                name: p.name,
                period_start: p.period_start,
                period_end: p.period_end,
                allocated_ore: p.amount_ore,
                committed_ore: p.committed_ore,
                paid_ore: p.paid_ore,
                unused_ore: pulje_domain::figures::unused(p.amount_ore, p.committed_ore)
                    .ok_or_else(money_overflow)?,
            })
        })
        .collect()
}

/// Computes a region's report on a programme. An unknown programme is [`StoreError::NotFound`].
pub async fn regional(
    conn: &mut AnyConnection,
    programme_id: &str,
    region_code: RegionCode,
) -> Result<RegionalReport> {
    let region = region_code;
    let programme = programmes::get(conn, programme_id)
        .await?
        .ok_or(StoreError::NotFound)?;
    let areas = programmes::areas(conn, programme_id, Some(region_code)).await?;
    let area_of_text = |text: &str| -> String {
        let t = text.trim();
        if t.is_empty() || t == "-" {
            return NOT_STATED_DA.to_string();
        }
        areas
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(t) || a.short_name.eq_ignore_ascii_case(t))
            .map(|a| a.name.clone())
            .unwrap_or_else(|| t.to_string())
    };

    // The trials: historic ones, then the approved pulje applications numbered after them.
    let historic = crate::trials::list(conn, programme_id, region_code).await?;
    let statuses = APPROVED
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    // One row per approved application, so the region's other applications are never read.
    // The two large reads come as one JSON value each ([`bulk`]).
    let approved =
        format!("a.programme_id = $1 AND a.region_code = $2 AND a.status IN ({statuses})");
    let inner = format!(
        "SELECT a.id, a.title, a.hospital_department, a.granted_ore, a.round_id, COALESCE(h.name, '') AS hospital \
         FROM applications a LEFT JOIN hospitals h ON h.id = a.hospital_id WHERE {approved}"
    );
    let sql = bulk::json_array_sql(
        conn,
        &inner,
        &[
            "id",
            "title",
            "hospital_department",
            "granted_ore",
            "round_id",
            "hospital",
        ],
        "id",
    );
    let pulje: Vec<PuljeRow> = bulk::parse_rows(
        sqlx::query_scalar(&sql)
            .bind(programme_id)
            .bind(region_code.get())
            .fetch_one(&mut *conn)
            .await?,
    )?;
    // The approved applications' areas in the region's order, and their afdelingslæger.
    let mut areas_of: HashMap<i64, Vec<String>> = HashMap::new();
    for (id, name) in sqlx::query_as::<_, (i64, String)>(&format!(
        "SELECT a.id, ar.name FROM applications a JOIN application_areas aa ON aa.application_id = a.id \
         JOIN areas ar ON ar.id = aa.area_id WHERE {approved} ORDER BY a.id, ar.position, ar.id"
    ))
    .bind(programme_id)
    .bind(region_code.get())
    .fetch_all(&mut *conn)
    .await?
    {
        areas_of.entry(id).or_default().push(name);
    }
    let mut doctors_of: HashMap<i64, i64> = HashMap::new();
    for (id, role) in sqlx::query_as::<_, (i64, String)>(&format!(
        "SELECT a.id, p.role FROM applications a JOIN application_participants p ON p.application_id = a.id \
         WHERE {approved}"
    ))
    .bind(programme_id)
    .bind(region_code.get())
    .fetch_all(&mut *conn)
    .await?
    {
        if ParticipantInput::is_afdelingslaege(&role) {
            *doctors_of.entry(id).or_default() += 1;
        }
    }
    let columns = [
        "id",
        "application_id",
        "historic_trial_id",
        "purposes_met",
        "purposes_text",
        "gained_text",
        "effect_text",
        "development_percent",
        "time_text",
        "recommendation",
        "recommendation_text",
        "career_track",
        "trial_type",
        "challenge_concept",
        "challenge_awareness",
        "challenge_time",
        "challenges_text",
        "advice_text",
    ];
    let sql = bulk::json_array_sql(
        conn,
        &format!(
            "SELECT {} FROM evaluations WHERE programme_id = $1 AND region_code = $2 AND status = 'submitted'",
            columns.join(", ")
        ),
        &columns,
        "id",
    );
    let evaluations: Vec<EvaluationRow> = bulk::parse_rows(
        sqlx::query_scalar(&sql)
            .bind(programme_id)
            .bind(region_code.get())
            .fetch_one(&mut *conn)
            .await?,
    )?;
    let evaluation_of: HashMap<TrialKey, &EvaluationRow> = evaluations
        .iter()
        .filter_map(|e| key_of(e.application_id, e.historic_trial_id).map(|k| (k, e)))
        .collect();
    let files: std::collections::HashSet<TrialKey> = sqlx::query_as::<_, (Option<i64>, Option<i64>)>(
        "SELECT application_id, historic_trial_id FROM attachments WHERE region_code = $1 AND purpose = 'evaluation'",
    )
    .bind(region_code.get())
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .filter_map(|(a, h)| key_of(a, h))
    .collect();

    let mut trials: Vec<(TrialKey, ReportTrial)> = Vec::new();
    for h in &historic {
        let key = TrialKey::Historic(i64::from(h.id));
        let e = evaluation_of.get(&key);
        trials.push((
            key,
            ReportTrial {
                number: h.number,
                source: "historic".into(),
                application_id: None,
                historic_trial_id: Some(i64::from(h.id)),
                hospital: h.hospital.clone(),
                department: h.department.clone(),
                area: area_of_text(&h.area),
                areas: vec![area_of_text(&h.area)],
                doctor_count: h.doctor_count,
                title: h.title.clone(),
                evaluation_attached: h.evaluation_attached != 0
                    || e.is_some()
                    || files.contains(&key),
                career_track: e.and_then(|e| e.career_track.clone()),
                trial_type: e.and_then(|e| e.trial_type.clone()),
                granted_ore: None,
            },
        ));
    }
    let after_historic = historic.iter().map(|h| h.number).max().unwrap_or(0);
    for (number, a) in (after_historic + 1..).zip(pulje.iter()) {
        let key = TrialKey::Pulje(a.id);
        let areas = areas_of
            .remove(&a.id)
            .unwrap_or_else(|| vec![NOT_STATED_DA.to_string()]);
        let e = evaluation_of.get(&key);
        trials.push((
            key,
            ReportTrial {
                number,
                source: "pulje".into(),
                application_id: Some(a.id),
                historic_trial_id: None,
                hospital: a.hospital.clone(),
                department: department_of(&a.hospital, &a.hospital_department),
                area: areas.join(", "),
                areas,
                doctor_count: doctors_of.get(&a.id).copied().unwrap_or(0).max(1),
                title: a.title.clone(),
                evaluation_attached: e.is_some() || files.contains(&key),
                career_track: e.and_then(|e| e.career_track.clone()),
                trial_type: e.and_then(|e| e.trial_type.clone()),
                granted_ore: a.granted_ore,
            },
        ));
    }
    trials.sort_by_key(|(_, t)| t.number);

    // Hospitals in the order their first trial appears.
    let mut hospital_order: Vec<(String, String)> = Vec::new();
    for (_, t) in &trials {
        if !hospital_order.iter().any(|(h, _)| *h == t.hospital) {
            hospital_order.push((t.hospital.clone(), t.hospital.clone()));
        }
    }
    let (trials_by_hospital, hospital_counts) = counts_of(
        trials.iter().map(|(_, t)| t.hospital.as_str()),
        &hospital_order,
    );
    let mut area_order: Vec<(String, String)> = areas
        .iter()
        .map(|a| (a.name.clone(), a.name.clone()))
        .collect();
    area_order.push((NOT_STATED_DA.into(), NOT_STATED_DA.into()));
    let (trials_by_area, area_counts) = counts_of(
        trials
            .iter()
            .flat_map(|(_, t)| t.areas.iter().map(String::as_str)),
        &area_order,
    );
    let area_note = area_sum_note(area_counts.iter().map(|c| c.count).sum(), trials.len());

    let stated = |value: &Option<String>, known: &dyn Fn(&str) -> bool| -> String {
        match value.as_deref() {
            Some(v) if known(v) => v.to_string(),
            _ => NOT_STATED.to_string(),
        }
    };
    let track_keys: Vec<String> = trials
        .iter()
        .map(|(_, t)| stated(&t.career_track, &|v| CareerTrack::parse(v).is_some()))
        .collect();
    let (trials_by_track, track_counts) = counts_of(
        track_keys.iter().map(String::as_str),
        &vocabulary(CareerTrack::ALL, CareerTrack::as_str, CareerTrack::label_da),
    );
    let type_keys: Vec<String> = trials
        .iter()
        .map(|(_, t)| stated(&t.trial_type, &|v| TrialType::parse(v).is_some()))
        .collect();
    let (trials_by_type, type_counts) = counts_of(
        type_keys.iter().map(String::as_str),
        &vocabulary(TrialType::ALL, TrialType::as_str, TrialType::label_da),
    );
    let recommendation_keys: Vec<String> = trials
        .iter()
        .map(|(k, _)| {
            stated(
                &evaluation_of.get(k).and_then(|e| e.recommendation.clone()),
                &|v| Recommendation::parse(v).is_some(),
            )
        })
        .collect();
    let (trials_by_recommendation, recommendation_counts) = counts_of(
        recommendation_keys.iter().map(String::as_str),
        &vocabulary(
            Recommendation::ALL,
            Recommendation::as_str,
            Recommendation::label_da,
        ),
    );

    // What the evaluations said, in trial order.
    let mut challenges: Vec<ChallengeSummary> = Challenge::ALL
        .iter()
        .map(|c| ChallengeSummary {
            key: c.as_str().into(),
            label: c.label_da().into(),
            count: 0,
        })
        .collect();
    let mut challenge_statements = Vec::new();
    let mut advice = Vec::new();
    let mut summaries = Vec::new();
    for (key, t) in &trials {
        let Some(e) = evaluation_of.get(key) else {
            continue;
        };
        let named: Vec<Challenge> = [
            (Challenge::Concept, e.challenge_concept),
            (Challenge::Awareness, e.challenge_awareness),
            (Challenge::Time, e.challenge_time),
        ]
        .into_iter()
        .filter(|(_, flag)| *flag != 0)
        .map(|(c, _)| c)
        .collect();
        for c in &named {
            if let Some(s) = challenges.iter_mut().find(|s| s.key == c.as_str()) {
                s.count += 1;
            }
        }
        if !e.challenges_text.trim().is_empty() {
            challenge_statements.push(Statement {
                number: t.number,
                title: t.title.clone(),
                text: e.challenges_text.trim().to_string(),
            });
        }
        let advice_text = [e.advice_text.trim(), e.recommendation_text.trim()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("\n");
        if !advice_text.is_empty() {
            advice.push(Statement {
                number: t.number,
                title: t.title.clone(),
                text: advice_text,
            });
        }
        summaries.push(EvaluationSummary {
            number: t.number,
            title: t.title.clone(),
            hospital: t.hospital.clone(),
            purposes_met: label_or_not_stated(
                e.purposes_met.as_deref(),
                PurposesMet::parse,
                PurposesMet::label_da,
            ),
            purposes_text: e.purposes_text.clone(),
            gained_text: e.gained_text.clone(),
            effect_text: e.effect_text.clone(),
            development_percent: e.development_percent,
            time_text: e.time_text.clone(),
            career_track: label_or_not_stated(
                e.career_track.as_deref(),
                CareerTrack::parse,
                CareerTrack::label_da,
            ),
            trial_type: label_or_not_stated(
                e.trial_type.as_deref(),
                TrialType::parse,
                TrialType::label_da,
            ),
            challenges: named.iter().map(|c| c.label_da().to_string()).collect(),
            challenges_text: e.challenges_text.clone(),
            recommendation: label_or_not_stated(
                e.recommendation.as_deref(),
                Recommendation::parse,
                Recommendation::label_da,
            ),
            recommendation_text: e.recommendation_text.clone(),
            advice_text: e.advice_text.clone(),
        });
    }

    // Organisation, rounds, tiers.
    let rounds = programmes::rounds(conn, Some(programme_id), Some(region_code))
        .await?
        .into_iter()
        .map(|r| RoundSummary {
            trials: pulje
                .iter()
                .filter(|a| a.round_id == Some(i64::from(r.id)))
                .count() as i64,
            name: r.name,
            opens_on: r.opens_on,
            deadline: r.deadline,
        })
        .collect();
    let steering_group_meetings = crate::meetings::meetings(conn, programme_id, region_code)
        .await?
        .len() as i64;
    let mut members: Vec<MemberSummary> = crate::meetings::members(conn, programme_id, region_code)
        .await?
        .into_iter()
        .map(|m| MemberSummary {
            body: m.body,
            name: m.name,
            title: m.title,
        })
        .collect();
    // The steering group first, as in the appendix on organisation.
    members.sort_by(|a, b| b.body.cmp(&a.body).then_with(|| a.name.cmp(&b.name)));
    let tiers = programmes::tiers(conn, programme_id, Some(region_code))
        .await?
        .into_iter()
        .map(|t| TierSummary {
            trials: pulje
                .iter()
                .filter(|a| a.granted_ore == Some(t.amount_ore))
                .count() as i64,
            name: t.name,
            amount_ore: t.amount_ore,
        })
        .collect();
    let economy = economy(conn, programme_id, region_code).await?;
    let texts = texts(conn, programme_id, region_code).await?;
    let exceptions = exceptions(conn, programme_id, region_code).await?;

    let trials: Vec<ReportTrial> = trials.into_iter().map(|(_, t)| t).collect();
    let evaluated = trials.iter().filter(|t| t.evaluation_attached).count() as i64;
    Ok(RegionalReport {
        programme_id: programme.id,
        programme_name: programme.name,
        region_code,
        region_name: region.name().to_string(),
        texts,
        rounds,
        steering_group_meetings,
        members,
        areas: areas
            .iter()
            .map(|a| (a.name.clone(), a.short_name.clone()))
            .collect(),
        tiers,
        trial_count: trials.len() as i64,
        doctors_involved: trials.iter().map(|t| t.doctor_count).sum(),
        evaluation_coverage: Coverage {
            evaluated,
            trials: trials.len() as i64,
        },
        trials,
        trials_by_hospital,
        trials_by_area,
        trials_by_track,
        trials_by_type,
        trials_by_recommendation,
        hospital_counts,
        area_counts,
        area_note,
        track_counts,
        type_counts,
        recommendation_counts,
        challenges,
        challenge_statements,
        advice,
        evaluations: summaries,
        economy_total: EconomyTotal::of(&economy)?,
        economy,
        exceptions,
    })
}

/// One region in the national view.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NationalRegion {
    #[cfg_attr(feature = "openapi", schema(value_type = i64, minimum = 1081, maximum = 1085))]
    pub region_code: RegionCode,
    pub region_name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub allocated_ore: Ore,
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub committed_ore: Ore,
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub paid_ore: Ore,
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub unused_ore: Ore,
    pub trials: i64,
    pub doctors_involved: i64,
    pub evaluation_coverage: Coverage,
    pub trials_by_hospital: BTreeMap<String, i64>,
    pub trials_by_area: BTreeMap<String, i64>,
    /// National priority area (or [`NOT_PLACED_DA`], or "Ikke oplyst") → trials, where the
    /// programme has national areas.
    pub trials_by_national_area: BTreeMap<String, i64>,
    pub trials_by_track: BTreeMap<String, i64>,
    pub trials_by_type: BTreeMap<String, i64>,
    pub economy: Vec<TrancheEconomy>,
}

/// A region's area with trials that is not yet placed under a national priority area.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnplacedArea {
    #[cfg_attr(feature = "openapi", schema(value_type = i64, minimum = 1081, maximum = 1085))]
    pub region_code: RegionCode,
    pub region_name: String,
    pub area: String,
    pub trials: i64,
}

/// The row of the national area table for trials whose area is not placed.
pub const NOT_PLACED_DA: &str = "Ikke placeret under et nationalt område";

/// The five regions side by side.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NationalReport {
    pub programme_id: String,
    pub programme_name: String,
    pub regions: Vec<NationalRegion>,
    /// The sums over the regions.
    pub total: NationalTotal,
    /// Every area name any region used, in first-seen order (the rows of the area table).
    pub areas: Vec<String>,
    /// The programme's national priority areas, then [`NOT_PLACED_DA`] and "Ikke oplyst" (the
    /// rows of the national area table); empty where the programme has none.
    pub national_areas: Vec<String>,
    /// Areas with trials that no administrator has placed under a national area yet.
    pub unplaced_areas: Vec<UnplacedArea>,
    /// Career track keys and labels, "not stated" last.
    pub tracks: Vec<Count>,
    /// Trial type keys and labels, "not stated" last.
    pub types: Vec<Count>,
}

#[derive(Debug, Clone, Copy, Serialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NationalTotal {
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub allocated_ore: Ore,
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub committed_ore: Ore,
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub paid_ore: Ore,
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub unused_ore: Ore,
    pub trials: i64,
    pub doctors_involved: i64,
    pub evaluation_coverage: Coverage,
}

/// Computes the national view of a programme from each region's report.
pub async fn national(conn: &mut AnyConnection, programme_id: &str) -> Result<NationalReport> {
    let mut regions = Vec::new();
    let mut total = NationalTotal::default();
    let mut areas: Vec<String> = Vec::new();
    let national = crate::reference::national_areas(programme_id);
    let mut unplaced_areas = Vec::new();
    let mut name = String::new();
    for r in RegionCode::all() {
        let report = regional(conn, programme_id, r).await?;
        name = report.programme_name.clone();
        for a in report
            .area_counts
            .iter()
            .filter(|c| c.count > 0 || c.key != NOT_STATED_DA)
        {
            if !areas.contains(&a.key) {
                areas.push(a.key.clone());
            }
        }
        let e = report.economy_total;
        let sum = EconomyTotal {
            allocated_ore: total.allocated_ore,
            committed_ore: total.committed_ore,
            paid_ore: total.paid_ore,
            unused_ore: total.unused_ore,
        }
        .checked_add(e)
        .ok_or_else(money_overflow)?;
        total.allocated_ore = sum.allocated_ore;
        total.committed_ore = sum.committed_ore;
        total.paid_ore = sum.paid_ore;
        total.unused_ore = sum.unused_ore;
        total.trials += report.trial_count;
        total.doctors_involved += report.doctors_involved;
        let mut trials_by_national_area = BTreeMap::new();
        if !national.is_empty() {
            let placed: HashMap<String, Option<&'static str>> =
                programmes::areas(conn, programme_id, Some(r))
                    .await?
                    .iter()
                    .map(|a| (a.name.clone(), a.national()))
                    .collect();
            for c in report.area_counts.iter().filter(|c| c.count > 0) {
                let row = if c.key == NOT_STATED_DA {
                    NOT_STATED_DA
                } else if let Some(Some(n)) = placed.get(&c.key) {
                    n
                } else {
                    unplaced_areas.push(UnplacedArea {
                        region_code: r,
                        region_name: report.region_name.clone(),
                        area: c.label.clone(),
                        trials: c.count,
                    });
                    NOT_PLACED_DA
                };
                *trials_by_national_area.entry(row.to_string()).or_default() += c.count;
            }
        }
        total.evaluation_coverage.evaluated += report.evaluation_coverage.evaluated;
        total.evaluation_coverage.trials += report.evaluation_coverage.trials;
        regions.push(NationalRegion {
            region_code: report.region_code,
            region_name: report.region_name,
            allocated_ore: e.allocated_ore,
            committed_ore: e.committed_ore,
            paid_ore: e.paid_ore,
            unused_ore: e.unused_ore,
            trials: report.trial_count,
            doctors_involved: report.doctors_involved,
            evaluation_coverage: report.evaluation_coverage,
            trials_by_hospital: report.trials_by_hospital,
            trials_by_area: report.trials_by_area,
            trials_by_national_area,
            trials_by_track: report.trials_by_track,
            trials_by_type: report.trials_by_type,
            economy: report.economy,
        });
    }
    // "Ikke oplyst" last.
    areas.retain(|a| a != NOT_STATED_DA);
    areas.push(NOT_STATED_DA.into());
    let to_counts = |v: Vec<(String, String)>| {
        v.into_iter()
            .map(|(key, label)| Count {
                key,
                label,
                count: 0,
            })
            .collect()
    };
    Ok(NationalReport {
        programme_id: programme_id.to_string(),
        programme_name: name,
        regions,
        total,
        areas,
        national_areas: if national.is_empty() {
            Vec::new()
        } else {
            national
                .iter()
                .map(|n| n.to_string())
                .chain([NOT_PLACED_DA.to_string(), NOT_STATED_DA.to_string()])
                .collect()
        },
        unplaced_areas,
        tracks: to_counts(vocabulary(
            CareerTrack::ALL,
            CareerTrack::as_str,
            CareerTrack::label_da,
        )),
        types: to_counts(vocabulary(
            TrialType::ALL,
            TrialType::as_str,
            TrialType::label_da,
        )),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn department_drops_the_hospital_name() {
        assert_eq!(
            department_of(
                "Aarhus Universitetshospital",
                "Aarhus Universitetshospital, Akutafdelingen"
            ),
            "Akutafdelingen"
        );
        assert_eq!(
            department_of("", "Medicinsk afdeling"),
            "Medicinsk afdeling"
        );
        assert_eq!(
            department_of("Aarhus Universitetshospital", "Aarhus Universitetshospital"),
            "Aarhus Universitetshospital"
        );
    }

    #[test]
    fn counts_keep_the_order_and_every_known_key() {
        let order = vec![("a".to_string(), "A".to_string()), ("b".into(), "B".into())];
        let (map, list) = counts_of(["b", "c", "b"].into_iter(), &order);
        assert_eq!(map.get("a"), Some(&0));
        assert_eq!(map.get("b"), Some(&2));
        assert_eq!(map.get("c"), Some(&1));
        assert_eq!(
            list.iter()
                .map(|c| (c.key.as_str(), c.count))
                .collect::<Vec<_>>(),
            vec![("a", 0), ("b", 2), ("c", 1)]
        );
    }

    #[test]
    fn every_section_has_a_heading() {
        for (id, heading, _) in SECTIONS {
            assert_eq!(section_heading(id), Some(heading));
        }
        assert_eq!(section_heading("nonsense"), None);
    }
}
