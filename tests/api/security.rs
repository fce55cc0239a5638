use reqwest::header;
use user_service::domain::{Role, UserStatus};

use crate::helpers::{signup_form, spawn_app, spawn_app_with, AppOptions};

#[tokio::test]
async fn a_post_from_another_site_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let form = signup_form(&[]);
    for (name, value) in [
        ("origin", "https://evil.example"),
        ("origin", "null"),
        ("sec-fetch-site", "cross-site"),
    ] {
        let response = app
            .client()
            .client
            .post(app.url("/api/signup"))
            .header(name, value)
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 403, "{name}: {value}");
        assert!(response
            .text()
            .await
            .unwrap()
            .contains("다른 사이트에서 보낸 요청"));
    }
    assert_eq!(app.count("SELECT count(*) FROM users").await, 0);
}

#[tokio::test]
async fn a_post_from_this_site_passes() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;

    let response = app
        .client()
        .client
        .post(app.url("/api/login"))
        .header(header::ORIGIN, app.url(""))
        .header("sec-fetch-site", "same-origin")
        .form(&[
            ("email", owner.email.as_str()),
            ("password", owner.password.as_str()),
        ])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status().as_u16(), 200);
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    for path in ["/login", "/healthz", "/no-such-page"] {
        let response = app.client().get_page(path).await;
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert_eq!(headers["referrer-policy"], "same-origin", "{path}");
        assert!(
            !headers.contains_key("strict-transport-security"),
            "no HSTS over plain http"
        );
    }
}

#[tokio::test]
async fn pages_get_a_content_security_policy_with_the_nonce_of_their_scripts() {
    let app = spawn_app().await;

    let response = app.client().get_page("/login").await;

    let policy = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        policy.contains("frame-ancestors 'none'") && policy.contains("'wasm-unsafe-eval'"),
        "{policy}"
    );
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap()
        .to_owned();
    let page = response.text().await.unwrap();
    assert!(
        page.contains(&format!(r#"nonce="{nonce}""#)),
        "the inline scripts carry the nonce"
    );
}

#[tokio::test]
async fn hsts_is_sent_when_cookies_are_secure() {
    let app = spawn_app_with(AppOptions {
        cookie_secure: true,
        ..AppOptions::default()
    })
    .await;

    let response = app.client().get_page("/login").await;

    assert!(response.headers()["strict-transport-security"]
        .to_str()
        .unwrap()
        .starts_with("max-age="));
}

#[tokio::test]
async fn an_oversized_body_is_refused_with_413() {
    let app = spawn_app().await;

    let response = app
        .client()
        .call(
            "login",
            &[
                ("email", "a@example.com"),
                ("password", &"x".repeat(100_000)),
            ],
        )
        .await;

    assert_eq!(response.status().as_u16(), 413);
}
