//! A region's report on a programme defined as data: the text it writes under each section of
//! the definition's report. The figures beside them are read from the applications.

use crate::audit::{self, Actor, Audited};
use crate::{now_utc, Result, Tx};
use pulje_domain::RegionCode;
use serde::Serialize;
use sqlx::AnyConnection;
use std::collections::BTreeMap;

/// A region's texts in its report on a programme, by section id; audited as
/// `programme_report` with the id `programme/region`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReportTexts {
    #[serde(skip)]
    pub programme_id: String,
    #[serde(skip)]
    pub region_code: Option<RegionCode>,
    pub sections: BTreeMap<String, String>,
}

impl Audited for ReportTexts {
    const ENTITY: &'static str = "programme_report";
    fn audit_id(&self) -> String {
        format!(
            "{}/{}",
            self.programme_id,
            self.region_code.map(|r| r.get()).unwrap_or_default()
        )
    }
    fn audit_region(&self) -> Option<RegionCode> {
        self.region_code
    }
}

/// The region's texts.
pub async fn texts(
    conn: &mut AnyConnection,
    programme_id: &str,
    region: RegionCode,
) -> Result<ReportTexts> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT section_id, body FROM programme_report_texts WHERE programme_id = $1 AND region_code = $2",
    )
    .bind(programme_id)
    .bind(region.get())
    .fetch_all(conn)
    .await?;
    Ok(ReportTexts {
        programme_id: programme_id.to_string(),
        region_code: Some(region),
        sections: rows.into_iter().collect(),
    })
}

/// Saves the region's texts (an empty text removes its section's), audited before and after.
pub async fn save(
    tx: &mut Tx<'_>,
    actor: &Actor,
    programme_id: &str,
    region: RegionCode,
    sections: &BTreeMap<String, String>,
) -> Result<ReportTexts> {
    let before = texts(tx, programme_id, region).await?;
    sqlx::query("DELETE FROM programme_report_texts WHERE programme_id = $1 AND region_code = $2")
        .bind(programme_id)
        .bind(region.get())
        .execute(&mut **tx)
        .await?;
    for (section, body) in sections.iter().filter(|(_, b)| !b.trim().is_empty()) {
        sqlx::query(
            "INSERT INTO programme_report_texts (programme_id, region_code, section_id, body, updated_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(programme_id)
        .bind(region.get())
        .bind(section)
        .bind(body.trim())
        .bind(now_utc())
        .execute(&mut **tx)
        .await?;
    }
    let after = texts(tx, programme_id, region).await?;
    if after != before {
        audit::changed(tx, actor, &before, &after).await?;
    }
    Ok(after)
}

/// How many of the programme's applications in the region are in each state.
pub async fn count_by_state(
    conn: &mut AnyConnection,
    programme_id: &str,
    region: RegionCode,
) -> Result<Vec<(String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT status, COUNT(*) FROM applications WHERE programme_id = $1 AND region_code = $2 \
         AND form_fields IS NOT NULL GROUP BY status ORDER BY status",
    )
    .bind(programme_id)
    .bind(region.get())
    .fetch_all(conn)
    .await?)
}
