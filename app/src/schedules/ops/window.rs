//! Time windows for schedule reads (`since`..`until`): defaults from the injected clock, a
//! bounded length, and errors naming `since` or `until`.

use chrono::{DateTime, Duration, Utc};

use crate::domain::schedule::Span;
use crate::error::AppError;

/// The longest window a read over `since`..`until` may ask for, in days.
pub const MAX_READ_WINDOW_DAYS: i64 = 90;

/// The window `[since, until)`: `since` defaults to `now`, `until` to `since + default_len`.
/// With a zero `default_len` an instant (`until == since`) is a window; otherwise `until`
/// must be after `since`. At most `MAX_READ_WINDOW_DAYS` long; errors name `since` or `until`.
pub fn window(
    now: DateTime<Utc>,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    default_len: Duration,
) -> Result<Span, AppError> {
    let start = since.unwrap_or(now);
    let end = match until {
        Some(u) => u,
        None => start
            .checked_add_signed(default_len)
            .ok_or_else(|| AppError::invalid("since", "is out of range"))?,
    };
    if end < start {
        return Err(AppError::invalid("until", "must not be before since"));
    }
    if end == start && !default_len.is_zero() {
        return Err(AppError::invalid("until", "must be after since"));
    }
    if end - start > Duration::days(MAX_READ_WINDOW_DAYS) {
        return Err(AppError::invalid(
            "until",
            format!("a window is at most {MAX_READ_WINDOW_DAYS} days"),
        ));
    }
    Ok(Span { start, end })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(r: Result<Span, AppError>) -> String {
        match r {
            Err(AppError::Invalid { field, .. }) => field,
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn windows_default_from_now_and_are_bounded() {
        let now: DateTime<Utc> = "2026-03-08T06:30:00Z".parse().unwrap_or_default();
        let instant = window(now, None, None, Duration::zero());
        assert_eq!(
            instant.ok(),
            Some(Span {
                start: now,
                end: now
            })
        );
        let week = window(now, None, None, Duration::days(7));
        assert_eq!(week.map(|s| s.end - s.start).ok(), Some(Duration::days(7)));
        let day = Duration::days(1);
        assert_eq!(field(window(now, Some(now), Some(now - day), day)), "until");
        assert_eq!(field(window(now, Some(now), Some(now), day)), "until");
        assert_eq!(field(window(now, None, Some(now + day * 91), day)), "until");
        assert_eq!(
            field(window(now, Some(DateTime::<Utc>::MAX_UTC), None, day)),
            "since"
        );
    }
}
