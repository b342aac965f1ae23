//! What makes an approval an exception to the programme's time rules: an agreement that starts
//! before the decision, months that fall in a tranche that had closed when the decision was
//! taken, and months that no tranche covers. Such an approval is refused unless the deciding
//! body records its reason; the reason and the exceptions are kept with the agreement and shown
//! on it and in the report.

use crate::cost::MonthlyAmount;
use crate::date::format_date_da;
use chrono::NaiveDate;

/// A tranche's name and period, as far as the time rules need it.
#[derive(Debug, Clone)]
pub struct TrancheSpan {
    pub name: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// One way an approval breaks the time rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exception {
    /// The agreement starts before the day it is decided.
    StartsBeforeDecision {
        start: NaiveDate,
        decided: NaiveDate,
    },
    /// Months fall in a tranche whose period ended before the decision.
    ClosedTranche {
        tranche: String,
        closed: NaiveDate,
        months: usize,
    },
    /// Months fall outside every tranche of the programme.
    OutsideTranches { first: NaiveDate, months: usize },
}

impl Exception {
    /// One Danish sentence for the decision form, the agreement and the report.
    pub fn message_da(&self) -> String {
        match self {
            Exception::StartsBeforeDecision { start, decided } => format!(
                "Forsøget starter {}, før beslutningen {}.",
                format_date_da(*start),
                format_date_da(*decided)
            ),
            Exception::ClosedTranche {
                tranche,
                closed,
                months,
            } => format!(
                "{} {} i «{tranche}», som lukkede {}.",
                months,
                if *months == 1 {
                    "måned ligger"
                } else {
                    "måneder ligger"
                },
                format_date_da(*closed)
            ),
            Exception::OutsideTranches { first, months } => format!(
                "{} {} uden for programmets puljer (fra {}).",
                months,
                if *months == 1 {
                    "måned ligger"
                } else {
                    "måneder ligger"
                },
                crate::date::month_da(*first)
            ),
        }
    }
}

/// The exceptions of an agreement starting on `start` with the monthly `months`, decided on
/// `decided`, in a programme with `tranches`. `already` holds the first days of the months an
/// earlier approval committed (an amendment's agreement): those were decided then, so only the
/// months it adds count, and its start counts only when it moves before them. Empty when the
/// approval keeps the rules.
pub fn of_approval(
    start: NaiveDate,
    months: &[MonthlyAmount],
    already: &[NaiveDate],
    tranches: &[TrancheSpan],
    decided: NaiveDate,
) -> Vec<Exception> {
    let mut found = Vec::new();
    let earlier_start = already.iter().min().is_some_and(|first| *first <= start);
    if start < decided && !earlier_start {
        found.push(Exception::StartsBeforeDecision { start, decided });
    }
    let months = months.iter().filter(|m| !already.contains(&m.first_day()));
    let mut closed: Vec<(usize, usize)> = Vec::new(); // (tranche index, months)
    let mut outside: Option<(NaiveDate, usize)> = None;
    for m in months {
        let day = m.first_day();
        match tranches.iter().position(|t| t.start <= day && day <= t.end) {
            Some(i) if tranches[i].end < decided => {
                match closed.iter_mut().find(|(t, _)| *t == i) {
                    Some((_, n)) => *n += 1,
                    None => closed.push((i, 1)),
                }
            }
            Some(_) => {}
            None => {
                let (first, n) = outside.get_or_insert((day, 0));
                *first = (*first).min(day);
                *n += 1;
            }
        }
    }
    for (i, n) in closed {
        found.push(Exception::ClosedTranche {
            tranche: tranches[i].name.clone(),
            closed: tranches[i].end,
            months: n,
        });
    }
    if let Some((first, months)) = outside {
        found.push(Exception::OutsideTranches { first, months });
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Ore;

    fn d(s: &str) -> NaiveDate {
        crate::parse_date(s).unwrap()
    }

    fn months(from: (i32, u32), count: u32) -> Vec<MonthlyAmount> {
        (0..count)
            .map(|k| {
                let index = from.0 * 12 + from.1 as i32 - 1 + k as i32;
                MonthlyAmount {
                    year: index.div_euclid(12),
                    month: index.rem_euclid(12) as u32 + 1,
                    amount: Ore::from_ore(100),
                }
            })
            .collect()
    }

    fn ok21() -> Vec<TrancheSpan> {
        vec![
            TrancheSpan {
                name: "1. pulje (2022)".into(),
                start: d("2022-04-01"),
                end: d("2023-03-31"),
            },
            TrancheSpan {
                name: "2. pulje (2023)".into(),
                start: d("2023-04-01"),
                end: d("2024-03-31"),
            },
        ]
    }

    #[test]
    fn an_agreement_decided_before_it_starts_in_open_tranches_is_no_exception() {
        let found = of_approval(
            d("2022-06-01"),
            &months((2022, 6), 12),
            &[],
            &ok21(),
            d("2022-05-10"),
        );
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn a_2023_trial_approved_in_2026_starts_before_the_decision_in_a_closed_tranche() {
        let found = of_approval(
            d("2023-04-01"),
            &months((2023, 4), 9),
            &[],
            &ok21(),
            d("2026-12-02"),
        );
        assert_eq!(
            found,
            vec![
                Exception::StartsBeforeDecision {
                    start: d("2023-04-01"),
                    decided: d("2026-12-02")
                },
                Exception::ClosedTranche {
                    tranche: "2. pulje (2023)".into(),
                    closed: d("2024-03-31"),
                    months: 9
                }
            ]
        );
        assert_eq!(
            found[1].message_da(),
            "9 måneder ligger i «2. pulje (2023)», som lukkede 31. marts 2024."
        );
    }

    #[test]
    fn months_past_the_last_tranche_are_outside_the_programme() {
        // Decided in time, but running past the programme's last tranche.
        let found = of_approval(
            d("2024-01-01"),
            &months((2024, 1), 6),
            &[],
            &ok21(),
            d("2023-12-01"),
        );
        assert_eq!(
            found,
            vec![Exception::OutsideTranches {
                first: d("2024-04-01"),
                months: 3
            }]
        );
        assert!(found[0]
            .message_da()
            .starts_with("3 måneder ligger uden for"));
    }

    #[test]
    fn an_amendment_counts_only_the_months_it_adds() {
        // Approved April 2022 for twelve months; amended in 2026 to run three months longer.
        let already: Vec<NaiveDate> = months((2022, 4), 12)
            .iter()
            .map(|m| m.first_day())
            .collect();
        let found = of_approval(
            d("2022-04-01"),
            &months((2022, 4), 15),
            &already,
            &ok21(),
            d("2026-12-02"),
        );
        assert_eq!(
            found,
            vec![Exception::ClosedTranche {
                tranche: "2. pulje (2023)".into(),
                closed: d("2024-03-31"),
                months: 3
            }]
        );
        // Shortened instead: nothing new, no exception.
        let found = of_approval(
            d("2022-04-01"),
            &months((2022, 4), 10),
            &already,
            &ok21(),
            d("2026-12-02"),
        );
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn a_tranche_closing_on_the_decision_day_is_still_open() {
        let found = of_approval(
            d("2023-04-01"),
            &months((2023, 3), 1),
            &[],
            &ok21(),
            d("2023-03-31"),
        );
        assert!(found.is_empty(), "{found:?}");
    }
}
