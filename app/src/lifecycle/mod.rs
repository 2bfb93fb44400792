//! The one owner of an incident's lifecycle. Every status change (a person's, an event's, a
//! timer's) goes through `transition`, which applies the state machine and its effects in the
//! caller's transaction: cancel the jobs and pages the change made moot, enqueue what the new
//! state needs (`effects`), and notify live views. New incidents get their first escalation
//! step from `effects::opened`; the engine runs steps through `step`. Jobs, the outbox and the
//! live NOTIFYs sit below this module and never call back up into it.

pub mod conditions;
pub mod effects;
pub mod escalate;
pub mod step;
pub mod steps;
pub mod transition;

#[cfg(test)]
mod layering;
