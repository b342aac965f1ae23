//! Upload pages: agreement forms (PDF, Word, e-mail, text) become imported drafts to review,
//! one per agreement in a file, each in its own transaction; a region administrator's trial list
//! (CSV, Excel, or a report's table) becomes the region's historic trials in one. A refused file
//! names itself and why.

use super::upload;
use crate::auth::policy;
use crate::auth::{CurrentUser, MultipartCsrf};
use crate::error::PageResult;
use crate::views::{Choice, Page};
use crate::AppState;
use crate::Db;
use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Extension;
use pulje_app::imports::{self, Destination, ImportFailure};
use pulje_domain::RegionCode;

const OK21: &str = "ok21";

fn limits(state: &AppState) -> pulje_import::Limits {
    pulje_import::Limits {
        max_file_bytes: state.config.max_upload_bytes as u64,
        ..Default::default()
    }
}

fn megabytes(bytes: usize) -> String {
    format!("{} MB", bytes / 1_000_000)
}

fn region_choices(selected: &str) -> Vec<Choice> {
    let mut choices = vec![Choice::new("", "Vælg region", selected.is_empty())];
    choices.extend(
        RegionCode::all()
            .map(|r| Choice::new(r.code(), r.name(), selected == r.code().to_string())),
    );
    choices
}

/// The region files go to: the user's own, or the one chosen by a user without a region.
fn target_region(user: &CurrentUser, chosen: &str) -> Result<RegionCode, String> {
    if let Some(own) = user.region_code() {
        return Ok(own);
    }
    chosen
        .parse::<i64>()
        .ok()
        .and_then(RegionCode::new)
        .ok_or_else(|| "Vælg den region, filerne hører til.".to_string())
}

// ---------------------------------------------------------------------------------------------
// Agreement forms

/// One file's outcome: the drafts made from its agreements, or why it was refused.
struct FormResult {
    file_name: String,
    drafts: Vec<imports::ImportedForm>,
    message: String,
}

#[derive(Template)]
#[template(path = "imports/forms.html")]
struct FormsPage {
    page: Page,
    show_region: bool,
    regions: Vec<Choice>,
    error: String,
    max_size: String,
    results: Vec<FormResult>,
}

impl FormsPage {
    fn stored(&self) -> usize {
        self.results.iter().filter(|r| !r.drafts.is_empty()).count()
    }

    /// The drafts made from all files.
    fn drafts(&self) -> usize {
        self.results.iter().map(|r| r.drafts.len()).sum()
    }
}

fn forms_page(user: &CurrentUser, state: &AppState, region: &str) -> FormsPage {
    FormsPage {
        page: Page::new(user, "Indlæs aftaleskemaer", "applications"),
        show_region: user.region_code().is_none(),
        regions: region_choices(region),
        error: String::new(),
        max_size: megabytes(state.config.max_upload_bytes),
        results: Vec::new(),
    }
}

pub async fn forms_form(State(state): State<AppState>, user: CurrentUser) -> PageResult<Response> {
    policy::require_import_forms(&user)?;
    Ok(Html(forms_page(&user, &state, "").render()?).into_response())
}

pub async fn forms_upload(
    State(state): State<AppState>,
    mut db: Db,
    user: CurrentUser,
    csrf: Option<Extension<MultipartCsrf>>,
    multipart: Multipart,
) -> PageResult<Response> {
    policy::require_import_forms(&user)?;
    let limit = state.config.max_upload_bytes;
    let up = upload::read(multipart, limit).await?;
    up.check_csrf(&csrf)?;
    let mut page = forms_page(&user, &state, up.field("region"));
    let refuse = |mut page: FormsPage, message: String| -> PageResult<Response> {
        page.error = message;
        Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
    };
    if up.too_big {
        return refuse(
            page,
            format!(
                "Filerne fylder for meget; tilsammen højst {}.",
                megabytes(limit)
            ),
        );
    }
    if up.files.is_empty() {
        return refuse(page, "Vælg mindst én fil.".into());
    }
    let region_code = match target_region(&user, up.field("region")) {
        Ok(code) => code,
        Err(message) => return refuse(page, message),
    };
    policy::can_create_in(&user, region_code)?;
    let own = policy::doctor_by_default(&user);
    let to = Destination {
        programme_id: OK21,
        region_code,
        created_by: Some(user.user.id),
        doctor_user_id: own,
    };
    let limits = limits(&state);
    for file in up.files {
        let outcome = imports::import_forms(
            &mut db,
            &user.actor(),
            &to,
            &file.name,
            &file.content_type,
            file.data,
            &limits,
        )
        .await;
        page.results.push(match outcome {
            Ok(drafts) => FormResult {
                file_name: file.name,
                drafts,
                message: String::new(),
            },
            Err(ImportFailure::File(message)) => FormResult {
                file_name: file.name,
                drafts: Vec::new(),
                message,
            },
            Err(ImportFailure::Store(e)) => return Err(e.into()),
        });
    }
    let status = if page.stored() == 0 {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, Html(page.render()?)).into_response())
}

// ---------------------------------------------------------------------------------------------
// Trial lists

#[derive(Template)]
#[template(path = "imports/trials.html")]
struct TrialsPage {
    page: Page,
    show_region: bool,
    regions: Vec<Choice>,
    error: String,
    max_size: String,
    done: Option<imports::ImportedTrials>,
    region_code: Option<i64>,
}

fn trials_page(user: &CurrentUser, state: &AppState, region: &str) -> TrialsPage {
    TrialsPage {
        page: Page::new(user, "Indlæs liste over forsøg", "regions"),
        show_region: user.region_code().is_none(),
        regions: region_choices(region),
        error: String::new(),
        max_size: megabytes(state.config.max_upload_bytes),
        done: None,
        region_code: None,
    }
}

pub async fn trials_form(State(state): State<AppState>, user: CurrentUser) -> PageResult<Response> {
    policy::require_import_trials(&user)?;
    Ok(Html(trials_page(&user, &state, "").render()?).into_response())
}

pub async fn trials_upload(
    State(state): State<AppState>,
    mut db: Db,
    user: CurrentUser,
    csrf: Option<Extension<MultipartCsrf>>,
    multipart: Multipart,
) -> PageResult<Response> {
    policy::require_import_trials(&user)?;
    let limit = state.config.max_upload_bytes;
    let up = upload::read(multipart, limit).await?;
    up.check_csrf(&csrf)?;
    let mut page = trials_page(&user, &state, up.field("region"));
    let refuse = |mut page: TrialsPage, message: String| -> PageResult<Response> {
        page.error = message;
        Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
    };
    if up.too_big {
        return refuse(
            page,
            format!("Filen er for stor; højst {}.", megabytes(limit)),
        );
    }
    let region = up.field("region").to_string();
    let mut files = up.files;
    let file = match (files.pop(), files.is_empty()) {
        (Some(file), true) => file,
        (None, _) => return refuse(page, "Vælg en fil med listen over forsøg.".into()),
        (Some(_), false) => return refuse(page, "Vælg én fil ad gangen.".into()),
    };
    let region_code = match target_region(&user, &region) {
        Ok(code) => code,
        Err(message) => return refuse(page, message),
    };
    policy::require_admin_of(&user, region_code)?;
    match imports::import_trials(
        &mut db,
        &user.actor(),
        OK21,
        region_code,
        &file.name,
        file.data,
        &limits(&state),
    )
    .await
    {
        Ok(done) => {
            page.done = Some(done);
            page.region_code = Some(region_code.get());
            Ok(Html(page.render()?).into_response())
        }
        Err(ImportFailure::File(message)) => refuse(page, message),
        Err(ImportFailure::Store(e)) => Err(e.into()),
    }
}
