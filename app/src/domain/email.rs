//! `Email`: a parsed, normalised (trimmed, lower-cased) email address.

use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub const MAX_LEN: usize = 254;

    /// Accepts `local@domain.tld` with no spaces; lower-cases the whole address.
    pub fn parse(field: &str, raw: &str) -> Result<Email, AppError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(AppError::invalid(field, "is required"));
        }
        if s.len() > Self::MAX_LEN {
            return Err(AppError::invalid(
                field,
                format!("must be at most {} characters", Self::MAX_LEN),
            ));
        }
        let bad = || AppError::invalid(field, "must be a valid email address");
        let (local, domain) = s.split_once('@').ok_or_else(bad)?;
        let valid_domain = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        if local.is_empty()
            || local.len() > 64
            || !valid_domain
            || s.chars().any(|c| c.is_whitespace() || c.is_control())
            || local.contains(['<', '>', '(', ')', ',', ';', ':', '\\', '"', '[', ']', '@'])
        {
            return Err(bad());
        }
        Ok(Email(s.to_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_valid_addresses() {
        let e = Email::parse("email", "  Alice.Smith+oncall@Example.COM ").unwrap();
        assert_eq!(e.as_str(), "alice.smith+oncall@example.com");
    }

    #[test]
    fn rejects_invalid_addresses_naming_the_field() {
        for bad in [
            "",
            "alice",
            "alice@",
            "@example.com",
            "a b@example.com",
            "alice@example",
            "alice@.com",
            "a@b..com",
            "a<b@example.com",
        ] {
            let err = Email::parse("email", bad).unwrap_err();
            assert_eq!(err.field(), Some("email"), "{bad:?}");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(Email::parse("email", &long).is_err());
    }
}
