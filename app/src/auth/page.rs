//! `/login` and `/m/login`: the sign-in form. On success it goes to the dashboard (or `/m`).

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

use super::api::Login;
use crate::components::field::Field;
use crate::error::AppError;

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
    Effect::new(move |_| {
        if matches!(action.value().get(), Some(Ok(_))) {
            let next = query.with_untracked(|q| q.get("next"));
            navigate(
                &super::gate::safe_next(next.as_deref(), home),
                Default::default(),
            );
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(Login {
            email: email.get_untracked(),
            password: password.get_untracked(),
        });
    };
    view! {
        <leptos_meta::Title text="Sign in · OpsKnight"/>
        <main class="standalone" id="main">
            <div class="standalone__card standalone__card--form">
                <h1>"Sign in to OpsKnight"</h1>
                <form class="form" on:submit=on_submit novalidate>
                    <Field name="email" label="Email" kind="email" value=email error=error autocomplete="username"/>
                    <Field name="password" label="Password" kind="password" value=password error=error autocomplete="current-password"/>
                    {move || general_error().map(|e| view! { <p class="error" role="alert" data-testid="login-error">{e.user_message()}</p> })}
                    <button class="btn btn--primary" type="submit" disabled=move || action.pending().get()>
                        {move || if action.pending().get() { "Signing in…" } else { "Sign in" }}
                    </button>
                </form>
                <p class="muted"><a href="/forgot">"Forgot your password?"</a></p>
            </div>
        </main>
    }
}
