//! Empty-state card: what this page is for and what to do first.

use leptos::prelude::*;

#[component]
pub fn EmptyState(
    title: &'static str,
    #[prop(into)] body: String,
    #[prop(optional)] action: Option<(&'static str, &'static str)>,
) -> impl IntoView {
    view! {
        <section class="empty" aria-label=title>
            <h2 class="empty__title">{title}</h2>
            <p class="empty__body">{body}</p>
            {action.map(|(label, href)| view! { <a class="btn btn--primary" href=href>{label}</a> })}
        </section>
    }
}
