//! The incident page's "Escalate now" and "Merge into this incident" actions.

use leptos::prelude::*;

use super::api::{EscalateIncident, MergeIncidents};
use crate::components::form::action_error;
use crate::domain::IncidentId;

/// Incident numbers as people type them: `#12, 13 14`.
fn numbers(raw: &str) -> Vec<i64> {
    raw.split(|c: char| c == ',' || c.is_whitespace())
        .map(|s| s.trim().trim_start_matches('#'))
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap_or(-1))
        .collect()
}

#[component]
pub fn MoreActions(id: IncidentId, open: bool, resolved: bool) -> impl IntoView {
    let escalate = ServerAction::<EscalateIncident>::new();
    let merge = ServerAction::<MergeIncidents>::new();
    let which = RwSignal::new(String::new());
    let escalate_error = action_error(escalate);
    let merge_error = action_error(merge);
    view! {
        <div class="more-actions">
            {open.then(|| view! {
                <button class="btn" type="button" data-testid="escalate-now" disabled=move || escalate.pending().get()
                    on:click=move |_| { escalate.dispatch(EscalateIncident { id }); }>"Escalate now"</button>
            })}
            {move || escalate.value().get().map(|r| match r {
                Ok(()) => view! { <span class="muted" role="status">"The next step runs now."</span> }.into_any(),
                Err(_) => ().into_any(),
            })}
            {move || escalate_error.get().map(|e| view! { <span class="error" role="alert">{e.user_message()}</span> })}
            {(!resolved).then(|| view! {
                <form class="form form--inline" aria-label="Merge" on:submit=move |ev| {
                    ev.prevent_default();
                    merge.dispatch(MergeIncidents { target_id: id, source_ids: Vec::new(), source_numbers: numbers(&which.get_untracked()) });
                } novalidate>
                    <label for="merge-numbers">"Merge into this incident"</label>
                    <input id="merge-numbers" placeholder="#12, #13" size="12" prop:value=move || which.get() on:input=move |e| which.set(event_target_value(&e))/>
                    <button class="btn" type="submit" disabled=move || merge.pending().get()>"Merge"</button>
                </form>
            })}
            {move || merge.value().get().map(|r| match r {
                Ok(n) => view! { <span class="muted" role="status">{format!("Merged {n} incident(s) into this one.")}</span> }.into_any(),
                Err(e) => view! { <span class="error" role="alert">{e.user_message()}</span> }.into_any(),
            })}
            {move || merge_error.get().map(|_| ())}
        </div>
    }
}
