//! MAINTENANCE_END jobs: a maintenance window's end (issue 21, in progress).

use super::Engine;
use app::jobs::store::Claimed;

/// Not built yet: a job of this kind fails visibly rather than being dropped.
pub async fn run(_engine: &Engine, job: &Claimed) -> anyhow::Result<()> {
    anyhow::bail!(
        "MAINTENANCE_END job {} arrived before maintenance windows exist",
        job.id
    )
}
