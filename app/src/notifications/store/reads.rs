//! Reads: every page of an incident, and what an acknowledge link's confirm page shows.

use crate::db::Db;
use chrono::{DateTime, Utc};

use super::kind;
use crate::domain::{IncidentId, Status, UserId};
use crate::error::AppError;
use crate::notifications::{Delivery, DeliveryStatus};

/// Every page of an incident, oldest first.
pub async fn for_incident(pool: &Db, incident: IncidentId) -> Result<Vec<Delivery>, AppError> {
    type Row = (
        i64,
        UserId,
        String,
        String,
        String,
        i32,
        i32,
        String,
        i32,
        DateTime<Utc>,
        Option<DateTime<Utc>>,
        Option<String>,
        Option<String>,
        Option<DateTime<Utc>>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT n.id, n.user_id, u.name, n.channel, n.address, n.step, n.loop_no, n.status, n.attempts,
                n.send_at, n.sent_at, n.last_error, n.provider_status, n.delivered_at
         FROM notifications n JOIN users u ON u.id = n.user_id
         WHERE n.incident_id = $1 ORDER BY n.send_at, n.id LIMIT 500",
    )
    .bind(incident)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(
            |(
                id,
                user_id,
                user_name,
                channel,
                address,
                step,
                loop_no,
                status,
                attempts,
                send_at,
                sent_at,
                last_error,
                provider_status,
                delivered_at,
            )| {
                Ok(Delivery {
                    id,
                    user_id,
                    user_name,
                    channel: kind("notifications.channel", &channel)?,
                    address,
                    step,
                    loop_no,
                    status: crate::error::AppError::column(
                        "notifications.status",
                        &status,
                        DeliveryStatus::parse(&status),
                    )?,
                    attempts,
                    send_at,
                    sent_at,
                    last_error,
                    provider_status,
                    delivered_at,
                })
            },
        )
        .collect()
}

/// The confirm page's view of an acknowledge link.
pub async fn ack_link_info(
    pool: &Db,
    incident: IncidentId,
    user: UserId,
) -> Result<crate::notifications::ack_link::AckTarget, AppError> {
    let row: Option<(i64, String, String, String, String)> = sqlx::query_as(
        "SELECT i.number, i.title, s.name, i.status, u.name
         FROM incidents i JOIN services s ON s.id = i.service_id, users u
         WHERE i.id = $1 AND u.id = $2 AND u.status = 'ACTIVE'",
    )
    .bind(incident)
    .bind(user)
    .fetch_optional(pool)
    .await?;
    let (number, title, service, status, user_name) = row.ok_or_else(|| AppError::NotFound {
        what: "incident".into(),
    })?;
    Ok(crate::notifications::ack_link::AckTarget {
        number,
        title,
        service,
        status: AppError::column("incidents.status", &status, Status::parse(&status))?,
        user_name,
    })
}
