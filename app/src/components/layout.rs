//! The two shells: the desktop command center with a sidebar, and the `/m` phone layout with a tab bar.

use leptos::prelude::*;
use leptos_router::components::{A, Outlet};

use super::icons::Icon;
use super::theme::ThemeToggle;
use super::time::CurrentUser;
use crate::auth::api::{Logout, me};
use crate::domain::Role;

/// Desktop navigation: (label, href, icon).
pub const NAV: [(&str, &str, &str); 8] = [
    ("Dashboard", "/", "dashboard"),
    ("Incidents", "/incidents", "incidents"),
    ("Services", "/services", "services"),
    ("Escalation policies", "/policies", "policies"),
    ("Schedules", "/schedules", "schedules"),
    ("Teams", "/teams", "teams"),
    ("Users", "/users", "users"),
    ("Settings", "/settings", "settings"),
];

/// Phone tabs: (label, href, icon).
pub const TABS: [(&str, &str, &str); 4] = [
    ("Incidents", "/m", "incidents"),
    ("On call", "/m/oncall", "oncall"),
    ("Shifts", "/m/shifts", "schedules"),
    ("Profile", "/m/profile", "users"),
];

/// The router handles in-page links itself, so the skip link focuses `<main>` explicitly
/// (without JavaScript the plain `#main` link does the job).
fn skip_to_main(ev: leptos::ev::MouseEvent) {
    ev.prevent_default();
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(main) = document()
            .get_element_by_id("main")
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = main.focus();
        }
    }
}

/// Loads the signed-in user once for the whole layout.
fn provide_current_user() -> CurrentUser {
    let user = CurrentUser(Resource::new(|| (), |_| me()));
    provide_context(user);
    user
}

/// The signed-in user's name, profile link, admin links and sign-out.
#[component]
pub fn Account(#[prop(optional)] mobile: bool) -> impl IntoView {
    let user = expect_context::<CurrentUser>().0;
    let logout = ServerAction::<Logout>::new();
    let login = if mobile { "/m/login" } else { "/login" };
    Effect::new(move |_| {
        if matches!(logout.value().get(), Some(Ok(()))) {
            // A full load, so no state of the signed-out user survives in memory.
            let _ = window().location().set_href(login);
        }
    });
    view! {
        <Transition fallback=|| ()>
            {move || user.get().and_then(Result::ok).map(|u| {
                let admin = u.role == Role::Admin;
                view! {
                    <div class="account">
                        {(admin && !mobile).then(|| view! {
                            <A href="/audit" attr:class="account__link"><Icon name="audit"/><span>"Audit log"</span></A>
                            <A href="/jobs" attr:class="account__link"><Icon name="audit"/><span>"Job queue"</span></A>
                        })}
                        <A href=if mobile { "/m/profile" } else { "/profile" } attr:class="account__me">
                            <span class="account__name">{u.name.clone()}</span>
                            <span class="account__role">{u.role.as_str()}</span>
                        </A>
                        <button class="btn btn--quiet account__out" type="button"
                            on:click=move |_| { logout.dispatch(Logout {}); }>"Sign out"</button>
                    </div>
                }
            })}
        </Transition>
    }
}

#[component]
pub fn DesktopLayout() -> impl IntoView {
    provide_current_user();
    view! {
        <a class="skip-link" href="#main" on:click=skip_to_main>"Skip to content"</a>
        <div class="app">
            <aside class="sidebar">
                <a class="brand" href="/">
                    <span class="brand__mark" aria-hidden="true">"◆"</span>
                    <span class="brand__name">"OpsKnight"</span>
                </a>
                <nav class="nav" aria-label="Main">
                    <ul>
                        {NAV.into_iter().map(|(label, href, icon)| view! {
                            <li><A href=href exact=true><Icon name=icon/><span>{label}</span></A></li>
                        }).collect_view()}
                    </ul>
                </nav>
                <div class="sidebar__foot">
                    <Account/>
                    <ThemeToggle/>
                    <a class="sidebar__mobile" href="/m">"Mobile view"</a>
                </div>
            </aside>
            <main class="content" id="main" tabindex="-1">
                <Outlet/>
            </main>
        </div>
    }
}

#[component]
pub fn MobileLayout() -> impl IntoView {
    provide_current_user();
    view! {
        <div class="m-app">
            <header class="m-top">
                <a class="brand" href="/m">
                    <span class="brand__mark" aria-hidden="true">"◆"</span>
                    <span class="brand__name">"OpsKnight"</span>
                </a>
                <ThemeToggle/>
            </header>
            <main class="m-content" id="main">
                <Outlet/>
            </main>
            <nav class="m-tabs" aria-label="Sections">
                {TABS.into_iter().map(|(label, href, icon)| view! {
                    <A href=href exact=true><Icon name=icon/><span>{label}</span></A>
                }).collect_view()}
            </nav>
        </div>
    }
}
