//! `/admin/totp`: which roles must use a second factor (TOTP) with their password. Only an
//! `admin` sets it; it applies nationally. Single sign-on users are not asked: their provider
//! has its own second factor.

use super::*;
use crate::extract::Form;
use crate::Db;
use axum::extract::Query;
use axum::response::Redirect;
use pulje_domain::Role;
use pulje_store::second_factor;

#[derive(Template)]
#[template(path = "admin/second_factor.html")]
struct RolesPage {
    page: Page,
    /// Every role, its Danish name, and whether it must use a second factor.
    roles: Vec<(&'static str, &'static str, bool)>,
}

fn require_national_admin(user: &CurrentUser) -> PageResult<()> {
    match policy::admin_scope(user)? {
        Scope::All => Ok(()),
        _ => Err(AppError::forbidden()),
    }
}

#[derive(Deserialize)]
pub struct SavedQuery {
    gemt: Option<String>,
}

/// `GET /admin/totp`: the roles, each with a checkbox.
pub async fn show(
    mut db: Db,
    user: CurrentUser,
    Query(q): Query<SavedQuery>,
) -> PageResult<Response> {
    require_national_admin(&user)?;
    let mut conn = db.conn().await?;
    let required = second_factor::required_roles(&mut conn).await?;
    let page = RolesPage {
        page: Page::new(&user, "Totrinsbekræftelse", "/admin")
            .with_notice(q.gemt.map(|_| "Indstillingen er gemt.".to_string())),
        roles: Role::ALL
            .iter()
            .map(|r| (r.as_str(), r.label_da(), required.contains(r)))
            .collect(),
    };
    Ok(Html(page.render()?).into_response())
}

/// `POST /admin/totp`: saves the roles checked (`role`, repeated), audited.
pub async fn save(
    mut db: Db,
    user: CurrentUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    require_national_admin(&user)?;
    let mut roles = Vec::new();
    for (k, v) in pairs.iter().filter(|(k, _)| k == "role") {
        let role = Role::parse(v)
            .ok_or_else(|| AppError::Invalid(format!("Rolle: «{v}» er ikke en rolle ({k}).")))?;
        roles.push(role);
    }
    let mut tx = db.begin().await?;
    second_factor::set_required_roles(&mut tx, &user.actor(), &roles).await?;
    tx.commit().await?;
    Ok(Redirect::to("/admin/totp?gemt=1").into_response())
}
