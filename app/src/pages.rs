//! Which page code a browser loads when. The phone's incident list (`/m`) and its layout are
//! linked into the main WASM module, so opening the phone app fetches nothing else. Every
//! other page sits behind one of two split points: `phone_page` (the rest of `/m`) and
//! `desk_page` (the desktop command center and the sign-in pages). Built with
//! `cargo xtask build` (which always splits), each is a WASM module the browser fetches the first time it
//! shows such a page (the server names the files in `<link rel=preload>` on a first load);
//! in host builds (the server, tests) they are ordinary, eagerly linked code.

use leptos::prelude::*;
use leptos_router::LazyRoute;

/// The pages behind the `phone_page` split point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhonePage {
    Login,
    Incident,
    OnCall,
    Shifts,
    Profile,
    Health,
}

/// The pages behind the `desk_page` split point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeskPage {
    Setup,
    Login,
    Forgot,
    Reset,
    Invite,
    Ack,
    ChatAck,
    ChatLink,
    Layout,
    Dashboard,
    Analytics,
    Incidents,
    Incident,
    EventLog,
    Services,
    Service,
    ServiceRules,
    GlobalRules,
    Maintenance,
    OncallHealth,
    Postmortems,
    Postmortem,
    Heartbeats,
    Policies,
    Policy,
    Jobs,
    Schedules,
    Schedule,
    ScheduleBench,
    Teams,
    Team,
    Users,
    Profile,
    Audit,
    Settings,
    StatusAdmin,
}

#[leptos::lazy]
fn phone_page(page: PhonePage) -> AnyView {
    match page {
        PhonePage::Login => view! { <crate::auth::page::LoginPage mobile=true/> }.into_any(),
        PhonePage::Incident => view! { <crate::incidents::mobile::MobileIncident/> }.into_any(),
        PhonePage::OnCall => view! { <crate::mobile::MobileOnCall/> }.into_any(),
        PhonePage::Shifts => view! { <crate::mobile::MobileShifts/> }.into_any(),
        PhonePage::Profile => view! { <crate::profile::page::ProfilePage mobile=true/> }.into_any(),
        PhonePage::Health => view! { <crate::health::mine::MobileHealthPage/> }.into_any(),
    }
}

#[leptos::lazy]
fn desk_page(page: DeskPage) -> AnyView {
    use DeskPage as P;
    match page {
        P::Setup => view! { <crate::setup::page::SetupPage/> }.into_any(),
        P::Login => view! { <crate::auth::page::LoginPage/> }.into_any(),
        P::Forgot => view! { <crate::auth::links::ForgotPage/> }.into_any(),
        P::Reset => view! { <crate::auth::links::LinkPage invite=false/> }.into_any(),
        P::Invite => view! { <crate::auth::links::LinkPage invite=true/> }.into_any(),
        P::Ack => view! { <crate::notifications::ack_link::AckPage/> }.into_any(),
        P::ChatAck => view! { <crate::channels::pages::ChatAckPage/> }.into_any(),
        P::ChatLink => view! { <crate::channels::pages::ChatLinkPage/> }.into_any(),
        P::Layout => view! { <crate::components::layout::DesktopLayout/> }.into_any(),
        P::Dashboard => view! { <crate::dashboard::Dashboard/> }.into_any(),
        P::Analytics => view! { <crate::analytics::page::AnalyticsPage/> }.into_any(),
        P::Incidents => view! { <crate::incidents::pages::IncidentsPage/> }.into_any(),
        P::Incident => view! { <crate::incidents::pages::IncidentPage/> }.into_any(),
        P::EventLog => view! { <crate::incidents::event_log::EventLogPage/> }.into_any(),
        P::Services => view! { <crate::services::pages::ServicesPage/> }.into_any(),
        P::Service => view! { <crate::services::pages::ServicePage/> }.into_any(),
        P::ServiceRules => view! { <crate::rules::page::ServiceRulesPage/> }.into_any(),
        P::GlobalRules => view! { <crate::rules::page::GlobalRulesPage/> }.into_any(),
        P::Maintenance => view! { <crate::maintenance::page::MaintenancePage/> }.into_any(),
        P::OncallHealth => view! { <crate::health::page::OncallHealthPage/> }.into_any(),
        P::Postmortems => view! { <crate::postmortems::page::PostmortemsPage/> }.into_any(),
        P::Postmortem => view! { <crate::postmortems::editor::PostmortemPage/> }.into_any(),
        P::Heartbeats => view! { <crate::heartbeats::page::HeartbeatsPage/> }.into_any(),
        P::Policies => view! { <crate::policies::pages::PoliciesPage/> }.into_any(),
        P::Policy => view! { <crate::policies::pages::PolicyPage/> }.into_any(),
        P::Jobs => view! { <crate::jobs::page::JobsPage/> }.into_any(),
        P::Schedules => view! { <crate::schedules::pages::SchedulesPage/> }.into_any(),
        P::Schedule => view! { <crate::schedules::pages::SchedulePage/> }.into_any(),
        P::ScheduleBench => view! { <crate::schedules::bench_page::ScheduleBenchPage/> }.into_any(),
        P::Teams => view! { <crate::teams::pages::TeamsPage/> }.into_any(),
        P::Team => view! { <crate::teams::pages::TeamPage/> }.into_any(),
        P::Users => view! { <crate::users::pages::UsersPage/> }.into_any(),
        P::Profile => view! { <crate::profile::page::ProfilePage/> }.into_any(),
        P::Audit => view! { <crate::audit::page::AuditPage/> }.into_any(),
        P::Settings => view! { <crate::settings::page::SettingsPage/> }.into_any(),
        P::StatusAdmin => view! { <crate::statuspage::admin_page::StatusAdminPage/> }.into_any(),
    }
}

/// `Route => split(page);` defines a zero-sized route type (`view={Lazy::<Route>::new()}`)
/// whose view is that page behind that split point.
macro_rules! routes {
    ($($route:ident => $split:ident($page:expr);)+) => {$(
        #[derive(Debug)]
        pub struct $route;

        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            async fn view(_this: Self) -> AnyView {
                $split($page).await
            }
        }
    )+};
}

routes! {
    MobileLoginRoute => phone_page(PhonePage::Login);
    MobileIncidentRoute => phone_page(PhonePage::Incident);
    MobileOnCallRoute => phone_page(PhonePage::OnCall);
    MobileShiftsRoute => phone_page(PhonePage::Shifts);
    MobileProfileRoute => phone_page(PhonePage::Profile);
    MobileHealthRoute => phone_page(PhonePage::Health);

    SetupRoute => desk_page(DeskPage::Setup);
    LoginRoute => desk_page(DeskPage::Login);
    ForgotRoute => desk_page(DeskPage::Forgot);
    ResetRoute => desk_page(DeskPage::Reset);
    InviteRoute => desk_page(DeskPage::Invite);
    AckRoute => desk_page(DeskPage::Ack);
    ChatAckRoute => desk_page(DeskPage::ChatAck);
    ChatLinkRoute => desk_page(DeskPage::ChatLink);
    DesktopLayoutRoute => desk_page(DeskPage::Layout);
    DashboardRoute => desk_page(DeskPage::Dashboard);
    AnalyticsRoute => desk_page(DeskPage::Analytics);
    IncidentsRoute => desk_page(DeskPage::Incidents);
    IncidentRoute => desk_page(DeskPage::Incident);
    EventLogRoute => desk_page(DeskPage::EventLog);
    ServicesRoute => desk_page(DeskPage::Services);
    ServiceRoute => desk_page(DeskPage::Service);
    ServiceRulesRoute => desk_page(DeskPage::ServiceRules);
    GlobalRulesRoute => desk_page(DeskPage::GlobalRules);
    MaintenanceRoute => desk_page(DeskPage::Maintenance);
    OncallHealthRoute => desk_page(DeskPage::OncallHealth);
    PostmortemsRoute => desk_page(DeskPage::Postmortems);
    PostmortemRoute => desk_page(DeskPage::Postmortem);
    HeartbeatsRoute => desk_page(DeskPage::Heartbeats);
    PoliciesRoute => desk_page(DeskPage::Policies);
    PolicyRoute => desk_page(DeskPage::Policy);
    JobsRoute => desk_page(DeskPage::Jobs);
    SchedulesRoute => desk_page(DeskPage::Schedules);
    ScheduleRoute => desk_page(DeskPage::Schedule);
    ScheduleBenchRoute => desk_page(DeskPage::ScheduleBench);
    TeamsRoute => desk_page(DeskPage::Teams);
    TeamRoute => desk_page(DeskPage::Team);
    UsersRoute => desk_page(DeskPage::Users);
    ProfileRoute => desk_page(DeskPage::Profile);
    AuditRoute => desk_page(DeskPage::Audit);
    SettingsRoute => desk_page(DeskPage::Settings);
    StatusAdminRoute => desk_page(DeskPage::StatusAdmin);
}

/// Loads the split module a first load of `path` shows, so that hydration finds every route's
/// code in place and runs synchronously (asynchronous hydration of lazy routes mismatches the
/// server's markers in Leptos 0.8). Mirrors the router: `/m` is in the main module, the rest
/// of `/m/…` is `phone_page`, everything else that routes is `desk_page`.
#[cfg(feature = "hydrate")]
pub async fn preload(path: &str) {
    let path = path.trim_end_matches('/');
    if path == "/m" {
        return;
    }
    if path.starts_with("/m/") {
        __preload_phone_page().await;
    } else {
        __preload_desk_page().await;
    }
}
