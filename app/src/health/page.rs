//! `/oncall-health`: who carried the on-call load. A window (7, 30 or 90 days) and a team
//! filter; a row per responder sorted by load, with interruptions by bucket, nights
//! interrupted, hours on call, a bar of the load and a "Suggest a day off" badge; a team's
//! owners and admins turn its weekly report on or off here.

use leptos::prelude::*;

use super::api::{SetWeeklyHealthReport, oncall_health};
use super::bar::BucketBar;
use super::{HealthReport, ResponderHealth, View, WINDOWS};
use crate::components::form::{FormError, action_error, successes};
use crate::components::time::Time;
use crate::domain::TeamId;

#[component]
pub fn OncallHealthPage() -> impl IntoView {
    let days = RwSignal::new(super::DEFAULT_DAYS);
    let team = RwSignal::new(None::<TeamId>);
    let toggle = ServerAction::<SetWeeklyHealthReport>::new();
    let toggled = successes(toggle);
    let data = Resource::new(
        move || (days.get(), team.get(), toggled.get()),
        |(d, t, _)| oncall_health(Some(d), t),
    );
    view! {
        <leptos_meta::Title text="On-call health · OpsKnight"/>
        <header class="page-head"><h1>"On-call health"</h1><a href="/schedules">"Schedules"</a></header>
        <p class="muted">"Interruptions are SMS, voice and push pages that were sent (email and chat excluded; one page to one number by SMS and a call counts once), in each person's own time zone: business hours 08–18 on weekdays, off hours 18–22 on weekdays and all weekend, sleep 22–08."</p>
        <div class="health-filters">
            <label>"Window "
                <select aria-label="Window" on:change=move |ev| {
                    if let Ok(d) = event_target_value(&ev).parse::<u32>() { days.set(d); }
                }>
                    {WINDOWS.into_iter().map(|d| view! {
                        <option value=d.to_string() selected=d == super::DEFAULT_DAYS>{format!("Last {d} days")}</option>
                    }).collect_view()}
                </select>
            </label>
            <Transition fallback=|| ()>
                {move || data.get().and_then(Result::ok).filter(|r| !r.teams.is_empty()).map(|r| view! {
                    <label>"Team "
                        <select aria-label="Team" on:change=move |ev| {
                            team.set(event_target_value(&ev).parse::<TeamId>().ok());
                        }>
                            <option value="" selected=r.team_id.is_none()>{if r.view == View::Own { "Just me" } else { "Everyone" }}</option>
                            {r.teams.iter().map(|t| view! {
                                <option value=t.id.to_string() selected=r.team_id == Some(t.id)>{t.name.clone()}</option>
                            }).collect_view()}
                        </select>
                    </label>
                })}
            </Transition>
        </div>
        <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading on-call health…"</p> }>
            {move || data.get().map(|r| match r {
                Ok(report) => view! { <Report report=report toggle=toggle/> }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn Report(report: HealthReport, toggle: ServerAction<SetWeeklyHealthReport>) -> impl IntoView {
    let heaviest = report
        .responders
        .iter()
        .map(|r| r.interruptions.total)
        .max()
        .unwrap_or(0)
        .max(1);
    let title = match (&report.view, &report.team_name) {
        (View::Team, Some(name)) => format!("{name}: who carried the load"),
        (View::Everyone, _) => "Everyone paged or on call".to_owned(),
        _ => "Your on-call health".to_owned(),
    };
    let weekly = report.team_id.zip(report.weekly_report);
    let error = action_error(toggle);
    view! {
        <section class="card" aria-labelledby="health-h">
            <h2 id="health-h" class="card__title">{title}</h2>
            <p class="muted">"From "<Time at=report.since/>" to "<Time at=report.until/></p>
            {if report.responders.is_empty() {
                view! { <p class="empty" data-testid="health-empty">"Nobody was paged or on call in this window."</p> }.into_any()
            } else {
                view! {
                    <table class="table" data-testid="health-table">
                        <thead><tr>
                            <th>"Responder"</th><th>"Load"</th>
                            <th class="num">"Interruptions"</th><th class="num">"Business"</th>
                            <th class="num">"Off hours"</th><th class="num">"Sleep"</th>
                            <th class="num">"Nights interrupted"</th><th class="num">"Hours on call"</th><th></th>
                        </tr></thead>
                        <tbody>
                            {report.responders.into_iter().map(|r| view! { <Row r=r heaviest=heaviest/> }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
        {weekly.map(|(team_id, on)| view! {
            <section class="card" aria-labelledby="weekly-h">
                <h2 id="weekly-h" class="card__title">"Weekly report"</h2>
                <p class="muted">"Every Monday at 09:00 in their own time zone, each of the team's owners gets the seven days of this view ending then by email."</p>
                <label class="check">
                    <input type="checkbox" checked=on on:change=move |ev| {
                        toggle.dispatch(SetWeeklyHealthReport { team_id, enabled: event_target_checked(&ev) });
                    }/>
                    " Email the weekly on-call report to the team's owners"
                </label>
                <FormError error=error/>
            </section>
        })}
    }
}

#[component]
fn Row(r: ResponderHealth, heaviest: u32) -> impl IntoView {
    let t = r.interruptions.clone();
    let hours = format!("{:.1}", r.on_call_hours());
    let label = format!(
        "{} interruptions: {} business hours, {} off hours, {} sleep",
        t.total, t.business, t.off_hours, t.sleep
    );
    view! {
        <tr data-testid="health-row">
            <td>{r.name.clone()}<div class="muted small">{r.time_zone.clone()}</div></td>
            <td class="health-bar-cell">
                <BucketBar tally=t.clone() scale=heaviest label=label/>
            </td>
            <td class="num">{t.total}</td>
            <td class="num">{t.business}</td>
            <td class="num">{t.off_hours}</td>
            <td class="num">{t.sleep}</td>
            <td class="num">{t.nights_interrupted}</td>
            <td class="num">{hours}</td>
            <td>{r.suggest_day_off.then(|| view! {
                <span class="badge badge--high" title="Two or more sleep interruptions in one night">"Suggest a day off"</span>
            })}</td>
        </tr>
    }
}
