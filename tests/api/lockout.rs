use user_service::{
    domain::{Role, UserStatus},
    server::config::ThrottleSettings,
};

use std::sync::Arc;

use crate::helpers::{spawn_app, spawn_app_with, AppOptions, TestApp, TestClient, TestUser};

async fn attempt(app: &TestApp, user: &TestUser, password: &str) -> u16 {
    app.client()
        .call("login", &[("email", &user.email), ("password", password)])
        .await
        .status()
        .as_u16()
}

async fn lock_state(app: &TestApp, user: &TestUser) -> (String, bool) {
    sqlx::query_as("SELECT status, locked_until IS NOT NULL FROM users WHERE id = $1")
        .bind(user.id)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn five_failures_lock_the_account_for_a_while() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;

    for _ in 0..4 {
        assert_eq!(attempt(&app, &owner, "wrong-password").await, 400);
    }
    assert_eq!(lock_state(&app, &owner).await, ("ACTIVE".to_owned(), false));
    assert_eq!(attempt(&app, &owner, "wrong-password").await, 400);

    assert_eq!(lock_state(&app, &owner).await, ("LOCKED".to_owned(), true));
    assert_eq!(
        attempt(&app, &owner, &owner.password).await,
        400,
        "even the right password"
    );
}

#[tokio::test]
async fn guesses_sent_all_at_once_are_judged_by_the_lock_the_first_ones_set_off() {
    // Cost 10 (the account's hash and the app's): each check waits its turn on the two hashing
    // threads (tens of milliseconds each), so the right password below reads the account
    // long before it is checked.
    let app = Arc::new(
        spawn_app_with(AppOptions {
            bcrypt_cost: 10,
            ..AppOptions::default()
        })
        .await,
    );
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    app.rehash_password(&owner, 10).await;
    let guess = |password: String| {
        let (app, email) = (app.clone(), owner.email.clone());
        tokio::spawn(async move {
            app.client()
                .call("login", &[("email", &email), ("password", &password)])
                .await
                .status()
                .as_u16()
        })
    };
    let wrong: Vec<_> = (0..10).map(|_| guess("wrong-password".into())).collect();
    // The first failure is counted: the burst is queued, the account not locked yet.
    app.wait_for_redis_key(&format!("sign_in_failures:{}", owner.id))
        .await;
    let right = guess(owner.password.clone());

    assert_eq!(
        right.await.unwrap(),
        400,
        "the right password, checked after five wrong ones locked the account"
    );
    for attempt in wrong {
        assert_eq!(attempt.await.unwrap(), 400);
    }
    assert_eq!(lock_state(&app, &owner).await, ("LOCKED".to_owned(), true));
}

#[tokio::test]
async fn the_lock_lifts_itself_when_its_time_is_up() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    for _ in 0..5 {
        attempt(&app, &owner, "wrong-password").await;
    }
    // Fifteen minutes later.
    sqlx::query("UPDATE users SET locked_until = now() - interval '1 second' WHERE id = $1")
        .bind(owner.id)
        .execute(&app.db)
        .await
        .unwrap();

    assert_eq!(attempt(&app, &owner, &owner.password).await, 200);
    assert_eq!(lock_state(&app, &owner).await, ("ACTIVE".to_owned(), false));
}

#[tokio::test]
async fn a_successful_sign_in_resets_the_count() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;

    for _ in 0..4 {
        attempt(&app, &owner, "wrong-password").await;
    }
    assert_eq!(attempt(&app, &owner, &owner.password).await, 200);
    for _ in 0..4 {
        attempt(&app, &owner, "wrong-password").await;
    }

    assert_eq!(lock_state(&app, &owner).await, ("ACTIVE".to_owned(), false));
}

#[tokio::test]
async fn a_lock_set_by_an_admin_stays_until_an_admin_lifts_it() {
    let app = spawn_app().await;
    let admin = app.create_user(Role::Admin, UserStatus::Active).await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let console = app.client();
    console.log_in(&admin).await;
    let id = owner.id.to_string();

    console
        .call(
            "admin/users/status",
            &[("user_id", &id), ("status", "LOCKED")],
        )
        .await;
    assert_eq!(
        lock_state(&app, &owner).await,
        ("LOCKED".to_owned(), false),
        "no end time"
    );
    assert_eq!(attempt(&app, &owner, &owner.password).await, 400);

    console
        .call(
            "admin/users/status",
            &[("user_id", &id), ("status", "ACTIVE")],
        )
        .await;
    assert_eq!(attempt(&app, &owner, &owner.password).await, 200);
}

#[tokio::test]
async fn an_admin_can_lift_an_automatic_lock_early() {
    let app = spawn_app().await;
    let admin = app.create_user(Role::Admin, UserStatus::Active).await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    for _ in 0..5 {
        attempt(&app, &owner, "wrong-password").await;
    }
    let console = app.client();
    console.log_in(&admin).await;

    console
        .call(
            "admin/users/status",
            &[("user_id", &owner.id.to_string()), ("status", "ACTIVE")],
        )
        .await;

    assert_eq!(lock_state(&app, &owner).await, ("ACTIVE".to_owned(), false));
    assert_eq!(attempt(&app, &owner, &owner.password).await, 200);
}

/// A browser that signed in as `user` once and signed out again: it holds a device cookie.
async fn known_browser(app: &TestApp, user: &TestUser) -> TestClient {
    let browser = app.signed_in(user).await;
    assert_eq!(browser.call("logout", &[]).await.status().as_u16(), 200);
    browser
}

async fn attempt_from(browser: &TestClient, user: &TestUser, password: &str) -> u16 {
    browser
        .call("login", &[("email", &user.email), ("password", password)])
        .await
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_burst_from_a_known_browser_is_judged_by_what_its_first_failures_set_off() {
    // Cost 10, as in the burst above: the guesses queue for bcrypt.
    let app = spawn_app_with(AppOptions {
        bcrypt_cost: 10,
        ..AppOptions::default()
    })
    .await;
    let owner = Arc::new(app.create_user(Role::Owner, UserStatus::Active).await);
    app.rehash_password(&owner, 10).await;
    // Someone holding the owner's device cookie guesses: five failures make the browser a
    // stranger, five more lock the account against strangers.
    let browser = Arc::new(known_browser(&app, &owner).await);
    let device: uuid::Uuid = sqlx::query_scalar("SELECT id FROM known_devices WHERE user_id = $1")
        .bind(owner.id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let guess = |password: String| {
        let (browser, owner) = (browser.clone(), owner.clone());
        tokio::spawn(async move { attempt_from(&browser, &owner, &password).await })
    };
    // Fourteen: the lock comes with the tenth, and the right one must not share the hashing
    // threads with it.
    let wrong: Vec<_> = (0..14).map(|_| guess("wrong-password".into())).collect();
    app.wait_for_redis_key(&format!("sign_in_failures:device:{device}"))
        .await;
    let right = guess(owner.password.clone());

    assert_eq!(
        right.await.unwrap(),
        400,
        "the right password, checked after fourteen wrong ones"
    );
    for attempt in wrong {
        assert_eq!(attempt.await.unwrap(), 400);
    }
    assert_eq!(lock_state(&app, &owner).await, ("LOCKED".to_owned(), true));
}

#[tokio::test]
async fn a_stranger_guessing_cannot_lock_the_owner_out_of_a_browser_they_used_before() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let owners_phone = known_browser(&app, &owner).await;

    for _ in 0..5 {
        assert_eq!(attempt(&app, &owner, "guess-1234").await, 400);
    }

    assert_eq!(lock_state(&app, &owner).await, ("LOCKED".to_owned(), true));
    assert_eq!(
        attempt(&app, &owner, &owner.password).await,
        400,
        "an unknown browser is refused even with the right password"
    );
    assert_eq!(
        attempt_from(&owners_phone, &owner, &owner.password).await,
        200
    );
}

#[tokio::test]
async fn wrong_passwords_from_a_known_browser_make_it_a_stranger_again() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let browser = known_browser(&app, &owner).await;
    for _ in 0..5 {
        attempt(&app, &owner, "guess-1234").await;
    }
    assert_eq!(app.count("SELECT count(*) FROM known_devices").await, 1);

    for _ in 0..5 {
        assert_eq!(attempt_from(&browser, &owner, "guess-1234").await, 400);
    }

    assert_eq!(app.count("SELECT count(*) FROM known_devices").await, 0);
    assert_eq!(
        attempt_from(&browser, &owner, &owner.password).await,
        400,
        "now it meets the lock like any unknown browser"
    );
}

#[tokio::test]
async fn a_device_cookie_of_another_account_is_no_key_to_this_one() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let other = app.create_user(Role::Owner, UserStatus::Active).await;
    let others_browser = known_browser(&app, &other).await;
    for _ in 0..5 {
        attempt(&app, &owner, "guess-1234").await;
    }

    assert_eq!(
        attempt_from(&others_browser, &owner, &owner.password).await,
        400
    );
}

#[tokio::test]
async fn a_stranger_can_never_lock_an_admin_account_only_their_own_address() {
    let app = spawn_app_with(AppOptions {
        throttle: ThrottleSettings {
            trust_forwarded_for: true,
            ..AppOptions::default().throttle
        },
        ..AppOptions::default()
    })
    .await;
    let admin = app.create_user(Role::Admin, UserStatus::Active).await;
    let from = |address: &'static str| {
        let browser = app.client();
        let email = admin.email.clone();
        async move |password: &str| {
            browser
                .client
                .post(browser.url("/api/login"))
                .header("x-forwarded-for", address)
                .form(&[("email", email.as_str()), ("password", password)])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let stranger = from("203.0.113.9");

    for _ in 0..20 {
        assert_eq!(stranger("guess-1234").await, 400);
    }

    assert_eq!(lock_state(&app, &admin).await, ("ACTIVE".to_owned(), false));
    assert_eq!(
        stranger(&admin.password).await,
        400,
        "the guessing address itself is locked out"
    );
    assert_eq!(from("198.51.100.4")(&admin.password).await, 200);
}

#[tokio::test]
async fn an_admins_lock_on_an_automatically_locked_account_sticks_and_is_audited() {
    let app = spawn_app().await;
    let admin = app.create_user(Role::Admin, UserStatus::Active).await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let owners_browser = known_browser(&app, &owner).await;
    for _ in 0..5 {
        attempt(&app, &owner, "guess-1234").await;
    }
    let console = app.signed_in(&admin).await;
    let table = console.get_page("/admin/users?status=LOCKED").await;
    assert!(
        table.text().await.unwrap().contains("자동 잠금 · "),
        "the table says the lock is automatic and until when"
    );

    let response = console
        .call(
            "admin/users/status",
            &[("user_id", &owner.id.to_string()), ("status", "LOCKED")],
        )
        .await;

    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(lock_state(&app, &owner).await, ("LOCKED".to_owned(), false));
    let (before, after): (String, String) =
        sqlx::query_as("SELECT before, after FROM admin_audit_log WHERE target_id = $1")
            .bind(owner.id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(
        (before.as_str(), after.as_str()),
        ("LOCKED_AUTOMATIC", "LOCKED")
    );
    assert_eq!(
        attempt_from(&owners_browser, &owner, &owner.password).await,
        400,
        "an admin's lock holds for known browsers too"
    );
    let detail = console
        .get_page(&format!("/admin/users/{}", owner.id))
        .await
        .text()
        .await
        .unwrap();
    assert!(detail.contains("관리자 잠금"));
    assert!(
        detail.contains("잠김 (자동)"),
        "the history names the automatic lock"
    );
}
