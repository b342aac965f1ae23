//! `/admin/checklist`: the quality-assurance checklist of the OK21 programme. Every
//! administrator may read it; only a system administrator changes it, since it is the
//! programme's, not a region's.

use super::*;
use crate::auth::policy::admin_scope;
use crate::extract::Form;
use crate::Db;
use axum::extract::Query;
use axum::response::Redirect;

use pulje_store::reference::OK21;
use pulje_store::{review, Connection};

const PATH: &str = "/admin/checklist";

async fn render(
    conn: &mut Connection,
    user: &CurrentUser,
    notice: Option<String>,
    create: Option<FormView>,
) -> PageResult<ListPage> {
    let items = review::items(conn, OK21).await?;
    let rows = items
        .iter()
        .map(|i| Row {
            label: i.text.clone(),
            cells: vec![num_cell(i.position.to_string()), cell(&i.text)],
            edit_href: None,
            buttons: Vec::new(),
        })
        .collect();
    Ok(ListPage::new(
        user,
        "Tjekliste til kvalitetssikring",
        "De punkter, arbejdsgruppen krydser af for hver ansøgning i programmet.",
        PATH,
        None,
        notice,
        vec![num_col("Nr."), col("Punkt")],
        rows,
        "Programmet har ingen tjekliste.",
        None,
        create,
    ))
}

fn create_form(v: &Values, errors: &FieldErrors) -> FormView {
    FormView::new("ny", "Tilføj punkt", PATH, "Tilføj punkt")
        .input(Input::text(
            "ny",
            "text",
            "Punktets tekst",
            val(v, "text"),
            errors,
        ))
        .general_errors(errors)
}

pub async fn list(
    mut db: Db,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> PageResult<Response> {
    admin_scope(&user)?;
    let mut conn = db.conn().await?;
    let create = pulje_app::policy::may_edit_checklist(&user)
        .then(|| create_form(&Values::new(), &FieldErrors::new()));
    respond(
        StatusCode::OK,
        render(&mut conn, &user, q.notice("Punktet"), create).await?,
    )
}

pub async fn create(mut db: Db, user: CurrentUser, Form(v): Form<Values>) -> PageResult<Response> {
    admin_scope(&user)?;
    pulje_app::policy::require_edit_checklist(&user)?;
    let mut errors = FieldErrors::new();
    let mut tx = db.begin().await?;
    match review::add_item(&mut tx, &user.actor(), OK21, val(&v, "text")).await {
        Ok(_) => {
            tx.commit().await?;
            return Ok(Redirect::to(&back_to(PATH, None, "oprettet")).into_response());
        }
        Err(e) => errors.add("text", refusal(e)?),
    }
    drop(tx);
    let mut conn = db.conn().await?;
    let page = render(&mut conn, &user, None, Some(create_form(&v, &errors))).await?;
    respond(StatusCode::UNPROCESSABLE_ENTITY, page)
}
