//! ONCALL_REPORT jobs: the weekly on-call health report to a team's owners.

use app::jobs::store::Claimed;

use super::Engine;

pub async fn run(_engine: &Engine, job: &Claimed) -> anyhow::Result<()> {
    anyhow::bail!("job {}: {} is not built yet", job.id, job.kind)
}
