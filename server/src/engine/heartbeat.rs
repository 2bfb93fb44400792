//! HEARTBEAT_CHECK jobs: a heartbeat monitor's deadline (issue 21, in progress).

use super::Engine;
use app::jobs::store::Claimed;

/// Not built yet: a job of this kind fails visibly rather than being dropped.
pub async fn run(_engine: &Engine, job: &Claimed) -> anyhow::Result<()> {
    anyhow::bail!(
        "HEARTBEAT_CHECK job {} arrived before heartbeat monitors exist",
        job.id
    )
}
