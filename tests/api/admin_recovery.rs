//! An admin helping an owner back in: a recovery code read out over the phone (shown once,
//! audited), and "must change password at next sign-in".

use user_service::domain::{Role, UserStatus};

use crate::helpers::{
    assert_redirect_to, form_message, location, reset_with_code, spawn_app, TestApp, TestClient,
    TestUser,
};

const NEW_PASSWORD: &str = "harbor-tangerine-73";

async fn issue_code(console: &TestClient, user: &TestUser) -> reqwest::Response {
    console
        .post_form(
            &format!("/admin/users/{}", user.id),
            "admin/users/recovery-code",
            &[("user_id", &user.id.to_string())],
        )
        .await
}

/// The code on the page the issuing redirect leads to (digits only), if the page shows one.
fn code_on(page: &str) -> Option<String> {
    let element = page.find(r#"data-testid="recovery-code""#)?;
    let start = element + page[element..].find('>')? + 1;
    let shown = &page[start..start + 9];
    Some(shown.replace('-', ""))
}

/// The owner, on the phone, types a code into the reset form.
async fn reset_with(app: &TestApp, email: &str, code: &str) -> reqwest::Response {
    reset_with_code(&app.client(), email, code, NEW_PASSWORD).await
}

/// Issues a code for `user` and reads it off the page the admin is sent to.
async fn issued_code(console: &TestClient, user: &TestUser) -> String {
    let issued = issue_code(console, user).await;
    assert_eq!(issued.status().as_u16(), 302);
    let page = console
        .get_page(&location(&issued))
        .await
        .text()
        .await
        .unwrap();
    code_on(&page).expect("the code on the admin's page")
}

async fn audit_actions(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT action FROM admin_audit_log ORDER BY created_at")
        .fetch_all(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_recovery_code_is_shown_once_to_its_admin_and_resets_the_password() {
    let app = spawn_app().await;
    let admin = app.create_user(Role::Admin, UserStatus::Active).await;
    let other_admin = app.create_user(Role::Admin, UserStatus::Active).await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let console = app.signed_in(&admin).await;

    let issued = issue_code(&console, &owner).await;

    assert_eq!(issued.status().as_u16(), 302);
    let page_url = location(&issued);
    assert!(page_url.contains("?recovery="), "{page_url}");
    // Another admin who got hold of the address sees nothing (and takes nothing away).
    let other = app.signed_in(&other_admin).await;
    let peeked = other.get_page(&page_url).await.text().await.unwrap();
    assert_eq!(code_on(&peeked), None);
    let shown = console.get_page(&page_url).await.text().await.unwrap();
    let code = code_on(&shown).expect("the code, once");
    assert_eq!(code.len(), 8);
    let reloaded = console.get_page(&page_url).await.text().await.unwrap();
    assert_eq!(code_on(&reloaded), None, "shown once");
    assert_eq!(audit_actions(&app).await, ["ISSUE_RECOVERY_CODE"]);

    // The owner, on the phone, types it in.
    let reset = reset_with(&app, &owner.email, &code).await;
    assert_eq!(reset.status().as_u16(), 200);
    let signed_in = app
        .client()
        .call(
            "login",
            &[("email", &owner.email), ("password", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(signed_in.status().as_u16(), 200);
}

#[tokio::test]
async fn a_must_change_password_owner_gets_only_the_password_form_until_it_is_changed() {
    let app = spawn_app().await;
    let admin = app.create_user(Role::Admin, UserStatus::Active).await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let console = app.signed_in(&admin).await;

    let required = console
        .call(
            "admin/users/require-password-change",
            &[("user_id", &owner.id.to_string()), ("required", "true")],
        )
        .await;
    assert_eq!(required.status().as_u16(), 200);
    assert_eq!(audit_actions(&app).await, ["REQUIRE_PASSWORD_CHANGE"]);

    let browser = app.client();
    let signed_in = browser.log_in(&owner).await;
    assert_redirect_to(&signed_in, "/profile/password?required=1");
    assert_redirect_to(
        &browser.get_page("/profile").await,
        "/profile/password?required=1",
    );
    assert_eq!(browser.call("profile", &[]).await.status().as_u16(), 403);
    let form = browser
        .get_page("/profile/password?required=1")
        .await
        .text()
        .await
        .unwrap();
    assert!(form.contains("관리자의 요청으로 새 비밀번호를 설정해야 합니다"));

    let changed = browser
        .call(
            "profile/password",
            &[
                ("current_password", &owner.password),
                ("new_password", NEW_PASSWORD),
                ("new_password_confirm", NEW_PASSWORD),
            ],
        )
        .await;

    assert_eq!(changed.status().as_u16(), 200);
    assert_eq!(browser.get_page("/profile").await.status().as_u16(), 200);
    let flag: bool = sqlx::query_scalar("SELECT must_change_password FROM users WHERE id = $1")
        .bind(owner.id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(!flag);
}

#[tokio::test]
async fn recovery_support_is_for_admins_only_and_not_for_withdrawn_accounts() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let gone = app.create_user(Role::Owner, UserStatus::Withdrawn).await;
    let admin = app.create_user(Role::Admin, UserStatus::Active).await;
    let as_owner = app.signed_in(&owner).await;
    let console = app.signed_in(&admin).await;
    let id = owner.id.to_string();

    for (endpoint, form) in [
        ("admin/users/recovery-code", vec![("user_id", id.as_str())]),
        (
            "admin/users/require-password-change",
            vec![("user_id", id.as_str()), ("required", "true")],
        ),
        (
            "admin/users/recovery-code/show",
            vec![
                ("user_id", id.as_str()),
                ("handle", "0123456789abcdef0123456789abcdef"),
            ],
        ),
    ] {
        assert_eq!(
            app.client().call(endpoint, &form).await.status().as_u16(),
            401
        );
        assert_eq!(as_owner.call(endpoint, &form).await.status().as_u16(), 403);
    }
    let withdrawn = console
        .call(
            "admin/users/recovery-code",
            &[("user_id", &gone.id.to_string())],
        )
        .await;
    assert_eq!(withdrawn.status().as_u16(), 400);
    // One admin may not take over another's account with a code (the command line recovers
    // admins).
    let other_admin = app.create_user(Role::Admin, UserStatus::Active).await;
    let admin_target = console
        .call(
            "admin/users/recovery-code",
            &[("user_id", &other_admin.id.to_string())],
        )
        .await;
    assert_eq!(admin_target.status().as_u16(), 400);
    assert_eq!(app.count("SELECT count(*) FROM one_time_codes").await, 0);
}

#[tokio::test]
async fn guesses_at_a_mailed_code_do_not_use_up_a_recovery_code() {
    let app = spawn_app().await;
    let admin = app.create_user(Role::Admin, UserStatus::Active).await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let console = app.signed_in(&admin).await;
    let code = issued_code(&console, &owner).await;

    // A stranger who knows the address sends more six-digit guesses than a code survives.
    for guess in 0..12 {
        let refused = reset_with(&app, &owner.email, &format!("{guess:06}")).await;
        assert_eq!(refused.status().as_u16(), 400, "guess {guess}");
    }

    // The eight-digit code the admin read out still works: only its own length is charged.
    assert_eq!(
        reset_with(&app, &owner.email, &code)
            .await
            .status()
            .as_u16(),
        200
    );
}

#[tokio::test]
async fn no_recovery_code_for_an_owner_who_may_not_sign_in() {
    let app = spawn_app().await;
    let admin = app.create_user(Role::Admin, UserStatus::Active).await;
    let inactive = app.create_user(Role::Owner, UserStatus::Inactive).await;
    let locked = app.create_user(Role::Owner, UserStatus::Locked).await;
    let console = app.signed_in(&admin).await;
    let refusal = "비활성이거나 관리자가 잠근 계정에는 복구 코드를 발급할 수 없습니다. 먼저 상태를 활성으로 바꾼 뒤 발급해 주세요.";

    for owner in [&inactive, &locked] {
        // The page says why instead of offering the button...
        let page = console
            .get_page(&format!("/admin/users/{}", owner.id))
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains(refusal), "{}", owner.email);
        assert!(!page.contains("복구 코드 발급"), "{}", owner.email);
        // ...and the server refuses a form posted anyway.
        let issued = console
            .call(
                "admin/users/recovery-code",
                &[("user_id", &owner.id.to_string())],
            )
            .await;
        assert_eq!(issued.status().as_u16(), 400);
        assert_eq!(form_message(issued).await, refusal);
    }
    assert_eq!(app.count("SELECT count(*) FROM one_time_codes").await, 0);
    assert!(audit_actions(&app).await.is_empty());

    // Once the admin gives access back, a code can be issued and works.
    sqlx::query("UPDATE users SET status = 'ACTIVE' WHERE id = $1")
        .bind(inactive.id)
        .execute(&app.db)
        .await
        .unwrap();
    let code = issued_code(&console, &inactive).await;
    assert_eq!(
        reset_with(&app, &inactive.email, &code)
            .await
            .status()
            .as_u16(),
        200
    );
}
