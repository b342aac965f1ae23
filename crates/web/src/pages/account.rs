//! `/me`: the user's own account and API tokens.

use crate::auth::{policy, CurrentUser};
use crate::error::{AppError, PageResult};
use crate::extract::Form;
use crate::views::{self, Page};
use crate::Db;
use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use pulje_app::accounts;
use pulje_domain::TokenId;
use pulje_store::{sessions, users};
use serde::Deserialize;

pub struct TokenRow {
    id: i64,
    label: String,
    created: String,
    revoked: String,
    /// When it expires, or "udløbet …" when it has.
    expires: String,
    /// When it was last used, or "aldrig".
    last_used: String,
}

/// The validities a new token can be given, in days, with their Danish labels.
const VALIDITIES: [(i64, &str); 4] = [
    (30, "30 dage"),
    (90, "90 dage"),
    (180, "180 dage"),
    (365, "1 år"),
];

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    page: Page,
    name: String,
    email: String,
    role: String,
    tokens: Vec<TokenRow>,
    /// «Vis min e-mail i idékataloget for andre regioner», as the user last chose.
    catalogue_consent: bool,
    /// Whether mails about applications come as one daily digest.
    mail_digest: bool,
    /// Whether the role makes API tokens; others only see (and may revoke) tokens made before.
    uses_api: bool,
    new_token: Option<String>,
    validities: Vec<(i64, &'static str)>,
    default_days: i64,
    rules: String,
    min_length: usize,
    max_length: usize,
    /// Messages of the password change form, by field (`current_password`, `new_password`).
    current_error: Option<String>,
    new_error: Option<String>,
    /// The user has no password (logs in through single sign-on only): no change form.
    has_password: bool,
    /// The user logs in with a second factor (TOTP).
    second_factor_on: bool,
}

async fn render(
    db: &mut Db,
    user: &CurrentUser,
    new_token: Option<String>,
    notice: Option<String>,
) -> PageResult<Html<String>> {
    render_with(db, user, new_token, notice, None).await
}

async fn render_with(
    db: &mut Db,
    user: &CurrentUser,
    new_token: Option<String>,
    notice: Option<String>,
    refusal: Option<accounts::Refusal>,
) -> PageResult<Html<String>> {
    let mut conn = db.conn().await?;
    let now = pulje_store::now_utc();
    let catalogue_consent = users::choice(
        &mut conn,
        user.user.id,
        users::Choice::CatalogueEmailConsent,
    )
    .await?;
    let has_password = users::has_password(&mut conn, user.user.id).await?;
    let mail_digest = users::choice(&mut conn, user.user.id, users::Choice::MailDigest).await?;
    let second_factor_on = pulje_store::second_factor::is_enabled(&mut conn, user.user.id).await?;
    let tokens = sessions::list_tokens(&mut conn, user.user.id)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            id: i64::from(t.id),
            label: t.label,
            created: views::timestamp_da(&t.created_at),
            revoked: t
                .revoked_at
                .map(|r| views::timestamp_da(&r))
                .unwrap_or_default(),
            expires: match &t.expires_at {
                Some(at) if *at <= now => format!("udløbet {}", views::timestamp_da(at)),
                Some(at) => views::timestamp_da(at),
                None => "aldrig".into(),
            },
            last_used: t
                .last_used_at
                .map(|at| views::timestamp_da(&at))
                .unwrap_or_else(|| "aldrig".into()),
        })
        .collect();
    let page = AccountPage {
        page: Page::new(user, "Min konto", "/me").with_notice(notice),
        name: user.user.name.clone(),
        email: user.user.email.clone(),
        role: Page::new(user, "", "").role_label,
        tokens,
        catalogue_consent,
        mail_digest,
        uses_api: policy::uses_api(user),
        new_token,
        validities: VALIDITIES.to_vec(),
        default_days: sessions::TOKEN_DAYS,
        rules: pulje_store::password::rules_da(),
        min_length: pulje_store::password::MIN_LENGTH,
        max_length: pulje_store::password::MAX_LENGTH,
        current_error: refusal
            .as_ref()
            .filter(|r| r.field == "current_password")
            .map(|r| r.message.clone()),
        new_error: refusal
            .as_ref()
            .filter(|r| r.field == "new_password")
            .map(|r| r.message.clone()),
        has_password,
        second_factor_on,
    };
    Ok(Html(page.render()?))
}

pub async fn show(mut db: Db, user: CurrentUser) -> PageResult<Html<String>> {
    render(&mut db, &user, None, None).await
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    label: String,
    /// Days the token is valid: one of [`VALIDITIES`]; 90 when not sent.
    #[serde(default)]
    days: String,
}

/// Creates an API token and shows it once.
pub async fn create_token(
    mut db: Db,
    user: CurrentUser,
    Form(form): Form<TokenForm>,
) -> PageResult<Html<String>> {
    policy::require_api_tokens(&user)?;
    let days =
        match form.days.trim() {
            "" => sessions::TOKEN_DAYS,
            d => match d.parse::<i64>() {
                Ok(d) if VALIDITIES.iter().any(|(v, _)| *v == d) => d,
                _ => return Err(AppError::Invalid(
                    "Vælg, hvor længe nøglen skal gælde: 30 dage, 90 dage, 180 dage eller 1 år."
                        .into(),
                )),
            },
        };
    if form.label.chars().count() > 200 {
        return Err(AppError::Invalid(
            "Nøglens navn må højst være 200 tegn.".into(),
        ));
    }
    let mut tx = db.begin().await?;
    let (_, raw) =
        sessions::create_token(&mut tx, &user.actor(), user.user.id, &form.label, days).await?;
    tx.commit().await?;
    render(
        &mut db,
        &user,
        Some(raw),
        Some("API-nøglen er oprettet. Kopiér den nu – den vises ikke igen.".into()),
    )
    .await
}

pub async fn revoke_token(
    mut db: Db,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    let mut tx = db.begin().await?;
    match sessions::revoke_token(&mut tx, &user.actor(), user.user.id, TokenId::new(id)).await {
        Ok(()) => {}
        Err(pulje_store::StoreError::NotFound) => return Err(AppError::NotFound),
        Err(e) => return Err(e.into()),
    }
    tx.commit().await?;
    Ok(Redirect::to("/me").into_response())
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

/// `POST /me/adgangskode`: the user's own password changed; the current one is required, and
/// the user's other sessions end (this one stays). A refusal shows the page again (422) with
/// the message at its field; passwords are never written back into the page.
pub async fn change_password(
    mut db: Db,
    user: CurrentUser,
    Form(form): Form<PasswordForm>,
) -> PageResult<Response> {
    let outcome = accounts::change_password(
        &mut db,
        &user.user,
        user.session_hash.as_deref(),
        &form.current_password,
        &form.new_password,
    )
    .await?;
    match outcome {
        Ok(()) => Ok(render(
            &mut db,
            &user,
            None,
            Some("Din adgangskode er skiftet. Du er logget ud alle andre steder.".into()),
        )
        .await?
        .into_response()),
        Err(refusal) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render_with(&mut db, &user, None, None, Some(refusal)).await?,
        )
            .into_response()),
    }
}

#[derive(Deserialize)]
pub struct CatalogueConsentForm {
    /// The checkbox: sent (as `1`) only when ticked.
    #[serde(default)]
    consent: String,
}

/// `POST /me/idekatalog`: whether the idea catalogue shows the user's e-mail, as the responsible
/// doctor of an agreement, to other regions' users (audited).
pub async fn catalogue_consent(
    mut db: Db,
    user: CurrentUser,
    Form(form): Form<CatalogueConsentForm>,
) -> PageResult<Html<String>> {
    let consent = !form.consent.trim().is_empty();
    let mut tx = db.begin().await?;
    users::set_choice(
        &mut tx,
        &user.actor(),
        user.user.id,
        users::Choice::CatalogueEmailConsent,
        consent,
    )
    .await?;
    tx.commit().await?;
    let notice = if consent {
        "Din e-mail vises nu i idékataloget for andre regioner."
    } else {
        "Din e-mail vises ikke længere i idékataloget for andre regioner."
    };
    render(&mut db, &user, None, Some(notice.into())).await
}

#[derive(Deserialize)]
pub struct MailForm {
    /// `straks` or `dagligt`.
    #[serde(default)]
    delivery: String,
}

/// `POST /me/mail`: whether the user's mails about applications come at once or as one mail a
/// day (audited).
pub async fn mail_delivery(
    mut db: Db,
    user: CurrentUser,
    Form(form): Form<MailForm>,
) -> PageResult<Response> {
    let digest = match form.delivery.trim() {
        "straks" => false,
        "dagligt" => true,
        _ => {
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(
                    &mut db,
                    &user,
                    None,
                    Some("Vælg, om du vil have mails straks eller samlet én gang om dagen.".into()),
                )
                .await?,
            )
                .into_response())
        }
    };
    let mut tx = db.begin().await?;
    users::set_choice(
        &mut tx,
        &user.actor(),
        user.user.id,
        users::Choice::MailDigest,
        digest,
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to("/me#mail").into_response())
}
