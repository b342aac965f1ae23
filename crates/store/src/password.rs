//! Password hashing (Argon2id, PHC strings) and random secrets.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::io::Read;
use std::sync::OnceLock;

/// The shortest password accepted, in characters (OWASP ASVS 2.1.1).
pub const MIN_LENGTH: usize = 12;
/// The longest password accepted, in characters (ASVS 2.1.2 allows at least 64; more only costs
/// hashing time).
pub const MAX_LENGTH: usize = 128;

/// The common and breached passwords refused as new passwords (ASVS 2.1.7): SecLists'
/// `10-million-password-list-top-100000.txt` (MIT), gzip-compressed, one a line.
const COMMON_GZ: &[u8] = include_bytes!("../data/common-passwords.txt.gz");

/// Argon2id with the crate's default (OWASP-recommended) parameters.
pub fn hash(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
}

/// Whether `password` matches the stored hash. A malformed or empty hash (an invited user who
/// has not set a password yet) never matches, and takes as long as a real check.
pub fn verify(password: &str, stored: &str) -> bool {
    let check = |stored: &str| match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    };
    if PasswordHash::new(stored).is_ok() {
        check(stored)
    } else {
        check(dummy_hash());
        false
    }
}

/// A hash to verify against when the user does not exist, so both paths take as long.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash("not-a-real-password").unwrap_or_default())
}

/// The shipped list, lower-cased, read once.
fn common() -> &'static HashSet<String> {
    static LIST: OnceLock<HashSet<String>> = OnceLock::new();
    LIST.get_or_init(|| {
        let mut text = String::new();
        // The list is part of the binary; it cannot fail to read short of a broken build, which
        // the unit test below catches. An unreadable list would refuse nothing.
        if let Err(e) = flate2::read::GzDecoder::new(COMMON_GZ).read_to_string(&mut text) {
            tracing::error!("the list of common passwords cannot be read: {e}");
        }
        text.lines()
            .filter(|l| !l.is_empty())
            .map(str::to_lowercase)
            .collect()
    })
}

/// Whether `password` is on the shipped list of common passwords (compared case-insensitively).
pub fn is_common(password: &str) -> bool {
    common().contains(&password.to_lowercase())
}

/// How many passwords the shipped list holds (distinct, case-insensitively).
pub fn common_count() -> usize {
    common().len()
}

/// The rules for a new password, as shown beside the field.
pub fn rules_da() -> String {
    format!(
        "Mindst {MIN_LENGTH} og højst {MAX_LENGTH} tegn; alle tegn er tilladt, også mellemrum og æ, ø, å. \
         En sætning af flere ord er let at huske og svær at gætte. \
         Almindelige og lækkede adgangskoder afvises."
    )
}

/// Checks a new password against the rules (OWASP ASVS 2.1): its length in characters and the
/// list of common passwords; no rules of composition. The message names the field.
pub fn check_new(password: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < MIN_LENGTH {
        return Err(format!(
            "Adgangskoden skal være mindst {MIN_LENGTH} tegn; den er {n}."
        ));
    }
    if n > MAX_LENGTH {
        return Err(format!(
            "Adgangskoden må højst være {MAX_LENGTH} tegn; den er {n}."
        ));
    }
    if is_common(password) {
        return Err(
            "Adgangskoden er for almindelig: den står på listen over ofte brugte og lækkede adgangskoder. Vælg en anden."
                .into(),
        );
    }
    Ok(())
}

/// A random secret of 32 bytes, URL-safe base64 (43 characters).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A readable random password for demo users: four groups of five letters and digits.
pub fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect();
    chars
        .chunks(5)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// SHA-256 of a high-entropy secret (session or API token), hex. Such secrets need no slow hash.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_only_the_right_password() {
        let h = hash("korrekt hest batteri").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("korrekt hest batteri", &h));
        assert!(!verify("forkert", &h));
        assert!(!verify("x", "not a hash"));
    }

    #[test]
    fn tokens_are_random_and_hashes_stable() {
        assert_ne!(random_token(), random_token());
        assert_eq!(token_hash("a"), token_hash("a"));
        assert_eq!(token_hash("a").len(), 64);
        assert_eq!(random_password().len(), 23);
        // The demo's passwords satisfy the rules.
        assert_eq!(check_new(&random_password()), Ok(()));
    }

    #[test]
    fn the_shipped_list_is_read_and_refuses_common_passwords_in_any_case() {
        // SecLists' file as shipped: 100,000 lines; 96,518 distinct once case is ignored.
        let mut text = String::new();
        flate2::read::GzDecoder::new(COMMON_GZ)
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text.lines().count(), 100_000);
        assert!(common_count() > 96_000, "{}", common_count());
        assert!(is_common("password"));
        assert!(is_common("PassWord"));
        assert!(is_common("1234567890123"));
        assert!(!is_common("korrekt hest batteri hæfteklamme"));
    }

    #[test]
    fn lengths_are_counted_in_characters_and_bounded_both_ways() {
        assert!(check_new("kort-kode1")
            .unwrap_err()
            .contains("mindst 12 tegn"));
        // Twelve characters, more bytes: accepted.
        assert_eq!(check_new("æøåæøåæøåæøå"), Ok(()));
        assert!(check_new("æøåæøåæøåæø").is_err());
        assert_eq!(check_new(&"å".repeat(128)), Ok(()));
        assert!(check_new(&"å".repeat(129))
            .unwrap_err()
            .contains("højst være 128 tegn"));
        assert!(check_new("qwertyuiop123")
            .unwrap_err()
            .contains("for almindelig"));
    }
}
