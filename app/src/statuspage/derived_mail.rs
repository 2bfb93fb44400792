//! Derived status changes by email: the debounced check a STATUS_EMAIL `derived` job runs
//! (enqueued by the incident triggers of migration `20261206000006`), comparing each
//! component's public status now with the last one its subscribers were told, recording the
//! new ones and queueing one `changed` email per confirmed subscriber. Components under a
//! manual override are left out: their public status did not change. The emails carry only
//! public component names and status labels.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::ComponentStatus;
use super::store::Component;
use crate::domain::StatusComponentId;
use crate::error::AppError;
use crate::jobs::JobKind;

/// One component's new public status, as an email tells it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DerivedChange {
    /// The component's public display name.
    pub component: String,
    pub status: ComponentStatus,
}

/// What changed since subscribers were last told, in page order: components without an
/// override whose status differs from `notified` (a component never told counts as
/// operational). Pure.
pub fn changes(
    components: &[Component],
    notified: &[(StatusComponentId, Option<ComponentStatus>)],
) -> Vec<(StatusComponentId, DerivedChange)> {
    components
        .iter()
        .filter(|c| c.override_status.is_none())
        .filter(|c| {
            let told = notified
                .iter()
                .find(|(id, _)| *id == c.id)
                .and_then(|(_, s)| *s)
                .unwrap_or(ComponentStatus::Operational);
            told != c.status
        })
        .map(|c| {
            (
                c.id,
                DerivedChange {
                    component: c.display_name.clone(),
                    status: c.status,
                },
            )
        })
        .collect()
}

/// The check, in the caller's transaction (which also completes the job): locks the
/// components' notified statuses (so two checks never mail the same change), records the new
/// ones and queues one `changed` email per confirmed subscriber → the changes (empty: nothing
/// sent).
pub async fn check(
    tx: &mut PgConnection,
    components: &[Component],
    now: DateTime<Utc>,
) -> Result<Vec<DerivedChange>, AppError> {
    let rows: Vec<(StatusComponentId, Option<String>)> =
        sqlx::query_as("SELECT id, notified_status FROM status_components ORDER BY id FOR UPDATE")
            .fetch_all(&mut *tx)
            .await?;
    let mut notified = Vec::with_capacity(rows.len());
    for (id, raw) in rows {
        let status = match raw {
            None => None,
            Some(raw) => Some(AppError::column(
                "status_components.notified_status",
                &raw,
                ComponentStatus::parse(&raw),
            )?),
        };
        notified.push((id, status));
    }
    let found = changes(components, &notified);
    if found.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<StatusComponentId> = found.iter().map(|(id, _)| *id).collect();
    let statuses: Vec<&str> = found.iter().map(|(_, c)| c.status.as_str()).collect();
    sqlx::query(
        "UPDATE status_components c SET notified_status = u.status
         FROM unnest($1::uuid[], $2::text[]) AS u(id, status) WHERE c.id = u.id",
    )
    .bind(&ids)
    .bind(&statuses)
    .execute(&mut *tx)
    .await?;
    let changes: Vec<DerivedChange> = found.into_iter().map(|(_, c)| c).collect();
    let payload = serde_json::json!({"kind": "changed", "at": now, "changes": changes});
    let n = sqlx::query(
        "INSERT INTO jobs (kind, payload, run_at, created_at, updated_at)
         SELECT $1, $2::jsonb || jsonb_build_object('subscriber_id', s.id), $3, $3, $3
         FROM status_subscribers s WHERE s.state = 'CONFIRMED'",
    )
    .bind(JobKind::StatusEmail.as_str())
    .bind(&payload)
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n > 0 {
        crate::jobs::store::wake(tx).await?;
    }
    tracing::info!(
        changed = changes.len(),
        subscribers = n,
        "status page: derived status changed"
    );
    Ok(changes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ServiceId;
    use ComponentStatus as C;

    fn component(name: &str, status: C, override_status: Option<C>) -> Component {
        let t = DateTime::<Utc>::default();
        Component {
            id: StatusComponentId::new(),
            service_id: ServiceId::new(),
            display_name: name.to_owned(),
            group_name: String::new(),
            position: 0,
            override_status,
            status,
            created_at: t,
            updated_at: t,
        }
    }

    #[test]
    fn only_changed_components_without_an_override_count() {
        let api = component("API", C::MajorOutage, None);
        let web = component("Web", C::Operational, None);
        let held = component("Held", C::DegradedPerformance, Some(C::DegradedPerformance));
        let comps = [api.clone(), web.clone(), held.clone()];
        // Never told: operational; the override is left out.
        let got = changes(&comps, &[]);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, api.id);
        assert_eq!(got[0].1.status, C::MajorOutage);
        // Told already.
        assert!(changes(&comps, &[(api.id, Some(C::MajorOutage))]).is_empty());
        // Back to operational.
        let back = [component("API", C::Operational, None)];
        assert_eq!(
            changes(&back, &[(back[0].id, Some(C::MajorOutage))])[0].1,
            DerivedChange {
                component: "API".to_owned(),
                status: C::Operational
            }
        );
    }
}
