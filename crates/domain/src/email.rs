//! E-mail addresses, normalised to lower case.

use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// Accepts `local@domain.tld` without spaces, at most 254 characters; lower-cases it.
    pub fn parse(text: &str) -> Result<Email, String> {
        let s = text.trim().to_lowercase();
        let invalid = || format!("«{}» er ikke en gyldig e-mailadresse.", text.trim());
        if s.is_empty() {
            return Err("E-mailadressen mangler.".into());
        }
        if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid());
        }
        let (local, domain) = s.split_once('@').ok_or_else(invalid)?;
        if local.is_empty()
            || domain.contains('@')
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
        {
            return Err(invalid());
        }
        Ok(Email(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_and_checks() {
        assert_eq!(Email::parse(" Ane@RN.dk ").unwrap().as_str(), "ane@rn.dk");
        assert!(Email::parse("ane").is_err());
        assert!(Email::parse("ane@dk").is_err());
        assert!(Email::parse("a b@rn.dk").is_err());
        assert!(Email::parse("").unwrap_err().contains("mangler"));
    }
}
