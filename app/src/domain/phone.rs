//! Phone numbers in E.164 (`+` then up to 15 digits), the only form SMS providers accept.

use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// A validated E.164 number such as `+14155550123`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Accepts `+` followed by 8 to 15 digits, the first not zero. Spaces, dashes, dots and
    /// parentheses between digits are dropped, so `+1 (415) 555-0123` is accepted.
    pub fn parse(field: &str, raw: &str) -> Result<Self, AppError> {
        let raw = raw.trim();
        let Some(rest) = raw.strip_prefix('+') else {
            return Err(AppError::invalid(
                field,
                "must be in international E.164 form, starting with + and the country code",
            ));
        };
        let mut digits = String::with_capacity(16);
        digits.push('+');
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '.' | '(' | ')' => {}
                _ => return Err(AppError::invalid(field, "may contain only digits after +")),
            }
        }
        let n = digits.len() - 1;
        if !(8..=15).contains(&n) {
            return Err(AppError::invalid(field, "must have 8 to 15 digits after +"));
        }
        if digits.as_bytes()[1] == b'0' {
            return Err(AppError::invalid(field, "country code cannot start with 0"));
        }
        Ok(Self(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_e164_and_common_punctuation() {
        assert_eq!(
            PhoneNumber::parse("p", "+1 (415) 555-0123")
                .unwrap()
                .as_str(),
            "+14155550123"
        );
        assert_eq!(
            PhoneNumber::parse("p", "+447911123456").unwrap().as_str(),
            "+447911123456"
        );
    }

    #[test]
    fn rejects_what_sms_providers_reject() {
        for bad in [
            "4155550123",
            "+0123456789",
            "+1234",
            "+1234567890123456",
            "+1 415 CALL",
            "",
        ] {
            let err = PhoneNumber::parse("phone", bad).unwrap_err();
            assert_eq!(err.field(), Some("phone"), "{bad}");
        }
    }
}
