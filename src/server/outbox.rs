//! Work that must follow a committed change, whatever is down at that moment: ending a user's
//! sessions after an admin took their access away, say, while Redis was restarting.
//!
//! A job is written into the `outbox` table in the change's own transaction, so it exists if
//! and only if the change does. The request that made the change then does the job at once
//! and marks it done; if it could not, a worker on every node picks the job up and retries it
//! with growing pauses until it succeeds. Two nodes never take the same job at the same time
//! (`FOR UPDATE SKIP LOCKED`), and every job is safe to do twice.

use std::{sync::Arc, time::Duration};

use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{access, error::ServerError, state::AppState};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Job {
    /// A new access version for the user and every session of theirs deleted.
    RevokeAccess { user_id: Uuid },
}

impl Job {
    fn kind(&self) -> &'static str {
        match self {
            Job::RevokeAccess { .. } => "revoke_access",
        }
    }
}

/// A job written in a transaction that has not been done yet.
#[must_use = "a pending job should be done once its transaction commits"]
pub struct Pending {
    id: i64,
}

/// How long the worker leaves a new job to the request that wrote it, which does it at once.
const GRACE: Duration = Duration::from_secs(15);
/// How often the worker looks for jobs that are due.
const POLL_EVERY: Duration = Duration::from_secs(1);
/// Jobs taken per look; the rest wait for the next.
const BATCH: i64 = 20;
/// The longest pause between two attempts at one job.
const MAX_BACKOFF_SECONDS: i64 = 300;

/// Writes `job` in the transaction of the change it follows.
pub async fn enqueue(tx: &mut PgConnection, job: &Job) -> Result<Pending, sqlx::Error> {
    let payload = serde_json::to_value(job).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let id = sqlx::query_scalar(
        "INSERT INTO outbox (kind, payload, next_attempt_at)
         VALUES ($1, $2, now() + make_interval(secs => $3)) RETURNING id",
    )
    .bind(job.kind())
    .bind(payload)
    .bind(GRACE.as_secs_f64())
    .fetch_one(tx)
    .await?;
    Ok(Pending { id })
}

impl Pending {
    /// Marks the job done (it was, by the request that wrote it).
    pub async fn done(self, state: &AppState) -> Result<(), ServerError> {
        sqlx::query("DELETE FROM outbox WHERE id = $1")
            .bind(self.id)
            .execute(&state.db)
            .await?;
        Ok(())
    }
}

async fn perform(state: &AppState, job: &Job) -> Result<(), ServerError> {
    match job {
        Job::RevokeAccess { user_id } => {
            let (_, ended) = access::revoke(state, *user_id).await?;
            tracing::info!(user_id = %user_id, ended, "access revoked by the outbox worker");
        }
    }
    Ok(())
}

/// Does the jobs that are due; returns how many were taken.
pub async fn run_due(state: &AppState) -> Result<usize, sqlx::Error> {
    let mut tx = state.db.begin().await?;
    let due: Vec<(i64, serde_json::Value, i32)> = sqlx::query_as(
        "SELECT id, payload, attempts FROM outbox WHERE next_attempt_at <= now()
         ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED",
    )
    .bind(BATCH)
    .fetch_all(&mut *tx)
    .await?;
    for (id, payload, attempts) in &due {
        let outcome = match serde_json::from_value::<Job>(payload.clone()) {
            Ok(job) => perform(state, &job).await.map_err(|e| format!("{e:?}")),
            Err(e) => Err(format!("unreadable job: {e}")),
        };
        match outcome {
            Ok(()) => {
                sqlx::query("DELETE FROM outbox WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            Err(error) => {
                let pause = backoff_seconds(*attempts);
                tracing::warn!(job = id, attempts = attempts + 1, retry_in_seconds = pause, error = %error, "an outbox job failed");
                sqlx::query(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = $2,
                            next_attempt_at = now() + make_interval(secs => $3)
                     WHERE id = $1",
                )
                .bind(id)
                .bind(error)
                .bind(pause as f64)
                .execute(&mut *tx)
                .await?;
            }
        }
    }
    tx.commit().await?;
    Ok(due.len())
}

/// 1 s after the first failure, doubling up to five minutes.
fn backoff_seconds(attempts: i32) -> i64 {
    1_i64
        .checked_shl(attempts.clamp(0, 20) as u32)
        .unwrap_or(MAX_BACKOFF_SECONDS)
        .min(MAX_BACKOFF_SECONDS)
}

/// Looks for due jobs every second until the task is dropped. A database outage only delays
/// the jobs: the loop logs and tries again.
pub async fn work(state: Arc<AppState>) {
    let mut ticker = tokio::time::interval(POLL_EVERY);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        if let Err(error) = run_due(&state).await {
            tracing::debug!(error = %error, "the outbox could not be read; trying again");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_from_a_second_to_five_minutes() {
        assert_eq!(backoff_seconds(0), 1);
        assert_eq!(backoff_seconds(3), 8);
        assert_eq!(backoff_seconds(9), 300);
        assert_eq!(backoff_seconds(i32::MAX), 300);
    }

    #[test]
    fn jobs_are_stored_as_tagged_json() {
        let job = Job::RevokeAccess {
            user_id: Uuid::nil(),
        };
        let json = serde_json::to_value(&job).unwrap();
        assert_eq!(json["kind"], "revoke_access");
        assert_eq!(serde_json::from_value::<Job>(json).unwrap(), job);
    }
}
