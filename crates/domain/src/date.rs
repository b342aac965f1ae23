//! Civil dates (no time zone) and periods between them.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

const MONTHS_DA: [&str; 12] = [
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
];

/// Parses a civil date written as ISO (`2022-04-01`) or in the Danish forms found on the
/// agreement forms: `01-03-2022`, `29.03.2022`, `31.12. 2023`, `1. april 2022`, `31. dec. 2023`.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let s = text.trim().trim_end_matches('.').trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some(d);
    }
    // Numeric day-month-year with '-', '.' or '/' and optional spaces.
    let numeric: Vec<&str> = s
        .split(|c: char| c == '-' || c == '.' || c == '/' || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .collect();
    if numeric.len() == 3
        && numeric
            .iter()
            .all(|p| p.chars().all(|c| c.is_ascii_digit()))
    {
        let day: u32 = numeric[0].parse().ok()?;
        let month: u32 = numeric[1].parse().ok()?;
        let year = full_year(numeric[2])?;
        return NaiveDate::from_ymd_opt(year, month, day);
    }
    // Day, month name (full or abbreviated), year.
    if numeric.len() == 3 {
        let day: u32 = numeric[0].parse().ok()?;
        let month = month_from_name(numeric[1])?;
        let year = full_year(numeric[2])?;
        return NaiveDate::from_ymd_opt(year, month, day);
    }
    None
}

fn full_year(text: &str) -> Option<i32> {
    let y: i32 = text.parse().ok()?;
    match text.len() {
        4 => Some(y),
        2 => Some(2000 + y),
        _ => None,
    }
}

fn month_from_name(name: &str) -> Option<u32> {
    let name = name.to_lowercase();
    if name.len() < 3 {
        return None;
    }
    MONTHS_DA
        .iter()
        .position(|m| m.starts_with(&name) || (name.starts_with("mar") && *m == "marts"))
        .map(|i| i as u32 + 1)
}

/// `1. april 2022`.
pub fn format_date_da(date: NaiveDate) -> String {
    format!(
        "{}. {} {}",
        date.day(),
        MONTHS_DA[date.month0() as usize],
        date.year()
    )
}

/// `april 2022`.
pub fn month_da(date: NaiveDate) -> String {
    format!("{} {}", MONTHS_DA[date.month0() as usize], date.year())
}

/// An inclusive period of civil dates whose end lies after its start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    start: NaiveDate,
    end: NaiveDate,
}

/// One calendar month's share of a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthShare {
    pub year: i32,
    pub month: u32,
    /// Days of the month inside the period.
    pub covered_days: u32,
    /// Days in the calendar month.
    pub month_days: u32,
}

impl MonthShare {
    pub fn is_whole(&self) -> bool {
        self.covered_days == self.month_days
    }
}

impl Period {
    /// `None` unless `end` is after `start`.
    pub fn new(start: NaiveDate, end: NaiveDate) -> Option<Period> {
        (end > start).then_some(Period { start, end })
    }

    /// A period of one day (start and end the same), for what remains of an agreement that
    /// ends on its first day.
    pub fn single_day(day: NaiveDate) -> Period {
        Period {
            start: day,
            end: day,
        }
    }

    pub fn start(&self) -> NaiveDate {
        self.start
    }

    pub fn end(&self) -> NaiveDate {
        self.end
    }

    /// Whether `other` lies wholly inside this period.
    pub fn contains(&self, other: &Period) -> bool {
        other.start >= self.start && other.end <= self.end
    }

    pub fn contains_date(&self, date: NaiveDate) -> bool {
        date >= self.start && date <= self.end
    }

    /// Days in the period, both ends included.
    pub fn days(&self) -> i64 {
        (self.end - self.start).num_days() + 1
    }

    /// Each calendar month the period touches, with the days it covers.
    pub fn months(&self) -> Vec<MonthShare> {
        let mut shares = Vec::new();
        let mut cursor = self.start;
        while cursor <= self.end {
            let (year, month) = (cursor.year(), cursor.month());
            let last = last_day_of_month(year, month);
            let until = last.min(self.end);
            shares.push(MonthShare {
                year,
                month,
                covered_days: (until - cursor).num_days() as u32 + 1,
                month_days: last.day(),
            });
            match until.succ_opt() {
                Some(next) => cursor = next,
                None => break,
            }
        }
        shares
    }
}

/// Danish local time at `utc`: CET (UTC+1), or CEST (UTC+2) from 01:00 UTC on the last Sunday
/// of March until 01:00 UTC on the last Sunday of October (the EU's rule since 1996).
pub fn danish_time(utc: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDateTime {
    let last_sunday = |month: u32| {
        let last = last_day_of_month(utc.year(), month);
        let back = last.weekday().num_days_from_sunday();
        (last - chrono::Days::new(u64::from(back)))
            .and_hms_opt(1, 0, 0)
            .expect("01:00 exists")
    };
    let naive = utc.naive_utc();
    let summer = naive >= last_sunday(3) && naive < last_sunday(10);
    naive + chrono::Duration::hours(if summer { 2 } else { 1 })
}

/// Today in Denmark.
pub fn today_in_denmark() -> NaiveDate {
    danish_time(chrono::Utc::now()).date()
}

pub fn last_day_of_month(year: i32, month: u32) -> NaiveDate {
    let (ny, nm) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(ny, nm, 1)
        .and_then(|d| d.pred_opt())
        .unwrap_or(NaiveDate::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn parses_every_form_seen_on_agreement_forms() {
        assert_eq!(parse_date("2022-04-01"), Some(d(2022, 4, 1)));
        assert_eq!(parse_date("1. april 2022"), Some(d(2022, 4, 1)));
        assert_eq!(parse_date("01-03-2022"), Some(d(2022, 3, 1)));
        assert_eq!(parse_date("29.03.2022"), Some(d(2022, 3, 29)));
        assert_eq!(parse_date("31. dec. 2023"), Some(d(2023, 12, 31)));
        assert_eq!(parse_date("31.12. 2023"), Some(d(2023, 12, 31)));
        assert_eq!(parse_date("1. marts 2023"), Some(d(2023, 3, 1)));
        assert_eq!(parse_date("1/3 22"), Some(d(2022, 3, 1)));
    }

    #[test]
    fn refuses_impossible_dates() {
        assert_eq!(parse_date("31-02-2022"), None);
        assert_eq!(parse_date("i morgen"), None);
        assert_eq!(parse_date(""), None);
        assert_eq!(parse_date("1. smarch 2022"), None);
    }

    #[test]
    fn formats_in_danish() {
        assert_eq!(format_date_da(d(2023, 12, 31)), "31. december 2023");
    }

    #[test]
    fn a_period_must_end_after_it_starts() {
        assert!(Period::new(d(2022, 4, 1), d(2022, 4, 1)).is_none());
        assert!(Period::new(d(2022, 4, 2), d(2022, 4, 1)).is_none());
        assert!(Period::new(d(2022, 4, 1), d(2022, 4, 2)).is_some());
    }

    #[test]
    fn months_of_a_period_split_at_month_ends() {
        let p = Period::new(d(2022, 1, 15), d(2022, 3, 10)).unwrap();
        let m = p.months();
        assert_eq!(m.len(), 3);
        assert_eq!((m[0].covered_days, m[0].month_days), (17, 31));
        assert!(m[1].is_whole());
        assert_eq!((m[2].covered_days, m[2].month_days), (10, 31));
    }

    fn any_date() -> impl Strategy<Value = NaiveDate> {
        (0i64..4000).prop_map(|n| d(2020, 1, 1) + chrono::Duration::days(n))
    }

    proptest! {
        #[test]
        fn month_shares_cover_every_day_exactly_once(a in any_date(), len in 1i64..1500) {
            let p = Period::new(a, a + chrono::Duration::days(len)).unwrap();
            let months = p.months();
            let covered: i64 = months.iter().map(|m| i64::from(m.covered_days)).sum();
            prop_assert_eq!(covered, p.days());
            for m in &months {
                prop_assert!(m.covered_days >= 1 && m.covered_days <= m.month_days);
            }
            // Only the first and last month may be partial.
            for m in months.iter().skip(1).take(months.len().saturating_sub(2)) {
                prop_assert!(m.is_whole());
            }
        }

        #[test]
        fn iso_dates_round_trip(a in any_date()) {
            prop_assert_eq!(parse_date(&a.to_string()), Some(a));
        }

        #[test]
        fn containment_is_consistent_with_dates(a in any_date(), b in any_date(), c in 1i64..400, e in 1i64..400) {
            let outer = Period::new(a, a + chrono::Duration::days(c)).unwrap();
            let inner = Period::new(b, b + chrono::Duration::days(e)).unwrap();
            prop_assert_eq!(outer.contains(&inner), outer.contains_date(inner.start()) && outer.contains_date(inner.end()));
        }
    }
}

#[cfg(test)]
mod danish_time_tests {
    use super::danish_time;
    use chrono::{NaiveDate, TimeZone, Utc};

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    fn local(y: i32, m: u32, d: u32, h: u32, min: u32) -> chrono::NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, min, 0)
            .unwrap()
    }

    #[test]
    fn winter_is_one_hour_and_summer_two_ahead_of_utc() {
        assert_eq!(
            danish_time(at(2026, 1, 15, 12, 0)),
            local(2026, 1, 15, 13, 0)
        );
        assert_eq!(danish_time(at(2026, 7, 1, 12, 0)), local(2026, 7, 1, 14, 0));
        // A late evening in UTC is already tomorrow in Denmark.
        assert_eq!(
            danish_time(at(2026, 12, 2, 23, 30)).date(),
            NaiveDate::from_ymd_opt(2026, 12, 3).unwrap()
        );
    }

    #[test]
    fn the_change_falls_at_one_utc_on_the_last_sundays() {
        // 2026: summer time from Sunday 29 March, back on Sunday 25 October.
        assert_eq!(
            danish_time(at(2026, 3, 29, 0, 59)),
            local(2026, 3, 29, 1, 59)
        );
        assert_eq!(danish_time(at(2026, 3, 29, 1, 0)), local(2026, 3, 29, 3, 0));
        assert_eq!(
            danish_time(at(2026, 10, 25, 0, 59)),
            local(2026, 10, 25, 2, 59)
        );
        assert_eq!(
            danish_time(at(2026, 10, 25, 1, 0)),
            local(2026, 10, 25, 2, 0)
        );
    }
}
