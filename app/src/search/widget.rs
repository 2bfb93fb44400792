//! The global search box (a combobox): type to search, arrows to move, Enter to open,
//! Escape to close. `/` focuses it from anywhere (see the layout's shortcuts).

use leptos::prelude::*;

use super::Hit;
use super::api::search;

/// The input's id, for the `/` shortcut.
pub const INPUT_ID: &str = "global-search";

#[component]
pub fn GlobalSearch() -> impl IntoView {
    let query = RwSignal::new(String::new());
    let open = RwSignal::new(false);
    let active = RwSignal::new(0usize);
    let hits = Resource::new(
        move || query.get(),
        |q| async move {
            if q.trim().is_empty() {
                Ok(vec![])
            } else {
                search(q).await
            }
        },
    );
    let current = move || -> Vec<Hit> { hits.get().and_then(Result::ok).unwrap_or_default() };
    let navigate = leptos_router::hooks::use_navigate();
    let go = move |hit: &Hit| {
        open.set(false);
        query.set(String::new());
        navigate(&hit.href(), Default::default());
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let n = current().len();
        match ev.key().as_str() {
            "ArrowDown" if n > 0 => {
                ev.prevent_default();
                open.set(true);
                active.update(|a| *a = (*a + 1) % n);
            }
            "ArrowUp" if n > 0 => {
                ev.prevent_default();
                active.update(|a| *a = (*a + n - 1) % n);
            }
            "Enter" => {
                ev.prevent_default();
                if let Some(hit) = current().get(active.get_untracked()) {
                    go(hit);
                }
            }
            "Escape" => {
                open.set(false);
            }
            _ => {}
        }
    };
    view! {
        <div class="gsearch">
            <label for=INPUT_ID class="visually-hidden">"Search incidents, services, people, teams and schedules"</label>
            <input id=INPUT_ID class="gsearch__input" type="search" placeholder="Search…   /" autocomplete="off"
                role="combobox" aria-controls="global-search-list" aria-autocomplete="list"
                aria-expanded=move || (open.get() && !query.get().trim().is_empty()).to_string()
                aria-activedescendant=move || open.get().then(|| format!("gs-{}", active.get()))
                prop:value=move || query.get()
                on:input=move |ev| { query.set(event_target_value(&ev)); open.set(true); active.set(0); }
                on:keydown=on_key
                on:focus=move |_| open.set(true)
                on:blur=move |_| set_timeout(move || open.set(false), std::time::Duration::from_millis(200))/>
            <Show when=move || open.get() && !query.get().trim().is_empty()>
                <ul id="global-search-list" class="gsearch__list" role="listbox" aria-label="Search results" data-testid="search-results">
                    <Transition fallback=|| view! { <li class="muted small" aria-busy="true">"Searching…"</li> }>
                        {move || hits.get().map(|r| match r {
                            Ok(list) if list.is_empty() => view! { <li class="muted small gsearch__none">"No matches"</li> }.into_any(),
                            Ok(list) => list.into_iter().enumerate().map(|(i, hit)| {
                                let href = hit.href();
                                view! {
                                    <li id=format!("gs-{i}") role="option" class="gsearch__hit" aria-selected=move || (active.get() == i).to_string()>
                                        <a href=href on:click=move |_| open.set(false)>
                                            <span class="gsearch__kind">{hit.kind.label()}</span>
                                            <span class="gsearch__label">{hit.label}</span>
                                            {hit.detail.map(|d| view! { <span class="muted small">{d}</span> })}
                                        </a>
                                    </li>
                                }
                            }).collect_view().into_any(),
                            Err(e) => view! { <li class="error small" role="alert">{e.user_message()}</li> }.into_any(),
                        })}
                    </Transition>
                </ul>
            </Show>
        </div>
    }
}
