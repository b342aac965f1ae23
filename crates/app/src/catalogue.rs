//! The idea catalogue's search: approved trials matching a query's words and filters, as the
//! user may see them.

use crate::policy::{Person, Scope};
use crate::Result;
use pulje_domain::evaluation::CareerTrack;
use pulje_store::catalogue::{self, Entry, Filter, Viewer};
use pulje_store::reference::OK21;
use pulje_store::Connection;
use serde::Deserialize;

#[derive(Debug, Deserialize, Default, Clone)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct CatalogueQuery {
    /// Words to search for; every word must match (Danish word forms are understood).
    pub q: Option<String>,
    /// An area's name.
    pub area: Option<String>,
    /// A career track's identifier (`clinical_specialist`, `leadership`, `research`, `teaching`).
    pub track: Option<String>,
    /// A hospital's name.
    pub hospital: Option<String>,
    /// A specialty, as derived from the department's name.
    pub specialty: Option<String>,
    pub page: Option<String>,
}

/// A trimmed value, or none when empty.
pub fn non_empty(v: &Option<String>) -> Option<String> {
    v.as_ref()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

impl CatalogueQuery {
    pub fn filter(&self) -> Filter {
        Filter {
            text: self.q.clone().unwrap_or_default(),
            area: non_empty(&self.area),
            career_track: self
                .track
                .as_deref()
                .and_then(|t| CareerTrack::parse(t.trim())),
            hospital: non_empty(&self.hospital),
            specialty: non_empty(&self.specialty),
        }
    }
}

/// Who the catalogue is read by.
pub fn viewer(user: &impl Person) -> Viewer {
    Viewer {
        region_code: user.region_code(),
        sees_all: Scope::of(user) == Scope::All,
    }
}

/// The entries matching the query's text, and those that also match its filters.
pub async fn search(
    conn: &mut Connection,
    user: &impl Person,
    q: &CatalogueQuery,
) -> Result<(Vec<Entry>, Vec<Entry>)> {
    let filter = q.filter();
    let text_only = Filter {
        text: filter.text.clone(),
        ..Default::default()
    };
    let all = catalogue::entries(conn, OK21, viewer(user), &text_only).await?;
    let matching = all.iter().filter(|e| filter.matches(e)).cloned().collect();
    Ok((all, matching))
}
