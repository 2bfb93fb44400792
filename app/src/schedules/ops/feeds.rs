//! Secret iCal feed URLs: a schedule's (reading or changing it needs the schedule rights) or
//! the caller's own shifts (any signed-in account). Creating and revoking are audited.

use crate::auth::caller::Caller;
use crate::domain::{Access, Area, ScheduleId};
use crate::error::AppError;
use crate::schedules::Feed;
use crate::schedules::feeds::{self, Owner};
use crate::state::AppState;

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
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    if let Some(s) = schedule_id {
        crate::schedules::store::load_one(&mut tx, s, now, now + chrono::Duration::seconds(1))
            .await?;
    }
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
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
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
