//! The audit log of admin actions, written in the same transaction as the change it records.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::domain::{
    admin::{AuditAction, AuditEntry},
    CurrentUser,
};

pub struct Change<'a> {
    pub target_id: Uuid,
    pub target_email: &'a str,
    pub action: AuditAction,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// The actor's e-mail is read from the database (their session may predate a change of it).
pub async fn record(
    tx: &mut PgConnection,
    actor: &CurrentUser,
    change: Change<'_>,
) -> Result<(), sqlx::Error> {
    insert(tx, Some(actor.id), &actor.email, change).await
}

/// One row; `actor_email` stands where the actor has no account row to read it from.
async fn insert(
    tx: &mut PgConnection,
    actor_id: Option<Uuid>,
    actor_email: &str,
    change: Change<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO admin_audit_log (actor_id, actor_email, target_id, target_email, action, before, after)
         VALUES ($1, COALESCE((SELECT email FROM users WHERE id = $1), $2), $3, $4, $5, $6, $7)",
    )
    .bind(actor_id)
    .bind(actor_email)
    .bind(change.target_id)
    .bind(change.target_email)
    .bind(change.action.as_str())
    .bind(change.before)
    .bind(change.after)
    .execute(tx)
    .await?;
    Ok(())
}

/// What the audit log shows of a withdrawn user instead of their e-mail.
pub const WITHDRAWN_LABEL: &str = "탈퇴한 회원";

/// At withdrawal: the rows about the user keep the id and what was done, not the e-mail.
pub async fn forget_personal_data(tx: &mut PgConnection, user_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE admin_audit_log SET target_email = $2 WHERE target_id = $1")
        .bind(user_id)
        .bind(WITHDRAWN_LABEL)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE admin_audit_log SET actor_email = $2 WHERE actor_id = $1")
        .bind(user_id)
        .bind(WITHDRAWN_LABEL)
        .execute(tx)
        .await?;
    Ok(())
}

/// How the audit log names a change made from the command line (`user-service set-password`).
pub const OPERATOR: &str = "운영자 (명령줄)";

/// Records a change made from the command line, which has no admin account behind it.
pub async fn record_by_operator(
    tx: &mut PgConnection,
    change: Change<'_>,
) -> Result<(), sqlx::Error> {
    insert(tx, None, OPERATOR, change).await
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: Uuid,
    actor_email: String,
    target_id: Option<Uuid>,
    target_email: String,
    action: String,
    before: Option<String>,
    after: Option<String>,
    created_at: DateTime<Utc>,
}

impl TryFrom<AuditRow> for AuditEntry {
    type Error = sqlx::Error;
    fn try_from(row: AuditRow) -> Result<Self, Self::Error> {
        Ok(AuditEntry {
            id: row.id,
            actor_email: row.actor_email,
            target_id: row.target_id,
            target_email: row.target_email,
            action: AuditAction::parse(&row.action).ok_or_else(|| {
                sqlx::Error::Decode(format!("unknown audit action {}", row.action).into())
            })?,
            before: row.before,
            after: row.after,
            created_at: row.created_at,
        })
    }
}

const SELECT: &str =
    "SELECT id, actor_email, target_id, target_email, action, before, after, created_at
                      FROM admin_audit_log";

/// Newest first; `limit + 1` rows are read so the caller knows whether more follow.
pub async fn latest(db: &PgPool, limit: i64, offset: i64) -> Result<Vec<AuditEntry>, sqlx::Error> {
    sqlx::query_as::<_, AuditRow>(&format!(
        "{SELECT} ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2"
    ))
    .bind(limit)
    .bind(offset)
    .fetch_all(db)
    .await?
    .into_iter()
    .map(AuditEntry::try_from)
    .collect()
}

pub async fn for_user(
    db: &PgPool,
    user_id: Uuid,
    limit: i64,
) -> Result<Vec<AuditEntry>, sqlx::Error> {
    sqlx::query_as::<_, AuditRow>(&format!(
        "{SELECT} WHERE target_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2"
    ))
    .bind(user_id)
    .bind(limit)
    .fetch_all(db)
    .await?
    .into_iter()
    .map(AuditEntry::try_from)
    .collect()
}
