use reqwest::header;
use user_service::domain::{Role, UserStatus};

use crate::helpers::{
    assert_redirect_to, signup_form, spawn_app, spawn_app_with, AppOptions, TestSite,
};

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
async fn every_kind_of_answer_carries_the_security_headers_and_is_not_cached() {
    let site = TestSite::with_bundle(&[("user-service.css", b"body { color: black }")]);
    let app = spawn_app_with(AppOptions {
        site_root: Some(site.path()),
        ..AppOptions::default()
    })
    .await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let admin = app.create_user(Role::Admin, UserStatus::Active).await;
    let as_owner = app.signed_in(&owner).await;
    let as_admin = app.signed_in(&admin).await;
    let anonymous = app.client();
    let cross_site = anonymous
        .client
        .post(app.url("/api/login"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    let answers = vec![
        ("page", anonymous.get_page("/login").await),
        ("signed-in page", as_owner.get_page("/profile").await),
        ("404 page", anonymous.get_page("/no-such-page").await),
        ("probe", anonymous.get_page("/healthz").await),
        ("JSON", as_owner.call("profile", &[]).await),
        ("JSON error", anonymous.call("profile", &[]).await),
        ("CSV", as_admin.get_page("/admin/users.csv").await),
        ("plain 403", cross_site),
        ("file", anonymous.get_page("/pkg/user-service.css").await),
    ];
    for (what, response) in answers {
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff", "{what}");
        assert_eq!(headers["x-frame-options"], "DENY", "{what}");
        assert_eq!(headers["referrer-policy"], "same-origin", "{what}");
        let policy = headers["content-security-policy"].to_str().unwrap();
        assert!(
            policy.contains("frame-ancestors 'none'"),
            "{what}: {policy}"
        );
        assert!(
            !headers.contains_key("strict-transport-security"),
            "no HSTS over plain http"
        );
        let cache = headers.get("cache-control").map(|v| v.to_str().unwrap());
        if what == "file" {
            assert_ne!(cache, Some("no-store"), "the bundle may be cached");
        } else {
            assert_eq!(cache, Some("no-store"), "{what}");
        }
    }
}

#[tokio::test]
async fn logging_out_tells_the_browser_to_forget_the_signed_in_pages() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let browser = app.signed_in(&owner).await;

    let response = browser.post_form("/profile", "logout", &[]).await;

    assert_redirect_to(&response, "/login");
    assert_eq!(
        response.headers()["clear-site-data"],
        r#""cache", "storage""#
    );
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
