//! The "How you are paged" card of the profile: the caller's notification rules (contact
//! method + delay after being paged), with the default spelled out when there are none.

use leptos::prelude::*;

use super::api::{AddNotificationRule, RemoveNotificationRule, list_notification_rules};
use crate::components::field::Field;
use crate::components::form::{FormError, action_error};

#[component]
pub fn NotificationRules() -> impl IntoView {
    let add = ServerAction::<AddNotificationRule>::new();
    let remove = ServerAction::<RemoveNotificationRule>::new();
    let rules = Resource::new(
        move || (add.version().get(), remove.version().get()),
        |_| list_notification_rules(),
    );
    let methods = Resource::new(
        move || add.version().get(),
        |_| crate::profile::api::list_contact_methods(),
    );
    let method = RwSignal::new(String::new());
    let delay = RwSignal::new("0".to_owned());
    let error = action_error(add);
    view! {
        <section class="card" aria-labelledby="rules-h">
            <h2 id="rules-h" class="card__title">"How you are paged"</h2>
            <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading…"</p> }>
                {move || rules.get().map(|r| match r {
                    Ok(list) if list.is_empty() => view! {
                        <p class="muted" data-testid="rules-default">"Default: an email to your sign-in address as soon as an escalation step pages you. Add rules to be paged on other contact methods, or later."</p>
                    }.into_any(),
                    Ok(list) => view! {
                        <table class="table" data-testid="notification-rules">
                            <thead><tr><th>"After"</th><th>"Contact method"</th><th class="num"></th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|r| view! {
                                    <tr>
                                        <td>{if r.delay_minutes == 0 { "Immediately".to_owned() } else { format!("{} min", r.delay_minutes) }}</td>
                                        <td>{r.label}" "<span class="mono small">{r.address}</span></td>
                                        <td class="num"><button class="btn btn--quiet" type="button"
                                            on:click=move |_| { remove.dispatch(RemoveNotificationRule { id: r.id }); }>"Remove"</button></td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
                })}
            </Transition>
            <form class="form form--inline" on:submit=move |ev| {
                ev.prevent_default();
                match method.get_untracked().parse() {
                    Ok(contact_method_id) => {
                        let delay_minutes = delay.get_untracked().trim().parse().unwrap_or(-1);
                        add.dispatch(AddNotificationRule { contact_method_id, delay_minutes });
                    }
                    Err(_) => add.value().set(Some(Err(crate::error::AppError::invalid("contact_method_id", "choose a contact method")))),
                }
            } novalidate>
                <div class="field">
                    <label for="f-rule-method">"Contact method"</label>
                    <Transition fallback=|| view! { <select id="f-rule-method" disabled=true></select> }>
                        {move || methods.get().map(|r| view! {
                            <select id="f-rule-method" on:change=move |ev| method.set(event_target_value(&ev))>
                                <option value="">"Choose…"</option>
                                {r.unwrap_or_default().into_iter().map(|m| view! {
                                    <option value=m.id.to_string()>{format!("{} · {}", m.label, m.address)}</option>
                                }).collect_view()}
                            </select>
                        })}
                    </Transition>
                    <p class="field__error" role="alert">{move || error.get().filter(|e| e.field() == Some("contact_method_id")).map(|e| e.user_message())}</p>
                </div>
                <Field name="delay_minutes" label="Minutes after being paged" kind="number" value=delay error=error/>
                <FormError error=error fields=&["contact_method_id", "delay_minutes"]/>
                <div class="form__actions">
                    <button class="btn" type="submit" disabled=move || add.pending().get()>"Add rule"</button>
                </div>
            </form>
        </section>
    }
}
