//! Threads of their own for bcrypt, at a lower scheduling priority than the threads serving
//! requests. A storm of sign-ins then uses the cores only as far as page requests leave them
//! free: hashing queues here, it never stalls other requests. One thread per core bounds how
//! many hashes run at once; the queue is bounded too, and a job whose request has given up
//! (timed out, disconnected) is skipped rather than hashed for nobody.
//!
//! The pool is rayon's (a well-kept pool with start and panic hooks); this module adds the
//! priority, the bounds and the hand-back to async code.

use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc,
};

use tokio::sync::oneshot;

use super::error::ServerError;

/// How much lower than the request threads (0) the hashing threads run: at 10, Linux gives
/// them about a tenth of a busy core's time.
const NICENESS: i32 = 10;
/// Jobs waiting or running, per thread, before more are refused ("temporarily unavailable"):
/// at bcrypt cost 12 (about 0.2 s a hash) a full queue is some 13 s of work, under the 20 s
/// request timeout.
const QUEUE_PER_THREAD: usize = 64;

#[derive(Clone)]
pub struct HashingPool {
    threads: Arc<rayon::ThreadPool>,
    queued: Arc<AtomicUsize>,
    capacity: usize,
}

impl HashingPool {
    pub fn start(threads: usize) -> Result<Self, ServerError> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .thread_name(|index| format!("bcrypt-{index}"))
            .start_handler(|_| lower_this_threads_priority())
            // A panicking job drops its answer (the caller gets an error); the thread lives on.
            .panic_handler(|_| tracing::error!("a password hashing job panicked"))
            .build()
            .map_err(|e| ServerError::HashingUnavailable(e.to_string()))?;
        Ok(Self {
            threads: Arc::new(pool),
            queued: Arc::new(AtomicUsize::new(0)),
            capacity: threads.max(1) * QUEUE_PER_THREAD,
        })
    }

    /// Runs `work` on a hashing thread, in the caller's tracing span.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ServerError> {
        if self.queued.fetch_add(1, Ordering::AcqRel) >= self.capacity {
            self.queued.fetch_sub(1, Ordering::AcqRel);
            return Err(ServerError::HashingBusy);
        }
        let (answer, answered) = oneshot::channel();
        let span = tracing::Span::current();
        let queued = self.queued.clone();
        self.threads.spawn(move || {
            // Counted out however the job ends, a panic included.
            let _leaving = LeavesQueue(queued);
            if answer.is_closed() {
                return; // the request is gone: nobody would read the hash
            }
            let _ = answer.send(span.in_scope(work));
        });
        answered.await.map_err(|_| {
            ServerError::HashingUnavailable("the hashing job ended without an answer".into())
        })
    }
}

/// Takes a job off the count when dropped.
struct LeavesQueue(Arc<AtomicUsize>);

impl Drop for LeavesQueue {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(target_os = "linux")]
fn lower_this_threads_priority() {
    // SAFETY: setpriority only reads its integer arguments. On Linux, PRIO_PROCESS with id 0
    // applies to the calling thread alone (the nice value is a per-thread attribute).
    let failed = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, NICENESS) } != 0;
    if failed {
        tracing::warn!("could not lower the priority of a password hashing thread");
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_this_threads_priority() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn jobs_run_and_a_panic_does_not_stop_the_pool() {
        let pool = HashingPool::start(1).unwrap();
        assert_eq!(pool.run(|| 6 * 7).await.unwrap(), 42);
        assert!(pool.run(|| -> u32 { panic!("boom") }).await.is_err());
        assert_eq!(pool.run(|| "still here").await.unwrap(), "still here");
    }

    #[tokio::test]
    async fn a_full_queue_refuses_at_once_and_abandoned_jobs_are_skipped() {
        let pool = HashingPool::start(1).unwrap();
        let (release, released) = std::sync::mpsc::channel::<()>();
        let blocker = {
            let pool = pool.clone();
            tokio::spawn(async move { pool.run(move || released.recv().is_ok()).await })
        };
        // Wait until the blocking job occupies the one thread.
        while pool.queued.load(Ordering::Acquire) < 1 {
            tokio::task::yield_now().await;
        }
        let ran = Arc::new(AtomicUsize::new(0));
        let mut waiting = Vec::new();
        for _ in 1..QUEUE_PER_THREAD {
            let (pool, ran) = (pool.clone(), ran.clone());
            waiting.push(tokio::spawn(async move {
                pool.run(move || ran.fetch_add(1, Ordering::AcqRel)).await
            }));
        }
        while pool.queued.load(Ordering::Acquire) < QUEUE_PER_THREAD {
            tokio::task::yield_now().await;
        }
        assert!(matches!(
            pool.run(|| ()).await,
            Err(ServerError::HashingBusy)
        ));
        // Every queued request gives up; then the thread is freed.
        for job in &waiting {
            job.abort();
        }
        for job in waiting {
            let _ = job.await;
        }
        release.send(()).unwrap();
        assert!(blocker.await.unwrap().unwrap());
        // The thread passes over the abandoned jobs, each leaving the count as it goes.
        while pool.queued.load(Ordering::Acquire) != 0 {
            tokio::task::yield_now().await;
        }
        assert_eq!(ran.load(Ordering::Acquire), 0, "abandoned jobs were hashed");
        assert_eq!(pool.run(|| "next").await.unwrap(), "next");
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn hashing_threads_run_at_a_lower_priority() {
        let pool = HashingPool::start(1).unwrap();
        // SAFETY: getpriority only reads its integer arguments.
        let niceness = pool
            .run(|| unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) })
            .await
            .unwrap();
        assert!(niceness >= NICENESS, "{niceness}");
    }
}
