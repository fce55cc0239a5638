use user_service::domain::{Role, UserStatus};

use crate::helpers::{spawn_app, TestApp, TestUser};

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
