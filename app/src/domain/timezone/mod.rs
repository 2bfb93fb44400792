//! IANA time zones (`Europe/Berlin`): the `Tz` type every part of the app computes with, name
//! validation, and how a zone is written next to a time (`UTC+1`).
//!
//! On the server (and in native tests) `Tz` is `chrono_tz::Tz`, the tz database compiled in.
//! In the browser it is [`browser::Tz`], which asks the browser's own tz database through
//! `Intl.DateTimeFormat`: the zone tables would otherwise be most of the WASM's data.
//! Both implement `chrono::TimeZone` and agree on every offset, and a zone is written as its
//! UTC offset (unambiguous, unlike `CST` or `IST`), so server-rendered and browser-rendered
//! times read the same.

use chrono::{DateTime, FixedOffset, Offset, TimeZone, Utc};

use crate::error::AppError;

#[cfg(target_arch = "wasm32")]
mod browser;
#[cfg(target_arch = "wasm32")]
pub use browser::Tz;
#[cfg(not(target_arch = "wasm32"))]
pub use chrono_tz::Tz;

/// The UTC zone.
#[cfg(target_arch = "wasm32")]
pub const UTC: Tz = browser::UTC;
/// The UTC zone.
#[cfg(not(target_arch = "wasm32"))]
pub const UTC: Tz = chrono_tz::UTC;

/// The zone named `raw`, in any letter case, if the tz database knows it.
pub fn lookup(raw: &str) -> Option<Tz> {
    raw.parse::<Tz>()
        .ok()
        .or_else(|| Tz::from_str_insensitive(raw).ok())
}

/// The canonical spelling of an IANA zone name, or an error naming `field`.
pub fn parse_time_zone(field: &str, raw: &str) -> Result<String, AppError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(AppError::invalid(field, "is required"));
    }
    lookup(raw).map(|tz| tz.name().to_owned()).ok_or_else(|| {
        AppError::invalid(
            field,
            format!("{raw:?} is not an IANA time zone such as Europe/Berlin or America/New_York"),
        )
    })
}

/// A UTC offset as people write it next to a time: `UTC`, `UTC+1`, `UTC-5`, `UTC+5:30`.
pub fn zone_label(offset: FixedOffset) -> String {
    let secs = offset.local_minus_utc();
    if secs == 0 {
        return "UTC".to_owned();
    }
    let sign = if secs < 0 { '-' } else { '+' };
    let minutes = secs.unsigned_abs() / 60;
    let (h, m) = (minutes / 60, minutes % 60);
    if m == 0 {
        format!("UTC{sign}{h}")
    } else {
        format!("UTC{sign}{h}:{m:02}")
    }
}

/// `at` in `tz` with `pattern` (a chrono strftime pattern without `%Z`), then the zone's label:
/// `format_zoned(t, berlin, "%Y-%m-%d %H:%M")` = `2026-03-08 07:30 UTC+1`.
pub fn format_zoned(at: DateTime<Utc>, tz: Tz, pattern: &str) -> String {
    let local = at.with_timezone(&tz);
    format!(
        "{} {}",
        local.format(pattern),
        zone_label(local.offset().fix())
    )
}

/// The offset of `tz` at `at`.
pub fn offset_at(tz: Tz, at: DateTime<Utc>) -> FixedOffset {
    tz.offset_from_utc_datetime(&at.naive_utc()).fix()
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

    #[test]
    fn labels_offsets_the_way_people_write_them() {
        let east = |s| FixedOffset::east_opt(s).unwrap();
        assert_eq!(zone_label(east(0)), "UTC");
        assert_eq!(zone_label(east(3600)), "UTC+1");
        assert_eq!(zone_label(east(-5 * 3600)), "UTC-5");
        assert_eq!(zone_label(east(5 * 3600 + 1800)), "UTC+5:30");
        assert_eq!(zone_label(east(-(9 * 3600 + 1800))), "UTC-9:30");
        assert_eq!(zone_label(east(5 * 3600 + 45 * 60)), "UTC+5:45");
    }

    #[test]
    fn formats_across_a_dst_change() {
        let ny = lookup("America/New_York").unwrap();
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        assert_eq!(
            format_zoned(at("2026-03-08T06:30:00Z"), ny, "%Y-%m-%d %H:%M"),
            "2026-03-08 01:30 UTC-5"
        );
        assert_eq!(
            format_zoned(at("2026-03-08T08:30:00Z"), ny, "%Y-%m-%d %H:%M"),
            "2026-03-08 04:30 UTC-4"
        );
        assert_eq!(
            offset_at(UTC, at("2026-03-08T08:30:00Z")).local_minus_utc(),
            0
        );
    }
}
