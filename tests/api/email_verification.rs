//! Verified addresses: sign-up sends a code and a link, unverified owners see a banner, and a
//! new sign-in address takes effect only once it confirms (the old one is told).

use user_service::domain::{admin::UserPage, Role, UserStatus};

use crate::helpers::{
    assert_redirect_to, error_fields, spawn_app, value_of, wait_for_mail, wait_for_mail_about,
    TestApp, TestClient,
};

const PASSWORD: &str = "tangerine-harbor-42";

/// A freshly signed-up owner's browser and e-mail.
async fn signed_up(app: &TestApp) -> (TestClient, String) {
    let browser = app.client();
    let form = browser.sign_up_owner().await;
    (browser, value_of(&form, "email").to_owned())
}

async fn verified(app: &TestApp, email: &str) -> bool {
    sqlx::query_scalar("SELECT email_verified_at IS NOT NULL FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn sign_up_sends_a_code_that_verifies_the_address_and_the_banner_goes() {
    let app = spawn_app().await;
    let (browser, email) = signed_up(&app).await;
    let mail = wait_for_mail_about(&email, "이메일 주소를 확인").await;
    let code = mail.code(6).expect("a code");
    assert!(mail.html.contains(&code), "the HTML part carries it too");
    let profile = browser.get_page("/profile").await.text().await.unwrap();
    assert!(profile.contains("이메일 인증이 필요합니다"));

    let wrong = browser
        .call(
            "email/verify",
            &[("code", if code == "000000" { "111111" } else { "000000" })],
        )
        .await;
    assert_eq!(error_fields(wrong).await[0].0, "code");
    let response = browser
        .post_form("/email/verify", "email/verify", &[("code", &code)])
        .await;

    assert_redirect_to(&response, "/profile?saved=verified");
    assert!(verified(&app, &email).await);
    let profile = browser
        .get_page("/profile?saved=verified")
        .await
        .text()
        .await
        .unwrap();
    assert!(!profile.contains("이메일 인증이 필요합니다"));
    assert!(profile.contains("이메일 인증을 마쳤습니다"));
}

#[tokio::test]
async fn the_link_opens_a_page_that_verifies_with_one_click_in_any_browser() {
    let app = spawn_app().await;
    let (_, email) = signed_up(&app).await;
    let mail = wait_for_mail_about(&email, "이메일 주소를 확인").await;
    let link = mail.link("/email/verify?token=").expect("a link");
    let token = link.split("token=").nth(1).unwrap().to_owned();
    let mail_app = app.client();

    // Opening the link (a mail scanner does too) changes nothing.
    let page = mail_app.get_page(&link).await.text().await.unwrap();
    assert!(page.contains("이메일 인증이 완료됩니다"));
    assert!(!verified(&app, &email).await);
    let response = mail_app
        .post_form(&link, "email/verify-link", &[("token", &token)])
        .await;

    assert_redirect_to(&response, "/login?notice=email-verified");
    assert!(verified(&app, &email).await);
    let again = mail_app.get_page(&link).await.text().await.unwrap();
    assert!(again.contains("이미 사용한"), "a used link says so");
}

#[tokio::test]
async fn the_verification_mail_can_be_sent_again_once_a_minute() {
    let app = spawn_app().await;
    let (browser, email) = signed_up(&app).await;
    wait_for_mail(&email, 1).await;

    let first = browser.post_form("/profile", "email/resend", &[]).await;
    let second = browser.call("email/resend", &[]).await;

    assert_redirect_to(&first, "/email/verify?sent=1");
    assert_eq!(second.status().as_u16(), 429);
    let mails = wait_for_mail(&email, 2).await;
    let (old_code, new_code) = (mails[0].code(6).unwrap(), mails[1].code(6).unwrap());
    if old_code != new_code {
        let old = browser.call("email/verify", &[("code", &old_code)]).await;
        assert!(error_fields(old).await[0].1.contains("더 최근에 보낸"));
    }
    let new = browser.call("email/verify", &[("code", &new_code)]).await;
    assert_eq!(new.status().as_u16(), 200);
}

#[tokio::test]
async fn a_new_address_takes_effect_only_when_it_confirms_and_the_old_one_is_told() {
    let app = spawn_app().await;
    let (browser, old_email) = signed_up(&app).await;
    let new_email = format!("new-{}", old_email);

    let requested = browser
        .post_form(
            "/profile",
            "profile/email",
            &[("email", &new_email), ("current_password", PASSWORD)],
        )
        .await;

    assert_redirect_to(&requested, "/profile?saved=email-pending");
    let heads_up = wait_for_mail_about(&old_email, "로그인 이메일 변경이 요청").await;
    assert!(
        heads_up.text.contains("ne***@"),
        "the old address hears of it at once"
    );
    let stored: String = sqlx::query_scalar("SELECT email FROM users WHERE email = $1")
        .bind(&old_email)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(stored, old_email, "nothing changes before the confirmation");
    let profile = browser.get_page("/profile").await.text().await.unwrap();
    assert!(profile.contains("확인 대기 중") && profile.contains(&new_email));
    let code = wait_for_mail_about(&new_email, "새 로그인 이메일")
        .await
        .code(6)
        .unwrap();

    let confirmed = browser
        .post_form("/email/verify", "email/verify", &[("code", &code)])
        .await;

    assert_redirect_to(&confirmed, "/profile?saved=email");
    assert!(verified(&app, &new_email).await);
    let told = wait_for_mail_about(&old_email, "로그인 이메일이 변경되었습니다").await;
    assert!(told.text.contains("ne***@"), "{}", told.text);
    let me: serde_json::Value = browser
        .call("current_user", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], new_email.as_str());
    let with_old = app
        .client()
        .call("login", &[("email", &old_email), ("password", PASSWORD)])
        .await;
    assert_eq!(with_old.status().as_u16(), 400);
    let with_new = app
        .client()
        .call("login", &[("email", &new_email), ("password", PASSWORD)])
        .await;
    assert_eq!(with_new.status().as_u16(), 200);
}

#[tokio::test]
async fn an_address_taken_before_the_confirmation_changes_nothing() {
    let app = spawn_app().await;
    let (browser, old_email) = signed_up(&app).await;
    let wanted = format!("wanted-{}", old_email);
    browser
        .call(
            "profile/email",
            &[("email", &wanted), ("current_password", PASSWORD)],
        )
        .await;
    let code = wait_for_mail_about(&wanted, "새 로그인 이메일")
        .await
        .code(6)
        .unwrap();
    // Someone else signs up with the address meanwhile.
    app.client().sign_up(&[("email", &wanted)]).await;

    let confirmed = browser.call("email/verify", &[("code", &code)]).await;

    assert_eq!(confirmed.status().as_u16(), 400);
    let body: serde_json::Value = confirmed.json().await.unwrap();
    assert!(body["Form"]["message"]
        .as_str()
        .unwrap()
        .contains("다른 계정이 이 이메일로 가입"));
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM users WHERE email = '{old_email}'"
        ))
        .await,
        1
    );
}

#[tokio::test]
async fn admins_can_list_the_owners_who_have_not_verified() {
    let app = spawn_app().await;
    let admin = app.create_user(Role::Admin, UserStatus::Active).await;
    let (_, unverified) = signed_up(&app).await;
    let verified_owner = app.create_user(Role::Owner, UserStatus::Active).await;
    sqlx::query("UPDATE users SET email_verified_at = now() WHERE id = $1")
        .bind(verified_owner.id)
        .execute(&app.db)
        .await
        .unwrap();
    let console = app.signed_in(&admin).await;

    let page: UserPage = console
        .call("admin/users", &[("verified", "no")])
        .await
        .json()
        .await
        .unwrap();

    let emails: Vec<&str> = page.rows.iter().map(|r| r.email.as_str()).collect();
    assert!(emails.contains(&unverified.as_str()));
    assert!(!emails.contains(&verified_owner.email.as_str()));
    let html = console
        .get_page("/admin/users?verified=no")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("미인증"));
}

#[tokio::test]
async fn a_password_reset_cancels_an_address_change_an_intruder_started() {
    let app = spawn_app().await;
    let (intruder, email) = signed_up(&app).await;
    let theirs = format!("intruder-{email}");
    intruder
        .call(
            "profile/email",
            &[("email", &theirs), ("current_password", PASSWORD)],
        )
        .await;
    let mail = wait_for_mail_about(&theirs, "새 로그인 이메일").await;
    let link = mail.link("/email/verify?token=").unwrap();
    let token = link.split("token=").nth(1).unwrap().to_owned();
    // The owner, warned, resets the password.
    app.client()
        .call("password/forgot", &[("email", &email)])
        .await;
    let code = wait_for_mail_about(&email, "비밀번호 재설정")
        .await
        .code(6)
        .unwrap();
    let reset = app
        .client()
        .call(
            "password/reset",
            &[
                ("email", email.as_str()),
                ("code", code.as_str()),
                ("new_password", "harbor-tangerine-73"),
                ("new_password_confirm", "harbor-tangerine-73"),
            ],
        )
        .await;
    assert_eq!(reset.status().as_u16(), 200);

    let confirmed = app
        .client()
        .call("email/verify-link", &[("token", &token)])
        .await;

    assert_eq!(confirmed.status().as_u16(), 400);
    let body: serde_json::Value = confirmed.json().await.unwrap();
    assert!(
        body["Form"]["message"]
            .as_str()
            .unwrap()
            .contains("그 사이 비밀번호나 이메일이 변경되어"),
        "{body}"
    );
    let stored: i64 = app
        .count(&format!(
            "SELECT count(*) FROM users WHERE email = '{email}'"
        ))
        .await;
    assert_eq!(stored, 1, "the address stayed the owner's");
}

#[tokio::test]
async fn an_admins_lock_cancels_a_pending_address_change() {
    let app = spawn_app().await;
    let admin = app.create_user(Role::Admin, UserStatus::Active).await;
    let (browser, email) = signed_up(&app).await;
    let wanted = format!("elsewhere-{email}");
    browser
        .call(
            "profile/email",
            &[("email", &wanted), ("current_password", PASSWORD)],
        )
        .await;
    let token = wait_for_mail_about(&wanted, "새 로그인 이메일")
        .await
        .link("/email/verify?token=")
        .unwrap()
        .split("token=")
        .nth(1)
        .unwrap()
        .to_owned();
    let id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(&email)
        .fetch_one(&app.db)
        .await
        .unwrap();
    app.signed_in(&admin)
        .await
        .call(
            "admin/users/status",
            &[("user_id", &id.to_string()), ("status", "LOCKED")],
        )
        .await;

    let confirmed = app
        .client()
        .call("email/verify-link", &[("token", &token)])
        .await;

    assert_eq!(confirmed.status().as_u16(), 400);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM users WHERE email = '{wanted}'"
        ))
        .await,
        0
    );
}
