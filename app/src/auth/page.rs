//! `/login` and `/m/login`: the sign-in form, and "Sign in with <provider>" when single
//! sign-on is on (a plain link: it works before the page's script loads). A refused single
//! sign-on comes back here with `?sso_error=<code>`, shown in words. On success the form goes
//! to the dashboard (or `/m`).

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

use super::api::Login;
use crate::components::field::Field;
use crate::error::AppError;
use crate::sso::Refusal;

#[component]
pub fn LoginPage(#[prop(optional)] mobile: bool) -> impl IntoView {
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let action = ServerAction::<Login>::new();
    let error = Signal::derive(move || action.value().get().and_then(|r| r.err()));
    let general_error = move || error.get().filter(|e: &AppError| e.field().is_none());
    let home = if mobile { "/m" } else { "/" };
    let query = use_query_map();
    let navigate = use_navigate();
    let options = Resource::new(|| (), |_| crate::sso::api::sso_options());
    let next = move || {
        let next = query.with_untracked(|q| q.get("next"));
        super::gate::safe_next(next.as_deref(), home)
    };
    Effect::new(move |_| {
        if matches!(action.value().get(), Some(Ok(_))) {
            navigate(&next(), Default::default());
        }
    });
    // The provider's logout returns to /login; a phone's sign-out asked to come back to /m.
    Effect::new(move |_| {
        if !mobile && query.with(|q| q.get("state").as_deref() == Some("m")) {
            let _ = window().location().replace("/m/login");
        }
    });
    let sso_error = move || {
        query
            .with(|q| q.get("sso_error"))
            .map(|code| Refusal::parse(&code).unwrap_or(Refusal::Internal).message())
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(Login {
            email: email.get_untracked(),
            password: password.get_untracked(),
        });
    };
    let form = move || {
        view! {
            <form class="form" on:submit=on_submit novalidate>
                <Field name="email" label="Email" kind="email" value=email error=error autocomplete="username"/>
                <Field name="password" label="Password" kind="password" value=password error=error autocomplete="current-password"/>
                {move || general_error().map(|e| view! { <p class="error" role="alert" data-testid="login-error">{e.user_message()}</p> })}
                <button class="btn btn--primary" type="submit" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
        }
    };
    view! {
        <leptos_meta::Title text="Sign in · OpsKnight"/>
        <main class="standalone" id="main">
            <div class="standalone__card standalone__card--form">
                <h1>"Sign in to OpsKnight"</h1>
                {move || sso_error().map(|m| view! { <p class="notice notice--error" role="alert" data-testid="sso-error">{m}</p> })}
                <Suspense fallback=move || view! { {form()} }>
                    {move || options.get().map(|o| {
                        let o = o.unwrap_or_default();
                        let start = format!(
                            "{}?return_to={}",
                            crate::sso::START_PATH,
                            query_escape(&next()),
                        );
                        let sso = o.sso_label.clone().map(|label| view! {
                            <a class="btn btn--primary btn--block sso-button" href=start data-testid="sso-button" rel="external">
                                {format!("Sign in with {label}")}
                            </a>
                        });
                        let password_form = if o.sso_label.is_none() || o.password_for_everyone {
                            view! {
                                {o.sso_label.is_some().then(|| view! { <p class="muted divider"><span>"or with your password"</span></p> })}
                                {form()}
                                <p class="muted"><a href="/forgot">"Forgot your password?"</a></p>
                            }.into_any()
                        } else {
                            view! {
                                <details class="break-glass">
                                    <summary>"Break-glass sign-in (one admin)"</summary>
                                    {form()}
                                </details>
                            }.into_any()
                        };
                        view! { {sso} {password_form} }
                    })}
                </Suspense>
            </div>
        </main>
    }
}

/// Percent-encodes a path for a query parameter.
fn query_escape(raw: &str) -> String {
    raw.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
