//! Money as whole øre (1 krone = 100 øre). Never floating point.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An amount of money in øre. May be negative (for corrections); arithmetic is checked.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Ore(i64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("Beløbet er tomt.")]
    Empty,
    #[error("Beløbet «{0}» kan ikke læses. Skriv det i kroner, fx 35.000 eller 35.000,50.")]
    Unreadable(String),
    #[error("Beløbet er for stort.")]
    TooLarge,
}

impl Ore {
    pub const ZERO: Ore = Ore(0);

    pub const fn from_ore(ore: i64) -> Ore {
        Ore(ore)
    }

    /// Whole kroner to øre; `None` on overflow.
    pub fn from_kr(kr: i64) -> Option<Ore> {
        kr.checked_mul(100).map(Ore)
    }

    pub const fn ore(self) -> i64 {
        self.0
    }

    pub fn checked_add(self, other: Ore) -> Option<Ore> {
        self.0.checked_add(other.0).map(Ore)
    }

    pub fn checked_sub(self, other: Ore) -> Option<Ore> {
        self.0.checked_sub(other.0).map(Ore)
    }

    /// The sum of `amounts`; `None` on overflow.
    pub fn checked_sum<I: IntoIterator<Item = Ore>>(amounts: I) -> Option<Ore> {
        amounts
            .into_iter()
            .try_fold(Ore::ZERO, |sum, amount| sum.checked_add(amount))
    }

    /// The amount with its sign turned; `None` on overflow.
    pub fn checked_neg(self) -> Option<Ore> {
        self.0.checked_neg().map(Ore)
    }

    pub fn is_positive(self) -> bool {
        self.0 > 0
    }

    /// Parses an amount in kroner as Danes write it: `50.000`, `50000`, `50.000,50`,
    /// `kr. 3.843.219,-`, `35 000 kr.`. Dots group thousands; a comma starts øre.
    pub fn parse_kr(text: &str) -> Result<Ore, MoneyError> {
        let unreadable = || MoneyError::Unreadable(text.trim().to_string());
        let mut s: String = text
            .trim()
            .trim_start_matches("kr.")
            .trim_start_matches("DKK")
            .trim_end_matches("DKK")
            .trim_end_matches('.')
            .trim_end_matches("kr")
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '\u{a0}')
            .collect();
        if s.ends_with(",-") || s.ends_with(",‐") {
            s.truncate(s.len() - if s.ends_with(",-") { 2 } else { ",‐".len() });
        }
        if s.is_empty() {
            return Err(MoneyError::Empty);
        }
        let negative = s.starts_with('-');
        let s = s.trim_start_matches('-');
        let (whole, frac) = match s.split_once(',') {
            Some((w, f)) => (w, Some(f)),
            None => (s, None),
        };
        if whole.is_empty() {
            return Err(unreadable());
        }
        let groups: Vec<&str> = whole.split('.').collect();
        if groups.len() > 1
            && (groups[0].is_empty()
                || groups[0].len() > 3
                || groups[1..].iter().any(|g| g.len() != 3))
        {
            return Err(unreadable());
        }
        let mut kr: i64 = 0;
        for c in groups.concat().chars() {
            let d = c.to_digit(10).ok_or_else(unreadable)?;
            kr = kr
                .checked_mul(10)
                .and_then(|v| v.checked_add(i64::from(d)))
                .ok_or(MoneyError::TooLarge)?;
        }
        let ore_part = match frac {
            None | Some("") | Some("-") | Some("00") => 0,
            Some(f) if f.len() <= 2 && f.chars().all(|c| c.is_ascii_digit()) => {
                let v: i64 = f.parse().map_err(|_| unreadable())?;
                if f.len() == 1 {
                    v * 10
                } else {
                    v
                }
            }
            Some(_) => return Err(unreadable()),
        };
        let total = kr
            .checked_mul(100)
            .and_then(|v| v.checked_add(ore_part))
            .ok_or(MoneyError::TooLarge)?;
        Ok(Ore(if negative { -total } else { total }))
    }

    /// Danish display in kroner: `3.843.219 kr.` or `12,50 kr.`.
    pub fn to_kr_string(self) -> String {
        format!("{self} kr.")
    }

    /// The amount in kroner without unit, as a form field would show it: `50.000` or `50.000,50`.
    pub fn to_input_string(self) -> String {
        self.to_string()
    }
}

/// `n` with dots between thousands, as Danish writes numbers: `1.150`.
pub fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(c);
    }
    grouped
}

/// An amount as the database stores it, in øre.
impl From<i64> for Ore {
    fn from(ore: i64) -> Ore {
        Ore::from_ore(ore)
    }
}

impl From<Ore> for i64 {
    fn from(amount: Ore) -> i64 {
        amount.ore()
    }
}

/// A checked sum: `amounts.sum::<Option<Ore>>()` is `None` on overflow.
impl std::iter::Sum<Ore> for Option<Ore> {
    fn sum<I: Iterator<Item = Ore>>(amounts: I) -> Option<Ore> {
        Ore::checked_sum(amounts)
    }
}

impl fmt::Display for Ore {
    /// Kroner with dots between thousands and øre after a comma when there are any.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let kr = abs / 100;
        let ore = abs % 100;
        let grouped = group_thousands(kr);
        if ore == 0 {
            write!(f, "{sign}{grouped}")
        } else {
            write!(f, "{sign}{grouped},{ore:02}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn sums_are_checked() {
        let amounts = [Ore::from_ore(150), Ore::from_ore(-50), Ore::from_ore(1)];
        assert_eq!(Ore::checked_sum(amounts), Some(Ore::from_ore(101)));
        assert_eq!(
            amounts.into_iter().sum::<Option<Ore>>(),
            Some(Ore::from_ore(101))
        );
        assert_eq!(
            Ore::checked_sum([Ore::from_ore(i64::MAX), Ore::from_ore(1)]),
            None
        );
        assert_eq!(Ore::checked_sum([]), Some(Ore::ZERO));
        assert_eq!(Ore::from_ore(i64::MIN).checked_neg(), None);
    }

    #[test]
    fn groups_thousands_with_dots() {
        let cases = [(0, "0"), (999, "999"), (1_000, "1.000"), (1_150, "1.150")];
        for (n, text) in cases {
            assert_eq!(group_thousands(n), text);
        }
        assert_eq!(group_thousands(1_234_567), "1.234.567");
    }

    #[test]
    fn parses_danish_amounts() {
        assert_eq!(Ore::parse_kr("50.000").unwrap().ore(), 5_000_000);
        assert_eq!(Ore::parse_kr("50000").unwrap().ore(), 5_000_000);
        assert_eq!(Ore::parse_kr("35.000,50").unwrap().ore(), 3_500_050);
        assert_eq!(Ore::parse_kr("kr. 3.843.219,-").unwrap().ore(), 384_321_900);
        assert_eq!(Ore::parse_kr("20 000 kr.").unwrap().ore(), 2_000_000);
        assert_eq!(Ore::parse_kr("12,5").unwrap().ore(), 1_250);
    }

    #[test]
    fn refuses_unreadable_amounts() {
        assert_eq!(Ore::parse_kr("  "), Err(MoneyError::Empty));
        assert!(matches!(
            Ore::parse_kr("50.00"),
            Err(MoneyError::Unreadable(_))
        ));
        assert!(matches!(
            Ore::parse_kr("fem"),
            Err(MoneyError::Unreadable(_))
        ));
        assert!(matches!(
            Ore::parse_kr("1,234"),
            Err(MoneyError::Unreadable(_))
        ));
        assert_eq!(
            Ore::parse_kr("99999999999999999999"),
            Err(MoneyError::TooLarge)
        );
    }

    #[test]
    fn displays_danish_amounts() {
        assert_eq!(Ore::from_ore(384_321_900).to_kr_string(), "3.843.219 kr.");
        assert_eq!(Ore::from_ore(1_250).to_string(), "12,50");
        assert_eq!(Ore::from_ore(-100_000).to_string(), "-1.000");
        assert_eq!(Ore::ZERO.to_string(), "0");
    }

    proptest! {
        #[test]
        fn display_then_parse_round_trips(ore in -1_000_000_000_000i64..1_000_000_000_000i64) {
            let amount = Ore::from_ore(ore);
            prop_assert_eq!(Ore::parse_kr(&amount.to_string()).unwrap(), amount);
        }

        #[test]
        fn from_kr_is_exact(kr in 0i64..10_000_000_000i64) {
            prop_assert_eq!(Ore::from_kr(kr).unwrap().ore(), kr * 100);
        }
    }
}
