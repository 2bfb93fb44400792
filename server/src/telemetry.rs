//! Logging through `tracing`: human-readable text by default, JSON lines with `--log-format json`.

use tracing_subscriber::EnvFilter;

use crate::config::{GlobalArgs, LogFormat};

/// Installs the global subscriber. Logs go to stderr so stdout stays for command output.
pub fn init(args: &GlobalArgs) -> anyhow::Result<()> {
    let filter = EnvFilter::try_new(with_quiet_rustls(&args.log))
        .map_err(|e| anyhow::anyhow!("invalid --log / OPSKNIGHT_LOG filter {:?}: {e}", args.log))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(true);
    let result = match args.log_format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
    result.map_err(|e| anyhow::anyhow!("install log subscriber: {e}"))
}

/// rustls warns on every TLS handshake whose SNI is an IP address (any client that dialled
/// `https://10.0.0.5`), which is normal here; unless the filter says otherwise, it logs errors
/// only.
fn with_quiet_rustls(filter: &str) -> String {
    if filter.contains("rustls") {
        filter.to_owned()
    } else {
        format!("{filter},rustls=error")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rustls_is_quiet_unless_asked_for() {
        assert_eq!(with_quiet_rustls("info"), "info,rustls=error");
        assert_eq!(
            with_quiet_rustls("debug,rustls=debug"),
            "debug,rustls=debug"
        );
        assert!(EnvFilter::try_new(with_quiet_rustls("info,sqlx=warn")).is_ok());
    }
}
