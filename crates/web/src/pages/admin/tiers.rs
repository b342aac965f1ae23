//! `/admin/tiers`: each region's function-supplement tiers in the OK21 programme; create and
//! delete (a tier an application asks for cannot be deleted).

use super::*;
use crate::auth::policy::admin_scope;
use crate::extract::Form;
use crate::views;
use crate::Db;
use axum::extract::{Path, Query};
use axum::response::Redirect;
use pulje_domain::{Ore, RegionCode, TierId};
use pulje_store::programmes::{self, Tier};
use pulje_store::reference::OK21;
use pulje_store::Connection;

const PATH: &str = "/admin/tiers";

pub async fn list(
    mut db: Db,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> PageResult<Response> {
    let scope = admin_scope(&user)?;
    let region = region_filter(scope, &q.region)?;
    let mut conn = db.conn().await?;
    let create = create_form(&user, &defaults(region), &FieldErrors::new());
    let page = render(&mut conn, &user, region, q.notice("Trinnet"), create, None).await?;
    respond(StatusCode::OK, page)
}

/// The tier, if the user administers its region (404 otherwise).
async fn load(conn: &mut Connection, user: &CurrentUser, id: i64) -> PageResult<Tier> {
    let t = programmes::get_tier(conn, TierId::new(id))
        .await?
        .ok_or(AppError::NotFound)?;
    require_admin_of(user, t.region_code)?;
    Ok(t)
}

fn create_form(user: &CurrentUser, v: &Values, errors: &FieldErrors) -> FormView {
    FormView::new("ny", "Opret tillægstrin", PATH, "Opret trin")
        .intro(own_region_intro(user))
        .inputs(region_input("ny", user, val(v, "region_code"), errors))
        .input(
            Input::text("ny", "name", "Navn", val(v, "name"), errors)
                .hint("Fx Lille, Mellem eller Høj. Tomt navn giver beløbet som navn."),
        )
        .input(
            Input::text(
                "ny",
                "amount",
                "Årligt beløb i kroner",
                val(v, "amount"),
                errors,
            )
            .hint("Skriv beløbet som fx 35.000 eller 35.000,50.")
            .inputmode("decimal"),
        )
        .general_errors(errors)
}

async fn render(
    conn: &mut Connection,
    user: &CurrentUser,
    region: Option<RegionCode>,
    notice: Option<String>,
    create: FormView,
    refused: Option<(i64, String)>,
) -> PageResult<ListPage> {
    let tiers = programmes::tiers(conn, OK21, region).await?;
    let all = shows_region(user);
    let mut columns = vec![col("Trin")];
    if all {
        columns.push(col("Region"));
    }
    columns.push(num_col("Beløb pr. år"));
    let rows = tiers
        .iter()
        .map(|t| {
            let mut cells = vec![cell(&t.name)];
            if all {
                cells.push(cell(region_name(t.region_code)));
            }
            cells.push(num_cell(views::kr(t.amount_ore)));
            let amount = views::kr(t.amount_ore);
            let label = if t.name == amount { amount } else { format!("{} ({amount})", t.name) };
            let delete = ButtonForm {
                id: format!("slet-{}", t.id),
                action: format!("{PATH}/{}/delete", t.id),
                label: "Slet".into(),
                aria_label: format!("Slet trinnet {label}"),
                confirm: Some((
                    format!("Slet trinnet «{label}»? Det kan kun slettes, hvis ingen ansøgning søger om beløbet."),
                    "Ja, slet trinnet".to_string(),
                )),
                errors: refused.iter().filter(|(id, _)| *id == t.id.get()).map(|(_, m)| m.clone()).collect(),
            };
            Row { label, cells, edit_href: None, buttons: vec![delete] }
        })
        .collect();
    Ok(ListPage::new(
        user,
        "Tillægstrin",
        "Funktionstillæggets trin (fx lille, mellem og høj), som en ansøgning vælger imellem. Beløbene er årlige.",
        PATH,
        region,
        notice,
        columns,
        rows,
        "Der er ingen tillægstrin endnu.",
        None,
        Some(create),
    ))
}

pub async fn create(mut db: Db, user: CurrentUser, Form(v): Form<Values>) -> PageResult<Response> {
    let scope = admin_scope(&user)?;
    let mut errors = FieldErrors::new();
    let region = chosen_region(&user, val(&v, "region_code"), &mut errors)?;
    let amount = match Ore::parse_kr(val(&v, "amount")) {
        Ok(a) if a.is_positive() => Some(a),
        Ok(_) => {
            errors.add("amount", "Beløbet skal være større end 0 kr.");
            None
        }
        Err(e) => {
            errors.add("amount", e.to_string());
            None
        }
    };
    if let (Some(code), Some(amount), true) = (region, amount, errors.is_empty()) {
        let mut tx = db.begin().await?;
        match programmes::create_tier(&mut tx, &user.actor(), OK21, code, val(&v, "name"), amount)
            .await
        {
            Ok(_) => {
                tx.commit().await?;
                return Ok(Redirect::to(&back_to(PATH, Some(code), "oprettet")).into_response());
            }
            Err(StoreError::Duplicate(_)) => errors.add(
                "amount",
                format!("Regionen har allerede et trin på {}", amount.to_kr_string()),
            ),
            Err(e) => errors.add("amount", refusal(e)?),
        }
    }
    let mut conn = db.conn().await?;
    let page = render(
        &mut conn,
        &user,
        scope.narrow(region)?,
        None,
        create_form(&user, &v, &errors),
        None,
    )
    .await?;
    respond(StatusCode::UNPROCESSABLE_ENTITY, page)
}

pub async fn delete(mut db: Db, user: CurrentUser, Path(id): Path<i64>) -> PageResult<Response> {
    admin_scope(&user)?;
    let mut conn = db.conn().await?;
    let t = load(&mut conn, &user, id).await?;
    drop(conn);
    let mut tx = db.begin().await?;
    let message = match programmes::delete_tier(&mut tx, &user.actor(), TierId::new(id)).await {
        Ok(()) => {
            tx.commit().await?;
            return Ok(Redirect::to(&back_to(PATH, Some(t.region_code), "slettet")).into_response());
        }
        Err(e) => refusal(e)?,
    };
    drop(tx);
    let mut conn = db.conn().await?;
    let create = create_form(&user, &Values::new(), &FieldErrors::new());
    let page = render(
        &mut conn,
        &user,
        Some(t.region_code),
        None,
        create,
        Some((id, message)),
    )
    .await?;
    respond(StatusCode::UNPROCESSABLE_ENTITY, page)
}
