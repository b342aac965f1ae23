//! Measuring and breaking text: Helvetica's advance widths, lines broken at spaces or after a
//! hyphen, and table column widths chosen so that no header word has to be cut.

/// Helvetica advance widths (thousandths of an em) for the characters we meet; others use 556.
fn width_of(c: char, bold: bool) -> f32 {
    let w = match c {
        ' ' | '.' | ',' | ':' | ';' | '!' | 'f' | 't' | '/' | 'I' | '[' | ']' | '\'' => 278.0,
        'i' | 'j' | 'l' | '|' => 222.0,
        'r' | '-' | '(' | ')' | '«' | '»' | '–' => 333.0,
        'c' | 'k' | 's' | 'v' | 'x' | 'y' | 'z' | 'J' | '"' | '*' => 500.0,
        'm' | 'M' => 833.0,
        'w' | 'C' | 'D' | 'H' | 'N' | 'R' | 'U' => 722.0,
        'G' | 'O' | 'Q' | 'Ø' => 778.0,
        'W' => 944.0,
        'F' | 'T' | 'Z' => 611.0,
        'L' => 556.0,
        'æ' => 889.0,
        'ø' => 611.0,
        'Æ' => 1000.0,
        '%' => 889.0,
        '@' => 1015.0,
        '—' => 1000.0,
        'A' | 'B' | 'E' | 'K' | 'P' | 'S' | 'V' | 'X' | 'Y' | 'Å' => 667.0,
        _ => 556.0,
    };
    if bold {
        w * 1.06
    } else {
        w
    }
}

pub(crate) fn text_width(text: &str, size: f32, bold: bool) -> f32 {
    text.chars().map(|c| width_of(c, bold)).sum::<f32>() * size / 1000.0
}

/// The pieces a line may break between: words (split at spaces), and within a word the parts
/// after each hyphen ("Afdelings-læge" → "Afdelings-", "læge"). The flag tells whether a space
/// stands before the piece.
fn pieces(paragraph: &str) -> Vec<(bool, &str)> {
    let mut out = Vec::new();
    for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
        let mut spaced = true;
        let mut rest = word;
        while let Some(at) = rest.find('-').filter(|&at| at + 1 < rest.len()) {
            out.push((spaced, &rest[..=at]));
            rest = &rest[at + 1..];
            spaced = false;
        }
        out.push((spaced, rest));
    }
    out
}

/// The widest piece of `text` that a line cannot break inside.
pub(crate) fn widest_piece(text: &str, size: f32, bold: bool) -> f32 {
    text.split('\n')
        .flat_map(pieces)
        .map(|(_, p)| text_width(p, size, bold))
        .fold(0.0, f32::max)
}

/// Breaks text into lines no wider than `max`, at spaces or after a hyphen; explicit newlines
/// are kept. Only a piece wider than `max` on its own is cut between letters (tables choose
/// their columns so that header words never are).
pub(crate) fn wrap(text: &str, size: f32, bold: bool, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.replace("\r\n", "\n").split('\n') {
        let mut line = String::new();
        for (spaced, piece) in pieces(paragraph) {
            let candidate = if line.is_empty() {
                piece.to_string()
            } else if spaced {
                format!("{line} {piece}")
            } else {
                format!("{line}{piece}")
            };
            if text_width(&candidate, size, bold) <= max {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            for c in piece.chars() {
                if text_width(&format!("{line}{c}"), size, bold) > max && !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                line.push(c);
            }
        }
        lines.push(line);
    }
    lines
}

/// Space between a cell's text and the next column.
pub(crate) const CELL_PAD: f32 = 6.0;
/// The smallest size a header row is shrunk to when its words cannot fit otherwise.
const MIN_HEADER_SIZE: f32 = 5.0;

/// A table's column widths (summing to `usable`) and its header row's font size. The relative
/// `widths` are kept where every column is wide enough for its widest header word; a narrower
/// column takes what it lacks from the others in proportion to what they have to spare (so
/// mostly from the widest). Where the body's words fit as well, they are made to fit too. Only
/// when the header words cannot fit side by side at `size` is the header row set smaller.
pub(crate) fn columns(
    widths: &[f32],
    header: &[String],
    rows: &[Vec<String>],
    size: f32,
    usable: f32,
) -> (Vec<f32>, f32) {
    fn cell(row: &[String], i: usize) -> &str {
        row.get(i).map(String::as_str).unwrap_or("")
    }
    let n = widths.len();
    let total: f32 = widths.iter().sum::<f32>().max(f32::EPSILON);
    let wanted: Vec<f32> = widths.iter().map(|w| w / total * usable).collect();
    let head_need = |s: f32| -> Vec<f32> {
        (0..n)
            .map(|i| widest_piece(cell(header, i), s, true) + CELL_PAD)
            .collect()
    };
    let mut header_size = size;
    let mut need = head_need(size);
    let sum: f32 = need.iter().sum();
    if sum > usable {
        header_size = (size * usable / sum).max(MIN_HEADER_SIZE);
        // Widths do not scale exactly with the size (the padding does not): step down until
        // the header fits or the floor is reached.
        need = head_need(header_size);
        while need.iter().sum::<f32>() > usable && header_size > MIN_HEADER_SIZE {
            header_size = (header_size - 0.25).max(MIN_HEADER_SIZE);
            need = head_need(header_size);
        }
        if need.iter().sum::<f32>() > usable {
            return (wanted, header_size);
        }
    } else {
        let with_body: Vec<f32> = (0..n)
            .map(|i| {
                rows.iter()
                    .map(|r| widest_piece(cell(r, i), size, false) + CELL_PAD)
                    .fold(need[i], f32::max)
            })
            .collect();
        if with_body.iter().sum::<f32>() <= usable {
            need = with_body;
        }
    }
    (make_room(&wanted, &need), header_size)
}

/// `wanted` changed as little as possible so that every column has at least `need` (whose sum
/// is at most `wanted`'s): what the narrow columns lack is taken from the others in proportion to
/// their spare width.
fn make_room(wanted: &[f32], need: &[f32]) -> Vec<f32> {
    let lacking: f32 = wanted.iter().zip(need).map(|(w, n)| (n - w).max(0.0)).sum();
    if lacking <= 0.0 {
        return wanted.to_vec();
    }
    let spare: f32 = wanted.iter().zip(need).map(|(w, n)| (w - n).max(0.0)).sum();
    wanted
        .iter()
        .zip(need)
        .map(|(&w, &n)| {
            if w < n {
                n
            } else if spare > 0.0 {
                // Never below `n`, even by a rounding error that would cut a letter off.
                (w - lacking * (w - n) / spare).max(n)
            } else {
                w
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_words_and_text_wrap_inside_the_width() {
        let lines = wrap(&"ord ".repeat(200), 10.0, false, 200.0);
        assert!(lines.len() > 5);
        assert!(lines.iter().all(|l| text_width(l, 10.0, false) <= 200.0));
        let long = wrap(&"x".repeat(500), 10.0, false, 100.0);
        assert!(long.iter().all(|l| text_width(l, 10.0, false) <= 100.0));
    }

    #[test]
    fn lines_break_at_spaces_and_after_hyphens_only() {
        let width = text_width("Afdelings-", 9.0, true) + 1.0;
        let lines = wrap("Afdelings-læge i Region Syd", 9.0, true, width);
        assert_eq!(lines[0], "Afdelings-");
        assert_eq!(lines[1], "læge i");
        assert!(lines.iter().all(|l| text_width(l, 9.0, true) <= width));
        // A hyphen that ends a word or stands alone is no break inside a word.
        assert_eq!(wrap("a - b", 9.0, false, 500.0), vec!["a - b"]);
        assert_eq!(wrap("Nord-", 9.0, false, 500.0), vec!["Nord-"]);
    }

    #[test]
    fn narrow_columns_take_width_from_the_wide_ones() {
        let header: Vec<String> = ["Nr.", "Afdelingslæger", "Beskrivelse af forsøget"]
            .map(String::from)
            .to_vec();
        let (cols, size) = columns(&[1.0, 1.0, 8.0], &header, &[], 9.0, 400.0);
        assert_eq!(size, 9.0);
        assert!((cols.iter().sum::<f32>() - 400.0).abs() < 0.01);
        assert!(cols[1] >= text_width("Afdelingslæger", 9.0, true) + CELL_PAD);
        assert!(cols[2] < 320.0, "the wide column gave way: {cols:?}");
        let nr = text_width("Nr.", 9.0, true) + CELL_PAD;
        assert!(
            cols[0] >= nr && 40.0 - cols[0] < 400.0 - cols[2],
            "{cols:?}"
        );
    }

    #[test]
    fn header_words_too_wide_together_shrink_the_header_row() {
        let header = vec!["Afdelingslægeuddannelsesforløbene".to_string(); 4];
        let (cols, size) = columns(&[1.0; 4], &header, &[], 9.0, 400.0);
        assert!(size < 9.0);
        for c in cols {
            assert!(c >= text_width(&header[0], size, true) + CELL_PAD - 0.01);
        }
    }
}
