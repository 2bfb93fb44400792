//! The "Owning team" picker the service, escalation policy and schedule editors share: no
//! team, or one of the teams. What a team owns is changed only by its OWNER and ADMIN members
//! and workspace ADMINs, so the hint says so.

use leptos::prelude::*;

use super::TeamSummary;
use crate::error::AppError;

/// A `<select>` of "No team" and every team, bound to `value` (a team id, or empty for none);
/// shows an error naming `team_id`. `form` keeps element ids apart between forms on a page.
#[component]
pub fn TeamPicker(
    form: &'static str,
    value: RwSignal<String>,
    teams: Signal<Vec<TeamSummary>>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let id = format!("f-{form}-team");
    let err_id = format!("{id}-err");
    let (select_id, described) = (id.clone(), err_id.clone());
    let message = move || {
        error
            .get()
            .filter(|e| e.field() == Some("team_id"))
            .map(|e| e.user_message())
    };
    view! {
        <div class="field" class:field--error=move || message().is_some()>
            <label for=id.clone()>"Owning team"</label>
            <Transition fallback=|| view! { <select disabled=true></select> }>
                {
                    move || view! {
                        <select id=select_id.clone() name="team_id" aria-describedby=described.clone()
                            on:change=move |ev| value.set(event_target_value(&ev))>
                            <option value="" selected=move || value.get().is_empty()>"No team"</option>
                            {teams.get().into_iter().map(|t| {
                                let tid = t.id.to_string();
                                let mine = tid.clone();
                                view! { <option value=tid selected=move || value.get() == mine>{t.name}</option> }
                            }).collect_view()}
                        </select>
                    }
                }
            </Transition>
            <p class="field__hint">"Only its OWNER and ADMIN members (and workspace ADMINs) change what a team owns."</p>
            <p class="field__error" id=err_id role="alert">{message}</p>
        </div>
    }
}
