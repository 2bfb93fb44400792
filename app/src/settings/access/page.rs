//! The Settings page's "Team access" card: whether people outside a team see what it owns,
//! and whether only workspace ADMINs change schedules.

use leptos::prelude::*;

use super::AccessSettings;
use super::api::{SaveAccessSettings, get_access_settings};
use crate::components::form::{FormError, action_error};

#[component]
pub fn AccessCard() -> impl IntoView {
    let save = ServerAction::<SaveAccessSettings>::new();
    let current = Resource::new(move || save.version().get(), |_| get_access_settings());
    let error = action_error(save);
    view! {
        <section class="card" aria-labelledby="access-h" data-testid="access-settings">
            <h2 id="access-h" class="card__title">"Team access"</h2>
            <p class="muted small">"What a team owns (services, escalation policies, schedules) is changed only by the team's OWNER and ADMIN members and by workspace ADMINs. Anyone may still work the team's incidents."</p>
            <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading…"</p> }>
                {move || current.get().map(|r| match r {
                    Ok(s) => view! { <AccessForm settings=s save=save/> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
                })}
            </Transition>
            <FormError error=error/>
        </section>
    }
}

#[component]
fn AccessForm(settings: AccessSettings, save: ServerAction<SaveAccessSettings>) -> impl IntoView {
    let see = RwSignal::new(settings.outsiders_see_team_objects);
    let admin_only = RwSignal::new(settings.schedules_admin_only);
    view! {
        <form class="form" novalidate on:submit=move |ev| {
            ev.prevent_default();
            save.dispatch(SaveAccessSettings {
                outsiders_see_team_objects: see.get_untracked(),
                schedules_admin_only: admin_only.get_untracked(),
            });
        }>
            <label class="check"><input type="checkbox" name="outsiders_see_team_objects" prop:checked=see
                on:change=move |ev| see.set(event_target_checked(&ev))/>
                "People outside a team see its services, policies and schedules"</label>
            <label class="check"><input type="checkbox" name="schedules_admin_only" prop:checked=admin_only
                on:change=move |ev| admin_only.set(event_target_checked(&ev))/>
                "Only workspace ADMINs change schedules (overrides too)"</label>
            <div class="form__actions">
                <button class="btn" type="submit" disabled=move || save.pending().get()>"Save access settings"</button>
                {move || matches!(save.value().get(), Some(Ok(_))).then(|| view! { <span class="muted" role="status">"Saved"</span> })}
            </div>
        </form>
    }
}
