//! What a channel's target must look like for each kind: a Slack channel id, a Telegram chat
//! id or @channel, or an http(s) URL (with the path shape Discord and Mattermost webhooks
//! have). The server functions and the Channels card share these checks.

use super::{ChannelKind, TARGET_MAX};

/// The target, trimmed, or the message saying what it must be.
pub fn parse(kind: ChannelKind, raw: &str) -> Result<String, String> {
    let t = raw.trim();
    if t.is_empty() {
        return Err("is required".into());
    }
    if t.chars().count() > TARGET_MAX {
        return Err(format!("must be at most {TARGET_MAX} characters"));
    }
    match kind {
        ChannelKind::Slack => {
            let ok = t.len() >= 9
                && t.len() <= 20
                && matches!(t.as_bytes()[0], b'C' | b'G')
                && t.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
            if !ok {
                return Err("must be a Slack channel id such as C0123ABCDEF (channel details → About); invite the app to the channel".into());
            }
        }
        ChannelKind::Telegram => {
            let digits = t.strip_prefix('-').unwrap_or(t);
            let id = !digits.is_empty()
                && digits.len() <= 20
                && digits.bytes().all(|b| b.is_ascii_digit());
            let name = t.strip_prefix('@').is_some_and(|n| {
                (5..=32).contains(&n.len())
                    && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            });
            if !id && !name {
                return Err(
                    "must be a Telegram chat id such as -1001234567890, or @channelname".into(),
                );
            }
        }
        ChannelKind::Webhook
        | ChannelKind::Teams
        | ChannelKind::Mattermost
        | ChannelKind::Discord => {
            url(kind, t)?;
        }
    }
    Ok(t.to_owned())
}

fn url(kind: ChannelKind, t: &str) -> Result<(), String> {
    let (scheme, rest) = t
        .split_once("://")
        .ok_or("must be an http:// or https:// URL")?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if !matches!(scheme, "http" | "https") || host.is_empty() || t.chars().any(char::is_whitespace)
    {
        return Err("must be an http:// or https:// URL with a host".into());
    }
    let path = &rest[host.len()..];
    match kind {
        ChannelKind::Discord if !path.starts_with("/api/webhooks/") => Err(
            "must be a Discord webhook URL (…/api/webhooks/<id>/<token>): channel settings → Integrations → Webhooks".into(),
        ),
        ChannelKind::Mattermost if !path.contains("/hooks/") => Err(
            "must be a Mattermost incoming webhook URL (…/hooks/<key>): Integrations → Incoming Webhooks".into(),
        ),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_takes_its_own_shape_of_target() {
        use ChannelKind::*;
        let good = [
            (Slack, "C0123ABCDEF"),
            (Slack, "G01ABCDEFG"),
            (Telegram, "-1001234567890"),
            (Telegram, "@ops_alerts"),
            (Webhook, "https://hooks.example.com/x"),
            (
                Teams,
                "https://prod-01.westus.logic.azure.com/workflows/1/triggers/manual/paths/invoke?sig=x",
            ),
            (Discord, "https://discord.com/api/webhooks/1/abc"),
            (Mattermost, "https://mm.example.com/hooks/abc"),
        ];
        for (k, t) in good {
            assert_eq!(parse(k, &format!(" {t} ")).as_deref(), Ok(t), "{k:?} {t}");
        }
        let bad = [
            (Slack, "#general"),
            (Slack, "c0123abcdef"),
            (Telegram, "ops"),
            (Webhook, "ftp://x/y"),
            (Webhook, "https://"),
            (Discord, "https://discord.com/channels/1"),
            (Mattermost, "https://mm.example.com/x"),
            (Teams, ""),
        ];
        for (k, t) in bad {
            assert!(parse(k, t).is_err(), "{k:?} {t}");
        }
    }
}
