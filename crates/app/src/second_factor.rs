//! The second factor: TOTP codes (RFC 6238: HMAC-SHA-1, 6 digits, 30-second steps, one step
//! either side accepted), the secret shown as an `otpauth://` QR code and as text while it is set
//! up, and single-use recovery codes. What is kept between requests is `pulje_store::second_factor`.

use crate::{Error, Result};
use pulje_store::password::token_hash;
use pulje_store::second_factor::{self, RECOVERY_CODES};
use pulje_store::users::User;
use pulje_store::{Actor, Handle};
use rand::Rng;
use std::time::{SystemTime, UNIX_EPOCH};
use totp_rs::{Algorithm, Builder, Secret, Totp};

/// The name authenticator apps show beside the account.
const ISSUER: &str = "pulje";
/// Seconds per time step.
const STEP_SECONDS: u64 = 30;
/// The longest code or recovery code read (a recovery code with its dashes and spaces).
const MAX_CODE_CHARS: usize = 40;

fn totp(secret_base32: &str, account: &str) -> Result<Totp> {
    let secret = Secret::try_from_base32(secret_base32)
        .map_err(|e| Error::Internal(anyhow::anyhow!("stored TOTP secret unreadable: {e:?}")))?;
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(STEP_SECONDS)
        .with_secret(secret)
        .with_issuer(Some(ISSUER))
        .with_account_name(account.replace(':', ""))
        .build()
        .map_err(|e| Error::Internal(anyhow::anyhow!("TOTP: {e:?}")))
}

fn now_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A new secret: 20 random bytes (160 bits, as RFC 4226 recommends), in base32.
pub fn new_secret() -> String {
    let bytes: [u8; 20] = rand::thread_rng().gen();
    Secret::from(bytes.to_vec()).to_base32()
}

/// The code for `secret_base32` at `unix_seconds` (for tests and the testkit).
pub fn code_at(secret_base32: &str, unix_seconds: u64) -> Result<String> {
    Ok(totp(secret_base32, "x")?.generate(unix_seconds).to_string())
}

/// The time step a typed `code` is right for (now, or one step either side), if any.
pub fn matching_step(secret_base32: &str, code: &str) -> Result<Option<i64>> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return Ok(None);
    }
    let step = totp(secret_base32, "x")?.check(&code, now_seconds());
    Ok(step.and_then(|s| i64::try_from(s).ok()))
}

/// The secret as it is typed into an app: base32 in groups of four.
pub fn grouped(secret_base32: &str) -> String {
    secret_base32
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `otpauth://` address an authenticator app reads from the QR code.
pub fn otpauth_url(secret_base32: &str, account: &str) -> Result<String> {
    totp(secret_base32, account)?
        .to_url()
        .map_err(|e| Error::Internal(anyhow::anyhow!("TOTP URL: {e:?}")))
}

/// `text` as a QR code drawn in SVG (black modules on white, with the quiet zone).
pub fn qr_svg(text: &str) -> Result<String> {
    let code = qrcode::QrCode::new(text.as_bytes())
        .map_err(|e| Error::Internal(anyhow::anyhow!("QR code: {e}")))?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .build())
}

/// New recovery codes: 10 of 10 random letters and digits (about 50 bits each), shown as
/// `xxxxx-xxxxx`.
fn new_recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::thread_rng();
    (0..RECOVERY_CODES)
        .map(|_| {
            let chars: String = (0..10)
                .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
                .collect();
            format!("{}-{}", &chars[..5], &chars[5..])
        })
        .collect()
}

/// A recovery code as compared: lower case, without dashes and spaces.
fn normal_recovery(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn recovery_hash(code: &str) -> String {
    token_hash(&normal_recovery(code))
}

/// The secret being set up for `user`: the one kept, or a new one. `None` when the user already
/// has an enabled second factor.
pub async fn setup_secret(db: &mut Handle, user: &User) -> Result<Option<String>> {
    let mut conn = db.conn().await?;
    match second_factor::get(&mut conn, user.id).await? {
        Some(t) if t.enabled => return Ok(None),
        Some(t) => return Ok(Some(t.secret)),
        None => {}
    }
    drop(conn);
    let secret = new_secret();
    let mut tx = db.begin().await?;
    let started = second_factor::start_setup(&mut tx, user.id, &secret).await?;
    tx.commit().await?;
    Ok(started.then_some(secret))
}

/// Enables the secret being set up for `user` when `code` is right for it; returns the new
/// recovery codes, to be shown once.
pub async fn activate(
    db: &mut Handle,
    actor: &Actor,
    user: &User,
    code: &str,
) -> Result<Vec<String>> {
    let mut tx = db.begin().await?;
    let pending = match second_factor::get(&mut tx, user.id).await? {
        Some(t) if !t.enabled => t,
        Some(_) => {
            return Err(Error::Conflict(
                "Totrinsbekræftelse er allerede slået til.".into(),
            ))
        }
        None => {
            return Err(Error::Invalid(
                "Der er ingen hemmelighed at bekræfte. Begynd forfra.".into(),
            ))
        }
    };
    let Some(step) = matching_step(&pending.secret, code)? else {
        return Err(Error::Invalid(
            "Engangskode: koden passer ikke. Skriv de 6 cifre, appen viser nu.".into(),
        ));
    };
    let codes = new_recovery_codes();
    let hashes: Vec<String> = codes.iter().map(|c| recovery_hash(c)).collect();
    if !second_factor::enable(&mut tx, actor, user, step, &hashes).await? {
        return Err(Error::Conflict(
            "Totrinsbekræftelse er allerede slået til.".into(),
        ));
    }
    tx.commit().await?;
    Ok(codes)
}

/// Which second factor proved a code right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Factor {
    Totp,
    Recovery,
}

impl Factor {
    pub fn as_str(self) -> &'static str {
        match self {
            Factor::Totp => "totp",
            Factor::Recovery => "recovery",
        }
    }
}

/// Checks `code` — a TOTP code of `user`'s enabled secret whose time step was not used before,
/// or an unused recovery code, which is then spent — in `tx`. `None` when it is neither.
pub async fn check(
    tx: &mut pulje_store::Tx<'_>,
    user: &User,
    code: &str,
) -> Result<Option<Factor>> {
    if code.chars().count() > MAX_CODE_CHARS {
        return Ok(None);
    }
    let Some(t) = second_factor::get(tx, user.id).await?.filter(|t| t.enabled) else {
        return Ok(None);
    };
    if let Some(step) = matching_step(&t.secret, code)? {
        return Ok(second_factor::accept_step(tx, user.id, step)
            .await?
            .then_some(Factor::Totp));
    }
    let normal = normal_recovery(code);
    if normal.len() == 10
        && second_factor::use_recovery_code(tx, user, &recovery_hash(code)).await?
    {
        return Ok(Some(Factor::Recovery));
    }
    Ok(None)
}

/// New recovery codes for `user`, replacing the old ones; shown once.
pub async fn renew_recovery_codes(
    db: &mut Handle,
    actor: &Actor,
    user: &User,
) -> Result<Vec<String>> {
    let codes = new_recovery_codes();
    let hashes: Vec<String> = codes.iter().map(|c| recovery_hash(c)).collect();
    let mut tx = db.begin().await?;
    second_factor::replace_recovery_codes(&mut tx, actor, user, &hashes).await?;
    tx.commit().await?;
    Ok(codes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_reference_value() {
        // RFC 6238, appendix B: the SHA-1 secret "12345678901234567890" at 59 seconds gives
        // 94287082 with 8 digits; with 6 digits the last six.
        let secret = Secret::from(b"12345678901234567890".to_vec()).to_base32();
        assert_eq!(code_at(&secret, 59).unwrap(), "287082");
    }

    #[test]
    fn a_code_of_the_step_before_or_after_is_right_and_two_steps_off_is_not() {
        let secret = new_secret();
        let now = now_seconds();
        for offset in [0i64, -30, 30] {
            let at = now.checked_add_signed(offset).unwrap();
            let code = code_at(&secret, at).unwrap();
            assert!(matching_step(&secret, &code).unwrap().is_some(), "{offset}");
        }
        let far = code_at(&secret, now + 90).unwrap();
        if far != code_at(&secret, now).unwrap() {
            assert_eq!(matching_step(&secret, &far).unwrap(), None);
        }
        assert_eq!(matching_step(&secret, "12345").unwrap(), None);
        assert_eq!(matching_step(&secret, "abcdef").unwrap(), None);
    }

    #[test]
    fn recovery_codes_are_ten_distinct_and_compared_loosely() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), 10);
        let distinct: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(distinct.len(), 10);
        let c = &codes[0];
        assert_eq!(
            recovery_hash(c),
            recovery_hash(&c.to_uppercase().replace('-', " "))
        );
    }

    #[test]
    fn the_qr_code_is_svg_of_the_otpauth_address() {
        let url = otpauth_url(&new_secret(), "anna@region.dk").unwrap();
        assert!(
            url.starts_with("otpauth://totp/pulje:anna%40region.dk?"),
            "{url}"
        );
        let svg = qr_svg(&url).unwrap();
        assert!(svg.contains("<svg"), "{svg}");
    }
}
