//! `/jobs` (admins): the queue at a glance (jobs per kind and state, how late the oldest due
//! job is) and the failed jobs with their errors, each retryable or cancellable.

use leptos::prelude::*;

use super::api::{CancelJob, RetryJob, jobs_overview};
use super::{JobKind, JobStatus};
use crate::components::time::Time;

#[component]
pub fn JobsPage() -> impl IntoView {
    let retry = ServerAction::<RetryJob>::new();
    let cancel = ServerAction::<CancelJob>::new();
    let overview = Resource::new(
        move || (retry.version().get(), cancel.version().get()),
        |_| jobs_overview(),
    );
    let error = Signal::derive(move || {
        retry
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| cancel.value().get().and_then(Result::err))
    });
    view! {
        <leptos_meta::Title text="Job queue · OpsKnight"/>
        <header class="page-head">
            <h1>"Job queue"</h1>
            <button class="btn" type="button" on:click=move |_| overview.refetch()>"Refresh"</button>
        </header>
        <div class="stack">
            {move || error.get().map(|e| view! { <p class="notice notice--error" role="alert">{e.user_message()}</p> })}
            <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading…"</p> }>
                {move || overview.get().map(|r| match r {
                    Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
                    Ok(o) => {
                        let count = |k: JobKind, s: JobStatus| o.depth.iter().find(|d| d.kind == k && d.status == s).map_or(0, |d| d.count);
                        let rows = JobKind::ALL.map(|k| (k, JobStatus::ALL.map(|s| count(k, s))));
                        let late = o.oldest_due_secs;
                        view! {
                            <section class="card" aria-labelledby="depth-h">
                                <h2 id="depth-h" class="card__title">"Depth"</h2>
                                <p class={if late > 5.0 { "badge badge--high" } else { "muted" }} data-testid="oldest-due">
                                    {if late > 0.0 { format!("Oldest due job has waited {late:.1} s") } else { "Nothing is waiting.".to_owned() }}
                                </p>
                                <table class="table" data-testid="queue-depth">
                                    <thead><tr><th>"Kind"</th>
                                        {JobStatus::ALL.map(|s| view! { <th class="num">{s.as_str()}</th> }).collect_view()}
                                    </tr></thead>
                                    <tbody>
                                        {rows.into_iter().map(|(k, counts)| view! {
                                            <tr><td>{k.as_str()}</td>
                                                {counts.map(|n| view! { <td class="num">{n}</td> }).collect_view()}
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </section>
                            <section class="card" aria-labelledby="failed-h">
                                <h2 id="failed-h" class="card__title">"Failed jobs"</h2>
                                {if o.failed.is_empty() {
                                    view! { <p class="muted">"No failed jobs."</p> }.into_any()
                                } else {
                                    view! {
                                        <table class="table" data-testid="failed-jobs">
                                            <thead><tr><th>"Job"</th><th>"Kind"</th><th>"Incident"</th><th class="num">"Attempts"</th><th>"Next try"</th><th>"Error"</th><th></th></tr></thead>
                                            <tbody>
                                                {o.failed.into_iter().map(|j| {
                                                    let id = j.id;
                                                    let retrying = j.attempts < j.max_attempts;
                                                    view! {
                                                        <tr>
                                                            <td class="num">{j.id}</td>
                                                            <td>{j.kind.as_str()}</td>
                                                            <td>{j.incident_id.zip(j.incident_number).map(|(i, n)| view! { <a href=format!("/incidents/{i}")>{format!("#{n}")}</a> })}</td>
                                                            <td class="num">{format!("{}/{}", j.attempts, j.max_attempts)}</td>
                                                            <td class="nowrap">{if retrying { view! { <Time at=j.run_at/> }.into_any() } else { view! { <span class="badge badge--high">"gave up"</span> }.into_any() }}</td>
                                                            <td class="mono small">{j.last_error.unwrap_or_default()}</td>
                                                            <td class="nowrap">
                                                                <button class="btn btn--quiet" type="button" on:click=move |_| { retry.dispatch(RetryJob { id }); }>"Retry"</button>
                                                                <button class="btn btn--quiet" type="button" on:click=move |_| { cancel.dispatch(CancelJob { id }); }>"Cancel"</button>
                                                            </td>
                                                        </tr>
                                                    }
                                                }).collect_view()}
                                            </tbody>
                                        </table>
                                    }.into_any()
                                }}
                            </section>
                        }.into_any()
                    }
                })}
            </Transition>
        </div>
    }
}
