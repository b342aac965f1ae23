//! A programme's money: who funds it, how it is split to the units, its tranches, and how a
//! grant is paid. Amounts in the file are whole kroner; every sum is computed in øre.

use super::file::Day;
use crate::money::Ore;
use serde::{Deserialize, Serialize};

/// One who pays a share of the programme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Funder {
    pub name: String,
    /// Whole percent; the funders' shares add up to 100.
    pub share_percent: u32,
}

/// How the money is split to the units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Split {
    pub key: SplitKey,
    /// What the split rests on, in words ("regionernes lønsum til yngre læger pr. 31. marts
    /// 2021").
    #[serde(default)]
    pub basis: String,
    pub units: Vec<Unit>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SplitKey {
    /// A given amount per unit and tranche (OK21's payroll shares).
    Table,
    /// In proportion to each unit's population.
    Population,
    /// The same to each unit.
    Equal,
    /// Decided later, entered by an administrator.
    Manual,
}

impl SplitKey {
    pub fn label_da(self) -> &'static str {
        match self {
            SplitKey::Table => "efter en aftalt tabel",
            SplitKey::Population => "efter befolkningstal",
            SplitKey::Equal => "ligeligt",
            SplitKey::Manual => "efter administratorens fordeling",
        }
    }
}

/// A unit the money is split to (a region, a cluster, the fund itself), with its own lists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unit {
    /// The unit's code (a region's official code, "1081").
    pub code: String,
    pub name: String,
    /// `table`: the unit's amount per tranche, in whole kroner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_kr: Option<i64>,
    /// `population`: the unit's population.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub population: Option<i64>,
    /// An end of funded work earlier than the programme's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_end: Option<Day>,
    /// The unit's priority areas, for `options_from = "areas"`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub areas: Vec<Area>,
    /// The unit's supplement tiers, for `options_from = "tiers"`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tiers: Vec<Tier>,
    /// The unit's application rounds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rounds: Vec<Round>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Area {
    pub name: String,
    /// The short name used in overview tables.
    #[serde(default)]
    pub short: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    pub name: String,
    /// The yearly amount in whole kroner.
    pub amount_kr: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Round {
    pub name: String,
    pub opens: Day,
    pub deadline: Day,
}

/// A period of the programme's money.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tranche {
    pub name: String,
    pub start: Day,
    pub end: Day,
    /// The tranche's total in whole kroner.
    pub amount_kr: i64,
}

/// How a grant is paid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum MoneyModel {
    /// A yearly supplement paid monthly through payroll to the receiving participant, for the
    /// months of the agreement's period (OK21).
    MonthlySupplement,
    /// An amount paid in instalments.
    LumpSum { instalments: Vec<Instalment> },
}

/// One instalment of a lump sum.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instalment {
    /// Whole percent of the grant; the instalments add up to 100.
    pub share_percent: u32,
    pub due: Due,
}

/// When an instalment falls due.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Due {
    /// When the grant is decided.
    Approval,
    /// When the documentation (a report, the accounts) is approved.
    Documentation,
    /// On a date.
    On(Day),
}

impl Due {
    pub fn label_da(&self) -> String {
        match self {
            Due::Approval => "ved bevillingen".into(),
            Due::Documentation => "når dokumentationen er godkendt".into(),
            Due::On(day) => format!("den {}", crate::date::format_date_da(day.date())),
        }
    }
}

impl MoneyModel {
    /// How the money is paid, in a sentence.
    pub fn describe_da(&self) -> String {
        match self {
            MoneyModel::MonthlySupplement => {
                "Et årligt funktionstillæg, udbetalt månedligt over lønnen i aftalens måneder."
                    .into()
            }
            MoneyModel::LumpSum { instalments } => format!(
                "Et engangsbeløb i {}: {}.",
                if instalments.len() == 1 {
                    "én rate".to_string()
                } else {
                    format!("{} rater", instalments.len())
                },
                instalments
                    .iter()
                    .map(|i| format!("{} % {}", i.share_percent, i.due.label_da()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

impl Split {
    /// Each unit's part of a tranche of `total`, or `None` where the key needs figures entered
    /// later (`manual`) or a unit lacks its figure. A table's parts are its own amounts, as
    /// agreed (OK21's add up to 40.000.089 kr. of a 40.000.000 kr. tranche). Otherwise the
    /// parts add up to `total` exactly: each unit gets its share rounded down to whole øre and
    /// the øre left over go, one each, to the units with the largest remainders (in the units'
    /// order on a tie).
    pub fn allocate(&self, total: Ore) -> Option<Vec<(String, Ore)>> {
        let weights: Vec<i128> = match self.key {
            SplitKey::Manual => return None,
            SplitKey::Table => {
                return self
                    .units
                    .iter()
                    .map(|u| Some((u.code.clone(), Ore::from_kr(u.amount_kr?)?)))
                    .collect();
            }
            SplitKey::Equal => vec![1; self.units.len()],
            SplitKey::Population => self
                .units
                .iter()
                .map(|u| u.population.map(i128::from))
                .collect::<Option<_>>()?,
        };
        let sum: i128 = weights.iter().sum();
        if sum <= 0 || weights.iter().any(|w| *w < 0) {
            return None;
        }
        let total_ore = i128::from(total.ore());
        let mut parts: Vec<(usize, i128, i128)> = weights
            .iter()
            .enumerate()
            .map(|(i, w)| (i, total_ore * w / sum, total_ore * w % sum))
            .collect();
        let mut left = total_ore - parts.iter().map(|p| p.1).sum::<i128>();
        let mut order: Vec<usize> = (0..parts.len()).collect();
        order.sort_by(|&a, &b| parts[b].2.cmp(&parts[a].2).then(a.cmp(&b)));
        for i in order {
            if left <= 0 {
                break;
            }
            parts[i].1 += 1;
            left -= 1;
        }
        parts
            .into_iter()
            .map(|(i, ore, _)| {
                let ore = i64::try_from(ore).ok()?;
                Some((self.units[i].code.clone(), Ore::from_ore(ore)))
            })
            .collect()
    }
}

/// Each funder's share of `amount` (a posting), adding up to it exactly: rounded down to whole
/// øre, the øre left over to the largest remainders (the funders' order on a tie).
pub fn funders_shares(funders: &[Funder], amount: Ore) -> Vec<(String, Ore)> {
    let total: i128 = funders.iter().map(|f| i128::from(f.share_percent)).sum();
    if total <= 0 {
        return Vec::new();
    }
    let whole = i128::from(amount.ore());
    let mut parts: Vec<(i128, i128)> = funders
        .iter()
        .map(|f| {
            let w = i128::from(f.share_percent);
            (whole * w / total, (whole * w).rem_euclid(total))
        })
        .collect();
    let mut left = whole - parts.iter().map(|p| p.0).sum::<i128>();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|&a, &b| parts[b].1.cmp(&parts[a].1).then(a.cmp(&b)));
    for i in order.into_iter().cycle().take(parts.len() * 2) {
        if left == 0 {
            break;
        }
        let step = left.signum();
        parts[i].0 += step;
        left -= step;
    }
    funders
        .iter()
        .zip(parts)
        .map(|(f, (ore, _))| {
            (
                f.name.clone(),
                Ore::from_ore(i64::try_from(ore).unwrap_or(0)),
            )
        })
        .collect()
}

impl Instalment {
    /// This instalment's part of `grant`, rounded down to whole øre; the last instalment takes
    /// what the others leave, so the parts add up to the grant ([`MoneyModel::instalments_of`]).
    fn part(&self, grant: Ore) -> Ore {
        let part = i128::from(grant.ore()) * i128::from(self.share_percent) / 100;
        Ore::from_ore(i64::try_from(part).unwrap_or(grant.ore()))
    }
}

impl MoneyModel {
    /// A lump sum's instalments in øre, adding up to `grant` exactly; empty for a monthly
    /// supplement.
    pub fn instalments_of(&self, grant: Ore) -> Vec<(Due, Ore)> {
        let MoneyModel::LumpSum { instalments } = self else {
            return Vec::new();
        };
        let mut paid = Ore::ZERO;
        let mut out = Vec::with_capacity(instalments.len());
        for (i, inst) in instalments.iter().enumerate() {
            let amount = if i + 1 == instalments.len() {
                Ore::from_ore(grant.ore() - paid.ore())
            } else {
                inst.part(grant)
            };
            paid = Ore::from_ore(paid.ore() + amount.ore());
            out.push((inst.due.clone(), amount));
        }
        out
    }
}
