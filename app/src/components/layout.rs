//! The two shells: the desktop command center with a sidebar, and the `/m` phone layout with a tab bar.

use leptos::prelude::*;
use leptos_router::components::{A, Outlet};

use super::icons::Icon;
use super::theme::ThemeToggle;
use super::time::CurrentUser;
use crate::auth::api::{Logout, me};
use crate::domain::Role;

/// Desktop navigation: (label, href, icon).
pub const NAV: [(&str, &str, &str); 11] = [
    ("Dashboard", "/", "dashboard"),
    ("Incidents", "/incidents", "incidents"),
    ("Analytics", "/analytics", "analytics"),
    ("Postmortems", "/postmortems", "audit"),
    ("Services", "/services", "services"),
    ("Escalation policies", "/policies", "policies"),
    ("Schedules", "/schedules", "schedules"),
    ("On-call health", "/oncall-health", "schedules"),
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
        if let Some(Ok(next)) = logout.value().get() {
            // A full load, so no state of the signed-out user survives in memory. A session
            // from single sign-on goes on to the provider's logout, which comes back here.
            let to = match next {
                Some(sso) if mobile => format!("{sso}&m=1"),
                Some(sso) => sso,
                None => login.to_owned(),
            };
            let _ = window().location().set_href(&to);
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

/// Whether the live stream is connected: "Live", or "Reconnecting…" while it backs off.
#[component]
fn LiveStatus() -> impl IntoView {
    let live = crate::live::use_live();
    let on = move || live.connected.get();
    view! {
        <span class="live" data-testid="live" data-state=move || if on() { "on" } else { "off" }
            title=move || if on() { "Updates arrive as they happen" } else { "Not connected: reconnecting" }>
            <span class="live__dot" aria-hidden="true"></span>
            <span class="live__text">{move || if on() { "Live" } else { "Reconnecting…" }}</span>
        </span>
    }
}

/// The in-app bell: the caller's pages since this page loaded, newest first.
#[component]
fn Bell(#[prop(optional)] mobile: bool) -> impl IntoView {
    let live = crate::live::use_live();
    let base = if mobile {
        "/m/incidents/"
    } else {
        "/incidents/"
    };
    view! {
        <details class="bell" data-testid="bell" on:toggle=move |_| live.unseen.set(0)>
            <summary class="btn btn--quiet bell__button" aria-label=move || format!("Your pages: {} new", live.unseen.get())>
                <Icon name="bell"/>
                {move || (live.unseen.get() > 0).then(|| view! { <span class="bell__count">{live.unseen.get()}</span> })}
            </summary>
            <div class="bell__panel">
                {move || {
                    let notices = live.notices.get();
                    if notices.is_empty() {
                        view! { <p class="muted small">"No pages for you since this page opened."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="bell__list">
                                {notices.into_iter().map(|n| view! {
                                    <li>
                                        <a href=format!("{base}{}", n.incident_id)>"#"{n.number}" "{n.title}</a>
                                        <span class="muted small">" "{n.channel.as_str().to_lowercase()}" · "{n.status.label()}" · "<super::time::Time at=n.at/></span>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }
                }}
            </div>
        </details>
    }
}

/// Whether a user agent is a phone's.
pub fn is_phone(user_agent: &str) -> bool {
    ["Mobi", "iPhone", "Android", "Windows Phone"]
        .iter()
        .any(|p| user_agent.contains(p))
        && !user_agent.contains("iPad")
}

/// A phone landing on the desktop pages is offered `/m` (decided in the browser, so the
/// server's HTML is the same for everyone).
#[component]
fn PhoneOffer() -> impl IntoView {
    let phone = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let ua = window().navigator().user_agent().unwrap_or_default();
        phone.set(is_phone(&ua));
    });
    view! {
        <Show when=move || phone.get()>
            <aside class="phone-offer" data-testid="phone-offer" aria-label="Mobile view">
                <span>"On a phone? The mobile view has large buttons to acknowledge and resolve."</span>
                <a class="btn btn--primary" href="/m">"Open the mobile view"</a>
                <button class="btn btn--quiet" type="button" on:click=move |_| phone.set(false)>"Dismiss"</button>
            </aside>
        </Show>
    }
}

#[component]
pub fn DesktopLayout() -> impl IntoView {
    provide_current_user();
    crate::live::provide_live();
    super::toast::provide_toasts();
    crate::offline::provide_outbox();
    view! {
        <a class="skip-link" href="#main" on:click=skip_to_main>"Skip to content"</a>
        <div class="app">
            <aside class="sidebar">
                <a class="brand" href="/">
                    <span class="brand__mark" aria-hidden="true">"◆"</span>
                    <span class="brand__name">"OpsKnight"</span>
                </a>
                <crate::search::widget::GlobalSearch/>
                <nav class="nav" aria-label="Main">
                    <ul>
                        {NAV.into_iter().map(|(label, href, icon)| view! {
                            <li><A href=href exact=true><Icon name=icon/><span>{label}</span></A></li>
                        }).collect_view()}
                    </ul>
                </nav>
                <div class="sidebar__foot">
                    <div class="sidebar__live"><LiveStatus/><Bell/></div>
                    <Account/>
                    <ThemeToggle/>
                    <a class="sidebar__mobile" href="/m">"Mobile view"</a>
                </div>
            </aside>
            <main class="content" id="main" tabindex="-1">
                <PhoneOffer/>
                <Outlet/>
            </main>
            <super::toast::ToastRegion/>
            <super::shortcuts::Shortcuts/>
        </div>
    }
}

#[component]
pub fn MobileLayout() -> impl IntoView {
    provide_current_user();
    crate::live::provide_live();
    super::toast::provide_toasts();
    crate::offline::provide_outbox();
    view! {
        <div class="m-app">
            <header class="m-top">
                <a class="brand" href="/m">
                    <span class="brand__mark" aria-hidden="true">"◆"</span>
                    <span class="brand__name">"OpsKnight"</span>
                </a>
                <span class="m-top__tools"><LiveStatus/><Bell mobile=true/><ThemeToggle/></span>
            </header>
            <main class="m-content" id="main">
                <Outlet/>
            </main>
            <super::toast::ToastRegion/>
            <nav class="m-tabs" aria-label="Sections">
                {TABS.into_iter().map(|(label, href, icon)| view! {
                    <A href=href exact=true><Icon name=icon/><span>{label}</span></A>
                }).collect_view()}
            </nav>
        </div>
    }
}
