//! Redis and PostgreSQL stopped under load (each a private instance on a spare port): requests
//! get a quick "temporarily unavailable" answer, never a hang or a panic; the app serves again
//! within 2 seconds of the service returning, by itself; nothing committed is lost. A mail
//! server outage fails no request at all: the mail waits in the outbox and goes out later.

use std::{
    future::Future,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use user_service::domain::{Role, UserStatus};

use crate::{
    backends::{PrivatePostgres, PrivateRedis, PrivateSmtp},
    helpers::{spawn_app_with, value_of, AppOptions, TestApp, TestClient, TestSite},
};

/// The longest an answer may take while a service is down: the 2 s backend timeout plus
/// slack for a loaded machine (the figures printed show the real ones).
const QUICK: Duration = Duration::from_millis(4_000);
/// How soon after the service returns the app must serve again.
const RECOVERY: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Copy)]
struct Sample {
    sent: Instant,
    latency: Duration,
    /// `None`: no HTTP answer at all (a reset or a client timeout).
    status: Option<u16>,
}

/// Signed-in page loads from a few workers, recorded until `finish`.
struct Load {
    running: Arc<AtomicBool>,
    samples: Arc<Mutex<Vec<Sample>>>,
    workers: Vec<tokio::task::JoinHandle<()>>,
}

impl Load {
    fn start(app: &TestApp, browser: &TestClient, path: &'static str, workers: usize) -> Self {
        let running = Arc::new(AtomicBool::new(true));
        let samples = Arc::new(Mutex::new(Vec::new()));
        let workers = (0..workers)
            .map(|_| {
                let browser = browser.talking_to(app.node());
                let (running, samples) = (running.clone(), samples.clone());
                tokio::spawn(async move {
                    while running.load(Ordering::Relaxed) {
                        let sent = Instant::now();
                        let status = browser
                            .client
                            .get(browser.url(path))
                            .header("accept", "text/html")
                            .send()
                            .await
                            .ok()
                            .map(|r| r.status().as_u16());
                        let latency = sent.elapsed();
                        samples.lock().unwrap().push(Sample {
                            sent,
                            latency,
                            status,
                        });
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                })
            })
            .collect();
        Self {
            running,
            samples,
            workers,
        }
    }

    async fn finish(self) -> Vec<Sample> {
        self.running.store(false, Ordering::Relaxed);
        for worker in self.workers {
            worker.await.unwrap();
        }
        let samples = self.samples.lock().unwrap().clone();
        samples
    }
}

/// Polls `path` until it answers 200; how long that took.
async fn time_to_recover(browser: &TestClient, path: &str) -> Duration {
    let started = Instant::now();
    loop {
        if browser.get_page(path).await.status().as_u16() == 200 {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the app never recovered"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Checks the samples: every request got an answer, 200 or 503 only, and the ones sent after
/// the service was `down` and answered before its restart began were all 503 and quick.
fn check(samples: &[Sample], down: Instant, up: Instant) -> (usize, Duration) {
    assert!(!samples.is_empty());
    let mut unavailable = 0;
    let mut slowest_while_down = Duration::ZERO;
    for sample in samples {
        let status = sample.status.expect("every request gets an HTTP answer");
        assert!(status == 200 || status == 503, "unexpected status {status}");
        // Sent once the service was gone, answered before it was back.
        let while_down = sample.sent > down && sample.sent + sample.latency < up;
        if while_down {
            assert_eq!(
                status,
                503,
                "a request during the outage, sent {:?} after it began, answered in {:?}",
                sample.sent - down,
                sample.latency
            );
            slowest_while_down = slowest_while_down.max(sample.latency);
        }
        if status == 503 {
            unavailable += 1;
            assert!(sample.latency < QUICK, "a 503 took {:?}", sample.latency);
        }
    }
    assert!(unavailable > 0, "the outage was never noticed");
    (unavailable, slowest_while_down)
}

/// What an outage looked like from outside.
struct Outage {
    requests: usize,
    unavailable: usize,
    slowest_while_down: Duration,
    recovery: Duration,
}

/// Loads `browser`'s profile, stops the service, checks what a browser, the hydrated app and
/// the readiness probe see while it is down (`attempt_change`, tried then, must be refused),
/// restarts it and measures how soon the app serves again by itself.
async fn live_through_outage<Change: Future<Output = reqwest::Response>>(
    app: &TestApp,
    browser: &TestClient,
    stop: impl FnOnce(),
    restart: impl FnOnce(),
    attempt_change: impl FnOnce() -> Change,
) -> Outage {
    let load = Load::start(app, browser, "/profile", 4);
    tokio::time::sleep(Duration::from_millis(300)).await;
    tokio::task::block_in_place(stop);
    let down = Instant::now();
    tokio::time::sleep(Duration::from_millis(1_500)).await;

    let page = browser.get_page("/profile").await;
    assert_eq!(page.status().as_u16(), 503);
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("일시적으로 이용할 수 없습니다"));
    assert_eq!(attempt_change().await.status().as_u16(), 503);
    let ready = app.client().get_page("/readyz").await;
    assert_eq!(ready.status().as_u16(), 503);

    // The service may answer again any time after its restart begins (the restart returns a
    // little after it is ready): only what was answered before then was surely during the
    // outage.
    let restarting = Instant::now();
    tokio::task::block_in_place(restart);
    let recovery = time_to_recover(browser, "/profile").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let samples = load.finish().await;
    let (unavailable, slowest_while_down) = check(&samples, down, restarting);
    assert!(recovery < RECOVERY, "serving again took {recovery:?}");
    Outage {
        requests: samples.len(),
        unavailable,
        slowest_while_down,
        recovery,
    }
}

impl std::fmt::Display for Outage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} requests, {} answered 503, slowest while down {:?}, serving again {:?} after \
             the service returned",
            self.requests, self.unavailable, self.slowest_while_down, self.recovery
        )
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_outage_gives_quick_503s_and_the_app_recovers_by_itself() {
    let redis = PrivateRedis::start();
    let site = TestSite::with_bundle(&[("user-service.css", b"body { color: black }")]);
    let app = spawn_app_with(AppOptions {
        redis_url: Some(redis.url()),
        site_root: Some(site.path()),
        ..AppOptions::default()
    })
    .await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let browser = app.signed_in(&owner).await;
    let change = async |name: &str| {
        browser
            .call(
                "profile/owner",
                &[("name", name), ("phone_number", &owner.phone)],
            )
            .await
    };
    assert_eq!(change("장애전").await.status().as_u16(), 200);

    let stylesheet_while_down = std::sync::Mutex::new(None);
    let outage = live_through_outage(
        &app,
        &browser,
        || redis.stop(),
        || redis.restart(),
        || async {
            // The unavailable page keeps its stylesheet: files need no session.
            let css = browser.get_page("/pkg/user-service.css").await.status();
            *stylesheet_while_down.lock().unwrap() = Some(css.as_u16());
            change("장애중").await
        },
    )
    .await;
    assert_eq!(*stylesheet_while_down.lock().unwrap(), Some(200));

    // Nothing committed was lost: the change from before, not the refused one; and the
    // session itself survived Redis' restart.
    let name: String = sqlx::query_scalar("SELECT name FROM users WHERE id = $1")
        .bind(owner.id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(name, "장애전");
    println!("redis outage: {outage}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_outage_gives_quick_503s_and_the_app_recovers_by_itself() {
    let postgres = tokio::task::block_in_place(PrivatePostgres::start);
    let app = spawn_app_with(AppOptions {
        pg_server: Some(postgres.server_url()),
        ..AppOptions::default()
    })
    .await;
    // An owner signs up (committed: user and store), and stays signed in.
    let browser = app.client();
    let form = browser.sign_up_owner().await;
    let stranger = app.client();

    let outage = live_through_outage(
        &app,
        &browser,
        || postgres.stop(),
        || postgres.restart(),
        || stranger.sign_up(&[]),
    )
    .await;

    // The sign-up from before the crash is there, whole; the refused one left nothing.
    let emails: Vec<String> =
        sqlx::query_scalar("SELECT u.email FROM users u JOIN stores s ON s.user_id = u.id")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(emails, vec![value_of(&form, "email").to_owned()]);
    assert_eq!(app.count("SELECT count(*) FROM users").await, 1);
    println!("postgres outage: {outage}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mail_server_outage_never_fails_a_request_and_loses_no_mail() {
    let smtp = PrivateSmtp::start();
    let app = spawn_app_with(AppOptions {
        smtp_url: Some(smtp.url()),
        ..AppOptions::default()
    })
    .await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    smtp.stop();

    let started = Instant::now();
    let requested = app
        .client()
        .call("password/forgot", &[("email", &owner.email)])
        .await;
    let answered_in = started.elapsed();

    assert_eq!(
        requested.status().as_u16(),
        200,
        "the request does not wait for mail"
    );
    assert!(answered_in < QUICK, "answered in {answered_in:?}");
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let waiting: (i64, i32) =
        sqlx::query_as("SELECT count(*), max(attempts) FROM outbox WHERE kind = 'send_mail'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(waiting.0, 1, "the mail waits in the outbox");
    assert!(waiting.1 >= 1, "and has been tried");

    smtp.restart();
    let returned = Instant::now();
    let mut delivered_after = None;
    while returned.elapsed() < Duration::from_secs(20) {
        if smtp.delivered() == 1 {
            delivered_after = Some(returned.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let delivered_after = delivered_after.expect("delivered once the mail server returned");
    println!("mail outage: answered in {answered_in:?}; delivered {delivered_after:?} after the mail server returned");
    assert!(
        app.outbox_empties().await,
        "the job left the outbox once done"
    );
}
