//! The password policy: at least 12 characters and not a commonly used password.

use crate::error::AppError;

pub const MIN_LEN: usize = 12;
pub const MAX_LEN: usize = 256;

/// Passwords of 12+ characters that still appear at the top of breach lists.
const COMMON: &[&str] = &[
    "123456789012",
    "1234567890123",
    "12345678910",
    "password1234",
    "password12345",
    "passwordpassword",
    "qwertyuiopas",
    "qwerty123456",
    "1q2w3e4r5t6y",
    "111111111111",
    "000000000000",
    "iloveyou1234",
    "administrator",
    "letmein12345",
    "welcome12345",
    "changeme1234",
    "trustno1trustno1",
    "abcdefghijkl",
    "abc123456789",
    "qwertyqwerty",
    "football1234",
    "baseball1234",
    "superman1234",
    "monkey123456",
    "dragon123456",
    "sunshine1234",
    "princess1234",
    "passw0rd1234",
    "p@ssw0rd1234",
    "opsknight123",
    "opsknightadmin",
    "correcthorsebatterystaple",
    "1qaz2wsx3edc",
    "zaq12wsxcde3",
    "asdfghjkl123",
    "zxcvbnm12345",
    "aaaaaaaaaaaa",
    "qazwsxedcrfv",
    "mypassword123",
];

/// Checks a candidate password against the policy; `field` names it in the error.
pub fn check(field: &str, password: &str) -> Result<(), AppError> {
    let len = password.chars().count();
    if len < MIN_LEN {
        return Err(AppError::invalid(
            field,
            format!("must be at least {MIN_LEN} characters"),
        ));
    }
    if len > MAX_LEN {
        return Err(AppError::invalid(
            field,
            format!("must be at most {MAX_LEN} characters"),
        ));
    }
    let lower = password.to_lowercase();
    let first = lower.chars().next();
    let one_char = lower.chars().all(|c| Some(c) == first);
    if one_char || COMMON.contains(&lower.as_str()) {
        return Err(AppError::invalid(
            field,
            "is too common; choose a longer, less predictable passphrase",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enforces_length_and_common_list() {
        assert_eq!(
            check("password", "short").unwrap_err().field(),
            Some("password")
        );
        assert!(check("password", "Password1234").is_err());
        assert!(check("password", "zzzzzzzzzzzzzzzz").is_err());
        assert!(check("password", "tangerine-kettle-orbit").is_ok());
        assert!(check("password", &"x".repeat(300)).is_err());
    }
}
