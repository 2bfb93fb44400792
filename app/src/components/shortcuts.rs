//! Keyboard shortcuts: `/` focuses the global search and `?` shows the help, everywhere in
//! the command center; pages add their own (the incident list: `j` `k` `x` `a` `r`).
//! Keys typed into a field, or with Ctrl / Alt / Meta, are never shortcuts.

use leptos::prelude::*;

/// Every shortcut, for the help dialog: (keys, what it does).
pub const HELP: [(&str, &str); 8] = [
    (
        "/",
        "Search incidents, services, people, teams and schedules",
    ),
    ("?", "Show or hide this help"),
    ("j", "Incident list: next incident"),
    ("k", "Incident list: previous incident"),
    (
        "x",
        "Incident list: select or unselect the current incident",
    ),
    (
        "a",
        "Incident list: acknowledge the selected incidents, or the current one",
    ),
    (
        "r",
        "Incident list: resolve the selected incidents, or the current one",
    ),
    ("Enter", "Incident list: open the current incident"),
];

/// Whether a key press is meant for a field (or is a browser shortcut), not for us.
pub fn is_typing(ev: &leptos::ev::KeyboardEvent) -> bool {
    if ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
        return true;
    }
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(el) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let tag = el.tag_name();
            return matches!(tag.as_str(), "INPUT" | "TEXTAREA" | "SELECT")
                || el.is_content_editable();
        }
    }
    false
}

/// Installs the global shortcuts and renders the help dialog.
#[component]
pub fn Shortcuts() -> impl IntoView {
    let help = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    {
        let handle = window_event_listener(leptos::ev::keydown, move |ev| {
            if ev.key() == "Escape" {
                help.set(false);
                return;
            }
            if is_typing(&ev) {
                return;
            }
            match ev.key().as_str() {
                "/" => {
                    ev.prevent_default();
                    if let Some(input) = document()
                        .get_element_by_id(crate::search::widget::INPUT_ID)
                        .and_then(|e| {
                            wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok()
                        })
                    {
                        let _ = input.focus();
                    }
                }
                "?" => help.update(|h| *h = !*h),
                _ => {}
            }
        });
        on_cleanup(move || handle.remove());
    }
    view! {
        <Show when=move || help.get()>
            <div class="dialog-backdrop" on:click=move |_| help.set(false)></div>
            <section class="dialog" role="dialog" aria-modal="true" aria-labelledby="shortcuts-h" data-testid="shortcuts-help">
                <h2 id="shortcuts-h">"Keyboard shortcuts"</h2>
                <dl class="shortcuts">
                    {HELP.into_iter().map(|(key, what)| view! { <dt><kbd>{key}</kbd></dt><dd>{what}</dd> }).collect_view()}
                </dl>
                <button class="btn" type="button" on:click=move |_| help.set(false) autofocus=true>"Close"</button>
            </section>
        </Show>
    }
}
