//! Logging through `tracing`: human-readable text by default, JSON lines with `--log-format json`.

use tracing_subscriber::EnvFilter;

use crate::config::{GlobalArgs, LogFormat};

/// Installs the global subscriber. Logs go to stderr so stdout stays for command output.
pub fn init(args: &GlobalArgs) -> anyhow::Result<()> {
    let filter = EnvFilter::try_new(&args.log)
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
