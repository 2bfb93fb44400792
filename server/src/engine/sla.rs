//! SLA_WARNING jobs: the breach warning N minutes before an acknowledge target is missed.

use app::jobs::store::Claimed;

use super::Engine;

pub async fn run(_engine: &Engine, job: &Claimed) -> anyhow::Result<()> {
    anyhow::bail!("job {}: {} is not built yet", job.id, job.kind)
}
