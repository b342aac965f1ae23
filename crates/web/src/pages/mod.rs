//! The server-rendered pages, one module per resource.

mod account;
mod admin;
mod amendments;
mod application_detail;
mod applications;
mod calendar;
mod catalogue;
mod evaluations;
mod home;
mod imports;
mod meetings;
mod outbox;
mod password;
mod payments;
mod payroll;
mod programme_application;
mod programme_evaluation;
mod programme_form;
mod programme_report;
mod programme_review;
mod programmes;
mod public;
mod regions;
mod reports;
mod site;
mod trials;
mod upload;
mod verify;

use crate::auth::login;
use crate::AppState;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
pub use trials::MAX_UPLOAD_BYTES;

/// The largest body of a programme's application form: its files and its text.
const FORM_BODY_MAX: usize = pulje_app::files::FORM_UPLOAD_MAX_BYTES + 5 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/login", get(login::form).post(login::submit))
        .route(
            "/login/kode",
            get(crate::auth::second_factor::code_form)
                .post(crate::auth::second_factor::code_submit),
        )
        .route(
            "/login/totp",
            get(crate::auth::second_factor::required_form)
                .post(crate::auth::second_factor::required_submit),
        )
        .route("/login/oidc", get(crate::auth::oidc::start))
        .route("/login/oidc/callback", get(crate::auth::oidc::callback))
        .route("/login/oidc/bekraeft", post(crate::auth::oidc::reauth))
        .route("/logout", post(login::logout))
        .route(
            "/glemt-adgangskode",
            get(password::forgot_form).post(password::forgot_submit),
        )
        .route(
            "/adgangskode",
            get(password::set_form).post(password::set_submit),
        )
        .route("/programmes", get(programmes::list))
        .route("/programmes/{id}", get(programmes::show))
        .route("/programmes/{id}/organer", post(programmes::seat))
        .route(
            "/programmes/{id}/rapport/{region}",
            get(programme_report::show).post(programme_report::save),
        )
        .route(
            "/programmes/{id}/ansoeg",
            get(programme_form::new)
                .post(programme_form::create)
                .layer(DefaultBodyLimit::max(FORM_BODY_MAX)),
        )
        .route(
            "/programmes/{id}/definition.toml",
            get(programmes::definition_file),
        )
        .route("/regions/{code}", get(regions::dashboard))
        .route("/regions/{code}/payments", get(payments::show))
        .route("/regions/{code}/payments.csv", get(payroll::old_csv))
        .route("/regions/{code}/payments/batches", post(payroll::create))
        .route("/regions/{code}/payments/batches/{id}", get(payroll::show))
        .route(
            "/regions/{code}/payments/batches/{id}/sent",
            post(payroll::send),
        )
        .route(
            "/regions/{code}/payments/batches/{id}/discard",
            post(payroll::discard),
        )
        .route(
            "/regions/{code}/payments/batches/{id}/{file}",
            get(payroll::download),
        )
        .route(
            "/regions/{code}/payments/postings/{id}/reverse",
            post(payroll::reverse),
        )
        .route(
            "/regions/{code}/payments/settings",
            get(payroll::settings).post(payroll::save_settings),
        )
        .route(
            "/applications/{id}/payroll",
            get(payroll::agreement).post(payroll::save_agreement),
        )
        .route("/programmes/{id}/statement", get(payments::statement))
        .route(
            "/applications",
            get(applications::list).post(applications::create),
        )
        .route("/applications/new", get(applications::new))
        .route("/applications/eksport.csv", get(applications::export_csv))
        .route("/applications/eksport.xlsx", get(applications::export_xlsx))
        .route(
            "/applications/{id}",
            get(application_detail::show)
                .post(applications::update)
                .layer(DefaultBodyLimit::max(FORM_BODY_MAX)),
        )
        .route(
            "/applications/{id}/filer/{file}",
            get(programme_application::file),
        )
        .route("/applications/{id}/edit", get(applications::edit))
        .route(
            "/applications/{id}/transitions",
            post(application_detail::transition),
        )
        .route(
            "/applications/{id}/instalments/{instalment}/payment",
            post(programme_application::pay),
        )
        .route(
            "/applications/{id}/inhabilitet",
            post(programme_review::declare),
        )
        .route(
            "/applications/{id}/bedoemmelse",
            post(programme_review::score),
        )
        .route(
            "/applications/{id}/tjekliste/{number}",
            post(programme_review::tick),
        )
        .route(
            "/applications/{id}/agreement",
            get(application_detail::agreement),
        )
        .route(
            "/applications/{id}/parties",
            post(application_detail::bind_party),
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
        .route("/me/kalender", get(calendar::show).post(calendar::act))
        .route("/kalender.ics", get(calendar::feed))
        .route("/me/tokens", post(account::create_token))
        .route("/me/adgangskode", post(account::change_password))
        .route(
            "/me/totp",
            get(crate::auth::second_factor::manage).post(crate::auth::second_factor::enable),
        )
        .route(
            "/me/totp/koder",
            post(crate::auth::second_factor::renew_codes),
        )
        .route("/me/totp/fra", post(crate::auth::second_factor::disable))
        .route("/me/idekatalog", post(account::catalogue_consent))
        .route("/me/mail", post(account::mail_delivery))
        .route("/me/tokens/{id}/revoke", post(account::revoke_token))
        .route(
            "/applications/{id}/evaluation",
            get(evaluations::show).post(evaluations::save),
        )
        .route(
            "/applications/{id}/evaluering",
            get(programme_evaluation::show).post(programme_evaluation::save),
        )
        .route("/regions/{code}/evaluations", get(evaluations::region_list))
        .route("/regions/{code}/idekatalog", post(evaluations::set_opt_out))
        .route("/regions/{code}/trials", get(trials::list))
        .route(
            "/trials/{id}/evaluation",
            post(trials::upload)
                .layer(DefaultBodyLimit::max(trials::MAX_UPLOAD_BYTES + 256 * 1024)),
        )
        .route("/attachments/{id}", get(trials::download))
        .route(
            "/applications/import",
            // The handlers stop reading past `Config::max_upload_bytes`.
            get(imports::forms_form)
                .post(imports::forms_upload)
                .layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/trials/import",
            get(imports::trials_form)
                .post(imports::trials_upload)
                .layer(DefaultBodyLimit::disable()),
        )
        .route("/idekatalog", get(catalogue::list))
        .route("/program/{id}", get(public::show))
        .route(
            "/verify",
            get(verify::form)
                .post(verify::check)
                .layer(DefaultBodyLimit::max(verify::VERIFY_MAX_BYTES + 256 * 1024)),
        )
        .route("/kontakt", get(site::contact))
        .route("/tilgaengelighed", get(site::accessibility))
        .route("/privatliv", get(site::privacy))
        .route("/reports", get(reports::index))
        .route("/reports/national", get(reports::national))
        .route("/reports/national/{file}", get(reports::national_file))
        .route("/reports/regional/{code}", get(reports::regional))
        .route(
            "/reports/regional/{code}/edit",
            get(reports::edit).post(reports::save),
        )
        .route(
            "/reports/regional/{code}/{file}",
            get(reports::regional_file),
        )
        .merge(admin::routes())
}
