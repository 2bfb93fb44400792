//! Phone numbers are verified before they are paged: adding an SMS or VOICE method sends a
//! 6-digit code by that channel, a text or a call that speaks it (valid 10 minutes, 5
//! attempts, at most one send a minute), which the person types on their profile. Verifying
//! one phone kind verifies the other at the same number.

use leptos::prelude::*;

use crate::domain::ContactMethodId;
use crate::error::AppError;

/// How long a code is valid, in minutes.
pub const CODE_MINUTES: i64 = 10;
/// Wrong codes allowed before a new one must be sent.
pub const MAX_ATTEMPTS: i32 = 5;
/// Seconds between two sends to one method.
pub const RESEND_SECS: i64 = 60;

#[cfg(feature = "ssr")]
fn hash(code: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(code.as_bytes()))
}

/// 429 with the seconds left while the last code or test to a method (`last_sent`) is less
/// than `RESEND_SECS` old.
#[cfg(feature = "ssr")]
pub fn resend_allowed(
    last_sent: Option<chrono::DateTime<chrono::Utc>>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), AppError> {
    match last_sent.map(|at| RESEND_SECS - (now - at).num_seconds()) {
        Some(wait) if wait > 0 => Err(AppError::RateLimited {
            retry_after_secs: u64::try_from(wait).unwrap_or(1),
        }),
        _ => Ok(()),
    }
}

/// Sends a fresh code through `phone` (the provider in use, read by the caller) to method `id`
/// at `address` and stores its hash. Refused within `RESEND_SECS` of the last send; answers
/// 503 when no phone provider is configured.
#[cfg(feature = "ssr")]
pub async fn send_code(
    state: &crate::state::AppState,
    phone: Option<std::sync::Arc<dyn crate::phone::PhoneSender>>,
    id: ContactMethodId,
    kind: crate::domain::ContactKind,
    address: &str,
    last_sent: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<(), AppError> {
    use rand::Rng;
    let now = state.clock.now();
    resend_allowed(last_sent, now)?;
    let Some(phone) = phone else {
        return Err(AppError::Unavailable {
            message: "no phone provider is configured on this server, so no code can be sent"
                .into(),
        });
    };
    let code = format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32));
    let expires = now + chrono::Duration::minutes(CODE_MINUTES);
    super::store::set_code(&state.pool, id, &hash(&code), expires, now).await?;
    let sent = if kind == crate::domain::ContactKind::Voice {
        phone.call(address, &crate::phone::twiml::code(&code)).await
    } else {
        let body = format!(
            "Your OpsKnight verification code is {code}. It expires in {CODE_MINUTES} minutes."
        );
        phone.send_text(address, &body).await
    };
    match sent {
        Ok(_) => Ok(()),
        Err(e) if e.permanent => Err(AppError::invalid("address", e.message)),
        Err(e) => Err(AppError::Unavailable {
            message: format!("the code could not be sent; try again: {}", e.message),
        }),
    }
}

/// `POST /api/profile/contact-methods/verify` with `{"id","code"}`: the code sent to the
/// number. Errors name `code`: wrong (with the tries left), expired, or too many attempts.
#[server(prefix = "/api", endpoint = "profile/contact-methods/verify", input = server_fn::codec::Json)]
pub async fn verify_contact_method(id: ContactMethodId, code: String) -> Result<(), AppError> {
    let caller = crate::auth::caller::authorize(crate::domain::Access::OwnAccount).await?;
    let state = crate::state::app_state()?;
    let user = caller.user.id;
    let p = super::store::pending(&state.pool, user, id).await?;
    if p.verified {
        return Ok(());
    }
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AppError::invalid(
            "code",
            "enter the 6 digits of the code we sent",
        ));
    }
    let (Some(expected), Some(expires)) = (p.verify_hash, p.verify_expires_at) else {
        return Err(AppError::invalid(
            "code",
            "no code was sent; send one first",
        ));
    };
    if p.verify_attempts >= MAX_ATTEMPTS {
        return Err(AppError::invalid(
            "code",
            "too many wrong codes; send a new one",
        ));
    }
    if expires <= state.clock.now() {
        return Err(AppError::invalid(
            "code",
            "the code has expired; send a new one",
        ));
    }
    let given = hash(code);
    let same = given.len() == expected.len()
        && given
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if !same {
        let attempts = super::store::wrong_code(&state.pool, id).await?;
        let left = MAX_ATTEMPTS - attempts;
        return Err(AppError::invalid(
            "code",
            if left > 0 {
                format!("wrong code; {left} tries left")
            } else {
                "wrong code; send a new one".to_owned()
            },
        ));
    }
    super::store::mark_verified(&state.pool, user, &p.address).await
}

/// `POST /api/profile/contact-methods/resend` with `{"id"}`: texts a new code (at most one a
/// minute; 429 with the seconds to wait).
#[server(prefix = "/api", endpoint = "profile/contact-methods/resend", input = server_fn::codec::Json)]
pub async fn resend_contact_code(id: ContactMethodId) -> Result<(), AppError> {
    let caller = crate::auth::caller::authorize(crate::domain::Access::OwnAccount).await?;
    let state = crate::state::app_state()?;
    let p = super::store::pending(&state.pool, caller.user.id, id).await?;
    if p.verified {
        return Err(AppError::conflict("this number is verified already"));
    }
    let kind = p.kind()?;
    if !kind.is_phone() {
        return Err(AppError::invalid(
            "id",
            "only phone numbers are verified by a code",
        ));
    }
    let phone = state.phone.sender().await?;
    send_code(&state, phone, id, kind, &p.address, p.verify_sent_at).await
}

/// The code form under an unverified phone number (desktop and `/m`).
#[component]
pub fn VerifyCode(
    id: ContactMethodId,
    address: String,
    verify: ServerAction<VerifyContactMethod>,
    resend: ServerAction<ResendContactCode>,
) -> impl IntoView {
    let code = RwSignal::new(String::new());
    let label = format!("Verification code for {address}");
    view! {
        <form class="verify" data-testid="verify-form" novalidate on:submit=move |ev| {
            ev.prevent_default();
            verify.dispatch(VerifyContactMethod { id, code: code.get_untracked() });
        }>
            <span class="muted small">"Not paged until verified: enter the 6-digit code sent to it (a text, or a call for voice)."</span>
            <input class="verify__code mono" inputmode="numeric" autocomplete="one-time-code" maxlength="6"
                placeholder="123456" aria-label=label prop:value=code
                on:input=move |ev| code.set(event_target_value(&ev))/>
            <button class="btn" type="submit" disabled=move || verify.pending().get()>"Verify"</button>
            <button class="btn btn--quiet" type="button" disabled=move || resend.pending().get()
                on:click=move |_| { resend.dispatch(ResendContactCode { id }); }>"Send a new code"</button>
        </form>
    }
}

/// What the last verify or resend said.
#[component]
pub fn VerifyStatus(
    verify: ServerAction<VerifyContactMethod>,
    resend: ServerAction<ResendContactCode>,
) -> impl IntoView {
    move || {
        let verify_error = verify.value().get().and_then(Result::err);
        let resent = resend.value().get();
        match (verify_error, resent) {
            (Some(e), _) => Some(view! { <p class="error" role="alert" data-testid="verify-error">{e.user_message()}</p> }.into_any()),
            (None, Some(Err(e))) => Some(view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any()),
            (None, Some(Ok(()))) => Some(view! { <p class="muted" role="status">"A new code is on its way."</p> }.into_any()),
            (None, None) => None,
        }
    }
}
