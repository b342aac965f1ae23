//! `/admin/rounds`: each region's application rounds in the OK21 programme; create and edit.

use super::*;
use crate::auth::policy::admin_scope;
use crate::extract::Form;
use crate::views;
use crate::Db;
use axum::extract::{Path, Query};
use axum::response::Redirect;
use chrono::NaiveDate;
use pulje_domain::{parse_date, RegionCode, RoundId};
use pulje_store::programmes::{self, Round, RoundInput};
use pulje_store::reference::OK21;
use pulje_store::Connection;

const PATH: &str = "/admin/rounds";

pub async fn list(
    mut db: Db,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> PageResult<Response> {
    let scope = admin_scope(&user)?;
    let region = region_filter(scope, &q.region)?;
    let mut conn = db.conn().await?;
    let edit = match q.edit_id() {
        Some(id) => {
            let r = load(&mut conn, &user, id).await?;
            Some(edit_form(&r, &values_of(&r), &FieldErrors::new()))
        }
        None => None,
    };
    let create = create_form(&user, &defaults(region), &FieldErrors::new());
    let page = render(&mut conn, &user, region, q.notice("Runden"), edit, create).await?;
    respond(StatusCode::OK, page)
}

/// The round, if the user administers its region (404 otherwise).
async fn load(conn: &mut Connection, user: &CurrentUser, id: i64) -> PageResult<Round> {
    let r = programmes::get_round(conn, RoundId::new(id))
        .await?
        .ok_or(AppError::NotFound)?;
    require_admin_of(user, r.region_code)?;
    Ok(r)
}

fn values_of(r: &Round) -> Values {
    Values::from([
        ("name".to_string(), r.name.clone()),
        ("opens_on".to_string(), r.opens_on.to_string()),
        ("deadline".to_string(), r.deadline.to_string()),
    ])
}

fn round_inputs(form: &str, v: &Values, errors: &FieldErrors) -> Vec<Input> {
    vec![
        Input::text(form, "name", "Navn", val(v, "name"), errors)
            .hint("Fx 3. runde (september 2022)."),
        Input::date(form, "opens_on", "Åbner", val(v, "opens_on"), errors),
        Input::date(
            form,
            "deadline",
            "Ansøgningsfrist",
            val(v, "deadline"),
            errors,
        ),
    ]
}

fn create_form(user: &CurrentUser, v: &Values, errors: &FieldErrors) -> FormView {
    FormView::new("ny", "Opret ansøgningsrunde", PATH, "Opret runde")
        .intro(own_region_intro(user))
        .inputs(region_input("ny", user, val(v, "region_code"), errors))
        .inputs(round_inputs("ny", v, errors))
        .general_errors(errors)
}

fn edit_form(r: &Round, v: &Values, errors: &FieldErrors) -> FormView {
    FormView::new(
        "ret-form",
        format!("Ret runden «{}» ({})", r.name, region_name(r.region_code)),
        format!("{PATH}/{}", r.id),
        "Gem runden",
    )
    .inputs(round_inputs("ret", v, errors))
    .general_errors(errors)
    .cancel(list_href(PATH, Some(r.region_code)))
}

async fn render(
    conn: &mut Connection,
    user: &CurrentUser,
    region: Option<RegionCode>,
    notice: Option<String>,
    edit: Option<FormView>,
    create: FormView,
) -> PageResult<ListPage> {
    let rounds = programmes::rounds(conn, Some(OK21), region).await?;
    let today = chrono::Utc::now().date_naive();
    let all = shows_region(user);
    let mut columns = vec![col("Runde")];
    if all {
        columns.push(col("Region"));
    }
    columns.extend([col("Åbner"), col("Frist"), col("Status")]);
    let rows = rounds
        .iter()
        .map(|r| {
            let mut cells = vec![cell(&r.name)];
            if all {
                cells.push(cell(region_name(r.region_code)));
            }
            let state = if today < r.opens_on {
                "Ikke åbnet"
            } else if today <= r.deadline {
                "Åben"
            } else {
                "Lukket"
            };
            cells.extend([
                cell(views::date_da(r.opens_on)),
                cell(views::date_da(r.deadline)),
                cell(state),
            ]);
            Row {
                label: r.name.clone(),
                cells,
                edit_href: Some(edit_href(PATH, r.region_code, r.id)),
                buttons: Vec::new(),
            }
        })
        .collect();
    Ok(ListPage::new(
        user,
        "Ansøgningsrunder",
        "Runderne, hvor regionen modtager ansøgninger, med åbningsdato og frist.",
        PATH,
        region,
        notice,
        columns,
        rows,
        "Der er ingen ansøgningsrunder endnu.",
        edit,
        Some(create),
    ))
}

fn read_date(v: &Values, name: &str, what: &str, errors: &mut FieldErrors) -> Option<NaiveDate> {
    let text = val(v, name).trim();
    if text.is_empty() {
        errors.add(name, format!("Skriv {what}."));
        return None;
    }
    let d = parse_date(text);
    if d.is_none() {
        errors.add(
            name,
            format!("«{text}» er ikke en gyldig dato. Skriv fx 2022-03-01 eller 1. marts 2022."),
        );
    }
    d
}

/// Checks the form; the input to store when everything is right.
fn read_round(v: &Values, errors: &mut FieldErrors) -> Option<RoundInput> {
    let name = val(v, "name").trim();
    if name.is_empty() {
        errors.add("name", "Skriv rundens navn.");
    }
    let opens_on = read_date(v, "opens_on", "datoen, runden åbner", errors);
    let deadline = read_date(v, "deadline", "ansøgningsfristen", errors);
    if let (Some(o), Some(d)) = (opens_on, deadline) {
        if d < o {
            errors.add(
                "deadline",
                "Fristen skal ligge på eller efter datoen, runden åbner.",
            );
        }
    }
    match (opens_on, deadline) {
        (Some(opens_on), Some(deadline)) if errors.is_empty() => Some(RoundInput {
            name: name.to_string(),
            opens_on,
            deadline,
        }),
        _ => None,
    }
}

pub async fn create(mut db: Db, user: CurrentUser, Form(v): Form<Values>) -> PageResult<Response> {
    let scope = admin_scope(&user)?;
    let mut errors = FieldErrors::new();
    let region = chosen_region(&user, val(&v, "region_code"), &mut errors)?;
    let input = read_round(&v, &mut errors);
    if let (Some(code), Some(input)) = (region, input) {
        let mut tx = db.begin().await?;
        match programmes::create_round(&mut tx, &user.actor(), OK21, code, &input).await {
            Ok(_) => {
                tx.commit().await?;
                return Ok(Redirect::to(&back_to(PATH, Some(code), "oprettet")).into_response());
            }
            Err(e) => errors.add("", refusal(e)?),
        }
    }
    let mut conn = db.conn().await?;
    let page = render(
        &mut conn,
        &user,
        scope.narrow(region)?,
        None,
        None,
        create_form(&user, &v, &errors),
    )
    .await?;
    respond(StatusCode::UNPROCESSABLE_ENTITY, page)
}

pub async fn update(
    mut db: Db,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(v): Form<Values>,
) -> PageResult<Response> {
    admin_scope(&user)?;
    let mut conn = db.conn().await?;
    let r = load(&mut conn, &user, id).await?;
    drop(conn);
    let mut errors = FieldErrors::new();
    if let Some(input) = read_round(&v, &mut errors) {
        let mut tx = db.begin().await?;
        match programmes::update_round(&mut tx, &user.actor(), RoundId::new(id), &input).await {
            Ok(_) => {
                tx.commit().await?;
                return Ok(
                    Redirect::to(&back_to(PATH, Some(r.region_code), "gemt")).into_response()
                );
            }
            Err(e) => errors.add("", refusal(e)?),
        }
    }
    let mut conn = db.conn().await?;
    let edit = edit_form(&r, &v, &errors);
    let create = create_form(&user, &Values::new(), &FieldErrors::new());
    let page = render(
        &mut conn,
        &user,
        Some(r.region_code),
        None,
        Some(edit),
        create,
    )
    .await?;
    respond(StatusCode::UNPROCESSABLE_ENTITY, page)
}
