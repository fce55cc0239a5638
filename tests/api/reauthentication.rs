//! Asking for the current password again (e-mail, phone, password, withdrawal) is no free
//! guessing oracle for someone holding a stolen session.

use std::sync::Arc;

use user_service::domain::{Role, UserStatus};

use crate::helpers::{
    assert_redirect_to, error_fields, spawn_app, spawn_app_with, AppOptions, TestClient, TestUser,
};

/// An e-mail change to a fresh address, which asks for the current password.
async fn change_email_with(
    browser: &TestClient,
    user: &TestUser,
    password: &str,
) -> reqwest::Response {
    let new_email = format!("{}-{}", uuid::Uuid::new_v4().simple(), user.email);
    browser
        .call(
            "profile/email",
            &[("email", &new_email), ("current_password", password)],
        )
        .await
}

#[tokio::test]
async fn five_wrong_current_passwords_sign_the_session_out() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let browser = app.signed_in(&owner).await;
    let session = browser.session_id().unwrap();

    for _ in 0..4 {
        let wrong = change_email_with(&browser, &owner, "guess-1234").await;
        assert_eq!(error_fields(wrong).await[0].0, "current_password");
    }
    let fifth = change_email_with(&browser, &owner, "guess-1234").await;

    assert_eq!(fifth.status().as_u16(), 401);
    let body: serde_json::Value = fifth.json().await.unwrap();
    assert_eq!(body, serde_json::json!("SignedOut"));
    assert!(!app.session_exists(&session).await);
    let after: serde_json::Value = browser
        .call("current_user", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(after.is_null());
}

#[tokio::test]
async fn a_right_password_sent_with_wrong_ones_finds_the_session_they_signed_out() {
    // Cost 10: the checks queue on the hashing threads, so all of them start signed in.
    let app = spawn_app_with(AppOptions {
        bcrypt_cost: 10,
        ..AppOptions::default()
    })
    .await;
    let owner = Arc::new(app.create_user(Role::Owner, UserStatus::Active).await);
    app.rehash_password(&owner, 10).await;
    let browser = Arc::new(app.signed_in(&owner).await);
    let attempt = |password: &'static str| {
        let (browser, owner) = (browser.clone(), owner.clone());
        tokio::spawn(async move {
            change_email_with(&browser, &owner, password)
                .await
                .status()
                .as_u16()
        })
    };
    // Eight (nine tries, under the ten a minute): the fifth signs the session out, and the
    // right one must not share the hashing threads with it.
    let wrong: Vec<_> = (0..8).map(|_| attempt("guess-1234")).collect();
    // The first failure is counted: the rest are queued, the session not signed out yet.
    app.wait_for_redis_key(&format!("reauth_failures:{}", owner.id))
        .await;
    let right = attempt(Box::leak(owner.password.clone().into_boxed_str()));

    assert_eq!(
        right.await.unwrap(),
        401,
        "signed out by the fifth wrong one"
    );
    for attempt in wrong {
        assert_ne!(attempt.await.unwrap(), 200);
    }
    assert_eq!(
        app.count("SELECT count(*) FROM one_time_codes WHERE purpose = 'EMAIL_CHANGE'")
            .await,
        0,
        "no address change started"
    );
}

#[tokio::test]
async fn without_javascript_the_signed_out_owner_lands_on_sign_in_with_the_reason() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let browser = app.signed_in(&owner).await;
    let form = [
        ("current_password", "guess-1234"),
        ("new_password", "harbor-tangerine-73"),
        ("new_password_confirm", "harbor-tangerine-73"),
    ];
    for _ in 0..4 {
        browser
            .post_form("/profile/password", "profile/password", &form)
            .await;
    }

    let fifth = browser
        .post_form("/profile/password", "profile/password", &form)
        .await;

    assert_redirect_to(&fifth, "/login?notice=signed-out");
    let page = browser
        .get_page("/login?notice=signed-out")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("안전을 위해 로그아웃되었습니다"));
}

#[tokio::test]
async fn re_authentication_is_throttled_per_user() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let browser = app.signed_in(&owner).await;

    // Right passwords, so no failure limit is reached: only the rate. (New phone numbers:
    // each change asks for the password.)
    let mut statuses = Vec::new();
    for n in 0..11 {
        let response = browser
            .call(
                "profile/owner",
                &[
                    ("name", "김테스트"),
                    ("phone_number", &format!("010-5555-{n:04}")),
                    ("phone_password", &owner.password),
                ],
            )
            .await;
        statuses.push(response.status().as_u16());
    }

    assert_eq!(statuses[..10], [200; 10]);
    assert_eq!(statuses[10], 429, "the 11th within a minute waits");
}

#[tokio::test]
async fn an_automatic_lock_does_not_stop_the_owner_confirming_their_password() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let browser = app.signed_in(&owner).await;
    // A stranger's guessing locks the account against unknown browsers...
    for _ in 0..5 {
        app.client()
            .call(
                "login",
                &[("email", &owner.email), ("password", "guess-1234")],
            )
            .await;
    }

    // ...but the owner's own session goes on, password checks included.
    let response = change_email_with(&browser, &owner, &owner.password).await;

    assert_eq!(response.status().as_u16(), 200);
}

#[tokio::test]
async fn a_right_password_starts_the_failure_count_again() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let browser = app.signed_in(&owner).await;

    for _ in 0..4 {
        change_email_with(&browser, &owner, "guess-1234").await;
    }
    let right = change_email_with(&browser, &owner, &owner.password).await;
    assert_eq!(right.status().as_u16(), 200);
    let wrong = change_email_with(&browser, &owner, "guess-1234").await;

    assert_eq!(error_fields(wrong).await[0].0, "current_password");
    let after: serde_json::Value = browser
        .call("current_user", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(!after.is_null(), "still signed in");
}
