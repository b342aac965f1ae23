//! The four figures of a pool's money, defined once for every page, report and statement that
//! shows them: what the pool holds (bevilget), what approved agreements have claimed of it
//! (disponeret), what payroll has been told to pay (udbetalt), and what no agreement has claimed
//! (ubrugt).

use crate::money::Ore;

/// One of the four figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Figure {
    Granted,
    Committed,
    Paid,
    Unused,
}

impl Figure {
    pub const ALL: [Figure; 4] = [
        Figure::Granted,
        Figure::Committed,
        Figure::Paid,
        Figure::Unused,
    ];

    /// The column title.
    pub fn label_da(self) -> &'static str {
        match self {
            Figure::Granted => "Bevilget",
            Figure::Committed => "Disponeret",
            Figure::Paid => "Udbetalt",
            Figure::Unused => "Ubrugt",
        }
    }

    /// What the figure is, for a glossary beside the figures.
    pub fn definition_da(self) -> &'static str {
        match self {
            Figure::Granted => "det beløb, regionens pulje har fået i puljens periode",
            Figure::Committed => {
                "de godkendte aftalers månedlige beløb for måneder inden for puljens periode"
            }
            Figure::Paid => "det, lønsystemet har fået besked om at udbetale for måneder inden for puljens periode",
            Figure::Unused => {
                "bevilget minus disponeret: det, ingen godkendt aftale har gjort krav på (negativt, hvis styregruppen har disponeret mere end puljen)"
            }
        }
    }

    /// "Bevilget er …; disponeret er …; …." as one sentence.
    pub fn glossary_da() -> String {
        let parts: Vec<String> = Figure::ALL
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let label = if i == 0 {
                    f.label_da().to_string()
                } else {
                    f.label_da().to_lowercase()
                };
                format!("{label} er {}", f.definition_da())
            })
            .collect();
        format!("{}.", parts.join("; "))
    }
}

/// Ubrugt: bevilget minus disponeret (`None` on overflow).
pub fn unused(granted: Ore, committed: Ore) -> Option<Ore> {
    granted.checked_sub(committed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unused_is_granted_minus_committed_and_may_be_negative() {
        let kr = |k| Ore::from_kr(k).unwrap();
        assert_eq!(unused(kr(100), kr(30)), Some(kr(70)));
        assert_eq!(unused(kr(100), kr(130)), Some(kr(-30)));
    }

    #[test]
    fn the_glossary_names_every_figure() {
        let g = Figure::glossary_da();
        assert!(g.starts_with("Bevilget er "), "{g}");
        for f in Figure::ALL {
            assert!(g.contains(f.definition_da()), "{g}");
        }
    }
}
