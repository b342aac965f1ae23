//! The steering group's meetings (date, place, agenda, decisions, minutes) and the members of
//! the region's working group and steering group.

use crate::auth::policy::{self, Scope};
use crate::auth::CurrentUser;
use crate::error::{AppError, PageResult};
use crate::extract::Form;
use crate::views::{self, Choice, Page};
use crate::Db;
use askama::Template;
use axum::extract::{Path, Query};
use axum::response::{Html, IntoResponse, Redirect, Response};
use pulje_app::applications::opt_id;
use pulje_domain::{ApplicationId, ApplicationStatus, MeetingId, MemberId, RegionCode};
use pulje_store::applications::{self, ListFilter};
use pulje_store::meetings::{self, Meeting};
use pulje_store::reference::OK21;
use pulje_store::Connection;
use serde::Deserialize;

/// A region's meetings as choices for a decision form, after "no meeting".
pub(crate) fn choices_of(meetings: Vec<meetings::Meeting>) -> Vec<Choice> {
    let mut out = vec![Choice::new("", "Intet møde angivet", true)];
    out.extend(meetings.into_iter().map(|m| {
        Choice::new(
            m.id,
            format!("{} – {}", views::date_da(m.held_on), m.place),
            false,
        )
    }));
    out
}

/// The region a meetings page is about: the user's own, or the one asked for by national users.
fn region_of(user: &CurrentUser, requested: Option<i64>) -> PageResult<RegionCode> {
    if !policy::may_see_meetings(user) {
        return Err(AppError::forbidden());
    }
    let requested = match requested {
        Some(code) => Some(RegionCode::new(code).ok_or(AppError::NotFound)?),
        None => None,
    };
    Ok(Scope::of(user)
        .narrow(requested)?
        .unwrap_or(RegionCode::NORDJYLLAND))
}

async fn load_meeting(conn: &mut Connection, user: &CurrentUser, id: i64) -> PageResult<Meeting> {
    if !policy::may_see_meetings(user) {
        return Err(AppError::forbidden());
    }
    let m = meetings::get(conn, MeetingId::new(id))
        .await?
        .ok_or(AppError::NotFound)?;
    if !Scope::of(user).allows(m.region_code) {
        return Err(AppError::NotFound);
    }
    Ok(m)
}

pub struct MeetingRow {
    id: i64,
    date: String,
    place: String,
}

pub struct MemberRow {
    id: i64,
    body: &'static str,
    name: String,
    title: String,
}

#[derive(Template)]
#[template(path = "meetings/list.html")]
struct ListPage {
    page: Page,
    region_name: String,
    meetings: Vec<MeetingRow>,
    members: Vec<MemberRow>,
    can_manage: bool,
    can_manage_members: bool,
    error: String,
    held_on: String,
    place: String,
    show_regions: bool,
    regions: Vec<Choice>,
}

#[derive(Deserialize, Default)]
pub struct RegionQuery {
    region: Option<String>,
}

async fn list_page(
    db: &mut Db,
    user: &CurrentUser,
    region: RegionCode,
    error: String,
    held_on: String,
    place: String,
) -> PageResult<ListPage> {
    let mut conn = db.conn().await?;
    let meetings = meetings::meetings(&mut conn, OK21, region).await?;
    let members = meetings::members(&mut conn, OK21, region).await?;
    Ok(ListPage {
        page: Page::new(user, "Møder og grupper", "/meetings"),
        region_name: region.name().into(),
        meetings: meetings
            .into_iter()
            .map(|m| MeetingRow {
                id: i64::from(m.id),
                date: views::date_da(m.held_on),
                place: m.place,
            })
            .collect(),
        members: members
            .into_iter()
            .map(|m| MemberRow {
                id: i64::from(m.id),
                body: if m.body == "working_group" {
                    "Arbejdsgruppe"
                } else {
                    "Styregruppe"
                },
                name: m.name,
                title: m.title,
            })
            .collect(),
        can_manage: policy::may_manage_meetings(user),
        can_manage_members: policy::may_manage_members(user),
        error,
        held_on,
        place,
        show_regions: Scope::of(user) == Scope::All,
        regions: RegionCode::all()
            .map(|r| Choice::new(r.code(), r.name(), r == region))
            .collect(),
    })
}

pub async fn list(
    mut db: Db,
    user: CurrentUser,
    Query(q): Query<RegionQuery>,
) -> PageResult<Html<String>> {
    let region = region_of(&user, opt_id(&q.region))?;
    Ok(Html(
        list_page(
            &mut db,
            &user,
            region,
            String::new(),
            String::new(),
            String::new(),
        )
        .await?
        .render()?,
    ))
}

#[derive(Deserialize)]
pub struct MeetingForm {
    #[serde(default)]
    held_on: String,
    #[serde(default)]
    place: String,
}

pub async fn create(
    mut db: Db,
    user: CurrentUser,
    Form(form): Form<MeetingForm>,
) -> PageResult<Response> {
    if !policy::may_manage_meetings(&user) {
        return Err(AppError::Forbidden(
            "Kun styregruppen og regionens administrator kan oprette møder.".into(),
        ));
    }
    let region = user.region_code().ok_or_else(AppError::forbidden)?;
    let message = match pulje_domain::parse_date(&form.held_on) {
        None => format!(
            "Mødedato: «{}» er ikke en gyldig dato.",
            form.held_on.trim()
        ),
        Some(held_on) => {
            let mut tx = db.begin().await?;
            match meetings::create_meeting(
                &mut tx,
                &user.actor(),
                OK21,
                region,
                held_on,
                &form.place,
            )
            .await
            {
                Ok(m) => {
                    tx.commit().await?;
                    return Ok(Redirect::to(&format!("/meetings/{}", m.id)).into_response());
                }
                Err(pulje_store::StoreError::Refused(msg)) => format!("Mødested: {msg}"),
                Err(e) => return Err(e.into()),
            }
        }
    };
    let page = list_page(&mut db, &user, region, message, form.held_on, form.place).await?;
    Ok((
        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        Html(page.render()?),
    )
        .into_response())
}

pub struct AgendaRow {
    id: i64,
    title: String,
    doctor: String,
    department: String,
    status: String,
    requested: String,
    decision: String,
}

#[derive(Template)]
#[template(path = "meetings/show.html")]
struct ShowPage {
    page: Page,
    meeting_id: i64,
    date: String,
    place: String,
    region_name: String,
    agenda: Vec<AgendaRow>,
    candidates: Vec<Choice>,
    can_manage: bool,
    printable: bool,
}

async fn show_page(
    db: &mut Db,
    user: &CurrentUser,
    id: i64,
    printable: bool,
) -> PageResult<ShowPage> {
    let mut conn = db.conn().await?;
    let m = load_meeting(&mut conn, user, id).await?;
    let agenda = meetings::agenda(&mut conn, MeetingId::new(id)).await?;
    let filter = ListFilter {
        region_code: Some(m.region_code),
        status: Some(ApplicationStatus::ReadyForDecision),
        ..Default::default()
    };
    let (ready, _) = applications::list(&mut conn, &filter, 1, 500).await?;
    let candidates = ready
        .into_iter()
        .filter(|a| {
            !agenda
                .iter()
                .any(|i| i.application_id == ApplicationId::new(a.id.get()))
        })
        .map(|a| Choice::new(a.id, format!("{} (nr. {})", a.title, a.id), false))
        .collect();
    Ok(ShowPage {
        page: Page::new(
            user,
            format!("Møde {}", views::date_da(m.held_on)),
            "/meetings",
        ),
        meeting_id: i64::from(m.id),
        date: views::date_da(m.held_on),
        place: m.place.clone(),
        region_name: Some(m.region_code).map(|r| r.name()).unwrap_or("").into(),
        agenda: agenda
            .into_iter()
            .map(|i| AgendaRow {
                id: i64::from(i.application_id),
                title: i.title,
                doctor: i.responsible_doctor,
                department: i.hospital_department,
                status: ApplicationStatus::parse(&i.status)
                    .map(|s| s.label_da())
                    .unwrap_or("")
                    .into(),
                requested: i.requested_ore.map(views::kr).unwrap_or_default(),
                decision: match i.decision.as_deref() {
                    Some("approve") => format!(
                        "Godkendt med {} pr. år{}",
                        i.tier_ore.map(views::kr).unwrap_or_default(),
                        i.reason
                            .filter(|r| !r.is_empty())
                            .map(|r| format!(" (overskridelse: {r})"))
                            .unwrap_or_default()
                    ),
                    Some("reject") => format!("Afslået: {}", i.reason.unwrap_or_default()),
                    _ => "Ikke afgjort".into(),
                },
            })
            .collect(),
        candidates,
        can_manage: policy::may_manage_meetings(user) && user.region_code() == Some(m.region_code),
        printable,
    })
}

pub async fn show(mut db: Db, user: CurrentUser, Path(id): Path<i64>) -> PageResult<Html<String>> {
    Ok(Html(show_page(&mut db, &user, id, false).await?.render()?))
}

/// The minutes of decisions, as a page fit to print.
pub async fn minutes(
    mut db: Db,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Html<String>> {
    Ok(Html(show_page(&mut db, &user, id, true).await?.render()?))
}

/// The minutes of decisions as a PDF.
pub async fn minutes_pdf(
    mut db: Db,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    use pulje_pdf::Block;
    let p = show_page(&mut db, &user, id, true).await?;
    let blocks = vec![
        Block::Title(format!("Beslutningsreferat – styregruppemøde {}", p.date)),
        Block::Paragraph(format!("{} · {}", p.region_name, p.place)),
        Block::Heading("Dagsorden og beslutninger".into()),
        Block::Table {
            header: vec![
                "Nr.".into(),
                "Forsøg".into(),
                "Afdelingslæge".into(),
                "Ansøgt".into(),
                "Beslutning".into(),
            ],
            widths: vec![1.0, 5.0, 3.0, 2.0, 5.0],
            rows: p
                .agenda
                .iter()
                .map(|a| {
                    vec![
                        a.id.to_string(),
                        a.title.clone(),
                        a.doctor.clone(),
                        a.requested.clone(),
                        a.decision.clone(),
                    ]
                })
                .collect(),
        },
    ];
    let pdf = pulje_pdf::render(
        &format!("Beslutningsreferat {}", p.date),
        &format!("{} · styregruppemøde {}", p.region_name, p.date),
        &blocks,
    );
    Ok(super::application_detail::pdf_response(
        pdf,
        &format!("referat-{id}.pdf"),
    ))
}

#[derive(Deserialize)]
pub struct AgendaForm {
    #[serde(default)]
    application_id: String,
}

pub async fn add_to_agenda(
    mut db: Db,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<AgendaForm>,
) -> PageResult<Response> {
    let mut tx = db.begin().await?;
    let m = load_meeting(&mut tx, &user, id).await?;
    if !policy::may_manage_meetings(&user) || user.region_code() != Some(m.region_code) {
        return Err(AppError::Forbidden(
            "Kun styregruppen og regionens administrator kan sætte sager på dagsordenen.".into(),
        ));
    }
    let app_id = opt_id(&Some(form.application_id))
        .ok_or_else(|| AppError::Invalid("Vælg en ansøgning.".into()))?;
    meetings::add_to_agenda(&mut tx, &user.actor(), MeetingId::new(id), app_id).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/meetings/{id}")).into_response())
}

#[derive(Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    body: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    title: String,
}

pub async fn add_member(
    mut db: Db,
    user: CurrentUser,
    Form(form): Form<MemberForm>,
) -> PageResult<Response> {
    policy::require_manage_members(&user)?;
    let region = user.region_code().ok_or_else(AppError::forbidden)?;
    let mut tx = db.begin().await?;
    meetings::add_member(
        &mut tx,
        &user.actor(),
        OK21,
        region,
        &form.body,
        &form.name,
        &form.title,
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to("/meetings").into_response())
}

pub async fn remove_member(
    mut db: Db,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    policy::require_manage_members(&user)?;
    let region = user.region_code().ok_or_else(AppError::forbidden)?;
    let mut tx = db.begin().await?;
    meetings::remove_member(&mut tx, &user.actor(), MemberId::new(id), region).await?;
    tx.commit().await?;
    Ok(Redirect::to("/meetings").into_response())
}
