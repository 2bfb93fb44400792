//! `/postmortems/:id`: one postmortem. Its sections are edited as Markdown in textareas with a
//! preview (rendered and sanitized by the server), its timeline row by row; the status moves
//! DRAFT → IN REVIEW → PUBLISHED; a published one reads as rendered HTML. Action items are
//! `items.rs`; the Markdown export is the server route `/postmortems/:id/export.md`.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::api::{
    DeletePostmortemAction, SavePostmortemAction, SetPostmortemStatus, UpdatePostmortem,
    get_postmortem, preview_markdown,
};
use super::{PmStatus, PostmortemEdit, PostmortemView, SECTIONS, TimelineInput};
use crate::components::time::Time;
use crate::domain::PostmortemId;
use crate::error::AppError;

#[component]
pub fn PostmortemPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|s| s.parse::<PostmortemId>().ok()));
    let save = ServerAction::<UpdatePostmortem>::new();
    let status = ServerAction::<SetPostmortemStatus>::new();
    let item = ServerAction::<SavePostmortemAction>::new();
    let remove = ServerAction::<DeletePostmortemAction>::new();
    let saved = crate::components::form::successes(save);
    let moved = crate::components::form::successes(status);
    let items = crate::components::form::successes(item);
    let removed = crate::components::form::successes(remove);
    let data = Resource::new(
        move || {
            (
                id(),
                saved.get() + moved.get() + items.get() + removed.get(),
            )
        },
        |(id, _)| async move {
            match id {
                Some(id) => get_postmortem(id).await,
                None => Err(AppError::NotFound {
                    what: "postmortem".into(),
                }),
            }
        },
    );
    view! {
        <leptos_meta::Title text="Postmortem · OpsKnight"/>
        <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading postmortem…"</p> }>
            {move || data.get().map(|r| match r {
                Ok(v) => view! {
                    <Head view=v.clone() status=status/>
                    <div class="stack">
                        {if v.can_edit && v.postmortem.status != PmStatus::Published {
                            view! { <EditForm view=v.clone() save=save/> }.into_any()
                        } else {
                            view! { <ReadOnly view=v.clone()/> }.into_any()
                        }}
                        <super::items::ActionItems view=v save=item remove=remove/>
                    </div>
                }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
            })}
        </Transition>
    }
}

/// The title, facts, status and its buttons, and the export link.
#[component]
fn Head(view: PostmortemView, status: ServerAction<SetPostmortemStatus>) -> impl IntoView {
    let p = view.postmortem.clone();
    let id = p.id;
    let to = move |s: PmStatus| {
        status.dispatch(SetPostmortemStatus {
            id,
            status: s.as_str().to_owned(),
        });
    };
    let buttons = view.can_edit.then(|| match p.status {
        PmStatus::Draft => view! {
            <button class="btn btn--primary" type="button" on:click=move |_| to(PmStatus::InReview)>"Send to review"</button>
        }.into_any(),
        PmStatus::InReview => view! {
            <button class="btn" type="button" on:click=move |_| to(PmStatus::Draft)>"Back to draft"</button>
            <button class="btn btn--primary" type="button" on:click=move |_| to(PmStatus::Published)>"Publish"</button>
        }.into_any(),
        PmStatus::Published => view.can_unpublish.then(|| view! {
            <button class="btn" type="button" on:click=move |_| to(PmStatus::InReview)>"Back to review"</button>
        }).into_any(),
    });
    let merged = (!p.merged.is_empty()).then(|| {
        format!(
            " · with {}",
            p.merged
                .iter()
                .map(|n| format!("#{n}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    });
    view! {
        <header class="page-head">
            <div>
                <p class="muted small"><a href="/postmortems">"Postmortems"</a>" / "
                    <a href=format!("/incidents/{}", p.incident_id)>"#"{p.incident_number}</a>{merged}
                    " · "{p.service_name.clone()}{p.team_name.clone().map(|t| format!(" · {t}"))}</p>
                <h1>{p.title.clone()}</h1>
                <p class="muted small">
                    <span class="badge" data-testid="pm-status">{p.status.label()}</span>
                    " · authors: "{if p.authors.is_empty() { "—".to_owned() } else { p.authors.clone() }}
                    " · created "<Time at=p.created_at/>
                    {p.published_at.map(|t| view! { " · published "<Time at=t/> })}
                </p>
            </div>
            <div class="actions">
                <a class="btn btn--quiet" href=format!("/postmortems/{id}/export.md") download=format!("postmortem-{}.md", p.incident_number)>"Export Markdown"</a>
                {buttons}
            </div>
        </header>
        {move || status.value().get().and_then(Result::err).map(|e| view! { <p class="error" role="alert">{e.user_message()}</p> })}
    }
}

/// The sections as rendered (sanitized on the server) and the timeline.
#[component]
fn ReadOnly(view: PostmortemView) -> impl IntoView {
    let p = view.postmortem;
    view! {
        <section class="card pm-doc" aria-label="Postmortem">
            {view.html.into_iter().map(|(key, html)| {
                let heading = SECTIONS.iter().find(|(k, _)| *k == key).map_or("", |(_, h)| *h);
                view! {
                    <h2 class="card__title">{heading}</h2>
                    <div class="pm-markdown" inner_html=html></div>
                }
            }).collect_view()}
        </section>
        <section class="card" aria-labelledby="tl-h">
            <h2 id="tl-h" class="card__title">"Timeline"</h2>
            <ol class="pm-timeline" data-testid="pm-timeline">
                {p.timeline.into_iter().map(|r| view! { <li><Time at=r.at/>" "{r.text}</li> }).collect_view()}
            </ol>
        </section>
    }
}

/// One section's textarea and, when previewing, its rendering.
#[component]
fn SectionField(
    key: &'static str,
    heading: &'static str,
    text: RwSignal<String>,
    preview: RwSignal<bool>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let field = format!("sections.{key}");
    let id = format!("pm-{key}");
    // (the Markdown, its rendering), fetched in the browser while previewing; shown only
    // while it is the text in the box (an answer to older text is not).
    let rendered = RwSignal::new(None::<(String, String)>);
    Effect::new(move |_| {
        if !preview.get() {
            return;
        }
        let md = text.get();
        if rendered.with_untracked(|r| r.as_ref().is_some_and(|(m, _)| *m == md)) {
            return;
        }
        leptos::task::spawn_local(async move {
            if let Ok(html) = preview_markdown(md.clone()).await {
                rendered.set(Some((md, html)));
            }
        });
    });
    let shown = move || {
        if !preview.get() {
            return None;
        }
        let md = text.get();
        rendered.with(|r| r.as_ref().filter(|(m, _)| *m == md).map(|(_, h)| h.clone()))
    };
    let message = move || {
        error
            .get()
            .filter(|e| e.field() == Some(field.as_str()))
            .map(|e| e.user_message())
    };
    view! {
        <div class="field pm-section">
            <label for=id.clone()>{heading}</label>
            <textarea id=id rows="5" prop:value=move || text.get() on:input=move |e| text.set(event_target_value(&e))></textarea>
            <p class="field__error" role="alert">{message}</p>
            {move || shown().map(|html| view! { <div class="pm-markdown pm-preview" inner_html=html></div> })}
        </div>
    }
}

/// The editor: title, authors, the sections and the timeline, saved together.
#[component]
fn EditForm(view: PostmortemView, save: ServerAction<UpdatePostmortem>) -> impl IntoView {
    let p = view.postmortem;
    let id = p.id;
    let title = RwSignal::new(p.title.clone());
    let authors = RwSignal::new(p.authors.clone());
    let sections: Vec<(&'static str, &'static str, RwSignal<String>)> = SECTIONS
        .iter()
        .map(|(k, h)| (*k, *h, RwSignal::new(p.sections.get(k).to_owned())))
        .collect();
    let rows = RwSignal::new(
        p.timeline
            .iter()
            .map(|r| {
                (
                    RwSignal::new(r.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
                    RwSignal::new(r.text.clone()),
                )
            })
            .collect::<Vec<_>>(),
    );
    let preview = RwSignal::new(false);
    let error = crate::components::form::action_error(save);
    let all = sections.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut s = super::Sections::default();
        for (k, _, v) in &all {
            if let Some(slot) = s.get_mut(k) {
                *slot = v.get_untracked();
            }
        }
        let timeline = rows
            .get_untracked()
            .into_iter()
            .map(|(at, text)| TimelineInput {
                at: at.get_untracked(),
                text: text.get_untracked(),
            })
            .collect();
        save.dispatch(UpdatePostmortem {
            id,
            edit: PostmortemEdit {
                title: title.get_untracked(),
                authors: authors.get_untracked(),
                sections: s,
                timeline,
            },
        });
    };
    let other_error = move || {
        error
            .get()
            .filter(|e| {
                e.field().is_none_or(|f| {
                    f.starts_with("timeline")
                        || !(f.starts_with("sections.") || f == "title" || f == "authors")
                })
            })
            .map(|e| {
                let at = e.field().map(|f| format!("{f}: ")).unwrap_or_default();
                view! { <p class="error" role="alert">{at}{e.user_message()}</p> }
            })
    };
    view! {
        <section class="card" aria-labelledby="ed-h">
            <h2 id="ed-h" class="card__title">"Write"</h2>
            <form class="form pm-form" on:submit=submit novalidate>
                <crate::components::field::Field name="title" label="Title" value=title error=error/>
                <crate::components::field::Field name="authors" label="Authors" value=authors error=error/>
                <label class="check"><input type="checkbox" prop:checked=move || preview.get()
                    on:change=move |e| preview.set(event_target_checked(&e))/>" Preview the Markdown"</label>
                {sections.into_iter().map(|(key, heading, text)| view! {
                    <SectionField key=key heading=heading text=text preview=preview error=error/>
                }).collect_view()}
                <fieldset class="field">
                    <legend>"Timeline (times in UTC)"</legend>
                    <ol class="pm-timeline pm-timeline--edit" data-testid="pm-timeline">
                        <For each=move || rows.get().into_iter().enumerate() key=|(i, (at, _))| (*i, at.get_untracked()) let((i, (at, text)))>
                            <li class="pm-row">
                                <input aria-label=format!("Time of row {}", i + 1) class="pm-row__at" prop:value=move || at.get() on:input=move |e| at.set(event_target_value(&e))/>
                                <input aria-label=format!("Text of row {}", i + 1) class="pm-row__text" prop:value=move || text.get() on:input=move |e| text.set(event_target_value(&e))/>
                                <button class="btn btn--quiet" type="button" on:click=move |_| rows.update(|r| { if i < r.len() { r.remove(i); } })>"Remove"</button>
                            </li>
                        </For>
                    </ol>
                    <button class="btn btn--quiet" type="button" on:click=move |_| {
                        let last = rows.get_untracked().last().map(|(at, _)| at.get_untracked()).unwrap_or_default();
                        rows.update(|r| r.push((RwSignal::new(last), RwSignal::new(String::new()))));
                    }>"Add row"</button>
                </fieldset>
                {other_error}
                <div class="form__actions"><button class="btn btn--primary" type="submit" disabled=move || save.pending().get()>"Save"</button></div>
            </form>
        </section>
    }
}
