//! The schedule engine, as pure code: layers of rotations with restrictions, overrides and
//! temporary schedules, resolved to "who is on call at t" and to merged timelines. No IO; it
//! compiles for the server and for the browser, so editors preview changes client-side.
//!
//! Wall-clock rules: every handoff is a local time in the schedule's zone, computed as
//! `start + k × rotation` on the wall clock (calendar months for monthly rotations), so a 09:00
//! handoff stays at 09:00 across daylight-saving changes and the shift spanning the change is
//! shorter or longer. A local time that does not exist (inside a spring-forward gap) happens at
//! the end of the gap; an ambiguous one (a fall-back) at its first occurrence.

use chrono::{DateTime, NaiveDateTime, NaiveTime, Utc, Weekday};
use serde::{Deserialize, Serialize};

use super::{LayerId, OverrideId, TemporaryId, UserId};
use crate::error::AppError;

pub mod fixture;
mod layer;
mod local;
mod resolve;
#[cfg(test)]
mod tests;

pub use layer::layer_shifts;
pub use local::resolve_local;
pub use resolve::{Resolver, on_call_at, timeline};

/// Limits that keep one schedule's work bounded.
pub const MAX_LAYERS: usize = 20;
pub const MAX_PARTICIPANTS: usize = 100;
pub const MAX_RESTRICTIONS: usize = 50;
pub const MAX_EVERY: u32 = 365;
pub const MAX_TEMPORARY_SHIFTS: usize = 200;
/// The longest window a timeline is computed for, in days.
pub const MAX_WINDOW_DAYS: i64 = 400;

/// The unit a layer rotates by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RotationUnit {
    Hours,
    Days,
    Weeks,
    /// Calendar months: a handoff on the 31st falls on the last day of shorter months.
    Months,
}

impl RotationUnit {
    pub const ALL: [RotationUnit; 4] = [
        RotationUnit::Hours,
        RotationUnit::Days,
        RotationUnit::Weeks,
        RotationUnit::Months,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RotationUnit::Hours => "HOURS",
            RotationUnit::Days => "DAYS",
            RotationUnit::Weeks => "WEEKS",
            RotationUnit::Months => "MONTHS",
        }
    }

    pub fn parse(raw: &str) -> Option<RotationUnit> {
        RotationUnit::ALL
            .into_iter()
            .find(|u| u.as_str().eq_ignore_ascii_case(raw.trim()))
    }

    /// The shortest length of one unit in minutes (a month is at least 28 days).
    fn min_minutes(self) -> u64 {
        match self {
            RotationUnit::Hours => 60,
            RotationUnit::Days => 1440,
            RotationUnit::Weeks => 7 * 1440,
            RotationUnit::Months => 28 * 1440,
        }
    }
}

/// Hand off every `every` units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Rotation {
    pub unit: RotationUnit,
    pub every: u32,
}

impl Rotation {
    pub fn label(self) -> String {
        let (one, many) = match self.unit {
            RotationUnit::Hours => ("Hourly", "hours"),
            RotationUnit::Days => ("Daily", "days"),
            RotationUnit::Weeks => ("Weekly", "weeks"),
            RotationUnit::Months => ("Monthly", "months"),
        };
        if self.every == 1 {
            one.to_owned()
        } else {
            format!("Every {} {many}", self.every)
        }
    }
}

/// A weekly window in the schedule's zone during which a layer may be on call. `end` earlier
/// than `start` wraps past midnight; `end` equal to `start` is the whole day from `start`.
/// `overnight` states the wrap explicitly; it must then agree with the times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Restriction {
    pub weekday: Weekday,
    pub start: NaiveTime,
    pub end: NaiveTime,
    #[serde(default)]
    pub overnight: bool,
}

/// One rotation layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layer {
    pub id: LayerId,
    pub name: String,
    /// Higher wins where layers overlap.
    pub priority: i32,
    /// In rotation order; shift k goes to `participants[k % len]`.
    pub participants: Vec<UserId>,
    pub rotation: Rotation,
    /// The first handoff, wall-clock in the schedule's zone; its time of day is the handoff time.
    pub start: NaiveDateTime,
    /// No shifts start at or after this wall-clock time.
    #[serde(default)]
    pub end: Option<NaiveDateTime>,
    /// Each shift lasts this long from its handoff (the rest of the rotation is a gap); `None`
    /// covers the whole rotation.
    #[serde(default)]
    pub shift_minutes: Option<u32>,
    /// Empty: no restriction. Otherwise on call only inside these windows.
    #[serde(default)]
    pub restrictions: Vec<Restriction>,
}

/// What an override does inside its window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OverrideKind {
    /// `user` is on call too.
    Add,
    /// `replaces` is not on call (only matters while they are).
    Remove,
    /// `user` takes over from `replaces`, only while `replaces` is on call.
    Replace,
}

impl OverrideKind {
    pub const ALL: [OverrideKind; 3] = [
        OverrideKind::Add,
        OverrideKind::Remove,
        OverrideKind::Replace,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OverrideKind::Add => "ADD",
            OverrideKind::Remove => "REMOVE",
            OverrideKind::Replace => "REPLACE",
        }
    }

    pub fn parse(raw: &str) -> Option<OverrideKind> {
        OverrideKind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(raw.trim()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Override {
    pub id: OverrideId,
    pub kind: OverrideKind,
    /// Who is added, or who takes over (ADD, REPLACE).
    #[serde(default)]
    pub user: Option<UserId>,
    /// Who is removed or replaced (REMOVE, REPLACE).
    #[serde(default)]
    pub replaces: Option<UserId>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TemporaryShift {
    pub user: UserId,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// Fixed shifts that replace everything else in `[start, end)`; uncovered time inside is a gap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Temporary {
    pub id: TemporaryId,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub shifts: Vec<TemporaryShift>,
}

/// Everything that decides who is on call. Overrides apply in list order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    pub time_zone: String,
    pub layers: Vec<Layer>,
    #[serde(default)]
    pub overrides: Vec<Override>,
    #[serde(default)]
    pub temporary: Vec<Temporary>,
    /// People who cannot be paged (deactivated, or invited and not yet active): their layer
    /// shifts fall through to lower layers, and overrides or temporary shifts naming them
    /// count as nobody. The layer rows still show them.
    #[serde(default)]
    pub unavailable: Vec<UserId>,
}

/// Where someone's time on call comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Source {
    Layer(LayerId),
    Override(OverrideId),
    Temporary(TemporaryId),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OnCall {
    pub user: UserId,
    pub source: Source,
}

/// A half-open time span `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Span {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Span {
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.start <= t && t < self.end
    }
}

/// One shift of one layer (after its restrictions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Shift {
    pub user: UserId,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// A stretch of the final timeline with the same people on call (never empty: see `gaps`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub on_call: Vec<OnCall>,
}

/// The merged result for a window: segments and gaps are sorted, disjoint, and together cover
/// the window exactly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Timeline {
    pub segments: Vec<Segment>,
    pub gaps: Vec<Span>,
}

impl Timeline {
    /// Each person's continuous time on call, merged across segments, sorted by start: the
    /// shifts a person sees ("my shifts", calendar events).
    pub fn stretches(&self) -> Vec<Shift> {
        let mut open: Vec<Shift> = Vec::new();
        let mut done: Vec<Shift> = Vec::new();
        for seg in &self.segments {
            // Close what did not continue into this segment.
            open.retain(|o| {
                let goes_on = o.end == seg.start && seg.on_call.iter().any(|x| x.user == o.user);
                if !goes_on {
                    done.push(*o);
                }
                goes_on
            });
            for x in &seg.on_call {
                match open.iter_mut().find(|o| o.user == x.user) {
                    Some(o) => o.end = seg.end,
                    None => open.push(Shift {
                        user: x.user,
                        start: seg.start,
                        end: seg.end,
                    }),
                }
            }
        }
        done.extend(open);
        done.sort_by_key(|s| (s.start, s.user));
        done
    }

    /// Who is on call at `t` according to this timeline (empty in a gap or outside the window).
    pub fn at(&self, t: DateTime<Utc>) -> &[OnCall] {
        let i = self.segments.partition_point(|s| s.end <= t);
        match self.segments.get(i) {
            Some(s) if s.start <= t => &s.on_call,
            _ => &[],
        }
    }
}

fn invalid(field: String, message: impl Into<String>) -> AppError {
    AppError::invalid(field, message)
}

/// `name` under `prefix` (`layer.participants`), or just `name` when there is no prefix.
fn sub(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

impl Restriction {
    /// Checks the window; errors name `field.end`.
    pub fn validate(&self, field: &str) -> Result<(), AppError> {
        if self.overnight && self.end >= self.start {
            return Err(invalid(
                sub(field, "end"),
                if self.end == self.start {
                    "an overnight window cannot end when it starts; for the whole day turn \
                     overnight off and use the same start and end"
                } else {
                    "an overnight window must end earlier in the day than it starts"
                },
            ));
        }
        Ok(())
    }
}

impl Layer {
    /// Checks a layer's shape; errors name the field under `field` (`layers[0].participants`).
    pub fn validate(&self, field: &str) -> Result<(), AppError> {
        crate::domain::parse_name(&sub(field, "name"), &self.name, 100)?;
        if self.participants.is_empty() {
            return Err(invalid(
                sub(field, "participants"),
                "add at least one participant",
            ));
        }
        if self.participants.len() > MAX_PARTICIPANTS {
            return Err(invalid(
                sub(field, "participants"),
                format!("at most {MAX_PARTICIPANTS} participants"),
            ));
        }
        if self.rotation.every == 0 || self.rotation.every > MAX_EVERY {
            return Err(invalid(
                sub(field, "rotation.every"),
                format!("must be between 1 and {MAX_EVERY}"),
            ));
        }
        if let Some(minutes) = self.shift_minutes {
            let longest = self.rotation.unit.min_minutes() * u64::from(self.rotation.every);
            if minutes == 0 {
                return Err(invalid(
                    sub(field, "shift_minutes"),
                    "must be at least 1 minute",
                ));
            }
            if u64::from(minutes) > longest {
                return Err(invalid(
                    sub(field, "shift_minutes"),
                    format!(
                        "a shift of {minutes} minutes is longer than the rotation ({})",
                        self.rotation.label().to_lowercase()
                    ),
                ));
            }
        }
        if let Some(end) = self.end
            && end <= self.start
        {
            return Err(invalid(sub(field, "end"), "must be after the start"));
        }
        if self.restrictions.len() > MAX_RESTRICTIONS {
            return Err(invalid(
                sub(field, "restrictions"),
                format!("at most {MAX_RESTRICTIONS} windows"),
            ));
        }
        for (i, r) in self.restrictions.iter().enumerate() {
            r.validate(&sub(field, &format!("restrictions[{i}]")))?;
        }
        Ok(())
    }
}

/// Checks a span: `end` (named `end_field`) after `start`, and at most `MAX_WINDOW_DAYS` long.
/// `after` completes "must be after …"; `longest` opens "… N days" (`an override lasts at most`).
pub fn check_span(
    end_field: &str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    after: &str,
    longest: &str,
) -> Result<(), AppError> {
    if end <= start {
        return Err(invalid(end_field.into(), format!("must be after {after}")));
    }
    if end - start > chrono::Duration::days(MAX_WINDOW_DAYS) {
        return Err(invalid(
            end_field.into(),
            format!("{longest} {MAX_WINDOW_DAYS} days"),
        ));
    }
    Ok(())
}

impl Override {
    /// Checks an override's shape; errors name the field.
    pub fn validate(&self) -> Result<(), AppError> {
        check_span(
            "end",
            self.start,
            self.end,
            "the start",
            "an override lasts at most",
        )?;
        match self.kind {
            OverrideKind::Add if self.user.is_none() => {
                Err(invalid("user".into(), "choose who is added"))
            }
            OverrideKind::Remove if self.replaces.is_none() => {
                Err(invalid("replaces".into(), "choose who is removed"))
            }
            OverrideKind::Replace if self.user.is_none() => {
                Err(invalid("user".into(), "choose who takes over"))
            }
            OverrideKind::Replace if self.replaces.is_none() => {
                Err(invalid("replaces".into(), "choose who is replaced"))
            }
            OverrideKind::Replace if self.user == self.replaces => Err(invalid(
                "user".into(),
                "cannot replace someone with themselves",
            )),
            _ => Ok(()),
        }
    }
}

impl Temporary {
    /// Checks a temporary schedule; errors name the field (`shifts[2].end`).
    pub fn validate(&self) -> Result<(), AppError> {
        check_span(
            "end",
            self.start,
            self.end,
            "the start",
            "a temporary schedule lasts at most",
        )?;
        if self.shifts.len() > MAX_TEMPORARY_SHIFTS {
            return Err(invalid(
                "shifts".into(),
                format!("at most {MAX_TEMPORARY_SHIFTS} shifts"),
            ));
        }
        for (i, s) in self.shifts.iter().enumerate() {
            if s.end <= s.start {
                return Err(invalid(
                    format!("shifts[{i}].end"),
                    "must be after the start",
                ));
            }
            if s.start < self.start || s.end > self.end {
                return Err(invalid(
                    format!("shifts[{i}].start"),
                    "must lie inside the temporary schedule's window",
                ));
            }
        }
        Ok(())
    }
}

/// Parses an IANA zone name for the engine; errors name `field`.
pub fn parse_zone(field: &str, raw: &str) -> Result<super::timezone::Tz, AppError> {
    let name = super::parse_time_zone(field, raw)?;
    super::timezone::lookup(&name)
        .ok_or_else(|| invalid(field.to_owned(), "is not a known time zone"))
}
