//! The idea catalogue: every approved trial (agreements that were approved — awaiting
//! signatures, active or ended — and historic trials) for every logged-in user, across regions,
//! except that a region may opt out: then only its own users see its entries. National roles
//! (national viewers, system administrators) see everything.
//!
//! Text search goes through [`crate::search`]; the filters (area, career track, hospital,
//! specialty) are applied to the matching entries here, since the specialty is derived from free
//! text ([`specialty_of`]) and a catalogue holds hundreds of entries, not millions.

use crate::audit::{self, Actor};
use crate::programmes::ProgrammeRegion;
use crate::sql::Sql;
use crate::{date_of, search, Result, Tx};
use chrono::NaiveDate;
use pulje_domain::evaluation::{CareerTrack, TrialType};
use pulje_domain::RegionCode;
use serde::Serialize;
use sqlx::AnyConnection;
use std::collections::HashMap;

/// The statuses of an approved agreement, the ones the catalogue lists.
pub const APPROVED: &str = "('awaiting_signatures', 'active', 'ended')";

/// Who is reading: their region, and whether they see every region regardless of opt-outs.
#[derive(Debug, Clone, Copy)]
pub struct Viewer {
    pub region_code: Option<RegionCode>,
    pub sees_all: bool,
}

/// One trial in the catalogue.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
// Named apart from the audit log's `Entry`: one document holds both.
#[cfg_attr(feature = "openapi", schema(as = CatalogueEntry))]
pub struct Entry {
    /// `application` (a pulje agreement) or `historic` (an imported trial).
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::catalogue_kind))]
    pub kind: &'static str,
    /// An application's id or a historic trial's, as `kind` says: one number for either, so it
    /// stays plain.
    pub id: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = i64, minimum = 1081, maximum = 1085))]
    pub region_code: RegionCode,
    pub title: String,
    pub purpose: String,
    pub areas: Vec<String>,
    pub hospital: String,
    pub department: String,
    /// Derived from the department's name, see [`specialty_of`].
    pub specialty: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::career_track))]
    pub career_track: Option<CareerTrack>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::trial_type))]
    pub trial_type: Option<TrialType>,
    pub contact_name: String,
    /// Empty when hidden: an agreement's responsible doctor of another region than the reader's who
    /// has not consented (`users::Choice::CatalogueEmailConsent`).
    pub contact_email: String,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub evaluation_attached: bool,
}

/// What to narrow the catalogue to; `None` or empty means no restriction.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub text: String,
    pub area: Option<String>,
    pub career_track: Option<CareerTrack>,
    pub hospital: Option<String>,
    pub specialty: Option<String>,
}

impl Filter {
    pub fn matches(&self, e: &Entry) -> bool {
        self.area
            .as_ref()
            .is_none_or(|a| e.areas.iter().any(|x| x == a))
            && self.career_track.is_none_or(|t| e.career_track == Some(t))
            && self.hospital.as_ref().is_none_or(|h| &e.hospital == h)
            && self.specialty.as_ref().is_none_or(|s| &e.specialty == s)
    }
}

/// A department's specialty, from its name as written in the agreement ("Aalborg
/// Universitetshospital, Kardiologisk afdeling" → "Kardiologisk"; "Afdeling for Anæstesi" →
/// "Anæstesi"): the last comma- or dash-separated part, without the word "afdeling". Empty
/// when nothing is left.
pub fn specialty_of(department: &str) -> String {
    let last = department
        .rsplit([',', '–', '/'])
        .next()
        .unwrap_or("")
        .rsplit(" - ")
        .next()
        .unwrap_or("")
        .trim();
    let mut s = last.to_string();
    for prefix in ["afdeling for ", "afd. for ", "afsnit for "] {
        if s.to_lowercase().starts_with(prefix) {
            s = s[prefix.len()..].to_string();
        }
    }
    for suffix in [" afdeling", " afd.", " afsnit"] {
        if s.to_lowercase().ends_with(suffix) {
            s.truncate(s.len() - suffix.len());
        }
    }
    let s = s.trim();
    if s.eq_ignore_ascii_case("afdeling") {
        return String::new();
    }
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

type AppRow = (
    i64,
    i64,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
);

type TrialRow = (
    i64,
    i64,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    i64,
);

/// The catalogue's entries `viewer` may see that match `filter`, by region and title.
pub async fn entries(
    conn: &mut AnyConnection,
    programme_id: &str,
    viewer: Viewer,
    filter: &Filter,
) -> Result<Vec<Entry>> {
    let words = search::query(&filter.text);
    let apps = narrowed(
        "SELECT x.id, x.region_code, x.title, x.purpose, x.hospital_department, h.name, e.career_track, e.trial_type, \
           u.name, u.email, x.start_date, x.end_date, COALESCE(u.catalogue_email_consent, 0) \
         FROM applications x \
         LEFT JOIN hospitals h ON h.id = x.hospital_id \
         LEFT JOIN programme_regions pr ON pr.programme_id = x.programme_id AND pr.region_code = x.region_code \
         LEFT JOIN evaluations e ON e.application_id = x.id AND e.status = 'submitted' \
         LEFT JOIN users u ON u.id = COALESCE(x.doctor_user_id, x.created_by) \
         WHERE x.programme_id = ",
        &format!(" AND x.status IN {APPROVED}"),
        "application_id",
        programme_id,
        viewer,
        &words,
    );
    let apps = apps.query_as::<AppRow>().fetch_all(&mut *conn).await?;

    let trials = narrowed(
        "SELECT x.id, x.region_code, x.title, x.area, x.hospital, x.department, e.career_track, e.trial_type, \
           x.evaluation_attached \
         FROM historic_trials x \
         LEFT JOIN programme_regions pr ON pr.programme_id = x.programme_id AND pr.region_code = x.region_code \
         LEFT JOIN evaluations e ON e.historic_trial_id = x.id AND e.status = 'submitted' \
         WHERE x.programme_id = ",
        "",
        "historic_trial_id",
        programme_id,
        viewer,
        &words,
    );
    let trials = trials.query_as::<TrialRow>().fetch_all(&mut *conn).await?;

    let mut areas: HashMap<i64, Vec<String>> = HashMap::new();
    if !apps.is_empty() {
        let rows: Vec<(i64, String)> = sqlx::query_as(&format!(
            "SELECT aa.application_id, ar.name FROM application_areas aa JOIN areas ar ON ar.id = aa.area_id \
             JOIN applications a ON a.id = aa.application_id WHERE a.programme_id = $1 AND a.status IN {APPROVED} \
             ORDER BY ar.name"
        ))
        .bind(programme_id)
        .fetch_all(&mut *conn)
        .await?;
        for (id, name) in rows {
            areas.entry(id).or_default().push(name);
        }
    }
    let contacts = region_contacts(conn).await?;

    let mut out = Vec::with_capacity(apps.len() + trials.len());
    for (
        id,
        region_code,
        title,
        purpose,
        department,
        hospital,
        track,
        kind,
        name,
        email,
        start,
        end,
        consent,
    ) in apps
    {
        let region_code = crate::region_of(region_code)?;
        // The responsible doctor's e-mail reaches other regions' users (and the national
        // roles) only with the doctor's consent; the own region's users always see it.
        let email = if viewer.region_code == Some(region_code) || consent != 0 {
            email.unwrap_or_default()
        } else {
            String::new()
        };
        out.push(Entry {
            kind: "application",
            id,
            region_code,
            title,
            purpose,
            areas: areas.remove(&id).unwrap_or_default(),
            hospital: hospital.unwrap_or_default(),
            specialty: specialty_of(&department),
            department,
            career_track: track.as_deref().and_then(CareerTrack::parse),
            trial_type: kind.as_deref().and_then(TrialType::parse),
            contact_name: name.unwrap_or_default(),
            contact_email: email,
            start_date: date_of(start),
            end_date: date_of(end),
            evaluation_attached: track.is_some(),
        });
    }
    for (id, region_code, title, area, hospital, department, track, kind, attached) in trials {
        let (contact_name, contact_email) = contacts.get(&region_code).cloned().unwrap_or_default();
        out.push(Entry {
            kind: "historic",
            id,
            region_code: crate::region_of(region_code)?,
            title,
            purpose: String::new(),
            areas: if area.trim().is_empty() {
                Vec::new()
            } else {
                vec![area]
            },
            hospital,
            specialty: specialty_of(&department),
            department,
            career_track: track.as_deref().and_then(CareerTrack::parse),
            trial_type: kind.as_deref().and_then(TrialType::parse),
            contact_name,
            contact_email,
            start_date: None,
            end_date: None,
            evaluation_attached: attached != 0,
        });
    }
    out.retain(|e| filter.matches(e));
    out.sort_by(|a, b| {
        (a.region_code, a.title.to_lowercase(), a.id).cmp(&(
            b.region_code,
            b.title.to_lowercase(),
            b.id,
        ))
    });
    Ok(out)
}

/// `select`, which ends in `WHERE x.programme_id = `, completed: the programme, `also` (more
/// conditions), what `viewer` may see (`pr` is the entry's `programme_regions` row) and every
/// word of the query matched in the index by `index_column`.
fn narrowed(
    select: &str,
    also: &str,
    index_column: &str,
    programme_id: &str,
    viewer: Viewer,
    words: &[search::QueryWord],
) -> Sql {
    let mut sql = Sql::new(select);
    sql.push_arg(programme_id).push(also);
    let region = sql.arg(viewer.region_code.map_or(-1, RegionCode::get));
    let all = sql.arg(viewer.sees_all);
    sql.push(&format!(
        " AND (COALESCE(pr.catalogue_opt_out, 0) = 0 OR x.region_code = {region} OR {all} = 1)"
    ));
    for word in words {
        sql.push(&format!(
            " AND x.id IN (SELECT st.{index_column} FROM search_terms st WHERE "
        ));
        search::term_condition(&mut sql, word);
        sql.push(")");
    }
    sql
}

/// Each region's contact for its historic trials: its first enabled regional administrator.
async fn region_contacts(conn: &mut AnyConnection) -> Result<HashMap<i64, (String, String)>> {
    let rows: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT region_code, name, email FROM users WHERE role = 'region_admin' AND disabled = 0 \
         AND region_code IS NOT NULL ORDER BY id",
    )
    .fetch_all(conn)
    .await?;
    let mut map = HashMap::new();
    for (code, name, email) in rows {
        map.entry(code).or_insert((name, email));
    }
    Ok(map)
}

/// Whether `region_code` keeps its trials out of the other regions' catalogue.
pub async fn opted_out(
    conn: &mut AnyConnection,
    programme_id: &str,
    region_code: RegionCode,
) -> Result<bool> {
    let flag: Option<i64> = sqlx::query_scalar(
        "SELECT catalogue_opt_out FROM programme_regions WHERE programme_id = $1 AND region_code = $2",
    )
    .bind(programme_id)
    .bind(region_code.get())
    .fetch_optional(conn)
    .await?;
    Ok(flag.unwrap_or(0) != 0)
}

#[derive(Serialize)]
struct OptOut {
    catalogue_opt_out: bool,
}

/// Sets whether `region_code` keeps its trials out of the other regions' catalogue (audited).
pub async fn set_opt_out(
    tx: &mut Tx<'_>,
    actor: &Actor,
    programme_id: &str,
    region_code: RegionCode,
    opt_out: bool,
) -> Result<()> {
    let before = opted_out(tx, programme_id, region_code).await?;
    sqlx::query(
        "INSERT INTO programme_regions (programme_id, region_code, catalogue_opt_out) VALUES ($1, $2, $3) \
         ON CONFLICT (programme_id, region_code) DO UPDATE SET catalogue_opt_out = $3",
    )
    .bind(programme_id)
    .bind(region_code.get())
    .bind(i64::from(opt_out))
    .execute(&mut **tx)
    .await?;
    let subject = ProgrammeRegion {
        programme_id,
        region_code,
    };
    audit::noted(
        tx,
        actor,
        &subject,
        "catalogue_opt_out",
        Some(&OptOut {
            catalogue_opt_out: before,
        }),
        Some(&OptOut {
            catalogue_opt_out: opt_out,
        }),
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::specialty_of;

    #[test]
    fn specialty_from_department_text() {
        assert_eq!(specialty_of("Medicinsk afdeling"), "Medicinsk");
        assert_eq!(
            specialty_of("Aalborg Universitetshospital, Kardiologisk Afdeling"),
            "Kardiologisk"
        );
        assert_eq!(specialty_of("Afdeling for Anæstesi"), "Anæstesi");
        assert_eq!(specialty_of("RHN – ortopædkirurgi"), "Ortopædkirurgi");
        assert_eq!(specialty_of(""), "");
        assert_eq!(specialty_of("Afdeling"), "");
    }
}
