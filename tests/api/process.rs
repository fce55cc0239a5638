//! The real server process: start-up time, SIGTERM under load (requests in flight finish, new
//! ones are refused, a clean exit), and a kill in the middle of sign-ups (never a user without
//! a store).

use std::{
    net::{SocketAddr, TcpStream},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use crate::{
    backends::free_port,
    helpers::{pg_server_url, redis_url, signup_form, smtp_url, spawn_app, TestApp},
};

struct Server {
    process: Child,
    address: SocketAddr,
    started_in: Duration,
}

impl Server {
    /// Starts `user-service serve` against the test app's database and waits until ready.
    async fn start(app: &TestApp, bcrypt_cost: u32) -> Self {
        let address = SocketAddr::from(([127, 0, 0, 1], free_port()));
        let site_root = concat!(env!("CARGO_MANIFEST_DIR"), "/target/site");
        let log_path = std::env::temp_dir().join(format!("user-service-{}.log", address.port()));
        let log = std::fs::File::create(&log_path).unwrap();
        let started = Instant::now();
        let mut process = Command::new(env!("CARGO_BIN_EXE_user-service"))
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env(
                "DATABASE_URL",
                format!("{}/{}", pg_server_url(), app.db_name),
            )
            .env("REDIS_URL", redis_url())
            .env("SMTP_URL", smtp_url())
            .env("LEPTOS_SITE_ADDR", address.to_string())
            .env("LEPTOS_SITE_ROOT", site_root)
            .env("COOKIE_SECURE", "false")
            .env("BCRYPT_COST", bcrypt_cost.to_string())
            .env("SIGN_IN_LIMIT_PER_MINUTE", "100000")
            .env("SIGN_UP_LIMIT_PER_HOUR", "100000")
            .env("RECOVERY_LIMIT_PER_HOUR", "100000")
            .env("RUST_LOG", "warn")
            .current_dir(std::env::temp_dir())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let client = reqwest::Client::new();
        loop {
            let ready = client
                .get(format!("http://{address}/readyz"))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if ready {
                break;
            }
            if let Some(status) = process.try_wait().unwrap() {
                let said = std::fs::read_to_string(&log_path).unwrap_or_default();
                panic!("the server exited before it was ready ({status}): {said}");
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the server never became ready"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let _ = std::fs::remove_file(&log_path);
        Self {
            process,
            address,
            started_in: started.elapsed(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &self.process.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits for the process to exit; its exit code.
    fn wait_for_exit(&mut self, timeout: Duration) -> Option<i32> {
        let started = Instant::now();
        loop {
            if let Some(status) = self.process.try_wait().unwrap() {
                return status.code();
            }
            assert!(
                started.elapsed() < timeout,
                "the server did not exit within {timeout:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_requests_in_flight_finish_refuses_new_ones_and_exits_cleanly() {
    let app = spawn_app().await;
    // The production hashing cost keeps sign-ins in flight when the signal comes (16 hashes
    // of about 0.2 s on two threads): unknown e-mails are checked against a dummy hash of the
    // configured cost.
    let mut server = Server::start(&app, 12).await;
    println!("start-up to ready: {:?}", server.started_in);

    let client = reqwest::Client::new();
    let in_flight: Vec<_> = (0..16)
        .map(|i| {
            let request = client.post(server.url("/api/login")).form(&[
                ("email", format!("nobody-{i}@example.com")),
                ("password", "wrong-password-1".to_owned()),
            ]);
            tokio::spawn(async move { request.send().await.map(|r| r.status().as_u16()) })
        })
        .collect();
    // Time for every request to be sent and read, even on a loaded machine; the hashing
    // takes longer.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let signalled = Instant::now();
    server.signal("TERM");

    // New connections are refused (soon, and for good) while the requests in flight are
    // still being answered.
    let refusing = Instant::now();
    while TcpStream::connect_timeout(&server.address, Duration::from_millis(500)).is_ok() {
        assert!(
            refusing.elapsed() < Duration::from_secs(2),
            "new connections were still accepted 2 s after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut answered = 0;
    for request in in_flight {
        let status = request
            .await
            .unwrap()
            .expect("a request in flight got its answer");
        assert_eq!(status, 400, "a failed sign-in, answered in full");
        answered += 1;
    }
    let code = tokio::task::block_in_place(|| server.wait_for_exit(Duration::from_secs(15)));
    assert_eq!(code, Some(0), "a clean exit");
    println!(
        "SIGTERM: {answered} requests in flight all answered, exit 0 after {:?}",
        signalled.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_in_the_middle_of_sign_ups_never_leaves_a_user_without_a_store() {
    let app = spawn_app().await;
    let mut created = 0;
    for round in 0..3 {
        let server = Server::start(&app, 4).await;
        let client = reqwest::Client::new();
        let requests: Vec<_> = (0..60)
            .map(|_| {
                let form = signup_form(&[]);
                let request = client.post(server.url("/api/signup")).form(&form);
                tokio::spawn(async move { request.send().await.map(|r| r.status().as_u16()) })
            })
            .collect();
        // Kill it (SIGKILL: no clean-up of any kind) once sign-ups are being committed, with
        // more still being written.
        let before = app.count("SELECT count(*) FROM users").await;
        let waiting = Instant::now();
        while app.count("SELECT count(*) FROM users").await < before + 3 + 5 * round {
            assert!(
                waiting.elapsed() < Duration::from_secs(20),
                "no sign-up went through"
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        drop(server);
        for request in requests {
            if let Ok(Ok(200)) = request.await {
                created += 1;
            }
        }
        let orphans = app
            .count(
                "SELECT count(*) FROM users u WHERE NOT EXISTS
                   (SELECT 1 FROM stores s WHERE s.user_id = u.id)",
            )
            .await;
        assert_eq!(orphans, 0, "round {round}: a user without a store");
    }
    let users = app.count("SELECT count(*) FROM users").await;
    assert_eq!(users, app.count("SELECT count(*) FROM stores").await);
    // Every sign-up that was answered 200 is there (and perhaps some whose answer was lost).
    assert!(
        users >= created,
        "{users} users, {created} answered as created"
    );
    println!(
        "kill during sign-up: 3 kills, {users} accounts all with a store ({created} answered 200)"
    );
}
