//! Authentication: sign-in with email and password, session cookies, and login throttling.

use chrono::Duration;

pub mod api;
#[cfg(feature = "ssr")]
pub mod caller;
pub mod gate;
pub mod links;
pub mod page;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
pub mod store;

/// The session cookie. HttpOnly, SameSite=Lax, Secure over https.
pub const SESSION_COOKIE: &str = "ok_session";

/// A session unused for this long expires.
pub fn idle_timeout() -> Duration {
    Duration::hours(24)
}

/// A session expires this long after sign-in, however active.
pub fn absolute_timeout() -> Duration {
    Duration::days(30)
}

/// Failures within this window count toward a lockout.
pub fn failure_window() -> Duration {
    Duration::minutes(15)
}

/// Failures within the window that lock the email.
pub const MAX_FAILURES: i32 = 5;

/// Successive lockouts last 1, 5, 15, then 60 minutes.
pub fn lockout_duration(level: i32) -> Duration {
    const LADDER: [i64; 4] = [1, 5, 15, 60];
    let i = usize::try_from(level).unwrap_or(0).min(LADDER.len() - 1);
    Duration::minutes(LADDER[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockouts_escalate_and_cap_at_an_hour() {
        let minutes: Vec<i64> = (0..6).map(|l| lockout_duration(l).num_minutes()).collect();
        assert_eq!(minutes, [1, 5, 15, 60, 60, 60]);
        assert_eq!(lockout_duration(-1).num_minutes(), 1);
    }
}
