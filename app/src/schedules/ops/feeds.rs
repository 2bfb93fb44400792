//! Secret iCal feed URLs: a schedule's (reading or changing it needs the schedule rights, the
//! team rule included: `teams::perm`) or the caller's own shifts (any signed-in account).
//! Creating and revoking are audited.

use crate::auth::caller::Caller;
use crate::domain::{Access, Area, ScheduleId};
use crate::error::AppError;
use crate::schedules::Feed;
use crate::schedules::feeds::{self, Owner};
use crate::state::AppState;
use crate::teams::perm::{self, Edit, Object};

/// Checks the caller for a change to the feed of `schedule_id` (schedule writers) or, without
/// it, of their own shifts → whose feed it is.
fn changing(caller: &Caller, schedule_id: Option<ScheduleId>) -> Result<Owner, AppError> {
    match schedule_id {
        Some(s) => {
            caller.check(Access::Write(Area::Schedules))?;
            Ok(Owner::Schedule(s))
        }
        None => {
            caller.check(Access::OwnAccount)?;
            Ok(Owner::User(caller.user.id))
        }
    }
}

/// The transaction of a change to the feed of `schedule_id` (checked against the schedule's
/// team rule) or of the caller's own shifts.
async fn begin(
    state: &AppState,
    caller: &Caller,
    schedule_id: Option<ScheduleId>,
    action: &str,
) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, AppError> {
    match schedule_id {
        Some(s) => perm::begin(state, caller, Edit::change(Object::Schedule(s), action)).await,
        None => Ok(state.pool.begin().await?),
    }
}

/// The audit target of a feed change: the schedule's id, or the caller's email.
fn target(caller: &Caller, schedule_id: Option<ScheduleId>) -> String {
    schedule_id.map_or_else(|| caller.user.email.clone(), |s| s.to_string())
}

/// The live calendar feed of the schedule, or without `schedule_id` the caller's own; its URL
/// is only shown when created.
pub async fn get_feed(
    state: &AppState,
    caller: &Caller,
    schedule_id: Option<ScheduleId>,
) -> Result<Option<Feed>, AppError> {
    let owner = match schedule_id {
        Some(s) => {
            caller.check(Access::Read(Area::Schedules))?;
            if let Some(team) = crate::schedules::store::owner(&state.pool, s).await? {
                perm::sight(&state.pool, caller)
                    .await?
                    .require(team, "schedule")?;
            }
            Owner::Schedule(s)
        }
        None => {
            caller.check(Access::OwnAccount)?;
            Owner::User(caller.user.id)
        }
    };
    let mut conn = state.pool.begin().await?;
    feeds::live(&mut conn, owner).await
}

/// A new secret iCal URL (for the schedule, or the caller's own shifts), revoking the
/// previous one. Shown once.
pub async fn create_feed(
    state: &AppState,
    caller: &Caller,
    schedule_id: Option<ScheduleId>,
) -> Result<Feed, AppError> {
    let owner = changing(caller, schedule_id)?;
    let mut tx = begin(state, caller, schedule_id, "schedule.feed.create").await?;
    let now = state.clock.now();
    let feed = feeds::create(&mut tx, owner, caller.user.id, &state.public_url, now).await?;
    caller
        .audit(
            &mut *tx,
            now,
            "schedule.feed.create",
            &target(caller, schedule_id),
            serde_json::json!({"feed_id": feed.id, "schedule_id": schedule_id}),
        )
        .await?;
    tx.commit().await?;
    Ok(feed)
}

/// Revokes the feed (of the schedule, or the caller's own) → whether there was one; the old
/// URL stops working.
pub async fn revoke_feed(
    state: &AppState,
    caller: &Caller,
    schedule_id: Option<ScheduleId>,
) -> Result<bool, AppError> {
    let owner = changing(caller, schedule_id)?;
    let mut tx = begin(state, caller, schedule_id, "schedule.feed.revoke").await?;
    let now = state.clock.now();
    let revoked = feeds::revoke(&mut tx, owner, now).await?;
    if revoked {
        caller
            .audit(
                &mut *tx,
                now,
                "schedule.feed.revoke",
                &target(caller, schedule_id),
                serde_json::json!({"schedule_id": schedule_id}),
            )
            .await?;
    }
    tx.commit().await?;
    Ok(revoked)
}
