//! The "Single sign-on" card of `/settings`: the provider (issuer, client, scopes, button
//! label), who may come in (provisioning, allowed domains), the claim rules for roles and
//! teams, and whether passwords still work. Shows the redirect URI to register.

use leptos::prelude::*;

use super::api::{ClearSsoSettings, SaveSsoSettings, sso_settings};
use super::{PasswordLogin, RoleRule, SsoForm, SsoSource, SsoView, TeamRule};
use crate::components::field::Field;
use crate::components::form::{FormError, action_error, successes};
use crate::domain::{Role, TeamId, UserId};
use crate::error::AppError;

#[component]
pub fn SsoCard() -> impl IntoView {
    let save = ServerAction::<SaveSsoSettings>::new();
    let clear = ServerAction::<ClearSsoSettings>::new();
    let saved = successes(save);
    let settings = Resource::new(
        move || (saved.get(), clear.version().get()),
        |_| sso_settings(),
    );
    view! {
        <section class="card" aria-labelledby="sso-h" data-testid="sso-card">
            <h2 id="sso-h" class="card__title">"Single sign-on (OpenID Connect)"</h2>
            <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading…"</p> }>
                {move || settings.get().map(|r| match r {
                    Ok(v) => view! { <SsoFormView view=v save=save clear=clear/> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

/// The error of a field the plain `Field`s do not show (rule rows), with its path.
fn rule_error(error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        error.get().and_then(|e| {
            let field = e.field()?.to_owned();
            (field.starts_with("role_rules") || field.starts_with("team_rules")).then(|| {
                view! { <p class="error" role="alert">{format!("{field}: {}", e.user_message())}</p> }
            })
        })
    }
}

#[component]
fn SsoFormView(
    view: SsoView,
    save: ServerAction<SaveSsoSettings>,
    clear: ServerAction<ClearSsoSettings>,
) -> impl IntoView {
    let f = view.form.clone();
    let enabled = RwSignal::new(f.enabled);
    let issuer = RwSignal::new(f.issuer.clone());
    let client_id = RwSignal::new(f.client_id.clone());
    let client_secret = RwSignal::new(String::new());
    let scopes = RwSignal::new(f.scopes.clone());
    let label = RwSignal::new(f.label.clone());
    let auto_provision = RwSignal::new(f.auto_provision);
    let default_role = RwSignal::new(
        f.default_role
            .unwrap_or(Role::Responder)
            .as_str()
            .to_owned(),
    );
    let domains = RwSignal::new(f.allowed_domains.clone());
    let role_rules = RwSignal::new(f.role_rules.clone());
    let team_rules = RwSignal::new(f.team_rules.clone());
    let password_only_break_glass =
        RwSignal::new(f.password_login == PasswordLogin::BreakGlassOnly);
    let break_glass = RwSignal::new(
        f.break_glass_user
            .map(|u| u.to_string())
            .unwrap_or_default(),
    );
    let error = action_error(save);
    let teams = Resource::new(|| (), |_| crate::teams::api::list_teams());
    let admins = Resource::new(
        || (),
        |_| crate::users::api::list_users(String::new(), 1, 200),
    );
    let source = match view.source {
        SsoSource::Saved => "Using the settings saved here. They override OPSKNIGHT_OIDC_*.",
        SsoSource::Environment => {
            "Using OPSKNIGHT_OIDC_ISSUER, _CLIENT_ID and _CLIENT_SECRET from the server's environment (no provisioning, no rules). Saving here overrides them."
        }
        SsoSource::None => "Single sign-on is off: people sign in with a password.",
    };
    let secret_hint = if view.has_secret {
        "A secret is saved. Leave empty to keep it."
    } else {
        "Required."
    };
    let is_saved = view.source == SsoSource::Saved;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(SaveSsoSettings {
            form: SsoForm {
                enabled: enabled.get_untracked(),
                issuer: issuer.get_untracked(),
                client_id: client_id.get_untracked(),
                client_secret: client_secret.get_untracked(),
                scopes: scopes.get_untracked(),
                label: label.get_untracked(),
                auto_provision: auto_provision.get_untracked(),
                default_role: Role::parse(&default_role.get_untracked()),
                allowed_domains: domains.get_untracked(),
                role_rules: role_rules.get_untracked(),
                team_rules: team_rules.get_untracked(),
                password_login: if password_only_break_glass.get_untracked() {
                    PasswordLogin::BreakGlassOnly
                } else {
                    PasswordLogin::Everyone
                },
                break_glass_user: break_glass.get_untracked().parse::<UserId>().ok(),
            },
        });
    };
    view! {
        <p class="muted" data-testid="sso-source">{source}</p>
        <p class="small">"Register this redirect URI with the provider: "<code class="mono break" data-testid="sso-redirect-uri">{view.redirect_uri.clone()}</code>
            " and this post-logout URI: "<code class="mono break">{view.post_logout_uri.clone()}</code></p>
        <form class="form" on:submit=submit novalidate>
            <label class="check"><input type="checkbox" name="enabled" prop:checked=enabled
                on:change=move |ev| enabled.set(event_target_checked(&ev))/>" Offer “Sign in with …” on the sign-in pages"</label>
            <div class="form form--inline">
                <Field name="issuer" label="Issuer URL" value=issuer error=error hint="e.g. https://id.example.com/realms/ops" form="sso"/>
                <Field name="client_id" label="Client ID" value=client_id error=error autocomplete="off" form="sso"/>
                <Field name="client_secret" label="Client secret" kind="password" value=client_secret error=error hint=secret_hint autocomplete="new-password" form="sso"/>
                <Field name="scopes" label="Scopes" value=scopes error=error hint="openid is always sent; add groups if your provider needs it" form="sso"/>
                <Field name="label" label="Button label" value=label error=error hint="“Sign in with …”" form="sso"/>
                <Field name="allowed_domains" label="Allowed email domains" value=domains error=error hint="Comma-separated; empty allows any" form="sso"/>
            </div>
            <label class="check"><input type="checkbox" name="auto_provision" prop:checked=auto_provision
                on:change=move |ev| auto_provision.set(event_target_checked(&ev))/>" Create an account at the first sign-in of someone new"</label>
            <div class="field">
                <label for="f-sso-default-role">"Role of a new account when no rule matches"</label>
                <select id="f-sso-default-role" on:change=move |ev| default_role.set(event_target_value(&ev))>
                    {Role::ALL.into_iter().map(|r| view! { <option value=r.as_str() selected=move || default_role.get() == r.as_str()>{r.as_str()}</option> }).collect_view()}
                </select>
            </div>
            <RoleRules rules=role_rules/>
            <TeamRules rules=team_rules teams=teams/>
            <fieldset class="fieldset">
                <legend>"Passwords"</legend>
                <label class="check"><input type="checkbox" name="break_glass_only" prop:checked=password_only_break_glass
                    on:change=move |ev| password_only_break_glass.set(event_target_checked(&ev))/>" Turn password sign-in off for everyone but one break-glass admin"</label>
                <div class="field" class:field--error=move || error.get().is_some_and(|e| e.field() == Some("break_glass_user"))>
                    <label for="f-sso-break-glass">"Break-glass admin"</label>
                    <select id="f-sso-break-glass" name="break_glass_user" on:change=move |ev| break_glass.set(event_target_value(&ev))>
                        <option value="">"—"</option>
                        <Transition fallback=|| ()>
                            {move || admins.get().and_then(Result::ok).map(|page| page.users.into_iter()
                                .filter(|u| u.role == Role::Admin)
                                .map(|u| { let id = u.id.to_string(); let id2 = id.clone();
                                    view! { <option value=id selected=move || break_glass.get() == id2>{format!("{} <{}>", u.name, u.email)}</option> } })
                                .collect_view())}
                        </Transition>
                    </select>
                    <p class="field__error" role="alert">{move || error.get().filter(|e| e.field() == Some("break_glass_user")).map(|e| e.user_message())}</p>
                </div>
            </fieldset>
            {rule_error(error)}
            <FormError error=error fields=&["issuer", "client_id", "client_secret", "scopes", "label", "allowed_domains", "break_glass_user"]/>
            <div class="form__actions">
                <button class="btn btn--primary" type="submit" disabled=move || save.pending().get()>"Save single sign-on"</button>
                {move || matches!(save.value().get(), Some(Ok(_))).then(|| view! { <span class="muted" role="status">"Saved"</span> })}
                {is_saved.then(|| view! {
                    <button class="btn btn--quiet" type="button" on:click=move |_| { clear.dispatch(ClearSsoSettings {}); }>"Forget saved settings"</button>
                })}
            </div>
        </form>
    }
}

#[component]
fn RoleRules(rules: RwSignal<Vec<RoleRule>>) -> impl IntoView {
    let edit = move |i: usize, f: &dyn Fn(&mut RoleRule)| {
        rules.update(|v| {
            if let Some(r) = v.get_mut(i) {
                f(r)
            }
        })
    };
    view! {
        <fieldset class="fieldset" data-testid="sso-role-rules">
            <legend>"Role rules: the highest matching role wins"</legend>
            {move || (0..rules.with(Vec::len)).map(|i| {
                let r = rules.with(|v| v[i].clone());
                view! {
                    <div class="form form--inline rule-row">
                        <input aria-label="Claim" placeholder="groups" value=r.claim
                            on:input=move |ev| edit(i, &|x| x.claim = event_target_value(&ev))/>
                        <span>"contains"</span>
                        <input aria-label="Value" placeholder="sre-admins" value=r.value
                            on:input=move |ev| edit(i, &|x| x.value = event_target_value(&ev))/>
                        <span>"→"</span>
                        <select aria-label="Role" on:change=move |ev| {
                            let role = Role::parse(&event_target_value(&ev)).unwrap_or(Role::User);
                            edit(i, &|x| x.role = role)
                        }>
                            {Role::ALL.into_iter().map(|role| view! { <option value=role.as_str() selected=role == r.role>{role.as_str()}</option> }).collect_view()}
                        </select>
                        <button class="btn btn--quiet" type="button" on:click=move |_| rules.update(|v| { v.remove(i); })>"Remove"</button>
                    </div>
                }
            }).collect_view()}
            <button class="btn" type="button" on:click=move |_| rules.update(|v| v.push(RoleRule {
                claim: "groups".into(), value: String::new(), role: Role::Responder }))>"Add a role rule"</button>
        </fieldset>
    }
}

#[component]
fn TeamRules(
    rules: RwSignal<Vec<TeamRule>>,
    teams: Resource<Result<Vec<crate::teams::TeamSummary>, AppError>>,
) -> impl IntoView {
    let edit = move |i: usize, f: &dyn Fn(&mut TeamRule)| {
        rules.update(|v| {
            if let Some(r) = v.get_mut(i) {
                f(r)
            }
        })
    };
    let team_list = move || teams.get().and_then(Result::ok).unwrap_or_default();
    view! {
        <fieldset class="fieldset" data-testid="sso-team-rules">
            <legend>"Team rules: membership of these teams follows the claims at every sign-in"</legend>
            <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading teams…"</p> }>
                {move || {
                    let list = team_list();
                    (0..rules.with(Vec::len)).map(|i| {
                        let r = rules.with(|v| v[i].clone());
                        let options = list.clone();
                        view! {
                            <div class="form form--inline rule-row">
                                <input aria-label="Claim" placeholder="groups" value=r.claim
                                    on:input=move |ev| edit(i, &|x| x.claim = event_target_value(&ev))/>
                                <span>"contains"</span>
                                <input aria-label="Value" placeholder="payments-oncall" value=r.value
                                    on:input=move |ev| edit(i, &|x| x.value = event_target_value(&ev))/>
                                <span>"→ member of"</span>
                                <select aria-label="Team" on:change=move |ev| {
                                    if let Ok(t) = event_target_value(&ev).parse::<TeamId>() { edit(i, &|x| x.team_id = t) }
                                }>
                                    {options.into_iter().map(|t| view! { <option value=t.id.to_string() selected=t.id == r.team_id>{t.name}</option> }).collect_view()}
                                </select>
                                <button class="btn btn--quiet" type="button" on:click=move |_| rules.update(|v| { v.remove(i); })>"Remove"</button>
                            </div>
                        }
                    }).collect_view()
                }}
                {move || {
                    let first = team_list().first().map(|t| t.id);
                    match first {
                        Some(team_id) => view! {
                            <button class="btn" type="button" on:click=move |_| rules.update(|v| v.push(TeamRule {
                                claim: "groups".into(), value: String::new(), team_id }))>"Add a team rule"</button>
                        }.into_any(),
                        None => view! { <p class="muted small">"Create a team first to map claims to it."</p> }.into_any(),
                    }
                }}
            </Transition>
        </fieldset>
    }
}
