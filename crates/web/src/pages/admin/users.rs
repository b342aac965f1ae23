//! `/admin/users`: user accounts. Invite (a user without a password, mailed a one-time link),
//! edit name, e-mail, role and region (`?ret=ID`), send the invitation again or withdraw it,
//! disable and enable.
//!
//! A `region_admin` sees and manages the users of their own region and gives only regional
//! roles there; an `admin` manages everyone, national roles included. The rules are the service
//! layer's (`pulje_app::accounts`, asking `pulje_app::policy`).

use super::*;
use crate::auth::policy::admin_scope;
use crate::extract::Form;
use crate::views;
use crate::{AppState, Db};
use axum::extract::{Path, Query, State};
use axum::response::Redirect;
use pulje_app::accounts::{self, By};
use pulje_domain::{Email, RegionCode, Role, UserId};
use pulje_store::account_links;
use pulje_store::users::{self, Profile, User};
use pulje_store::Connection;
use std::collections::HashMap;

const PATH: &str = "/admin/users";

/// The notice after a redirect back to the list.
fn notice(q: &ListQuery) -> Option<String> {
    match q.gemt.as_deref() {
        Some("inviteret") => {
            Some("Brugeren er oprettet, og invitationen med linket er lagt i udbakken.".into())
        }
        Some("sendt") => Some(
            "En ny invitation er lagt i udbakken; det tidligere link virker ikke længere.".into(),
        ),
        Some("totp-nulstillet") => Some(
            "Brugerens totrinsbekræftelse er nulstillet, og brugeren er logget ud. Kræver rollen den, sættes den op igen ved næste login."
                .into(),
        ),
        Some("tilbagekaldt") => {
            Some("Invitationen er tilbagekaldt; linket virker ikke længere.".into())
        }
        _ => q.notice("Brugeren"),
    }
}

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
            let target = load(&mut conn, &user, id).await?;
            Some(edit_form(
                &user,
                &target,
                &values_of(&target),
                &FieldErrors::new(),
            ))
        }
        None => None,
    };
    let create = create_form(&user, &defaults(region), &FieldErrors::new());
    let page = render(&mut conn, &user, region, notice(&q), edit, create).await?;
    respond(StatusCode::OK, page)
}

/// The roles the user may give: regional ones for a `region_admin`, all for an `admin`.
fn grantable(user: &CurrentUser) -> Vec<Role> {
    pulje_app::policy::grantable_roles(user)
}

/// The profile fields of the create and edit forms (`form` is the id prefix).
fn profile_inputs(form: &str, user: &CurrentUser, v: &Values, errors: &FieldErrors) -> Vec<Input> {
    let mut roles = vec![(String::new(), "Vælg rolle".to_string())];
    roles.extend(
        grantable(user)
            .into_iter()
            .map(|r| (r.as_str().to_string(), r.label_da().to_string())),
    );
    let mut inputs = vec![
        Input::text(form, "email", "E-mail", val(v, "email"), errors)
            .kind("email")
            .autocomplete("off"),
        Input::text(form, "name", "Navn", val(v, "name"), errors).autocomplete("off"),
        Input::select(form, "role", "Rolle", val(v, "role"), roles, errors),
    ];
    if shows_region(user) {
        let mut options = vec![(
            String::new(),
            "Ingen region (landsdækkende rolle)".to_string(),
        )];
        options.extend(RegionCode::all().map(|r| (r.code().to_string(), r.name().to_string())));
        inputs.push(
            Input::select(form, "region_code", "Region", val(v, "region_code"), options, errors)
                .hint("Regionale roller kræver en region; Systemadministrator og National læser har ingen."),
        );
    }
    inputs
}

fn create_form(user: &CurrentUser, v: &Values, errors: &FieldErrors) -> FormView {
    FormView::new("ny", "Invitér bruger", PATH, "Opret og send invitation")
        .intro(format!(
            "{} Brugeren får en mail med et link, der virker én gang i {} timer, og vælger selv sin adgangskode.",
            own_region_intro(user),
            account_links::INVITE_HOURS
        ).trim().to_string())
        .inputs(profile_inputs("ny", user, v, errors))
        .general_errors(errors)
}

fn edit_form(user: &CurrentUser, target: &User, v: &Values, errors: &FieldErrors) -> FormView {
    FormView::new(
        "ret-form",
        format!("Ret «{}»", target.email),
        format!("{PATH}/{}", target.id),
        "Gem ændringer",
    )
    .inputs(profile_inputs("ret", user, v, errors))
    .general_errors(errors)
    .cancel(list_href(PATH, target.region))
}

/// A user's profile as form values.
fn values_of(u: &User) -> Values {
    let mut v = Values::new();
    v.insert("email".into(), u.email.clone());
    v.insert("name".into(), u.name.clone());
    v.insert("role".into(), u.role.as_str().into());
    v.insert(
        "region_code".into(),
        u.region.map(|r| r.to_string()).unwrap_or_default(),
    );
    v
}

fn button(id: String, action: String, label: &str, what: &str) -> ButtonForm {
    ButtonForm {
        id,
        action,
        label: label.into(),
        aria_label: format!("{label} {what}"),
        confirm: None,
        errors: Vec::new(),
    }
}

async fn render(
    conn: &mut Connection,
    user: &CurrentUser,
    region: Option<RegionCode>,
    notice: Option<String>,
    edit: Option<FormView>,
    create: FormView,
) -> PageResult<ListPage> {
    let list = users::list(conn, region).await?;
    let unset: HashMap<UserId, Option<String>> = account_links::without_password(conn)
        .await?
        .into_iter()
        .collect();
    let with_factor: std::collections::HashSet<UserId> =
        pulje_store::second_factor::enabled_users(conn)
            .await?
            .into_iter()
            .collect();
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
            let invite = unset.get(&u.id);
            let status = match (u.disabled, invite) {
                (true, _) => "Deaktiveret".to_string(),
                (false, Some(Some(expires))) => {
                    format!("Inviteret; linket udløber {}", views::timestamp_da(expires))
                }
                (false, Some(None)) => "Inviteret; linket er udløbet eller tilbagekaldt".into(),
                (false, None) => "Aktiv".into(),
            };
            cells.push(cell(status));
            cells.push(cell(views::timestamp_da(&u.created_at)));
            let mut buttons = Vec::new();
            if let (false, Some(live)) = (u.disabled, invite) {
                buttons.push(button(
                    format!("invitation-{}", u.id),
                    format!("{PATH}/{}/invitation", u.id),
                    "Send invitation igen",
                    &u.email,
                ));
                if live.is_some() {
                    buttons.push(button(
                        format!("tilbagekald-{}", u.id),
                        format!("{PATH}/{}/invitation/tilbagekald", u.id),
                        "Tilbagekald invitation",
                        &u.email,
                    ));
                }
            }
            if u.id != user.user.id && with_factor.contains(&u.id) {
                buttons.push(button(
                    format!("totp-{}", u.id),
                    format!("{PATH}/{}/totp", u.id),
                    "Nulstil totrinsbekræftelse",
                    &u.email,
                ));
            }
            if u.id != user.user.id {
                let (verb, path) = if u.disabled {
                    ("Aktivér", "enable")
                } else {
                    ("Deaktivér", "disable")
                };
                buttons.push(button(
                    format!("bruger-{}", u.id),
                    format!("{PATH}/{}/{path}", u.id),
                    verb,
                    &u.email,
                ));
            }
            let edit_href = match u.region {
                Some(r) => format!("{PATH}?region={r}&ret={}#ret", u.id),
                None => format!("{PATH}?ret={}#ret", u.id),
            };
            Row {
                label: u.email.clone(),
                cells,
                edit_href: Some(edit_href),
                buttons,
            }
        })
        .collect();
    Ok(ListPage::new(
        user,
        "Brugere",
        "Nye brugere inviteres med en mail og vælger selv deres adgangskode. Deaktiverede brugere kan ikke logge ind, og deres sessioner og API-nøgler ophører straks.",
        PATH,
        region,
        notice,
        columns,
        rows,
        "Der er ingen brugere.",
        edit,
        Some(create),
    ))
}

/// Reads the profile fields of a submitted form; messages go to `errors`. A region the caller
/// does not administer is 404, a role they may not give 403.
fn parse_profile(
    user: &CurrentUser,
    v: &Values,
    errors: &mut FieldErrors,
) -> PageResult<Option<Profile>> {
    let scope = admin_scope(user)?;
    let role = Role::parse(val(v, "role"));
    match role {
        None => errors.add("role", "Vælg en rolle."),
        Some(r) => pulje_app::policy::require_grant(user, r)?,
    }
    // Empty means the user's own region for a region_admin, no region (a national role) for an admin.
    let raw_region = val(v, "region_code").trim();
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
        Some(r) => require_admin_of(user, r)?,
        // A region_admin always works in their own region.
        None if scope != Scope::All => return Err(AppError::NotFound),
        None => {}
    }
    check_role_region(role, region, errors);
    let raw_email = val(v, "email");
    let email = if raw_email.chars().count() > 254 {
        errors.add("email", "E-mailadressen må højst være 254 tegn.");
        None
    } else {
        match Email::parse(raw_email) {
            Ok(e) => Some(e),
            Err(m) => {
                errors.add("email", m);
                None
            }
        }
    };
    let name = val(v, "name").trim();
    if name.is_empty() {
        errors.add("name", "Skriv brugerens navn.");
    } else if name.chars().count() > 200 {
        errors.add("name", "Navnet må højst være 200 tegn.");
    }
    Ok(match (email, role, errors.is_empty()) {
        (Some(email), Some(role), true) => Some(Profile {
            email,
            name: name.to_string(),
            role,
            region,
        }),
        _ => None,
    })
}

/// Puts a refusal of the service at the form: a taken address at the e-mail, the rest on top.
fn place(e: pulje_app::Error, errors: &mut FieldErrors) -> PageResult<()> {
    match e {
        pulje_app::Error::Conflict(m) if m.contains("e-mail") => errors.add("email", m),
        pulje_app::Error::Invalid(m) | pulje_app::Error::Conflict(m) => errors.add("", m),
        other => return Err(other.into()),
    }
    Ok(())
}

/// `POST /admin/users`: creates the user without a password and queues the invitation.
pub async fn create(
    State(state): State<AppState>,
    mut db: Db,
    user: CurrentUser,
    Form(v): Form<Values>,
) -> PageResult<Response> {
    let scope = admin_scope(&user)?;
    let mut errors = FieldErrors::new();
    if let Some(profile) = parse_profile(&user, &v, &mut errors)? {
        match accounts::invite(
            &mut db,
            &By::person(&user),
            &profile,
            &state.config.public_url,
        )
        .await
        {
            Ok(issued) => {
                let back = back_to(PATH, issued.user.region, "inviteret");
                return Ok(Redirect::to(&back).into_response());
            }
            Err(e) => place(e, &mut errors)?,
        }
    }
    let shown = scope.narrow(RegionCode::parse(val(&v, "region_code").trim()))?;
    let mut conn = db.conn().await?;
    let page = render(
        &mut conn,
        &user,
        shown,
        None,
        None,
        create_form(&user, &v, &errors),
    )
    .await?;
    respond(StatusCode::UNPROCESSABLE_ENTITY, page)
}

/// `POST /admin/users/{id}`: the user's name, e-mail, role and region.
pub async fn update(
    mut db: Db,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(v): Form<Values>,
) -> PageResult<Response> {
    admin_scope(&user)?;
    let target = {
        let mut conn = db.conn().await?;
        load(&mut conn, &user, id).await?
    };
    let mut errors = FieldErrors::new();
    if let Some(profile) = parse_profile(&user, &v, &mut errors)? {
        match accounts::edit(&mut db, &By::person(&user), target.id, &profile).await {
            Ok(after) => {
                return Ok(Redirect::to(&back_to(PATH, after.region, "gemt")).into_response())
            }
            Err(e) => place(e, &mut errors)?,
        }
    }
    let mut conn = db.conn().await?;
    let edit = edit_form(&user, &target, &v, &errors);
    let create = create_form(&user, &defaults(target.region), &FieldErrors::new());
    let page = render(&mut conn, &user, target.region, None, Some(edit), create).await?;
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
    let after =
        accounts::set_disabled(&mut db, &By::person(&user), UserId::new(id), disabled).await?;
    let notice = if disabled { "deaktiveret" } else { "aktiveret" };
    Ok(Redirect::to(&back_to(PATH, after.region, notice)).into_response())
}

/// `POST /admin/users/{id}/totp`: removes the user's second factor and recovery codes (a lost
/// phone) and ends their sessions; audited. They set it up again at their next login when their
/// role requires it.
pub async fn reset_second_factor(
    mut db: Db,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    admin_scope(&user)?;
    let mut tx = db.begin().await?;
    let target = load(&mut tx, &user, id).await?;
    if target.id == user.user.id {
        return Err(AppError::Forbidden(
            "Din egen totrinsbekræftelse ændrer du under «Min konto».".into(),
        ));
    }
    pulje_store::second_factor::remove(&mut tx, &user.actor(), &target, "second_factor_reset")
        .await?;
    pulje_store::sessions::end_all(&mut tx, target.id, None).await?;
    tx.commit().await?;
    Ok(Redirect::to(&back_to(PATH, target.region, "totp-nulstillet")).into_response())
}

pub async fn disable(db: Db, user: CurrentUser, Path(id): Path<i64>) -> PageResult<Response> {
    set_disabled(db, user, id, true).await
}

pub async fn enable(db: Db, user: CurrentUser, Path(id): Path<i64>) -> PageResult<Response> {
    set_disabled(db, user, id, false).await
}

/// `POST /admin/users/{id}/invitation`: a new invitation (new link; the old one dies).
pub async fn resend(
    State(state): State<AppState>,
    mut db: Db,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    admin_scope(&user)?;
    let issued = accounts::resend_invite(
        &mut db,
        &By::person(&user),
        UserId::new(id),
        &state.config.public_url,
    )
    .await?;
    Ok(Redirect::to(&back_to(PATH, issued.user.region, "sendt")).into_response())
}

/// `POST /admin/users/{id}/invitation/tilbagekald`: the invitation's link stops working.
pub async fn revoke(mut db: Db, user: CurrentUser, Path(id): Path<i64>) -> PageResult<Response> {
    admin_scope(&user)?;
    let target = {
        let mut conn = db.conn().await?;
        load(&mut conn, &user, id).await?
    };
    accounts::revoke_links(&mut db, &By::person(&user), target.id).await?;
    Ok(Redirect::to(&back_to(PATH, target.region, "tilbagekaldt")).into_response())
}
