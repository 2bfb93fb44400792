//! Key lists for admins: `KeyTable` (keys with their owner, creator and a Revoke button,
//! shared by the user and team views) and `AllApiKeys`, the workspace's keys a page at a time
//! (on `/users`, for admins).

use leptos::prelude::*;

use super::ApiKeySummary;
use super::api::{RevokeApiKey, list_all_api_keys};
use crate::components::time::Time;
use crate::domain::ApiKeyId;

/// Keys per page of the admin list.
const PER_PAGE: i64 = 50;

/// A table of keys. `show_owner` adds whose each key is; `on_revoke` (absent: read-only) gets
/// the key to revoke. Revoked keys are dimmed and marked.
#[component]
pub fn KeyTable(
    keys: Vec<ApiKeySummary>,
    #[prop(optional)] show_owner: bool,
    #[prop(optional_no_strip)] on_revoke: Option<Callback<ApiKeyId>>,
    #[prop(default = "api-keys")] testid: &'static str,
) -> impl IntoView {
    view! {
        <table class="table" data-testid=testid>
            <thead><tr>
                <th>"Name"</th>
                {show_owner.then(|| view! { <th>"Owner"</th> })}
                <th class="opt">"Made by"</th>
                <th>"Scopes"</th>
                <th class="opt">"Last used"</th>
                <th class="opt">"Expires"</th>
                <th class="num"></th>
            </tr></thead>
            <tbody>
                {keys.into_iter().map(|k| {
                    let revoked = k.revoked_at.is_some();
                    let id = k.id;
                    view! {
                        <tr class:row--dim=revoked>
                            <td>{k.name}<div class="mono muted small">{format!("{}…", k.prefix)}</div></td>
                            {show_owner.then(|| view! {
                                <td>{if k.owner.team_id.is_some() {
                                    view! { {k.owner.name.clone()} " " <span class="badge badge--low">"team"</span> }.into_any()
                                } else {
                                    view! { {k.owner.name.clone()}<div class="mono muted small">{k.owner.email.clone()}</div> }.into_any()
                                }}</td>
                            })}
                            <td class="opt">{k.created_by_name.unwrap_or_else(|| "deleted user".into())}</td>
                            <td>{k.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")}</td>
                            <td class="opt">{match k.last_used_at { Some(t) => view! { <Time at=t/> }.into_any(), None => "never".into_any() }}</td>
                            <td class="opt">{match k.expires_at { Some(t) => view! { <Time at=t/> }.into_any(), None => "never".into_any() }}</td>
                            <td class="num">{match (revoked, on_revoke) {
                                (true, _) => view! { <span class="badge badge--high">"revoked"</span> }.into_any(),
                                (false, Some(cb)) => view! {
                                    <button class="btn btn--quiet" type="button" on:click=move |_| cb.run(id)>"Revoke"</button>
                                }.into_any(),
                                (false, None) => ().into_any(),
                            }}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// Every key of the workspace, newest first, a page at a time, each revocable (ADMIN).
#[component]
pub fn AllApiKeys() -> impl IntoView {
    let revoke = ServerAction::<RevokeApiKey>::new();
    let live_only = RwSignal::new(true);
    // The cursors of the pages walked through; the last is the page shown (None: the first).
    let cursors = RwSignal::new(vec![None::<String>]);
    let keys = Resource::new(
        move || {
            (
                live_only.get(),
                cursors.with(|c| c.last().cloned().flatten()),
                revoke.version().get(),
            )
        },
        |(live, before, _)| list_all_api_keys(None, live, before, PER_PAGE),
    );
    let on_revoke = Callback::new(move |id| {
        revoke.dispatch(RevokeApiKey { id });
    });
    view! {
        <section class="card" aria-labelledby="all-keys-h">
            <h2 id="all-keys-h" class="card__title">"All API keys"</h2>
            <label class="check">
                <input type="checkbox" prop:checked=move || live_only.get()
                    on:change=move |ev| { live_only.set(event_target_checked(&ev)); cursors.set(vec![None]); }/>
                <span>"Only keys that work (not revoked or expired)"</span>
            </label>
            {move || revoke.value().get().and_then(Result::err).map(|e| view! { <p class="error" role="alert">{e.user_message()}</p> })}
            <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading keys…"</p> }>
                {move || keys.get().map(|r| match r {
                    Ok(page) if page.keys.is_empty() => view! {
                        <p class="muted">"No API keys. People make their own on their profile; teams on their team page."</p>
                    }.into_any(),
                    Ok(page) => {
                        let next = page.next_before.clone();
                        let last = next.is_none();
                        view! {
                            <KeyTable keys=page.keys show_owner=true on_revoke=Some(on_revoke) testid="all-api-keys"/>
                            <nav class="pager" aria-label="Key pages">
                                <button class="btn" type="button" disabled=move || cursors.with(|c| c.len() <= 1)
                                    on:click=move |_| cursors.update(|c| { c.pop(); })>"Previous"</button>
                                <button class="btn" type="button" disabled=last
                                    on:click=move |_| { let n = next.clone(); cursors.update(|c| c.push(n)); }>"Next"</button>
                            </nav>
                        }.into_any()
                    }
                    Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
                })}
            </Transition>
        </section>
    }
}
