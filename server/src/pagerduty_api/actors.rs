//! Who acts and who acted: the `From` header (the email of a valid user, required on incident
//! writes), and user references for timeline entries that name their actor.

use std::collections::HashMap;

use app::auth::caller::Caller;
use app::domain::UserId;
use app::state::AppState;
use app::users::UserSummary;
use axum::http::HeaderMap;
use serde_json::Value;

use super::error::{PdError, PdResult};
use super::refs::{Kind, Urls};

/// The directory's users whose name or email contains `query` (at most 200).
async fn search(state: &AppState, caller: &Caller, query: &str) -> PdResult<Vec<UserSummary>> {
    if query.chars().count() > 100 {
        return Ok(Vec::new());
    }
    Ok(app::users::ops::list(state, caller, query, 1, 200)
        .await?
        .users)
}

/// The user the `From` header names. PagerDuty requires it on incident writes: missing, or not
/// the email of a user, is 400. OpsKnight records the API key's owner as the actor.
pub async fn require_from(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
) -> PdResult<UserSummary> {
    let from = headers
        .get("from")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            PdError::invalid(
                "You must specify a user's email address in the \"From\" header to perform this action",
            )
        })?;
    if from.eq_ignore_ascii_case(&caller.user.email) {
        return Ok(caller.user.clone());
    }
    search(state, caller, from)
        .await?
        .into_iter()
        .find(|u| u.email.eq_ignore_ascii_case(from))
        .ok_or_else(|| {
            PdError::invalid(format!(
                "The \"From\" header must be the email address of a valid user; no user has {from:?}"
            ))
        })
}

/// Finds users by display name (timeline entries name their actor), once per name.
#[derive(Default)]
pub struct Names {
    seen: HashMap<String, Option<UserId>>,
}

impl Names {
    /// The one user named `name`, if exactly one is.
    pub async fn find(&mut self, state: &AppState, caller: &Caller, name: &str) -> Option<UserId> {
        if let Some(known) = self.seen.get(name) {
            return *known;
        }
        let found = match search(state, caller, name).await {
            Ok(users) => {
                let mut same = users.into_iter().filter(|u| u.name == name);
                match (same.next(), same.next()) {
                    (Some(u), None) => Some(u.id),
                    _ => None,
                }
            }
            Err(_) => None,
        };
        self.seen.insert(name.to_owned(), found);
        found
    }

    /// A user reference for the actor `name`, or null when it names nobody for certain.
    pub async fn reference(
        &mut self,
        state: &AppState,
        caller: &Caller,
        urls: &Urls,
        name: Option<&str>,
    ) -> Value {
        let Some(name) = name else {
            return Value::Null;
        };
        match self.find(state, caller, name).await {
            Some(id) => urls.reference(Kind::User, &id, name),
            None => Value::Null,
        }
    }
}
