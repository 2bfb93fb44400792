//! "Send a test" for a verified phone number: one text (SMS) or one short call (VOICE)
//! through the same provider as pages, so a person knows pages will reach them. At most one
//! code or test per number a minute.

use leptos::prelude::*;

use crate::domain::ContactMethodId;
use crate::error::AppError;

/// The test text.
pub const TEST_SMS: &str = "OpsKnight test: SMS pages will reach you on this number.";
/// What the test call says.
pub const TEST_CALL: &str =
    "This is an OpsKnight test call. Voice pages will reach you on this number.";

/// `POST /api/profile/contact-methods/test` with `{"id"}`: a test text or call to one of the
/// caller's verified phone numbers. 400 naming `id` for an email, push or unverified method;
/// 429 within a minute of the last code or test; 503 without a phone provider.
#[server(prefix = "/api", endpoint = "profile/contact-methods/test", input = server_fn::codec::Json)]
pub async fn test_contact_method(id: ContactMethodId) -> Result<(), AppError> {
    let caller = crate::auth::caller::authorize(crate::domain::Access::OwnAccount).await?;
    let state = crate::state::app_state()?;
    let p = super::store::pending(&state.pool, caller.user.id, id).await?;
    let kind = p.kind()?;
    if !kind.is_phone() {
        return Err(AppError::invalid(
            "id",
            "only phone numbers are tested here",
        ));
    }
    if !p.verified {
        return Err(AppError::invalid("id", "verify this number first"));
    }
    let now = state.clock.now();
    super::verify::resend_allowed(p.verify_sent_at, now)?;
    let Some(phone) = state.phone.sender().await? else {
        return Err(AppError::Unavailable {
            message: "no phone provider is configured on this server".into(),
        });
    };
    super::store::touch_sent(&state.pool, id, now).await?;
    let sent = if kind == crate::domain::ContactKind::Voice {
        phone
            .call(&p.address, &crate::phone::twiml::done(TEST_CALL))
            .await
    } else {
        phone.send_text(&p.address, TEST_SMS).await
    };
    match sent {
        Ok(_) => Ok(()),
        Err(e) if e.permanent => Err(AppError::invalid("id", e.message)),
        Err(e) => Err(AppError::Unavailable {
            message: format!("the test could not be sent; try again: {}", e.message),
        }),
    }
}

/// The "Send a test" button of a verified phone number, with what its last test said. Each
/// button has its own action, so an answer shows beside the number it was for.
#[component]
pub fn TestButton(id: ContactMethodId, address: String) -> impl IntoView {
    let action = ServerAction::<TestContactMethod>::new();
    view! {
        <button class="btn btn--quiet" type="button" aria-label=format!("Send a test to {address}")
            disabled=move || action.pending().get()
            on:click=move |_| { action.dispatch(TestContactMethod { id }); }>"Send a test"</button>
        {move || action.value().get().map(|r| match r {
            Ok(()) => view! { <span class="muted small" role="status" data-testid="test-sent">" Test sent"</span> }.into_any(),
            Err(e) => view! { <span class="error small" role="alert">{format!(" {}", e.user_message())}</span> }.into_any(),
        })}
    }
}
