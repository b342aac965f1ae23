//! `/admin/areas`: each region's priority areas in the OK21 programme; create and edit.

use super::*;
use crate::auth::policy::admin_scope;
use crate::extract::Form;
use crate::Db;
use axum::extract::{Path, Query};
use axum::response::Redirect;
use pulje_domain::{AreaId, RegionCode};
use pulje_store::programmes::{self, Area};
use pulje_store::reference::{national_areas, OK21};
use pulje_store::Connection;

const PATH: &str = "/admin/areas";
const SHORT_HINT: &str =
    "Bruges i oversigter og tabeller. Lad feltet stå tomt for at bruge hele navnet.";

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
            let a = load(&mut conn, &user, id).await?;
            Some(edit_form(
                &a,
                &a.name,
                &a.short_name,
                national_value(&a),
                &FieldErrors::new(),
            ))
        }
        None => None,
    };
    let create = create_form(&user, &defaults(region), &FieldErrors::new());
    let page = render(&mut conn, &user, region, q.notice("Området"), edit, create).await?;
    respond(StatusCode::OK, page)
}

/// The area, if the user administers its region (404 otherwise).
async fn load(conn: &mut Connection, user: &CurrentUser, id: i64) -> PageResult<Area> {
    let a = programmes::get_area(conn, AreaId::new(id))
        .await?
        .ok_or(AppError::NotFound)?;
    require_admin_of(user, a.region_code)?;
    Ok(a)
}

fn create_form(user: &CurrentUser, v: &Values, errors: &FieldErrors) -> FormView {
    FormView::new("ny", "Opret område", PATH, "Opret område")
        .intro(own_region_intro(user))
        .inputs(region_input("ny", user, val(v, "region_code"), errors))
        .input(
            Input::text("ny", "name", "Navn", val(v, "name"), errors)
                .hint("Fx Forskning eller Faglig specialist."),
        )
        .input(
            Input::text(
                "ny",
                "short_name",
                "Kort navn",
                val(v, "short_name"),
                errors,
            )
            .hint(SHORT_HINT),
        )
        .general_errors(errors)
}

fn edit_form(
    a: &Area,
    name: &str,
    short_name: &str,
    national: &str,
    errors: &FieldErrors,
) -> FormView {
    let form = FormView::new(
        "ret-form",
        format!("Ret området «{}» ({})", a.name, region_name(a.region_code)),
        format!("{PATH}/{}", a.id),
        "Gem området",
    )
    .input(Input::text("ret", "name", "Navn", name, errors))
    .input(Input::text("ret", "short_name", "Kort navn", short_name, errors).hint(SHORT_HINT));
    let known = national_areas(&a.programme_id);
    let form = if known.is_empty() {
        form
    } else {
        let mut options = vec![(String::new(), "Ikke placeret".to_string())];
        options.extend(known.iter().map(|n| (n.to_string(), n.to_string())));
        form.input(
            Input::select("ret", "national_area", "Nationalt område", national, options, errors)
                .hint("Det nationale prioriterede område, som områdets forsøg tælles under i den nationale oversigt, så regionerne kan sammenlignes."),
        )
    };
    form.general_errors(errors)
        .cancel(list_href(PATH, Some(a.region_code)))
}

/// The national area an edit form starts with: the chosen one, or the one the name matches.
fn national_value(a: &Area) -> &str {
    a.national().unwrap_or("")
}

async fn render(
    conn: &mut Connection,
    user: &CurrentUser,
    region: Option<RegionCode>,
    notice: Option<String>,
    edit: Option<FormView>,
    create: FormView,
) -> PageResult<ListPage> {
    let areas = programmes::areas(conn, OK21, region).await?;
    let all = shows_region(user);
    let national = !national_areas(OK21).is_empty();
    let mut columns = vec![col("Område"), col("Kort navn")];
    if national {
        columns.push(col("Nationalt område"));
    }
    if all {
        columns.push(col("Region"));
    }
    columns.push(num_col("Rækkefølge"));
    let rows = areas
        .iter()
        .map(|a| {
            let mut cells = vec![cell(&a.name), cell(&a.short_name)];
            if national {
                cells.push(cell(a.national().unwrap_or("Ikke placeret")));
            }
            if all {
                cells.push(cell(region_name(a.region_code)));
            }
            cells.push(num_cell(a.position.to_string()));
            Row {
                label: a.name.clone(),
                cells,
                edit_href: Some(edit_href(PATH, a.region_code, a.id)),
                buttons: Vec::new(),
            }
        })
        .collect();
    Ok(ListPage::new(
        user,
        "Områder",
        "De prioriterede områder i OK21-afdelingslægepuljen, som en ansøgning skal placeres i og argumentere for.",
        PATH,
        region,
        notice,
        columns,
        rows,
        "Der er ingen områder endnu.",
        edit,
        Some(create),
    ))
}

/// A store refusal as a message; a duplicate name is named in Danish.
fn area_refusal(e: StoreError, name: &str) -> PageResult<String> {
    match e {
        StoreError::Duplicate(_) => Ok(format!(
            "Der findes allerede et område med navnet «{}» i regionen.",
            name.trim()
        )),
        other => refusal(other),
    }
}

pub async fn create(mut db: Db, user: CurrentUser, Form(v): Form<Values>) -> PageResult<Response> {
    let scope = admin_scope(&user)?;
    let mut errors = FieldErrors::new();
    let region = chosen_region(&user, val(&v, "region_code"), &mut errors)?;
    if val(&v, "name").trim().is_empty() {
        errors.add("name", "Skriv områdets navn.");
    }
    if let (Some(code), true) = (region, errors.is_empty()) {
        let mut tx = db.begin().await?;
        match programmes::create_area(
            &mut tx,
            &user.actor(),
            OK21,
            code,
            val(&v, "name"),
            val(&v, "short_name"),
        )
        .await
        {
            Ok(_) => {
                tx.commit().await?;
                return Ok(Redirect::to(&back_to(PATH, Some(code), "oprettet")).into_response());
            }
            Err(e) => errors.add("name", area_refusal(e, val(&v, "name"))?),
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
    let a = load(&mut conn, &user, id).await?;
    drop(conn);
    let mut errors = FieldErrors::new();
    if val(&v, "name").trim().is_empty() {
        errors.add("name", "Skriv områdets navn.");
    }
    if errors.is_empty() {
        let mut tx = db.begin().await?;
        let saved = match programmes::update_area(
            &mut tx,
            &user.actor(),
            AreaId::new(id),
            val(&v, "name"),
            val(&v, "short_name"),
        )
        .await
        {
            // A form without the field (a programme without national areas) leaves it as it is.
            Ok(_) if !v.contains_key("national_area") => Ok(()),
            Ok(_) => programmes::set_national_area(
                &mut tx,
                &user.actor(),
                AreaId::new(id),
                val(&v, "national_area"),
            )
            .await
            .map(|_| ()),
            Err(e) => Err(e),
        };
        match saved {
            Ok(()) => {
                tx.commit().await?;
                return Ok(
                    Redirect::to(&back_to(PATH, Some(a.region_code), "gemt")).into_response()
                );
            }
            Err(e) => errors.add("name", area_refusal(e, val(&v, "name"))?),
        }
    }
    let mut conn = db.conn().await?;
    let edit = edit_form(
        &a,
        val(&v, "name"),
        val(&v, "short_name"),
        val(&v, "national_area"),
        &errors,
    );
    let create = create_form(&user, &Values::new(), &FieldErrors::new());
    let page = render(
        &mut conn,
        &user,
        Some(a.region_code),
        None,
        Some(edit),
        create,
    )
    .await?;
    respond(StatusCode::UNPROCESSABLE_ENTITY, page)
}
