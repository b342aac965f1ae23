//! Each person's start page, "Mine opgaver": what waits for them, by their role, nearest
//! deadline first, each item a link with its deadline and how long it has waited. The national
//! roles get the regions side by side instead.

use crate::policy::Person;
use crate::programme_applications::definition_of;
use crate::Result;
use chrono::{Datelike, Days, NaiveDate};
use pulje_domain::programme::flow::Taker;
use pulje_domain::programme::{Definition, Effect, StateKind};
use pulje_domain::{date, Ore, RegionCode, Role, UserId};
use pulje_store::programme_applications::{self as programme_store, ProgrammeApplication};
use pulje_store::tasks::{self as store, Waiting};
use pulje_store::{money, reference::OK21, Connection};
use std::collections::BTreeMap;

/// One thing to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    pub title: String,
    pub href: String,
    /// What to do, or what it is, in Danish.
    pub what: String,
    /// A line to read first: the reason it was returned, the round it came in.
    pub note: String,
    pub deadline: Option<NaiveDate>,
    /// Since when it has waited.
    pub since: Option<NaiveDate>,
}

/// A list of tasks under a heading, with what to say when it is empty and a link to the page
/// where the whole work is done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskList {
    pub heading: String,
    pub empty: String,
    pub tasks: Vec<Task>,
    pub more: Option<(String, String)>,
}

/// One region beside the others, for the national roles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionOverview {
    pub code: RegionCode,
    pub submitted: i64,
    pub ready: i64,
    pub awaiting_signatures: i64,
    pub active: i64,
    pub allocated: Ore,
    pub committed: Ore,
    pub paid: Ore,
    pub report_begun: bool,
}

/// What a person's start page shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StartPage {
    pub lists: Vec<TaskList>,
    /// The person writes applications: the page offers «Ny ansøgning».
    pub writes: bool,
    pub regions: Vec<RegionOverview>,
}

/// The date part of a stored timestamp, in Danish time.
fn day_of(timestamp: &Option<String>) -> Option<NaiveDate> {
    let ts = timestamp.as_deref()?;
    match chrono::DateTime::parse_from_rfc3339(ts) {
        Ok(at) => Some(date::danish_time(at.with_timezone(&chrono::Utc)).date()),
        Err(_) => date::parse_date(ts.get(..10)?),
    }
}

fn task(w: &Waiting, href: String, what: &str, deadline: Option<NaiveDate>) -> Task {
    Task {
        title: w.title.clone(),
        href,
        what: what.to_string(),
        note: w.note.clone(),
        deadline,
        since: day_of(&w.since),
    }
}

fn page(id: pulje_domain::ApplicationId) -> String {
    format!("/applications/{}", id.get())
}

/// Nearest deadline first; then whatever has waited longest.
fn sorted(mut tasks: Vec<Task>) -> Vec<Task> {
    tasks.sort_by(|a, b| {
        let key = |t: &Task| (t.deadline.is_none(), t.deadline, t.since.is_none(), t.since);
        key(a).cmp(&key(b))
    });
    tasks
}

fn list(heading: &str, empty: &str, tasks: Vec<Task>) -> TaskList {
    TaskList {
        heading: heading.into(),
        empty: empty.into(),
        tasks: sorted(tasks),
        more: None,
    }
}

/// The start page of `user` on `today`.
pub async fn start_page(
    conn: &mut Connection,
    user: &impl Person,
    today: NaiveDate,
) -> Result<StartPage> {
    let me = user.person();
    let mut out = StartPage::default();
    match (me.role, me.region) {
        (Role::Applicant | Role::Leader, region) => {
            out.writes = true;
            writer_lists(conn, user, today, &mut out.lists).await?;
            if let (Role::Leader, Some(region)) = (me.role, region) {
                out.lists.push(list(
                    "Afventer din underskrift som ledende overlæge",
                    "Ingen aftaler venter på din underskrift.",
                    to_sign(conn, "leader", region, me.id).await?,
                ));
                out.lists.push(activated(conn, region, today).await?);
            }
        }
        (Role::WorkingGroup, Some(region)) => {
            let tasks = store::submitted(conn, region)
                .await?
                .iter()
                .map(|w| {
                    let what = if w.flag {
                        "Kommet tilbage efter rettelse – gennemgå igen"
                    } else {
                        "Gennemgå og send videre eller retur"
                    };
                    let mut t = task(w, page(w.id), what, w.day);
                    if !w.note.is_empty() {
                        t.note = format!("Runde: {} (ansøgningsfrist)", w.note);
                    }
                    t
                })
                .collect();
            out.lists.push(TaskList {
                more: Some((
                    "/applications?status=submitted".into(),
                    "Alle indsendte".into(),
                )),
                ..list(
                    "Til behandling i arbejdsgruppen",
                    "Ingen ansøgninger venter på arbejdsgruppen.",
                    tasks,
                )
            });
        }
        (Role::SteeringGroup, Some(region)) => {
            if let Some((meeting, day, place)) = store::next_meeting(conn, region, today).await? {
                let tasks = store::agenda(conn, meeting)
                    .await?
                    .iter()
                    .filter(|w| !w.flag)
                    .map(|w| task(w, page(w.id), "Beslut på mødet", Some(day)))
                    .collect();
                out.lists.push(TaskList {
                    more: Some((format!("/meetings/{meeting}"), "Mødets dagsorden".into())),
                    ..list(
                        &format!("Næste møde {} ({place})", date::format_date_da(day)),
                        "Intet på dagsordenen venter på en beslutning.",
                        tasks,
                    )
                });
            }
            let tasks = store::ready_without_meeting(conn, region, today)
                .await?
                .iter()
                .map(|w| task(w, page(w.id), "Sæt på et møde, eller beslut", None))
                .collect();
            out.lists.push(TaskList {
                more: Some(("/meetings".into(), "Møder".into())),
                ..list(
                    "Klar til beslutning, ikke på en dagsorden",
                    "Alt, der er klar til beslutning, står på et kommende møde.",
                    tasks,
                )
            });
        }
        (Role::UnionRep, Some(region)) => {
            out.lists.push(list(
                "Afventer din underskrift for Yngre Læger",
                "Ingen aftaler venter på din underskrift.",
                to_sign(conn, "union", region, me.id).await?,
            ));
            out.lists.push(activated(conn, region, today).await?);
        }
        (Role::RegionAdmin, Some(region)) => {
            region_admin_lists(conn, region, me.id, today, &mut out.lists).await?;
        }
        (Role::NationalViewer | Role::Admin, None) => {
            out.regions = overview(conn).await?;
        }
        _ => {}
    }
    // Steps of programmes defined as data that wait for the person as a reviewer, a body's
    // member or a signing party.
    if let Some(region) = me.region {
        let steps = programme_steps(conn, user, region, today).await?;
        if !steps.is_empty() {
            out.lists
                .push(list("Venter på dig i programmernes ansøgninger", "", steps));
        }
    }
    Ok(out)
}

/// The applicant's and the writing leader's lists.
async fn writer_lists(
    conn: &mut Connection,
    user: &impl Person,
    today: NaiveDate,
    lists: &mut Vec<TaskList>,
) -> Result<()> {
    let me = user.person();
    let mut returned: Vec<Task> = store::own_agreements(conn, me.id, "returned")
        .await?
        .iter()
        .map(|w| task(w, format!("{}/edit", page(w.id)), "Ret og send igen", None))
        .collect();
    let mut drafts: Vec<Task> = store::own_agreements(conn, me.id, "draft")
        .await?
        .iter()
        .map(|w| {
            task(
                w,
                format!("{}/edit", page(w.id)),
                "Gør færdig og send",
                None,
            )
        })
        .collect();
    let mut sign: Vec<Task> = Vec::new();
    if me.role == Role::Applicant {
        sign = store::unsigned(conn, "doctor", None, Some(me.id), me.id)
            .await?
            .iter()
            .map(|w| task(w, page(w.id), "Skriv under som afdelingslæge", None))
            .collect();
    }
    let mut evaluations: Vec<Task> = store::evaluations_owed(conn, Some(me.id), None)
        .await?
        .iter()
        .map(|w| {
            let what = if w.flag {
                "Gør evalueringen færdig"
            } else {
                "Skriv evalueringen"
            };
            task(w, format!("{}/evaluation", page(w.id)), what, w.day)
        })
        .collect();
    let mut other: Vec<Task> = Vec::new();
    // Own applications of programmes defined as data.
    let mut defs = Definitions::default();
    for app in programme_store::listed(conn, Some(me.id), None, 500).await? {
        let def = defs.of(conn, &app).await?;
        let state = def.workflow.state(&app.state).map(|s| s.kind);
        let taker = Taker {
            is_applicant: true,
            role: me.role,
            bodies: &[],
        };
        let steps = def
            .workflow
            .open_steps(&app.state, taker, app.state_entered_on, today);
        let w = waiting_of(&app);
        match state {
            Some(StateKind::Editable) if app.state == def.workflow.initial => {
                // The programme's deadline; before its window opens, when it may be sent.
                let mut t = task(
                    &w,
                    format!("{}/edit", page(app.id)),
                    "Gør færdig og send",
                    Some(def.window.closes.date()),
                );
                if today < def.window.opens.date() {
                    t.note = format!(
                        "Kan sendes fra {}.",
                        date::format_date_da(def.window.opens.date())
                    );
                }
                drafts.push(t);
            }
            Some(StateKind::Editable) => returned.push(task(
                &w,
                format!("{}/edit", page(app.id)),
                "Ret og send igen",
                None,
            )),
            _ => {}
        }
        // In an editable state the step is sending it in, which the drafts' list says.
        let steps = if state == Some(StateKind::Editable) {
            Vec::new()
        } else {
            steps
        };
        for step in steps {
            let deadline = step
                .within_days
                .and_then(|d| app.state_entered_on.checked_add_days(Days::new(d.into())));
            let target = if step.effect == Some(Effect::Sign) {
                &mut sign
            } else {
                &mut other
            };
            target.push(task(&w, page(app.id), &step.label, deadline));
        }
        if crate::programme_evaluations::is_open(conn, &app, def).await?
            && !pulje_store::programme_evaluations::get(conn, app.id)
                .await?
                .is_some_and(|e| e.is_submitted())
        {
            evaluations.push(task(
                &w,
                format!("{}/evaluering", page(app.id)),
                "Skriv evalueringen",
                None,
            ));
        }
    }
    lists.push(list(
        "Sendt retur til dig",
        "Ingen ansøgninger er sendt retur.",
        std::mem::take(&mut returned),
    ));
    lists.push(list(
        "Dine kladder",
        "Du har ingen kladder.",
        std::mem::take(&mut drafts),
    ));
    if me.role == Role::Applicant || !sign.is_empty() {
        lists.push(list(
            "Afventer din underskrift",
            "Ingen aftaler venter på din underskrift.",
            sign,
        ));
    }
    if !other.is_empty() {
        lists.push(list("Du kan gøre nu", "", other));
    }
    lists.push(list(
        "Evalueringer",
        "Ingen evalueringer venter på dig.",
        evaluations,
    ));
    Ok(())
}

/// The region administrator's lists.
async fn region_admin_lists(
    conn: &mut Connection,
    region: RegionCode,
    me: UserId,
    today: NaiveDate,
    lists: &mut Vec<TaskList>,
) -> Result<()> {
    lists.push(list(
        "Afventer regionens underskrift",
        "Ingen aftaler venter på regionens underskrift.",
        to_sign(conn, "region", region, me).await?,
    ));
    let rounds = store::open_rounds(conn, region, today)
        .await?
        .into_iter()
        .map(|(name, opens, deadline)| Task {
            title: name,
            href: "/admin/rounds".into(),
            what: if opens > today {
                format!("Åbner {}", date::format_date_da(opens))
            } else {
                "Åben for ansøgninger".into()
            },
            note: String::new(),
            deadline: Some(deadline),
            since: None,
        })
        .collect();
    lists.push(TaskList {
        more: Some(("/admin/rounds".into(), "Runder".into())),
        ..list(
            "Ansøgningsrunder og frister",
            "Ingen runde har en frist foran sig.",
            rounds,
        )
    });
    let month_start = today.with_day0(0).unwrap_or(today);
    let (n, sum) = store::unposted(conn, region, month_start).await?;
    let payroll = if n > 0 {
        vec![Task {
            title: format!("{n} måneder til lønudbetaling, i alt {}", kr(sum)),
            href: format!("/regions/{}/payments", region.get()),
            what: "Dan lønkørslen, og send den til løn".into(),
            note: String::new(),
            deadline: None,
            since: None,
        }]
    } else {
        Vec::new()
    };
    lists.push(list(
        "Udbetalinger",
        "Alle forfaldne måneder er sendt til lønudbetaling.",
        payroll,
    ));
    let missing = store::evaluations_owed(conn, None, Some(region))
        .await?
        .iter()
        .filter(|w| w.day.is_some_and(|d| d <= today))
        .map(|w| task(w, page(w.id), "Evalueringen mangler", w.day))
        .collect();
    lists.push(TaskList {
        more: Some((
            format!("/regions/{}/evaluations", region.get()),
            "Alle evalueringer".into(),
        )),
        ..list(
            "Evalueringer, der mangler",
            "Ingen evalueringer er forfaldne.",
            missing,
        )
    });
    let ending = store::ending_between(
        conn,
        region,
        today,
        today.checked_add_days(Days::new(60)).unwrap_or(today),
    )
    .await?
    .iter()
    .map(|w| task(w, page(w.id), "Slutter snart", w.day))
    .collect();
    lists.push(list(
        "Aftaler, der slutter inden for 60 dage",
        "Ingen aftaler slutter de næste 60 dage.",
        ending,
    ));
    let undelivered = store::undelivered(conn, region).await?;
    if undelivered > 0 {
        lists.push(list(
            "Mails, der ikke er kommet frem",
            "",
            vec![Task {
                title: format!("{undelivered} mails er ikke sendt endnu"),
                href: "/outbox".into(),
                what: "Se udbakken".into(),
                note: String::new(),
                deadline: None,
                since: None,
            }],
        ));
    }
    Ok(())
}

fn kr(ore: Ore) -> String {
    crate::reports::kr(ore)
}

/// Agreements of `region` awaiting the signature of `party`, less those bound to another
/// account than `me`.
async fn to_sign(
    conn: &mut Connection,
    party: &str,
    region: RegionCode,
    me: UserId,
) -> Result<Vec<Task>> {
    Ok(store::unsigned(conn, party, Some(region), None, me)
        .await?
        .iter()
        .map(|w| task(w, page(w.id), "Læs aftalen og skriv under", None))
        .collect())
}

/// The region's agreements that came into force in the last 30 days.
async fn activated(
    conn: &mut Connection,
    region: RegionCode,
    today: NaiveDate,
) -> Result<TaskList> {
    let since = today.checked_sub_days(Days::new(30)).unwrap_or(today);
    let tasks = store::activated_since(conn, region, &since.to_string())
        .await?
        .iter()
        .map(|w| {
            let mut t = task(w, page(w.id), "Trådt i kraft", None);
            t.since = None;
            t.note = match day_of(&w.since) {
                Some(d) => format!("Sidste underskrift {}", date::format_date_da(d)),
                None => String::new(),
            };
            t
        })
        .collect();
    Ok(TaskList {
        heading: "Trådt i kraft de sidste 30 dage".into(),
        empty: "Ingen aftaler er trådt i kraft de sidste 30 dage.".into(),
        tasks,
        more: None,
    })
}

fn waiting_of(app: &ProgrammeApplication) -> Waiting {
    Waiting {
        id: app.id,
        title: app.title.clone(),
        since: Some(app.updated_at.clone()),
        day: None,
        note: String::new(),
        flag: false,
    }
}

/// The definitions read so far, by programme and version.
#[derive(Default)]
struct Definitions(BTreeMap<(String, u32), Definition>);

impl Definitions {
    async fn of(
        &mut self,
        conn: &mut Connection,
        app: &ProgrammeApplication,
    ) -> Result<&Definition> {
        let key = (app.programme_id.clone(), app.definition_version);
        if !self.0.contains_key(&key) {
            let def = definition_of(conn, app).await?;
            self.0.insert(key.clone(), def);
        }
        Ok(&self.0[&key])
    }
}

/// The steps of programmes defined as data in `region` that `user` may take now other than as
/// the writer (a reviewer's, a body's, a signing party's), leaving out applications the user
/// must first declare on or has declared a conflict of interest on.
async fn programme_steps(
    conn: &mut Connection,
    user: &impl Person,
    region: RegionCode,
    today: NaiveDate,
) -> Result<Vec<Task>> {
    let me = user.person();
    let mut defs = Definitions::default();
    let mut bodies: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut out = Vec::new();
    for app in programme_store::listed(conn, None, Some(region), 500).await? {
        if app.is_own(me.id) {
            continue;
        }
        if !bodies.contains_key(&app.programme_id) {
            let seats = programme_store::bodies_of(conn, &app.programme_id, me.id).await?;
            bodies.insert(app.programme_id.clone(), seats);
        }
        let seats = bodies[&app.programme_id].clone();
        let def = defs.of(conn, &app).await?;
        if def.workflow.state(&app.state).map(|s| s.kind) == Some(StateKind::Final) {
            continue;
        }
        let taker = Taker {
            is_applicant: false,
            role: me.role,
            bodies: &seats,
        };
        let steps = def
            .workflow
            .open_steps(&app.state, taker, app.state_entered_on, today);
        if steps.is_empty() {
            continue;
        }
        let standing = crate::programme_review::standing(conn, user, &app, def, &seats).await?;
        if standing.hidden() {
            continue;
        }
        if standing.must_declare {
            // Declaring comes first: the page asks for it.
            out.push(task(
                &waiting_of(&app),
                page(app.id),
                "Erklær dig om inhabilitet, før du ser ansøgningen",
                None,
            ));
            continue;
        }
        let labels: Vec<&str> = steps.iter().map(|s| s.label.as_str()).collect();
        let deadline = steps
            .iter()
            .filter_map(|s| s.within_days)
            .min()
            .and_then(|d| app.state_entered_on.checked_add_days(Days::new(d.into())));
        let mut t = task(
            &waiting_of(&app),
            page(app.id),
            &labels.join(" · "),
            deadline,
        );
        t.note = def.name.clone();
        t.since = Some(app.state_entered_on);
        out.push(t);
    }
    Ok(out)
}

/// The regions side by side: OK21's applications by status, its money, and whether each
/// region has begun its report.
async fn overview(conn: &mut Connection) -> Result<Vec<RegionOverview>> {
    let counts = store::counts_by_region(conn, OK21).await?;
    let begun = store::reports_begun(conn, OK21).await?;
    let mut out = Vec::new();
    for code in RegionCode::all() {
        let n = |status: &str| {
            counts
                .iter()
                .filter(|(r, s, _)| *r == code && s == status)
                .map(|(_, _, n)| *n)
                .sum::<i64>()
        };
        let pools = money::pool_status(conn, OK21, code).await?;
        let sum = |f: fn(&money::PoolStatus) -> Ore| -> Result<Ore> {
            Ore::checked_sum(pools.iter().map(f)).ok_or_else(|| {
                crate::Error::Internal(anyhow::anyhow!("a region's pool sums overflow"))
            })
        };
        out.push(RegionOverview {
            code,
            submitted: n("submitted"),
            ready: n("ready_for_decision"),
            awaiting_signatures: n("awaiting_signatures"),
            active: n("active"),
            allocated: sum(|p| p.amount_ore)?,
            committed: sum(|p| p.committed_ore)?,
            paid: sum(|p| p.paid_ore)?,
            report_begun: begun.contains(&code),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(deadline: Option<&str>, since: Option<&str>) -> Task {
        Task {
            title: format!("{deadline:?} {since:?}"),
            href: String::new(),
            what: String::new(),
            note: String::new(),
            deadline: deadline.and_then(date::parse_date),
            since: since.and_then(date::parse_date),
        }
    }

    #[test]
    fn nearest_deadline_first_then_longest_waiting() {
        let got = sorted(vec![
            t(None, Some("2026-11-20")),
            t(Some("2026-12-20"), None),
            t(None, Some("2026-10-01")),
            t(Some("2026-12-10"), Some("2026-12-01")),
            t(None, None),
        ]);
        let order: Vec<_> = got.iter().map(|t| t.title.as_str()).collect();
        assert_eq!(
            order,
            [
                "Some(\"2026-12-10\") Some(\"2026-12-01\")",
                "Some(\"2026-12-20\") None",
                "None Some(\"2026-10-01\")",
                "None Some(\"2026-11-20\")",
                "None None",
            ]
        );
    }

    #[test]
    fn a_stored_time_is_a_danish_day() {
        // 23:30 UTC on 31 December is already New Year's Day in Denmark.
        assert_eq!(
            day_of(&Some("2026-12-31T23:30:00Z".into())),
            date::parse_date("2027-01-01")
        );
        assert_eq!(
            day_of(&Some("2026-06-01".into())),
            date::parse_date("2026-06-01")
        );
        assert_eq!(day_of(&None), None);
    }
}
