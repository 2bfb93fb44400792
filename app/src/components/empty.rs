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

/// A page whose feature is still on the roadmap: a heading and an honest empty state.
#[component]
pub fn Placeholder(title: &'static str, body: &'static str) -> impl IntoView {
    view! {
        <leptos_meta::Title text=format!("{title} · OpsKnight")/>
        <header class="page-head"><h1>{title}</h1></header>
        <EmptyState title="Nothing here yet" body=body/>
    }
}
