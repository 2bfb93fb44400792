//! Escalation step math, as pure functions: which step runs after this one, and the shape
//! rules a policy must meet (field-named errors for the editor and the API).

use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// Steps per policy, at most.
pub const MAX_STEPS: usize = 20;
/// Targets per step, at most.
pub const MAX_TARGETS: usize = 20;
/// Repeats (extra passes through the steps), at most.
pub const MAX_REPEAT: i32 = 9;
/// Longest wait after a step, in minutes (one day).
pub const MAX_DELAY_MINUTES: i32 = 1440;

/// Where escalation stands: step `step` (0-based) on pass `loop_no` (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    pub step: i32,
    pub loop_no: i32,
}

/// The step after `at` in a policy of `steps` steps with `repeat` repeats: the next step,
/// else step 0 of the next pass while repeats remain, else `None` (escalation is over).
pub fn next_position(at: Position, steps: usize, repeat: i32) -> Option<Position> {
    let steps = i32::try_from(steps).ok().filter(|n| *n > 0)?;
    if at.step + 1 < steps {
        Some(Position {
            step: at.step + 1,
            loop_no: at.loop_no,
        })
    } else if at.loop_no < repeat {
        Some(Position {
            step: 0,
            loop_no: at.loop_no + 1,
        })
    } else {
        None
    }
}

/// Who a step pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TargetKind {
    /// One user.
    User,
    /// Everyone on a team.
    Team,
    /// A team's lead only.
    TeamLead,
    /// Whoever an on-call schedule has on call when the step runs.
    Schedule,
}

impl TargetKind {
    pub const ALL: [TargetKind; 4] = [
        TargetKind::User,
        TargetKind::Team,
        TargetKind::TeamLead,
        TargetKind::Schedule,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::User => "USER",
            TargetKind::Team => "TEAM",
            TargetKind::TeamLead => "TEAM_LEAD",
            TargetKind::Schedule => "SCHEDULE",
        }
    }

    pub fn parse(raw: &str) -> Option<TargetKind> {
        TargetKind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(raw.trim()))
    }

    pub fn label(self) -> &'static str {
        match self {
            TargetKind::User => "User",
            TargetKind::Team => "Whole team",
            TargetKind::TeamLead => "Team lead",
            TargetKind::Schedule => "On call in schedule",
        }
    }
}

/// Checks a step's delay.
pub fn check_delay(field: &str, minutes: i32) -> Result<(), AppError> {
    if (1..=MAX_DELAY_MINUTES).contains(&minutes) {
        Ok(())
    } else {
        Err(AppError::invalid(
            field,
            format!("must be between 1 and {MAX_DELAY_MINUTES} minutes"),
        ))
    }
}

/// Checks the repeat count.
pub fn check_repeat(repeat: i32) -> Result<(), AppError> {
    if (0..=MAX_REPEAT).contains(&repeat) {
        Ok(())
    } else {
        Err(AppError::invalid(
            "repeat_count",
            format!("must be between 0 and {MAX_REPEAT}"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(steps: usize, repeat: i32) -> Vec<(i32, i32)> {
        let mut at = Position {
            step: 0,
            loop_no: 0,
        };
        let mut out = vec![(0, 0)];
        while let Some(next) = next_position(at, steps, repeat) {
            out.push((next.step, next.loop_no));
            at = next;
        }
        out
    }

    #[test]
    fn walks_every_step_of_every_pass_then_stops() {
        assert_eq!(walk(1, 0), vec![(0, 0)]);
        assert_eq!(
            walk(3, 1),
            vec![(0, 0), (1, 0), (2, 0), (0, 1), (1, 1), (2, 1)]
        );
        assert_eq!(walk(2, 9).len(), 20);
        assert_eq!(walk(0, 3), vec![(0, 0)]);
    }

    #[test]
    fn bounds_are_enforced_with_field_names() {
        assert!(check_delay("steps[0].delay_minutes", 0).is_err());
        assert!(check_delay("steps[0].delay_minutes", 1441).is_err());
        check_delay("x", 1).unwrap();
        let err = check_repeat(10).unwrap_err();
        assert_eq!(err.field(), Some("repeat_count"));
        check_repeat(0).unwrap();
    }
}
