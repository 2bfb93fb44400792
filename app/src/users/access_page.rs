//! On `/users`, for admins: one user's way in. Their live sessions (sign one out, or sign
//! them out everywhere) and their API keys (revoke any), each with its loading and empty
//! states.

use leptos::prelude::*;

use crate::apikeys::admin_page::KeyTable;
use crate::apikeys::api::{RevokeApiKey, list_all_api_keys};
use crate::components::time::Time;
use crate::domain::UserId;
use crate::sessions::api::{RevokeAllUserSessions, RevokeUserSession, list_user_sessions};

#[component]
pub fn UserAccess(user_id: UserId, name: String, on_close: Callback<()>) -> impl IntoView {
    let revoke = ServerAction::<RevokeUserSession>::new();
    let everywhere = ServerAction::<RevokeAllUserSessions>::new();
    let revoke_key = ServerAction::<RevokeApiKey>::new();
    let sessions = Resource::new(
        move || (revoke.version().get(), everywhere.version().get()),
        move |_| list_user_sessions(user_id),
    );
    let keys = Resource::new(
        move || revoke_key.version().get(),
        move |_| list_all_api_keys(Some(user_id), false, None, crate::apikeys::MAX_PER_PAGE),
    );
    let error = Signal::derive(move || {
        revoke
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| everywhere.value().get().and_then(Result::err))
            .or_else(|| revoke_key.value().get().and_then(Result::err))
    });
    let on_revoke_key = Callback::new(move |id| {
        revoke_key.dispatch(RevokeApiKey { id });
    });
    view! {
        <section class="card" aria-labelledby="access-h" data-testid="user-access">
            <header class="page-head">
                <h2 id="access-h" class="card__title">{format!("Sessions and API keys of {name}")}</h2>
                <button class="btn btn--quiet" type="button" on:click=move |_| on_close.run(())>"Close"</button>
            </header>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e.user_message()}</p> })}
            {move || everywhere.value().get().and_then(Result::ok).map(|n| view! {
                <p class="muted" role="status">{format!("Signed out of {n} session{}.", if n == 1 { "" } else { "s" })}</p>
            })}
            <h3>"Sessions"</h3>
            <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading sessions…"</p> }>
                {move || sessions.get().map(|r| match r {
                    Ok(list) if list.is_empty() => view! { <p class="muted">"No live sessions."</p> }.into_any(),
                    Ok(list) => view! {
                        <table class="table" data-testid="user-sessions">
                            <thead><tr><th>"Device"</th><th class="opt">"IP"</th><th class="opt">"Signed in"</th><th>"Last active"</th><th class="num"></th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|s| {
                                    let id = s.id;
                                    view! {
                                        <tr>
                                            <td class="truncate">{s.user_agent.unwrap_or_else(|| "unknown".into())}
                                                {s.current.then(|| view! { " " <span class="badge badge--ok">"your session"</span> })}</td>
                                            <td class="mono opt">{s.ip.unwrap_or_default()}</td>
                                            <td class="opt"><Time at=s.created_at/></td>
                                            <td><Time at=s.last_seen_at/></td>
                                            <td class="num"><button class="btn btn--quiet" type="button"
                                                on:click=move |_| { revoke.dispatch(RevokeUserSession { user_id, id }); }>"Sign out"</button></td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
                })}
            </Transition>
            <div class="form__actions">
                <button class="btn" type="button" disabled=move || everywhere.pending().get()
                    on:click=move |_| { everywhere.dispatch(RevokeAllUserSessions { user_id }); }>"Sign out everywhere"</button>
            </div>
            <h3>"API keys"</h3>
            <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading keys…"</p> }>
                {move || keys.get().map(|r| match r {
                    Ok(page) if page.keys.is_empty() => view! { <p class="muted">"No API keys."</p> }.into_any(),
                    Ok(page) => view! { <KeyTable keys=page.keys on_revoke=Some(on_revoke_key) testid="user-api-keys"/> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
                })}
            </Transition>
        </section>
    }
}
