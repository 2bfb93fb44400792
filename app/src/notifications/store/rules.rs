//! Notification rules: "page me on this contact method N minutes after I am paged".

use crate::db::Db;
use chrono::{DateTime, Utc};

use super::kind;
use crate::domain::{ContactMethodId, NotificationRuleId, UserId};
use crate::error::AppError;
use crate::notifications::NotificationRule;

pub async fn rules(pool: &Db, user: UserId) -> Result<Vec<NotificationRule>, AppError> {
    let rows: Vec<(
        NotificationRuleId,
        ContactMethodId,
        String,
        String,
        String,
        i32,
    )> = sqlx::query_as(
        "SELECT r.id, c.id, c.kind, c.address, c.label, r.delay_minutes
             FROM notification_rules r JOIN contact_methods c ON c.id = r.contact_method_id
             WHERE r.user_id = $1 ORDER BY r.delay_minutes, c.kind, c.address",
    )
    .bind(user)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(
            |(id, contact_method_id, k, address, label, delay_minutes)| {
                Ok(NotificationRule {
                    id,
                    contact_method_id,
                    kind: kind("contact_methods.kind", &k)?,
                    address,
                    label,
                    delay_minutes,
                })
            },
        )
        .collect()
}

/// Adds a rule on one of the user's own contact methods.
pub async fn add_rule(
    pool: &Db,
    user: UserId,
    contact_method: ContactMethodId,
    delay_minutes: i32,
    now: DateTime<Utc>,
) -> Result<NotificationRuleId, AppError> {
    let id = NotificationRuleId::new();
    let done = sqlx::query(
        "INSERT INTO notification_rules (id, user_id, contact_method_id, delay_minutes, created_at)
         SELECT $1, $2, c.id, $4, $5 FROM contact_methods c
         WHERE c.id = $3 AND c.user_id = $2
           AND (SELECT count(*) FROM notification_rules WHERE user_id = $2) < $6",
    )
    .bind(id)
    .bind(user)
    .bind(contact_method)
    .bind(delay_minutes)
    .bind(now)
    .bind(crate::notifications::MAX_RULES)
    .execute(pool)
    .await?;
    if done.rows_affected() == 0 {
        let mine: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM contact_methods WHERE id = $1 AND user_id = $2)",
        )
        .bind(contact_method)
        .bind(user)
        .fetch_one(pool)
        .await?;
        return Err(if mine {
            AppError::conflict(format!(
                "you already have {} rules; remove one first",
                crate::notifications::MAX_RULES
            ))
        } else {
            AppError::invalid("contact_method_id", "not one of your contact methods")
        });
    }
    Ok(id)
}

pub async fn delete_rule(pool: &Db, user: UserId, id: NotificationRuleId) -> Result<(), AppError> {
    let done = sqlx::query("DELETE FROM notification_rules WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user)
        .execute(pool)
        .await?;
    crate::error::found(done, "notification rule")
}
