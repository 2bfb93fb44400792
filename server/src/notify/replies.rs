//! What an SMS reply does, whichever provider relayed it (Twilio's `/api/twilio/sms`, the
//! gateway's `/api/sms-gateway/inbound`): codes act on incidents as the person paged, STOP and
//! START turn the number's SMS pages off and on, and noise is answered 5 times in a row at most.

use app::phone;
use app::phone::reply::{self, Reply, Target};
use app::state::AppState;

/// What to text back to `from` for `text` (`None`: nothing).
pub async fn answer(
    state: &AppState,
    from: &str,
    text: &str,
) -> Result<Option<String>, app::error::AppError> {
    let pool = &state.pool;
    let now = state.clock.now();
    let (target, action) = match reply::parse(text) {
        Reply::Act { target, action } => (target, action),
        // Twilio confirms STOP and START itself (and refuses to text a stopped number), so
        // OpsKnight only records them: no SMS pages to a stopped number, and the profile says so.
        r @ (Reply::Stop | Reply::Start) => {
            let stopped = r == Reply::Stop;
            let changed = phone::store::set_stopped(pool, from, stopped, now).await?;
            tracing::info!(stopped, methods = changed, "SMS STOP/START recorded");
            return Ok(None);
        }
        Reply::Help | Reply::Unknown => {
            return unanswered(state, from, "OpsKnight: reply with the code from a page and a letter: 1a acknowledges, 1c resolves.".into()).await;
        }
    };
    // A bare letter acts on the latest message: a bundle, when that was one.
    let target = match target {
        Target::Latest => match phone::store::latest_bundle(pool, from).await? {
            Some(code) => Target::Code(code),
            None => Target::Latest,
        },
        named => named,
    };
    let code = match target {
        Target::Code(c) if c >= 100 => {
            let named = phone::store::named_bundle(pool, from, c).await?;
            if named.is_empty() {
                return unanswered(state, from, format!("Unknown code {c} for this number.")).await;
            }
            phone::store::reset_answers(pool, from).await?;
            let text = phone::act::act_all(pool, &named, action, "SMS reply", now).await?;
            return Ok(Some(text));
        }
        Target::Code(c) => Some(c),
        Target::Latest => None,
    };
    let Some(named) = phone::store::named(pool, from, code).await? else {
        let text = match code {
            Some(c) => format!("Unknown code {c} for this number."),
            None => "No page was sent to this number.".into(),
        };
        return unanswered(state, from, text).await;
    };
    phone::store::reset_answers(pool, from).await?;
    let text = phone::act::act(
        pool,
        named.incident,
        named.number,
        named.user,
        action,
        "SMS reply",
        now,
    )
    .await?;
    Ok(Some(text))
}

/// `text` back to a reply that acted on nothing, unless that number had
/// `MAX_UNANSWERED` such answers in a row already.
async fn unanswered(
    state: &AppState,
    from: &str,
    text: String,
) -> Result<Option<String>, app::error::AppError> {
    let may = phone::store::may_answer(&state.pool, from, state.clock.now()).await?;
    if !may {
        tracing::info!("SMS reply not answered: too many in a row that acted on nothing");
    }
    Ok(may.then_some(text))
}
