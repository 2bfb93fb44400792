//! STATUS_EMAIL jobs: one status-page email (a confirmation or an update) to one subscriber.

use app::jobs::store::Claimed;

use super::Engine;

pub async fn run(_engine: &Engine, job: &Claimed) -> anyhow::Result<()> {
    anyhow::bail!("job {}: {} is not built yet", job.id, job.kind)
}
