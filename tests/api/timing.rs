//! A failed sign-in takes as long for an unknown e-mail as for a known one with the wrong
//! password, so response times do not tell which e-mails have accounts.

use std::time::{Duration, Instant};

use crate::helpers::{spawn_app_with, value_of, AppOptions, TestClient};

async fn timed_sign_in(browser: &TestClient, email: &str, password: &str) -> Duration {
    let started = Instant::now();
    let response = browser
        .call("login", &[("email", email), ("password", password)])
        .await;
    let elapsed = started.elapsed();
    assert_eq!(response.status().as_u16(), 400, "the sign-in must fail");
    elapsed
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

#[tokio::test]
async fn unknown_emails_and_wrong_passwords_take_the_same_time() {
    // A realistic hashing cost, so the work that must not be skipped dominates.
    let app = spawn_app_with(AppOptions {
        bcrypt_cost: 10,
        ..AppOptions::default()
    })
    .await;
    let form = app.client().sign_up_owner().await;
    let known = value_of(&form, "email");
    let browser = app.client();
    // Warm up connections and caches on both paths.
    timed_sign_in(&browser, "warm-up@example.com", "wrong-password-0").await;

    let (mut unknown, mut wrong) = (Vec::new(), Vec::new());
    for round in 0..20 {
        let stranger = format!("nobody-{round}@example.com");
        unknown.push(timed_sign_in(&browser, &stranger, "wrong-password-1").await);
        // After five failures the account is locked: the path stays the same (the hash is
        // still checked), which this also measures.
        wrong.push(timed_sign_in(&browser, known, "wrong-password-1").await);
    }
    let (unknown, wrong) = (median(unknown), median(wrong));
    let slower = unknown.max(wrong);
    let gap = unknown.abs_diff(wrong);
    println!("median failed sign-in: unknown e-mail {unknown:?}, wrong password {wrong:?}");
    assert!(
        slower >= Duration::from_millis(20),
        "a failed sign-in must cost a password hash: {slower:?}"
    );
    assert!(
        gap <= slower / 5,
        "unknown e-mail {unknown:?} vs wrong password {wrong:?}: more than 20% apart"
    );
}
