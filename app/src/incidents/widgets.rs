//! Pieces shared by the desktop and phone incident views: the timeline, the acknowledge /
//! resolve buttons with optimistic state, offline queueing and rollback, and the optimistic
//! wiring of the desktop's bulk actions.

use leptos::prelude::*;

use super::api::{
    AcknowledgeIncidents, AddNote, ResolveIncidents, acknowledge_incidents, resolve_incidents,
};
use super::{IncidentSummary, TimelineEntry};
use crate::components::time::Time;
use crate::domain::{IncidentId, Status};
use crate::error::AppError;

/// An incident's timeline, newest first.
#[component]
pub fn Timeline(entries: Vec<TimelineEntry>) -> impl IntoView {
    view! {
        <ol class="timeline" data-testid="timeline">
            {entries.into_iter().rev().map(|t| view! {
                <li class=format!("timeline__item timeline__item--{}", t.kind.to_lowercase())>
                    <span class="timeline__kind">{t.kind.replace('_', " ").to_lowercase()}</span>
                    <span class="muted small"><Time at=t.at/>{t.actor.map(|a| format!(" · {a}"))}</span>
                    {match super::describe::describe(&t.kind, &t.details) {
                        Some(text) => view! { <p class="timeline__text">{text}</p> }.into_any(),
                        None => view! { <code class="timeline__details">{t.details}</code> }.into_any(),
                    }}
                </li>
            }).collect_view()}
        </ol>
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    Acknowledge,
    Resolve,
}

/// The state shown for an incident: what the server last said (live), unless an action of
/// ours is in flight or queued (optimistic).
#[derive(Debug, Clone, Copy)]
pub struct Acting {
    /// The status we expect once our action lands.
    pub optimistic: RwSignal<Option<Status>>,
    pub busy: RwSignal<bool>,
}

impl Acting {
    pub fn new() -> Acting {
        Acting {
            optimistic: RwSignal::new(None),
            busy: RwSignal::new(false),
        }
    }

    /// The status to show, given the live one.
    pub fn status(&self, live: Status) -> Status {
        match self.optimistic.get() {
            Some(expected) => crate::live::expected_status(expected, live),
            None => live,
        }
    }
}

impl Default for Acting {
    fn default() -> Self {
        Acting::new()
    }
}

fn run(act: Act, incident: &IncidentSummary, acting: Acting) {
    let (id, number) = (incident.id, incident.number);
    let toasts = crate::components::toast::use_toasts();
    let outbox = crate::offline::use_outbox();
    let (optimistic, verb) = match act {
        Act::Acknowledge => (Status::Acknowledged, "acknowledge"),
        Act::Resolve => (Status::Resolved, "resolve"),
    };
    acting.optimistic.set(Some(optimistic));
    if !crate::offline::is_online() {
        if act == Act::Acknowledge && outbox.queue_ack(id) {
            return;
        }
        acting.optimistic.set(None);
        toasts.show(
            format!(
                "You are offline: could not {verb} #{number}. Try again when you are back online."
            ),
            true,
        );
        return;
    }
    acting.busy.set(true);
    leptos::task::spawn_local(async move {
        let result = match act {
            Act::Acknowledge => acknowledge_incidents(vec![id]).await,
            Act::Resolve => resolve_incidents(vec![id]).await,
        };
        acting.busy.set(false);
        match result {
            Ok(_) => {}
            Err(AppError::Unavailable { .. })
                if act == Act::Acknowledge
                    && !crate::offline::is_online()
                    && outbox.queue_ack(id) => {}
            Err(e) => {
                acting.optimistic.set(None);
                toasts.show(
                    format!("Could not {verb} #{number}: {}", e.user_message()),
                    true,
                );
            }
        }
    });
}

/// Acknowledge and resolve as large buttons (48 px), with a busy state and the offline queue.
#[component]
pub fn ActButtons(incident: Memo<IncidentSummary>, acting: Acting) -> impl IntoView {
    let outbox = crate::offline::use_outbox();
    let status = move || acting.status(incident.with(|i| i.status));
    let queued = move || outbox.queued.with(|q| q.contains(&incident.with(|i| i.id)));
    // The optimistic state ends when the server's state moves, or when a queued
    // acknowledgement is refused.
    Effect::new(move |_| {
        let (id, live) = incident.with(|i| (i.id, i.status));
        let refused = outbox.refused.with(|r| r.contains(&id));
        if refused {
            outbox.refused.update(|r| {
                r.remove(&id);
            });
        }
        if refused || (live != Status::Open && live != Status::Snoozed) {
            acting.optimistic.set(None);
        }
    });
    view! {
        <div class="act">
            <button class="btn btn--big btn--primary" type="button"
                disabled=move || { status() != Status::Open || acting.busy.get() }
                aria-busy=move || acting.busy.get().to_string()
                on:click=move |_| run(Act::Acknowledge, &incident.get_untracked(), acting)>
                {move || if queued() {
                    "Queued"
                } else if status() == Status::Acknowledged {
                    "Acknowledged"
                } else {
                    "Acknowledge"
                }}
            </button>
            <button class="btn btn--big" type="button"
                disabled=move || { status() == Status::Resolved || acting.busy.get() }
                aria-busy=move || acting.busy.get().to_string()
                on:click=move |_| run(Act::Resolve, &incident.get_untracked(), acting)>
                "Resolve"
            </button>
        </div>
        {move || queued().then(|| view! {
            <p class="queued" role="status" data-testid="queued">
                "Acknowledgement queued offline: it is sent when you are back online."
            </p>
        })}
    }
}

/// How long a successful action's expected status stays shown: until the live update or the
/// page's reload carries the server's copy, which normally takes tens of milliseconds.
const SETTLE: std::time::Duration = std::time::Duration::from_secs(3);

/// Wires a bulk status action of a desktop page (acknowledge or resolve, from a button or a
/// shortcut) to the live state: as soon as it is dispatched its incidents show `status`
/// wherever they are listed (`Live::current`); if it fails they go back to what the server
/// says and a toast says why; if it succeeds the server's copy takes over (at the latest
/// after `SETTLE`). `ids` is the action's input while it runs, `outcome` its latest result.
pub fn optimistic(
    ids: Signal<Option<Vec<IncidentId>>>,
    outcome: Signal<Option<Result<(), AppError>>>,
    status: Status,
    verb: &'static str,
) {
    let live = crate::live::use_live();
    let toasts = crate::components::toast::use_toasts();
    let last = StoredValue::new(Vec::<IncidentId>::new());
    Effect::new(move |_| {
        if let Some(ids) = ids.get() {
            live.expect(&ids, status);
            last.set_value(ids);
        }
    });
    Effect::new(move |_| match outcome.get() {
        Some(Err(e)) => {
            let ids = last.get_value();
            live.forget(&ids);
            let what = match ids.len() {
                1 => "the incident".to_owned(),
                n => format!("{n} incidents"),
            };
            toasts.show(
                format!("Could not {verb} {what}: {}", e.user_message()),
                true,
            );
        }
        Some(Ok(())) => {
            let ids = last.get_value();
            set_timeout(move || live.forget(&ids), SETTLE);
        }
        None => {}
    });
}

/// The desktop's acknowledge and resolve actions, wired through `optimistic`.
pub fn optimistic_actions(
    ack: ServerAction<AcknowledgeIncidents>,
    resolve: ServerAction<ResolveIncidents>,
) {
    optimistic(
        Signal::derive(move || ack.input().get().map(|a| a.ids)),
        Signal::derive(move || ack.value().get().map(|r| r.map(|_| ()))),
        Status::Acknowledged,
        "acknowledge",
    );
    optimistic(
        Signal::derive(move || resolve.input().get().map(|r| r.ids)),
        Signal::derive(move || resolve.value().get().map(|r| r.map(|_| ()))),
        Status::Resolved,
        "resolve",
    );
}

/// The "add a note" form of an incident page (desktop and phone): sends `text` through `note`,
/// busy while it is sent. The page owns `text` (a draft survives live re-renders) and empties
/// it once the note is saved.
#[component]
pub fn NoteForm(
    note: ServerAction<AddNote>,
    incident: IncidentId,
    text: RwSignal<String>,
    /// The textarea's id.
    id: &'static str,
    label: &'static str,
    placeholder: &'static str,
    rows: u32,
    /// A phone-sized (48 px) button.
    #[prop(optional)]
    big: bool,
) -> impl IntoView {
    view! {
        <form class="note-form" on:submit=move |ev| {
            ev.prevent_default();
            note.dispatch(AddNote { id: incident, note: text.get_untracked() });
        }>
            <label for=id class="visually-hidden">{label}</label>
            <textarea id=id rows=rows placeholder=placeholder prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))></textarea>
            <button class="btn" class:btn--big=big type="submit" disabled=move || note.pending().get()
                aria-busy=move || note.pending().get().to_string()>"Add note"</button>
        </form>
    }
}
