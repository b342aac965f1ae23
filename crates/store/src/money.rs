//! The pool's money: the monthly schedule of approved agreements (commitments), each tranche's
//! committed, paid and remaining amounts, and the postings payroll pays.

use crate::applications::Application;
use crate::audit::{self, Actor};
use crate::programmes::{self, Tranche};
use crate::{now_utc, Result, StoreError, Tx};
use chrono::NaiveDate;
use pulje_domain::cost::{self, CostBasis, MonthlyAmount};
use pulje_domain::{ApplicationId, Ore, Period, RegionCode, TrancheId};
use serde::Serialize;
use sqlx::AnyConnection;

/// How many participants receive the supplement; the responsible afdelingslæge when none is marked.
pub fn receivers(app: &Application) -> u32 {
    let n = app
        .data
        .participants()
        .iter()
        .filter(|p| p.receives_supplement)
        .count() as u32;
    n.max(1)
}

/// The monthly amounts an agreement costs with the given annual tier.
pub async fn schedule(
    conn: &mut AnyConnection,
    app: &Application,
    tier: Ore,
) -> Result<Vec<MonthlyAmount>> {
    let (Some(start), Some(end)) = (app.data.start_date(), app.data.end_date()) else {
        return Err(StoreError::Refused(
            "Forsøget mangler start- eller slutdato.".into(),
        ));
    };
    let period = Period::new(start, end)
        .ok_or_else(|| StoreError::Refused("Slutdatoen skal ligge efter startdatoen.".into()))?;
    let settings = programmes::region_settings(conn, &app.programme_id, app.region_code).await?;
    let basis = CostBasis {
        annual: tier,
        receivers: receivers(app),
        oncost_basis_points: u32::try_from(settings.oncost_basis_points).unwrap_or(0),
    };
    Ok(cost::monthly_amounts(&period, &basis))
}

fn month_key(m: &MonthlyAmount) -> String {
    m.first_day().format("%Y-%m-%d").to_string()
}

/// Replaces an agreement's committed months, keeping `pool_months` in step (the old months are
/// taken off, the new ones added, each as an atomic increment).
pub async fn write_schedule(
    tx: &mut Tx<'_>,
    app: &Application,
    months: &[MonthlyAmount],
) -> Result<()> {
    let old = agreement_months(tx, app.id).await?;
    for (month, amount) in &old {
        add_committed(tx, app, month, amount.checked_neg().ok_or_else(overflow)?).await?;
    }
    sqlx::query("DELETE FROM agreement_months WHERE application_id = $1")
        .bind(app.id.get())
        .execute(&mut **tx)
        .await?;
    for m in months {
        sqlx::query(
            "INSERT INTO agreement_months (application_id, programme_id, region_code, month, amount_ore) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(app.id.get())
        .bind(&app.programme_id)
        .bind(app.region_code.get())
        .bind(month_key(m))
        .bind(m.amount.ore())
        .execute(&mut **tx)
        .await?;
        add_committed(tx, app, &month_key(m), m.amount).await?;
    }
    Ok(())
}

/// The error of a sum of money too large for 64 bits, which no real pool reaches.
fn overflow() -> StoreError {
    StoreError::Other(anyhow::anyhow!("an amount of money overflowed"))
}

async fn add_committed(tx: &mut Tx<'_>, app: &Application, month: &str, amount: Ore) -> Result<()> {
    sqlx::query(
        "INSERT INTO pool_months (programme_id, region_code, month, committed_ore, paid_ore) VALUES ($1, $2, $3, $4, 0) \
         ON CONFLICT (programme_id, region_code, month) DO UPDATE SET committed_ore = pool_months.committed_ore + excluded.committed_ore",
    )
    .bind(&app.programme_id)
    .bind(app.region_code.get())
    .bind(month)
    .bind(amount.ore())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A tranche of a region's pool with its money.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PoolStatus {
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub tranche_id: TrancheId,
    /// The tranche's number in its programme (1, 2, …).
    pub tranche: i64,
    pub name: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub amount_ore: Ore,
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub committed_ore: Ore,
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub paid_ore: Ore,
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub remaining_ore: Ore,
}

/// A region's committed and paid amounts per month, from `pool_months`.
async fn pool_by_month(
    conn: &mut AnyConnection,
    programme_id: &str,
    region_code: RegionCode,
) -> Result<Vec<(String, Ore, Ore)>> {
    Ok(sqlx::query_as::<_, (String, i64, i64)>(
        "SELECT month, committed_ore, paid_ore FROM pool_months WHERE programme_id = $1 AND region_code = $2",
    )
    .bind(programme_id)
    .bind(region_code.get())
    .fetch_all(conn)
    .await?
    .into_iter()
    .map(|(month, committed, paid)| (month, Ore::from_ore(committed), Ore::from_ore(paid)))
    .collect())
}

/// The part of per-month sums that falls inside a tranche's period.
fn in_tranche(sums: &[(String, Ore)], t: &Tranche) -> Result<Ore> {
    let (from, to) = (t.period_start.to_string(), t.period_end.to_string());
    sums.iter()
        .filter(|(m, _)| *m >= from && *m <= to)
        .map(|(_, a)| *a)
        .sum::<Option<Ore>>()
        .ok_or_else(overflow)
}

/// Each tranche of a region's pool: amount, committed (approved agreements' months inside its
/// period), paid (postings) and remaining (amount − committed).
pub async fn pool_status(
    conn: &mut AnyConnection,
    programme_id: &str,
    region_code: RegionCode,
) -> Result<Vec<PoolStatus>> {
    let tranches = programmes::tranches(conn, programme_id).await?;
    let pools = programmes::pools(conn, programme_id, Some(region_code)).await?;
    let by_month = pool_by_month(conn, programme_id, region_code).await?;
    let committed_by_month: Vec<(String, Ore)> =
        by_month.iter().map(|(m, c, _)| (m.clone(), *c)).collect();
    let paid_by_month: Vec<(String, Ore)> =
        by_month.iter().map(|(m, _, p)| (m.clone(), *p)).collect();
    let mut out = Vec::new();
    for t in tranches {
        let amount = pools
            .iter()
            .find(|p| p.tranche_id == t.id)
            .map(|p| p.amount_ore)
            .unwrap_or(Ore::ZERO);
        let committed = in_tranche(&committed_by_month, &t)?;
        let paid = in_tranche(&paid_by_month, &t)?;
        out.push(PoolStatus {
            tranche_id: t.id,
            tranche: t.number,
            name: t.name.clone(),
            period_start: t.period_start,
            period_end: t.period_end,
            amount_ore: amount,
            committed_ore: committed,
            paid_ore: paid,
            remaining_ore: amount.checked_sub(committed).ok_or_else(overflow)?,
        });
    }
    Ok(out)
}

/// A tranche that an approval would over-commit.
#[derive(Debug, Clone)]
pub struct Overcommit {
    pub tranche: String,
    pub amount_ore: Ore,
    pub committed_ore: Ore,
    pub adding_ore: Ore,
}

impl Overcommit {
    /// By how much the pool would be exceeded: committed + adding − amount.
    pub fn excess(&self) -> Ore {
        self.committed_ore
            .checked_add(self.adding_ore)
            .and_then(|sum| sum.checked_sub(self.amount_ore))
            .unwrap_or(Ore::from_ore(i64::MAX))
    }

    /// A Danish sentence for the steering group.
    pub fn message(&self) -> String {
        format!(
            "{}: puljen er {}, allerede disponeret {}, denne aftale {} – overskridelse {}.",
            self.tranche,
            self.amount_ore.to_kr_string(),
            self.committed_ore.to_kr_string(),
            self.adding_ore.to_kr_string(),
            self.excess().to_kr_string()
        )
    }
}

/// The tranches that `months` of application `app` would push over their pool. Call inside the
/// approval's transaction after [`lock_pools`], so concurrent approvals see each other.
pub async fn overcommits(
    tx: &mut Tx<'_>,
    app: &Application,
    months: &[MonthlyAmount],
) -> Result<Vec<Overcommit>> {
    let tranches = programmes::tranches(tx, &app.programme_id).await?;
    let pools = programmes::pools(tx, &app.programme_id, Some(app.region_code)).await?;
    // The pool's commitments without this application's own months (an amendment replaces them).
    let own = agreement_months(tx, app.id).await?;
    let mut others: Vec<(String, Ore)> = Vec::new();
    for (m, c, _) in pool_by_month(tx, &app.programme_id, app.region_code).await? {
        let without_own = own
            .iter()
            .filter(|(o, _)| *o == m)
            .map(|(_, a)| *a)
            .sum::<Option<Ore>>()
            .and_then(|mine| c.checked_sub(mine))
            .ok_or_else(overflow)?;
        others.push((m, without_own));
    }
    let mut out = Vec::new();
    for t in tranches {
        let Some(window) = Period::new(t.period_start, t.period_end) else {
            continue;
        };
        let adding = cost::within(months, &window);
        if adding == Ore::ZERO {
            continue;
        }
        let amount = pools
            .iter()
            .find(|p| p.tranche_id == t.id)
            .map(|p| p.amount_ore)
            .unwrap_or(Ore::ZERO);
        let committed = in_tranche(&others, &t)?;
        if committed.checked_add(adding).ok_or_else(overflow)? > amount {
            out.push(Overcommit {
                tranche: t.name.clone(),
                amount_ore: amount,
                committed_ore: committed,
                adding_ore: adding,
            });
        }
    }
    Ok(out)
}

/// Serialises approvals of one region's pool: a no-op write to its pool rows, which PostgreSQL
/// row-locks until the transaction ends (SQLite's `BEGIN IMMEDIATE` already serialises writers).
pub async fn lock_pools(tx: &mut Tx<'_>, region_code: RegionCode) -> Result<()> {
    sqlx::query("UPDATE pools SET amount_ore = amount_ore WHERE region_code = $1")
        .bind(region_code.get())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A region's postings in a programme, audited as `postings` with the id `programme/region`.
struct PostingsOf<'a> {
    programme_id: &'a str,
    region_code: RegionCode,
}

impl audit::Audited for PostingsOf<'_> {
    const ENTITY: &'static str = "postings";
    fn audit_id(&self) -> String {
        format!("{}/{}", self.programme_id, self.region_code)
    }
    fn audit_region(&self) -> Option<RegionCode> {
        Some(self.region_code)
    }
}

/// Whether month `m` of agreement `a` may be paid: from the agreement's activation month on, or
/// earlier when the region has recorded why (back pay). An agreement activated before pulje
/// recorded activations has no activation day and is not held back.
const PAYABLE: &str = "(a.activated_on IS NULL OR a.backpay_reason <> '' \
     OR m.month >= substr(a.activated_on, 1, 8) || '01')";

/// An agreement whose months before its activation are held back from payroll until the
/// region records why they are paid (back pay).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeldBack {
    pub application_id: ApplicationId,
    pub title: String,
    pub activated_on: NaiveDate,
    /// How many months, and the amount, up to the date asked about.
    pub months: i64,
    pub amount: Ore,
}

/// The region's agreements with months up to `up_to` that are not posted because they lie
/// before the agreement's activation and no back-pay reason is recorded.
pub async fn held_back(
    conn: &mut AnyConnection,
    programme_id: &str,
    region_code: RegionCode,
    up_to: NaiveDate,
) -> Result<Vec<HeldBack>> {
    let rows = sqlx::query_as::<_, (i64, String, String, i64, i64)>(&format!(
        "SELECT a.id, a.title, a.activated_on, COUNT(*), CAST(SUM(m.amount_ore) AS BIGINT) \
         FROM agreement_months m JOIN applications a ON a.id = m.application_id \
         WHERE m.programme_id = $1 AND m.region_code = $2 AND a.status IN ('active', 'ended') AND m.month <= $3 \
           AND NOT EXISTS (SELECT 1 FROM postings p WHERE p.application_id = m.application_id AND p.month = m.month) \
           AND NOT {PAYABLE} \
         GROUP BY a.id, a.title, a.activated_on ORDER BY a.id"
    ))
    .bind(programme_id)
    .bind(region_code.get())
    .bind(up_to.to_string())
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|(id, title, activated_on, months, amount)| {
            Ok(HeldBack {
                application_id: ApplicationId::new(id),
                title,
                activated_on: crate::date_of(Some(activated_on)).ok_or_else(|| {
                    StoreError::Other(anyhow::anyhow!("activation day {id} is not a date"))
                })?,
                months,
                amount: Ore::from_ore(amount),
            })
        })
        .collect()
}

/// Records why an agreement's months before its activation are paid (or, empty, that they are
/// not), audited as a change of the agreement. The caller has checked that the user
/// administers the agreement's region.
pub async fn set_backpay_reason(
    tx: &mut Tx<'_>,
    actor: &Actor,
    id: ApplicationId,
    reason: &str,
) -> Result<Application> {
    let reason = reason.trim();
    if reason.chars().count() > 2000 {
        return Err(StoreError::Refused(
            "Begrundelsen for efterbetaling må højst være 2000 tegn.".into(),
        ));
    }
    let before = crate::applications::get(tx, id)
        .await?
        .ok_or(StoreError::NotFound)?;
    if before.backpay_reason == reason {
        return Ok(before);
    }
    sqlx::query("UPDATE applications SET backpay_reason = $1 WHERE id = $2")
        .bind(reason)
        .bind(id.get())
        .execute(&mut **tx)
        .await?;
    let after = crate::applications::get(tx, id)
        .await?
        .ok_or(StoreError::NotFound)?;
    audit::changed(tx, actor, &before, &after).await?;
    Ok(after)
}

/// Creates the postings of every active or ended agreement of the region for the months that
/// start on or before `up_to` and are not posted yet, audited with the date and the number
/// created. Returns how many were created.
pub async fn generate_postings(
    tx: &mut Tx<'_>,
    actor: &Actor,
    programme_id: &str,
    region_code: RegionCode,
    up_to: NaiveDate,
) -> Result<u64> {
    let n = sqlx::query(&format!(
        "INSERT INTO postings (application_id, programme_id, region_code, month, amount_ore, posted_at) \
         SELECT m.application_id, m.programme_id, m.region_code, m.month, m.amount_ore, $1 \
         FROM agreement_months m JOIN applications a ON a.id = m.application_id \
         WHERE m.programme_id = $2 AND m.region_code = $3 AND a.status IN ('active', 'ended') AND m.month <= $4 \
           AND NOT EXISTS (SELECT 1 FROM postings p WHERE p.application_id = m.application_id AND p.month = m.month) \
           AND {PAYABLE}",
    ))
    .bind(now_utc())
    .bind(programme_id)
    .bind(region_code.get())
    .bind(up_to.to_string())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    refresh_paid(tx, programme_id, region_code).await?;
    let postings = PostingsOf {
        programme_id,
        region_code,
    };
    let run = serde_json::json!({"up_to": up_to, "created": n});
    audit::noted(tx, actor, &postings, "generate", None, Some(&run)).await?;
    Ok(n)
}

/// Recomputes a region's paid amounts per month in `pool_months` from its postings.
pub(crate) async fn refresh_paid(
    tx: &mut Tx<'_>,
    programme_id: &str,
    region_code: RegionCode,
) -> Result<()> {
    let paid = sqlx::query_as::<_, (String, i64)>(
        "SELECT month, CAST(SUM(amount_ore) AS BIGINT) FROM postings WHERE programme_id = $1 AND region_code = $2 GROUP BY month",
    )
    .bind(programme_id)
    .bind(region_code.get())
    .fetch_all(&mut **tx)
    .await?;
    for (month, amount) in paid {
        sqlx::query(
            "INSERT INTO pool_months (programme_id, region_code, month, committed_ore, paid_ore) VALUES ($1, $2, $3, 0, $4) \
             ON CONFLICT (programme_id, region_code, month) DO UPDATE SET paid_ore = excluded.paid_ore",
        )
        .bind(programme_id)
        .bind(region_code.get())
        .bind(month)
        .bind(amount)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// An agreement's committed months.
pub async fn agreement_months(
    conn: &mut AnyConnection,
    application_id: ApplicationId,
) -> Result<Vec<(String, Ore)>> {
    Ok(sqlx::query_as::<_, (String, i64)>(
        "SELECT month, amount_ore FROM agreement_months WHERE application_id = $1 ORDER BY month",
    )
    .bind(application_id.get())
    .fetch_all(conn)
    .await?
    .into_iter()
    .map(|(month, amount)| (month, Ore::from_ore(amount)))
    .collect())
}
