//! Builds the application from its settings: connections, migrations, the router with every
//! route and layer in one list. `main` and the tests both start the app through here.

use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

use anyhow::Context;
use axum::{routing::get, Router};
use leptos::{config::LeptosOptions, prelude::provide_context};
use leptos_axum::{file_and_error_handler_with_context, generate_route_list, LeptosRoutes};
use secrecy::ExposeSecret;
use sqlx::{
    postgres::{PgConnectOptions, PgPoolOptions},
    ConnectOptions, Connection, PgPool,
};
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::{
    catch_panic::CatchPanicLayer, compression::CompressionLayer, limit::RequestBodyLimitLayer,
    services::ServeDir, timeout::TimeoutLayer, trace::TraceLayer,
};
use tower_sessions::{cookie::SameSite, Expiry, SessionManagerLayer};
use tower_sessions_redis_store::{
    fred::prelude::{ClientLike, Config as RedisConfig, Pool as RedisPool, ReconnectPolicy},
    fred::types::Builder as RedisBuilder,
    RedisStore,
};

use super::{
    access::AccessVersions,
    admin_routes,
    config::{redact_url, DatabaseSettings, Settings},
    form_flash, health,
    mail::Mailer,
    one_time_codes, outbox,
    password::PasswordHasher,
    plain_pages, redis_guard, security,
    server_fn_status::correct_server_fn_error_status,
    service_api,
    session::SessionPolicy,
    session_registry::SessionRegistry,
    state::AppState,
    throttle::{self, Throttle},
    tokens::{revocation::TokenRevocation, Tokens},
};
use crate::app::{shell, App};

/// How long start-up waits for PostgreSQL or Redis before giving up with a clear message.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a request waits for a database connection or a Redis reply during an outage
/// before it gets the "temporarily unavailable" page.
const BACKEND_TIMEOUT: Duration = Duration::from_secs(2);
/// A pooled connection used this recently is known to work and goes straight to its query; one
/// idle longer is pinged first, so after a PostgreSQL restart a stale connection is replaced
/// instead of failing a request. (sqlx's default pings before every query: a round trip each.)
const PING_CONNECTIONS_IDLE_FOR: Duration = Duration::from_secs(1);
/// The longest any request may take before it is answered 503: no request can hang, whatever
/// it waits for. Generous, so a sign-in queued behind a storm of others still completes.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
pub const SESSION_COOKIE: &str = "user_service_session";

/// The session cookie's name: with `Secure`, `__Host-` prefixed, so the browser takes it only
/// from this host over HTTPS with `Path=/` (no sibling subdomain or plain-http page can plant
/// a session id: no fixation through a neighbour). `COOKIE_SECURE=false` is for plain-http
/// development on localhost only, where browsers refuse both `Secure` and the prefix.
pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-user_service_session"
    } else {
        SESSION_COOKIE
    }
}

pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let (db, redis, hasher) = tokio::try_join!(
            connect_database(&settings.database),
            connect_redis(settings.redis_url.expose_secret()),
            async {
                PasswordHasher::new(settings.bcrypt_cost)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e:?}"))
            },
        )?;
        migrate(&db).await?;
        if !settings.cookie_secure && !settings.site_addr.ip().is_loopback() {
            // Browsers send a cookie without Secure over plain http too: anyone on the network
            // path could read a session. Only a developer's own machine may do without.
            tracing::warn!(
                addr = %settings.site_addr,
                "COOKIE_SECURE=false on an address other machines can reach: session cookies \
                 would travel unencrypted; use it only for plain-http development on localhost"
            );
        }
        let listener = TcpListener::bind(settings.site_addr)
            .await
            .with_context(|| format!("cannot listen on {}", settings.site_addr))?;
        let leptos_options = LeptosOptions::builder()
            .output_name("user-service")
            .site_root(settings.site_root.clone())
            .site_pkg_dir("pkg")
            .site_addr(listener.local_addr()?)
            .build();
        if settings.tokens.keys.is_ephemeral() {
            tracing::warn!(
                "no TOKEN_SIGNING_KEY_FILE: access tokens are signed with a key made up at \
                 start-up, which the next start forgets (plain-http development only)"
            );
        }
        if settings.tokens.service_credentials.is_empty() {
            tracing::warn!(
                "no SERVICE_CREDENTIALS: token introspection and the user look-up refuse everyone"
            );
        }
        let tokens = Tokens::new(
            settings.tokens.clone(),
            settings.session,
            TokenRevocation::new(db.clone(), redis.clone()),
        );
        let state = AppState {
            leptos_options,
            tokens,
            db,
            sessions: SessionRegistry::new(redis.clone(), settings.session.absolute),
            access: AccessVersions::new(redis.clone(), settings.session.absolute),
            session_policy: SessionPolicy::new(settings.session),
            throttle: Throttle {
                settings: settings.throttle,
            },
            redis,
            hasher,
            cookie_secure: settings.cookie_secure,
            mailer: Mailer::new(&settings.mail)?,
            public_url: settings.public_url.clone(),
        };
        let router = router(state.clone(), &settings);
        Ok(Self {
            listener,
            router,
            state,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` completes, then finishes the requests in flight. The outbox
    /// worker runs meanwhile (see `server::outbox`).
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let cleaner = tokio::spawn(one_time_codes::clean_up(self.state.db.clone()));
        let worker = tokio::spawn(outbox::work(Arc::new(self.state)));
        // The peer address feeds the sign-in throttle.
        let served = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await;
        // A job cut off here is in the outbox still: another node, or this one when it starts
        // again, does it.
        worker.abort();
        cleaner.abort();
        served
    }
}

fn router(state: AppState, settings: &Settings) -> Router {
    let routes = generate_route_list(App);
    let session_layer = SessionManagerLayer::new(RedisStore::new(state.redis.clone()))
        .with_name(session_cookie_name(settings.cookie_secure))
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(settings.cookie_secure)
        // Each signed-in session sets its own end (see session.rs); this bounds any other.
        .with_expiry(Expiry::OnInactivity(time_duration(
            state.session_policy.absolute_limit(),
        )));
    let headers: Arc<[_]> = security::static_headers(settings.cookie_secure).into();
    // One shared copy for the per-request hooks: a clone is then a counter increment, not a
    // copy of every handle.
    let shared = Arc::new(state.clone());
    let (context_state, fallback_state) = (shared.clone(), shared.clone());
    // The routes as one service, which the layers below wrap whole. (A router's layers wrap
    // each of its routes, and axum's middleware clones everything beneath it on every request:
    // a route's whole stack of boxed services, copied at each layer, was a tenth of a page's
    // time. A router clones as one pointer.)
    let pages = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        // The browser bundle, compressed once by scripts/build-site.sh (`.br` and `.gz`
        // beside each file) rather than on every request; brotli where the browser takes it.
        .nest_service(
            "/pkg",
            ServeDir::new(std::path::Path::new(&settings.site_root).join("pkg"))
                .precompressed_br()
                .precompressed_gzip(),
        )
        // The JSON API for the platform's other services and apps (server::service_api).
        .merge(service_api::router())
        .route("/admin/users.csv", get(admin_routes::users_csv))
        .route(
            "/admin/users/bulk-status",
            axum::routing::post(admin_routes::bulk_status),
        )
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(context_state.clone()),
            {
                let options = state.leptos_options.clone();
                move || shell(options.clone())
            },
        )
        .fallback(file_and_error_handler_with_context::<AppState, _>(
            move || provide_context(fallback_state.clone()),
            shell,
        ))
        .with_state(state);
    // The layers as one service type, outermost first, wrapped around the routes once. (A
    // router's `layer` boxes the service at each layer, and each middleware clones everything
    // beneath it on every request: boxed, that was a fresh copy of the whole stack, allocation
    // by allocation, at every layer. Composed here, a clone is a few reference counts.)
    let stack = ServiceBuilder::new()
        // The path only: query strings carry reset and verification tokens (links in mails).
        .layer(TraceLayer::new_for_http().make_span_with(
            |request: &axum::http::Request<axum::body::Body>| {
                tracing::debug_span!("request", method = %request.method(), path = %request.uri().path())
            },
        ))
        .layer(axum::middleware::from_fn_with_state(
            headers,
            security::add_headers,
        ))
        .layer(CompressionLayer::new())
        .layer(axum::middleware::from_fn(plain_pages::explain_empty_errors))
        .layer(TimeoutLayer::with_status_code(
            http::StatusCode::SERVICE_UNAVAILABLE,
            REQUEST_TIMEOUT,
        ))
        // A panic anywhere below answers the "temporarily unavailable" page (made readable by
        // explain_empty_errors, above) instead of dropping the connection.
        .layer(CatchPanicLayer::custom(plain_pages::answer_panic))
        .layer(RequestBodyLimitLayer::new(security::MAX_BODY_BYTES))
        // Back to axum's body type (still limited) for the middleware below.
        .map_request(|request: axum::http::Request<_>| request.map(axum::body::Body::new))
        .layer(axum::middleware::from_fn(
            security::refuse_cross_site_requests,
        ))
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            throttle::throttle_auth_attempts,
        ))
        .layer(axum::middleware::from_fn(correct_server_fn_error_status))
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            form_flash::keep_form_errors_out_of_urls,
        ))
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            redis_guard::refuse_while_redis_is_down,
        ))
        .layer(axum::middleware::from_fn_with_state(
            shared,
            security::watch_request,
        ))
        .layer(session_layer)
        .service(pages);
    Router::new().fallback_service(stack)
}

fn time_duration(duration: Duration) -> time::Duration {
    time::Duration::try_from(duration).unwrap_or(time::Duration::MAX)
}

pub async fn connect_database(settings: &DatabaseSettings) -> anyhow::Result<PgPool> {
    let url = settings.url.expose_secret();
    let mut options: PgConnectOptions = url.parse().with_context(|| {
        format!(
            "DATABASE_URL {} is not a valid PostgreSQL URL",
            redact_url(url)
        )
    })?;
    if !settings.log_statements {
        options = options.disable_statement_logging();
    }
    tokio::time::timeout(
        CONNECT_TIMEOUT,
        PgPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(BACKEND_TIMEOUT)
            .test_before_acquire(false)
            .before_acquire(|connection, meta| {
                Box::pin(async move {
                    if meta.idle_for >= PING_CONNECTIONS_IDLE_FOR {
                        connection.ping().await?;
                    }
                    Ok(true)
                })
            })
            .connect_with(options),
    )
    .await
    .map_err(|_| anyhow::anyhow!("timed out after {CONNECT_TIMEOUT:?}"))
    .and_then(|r| r.map_err(anyhow::Error::from))
    .with_context(|| format!("cannot reach PostgreSQL at {}", redact_url(url)))
}

pub async fn migrate(db: &PgPool) -> anyhow::Result<()> {
    sqlx::migrate!("./migrations")
        .run(db)
        .await
        .context("cannot apply the database migrations")
}

async fn connect_redis(url: &str) -> anyhow::Result<RedisPool> {
    let mut config = RedisConfig::from_url(url)
        .with_context(|| format!("REDIS_URL {} is not a valid Redis URL", redact_url(url)))?;
    // While Redis is down, fail commands at once (the user gets the "unavailable" page)
    // instead of queueing them until it returns.
    config.fail_fast = true;
    let pool = RedisBuilder::from_config(config)
        .with_performance_config(|c| c.default_command_timeout = BACKEND_TIMEOUT)
        .with_connection_config(|c| {
            c.connection_timeout = BACKEND_TIMEOUT;
            c.internal_command_timeout = BACKEND_TIMEOUT;
        })
        // Reconnect forever, quickly at first: the app recovers by itself after a restart.
        .set_policy(ReconnectPolicy::new_exponential(0, 100, 1_000, 2))
        .build_pool(4)
        .context("cannot configure the Redis client")?;
    // `init` listens for the first connection before it starts connecting. (Starting with
    // `connect` and then `wait_for_connect` loses the race when the connection is made in
    // between, and then waits for a second one that never comes: a start-up that hung for the
    // whole timeout now and then under load.)
    tokio::time::timeout(CONNECT_TIMEOUT, pool.init())
        .await
        .map_err(|_| anyhow::anyhow!("timed out after {CONNECT_TIMEOUT:?}"))
        .and_then(|r| r.map_err(anyhow::Error::from))
        .with_context(|| format!("cannot reach Redis at {}", redact_url(url)))?;
    Ok(pool)
}

/// Completes on SIGTERM (the orchestrator stopping the pod) or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
