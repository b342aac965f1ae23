//! Small text tools shared by the recognisers: folding for comparison, fuzzy matching, joining
//! words hyphenated across lines, and reading Danish dates and amounts.

use chrono::NaiveDate;

/// Lower case, Danish letters spelt out (æ→ae, ø→oe, å→aa), accents dropped, dashes made
/// plain, whitespace collapsed. For comparing, never for showing.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        let piece: &str = match c {
            'æ' | 'Æ' | 'ä' | 'Ä' => "ae",
            'ø' | 'Ø' | 'ö' | 'Ö' => "oe",
            'å' | 'Å' => "aa",
            'é' | 'É' | 'è' | 'È' | 'ê' | 'ë' => "e",
            'á' | 'à' | 'â' | 'Á' => "a",
            'ü' | 'Ü' | 'ú' | 'ù' => "u",
            'í' | 'ì' | 'ï' => "i",
            'ó' | 'ò' | 'ô' => "o",
            '–' | '—' | '‐' | '‑' | '−' => "-",
            '’' | '‘' | '`' | '´' => "'",
            '“' | '”' | '«' | '»' => "\"",
            '\u{fffd}' => "?",
            c if c.is_whitespace() => {
                space = true;
                continue;
            }
            _ => {
                if space && !out.is_empty() {
                    out.push(' ');
                }
                space = false;
                for l in c.to_lowercase() {
                    out.push(l);
                }
                continue;
            }
        };
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.push_str(piece);
    }
    out
}

/// At most `max` bytes of `s` before byte `at`, cut at a character boundary.
pub fn window_before(s: &str, at: usize, max: usize) -> &str {
    let at = at.min(s.len());
    let mut start = at.saturating_sub(max);
    while !s.is_char_boundary(start) {
        start += 1;
    }
    &s[start..at]
}

/// At most `max` bytes of `s` from byte `at`, cut at a character boundary.
pub fn window_after(s: &str, at: usize, max: usize) -> &str {
    let at = at.min(s.len());
    let mut end = (at + max).min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[at..end]
}

/// Edit distance (insertions, deletions, substitutions) between two strings, by characters.
pub fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// How alike two strings are after folding, 0.0–1.0.
pub fn similarity(a: &str, b: &str) -> f64 {
    let (a, b) = (fold(a), fold(b));
    let (la, lb) = (a.chars().count(), b.chars().count());
    let longest = la.max(lb);
    if longest == 0 {
        return 1.0;
    }
    // Far apart in length means far apart in content; spare the quadratic comparison.
    if la.abs_diff(lb) * 2 > longest {
        return 1.0 - la.abs_diff(lb) as f64 / longest as f64;
    }
    1.0 - levenshtein(&a, &b) as f64 / longest as f64
}

/// Words that may follow a hyphen at a line's end without being the rest of a split word
/// ("Hjerne- og Rygkirurgi").
const CONJUNCTIONS: [&str; 6] = ["og", "eller", "samt", "til", "som", "and"];

/// Joins words hyphenated across lines: "udvik-" + "ling" → "udvikling", "BI-" + "portalen" →
/// "BI-portalen" (a capital or digit before the hyphen keeps it). Blank lines between the two
/// halves (page debris, double spacing) are dropped with the join. Returns the lines with the
/// (1-based) number of the line each started on.
pub fn dehyphenate(lines: &[&str]) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let mut line = lines[i].trim_end().to_string();
        let start = i + 1;
        i += 1;
        loop {
            let trimmed = line.trim_end();
            let Some(before) = trimmed.strip_suffix('-') else {
                break;
            };
            let Some(prev) = before.chars().last() else {
                break;
            };
            if !prev.is_alphanumeric() {
                break;
            }
            // Find the next non-blank line.
            let mut j = i;
            while j < lines.len() && lines[j].trim().is_empty() && j - i < 3 {
                j += 1;
            }
            if j >= lines.len() || lines[j].trim().is_empty() {
                break;
            }
            let next = lines[j].trim();
            let first_word: String = next
                .chars()
                .take_while(|c| c.is_alphanumeric())
                .collect::<String>()
                .to_lowercase();
            let starts_lower = next.chars().next().is_some_and(|c| c.is_lowercase());
            if !starts_lower || CONJUNCTIONS.contains(&first_word.as_str()) {
                break;
            }
            let keep_hyphen = prev.is_uppercase() || prev.is_ascii_digit();
            line = if keep_hyphen {
                format!("{}{}", trimmed, next)
            } else {
                format!("{}{}", before, next)
            };
            i = j + 1;
        }
        out.push((start, line));
    }
    out
}

fn month_number(word: &str) -> Option<u32> {
    let w = fold(word);
    let w = w.trim_end_matches('.');
    let m = match w {
        "januar" | "jan" => 1,
        "februar" | "feb" | "febr" => 2,
        "marts" | "mar" | "mrt" => 3,
        "april" | "apr" => 4,
        "maj" => 5,
        "juni" | "jun" => 6,
        "juli" | "jul" => 7,
        "august" | "aug" => 8,
        "september" | "sep" | "sept" => 9,
        "oktober" | "okt" => 10,
        "november" | "nov" => 11,
        "december" | "dec" => 12,
        _ => return None,
    };
    Some(m)
}

/// A date found in text, with the byte range it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundDate {
    pub date: NaiveDate,
    pub start: usize,
    pub end: usize,
}

fn digits_at(s: &[u8], i: usize, max: usize) -> Option<(u32, usize)> {
    let mut j = i;
    while j < s.len() && j - i < max + 1 && s[j].is_ascii_digit() {
        j += 1;
    }
    if j == i || j - i > max {
        return None;
    }
    let n = std::str::from_utf8(&s[i..j]).ok()?.parse().ok()?;
    Some((n, j))
}

fn skip_spaces(s: &[u8], mut i: usize) -> usize {
    while i < s.len() && (s[i] == b' ' || s[i] == b'\t' || s[i] == b'\n') {
        i += 1;
    }
    i
}

fn year(n: u32, len: usize) -> Option<i32> {
    match len {
        4 if (1990..=2100).contains(&n) => Some(n as i32),
        2 => Some(2000 + n as i32),
        _ => None,
    }
}

/// OCR's confusions in words made of figures ("O1:O5:2O22", "l9.O4", "2O.OOO"): O and o read
/// as 0, l, I and | as 1, and ":" or ";" between figures as ".". Only in a word that holds a
/// real figure and nothing but figures, those letters and separators; byte for byte the same
/// length, so positions in the result are positions in the text.
pub fn ocr_figures(text: &str) -> std::borrow::Cow<'_, str> {
    let confusable = |c: char| matches!(c, 'O' | 'o' | 'l' | 'I' | '|');
    let separator = |c: char| matches!(c, '.' | ':' | ';' | ',' | '/' | '-' | '(' | ')');
    let needs = text.split_whitespace().any(|w| {
        w.chars().any(|c| c.is_ascii_digit())
            && w.chars().any(|c| confusable(c) || c == ':' || c == ';')
            && w.chars()
                .all(|c| c.is_ascii_digit() || confusable(c) || separator(c))
    });
    if !needs {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let figures = word.chars().any(|c| c.is_ascii_digit())
            && word
                .chars()
                .all(|c| c.is_ascii_digit() || confusable(c) || separator(c));
        if figures {
            let chars: Vec<char> = word.chars().collect();
            for (i, &c) in chars.iter().enumerate() {
                let between_figures = i > 0
                    && i + 1 < chars.len()
                    && (chars[i - 1].is_ascii_digit() || confusable(chars[i - 1]))
                    && (chars[i + 1].is_ascii_digit() || confusable(chars[i + 1]));
                out.push(match c {
                    'O' | 'o' => '0',
                    'l' | 'I' | '|' => '1',
                    ':' | ';' if between_figures => '.',
                    c => c,
                });
            }
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_whitespace() {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    std::borrow::Cow::Owned(out)
}

/// Every date in the text, in the forms Danish forms use: "1. april 2022", "31. dec. 2023",
/// "1. apr. 22", "01-03-2022", "29.03.2022", "01.04.22", "31.12. 2023", "1/4 2022", "1/4-2022",
/// "2022-04-01", also with OCR's confusions ([`ocr_figures`]). A two-digit year is 20xx.
pub fn find_dates(text: &str) -> Vec<FoundDate> {
    let normal = ocr_figures(text);
    let text: &str = &normal;
    let s = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < s.len() {
        if !s[i].is_ascii_digit() || (i > 0 && (s[i - 1].is_ascii_digit() || s[i - 1] == b'.')) {
            i += 1;
            continue;
        }
        if let Some((date, end)) = date_at(text, i) {
            found.push(FoundDate {
                date,
                start: i,
                end,
            });
            i = end;
        } else {
            i += 1;
        }
    }
    found
}

fn date_at(text: &str, i: usize) -> Option<(NaiveDate, usize)> {
    let s = text.as_bytes();
    let (first, j) = digits_at(s, i, 4)?;
    // ISO: 2022-04-01
    if j - i == 4 && s.get(j) == Some(&b'-') {
        let (m, k) = digits_at(s, j + 1, 2)?;
        if s.get(k) != Some(&b'-') {
            return None;
        }
        let (d, l) = digits_at(s, k + 1, 2)?;
        return NaiveDate::from_ymd_opt(first as i32, m, d).map(|date| (date, l));
    }
    if j - i > 2 {
        return None;
    }
    let day = first;
    let sep = *s.get(j)?;
    // Numeric: 01-03-2022, 29.03.2022, 31.12. 2023, 1/4 2022, 1/4-2022
    if matches!(sep, b'.' | b'-' | b'/') {
        if let Some((month, k)) = digits_at(s, j + 1, 2) {
            let mut l = k;
            if l < s.len() && matches!(s[l], b'.' | b'-' | b'/') {
                l += 1;
            }
            let l2 = skip_spaces(s, l);
            if l2 - l > 3 {
                return None;
            }
            let (y, e) = digits_at(s, l2, 4)?;
            let y = year(y, e - l2)?;
            if e < s.len() && s[e].is_ascii_digit() {
                return None;
            }
            return NaiveDate::from_ymd_opt(y, month, day).map(|date| (date, e));
        }
    }
    // Words: 1. april 2022, 31. dec. 2023, 1 april 2022
    let mut k = j;
    if s.get(k) == Some(&b'.') {
        k += 1;
    }
    let k = skip_spaces(s, k);
    let word_end = text[k..]
        .char_indices()
        .find(|(_, c)| !c.is_alphabetic())
        .map(|(n, _)| k + n)
        .unwrap_or(text.len());
    if word_end == k {
        return None;
    }
    let month = month_number(&text[k..word_end])?;
    let mut l = word_end;
    if s.get(l) == Some(&b'.') {
        l += 1;
    }
    let l2 = skip_spaces(s, l);
    let (y, e) = digits_at(s, l2, 4)?;
    // "1. apr. 22": a two-digit year after a month's name, but not "1. april 22 patienter".
    let two_digit_ok = e - l2 == 2
        && s.get(e).is_none_or(|c| !c.is_ascii_alphanumeric())
        && !text[e..]
            .trim_start()
            .starts_with(|c: char| c.is_alphabetic());
    if e - l2 != 4 && !two_digit_ok {
        return None;
    }
    let y = year(y, e - l2)?;
    NaiveDate::from_ymd_opt(y, month, day).map(|date| (date, e))
}

/// An amount in kroner: "50.000", "50.000,00", "35000"; four plain digits are taken for a year
/// and "20 000" is not read (ambiguous).
pub fn parse_amount(token: &str) -> Option<i64> {
    let t = token.trim_matches(|c: char| !c.is_ascii_digit());
    if t.is_empty() {
        return None;
    }
    let (whole, _fraction) = match t.split_once(',') {
        Some((w, f)) if f.chars().all(|c| c.is_ascii_digit()) && f.len() <= 2 => (w, Some(f)),
        Some(_) => return None,
        None => (t, None),
    };
    if whole.contains('.') {
        let groups: Vec<&str> = whole.split('.').collect();
        if groups[0].is_empty()
            || groups[0].len() > 3
            || groups[1..].iter().any(|g| g.len() != 3)
            || !groups.iter().all(|g| g.chars().all(|c| c.is_ascii_digit()))
        {
            return None;
        }
        return groups.concat().parse().ok();
    }
    if whole.len() >= 5 && whole.len() <= 9 && whole.chars().all(|c| c.is_ascii_digit()) {
        return whole.parse().ok();
    }
    None
}

/// An amount found in text, with the byte range it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FoundAmount {
    pub amount: i64,
    pub start: usize,
    pub end: usize,
}

/// Whether a word says "thousand kroner": "t.kr.", "tkr.", "t. kr", "tusind".
fn thousands_word(word: &str) -> bool {
    let w = fold(word);
    let w = w.trim_end_matches(['.', ',', ')']);
    matches!(w, "t.kr" | "tkr" | "t" | "tusind" | "t.kroner" | "tusinde")
}

/// Every amount of at least 1.000 kr. in a text, in order, with where it stands: "50.000",
/// "kr. 35.000,-", "35.000,00 kr.", "DKK 50.000", "35 t.kr.", also with OCR's confusions.
pub fn find_amount_spans(text: &str) -> Vec<FoundAmount> {
    let normal = ocr_figures(text);
    let text: &str = &normal;
    let is_split = |c: char| c.is_whitespace() || matches!(c, '(' | ')' | '–' | '-' | '[' | ']');
    let mut words: Vec<(usize, usize)> = Vec::new();
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        if is_split(c) {
            if let Some(s) = start.take() {
                words.push((s, i));
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    let mut out = Vec::new();
    for (k, &(s, e)) in words.iter().enumerate() {
        let word = &text[s..e];
        if let Some(amount) = parse_amount(word).filter(|a| *a >= 1000) {
            out.push(FoundAmount {
                amount,
                start: s,
                end: e,
            });
            continue;
        }
        // "35 t.kr.": a small whole number followed by "thousand kroner".
        let digits = word.trim_end_matches(['.', ',']);
        if !digits.is_empty() && digits.len() <= 3 && digits.chars().all(|c| c.is_ascii_digit()) {
            if let Some(&(ns, ne)) = words.get(k + 1) {
                let next = &text[ns..ne];
                let next_two = words
                    .get(k + 2)
                    .map(|&(_, e2)| &text[ns..e2])
                    .unwrap_or(next);
                let thousand = thousands_word(next)
                    && (fold(next) != "t" || fold(next_two).replace(' ', "").starts_with("t.kr"));
                if thousand {
                    let n: i64 = digits.parse().unwrap_or(0);
                    if n > 0 {
                        out.push(FoundAmount {
                            amount: n * 1000,
                            start: s,
                            end: ne,
                        });
                    }
                }
            }
        }
    }
    out
}

/// Every amount of at least 1.000 kr. in a text, in order.
pub fn find_amounts(text: &str) -> Vec<i64> {
    find_amount_spans(text)
        .into_iter()
        .map(|a| a.amount)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn every_date_form_of_the_forms() {
        let cases = [
            ("1. april 2022", d(2022, 4, 1)),
            ("01-03-2022", d(2022, 3, 1)),
            ("29.03.2022", d(2022, 3, 29)),
            ("31. dec. 2023", d(2023, 12, 31)),
            ("31.12. 2023", d(2023, 12, 31)),
            ("31.12.\n\n2023", d(2023, 12, 31)),
            ("Indtil 31-12-2023", d(2023, 12, 31)),
            ("2022-04-01", d(2022, 4, 1)),
            ("1/4 2022", d(2022, 4, 1)),
            ("3. Marts 2023", d(2023, 3, 3)),
        ];
        for (text, want) in cases {
            let found = find_dates(text);
            assert_eq!(found.len(), 1, "{text:?}: {found:?}");
            assert_eq!(found[0].date, want, "{text:?}");
        }
        let more = [
            ("1. apr. 22", d(2022, 4, 1)),
            ("31. mar. 23 (senest)", d(2023, 3, 31)),
            ("01.04.22", d(2022, 4, 1)),
            ("1/4-2022", d(2022, 4, 1)),
            ("O1:O5:2O22", d(2022, 5, 1)),
            ("3O;O4;2O23", d(2023, 4, 30)),
            ("l9.O4.2O22", d(2022, 4, 19)),
        ];
        for (text, want) in more {
            let found = find_dates(text);
            assert_eq!(found.len(), 1, "{text:?}: {found:?}");
            assert_eq!(found[0].date, want, "{text:?}");
        }
        assert!(find_dates("1. april 22 patienter").is_empty());
        assert!(find_dates("kl. 15:10").is_empty());
        assert!(find_dates("31.02.2023").is_empty());
        assert!(find_dates("version 2.0 af 3 dele").is_empty());
        assert!(find_dates("siden 2006 været").is_empty());
    }

    #[test]
    fn amounts() {
        assert_eq!(find_amounts("Tillægsstørrelse 50.000."), [50_000]);
        assert_eq!(
            find_amounts("(Tillægsstørrelse 20.000 – 35.000 eller 50.000 kr.)"),
            [20_000, 35_000, 50_000]
        );
        assert_eq!(find_amounts("kr. 35000,00"), [35_000]);
        assert!(find_amounts("siden 2006 og 5-6 år").is_empty());
        assert!(find_amounts("31.12. 2023").is_empty());
        assert_eq!(find_amounts("kr. 35.000,- årligt"), [35_000]);
        assert_eq!(find_amounts("Tillæg 35 t.kr. om året"), [35_000]);
        assert_eq!(find_amounts("50 tkr."), [50_000]);
        assert_eq!(find_amounts("DKK 50.000 pr. år"), [50_000]);
        assert_eq!(find_amounts("Tillæg 2O.OOO kr."), [20_000]);
        assert!(find_amounts("B6 og 3 timer").is_empty());
    }

    #[test]
    fn hyphenated_words_are_joined() {
        let lines = [
            "Infektionsmedi-",
            "cinsk",
            "Hjerne-",
            "og Rygkirurgi",
            "BI-",
            "",
            "portalen.",
            "3 -",
            "Farmakologi",
        ];
        let joined: Vec<String> = dehyphenate(&lines).into_iter().map(|(_, l)| l).collect();
        assert_eq!(
            joined,
            [
                "Infektionsmedicinsk",
                "Hjerne-",
                "og Rygkirurgi",
                "BI-portalen.",
                "3 -",
                "Farmakologi"
            ]
        );
    }

    #[test]
    fn folding_and_similarity() {
        assert_eq!(
            fold("  Tværfagligt  SAMARBEJDE – Å "),
            "tvaerfagligt samarbejde - aa"
        );
        assert!(
            similarity(
                "Tværsektarie/le patientforløb",
                "Tværsektorielle patientforløb"
            ) > 0.9
        );
        assert_eq!(levenshtein("kitten", "sitting"), 3);
    }
}
