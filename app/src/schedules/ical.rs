//! iCalendar (RFC 5545) rendering of shifts: UTC times, a stable UID per shift (schedule,
//! person, start), escaped and folded text, CRLF lines, and a one-hour refresh hint.

use chrono::{DateTime, Utc};

use crate::domain::ScheduleId;
use crate::domain::schedule::Shift;

/// One calendar event: a person's shift on a schedule.
pub struct Event<'a> {
    pub schedule_id: ScheduleId,
    pub schedule_name: &'a str,
    pub person: &'a str,
    pub shift: Shift,
}

/// How far back and ahead a feed reaches, in days.
pub const PAST_DAYS: i64 = 30;
pub const AHEAD_DAYS: i64 = 180;

fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// TEXT escaping (RFC 5545 §3.3.11).
fn escape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends a content line folded at 75 octets (never inside a UTF-8 sequence), CRLF-ended.
fn line(out: &mut String, content: &str) {
    let mut width = 0;
    for c in content.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

/// A whole calendar named `name` with `events`; `base_url` links each event to its schedule.
pub fn render(name: &str, base_url: &str, now: DateTime<Utc>, events: &[Event<'_>]) -> String {
    let mut out = String::with_capacity(256 + events.len() * 320);
    line(&mut out, "BEGIN:VCALENDAR");
    line(&mut out, "VERSION:2.0");
    line(&mut out, "PRODID:-//OpsKnight//On-call schedules//EN");
    line(&mut out, "CALSCALE:GREGORIAN");
    line(&mut out, "METHOD:PUBLISH");
    line(&mut out, &format!("X-WR-CALNAME:{}", escape(name)));
    line(&mut out, "REFRESH-INTERVAL;VALUE=DURATION:PT1H");
    line(&mut out, "X-PUBLISHED-TTL:PT1H");
    let base = base_url.trim_end_matches('/');
    for e in events {
        line(&mut out, "BEGIN:VEVENT");
        line(
            &mut out,
            &format!(
                "UID:{}-{}-{}@opsknight",
                e.schedule_id,
                e.shift.user,
                e.shift.start.timestamp()
            ),
        );
        line(&mut out, &format!("DTSTAMP:{}", stamp(now)));
        line(&mut out, &format!("DTSTART:{}", stamp(e.shift.start)));
        line(&mut out, &format!("DTEND:{}", stamp(e.shift.end)));
        line(
            &mut out,
            &format!(
                "SUMMARY:{}",
                escape(&format!("On call: {} ({})", e.person, e.schedule_name))
            ),
        );
        line(
            &mut out,
            &format!(
                "DESCRIPTION:{}",
                escape(&format!(
                    "{} is on call for {}.\nTimes may change with overrides; this calendar refreshes hourly.",
                    e.person, e.schedule_name
                ))
            ),
        );
        line(&mut out, &format!("URL:{base}/schedules/{}", e.schedule_id));
        line(&mut out, "TRANSP:TRANSPARENT");
        line(&mut out, "END:VEVENT");
    }
    line(&mut out, "END:VCALENDAR");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::UserId;

    #[test]
    fn escapes_folds_and_uses_crlf() {
        let now: DateTime<Utc> = "2026-03-01T00:00:00Z".parse().unwrap();
        let long = "Ünïcödé, name; with \\ and a very long tail ".repeat(3);
        let ev = Event {
            schedule_id: ScheduleId::new(),
            schedule_name: "Primary, EU",
            person: &long,
            shift: Shift {
                user: UserId::new(),
                start: now,
                end: now + chrono::Duration::hours(8),
            },
        };
        let cal = render("Team; \"ops\"", "https://ok.example/", now, &[ev]);
        assert!(cal.starts_with("BEGIN:VCALENDAR\r\n"));
        assert!(cal.ends_with("END:VCALENDAR\r\n"));
        assert!(cal.contains("X-WR-CALNAME:Team\\; \"ops\"\r\n"));
        assert!(cal.contains("DTSTART:20260301T000000Z\r\n"));
        assert!(cal.contains("(Primary\\, EU)"));
        for l in cal.split("\r\n") {
            assert!(l.len() <= 75, "line longer than 75 octets: {l:?}");
            assert!(!l.contains('\n'));
        }
    }
}
