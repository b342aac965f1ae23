//! Applications as a user sees them: the list's filter narrowed to what they may see, and one
//! application loaded under the policy.

use crate::policy::{self, Person, Scope};
use crate::Result;
use pulje_domain::{ApplicationId, ApplicationStatus, RegionCode};
use pulje_store::applications::{self, Application, ListFilter};
use pulje_store::workflow::Comment;
use pulje_store::Connection;
use serde::Deserialize;

/// Reads an optional integer from a query or form value; empty or unreadable means none.
pub fn opt_id<T: std::str::FromStr>(value: &Option<String>) -> Option<T> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .and_then(|v| v.parse().ok())
}

/// A list's query as sent: every value as text, so a wrong one is ignored rather than refused.
#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    pub status: Option<String>,
    pub area: Option<String>,
    pub hospital: Option<String>,
    pub round: Option<String>,
    pub region: Option<String>,
    pub q: Option<String>,
    pub page: Option<String>,
}

/// The filter a user's list query asks for, narrowed to what the user may see.
pub fn list_filter(user: &impl Person, q: &ListQuery) -> Result<ListFilter> {
    let scope = Scope::of(user);
    let region_code = scope.narrow(opt_id::<i64>(&q.region).and_then(RegionCode::new))?;
    Ok(ListFilter {
        region_code,
        own_user: crate::policy::own_only(user),
        programme_id: None,
        status: q.status.as_deref().and_then(ApplicationStatus::parse),
        area_id: opt_id(&q.area),
        hospital_id: opt_id(&q.hospital),
        round_id: opt_id(&q.round),
        text: q.q.clone().filter(|t| !t.trim().is_empty()),
        hidden_from: crate::programme_review::hidden_from(user),
        sent_only: !policy::sees_unsent(user),
    })
}

/// An application by id; [`crate::Error::NotFound`] when there is none. Check the policy before
/// showing it.
pub async fn get(conn: &mut Connection, id: ApplicationId) -> Result<Application> {
    applications::get(conn, id)
        .await?
        .ok_or(crate::Error::NotFound)
}

/// The comment thread of an agreement the user may see, oldest first, without the internal
/// comments the user may not read ([`policy::sees_internal_comments`]); a programme defined as
/// data keeps its comments with its steps instead, so its applications are not found here.
pub async fn comments(
    conn: &mut Connection,
    user: &impl Person,
    id: ApplicationId,
) -> Result<Vec<Comment>> {
    if pulje_store::programme_applications::is_one(conn, id).await? {
        return Err(crate::Error::NotFound);
    }
    let app = load(conn, user, id).await?;
    let all = pulje_store::workflow::comments(conn, app.id).await?;
    Ok(all
        .into_iter()
        .filter(|c| policy::may_read_comment(user, c))
        .collect())
}

/// An application the user may see, or [`crate::Error::NotFound`] (also for another region's).
pub async fn load(
    conn: &mut Connection,
    user: &impl Person,
    id: ApplicationId,
) -> Result<Application> {
    let app = get(conn, id).await?;
    policy::require_view(user, &app)?;
    Ok(app)
}
