//! `/admin/departments`: the departments of the hospitals; create and rename.

use super::*;
use crate::auth::policy::admin_scope;
use crate::extract::Form;
use crate::Db;
use axum::extract::{Path, Query};
use axum::response::Redirect;
use pulje_domain::{DepartmentId, HospitalId, RegionCode};
use pulje_store::org::{self, Department, Hospital};
use pulje_store::Connection;

const PATH: &str = "/admin/departments";

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
            let d = load(&mut conn, &user, id).await?;
            Some(edit_form(&d, &d.name, &FieldErrors::new()))
        }
        None => None,
    };
    let page = render(
        &mut conn,
        &user,
        region,
        q.notice("Afdelingen"),
        edit,
        &Values::new(),
        &FieldErrors::new(),
    )
    .await?;
    respond(StatusCode::OK, page)
}

/// The department, if the user administers its hospital's region (404 otherwise).
async fn load(conn: &mut Connection, user: &CurrentUser, id: i64) -> PageResult<Department> {
    let d = org::get_department(conn, DepartmentId::new(id))
        .await?
        .ok_or(AppError::NotFound)?;
    require_admin_of(user, d.region_code)?;
    Ok(d)
}

fn create_form(
    user: &CurrentUser,
    hospitals: &[Hospital],
    v: &Values,
    errors: &FieldErrors,
) -> FormView {
    let all = shows_region(user);
    let mut options = vec![(String::new(), "Vælg hospital".to_string())];
    options.extend(hospitals.iter().map(|h| {
        let label = if all {
            format!("{} ({})", h.name, region_name(h.region_code))
        } else {
            h.name.clone()
        };
        (h.id.to_string(), label)
    }));
    FormView::new("ny", "Opret afdeling", PATH, "Opret afdeling")
        .input(Input::select(
            "ny",
            "hospital_id",
            "Hospital",
            val(v, "hospital_id"),
            options,
            errors,
        ))
        .input(Input::text(
            "ny",
            "name",
            "Afdelingens navn",
            val(v, "name"),
            errors,
        ))
        .general_errors(errors)
}

fn edit_form(d: &Department, name: &str, errors: &FieldErrors) -> FormView {
    FormView::new(
        "ret-form",
        format!("Omdøb «{}» ({})", d.name, d.hospital_name),
        format!("{PATH}/{}", d.id),
        "Gem navn",
    )
    .input(Input::text("ret", "name", "Nyt navn", name, errors))
    .general_errors(errors)
    .cancel(list_href(PATH, Some(d.region_code)))
}

async fn render(
    conn: &mut Connection,
    user: &CurrentUser,
    region: Option<RegionCode>,
    notice: Option<String>,
    edit: Option<FormView>,
    create_values: &Values,
    create_errors: &FieldErrors,
) -> PageResult<ListPage> {
    let departments = org::departments(conn, region).await?;
    // The create form offers every hospital the user administers, whatever the filter.
    let hospitals = org::hospitals(conn, Scope::of(user).region_filter()?).await?;
    let all = shows_region(user);
    let mut columns = vec![col("Afdeling"), col("Hospital")];
    if all {
        columns.push(col("Region"));
    }
    let rows = departments
        .iter()
        .map(|d| {
            let mut cells = vec![cell(&d.name), cell(&d.hospital_name)];
            if all {
                cells.push(cell(region_name(d.region_code)));
            }
            Row {
                label: format!("{} ({})", d.name, d.hospital_name),
                cells,
                edit_href: Some(edit_href(PATH, d.region_code, d.id)),
                buttons: Vec::new(),
            }
        })
        .collect();
    let create = if hospitals.is_empty() {
        None
    } else {
        Some(create_form(user, &hospitals, create_values, create_errors))
    };
    Ok(ListPage::new(
        user,
        "Afdelinger",
        "Hospitalernes afdelinger.",
        PATH,
        region,
        notice,
        columns,
        rows,
        "Der er ingen afdelinger endnu.",
        edit,
        create,
    ))
}

/// A store refusal as a message; a duplicate name is named in Danish.
fn department_refusal(e: StoreError, name: &str) -> PageResult<String> {
    match e {
        StoreError::Duplicate(_) => Ok(format!(
            "Der findes allerede en afdeling med navnet «{}» på hospitalet.",
            name.trim()
        )),
        other => refusal(other),
    }
}

pub async fn create(mut db: Db, user: CurrentUser, Form(v): Form<Values>) -> PageResult<Response> {
    admin_scope(&user)?;
    let mut errors = FieldErrors::new();
    let mut conn = db.conn().await?;
    let hospital = match id_value(&v, "hospital_id") {
        Some(id) => {
            let h = org::get_hospital(&mut conn, HospitalId::new(id))
                .await?
                .ok_or(AppError::NotFound)?;
            require_admin_of(&user, h.region_code)?;
            Some(h)
        }
        None => {
            errors.add("hospital_id", "Vælg et hospital.");
            None
        }
    };
    drop(conn);
    if val(&v, "name").trim().is_empty() {
        errors.add("name", "Skriv afdelingens navn.");
    }
    if let (Some(h), true) = (&hospital, errors.is_empty()) {
        let mut tx = db.begin().await?;
        match org::create_department(&mut tx, &user.actor(), h.id, val(&v, "name")).await {
            Ok(_) => {
                tx.commit().await?;
                return Ok(
                    Redirect::to(&back_to(PATH, Some(h.region_code), "oprettet")).into_response(),
                );
            }
            Err(e) => errors.add("name", department_refusal(e, val(&v, "name"))?),
        }
    }
    let mut conn = db.conn().await?;
    let region = Scope::of(&user).narrow(hospital.map(|h| h.region_code))?;
    let page = render(&mut conn, &user, region, None, None, &v, &errors).await?;
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
    let d = load(&mut conn, &user, id).await?;
    drop(conn);
    let mut errors = FieldErrors::new();
    if val(&v, "name").trim().is_empty() {
        errors.add("name", "Skriv afdelingens navn.");
    }
    if errors.is_empty() {
        let mut tx = db.begin().await?;
        match org::rename_department(
            &mut tx,
            &user.actor(),
            DepartmentId::new(id),
            val(&v, "name"),
        )
        .await
        {
            Ok(_) => {
                tx.commit().await?;
                return Ok(
                    Redirect::to(&back_to(PATH, Some(d.region_code), "gemt")).into_response()
                );
            }
            Err(e) => errors.add("name", department_refusal(e, val(&v, "name"))?),
        }
    }
    let mut conn = db.conn().await?;
    let edit = edit_form(&d, val(&v, "name"), &errors);
    let page = render(
        &mut conn,
        &user,
        Some(d.region_code),
        None,
        Some(edit),
        &Values::new(),
        &FieldErrors::new(),
    )
    .await?;
    respond(StatusCode::UNPROCESSABLE_ENTITY, page)
}
