//! A region's historic trials (imported from its overview lists) with their evaluations: the
//! region's administrator uploads a trial's evaluation as a file (multipart, at most
//! [`MAX_UPLOAD_BYTES`]), optionally with its career track and type; readers download it.

use super::upload::{self, Upload};
use crate::auth::{policy, CurrentUser, MultipartCsrf};
use crate::error::{AppError, PageResult};
use crate::views::{Choice, Page};
use crate::Db;
use askama::Template;
use axum::extract::{Multipart, Path, Query};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Extension;
use pulje_app::files::evaluation_type_of;
use pulje_domain::evaluation::{CareerTrack, TrialType};
use pulje_domain::{AttachmentId, RegionCode, TrialId};
use pulje_store::attachments::{self, NewAttachment, Owner, Purpose};
use pulje_store::evaluations::{self, Target};
use pulje_store::reference::OK21;
use pulje_store::{trials, Connection};
use serde::Deserialize;

/// The largest evaluation file accepted.
pub const MAX_UPLOAD_BYTES: usize = 5 * 1024 * 1024;

pub struct Row {
    id: i64,
    number: i64,
    hospital: String,
    department: String,
    area: String,
    doctors: i64,
    title: String,
    /// The uploaded file: attachment id and name.
    file: Option<(i64, String)>,
    /// The overview list says an evaluation was attached ("Se bilag").
    listed: bool,
    track: String,
    kind: String,
    error: String,
    tracks: Vec<Choice>,
    types: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "trials/list.html")]
struct ListPage {
    page: Page,
    code: RegionCode,
    region: String,
    rows: Vec<Row>,
    max_mb: usize,
}

/// A refused upload: which trial, what is wrong, what was chosen.
struct Refused {
    trial_id: i64,
    message: String,
    track: String,
    kind: String,
}

async fn list_page(
    conn: &mut Connection,
    user: &CurrentUser,
    code: RegionCode,
    notice: Option<String>,
    refused: Option<&Refused>,
) -> PageResult<ListPage> {
    let region = code;
    let mut rows = Vec::new();
    for t in trials::list(conn, OK21, code).await? {
        let e = evaluations::get(conn, Target::HistoricTrial(t.id)).await?;
        let file = match e.as_ref().and_then(|e| e.attachment_id) {
            Some(id) => attachments::get(conn, id)
                .await?
                .map(|a| (a.id.get(), a.file_name)),
            None => None,
        };
        let mine = refused.filter(|r| r.trial_id == t.id.get());
        let track = match mine {
            Some(r) => r.track.clone(),
            None => e
                .as_ref()
                .and_then(|e| e.data.career_track)
                .map(|v| v.as_str().to_string())
                .unwrap_or_default(),
        };
        let kind = match mine {
            Some(r) => r.kind.clone(),
            None => e
                .as_ref()
                .and_then(|e| e.data.trial_type)
                .map(|v| v.as_str().to_string())
                .unwrap_or_default(),
        };
        let tracks = std::iter::once(Choice::new("", "Ikke angivet", track.is_empty()))
            .chain(
                CareerTrack::ALL
                    .iter()
                    .map(|v| Choice::new(v.as_str(), v.label_da(), track == v.as_str())),
            )
            .collect();
        let types = std::iter::once(Choice::new("", "Ikke angivet", kind.is_empty()))
            .chain(
                TrialType::ALL
                    .iter()
                    .map(|v| Choice::new(v.as_str(), v.label_da(), kind == v.as_str())),
            )
            .collect();
        rows.push(Row {
            id: i64::from(t.id),
            number: t.number,
            hospital: t.hospital,
            department: t.department,
            area: t.area,
            doctors: t.doctor_count,
            title: t.title,
            file,
            listed: t.evaluation_attached != 0,
            track: CareerTrack::parse(&track)
                .map(|v| v.label_da().to_string())
                .unwrap_or_default(),
            kind: TrialType::parse(&kind)
                .map(|v| v.label_da().to_string())
                .unwrap_or_default(),
            error: mine.map(|r| r.message.clone()).unwrap_or_default(),
            tracks,
            types,
        });
    }
    Ok(ListPage {
        page: Page::new(
            user,
            format!("Tidligere forsøg – {}", region.name()),
            &format!("/regions/{code}"),
        )
        .with_notice(notice),
        code,
        region: region.name().to_string(),
        rows,
        max_mb: MAX_UPLOAD_BYTES / (1024 * 1024),
    })
}

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    gemt: Option<String>,
}

pub async fn list(
    mut db: Db,
    user: CurrentUser,
    Path(code): Path<i64>,
    Query(q): Query<ListQuery>,
) -> PageResult<Html<String>> {
    let code = crate::error::region(code)?;
    policy::require_admin_of(&user, code)?;
    let mut conn = db.conn().await?;
    let notice = q.gemt.map(|_| "Evalueringen er gemt.".to_string());
    Ok(Html(
        list_page(&mut conn, &user, code, notice, None)
            .await?
            .render()?,
    ))
}

/// The trials page again, with the message next to the refused row and its choices kept.
async fn refuse(
    conn: &mut Connection,
    user: &CurrentUser,
    trial: &trials::Trial,
    up: &Upload,
    status: StatusCode,
    message: String,
) -> PageResult<Response> {
    let refused = Refused {
        trial_id: i64::from(trial.id),
        message,
        track: up.field("career_track").to_string(),
        kind: up.field("trial_type").to_string(),
    };
    let page = list_page(conn, user, trial.region_code, None, Some(&refused)).await?;
    Ok((status, Html(page.render()?)).into_response())
}

pub async fn upload(
    mut db: Db,
    user: CurrentUser,
    csrf: Option<Extension<MultipartCsrf>>,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> PageResult<Response> {
    let mut conn = db.conn().await?;
    let trial = trials::get(&mut conn, TrialId::new(id))
        .await?
        .ok_or(AppError::NotFound)?;
    policy::require_admin_of(&user, trial.region_code)?;
    let up: Upload = upload::read(multipart, MAX_UPLOAD_BYTES).await?;
    up.check_csrf(&csrf)?;
    if up.too_big {
        let m = format!(
            "Filen er for stor. Den må højst fylde {} MB.",
            MAX_UPLOAD_BYTES / (1024 * 1024)
        );
        return refuse(
            &mut conn,
            &user,
            &trial,
            &up,
            StatusCode::PAYLOAD_TOO_LARGE,
            m,
        )
        .await;
    }
    let (file_name, data) = match up.files.first() {
        Some(f) if !f.data.is_empty() => (f.name.as_str(), f.data.as_slice()),
        _ => ("", &[][..]),
    };
    if file_name.is_empty() || data.is_empty() {
        let m = "Vælg en fil med evalueringen. Den valgte fil er tom eller mangler.".to_string();
        return refuse(
            &mut conn,
            &user,
            &trial,
            &up,
            StatusCode::UNPROCESSABLE_ENTITY,
            m,
        )
        .await;
    }
    let Some(content_type) = evaluation_type_of(file_name) else {
        let m = "Filtypen kan ikke bruges. Upload en PDF-, Word- (.docx/.doc), ODT-, Excel- (.xlsx) eller tekstfil.".to_string();
        return refuse(
            &mut conn,
            &user,
            &trial,
            &up,
            StatusCode::UNPROCESSABLE_ENTITY,
            m,
        )
        .await;
    };
    let (track_text, kind_text) = (up.field("career_track"), up.field("trial_type"));
    let track = CareerTrack::parse(track_text);
    let kind = TrialType::parse(kind_text);
    if (!track_text.is_empty() && track.is_none()) || (!kind_text.is_empty() && kind.is_none()) {
        let m = "Vælg karrierespor og type blandt mulighederne.".to_string();
        return refuse(
            &mut conn,
            &user,
            &trial,
            &up,
            StatusCode::UNPROCESSABLE_ENTITY,
            m,
        )
        .await;
    }
    drop(conn);
    // Only the last path component of the name the browser sent.
    let file_name = file_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("evaluering")
        .to_string();
    let mut tx = db.begin().await?;
    let attachment = attachments::insert(
        &mut tx,
        &user.actor(),
        NewAttachment {
            region_code: trial.region_code,
            owner: Owner::HistoricTrial(trial.id),
            purpose: Purpose::Evaluation,
            file_name: &file_name,
            content_type,
            data,
        },
    )
    .await?;
    evaluations::attach_file(&mut tx, &user.actor(), &trial, attachment.id, track, kind).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!(
        "/regions/{}/trials?gemt=1#trial-{}",
        trial.region_code, trial.id
    ))
    .into_response())
}

/// `filename="…"` with the name made safe for the header, plus the exact name as `filename*`.
pub async fn download(mut db: Db, user: CurrentUser, Path(id): Path<i64>) -> PageResult<Response> {
    let mut conn = db.conn().await?;
    let a = attachments::get(&mut conn, AttachmentId::new(id))
        .await?
        .ok_or(AppError::NotFound)?;
    match (a.application_id, a.historic_trial_id) {
        (Some(app_id), _) => {
            let app = pulje_app::applications::get(&mut conn, app_id).await?;
            policy::require_view(&user, &app)?;
            if a.purpose == Purpose::Evaluation.as_str() {
                policy::require_view_evaluation(&user, &app)?;
            }
        }
        (None, Some(_)) => policy::require_view_trial_evaluation(&user, a.region_code)?,
        (None, None) => return Err(AppError::NotFound),
    }
    let data = attachments::data(&mut conn, AttachmentId::new(id))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(crate::views::download(&a.file_name, data))
}
