//! The answer to B6 (the supplement) in the text written under it: the chosen amount, never one
//! of the form's own options. The form prints its options in the label, "(Tillægsstørrelse
//! 20.000 – 35.000 eller 50.000 kr.)"; people answer by writing an amount beside or after it,
//! by striking out the others (in Word, or saying "udstreget"), or by ticking a box.

use crate::text::{find_amount_spans, fold, window_after, window_before, FoundAmount};

/// The form's options, in the order it prints them.
pub const OPTIONS: [i64; 3] = [20_000, 35_000, 50_000];

/// The most text under B6 that is read for the answer, in bytes.
const MAX_TEXT: usize = 4_000;

/// How the amounts were chosen, for the evidence's confidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chosen {
    /// The amounts that are answers, in order (usually one).
    pub amounts: Vec<i64>,
    /// Whether the answer was a tick or the one left after striking out the others.
    pub by_marking: bool,
}

/// Words saying an amount before them is struck out.
fn strike_word(word: &str) -> bool {
    let w = fold(word);
    let w = w.trim_matches(|c: char| !c.is_alphanumeric());
    matches!(
        w,
        "udstreget" | "overstreget" | "gennemstreget" | "streget" | "slettet" | "udgaar"
    )
}

/// A tick or an empty box right before an amount.
fn mark_before(text: &str, at: usize) -> Option<bool> {
    let before = window_before(text, at, 24).trim_end();
    let before = before
        .strip_suffix("kr.")
        .or_else(|| before.strip_suffix("kr"))
        .or_else(|| before.strip_suffix("DKK"))
        .map(str::trim_end)
        .unwrap_or(before);
    for (mark, ticked) in [
        ("☒", true),
        ("☑", true),
        ("✔", true),
        ("✓", true),
        ("[x]", true),
        ("[X]", true),
        ("(x)", true),
        ("(X)", true),
        ("☐", false),
        ("[ ]", false),
        ("[]", false),
        ("( )", false),
    ] {
        if before.ends_with(mark) {
            return Some(ticked);
        }
    }
    // A lone "X" as a word before the amount: "X 35.000".
    let last = before.rsplit(char::is_whitespace).next().unwrap_or("");
    if last == "X" || last == "x" {
        return Some(true);
    }
    None
}

/// "35.000 (valgt)", "35.000 ← valgt", "35.000 markeret".
fn chosen_after(text: &str, end: usize) -> bool {
    let after = fold(window_after(text, end, 24));
    let after = after.trim_start_matches(|c: char| !c.is_alphanumeric());
    after.starts_with("valgt") || after.starts_with("markeret") || after.starts_with("vaelges")
}

/// Whether the text between two amounts only joins options: "–", "eller", "kr.", ",".
fn joins_options(between: &str) -> bool {
    fold(between)
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '/' | '(' | ')'))
        .filter(|w| !w.is_empty())
        .all(|w| matches!(w, "-" | "eller" | "og" | "kr" | "kr." | "dkk"))
}

/// The answer in the text under B6 (the label's own text included). Empty when the text only
/// holds the form's options or no amount.
pub fn choose(text: &str) -> Chosen {
    // The answer is short; a long text under B6 is read from its start.
    let text = window_after(text, 0, MAX_TEXT);
    let amounts = find_amount_spans(text);
    if amounts.is_empty() {
        return Chosen {
            amounts: Vec::new(),
            by_marking: false,
        };
    }
    let mut struck = vec![false; amounts.len()];
    // "… udstreget": the amounts in the same clause before the word, or the nearest before.
    let mut offset = 0;
    for word in text.split_inclusive(char::is_whitespace) {
        let here = offset;
        offset += word.len();
        if !strike_word(word) {
            continue;
        }
        // The word's own opening parenthesis ("(udstreget)") starts its clause.
        let lead = word.len()
            - word
                .trim_start_matches(|c: char| !c.is_alphanumeric())
                .len();
        let scope = window_before(text, here + lead, 200);
        let scope_start = here + lead - scope.len();
        let clause_start = scope
            .rfind(['(', ';', '\n', ':'])
            .map_or(scope_start, |p| scope_start + p + 1);
        let inside: Vec<usize> = (0..amounts.len())
            .filter(|&i| amounts[i].start >= clause_start && amounts[i].end <= here)
            .collect();
        if inside.is_empty() {
            if let Some(i) = (0..amounts.len())
                .rev()
                .find(|&i| amounts[i].end <= clause_start)
            {
                struck[i] = true;
            }
        } else {
            for i in inside {
                struck[i] = true;
            }
        }
    }
    // "(20.000 og 50.000 udstreget)" names the options it strikes: the same amounts elsewhere
    // are struck too.
    let struck_values: Vec<i64> = (0..amounts.len())
        .filter(|&i| struck[i])
        .map(|i| amounts[i].amount)
        .collect();
    for (i, a) in amounts.iter().enumerate() {
        if struck_values.contains(&a.amount) {
            struck[i] = true;
        }
    }
    let marks: Vec<Option<bool>> = amounts
        .iter()
        .map(|a| {
            if chosen_after(text, a.end) {
                Some(true)
            } else {
                mark_before(text, a.start)
            }
        })
        .collect();
    if marks.contains(&Some(true)) {
        return Chosen {
            amounts: amounts
                .iter()
                .zip(&marks)
                .filter(|(_, m)| **m == Some(true))
                .map(|(a, _)| a.amount)
                .collect(),
            by_marking: true,
        };
    }
    // The form's option list: 20.000, 35.000 and 50.000 in a row with only joining words
    // between. Untouched it is the form's text; with some struck out, the rest is the answer.
    let mut in_list = vec![false; amounts.len()];
    let mut answered_list = false;
    let mut i = 0;
    while i + 2 < amounts.len() {
        let run: &[FoundAmount] = &amounts[i..i + 3];
        let is_list = run.iter().map(|a| a.amount).eq(OPTIONS)
            && joins_options(&text[run[0].end..run[1].start])
            && joins_options(&text[run[1].end..run[2].start]);
        if is_list {
            in_list[i..i + 3].fill(true);
            let struck_here = struck[i..i + 3].iter().filter(|s| **s).count();
            if struck_here > 0 && struck_here < 3 {
                answered_list = true;
                for k in i..i + 3 {
                    if !struck[k] {
                        in_list[k] = false;
                    }
                }
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    let chosen: Vec<i64> = (0..amounts.len())
        .filter(|&k| !struck[k] && !in_list[k] && marks[k] != Some(false))
        .map(|k| amounts[k].amount)
        .collect();
    Chosen {
        amounts: chosen,
        by_marking: answered_list,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(text: &str) -> Vec<i64> {
        choose(text).amounts
    }

    #[test]
    fn the_option_list_is_never_the_answer() {
        let list = "(Tillægsstørrelse 20.000 – 35.000 eller 50.000 kr.) – tildeles den ansvarlige afd.læge";
        assert!(answer(list).is_empty());
        assert_eq!(answer(&format!("{list}: 50.000 kr.")), [50_000]);
        assert_eq!(
            answer(&format!("{list}\nTillæg: 35.000 kr. årligt")),
            [35_000]
        );
        assert_eq!(answer("Tillægsstørrelse 50.000."), [50_000]);
    }

    #[test]
    fn struck_and_ticked_options() {
        assert_eq!(
            answer("Tillægsstørrelse 20.000 (udstreget) – 35.000 eller 50.000 kr. (udstreget)"),
            [35_000]
        );
        assert_eq!(
            answer(
                "Tillægsstørrelse 20.000 – 35.000 eller 50.000 kr. (20.000 og 50.000 udstreget)"
            ),
            [35_000]
        );
        assert_eq!(
            answer("[ ] 20.000 kr.\n[X] 35.000 kr.\n[ ] 50.000 kr."),
            [35_000]
        );
        assert_eq!(
            answer("☐ 20.000 kr.   ☒ 35.000 kr.   ☐ 50.000 kr."),
            [35_000]
        );
        assert_eq!(answer("20.000 – 35.000 (valgt) – 50.000"), [35_000]);
        // Struck in Word: the struck runs are not in the text at all.
        assert_eq!(answer("Tillægsstørrelse – 35.000 eller kr."), [35_000]);
    }

    #[test]
    fn amounts_written_every_way() {
        assert_eq!(answer("kr. 35.000,- årligt"), [35_000]);
        assert_eq!(answer("Tillæg 35 t.kr. om året"), [35_000]);
        assert_eq!(answer("DKK 50.000 pr. år"), [50_000]);
        assert_eq!(answer("35.000,00 kr."), [35_000]);
    }
}
