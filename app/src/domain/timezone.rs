//! IANA time-zone names (`Europe/Berlin`), validated against the tz database.

use crate::error::AppError;

/// The canonical spelling of an IANA zone name, or an error naming `field`.
pub fn parse_time_zone(field: &str, raw: &str) -> Result<String, AppError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(AppError::invalid(field, "is required"));
    }
    raw.parse::<chrono_tz::Tz>()
        .or_else(|_| chrono_tz::Tz::from_str_insensitive(raw))
        .map(|tz| tz.name().to_owned())
        .map_err(|_| {
            AppError::invalid(
                field,
                format!(
                    "{raw:?} is not an IANA time zone such as Europe/Berlin or America/New_York"
                ),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_iana_names_and_rejects_others() {
        assert_eq!(
            parse_time_zone("tz", "europe/berlin").unwrap(),
            "Europe/Berlin"
        );
        assert_eq!(parse_time_zone("tz", "UTC").unwrap(), "UTC");
        assert_eq!(
            parse_time_zone("tz", "Mars/Olympus").unwrap_err().field(),
            Some("tz")
        );
        assert!(parse_time_zone("tz", " ").is_err());
    }
}
