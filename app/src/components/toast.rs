//! Toasts: short messages in an `aria-live` region, each gone after a few seconds.

use leptos::prelude::*;

/// How long a toast stays.
const TOAST_MS: u64 = 6000;

#[derive(Debug, Clone, Copy)]
pub struct Toasts {
    items: RwSignal<Vec<(u64, bool, String)>>,
    next: StoredValue<u64>,
}

impl Toasts {
    /// Shows `message`; `error` styles it as a failure.
    pub fn show(&self, message: impl Into<String>, error: bool) {
        let id = self.next.get_value();
        self.next.set_value(id + 1);
        self.items.update(|v| v.push((id, error, message.into())));
        let items = self.items;
        set_timeout(
            move || items.update(|v| v.retain(|(i, _, _)| *i != id)),
            std::time::Duration::from_millis(TOAST_MS),
        );
    }
}

/// The layout's toasts (a detached set outside a layout).
pub fn use_toasts() -> Toasts {
    use_context::<Toasts>().unwrap_or_else(new_toasts)
}

fn new_toasts() -> Toasts {
    Toasts {
        items: RwSignal::new(vec![]),
        next: StoredValue::new(0),
    }
}

/// The region toasts appear in; provides [`Toasts`] to the layout.
pub fn provide_toasts() -> Toasts {
    let t = new_toasts();
    provide_context(t);
    t
}

#[component]
pub fn ToastRegion() -> impl IntoView {
    let t = use_toasts();
    view! {
        <div class="toasts" role="status" aria-live="polite" aria-atomic="false" data-testid="toasts">
            <For each=move || t.items.get() key=|(id, _, _)| *id let:item>
                <p class=if item.1 { "toast toast--error" } else { "toast" }>{item.2}</p>
            </For>
        </div>
    }
}
