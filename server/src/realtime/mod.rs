//! Live updates: one Postgres LISTEN per instance feeds in-process broadcasts, served as
//! server-sent event streams filtered per viewer, with heartbeats and `Last-Event-ID` resume.
//!
//! - `GET /api/realtime/stream`: event `incidents` ([`app::incidents::LiveUpdate`]) for any
//!   reader of incidents;
//! - `GET /api/events/stream`: event `event`, the digest of each inbound event, for those who
//!   may wire integrations (RESPONDER, ADMIN);
//! - `GET /api/notifications/stream`: event `notification`, the caller's own pages.
//!
//! Any instance's NOTIFY reaches every instance's clients. Each frame is serialised once and
//! shared by every client; filtering is a comparison per frame and client. Event ids are
//! `<instance>-<seq>`: a client reconnecting to the same instance gets what it missed from a
//! ring of recent frames; otherwise (another instance, or too old) it gets `reset` and
//! reloads.

mod hub;
mod listen;
mod stream;

pub use hub::{Frame, Hub, Topic};
pub use stream::routes;
