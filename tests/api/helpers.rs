//! Spawns the app on a random port against a database of its own, and cleans up after it:
//! the database is dropped and the test's sessions are deleted from Redis.

use std::{
    net::SocketAddr,
    sync::{Arc, LazyLock},
};

use reqwest::{cookie::CookieStore, header, redirect, Client, Response};
use sqlx::{Connection, Executor, PgConnection, PgPool};
use tower_sessions_redis_store::fred::prelude::{KeysInterface, Pool as RedisPool};
use user_service::{
    domain::{Email, Password, PersonName, PhoneNumber, Role, UserStatus},
    server::{
        config::{
            DatabaseSettings, MailSettings, SessionSettings, Settings, ThrottleSettings,
            TokenSettings,
        },
        password::PasswordHasher,
        startup::{Application, SESSION_COOKIE},
    },
};
use uuid::Uuid;

/// The PostgreSQL server the tests create their databases on (no database name).
pub fn pg_server_url() -> String {
    std::env::var("TEST_PG_URL")
        .ok()
        .filter(|url| !url.is_empty())
        .unwrap_or_else(|| "postgres://user_service:user_service@127.0.0.1:5432".into())
}

pub fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL")
        .ok()
        .filter(|url| !url.is_empty())
        .unwrap_or_else(|| "redis://127.0.0.1:6379".into())
}

/// The mail server the tests' apps send to: a real SMTP server (Debian's aiosmtpd) writing
/// every message into the Maildir at [`maildir`]. scripts/test.sh starts a private one; by
/// default, the development one scripts/setup.sh starts.
pub fn smtp_url() -> String {
    std::env::var("TEST_SMTP_URL")
        .ok()
        .filter(|url| !url.is_empty())
        .unwrap_or_else(|| "smtp://127.0.0.1:2525".into())
}

pub fn maildir() -> std::path::PathBuf {
    std::env::var("TEST_MAILDIR")
        .ok()
        .filter(|dir| !dir.is_empty())
        .unwrap_or_else(|| "/var/tmp/user-service-mail".into())
        .into()
}

static TRACING: LazyLock<()> = LazyLock::new(|| {
    if std::env::var("TEST_LOG").is_ok() {
        user_service::server::telemetry::init_subscriber();
    }
});

pub struct TestApp {
    pub address: SocketAddr,
    pub db: PgPool,
    pub db_name: String,
    pg_server: String,
    redis_url: String,
    redis: RedisPool,
    settings: Settings,
    jars: std::sync::Mutex<Vec<Arc<reqwest::cookie::Jar>>>,
    /// The first instance; it stops when the test is done.
    node: Node,
    /// Declared last: fields drop in order, so the database goes after the app has stopped.
    _database: TestDatabase,
}

/// Options for `spawn_app_with`.
pub struct AppOptions {
    pub cookie_secure: bool,
    pub throttle: ThrottleSettings,
    pub session: SessionSettings,
    pub bcrypt_cost: u32,
    /// Another PostgreSQL server (no database name) than `TEST_PG_URL`'s.
    pub pg_server: Option<String>,
    /// Another Redis than `TEST_REDIS_URL`'s.
    pub redis_url: Option<String>,
    /// Another built site than `target/site`.
    pub site_root: Option<String>,
    /// Another mail server than `TEST_SMTP_URL`'s.
    pub smtp_url: Option<String>,
    /// Other signing keys than a fresh one.
    pub signing_keys: Option<user_service::server::tokens::keys::SigningKeys>,
}

impl Default for AppOptions {
    fn default() -> Self {
        Self {
            cookie_secure: false,
            // Tests sign in many times from one address; the throttle tests set their own.
            throttle: ThrottleSettings {
                sign_in_per_minute: 10_000,
                sign_up_per_hour: 10_000,
                recovery_per_hour: 10_000,
                trust_forwarded_for: false,
            },
            session: SessionSettings::default(),
            // Fast hashing: tests sign in hundreds of times.
            bcrypt_cost: 4,
            pg_server: None,
            redis_url: None,
            site_root: None,
            smtp_url: None,
            signing_keys: None,
        }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(AppOptions::default()).await
}

/// An app that signs with `keys` (to test key rotation).
pub async fn spawn_app_with_tokens(
    keys: user_service::server::tokens::keys::SigningKeys,
) -> TestApp {
    spawn_app_with(AppOptions {
        signing_keys: Some(keys),
        ..AppOptions::default()
    })
    .await
}

pub async fn spawn_app_with(options: AppOptions) -> TestApp {
    LazyLock::force(&TRACING);
    let db_name = format!("user_service_test_{}", Uuid::new_v4().simple());
    let pg_server = options.pg_server.unwrap_or_else(pg_server_url);
    let redis = options.redis_url.unwrap_or_else(redis_url);
    let mut admin = PgConnection::connect(&format!("{pg_server}/postgres"))
        .await
        .expect("PostgreSQL must be running for the tests (TEST_PG_URL)");
    admin
        .execute(format!(r#"CREATE DATABASE "{db_name}""#).as_str())
        .await
        .expect("create the test database");
    // Dropped with the app, or at once if the app fails to start below.
    let database = TestDatabase {
        server: pg_server.clone(),
        name: db_name.clone(),
    };

    let settings = Settings {
        database: DatabaseSettings {
            url: format!("{pg_server}/{db_name}").into(),
            log_statements: true,
        },
        redis_url: redis.clone().into(),
        site_addr: "127.0.0.1:0".parse().unwrap(),
        site_root: options.site_root.unwrap_or_else(|| "target/site".into()),
        cookie_secure: options.cookie_secure,
        bcrypt_cost: options.bcrypt_cost,
        throttle: options.throttle,
        session: options.session,
        mail: MailSettings {
            smtp_url: options.smtp_url.unwrap_or_else(smtp_url).into(),
            from: "이벤트 마케팅 테스트 <no-reply@user-service.test>".into(),
        },
        public_url: "http://accounts.user-service.test".into(),
        tokens: match options.signing_keys {
            Some(keys) => TokenSettings {
                keys,
                ..test_token_settings()
            },
            None => test_token_settings(),
        },
    };
    let node = start_node(settings.clone()).await;
    TestApp {
        address: node.address,
        db: node.db.clone(),
        db_name,
        pg_server,
        redis_url: redis,
        redis: node.redis.clone(),
        settings,
        jars: Default::default(),
        node,
        _database: database,
    }
}

/// The name and secret of the one service credential every test app accepts.
pub const TEST_SERVICE: &str = "tests";
pub const TEST_SERVICE_SECRET: &str = "test-service-secret-0123456789abcdef0123456789";

/// A signing key of the test's own (so two nodes share it, and a test can sign tokens the app
/// would, or almost would) and one service credential.
fn test_token_settings() -> TokenSettings {
    use user_service::server::tokens::{
        keys::{generate_pem, SigningKeys},
        service_credentials::ServiceCredentials,
    };
    let (_, pem) = generate_pem();
    TokenSettings {
        keys: SigningKeys::from_pem(&pem, None).unwrap(),
        service_credentials: ServiceCredentials::parse(&format!(
            "{TEST_SERVICE}:{TEST_SERVICE_SECRET}"
        ))
        .unwrap(),
        ..TokenSettings::development()
    }
}

/// One running instance of the app.
pub struct Node {
    pub address: SocketAddr,
    db: PgPool,
    redis: RedisPool,
    /// Stops the server (and its runtime's thread) when dropped.
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Node {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }
}

/// Starts the app on a multi-threaded runtime of its own, as in production, rather than on
/// the test's single thread: a test awaiting a response never holds up the server.
async fn start_node(settings: Settings) -> Node {
    let (started, ready) = tokio::sync::oneshot::channel();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime for the test server");
        runtime.block_on(async move {
            let app = Application::build(settings)
                .await
                .expect("the app starts against a fresh database");
            let handles = (
                app.local_addr(),
                app.state().db.clone(),
                app.state().redis.clone(),
            );
            let _ = started.send(handles);
            let _ = app
                .run_until_stopped(async {
                    let _ = stopped.await;
                })
                .await;
        });
    });
    let (address, db, redis) = ready.await.expect("the test server started");
    Node {
        address,
        db,
        redis,
        _stop: stop,
    }
}

impl TestApp {
    /// A second instance of the app on its own port, sharing this one's PostgreSQL database
    /// and Redis, as two nodes behind a load balancer do.
    pub async fn another_node(&self) -> Node {
        start_node(self.settings.clone()).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// The first instance, the one `url` and `client` talk to.
    pub fn node(&self) -> &Node {
        &self.node
    }

    /// A browser-like client with its own cookie jar that does not follow redirects.
    pub fn client(&self) -> TestClient {
        self.client_as("user-service-tests")
    }

    /// A client that names itself `user_agent`, as a browser does.
    pub fn client_as(&self, user_agent: &str) -> TestClient {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        self.jars.lock().unwrap().push(jar.clone());
        // A request that hangs fails the test instead of stalling the whole run.
        let client = Client::builder()
            .user_agent(user_agent)
            .cookie_provider(jar.clone())
            .redirect(redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .unwrap();
        TestClient {
            client,
            jar,
            base: self.url(""),
        }
    }

    /// Inserts an account directly in the database (the way an owner exists before sign-up
    /// is built) and returns it with its password.
    pub async fn create_user(&self, role: Role, status: UserStatus) -> TestUser {
        let suffix = Uuid::new_v4().simple().to_string();
        let email = Email::parse(&format!("user-{}@example.com", &suffix[..12])).unwrap();
        let password = format!("pw-{}", &suffix[..16]);
        let hash = PasswordHasher::new(4)
            .await
            .unwrap()
            .hash(&Password::parse(&password).unwrap())
            .await
            .unwrap();
        let digits: u64 = u64::from_str_radix(&suffix[..8], 16).unwrap() % 100_000_000;
        let phone = PhoneNumber::parse(&format!("010{digits:08}")).unwrap();
        let name = PersonName::parse("김테스트").unwrap();
        let id: Uuid = sqlx::query_scalar(
            "INSERT INTO users (name, phone_number, email, password_hash, role, status)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(name.as_str())
        .bind(phone.as_str())
        .bind(email.as_str())
        .bind(hash)
        .bind(role.as_str())
        .bind(status.as_str())
        .fetch_one(&self.db)
        .await
        .unwrap();
        TestUser {
            id,
            email: email.as_str().to_owned(),
            password,
            phone: phone.as_str().to_owned(),
        }
    }

    /// The password hash `user` has now.
    pub async fn password_hash(&self, user: &TestUser) -> String {
        sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
            .bind(user.id)
            .fetch_one(&self.db)
            .await
            .unwrap()
    }

    /// Gives `user` a password hash of bcrypt `cost` (accounts are made at 4, which checks in
    /// a millisecond): for tests whose checks must queue on the hashing threads.
    pub async fn rehash_password(&self, user: &TestUser, cost: u32) {
        let hash = PasswordHasher::new(cost)
            .await
            .unwrap()
            .hash(&Password::parse(&user.password).unwrap())
            .await
            .unwrap();
        sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
            .bind(user.id)
            .bind(hash)
            .execute(&self.db)
            .await
            .unwrap();
    }

    /// Whether the outbox worker has done every job within 10 s (a job leaves the table just
    /// after its effect shows, so a test that saw the effect waits for the row too).
    pub async fn outbox_empties(&self) -> bool {
        for _ in 0..100 {
            if self.count("SELECT count(*) FROM outbox").await == 0 {
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        false
    }

    /// Waits until Redis holds `key` (a count that a request in flight starts, say).
    pub async fn wait_for_redis_key(&self, key: &str) {
        while self.redis_ttl(key).await == -2 {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }

    /// A client signed in as `user`.
    pub async fn signed_in(&self, user: &TestUser) -> TestClient {
        let browser = self.client();
        assert_eq!(browser.log_in(user).await.status().as_u16(), 302, "sign-in");
        browser
    }

    /// Seconds until Redis drops the session, as the store set it.
    /// The seconds a Redis key has left (-1: no expiry, -2: no such key).
    pub async fn redis_ttl(&self, key: &str) -> i64 {
        self.redis.ttl::<i64, _>(key).await.unwrap()
    }

    /// The app's settings (its signing keys among them).
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The app's Redis, to look at or tamper with what it keeps.
    pub fn redis(&self) -> RedisPool {
        self.redis.clone()
    }

    pub async fn session_exists(&self, session_id: &str) -> bool {
        self.redis.exists::<u32, _>(session_id).await.unwrap() == 1
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let sessions: Vec<String> = self
            .jars
            .lock()
            .map(|jars| {
                jars.iter()
                    .filter_map(|jar| session_id_in(jar, &self.url("")))
                    .collect()
            })
            .unwrap_or_default();
        let db_name = self.db_name.clone();
        let server = self.pg_server.clone();
        let redis = self.redis_url.clone();
        clean_up_from_drop(async move {
            // Every key that names one of the test's users or known browsers (session indexes
            // and the sessions in them, access versions, failure counts and locks), and the
            // sessions its browsers hold.
            let mut names = Vec::new();
            if let Ok(mut db) = PgConnection::connect(&format!("{server}/{db_name}")).await {
                names = sqlx::query_scalar(
                    "SELECT id::text FROM users UNION ALL SELECT id::text FROM known_devices
                     UNION ALL SELECT email FROM users",
                )
                .fetch_all(&mut db)
                .await
                .unwrap_or_default();
                let _ = db.close().await;
            }
            delete_redis_keys(&redis, sessions, &names).await;
        });
        // The database itself goes when `_database` is dropped, right after this.
    }
}

/// A test's own database, dropped with it: after the test, or when the app fails to start.
struct TestDatabase {
    server: String,
    name: String,
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let (server, name) = (self.server.clone(), self.name.clone());
        clean_up_from_drop(async move {
            if let Ok(mut admin) = PgConnection::connect(&format!("{server}/postgres")).await {
                let drop = format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#);
                let _ = admin.execute(drop.as_str()).await;
            }
        });
    }
}

/// Runs `cleanup` to the end from a `Drop`. Drop runs inside the test's runtime, which cannot
/// block: the cleanup gets a thread and a small runtime of its own, and is waited for.
fn clean_up_from_drop(cleanup: impl std::future::Future<Output = ()> + Send + 'static) {
    let _ = std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(cleanup);
    })
    .join();
}

/// A per-address count of the tests' own address (every test app hears 127.0.0.1): shared by
/// the tests running at once, which all allow it thousands of requests, so deleting it early
/// only lowers a count nobody relies on; left alone, the counts of one run would add up with
/// the next's into a 429. (Tests that check a limit count on an address of their own.)
fn counts_for_this_machine(key: &str) -> bool {
    key.contains(":127.0.0.1:") && (key.starts_with("throttle:") || key.contains(":address:"))
}

/// Deletes `keys`, every key that contains one of `names` (the test's users' and browsers'
/// ids, its users' e-mail addresses), and the sessions listed in any
/// `user_sessions:*` set among them.
async fn delete_redis_keys(redis_url: &str, keys: Vec<String>, names: &[String]) {
    use futures::StreamExt;
    use tower_sessions_redis_store::fred::prelude::{Builder, ClientLike, Config, SetsInterface};
    if keys.is_empty() && names.is_empty() {
        return;
    }
    let Ok(config) = Config::from_url(redis_url) else {
        return;
    };
    let Ok(client) = Builder::from_config(config).build() else {
        return;
    };
    if client.init().await.is_err() {
        return;
    }
    let mut doomed = keys;
    let mut all_keys = client.scan_buffered("*", Some(1_000), None);
    while let Some(Ok(key)) = all_keys.next().await {
        if let Some(key) = key
            .as_str()
            .filter(|k| names.iter().any(|name| k.contains(name)) || counts_for_this_machine(k))
        {
            doomed.push(key.to_owned());
        }
    }
    for key in doomed
        .clone()
        .iter()
        .filter(|k| k.starts_with("user_sessions:"))
    {
        let members: Vec<String> = client.smembers(key).await.unwrap_or_default();
        doomed.extend(members);
    }
    if !doomed.is_empty() {
        let _ = client.del::<u32, _>(doomed).await;
    }
    let _ = client.quit().await;
}

fn session_id_in(jar: &reqwest::cookie::Jar, base: &str) -> Option<String> {
    let url = base.parse().ok()?;
    let header = jar.cookies(&url)?;
    header
        .to_str()
        .ok()?
        .split("; ")
        .find_map(|pair| pair.strip_prefix(&format!("{SESSION_COOKIE}=")))
        .map(str::to_owned)
}

pub struct TestUser {
    pub id: Uuid,
    pub email: String,
    pub password: String,
    /// As stored (normalized), so a profile form can send it back unchanged.
    pub phone: String,
}

pub struct TestClient {
    pub client: Client,
    jar: Arc<reqwest::cookie::Jar>,
    base: String,
}

impl TestClient {
    /// A page load, as a browser makes it.
    pub async fn get_page(&self, path: &str) -> Response {
        self.client
            .get(format!("{}{path}", self.base))
            .header(header::ACCEPT, "text/html")
            .send()
            .await
            .unwrap()
    }

    /// A server function called the way the hydrated app calls it (no redirect; JSON back).
    pub async fn call(&self, endpoint: &str, form: &[(&str, &str)]) -> Response {
        self.client
            .post(format!("{}/api/{endpoint}", self.base))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// A plain HTML form post from `page`, as a browser without JavaScript sends it.
    pub async fn post_form(&self, page: &str, endpoint: &str, form: &[(&str, &str)]) -> Response {
        self.client
            .post(format!("{}/api/{endpoint}", self.base))
            .header(header::ACCEPT, "text/html")
            .header(header::REFERER, format!("{}{page}", self.base))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    pub async fn log_in(&self, user: &TestUser) -> Response {
        self.post_form(
            "/login",
            "login",
            &[("email", &user.email), ("password", &user.password)],
        )
        .await
    }

    /// Signs up through the server function; `fields` override a valid form.
    pub async fn sign_up(&self, fields: &[(&str, &str)]) -> Response {
        self.call("signup", &borrowed(&signup_form(fields))).await
    }

    /// Signs up a new owner with a valid form, which must succeed; the form, to read back.
    pub async fn sign_up_owner(&self) -> Vec<(&'static str, String)> {
        let form = signup_form(&[]);
        let response = self.call("signup", &borrowed(&form)).await;
        assert_eq!(response.status().as_u16(), 200, "the sign-up must succeed");
        form
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The same browser (its cookies) talking to another node.
    pub fn talking_to(&self, node: &Node) -> TestClient {
        TestClient {
            client: self.client.clone(),
            jar: self.jar.clone(),
            base: node.url(""),
        }
    }

    pub fn session_id(&self) -> Option<String> {
        session_id_in(&self.jar, &self.base)
    }

    pub fn set_session_cookie(&self, value: &str) {
        let url = self.base.parse().unwrap();
        self.jar
            .add_cookie_str(&format!("{SESSION_COOKIE}={value}; Path=/"), &url);
    }
}

pub fn location(response: &Response) -> String {
    response
        .headers()
        .get(header::LOCATION)
        .expect("a Location header")
        .to_str()
        .unwrap()
        .to_owned()
}

pub fn assert_redirect_to(response: &Response, expected: &str) {
    assert_eq!(
        response.status().as_u16(),
        302,
        "expected a redirect to {expected}"
    );
    assert_eq!(location(response), expected);
}

/// A valid sign-up form with a fresh e-mail and phone number, with `overrides` applied.
pub fn signup_form(overrides: &[(&str, &str)]) -> Vec<(&'static str, String)> {
    let suffix = Uuid::new_v4().simple().to_string();
    let digits = u64::from_str_radix(&suffix[..8], 16).unwrap() % 100_000_000;
    let mut form: Vec<(&'static str, String)> = vec![
        ("name", "김민수".into()),
        ("phone_number", format!("010{digits:08}")),
        ("email", format!("owner-{}@example.com", &suffix[..12])),
        ("password", "tangerine-harbor-42".into()),
        ("password_confirm", "tangerine-harbor-42".into()),
        ("store_name", "민수네 분식".into()),
        ("industry", "음식점".into()),
        ("address", "서울특별시 마포구 월드컵로 1".into()),
        ("business_hours", "매일 10:00-22:00".into()),
    ];
    for (key, value) in overrides {
        match form.iter_mut().find(|(k, _)| k == key) {
            Some(entry) => entry.1 = value.to_string(),
            None => panic!("no field {key}"),
        }
    }
    form
}

/// A form built with owned values (`signup_form`), as the request helpers take it.
pub fn borrowed<'a>(form: &'a [(&'static str, String)]) -> Vec<(&'a str, &'a str)> {
    form.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

pub fn value_of<'a>(form: &'a [(&'static str, String)], key: &str) -> &'a str {
    &form.iter().find(|(k, _)| *k == key).unwrap().1
}

/// Sets a new password with a code at the reset form (a mailed or a recovery code).
pub async fn reset_with_code(
    browser: &TestClient,
    email: &str,
    code: &str,
    password: &str,
) -> reqwest::Response {
    browser
        .call(
            "password/reset",
            &[
                ("email", email),
                ("code", code),
                ("new_password", password),
                ("new_password_confirm", password),
            ],
        )
        .await
}

/// The message a form error shows above the form, from a server function's JSON answer.
pub async fn form_message(response: Response) -> String {
    let body: serde_json::Value = response.json().await.unwrap();
    body["Form"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// The fields a form error marks, from a server function's JSON answer.
pub async fn error_fields(response: Response) -> Vec<(String, String)> {
    let body: serde_json::Value = response.json().await.unwrap();
    body["Form"]["fields"]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .map(|pair| {
            (
                pair[0].as_str().unwrap().to_owned(),
                pair[1].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

impl TestApp {
    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(&self.db).await.unwrap()
    }
}

/// A built site of a test's own (what `scripts/build-site.sh` leaves in `target/site`),
/// removed when dropped.
pub struct TestSite {
    pub root: std::path::PathBuf,
}

impl TestSite {
    /// A site whose `pkg/` holds `files` (name, content).
    pub fn with_bundle(files: &[(&str, &[u8])]) -> Self {
        let root = std::env::temp_dir().join(format!("user-service-site-{}", Uuid::new_v4()));
        std::fs::create_dir_all(root.join("pkg")).unwrap();
        for (name, content) in files {
            std::fs::write(root.join("pkg").join(name), content).unwrap();
        }
        Self { root }
    }

    pub fn path(&self) -> String {
        self.root.to_string_lossy().into_owned()
    }
}

impl Drop for TestSite {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// Every server function the app registers, by endpoint (`/api/` left off): the lists of the
/// authorization matrix and the fuzz test are checked against it, so a new function cannot be
/// left out of either.
pub fn registered_server_functions() -> std::collections::BTreeSet<String> {
    leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.trim_start_matches("/api/").to_owned())
        .collect()
}

/// A message the mail server received, as its reader sees it.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl ReceivedMail {
    /// The first run of `digits` digits in the text (a code), if any.
    pub fn code(&self, digits: usize) -> Option<String> {
        self.text
            .split(|c: char| !c.is_ascii_digit())
            .find(|run| run.len() == digits)
            .map(str::to_owned)
    }

    /// The first link to this service's `path` in the text.
    pub fn link(&self, path: &str) -> Option<String> {
        let start = self
            .text
            .find(&format!("http://accounts.user-service.test{path}"))?;
        let link = self.text[start..].split_whitespace().next()?;
        Some(
            link.trim_start_matches("http://accounts.user-service.test")
                .to_owned(),
        )
    }
}

/// Every message delivered to `to` so far, oldest first.
pub fn mail_to(to: &str) -> Vec<ReceivedMail> {
    let mut found: Vec<(std::time::SystemTime, ReceivedMail)> = Vec::new();
    let Ok(entries) = std::fs::read_dir(maildir().join("new")) else {
        return Vec::new();
    };
    for entry in entries.flatten() {
        let Ok(raw) = std::fs::read(entry.path()) else {
            continue;
        };
        // Most messages are someone else's: skip them before parsing.
        let needle = to.to_ascii_lowercase();
        if !raw
            .to_ascii_lowercase()
            .windows(needle.len())
            .any(|w| w == needle.as_bytes())
        {
            continue;
        }
        let Some(message) = mail_parser::MessageParser::default().parse(&raw) else {
            continue;
        };
        // aiosmtpd records the envelope's recipients as X-RcptTo.
        let rcpt = message
            .header_raw("X-RcptTo")
            .map(str::trim)
            .unwrap_or_default()
            .to_owned();
        if !rcpt.split(',').any(|r| r.trim().eq_ignore_ascii_case(to)) {
            continue;
        }
        let modified = entry
            .metadata()
            .and_then(|m| m.modified())
            .unwrap_or(std::time::UNIX_EPOCH);
        found.push((
            modified,
            ReceivedMail {
                subject: message.subject().unwrap_or_default().to_owned(),
                text: message
                    .body_text(0)
                    .map(|t| t.into_owned())
                    .unwrap_or_default(),
                html: message
                    .body_html(0)
                    .map(|t| t.into_owned())
                    .unwrap_or_default(),
            },
        ));
    }
    found.sort_by_key(|(when, _)| *when);
    found.into_iter().map(|(_, mail)| mail).collect()
}

/// Waits (up to 10 s) until `to` has received `count` messages, and returns them all.
pub async fn wait_for_mail(to: &str, count: usize) -> Vec<ReceivedMail> {
    for _ in 0..100 {
        let mail = mail_to(to);
        if mail.len() >= count {
            return mail;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!(
        "{to} received {} message(s), not {count}, within 10 s",
        mail_to(to).len()
    );
}

/// The newest message to `to` whose subject contains `subject`, waiting for it up to 10 s.
pub async fn wait_for_mail_about(to: &str, subject: &str) -> ReceivedMail {
    for _ in 0..100 {
        if let Some(mail) = mail_to(to)
            .into_iter()
            .rev()
            .find(|m| m.subject.contains(subject))
        {
            return mail;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no message about {subject:?} reached {to} within 10 s");
}

/// Waits, if need be, until the current minute has at least `seconds` left. The sign-in limit
/// counts in fixed windows of a minute (shared by every node), so a test that makes a few
/// attempts and expects the next one refused must not let its attempts straddle two windows, as
/// slow attempts (each checks a password) could on a busy machine.
pub async fn with_seconds_left_in_the_minute(seconds: u64) {
    let into = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        % 60;
    if 60 - into < seconds {
        tokio::time::sleep(std::time::Duration::from_secs(60 - into)).await;
    }
}
