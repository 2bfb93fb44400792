//! The "API keys" section of a team's page: the team's keys (members read them), and for the
//! team's owners and admins and workspace admins a form to make one (the secret is shown once)
//! and Revoke buttons. A team key acts as the team's service account, so it keeps working
//! when the person who made it leaves.

use leptos::prelude::*;

use super::admin_page::KeyTable;
use super::page::ScopePicker;
use super::team_api::{CreateTeamApiKey, RevokeTeamApiKey, list_team_api_keys};
use crate::components::field::Field;
use crate::components::form::{FormError, action_error};
use crate::domain::{Scope, TeamId};
use crate::error::AppError;

#[component]
pub fn TeamApiKeys(team_id: TeamId, manage: bool) -> impl IntoView {
    let create = ServerAction::<CreateTeamApiKey>::new();
    let revoke = ServerAction::<RevokeTeamApiKey>::new();
    let keys = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        move |_| list_team_api_keys(team_id),
    );
    let on_revoke = manage.then(|| {
        Callback::new(move |id| {
            revoke.dispatch(RevokeTeamApiKey { team_id, id });
        })
    });
    view! {
        <section class="card" aria-labelledby="team-keys-h">
            <h2 id="team-keys-h" class="card__title">"API keys"</h2>
            <p class="muted small">"Team keys act for the team, not for whoever made them, so scripts keep working when people leave."</p>
            {move || create.value().get().and_then(Result::ok).map(|k| view! {
                <div class="notice notice--ok" role="status">
                    <p>"Copy this key now. It is not shown again."</p>
                    <code class="secret" data-testid="new-team-key">{k.secret}</code>
                </div>
            })}
            {move || revoke.value().get().and_then(Result::err).map(|e| view! { <p class="error" role="alert">{e.user_message()}</p> })}
            <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading keys…"</p> }>
                {move || keys.get().map(|r| match r {
                    Ok(list) if list.is_empty() => view! { <p class="muted">"This team has no API keys."</p> }.into_any(),
                    Ok(list) => view! { <KeyTable keys=list on_revoke=on_revoke testid="team-api-keys"/> }.into_any(),
                    Err(AppError::Forbidden { .. }) => view! { <p class="muted">"Only the team's members and admins see its keys."</p> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
                })}
            </Transition>
            {manage.then(|| view! { <NewTeamKey team_id=team_id action=create/> })}
        </section>
    }
}

/// The form making a team key: name, expiry and scopes (never `admin`).
#[component]
fn NewTeamKey(team_id: TeamId, action: ServerAction<CreateTeamApiKey>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let days = RwSignal::new("365".to_owned());
    let chosen = RwSignal::new(vec![Scope::EventsWrite]);
    let error = action_error(action);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let d = days.get_untracked();
        action.dispatch(CreateTeamApiKey {
            team_id,
            name: name.get_untracked(),
            scopes: chosen
                .get_untracked()
                .iter()
                .map(|s| s.as_str().to_owned())
                .collect(),
            expires_in_days: if d.trim().is_empty() {
                None
            } else {
                Some(d.trim().parse().unwrap_or(-1))
            },
        });
    };
    view! {
        <form class="form form--inline" on:submit=on_submit novalidate>
            <Field name="name" form="team-key" label="Key name" value=name error=error hint="e.g. CI deploys"/>
            <Field name="expires_in_days" form="team-key" label="Expires in (days)" kind="number" value=days error=error hint="Empty for no expiry"/>
            <ScopePicker chosen=chosen error=error id="f-team-key-scopes-err"
                scopes=Scope::ALL.into_iter().filter(|s| *s != Scope::Admin).collect()/>
            <FormError error=error fields=&["name", "expires_in_days", "scopes"]/>
            <div class="form__actions">
                <button class="btn" type="submit" disabled=move || action.pending().get()>"Create team key"</button>
            </div>
        </form>
    }
}
