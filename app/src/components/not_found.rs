//! The 404 page (and its HTTP status on the server).

use leptos::prelude::*;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <leptos_meta::Title text="Not found · OpsKnight"/>
        <main class="standalone" id="main">
            <div class="standalone__card">
                <p class="standalone__code">"404"</p>
                <h1>"Page not found"</h1>
                <p>"The page you asked for does not exist or has moved."</p>
                <p><a class="btn btn--primary" href="/">"Go to the dashboard"</a>" "<a class="btn" href="/m">"Mobile view"</a></p>
            </div>
        </main>
    }
}
