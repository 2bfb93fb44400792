//! The WASM entry point: hydrate the server-rendered `App`. Nothing else lives here.
#![cfg(target_arch = "wasm32")]
// Hydrating deeply nested Leptos views needs more than the default query depth.
#![recursion_limit = "256"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    // Tells tests and tools that the page is interactive.
    if let Some(body) = leptos::prelude::document().body() {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}
