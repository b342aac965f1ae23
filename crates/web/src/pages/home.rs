//! `/`: where a user starts.

use crate::auth::MaybeUser;
use axum::response::Redirect;

/// Regional users start at their region's dashboard, national users at the programmes.
pub async fn home(MaybeUser(user): MaybeUser) -> Redirect {
    match user {
        None => Redirect::to("/login"),
        Some(u) => match u.user.region {
            Some(r) => Redirect::to(&format!("/regions/{}", r.code())),
            None => Redirect::to("/programmes"),
        },
    }
}
