//! What an agreement costs, month by month.
//!
//! The annual supplement is paid per receiving participant, one twelfth for each whole month;
//! a month the agreement covers only partly pays the share of that month's calendar days that it
//! covers. An on-cost (e.g. the employer's pension share) in basis points is added.
//!
//! Whole months are rounded cumulatively: the agreement's whole months are numbered 1, 2, … from
//! its first whole month, and whole month k of an agreement year (k = 1…12, starting again after
//! twelve) pays round(k × A / 12) − round((k − 1) × A / 12) øre, where A is the annual amount
//! (supplement × receivers × on-cost) and rounding is half-up. So any twelve consecutive whole
//! months add up to exactly round(A), and no whole month differs from A / 12 by a whole øre or
//! more. A part month pays its day share of A / 12, rounded half-up to whole øre. The total is
//! the sum of the monthly amounts, so a schedule always adds up to its total to the øre.

use crate::date::Period;
use crate::money::Ore;
use chrono::NaiveDate;

/// What a month's amount is computed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CostBasis {
    /// The annual supplement per receiving participant.
    pub annual: Ore,
    /// How many participants receive the supplement.
    pub receivers: u32,
    /// On-cost in hundredths of a percent (250 = 2.5 %).
    pub oncost_basis_points: u32,
}

/// One month's amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthlyAmount {
    pub year: i32,
    pub month: u32,
    pub amount: Ore,
}

impl MonthlyAmount {
    /// The first day of the month, to compare with tranche periods.
    pub fn first_day(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }
}

/// `numerator / denominator` rounded half-up (both positive or the numerator zero).
fn div_round_half_up(numerator: i128, denominator: i128) -> i128 {
    (2 * numerator + denominator).div_euclid(2 * denominator)
}

/// The monthly amounts of an agreement over `period`.
pub fn monthly_amounts(period: &Period, basis: &CostBasis) -> Vec<MonthlyAmount> {
    // A × 10,000: the annual amount in øre times 10,000 + on-cost basis points.
    let per_year = i128::from(basis.annual.ore())
        * i128::from(basis.receivers)
        * (10_000 + i128::from(basis.oncost_basis_points));
    // round(k × A / 12) for k = 0…12.
    let cumulative = |k: i128| div_round_half_up(per_year * k, 12 * 10_000);
    let mut whole_months: i128 = 0;
    period
        .months()
        .into_iter()
        .map(|m| {
            let ore = if m.is_whole() {
                let k = whole_months % 12 + 1;
                whole_months += 1;
                cumulative(k) - cumulative(k - 1)
            } else {
                let numerator = per_year * i128::from(m.covered_days);
                let denominator = 12 * i128::from(m.month_days) * 10_000;
                div_round_half_up(numerator, denominator)
            };
            MonthlyAmount {
                year: m.year,
                month: m.month,
                amount: Ore::from_ore(i64::try_from(ore).unwrap_or(i64::MAX)),
            }
        })
        .collect()
}

/// The sum of the monthly amounts.
pub fn total(amounts: &[MonthlyAmount]) -> Ore {
    Ore::from_ore(amounts.iter().map(|m| m.amount.ore()).sum())
}

/// The amounts of the months that fall inside `window` (e.g. a tranche's period; months are
/// assigned by their first day, and tranches start on the first of a month).
pub fn within(amounts: &[MonthlyAmount], window: &Period) -> Ore {
    Ore::from_ore(
        amounts
            .iter()
            .filter(|m| window.contains_date(m.first_day()))
            .map(|m| m.amount.ore())
            .sum(),
    )
}

/// What terminating an agreement early releases: the original total minus the total of the
/// shortened period. `None` when `new_end` does not shorten the period.
pub fn released_by_termination(
    period: &Period,
    new_end: NaiveDate,
    basis: &CostBasis,
) -> Option<Ore> {
    if new_end >= period.end() || new_end < period.start() {
        return None;
    }
    let before = total(&monthly_amounts(period, basis));
    let after = match Period::new(period.start(), new_end) {
        Some(shortened) => total(&monthly_amounts(&shortened, basis)),
        // Terminated on its first day: one day's share remains.
        None => total(&monthly_amounts(&Period::single_day(period.start()), basis)),
    };
    before.checked_sub(after)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn basis(kr: i64) -> CostBasis {
        CostBasis {
            annual: Ore::from_kr(kr).unwrap(),
            receivers: 1,
            oncost_basis_points: 0,
        }
    }

    #[test]
    fn whole_months_are_rounded_cumulatively() {
        let p = Period::new(d(2022, 4, 1), d(2023, 3, 31)).unwrap();
        let m = monthly_amounts(&p, &basis(50_000));
        assert_eq!(m.len(), 12);
        // 5,000,000 øre / 12 = 416,666.67: months 1, 2 and 3 pay round(416,666.67) = 416,667,
        // round(833,333.33) − 416,667 = 416,666 and round(1,250,000) − 833,333 = 416,667.
        let paid: Vec<i64> = m.iter().map(|x| x.amount.ore()).collect();
        assert_eq!(&paid[..3], &[416_667, 416_666, 416_667]);
        assert_eq!(total(&m).ore(), 5_000_000);
    }

    #[test]
    fn nine_months_of_20_000_kr_are_15_000_kr() {
        let p = Period::new(d(2023, 4, 1), d(2023, 12, 31)).unwrap();
        assert_eq!(total(&monthly_amounts(&p, &basis(20_000))).ore(), 1_500_000);
    }

    #[test]
    fn part_months_pay_their_share_of_calendar_days() {
        // 15–30 April: 16 of 30 days of 3,500,000/12 øre.
        let p = Period::new(d(2022, 4, 15), d(2022, 5, 31)).unwrap();
        let m = monthly_amounts(&p, &basis(35_000));
        assert_eq!(m[0].amount.ore(), 155_556); // 291,666.67 × 16/30 = 155,555.56
        assert_eq!(m[1].amount.ore(), 291_667);
    }

    #[test]
    fn on_cost_and_receivers_multiply() {
        let p = Period::new(d(2022, 1, 1), d(2022, 1, 31)).unwrap();
        let b = CostBasis {
            annual: Ore::from_kr(12_000).unwrap(),
            receivers: 3,
            oncost_basis_points: 1_000,
        };
        assert_eq!(monthly_amounts(&p, &b)[0].amount.ore(), 330_000);
    }

    #[test]
    fn tranche_windows_split_the_cost() {
        let p = Period::new(d(2022, 4, 1), d(2023, 12, 31)).unwrap();
        let m = monthly_amounts(&p, &basis(20_000));
        let t1 = Period::new(d(2022, 4, 1), d(2023, 3, 31)).unwrap();
        let t2 = Period::new(d(2023, 4, 1), d(2024, 3, 31)).unwrap();
        assert_eq!(
            within(&m, &t1).ore() + within(&m, &t2).ore(),
            total(&m).ore()
        );
        // Months 13–21 are months 1–9 of the second agreement year: 9/12 of 20,000 kr.
        assert_eq!(within(&m, &t2).ore(), 1_500_000);
        assert_eq!(within(&m, &t1).ore(), 2_000_000);
    }

    fn any_date() -> impl Strategy<Value = NaiveDate> {
        (0i64..1500).prop_map(|n| d(2021, 1, 1) + chrono::Duration::days(n))
    }

    proptest! {
        #[test]
        fn monthly_amounts_sum_exactly_to_the_total(
            start in any_date(), len in 1i64..900, kr in 1i64..200_000, receivers in 0u32..20, oncost in 0u32..3_000,
        ) {
            let p = Period::new(start, start + chrono::Duration::days(len)).unwrap();
            let b = CostBasis { annual: Ore::from_kr(kr).unwrap(), receivers, oncost_basis_points: oncost };
            let m = monthly_amounts(&p, &b);
            let sum: i64 = m.iter().map(|x| x.amount.ore()).sum();
            prop_assert_eq!(Ore::from_ore(sum), total(&m));
            // A whole month is within one øre of A / 12 (strictly); a part month pays less than
            // a whole month plus one øre, and never less than nothing. In units of 1/120,000 øre:
            let a = i128::from(b.annual.ore()) * i128::from(receivers) * (10_000 + i128::from(oncost));
            let unit = 12 * 10_000;
            for (x, share) in m.iter().zip(p.months()) {
                let scaled = i128::from(x.amount.ore()) * unit;
                prop_assert!(x.amount.ore() >= 0);
                prop_assert!(scaled < a + unit, "{:?} over A/12 + 1", x);
                if share.is_whole() {
                    prop_assert!(scaled > a - unit, "{:?} under A/12 - 1", x);
                }
            }
        }

        #[test]
        fn any_twelve_whole_months_pay_exactly_the_annual_amount(
            start in any_date(), len in 400i64..1500, kr in 1i64..200_000, receivers in 0u32..20, oncost in 0u32..3_000, from in 0usize..24,
        ) {
            let p = Period::new(start, start + chrono::Duration::days(len)).unwrap();
            let b = CostBasis { annual: Ore::from_kr(kr).unwrap(), receivers, oncost_basis_points: oncost };
            let whole: Vec<i64> = monthly_amounts(&p, &b)
                .iter()
                .zip(p.months())
                .filter(|(_, share)| share.is_whole())
                .map(|(x, _)| x.amount.ore())
                .collect();
            let annual = div_round_half_up(i128::from(b.annual.ore()) * i128::from(receivers) * (10_000 + i128::from(oncost)), 10_000);
            prop_assume!(whole.len() >= 12);
            let from = from % (whole.len() - 11);
            let twelve: i64 = whole[from..from + 12].iter().sum();
            prop_assert_eq!(i128::from(twelve), annual);
            // The first n whole months pay round(n × A / 12) for n ≤ 12.
            for n in 1..=12usize {
                let first: i64 = whole[..n].iter().sum();
                let expected = div_round_half_up(i128::from(b.annual.ore()) * i128::from(receivers) * (10_000 + i128::from(oncost)) * n as i128, 12 * 10_000);
                prop_assert_eq!(i128::from(first), expected);
            }
        }

        #[test]
        fn termination_releases_exactly_the_uncovered_months(
            start in any_date(), len in 2i64..900, cut in 0i64..899, kr in 1i64..200_000,
        ) {
            let p = Period::new(start, start + chrono::Duration::days(len)).unwrap();
            let new_end = start + chrono::Duration::days(cut.min(len - 1));
            let b = basis(kr);
            let released = released_by_termination(&p, new_end, &b).unwrap();
            let original = monthly_amounts(&p, &b);
            let kept = match Period::new(start, new_end) {
                Some(s) => monthly_amounts(&s, &b),
                None => monthly_amounts(&Period::single_day(start), &b),
            };
            // Months wholly after the new end are released in full; the month of the new end keeps its covered share.
            let after_end: i64 = original.iter().filter(|m| m.first_day() > new_end).map(|m| m.amount.ore()).sum();
            let end_month_difference: i64 = original.iter().zip(kept.iter()).filter(|(o, _)| o.first_day() <= new_end).map(|(o, k)| o.amount.ore() - k.amount.ore()).sum();
            prop_assert_eq!(released.ore(), after_end + end_month_difference);
            prop_assert!(released.ore() >= after_end);
        }
    }
}
