//! A programme's workflow drawn on the server as inline SVG: the states in columns by how many
//! steps they are from the first, each step an arrow named by its button. The page always shows
//! the same steps as a table; the drawing is its picture.

use pulje_domain::programme::{StateKind, Workflow};
use std::collections::BTreeMap;
use std::fmt::Write;

const BOX_W: f64 = 170.0;
const BOX_H: f64 = 40.0;
const GAP_X: f64 = 90.0;
const GAP_Y: f64 = 34.0;
const MARGIN: f64 = 12.0;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Each state's column: its distance in steps from the initial state (unreachable ones last).
fn columns(w: &Workflow) -> BTreeMap<&str, usize> {
    let mut column: BTreeMap<&str, usize> = BTreeMap::new();
    column.insert(w.initial.as_str(), 0);
    let mut frontier = vec![w.initial.as_str()];
    while !frontier.is_empty() {
        let mut next = Vec::new();
        for state in frontier {
            let here = column[state];
            for t in w.steps_from(state) {
                if !column.contains_key(t.to.as_str()) {
                    column.insert(t.to.as_str(), here + 1);
                    next.push(t.to.as_str());
                }
            }
        }
        frontier = next;
    }
    let last = column.values().copied().max().unwrap_or(0) + 1;
    for s in &w.states {
        column.entry(s.id.as_str()).or_insert(last);
    }
    // An end reached from several places (withdrawn, say) stands to the right of all of them,
    // so its arrows run forward instead of up and down a column.
    for s in w.states.iter().filter(|s| s.kind == StateKind::Final) {
        let after = w
            .transitions
            .iter()
            .filter(|t| t.to == s.id)
            .flat_map(|t| t.from.iter())
            .filter_map(|f| column.get(f.as_str()).copied())
            .max();
        if let Some(after) = after {
            column.insert(s.id.as_str(), after + 1);
        }
    }
    column
}

/// The workflow as an SVG drawing titled `title`.
pub fn diagram(title: &str, w: &Workflow) -> String {
    let column = columns(w);
    let label = |id: &str| w.state(id).map_or(id, |s| s.label.as_str()).to_string();
    // Each state's place: its column, and its row within the column in the definition's order.
    let mut rows_used: BTreeMap<usize, usize> = BTreeMap::new();
    let mut place: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
    for s in &w.states {
        let c = column[s.id.as_str()];
        let r = rows_used.entry(c).or_insert(0);
        let x = MARGIN + c as f64 * (BOX_W + GAP_X);
        let y = MARGIN + 18.0 + *r as f64 * (BOX_H + GAP_Y);
        *r += 1;
        place.insert(s.id.as_str(), (x, y));
    }
    let width = MARGIN * 2.0
        + (column.values().copied().max().unwrap_or(0) + 1) as f64 * (BOX_W + GAP_X)
        - GAP_X;
    let height = MARGIN * 2.0
        + 18.0
        + rows_used.values().copied().max().unwrap_or(1) as f64 * (BOX_H + GAP_Y);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg class="flow" viewBox="0 0 {width:.0} {height:.0}" role="img" aria-labelledby="flow-title" xmlns="http://www.w3.org/2000/svg"><title id="flow-title">{}</title><defs><marker id="flow-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#444"/></marker></defs>"##,
        escape(title)
    );
    let mut labels = Vec::new();
    for t in &w.transitions {
        let Some(&(tx, ty)) = place.get(t.to.as_str()) else {
            continue;
        };
        for from in &t.from {
            let Some(&(fx, fy)) = place.get(from.as_str()) else {
                continue;
            };
            // The curve's four points: forward from the right edge to the left edge; back or
            // within a column, below the boxes.
            let points = if tx > fx {
                let (x1, y1, x2, y2) = (fx + BOX_W, fy + BOX_H / 2.0, tx, ty + BOX_H / 2.0);
                [
                    (x1, y1),
                    (x1 + GAP_X / 2.0, y1),
                    (x2 - GAP_X / 2.0, y2),
                    (x2, y2),
                ]
            } else {
                let (x1, y1, x2, y2) = (fx + BOX_W / 2.0, fy + BOX_H, tx + BOX_W / 2.0, ty + BOX_H);
                let dip = y1.max(y2) + GAP_Y * 0.8;
                [(x1, y1), (x1, dip), (x2, dip), (x2, y2)]
            };
            let [(x1, y1), (c1x, c1y), (c2x, c2y), (x2, y2)] = points;
            let path =
                format!("M{x1:.1},{y1:.1} C{c1x:.1},{c1y:.1} {c2x:.1},{c2y:.1} {x2:.1},{y2:.1}");
            if from == &t.from[0] {
                // The step's name once, at the middle of its first arrow.
                let mx = (x1 + 3.0 * c1x + 3.0 * c2x + x2) / 8.0;
                let my = (y1 + 3.0 * c1y + 3.0 * c2y + y2) / 8.0;
                labels.push(format!(
                    r##"<text x="{mx:.1}" y="{:.1}" text-anchor="middle" font-size="10" fill="#333" stroke="#fff" stroke-width="3" paint-order="stroke">{}</text>"##,
                    my - 3.0,
                    escape(&t.label)
                ));
            }
            let _ = write!(
                svg,
                r##"<path d="{path}" fill="none" stroke="#444" stroke-width="1.3" marker-end="url(#flow-arrow)"><title>{}: {} → {}</title></path>"##,
                escape(&t.label),
                escape(&label(from)),
                escape(&label(&t.to))
            );
        }
    }
    for s in &w.states {
        let (x, y) = place[s.id.as_str()];
        let (fill, stroke, dash) = match s.kind {
            StateKind::Editable => ("#fff7d6", "#8a6d00", " stroke-dasharray=\"5 3\""),
            StateKind::Open => ("#e3effa", "#1f4e79", ""),
            StateKind::Final => ("#e8e8e8", "#555", ""),
        };
        let _ = write!(
            svg,
            r#"<g><rect x="{x:.1}" y="{y:.1}" width="{BOX_W}" height="{BOX_H}" rx="6" fill="{fill}" stroke="{stroke}" stroke-width="{}"{dash}/><text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="13">{}</text></g>"#,
            if s.kind == StateKind::Final { 2.5 } else { 1.3 },
            x + BOX_W / 2.0,
            y + BOX_H / 2.0 + 4.5,
            escape(&s.label)
        );
    }
    for l in labels {
        svg.push_str(&l);
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use pulje_domain::programme::{Definition, SHIPPED};

    #[test]
    fn every_state_and_step_is_drawn() {
        for (id, text) in SHIPPED {
            let def = Definition::from_toml(text).unwrap();
            let svg = diagram("Sagsgang", &def.workflow);
            for s in &def.workflow.states {
                assert!(
                    svg.contains(&format!(">{}</text>", escape(&s.label))),
                    "{id}: {}",
                    s.id
                );
            }
            let arrows: usize = def.workflow.transitions.iter().map(|t| t.from.len()).sum();
            assert_eq!(svg.matches("marker-end=").count(), arrows, "{id}");
            assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        }
    }

    #[test]
    fn columns_follow_the_steps() {
        let def = Definition::from_toml(SHIPPED[0].1).unwrap();
        let c = columns(&def.workflow);
        assert_eq!(c["draft"], 0);
        assert_eq!(c["submitted"], 1);
        assert_eq!(c["ready_for_decision"], 2);
        assert_eq!(c["awaiting_signatures"], 3);
        assert_eq!(c["active"], 4);
        // Withdrawing is possible from column 2 at the latest: the end stands after it.
        assert_eq!(c["withdrawn"], 3);
        assert_eq!(c["ended"], 5);
    }
}
