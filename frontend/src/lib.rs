//! The WASM entry point: hydrate the server-rendered `App`. Nothing else lives here.
#![cfg(target_arch = "wasm32")]
// Hydrating deeply nested Leptos views needs more than the default query depth.
#![recursion_limit = "256"]

/// Hydrates the page. In a split build most pages' code is in modules loaded on demand, so
/// this first loads the one the current page needs (`app::pages::preload`), then hydrates.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // An Err only means the executor was already set up.
    let _ = any_spawner::Executor::init_wasm_bindgen();
    leptos::task::spawn_local(async {
        let document = leptos::prelude::document();
        let path = document.location().and_then(|l| l.pathname().ok());
        app::pages::preload(path.as_deref().unwrap_or("/")).await;
        leptos::mount::hydrate_body(app::App);
        // Tells tests and tools that the page is interactive.
        if let Some(body) = document.body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
}
