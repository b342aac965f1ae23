//! Amending an approved agreement: a new period, tier or participants, decided again by the
//! steering group, with the earlier version kept.

use super::applications::parse_form;
use crate::auth::{policy, CurrentUser};
use crate::error::{AppError, PageResult};
use crate::extract::Form;
use crate::views::{self, Choice, Field, Page};
use crate::Db;
use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use pulje_app::applications::get as get_application;
use pulje_domain::{ApplicationId, ApplicationInput, FieldErrors};
use pulje_store::applications::Application;
use pulje_store::{amendments, programmes, StoreError};

pub struct ParticipantRow {
    index: usize,
    name: String,
    role: String,
    receives: bool,
}

#[derive(Template)]
#[template(path = "applications/amend.html")]
struct AmendPage {
    page: Page,
    app_id: i64,
    title: String,
    version: i64,
    message: String,
    start_date: Field,
    end_date: Field,
    supplement_ore: Field,
    tiers: Vec<Choice>,
    participants: Vec<ParticipantRow>,
}

async fn render(
    db: &mut Db,
    user: &CurrentUser,
    app: &Application,
    input: &ApplicationInput,
    version: i64,
    errors: &FieldErrors,
    message: String,
) -> PageResult<AmendPage> {
    let mut conn = db.conn().await?;
    let tiers = programmes::tiers(&mut conn, &app.programme_id, Some(app.region_code)).await?;
    let mut participants: Vec<ParticipantRow> = input
        .participants
        .iter()
        .enumerate()
        .map(|(index, p)| ParticipantRow {
            index,
            name: p.name.clone(),
            role: p.role.clone(),
            receives: p.receives_supplement,
        })
        .collect();
    for _ in 0..2 {
        participants.push(ParticipantRow {
            index: participants.len(),
            name: String::new(),
            role: String::new(),
            receives: false,
        });
    }
    Ok(AmendPage {
        page: Page::new(
            user,
            format!("Ændr aftalen: {}", app.data.title()),
            "/applications",
        ),
        app_id: i64::from(app.id),
        title: app.data.title().to_string(),
        version,
        message,
        start_date: Field::new("start_date", "C.2 Ny startdato", &input.start_date, errors),
        end_date: Field::new("end_date", "C.3 Ny slutdato", &input.end_date, errors),
        supplement_ore: Field::new(
            "supplement_ore",
            "B6. Tillæg pr. år",
            &input.supplement_ore,
            errors,
        ),
        tiers: tiers
            .iter()
            .map(|t| {
                Choice::new(
                    t.amount_ore.ore(),
                    format!("{} – {}", t.name, views::kr(t.amount_ore)),
                    input.supplement_ore == t.amount_ore.ore().to_string(),
                )
            })
            .collect(),
        participants,
    })
}

async fn load_amendable(db: &mut Db, user: &CurrentUser, id: i64) -> PageResult<Application> {
    let mut conn = db.conn().await?;
    let app = get_application(&mut conn, ApplicationId::new(id)).await?;
    policy::require_view(user, &app)?;
    if !amendments::may_amend(&user.user, &app) {
        return Err(AppError::Forbidden(
            "Kun regionens administrator og ansøgeren kan ændre en godkendt aftale.".into(),
        ));
    }
    Ok(app)
}

pub async fn form(mut db: Db, user: CurrentUser, Path(id): Path<i64>) -> PageResult<Html<String>> {
    let app = load_amendable(&mut db, &user, id).await?;
    let input = app.data.to_input();
    Ok(Html(
        render(
            &mut db,
            &user,
            &app,
            &input,
            app.version,
            &FieldErrors::new(),
            String::new(),
        )
        .await?
        .render()?,
    ))
}

pub async fn submit(
    mut db: Db,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    let app = load_amendable(&mut db, &user, id).await?;
    let typed = parse_form(pairs);
    let mut input = app.data.to_input();
    input.start_date = typed.input.start_date;
    input.end_date = typed.input.end_date;
    input.supplement_ore = typed.input.supplement_ore;
    input.participants = typed.input.participants;
    let mut conn = db.conn().await?;
    let rules = programmes::rules(&mut conn, &app.programme_id, app.region_code).await?;
    drop(conn);
    let data = match input.validate(&rules) {
        Ok(data) => data,
        Err(errors) => {
            let page = render(
                &mut db,
                &user,
                &app,
                &input,
                typed.version,
                &errors,
                "Ændringen er ikke sendt. Ret fejlene herunder.".into(),
            )
            .await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response());
        }
    };
    let mut tx = db.begin().await?;
    match amendments::propose(
        &mut tx,
        &user.user,
        ApplicationId::new(id),
        typed.version,
        &data,
    )
    .await
    {
        Ok(_) => {
            tx.commit().await?;
            Ok(Redirect::to(&format!("/applications/{id}?trin=amend")).into_response())
        }
        Err(e @ (StoreError::Stale | StoreError::Refused(_) | StoreError::Conflict(_))) => {
            drop(tx);
            let status = AppError::from(e);
            let page = render(
                &mut db,
                &user,
                &app,
                &input,
                typed.version,
                &FieldErrors::new(),
                status.message(),
            )
            .await?;
            Ok((status.status(), Html(page.render()?)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
