//! `/admin/audit`: the audit log, newest first, with filters and paging to older entries.
//! A `region_admin` sees their own region's entries only.

use super::*;
use crate::auth::policy::admin_scope;
use crate::views;
use crate::Db;
use axum::extract::Query;
use pulje_domain::ApplicationStatus;
use pulje_store::audit::{self, Entry, Filter};

const PATH: &str = "/admin/audit";
const PAGE_SIZE: i64 = 50;

/// The entities the store logs, with their Danish names.
const ENTITIES: [(&str, &str); 10] = [
    ("application", "Ansøgning"),
    ("hospital", "Hospital"),
    ("department", "Afdeling"),
    ("area", "Område"),
    ("tier", "Tillægstrin"),
    ("round", "Ansøgningsrunde"),
    ("programme_region", "Regionens indstillinger"),
    ("user", "Bruger"),
    ("api_token", "API-nøgle"),
    ("system", "System"),
];

#[derive(Debug, Deserialize, Default)]
pub struct AuditQuery {
    entity: Option<String>,
    entity_id: Option<String>,
    actor: Option<String>,
    region: Option<String>,
    before: Option<String>,
}

pub struct EntryRow {
    id: i64,
    at: String,
    actor: String,
    region: String,
    entity: String,
    entity_id: String,
    action: String,
    before: Option<String>,
    after: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    page: Page,
    entities: Vec<Choice>,
    regions: Vec<Choice>,
    entity_id: String,
    actor: String,
    show_region: bool,
    rows: Vec<EntryRow>,
    paged: bool,
    older: Option<String>,
}

fn entity_label(entity: &str) -> String {
    ENTITIES
        .iter()
        .find(|(k, _)| *k == entity)
        .map(|(_, l)| l.to_string())
        .unwrap_or_else(|| entity.to_string())
}

fn action_label(action: &str) -> String {
    match action {
        "create" => "Oprettet".into(),
        "update" => "Ændret".into(),
        "delete" => "Slettet".into(),
        "disable" => "Deaktiveret".into(),
        "enable" => "Aktiveret".into(),
        "revoke" => "Tilbagekaldt".into(),
        "set_password" => "Ny adgangskode".into(),
        "invite" => "Invitation sendt".into(),
        "reset_link" => "Link til ny adgangskode sendt".into(),
        "revoke_links" => "Link tilbagekaldt".into(),
        other => match ApplicationStatus::parse(other) {
            Some(s) => format!("Status: {}", s.label_da()),
            None => other.to_string(),
        },
    }
}

/// Stored JSON, indented for reading; text that is not JSON is shown as it is.
fn pretty(json: Option<String>) -> Option<String> {
    json.map(|j| match serde_json::from_str::<serde_json::Value>(&j) {
        Ok(v) => serde_json::to_string_pretty(&v).unwrap_or(j),
        Err(_) => j,
    })
}

fn row(e: Entry) -> EntryRow {
    EntryRow {
        id: e.id,
        at: views::timestamp_da(&e.at),
        actor: e.actor,
        region: e.region_code.map(region_name).unwrap_or_else(|| "–".into()),
        entity: entity_label(&e.entity),
        entity_id: e.entity_id,
        action: action_label(&e.action),
        before: pretty(e.before_json),
        after: pretty(e.after_json),
    }
}

fn text(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

pub async fn list(
    mut db: Db,
    user: CurrentUser,
    Query(q): Query<AuditQuery>,
) -> PageResult<Response> {
    let scope = admin_scope(&user)?;
    let region = region_filter(scope, &q.region)?;
    let filter = Filter {
        region_code: region,
        entity: text(&q.entity),
        entity_id: text(&q.entity_id),
        actor: text(&q.actor),
        before_id: opt_id(&q.before),
    };
    let mut conn = db.conn().await?;
    // One more than a page tells whether there are older entries.
    let mut entries = audit::list(&mut conn, &filter, PAGE_SIZE + 1).await?;
    let more = entries.len() as i64 > PAGE_SIZE;
    entries.truncate(PAGE_SIZE as usize);

    let older = match (more, entries.last()) {
        (true, Some(last)) => {
            let mut query: Vec<(&str, String)> = Vec::new();
            for (k, v) in [
                ("entity", &filter.entity),
                ("entity_id", &filter.entity_id),
                ("actor", &filter.actor),
            ] {
                if let Some(v) = v {
                    query.push((k, v.clone()));
                }
            }
            if scope == Scope::All {
                if let Some(r) = region {
                    query.push(("region", r.to_string()));
                }
            }
            query.push(("before", last.id.to_string()));
            Some(format!(
                "{PATH}?{}",
                serde_urlencoded::to_string(&query).unwrap_or_default()
            ))
        }
        _ => None,
    };

    let mut entities = vec![Choice::new("", "Alle", filter.entity.is_none())];
    entities.extend(
        ENTITIES
            .iter()
            .map(|(k, l)| Choice::new(k, *l, filter.entity.as_deref() == Some(*k))),
    );
    if let Some(other) = filter
        .entity
        .as_deref()
        .filter(|e| !ENTITIES.iter().any(|(k, _)| k == e))
    {
        entities.push(Choice::new(other, other, true));
    }
    let page = AuditPage {
        page: Page::new(&user, "Ændringslog", "/admin"),
        entities,
        regions: region_filter_choices(scope, region),
        entity_id: filter.entity_id.clone().unwrap_or_default(),
        actor: filter.actor.clone().unwrap_or_default(),
        show_region: scope == Scope::All,
        rows: entries.into_iter().map(row).collect(),
        paged: filter.before_id.is_some(),
        older,
    };
    respond(StatusCode::OK, page)
}
