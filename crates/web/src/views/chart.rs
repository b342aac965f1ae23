//! A bar chart drawn on the server as inline SVG: no JavaScript, readable by screen readers
//! through its title and the table that always accompanies it.

use std::fmt::Write;

/// One group of bars (e.g. a tranche) with one value per series.
pub struct Group {
    pub label: String,
    pub values: Vec<i64>,
}

/// Series names and their colours, in the order of each group's values.
pub struct Series {
    pub name: &'static str,
    pub colour: &'static str,
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Grouped vertical bars scaled to the largest value; `describe` renders a value for labels.
pub fn bars(
    title: &str,
    series: &[Series],
    groups: &[Group],
    describe: impl Fn(i64) -> String,
) -> String {
    let (width, height, top, bottom, left) = (640.0_f64, 260.0_f64, 20.0_f64, 50.0_f64, 10.0_f64);
    let max = groups
        .iter()
        .flat_map(|g| g.values.iter())
        .copied()
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let group_width = (width - left * 2.0) / groups.len().max(1) as f64;
    let bar_width = (group_width * 0.8) / series.len().max(1) as f64;
    let plot = height - top - bottom;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="chart-title" xmlns="http://www.w3.org/2000/svg"><title id="chart-title">{}</title>"#,
        escape(title)
    );
    for (gi, g) in groups.iter().enumerate() {
        let x0 = left + gi as f64 * group_width + group_width * 0.1;
        for (si, v) in g.values.iter().enumerate() {
            let h = (*v as f64 / max) * plot;
            let x = x0 + si as f64 * bar_width;
            let y = top + plot - h;
            let colour = series.get(si).map(|s| s.colour).unwrap_or("#888");
            let name = series.get(si).map(|s| s.name).unwrap_or("");
            let _ = write!(
                svg,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{:.1}" height="{h:.1}" fill="{colour}"><title>{}: {}</title></rect>"#,
                (bar_width - 2.0).max(1.0),
                escape(&format!("{} – {name}", g.label)),
                escape(&describe(*v))
            );
        }
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="13">{}</text>"#,
            x0 + group_width * 0.4,
            height - bottom + 18.0,
            escape(&g.label)
        );
    }
    let mut lx = left;
    for s in series {
        let _ = write!(
            svg,
            r#"<rect x="{lx:.1}" y="{:.1}" width="12" height="12" fill="{}"/><text x="{:.1}" y="{:.1}" font-size="13">{}</text>"#,
            height - 16.0,
            s.colour,
            lx + 16.0,
            height - 6.0,
            escape(s.name)
        );
        lx += 150.0;
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_value_and_escape_labels() {
        let series = [
            Series {
                name: "Pulje",
                colour: "#123",
            },
            Series {
                name: "Disponeret",
                colour: "#456",
            },
        ];
        let groups = [Group {
            label: "1. pulje <2022>".into(),
            values: vec![100, 50],
        }];
        let svg = bars("Puljen", &series, &groups, |v| v.to_string());
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("height=\"190.0\""), "{svg}");
        assert!(svg.contains("height=\"95.0\""), "{svg}");
        assert!(svg.contains("&lt;2022&gt;"));
        assert!(!svg.contains("<2022>"));
    }
}
