//! Signatures that hold up: who signs an agreement for each of its four parties (a binding to
//! one account, proposed from the application's people and confirmed by the region's
//! administrator), what is signed (the agreement's fingerprint and version), what a change of
//! the agreement does to the signatures already given, and the sealed agreement (its
//! verification code and the signed PDF as issued) that `/verify` checks.

use crate::applications::Application;
use crate::audit::{self, Actor};
use crate::outbox::{self, Draft};
use crate::users::{self, User};
use crate::{now_utc, Result, StoreError, Tx};
use pulje_domain::workflow::Party;
use pulje_domain::{ApplicationId, ApplicationStatus, Role, UserId};
use rand::Rng;
use serde::Serialize;
use sqlx::AnyConnection;

/// How a signer proved who they are when signing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authentication {
    /// A session opened with the user's password.
    Password,
    /// A session opened with the user's password and a second factor (TOTP or a recovery code).
    PasswordSecondFactor,
    /// A personal API token.
    ApiToken,
    /// A session opened by single sign-on, with the provider's `amr` claim (the methods it
    /// used, space-separated) when it sent one.
    Sso { amr: Option<String> },
}

impl Authentication {
    /// As stored with the signature: `password`, `password_totp`, `api_token`, `sso`, or
    /// `sso:<amr>`.
    pub fn stored(&self) -> String {
        match self {
            Authentication::Password => "password".into(),
            Authentication::PasswordSecondFactor => "password_totp".into(),
            Authentication::ApiToken => "api_token".into(),
            Authentication::Sso { amr: None } => "sso".into(),
            Authentication::Sso { amr: Some(amr) } => format!("sso:{amr}"),
        }
    }

    /// The stored text's Danish wording; unknown (older signatures) as «ikke registreret».
    pub fn label_da(stored: &str) -> String {
        if let Some(amr) = stored.strip_prefix("sso:") {
            return format!("Fælles login (SSO), metoder: {amr}");
        }
        match stored {
            "password" => "Adgangskode",
            "password_totp" => "Adgangskode og engangskode (totrinsbekræftelse)",
            "api_token" => "Personlig API-nøgle",
            "sso" => "Fælles login (SSO)",
            _ => "Ikke registreret",
        }
        .into()
    }
}

/// The role a party's signer has.
pub fn role_of(party: Party) -> Role {
    match party {
        Party::Leader => Role::Leader,
        Party::Doctor => Role::Applicant,
        Party::Union => Role::UnionRep,
        Party::Region => Role::RegionAdmin,
    }
}

/// An account that may be bound to a party.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Candidate {
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub user_id: UserId,
    pub name: String,
    pub email: String,
}

/// A party of an agreement and who signs for it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Binding {
    /// `leader`, `doctor`, `union` or `region`.
    pub party: String,
    /// The party in Danish («Ledende overlæge», …).
    pub label: String,
    /// The account bound (confirmed by the region's administrator); only it may sign.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub user_id: Option<UserId>,
    pub user_name: String,
    /// Who confirmed the binding, and when.
    pub bound_by: String,
    pub bound_at: String,
    /// The account proposed from the application's people (the names in A3/A4 and D, the
    /// application's afdelingslæge), or the only eligible account of the region.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub proposed_user_id: Option<UserId>,
    /// The region's active accounts of the party's role.
    pub eligible: Vec<Candidate>,
    /// When the party signed the current version; empty while it has not.
    pub signed_at: String,
}

impl Binding {
    pub fn party(&self) -> Option<Party> {
        Party::parse(&self.party)
    }
}

/// The region's active accounts that may sign for `party` of `app`.
pub async fn eligible(
    conn: &mut AnyConnection,
    app: &Application,
    party: Party,
) -> Result<Vec<User>> {
    let role = role_of(party);
    Ok(users::list(conn, Some(app.region_code))
        .await?
        .into_iter()
        .filter(|u| u.role == role && !u.disabled && u.region == Some(app.region_code))
        .collect())
}

/// The names the application gives for `party` (section D first, then A3/A4).
fn named(app: &Application, party: Party) -> Vec<String> {
    let d = &app.data;
    let names = match party {
        Party::Leader => vec![d.party_leader(), d.responsible_leader()],
        Party::Doctor => vec![d.party_doctor(), d.responsible_doctor()],
        Party::Union => vec![d.party_union()],
        Party::Region => vec![d.party_region()],
    };
    names
        .into_iter()
        .map(|n| n.trim().to_lowercase())
        .filter(|n| !n.is_empty())
        .collect()
}

/// The account proposed for `party`: the application's own afdelingslæge for the doctor; else
/// the eligible account whose name or e-mail the application gives; else the only eligible one.
fn proposal(app: &Application, party: Party, eligible: &[User]) -> Option<UserId> {
    if party == Party::Doctor {
        if let Some(doctor) = app
            .doctor_user_id
            .filter(|id| eligible.iter().any(|u| u.id == *id))
        {
            return Some(doctor);
        }
    }
    let names = named(app, party);
    let matching: Vec<&User> = eligible
        .iter()
        .filter(|u| {
            names.iter().any(|n| {
                *n == u.name.trim().to_lowercase()
                    || *n == u.email.trim().to_lowercase()
                    || n.ends_with(&format!(" {}", u.name.trim().to_lowercase()))
            })
        })
        .collect();
    match (matching.as_slice(), eligible) {
        ([one], _) => Some(one.id),
        ([], [only]) => Some(only.id),
        _ => None,
    }
}

/// The bound account of each party of `app` (`None` where none is bound yet).
pub async fn bound(
    conn: &mut AnyConnection,
    id: ApplicationId,
) -> Result<Vec<(Party, UserId, String, String)>> {
    let rows: Vec<(String, i64, String, String)> = sqlx::query_as(
        "SELECT b.party, b.user_id, COALESCE(u.name, ''), b.bound_at FROM signing_parties b \
         LEFT JOIN users u ON u.id = b.bound_by WHERE b.application_id = $1",
    )
    .bind(id.get())
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(p, u, by, at)| Party::parse(&p).map(|p| (p, UserId::new(u), by, at)))
        .collect())
}

/// The account bound to `party` of application `id`.
pub async fn bound_to(
    conn: &mut AnyConnection,
    id: ApplicationId,
    party: Party,
) -> Result<Option<UserId>> {
    Ok(bound(conn, id)
        .await?
        .into_iter()
        .find(|(p, ..)| *p == party)
        .map(|(_, u, ..)| u))
}

/// The four parties of `app`: who is bound, who is proposed, who could be, and who has signed.
pub async fn bindings(conn: &mut AnyConnection, app: &Application) -> Result<Vec<Binding>> {
    let bound = bound(conn, app.id).await?;
    let signed = signatures(conn, app.id).await?;
    let mut out = Vec::new();
    for party in Party::ALL {
        let eligible = eligible(conn, app, party).await?;
        let this = bound.iter().find(|(p, ..)| *p == party);
        let user_name = match this {
            Some((_, id, ..)) => users::get(conn, *id)
                .await?
                .map(|u| u.name)
                .unwrap_or_default(),
            None => String::new(),
        };
        out.push(Binding {
            party: party.as_str().into(),
            label: party.label_da().into(),
            user_id: this.map(|(_, u, ..)| *u),
            user_name,
            bound_by: this.map(|(_, _, by, _)| by.clone()).unwrap_or_default(),
            bound_at: this.map(|(.., at)| at.clone()).unwrap_or_default(),
            proposed_user_id: proposal(app, party, &eligible),
            eligible: eligible
                .into_iter()
                .map(|u| Candidate {
                    user_id: u.id,
                    name: u.name,
                    email: u.email,
                })
                .collect(),
            signed_at: signed
                .iter()
                .find(|s| s.party == party.as_str())
                .map(|s| s.signed_at.clone())
                .unwrap_or_default(),
        });
    }
    Ok(out)
}

/// What the audit log keeps of a binding.
#[derive(Serialize)]
struct BindingEntry<'a> {
    party: &'a str,
    user_id: Option<i64>,
}

/// Binds `party` of `app` to account `user_id`, as the region's administrator `admin`. Only
/// while the agreement awaits signatures, and only to an active account of the party's role in
/// the region. A change of a party that has signed clears its signature; the new signer is asked
/// to sign. Audited with the binding before and after.
pub async fn bind(
    tx: &mut Tx<'_>,
    admin: &User,
    app: &Application,
    party: Party,
    user_id: UserId,
) -> Result<()> {
    if admin.role != Role::RegionAdmin || admin.region != Some(app.region_code) {
        return Err(StoreError::Forbidden(
            "Kun regionens administrator kan udpege, hvem der underskriver aftalen.".into(),
        ));
    }
    if app.status != ApplicationStatus::AwaitingSignatures {
        return Err(StoreError::Conflict(format!(
            "Parterne kan kun udpeges, mens aftalen venter på underskrifter; den har status «{}».",
            app.status.label_da()
        )));
    }
    let eligible = eligible(tx, app, party).await?;
    let Some(user) = eligible.iter().find(|u| u.id == user_id) else {
        return Err(StoreError::Refused(format!(
            "Den valgte bruger kan ikke underskrive som «{}»: vælg en aktiv bruger med rollen «{}» i regionen.",
            party.label_da(),
            role_of(party).label_da()
        )));
    };
    let before = bound_to(tx, app.id, party).await?;
    if before == Some(user_id) {
        return Ok(());
    }
    sqlx::query("DELETE FROM signing_parties WHERE application_id = $1 AND party = $2")
        .bind(app.id.get())
        .bind(party.as_str())
        .execute(&mut **tx)
        .await?;
    sqlx::query("INSERT INTO signing_parties (application_id, party, user_id, bound_by, bound_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(app.id.get())
        .bind(party.as_str())
        .bind(user_id.get())
        .bind(admin.id.get())
        .bind(now_utc())
        .execute(&mut **tx)
        .await?;
    let actor = Actor::user(admin.id, &admin.email);
    if before.is_some() {
        let cleared =
            sqlx::query("DELETE FROM signatures WHERE application_id = $1 AND party = $2")
                .bind(app.id.get())
                .bind(party.as_str())
                .execute(&mut **tx)
                .await?
                .rows_affected();
        if cleared > 0 {
            audit::noted(
                tx,
                &actor,
                app,
                "signature_cleared",
                Some(&BindingEntry {
                    party: party.as_str(),
                    user_id: before.map(UserId::get),
                }),
                None,
            )
            .await?;
        }
    }
    audit::noted(
        tx,
        &actor,
        app,
        "bind_party",
        Some(&BindingEntry {
            party: party.as_str(),
            user_id: before.map(UserId::get),
        }),
        Some(&BindingEntry {
            party: party.as_str(),
            user_id: Some(user_id.get()),
        }),
    )
    .await?;
    ask_to_sign(tx, app, party, std::slice::from_ref(&user.email)).await
}

/// Asks `recipients` to sign `app` as `party` (the event `signature_needed`), each once per
/// application while it waits: someone already asked is not asked again.
pub async fn ask_to_sign(
    tx: &mut Tx<'_>,
    app: &Application,
    party: Party,
    recipients: &[String],
) -> Result<()> {
    let mut to = Vec::new();
    for r in recipients {
        let asked: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM outbox WHERE application_id = $1 AND event = 'signature_needed' AND recipient = $2",
        )
        .bind(app.id.get())
        .bind(r)
        .fetch_one(&mut **tx)
        .await?;
        if asked == 0 {
            to.push(r.clone());
        }
    }
    let notice = outbox::Notice {
        region_code: app.region_code,
        programme_id: &app.programme_id,
        application_id: app.id,
        event: &pulje_domain::mail::SIGNATURE_NEEDED,
        values: pulje_domain::mail::Values::new()
            .with("titel", app.data.title())
            .with("link", format!("/applications/{}", app.id))
            .with("rolle", party.label_da()),
    };
    outbox::notify(tx, &to, &notice).await
}

/// A signature as stored, with what was signed.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Signed {
    pub party: String,
    pub user_id: Option<i64>,
    pub signer_name: String,
    /// UTC, RFC 3339.
    pub signed_at: String,
    pub agreement_version: i64,
    /// The SHA-256 of the agreement's content as signed (empty for signatures from before
    /// fingerprints were kept).
    pub fingerprint: String,
    /// `password`, `api_token` or `sso` (empty for older signatures).
    pub authenticated_by: String,
}

/// The signatures of application `id`, in the parties' order.
pub async fn signatures(conn: &mut AnyConnection, id: ApplicationId) -> Result<Vec<Signed>> {
    let mut rows = sqlx::query_as::<_, Signed>(
        "SELECT party, user_id, signer_name, signed_at, agreement_version, fingerprint, authenticated_by \
         FROM signatures WHERE application_id = $1",
    )
    .bind(id.get())
    .fetch_all(conn)
    .await?;
    rows.sort_by_key(|s| {
        Party::ALL
            .iter()
            .position(|p| p.as_str() == s.party)
            .unwrap_or(Party::ALL.len())
    });
    Ok(rows)
}

/// The agreement's version: 1, and one more for each amendment the steering group approved.
pub async fn agreement_version(conn: &mut AnyConnection, id: ApplicationId) -> Result<i64> {
    let approved: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM application_versions WHERE application_id = $1 AND resolution = 'approved'",
    )
    .bind(id.get())
    .fetch_one(conn)
    .await?;
    Ok(approved + 1)
}

/// The agreement's content as signed, in a canonical form: the form's fields, the grant and the
/// place, as JSON with its keys sorted and no spaces. Status, version counters and times are
/// left out: they change when someone signs, not when the agreement does.
pub fn canonical(app: &Application) -> String {
    let form = serde_json::to_value(&app.data).unwrap_or_default();
    // The reason keeps its first key name, and the exceptions are added only when there are
    // some, so that the fingerprints of agreements signed before they existed stay the same.
    let mut content = serde_json::json!({
        "application": app.id.get(),
        "programme": app.programme_id,
        "region": app.region_code.get(),
        "hospital": app.hospital_name,
        "granted_ore": app.granted_ore.map(|o| o.ore()),
        "overcommit_reason": app.exception_reason,
        "form": form,
    });
    if !app.exceptions.is_empty() {
        content["exceptions"] = serde_json::json!(app.exceptions);
    }
    let mut out = String::new();
    write_sorted(&content, &mut out);
    out
}

fn write_sorted(v: &serde_json::Value, out: &mut String) {
    match v {
        serde_json::Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::Value::String(k.clone()).to_string());
                out.push(':');
                write_sorted(&map[k], out);
            }
            out.push('}');
        }
        serde_json::Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_sorted(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// The SHA-256 of [`canonical`], in hexadecimal: what a signature signs.
pub fn fingerprint(app: &Application) -> String {
    crate::attachments::sha256_hex(canonical(app).as_bytes())
}

/// A fingerprint grouped for reading aloud: eight groups of eight characters.
pub fn fingerprint_shown(fingerprint: &str) -> String {
    fingerprint
        .as_bytes()
        .chunks(8)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Clears the signatures given to an earlier content of `app` (their fingerprint is not the
/// agreement's now), audits it and tells each signer that the agreement must be signed again.
/// Returns how many were cleared. Called when an amendment is approved, and before every
/// signature (so a change made any other way clears them too).
pub async fn clear_outdated(tx: &mut Tx<'_>, actor: &Actor, app: &Application) -> Result<usize> {
    let now = fingerprint(app);
    let outdated: Vec<Signed> = signatures(tx, app.id)
        .await?
        .into_iter()
        // Signatures from before fingerprints were kept cannot be compared; they stand.
        .filter(|s| !s.fingerprint.is_empty() && s.fingerprint != now)
        .collect();
    if outdated.is_empty() {
        return Ok(0);
    }
    sqlx::query(
        "DELETE FROM signatures WHERE application_id = $1 AND fingerprint <> '' AND fingerprint <> $2",
    )
        .bind(app.id.get())
        .bind(&now)
        .execute(&mut **tx)
        .await?;
    audit::noted(tx, actor, app, "signatures_cleared", Some(&outdated), None).await?;
    let mut to = Vec::new();
    for s in &outdated {
        to.extend(outbox::address_of(tx, s.user_id.map(UserId::new)).await?);
    }
    let title = app.data.title();
    outbox::enqueue(
        tx,
        &to,
        &Draft {
            region_code: Some(app.region_code),
            application_id: Some(app.id),
            event: "signatures_cleared",
            subject: format!("Aftalen er ændret – din underskrift gælder ikke længere: {title}"),
            body: format!(
                "Aftalen «{title}» er ændret, efter at du underskrev den. Underskrifterne på den tidligere udgave er annulleret, og aftalen skal underskrives igen, når den nye udgave er klar.\n\n/applications/{}",
                app.id
            ),
        },
    )
    .await?;
    Ok(outdated.len())
}

/// A code printed on a signed agreement, for `/verify`: twelve characters from an alphabet
/// without look-alikes, in groups of four.
fn new_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    let chars: Vec<char> = (0..12)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// A typed code as stored: upper case, groups of four joined by hyphens, other characters
/// dropped.
pub fn normalise_code(typed: &str) -> String {
    let chars: Vec<char> = typed
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .take(64)
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// The agreement signed by all four parties: its code, what was signed and the PDF as issued.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Sealed {
    pub code: String,
    pub application_id: i64,
    pub agreement_version: i64,
    pub fingerprint: String,
    /// The last signature's time (UTC, RFC 3339): the agreement's date.
    pub signed_at: String,
    pub pdf_sha256: String,
}

/// Seals `app` after its last signature: a new verification code for the fingerprint signed.
pub(crate) async fn seal(tx: &mut Tx<'_>, app: &Application, fingerprint: &str) -> Result<()> {
    let version = agreement_version(tx, app.id).await?;
    sqlx::query("INSERT INTO signed_agreements (code, application_id, agreement_version, fingerprint, signed_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(new_code())
        .bind(app.id.get())
        .bind(version)
        .bind(fingerprint)
        .bind(now_utc())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

const SEALED: &str =
    "SELECT code, application_id, agreement_version, fingerprint, signed_at, pdf_sha256 FROM signed_agreements";

/// The latest seal of application `id`, if all parties have signed it.
pub async fn sealed(conn: &mut AnyConnection, id: ApplicationId) -> Result<Option<Sealed>> {
    Ok(sqlx::query_as::<_, Sealed>(&format!(
        "{SEALED} WHERE application_id = $1 ORDER BY signed_at DESC, agreement_version DESC LIMIT 1"
    ))
    .bind(id.get())
    .fetch_optional(conn)
    .await?)
}

/// The PDF issued for the seal `code`, if it has been issued.
pub async fn issued_pdf(conn: &mut AnyConnection, code: &str) -> Result<Option<Vec<u8>>> {
    Ok(sqlx::query_scalar::<_, Option<Vec<u8>>>(
        "SELECT pdf FROM signed_agreements WHERE code = $1",
    )
    .bind(code)
    .fetch_optional(conn)
    .await?
    .flatten())
}

/// Keeps `pdf` as the signed agreement issued for seal `code`, unless one was kept first (then
/// that one stands). Returns the PDF kept.
pub async fn issue_pdf(tx: &mut Tx<'_>, code: &str, pdf: Vec<u8>) -> Result<Vec<u8>> {
    let hash = crate::attachments::sha256_hex(&pdf);
    sqlx::query(
        "UPDATE signed_agreements SET pdf = $1, pdf_sha256 = $2 WHERE code = $3 AND pdf_sha256 = ''",
    )
    .bind(pdf)
    .bind(hash)
    .bind(code)
    .execute(&mut **tx)
    .await?;
    issued_pdf(tx, code).await?.ok_or(StoreError::NotFound)
}

/// What `/verify` may say about a signed agreement: nothing personal.
#[derive(Debug, Clone, Serialize)]
pub struct Verified {
    pub application_id: i64,
    pub agreement_version: i64,
    pub title: String,
    pub region: String,
    /// UTC, RFC 3339.
    pub signed_at: String,
    /// A later version of the agreement has been signed since: this one no longer applies.
    pub superseded: bool,
}

async fn verified(conn: &mut AnyConnection, seal: Sealed) -> Result<Verified> {
    let latest = sealed(conn, ApplicationId::new(seal.application_id)).await?;
    let app = crate::applications::get(conn, ApplicationId::new(seal.application_id))
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok(Verified {
        application_id: seal.application_id,
        agreement_version: seal.agreement_version,
        title: app.data.title().to_string(),
        region: app.region_code.name().to_string(),
        signed_at: seal.signed_at,
        superseded: latest.is_some_and(|l| l.code != seal.code),
    })
}

/// The signed agreement whose verification code is `typed`.
pub async fn verify_code(conn: &mut AnyConnection, typed: &str) -> Result<Option<Verified>> {
    let code = normalise_code(typed);
    let seal = sqlx::query_as::<_, Sealed>(&format!("{SEALED} WHERE code = $1"))
        .bind(code)
        .fetch_optional(&mut *conn)
        .await?;
    match seal {
        Some(s) => Ok(Some(verified(conn, s).await?)),
        None => Ok(None),
    }
}

/// The signed agreement whose issued PDF is byte for byte `pdf`.
pub async fn verify_pdf(conn: &mut AnyConnection, pdf: &[u8]) -> Result<Option<Verified>> {
    let hash = crate::attachments::sha256_hex(pdf);
    let seal = sqlx::query_as::<_, Sealed>(&format!("{SEALED} WHERE pdf_sha256 = $1"))
        .bind(hash)
        .fetch_optional(&mut *conn)
        .await?;
    match seal {
        Some(s) => Ok(Some(verified(conn, s).await?)),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn how_a_signer_authenticated_is_stored_and_read_back_in_danish() {
        let cases = [
            (Authentication::Password, "password", "Adgangskode"),
            (
                Authentication::PasswordSecondFactor,
                "password_totp",
                "Adgangskode og engangskode (totrinsbekræftelse)",
            ),
            (Authentication::ApiToken, "api_token", "Personlig API-nøgle"),
            (
                Authentication::Sso { amr: None },
                "sso",
                "Fælles login (SSO)",
            ),
            (
                Authentication::Sso {
                    amr: Some("pwd mfa".into()),
                },
                "sso:pwd mfa",
                "Fælles login (SSO), metoder: pwd mfa",
            ),
        ];
        for (how, stored, label) in cases {
            assert_eq!(how.stored(), stored);
            assert_eq!(Authentication::label_da(stored), label);
        }
        assert_eq!(Authentication::label_da(""), "Ikke registreret");
    }

    #[test]
    fn codes_are_normalised_as_typed() {
        assert_eq!(normalise_code(" abcd efgh-jk2m "), "ABCD-EFGH-JK2M");
        let code = new_code();
        assert_eq!(code.len(), 14);
        assert_eq!(normalise_code(&code.to_lowercase()), code);
    }

    #[test]
    fn canonical_json_sorts_keys() {
        let mut out = String::new();
        write_sorted(
            &serde_json::json!({"b": [1, {"d": 1, "c": "x"}], "a": null}),
            &mut out,
        );
        assert_eq!(out, r#"{"a":null,"b":[1,{"c":"x","d":1}]}"#);
    }
}
