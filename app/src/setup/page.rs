//! `/setup`: the first-run form that creates the first admin with the setup code from the server log.

use leptos::prelude::*;

use super::api::{CompleteSetup, setup_status};
use crate::components::field::Field;
use crate::error::AppError;

#[component]
pub fn SetupPage() -> impl IntoView {
    let status = Resource::new(|| (), |_| setup_status());
    view! {
        <leptos_meta::Title text="Set up OpsKnight"/>
        <main class="standalone" id="main">
            <div class="standalone__card standalone__card--form">
                <h1>"Set up OpsKnight"</h1>
                <Suspense fallback=|| view! { <p class="muted" aria-busy="true">"Loading…"</p> }>
                    {move || status.get().map(|r| match r {
                        Ok(s) if s.needs_setup => view! { <SetupForm/> }.into_any(),
                        Ok(_) => view! {
                            <p data-testid="setup-done">"This instance already has an administrator. Ask them for an invite."</p>
                            <p><a class="btn btn--primary" href="/">"Go to the dashboard"</a></p>
                        }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
                    })}
                </Suspense>
            </div>
        </main>
    }
}

#[component]
fn SetupForm() -> impl IntoView {
    let code = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let action = ServerAction::<CompleteSetup>::new();
    let error = Signal::derive(move || action.value().get().and_then(|r| r.err()));
    let general_error = move || error.get().filter(|e: &AppError| e.field().is_none());
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(CompleteSetup {
            code: code.get_untracked(),
            email: email.get_untracked(),
            name: name.get_untracked(),
            password: password.get_untracked(),
        });
    };
    view! {
        <Show
            when=move || !matches!(action.value().get(), Some(Ok(_)))
            fallback=move || view! {
                <div class="notice notice--ok" role="status" data-testid="setup-complete">
                    <p>"Administrator "<strong>{move || action.value().get().and_then(|r| r.ok()).map(|u| u.email)}</strong>" created."</p>
                    <p><a class="btn btn--primary" href="/">"Open the dashboard"</a></p>
                </div>
            }
        >
            <p class="muted">"No user exists yet. The server printed a one-time setup code to its log when it started. Enter it to create the first administrator."</p>
            <form class="form" on:submit=on_submit novalidate>
                <Field name="code" label="Setup code" value=code error=error hint="Looks like ABCD-EFGH-JKMN; find it in the server log." autocomplete="off"/>
                <Field name="name" label="Your name" value=name error=error autocomplete="name"/>
                <Field name="email" label="Email" kind="email" value=email error=error autocomplete="email"/>
                <Field name="password" label="Password" kind="password" value=password error=error hint="At least 12 characters." autocomplete="new-password"/>
                {move || general_error().map(|e| view! { <p class="error" role="alert">{e.user_message()}</p> })}
                <button class="btn btn--primary" type="submit" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Creating…" } else { "Create administrator" }}
                </button>
            </form>
        </Show>
    }
}
