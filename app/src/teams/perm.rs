//! Team-scoped permissions, the one place they live. What a team owns (a service with its
//! integrations and channels, an escalation policy with its steps, a schedule with its layers,
//! overrides, temporary schedules and calendar feed) is changed only by the team's OWNER and
//! ADMIN members or a workspace ADMIN, on top of the role the write needs anyway (RESPONDER);
//! creating an object for a team needs those rights on that team, moving one between teams
//! needs them on both. Unowned objects keep the general rules; incidents are not restricted.
//! The access settings (`settings::access`) may hide a team's objects from everyone outside it
//! but workspace ADMINs, and may reserve schedule writes for workspace ADMINs.
//!
//! A workspace ADMIN is a caller whose role is ADMIN (the write's key scope is checked before,
//! with the role). A refused write changes nothing: the check runs first in the write's own
//! transaction, which is rolled back, and `permission.denied` is recorded in a statement of
//! its own.

use sqlx::{PgConnection, Postgres, Transaction};
use uuid::Uuid;

use super::store::team_role_of;
use crate::auth::caller::Caller;
use crate::domain::{IntegrationId, PolicyId, Role, ScheduleId, ServiceId, TeamId};
use crate::error::AppError;
use crate::settings::access::{AccessSettings, store as access};
use crate::state::AppState;

/// What a team can own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Service,
    Policy,
    Schedule,
}

impl Kind {
    /// The noun messages use.
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Service => "service",
            Kind::Policy => "escalation policy",
            Kind::Schedule => "schedule",
        }
    }
}

/// An existing object a write acts on: an owned object, or an integration (owned through its
/// service).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Object {
    Service(ServiceId),
    Integration(IntegrationId),
    Policy(PolicyId),
    Schedule(ScheduleId),
}

impl Object {
    pub fn kind(self) -> Kind {
        match self {
            Object::Service(_) | Object::Integration(_) => Kind::Service,
            Object::Policy(_) => Kind::Policy,
            Object::Schedule(_) => Kind::Schedule,
        }
    }

    /// The noun of a 404 for this object.
    fn noun(self) -> &'static str {
        match self {
            Object::Integration(_) => "integration",
            other => other.kind().noun(),
        }
    }

    fn id(self) -> Uuid {
        match self {
            Object::Service(id) => id.0,
            Object::Integration(id) => id.0,
            Object::Policy(id) => id.0,
            Object::Schedule(id) => id.0,
        }
    }
}

/// One write as the rule sees it: what is attempted (the audit action it would record), on
/// what, and the owner it gives the object.
#[derive(Debug, Clone, Copy)]
pub struct Edit<'a> {
    action: &'a str,
    kind: Kind,
    /// `None` for a new object.
    object: Option<Object>,
    /// A new object's name (the audit target of a refusal).
    name: &'a str,
    /// The owner the write sets; `None` leaves the owner as it is.
    to: Option<Option<TeamId>>,
}

impl<'a> Edit<'a> {
    /// Creating a `kind` named `name`, owned by `team`.
    pub fn create(kind: Kind, name: &'a str, team: Option<TeamId>, action: &'a str) -> Self {
        Edit {
            action,
            kind,
            object: None,
            name,
            to: Some(team),
        }
    }

    /// Changing or deleting `object` or one of its parts, its owner left as it is.
    pub fn change(object: Object, action: &'a str) -> Self {
        Edit {
            action,
            kind: object.kind(),
            object: Some(object),
            name: "",
            to: None,
        }
    }

    /// The same change, also making `team` the owner (a move when it is another team).
    pub fn owned_by(self, team: Option<TeamId>) -> Self {
        Edit {
            to: Some(team),
            ..self
        }
    }
}

/// Whether the caller is a workspace ADMIN, above every team rule.
pub fn is_workspace_admin(caller: &Caller) -> bool {
    caller.user.role == Role::Admin
}

/// Why a write is refused.
#[derive(Debug, Clone, Copy)]
enum Refusal {
    /// The settings hide the owner team's objects from this caller: answered as not found.
    Hidden,
    /// `schedules_admin_only` is on and the caller is no workspace ADMIN.
    SchedulesAdminOnly,
    /// The caller is no OWNER or ADMIN member of this team.
    Team(TeamId),
}

impl Refusal {
    fn reason(self) -> &'static str {
        match self {
            Refusal::Hidden => "hidden",
            Refusal::SchedulesAdminOnly => "schedules_admin_only",
            Refusal::Team(_) => "team_role",
        }
    }
}

/// Begins the write's transaction and checks `edit` first thing in it, with the object's row
/// locked so its owner cannot change before the write commits. Allowed: the transaction, to
/// go on. Refused: the transaction rolled back, `permission.denied` recorded, then 403 naming
/// whose OWNER/ADMIN may do it (404 when the settings hide the object from the caller). An
/// unknown object is 404, an unknown new owner 400 on `team_id`.
pub async fn begin(
    state: &AppState,
    caller: &Caller,
    edit: Edit<'_>,
) -> Result<Transaction<'static, Postgres>, AppError> {
    let mut tx = state.pool.begin().await?;
    let (before, target) = match edit.object {
        Some(object) => super::store::owner_of(&mut tx, object)
            .await?
            .ok_or_else(|| AppError::NotFound {
                what: object.noun().into(),
            })?,
        None => (None, edit.name.trim().chars().take(100).collect()),
    };
    let Some(refusal) = refusal(&mut tx, caller, &edit, before).await? else {
        return Ok(tx);
    };
    let team = match refusal {
        Refusal::Team(t) => Some(t),
        Refusal::Hidden | Refusal::SchedulesAdminOnly => before,
    };
    let team_name = match team {
        Some(t) => super::store::name_of(&mut *tx, t).await?,
        None => None,
    };
    tx.rollback().await?;
    let noun = edit.kind.noun();
    let error = match refusal {
        Refusal::Hidden => AppError::NotFound { what: noun.into() },
        Refusal::SchedulesAdminOnly => AppError::forbidden(
            "only workspace ADMINs may change schedules here (the schedules_admin_only setting)",
        ),
        Refusal::Team(_) => match &team_name {
            Some(name) => AppError::forbidden(format!(
                "only the OWNER and ADMIN members of team {name} (or a workspace ADMIN) may change this {noun}"
            )),
            // The new owner named does not exist: bad input, not a refusal to record.
            None => return Err(AppError::invalid("team_id", "no such team")),
        },
    };
    let details = serde_json::json!({
        "attempted": edit.action,
        "kind": noun,
        "id": edit.object.map(Object::id),
        "team_id": team,
        "team": team_name,
        "reason": refusal.reason(),
    });
    let now = state.clock.now();
    caller
        .audit(&state.pool, now, "permission.denied", &target, details)
        .await?;
    tracing::info!(user = %caller.user.id, action = edit.action, target, reason = refusal.reason(), "write refused by a team rule");
    Err(error)
}

/// Why `edit` is refused to `caller` (`before`: the object's owner now), or `None`.
async fn refusal(
    conn: &mut PgConnection,
    caller: &Caller,
    edit: &Edit<'_>,
    before: Option<TeamId>,
) -> Result<Option<Refusal>, AppError> {
    if is_workspace_admin(caller) {
        return Ok(None);
    }
    let settings = access::load(&mut *conn).await?;
    let role_before = match before {
        Some(t) => team_role_of(&mut *conn, caller.user.id, t).await?,
        None => None,
    };
    if before.is_some() && role_before.is_none() && !settings.outsiders_see_team_objects {
        return Ok(Some(Refusal::Hidden));
    }
    if edit.kind == Kind::Schedule && settings.schedules_admin_only {
        return Ok(Some(Refusal::SchedulesAdminOnly));
    }
    if let Some(t) = before
        && !role_before.is_some_and(super::TeamRole::manages)
    {
        return Ok(Some(Refusal::Team(t)));
    }
    if let Some(Some(t)) = edit.to
        && Some(t) != before
        && !team_role_of(&mut *conn, caller.user.id, t)
            .await?
            .is_some_and(super::TeamRole::manages)
    {
        return Ok(Some(Refusal::Team(t)));
    }
    Ok(None)
}

/// Which owners' objects a caller sees: every one, or the unowned ones and those of the
/// caller's own teams (when the settings hide teams' objects from outsiders).
#[derive(Debug, Clone)]
pub struct Sight {
    /// `None`: everything.
    teams: Option<Vec<TeamId>>,
}

impl Sight {
    /// Whether an object owned by `owner` is seen.
    pub fn sees(&self, owner: Option<TeamId>) -> bool {
        match (&self.teams, owner) {
            (None, _) | (_, None) => true,
            (Some(mine), Some(t)) => mine.contains(&t),
        }
    }

    /// The teams whose objects are seen besides unowned ones, or `None` for every team's (for
    /// filters written in SQL).
    pub fn teams(&self) -> Option<&[TeamId]> {
        self.teams.as_deref()
    }

    /// `Ok` when an object owned by `owner` is seen; 404 naming `what` when it is not, as if
    /// it did not exist.
    pub fn require(&self, owner: Option<TeamId>, what: &str) -> Result<(), AppError> {
        if self.sees(owner) {
            Ok(())
        } else {
            Err(AppError::NotFound { what: what.into() })
        }
    }
}

/// What `caller` sees under the access settings: everything unless the settings hide teams'
/// objects from outsiders and the caller is no workspace ADMIN.
pub async fn sight(db: &crate::db::Db, caller: &Caller) -> Result<Sight, AppError> {
    if is_workspace_admin(caller) {
        return Ok(Sight { teams: None });
    }
    let settings: AccessSettings = access::load(db).await?;
    if settings.outsiders_see_team_objects {
        return Ok(Sight { teams: None });
    }
    Ok(Sight {
        teams: Some(super::store::teams_of_user(db, caller.user.id).await?),
    })
}
