//! Times shown in the signed-in user's time zone (their profile setting), with the zone's
//! abbreviation, and the exact instant in the `datetime` attribute.

use chrono::{DateTime, Utc};
use leptos::prelude::*;

use crate::domain::timezone::{self, Tz};
use crate::users::UserSummary;

/// The signed-in user, loaded once by the layout and shared with every page.
#[derive(Clone, Copy)]
pub struct CurrentUser(pub Resource<Result<UserSummary, crate::error::AppError>>);

impl CurrentUser {
    /// Whether the signed-in user may change things (RESPONDER or ADMIN). Tracks the resource.
    pub fn can_write(self) -> bool {
        matches!(self.0.get(), Some(Ok(u)) if u.role.at_least(crate::domain::Role::Responder))
    }

    /// The signed-in user's id, once known. Tracks the resource.
    pub fn id(self) -> Option<crate::domain::UserId> {
        self.0.get().and_then(Result::ok).map(|u| u.id)
    }
}

/// The signed-in user's zone, or UTC while unknown.
pub fn user_time_zone() -> Tz {
    use_context::<CurrentUser>()
        .and_then(|c| c.0.get())
        .and_then(|r| r.ok())
        .and_then(|u| timezone::lookup(&u.time_zone))
        .unwrap_or(timezone::UTC)
}

/// `2026-03-08 07:30 UTC+1`.
pub fn format_in(at: DateTime<Utc>, tz: Tz) -> String {
    timezone::format_zoned(at, tz, "%Y-%m-%d %H:%M")
}

/// A length of time for people: `45 min`, `8 h`, `1 d 2 h 30 min`.
pub fn duration_text(d: chrono::Duration) -> String {
    let total = d.num_minutes().max(0);
    let (days, hours, minutes) = (total / 1440, (total % 1440) / 60, total % 60);
    let mut parts = Vec::new();
    if days > 0 {
        parts.push(format!("{days} d"));
    }
    if hours > 0 {
        parts.push(format!("{hours} h"));
    }
    if minutes > 0 || parts.is_empty() {
        parts.push(format!("{minutes} min"));
    }
    parts.join(" ")
}

#[component]
pub fn Time(at: DateTime<Utc>) -> impl IntoView {
    let text = move || format_in(at, user_time_zone());
    view! { <time datetime=at.to_rfc3339()>{text}</time> }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_people_write_them() {
        assert_eq!(duration_text(chrono::Duration::minutes(45)), "45 min");
        assert_eq!(duration_text(chrono::Duration::hours(8)), "8 h");
        assert_eq!(
            duration_text(chrono::Duration::minutes(1590)),
            "1 d 2 h 30 min"
        );
        assert_eq!(duration_text(chrono::Duration::zero()), "0 min");
    }

    #[test]
    fn formats_in_the_given_zone_across_dst() {
        let at: DateTime<Utc> = "2026-03-08T06:30:00Z".parse().unwrap();
        assert_eq!(
            format_in(at, chrono_tz::Europe::Berlin),
            "2026-03-08 07:30 UTC+1"
        );
        assert_eq!(
            format_in(at, chrono_tz::America::New_York),
            "2026-03-08 01:30 UTC-5"
        );
        let later: DateTime<Utc> = "2026-03-08T08:30:00Z".parse().unwrap();
        assert_eq!(
            format_in(later, chrono_tz::America::New_York),
            "2026-03-08 04:30 UTC-4"
        );
    }
}
