use user_service::domain::{Role, UserStatus};

use crate::helpers::{assert_redirect_to, error_fields, spawn_app, TestApp, TestClient};

async fn signed_up_owner(app: &TestApp) -> (TestClient, String) {
    let browser = app.client();
    let email = format!("owner-{}@example.com", uuid::Uuid::new_v4().simple());
    assert_eq!(
        browser
            .sign_up(&[("email", &email)])
            .await
            .status()
            .as_u16(),
        200
    );
    (browser, email)
}

#[tokio::test]
async fn the_profile_shows_the_owner_and_the_store() {
    let app = spawn_app().await;
    let (browser, email) = signed_up_owner(&app).await;

    let page = browser.get_page("/profile").await.text().await.unwrap();

    for expected in [
        email.as_str(),
        "김민수",
        "민수네 분식",
        "음식점",
        "서울특별시 마포구 월드컵로 1",
        "가입일",
        "최근 로그인",
    ] {
        assert!(page.contains(expected), "{expected}");
    }
}

#[tokio::test]
async fn an_owner_edits_name_and_phone() {
    let app = spawn_app().await;
    let (browser, email) = signed_up_owner(&app).await;
    let before: chrono::DateTime<chrono::Utc> = sqlx::query_scalar("SELECT updated_at FROM users")
        .fetch_one(&app.db)
        .await
        .unwrap();

    let response = browser
        .post_form(
            "/profile",
            "profile/owner",
            &[
                ("name", " 이영희 "),
                ("phone_number", "01055556666"),
                ("phone_password", SIGNUP_PASSWORD),
            ],
        )
        .await;

    assert_redirect_to(&response, "/profile?saved=owner");
    let (name, phone, after): (String, String, chrono::DateTime<chrono::Utc>) =
        sqlx::query_as("SELECT name, phone_number, updated_at FROM users WHERE email = $1")
            .bind(&email)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!((name.as_str(), phone.as_str()), ("이영희", "010-5555-6666"));
    assert!(after > before, "updated_at moves");
    let page = browser
        .get_page("/profile?saved=owner")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("대표자 정보를 저장했습니다."));
}

/// The password `TestClient::sign_up` signs up with.
const SIGNUP_PASSWORD: &str = "tangerine-harbor-42";

#[tokio::test]
async fn a_new_phone_number_needs_the_current_password_and_a_name_alone_does_not() {
    let app = spawn_app().await;
    let (browser, email) = signed_up_owner(&app).await;
    let stored = |app: &TestApp| {
        let email = email.clone();
        let db = app.db.clone();
        async move {
            sqlx::query_as::<_, (String, String)>(
                "SELECT name, phone_number FROM users WHERE email = $1",
            )
            .bind(email)
            .fetch_one(&db)
            .await
            .unwrap()
        }
    };
    let (_, phone) = stored(&app).await;

    let without = browser
        .call(
            "profile/owner",
            &[("name", "김민수"), ("phone_number", "010-7777-8888")],
        )
        .await;
    let wrong = browser
        .call(
            "profile/owner",
            &[
                ("name", "김민수"),
                ("phone_number", "010-7777-8888"),
                ("phone_password", "not-my-password-1"),
            ],
        )
        .await;
    let rename_only = browser
        .call(
            "profile/owner",
            &[("name", "김민철"), ("phone_number", &phone)],
        )
        .await;

    assert_eq!(
        error_fields(without).await,
        vec![(
            "phone_password".to_owned(),
            "비밀번호를 입력해 주세요.".to_owned()
        )]
    );
    assert_eq!(
        error_fields(wrong).await,
        vec![(
            "phone_password".to_owned(),
            "비밀번호가 올바르지 않습니다.".to_owned()
        )]
    );
    assert_eq!(rename_only.status().as_u16(), 200);
    assert_eq!(stored(&app).await, ("김민철".to_owned(), phone));
}

#[tokio::test]
async fn a_wrong_or_taken_phone_number_is_refused_at_the_field() {
    let app = spawn_app().await;
    let (browser, _) = signed_up_owner(&app).await;
    let other = app.create_user(Role::Owner, UserStatus::Active).await;
    let taken: String = sqlx::query_scalar("SELECT phone_number FROM users WHERE id = $1")
        .bind(other.id)
        .fetch_one(&app.db)
        .await
        .unwrap();

    let wrong = browser
        .call(
            "profile/owner",
            &[("name", "이영희"), ("phone_number", "123")],
        )
        .await;
    let duplicate = browser
        .call(
            "profile/owner",
            &[
                ("name", "이영희"),
                ("phone_number", &taken),
                ("phone_password", SIGNUP_PASSWORD),
            ],
        )
        .await;

    assert_eq!(error_fields(wrong).await[0].0, "phone_number");
    assert_eq!(
        error_fields(duplicate).await,
        vec![(
            "phone_number".to_owned(),
            "이미 등록된 휴대폰 번호입니다.".to_owned()
        )]
    );
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE name = '이영희'")
            .await,
        0
    );
}

#[tokio::test]
async fn an_owner_edits_the_store() {
    let app = spawn_app().await;
    let (browser, _) = signed_up_owner(&app).await;
    let store_form = [
        ("store_name", "영희네 카페"),
        ("industry", "반려동물 카페"),
        ("address", "부산광역시 해운대구 1"),
        ("business_hours", "평일 09:00-18:00\r\n주말 휴무"),
    ];

    let response = browser
        .post_form("/profile", "profile/store", &store_form)
        .await;

    assert_redirect_to(&response, "/profile?saved=store");
    let (name, industry, hours): (String, String, Option<String>) =
        sqlx::query_as("SELECT name, industry, business_hours FROM stores")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(name, "영희네 카페");
    assert_eq!(
        industry, "반려동물 카페",
        "free text beside the common choices"
    );
    assert_eq!(hours.as_deref(), Some("평일 09:00-18:00\n주말 휴무"));
}

#[tokio::test]
async fn an_admin_without_a_store_gets_a_clear_message() {
    let app = spawn_app().await;
    let admin = app.create_user(Role::Admin, UserStatus::Active).await;
    let browser = app.client();
    browser.log_in(&admin).await;

    let response = browser
        .call(
            "profile/store",
            &[
                ("store_name", "가게"),
                ("industry", "카페"),
                ("address", "서울"),
            ],
        )
        .await;

    assert_eq!(response.status().as_u16(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        body["Form"]["message"],
        "이 계정에는 등록된 매장이 없습니다."
    );
}

#[tokio::test]
async fn changing_the_email_needs_the_password_and_waits_for_the_new_address() {
    let app = spawn_app().await;
    let (browser, old_email) = signed_up_owner(&app).await;
    let new_email = format!("New-{old_email}");

    let wrong = browser
        .call(
            "profile/email",
            &[("email", &new_email), ("current_password", "not-it")],
        )
        .await;
    assert_eq!(
        error_fields(wrong).await,
        vec![(
            "current_password".to_owned(),
            "비밀번호가 올바르지 않습니다.".to_owned()
        )]
    );

    let response = browser
        .post_form(
            "/profile",
            "profile/email",
            &[
                ("email", &new_email),
                ("current_password", "tangerine-harbor-42"),
            ],
        )
        .await;
    assert_redirect_to(&response, "/profile?saved=email-pending");

    let page = browser
        .get_page("/profile?saved=email-pending")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&new_email.to_lowercase()) && page.contains("확인 대기 중"),
        "the profile shows the address waiting for its confirmation"
    );
    let old = app
        .client()
        .call(
            "login",
            &[("email", &old_email), ("password", "tangerine-harbor-42")],
        )
        .await;
    assert_eq!(
        old.status().as_u16(),
        200,
        "the old address signs in until then"
    );
    let same = browser
        .call(
            "profile/email",
            &[
                ("email", &old_email),
                ("current_password", "tangerine-harbor-42"),
            ],
        )
        .await;
    assert_eq!(error_fields(same).await[0].0, "email");
}

#[tokio::test]
async fn an_email_taken_by_another_account_is_refused() {
    let app = spawn_app().await;
    let (browser, _) = signed_up_owner(&app).await;
    let other = app.create_user(Role::Owner, UserStatus::Active).await;

    let response = browser
        .call(
            "profile/email",
            &[
                ("email", &other.email),
                ("current_password", "tangerine-harbor-42"),
            ],
        )
        .await;

    assert_eq!(error_fields(response).await[0].0, "email");
}

#[tokio::test]
async fn every_profile_function_refuses_anonymous_callers() {
    let app = spawn_app().await;
    let anonymous = app.client();
    let calls: [(&str, &[(&str, &str)]); 6] = [
        ("profile", &[]),
        (
            "profile/owner",
            &[("name", "x"), ("phone_number", "01012345678")],
        ),
        (
            "profile/email",
            &[("email", "x@example.com"), ("current_password", "x")],
        ),
        (
            "profile/store",
            &[("store_name", "x"), ("industry", "x"), ("address", "x")],
        ),
        (
            "profile/password",
            &[
                ("current_password", "x"),
                ("new_password", "tangerine-harbor-42"),
                ("new_password_confirm", "tangerine-harbor-42"),
            ],
        ),
        ("profile/withdraw", &[("password", "x")]),
    ];
    for (endpoint, form) in calls {
        let response = anonymous.call(endpoint, form).await;
        assert_eq!(response.status().as_u16(), 401, "{endpoint}");
    }
    for page in ["/profile", "/profile/password", "/profile/withdraw"] {
        assert_redirect_to(
            &anonymous.get_page(page).await,
            &format!("/login?next={page}"),
        );
    }
}
