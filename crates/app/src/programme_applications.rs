//! Applications of programmes defined as data (`pulje_domain::programme`): written on the
//! programme's own form, moved by its own workflow, paid by its own money model. The same use
//! cases serve the API, the pages and the CLI; every one checks the policy first.

use crate::policy::{self, Person};
use crate::programme_files::{self as files, Upload};
use crate::{Error, Result};
pub(crate) use pulje_domain::date::today_in_denmark as today;
use pulje_domain::programme::flow::Taker;
use pulje_domain::programme::values::{self, Stage};
use pulje_domain::programme::{Definition, Effect, FieldKind, Requirement};
use pulje_domain::{ApplicationId, FieldErrors, Ore, ProgrammeFileId, RegionCode};
use pulje_store::audit::Actor;
use pulje_store::programme_applications::{
    self as store, Given, Instalment, New, ProgrammeApplication, StepTaken,
};
use pulje_store::programme_files::ProgrammeFile;
use pulje_store::{definitions, Connection, Handle};
use serde_json::{Map, Value as Json};

/// The definition an application was made under.
pub async fn definition_of(
    conn: &mut Connection,
    app: &ProgrammeApplication,
) -> Result<Definition> {
    definitions::version(conn, &app.programme_id, app.definition_version)
        .await?
        .ok_or_else(|| {
            Error::Internal(anyhow::anyhow!(
                "application {} names definition {} v{}, which is not stored",
                app.id,
                app.programme_id,
                app.definition_version
            ))
        })
}

/// Whether `programme_id` is a programme defined as data whose applications are written here
/// (every programme but OK21, whose agreement form and workflow are the built-in ones).
pub fn is_defined(programme_id: &str) -> bool {
    programme_id != pulje_store::reference::OK21
}

/// The bodies of the application's programme that `user` sits in.
async fn bodies(
    conn: &mut Connection,
    user: &impl Person,
    programme_id: &str,
) -> Result<Vec<String>> {
    Ok(store::bodies_of(conn, programme_id, user.person().id).await?)
}

/// One application the user may see, with its definition and the user's bodies; another
/// region's, an agreement of OK21, or one hidden from the user by their declared conflict of
/// interest is [`Error::NotFound`]; a reviewer who must still declare is [`Error::Forbidden`]
/// (`programme_review`, whose `load_head` reads what such a reviewer may see).
pub async fn load(
    conn: &mut Connection,
    user: &impl Person,
    id: ApplicationId,
) -> Result<(ProgrammeApplication, Definition, Vec<String>)> {
    let (app, def, bodies, standing) = crate::programme_review::load_head(conn, user, id).await?;
    if standing.must_declare {
        return Err(Error::Forbidden(
            crate::programme_review::MUST_DECLARE.into(),
        ));
    }
    Ok((app, def, bodies))
}

/// [`load`] by the policy alone, before the review's declarations are asked.
pub(crate) async fn load_unchecked(
    conn: &mut Connection,
    user: &impl Person,
    id: ApplicationId,
) -> Result<(ProgrammeApplication, Definition, Vec<String>)> {
    let app = store::get(conn, id).await?.ok_or(Error::NotFound)?;
    let bodies = bodies(conn, user, &app.programme_id).await?;
    let def = definition_of(conn, &app).await?;
    // Whether it was ever sent is asked only of those who do not see unsent applications.
    let unsent = !policy::sees_unsent(user)
        && app.state == def.workflow.initial
        && store::steps(conn, app.id).await?.is_empty();
    if !policy::can_view_programme_application(user, &app, &bodies, unsent) {
        return Err(Error::NotFound);
    }
    Ok((app, def, bodies))
}

/// The title of a form's values: its field `title`, else its first text, else the programme's
/// name.
fn title_of(def: &Definition, fields: &Map<String, Json>) -> String {
    let text = |name: &str| fields.get(name).and_then(Json::as_str).map(str::to_string);
    text("title")
        .or_else(|| {
            def.form
                .fields()
                .filter(|f| f.kind == FieldKind::Text)
                .find_map(|f| text(&f.name))
        })
        .unwrap_or_else(|| def.name.clone())
}

/// Reads `fields` against the definition's form for a draft: the stored values, or what is
/// wrong with each field.
fn read_draft(
    def: &Definition,
    fields: &Map<String, Json>,
) -> std::result::Result<Map<String, Json>, FieldErrors> {
    values::read(&def.form, fields, Stage::Draft, &|_| None).map(|v| values::to_fields(&v))
}

/// Creates a draft of programme `programme_id` in `region_code` with the files sent for its
/// attachment fields: `Ok(Err(errors))` when the form's values or files are refused (nothing is
/// stored). Drafts are not taken once the programme's window has closed.
pub async fn create(
    db: &mut Handle,
    user: &impl Person,
    actor: &Actor,
    programme_id: &str,
    region_code: RegionCode,
    fields: &Map<String, Json>,
    uploads: &[Upload],
) -> Result<std::result::Result<ProgrammeApplication, FieldErrors>> {
    let mut tx = db.begin().await?;
    let def = definitions::latest(&mut tx, programme_id)
        .await?
        .ok_or_else(|| Error::Invalid(format!("Ukendt programme «{programme_id}».")))?;
    policy::may_apply(user, &def, region_code)?;
    if let Some(closed) = window_closed(&def, today()) {
        return Err(Error::Conflict(closed));
    }
    // The files come after the application has an id; its first save lists none.
    let mut without_files = fields.clone();
    let mut listed = Map::new();
    for f in def
        .form
        .fields()
        .filter(|f| f.kind == FieldKind::Attachment)
    {
        if let Some(v) = without_files.remove(&f.name) {
            listed.insert(f.name.clone(), v);
        }
    }
    let stored = match read_draft(&def, &without_files) {
        Ok(stored) => stored,
        Err(errors) => return Ok(Err(errors)),
    };
    let title = title_of(&def, &stored);
    let new = New {
        definition: &def,
        region_code,
        created_by: Some(user.person().id),
        title: &title,
        fields: &stored,
        today: today(),
    };
    let mut app = store::create(&mut tx, actor, &new).await?;
    if !uploads.is_empty() || !listed.is_empty() {
        let mut all = stored;
        all.extend(listed);
        if let Err(errors) = files::settle(&mut tx, actor, &def, &app, &mut all, uploads).await? {
            return Ok(Err(errors));
        }
        let stored = match read_draft(&def, &all) {
            Ok(stored) => stored,
            Err(errors) => return Ok(Err(errors)),
        };
        app = store::update(&mut tx, actor, &app, app.version, &title, &stored).await?;
    }
    tx.commit().await?;
    Ok(Ok(app))
}

/// Replaces the form's values of `id`, based on `version`, with the files sent for its
/// attachment fields; a file no field lists any more is deleted.
pub async fn update(
    db: &mut Handle,
    user: &impl Person,
    actor: &Actor,
    id: ApplicationId,
    version: i64,
    fields: &Map<String, Json>,
    uploads: &[Upload],
) -> Result<std::result::Result<ProgrammeApplication, FieldErrors>> {
    let mut tx = db.begin().await?;
    let (before, def, _) = load(&mut tx, user, id).await?;
    policy::require_edit_programme_application(user, &before, &def)?;
    if before.version != version {
        return Err(pulje_store::StoreError::Stale.into());
    }
    let mut fields = fields.clone();
    if let Err(errors) = files::settle(&mut tx, actor, &def, &before, &mut fields, uploads).await? {
        return Ok(Err(errors));
    }
    let stored = match read_draft(&def, &fields) {
        Ok(stored) => stored,
        Err(errors) => return Ok(Err(errors)),
    };
    let title = title_of(&def, &stored);
    let after = store::update(&mut tx, actor, &before, version, &title, &stored).await?;
    tx.commit().await?;
    Ok(Ok(after))
}

/// Adds one file to attachment field `upload.field` of `id`: the file kept, or what is wrong
/// with it.
pub async fn attach(
    db: &mut Handle,
    user: &impl Person,
    actor: &Actor,
    id: ApplicationId,
    upload: Upload,
) -> Result<std::result::Result<ProgrammeFile, FieldErrors>> {
    let mut tx = db.begin().await?;
    let (before, def, _) = load(&mut tx, user, id).await?;
    policy::require_edit_programme_application(user, &before, &def)?;
    let mut fields = before.fields.clone();
    let uploads = [upload];
    if let Err(errors) = files::settle(&mut tx, actor, &def, &before, &mut fields, &uploads).await?
    {
        return Ok(Err(errors));
    }
    let stored = match read_draft(&def, &fields) {
        Ok(stored) => stored,
        Err(errors) => return Ok(Err(errors)),
    };
    let title = title_of(&def, &stored);
    let after = store::update(&mut tx, actor, &before, before.version, &title, &stored).await?;
    let kept = pulje_store::programme_files::list(&mut tx, after.id)
        .await?
        .pop()
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("the file just kept is not there")))?;
    tx.commit().await?;
    Ok(Ok(kept))
}

/// Takes file `file` out of its field of `id` and deletes it.
pub async fn detach(
    db: &mut Handle,
    user: &impl Person,
    actor: &Actor,
    id: ApplicationId,
    file: ProgrammeFileId,
) -> Result<ProgrammeApplication> {
    let mut tx = db.begin().await?;
    let (before, def, _) = load(&mut tx, user, id).await?;
    policy::require_edit_programme_application(user, &before, &def)?;
    let mut fields = before.fields.clone();
    let mut found = false;
    for value in fields.values_mut() {
        if let Json::Array(items) = value {
            let n = items.len();
            items.retain(|i| i.as_i64() != Some(file.get()));
            found |= items.len() != n;
        }
    }
    if !found {
        return Err(Error::NotFound);
    }
    let refused = |errors: FieldErrors| {
        Error::Invalid(
            errors
                .iter()
                .flat_map(|(_, m)| m.to_vec())
                .collect::<Vec<_>>()
                .join(" "),
        )
    };
    if let Err(errors) = files::settle(&mut tx, actor, &def, &before, &mut fields, &[]).await? {
        return Err(refused(errors));
    }
    let stored = read_draft(&def, &fields).map_err(refused)?;
    let title = title_of(&def, &stored);
    let after = store::update(&mut tx, actor, &before, before.version, &title, &stored).await?;
    tx.commit().await?;
    Ok(after)
}

/// A file of an application the user may see, with its bytes.
pub async fn file(
    conn: &mut Connection,
    user: &impl Person,
    id: ApplicationId,
    file: ProgrammeFileId,
) -> Result<(ProgrammeFile, Vec<u8>)> {
    let (app, _, _) = load(conn, user, id).await?;
    files::read(conn, &app, file).await
}

/// Why the programme takes no new applications on `today`: its window has closed.
pub fn window_closed(def: &Definition, today: chrono::NaiveDate) -> Option<String> {
    (today > def.window.closes.date()).then(|| {
        format!(
            "{} modtog ansøgninger til og med {}; fristen er udløbet.",
            def.name,
            pulje_domain::date::format_date_da(def.window.closes.date())
        )
    })
}

/// Why an application cannot be sent in on `today`: the window has not opened or has closed.
pub fn window_shut(def: &Definition, today: chrono::NaiveDate) -> Option<String> {
    if today < def.window.opens.date() {
        return Some(format!(
            "{} modtager ansøgninger fra {}. Du kan gemme ansøgningen som kladde og sende den derefter.",
            def.name,
            pulje_domain::date::format_date_da(def.window.opens.date())
        ));
    }
    window_closed(def, today)
}

/// The longest comment or reason given with a step, and the longest meeting's name.
pub const COMMENT_MAX: usize = 10_000;
pub const MEETING_MAX: usize = 500;

/// A step as asked for: the action and what the one taking it gives with it.
#[derive(Debug, Clone, Default)]
pub struct StepInput {
    pub action: String,
    pub comment: String,
    pub reason: String,
    pub amount: Option<Ore>,
    pub meeting: String,
}

/// The Taker of `user` on `app`.
fn taker<'a>(user: &impl Person, app: &ProgrammeApplication, bodies: &'a [String]) -> Taker<'a> {
    Taker {
        is_applicant: app.is_own(user.person().id),
        role: user.person().role,
        bodies,
    }
}

/// Takes a step of the programme's workflow on `id`, in one transaction: who may take it and
/// from which state (and within which deadline) by the definition, then what it requires.
///
/// The definition's mail for the step is queued in the same transaction, its `{link}` an
/// absolute address under `public_url`.
pub async fn take_step(
    db: &mut Handle,
    user: &impl Person,
    actor: &Actor,
    id: ApplicationId,
    input: &StepInput,
    public_url: &crate::PublicUrl,
) -> Result<ProgrammeApplication> {
    let mut tx = db.begin().await?;
    let (app, def, bodies) = load(&mut tx, user, id).await?;
    let today = today();
    let step = def
        .workflow
        .check_step(
            &input.action,
            &app.state,
            taker(user, &app, &bodies),
            app.state_entered_on,
            today,
        )
        .map_err(|refusal| match refusal {
            pulje_domain::workflow::Refusal::WrongRole(m) => Error::Forbidden(m),
            pulje_domain::workflow::Refusal::WrongState(m) => Error::Conflict(m),
        })?
        .clone();
    // Sending an application in for the first time needs the programme's window open (as its
    // newest definition sets it: a deadline moved applies to drafts made before); one returned
    // for correction may be sent again after it has closed.
    if step.requires.contains(&Requirement::Complete)
        && store::steps(&mut tx, app.id).await?.is_empty()
    {
        let newest = definitions::latest(&mut tx, &app.programme_id).await?;
        if let Some(shut) = window_shut(newest.as_ref().unwrap_or(&def), today) {
            return Err(Error::Conflict(shut));
        }
    }
    let comment = if input.comment.trim().is_empty() {
        input.reason.trim()
    } else {
        input.comment.trim()
    };
    let mut missing = Vec::new();
    for need in &step.requires {
        let ok = match need {
            Requirement::Complete => {
                if let Err(errors) = values::read(&def.form, &app.fields, Stage::Submit, &|_| None)
                {
                    let names: Vec<String> = def
                        .form
                        .fields()
                        .filter(|f| errors.has(&f.name))
                        .map(|f| format!("«{}»", f.label))
                        .collect();
                    return Err(Error::Invalid(format!(
                        "Ansøgningen kan ikke sendes: udfyld {}.",
                        names.join(", ")
                    )));
                }
                true
            }
            Requirement::Comment | Requirement::Reason => !comment.is_empty(),
            Requirement::Amount => input.amount.is_some_and(|a| a.is_positive()),
            Requirement::Meeting => !input.meeting.trim().is_empty(),
            Requirement::Tier => false,
        };
        if !ok {
            missing.push(need.label_da());
        }
    }
    if !missing.is_empty() {
        return Err(Error::Invalid(format!(
            "«{}» kræver {}.",
            step.label,
            missing.join(" og ")
        )));
    }
    for (what, text, max) in [
        ("Kommentaren", comment, COMMENT_MAX),
        ("Mødets navn", input.meeting.trim(), MEETING_MAX),
    ] {
        if text.chars().count() > max {
            return Err(Error::Invalid(format!(
                "{what} må højst være {max} tegn (der er {}).",
                text.chars().count()
            )));
        }
    }
    // A signature is given as the first signing party the user is and that has not signed.
    let party = if step.effect == Some(Effect::Sign) {
        let signed = store::signatures(&mut tx, app.id).await?;
        let me = taker(user, &app, &bodies);
        let mine: Vec<_> = def.signatures.iter().filter(|p| me.is(&p.who)).collect();
        if mine.is_empty() {
            return Err(Error::Forbidden(
                "Du er ikke en af de parter, der skriver under.".into(),
            ));
        }
        let open = mine
            .iter()
            .find(|p| !signed.iter().any(|s| s.party == p.id))
            .ok_or_else(|| {
                Error::Conflict(format!(
                    "Du har allerede skrevet under som {}.",
                    mine.iter()
                        .map(|p| p.label.as_str())
                        .collect::<Vec<_>>()
                        .join(" og ")
                ))
            })?;
        Some(open.id.clone())
    } else {
        None
    };
    let given = Given {
        comment: comment.to_string(),
        amount: input
            .amount
            .filter(|_| step.requires.contains(&Requirement::Amount)),
        meeting: input.meeting.trim().to_string(),
        party,
    };
    let after = store::take(&mut tx, actor, &def, &app, &step, &given, today).await?;
    let link = public_url.link(&format!("/applications/{}", after.id.get()));
    store::queue_mail(&mut tx, &def, &after, &step, &given.comment, &link).await?;
    tx.commit().await?;
    Ok(after)
}

/// The steps `user` may take on `app` today.
pub fn open_steps<'d>(
    user: &impl Person,
    app: &ProgrammeApplication,
    def: &'d Definition,
    bodies: &[String],
) -> Vec<&'d pulje_domain::programme::Transition> {
    def.workflow.open_steps(
        &app.state,
        taker(user, app, bodies),
        app.state_entered_on,
        today(),
    )
}

/// What the application's page shows besides the form: the steps taken and the grant's
/// instalments, with whether each may be paid today.
pub struct Record {
    pub steps: Vec<StepTaken>,
    pub instalments: Vec<(Instalment, bool)>,
}

pub async fn record(
    conn: &mut Connection,
    app: &ProgrammeApplication,
    def: &Definition,
) -> Result<Record> {
    let steps = store::steps(conn, app.id).await?;
    let today = today();
    let instalments = store::instalments(conn, app.id)
        .await?
        .into_iter()
        .map(|i| {
            let due = i.paid_on.is_none() && store::falls_due(&i, def, &steps, today);
            (i, due)
        })
        .collect();
    Ok(Record { steps, instalments })
}

/// Pays an instalment of a grant: the region's administrator, once it falls due.
pub async fn pay(
    db: &mut Handle,
    user: &impl Person,
    actor: &Actor,
    id: ApplicationId,
    instalment_id: i64,
) -> Result<Instalment> {
    let mut tx = db.begin().await?;
    let (app, def, _) = load(&mut tx, user, id).await?;
    policy::require_post_payments(user, app.region_code)?;
    let paid = store::pay(&mut tx, actor, &def, &app, instalment_id, today()).await?;
    tx.commit().await?;
    Ok(paid)
}

/// Seats the user with e-mail `email` in (or, with `seat` false, takes them out of) a body of
/// the programme: the system administrator.
pub async fn seat(
    db: &mut Handle,
    user: &impl Person,
    actor: &Actor,
    programme_id: &str,
    body_id: &str,
    email: &str,
    seat: bool,
) -> Result<()> {
    policy::require_edit_programmes(user)?;
    let mut tx = db.begin().await?;
    let def = definitions::latest(&mut tx, programme_id)
        .await?
        .ok_or(Error::NotFound)?;
    let email = email.trim();
    let member = pulje_store::users::find_by_email(&mut tx, email)
        .await?
        .ok_or_else(|| {
            Error::Invalid(format!("Der er ingen bruger med e-mailadressen «{email}»."))
        })?;
    store::set_member(&mut tx, actor, &def, body_id, member.id, seat).await?;
    tx.commit().await?;
    Ok(())
}
