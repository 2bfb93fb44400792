//! OpsKnight's Leptos library: the HTML shell, the root component and the router (desktop and `/m`).
#![recursion_limit = "256"]

pub mod analytics;
pub mod apikeys;
pub mod audit;
pub mod auth;
pub mod components;
pub mod dashboard;
pub mod domain;
pub mod error;
pub mod escalation;
pub mod incidents;
pub mod jobs;
pub mod live;
#[cfg(feature = "ssr")]
pub mod mail;
pub mod mobile;
pub mod notifications;
pub mod offline;
pub mod policies;
pub mod profile;
pub mod push;
pub mod schedules;
pub mod search;
pub mod services;
pub mod settings;
pub mod setup;
pub mod system;
pub mod teams;
pub mod users;

#[cfg(feature = "ssr")]
pub mod clock;
#[cfg(feature = "ssr")]
pub mod constraints;
#[cfg(feature = "ssr")]
pub mod secrets;
#[cfg(feature = "ssr")]
pub mod sql;
#[cfg(feature = "ssr")]
pub mod state;

use leptos::prelude::*;
use leptos_meta::{Link, Meta, MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::path;

use components::layout::{DesktopLayout, MobileLayout};
use components::not_found::NotFound;
use components::theme::current_theme;

/// The HTML document rendered by the server around `App`.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_content_security_policy();
    let theme = current_theme().as_str();
    view! {
        <!DOCTYPE html>
        <html lang="en" data-theme=theme>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover"/>
                <meta name="color-scheme" content="light dark"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The page's CSP: scripts only from this origin or carrying this response's nonce (Leptos
/// puts it on its hydration and streaming scripts), WASM compilation allowed, no inline
/// scripts otherwise, no framing.
#[cfg(feature = "ssr")]
fn set_content_security_policy() {
    let (Some(nonce), Some(res)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
         frame-ancestors 'none'; base-uri 'self'; object-src 'none'; form-action 'self'"
    );
    if let Ok(value) = http::HeaderValue::from_str(&policy) {
        res.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/opsknight.css"/>
        <Title text="OpsKnight"/>
        <Meta name="description" content="OpsKnight: self-hosted incident management and on-call"/>
        <Meta name="theme-color" content="#1d4ed8"/>
        <Link rel="icon" href="/favicon.svg" type_="image/svg+xml"/>
        <Link rel="manifest" href="/manifest.webmanifest"/>
        <Link rel="apple-touch-icon" href="/icons/icon-192.png"/>
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/setup") view=setup::page::SetupPage/>
                <Route path=path!("/login") view=|| view! { <auth::page::LoginPage/> }/>
                <Route path=path!("/m/login") view=|| view! { <auth::page::LoginPage mobile=true/> }/>
                <Route path=path!("/forgot") view=auth::links::ForgotPage/>
                <Route path=path!("/reset") view=|| view! { <auth::links::LinkPage invite=false/> }/>
                <Route path=path!("/invite") view=|| view! { <auth::links::LinkPage invite=true/> }/>
                <Route path=path!("/ack") view=notifications::ack_link::AckPage/>
                <ParentRoute path=path!("/m") view=MobileLayout>
                    <Route path=path!("") view=incidents::mobile::MobileIncidents/>
                    <Route path=path!("incidents/:id") view=incidents::mobile::MobileIncident/>
                    <Route path=path!("oncall") view=mobile::MobileOnCall/>
                    <Route path=path!("shifts") view=mobile::MobileShifts/>
                    <Route path=path!("profile") view=|| view! { <profile::page::ProfilePage mobile=true/> }/>
                </ParentRoute>
                <ParentRoute path=path!("") view=DesktopLayout>
                    <Route path=path!("") view=dashboard::Dashboard/>
                    <Route path=path!("incidents") view=incidents::pages::IncidentsPage/>
                    <Route path=path!("incidents/:id") view=incidents::pages::IncidentPage/>
                    <Route path=path!("events") view=incidents::event_log::EventLogPage/>
                    <Route path=path!("services") view=services::pages::ServicesPage/>
                    <Route path=path!("services/:id") view=services::pages::ServicePage/>
                    <Route path=path!("policies") view=policies::pages::PoliciesPage/>
                    <Route path=path!("policies/:id") view=policies::pages::PolicyPage/>
                    <Route path=path!("jobs") view=jobs::page::JobsPage/>
                    <Route path=path!("schedules") view=schedules::pages::SchedulesPage/>
                    <Route path=path!("schedules/:id") view=schedules::pages::SchedulePage/>
                    <Route path=path!("bench/schedules") view=schedules::bench_page::ScheduleBenchPage/>
                    <Route path=path!("teams") view=teams::pages::TeamsPage/>
                    <Route path=path!("teams/:id") view=teams::pages::TeamPage/>
                    <Route path=path!("users") view=users::pages::UsersPage/>
                    <Route path=path!("profile") view=|| view! { <profile::page::ProfilePage/> }/>
                    <Route path=path!("audit") view=audit::page::AuditPage/>
                    <Route path=path!("settings") view=settings::page::SettingsPage/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
