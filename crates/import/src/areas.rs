//! The regions' area names (priority areas) that imported text is matched against.

use crate::text::{fold, similarity};

/// Region Midtjylland's areas for the OK21 trials.
pub const MIDTJYLLAND: [&str; 4] = [
    "Faglig specialist evt. med et særligt fokusområde",
    "Tværsektorielle patientforløb (brobygger)",
    "Forbedringsaktiviteter, herunder fælles beslutningstagen",
    "Digitalisering og forbedringsaktiviteter",
];

/// Region Nordjylland's six priority areas.
pub const NORDJYLLAND: [&str; 6] = [
    "Forskning",
    "Uddannelse",
    "Kvalitetssikring",
    "Ledelse",
    "Faglig specialist",
    "Digitalisering",
];

/// Short names used in Region Nordjylland's overview table, and the area each stands for.
pub const NORDJYLLAND_SHORT: [(&str, &str); 3] = [
    ("Kvalitet", "Kvalitetssikring"),
    ("Faglig ekspert", "Faglig specialist"),
    ("Digitalise", "Digitalisering"),
];

/// The known areas for a region code (1081 Nordjylland, 1082 Midtjylland); empty for others.
pub fn for_region(code: u16) -> &'static [&'static str] {
    match code {
        1081 => &NORDJYLLAND,
        1082 => &MIDTJYLLAND,
        _ => &[],
    }
}

/// The known area a written area name stands for, and whether it was written exactly (after
/// folding case, Danish letters and spaces). Tolerates OCR damage (about one wrong character in
/// eight) and names cut short after their first words.
pub fn match_area(written: &str, known: &[&str]) -> Option<(String, bool)> {
    let w = fold(written.trim().trim_end_matches(['.', ',', ';']));
    if w.is_empty() {
        return None;
    }
    for name in known {
        if fold(name) == w {
            return Some((name.to_string(), true));
        }
    }
    for (short, long) in NORDJYLLAND_SHORT {
        if fold(short) == w && known.contains(&long) {
            return Some((long.to_string(), true));
        }
    }
    let mut best: Option<(&str, f64)> = None;
    for name in known {
        let s = similarity(written, name);
        if best.is_none_or(|(_, b)| s > b) {
            best = Some((name, s));
        }
    }
    match best {
        Some((name, s)) if s >= 0.85 => Some((name.to_string(), false)),
        _ => known
            .iter()
            .find(|name| w.chars().count() >= 12 && fold(name).starts_with(&w))
            .map(|name| (name.to_string(), false)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damaged_names_are_matched() {
        assert_eq!(
            match_area("Tværsektarie/le patientforløb (brobygger)", &MIDTJYLLAND),
            Some(("Tværsektorielle patientforløb (brobygger)".into(), false))
        );
        assert_eq!(
            match_area(
                "Faglig specialist evt. med et særligt fokusomr\u{fffd}de",
                &MIDTJYLLAND
            ),
            Some((
                "Faglig specialist evt. med et særligt fokusområde".into(),
                false
            ))
        );
        assert_eq!(
            match_area(
                "forbedringsaktiviteter, herunder fælles beslutningstagen",
                &MIDTJYLLAND
            ),
            Some((
                "Forbedringsaktiviteter, herunder fælles beslutningstagen".into(),
                true
            ))
        );
        assert_eq!(
            match_area("Kvalitet", &NORDJYLLAND),
            Some(("Kvalitetssikring".into(), true))
        );
        assert_eq!(match_area("Kardiologi", &MIDTJYLLAND), None);
    }
}
