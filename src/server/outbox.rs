//! Work that must follow a committed change, whatever is down at that moment: ending a user's
//! sessions after an admin took their access away while Redis was restarting, or sending the
//! e-mail a change calls for while the mail server is down.
//!
//! A job is written into the `outbox` table in the change's own transaction, so it exists if
//! and only if the change does. A revocation is done at once by the request that made the
//! change, which then marks it done; a mail is left to the worker, which PostgreSQL wakes when
//! the transaction commits (`NOTIFY outbox`). A worker runs on every node, takes what is due,
//! and retries what failed with growing pauses. Two nodes never take the same job at the same
//! time (`FOR UPDATE SKIP LOCKED`), and every job is safe to do twice.

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{postgres::PgListener, PgConnection};
use uuid::Uuid;

use super::{
    access,
    error::ServerError,
    mail::{Mail, DELIVERY_LIMIT},
    state::AppState,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Job {
    /// A new access version for the user and every session of theirs deleted.
    RevokeAccess { user_id: Uuid },
    /// A mail to send; not worth sending any more after `give_up_at` (the code in it has
    /// expired, or the notice is a day late).
    SendMail {
        mail: Mail,
        give_up_at: DateTime<Utc>,
    },
}

impl Job {
    fn kind(&self) -> &'static str {
        match self {
            Job::RevokeAccess { .. } => "revoke_access",
            Job::SendMail { .. } => "send_mail",
        }
    }

    /// How long the worker leaves the job to the request that wrote it.
    fn grace(&self) -> Duration {
        match self {
            Job::RevokeAccess { .. } => GRACE,
            Job::SendMail { .. } => Duration::ZERO,
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
/// How often the worker looks for jobs that are due, besides being woken by new ones.
const POLL_EVERY: Duration = Duration::from_secs(1);
/// The channel PostgreSQL notifies when a job is committed (see the outbox migration).
const CHANNEL: &str = "outbox";
/// Jobs done per look; the rest wait for the next.
const BATCH: usize = 20;
/// The longest pause between two attempts at one job.
const MAX_BACKOFF_SECONDS: i64 = 300;

/// Queues the revocation of the user's access in the transaction of the change that calls for
/// it; the caller does it right after the commit (`access::revoke_committed`), the worker only
/// if that failed.
pub async fn queue_revocation(
    tx: &mut PgConnection,
    user_id: Uuid,
) -> Result<Pending, sqlx::Error> {
    enqueue(tx, &Job::RevokeAccess { user_id }).await
}

/// Makes a queued revocation due at once: the command line, which cannot reach Redis, leaves it
/// to the running app's worker.
pub async fn leave_to_worker(tx: &mut PgConnection, job: Pending) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE outbox SET next_attempt_at = now() WHERE id = $1")
        .bind(job.id)
        .execute(tx)
        .await?;
    Ok(())
}

/// Queues a notice in the transaction of the event it tells about; the worker sends it once the
/// transaction commits (and gives up a day later).
pub async fn queue_mail(tx: &mut PgConnection, mail: Mail) -> Result<(), sqlx::Error> {
    queue_mail_until(tx, mail, Utc::now() + chrono::Duration::days(1)).await
}

/// Queues a mail with a code in it, worth sending only until the code expires.
pub async fn queue_mail_until(
    tx: &mut PgConnection,
    mail: Mail,
    give_up_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    enqueue(tx, &Job::SendMail { mail, give_up_at })
        .await
        .map(drop)
}

/// Writes `job` in the transaction of the change it follows.
async fn enqueue(tx: &mut PgConnection, job: &Job) -> Result<Pending, sqlx::Error> {
    let payload = serde_json::to_value(job).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let id = sqlx::query_scalar(
        "INSERT INTO outbox (kind, payload, next_attempt_at)
         VALUES ($1, $2, now() + make_interval(secs => $3)) RETURNING id",
    )
    .bind(job.kind())
    .bind(payload)
    .bind(job.grace().as_secs_f64())
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

#[derive(Debug, thiserror::Error)]
enum JobError {
    #[error(transparent)]
    Server(#[from] ServerError),
    #[error(transparent)]
    Mail(#[from] super::mail::MailError),
}

impl JobError {
    fn describe(&self) -> String {
        match self {
            JobError::Server(e) => format!("{e:?}"),
            JobError::Mail(e) => e.describe(),
        }
    }
}

/// Does a job; `Ok(false)` when it was given up instead.
async fn perform(state: &AppState, job: &Job) -> Result<bool, JobError> {
    match job {
        Job::RevokeAccess { user_id } => {
            let (_, ended) = access::revoke(state, *user_id).await?;
            tracing::info!(user_id = %user_id, ended, "access revoked by the outbox worker");
        }
        Job::SendMail { mail, give_up_at } => {
            if *give_up_at <= Utc::now() {
                tracing::error!(subject = %mail.subject, "a mail could not be sent in time and was given up");
                return Ok(false);
            }
            state.mailer.send(mail).await?;
            tracing::info!(subject = %mail.subject, "mail sent");
        }
    }
    Ok(true)
}

/// How long a taken job is left to the node that took it before another may take it (a node
/// that dies mid-job): twice the longest a job may take (a whole mail delivery is cut off at
/// [`DELIVERY_LIMIT`]).
const LEASE_SECONDS: f64 = 2.0 * DELIVERY_LIMIT.as_secs_f64();

/// Does the jobs that are due, revocations first, up to [`BATCH`]; returns how many were taken.
///
/// Each job is taken with a lease of its own just before it is done (its next attempt moved
/// past the lease, in a statement of its own), so a slow mail server cannot run a lease out
/// while the job waits its turn, and done outside any transaction: a slow mail server holds no
/// row lock and no second connection, and a revocation never waits behind mails. The job is
/// finished only under the lease it was taken with: if another node took it meanwhile (this
/// one stalled past the lease), that node's lease and attempt count are left alone.
pub async fn run_due(state: &AppState) -> Result<usize, sqlx::Error> {
    let mut count = 0;
    while count < BATCH {
        let Some((id, payload, attempts, leased_until)) = take_one(state).await? else {
            break;
        };
        count += 1;
        let job = serde_json::from_value::<Job>(payload);
        let revocation = matches!(job, Ok(Job::RevokeAccess { .. }));
        let outcome = match &job {
            Ok(job) => perform(state, job)
                .await
                .map(|_| ())
                .map_err(|e| e.describe()),
            Err(e) => Err(format!("unreadable job: {e}")),
        };
        match outcome {
            Ok(()) => {
                sqlx::query("DELETE FROM outbox WHERE id = $1 AND next_attempt_at = $2")
                    .bind(id)
                    .bind(leased_until)
                    .execute(&state.db)
                    .await?;
            }
            Err(error) => {
                let pause = backoff_seconds(attempts, revocation);
                tracing::warn!(job = id, attempts = attempts + 1, retry_in_seconds = pause, error = %error, "an outbox job failed");
                sqlx::query(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = $3,
                            next_attempt_at = now() + make_interval(secs => $4)
                     WHERE id = $1 AND next_attempt_at = $2",
                )
                .bind(id)
                .bind(leased_until)
                .bind(error)
                .bind(pause as f64)
                .execute(&state.db)
                .await?;
            }
        }
    }
    Ok(count)
}

/// Takes the most urgent due job (revocations first) under a new lease: its id, payload,
/// attempts so far and the lease's end, which names this taking.
async fn take_one(
    state: &AppState,
) -> Result<Option<(i64, serde_json::Value, i32, DateTime<Utc>)>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE outbox SET next_attempt_at = now() + make_interval(secs => $1)
         WHERE id = (SELECT id FROM outbox WHERE next_attempt_at <= now()
                     ORDER BY kind <> 'revoke_access', next_attempt_at, id
                     LIMIT 1 FOR UPDATE SKIP LOCKED)
         RETURNING id, payload, attempts, next_attempt_at",
    )
    .bind(LEASE_SECONDS)
    .fetch_optional(&state.db)
    .await
}

/// 1 s after the first failure, doubling up to five minutes; a revocation at most every two
/// seconds (while it waits, sessions that should have ended still work).
fn backoff_seconds(attempts: i32, revocation: bool) -> i64 {
    let most = if revocation { 2 } else { MAX_BACKOFF_SECONDS };
    1_i64
        .checked_shl(attempts.clamp(0, 20) as u32)
        .unwrap_or(most)
        .min(most)
}

/// Does due jobs whenever a new one is committed, and every second anyway (a retry falling
/// due, a notification missed while PostgreSQL was away), until the task is dropped. A
/// database outage only delays the jobs: the loop logs and tries again.
pub async fn work(state: Arc<AppState>) {
    let mut ticker = tokio::time::interval(POLL_EVERY);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut listener: Option<PgListener> = None;
    loop {
        if listener.is_none() {
            listener = listen(&state).await;
        }
        match listener.as_mut() {
            Some(active) => tokio::select! {
                notified = active.recv() => {
                    if notified.is_err() {
                        listener = None;
                    }
                }
                _ = ticker.tick() => {}
            },
            None => {
                ticker.tick().await;
            }
        }
        if let Err(error) = run_due(&state).await {
            tracing::debug!(error = %error, "the outbox could not be read; trying again");
        }
    }
}

async fn listen(state: &AppState) -> Option<PgListener> {
    let mut listener = PgListener::connect_with(&state.db).await.ok()?;
    listener.listen(CHANNEL).await.ok()?;
    Some(listener)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_from_a_second_to_five_minutes_revocations_to_two_seconds() {
        assert_eq!(backoff_seconds(0, false), 1);
        assert_eq!(backoff_seconds(3, false), 8);
        assert_eq!(backoff_seconds(9, false), 300);
        assert_eq!(backoff_seconds(i32::MAX, false), 300);
        assert_eq!(backoff_seconds(0, true), 1);
        assert_eq!(backoff_seconds(5, true), 2);
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
