use reqwest::header;
use user_service::server::config::ThrottleSettings;

use crate::helpers::{
    signup_form, spawn_app_with, with_seconds_left_in_the_minute, AppOptions, TestApp,
};

/// Low limits, and the client address read from X-Forwarded-For, so each test counts on an
/// address of its own (every test app shares Redis and 127.0.0.1).
fn strict() -> AppOptions {
    AppOptions {
        throttle: ThrottleSettings {
            sign_in_per_minute: 3,
            sign_up_per_hour: 2,
            recovery_per_hour: 2,
            trust_forwarded_for: true,
        },
        ..AppOptions::default()
    }
}

fn fresh_address() -> String {
    let id = uuid::Uuid::new_v4();
    let b = id.as_bytes();
    format!("2001:db8:{:x}{:02x}:{:x}{:02x}::1", b[0], b[1], b[2], b[3])
}

async fn post(
    app: &TestApp,
    address: &str,
    endpoint: &str,
    form: &[(&str, String)],
    accept: &str,
) -> reqwest::Response {
    app.client()
        .client
        .post(app.url(&format!("/api/{endpoint}")))
        .header("x-forwarded-for", address)
        .header(header::ACCEPT, accept)
        .header(header::REFERER, app.url("/login"))
        .form(form)
        .send()
        .await
        .unwrap()
}

fn wrong_sign_in() -> Vec<(&'static str, String)> {
    vec![("email", "a@example.com".into()), ("password", "x".into())]
}

#[tokio::test]
async fn sign_in_attempts_past_the_limit_get_429_with_a_korean_message() {
    let app = spawn_app_with(strict()).await;
    let address = fresh_address();
    with_seconds_left_in_the_minute(20).await;
    for _ in 0..3 {
        let response = post(
            &app,
            &address,
            "login",
            &wrong_sign_in(),
            "application/json",
        )
        .await;
        assert_eq!(response.status().as_u16(), 400);
    }

    let json = post(
        &app,
        &address,
        "login",
        &wrong_sign_in(),
        "application/json",
    )
    .await;
    assert_eq!(json.status().as_u16(), 429);
    assert!(json.headers().contains_key("retry-after"));
    assert_eq!(
        json.json::<serde_json::Value>().await.unwrap(),
        serde_json::json!("TooManyRequests")
    );

    let page = post(&app, &address, "login", &wrong_sign_in(), "text/html").await;
    assert_eq!(page.status().as_u16(), 429);
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("잠시 후 다시 시도해 주세요"));

    let other = post(
        &app,
        &fresh_address(),
        "login",
        &wrong_sign_in(),
        "application/json",
    )
    .await;
    assert_eq!(
        other.status().as_u16(),
        400,
        "another address has its own count"
    );
}

#[tokio::test]
async fn sign_ups_past_the_limit_get_429_and_create_nothing() {
    let app = spawn_app_with(strict()).await;
    let address = fresh_address();
    for _ in 0..2 {
        let response = post(
            &app,
            &address,
            "signup",
            &signup_form(&[]),
            "application/json",
        )
        .await;
        assert_eq!(response.status().as_u16(), 200);
    }

    let response = post(
        &app,
        &address,
        "signup",
        &signup_form(&[]),
        "application/json",
    )
    .await;

    assert_eq!(response.status().as_u16(), 429);
    assert_eq!(app.count("SELECT count(*) FROM users").await, 2);
}

#[tokio::test]
async fn password_reset_requests_and_attempts_are_limited_per_address() {
    let app = spawn_app_with(strict()).await;
    let address = fresh_address();
    let forgot = |n: usize| vec![("email", format!("someone-{n}@example.com"))];
    for n in 0..2 {
        let response = post(
            &app,
            &address,
            "password/forgot",
            &forgot(n),
            "application/json",
        )
        .await;
        assert_eq!(response.status().as_u16(), 200);
    }
    let third = post(
        &app,
        &address,
        "password/forgot",
        &forgot(2),
        "application/json",
    )
    .await;
    assert_eq!(third.status().as_u16(), 429);

    let guess = vec![
        ("email", "someone-0@example.com".to_owned()),
        ("code", "123456".to_owned()),
        ("new_password", "harbor-tangerine-73".to_owned()),
        ("new_password_confirm", "harbor-tangerine-73".to_owned()),
    ];
    for _ in 0..2 {
        let response = post(&app, &address, "password/reset", &guess, "application/json").await;
        assert_eq!(response.status().as_u16(), 400);
    }
    let guessing_on = post(&app, &address, "password/reset", &guess, "application/json").await;
    assert_eq!(guessing_on.status().as_u16(), 429);
}
