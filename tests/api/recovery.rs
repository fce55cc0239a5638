//! Forgot password: the same answer for every address, a code and a link by real e-mail, and a
//! new password that ends every session, lifts an automatic lock and is told about.

use std::sync::Arc;

use tower_sessions_redis_store::fred::prelude::KeysInterface;
use user_service::domain::{Role, UserStatus};

use crate::helpers::{
    assert_redirect_to, error_fields, reset_with_code, spawn_app, spawn_app_with, wait_for_mail,
    wait_for_mail_about, AppOptions, TestApp, TestClient, TestUser,
};

const NEW_PASSWORD: &str = "harbor-tangerine-73";

async fn request_reset(browser: &TestClient, email: &str) -> reqwest::Response {
    browser
        .post_form("/password/forgot", "password/forgot", &[("email", email)])
        .await
}

/// The code from the newest reset mail to `user`.
async fn mailed_code(user: &TestUser) -> String {
    wait_for_mail_about(&user.email, "비밀번호 재설정")
        .await
        .code(6)
        .expect("a six-digit code in the mail")
}

async fn signs_in_with(app: &TestApp, user: &TestUser, password: &str) -> bool {
    app.client()
        .call("login", &[("email", &user.email), ("password", password)])
        .await
        .status()
        .as_u16()
        == 200
}

#[tokio::test]
async fn the_answer_is_the_same_whether_the_address_has_an_account_or_not() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let browser = app.client();

    let known = request_reset(&browser, &owner.email).await;
    // Unknown, and new to every run (the per-address counts of a run must not meet the next's).
    let nobody = format!("nobody-{}@example.com", uuid::Uuid::new_v4().simple());
    let unknown = request_reset(&browser, &nobody).await;

    assert_redirect_to(&known, "/password/reset?sent=1");
    assert_redirect_to(&unknown, "/password/reset?sent=1");
    assert_eq!(wait_for_mail(&owner.email, 1).await.len(), 1);
    let page = browser
        .get_page("/password/reset?sent=1")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("가입된 이메일이라면"));
}

#[tokio::test]
async fn the_mailed_code_sets_a_new_password_ends_every_session_and_tells_the_owner() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let elsewhere = app.signed_in(&owner).await;
    request_reset(&app.client(), &owner.email).await;
    let code = mailed_code(&owner).await;

    let response = app
        .client()
        .post_form(
            "/password/reset",
            "password/reset",
            &[
                ("email", &owner.email),
                ("code", &code),
                ("new_password", NEW_PASSWORD),
                ("new_password_confirm", NEW_PASSWORD),
            ],
        )
        .await;

    assert_redirect_to(&response, "/login?notice=password-reset");
    assert!(signs_in_with(&app, &owner, NEW_PASSWORD).await);
    assert!(!signs_in_with(&app, &owner, &owner.password).await);
    let signed_in: serde_json::Value = elsewhere
        .call("current_user", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(signed_in.is_null(), "the old session ended");
    let notice = wait_for_mail_about(&owner.email, "비밀번호가 변경되었습니다").await;
    assert!(notice.text.contains("비밀번호 재설정으로"));
    // The code worked once.
    let again = reset_with_code(&app.client(), &owner.email, &code, "another-harbor-99").await;
    assert_eq!(
        error_fields(again).await,
        vec![(
            "code".to_owned(),
            "이미 사용한 인증 코드입니다. 필요하면 새 코드를 요청해 주세요.".to_owned()
        )]
    );
}

#[tokio::test]
async fn the_link_works_in_any_browser_and_only_once() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    request_reset(&app.client(), &owner.email).await;
    let mail = wait_for_mail_about(&owner.email, "비밀번호 재설정").await;
    let link = mail.link("/password/reset?token=").expect("a reset link");
    let token = link.split("token=").nth(1).unwrap().to_owned();
    // Opened in another app's browser: no cookie, no session from the request.
    let other_browser = app.client();

    let page = other_browser.get_page(&link).await;
    assert_eq!(page.status().as_u16(), 200);
    let form = [
        ("token", token.as_str()),
        ("new_password", NEW_PASSWORD),
        ("new_password_confirm", NEW_PASSWORD),
    ];
    let first = other_browser.call("password/reset", &form).await;
    let second = other_browser.call("password/reset", &form).await;

    assert_eq!(first.status().as_u16(), 200);
    assert_eq!(second.status().as_u16(), 400);
    let body: serde_json::Value = second.json().await.unwrap();
    assert!(
        body["Form"]["message"]
            .as_str()
            .unwrap()
            .contains("이미 사용한"),
        "{body}"
    );
    assert!(signs_in_with(&app, &owner, NEW_PASSWORD).await);
}

/// What a wrong code (or an unknown address) gets on the reset form: nothing more.
const WRONG_CODE: &str = "인증 코드가 올바르지 않습니다. 받은 메일의 숫자를 다시 확인해 주세요. 10번 틀리면 그 코드는 더 이상 입력할 수 없습니다.";

#[tokio::test]
async fn ten_wrong_codes_stop_the_code_being_typed_but_not_the_link_in_the_owners_mail() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    request_reset(&app.client(), &owner.email).await;
    let mail = wait_for_mail_about(&owner.email, "비밀번호 재설정").await;
    let code = mail.code(6).unwrap();
    let link = mail.link("/password/reset?token=").unwrap();
    let token = link.split("token=").nth(1).unwrap().to_owned();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let browser = app.client();

    for _ in 0..10 {
        let guess = reset_with_code(&browser, &owner.email, wrong, NEW_PASSWORD).await;
        assert_eq!(
            error_fields(guess).await[0].1,
            WRONG_CODE,
            "a stranger learns nothing"
        );
    }
    let right_too_late = reset_with_code(&browser, &owner.email, &code, NEW_PASSWORD).await;
    assert!(error_fields(right_too_late).await[0]
        .1
        .contains("10번 잘못 입력"));
    assert!(
        signs_in_with(&app, &owner, &owner.password).await,
        "nothing changed"
    );

    // The owner's link still works: a stranger's guessing cannot lock them out of the reset.
    let by_link = app
        .client()
        .call(
            "password/reset",
            &[
                ("token", token.as_str()),
                ("new_password", NEW_PASSWORD),
                ("new_password_confirm", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(by_link.status().as_u16(), 200);
    assert!(signs_in_with(&app, &owner, NEW_PASSWORD).await);
}

#[tokio::test]
async fn wrong_codes_sent_all_at_once_get_no_more_tries_than_one_by_one() {
    let app = Arc::new(spawn_app().await);
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    request_reset(&app.client(), &owner.email).await;
    let code = mailed_code(&owner).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };

    let mut guesses = Vec::new();
    for _ in 0..25 {
        let (app, email) = (app.clone(), owner.email.clone());
        guesses.push(tokio::spawn(async move {
            let guess = reset_with_code(&app.client(), &email, wrong, NEW_PASSWORD).await;
            guess.status().as_u16()
        }));
    }
    for guess in guesses {
        assert_eq!(guess.await.unwrap(), 400);
    }
    // Each guess took a try before it was compared: ten were, the rest found the code spent.
    assert_eq!(
        app.count("SELECT max(failed_attempts)::bigint FROM one_time_codes")
            .await,
        10
    );
    let right_too_late = reset_with_code(&app.client(), &owner.email, &code, NEW_PASSWORD).await;
    assert!(error_fields(right_too_late).await[0]
        .1
        .contains("10번 잘못 입력"));
    assert!(signs_in_with(&app, &owner, &owner.password).await);
}

#[tokio::test]
async fn tries_count_only_while_a_code_exists_and_thirty_a_day_stop_typing() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let browser = app.client();
    let daily = format!("code_guesses:{}", owner.id);

    // A stranger trying codes while the account has none uses up nothing of the owner's.
    for _ in 0..40 {
        let guess = reset_with_code(&browser, &owner.email, "123456", NEW_PASSWORD).await;
        assert_eq!(error_fields(guess).await[0].1, WRONG_CODE);
    }
    assert_eq!(app.redis_ttl(&daily).await, -2, "no count kept");

    request_reset(&app.client(), &owner.email).await;
    let code = mailed_code(&owner).await;
    // As if 30 codes had been tried at this account today.
    app.redis()
        .set::<(), _, _>(&daily, 30, None, None, false)
        .await
        .unwrap();
    let right = reset_with_code(&browser, &owner.email, &code, NEW_PASSWORD).await;
    assert_eq!(error_fields(right).await[0].1, WRONG_CODE, "not compared");
    assert!(signs_in_with(&app, &owner, &owner.password).await);
    assert_eq!(
        app.count("SELECT max(failed_attempts)::bigint FROM one_time_codes")
            .await,
        0
    );
}

#[tokio::test]
async fn a_sign_in_racing_a_reset_does_not_keep_a_session_with_the_old_password() {
    // Cost 10: checking the old password takes long enough for the reset to land meanwhile.
    let app = spawn_app_with(AppOptions {
        bcrypt_cost: 10,
        ..AppOptions::default()
    })
    .await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    request_reset(&app.client(), &owner.email).await;
    let code = mailed_code(&owner).await;
    let intruder = app.client();

    let sign_in = intruder.log_in(&owner);
    let reset = async {
        tokio::time::sleep(std::time::Duration::from_millis(15)).await;
        reset_with_code(&app.client(), &owner.email, &code, NEW_PASSWORD).await
    };
    let (_, reset) = tokio::join!(sign_in, reset);

    assert_eq!(reset.status().as_u16(), 200);
    let after: serde_json::Value = intruder
        .call("current_user", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(
        after.is_null(),
        "the old password's session did not survive the reset"
    );
}

#[tokio::test]
async fn a_newer_code_replaces_the_older_and_an_expired_one_says_so() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    request_reset(&app.client(), &owner.email).await;
    let older = mailed_code(&owner).await;
    request_reset(&app.client(), &owner.email).await;
    let mails = wait_for_mail(&owner.email, 2).await;
    let newer = mails[1].code(6).unwrap();
    if older == newer {
        return; // one chance in a million: nothing to tell apart
    }

    let replaced = reset_with_code(&app.client(), &owner.email, &older, NEW_PASSWORD).await;
    assert!(error_fields(replaced).await[0]
        .1
        .contains("더 최근에 보낸 인증 코드"));
    // Thirty minutes later.
    sqlx::query("UPDATE one_time_codes SET expires_at = now() - interval '1 second'")
        .execute(&app.db)
        .await
        .unwrap();
    let expired = reset_with_code(&app.client(), &owner.email, &newer, NEW_PASSWORD).await;
    assert!(error_fields(expired).await[0]
        .1
        .contains("유효 시간이 지났습니다"));
    assert!(signs_in_with(&app, &owner, &owner.password).await);
}

/// Waits until a statement in the test's database is waiting for a row lock.
async fn until_a_statement_waits_for_a_lock(app: &TestApp) {
    for _ in 0..1_000 {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(&app.db)
        .await
        .unwrap();
        if waiting > 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("no statement came to wait for the lock");
}

#[tokio::test]
async fn a_reset_meeting_an_admins_change_waits_for_it_and_says_why() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    request_reset(&app.client(), &owner.email).await;
    let code = mailed_code(&owner).await;
    let hash_before = app.password_hash(&owner).await;

    // An admin's change is under way, holding the owner's row as `admin::apply` does; the
    // owner submits the code meanwhile.
    let mut admin_change = app.db.begin().await.unwrap();
    sqlx::query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE")
        .bind(owner.id)
        .execute(&mut *admin_change)
        .await
        .unwrap();
    let browser = app.client();
    let (reset, ()) = tokio::join!(
        reset_with_code(&browser, &owner.email, &code, NEW_PASSWORD),
        async {
            until_a_statement_waits_for_a_lock(&app).await;
            // The admin's change goes on as `admin::apply` does: the status, then the codes.
            // Had the reset used its code up before locking the owner, the two would now wait
            // for each other and PostgreSQL would abort one (a 500, or a lost admin change).
            sqlx::query("UPDATE users SET status = 'INACTIVE' WHERE id = $1")
                .bind(owner.id)
                .execute(&mut *admin_change)
                .await
                .unwrap();
            sqlx::query(
                "UPDATE one_time_codes SET voided_at = now()
                 WHERE user_id = $1 AND used_at IS NULL AND voided_at IS NULL",
            )
            .bind(owner.id)
            .execute(&mut *admin_change)
            .await
            .expect("the admin's change is not aborted");
            admin_change.commit().await.unwrap();
        }
    );

    assert_eq!(reset.status().as_u16(), 400);
    assert!(error_fields(reset).await[0]
        .1
        .contains("그 사이 비밀번호나 이메일이 변경되어"));
    assert_eq!(
        app.password_hash(&owner).await,
        hash_before,
        "the password was not reset"
    );
}

#[tokio::test]
async fn a_password_change_voids_a_reset_code_sent_before_it() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    request_reset(&app.client(), &owner.email).await;
    let code = mailed_code(&owner).await;
    let browser = app.signed_in(&owner).await;
    browser
        .call(
            "profile/password",
            &[
                ("current_password", &owner.password),
                ("new_password", NEW_PASSWORD),
                ("new_password_confirm", NEW_PASSWORD),
            ],
        )
        .await;

    let late = reset_with_code(&app.client(), &owner.email, &code, "another-harbor-99").await;

    assert!(error_fields(late).await[0]
        .1
        .contains("그 사이 비밀번호나 이메일이 변경되어"));
    assert!(
        signs_in_with(&app, &owner, NEW_PASSWORD).await,
        "the reset did not happen"
    );
}

#[tokio::test]
async fn a_reset_lifts_the_automatic_lock_a_stranger_set_off() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    for _ in 0..5 {
        app.client()
            .call(
                "login",
                &[("email", &owner.email), ("password", "guess-1234")],
            )
            .await;
    }
    let locked = wait_for_mail_about(&owner.email, "로그인 시도가 잠시 차단").await;
    assert!(locked.text.contains("자동으로 풀립니다"));
    request_reset(&app.client(), &owner.email).await;
    let code = mailed_code(&owner).await;

    let response = reset_with_code(&app.client(), &owner.email, &code, NEW_PASSWORD).await;

    assert_eq!(response.status().as_u16(), 200);
    let status: String = sqlx::query_scalar("SELECT status FROM users WHERE id = $1")
        .bind(owner.id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(status, "ACTIVE");
    assert!(signs_in_with(&app, &owner, NEW_PASSWORD).await);
}

#[tokio::test]
async fn bad_input_gets_a_message_at_each_field() {
    let app = spawn_app().await;
    let browser = app.client();

    let response = browser
        .call(
            "password/reset",
            &[
                ("email", "not-an-email"),
                ("code", "12ab"),
                ("new_password", "short"),
                ("new_password_confirm", "other"),
            ],
        )
        .await;

    let fields: Vec<String> = error_fields(response)
        .await
        .into_iter()
        .map(|f| f.0)
        .collect();
    assert_eq!(
        fields,
        ["email", "code", "new_password", "new_password_confirm"]
    );
    let unknown = reset_with_code(&browser, "nobody@example.com", "123456", NEW_PASSWORD).await;
    assert_eq!(
        error_fields(unknown).await,
        vec![("code".to_owned(), WRONG_CODE.to_owned())],
        "an unknown address looks like a wrong code"
    );
    let forged = browser
        .call(
            "password/reset",
            &[
                ("token", "forged-token"),
                ("new_password", NEW_PASSWORD),
                ("new_password_confirm", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(forged.status().as_u16(), 400);
}

#[tokio::test]
async fn reset_requests_are_throttled_per_address_to_protect_mailboxes() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let browser = app.client();

    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(
            browser
                .call("password/forgot", &[("email", &owner.email)])
                .await
                .status()
                .as_u16(),
        );
    }

    assert_eq!(statuses, [200, 200, 200, 429]);
    assert_eq!(wait_for_mail(&owner.email, 3).await.len(), 3);
}
