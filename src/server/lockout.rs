//! Brute-force protection for one account that a stranger cannot turn against its owner.
//!
//! - From a browser the account does not know (no device cookie of its own, see
//!   [`super::devices`]): 5 failed sign-ins within 15 minutes lock the account for 15 minutes
//!   against unknown browsers. The lock is the account's status (LOCKED with `locked_until`),
//!   so admins see it; it ends by itself. Browsers the owner signed in with before are let
//!   past it, so guessing from elsewhere never locks the owner out.
//! - An admin's account is never locked that way (a stranger could otherwise shut the admins
//!   out of the console): failures from unknown browsers lock only the (account, client
//!   address) pair, for 15 minutes.
//! - From a known browser: its own failures are counted; 5 within 15 minutes make it unknown
//!   again (its device record is deleted).
//!
//! Counts live in Redis (shared by every node) and expire with their window. Sessions already
//! signed in stay: the lock stops guessing, it does not sign anyone out.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use tower_sessions_redis_store::fred::{prelude::KeysInterface, types::Expiration};
use uuid::Uuid;

use super::{
    client::rate_limit_key, devices::KnownDevice, error::ServerError, notices, outbox,
    state::AppState, window_counter,
};
use crate::domain::{Role, UserStatus};

pub const MAX_FAILURES: i64 = 5;
pub const WINDOW_SECONDS: i64 = 15 * 60;
pub const LOCK_MINUTES: i64 = 15;

/// The rule lives in the domain: the admin's pages ask it too.
pub use crate::domain::may_keep_access;

/// [`may_keep_access`] as a condition on a `users` row.
pub const MAY_KEEP_ACCESS_SQL: &str =
    "(status = 'ACTIVE' OR (status = 'LOCKED' AND locked_until IS NOT NULL))";

/// An account's lock as its row records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lock {
    None,
    /// Set by failed sign-ins; refuses unknown browsers until `until`.
    Automatic {
        until: DateTime<Utc>,
    },
    /// An automatic lock that has run out but has not been lifted yet.
    Expired,
    /// Set by an admin: no sign-in until an admin lifts it.
    ByAdmin,
}

impl Lock {
    pub fn of(status: UserStatus, locked_until: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Self {
        match (status, locked_until) {
            (UserStatus::Locked, Some(until)) if until > now => Lock::Automatic { until },
            (UserStatus::Locked, Some(_)) => Lock::Expired,
            (UserStatus::Locked, None) => Lock::ByAdmin,
            _ => Lock::None,
        }
    }
}

/// The account's status and lock as the database has them now. A sign-in reads them again
/// after its password was checked: guesses sent all at once wait their turn for bcrypt with the
/// account as they found it, and must not all be judged by a status read before the first of
/// them failed.
pub async fn current(
    db: &sqlx::PgPool,
    user_id: Uuid,
) -> Result<Option<(UserStatus, Lock)>, ServerError> {
    let row: Option<(String, Option<DateTime<Utc>>)> =
        sqlx::query_as("SELECT status, locked_until FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(db)
            .await?;
    Ok(row.and_then(|(status, locked_until)| {
        let status = status.parse::<UserStatus>().ok()?;
        Some((status, Lock::of(status, locked_until, Utc::now())))
    }))
}

/// Who is trying: the account, and the browser and address the attempt comes from.
pub struct Attempt<'a> {
    pub user_id: Uuid,
    pub role: Role,
    pub device: Option<&'a KnownDevice>,
    pub address: Option<IpAddr>,
}

/// What a failed attempt set off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    Counted,
    /// The account is now locked against unknown browsers.
    AccountLocked,
    /// This address may not try this (admin) account for a while.
    AddressLocked,
    /// The known browser is unknown again.
    DeviceForgotten,
}

impl AfterFailure {
    pub fn as_str(self) -> &'static str {
        match self {
            AfterFailure::Counted => "counted",
            AfterFailure::AccountLocked => "account locked",
            AfterFailure::AddressLocked => "address locked",
            AfterFailure::DeviceForgotten => "device forgotten",
        }
    }
}

impl Attempt<'_> {
    /// The failure count this attempt adds to.
    fn counter_key(&self) -> String {
        match (self.device, self.role) {
            (Some(device), _) => format!("sign_in_failures:device:{}", device.id),
            (None, Role::Owner) => format!("sign_in_failures:{}", self.user_id),
            (None, Role::Admin) => format!(
                "sign_in_failures:{}:{}",
                self.user_id,
                rate_limit_key(self.address)
            ),
        }
    }

    fn address_lock_key(&self) -> String {
        format!(
            "sign_in_lock:{}:{}",
            self.user_id,
            rate_limit_key(self.address)
        )
    }
}

/// Whether the attempt is refused before its password is even looked at (it is still hashed,
/// so the answer takes as long as any other).
pub async fn refuses(
    state: &AppState,
    attempt: &Attempt<'_>,
    lock: Lock,
) -> Result<bool, ServerError> {
    if attempt.device.is_some() {
        return Ok(false);
    }
    if matches!(lock, Lock::Automatic { .. }) {
        return Ok(true);
    }
    if attempt.role == Role::Admin {
        let locked: u32 = state.redis.exists(attempt.address_lock_key()).await?;
        return Ok(locked == 1);
    }
    Ok(false)
}

/// Counts a wrong password and applies what the count reaches.
pub async fn record_failure(
    state: &AppState,
    attempt: &Attempt<'_>,
) -> Result<AfterFailure, ServerError> {
    let key = attempt.counter_key();
    let failures = window_counter::count_one(&state.redis, &key, WINDOW_SECONDS).await?;
    if failures < MAX_FAILURES {
        return Ok(AfterFailure::Counted);
    }
    state.redis.del::<(), _>(&key).await?;
    let outcome = match (attempt.device, attempt.role) {
        (Some(device), _) => {
            super::devices::forget(&state.db, device).await?;
            AfterFailure::DeviceForgotten
        }
        (None, Role::Owner) => {
            // An active account, or one whose earlier automatic lock has run out; the owner's
            // notice is queued in the same transaction as the lock.
            let mut tx = state.db.begin().await?;
            let locked: Option<(String, String, DateTime<Utc>)> = sqlx::query_as(
                "UPDATE users SET status = 'LOCKED', locked_until = now() + make_interval(mins => $2::int)
                 WHERE id = $1 AND (status = 'ACTIVE'
                       OR (status = 'LOCKED' AND locked_until IS NOT NULL AND locked_until <= now()))
                 RETURNING email, name, locked_until",
            )
            .bind(attempt.user_id)
            .bind(LOCK_MINUTES as i32)
            .fetch_optional(&mut *tx)
            .await?;
            let outcome = match locked {
                Some((email, name, until)) => {
                    let notice = notices::account_locked(&state.public_url, &email, &name, until);
                    outbox::queue_mail(&mut tx, notice).await?;
                    AfterFailure::AccountLocked
                }
                None => AfterFailure::Counted,
            };
            tx.commit().await?;
            outcome
        }
        (None, Role::Admin) => {
            state
                .redis
                .set::<(), _, _>(
                    attempt.address_lock_key(),
                    1,
                    Some(Expiration::EX(LOCK_MINUTES * 60)),
                    None,
                    false,
                )
                .await?;
            AfterFailure::AddressLocked
        }
    };
    Ok(outcome)
}

/// A successful sign-in starts its count again.
pub async fn clear_failures(state: &AppState, attempt: &Attempt<'_>) -> Result<(), ServerError> {
    Ok(state.redis.del::<(), _>(attempt.counter_key()).await?)
}

/// Forgets the account's count of failures from unknown browsers (its password was just set
/// anew).
pub async fn forget_account_failures(state: &AppState, user_id: Uuid) -> Result<(), ServerError> {
    Ok(state
        .redis
        .del::<(), _>(format!("sign_in_failures:{user_id}"))
        .await?)
}

/// Lifts a lock that has run out; a no-op if an admin has changed the account meanwhile.
pub async fn lift_expired_lock(state: &AppState, user_id: Uuid) -> Result<(), ServerError> {
    sqlx::query(
        "UPDATE users SET status = 'ACTIVE', locked_until = NULL
         WHERE id = $1 AND status = 'LOCKED' AND locked_until <= now()",
    )
    .bind(user_id)
    .execute(&state.db)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    #[test]
    fn only_an_automatic_lock_keeps_access() {
        let now = Utc::now();
        assert!(may_keep_access(UserStatus::Active, None));
        assert!(may_keep_access(UserStatus::Locked, Some(now)));
        assert!(!may_keep_access(UserStatus::Locked, None));
        assert!(!may_keep_access(UserStatus::Inactive, None));
        assert!(!may_keep_access(UserStatus::Withdrawn, None));
    }

    #[test]
    fn a_lock_with_an_end_is_automatic_until_it_runs_out() {
        let now = Utc::now();
        let later = now + Duration::minutes(5);
        assert_eq!(
            Lock::of(UserStatus::Locked, Some(later), now),
            Lock::Automatic { until: later }
        );
        assert_eq!(
            Lock::of(UserStatus::Locked, Some(now - Duration::seconds(1)), now),
            Lock::Expired
        );
        assert_eq!(Lock::of(UserStatus::Locked, None, now), Lock::ByAdmin);
        assert_eq!(Lock::of(UserStatus::Active, None, now), Lock::None);
    }

    #[test]
    fn failures_count_per_account_for_owners_and_per_address_for_admins() {
        let user_id = Uuid::nil();
        let address = Some("203.0.113.7".parse().unwrap());
        let owner = Attempt {
            user_id,
            role: Role::Owner,
            device: None,
            address,
        };
        let admin = Attempt {
            role: Role::Admin,
            ..owner
        };
        assert_eq!(owner.counter_key(), format!("sign_in_failures:{user_id}"));
        assert_eq!(
            admin.counter_key(),
            format!("sign_in_failures:{user_id}:203.0.113.7")
        );
        let device = KnownDevice {
            id: Uuid::from_u128(7),
            user_id,
        };
        let known = Attempt {
            device: Some(&device),
            ..owner
        };
        assert_eq!(
            known.counter_key(),
            format!("sign_in_failures:device:{}", device.id)
        );
    }
}
