//! Token throughput on one core: signing access tokens, verifying them offline (signature and
//! claims, as `platform_auth::verify_token` does), and verifying them the way another service
//! does with `platform_auth::Verifier` (JWKS cached, one Redis round trip per token for the
//! revocation list, many in flight on one thread).
//!
//!   cargo run --release --features ssr --example bench_tokens
//!
//! `REDIS_URL` (default redis://127.0.0.1:6379) for the last figure; `BENCH_SECONDS` per
//! figure (default 3). Prints one line per figure.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use platform_auth::{verify_token, AccessClaims, Expectations, Verifier, VerifierConfig};
use tower_sessions_redis_store::fred::prelude::{
    Builder, ClientLike, Config as RedisConfig, Pool as RedisPool,
};
use user_service::server::{
    config::{DEFAULT_TOKEN_AUDIENCE, DEFAULT_TOKEN_ISSUER},
    tokens::keys::SigningKeys,
};
use uuid::Uuid;

fn claims() -> AccessClaims {
    let now = chrono::Utc::now().timestamp();
    AccessClaims {
        sub: Uuid::new_v4(),
        role: platform_auth::Role::Owner,
        email: "bench-owner@example.com".into(),
        sid: Uuid::new_v4(),
        jti: Uuid::new_v4(),
        iat: now,
        exp: now + 600,
        iss: DEFAULT_TOKEN_ISSUER.into(),
        aud: DEFAULT_TOKEN_AUDIENCE.into(),
    }
}

/// Runs `work` on this thread for `seconds`; operations per second and the median time of one.
fn measure(seconds: Duration, mut work: impl FnMut()) -> (f64, Duration) {
    for _ in 0..1_000 {
        work();
    }
    let mut samples = Vec::new();
    let started = Instant::now();
    let mut done: u64 = 0;
    while started.elapsed() < seconds {
        let batch = Instant::now();
        for _ in 0..100 {
            work();
        }
        samples.push(batch.elapsed() / 100);
        done += 100;
    }
    samples.sort();
    let rate = done as f64 / started.elapsed().as_secs_f64();
    (rate, samples[samples.len() / 2])
}

fn report(what: &str, rate: f64, median: Duration) {
    println!(
        "{what:<58} {:>9.0}/s   {:>6.1} µs each",
        rate,
        median.as_secs_f64() * 1e6
    );
}

fn main() -> anyhow::Result<()> {
    let seconds = Duration::from_secs(
        std::env::var("BENCH_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(3),
    );
    let keys = SigningKeys::ephemeral();
    let expected = Expectations {
        issuer: DEFAULT_TOKEN_ISSUER.into(),
        audience: DEFAULT_TOKEN_AUDIENCE.into(),
    };
    let claims = claims();
    let token = keys.sign(&claims)?;
    println!("one core each; an access token is {} bytes\n", token.len());

    let (rate, median) = measure(seconds, || {
        std::hint::black_box(keys.sign(std::hint::black_box(&claims)).ok());
    });
    report("issue: sign an access token (Ed25519)", rate, median);

    let (rate, median) = measure(seconds, || {
        let verified = verify_token(std::hint::black_box(&token), keys.verifying(), &expected);
        assert!(verified.is_ok());
    });
    report("verify: signature and claims (no I/O)", rate, median);

    // As another service verifies: one thread, the JWKS served over HTTP and cached, Redis
    // asked about every token.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let redis_url =
            std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
        let redis = match connect(&redis_url).await {
            Ok(redis) => redis,
            Err(error) => {
                println!(
                    "verify with the revocation list: skipped, no Redis at {redis_url} ({error})"
                );
                return Ok(());
            }
        };
        let jwks = Arc::new(keys.jwks().clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/jwks.json", listener.local_addr()?);
        let app = axum::Router::new().route(
            "/jwks.json",
            axum::routing::get(move || {
                let jwks = jwks.clone();
                async move { axum::Json((*jwks).clone()) }
            }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
        let verifier = Arc::new(Verifier::new(
            VerifierConfig::new(&url, DEFAULT_TOKEN_ISSUER, DEFAULT_TOKEN_AUDIENCE),
            redis,
        )?);
        verifier.verify(&token).await?;
        let in_flight = 64;
        let started = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..in_flight {
            let (verifier, token) = (verifier.clone(), token.clone());
            tasks.push(tokio::spawn(async move {
                let mut done = 0u64;
                while started.elapsed() < seconds {
                    if verifier.verify(&token).await.is_ok() {
                        done += 1;
                    }
                }
                done
            }));
        }
        let mut done = 0;
        for task in tasks {
            done += task.await?;
        }
        let rate = done as f64 / started.elapsed().as_secs_f64();
        println!(
            "{:<58} {:>9.0}/s   ({in_flight} in flight)",
            "verify as a service does: + revocation list (Redis MGET)", rate
        );
        anyhow::Ok(())
    })
}

async fn connect(url: &str) -> anyhow::Result<RedisPool> {
    let pool = Builder::from_config(RedisConfig::from_url(url)?).build_pool(1)?;
    tokio::time::timeout(Duration::from_secs(2), pool.init()).await??;
    Ok(pool)
}
