//! `/forgot`, `/reset?token=` and `/invite?token=`: asking for a reset link, and choosing a
//! password from a one-time link (which then signs you in).

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::api::{AcceptInvite, ForgotPassword, ResetPassword, link_info};
use crate::components::field::Field;
use crate::components::form::{FormError, action_error};

#[component]
pub fn ForgotPage() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let action = ServerAction::<ForgotPassword>::new();
    let error = action_error(action);
    let done = move || matches!(action.value().get(), Some(Ok(())));
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(ForgotPassword {
            email: email.get_untracked(),
        });
    };
    view! {
        <leptos_meta::Title text="Reset password · OpsKnight"/>
        <main class="standalone" id="main">
            <div class="standalone__card standalone__card--form">
                <h1>"Forgot your password?"</h1>
                <Show when=done fallback=move || view! {
                    <p class="muted">"Enter your email. If email delivery is set up, we send you a link that works for one hour. Otherwise, ask an admin for a reset link."</p>
                    <form class="form" on:submit=on_submit novalidate>
                        <Field name="email" label="Email" kind="email" value=email error=error autocomplete="username"/>
                        <FormError error=error fields=&["email"]/>
                        <button class="btn btn--primary" type="submit" disabled=move || action.pending().get()>"Send reset link"</button>
                    </form>
                }>
                    <p class="notice notice--ok" role="status" data-testid="forgot-done">"If an account uses that email and email delivery is set up, a reset link is on its way. It works once, for one hour."</p>
                </Show>
                <p><a href="/login">"Back to sign in"</a></p>
            </div>
        </main>
    }
}

/// The shared page for invite and reset links.
#[component]
pub fn LinkPage(invite: bool) -> impl IntoView {
    let token = move || use_query_map().with(|q| q.get("token").unwrap_or_default());
    let purpose = if invite { "invite" } else { "reset" };
    let owner = Resource::new(token, move |t| link_info(t, purpose.to_owned()));
    let password = RwSignal::new(String::new());
    let accept = ServerAction::<AcceptInvite>::new();
    let reset = ServerAction::<ResetPassword>::new();
    let error = Signal::derive(move || {
        if invite {
            accept.value().get()
        } else {
            reset.value().get()
        }
        .and_then(Result::err)
    });
    let pending = move || accept.pending().get() || reset.pending().get();
    Effect::new(move |_| {
        let done = if invite {
            accept.value().get()
        } else {
            reset.value().get()
        };
        if matches!(done, Some(Ok(_))) {
            let _ = window().location().set_href("/");
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (token, password) = (token(), password.get_untracked());
        if invite {
            accept.dispatch(AcceptInvite { token, password });
        } else {
            reset.dispatch(ResetPassword { token, password });
        }
    };
    let title = if invite {
        "Join OpsKnight"
    } else {
        "Choose a new password"
    };
    view! {
        <leptos_meta::Title text=format!("{title} · OpsKnight")/>
        <main class="standalone" id="main">
            <div class="standalone__card standalone__card--form">
                <h1>{title}</h1>
                <Suspense fallback=|| view! { <p class="muted" aria-busy="true">"Checking your link…"</p> }>
                    {move || owner.get().map(|r| match r {
                        Ok(o) => view! {
                            <p class="muted" data-testid="link-owner">{format!("{} <{}>", o.name, o.email)}</p>
                            <form class="form" on:submit=on_submit novalidate>
                                <Field name="password" label="New password" kind="password" value=password error=error
                                    autocomplete="new-password" hint="At least 12 characters. Not a common password."/>
                                <FormError error=error fields=&["password"]/>
                                <button class="btn btn--primary" type="submit" disabled=pending>
                                    {if invite { "Set password and sign in" } else { "Save password and sign in" }}
                                </button>
                            </form>
                        }.into_any(),
                        Err(e) => view! {
                            <p class="error" role="alert" data-testid="link-error">{e.user_message()}</p>
                            <p><a href="/forgot">"Ask for a new reset link"</a>" · "<a href="/login">"Sign in"</a></p>
                        }.into_any(),
                    })}
                </Suspense>
            </div>
        </main>
    }
}
