//! The review of an application of a programme defined as data: what the caller sees of it
//! (`GET /api/v1/applications/{id}/review`), their declaration of a conflict of interest, their
//! scores on the rubric and the checklist's ticks. Who may do what is decided by
//! `pulje_app::programme_review`; the applicant never sees any of it.

use super::{body, ApiUser};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, JsonRejection, Path};
use crate::Db;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use pulje_app::programme_review::{self as review, combined_da, ReviewView, ScoreInput};
use pulje_domain::{ApplicationId, FieldErrors};
use pulje_store::programme_review::Declaration;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A reviewer's declaration of a conflict of interest, or of none.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewDeclarationJson {
    pub user_id: i64,
    pub user_name: String,
    /// Whether a conflict of interest was declared (the application is then hidden from them).
    pub conflict: bool,
    pub reason: String,
    /// When, RFC 3339 in UTC.
    pub declared_at: String,
}

impl From<Declaration> for ReviewDeclarationJson {
    fn from(d: Declaration) -> Self {
        ReviewDeclarationJson {
            user_id: d.user_id.get(),
            user_name: d.user_name,
            conflict: d.conflict,
            reason: d.reason,
            declared_at: d.declared_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewCriterionJson {
    pub name: String,
    pub help: String,
    /// A whole-number weight; the combined score is the weighted mean.
    pub weight: i64,
}

/// The programme's scoring rubric.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewRubricJson {
    pub scale_min: i64,
    pub scale_max: i64,
    /// Whether a criterion may be scored `null` ("ikke relevant").
    pub allow_not_applicable: bool,
    pub criteria: Vec<ReviewCriterionJson>,
}

/// A point of the checklist with its tick.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewPointJson {
    /// 1, 2, … in the definition's order (the `number` of the checklist's route).
    pub number: i64,
    pub text: String,
    pub ticked: bool,
    pub ticked_by: Option<String>,
    /// When, RFC 3339 in UTC.
    pub ticked_at: Option<String>,
}

/// The review of an application as the caller sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgrammeReviewJson {
    /// Whether the programme asks every reviewer to declare a conflict of interest (or none)
    /// before seeing an application.
    pub asks_declaration: bool,
    /// Whether the caller is a reviewer of the application now.
    pub reviewer: bool,
    /// The caller must declare before seeing the application; nothing else is given until then.
    pub must_declare: bool,
    /// The caller's own declaration.
    pub declaration: Option<ReviewDeclarationJson>,
    /// Every reviewer's declaration: for administrators only (else empty).
    pub declarations: Vec<ReviewDeclarationJson>,
    pub rubric: Option<ReviewRubricJson>,
    /// The caller's own scores, one per criterion (`null`: "ikke relevant").
    pub scores: Option<Vec<Option<i64>>>,
    /// The reviewers' scores combined by weight, in hundredths of a point.
    pub combined_hundredths: Option<i64>,
    /// The same in Danish (`3,58 af 5`).
    pub combined: Option<String>,
    /// How many reviewers have scored.
    pub scored_by: i64,
    pub checklist: Vec<ReviewPointJson>,
    /// The caller may declare now.
    pub may_declare: bool,
    /// The caller may give or change their scores now.
    pub may_score: bool,
    /// The caller may tick the checklist now.
    pub may_tick: bool,
}

fn review_json(v: ReviewView) -> ProgrammeReviewJson {
    let scale_max = v.rubric.as_ref().map_or(0, |r| r.scale_max);
    ProgrammeReviewJson {
        asks_declaration: v.asks_declaration,
        reviewer: v.standing.reviewer,
        must_declare: v.standing.must_declare,
        declaration: v.standing.declaration.map(Into::into),
        declarations: v.declarations.into_iter().map(Into::into).collect(),
        rubric: v.rubric.as_ref().map(|r| ReviewRubricJson {
            scale_min: i64::from(r.scale_min),
            scale_max: i64::from(r.scale_max),
            allow_not_applicable: r.allow_not_applicable,
            criteria: r
                .criteria
                .iter()
                .map(|c| ReviewCriterionJson {
                    name: c.name.clone(),
                    help: c.help.clone(),
                    weight: i64::from(c.weight),
                })
                .collect(),
        }),
        scores: v
            .own_scores
            .map(|s| s.into_iter().map(|s| s.map(i64::from)).collect()),
        combined_hundredths: v.combined.map(i64::from),
        combined: v.combined.map(|c| combined_da(c, scale_max)),
        scored_by: i64::try_from(v.scored_by).unwrap_or(i64::MAX),
        checklist: v
            .checklist
            .into_iter()
            .map(|p| ReviewPointJson {
                number: i64::try_from(p.number).unwrap_or(i64::MAX),
                text: p.text,
                ticked: p.tick.is_some(),
                ticked_by: p.tick.as_ref().map(|t| t.ticked_by_name.clone()),
                ticked_at: p.tick.map(|t| t.ticked_at),
            })
            .collect(),
        may_declare: v.may_declare,
        may_score: v.may_score,
        may_tick: v.may_tick,
    }
}

/// The review as the caller sees it now.
async fn current(db: &mut Db, user: &ApiUser, id: ApplicationId) -> ApiResult<ProgrammeReviewJson> {
    let mut conn = db.conn().await?;
    let (app, def, _, standing) = review::load_head(&mut conn, &user.0, id).await?;
    let view = review::view(&mut conn, &app, &def, standing).await?;
    Ok(review_json(view))
}

fn refused(what: &str, errors: FieldErrors) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(super::applications::ValidationErrorJson {
            error: format!("{what}: {}", first_message(&errors)),
            fields: errors,
        }),
    )
        .into_response()
}

fn first_message(errors: &FieldErrors) -> String {
    errors
        .iter()
        .flat_map(|(_, m)| m.iter().cloned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The review of an application of a programme defined as data, as the caller sees it: their
/// declaration, their scores, the combined score and the checklist. Reviewers (who must first
/// declare where the programme asks for it) and administrators; never the applicant.
#[utoipa::path(get, path = "/api/v1/applications/{id}/review", tag = "applications",
    params(("id" = i64, Path, description = "Application id")),
    responses((status = 200, body = ProgrammeReviewJson),
        (status = 403, description = "Neither a reviewer of the application nor an administrator (the applicant never sees the review)"),
        (status = 404, description = "No such application of a programme defined as data, another region's, or hidden from the caller by their declared conflict of interest")),
    security(("bearer" = []), ("session" = [])))]
pub async fn show(
    mut db: Db,
    user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<ProgrammeReviewJson>> {
    Ok(Json(current(&mut db, &user, ApplicationId::new(id)).await?))
}

/// A declaration as sent.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DeclarationBody {
    /// `true`: a conflict of interest (the application is then hidden from the caller);
    /// `false`: none.
    pub conflict: bool,
    /// Why; required for a conflict, at most 2000 characters.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub reason: String,
}

/// A reviewer declares a conflict of interest, or none, before seeing the application. Made
/// once; a declaration of none may later become a conflict.
#[utoipa::path(put, path = "/api/v1/applications/{id}/review/declaration", tag = "applications",
    request_body = DeclarationBody,
    params(("id" = i64, Path, description = "Application id")),
    responses((status = 200, body = ReviewDeclarationJson),
        (status = 403, description = "Not a reviewer of the application now"),
        (status = 404, description = "No such application of a programme defined as data, another region's, or hidden from the caller"),
        (status = 409, description = "The programme asks for no declarations, or the caller has already declared"),
        (status = 422, description = "A conflict without a reason, or a reason too long", body = super::applications::ValidationErrorJson)),
    security(("bearer" = []), ("session" = [])))]
pub async fn declare(
    mut db: Db,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    payload: Result<Json<DeclarationBody>, JsonRejection>,
) -> ApiResult<Response> {
    let b = body(payload)?;
    let input = review::DeclarationInput {
        conflict: Some(b.conflict),
        reason: b.reason,
    };
    match review::declare(
        &mut db,
        &user,
        &user.actor(),
        ApplicationId::new(id),
        &input,
    )
    .await?
    {
        Ok(d) => Ok(Json(ReviewDeclarationJson::from(d)).into_response()),
        Err(errors) => Ok(refused("Erklæringen er ikke afgivet", errors)),
    }
}

/// A reviewer's scores as sent.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ScoresBody {
    /// One per criterion of the rubric, in its order: a whole number on the scale, or `null`
    /// for "ikke relevant" where the rubric allows it.
    pub scores: Vec<Option<i64>>,
}

/// A reviewer gives (or changes) their scores, while the application is in review. The answer
/// is the review with the new combined score.
#[utoipa::path(put, path = "/api/v1/applications/{id}/review/scores", tag = "applications",
    request_body = ScoresBody,
    params(("id" = i64, Path, description = "Application id")),
    responses((status = 200, body = ProgrammeReviewJson),
        (status = 403, description = "Not a reviewer of the application now, or not yet declared"),
        (status = 404, description = "No such application of a programme defined as data, another region's, or hidden from the caller"),
        (status = 409, description = "The programme has no rubric, or the application is no longer in review"),
        (status = 422, description = "A score off the scale, «ikke relevant» where not allowed, or not one per criterion", body = super::applications::ValidationErrorJson)),
    security(("bearer" = []), ("session" = [])))]
pub async fn score(
    mut db: Db,
    user: ApiUser,
    Path(id): Path<i64>,
    payload: Result<Json<ScoresBody>, JsonRejection>,
) -> ApiResult<Response> {
    let b = body(payload)?;
    let given: Vec<ScoreInput> = b
        .scores
        .iter()
        .map(|s| s.map_or(ScoreInput::NotApplicable, ScoreInput::Score))
        .collect();
    let id = ApplicationId::new(id);
    match review::score(&mut db, &user.0, &user.0.actor(), id, &given).await? {
        Ok(_) => Ok(Json(current(&mut db, &user, id).await?).into_response()),
        Err(errors) => Ok(refused("Karaktererne er ikke gemt", errors)),
    }
}

/// A tick as sent.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TickBody {
    /// `true` ticks the point, `false` removes the tick.
    pub ticked: bool,
}

/// A reviewer ticks (or unticks) a point of the checklist, while the application is in review.
#[utoipa::path(put, path = "/api/v1/applications/{id}/review/checklist/{number}", tag = "applications",
    request_body = TickBody,
    params(("id" = i64, Path, description = "Application id"), ("number" = i64, Path, description = "The point's number, 1, 2, …")),
    responses((status = 200, body = ProgrammeReviewJson),
        (status = 403, description = "Not a reviewer of the application now, or not yet declared"),
        (status = 404, description = "No such application or point, another region's, or hidden from the caller"),
        (status = 409, description = "The application is no longer in review")),
    security(("bearer" = []), ("session" = [])))]
pub async fn tick(
    mut db: Db,
    user: ApiUser,
    Path((id, number)): Path<(i64, i64)>,
    payload: Result<Json<TickBody>, JsonRejection>,
) -> ApiResult<Json<ProgrammeReviewJson>> {
    let b = body(payload)?;
    let id = ApplicationId::new(id);
    review::tick(&mut db, &user.0, &user.0.actor(), id, number, b.ticked)
        .await
        .map_err(ApiError::from)?;
    Ok(Json(current(&mut db, &user, id).await?))
}
