//! `/services` (list; responders create) and `/services/{id}` (integrations with their routing
//! keys shown once and copyable examples, and the service's open incidents).

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::IntegrationWithKey;
use super::api::{
    CreateIntegration, CreateService, RotateIntegration, UpdateIntegration, UpdateService,
    get_service, list_services,
};
use crate::components::field::Field;
use crate::components::form::{FormError, SelectField, action_error};
use crate::components::time::CurrentUser;
use crate::domain::ServiceId;

#[component]
pub fn ServicesPage() -> impl IntoView {
    let me = expect_context::<CurrentUser>();
    let create = ServerAction::<CreateService>::new();
    let services = Resource::new(move || create.version().get(), |_| list_services());
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let rule = RwSignal::new("SEVERITY".to_owned());
    let team = RwSignal::new(String::new());
    let teams = Resource::new(|| (), |_| crate::teams::api::list_teams());
    let error = action_error(create);
    view! {
        <leptos_meta::Title text="Services · OpsKnight"/>
        <header class="page-head"><h1>"Services"</h1><span class="page-head__links"><a href="/maintenance">"Maintenance"</a><a href="/heartbeats">"Heartbeats"</a><a href="/rules">"Global event rules"</a><a href="/events">"Live event log"</a></span></header>
        <div class="stack">
            <section class="card" aria-label="Service list">
                <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading services…"</p> }>
                    {move || services.get().map(|r| match r {
                        Ok(list) if list.is_empty() => view! {
                            <p class="muted">"No services yet. A service is something you run and get paged about; give it an integration to receive alerts."</p>
                        }.into_any(),
                        Ok(list) => view! {
                            <table class="table" data-testid="services">
                                <thead><tr><th>"Service"</th><th class="opt">"Team"</th><th>"Escalation"</th><th class="opt">"Urgency"</th><th class="num">"Open incidents"</th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|s| view! {
                                        <tr>
                                            <td><a href=format!("/services/{}", s.id)>{s.name}</a><div class="muted small">{s.description}</div></td>
                                            <td class="opt">{s.team_name.unwrap_or_else(|| "—".into())}</td>
                                            <td>{match s.escalation_policy_name {
                                                Some(p) => p.into_any(),
                                                None => view! { <span class="badge badge--high">"none: nobody is paged"</span> }.into_any(),
                                            }}</td>
                                            <td class="opt">{s.urgency_rule.as_str().to_lowercase()}</td>
                                            <td class="num">{if s.open_incidents > 0 {
                                                view! { <span class="badge badge--high">{s.open_incidents}</span> }.into_any()
                                            } else { "0".into_any() }}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
                    })}
                </Transition>
            </section>
            <Transition fallback=|| ()>
                {move || me.can_write().then(|| view! {
                    <section class="card" aria-labelledby="svc-new-h">
                        <h2 id="svc-new-h" class="card__title">"New service"</h2>
                        <form class="form form--inline" on:submit=move |ev| {
                            ev.prevent_default();
                            create.dispatch(CreateService {
                                name: name.get_untracked(), description: description.get_untracked(),
                                team_id: team.get_untracked().parse().ok(), urgency_rule: rule.get_untracked(), ack_timeout_secs: None,
                                escalation_policy_id: None,
                            });
                        } novalidate>
                            <Field name="name" label="Name" value=name error=error/>
                            <Field name="description" label="Description" value=description error=error/>
                            <crate::teams::picker::TeamPicker form="svc-new" value=team error=error
                                teams=Signal::derive(move || teams.get().and_then(Result::ok).unwrap_or_default())/>
                            <SelectField name="urgency_rule" label="Urgency" value=rule error=error options=vec![
                                ("SEVERITY", "From severity"), ("HIGH", "Always high"), ("MEDIUM", "Always medium"), ("LOW", "Always low")]/>
                            <FormError error=error fields=&["name", "description", "team_id", "urgency_rule"]/>
                            <div class="form__actions"><button class="btn btn--primary" type="submit">"Create service"</button></div>
                        </form>
                    </section>
                })}
            </Transition>
        </div>
    }
}

#[component]
pub fn ServicePage() -> impl IntoView {
    let me = expect_context::<CurrentUser>();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|s| s.parse::<ServiceId>().ok()));
    let create = ServerAction::<CreateIntegration>::new();
    let rotate = ServerAction::<RotateIntegration>::new();
    let update = ServerAction::<UpdateIntegration>::new();
    let update_service = ServerAction::<UpdateService>::new();
    let save_noise = ServerAction::<crate::grouping::api::SaveNoise>::new();
    let noise_saved = crate::components::form::successes(save_noise);
    let save_sla = ServerAction::<crate::sla::api::SaveSla>::new();
    let sla_saved = crate::components::form::successes(save_sla);
    let detail = Resource::new(
        move || {
            (
                id(),
                create.version().get()
                    + rotate.version().get()
                    + update.version().get()
                    + update_service.version().get()
                    + noise_saved.get() as usize
                    + sla_saved.get() as usize,
            )
        },
        // The edit form's team and policy lists load with the service, in this one resource:
        // a Transition of their own nested in this one's content failed to hydrate now and
        // then (a marker-node mismatch, about 1 load in 10 right after a change).
        |(id, _)| async move {
            let Some(id) = id else {
                return Err(crate::error::AppError::NotFound {
                    what: "service".into(),
                });
            };
            let detail = get_service(id).await?;
            let teams = crate::teams::api::list_teams().await.unwrap_or_default();
            let policies = crate::policies::api::list_policies()
                .await
                .unwrap_or_default();
            let windows = crate::maintenance::api::list_maintenance(Some(id))
                .await
                .unwrap_or_default();
            let noise = crate::grouping::api::get_noise(id).await?;
            let sla = crate::sla::api::get_sla(id).await?;
            Ok((detail, teams, policies, windows, (noise, sla)))
        },
    );
    let kind = RwSignal::new("events_v2".to_owned());
    let name = RwSignal::new(String::new());
    let error = action_error(create);
    let row_error = Signal::derive(move || {
        rotate
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| update.value().get().and_then(Result::err))
    });
    let fresh = Signal::derive(move || {
        create
            .value()
            .get()
            .and_then(Result::ok)
            .or_else(|| rotate.value().get().and_then(Result::ok))
    });
    view! {
        <leptos_meta::Title text="Service · OpsKnight"/>
        <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading service…"</p> }>
            {move || detail.get().map(|r| match r {
                Ok((d, teams, policies, windows, (noise, sla))) => {
                    let sid = d.service.id;
                    let write = me.can_write();
                    view! {
                        <header class="page-head"><h1>{d.service.name.clone()}</h1><span class="page-head__links"><a href={format!("/services/{sid}/rules")}>"Event rules"</a><a href="/services">"All services"</a></span></header>
                        <p class="muted">{d.service.description.clone()}</p>
                        <crate::maintenance::page::MaintenanceBanner windows=windows/>
                        <div class="stack">
                            {move || fresh.get().map(|k| view! { <NewKey created=k/> })}
                            <FormError error=row_error/>
                            <section class="card" aria-labelledby="int-h">
                                <h2 id="int-h" class="card__title">"Integrations"</h2>
                                {if d.integrations.is_empty() {
                                    view! { <p class="muted">"No integrations. Add one to get a routing key for your monitoring tool."</p> }.into_any()
                                } else {
                                    view! {
                                        <table class="table" data-testid="integrations">
                                            <thead><tr><th>"Name"</th><th>"Type"</th><th class="opt">"Key"</th><th class="opt num">"Per minute"</th><th>"State"</th>
                                                {write.then(|| view! { <th class="num"></th> })}</tr></thead>
                                            <tbody>
                                                {d.integrations.into_iter().map(|i| {
                                                    let iid = i.id;
                                                    let rate = i.rate_limit_per_min;
                                                    let enabled = i.enabled;
                                                    view! {
                                                        <tr>
                                                            <td>{i.name}</td>
                                                            <td class="mono">{i.kind.as_str()}</td>
                                                            <td class="mono opt">{format!("{}…", i.key_prefix)}</td>
                                                            <td class="opt num">{rate}</td>
                                                            <td>{if enabled { view! { <span class="badge badge--ok">"enabled"</span> }.into_any() } else { view! { <span class="badge badge--high">"disabled"</span> }.into_any() }}</td>
                                                            {write.then(|| view! {
                                                                <td class="num actions">
                                                                    <button class="btn btn--quiet" type="button" on:click=move |_| { update.dispatch(UpdateIntegration { id: iid, enabled: !enabled, rate_limit_per_min: Some(rate) }); }>
                                                                        {if enabled { "Disable" } else { "Enable" }}
                                                                    </button>
                                                                    <button class="btn btn--quiet" type="button" on:click=move |_| { rotate.dispatch(RotateIntegration { id: iid }); }>"Rotate key"</button>
                                                                </td>
                                                            })}
                                                        </tr>
                                                    }
                                                }).collect_view()}
                                            </tbody>
                                        </table>
                                    }.into_any()
                                }}
                                {write.then(|| view! {
                                    <form class="form form--inline" on:submit=move |ev| {
                                        ev.prevent_default();
                                        create.dispatch(CreateIntegration { service_id: sid, kind: kind.get_untracked(), name: name.get_untracked(), rate_limit_per_min: None });
                                    } novalidate>
                                        <SelectField name="kind" label="Type" value=kind error=error options=vec![
                                            ("events_v2", "PagerDuty Events v2"), ("prometheus", "Prometheus Alertmanager"),
                                            ("grafana", "Grafana"), ("datadog", "Datadog"), ("cloudwatch", "CloudWatch (SNS)"),
                                            ("webhook", "Generic webhook")]/>
                                        <Field name="name" form="int" label="Integration name" value=name error=error hint="e.g. Production Alertmanager"/>
                                        <FormError error=error fields=&["kind", "name"]/>
                                        <div class="form__actions"><button class="btn" type="submit">"Add integration"</button></div>
                                    </form>
                                })}
                            </section>
                            <crate::channels::card::ChannelsCard service=Some(sid) write=write/>
                            <crate::grouping::card::NoiseCard service=sid settings=noise write=write saved=save_noise/>
                            <crate::sla::card::SlaCard service=sid targets=sla write=write saved=save_sla/>
                            {write.then(|| view! { <EditService service=d.service.clone() teams=teams.clone() policies=policies.clone() saved=update_service/> })}
                            <OpenIncidents service=sid/>
                        </div>
                    }.into_any()
                }
                Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
            })}
        </Transition>
    }
}

/// The routing key, shown once, with copyable examples for this server.
#[component]
fn NewKey(created: IntegrationWithKey) -> impl IntoView {
    let origin = window().location().origin().unwrap_or_default();
    let key = created.routing_key;
    let example = match created.integration.kind {
        super::IntegrationKind::Prometheus => format!(
            "# alertmanager.yml\nreceivers:\n  - name: opsknight\n    webhook_configs:\n      - url: {origin}/api/integrations/prometheus/{key}\n        send_resolved: true\n# or, with the PagerDuty receiver:\n#   pagerduty_configs:\n#     - routing_key: {key}\n#       url: {origin}/v2/enqueue"
        ),
        super::IntegrationKind::Grafana => format!(
            "Grafana → Alerting → Contact points → Webhook\nURL: {origin}/api/integrations/grafana/{key}\nHTTP method: POST"
        ),
        super::IntegrationKind::Datadog => format!(
            "Datadog → Integrations → Webhooks → New\nURL: {origin}/api/integrations/datadog/{key}\nPayload:\n{{\"aggregate\": \"$AGGREG_KEY\", \"alert_id\": \"$ALERT_ID\", \"title\": \"$EVENT_TITLE\",\n \"transition\": \"$ALERT_TRANSITION\", \"priority\": \"$PRIORITY\", \"hostname\": \"$HOSTNAME\", \"link\": \"$LINK\"}}\nThen mention @webhook-<name> in your monitors."
        ),
        super::IntegrationKind::Cloudwatch => format!(
            "SNS topic → Create subscription → Protocol HTTPS\nEndpoint: {origin}/api/integrations/cloudwatch/{key}\nOpsKnight confirms the subscription itself. Point your CloudWatch alarms' ALARM and OK actions at the topic."
        ),
        super::IntegrationKind::Webhook => format!(
            "curl -X POST {origin}/api/integrations/webhook/{key} -H 'content-type: application/json' -d '{{\"summary\":\"Backup failed\",\"dedup_key\":\"backup-nightly\",\"status\":\"firing\",\"severity\":\"warning\"}}'"
        ),
        super::IntegrationKind::EventsV2 => format!(
            "curl -X POST {origin}/v2/enqueue -H 'content-type: application/json' -d '{{\"routing_key\":\"{key}\",\"event_action\":\"trigger\",\"dedup_key\":\"disk-db-1\",\"payload\":{{\"summary\":\"Disk 95% on db-1\",\"source\":\"db-1\",\"severity\":\"critical\"}}}}'"
        ),
    };
    view! {
        <div class="notice notice--ok" role="status">
            <p>{format!("Routing key for {} (shown once; copy it now):", created.integration.name)}</p>
            <code class="secret" data-testid="routing-key">{key.clone()}</code>
            <p class="small">"Example:"</p>
            <pre class="payload" data-testid="integration-example">{example}</pre>
        </div>
    }
}

#[component]
fn OpenIncidents(service: ServiceId) -> impl IntoView {
    use crate::domain::Status;
    use crate::incidents::IncidentFilter;
    use crate::incidents::badges::{StatusBadge, UrgencyBadge};
    let incidents = Resource::new(
        move || service,
        |service| {
            crate::incidents::api::list_incidents(
                IncidentFilter {
                    statuses: vec![Status::Open, Status::Acknowledged, Status::Snoozed],
                    service_id: Some(service),
                    ..Default::default()
                },
                None,
                50,
            )
        },
    );
    view! {
        <section class="card" aria-labelledby="open-h">
            <h2 id="open-h" class="card__title">"Open incidents"</h2>
            <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading…"</p> }>
                {move || incidents.get().map(|r| match r {
                    Ok(p) if p.incidents.is_empty() => view! { <p class="muted">"None open."</p> }.into_any(),
                    Ok(p) => view! {
                        <table class="table">
                            <tbody>
                                {p.incidents.into_iter().map(|i| view! {
                                    <tr>
                                        <td class="mono">{i.number}</td>
                                        <td><UrgencyBadge urgency=i.urgency/></td>
                                        <td><StatusBadge status=i.status/></td>
                                        <td><a href=format!("/incidents/{}", i.id)>{i.title}</a></td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

/// Edit a service: name, description, owning team, urgency rule, acknowledgement timeout.
#[component]
fn EditService(
    service: super::Service,
    teams: Vec<crate::teams::TeamSummary>,
    policies: Vec<crate::policies::PolicySummary>,
    saved: ServerAction<UpdateService>,
) -> impl IntoView {
    let policy = RwSignal::new(
        service
            .escalation_policy_id
            .map(|p| p.to_string())
            .unwrap_or_default(),
    );
    let current_policy = service.escalation_policy_id;
    let name = RwSignal::new(service.name.clone());
    let description = RwSignal::new(service.description.clone());
    let team = RwSignal::new(service.team_id.map(|t| t.to_string()).unwrap_or_default());
    let rule = RwSignal::new(service.urgency_rule.as_str().to_owned());
    let timeout = RwSignal::new(
        service
            .ack_timeout_secs
            .map(|t| (t / 60).to_string())
            .unwrap_or_default(),
    );
    let error = action_error(saved);
    let id = service.id;
    view! {
        <details class="card">
            <summary class="card__title">"Edit service"</summary>
            <form class="form form--inline" on:submit=move |ev| {
                ev.prevent_default();
                let minutes = timeout.get_untracked();
                saved.dispatch(UpdateService {
                    id,
                    name: name.get_untracked(),
                    description: description.get_untracked(),
                    team_id: team.get_untracked().parse().ok(),
                    urgency_rule: rule.get_untracked(),
                    ack_timeout_secs: if minutes.trim().is_empty() { None } else { Some(minutes.trim().parse::<i32>().map(|m| m.saturating_mul(60)).unwrap_or(-1)) },
                    escalation_policy_id: policy.get_untracked().parse().ok(),
                });
            } novalidate>
                <Field name="name" form="svc" label="Name" value=name error=error/>
                <Field name="description" form="svc" label="Description" value=description error=error/>
                <crate::teams::picker::TeamPicker form="svc" value=team error=error teams=Signal::stored(teams)/>
                <div class="field">
                    <label for="f-svc-policy">"Escalation policy"</label>
                    <select id="f-svc-policy" name="escalation_policy_id" on:change=move |ev| policy.set(event_target_value(&ev))>
                        <option value="" selected=current_policy.is_none()>"None (nobody is paged)"</option>
                        {policies.into_iter().map(|p| view! {
                            <option value=p.id.to_string() selected=current_policy == Some(p.id)>{p.name}</option>
                        }).collect_view()}
                    </select>
                </div>
                <SelectField name="urgency_rule" label="Urgency" value=rule error=error options=vec![
                    ("SEVERITY", "From severity"), ("HIGH", "Always high"), ("MEDIUM", "Always medium"), ("LOW", "Always low")]/>
                <Field name="ack_timeout_secs" form="svc" label="Ack timeout (minutes)" kind="number" value=timeout error=error
                    hint="An acknowledged incident re-opens after this long. Empty: never."/>
                <FormError error=error fields=&["name", "description", "team_id", "urgency_rule", "ack_timeout_secs", "escalation_policy_id"]/>
                <div class="form__actions">
                    <button class="btn" type="submit">"Save service"</button>
                    {move || matches!(saved.value().get(), Some(Ok(_))).then(|| view! { <span class="muted" role="status">"Saved"</span> })}
                </div>
            </form>
        </details>
    }
}
