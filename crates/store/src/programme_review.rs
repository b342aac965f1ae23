//! The review of an application of a programme defined as data, as its definition's `review`
//! asks for it: each reviewer's declaration of a conflict of interest (or none), their scores
//! on the rubric's criteria, and the checklist's ticks (migration 0012).
//!
//! Criteria and checklist points are named by their place in the definition the application
//! was made under (it keeps that version). What may be stored — who is a reviewer, which scores
//! are on the scale — is checked by the caller (`pulje_app::programme_review`); every change is
//! written with its audit entry on the application in the caller's transaction.

use crate::audit::{self, Actor};
use crate::programme_applications::ProgrammeApplication;
use crate::{now_utc, Result, StoreError, Tx};
use pulje_domain::programme::Scores;
use pulje_domain::{ApplicationId, UserId};
use serde::Serialize;
use sqlx::AnyConnection;

/// A reviewer's declaration on one application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Declaration {
    pub user_id: UserId,
    pub user_name: String,
    /// Whether they declared a conflict of interest.
    pub conflict: bool,
    /// Why (required for a conflict; may be empty for none).
    pub reason: String,
    pub declared_at: String,
}

type DeclarationRow = (i64, String, i64, String, String);

fn declaration_of((user, name, conflict, reason, at): DeclarationRow) -> Declaration {
    Declaration {
        user_id: UserId::new(user),
        user_name: name,
        conflict: conflict != 0,
        reason,
        declared_at: at,
    }
}

const DECLARATIONS: &str = "SELECT d.user_id, u.name, d.conflict, d.reason, d.declared_at \
     FROM review_declarations d JOIN users u ON u.id = d.user_id WHERE d.application_id = $1";

/// `user`'s declaration on `app`, if they have made one.
pub async fn declaration(
    conn: &mut AnyConnection,
    app: ApplicationId,
    user: UserId,
) -> Result<Option<Declaration>> {
    let row: Option<DeclarationRow> = sqlx::query_as(&format!("{DECLARATIONS} AND d.user_id = $2"))
        .bind(app.get())
        .bind(user.get())
        .fetch_optional(conn)
        .await?;
    Ok(row.map(declaration_of))
}

/// Every declaration on `app`, by the reviewers' names.
pub async fn declarations(
    conn: &mut AnyConnection,
    app: ApplicationId,
) -> Result<Vec<Declaration>> {
    let rows: Vec<DeclarationRow> =
        sqlx::query_as(&format!("{DECLARATIONS} ORDER BY u.name, d.user_id"))
            .bind(app.get())
            .fetch_all(conn)
            .await?;
    Ok(rows.into_iter().map(declaration_of).collect())
}

/// Whether `user` has declared a conflict of interest on any application.
pub async fn has_conflicts(conn: &mut AnyConnection, user: UserId) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM review_declarations WHERE user_id = $1 AND conflict = 1",
    )
    .bind(user.get())
    .fetch_one(conn)
    .await?;
    Ok(n > 0)
}

/// Records `user`'s declaration on `app`. A declaration is made once; only "no conflict" may
/// later become a conflict (something learnt after reading the application), never the other
/// way.
pub async fn declare(
    tx: &mut Tx<'_>,
    actor: &Actor,
    app: &ProgrammeApplication,
    user: UserId,
    conflict: bool,
    reason: &str,
) -> Result<Declaration> {
    let before = declaration(tx, app.id, user).await?;
    match &before {
        Some(d) if d.conflict || !conflict => {
            return Err(StoreError::Conflict(
                "Du har allerede afgivet din erklæring om inhabilitet for denne ansøgning.".into(),
            ))
        }
        _ => {}
    }
    // Only "none" becomes a conflict, also when two declarations cross.
    let written = sqlx::query(
        "INSERT INTO review_declarations (application_id, user_id, conflict, reason, declared_at) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (application_id, user_id) DO UPDATE SET conflict = excluded.conflict, \
           reason = excluded.reason, declared_at = excluded.declared_at \
         WHERE review_declarations.conflict = 0 AND excluded.conflict = 1",
    )
    .bind(app.id.get())
    .bind(user.get())
    .bind(i64::from(conflict))
    .bind(reason)
    .bind(now_utc())
    .execute(&mut **tx)
    .await?;
    if written.rows_affected() == 0 {
        return Err(StoreError::Conflict(
            "Du har allerede afgivet din erklæring om inhabilitet for denne ansøgning.".into(),
        ));
    }
    let after = declaration(tx, app.id, user)
        .await?
        .ok_or(StoreError::NotFound)?;
    audit::noted(
        tx,
        actor,
        app,
        "declare_conflict",
        before.as_ref(),
        Some(&after),
    )
    .await?;
    Ok(after)
}

/// The scores given on `app` by reviewers who have not declared a conflict, each reviewer's
/// as one per criterion (`criteria` of them; `None` for "ikke relevant" or not given), by user.
pub async fn scores(
    conn: &mut AnyConnection,
    app: ApplicationId,
    criteria: usize,
) -> Result<Vec<(UserId, Scores)>> {
    let rows: Vec<(i64, i64, Option<i64>)> = sqlx::query_as(
        "SELECT s.user_id, s.criterion, s.score FROM review_scores s \
         WHERE s.application_id = $1 AND NOT EXISTS (SELECT 1 FROM review_declarations d \
           WHERE d.application_id = s.application_id AND d.user_id = s.user_id AND d.conflict = 1) \
         ORDER BY s.user_id, s.criterion",
    )
    .bind(app.get())
    .fetch_all(conn)
    .await?;
    let mut out: Vec<(UserId, Scores)> = Vec::new();
    for (user, criterion, score) in rows {
        let user = UserId::new(user);
        if out.last().is_none_or(|(u, _)| *u != user) {
            out.push((user, vec![None; criteria]));
        }
        let score = score
            .map(|s| {
                u32::try_from(s).map_err(|_| {
                    StoreError::Other(anyhow::anyhow!(
                        "a stored score {s} on {app} is not a score"
                    ))
                })
            })
            .transpose()?;
        if let (Some((_, given)), Ok(i)) = (out.last_mut(), usize::try_from(criterion)) {
            if let Some(slot) = given.get_mut(i) {
                *slot = score;
            }
        }
    }
    Ok(out)
}

/// `user`'s scores on `app`, if they have given any.
pub async fn own_scores(
    conn: &mut AnyConnection,
    app: ApplicationId,
    user: UserId,
    criteria: usize,
) -> Result<Option<Scores>> {
    let rows: Vec<(i64, Option<i64>)> = sqlx::query_as(
        "SELECT criterion, score FROM review_scores WHERE application_id = $1 AND user_id = $2 \
         ORDER BY criterion",
    )
    .bind(app.get())
    .bind(user.get())
    .fetch_all(conn)
    .await?;
    if rows.is_empty() {
        return Ok(None);
    }
    let mut given = vec![None; criteria];
    for (criterion, score) in rows {
        if let (Ok(i), Some(score)) = (usize::try_from(criterion), score) {
            if let (Some(slot), Ok(score)) = (given.get_mut(i), u32::try_from(score)) {
                *slot = Some(score);
            }
        }
    }
    Ok(Some(given))
}

/// Replaces `user`'s scores on `app` with `given` (one per criterion, in order).
pub async fn set_scores(
    tx: &mut Tx<'_>,
    actor: &Actor,
    app: &ProgrammeApplication,
    user: UserId,
    given: &[Option<u32>],
) -> Result<()> {
    let before = own_scores(tx, app.id, user, given.len()).await?;
    if before.as_deref() == Some(given) {
        return Ok(());
    }
    sqlx::query(
        "DELETE FROM review_scores WHERE application_id = $1 AND user_id = $2 AND criterion >= $3",
    )
    .bind(app.id.get())
    .bind(user.get())
    .bind(given.len() as i64)
    .execute(&mut **tx)
    .await?;
    let at = now_utc();
    for (criterion, score) in given.iter().enumerate() {
        sqlx::query(
            "INSERT INTO review_scores (application_id, user_id, criterion, score, scored_at) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (application_id, user_id, criterion) DO UPDATE SET score = excluded.score, \
               scored_at = excluded.scored_at",
        )
        .bind(app.id.get())
        .bind(user.get())
        .bind(criterion as i64)
        .bind(score.map(i64::from))
        .bind(&at)
        .execute(&mut **tx)
        .await?;
    }
    #[derive(Serialize)]
    struct Given<'a> {
        user_id: UserId,
        scores: &'a [Option<u32>],
    }
    let before = before.map(|scores| (user, scores));
    audit::noted(
        tx,
        actor,
        app,
        "score",
        before
            .as_ref()
            .map(|(user_id, scores)| Given {
                user_id: *user_id,
                scores,
            })
            .as_ref(),
        Some(&Given {
            user_id: user,
            scores: given,
        }),
    )
    .await?;
    Ok(())
}

/// A ticked point of the checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tick {
    /// The point's place in the definition's checklist, from 0.
    pub item: usize,
    pub ticked_by: UserId,
    pub ticked_by_name: String,
    pub ticked_at: String,
}

/// The ticked points of `app`'s checklist, in order.
pub async fn ticks(conn: &mut AnyConnection, app: ApplicationId) -> Result<Vec<Tick>> {
    let rows: Vec<(i64, i64, String, String)> = sqlx::query_as(
        "SELECT t.item, t.ticked_by, u.name, t.ticked_at FROM review_ticks t \
         JOIN users u ON u.id = t.ticked_by WHERE t.application_id = $1 ORDER BY t.item",
    )
    .bind(app.get())
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(item, by, name, at)| {
            Some(Tick {
                item: usize::try_from(item).ok()?,
                ticked_by: UserId::new(by),
                ticked_by_name: name,
                ticked_at: at,
            })
        })
        .collect())
}

/// Ticks (or, with `ticked` false, unticks) point `item` of `app`'s checklist as `user`.
/// Nothing is written when the point is already so.
pub async fn set_tick(
    tx: &mut Tx<'_>,
    actor: &Actor,
    app: &ProgrammeApplication,
    item: usize,
    user: UserId,
    ticked: bool,
) -> Result<()> {
    let position = i64::try_from(item)
        .map_err(|_| StoreError::Refused(format!("Tjeklisten har intet punkt {item}.")))?;
    let before = ticks(tx, app.id)
        .await?
        .into_iter()
        .find(|t| t.item == item);
    if before.is_some() == ticked {
        return Ok(());
    }
    // Two ticks (or two unticks) at once: the one that finds it done writes nothing.
    let written = if ticked {
        sqlx::query(
            "INSERT INTO review_ticks (application_id, item, ticked_by, ticked_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (application_id, item) DO NOTHING",
        )
        .bind(app.id.get())
        .bind(position)
        .bind(user.get())
        .bind(now_utc())
        .execute(&mut **tx)
        .await?
    } else {
        sqlx::query("DELETE FROM review_ticks WHERE application_id = $1 AND item = $2")
            .bind(app.id.get())
            .bind(position)
            .execute(&mut **tx)
            .await?
    };
    if written.rows_affected() == 0 {
        return Ok(());
    }
    let after = ticks(tx, app.id)
        .await?
        .into_iter()
        .find(|t| t.item == item);
    audit::noted(
        tx,
        actor,
        app,
        if ticked { "tick" } else { "untick" },
        before.as_ref(),
        after.as_ref(),
    )
    .await?;
    Ok(())
}
