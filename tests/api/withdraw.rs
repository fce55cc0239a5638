use user_service::domain::{Role, UserStatus};

use crate::helpers::{assert_redirect_to, error_fields, spawn_app};

const PASSWORD: &str = "tangerine-harbor-42";

#[tokio::test]
async fn withdrawal_erases_personal_data_ends_sessions_and_frees_the_email() {
    let app = spawn_app().await;
    let email = "leaving@example.com";
    let phone = "010-7777-8888";
    let browser = app.client();
    browser
        .sign_up(&[("email", email), ("phone_number", phone)])
        .await;
    let other_device = app.client();
    other_device
        .call("login", &[("email", email), ("password", PASSWORD)])
        .await;

    let response = browser
        .post_form(
            "/profile/withdraw",
            "profile/withdraw",
            &[("password", PASSWORD)],
        )
        .await;

    assert_redirect_to(&response, "/login?withdrawn=1");
    let (status, stored_email, stored_phone, name): (String, String, String, String) =
        sqlx::query_as("SELECT status, email, phone_number, name FROM users")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(status, "WITHDRAWN");
    assert!(!stored_email.contains("leaving"), "{stored_email}");
    assert_ne!(stored_phone, phone);
    assert_eq!(name, "탈퇴한 회원");
    let (store, address): (String, String) = sqlx::query_as("SELECT name, address FROM stores")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(!store.contains("민수"), "{store}");
    assert_eq!(address, "-");
    for device in [&browser, &other_device] {
        assert_redirect_to(&device.get_page("/profile").await, "/login?next=/profile");
    }
    let again = app
        .client()
        .call("login", &[("email", email), ("password", PASSWORD)])
        .await;
    assert_eq!(again.status().as_u16(), 400);

    let new_account = app
        .client()
        .sign_up(&[("email", email), ("phone_number", phone)])
        .await;
    assert_eq!(
        new_account.status().as_u16(),
        200,
        "the e-mail and phone are free again"
    );
    assert_eq!(app.count("SELECT count(*) FROM users").await, 2);
}

#[tokio::test]
async fn withdrawal_needs_the_right_password() {
    let app = spawn_app().await;
    let browser = app.client();
    browser.sign_up(&[]).await;

    let response = browser
        .call("profile/withdraw", &[("password", "wrong")])
        .await;

    assert_eq!(error_fields(response).await[0].0, "password");
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE status = 'ACTIVE'")
            .await,
        1
    );
}

#[tokio::test]
async fn withdrawal_leaves_the_audit_log_without_the_owners_email() {
    let app = spawn_app().await;
    let admin = app.create_user(Role::Admin, UserStatus::Active).await;
    let email = "audited@example.com";
    let browser = app.client();
    browser.sign_up(&[("email", email)]).await;
    let owner_id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let console = app.signed_in(&admin).await;
    for status in ["INACTIVE", "ACTIVE"] {
        console
            .call(
                "admin/users/status",
                &[("user_id", &owner_id.to_string()), ("status", status)],
            )
            .await;
    }
    // Making the account inactive signed the owner out.
    let again = browser
        .call("login", &[("email", email), ("password", PASSWORD)])
        .await;
    assert_eq!(again.status().as_u16(), 200);
    assert_eq!(
        app.count(
            "SELECT count(*) FROM admin_audit_log WHERE target_email = 'audited@example.com'"
        )
        .await,
        2
    );

    let response = browser
        .call("profile/withdraw", &[("password", PASSWORD)])
        .await;

    assert_eq!(response.status().as_u16(), 200);
    let kept: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM admin_audit_log WHERE target_id = $1 AND target_email = '탈퇴한 회원'",
    )
    .bind(owner_id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(kept, 2, "the rows stay, by id");
    assert_eq!(
        app.count("SELECT count(*) FROM admin_audit_log a WHERE a::text LIKE '%audited%'")
            .await,
        0,
        "no trace of the address in any column"
    );
}
