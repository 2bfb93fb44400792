//! A person's working hours and quiet hours: the caller's own (read and set, server fns over
//! `ops`), and the engine's read of anyone's (ssr). Both are `WeeklyHours` on the wall clock
//! of `users.time_zone`. Working hours feed the "outside working hours" step condition;
//! quiet hours hold LOW-urgency pages until they end (`notifications::store::outbox`).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::conditions::WeeklyHours;
use crate::error::AppError;

/// The caller's hours as the profile shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyHours {
    /// The zone the hours are in: the caller's time zone.
    pub time_zone: String,
    pub working_hours: Option<WeeklyHours>,
    pub quiet_hours: Option<WeeklyHours>,
}

/// `POST /api/profile/hours` → the caller's working hours and quiet hours.
#[server(prefix = "/api", endpoint = "profile/hours", input = server_fn::codec::Json)]
pub async fn get_hours() -> Result<MyHours, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    ops::get(&state, &caller).await
}

/// `POST /api/profile/hours/update` with `{"working_hours","quiet_hours"}`, each
/// `{"days":["mon",…],"from":"HH:MM","to":"HH:MM"}` or null (none), in the caller's time
/// zone. Errors name the field (`quiet_hours.from`).
#[server(prefix = "/api", endpoint = "profile/hours/update", input = server_fn::codec::Json)]
pub async fn update_hours(
    working_hours: Option<WeeklyHours>,
    quiet_hours: Option<WeeklyHours>,
) -> Result<MyHours, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    ops::set(&state, &caller, working_hours, quiet_hours).await
}

#[cfg(feature = "ssr")]
pub mod ops {
    //! The caller's own hours: read and set (a session, or a key with the `admin` scope).

    use super::MyHours;
    use crate::auth::caller::Caller;
    use crate::domain::Access;
    use crate::domain::conditions::WeeklyHours;
    use crate::domain::window::Window;
    use crate::error::AppError;
    use crate::state::AppState;

    /// The caller's hours.
    pub async fn get(state: &AppState, caller: &Caller) -> Result<MyHours, AppError> {
        caller.check(Access::OwnAccount)?;
        let mut conn = state.pool.begin().await?;
        let stored = super::store::read(&mut conn, &[caller.user.id]).await?;
        let me = stored
            .into_iter()
            .next()
            .ok_or_else(|| AppError::NotFound {
                what: "user".into(),
            })?;
        Ok(MyHours {
            time_zone: me.zone,
            working_hours: me.working.map(|(_, h)| h),
            quiet_hours: me.quiet.map(|(_, h)| h),
        })
    }

    /// Checks one set of hours in `zone`; `field` names it in errors.
    fn check(
        field: &str,
        hours: Option<WeeklyHours>,
        zone: &str,
    ) -> Result<Option<(WeeklyHours, Window)>, AppError> {
        let Some(h) = hours else { return Ok(None) };
        let w = h.compile(field, zone)?;
        Ok(Some((h.normalized(), w)))
    }

    /// Replaces both: checked in the caller's zone first, nothing saved on an error.
    pub async fn set(
        state: &AppState,
        caller: &Caller,
        working: Option<WeeklyHours>,
        quiet: Option<WeeklyHours>,
    ) -> Result<MyHours, AppError> {
        caller.check(Access::OwnAccount)?;
        let zone = caller.user.time_zone.clone();
        let now = state.clock.now();
        let working = check("working_hours", working, &zone)?.map(|(h, _)| h);
        let quiet = match check("quiet_hours", quiet, &zone)? {
            // Quiet all week long would hold LOW-urgency pages for ever.
            Some((_, w)) if w.occurrence_end(now).is_none() => {
                return Err(AppError::invalid(
                    "quiet_hours",
                    "quiet hours must end some time in the week",
                ));
            }
            q => q.map(|(h, _)| h),
        };
        super::store::write(
            &state.pool,
            caller.user.id,
            working.as_ref(),
            quiet.as_ref(),
            now,
        )
        .await?;
        get(state, caller).await
    }
}

#[cfg(feature = "ssr")]
pub mod store {
    //! The SQL of people's hours: write one person's, read many people's.

    use chrono::{DateTime, Utc};
    use sqlx::PgConnection;

    use crate::db::Db;
    use crate::domain::UserId;
    use crate::domain::conditions::WeeklyHours;
    use crate::domain::window::Window;
    use crate::error::AppError;

    /// One person's hours, compiled in their zone.
    #[derive(Debug, Clone)]
    pub struct UserHours {
        pub id: UserId,
        pub name: String,
        pub zone: String,
        pub working: Option<(Window, WeeklyHours)>,
        pub quiet: Option<(Window, WeeklyHours)>,
    }

    fn json(h: Option<&WeeklyHours>) -> Result<Option<serde_json::Value>, AppError> {
        h.map(serde_json::to_value)
            .transpose()
            .map_err(|e| AppError::Internal {
                message: format!("weekly hours: {e}"),
            })
    }

    pub async fn write(
        pool: &Db,
        user: UserId,
        working: Option<&WeeklyHours>,
        quiet: Option<&WeeklyHours>,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let done = sqlx::query(
            "UPDATE users SET working_hours = $2, quiet_hours = $3, updated_at = $4 WHERE id = $1",
        )
        .bind(user)
        .bind(json(working)?)
        .bind(json(quiet)?)
        .bind(now)
        .execute(pool)
        .await?;
        crate::error::found(done, "user")
    }

    /// Stored hours in `zone`; a value this code cannot read is an error naming the column.
    fn parse(
        column: &str,
        raw: Option<serde_json::Value>,
        zone: &str,
    ) -> Result<Option<(Window, WeeklyHours)>, AppError> {
        let Some(v) = raw else { return Ok(None) };
        let bad = |why: String| AppError::Internal {
            message: format!("database column {column} holds {v} (zone {zone:?}): {why}"),
        };
        let h: WeeklyHours = serde_json::from_value(v.clone()).map_err(|e| bad(e.to_string()))?;
        let w = h.compile(column, zone).map_err(|e| bad(e.to_string()))?;
        Ok(Some((w, h)))
    }

    /// The hours of `users` (those that exist), in one query.
    pub async fn read(
        conn: &mut PgConnection,
        users: &[UserId],
    ) -> Result<Vec<UserHours>, AppError> {
        type Row = (
            UserId,
            String,
            String,
            Option<serde_json::Value>,
            Option<serde_json::Value>,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, name, time_zone, working_hours, quiet_hours FROM users WHERE id = ANY($1)",
        )
        .bind(users)
        .fetch_all(&mut *conn)
        .await?;
        rows.into_iter()
            .map(|(id, name, zone, working, quiet)| {
                Ok(UserHours {
                    working: parse("users.working_hours", working, &zone)?,
                    quiet: parse("users.quiet_hours", quiet, &zone)?,
                    id,
                    name,
                    zone,
                })
            })
            .collect()
    }
}
