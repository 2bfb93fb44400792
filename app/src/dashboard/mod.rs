//! The command center's home page. The foundation shows getting-started steps and system status.

use leptos::prelude::*;

use crate::components::empty::EmptyState;
use crate::system::api::system_status;

#[component]
pub fn Dashboard() -> impl IntoView {
    let status = Resource::new(|| (), |_| system_status());
    view! {
        <leptos_meta::Title text="Dashboard · OpsKnight"/>
        <header class="page-head"><h1>"Dashboard"</h1></header>
        <div class="grid">
            <EmptyState
                title="Get OpsKnight paging"
                body="1. Create a service. 2. Add an integration to it and copy its routing key. 3. Send a test event from your monitoring tool or with curl."
                action=("Create a service", "/services")
            />
            <section class="card" aria-labelledby="oncall-h">
                <h2 id="oncall-h" class="card__title">"On call now"</h2>
                <crate::schedules::widgets::OnCallNowList/>
            </section>
            <section class="card" aria-labelledby="status-h">
                <h2 id="status-h" class="card__title">"System status"</h2>
                <Suspense fallback=|| view! { <p class="muted" aria-busy="true">"Checking…"</p> }>
                    {move || status.get().map(|r| match r {
                        Ok(s) => view! {
                            <dl class="kv" data-testid="system-status">
                                <dt>"Database"</dt>
                                <dd>
                                    <span class=if s.database_ok { "badge badge--ok" } else { "badge badge--high" }>
                                        {if s.database_ok { "reachable" } else { "unreachable" }}
                                    </span>
                                </dd>
                                <dt>"Version"</dt><dd>{s.version}</dd>
                                <dt>"Server time (UTC)"</dt><dd><time datetime=s.server_time.to_rfc3339()>{s.server_time.format("%Y-%m-%d %H:%M:%S").to_string()}</time></dd>
                            </dl>
                        }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
                    })}
                </Suspense>
            </section>
        </div>
    }
}
