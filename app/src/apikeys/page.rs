//! The API keys section of the profile: create (the secret is shown once), list, revoke.

use leptos::prelude::*;

use super::api::{CreateApiKey, RevokeApiKey, list_api_keys};
use crate::components::field::Field;
use crate::components::form::{FormError, action_error};
use crate::components::time::Time;
use crate::domain::Scope;

#[component]
pub fn ApiKeys() -> impl IntoView {
    let create = ServerAction::<CreateApiKey>::new();
    let revoke = ServerAction::<RevokeApiKey>::new();
    let keys = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        |_| list_api_keys(),
    );
    let name = RwSignal::new(String::new());
    let days = RwSignal::new("90".to_owned());
    let chosen = RwSignal::new(vec![Scope::IncidentsRead]);
    let error = action_error(create);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let d = days.get_untracked();
        create.dispatch(CreateApiKey {
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
        <section class="card" aria-labelledby="keys-h">
            <h2 id="keys-h" class="card__title">"API keys"</h2>
            {move || create.value().get().and_then(Result::ok).map(|k| view! {
                <div class="notice notice--ok" role="status">
                    <p>"Copy this key now. It is not shown again."</p>
                    <code class="secret" data-testid="new-key">{k.secret}</code>
                </div>
            })}
            <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading…"</p> }>
                {move || keys.get().map(|r| match r {
                    Ok(list) if list.is_empty() => view! { <p class="muted">"No API keys. Scripts use a key as Authorization: Bearer <key>."</p> }.into_any(),
                    Ok(list) => view! {
                        <table class="table" data-testid="api-keys">
                            <thead><tr><th>"Name"</th><th class="opt">"Key"</th><th>"Scopes"</th><th class="opt">"Last used"</th><th class="opt">"Expires"</th><th class="num"></th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|k| {
                                    let revoked = k.revoked_at.is_some();
                                    view! {
                                        <tr class:row--dim=revoked>
                                            <td>{k.name}</td>
                                            <td class="mono opt">{format!("{}…", k.prefix)}</td>
                                            <td>{k.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")}</td>
                                            <td class="opt">{match k.last_used_at { Some(t) => view! { <Time at=t/> }.into_any(), None => "never".into_any() }}</td>
                                            <td class="opt">{match k.expires_at { Some(t) => view! { <Time at=t/> }.into_any(), None => "never".into_any() }}</td>
                                            <td class="num">{if revoked {
                                                view! { <span class="badge badge--high">"revoked"</span> }.into_any()
                                            } else {
                                                view! { <button class="btn btn--quiet" type="button"
                                                    on:click=move |_| { revoke.dispatch(RevokeApiKey { id: k.id }); }>"Revoke"</button> }.into_any()
                                            }}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
                })}
            </Transition>
            <form class="form form--inline" on:submit=on_submit novalidate>
                <Field name="name" form="key" label="Key name" value=name error=error hint="e.g. deploy script"/>
                <Field name="expires_in_days" label="Expires in (days)" kind="number" value=days error=error hint="Empty for no expiry"/>
                <ScopePicker chosen=chosen error=error id="f-scopes-err" scopes=Scope::ALL.to_vec()/>
                <FormError error=error fields=&["name", "expires_in_days", "scopes"]/>
                <div class="form__actions">
                    <button class="btn" type="submit" disabled=move || create.pending().get()>"Create key"</button>
                </div>
            </form>
        </section>
    }
}

/// The scope checkboxes of a new key's form (personal and team keys), with the `scopes`
/// error under them; `id` is the error's element id.
#[component]
pub fn ScopePicker(
    chosen: RwSignal<Vec<Scope>>,
    error: Signal<Option<crate::error::AppError>>,
    id: &'static str,
    scopes: Vec<Scope>,
) -> impl IntoView {
    view! {
        <fieldset class="field scopes" aria-describedby=id>
            <legend>"Scopes"</legend>
            {scopes.into_iter().map(|s| view! {
                <label class="check">
                    <input type="checkbox" prop:checked=move || chosen.get().contains(&s)
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            chosen.update(|c| { c.retain(|x| *x != s); if on { c.push(s); } });
                        }/>
                    <span class="mono">{s.as_str()}</span>
                </label>
            }).collect_view()}
            <p class="field__error" id=id role="alert">
                {move || error.get().filter(|e| e.field() == Some("scopes")).map(|e| e.user_message())}
            </p>
        </fieldset>
    }
}
