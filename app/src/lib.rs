//! OpsKnight's Leptos library: the HTML shell, the root component and the router (desktop and `/m`).
#![recursion_limit = "256"]

pub mod analytics;
pub mod apikeys;
pub mod audit;
pub mod auth;
pub mod channels;
pub mod components;
pub mod dashboard;
pub mod domain;
pub mod error;
pub mod grouping;
pub mod health;
pub mod heartbeats;
pub mod incidents;
pub mod jobs;
pub mod live;
#[cfg(feature = "ssr")]
pub mod mail;
pub mod maintenance;
pub mod mobile;
pub mod notifications;
pub mod offline;
pub mod pages;
pub mod phone;
pub mod policies;
pub mod postmortems;
pub mod profile;
pub mod push;
pub mod rules;
pub mod schedules;
pub mod search;
pub mod services;
pub mod sessions;
pub mod settings;
pub mod setup;
pub mod sla;
pub mod sso;
pub mod statuspage;
pub mod system;
pub mod teams;
pub mod users;

#[cfg(feature = "ssr")]
pub mod clock;
#[cfg(feature = "ssr")]
pub mod constraints;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod idempotency;
#[cfg(feature = "ssr")]
pub mod lifecycle;
#[cfg(feature = "ssr")]
pub mod request;
#[cfg(feature = "ssr")]
pub mod secrets;
#[cfg(feature = "ssr")]
pub mod sql;
#[cfg(feature = "ssr")]
pub mod state;

use leptos::prelude::*;
use leptos_meta::{Link, Meta, MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{Lazy, path};

use components::layout::MobileLayout;
use components::not_found::NotFound;
use components::theme::current_theme;
use pages::*;

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
                <Route path=path!("/setup") view={Lazy::<SetupRoute>::new()}/>
                <Route path=path!("/login") view={Lazy::<LoginRoute>::new()}/>
                <Route path=path!("/m/login") view={Lazy::<MobileLoginRoute>::new()}/>
                <Route path=path!("/forgot") view={Lazy::<ForgotRoute>::new()}/>
                <Route path=path!("/reset") view={Lazy::<ResetRoute>::new()}/>
                <Route path=path!("/invite") view={Lazy::<InviteRoute>::new()}/>
                <Route path=path!("/ack") view={Lazy::<AckRoute>::new()}/>
                <Route path=path!("/ack/chat") view={Lazy::<ChatAckRoute>::new()}/>
                <Route path=path!("/link-chat") view={Lazy::<ChatLinkRoute>::new()}/>
                <ParentRoute path=path!("/m") view=MobileLayout>
                    <Route path=path!("") view=incidents::mobile::MobileIncidents/>
                    <Route path=path!("incidents/:id") view={Lazy::<MobileIncidentRoute>::new()}/>
                    <Route path=path!("oncall") view={Lazy::<MobileOnCallRoute>::new()}/>
                    <Route path=path!("shifts") view={Lazy::<MobileShiftsRoute>::new()}/>
                    <Route path=path!("profile") view={Lazy::<MobileProfileRoute>::new()}/>
                    <Route path=path!("health") view={Lazy::<MobileHealthRoute>::new()}/>
                </ParentRoute>
                <ParentRoute path=path!("") view={Lazy::<DesktopLayoutRoute>::new()}>
                    <Route path=path!("") view={Lazy::<DashboardRoute>::new()}/>
                    <Route path=path!("analytics") view={Lazy::<AnalyticsRoute>::new()}/>
                    <Route path=path!("incidents") view={Lazy::<IncidentsRoute>::new()}/>
                    <Route path=path!("incidents/:id") view={Lazy::<IncidentRoute>::new()}/>
                    <Route path=path!("events") view={Lazy::<EventLogRoute>::new()}/>
                    <Route path=path!("services") view={Lazy::<ServicesRoute>::new()}/>
                    <Route path=path!("services/:id") view={Lazy::<ServiceRoute>::new()}/>
                    <Route path=path!("services/:id/rules") view={Lazy::<ServiceRulesRoute>::new()}/>
                    <Route path=path!("rules") view={Lazy::<GlobalRulesRoute>::new()}/>
                    <Route path=path!("maintenance") view={Lazy::<MaintenanceRoute>::new()}/>
                    <Route path=path!("oncall-health") view={Lazy::<OncallHealthRoute>::new()}/>
                    <Route path=path!("postmortems") view={Lazy::<PostmortemsRoute>::new()}/>
                    <Route path=path!("postmortems/:id") view={Lazy::<PostmortemRoute>::new()}/>
                    <Route path=path!("heartbeats") view={Lazy::<HeartbeatsRoute>::new()}/>
                    <Route path=path!("policies") view={Lazy::<PoliciesRoute>::new()}/>
                    <Route path=path!("policies/:id") view={Lazy::<PolicyRoute>::new()}/>
                    <Route path=path!("jobs") view={Lazy::<JobsRoute>::new()}/>
                    <Route path=path!("schedules") view={Lazy::<SchedulesRoute>::new()}/>
                    <Route path=path!("schedules/:id") view={Lazy::<ScheduleRoute>::new()}/>
                    <Route path=path!("bench/schedules") view={Lazy::<ScheduleBenchRoute>::new()}/>
                    <Route path=path!("teams") view={Lazy::<TeamsRoute>::new()}/>
                    <Route path=path!("teams/:id") view={Lazy::<TeamRoute>::new()}/>
                    <Route path=path!("users") view={Lazy::<UsersRoute>::new()}/>
                    <Route path=path!("profile") view={Lazy::<ProfileRoute>::new()}/>
                    <Route path=path!("audit") view={Lazy::<AuditRoute>::new()}/>
                    <Route path=path!("settings") view={Lazy::<SettingsRoute>::new()}/>
                    <Route path=path!("settings/status") view={Lazy::<StatusAdminRoute>::new()}/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
