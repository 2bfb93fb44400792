//! `/users`: the user directory, searchable and paginated. Admins also invite people, change
//! roles, disable or enable accounts, issue reset links (copyable when not emailed), see and
//! end anyone's sessions and API keys (`access_page`), and list every key of the workspace.

use leptos::prelude::*;

use super::api::{InviteUser, IssueResetLink, SetUserRole, SetUserStatus, list_users};
use super::{LinkIssued, UserStatus};
use crate::components::field::Field;
use crate::components::form::{FormError, SelectField, action_error};
use crate::components::time::{CurrentUser, Time};
use crate::domain::{Role, UserId};

const PER_PAGE: i64 = 50;

#[component]
pub fn UsersPage() -> impl IntoView {
    let me = expect_context::<CurrentUser>().0;
    let is_admin = move || matches!(me.get(), Some(Ok(u)) if u.role == Role::Admin);
    let invite = ServerAction::<InviteUser>::new();
    let set_role = ServerAction::<SetUserRole>::new();
    let set_status = ServerAction::<SetUserStatus>::new();
    let reset = ServerAction::<IssueResetLink>::new();
    let query = RwSignal::new(String::new());
    let page = RwSignal::new(1i64);
    // The user whose sessions and keys are open, if any.
    let access = RwSignal::new(None::<(UserId, String)>);
    let close_access = Callback::new(move |()| access.set(None));
    let users = Resource::new(
        move || {
            (
                query.get(),
                page.get(),
                invite.version().get(),
                set_role.version().get(),
                set_status.version().get(),
            )
        },
        |(q, p, ..)| list_users(q, p, PER_PAGE),
    );
    let row_error = Signal::derive(move || {
        set_role
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| set_status.value().get().and_then(Result::err))
            .or_else(|| reset.value().get().and_then(Result::err))
    });
    let issued = Signal::derive(move || {
        reset
            .value()
            .get()
            .and_then(Result::ok)
            .or_else(|| invite.value().get().and_then(Result::ok))
    });
    view! {
        <leptos_meta::Title text="Users · OpsKnight"/>
        <header class="page-head">
            <h1>"Users"</h1>
            <input class="search" type="search" placeholder="Search name or email" aria-label="Search users"
                prop:value=move || query.get()
                on:input=move |ev| { query.set(event_target_value(&ev)); page.set(1); }/>
        </header>
        <div class="stack">
            <Transition fallback=|| ()>{move || is_admin().then(|| view! { <InviteForm action=invite/> })}</Transition>
            {move || issued.get().map(|l| view! { <IssuedLink issued=l/> })}
            <FormError error=row_error/>
            {move || access.get().map(|(id, name)| view! {
                <super::access_page::UserAccess user_id=id name=name on_close=close_access/>
            })}
            <section class="card" aria-label="User list">
                <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading users…"</p> }>
                    {move || users.get().map(|r| match r {
                        Ok(p) if p.users.is_empty() => view! { <p class="muted">"No users match."</p> }.into_any(),
                        Ok(p) => {
                            let admin = is_admin();
                            let pages = (p.total + p.per_page - 1) / p.per_page;
                            view! {
                                <table class="table" data-testid="users">
                                    <thead><tr><th>"Name"</th><th>"Email"</th><th>"Role"</th><th>"Status"</th><th>"Since"</th>
                                        {admin.then(|| view! { <th class="num">"Actions"</th> })}</tr></thead>
                                    <tbody>
                                        {p.users.into_iter().map(|u| {
                                            let id = u.id;
                                            view! {
                                                <tr>
                                                    <td>{u.name.clone()}</td>
                                                    <td class="mono">{u.email.clone()}</td>
                                                    <td>{if admin {
                                                        view! {
                                                            <select aria-label=format!("Role of {}", u.name)
                                                                on:change=move |ev| { set_role.dispatch(SetUserRole { user_id: id, role: event_target_value(&ev) }); }>
                                                                {Role::ALL.into_iter().map(|r| view! { <option value=r.as_str() selected=r == u.role>{r.as_str()}</option> }).collect_view()}
                                                            </select>
                                                        }.into_any()
                                                    } else { u.role.as_str().into_any() }}</td>
                                                    <td><StatusBadge status=u.status/></td>
                                                    <td><Time at=u.created_at/></td>
                                                    {admin.then(|| {
                                                        let (label, to) = if u.status == UserStatus::Disabled { ("Enable", "ACTIVE") } else { ("Disable", "DISABLED") };
                                                        let who = u.name.clone();
                                                        view! {
                                                            <td class="num actions">
                                                                <button class="btn btn--quiet" type="button"
                                                                    on:click=move |_| access.set(Some((id, who.clone())))>"Sessions and keys"</button>
                                                                <button class="btn btn--quiet" type="button"
                                                                    on:click=move |_| { reset.dispatch(IssueResetLink { user_id: id }); }>
                                                                    {if u.status == UserStatus::Invited { "New invite link" } else { "Reset link" }}
                                                                </button>
                                                                <button class="btn btn--quiet" type="button"
                                                                    on:click=move |_| { set_status.dispatch(SetUserStatus { user_id: id, status: to.into() }); }>{label}</button>
                                                            </td>
                                                        }
                                                    })}
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                <nav class="pager" aria-label="Pages">
                                    <button class="btn" type="button" disabled=move || { page.get() <= 1 } on:click=move |_| page.update(|p| *p -= 1)>"Previous"</button>
                                    <span class="muted">{format!("Page {} of {} · {} users", p.page, pages.max(1), p.total)}</span>
                                    <button class="btn" type="button" disabled=move || { page.get() >= pages } on:click=move |_| page.update(|p| *p += 1)>"Next"</button>
                                </nav>
                            }.into_any()
                        }
                        Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
                    })}
                </Transition>
            </section>
            <Transition fallback=|| ()>{move || is_admin().then(|| view! { <crate::apikeys::admin_page::AllApiKeys/> })}</Transition>
        </div>
    }
}

#[component]
fn StatusBadge(status: UserStatus) -> impl IntoView {
    let (class, text) = match status {
        UserStatus::Active => ("badge badge--ok", "active"),
        UserStatus::Invited => ("badge badge--medium", "invited"),
        UserStatus::Disabled => ("badge badge--high", "disabled"),
    };
    view! { <span class=class>{text}</span> }
}

#[component]
fn InviteForm(action: ServerAction<InviteUser>) -> impl IntoView {
    let email = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let role = RwSignal::new("RESPONDER".to_owned());
    let error = action_error(action);
    view! {
        <section class="card" aria-labelledby="invite-h">
            <h2 id="invite-h" class="card__title">"Invite someone"</h2>
            <form class="form form--inline" on:submit=move |ev| {
                ev.prevent_default();
                action.dispatch(InviteUser { email: email.get_untracked(), name: name.get_untracked(), role: role.get_untracked() });
            } novalidate>
                <Field name="email" label="Email" kind="email" value=email error=error/>
                <Field name="name" label="Name" value=name error=error/>
                <SelectField name="role" label="Role" value=role error=error
                    options=vec![("RESPONDER", "Responder"), ("USER", "User (read-only)"), ("ADMIN", "Admin")]/>
                <FormError error=error fields=&["email", "name", "role"]/>
                <div class="form__actions">
                    <button class="btn btn--primary" type="submit" disabled=move || action.pending().get()>"Send invite"</button>
                </div>
            </form>
        </section>
    }
}

#[component]
fn IssuedLink(issued: LinkIssued) -> impl IntoView {
    view! {
        <div class="notice notice--ok" role="status" data-testid="issued-link">
            {match issued.link {
                Some(link) => view! {
                    <p>{format!("Email is not set up, so pass this link to {} yourself. It works once, until ", issued.user.email)}<Time at=issued.expires_at/>"."</p>
                    <code class="secret">{link}</code>
                }.into_any(),
                None => view! { <p>{format!("Link emailed to {}.", issued.user.email)}</p> }.into_any(),
            }}
        </div>
    }
}
