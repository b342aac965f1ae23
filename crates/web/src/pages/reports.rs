//! The reports: a region's evaluation report (HTML, PDF, XLSX, CSV per table, JSON), the page
//! where the region's administrator writes its narrative sections, and the national view.
//!
//! Paths: `/reports` (what the user may open), `/reports/regional/{code}` and its files
//! `report.pdf`, `report.xlsx`, `report.json`, `{table}.csv`; `/reports/regional/{code}/edit`;
//! `/reports/national` and its files. `?programme=ID` picks the programme (default `ok21`).

use crate::auth::policy::{self, Scope};
use crate::auth::CurrentUser;
use crate::error::{AppError, PageResult};
use crate::extract::Form;
use crate::views::{Field, Page};
use crate::AppState;
use crate::Db;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use pulje_app::reports::{self, Document, Format};
use pulje_domain::{FieldErrors, RegionCode};
use pulje_store::reference::OK21;
use pulje_store::reports::{self as data, ReportText, SECTIONS};
use pulje_store::StoreError;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Debug, Deserialize, Default)]
pub struct ReportQuery {
    programme: Option<String>,
    gemt: Option<String>,
}

impl ReportQuery {
    fn programme(&self) -> &str {
        self.programme
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .unwrap_or(OK21)
    }

    /// `?programme=…` to carry along in links (empty for the default).
    fn suffix(&self) -> String {
        match self.programme() {
            OK21 => String::new(),
            p => format!("?programme={}", url_encode(p)),
        }
    }
}

fn url_encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

async fn regional_page(
    state: &AppState,
    db: &mut Db,
    user: &CurrentUser,
    programme: &str,
    code: RegionCode,
) -> PageResult<Arc<reports::Body>> {
    state
        .caches
        .regional_page(db, user.versions.as_ref(), programme, code)
        .await
        .map_err(not_found)
}

fn not_found(e: StoreError) -> AppError {
    match e {
        StoreError::NotFound => AppError::NotFound,
        e => e.into(),
    }
}

async fn national_report(
    state: &AppState,
    db: &mut Db,
    user: &CurrentUser,
    programme: &str,
) -> PageResult<Arc<data::NationalReport>> {
    state
        .caches
        .national_report(db, user.versions.as_ref(), programme)
        .await
        .map_err(not_found)
}

/// A download: the bytes with their type and a file name.
pub(crate) fn file_response(bytes: Vec<u8>, content_type: &str, file_name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response()
}

/// What a file name under a report asks for: a whole-report format, or one table as CSV.
enum FileRequest {
    Report(Format),
    Csv(String),
}

fn parse_file(name: &str) -> Option<FileRequest> {
    if let Some(table) = name.strip_suffix(".csv") {
        return Some(FileRequest::Csv(table.to_string()));
    }
    let format = Format::parse(name.strip_prefix("report.")?)?;
    (format != Format::Html).then_some(FileRequest::Report(format))
}

fn internal(e: anyhow::Error) -> AppError {
    AppError::Internal(e)
}

/// A download made: its bytes, content type and file name.
struct Download(Vec<u8>, &'static str, String);

impl Download {
    fn report(bytes: Vec<u8>, format: Format, file_stem: &str) -> Download {
        Download(
            bytes,
            format.content_type(),
            format!("{file_stem}.{}", format.extension()),
        )
    }

    fn csv(table: &reports::Table, file_stem: &str) -> Download {
        Download(
            table.csv().into_bytes(),
            "text/csv; charset=utf-8",
            format!("{file_stem}-{}.csv", table.id),
        )
    }

    fn response(self) -> Response {
        file_response(self.0, self.1, &self.2)
    }
}

#[derive(Template)]
#[template(path = "reports/document.html")]
struct DocumentPage<'a> {
    page: Page,
    body: &'a reports::Body,
    /// Links above the report: (href, label).
    links: Vec<(String, String)>,
}

/// A laid-out document as a whole page with the site's navigation.
fn document_page(
    page: Page,
    body: &reports::Body,
    links: Vec<(String, String)>,
) -> askama::Result<String> {
    DocumentPage { page, body, links }.render()
}

#[derive(Template)]
#[template(path = "reports/index.html")]
struct IndexPage {
    page: Page,
    regions: Vec<(RegionCode, &'static str)>,
    national: bool,
}

/// `/reports`: the reports the user may open.
pub async fn index(user: CurrentUser) -> PageResult<Html<String>> {
    let scope = Scope::of(&user);
    let regions: Vec<(RegionCode, &'static str)> = RegionCode::all()
        .map(|r| (r, r.name()))
        .filter(|(code, _)| {
            policy::require_report_view(&user, *code).is_ok() && scope.allows(*code)
        })
        .collect();
    let national = policy::require_national_view(&user).is_ok();
    if regions.is_empty() && !national {
        return Err(AppError::Forbidden(
            "Din rolle giver ikke adgang til rapporterne.".into(),
        ));
    }
    Ok(Html(
        IndexPage {
            page: Page::new(&user, "Rapporter", "/reports"),
            regions,
            national,
        }
        .render()?,
    ))
}

/// `/reports/regional/{code}`: the region's report as a page.
pub async fn regional(
    State(state): State<AppState>,
    mut db: Db,
    user: CurrentUser,
    Path(code): Path<i64>,
    Query(q): Query<ReportQuery>,
) -> PageResult<Html<String>> {
    let code = crate::error::region(code)?;
    policy::require_report_view(&user, code)?;
    let body = regional_page(&state, &mut db, &user, q.programme(), code).await?;
    let base = format!("/reports/regional/{code}");
    let suffix = q.suffix();
    let mut links = vec![
        (
            format!("{base}/report.pdf{suffix}"),
            "Hent som PDF".to_string(),
        ),
        (
            format!("{base}/report.xlsx{suffix}"),
            "Hent tabellerne som regneark (XLSX)".to_string(),
        ),
        (
            format!("{base}/report.json{suffix}"),
            "Hent som JSON".to_string(),
        ),
    ];
    if policy::can_edit_report(&user, code) {
        links.insert(
            0,
            (
                format!("{base}/edit{suffix}"),
                "Skriv rapportens afsnit".to_string(),
            ),
        );
    }
    let notice = q
        .gemt
        .is_some()
        .then(|| "Rapportens afsnit er gemt.".to_string());
    let page = Page::new(&user, body.title.clone(), "/reports").with_notice(notice);
    Ok(Html(document_page(page, &body, links)?))
}

/// `/reports/regional/{code}/{file}`: `report.pdf`, `report.xlsx`, `report.json` or `{table}.csv`.
pub async fn regional_file(
    State(state): State<AppState>,
    mut db: Db,
    user: CurrentUser,
    Path((code, file)): Path<(i64, String)>,
    Query(q): Query<ReportQuery>,
) -> PageResult<Response> {
    let code = crate::error::region(code)?;
    policy::require_report_view(&user, code)?;
    let request = parse_file(&file).ok_or(AppError::NotFound)?;
    let made = state
        .caches
        .regional_file(&mut db, q.programme(), code, move |report| {
            let stem = format!("rapport-{}-{code}", report.programme_id);
            match request {
                FileRequest::Report(format) => reports::render_regional(&report, format)
                    .map(|bytes| Some(Download::report(bytes, format, &stem))),
                FileRequest::Csv(table) => Ok(reports::regional_tables(&report)
                    .iter()
                    .find(|t| t.id == table)
                    .map(|t| Download::csv(t, &stem))),
            }
        })
        .await
        .map_err(not_found)?
        .map_err(internal)?;
    Ok(made.ok_or(AppError::NotFound)?.response())
}

#[derive(Template)]
#[template(path = "reports/edit.html")]
struct EditPage {
    page: Page,
    action: String,
    back: String,
    region_name: String,
    sections: Vec<SectionField>,
    error: String,
}

struct SectionField {
    field: Field,
    version: i64,
    /// The stored text when it differs from what the user sent (after a conflict).
    stored: Option<String>,
}

fn edit_page(
    user: &CurrentUser,
    code: RegionCode,
    q: &ReportQuery,
    region_name: &str,
    sections: Vec<SectionField>,
    error: String,
) -> EditPage {
    EditPage {
        page: Page::new(user, format!("Skriv rapporten – {region_name}"), "/reports"),
        action: format!("/reports/regional/{code}/edit{}", q.suffix()),
        back: format!("/reports/regional/{code}{}", q.suffix()),
        region_name: region_name.to_string(),
        sections,
        error,
    }
}

fn section_fields(
    texts: &[ReportText],
    typed: Option<&HashMap<String, String>>,
    errors: &FieldErrors,
    conflicts: &[String],
) -> Vec<SectionField> {
    SECTIONS
        .iter()
        .map(|(id, heading, hint)| {
            let stored = texts.iter().find(|t| t.section == *id);
            let stored_body = stored.map(|t| t.body.clone()).unwrap_or_default();
            let value = typed
                .and_then(|t| t.get(&format!("text_{id}")).cloned())
                .unwrap_or_else(|| stored_body.clone());
            SectionField {
                field: Field::new(&format!("text_{id}"), heading, &value, errors).hint(hint),
                version: stored.map(|t| t.version).unwrap_or(0),
                stored: conflicts
                    .iter()
                    .any(|c| c == id)
                    .then_some(stored_body)
                    .filter(|s| *s != value),
            }
        })
        .collect()
}

async fn load_texts(db: &mut Db, programme: &str, code: RegionCode) -> PageResult<Vec<ReportText>> {
    let mut conn = db.conn().await?;
    // An unknown programme is a 404 before anything is shown.
    pulje_store::programmes::get(&mut conn, programme)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(data::texts(&mut conn, programme, code).await?)
}

/// `GET /reports/regional/{code}/edit`: the narrative sections in one form.
pub async fn edit(
    mut db: Db,
    user: CurrentUser,
    Path(code): Path<i64>,
    Query(q): Query<ReportQuery>,
) -> PageResult<Html<String>> {
    let code = crate::error::region(code)?;
    let region = code;
    policy::require_report_edit(&user, code)?;
    let texts = load_texts(&mut db, q.programme(), code).await?;
    let sections = section_fields(&texts, None, &FieldErrors::new(), &[]);
    Ok(Html(
        edit_page(&user, code, &q, region.name(), sections, String::new()).render()?,
    ))
}

/// `POST /reports/regional/{code}/edit`: saves every changed section in one transaction. A
/// section someone else saved meanwhile refuses the whole save (409); the form comes back with
/// what the user typed, the stored text beside it, and the current version, so saving again
/// deliberately replaces it.
pub async fn save(
    mut db: Db,
    user: CurrentUser,
    Path(code): Path<i64>,
    Query(q): Query<ReportQuery>,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult<Response> {
    let code = crate::error::region(code)?;
    let region = code;
    policy::require_report_edit(&user, code)?;
    let programme = q.programme().to_string();
    load_texts(&mut db, &programme, code).await?;
    let mut errors = FieldErrors::new();
    let mut conflicts: Vec<String> = Vec::new();
    let mut tx = db.begin().await?;
    for (id, heading, _) in SECTIONS {
        let Some(body) = form.get(&format!("text_{id}")) else {
            continue;
        };
        let version = match form
            .get(&format!("version_{id}"))
            .map(|v| v.trim().parse::<i64>())
        {
            Some(Ok(v)) if v >= 0 => v,
            _ => {
                errors.add(
                    format!("text_{id}"),
                    format!("{heading}: formularen mangler afsnittets version; genindlæs siden."),
                );
                continue;
            }
        };
        match data::save_text(&mut tx, &user.actor(), &programme, code, id, body, version).await {
            Ok(_) => {}
            Err(StoreError::Conflict(m)) => {
                errors.add(format!("text_{id}"), m);
                conflicts.push(id.to_string());
            }
            Err(StoreError::Refused(m)) => errors.add(format!("text_{id}"), m),
            Err(e) => return Err(e.into()),
        }
    }
    if errors.is_empty() {
        tx.commit().await?;
        return Ok(Redirect::to(&format!(
            "/reports/regional/{code}{}",
            match q.suffix().as_str() {
                "" => "?gemt=1".to_string(),
                s => format!("{s}&gemt=1"),
            }
        ))
        .into_response());
    }
    drop(tx);
    // Show the current versions, so a second save after comparing goes through.
    let now = load_texts(&mut db, &programme, code).await?;
    let status = if conflicts.is_empty() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::CONFLICT
    };
    let sections = section_fields(&now, Some(&form), &errors, &conflicts);
    let message = if conflicts.is_empty() {
        "Rapporten er ikke gemt. Ret det markerede og gem igen.".to_string()
    } else {
        "Rapporten er ikke gemt: et eller flere afsnit er ændret af en anden imens. Din tekst står i felterne; den gemte tekst står under hvert markeret felt.".to_string()
    };
    Ok((
        status,
        Html(edit_page(&user, code, &q, region.name(), sections, message).render()?),
    )
        .into_response())
}

/// `/reports/national`: the five regions side by side.
pub async fn national(
    State(state): State<AppState>,
    mut db: Db,
    user: CurrentUser,
    Query(q): Query<ReportQuery>,
) -> PageResult<Html<String>> {
    policy::require_national_view(&user)?;
    let report = national_report(&state, &mut db, &user, q.programme()).await?;
    let doc: Document = reports::national_document(&report);
    let suffix = q.suffix();
    let mut links = vec![
        (
            format!("/reports/national/report.pdf{suffix}"),
            "Hent som PDF".to_string(),
        ),
        (
            format!("/reports/national/report.xlsx{suffix}"),
            "Hent tabellerne som regneark (XLSX)".to_string(),
        ),
        (
            format!("/reports/national/report.json{suffix}"),
            "Hent som JSON".to_string(),
        ),
    ];
    for t in doc.tables() {
        links.push((
            format!("/reports/national/{}.csv{suffix}", t.id),
            format!("CSV: {}", t.title),
        ));
    }
    for r in &report.regions {
        links.push((
            format!("/reports/regional/{}{suffix}", r.region_code),
            format!("Rapport: {}", r.region_name),
        ));
    }
    let page = Page::new(&user, doc.title.clone(), "/reports");
    Ok(Html(document_page(page, &reports::Body::of(&doc)?, links)?))
}

/// `/reports/national/{file}`: `report.pdf`, `report.xlsx`, `report.json` or `{table}.csv`.
pub async fn national_file(
    State(state): State<AppState>,
    mut db: Db,
    user: CurrentUser,
    Path(file): Path<String>,
    Query(q): Query<ReportQuery>,
) -> PageResult<Response> {
    policy::require_national_view(&user)?;
    let request = parse_file(&file).ok_or(AppError::NotFound)?;
    let report = national_report(&state, &mut db, &user, q.programme()).await?;
    let stem = format!("national-{}", report.programme_id);
    match request {
        FileRequest::Report(format) => {
            let bytes = reports::render_national(&report, format).map_err(internal)?;
            Ok(Download::report(bytes, format, &stem).response())
        }
        FileRequest::Csv(table) => {
            let doc = reports::national_document(&report);
            let t = doc.table(&table).ok_or(AppError::NotFound)?;
            Ok(Download::csv(t, &stem).response())
        }
    }
}
