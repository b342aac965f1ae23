//! A programme's awarded grants as open data in the 360Giving Data Standard (version 1.4): a
//! JSON grant package and the standard's flat CSV with the same fields, for anyone to read
//! without logging in.
//!
//! Published per grant: an identifier, the title, a description (the trial's purpose), currency
//! DKK, the amount awarded in kroner (the agreement's months, or a lump sum's instalments), the
//! award date (the decision, in Danish time), the planned dates, the recipient (the hospital and
//! the department as written in the agreement), the funding organisation (the region) and the
//! grant programme. Never published: people. Every name the application holds (responsible
//! leader and doctor, the signing parties, the participants) is replaced by «[navn]» wherever it
//! occurs in the title or the description, and anything that looks like an e-mail address by
//! «[e-mail]».
//!
//! Identifiers use the prefix `360G-pulje`: a grant is `360G-pulje-{programme}-{region code}-{id}`,
//! a region `360G-pulje-region-{code}` and a recipient hospital department
//! `360G-pulje-{region code}-{hospital and department, lower case, dashes}`. A publisher that
//! registers its own 360Giving prefix maps these when it submits the data.

use crate::sheet::{Dialect, Sheet, Value};
use crate::Result;
use chrono::NaiveDate;
use pulje_domain::date;
use pulje_domain::Ore;
use pulje_store::open_data::AwardedGrant;
use pulje_store::programmes::Programme;
use pulje_store::Handle;
use serde::Serialize;
use serde_json::value::RawValue;

/// The version of the 360Giving standard the package follows.
pub const VERSION: &str = "1.4";

/// The CSV columns, as the standard's flattened template names them.
pub const CSV_HEADER: [&str; 17] = [
    "Identifier",
    "Title",
    "Description",
    "Currency",
    "Amount Awarded",
    "Award Date",
    "Planned Dates:Start Date",
    "Planned Dates:End Date",
    "Planned Dates:Duration (months)",
    "Recipient Org:Identifier",
    "Recipient Org:Name",
    "Recipient Org:Department",
    "Funding Org:Identifier",
    "Funding Org:Name",
    "Grant Programme:Code",
    "Grant Programme:Title",
    "Last Modified",
];

/// A 360Giving grant package.
#[derive(Debug, Serialize)]
pub struct Package {
    pub version: &'static str,
    pub title: String,
    pub description: String,
    /// The day the package was made, in Danish time.
    pub issued: String,
    pub grants: Vec<Grant>,
}

/// One grant, with the standard's field names.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Grant {
    pub id: String,
    pub title: String,
    pub description: String,
    pub currency: &'static str,
    /// Kroner with two decimals, written as a JSON number without passing through a float.
    pub amount_awarded: Box<RawValue>,
    /// The same amount, for the CSV.
    #[serde(skip)]
    pub awarded: Ore,
    pub award_date: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub planned_dates: Vec<PlannedDates>,
    pub recipient_organization: Vec<Organisation>,
    pub funding_organization: Vec<Organisation>,
    pub grant_programme: Vec<GrantProgramme>,
    pub date_modified: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedDates {
    pub start_date: String,
    pub end_date: String,
    /// Whole calendar months the period touches.
    pub duration: u32,
}

#[derive(Debug, Serialize)]
pub struct Organisation {
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct GrantProgramme {
    pub code: String,
    pub title: String,
}

/// The package of `programme_id`'s awarded grants; `None` when the programme does not exist
/// or has awarded nothing yet (the standard requires at least one grant in a package).
pub async fn package(db: &mut Handle, programme_id: &str) -> Result<Option<Package>> {
    let mut conn = db.conn().await?;
    let Some(programme) = pulje_store::programmes::get(&mut conn, programme_id).await? else {
        return Ok(None);
    };
    let grants = pulje_store::open_data::awarded(&mut conn, programme_id).await?;
    if grants.is_empty() {
        return Ok(None);
    }
    Ok(Some(Package {
        version: VERSION,
        title: format!("{}: bevilgede forsøg", programme.name),
        description: format!(
            "Forsøg, der har fået midler fra «{}», som åbne data efter 360Giving-standarden. \
             Beløb er i danske kroner; personer er ikke nævnt.",
            programme.name
        ),
        issued: date::today_in_denmark().format("%Y-%m-%d").to_string(),
        grants: grants.iter().map(|g| grant(&programme, g)).collect(),
    }))
}

fn grant(programme: &Programme, g: &AwardedGrant) -> Grant {
    let region = g.region_code;
    let recipient_name = if g.hospital.trim().is_empty() {
        without_people(&g.department, &g.names)
    } else {
        g.hospital.clone()
    };
    let department = without_people(&g.department, &g.names);
    let department =
        (!department.trim().is_empty() && department != recipient_name).then_some(department);
    let recipient_key = format!(
        "{} {}",
        recipient_name,
        department.as_deref().unwrap_or_default()
    );
    let planned_dates = match (g.start_date, g.end_date) {
        (Some(start), Some(end)) if start <= end => vec![PlannedDates {
            start_date: start.format("%Y-%m-%d").to_string(),
            end_date: end.format("%Y-%m-%d").to_string(),
            duration: months_touched(start, end),
        }],
        _ => Vec::new(),
    };
    Grant {
        id: format!(
            "360G-pulje-{}-{}-{}",
            programme.id, region, g.application_id
        ),
        title: without_people(&g.title, &g.names),
        description: description(&without_people(&g.purpose, &g.names), &g.title),
        currency: "DKK",
        amount_awarded: kroner_number(g.awarded_ore),
        awarded: g.awarded_ore,
        award_date: danish_day(&g.awarded_at),
        planned_dates,
        recipient_organization: vec![Organisation {
            id: format!("360G-pulje-{}-{}", region, slug(&recipient_key)),
            name: recipient_name,
            department,
        }],
        funding_organization: vec![Organisation {
            id: format!("360G-pulje-region-{region}"),
            name: region.name().to_string(),
            department: None,
        }],
        grant_programme: vec![GrantProgramme {
            code: programme.id.clone(),
            title: programme.name.clone(),
        }],
        date_modified: g.modified_at.clone(),
    }
}

/// The package as the standard's CSV: comma-separated UTF-8, one row per grant, amounts in
/// kroner with a decimal point, dates as `YYYY-MM-DD`, text a spreadsheet would read as a
/// formula neutralised (`crate::sheet`, the one CSV writer).
pub fn csv(package: &Package) -> String {
    let text = |t: &str| Value::Text(t.to_string());
    let rows = package
        .grants
        .iter()
        .map(|g| {
            let planned = g.planned_dates.first();
            let recipient = g.recipient_organization.first();
            let funder = g.funding_organization.first();
            let programme = g.grant_programme.first();
            vec![
                text(&g.id),
                text(&g.title),
                text(&g.description),
                text(g.currency),
                Value::Kroner(g.awarded),
                text(&g.award_date),
                planned.map_or(Value::Empty, |p| text(&p.start_date)),
                planned.map_or(Value::Empty, |p| text(&p.end_date)),
                planned.map_or(Value::Empty, |p| Value::Int(i64::from(p.duration))),
                recipient.map_or(Value::Empty, |o| text(&o.id)),
                recipient.map_or(Value::Empty, |o| text(&o.name)),
                recipient
                    .and_then(|o| o.department.as_deref())
                    .map_or(Value::Empty, text),
                funder.map_or(Value::Empty, |o| text(&o.id)),
                funder.map_or(Value::Empty, |o| text(&o.name)),
                programme.map_or(Value::Empty, |p| text(&p.code)),
                programme.map_or(Value::Empty, |p| text(&p.title)),
                text(&g.date_modified),
            ]
        })
        .collect();
    Sheet {
        name: "Bevillinger".into(),
        header: CSV_HEADER.iter().map(|h| h.to_string()).collect(),
        rows,
    }
    .csv_in(Dialect::International)
}

/// `ore` as a JSON number in kroner: `35000`, `15000.5` → `15000.50`, `-12.05`.
fn kroner_number(ore: Ore) -> Box<RawValue> {
    let o = ore.ore();
    let sign = if o < 0 { "-" } else { "" };
    let (kr, rest) = (o.unsigned_abs() / 100, o.unsigned_abs() % 100);
    let text = if rest == 0 {
        format!("{sign}{kr}")
    } else {
        format!("{sign}{kr}.{rest:02}")
    };
    // A sign, digits and at most one point: always a JSON number.
    RawValue::from_string(text)
        .unwrap_or_else(|_| RawValue::from_string("0".into()).expect("0 is a JSON number"))
}

/// The date of a stored UTC timestamp in Denmark (`YYYY-MM-DD`); a bare date stays as it is.
fn danish_day(timestamp: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(timestamp) {
        Ok(at) => date::danish_time(at.with_timezone(&chrono::Utc))
            .date()
            .format("%Y-%m-%d")
            .to_string(),
        Err(_) => timestamp.get(..10).unwrap_or(timestamp).to_string(),
    }
}

/// How many calendar months `start..=end` touches (April–December: 9).
fn months_touched(start: NaiveDate, end: NaiveDate) -> u32 {
    use chrono::Datelike;
    let months = (end.year() - start.year()) * 12 + end.month() as i32 - start.month() as i32 + 1;
    u32::try_from(months).unwrap_or(0)
}

/// The description: the purpose, or the title when the purpose is empty, at most 2,000
/// characters (cut at a word).
fn description(purpose: &str, title: &str) -> String {
    const MAX: usize = 2_000;
    let text = purpose.split_whitespace().collect::<Vec<_>>().join(" ");
    let text = if text.is_empty() {
        title.to_string()
    } else {
        text
    };
    if text.chars().count() <= MAX {
        return text;
    }
    let cut: String = text.chars().take(MAX).collect();
    match cut.rfind(' ') {
        Some(space) => format!("{}…", &cut[..space]),
        None => format!("{cut}…"),
    }
}

/// `text` with every one of `names` (case-insensitively, at least three letters) replaced by
/// «[navn]» and every word with an `@` by «[e-mail]».
pub fn without_people(text: &str, names: &[String]) -> String {
    let mut out = text
        .split_inclusive(char::is_whitespace)
        .map(|word| {
            if word.contains('@') {
                let trailing: String = word.chars().filter(|c| c.is_whitespace()).collect();
                format!("[e-mail]{trailing}")
            } else {
                word.to_string()
            }
        })
        .collect::<String>();
    let mut names: Vec<String> = names
        .iter()
        .flat_map(|n| [n.trim().to_string(), without_title(n)])
        .filter(|n| n.chars().filter(|c| c.is_alphabetic()).count() >= 3)
        .collect();
    names.dedup();
    // Longest first, so "Anne Marie Hansen" goes before "Anne Marie".
    names.sort_by_key(|n| std::cmp::Reverse(n.chars().count()));
    for name in names {
        out = replace_ignoring_case(&out, &name, "[navn]");
    }
    out
}

/// A name as typed with the post in front of it ("Ledende overlæge Birgitte Ærenlund",
/// "Afdelingslæge Åse Holm") without the post: the person's name alone, as a title or a purpose
/// would mention it.
fn without_title(name: &str) -> String {
    let is_post = |word: &str| {
        let w: String = word
            .chars()
            .filter(|c| c.is_alphabetic())
            .flat_map(char::to_lowercase)
            .collect();
        w.ends_with("læge")
            || w.ends_with("sygeplejerske")
            || ["ledende", "klinisk", "professor", "dr", "ansvarlig", "chef"].contains(&w.as_str())
    };
    name.split_whitespace()
        .skip_while(|w| is_post(w))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `haystack` with every case-insensitive occurrence of `needle` replaced.
fn replace_ignoring_case(haystack: &str, needle: &str, with: &str) -> String {
    let lower_needle: Vec<char> = needle.chars().flat_map(char::to_lowercase).collect();
    let chars: Vec<char> = haystack.chars().collect();
    let lower: Vec<char> = chars
        .iter()
        .map(|c| c.to_lowercase().next().unwrap_or(*c))
        .collect();
    let mut out = String::with_capacity(haystack.len());
    let mut i = 0;
    while i < chars.len() {
        if lower_needle.len() <= lower.len() - i
            && lower[i..i + lower_needle.len()] == lower_needle[..]
        {
            out.push_str(with);
            i += lower_needle.len();
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// Lower case letters and digits, words joined by dashes (`Aalborg UH, Ortopædkirurgi` →
/// `aalborg-uh-ortopaedkirurgi`).
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        match c {
            'æ' => out.push_str("ae"),
            'ø' => out.push_str("oe"),
            'å' => out.push_str("aa"),
            c if c.is_ascii_alphanumeric() => out.push(c),
            _ => {
                if !out.ends_with('-') && !out.is_empty() {
                    out.push('-');
                }
            }
        }
    }
    out.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_kroner_with_two_decimals_without_a_float() {
        assert_eq!(kroner_number(Ore::from_ore(3_500_000)).get(), "35000");
        assert_eq!(kroner_number(Ore::from_ore(1_500_050)).get(), "15000.50");
        assert_eq!(kroner_number(Ore::from_ore(166_667)).get(), "1666.67");
        assert_eq!(kroner_number(Ore::from_ore(-1_205)).get(), "-12.05");
        assert_eq!(kroner_number(Ore::from_ore(7)).get(), "0.07");
    }

    #[test]
    fn names_and_addresses_are_kept_out() {
        let names = vec![
            "Karen Ladefoged".to_string(),
            "Bo".to_string(),
            "Ledende overlæge Birgitte Ærenlund".to_string(),
        ];
        assert_eq!(
            without_people("Birgitte Ærenlunds forsøg", &names),
            "[navn]s forsøg"
        );
        assert_eq!(
            without_people(
                "Forsøg ved KAREN LADEFOGED; kontakt karen@rn.dk. Bo står for det.",
                &names
            ),
            "Forsøg ved [navn]; kontakt [e-mail] Bo står for det."
        );
    }

    #[test]
    fn months_touched_and_slugs() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(months_touched(d(2023, 4, 1), d(2023, 12, 31)), 9);
        assert_eq!(months_touched(d(2022, 11, 15), d(2023, 2, 1)), 4);
        assert_eq!(
            slug("Aalborg UH, Ortopædkirurgi "),
            "aalborg-uh-ortopaedkirurgi"
        );
    }
}
