use user_service::domain::{Role, UserStatus};

use crate::helpers::{
    assert_redirect_to, location, spawn_app, spawn_app_with, AppOptions, TestClient, TestUser,
};

const GENERIC_FAILURE: &str =
    "이메일 또는 비밀번호가 올바르지 않습니다. 여러 번 잘못 입력하면 계정이 15분 동안 잠깁니다.";

#[tokio::test]
async fn an_owner_signs_in_and_lands_on_the_profile() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let browser = app.client();

    let response = browser.log_in(&owner).await;

    assert_redirect_to(&response, "/profile");
    let page = browser.get_page("/profile").await;
    assert_eq!(page.status().as_u16(), 200);
    assert!(page.text().await.unwrap().contains(&owner.email));
}

#[tokio::test]
async fn an_admin_signs_in_and_lands_on_the_user_table() {
    let app = spawn_app().await;
    let admin = app.create_user(Role::Admin, UserStatus::Active).await;
    let browser = app.client();

    assert_redirect_to(&browser.log_in(&admin).await, "/admin/users");
    assert_eq!(
        browser.get_page("/admin/users").await.status().as_u16(),
        200
    );
}

#[tokio::test]
async fn signing_in_records_last_login_at() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let before: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("SELECT last_login_at FROM users WHERE id = $1")
            .bind(owner.id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(before.is_none());

    app.client().log_in(&owner).await;

    let after: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("SELECT last_login_at FROM users WHERE id = $1")
            .bind(owner.id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(after.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_raised_bcrypt_cost_renews_each_hash_at_its_next_sign_in() {
    // Accounts are made at cost 4; this app hashes at 6, as after BCRYPT_COST was raised.
    let app = spawn_app_with(AppOptions {
        bcrypt_cost: 6,
        ..AppOptions::default()
    })
    .await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    assert!(app.password_hash(&owner).await.starts_with("$2b$04$"));

    // Two browsers sign in at once: both get in, whichever of them renewed the hash.
    let (first, second) = (app.client(), app.client());
    let (a, b) = tokio::join!(first.log_in(&owner), second.log_in(&owner));
    assert_redirect_to(&a, "/profile");
    assert_redirect_to(&b, "/profile");
    for browser in [&first, &second] {
        assert_eq!(browser.get_page("/profile").await.status().as_u16(), 200);
    }
    let renewed = app.password_hash(&owner).await;
    assert!(renewed.starts_with("$2b$06$"), "{renewed}");

    // Once is enough: the next sign-in keeps it, and the password is the same as ever.
    assert_redirect_to(&app.client().log_in(&owner).await, "/profile");
    assert_eq!(app.password_hash(&owner).await, renewed);
}

#[tokio::test]
async fn the_email_is_matched_regardless_of_case_and_spaces() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let shouted = format!("  {}  ", owner.email.to_uppercase());

    let response = app
        .client()
        .call(
            "login",
            &[("email", &shouted), ("password", &owner.password)],
        )
        .await;

    assert_eq!(response.status().as_u16(), 200);
}

#[tokio::test]
async fn every_failed_sign_in_gets_the_same_answer_and_no_session() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let mut cases = vec![
        ("nobody@example.com".to_owned(), owner.password.clone()),
        (owner.email.clone(), "wrong-password".to_owned()),
    ];
    for status in [
        UserStatus::Inactive,
        UserStatus::Locked,
        UserStatus::Withdrawn,
    ] {
        let user = app.create_user(Role::Owner, status).await;
        cases.push((user.email, user.password));
    }

    for (email, password) in cases {
        let browser = app.client();
        let response = browser
            .call("login", &[("email", &email), ("password", &password)])
            .await;
        assert_eq!(response.status().as_u16(), 400, "{email}");
        assert!(response.headers().get("set-cookie").is_none(), "{email}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["Form"]["message"], GENERIC_FAILURE, "{email}");
        assert_eq!(body["Form"]["fields"], serde_json::json!([]), "{email}");
        assert_eq!(browser.get_page("/profile").await.status().as_u16(), 302);
    }
}

#[tokio::test]
async fn a_failed_form_post_without_javascript_returns_to_the_form_with_the_error() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let browser = app.client();

    let response = browser
        .post_form(
            "/login?next=/profile",
            "login",
            &[
                ("email", &owner.email),
                ("password", "wrong-password"),
                ("next", "/profile"),
            ],
        )
        .await;

    assert_eq!(response.status().as_u16(), 302);
    let back = location(&response);
    assert!(back.contains("/login?next=/profile"), "{back}");
    assert!(back.contains("__flash="), "{back}");
    assert!(!back.contains("__err="), "{back}");
    let page = browser
        .get_page(back.trim_start_matches(&app.url("")))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(GENERIC_FAILURE));
    assert!(page.contains(r#"role="alert""#));
    assert!(
        page.contains(&format!(r#"value="{}""#, owner.email)),
        "the e-mail is kept"
    );
}

#[tokio::test]
async fn missing_fields_are_marked_one_by_one() {
    let app = spawn_app().await;

    let response = app
        .client()
        .call("login", &[("email", "not-an-email")])
        .await;

    assert_eq!(response.status().as_u16(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    let fields = body["Form"]["fields"].as_array().unwrap();
    assert!(fields.iter().any(|f| f[0] == "email"));
    assert!(fields.iter().any(|f| f[0] == "password"));
}

#[tokio::test]
async fn malformed_requests_are_refused_with_400_not_500() {
    let app = spawn_app().await;
    let browser = app.client();
    let bodies: [&[(&str, &str)]; 3] = [
        &[
            ("email", "a@example.com"),
            ("email", "b@example.com"),
            ("password", "x"),
        ],
        &[("email", "a\0@example.com"), ("password", "x\0y")],
        &[("password", &"x".repeat(50_000))],
    ];
    for body in bodies {
        let response = browser.call("login", body).await;
        assert_eq!(response.status().as_u16(), 400, "{body:?}");
    }
}

/// The sign-in form posted without JavaScript from `browser`, with `next`.
async fn sign_in_then(browser: &TestClient, user: &TestUser, next: &str) -> reqwest::Response {
    browser
        .post_form(
            "/login",
            "login",
            &[
                ("email", &user.email),
                ("password", &user.password),
                ("next", next),
            ],
        )
        .await
}

#[tokio::test]
async fn a_local_next_path_is_followed() {
    let app = spawn_app().await;
    let admin = app.create_user(Role::Admin, UserStatus::Active).await;

    let response = sign_in_then(&app.client(), &admin, "/profile?tab=store").await;

    assert_redirect_to(&response, "/profile?tab=store");
}

#[tokio::test]
async fn a_next_parameter_that_leaves_the_site_is_ignored() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    for next in [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
    ] {
        let response = sign_in_then(&app.client(), &owner, next).await;
        assert_redirect_to(&response, "/profile");
    }
}

#[tokio::test]
async fn a_next_parameter_dressed_as_a_form_error_cannot_spoil_the_sign_in() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    for next in [
        "/profile?__err=1",
        "/profile?__path=%2Fapi%2Flogin&__err=e30%3D",
        "/profile?%5F%5Fflash=0123456789abcdef0123456789abcdef",
    ] {
        let browser = app.client();
        let response = sign_in_then(&browser, &owner, next).await;
        assert_redirect_to(&response, "/profile");
        assert_eq!(
            browser.get_page("/profile").await.status().as_u16(),
            200,
            "{next}"
        );
    }
}

#[tokio::test]
async fn signing_in_replaces_the_session_id() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let browser = app.client();
    // An id planted by an attacker before sign-in (session fixation).
    browser.set_session_cookie("plantedplantedplanted0");
    browser.log_in(&owner).await;
    let first = browser.session_id().unwrap();
    assert_ne!(first, "plantedplantedplanted0");

    browser.log_in(&owner).await;
    let second = browser.session_id().unwrap();

    assert_ne!(first, second);
    assert!(
        !app.session_exists(&first).await,
        "the old id is gone from Redis"
    );
    assert!(app.session_exists(&second).await);
}

#[tokio::test]
async fn the_cookies_are_host_prefixed_http_only_same_site_and_secure_when_configured() {
    let app = spawn_app_with(AppOptions {
        cookie_secure: true,
        ..AppOptions::default()
    })
    .await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;

    let response = app
        .client()
        .call(
            "login",
            &[("email", &owner.email), ("password", &owner.password)],
        )
        .await;

    let cookies: Vec<&str> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    // With Secure, both cookies carry the __Host- prefix: the browser takes them only from
    // this host over HTTPS, with Path=/ and no Domain, so no neighbour can plant them.
    for name in [
        "__Host-user_service_session=",
        "__Host-user_service_device=",
    ] {
        let cookie = cookies
            .iter()
            .find(|c| c.starts_with(name))
            .unwrap_or_else(|| panic!("{name} in {cookies:?}"));
        for flag in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
            assert!(cookie.contains(flag), "{flag} in {cookie}");
        }
        assert!(!cookie.contains("Domain"), "{cookie}");
    }
}

#[tokio::test]
async fn without_cookie_secure_the_cookie_works_over_plain_http() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;

    let response = app
        .client()
        .call(
            "login",
            &[("email", &owner.email), ("password", &owner.password)],
        )
        .await;

    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(!cookie.contains("Secure"), "{cookie}");
}
