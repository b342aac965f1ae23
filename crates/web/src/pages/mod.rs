//! The server-rendered pages, one module per resource.

mod account;
mod admin;
mod amendments;
mod application_detail;
mod applications;
mod home;
mod meetings;
mod outbox;
mod payments;
mod programmes;
mod regions;

use crate::auth::login;
use crate::AppState;
pub(crate) use applications::{list_filter as applications_filter, ListQuery as ApplicationsQuery};
use axum::routing::{get, post};
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/programmes", get(programmes::list))
        .route("/programmes/{id}", get(programmes::show))
        .route("/regions/{code}", get(regions::dashboard))
        .route(
            "/regions/{code}/payments",
            get(payments::show).post(payments::generate),
        )
        .route("/regions/{code}/payments.csv", get(payments::csv))
        .route("/programmes/{id}/statement", get(payments::statement))
        .route(
            "/applications",
            get(applications::list).post(applications::create),
        )
        .route("/applications/new", get(applications::new))
        .route(
            "/applications/{id}",
            get(application_detail::show).post(applications::update),
        )
        .route("/applications/{id}/edit", get(applications::edit))
        .route(
            "/applications/{id}/transitions",
            post(application_detail::transition),
        )
        .route(
            "/applications/{id}/agreement",
            get(application_detail::agreement),
        )
        .route(
            "/applications/{id}/comments",
            post(application_detail::comment),
        )
        .route(
            "/applications/{id}/review",
            post(application_detail::review),
        )
        .route("/meetings", get(meetings::list).post(meetings::create))
        .route("/meetings/{id}", get(meetings::show))
        .route("/meetings/{id}/minutes", get(meetings::minutes))
        .route(
            "/applications/{id}/amend",
            get(amendments::form).post(amendments::submit),
        )
        .route("/meetings/{id}/minutes.pdf", get(meetings::minutes_pdf))
        .route(
            "/applications/{id}/agreement.pdf",
            get(application_detail::agreement_pdf),
        )
        .route("/meetings/{id}/agenda", post(meetings::add_to_agenda))
        .route("/meetings/members", post(meetings::add_member))
        .route(
            "/meetings/members/{id}/delete",
            post(meetings::remove_member),
        )
        .route("/outbox", get(outbox::show))
        .route("/me", get(account::show))
        .route("/me/tokens", post(account::create_token))
        .route("/me/tokens/{id}/revoke", post(account::revoke_token))
        .merge(admin::routes())
}

/// Reads an optional integer from a query or form value; empty or unreadable means none.
pub(crate) fn opt_id(value: &Option<String>) -> Option<i64> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .and_then(|v| v.parse().ok())
}
