//! The five Danish regions and their official codes.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// An official region code, 1081–1085.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RegionCode(u16);

/// The regions in code order: (code, name).
pub const REGIONS: [(u16, &str); 5] = [
    (1081, "Region Nordjylland"),
    (1082, "Region Midtjylland"),
    (1083, "Region Syddanmark"),
    (1084, "Region Hovedstaden"),
    (1085, "Region Sjælland"),
];

impl RegionCode {
    pub const NORDJYLLAND: RegionCode = RegionCode(1081);
    pub const MIDTJYLLAND: RegionCode = RegionCode(1082);
    pub const SYDDANMARK: RegionCode = RegionCode(1083);
    pub const HOVEDSTADEN: RegionCode = RegionCode(1084);
    pub const SJAELLAND: RegionCode = RegionCode(1085);

    pub fn new(code: i64) -> Option<RegionCode> {
        REGIONS
            .iter()
            .find(|(c, _)| i64::from(*c) == code)
            .map(|(c, _)| RegionCode(*c))
    }

    pub fn parse(text: &str) -> Option<RegionCode> {
        text.trim().parse::<i64>().ok().and_then(RegionCode::new)
    }

    pub fn code(self) -> u16 {
        self.0
    }

    /// The code as the database stores it.
    pub fn get(self) -> i64 {
        i64::from(self.0)
    }

    pub fn name(self) -> &'static str {
        REGIONS
            .iter()
            .find(|(c, _)| *c == self.0)
            .map(|(_, n)| *n)
            .unwrap_or("Ukendt region")
    }

    pub fn all() -> impl Iterator<Item = RegionCode> {
        REGIONS.iter().map(|(c, _)| RegionCode(*c))
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A number that is not an official region code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0} er ikke en regionskode (1081–1085)")]
pub struct UnknownRegion(pub i64);

impl TryFrom<i64> for RegionCode {
    type Error = UnknownRegion;
    fn try_from(code: i64) -> Result<RegionCode, UnknownRegion> {
        RegionCode::new(code).ok_or(UnknownRegion(code))
    }
}

impl From<RegionCode> for i64 {
    fn from(code: RegionCode) -> i64 {
        code.get()
    }
}

impl<'de> Deserialize<'de> for RegionCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<RegionCode, D::Error> {
        let code = i64::deserialize(d)?;
        RegionCode::try_from(code).map_err(serde::de::Error::custom)
    }
}

impl Serialize for RegionCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u16(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_official_codes_parse() {
        assert_eq!(
            RegionCode::parse("1081").unwrap().name(),
            "Region Nordjylland"
        );
        assert_eq!(RegionCode::new(1085).unwrap().name(), "Region Sjælland");
        assert!(RegionCode::parse("1080").is_none());
        assert!(RegionCode::parse("1086").is_none());
        assert!(RegionCode::parse("nord").is_none());
        assert_eq!(RegionCode::all().count(), 5);
    }

    #[test]
    fn codes_are_integers_in_json() {
        let code = RegionCode::MIDTJYLLAND;
        assert_eq!(serde_json::to_string(&code).unwrap(), "1082");
        assert_eq!(serde_json::from_str::<RegionCode>("1082").unwrap(), code);
        assert!(serde_json::from_str::<RegionCode>("1080").is_err());
        assert_eq!(RegionCode::try_from(1081), Ok(RegionCode::NORDJYLLAND));
        assert_eq!(RegionCode::try_from(7), Err(UnknownRegion(7)));
        assert_eq!(i64::from(code), 1082);
    }
}
