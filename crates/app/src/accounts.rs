//! User accounts: invitations, passwords set through a one-time link (an invitation or a reset
//! asked for on "Glemt adgangskode"), a user's own password change, and an administrator's
//! changes to a user. The web pages and the CLI both call these.
//!
//! Who may: [`By`] is the caller, a person (asked through [`crate::policy`]) or the system (the
//! CLI, which the machine's operator runs and which may do anything).

use crate::policy::{self, Person};
use crate::{Error, PublicUrl, Result};
use pulje_domain::{RegionCode, Role, UserId};
use pulje_store::account_links::{self, Link, Purpose};
use pulje_store::sessions::{AuthMethod, Stage};
use pulje_store::users::{self, Profile, User};
use pulje_store::{outbox, password, second_factor, sessions, Actor, Handle, Tx};

/// The outbox events of mails that carry a link to set a password; their text is the
/// recipient's alone and is not shown on the outbox page.
pub const INVITE_EVENT: &str = "invite";
pub const RESET_EVENT: &str = "password_reset";

/// Whether an outbox message of `event` carries a personal link.
pub fn is_link_mail(event: &str) -> bool {
    event == INVITE_EVENT || event == RESET_EVENT
}

/// The path of the page a link opens (the token in the query, which is never logged).
pub const LINK_PATH: &str = "/adgangskode";

/// Who is asking for a change to an account.
pub struct By {
    actor: Actor,
    user: Option<User>,
}

impl By {
    /// A logged-in person, checked against the policy.
    pub fn person(p: &impl Person) -> By {
        let u = p.person();
        By {
            actor: Actor::user(u.id, &u.email),
            user: Some(u.clone()),
        }
    }

    /// The system itself (the CLI): allowed everything; `label` names it in the audit log.
    pub fn system(label: &str) -> By {
        By {
            actor: Actor::system(label),
            user: None,
        }
    }

    /// May give `role` in `region`: the roles the person may grant, in a region they administer
    /// (a national role, without region, is the system administrator's alone).
    fn require_grant(&self, role: Role, region: Option<RegionCode>) -> Result<()> {
        let Some(u) = &self.user else { return Ok(()) };
        match region {
            Some(r) => policy::require_admin_of(u, r)?,
            None if u.role == Role::Admin => {}
            None => return Err(Error::NotFound),
        }
        policy::require_grant(u, role)
    }

    /// May administer `target` (another region's user is 404).
    fn require_admin_of(&self, target: &User) -> Result<()> {
        match &self.user {
            Some(u) => policy::require_admin_of_user(u, target),
            None => Ok(()),
        }
    }
}

impl Person for User {
    fn person(&self) -> &User {
        self
    }
}

/// The link to the page where the person sets their password.
pub fn link_url(base: &PublicUrl, raw: &str) -> String {
    base.link(&format!("{LINK_PATH}?token={raw}"))
}

/// An invitation made: the new user and the link (for an installation without mail, which the
/// CLI prints on request; the web never shows it).
pub struct Issued {
    pub user: User,
    pub link: String,
}

/// Queues the mail with the link for `user`.
async fn queue_link_mail(tx: &mut Tx<'_>, user: &User, purpose: Purpose, link: &str) -> Result<()> {
    let (event, subject, body) = match purpose {
        Purpose::Invite => (
            INVITE_EVENT,
            "Invitation til pulje".to_string(),
            format!(
                "Du er oprettet som bruger i pulje ({role}) med e-mailadressen {email}. \
                 Vælg din adgangskode via dette link:\n\n{link}\n\n\
                 Linket kan bruges én gang og udløber om {hours} timer. \
                 Hvis du ikke ventede denne mail, kan du se bort fra den.\n",
                role = user.role.label_da(),
                email = user.email,
                hours = account_links::INVITE_HOURS,
            ),
        ),
        Purpose::Reset => (
            RESET_EVENT,
            "Ny adgangskode til pulje".to_string(),
            format!(
                "Der er bedt om en ny adgangskode til pulje for {email}. \
                 Vælg en ny adgangskode via dette link:\n\n{link}\n\n\
                 Linket kan bruges én gang og udløber om {hours} time. Når du har valgt en ny \
                 adgangskode, bliver du logget ud alle andre steder.\n\n\
                 Har du ikke selv bedt om en ny adgangskode, kan du se bort fra mailen: \
                 din adgangskode er uændret.\n",
                email = user.email,
                hours = account_links::RESET_HOURS,
            ),
        ),
    };
    let draft = outbox::Draft {
        region_code: user.region,
        application_id: None,
        event,
        subject,
        body,
    };
    outbox::enqueue(tx, std::slice::from_ref(&user.email), &draft).await?;
    Ok(())
}

/// Creates a user without a password and queues the invitation with its link (72 hours, once).
pub async fn invite(
    db: &mut Handle,
    by: &By,
    profile: &Profile,
    base: &PublicUrl,
) -> Result<Issued> {
    by.require_grant(profile.role, profile.region)?;
    let mut tx = db.begin().await?;
    let user = users::create_invited(&mut tx, &by.actor, profile).await?;
    let raw = account_links::issue(&mut tx, &by.actor, &user, Purpose::Invite).await?;
    let link = link_url(base, &raw);
    queue_link_mail(&mut tx, &user, Purpose::Invite, &link).await?;
    tx.commit().await?;
    Ok(Issued { user, link })
}

/// Loads a user the caller administers.
async fn target(db: &mut Handle, by: &By, id: UserId) -> Result<User> {
    let mut conn = db.conn().await?;
    let user = users::get(&mut conn, id).await?.ok_or(Error::NotFound)?;
    by.require_admin_of(&user)?;
    Ok(user)
}

/// A new invitation for a user who has not set a password yet: a new link, the old one dead.
pub async fn resend_invite(
    db: &mut Handle,
    by: &By,
    id: UserId,
    base: &PublicUrl,
) -> Result<Issued> {
    let user = target(db, by, id).await?;
    let has_password = {
        let mut conn = db.conn().await?;
        users::has_password(&mut conn, id).await?
    };
    if has_password {
        return Err(Error::Conflict(
            "Brugeren har allerede valgt en adgangskode; en ny kan fås via «Glemt adgangskode»."
                .into(),
        ));
    }
    if user.disabled {
        return Err(Error::Conflict("Brugeren er deaktiveret.".into()));
    }
    let mut tx = db.begin().await?;
    let raw = account_links::issue(&mut tx, &by.actor, &user, Purpose::Invite).await?;
    let link = link_url(base, &raw);
    queue_link_mail(&mut tx, &user, Purpose::Invite, &link).await?;
    tx.commit().await?;
    Ok(Issued { user, link })
}

/// Withdraws a user's live links (an invitation sent by mistake). False when there was none.
pub async fn revoke_links(db: &mut Handle, by: &By, id: UserId) -> Result<bool> {
    let user = target(db, by, id).await?;
    let mut tx = db.begin().await?;
    let revoked = account_links::revoke(&mut tx, &by.actor, &user).await?;
    tx.commit().await?;
    Ok(revoked)
}

/// A reset link is mailed at most once in this many minutes per user, however often it is asked
/// for (the answer does not change).
pub const RESET_MAIL_EVERY_MINUTES: i64 = 5;

/// "Glemt adgangskode": queues a reset link when `email` is an enabled user's (unless one was
/// sent in the last [`RESET_MAIL_EVERY_MINUTES`]), and does nothing otherwise; the caller
/// answers the same either way.
pub async fn request_reset(db: &mut Handle, email: &str, base: &PublicUrl) -> Result<()> {
    let email = email.trim();
    if email.is_empty() || email.chars().count() > 254 {
        return Ok(());
    }
    let found = {
        let mut conn = db.conn().await?;
        match users::find_by_email(&mut conn, email).await? {
            Some(u)
                if !u.disabled
                    && !account_links::reset_issued_within(
                        &mut conn,
                        u.id,
                        RESET_MAIL_EVERY_MINUTES,
                    )
                    .await? =>
            {
                Some(u)
            }
            _ => None,
        }
    };
    let Some(user) = found else {
        return Ok(());
    };
    let mut tx = db.begin().await?;
    let actor = Actor::system("glemt-adgangskode");
    let raw = account_links::issue(&mut tx, &actor, &user, Purpose::Reset).await?;
    queue_link_mail(&mut tx, &user, Purpose::Reset, &link_url(base, &raw)).await?;
    tx.commit().await?;
    Ok(())
}

/// A reset link for a user, made by an administrator or the CLI, and mailed.
pub async fn issue_reset(db: &mut Handle, by: &By, id: UserId, base: &PublicUrl) -> Result<Issued> {
    let user = target(db, by, id).await?;
    if user.disabled {
        return Err(Error::Conflict("Brugeren er deaktiveret.".into()));
    }
    let mut tx = db.begin().await?;
    let raw = account_links::issue(&mut tx, &by.actor, &user, Purpose::Reset).await?;
    let link = link_url(base, &raw);
    queue_link_mail(&mut tx, &user, Purpose::Reset, &link).await?;
    tx.commit().await?;
    Ok(Issued { user, link })
}

/// The live link `raw` and its user, for the page that sets the password.
pub async fn live_link(db: &mut Handle, raw: &str) -> Result<Option<(Link, User)>> {
    if raw.is_empty() || raw.len() > 100 {
        return Ok(None);
    }
    let mut conn = db.conn().await?;
    Ok(account_links::live(&mut conn, raw).await?)
}

/// Sets the password through the link `raw` and logs the user in: the link is spent, the user's
/// other sessions end. Returns the user, the new session's token and its stage: a user with a
/// second factor (or whose role requires one) is only half logged in, as after a password — a
/// link from the mailbox does not stand in for the second factor.
pub async fn set_by_link(
    db: &mut Handle,
    raw: &str,
    new_password: &str,
) -> Result<(User, String, Stage)> {
    if raw.is_empty() || raw.len() > 100 {
        return Err(Error::Invalid(account_links::DEAD_LINK.into()));
    }
    let mut tx = db.begin().await?;
    let user = account_links::redeem(&mut tx, raw, new_password).await?;
    let stage = second_factor::stage_after_password(&mut tx, &user).await?;
    let (token, _) = sessions::log_in_at(&mut tx, &user, &AuthMethod::Password, stage).await?;
    tx.commit().await?;
    Ok((user, token, stage))
}

/// Why a password change was refused: the field and the message.
#[derive(Debug)]
pub struct Refusal {
    pub field: &'static str,
    pub message: String,
}

/// A user changes their own password: the current one is required; the user's other sessions
/// end (`keep` is the current session's token hash).
pub async fn change_password(
    db: &mut Handle,
    me: &User,
    keep: Option<&str>,
    current: &str,
    new_password: &str,
) -> Result<std::result::Result<(), Refusal>> {
    if current.is_empty() || current.chars().count() > password::MAX_LENGTH * 4 {
        return Ok(Err(Refusal {
            field: "current_password",
            message: "Skriv din nuværende adgangskode.".into(),
        }));
    }
    let stored = {
        let mut conn = db.conn().await?;
        users::credentials(&mut conn, &me.email).await?
    };
    let Some((_, hash)) = stored else {
        return Err(Error::NotFound);
    };
    let typed = current.to_string();
    let right = tokio::task::spawn_blocking(move || password::verify(&typed, &hash))
        .await
        .map_err(|e| Error::Internal(e.into()))?;
    if !right {
        return Ok(Err(Refusal {
            field: "current_password",
            message: "Den nuværende adgangskode er forkert.".into(),
        }));
    }
    if let Err(message) = password::check_new(new_password) {
        return Ok(Err(Refusal {
            field: "new_password",
            message,
        }));
    }
    let mut tx = db.begin().await?;
    let actor = Actor::user(me.id, &me.email);
    users::set_password(&mut tx, &actor, me.id, new_password, keep).await?;
    tx.commit().await?;
    Ok(Ok(()))
}

/// Sets a user's password directly (the CLI, reading it from standard input); ends all of the
/// user's sessions.
pub async fn set_password(
    db: &mut Handle,
    by: &By,
    id: UserId,
    new_password: &str,
) -> Result<User> {
    let user = target(db, by, id).await?;
    password::check_new(new_password).map_err(Error::Invalid)?;
    let mut tx = db.begin().await?;
    users::set_password(&mut tx, &by.actor, id, new_password, None).await?;
    tx.commit().await?;
    Ok(user)
}

/// An administrator changes a user's name, e-mail, role and region (audited with before and
/// after). A region's administrator only within the region and only to roles they may give;
/// nobody changes their own role or region (so the last administrator cannot lock themselves out).
pub async fn edit(db: &mut Handle, by: &By, id: UserId, profile: &Profile) -> Result<User> {
    let before = target(db, by, id).await?;
    by.require_grant(profile.role, profile.region)?;
    if let Some(me) = &by.user {
        if me.id == id && (me.role != profile.role || me.region != profile.region) {
            return Err(Error::Invalid(
                "Du kan ikke ændre din egen rolle eller region.".into(),
            ));
        }
    }
    let mut tx = db.begin().await?;
    let after = users::update(&mut tx, &by.actor, before.id, profile).await?;
    tx.commit().await?;
    Ok(after)
}

/// Disables or re-enables a user; disabling ends the user's sessions and API tokens at once.
pub async fn set_disabled(db: &mut Handle, by: &By, id: UserId, disabled: bool) -> Result<User> {
    let user = target(db, by, id).await?;
    if let Some(me) = &by.user {
        if disabled && me.id == user.id {
            return Err(Error::Invalid(
                "Du kan ikke deaktivere din egen bruger.".into(),
            ));
        }
    }
    let mut tx = db.begin().await?;
    let after = users::set_disabled(&mut tx, &by.actor, id, disabled).await?;
    tx.commit().await?;
    Ok(after)
}
