//! Signing an agreement: who is bound to sign for each party, what is signed (a summary of the
//! agreement, its version and fingerprint), binding a party as the region's administrator, and
//! checking a signed agreement by its code or its PDF.

use crate::policy::Person;
use crate::{Error, Result};
use pulje_domain::workflow::Party;
use pulje_domain::{ApplicationId, Role, UserId};
use pulje_store::applications::Application;
use pulje_store::signing::{self, Binding};
use pulje_store::{Connection, Handle};
use serde::{Deserialize, Serialize};

/// One line of what is signed.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SummaryLine {
    pub label: String,
    pub value: String,
}

/// What a signer is shown before signing, and who signs for each party.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Signing {
    /// The agreement's version: 1, and one more for each approved amendment.
    pub agreement_version: i64,
    /// SHA-256 (hexadecimal) of the agreement's content in canonical form; a signature signs
    /// it, and a change of the agreement clears the signatures of the earlier content.
    pub fingerprint: String,
    /// The agreement's terms in short.
    pub summary: Vec<SummaryLine>,
    /// The four parties. The eligible accounts and the proposals are given only to the
    /// region's administrator, who binds the parties.
    pub parties: Vec<Binding>,
}

/// The agreement's terms in short, as a signer is shown them.
pub fn summary(app: &Application) -> Vec<SummaryLine> {
    let d = &app.data;
    let line = |label: &str, value: String| SummaryLine {
        label: label.into(),
        value: if value.trim().is_empty() {
            "–".into()
        } else {
            value
        },
    };
    let date = |x: Option<chrono::NaiveDate>| {
        x.map(pulje_domain::date::format_date_da)
            .unwrap_or_default()
    };
    vec![
        line("Forsøg", d.title().to_string()),
        line("Hospital/afdeling", d.hospital_department().to_string()),
        line("Ansvarlig leder (A3)", d.responsible_leader().to_string()),
        line(
            "Ansvarlig afdelingslæge (A4)",
            d.responsible_doctor().to_string(),
        ),
        line(
            "Periode",
            format!("{} – {}", date(d.start_date()), date(d.end_date())),
        ),
        line(
            "Bevilget beløb (tillæg pr. år)",
            app.granted_ore
                .map(|o| o.to_kr_string())
                .unwrap_or_default(),
        ),
        line(
            "Ansøgt beløb (tillæg pr. år)",
            d.supplement_ore()
                .map(|o| o.to_kr_string())
                .unwrap_or_default(),
        ),
        line(
            "Modtagere af tillæg",
            pulje_store::money::receivers(app).to_string(),
        ),
    ]
}

/// Whether `user` binds the parties of `app`: the region's administrator.
pub fn may_bind(user: &impl Person, app: &Application) -> bool {
    let me = user.person();
    me.role == Role::RegionAdmin && me.region == Some(app.region_code)
}

/// What is signed and who signs, for an agreement `user` may see ([`crate::applications::load`]).
pub async fn of(conn: &mut Connection, user: &impl Person, app: &Application) -> Result<Signing> {
    let mut parties = signing::bindings(conn, app).await?;
    if !may_bind(user, app) {
        for p in &mut parties {
            p.eligible.clear();
            p.proposed_user_id = None;
        }
    }
    Ok(Signing {
        agreement_version: signing::agreement_version(conn, app.id).await?,
        fingerprint: signing::fingerprint(app),
        summary: summary(app),
        parties,
    })
}

/// The party `user` is bound to sign for on `app` and has not signed yet.
pub fn signable(user: &impl Person, parties: &[Binding]) -> Option<Party> {
    let me = user.person();
    parties
        .iter()
        .find(|b| b.user_id == Some(me.id) && b.signed_at.is_empty())
        .and_then(Binding::party)
        .filter(|p| Party::for_role(me.role) == Some(*p))
}

/// A party's binding as sent.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BindBody {
    /// The account that is to sign for the party: an active user of the party's role in the
    /// agreement's region.
    pub user_id: i64,
}

/// The party named `party` (`leader`, `doctor`, `union`, `region`).
pub fn party(text: &str) -> Result<Party> {
    Party::parse(text.trim()).ok_or_else(|| {
        Error::Invalid(format!(
            "Ukendt part «{}». Brug leader, doctor, union eller region.",
            text.chars().take(40).collect::<String>()
        ))
    })
}

/// Binds `party` of agreement `id` to account `user_id`, as `user` (the region's
/// administrator), in one transaction.
pub async fn bind(
    db: &mut Handle,
    user: &impl Person,
    id: ApplicationId,
    party: Party,
    user_id: i64,
) -> Result<()> {
    let mut tx = db.begin().await?;
    if pulje_store::programme_applications::is_one(&mut tx, id).await? {
        return Err(Error::NotFound);
    }
    let app = crate::applications::load(&mut tx, user, id).await?;
    signing::bind(&mut tx, user.person(), &app, party, UserId::new(user_id)).await?;
    tx.commit().await?;
    Ok(())
}
