//! `/admin/users`: user accounts; create, disable and enable.
//!
//! A `region_admin` sees and manages the users of their own region and creates only users with
//! regional roles there; an `admin` manages everyone, national roles included.

use super::*;
use crate::auth::policy::admin_scope;
use crate::extract::Form;
use crate::views;
use crate::Db;
use axum::extract::{Path, Query};
use axum::response::Redirect;
use pulje_domain::{Email, RegionCode, Role, UserId};
use pulje_store::users::{self, NewUser, User};
use pulje_store::Connection;

const PATH: &str = "/admin/users";

pub async fn list(
    mut db: Db,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> PageResult<Response> {
    let scope = admin_scope(&user)?;
    let region = region_filter(scope, &q.region)?;
    let mut conn = db.conn().await?;
    let create = create_form(&user, &defaults(region), &FieldErrors::new());
    let page = render(&mut conn, &user, region, q.notice("Brugeren"), create).await?;
    respond(StatusCode::OK, page)
}

/// The roles the user may give: regional ones for a `region_admin`, all for an `admin`.
fn grantable(user: &CurrentUser) -> Vec<Role> {
    pulje_app::policy::grantable_roles(user)
}

fn create_form(user: &CurrentUser, v: &Values, errors: &FieldErrors) -> FormView {
    let mut roles = vec![(String::new(), "Vælg rolle".to_string())];
    roles.extend(
        grantable(user)
            .into_iter()
            .map(|r| (r.as_str().to_string(), r.label_da().to_string())),
    );
    let region = if shows_region(user) {
        let mut options = vec![(
            String::new(),
            "Ingen region (landsdækkende rolle)".to_string(),
        )];
        options.extend(RegionCode::all().map(|r| (r.code().to_string(), r.name().to_string())));
        Some(
            Input::select("ny", "region_code", "Region", val(v, "region_code"), options, errors)
                .hint("Regionale roller kræver en region; Systemadministrator og National læser har ingen."),
        )
    } else {
        None
    };
    FormView::new("ny", "Opret bruger", PATH, "Opret bruger")
        .intro(own_region_intro(user))
        .input(
            Input::text("ny", "email", "E-mail", val(v, "email"), errors)
                .kind("email")
                .autocomplete("off"),
        )
        .input(Input::text("ny", "name", "Navn", val(v, "name"), errors).autocomplete("off"))
        .input(Input::select(
            "ny",
            "role",
            "Rolle",
            val(v, "role"),
            roles,
            errors,
        ))
        .inputs(region)
        .input(
            Input::text("ny", "password", "Adgangskode", "", errors)
                .kind("password")
                .autocomplete("new-password")
                .hint(&format!(
                    "Mindst {} tegn. Giv den til brugeren ad en sikker vej.{}",
                    pulje_store::password::MIN_LENGTH,
                    if errors.is_empty() {
                        ""
                    } else {
                        " Skriv den igen, hvis formularen kommer retur."
                    }
                )),
        )
        .general_errors(errors)
}

async fn render(
    conn: &mut Connection,
    user: &CurrentUser,
    region: Option<RegionCode>,
    notice: Option<String>,
    create: FormView,
) -> PageResult<ListPage> {
    let list = users::list(conn, region).await?;
    let all = shows_region(user);
    let mut columns = vec![col("Navn"), col("E-mail"), col("Rolle")];
    if all {
        columns.push(col("Region"));
    }
    columns.extend([col("Status"), col("Oprettet")]);
    let rows = list
        .iter()
        .map(|u| {
            let mut cells = vec![cell(&u.name), cell(&u.email), cell(u.role.label_da())];
            if all {
                cells.push(cell(u.region.map(|r| r.name()).unwrap_or("Hele landet")));
            }
            cells.push(cell(if u.disabled { "Deaktiveret" } else { "Aktiv" }));
            cells.push(cell(views::timestamp_da(&u.created_at)));
            let mut buttons = Vec::new();
            if u.id != user.user.id {
                let (verb, path) = if u.disabled {
                    ("Aktivér", "enable")
                } else {
                    ("Deaktivér", "disable")
                };
                buttons.push(ButtonForm {
                    id: format!("bruger-{}", u.id),
                    action: format!("{PATH}/{}/{path}", u.id),
                    label: verb.into(),
                    aria_label: format!("{verb} {}", u.email),
                    confirm: None,
                    errors: Vec::new(),
                });
            }
            Row {
                label: u.email.clone(),
                cells,
                edit_href: None,
                buttons,
            }
        })
        .collect();
    Ok(ListPage::new(
        user,
        "Brugere",
        "Deaktiverede brugere kan ikke logge ind, og deres sessioner og API-nøgler ophører.",
        PATH,
        region,
        notice,
        columns,
        rows,
        "Der er ingen brugere.",
        None,
        Some(create),
    ))
}

pub async fn create(mut db: Db, user: CurrentUser, Form(v): Form<Values>) -> PageResult<Response> {
    let scope = admin_scope(&user)?;
    let mut errors = FieldErrors::new();

    let role = Role::parse(val(&v, "role"));
    match role {
        None => errors.add("role", "Vælg en rolle."),
        Some(r) if !grantable(&user).contains(&r) => {
            return Err(AppError::Forbidden(format!(
                "Du kan ikke oprette brugere med rollen «{}».",
                r.label_da()
            )));
        }
        Some(_) => {}
    }

    // Empty means the user's own region for a region_admin, no region (a national role) for an admin.
    let raw_region = val(&v, "region_code").trim();
    let region = if raw_region.is_empty() {
        match scope {
            Scope::Region(code) => Some(code),
            Scope::All | Scope::Nowhere => None,
        }
    } else {
        match RegionCode::parse(raw_region) {
            Some(r) => Some(r),
            None => {
                errors.add(
                    "region_code",
                    "Vælg en af de fem regioner eller ingen region.",
                );
                None
            }
        }
    };
    match region {
        Some(r) => require_admin_of(&user, r)?,
        // A region_admin always creates in their own region.
        None if scope != Scope::All => return Err(AppError::NotFound),
        None => {}
    }
    if let Some(role) = role {
        match (role.is_regional(), region) {
            (true, None) if !errors.has("region_code") => errors.add(
                "region_code",
                format!("Rollen «{}» kræver en region.", role.label_da()),
            ),
            (false, Some(_)) => errors.add(
                "region_code",
                format!(
                    "Rollen «{}» gælder hele landet; vælg «Ingen region».",
                    role.label_da()
                ),
            ),
            _ => {}
        }
    }
    let email = match Email::parse(val(&v, "email")) {
        Ok(e) => Some(e),
        Err(m) => {
            errors.add("email", m);
            None
        }
    };
    if val(&v, "name").trim().is_empty() {
        errors.add("name", "Skriv brugerens navn.");
    }
    if let Err(m) = pulje_store::password::check_new(val(&v, "password")) {
        errors.add("password", m);
    }

    if let (Some(email), Some(role), true) = (email, role, errors.is_empty()) {
        let new = NewUser {
            email,
            name: val(&v, "name").trim().to_string(),
            role,
            region,
            password: val(&v, "password").to_string(),
        };
        match new.check() {
            Err(m) => errors.add("", m),
            Ok(()) => {
                let mut tx = db.begin().await?;
                match users::create(&mut tx, &user.actor(), &new).await {
                    Ok(created) => {
                        tx.commit().await?;
                        let back = back_to(PATH, created.region, "oprettet");
                        return Ok(Redirect::to(&back).into_response());
                    }
                    Err(StoreError::Duplicate(m)) => errors.add("email", m),
                    Err(e) => errors.add("", refusal(e)?),
                }
            }
        }
    }
    let mut conn = db.conn().await?;
    let shown = scope.narrow(region)?;
    let page = render(
        &mut conn,
        &user,
        shown,
        None,
        create_form(&user, &v, &errors),
    )
    .await?;
    respond(StatusCode::UNPROCESSABLE_ENTITY, page)
}

/// The user, if the caller administers them: their region's `region_admin`, or an `admin`.
/// Users without a region (national roles) are the `admin`'s alone.
async fn load(conn: &mut Connection, user: &CurrentUser, id: i64) -> PageResult<User> {
    let target = users::get(conn, UserId::new(id))
        .await?
        .ok_or(AppError::NotFound)?;
    pulje_app::policy::require_admin_of_user(user, &target)?;
    Ok(target)
}

async fn set_disabled(
    mut db: Db,
    user: CurrentUser,
    id: i64,
    disabled: bool,
) -> PageResult<Response> {
    admin_scope(&user)?;
    let mut conn = db.conn().await?;
    let target = load(&mut conn, &user, id).await?;
    drop(conn);
    if disabled && target.id == user.user.id {
        // The list offers no such button; this is a hand-made request.
        return Err(AppError::Invalid(
            "Du kan ikke deaktivere din egen bruger.".into(),
        ));
    }
    let mut tx = db.begin().await?;
    users::set_disabled(&mut tx, &user.actor(), UserId::new(id), disabled).await?;
    tx.commit().await?;
    let notice = if disabled { "deaktiveret" } else { "aktiveret" };
    Ok(Redirect::to(&back_to(PATH, target.region, notice)).into_response())
}

pub async fn disable(db: Db, user: CurrentUser, Path(id): Path<i64>) -> PageResult<Response> {
    set_disabled(db, user, id, true).await
}

pub async fn enable(db: Db, user: CurrentUser, Path(id): Path<i64>) -> PageResult<Response> {
    set_disabled(db, user, id, false).await
}
