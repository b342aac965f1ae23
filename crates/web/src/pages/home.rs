//! `/`: where a user starts, "Mine opgaver": what waits for them, by their role
//! (`pulje_app::tasks`); the national roles see the regions side by side.

use crate::auth::{CurrentUser, MaybeUser};
use crate::error::PageResult;
use crate::views::{self, Page};
use crate::Db;
use askama::Template;
use axum::response::{Html, IntoResponse, Redirect, Response};
use pulje_app::tasks::{self, RegionOverview, Task, TaskList};
use pulje_domain::date;

/// A task as shown: its deadline and how long it has waited in words.
struct TaskView {
    title: String,
    href: String,
    what: String,
    note: String,
    deadline: String,
    overdue: bool,
    waited: String,
}

struct ListView {
    heading: String,
    empty: String,
    tasks: Vec<TaskView>,
    more: Option<(String, String)>,
}

struct RegionView {
    code: i64,
    name: String,
    submitted: i64,
    ready: i64,
    awaiting: i64,
    active: i64,
    allocated: String,
    committed: String,
    paid: String,
    report: &'static str,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    page: Page,
    lists: Vec<ListView>,
    writes: bool,
    regions: Vec<RegionView>,
}

/// "i dag", "1 dag", "12 dage".
fn waited(since: chrono::NaiveDate, today: chrono::NaiveDate) -> String {
    match (today - since).num_days() {
        d if d <= 0 => "siden i dag".into(),
        1 => "1 dag".into(),
        d => format!("{d} dage"),
    }
}

fn task_view(t: Task, today: chrono::NaiveDate) -> TaskView {
    TaskView {
        deadline: t.deadline.map(date::format_date_da).unwrap_or_default(),
        overdue: t.deadline.is_some_and(|d| d < today),
        waited: t.since.map(|s| waited(s, today)).unwrap_or_default(),
        title: t.title,
        href: t.href,
        what: t.what,
        note: t.note,
    }
}

fn list_view(l: TaskList, today: chrono::NaiveDate) -> ListView {
    ListView {
        heading: l.heading,
        empty: l.empty,
        tasks: l.tasks.into_iter().map(|t| task_view(t, today)).collect(),
        more: l.more,
    }
}

fn region_view(r: RegionOverview) -> RegionView {
    RegionView {
        code: r.code.get(),
        name: r.code.name().to_string(),
        submitted: r.submitted,
        ready: r.ready,
        awaiting: r.awaiting_signatures,
        active: r.active,
        allocated: views::kr(r.allocated),
        committed: views::kr(r.committed),
        paid: views::kr(r.paid),
        report: if r.report_begun {
            "påbegyndt"
        } else {
            "ikke påbegyndt"
        },
    }
}

/// The start page; the login page for someone not logged in.
pub async fn home(db: Db, MaybeUser(user): MaybeUser) -> PageResult<Response> {
    match user {
        None => Ok(Redirect::to("/login").into_response()),
        Some(user) => Ok(start_page(db, user).await?.into_response()),
    }
}

async fn start_page(mut db: Db, user: CurrentUser) -> PageResult<Html<String>> {
    let today = date::today_in_denmark();
    let start = {
        let mut conn = db.conn().await?;
        tasks::start_page(&mut conn, &user, today).await?
    };
    let page = HomePage {
        page: Page::new(&user, "Mine opgaver", "/"),
        lists: start
            .lists
            .into_iter()
            .map(|l| list_view(l, today))
            .collect(),
        writes: start.writes,
        regions: start.regions.into_iter().map(region_view).collect(),
    };
    Ok(Html(page.render()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn how_long_it_has_waited() {
        let day = |s| date::parse_date(s).unwrap();
        assert_eq!(waited(day("2026-12-04"), day("2026-12-04")), "siden i dag");
        assert_eq!(waited(day("2026-12-03"), day("2026-12-04")), "1 dag");
        assert_eq!(waited(day("2026-11-04"), day("2026-12-04")), "30 dage");
    }
}
