//! `/verify` («Kontrollér en aftale»), open to everyone: whether a PDF or a verification code
//! matches an agreement signed by all four parties. The answer names only what is not personal:
//! the agreement's number and version, its title and region, and the date it was signed. A PDF
//! is recognised only byte for byte as issued.

use crate::auth::login::{pre_login_csrf, with_cookie};
use crate::auth::{MaybeUser, MultipartCsrf};
use crate::error::{AppError, PageResult};
use crate::pages::upload;
use crate::views::{self, Page};
use crate::{AppState, Db};
use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use axum::Extension;
use pulje_store::signing::Verified;

/// The largest PDF `/verify` reads.
pub const VERIFY_MAX_BYTES: usize = 10 * 1024 * 1024;

/// A check's answer.
pub struct Answer {
    valid: bool,
    /// What was checked: «Kontrolkoden» or «PDF-filen».
    what: &'static str,
    facts: Vec<(String, String)>,
    superseded: bool,
}

#[derive(Template)]
#[template(path = "public/verify.html")]
struct VerifyPage {
    page: Page,
    code: String,
    error: String,
    answer: Option<Answer>,
    max_mb: usize,
}

fn page_of(user: &MaybeUser, csrf: String) -> Page {
    match &user.0 {
        Some(u) => Page::new(u, "Kontrollér en aftale", "/verify"),
        None => Page::anonymous("Kontrollér en aftale", csrf),
    }
}

/// `GET /verify`.
pub async fn form(
    State(state): State<AppState>,
    user: MaybeUser,
    headers: HeaderMap,
) -> PageResult<Response> {
    let (csrf, set) = pre_login_csrf(&state, &headers);
    let html = VerifyPage {
        page: page_of(&user, csrf),
        code: String::new(),
        error: String::new(),
        answer: None,
        max_mb: VERIFY_MAX_BYTES / 1024 / 1024,
    }
    .render()?;
    Ok(with_cookie(Html(html).into_response(), set))
}

fn answer(what: &'static str, found: Option<Verified>) -> Answer {
    match found {
        Some(v) => Answer {
            valid: true,
            what,
            superseded: v.superseded,
            facts: vec![
                (
                    "Aftale".into(),
                    format!("nr. {}, version {}", v.application_id, v.agreement_version),
                ),
                ("Forsøg".into(), v.title),
                ("Region".into(), v.region),
                (
                    "Underskrevet af alle parter".into(),
                    views::date_of_timestamp_da(&v.signed_at),
                ),
            ],
        },
        None => Answer {
            valid: false,
            what,
            superseded: false,
            facts: Vec::new(),
        },
    }
}

/// `POST /verify` (multipart): a code (`code`) or a PDF (`pdf`).
pub async fn check(
    State(state): State<AppState>,
    mut db: Db,
    user: MaybeUser,
    headers: HeaderMap,
    csrf: Option<Extension<MultipartCsrf>>,
    multipart: Multipart,
) -> PageResult<Response> {
    let up = upload::read(multipart, VERIFY_MAX_BYTES).await?;
    up.check_csrf(&csrf)?;
    let (token, set) = pre_login_csrf(&state, &headers);
    let code: String = up.field("code").chars().take(64).collect();
    let mut error = String::new();
    let mut found = None;
    let pdf = up.files.iter().find(|f| f.field == "pdf");
    if up.too_big {
        error = format!(
            "PDF-filen er for stor: højst {} MB. Vælg den PDF, pulje udstedte.",
            VERIFY_MAX_BYTES / 1024 / 1024
        );
    } else if let Some(file) = pdf {
        if !file.data.starts_with(b"%PDF-") {
            error = format!(
                "Filen «{}» er ikke en PDF-fil.",
                file.name.chars().take(100).collect::<String>()
            );
        } else {
            let mut conn = db.conn().await?;
            found = Some(answer(
                "PDF-filen",
                pulje_store::signing::verify_pdf(&mut conn, &file.data).await?,
            ));
        }
    } else if !code.trim().is_empty() {
        let mut conn = db.conn().await?;
        found = Some(answer(
            "Kontrolkoden",
            pulje_store::signing::verify_code(&mut conn, &code).await?,
        ));
    } else {
        error =
            "Indtast kontrolkoden fra aftalens sidste side, eller vælg aftalens PDF-fil.".into();
    }
    let status = if error.is_empty() {
        axum::http::StatusCode::OK
    } else {
        AppError::Invalid(String::new()).status()
    };
    let html = VerifyPage {
        page: page_of(&user, token),
        code,
        error,
        answer: found,
        max_mb: VERIFY_MAX_BYTES / 1024 / 1024,
    }
    .render()?;
    Ok(with_cookie((status, Html(html)).into_response(), set))
}
