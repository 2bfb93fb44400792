//! "Newer / Older" paging over a keyset cursor: a stack of `before` cursors whose last entry is
//! the page shown (`None` for the newest).

use leptos::prelude::*;

/// The cursor stack a keyset-paged list keeps; starts on the newest page.
pub fn cursor_stack() -> RwSignal<Vec<Option<i64>>> {
    RwSignal::new(vec![None])
}

/// The cursor of the page shown (tracked).
pub fn current_cursor(cursors: RwSignal<Vec<Option<i64>>>) -> Option<i64> {
    cursors.with(|c| c.last().copied().flatten())
}

/// Back to the newest page (after a filter changes).
pub fn reset_cursors(cursors: RwSignal<Vec<Option<i64>>>) {
    cursors.set(vec![None]);
}

/// The buttons under the list; `next` is the page's `next_before` (`None` on the last page).
#[component]
pub fn CursorPager(cursors: RwSignal<Vec<Option<i64>>>, next: Option<i64>) -> impl IntoView {
    view! {
        <nav class="pager" aria-label="Pages">
            <button class="btn" type="button" disabled=move || cursors.with(|c| c.len() <= 1)
                on:click=move |_| cursors.update(|c| { c.pop(); })>"Newer"</button>
            <button class="btn" type="button" disabled=next.is_none()
                on:click=move |_| cursors.update(|c| c.push(next))>"Older"</button>
        </nav>
    }
}
