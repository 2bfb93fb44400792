//! Light/dark theme: follows the OS by default; a toggle stores an explicit choice in a cookie
//! so the server renders the right theme on the next load with no flash and no inline script.

use leptos::prelude::*;

pub const COOKIE: &str = "ok_theme";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    System,
    Light,
    Dark,
}

impl Theme {
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    pub fn parse(raw: &str) -> Theme {
        match raw {
            "light" => Theme::Light,
            "dark" => Theme::Dark,
            _ => Theme::System,
        }
    }

    fn next(self) -> Theme {
        match self {
            Theme::System => Theme::Dark,
            Theme::Dark => Theme::Light,
            Theme::Light => Theme::System,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Theme::System => "Theme: system",
            Theme::Light => "Theme: light",
            Theme::Dark => "Theme: dark",
        }
    }

    /// The theme chosen in a `Cookie` header value.
    pub fn from_cookie_header(header: &str) -> Theme {
        header
            .split(';')
            .filter_map(|kv| kv.trim().split_once('='))
            .find(|(k, _)| *k == COOKIE)
            .map(|(_, v)| Theme::parse(v))
            .unwrap_or(Theme::System)
    }
}

/// The theme as the page was rendered: the request cookie on the server, the `<html>`
/// attribute in the browser. Both agree, so hydration matches.
pub fn current_theme() -> Theme {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()
            .and_then(|p| {
                p.headers
                    .get(http::header::COOKIE)
                    .and_then(|v| v.to_str().ok())
                    .map(Theme::from_cookie_header)
            })
            .unwrap_or(Theme::System)
    }
    #[cfg(not(feature = "ssr"))]
    {
        document()
            .document_element()
            .and_then(|e| e.get_attribute("data-theme"))
            .map(|v| Theme::parse(&v))
            .unwrap_or(Theme::System)
    }
}

#[cfg(feature = "hydrate")]
fn apply(theme: Theme) {
    use wasm_bindgen::JsCast;
    if let Some(root) = document().document_element() {
        let _ = root.set_attribute("data-theme", theme.as_str());
    }
    if let Ok(doc) = document().dyn_into::<web_sys::HtmlDocument>() {
        let _ = doc.set_cookie(&format!(
            "{COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
            theme.as_str()
        ));
    }
}

/// A button cycling system → dark → light.
#[component]
pub fn ThemeToggle() -> impl IntoView {
    let theme = RwSignal::new(current_theme());
    let on_click = move |_| {
        let next = theme.get_untracked().next();
        theme.set(next);
        #[cfg(feature = "hydrate")]
        apply(next);
    };
    view! {
        <button
            type="button"
            class="theme-toggle"
            data-testid="theme-toggle"
            title=move || theme.get().label()
            aria-label=move || theme.get().label()
            on:click=on_click
        >
            <span class="theme-toggle__icon" aria-hidden="true">
                {move || match theme.get() {
                    Theme::System => "◐",
                    Theme::Dark => "☾",
                    Theme::Light => "☀",
                }}
            </span>
            <span class="theme-toggle__text">{move || theme.get().as_str()}</span>
        </button>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_theme_cookie() {
        assert_eq!(Theme::from_cookie_header("a=b; ok_theme=dark"), Theme::Dark);
        assert_eq!(Theme::from_cookie_header("ok_theme=light"), Theme::Light);
        assert_eq!(
            Theme::from_cookie_header("ok_theme=<script>"),
            Theme::System
        );
        assert_eq!(Theme::from_cookie_header(""), Theme::System);
    }
}
