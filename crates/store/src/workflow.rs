//! Taking a step on an application's path: the checks that need the database, the effects
//! (round, decision, signatures, committed months, termination), the audit entry and the
//! notifications, all in the caller's transaction.

use crate::applications::{self, Application};
use crate::audit::{self, Actor};
use crate::outbox::{self, Draft};
use crate::signing::{self, Authentication};
use crate::users::User;
use crate::{money, now_utc, programmes, Result, StoreError, Tx};
use chrono::NaiveDate;
use pulje_domain::exceptions::{self, Exception, TrancheSpan};
use pulje_domain::mail::{self, Values};
use pulje_domain::workflow::{self, Action, Party, Refusal};
use pulje_domain::{ApplicationId, ApplicationStatus, CommentId, MeetingId, Ore, Role};
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, FromRow};

/// A step and what it needs.
#[derive(Debug, Clone)]
pub struct Step {
    pub action: Action,
    /// `approve`: the annual supplement granted, one of the pool's tiers.
    pub tier_ore: Option<Ore>,
    /// `approve`: why the deciding body approves although the approval over-commits a tranche
    /// or breaks the time rules (`pulje_domain::exceptions`).
    pub exception_reason: String,
    /// `reject`: why; `return`: the comment to the applicant.
    pub reason: String,
    /// `terminate`: the new end date.
    pub end_date: Option<NaiveDate>,
    /// `approve`/`reject`: the steering group meeting that decided.
    pub meeting_id: Option<MeetingId>,
    /// `sign`: the signer ticked that they have read the agreement and sign it in their
    /// capacity.
    pub confirmed: bool,
    /// `sign`: the fingerprint of the agreement the signer was shown; empty when not known
    /// (then the agreement as it stands is signed).
    pub fingerprint: String,
    /// `sign`: how the signer authenticated.
    pub authenticated_by: Authentication,
}

impl Step {
    pub fn new(action: Action) -> Step {
        Step {
            action,
            tier_ore: None,
            exception_reason: String::new(),
            reason: String::new(),
            end_date: None,
            meeting_id: None,
            confirmed: false,
            fingerprint: String::new(),
            authenticated_by: Authentication::Password,
        }
    }

    /// A signature with its confirmation ticked, of the agreement as it stands.
    pub fn sign(authenticated_by: Authentication) -> Step {
        Step {
            confirmed: true,
            authenticated_by,
            ..Step::new(Action::Sign)
        }
    }
}

fn refusal(r: Refusal) -> StoreError {
    match r {
        Refusal::WrongRole(m) => StoreError::Forbidden(m),
        Refusal::WrongState(m) => StoreError::Conflict(m),
    }
}

/// Whether `user` may take `action` on `app` as it stands (role, status, and who: the creator
/// submits and withdraws), without the checks that need more data (who is bound to sign for
/// a party: [`sign`]). The status the step leads to, or the refusal. [`take`] asks this first; a
/// page asks it to offer only the steps the user can take.
pub fn allowed(user: &User, app: &Application, action: Action) -> Result<ApplicationStatus> {
    let next = workflow::check(action, app.status, user.role).map_err(refusal)?;
    if matches!(action, Action::Submit | Action::Withdraw)
        && matches!(user.role, Role::Applicant | Role::Leader)
        && !app.is_own(user.id)
    {
        return Err(StoreError::Forbidden(
            "Kun den, der har oprettet ansøgningen, kan sende eller trække den tilbage.".into(),
        ));
    }
    if action == Action::Sign && Party::for_role(user.role).is_none() {
        return Err(StoreError::Forbidden(
            "Din rolle underskriver ikke aftaler.".into(),
        ));
    }
    Ok(next)
}

/// Takes `step` on application `id` as `user`, whose region the caller has checked. Returns the
/// application after the step.
pub async fn take(
    tx: &mut Tx<'_>,
    user: &User,
    id: ApplicationId,
    step: &Step,
    today: NaiveDate,
) -> Result<Application> {
    let actor = Actor::user(user.id, &user.email);
    // Steps on one application queue behind each other: a no-op write takes its row lock on
    // PostgreSQL (SQLite's BEGIN IMMEDIATE already serialises writers), so two last signatures
    // at the same moment see each other.
    sqlx::query("UPDATE applications SET version = version WHERE id = $1")
        .bind(id.get())
        .execute(&mut **tx)
        .await?;
    let before = applications::get(tx, id)
        .await?
        .ok_or(StoreError::NotFound)?;
    let mut next = allowed(user, &before, step.action)?;
    let mut round_id = None;
    let mut late = false;
    match step.action {
        Action::Submit => {
            let missing = before.data.missing_for_submission();
            if !missing.is_empty() {
                let list: Vec<String> = missing.iter().flat_map(|(_, m)| m.to_vec()).collect();
                return Err(StoreError::Refused(format!(
                    "Ansøgningen kan ikke sendes endnu. Mangler: {}",
                    list.join(" ")
                )));
            }
            (round_id, late) = round_for(tx, &before, today).await?;
        }
        Action::Return => {
            if step.reason.trim().is_empty() {
                return Err(StoreError::Refused(
                    "Skriv en kommentar til ansøgeren om, hvad der skal rettes.".into(),
                ));
            }
        }
        Action::Reject => {
            if step.reason.trim().is_empty() {
                return Err(StoreError::Refused(
                    "Skriv begrundelsen for afslaget.".into(),
                ));
            }
            // Rejecting an amendment restores the earlier version, which stays in force.
            if let Some(earlier) = crate::amendments::rejected(tx, id).await? {
                next = earlier;
            }
        }
        Action::Approve => {
            approve(tx, &before, step, today).await?;
            crate::amendments::approved(tx, &actor, id).await?;
        }
        Action::Sign => next = sign(tx, user, &before, step, today).await?,
        Action::Terminate => terminate(tx, &before, step).await?,
        Action::Forward | Action::Withdraw => {}
    }

    let changed = sqlx::query(
        "UPDATE applications SET status = $1, version = version + 1, updated_at = $2, \
           round_id = CASE WHEN $5 = 1 THEN $3 ELSE round_id END, late = CASE WHEN $5 = 1 THEN $4 ELSE late END, \
           submitted_at = CASE WHEN $5 = 1 THEN $2 ELSE submitted_at END \
         WHERE id = $6 AND status = $7",
    )
    .bind(next.as_str())
    .bind(now_utc())
    .bind(round_id)
    .bind(i64::from(late))
    .bind(i64::from(step.action == Action::Submit))
    .bind(id.get())
    .bind(before.status.as_str())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if changed != 1 {
        return Err(StoreError::Stale);
    }
    if !step.reason.trim().is_empty()
        && matches!(
            step.action,
            Action::Return
                | Action::Forward
                | Action::Reject
                | Action::Withdraw
                | Action::Terminate
        )
    {
        // A step's comment (a return's or a rejection's reason) is for the applicant: never internal.
        add_comment(
            tx,
            user,
            id,
            step.action.as_str(),
            step.reason.trim(),
            false,
        )
        .await?;
    }
    if matches!(step.action, Action::Approve | Action::Reject) {
        record_decision(tx, user, &before, step).await?;
    }
    let after = applications::get(tx, id)
        .await?
        .ok_or(StoreError::NotFound)?;
    audit::step(tx, &actor, step.action.as_str(), Some(&before), &after).await?;
    notify(tx, &after, step, next).await?;
    Ok(after)
}

/// The round a submission belongs to: the one open today; else the next to open (early); else
/// the last that closed (late). No rounds: none, never late.
async fn round_for(
    conn: &mut AnyConnection,
    app: &Application,
    today: NaiveDate,
) -> Result<(Option<i64>, bool)> {
    let rounds = programmes::rounds(conn, Some(&app.programme_id), Some(app.region_code)).await?;
    if let Some(open) = rounds
        .iter()
        .find(|r| r.opens_on <= today && today <= r.deadline)
    {
        return Ok((Some(i64::from(open.id)), false));
    }
    if let Some(next) = rounds
        .iter()
        .filter(|r| r.opens_on > today)
        .min_by_key(|r| r.opens_on)
    {
        return Ok((Some(i64::from(next.id)), false));
    }
    Ok(
        match rounds
            .iter()
            .filter(|r| r.deadline < today)
            .max_by_key(|r| r.deadline)
        {
            Some(last) => (Some(i64::from(last.id)), true),
            None => (None, false),
        },
    )
}

async fn approve(tx: &mut Tx<'_>, app: &Application, step: &Step, today: NaiveDate) -> Result<()> {
    let Some(tier_ore) = step.tier_ore else {
        return Err(StoreError::Refused(
            "Vælg det tillæg, styregruppen bevilger (tier_ore).".into(),
        ));
    };
    let tiers = programmes::tiers(tx, &app.programme_id, Some(app.region_code)).await?;
    if !tiers.iter().any(|t| t.amount_ore == tier_ore) {
        let names: Vec<String> = tiers.iter().map(|t| t.amount_ore.to_kr_string()).collect();
        return Err(StoreError::Refused(format!(
            "Tillægget {} er ikke et af puljens trin ({}).",
            tier_ore.to_kr_string(),
            if names.is_empty() {
                "regionen har ingen trin".to_string()
            } else {
                names.join(", ")
            }
        )));
    }
    money::lock_pools(tx, app.region_code).await?;
    let months = money::schedule(tx, app, tier_ore).await?;
    let over = money::overcommits(tx, app, &months).await?;
    let exceptions = time_exceptions(tx, app, &months, step.meeting_id, today).await?;
    let reason = step.exception_reason.trim();
    if (!over.is_empty() || !exceptions.is_empty()) && reason.is_empty() {
        let lines: Vec<String> = over
            .iter()
            .map(|o| o.message())
            .chain(exceptions.iter().map(Exception::message_da))
            .collect();
        return Err(StoreError::Conflict(format!(
            "{} {} Angiv styregruppens begrundelse for at godkende alligevel (exception_reason).",
            if over.is_empty() {
                "Godkendelsen er en undtagelse fra programmets tidsregler."
            } else {
                "Godkendelsen vil overskride puljen."
            },
            lines.join(" ")
        )));
    }
    money::write_schedule(tx, app, &months).await?;
    let exceptional = !over.is_empty() || !exceptions.is_empty();
    let noted: Vec<String> = over
        .iter()
        .map(|o| o.message())
        .chain(exceptions.iter().map(Exception::message_da))
        .collect();
    sqlx::query(
        "UPDATE applications SET granted_ore = $1, exception_reason = $2, exceptions = $3 WHERE id = $4",
    )
    .bind(tier_ore.ore())
    .bind(if exceptional { reason } else { "" })
    .bind(noted.join("\n"))
    .bind(app.id.get())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// How the approval of `app` with `months`, decided at `meeting` (or `today` without one),
/// breaks the programme's time rules.
pub async fn time_exceptions(
    conn: &mut AnyConnection,
    app: &Application,
    months: &[pulje_domain::cost::MonthlyAmount],
    meeting: Option<MeetingId>,
    today: NaiveDate,
) -> Result<Vec<Exception>> {
    let Some(start) = app.data.start_date() else {
        return Ok(Vec::new());
    };
    let decided = match meeting {
        Some(meeting) => {
            let held: Option<(String, i64)> =
                sqlx::query_as("SELECT held_on, region_code FROM meetings WHERE id = $1")
                    .bind(meeting.get())
                    .fetch_optional(&mut *conn)
                    .await?;
            match held {
                Some((day, region)) if region == app.region_code.get() => {
                    crate::date_of(Some(day)).unwrap_or(today)
                }
                _ => return Err(StoreError::Refused("Mødet findes ikke i regionen.".into())),
            }
        }
        None => today,
    };
    let already: Vec<NaiveDate> = money::agreement_months(conn, app.id)
        .await?
        .into_iter()
        .filter_map(|(month, _)| crate::date_of(Some(month)))
        .collect();
    let tranches: Vec<TrancheSpan> = programmes::tranches(conn, &app.programme_id)
        .await?
        .into_iter()
        .map(|t| TrancheSpan {
            name: t.name,
            start: t.period_start,
            end: t.period_end,
        })
        .collect();
    Ok(exceptions::of_approval(
        start, months, &already, &tranches, decided,
    ))
}

/// The time rules an approval of `app` with its requested supplement would break if decided
/// `today`, as Danish sentences: what the decision form warns of before the steering group
/// decides. Empty when the application has no dates or supplement yet.
pub async fn approval_warnings(
    conn: &mut AnyConnection,
    app: &Application,
    today: NaiveDate,
) -> Result<Vec<String>> {
    let Some(tier) = app.data.supplement_ore() else {
        return Ok(Vec::new());
    };
    let Ok(months) = money::schedule(conn, app, tier).await else {
        return Ok(Vec::new());
    };
    Ok(time_exceptions(conn, app, &months, None, today)
        .await?
        .iter()
        .map(Exception::message_da)
        .collect())
}

async fn record_decision(
    tx: &mut Tx<'_>,
    user: &User,
    app: &Application,
    step: &Step,
) -> Result<()> {
    if let Some(meeting) = step.meeting_id {
        let region: Option<i64> =
            sqlx::query_scalar("SELECT region_code FROM meetings WHERE id = $1")
                .bind(meeting.get())
                .fetch_optional(&mut **tx)
                .await?;
        if region != Some(app.region_code.get()) {
            return Err(StoreError::Refused("Mødet findes ikke i regionen.".into()));
        }
    }
    let (kind, reason) = match step.action {
        Action::Approve => ("approve", step.exception_reason.trim()),
        _ => ("reject", step.reason.trim()),
    };
    sqlx::query("INSERT INTO decisions (application_id, meeting_id, kind, tier_ore, reason, user_id, at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(app.id.get())
        .bind(step.meeting_id.map(MeetingId::get))
        .bind(kind)
        .bind(if kind == "approve" { step.tier_ore.map(Ore::ore) } else { None })
        .bind(reason)
        .bind(user.id.get())
        .bind(now_utc())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Records the user's signature for the party their account is bound to, with what they signed
/// (the agreement's version and fingerprint) and how they authenticated. Signatures of an
/// earlier content are cleared first. The status becomes active, and the agreement is sealed
/// with a verification code, when all four parties have signed.
async fn sign(
    tx: &mut Tx<'_>,
    user: &User,
    app: &Application,
    step: &Step,
    today: NaiveDate,
) -> Result<ApplicationStatus> {
    let party = Party::for_role(user.role)
        .ok_or_else(|| StoreError::Forbidden("Din rolle underskriver ikke aftaler.".into()))?;
    match signing::bound_to(tx, app.id, party).await? {
        Some(bound) if bound == user.id => {}
        Some(_) => {
            return Err(StoreError::Forbidden(format!(
                "Du kan ikke underskrive som «{}»: regionens administrator har udpeget en anden person til at underskrive for denne part.",
                party.label_da()
            )))
        }
        None => {
            return Err(StoreError::Forbidden(format!(
                "Du kan ikke underskrive som «{}» endnu: regionens administrator har ikke udpeget, hvem der underskriver for denne part.",
                party.label_da()
            )))
        }
    }
    if !step.confirmed {
        return Err(StoreError::Refused(
            "Sæt kryds ved «Jeg har læst aftalen og underskriver den» for at underskrive (confirm).".into(),
        ));
    }
    let fingerprint = signing::fingerprint(app);
    if !step.fingerprint.trim().is_empty() && step.fingerprint.trim() != fingerprint {
        return Err(StoreError::Conflict(
            "Aftalen er ændret, siden du åbnede den. Læs den nye udgave, og underskriv igen."
                .into(),
        ));
    }
    signing::clear_outdated(tx, &Actor::user(user.id, &user.email), app).await?;
    let mut signed = signed_parties(tx, app.id).await?;
    if signed.contains(&party) {
        return Err(StoreError::Conflict(format!(
            "Aftalen er allerede underskrevet af «{}».",
            party.label_da()
        )));
    }
    let version = signing::agreement_version(tx, app.id).await?;
    sqlx::query("INSERT INTO signatures (application_id, party, user_id, signer_name, signed_at, agreement_version, fingerprint, authenticated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(app.id.get())
        .bind(party.as_str())
        .bind(user.id.get())
        .bind(&user.name)
        .bind(now_utc())
        .bind(version)
        .bind(&fingerprint)
        .bind(step.authenticated_by.stored())
        .execute(&mut **tx)
        .await?;
    signed.push(party);
    let next = workflow::after_signature(&signed);
    if next == ApplicationStatus::Active {
        signing::seal(tx, app, &fingerprint).await?;
        // The first activation counts: an amendment signed later does not move it.
        sqlx::query(
            "UPDATE applications SET activated_on = $1 WHERE id = $2 AND activated_on IS NULL",
        )
        .bind(today.to_string())
        .bind(app.id.get())
        .execute(&mut **tx)
        .await?;
    }
    Ok(next)
}

async fn terminate(tx: &mut Tx<'_>, app: &Application, step: &Step) -> Result<()> {
    let Some(new_end) = step.end_date else {
        return Err(StoreError::Refused(
            "Angiv den nye slutdato (end_date).".into(),
        ));
    };
    let (Some(start), Some(end)) = (app.data.start_date(), app.data.end_date()) else {
        return Err(StoreError::Refused(
            "Aftalen mangler start- eller slutdato.".into(),
        ));
    };
    if new_end < start || new_end >= end {
        return Err(StoreError::Refused(format!(
            "Den nye slutdato skal ligge fra {} og før den nuværende slutdato {}.",
            pulje_domain::date::format_date_da(start),
            pulje_domain::date::format_date_da(end)
        )));
    }
    let tier = app
        .granted_ore
        .or(app.data.supplement_ore())
        .unwrap_or_default();
    let mut shortened = app.clone();
    shortened.data = app.data.ending_on(new_end);
    let months = if new_end > start {
        money::schedule(tx, &shortened, tier).await?
    } else {
        let settings = programmes::region_settings(tx, &app.programme_id, app.region_code).await?;
        let basis = pulje_domain::cost::CostBasis {
            annual: tier,
            receivers: money::receivers(app),
            oncost_basis_points: u32::try_from(settings.oncost_basis_points).unwrap_or(0),
        };
        pulje_domain::cost::monthly_amounts(&pulje_domain::Period::single_day(start), &basis)
    };
    money::write_schedule(tx, app, &months).await?;
    sqlx::query("UPDATE applications SET end_date = $1, terminated_on = $1 WHERE id = $2")
        .bind(new_end.to_string())
        .bind(app.id.get())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn notify(
    tx: &mut Tx<'_>,
    app: &Application,
    step: &Step,
    next: ApplicationStatus,
) -> Result<()> {
    let region = app.region_code;
    let title = &app.data.title();
    let link = format!("/applications/{}", app.id);
    let mut applicant = outbox::address_of(tx, app.created_by).await?;
    if app.doctor_user_id != app.created_by {
        applicant.extend(outbox::address_of(tx, app.doctor_user_id).await?);
    }
    let notice = |event: &'static mail::Event, values: Values| outbox::Notice {
        region_code: region,
        programme_id: &app.programme_id,
        application_id: app.id,
        event,
        values: values
            .with("titel", title.to_string())
            .with("link", link.clone()),
    };
    match step.action {
        Action::Submit => {
            outbox::notify(tx, &applicant, &notice(&mail::RECEIPT, Values::new())).await?;
            let group = outbox::addresses_of(tx, region, Role::WorkingGroup).await?;
            outbox::notify(tx, &group, &notice(&mail::SUBMITTED, Values::new())).await?;
        }
        Action::Return => {
            let values = Values::new().with("begrundelse", step.reason.trim());
            outbox::notify(tx, &applicant, &notice(&mail::RETURNED, values)).await?;
        }
        Action::Forward => {
            let group = outbox::addresses_of(tx, region, Role::SteeringGroup).await?;
            outbox::notify(tx, &group, &notice(&mail::FORWARDED, Values::new())).await?;
        }
        Action::Approve | Action::Reject => {
            let mut to = applicant.clone();
            to.extend(outbox::addresses_of(tx, region, Role::Leader).await?);
            let approved = step.action == Action::Approve;
            let reason = step.reason.trim();
            let values = Values::new()
                .with("afgørelse", if approved { "godkendt" } else { "afslået" })
                .with(
                    "trin",
                    match step.tier_ore {
                        Some(tier) if approved => tier.to_kr_string(),
                        _ => "intet (afslag)".to_string(),
                    },
                )
                .with(
                    "begrundelse",
                    if reason.is_empty() {
                        "ingen angivet"
                    } else {
                        reason
                    },
                );
            outbox::notify(tx, &to, &notice(&mail::DECISION, values)).await?;
        }
        Action::Sign if next == ApplicationStatus::Active => {
            outbox::notify(tx, &applicant, &notice(&mail::ACTIVE, Values::new())).await?;
        }
        Action::Sign => {}
        Action::Withdraw | Action::Terminate => {
            let draft = Draft {
                region_code: Some(region),
                application_id: Some(app.id),
                event: step.action.as_str(),
                subject: format!(
                    "{}: {title}",
                    if step.action == Action::Withdraw {
                        "Ansøgningen er trukket tilbage"
                    } else {
                        "Aftalen er afsluttet før tid"
                    }
                ),
                body: format!("«{title}» har nu status «{}».\n\n{link}", next.label_da()),
            };
            outbox::enqueue(tx, &applicant, &draft).await?;
        }
    }
    if step.action == Action::Approve
        || (step.action == Action::Sign && next == ApplicationStatus::AwaitingSignatures)
    {
        notify_signers(tx, app).await?;
    }
    Ok(())
}

/// Asks every party that has not signed yet to sign.
async fn notify_signers(tx: &mut Tx<'_>, app: &Application) -> Result<()> {
    for binding in signing::bindings(tx, app).await? {
        let Some(party) = binding.party().filter(|_| binding.signed_at.is_empty()) else {
            continue;
        };
        // The bound signer; before the binding, the one proposed, else the party's role.
        let recipients = match binding.user_id.or(binding.proposed_user_id) {
            Some(id) => outbox::address_of(tx, Some(id)).await?,
            None => outbox::addresses_of(tx, app.region_code, signing::role_of(party)).await?,
        };
        signing::ask_to_sign(tx, app, party, &recipients).await?;
    }
    Ok(())
}

pub async fn signed_parties(
    conn: &mut AnyConnection,
    application_id: ApplicationId,
) -> Result<Vec<Party>> {
    let rows: Vec<String> =
        sqlx::query_scalar("SELECT party FROM signatures WHERE application_id = $1")
            .bind(application_id.get())
            .fetch_all(conn)
            .await?;
    Ok(rows.iter().filter_map(|p| Party::parse(p)).collect())
}

/// A signature, for the agreement page.
#[derive(Debug, Clone, FromRow, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Signature {
    pub party: String,
    pub signer_name: String,
    pub signed_at: String,
}

/// One entry of an application's comment thread.
#[derive(Debug, Clone, FromRow, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Comment {
    #[sqlx(try_from = "i64")]
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub id: CommentId,
    pub author: String,
    pub kind: String,
    pub body: String,
    pub at: String,
    /// Internal to the working and steering groups and the administrators: never shown to the
    /// applicant, the leader or the union representative (`policy::sees_internal_comments`).
    #[sqlx(try_from = "i64")]
    #[serde(deserialize_with = "flag")]
    #[cfg_attr(feature = "openapi", schema(value_type = bool))]
    pub internal: Flag,
}

/// A 0/1 column as a truth value (SQLite and PostgreSQL both store flags as integers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(transparent)]
pub struct Flag(pub bool);

impl From<i64> for Flag {
    fn from(v: i64) -> Flag {
        Flag(v != 0)
    }
}

/// Reads a flag from JSON written by either backend: a number or a boolean.
fn flag<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Flag, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Bool(bool),
        Int(i64),
    }
    Ok(match Either::deserialize(d)? {
        Either::Bool(b) => Flag(b),
        Either::Int(i) => Flag(i != 0),
    })
}

pub async fn add_comment(
    tx: &mut Tx<'_>,
    user: &User,
    application_id: ApplicationId,
    kind: &str,
    body: &str,
    internal: bool,
) -> Result<()> {
    let body = body.trim();
    if body.is_empty() {
        return Err(StoreError::Refused("Kommentaren er tom.".into()));
    }
    if body.chars().count() > 10_000 {
        return Err(StoreError::Refused(
            "Kommentaren er for lang (højst 10.000 tegn).".into(),
        ));
    }
    sqlx::query("INSERT INTO comments (application_id, user_id, author, kind, body, at, internal) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(application_id.get())
        .bind(user.id.get())
        .bind(&user.name)
        .bind(kind)
        .bind(body)
        .bind(now_utc())
        .bind(i64::from(internal))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A comment in `app`'s thread by `user` ([`add_comment`], kind `comment`), audited with its
/// text (as `internal_comment` when it is internal). Who may mark a comment internal is the
/// caller's policy.
pub async fn comment(
    tx: &mut Tx<'_>,
    user: &User,
    app: &Application,
    text: &str,
    internal: bool,
) -> Result<()> {
    add_comment(tx, user, app.id, "comment", text, internal).await?;
    let actor = Actor::user(user.id, &user.email);
    let action = if internal {
        "internal_comment"
    } else {
        "comment"
    };
    audit::noted(tx, &actor, app, action, None, Some(&text.trim())).await
}

pub async fn comments(
    conn: &mut AnyConnection,
    application_id: ApplicationId,
) -> Result<Vec<Comment>> {
    Ok(sqlx::query_as::<_, Comment>(
        "SELECT id, author, kind, body, at, internal FROM comments WHERE application_id = $1 ORDER BY id",
    )
    .bind(application_id.get())
    .fetch_all(conn)
    .await?)
}

/// Ends the active agreements whose end date has passed (run daily by the background loop).
/// Returns how many were ended.
pub async fn end_expired(tx: &mut Tx<'_>, today: NaiveDate) -> Result<usize> {
    let ids: Vec<ApplicationId> = sqlx::query_scalar::<_, i64>(
        "SELECT id FROM applications WHERE status = 'active' AND end_date < $1 ORDER BY id",
    )
    .bind(today.to_string())
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(ApplicationId::new)
    .collect();
    let actor = Actor::system("system");
    let mut ended = 0;
    for id in &ids {
        let before = applications::get(tx, *id)
            .await?
            .ok_or(StoreError::NotFound)?;
        // Guarded by the status: when another instance ends the same agreement at the same time
        // (PostgreSQL; SQLite's writers take turns), only one of them changes the row, and only
        // that one records the ending.
        let changed = sqlx::query("UPDATE applications SET status = 'ended', version = version + 1, updated_at = $1 WHERE id = $2 AND status = 'active'")
            .bind(now_utc())
            .bind(id.get())
            .execute(&mut **tx)
            .await?
            .rows_affected();
        if changed == 0 {
            continue;
        }
        ended += 1;
        let after = applications::get(tx, *id)
            .await?
            .ok_or(StoreError::NotFound)?;
        audit::step(tx, &actor, "ended", Some(&before), &after).await?;
    }
    Ok(ended)
}
