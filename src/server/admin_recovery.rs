//! What an admin does for an owner who cannot get in: a one-time recovery code to read out over
//! the phone (shown once, to that admin only, and audited), and "must change password at next
//! sign-in".

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tower_sessions_redis_store::fred::{prelude::KeysInterface, types::Expiration};
use uuid::Uuid;

use super::{
    admin::{refused, WITHDRAWN_IS_FINAL},
    audit::{self, Change},
    error::ServerError,
    one_time_codes::{self, Purpose},
    state::AppState,
};
use crate::{
    domain::{
        admin::{AuditAction, RecoveryCode, RECOVERY_NEEDS_ACCESS},
        may_keep_access, CurrentUser, OneTimeCode, Role, UserStatus,
    },
    error::AppError,
};

/// How long the code waits to be shown to the admin who issued it (one page load).
const SHOW_WITHIN_SECONDS: i64 = 600;

/// The code on its way to the admin's screen: only that admin, about that user, once.
#[derive(Serialize, Deserialize)]
struct ToShow {
    admin_id: Uuid,
    user_id: Uuid,
    code: String,
    expires_at: DateTime<Utc>,
}

/// Under the issuing admin's id: only they can even name the key, so reading it once
/// (GETDEL) can never be spent by anyone else.
fn key(admin_id: Uuid, handle: &str) -> String {
    format!("recovery_code:{admin_id}:{handle}")
}

pub const NOT_FOR_ADMINS: &str =
    "관리자 계정에는 복구 코드를 발급할 수 없습니다. 관리자는 명령줄의 set-password로 복구합니다.";

/// The user an admin helps, as read under the row lock the change needs.
struct Target {
    email: String,
    role: Role,
    /// Whether the account may sign in and keep sessions (see `lockout::may_keep_access`).
    may_keep_access: bool,
    must_change_password: bool,
}

#[derive(sqlx::FromRow)]
struct TargetRow {
    email: String,
    role: String,
    status: String,
    locked_until: Option<DateTime<Utc>>,
    must_change_password: bool,
}

/// The user `user_id`, locked for the change; refused when withdrawn.
async fn target(tx: &mut sqlx::PgConnection, user_id: Uuid) -> Result<Target, AppError> {
    let TargetRow {
        email,
        role,
        status,
        locked_until,
        must_change_password,
    } = sqlx::query_as(
        "SELECT email, role, status, locked_until, must_change_password
         FROM users WHERE id = $1 FOR UPDATE",
    )
    .bind(user_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    let role = role
        .parse::<Role>()
        .map_err(|e| ServerError::from(sqlx::Error::Decode(e.to_string().into())))?;
    let status = status
        .parse::<UserStatus>()
        .map_err(|e| ServerError::from(sqlx::Error::Decode(e.to_string().into())))?;
    if status == UserStatus::Withdrawn {
        return Err(refused(WITHDRAWN_IS_FINAL));
    }
    Ok(Target {
        email,
        role,
        may_keep_access: may_keep_access(status, locked_until),
        must_change_password,
    })
}

/// Issues a recovery code for `user_id` (replacing an earlier one), audited; returns the handle
/// under which the code waits to be shown once to `actor`.
pub async fn issue_recovery_code(
    state: &AppState,
    actor: &CurrentUser,
    user_id: Uuid,
) -> Result<String, AppError> {
    let mut tx = state.db.begin().await?;
    let Target {
        email,
        role,
        may_keep_access,
        ..
    } = target(&mut tx, user_id).await?;
    // One admin must not be able to take over another's account (and act in their name).
    if role == Role::Admin {
        return Err(refused(NOT_FOR_ADMINS));
    }
    // The reset form refuses an account that may not sign in: no code that cannot work.
    if !may_keep_access {
        return Err(refused(RECOVERY_NEEDS_ACCESS));
    }
    let issued = one_time_codes::issue(&mut tx, user_id, Purpose::AdminRecovery, None).await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            target_id: user_id,
            target_email: &email,
            action: AuditAction::IssueRecoveryCode,
            before: None,
            after: Some(crate::domain::format_kst(&issued.expires_at) + "까지 유효"),
        },
    )
    .await?;
    let handle = Uuid::new_v4().simple().to_string();
    let to_show = ToShow {
        admin_id: actor.id,
        user_id,
        code: issued.code,
        expires_at: issued.expires_at,
    };
    let json = serde_json::to_string(&to_show).map_err(|_| AppError::Internal)?;
    state
        .redis
        .set::<(), _, _>(
            key(actor.id, &handle),
            json,
            Some(Expiration::EX(SHOW_WITHIN_SECONDS)),
            None,
            false,
        )
        .await
        .map_err(ServerError::from)?;
    // Committed only once the code can be shown: no audited code nobody could ever read.
    tx.commit().await?;
    tracing::info!(actor = %actor.id, target = %user_id, "recovery code issued");
    Ok(handle)
}

/// The code waiting under `handle`, if `actor` issued it for `user_id`; gone once read.
pub async fn take_recovery_code(
    state: &AppState,
    actor: &CurrentUser,
    user_id: Uuid,
    handle: &str,
) -> Result<Option<RecoveryCode>, AppError> {
    if handle.len() != 32 || !handle.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let stored: Option<String> = state
        .redis
        .getdel(key(actor.id, handle))
        .await
        .map_err(ServerError::from)?;
    let Some(shown) = stored
        .and_then(|json| serde_json::from_str::<ToShow>(&json).ok())
        .filter(|shown| shown.admin_id == actor.id && shown.user_id == user_id)
    else {
        return Ok(None);
    };
    Ok(Some(RecoveryCode {
        code: OneTimeCode::display(&shown.code),
        expires_at: shown.expires_at,
    }))
}

/// Asks for (or stops asking for) a new password at the user's next sign-in; a no-op when it
/// already is so. Returns whether it changed.
pub async fn require_password_change(
    state: &AppState,
    actor: &CurrentUser,
    user_id: Uuid,
    required: bool,
) -> Result<bool, AppError> {
    let mut tx = state.db.begin().await?;
    let Target {
        email,
        must_change_password: current,
        ..
    } = target(&mut tx, user_id).await?;
    if current == required {
        return Ok(false);
    }
    sqlx::query("UPDATE users SET must_change_password = $2 WHERE id = $1")
        .bind(user_id)
        .bind(required)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            target_id: user_id,
            target_email: &email,
            action: AuditAction::RequirePasswordChange,
            before: Some(current.to_string()),
            after: Some(required.to_string()),
        },
    )
    .await?;
    tx.commit().await?;
    tracing::info!(actor = %actor.id, target = %user_id, required, "password change at next sign-in");
    Ok(true)
}
