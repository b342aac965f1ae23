//! `/admin/hospitals`: the hospitals of each region; create and rename.

use super::*;
use crate::auth::policy::admin_scope;
use crate::extract::Form;
use crate::Db;
use axum::extract::{Path, Query};
use axum::response::Redirect;
use pulje_domain::{HospitalId, RegionCode};
use pulje_store::org::{self, Hospital};
use pulje_store::Connection;

const PATH: &str = "/admin/hospitals";

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
            let h = load(&mut conn, &user, id).await?;
            Some(edit_form(&h, &h.name, &FieldErrors::new()))
        }
        None => None,
    };
    let create = create_form(&user, &defaults(region), &FieldErrors::new());
    let page = render(
        &mut conn,
        &user,
        region,
        q.notice("Hospitalet"),
        edit,
        create,
    )
    .await?;
    respond(StatusCode::OK, page)
}

/// The hospital, if the user administers its region (404 otherwise).
async fn load(conn: &mut Connection, user: &CurrentUser, id: i64) -> PageResult<Hospital> {
    let h = org::get_hospital(conn, HospitalId::new(id))
        .await?
        .ok_or(AppError::NotFound)?;
    require_admin_of(user, h.region_code)?;
    Ok(h)
}

fn create_form(user: &CurrentUser, v: &Values, errors: &FieldErrors) -> FormView {
    FormView::new("ny", "Opret hospital", PATH, "Opret hospital")
        .intro(own_region_intro(user))
        .inputs(region_input("ny", user, val(v, "region_code"), errors))
        .input(Input::text(
            "ny",
            "name",
            "Hospitalets navn",
            val(v, "name"),
            errors,
        ))
        .general_errors(errors)
}

fn edit_form(h: &Hospital, name: &str, errors: &FieldErrors) -> FormView {
    FormView::new(
        "ret-form",
        format!("Omdøb «{}»", h.name),
        format!("{PATH}/{}", h.id),
        "Gem navn",
    )
    .input(Input::text("ret", "name", "Nyt navn", name, errors))
    .general_errors(errors)
    .cancel(list_href(PATH, Some(h.region_code)))
}

async fn render(
    conn: &mut Connection,
    user: &CurrentUser,
    region: Option<RegionCode>,
    notice: Option<String>,
    edit: Option<FormView>,
    create: FormView,
) -> PageResult<ListPage> {
    let hospitals = org::hospitals(conn, region).await?;
    let departments = org::departments(conn, region).await?;
    let all = shows_region(user);
    let mut columns = vec![col("Hospital")];
    if all {
        columns.push(col("Region"));
    }
    columns.push(num_col("Afdelinger"));
    let rows = hospitals
        .iter()
        .map(|h| {
            let mut cells = vec![cell(&h.name)];
            if all {
                cells.push(cell(region_name(h.region_code)));
            }
            let n = departments.iter().filter(|d| d.hospital_id == h.id).count();
            cells.push(num_cell(n.to_string()));
            Row {
                label: h.name.clone(),
                cells,
                edit_href: Some(edit_href(PATH, h.region_code, h.id)),
                buttons: Vec::new(),
            }
        })
        .collect();
    Ok(ListPage::new(
        user,
        "Hospitaler",
        "Hospitalerne, som ansøgninger og afdelinger hører til.",
        PATH,
        region,
        notice,
        columns,
        rows,
        "Der er ingen hospitaler endnu.",
        edit,
        Some(create),
    ))
}

pub async fn create(mut db: Db, user: CurrentUser, Form(v): Form<Values>) -> PageResult<Response> {
    let scope = admin_scope(&user)?;
    let mut errors = FieldErrors::new();
    let region = chosen_region(&user, val(&v, "region_code"), &mut errors)?;
    if val(&v, "name").trim().is_empty() {
        errors.add("name", "Skriv hospitalets navn.");
    }
    if let (Some(code), true) = (region, errors.is_empty()) {
        let mut tx = db.begin().await?;
        match org::create_hospital(&mut tx, &user.actor(), code, val(&v, "name")).await {
            Ok(_) => {
                tx.commit().await?;
                return Ok(Redirect::to(&back_to(PATH, Some(code), "oprettet")).into_response());
            }
            Err(e) => errors.add("name", refusal(e)?),
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

pub async fn rename(
    mut db: Db,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(v): Form<Values>,
) -> PageResult<Response> {
    admin_scope(&user)?;
    let mut conn = db.conn().await?;
    let h = load(&mut conn, &user, id).await?;
    drop(conn);
    let mut errors = FieldErrors::new();
    if val(&v, "name").trim().is_empty() {
        errors.add("name", "Skriv hospitalets navn.");
    }
    if errors.is_empty() {
        let mut tx = db.begin().await?;
        match org::rename_hospital(&mut tx, &user.actor(), HospitalId::new(id), val(&v, "name"))
            .await
        {
            Ok(_) => {
                tx.commit().await?;
                return Ok(
                    Redirect::to(&back_to(PATH, Some(h.region_code), "gemt")).into_response()
                );
            }
            Err(e) => errors.add("name", refusal(e)?),
        }
    }
    let mut conn = db.conn().await?;
    let edit = edit_form(&h, val(&v, "name"), &errors);
    let create = create_form(&user, &Values::new(), &FieldErrors::new());
    let page = render(
        &mut conn,
        &user,
        Some(h.region_code),
        None,
        Some(edit),
        create,
    )
    .await?;
    respond(StatusCode::UNPROCESSABLE_ENTITY, page)
}
