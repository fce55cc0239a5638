use std::sync::Arc;

use crate::helpers::{
    assert_redirect_to, borrowed, error_fields, location, signup_form, spawn_app, value_of,
};

#[tokio::test]
async fn a_new_owner_signs_up_with_the_store_and_is_signed_in() {
    let app = spawn_app().await;
    let browser = app.client();
    let form = signup_form(&[
        ("email", " Minsu.Kim@Example.COM "),
        ("phone_number", "010 2345 6789"),
    ]);

    let response = browser
        .post_form("/signup", "signup", &borrowed(&form))
        .await;

    assert_redirect_to(&response, "/profile");
    let (role, status, email, phone, store, hours): (
        String,
        String,
        String,
        String,
        String,
        Option<String>,
    ) = sqlx::query_as(
        "SELECT u.role, u.status, u.email, u.phone_number, s.name, s.business_hours
             FROM users u JOIN stores s ON s.user_id = u.id",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!((role.as_str(), status.as_str()), ("OWNER", "ACTIVE"));
    assert_eq!(email, "minsu.kim@example.com");
    assert_eq!(phone, "010-2345-6789");
    assert_eq!(store, "민수네 분식");
    assert_eq!(hours.as_deref(), Some("매일 10:00-22:00"));
    let page = browser.get_page("/profile").await;
    assert_eq!(page.status().as_u16(), 200);
    assert!(page.text().await.unwrap().contains("minsu.kim@example.com"));
}

#[tokio::test]
async fn business_hours_are_optional() {
    let app = spawn_app().await;

    let response = app.client().sign_up(&[("business_hours", "")]).await;

    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        app.count("SELECT count(*) FROM stores WHERE business_hours IS NULL")
            .await,
        1
    );
}

#[tokio::test]
async fn every_rule_marks_its_field_and_creates_nothing() {
    let app = spawn_app().await;
    let long = |n: usize| "가".repeat(n);
    let cases: Vec<(&str, String, &str)> = vec![
        ("name", "   ".into(), "필수 입력 항목입니다."),
        ("name", long(101), "100자 이하로 입력해 주세요."),
        ("store_name", long(201), "200자 이하로 입력해 주세요."),
        ("industry", long(101), "100자 이하로 입력해 주세요."),
        ("address", long(501), "500자 이하로 입력해 주세요."),
        ("address", "".into(), "필수 입력 항목입니다."),
        ("business_hours", long(1001), "1000자 이하로 입력해 주세요."),
        (
            "phone_number",
            "02-123-4567".into(),
            "휴대폰 번호 형식이 올바르지 않습니다. 예: 010-1234-5678",
        ),
        (
            "email",
            "not-an-email".into(),
            "이메일 형식이 올바르지 않습니다. 예: owner@example.com",
        ),
        (
            "email",
            format!("{}@example.com", "a".repeat(250)),
            "이메일은 255자 이하로 입력해 주세요.",
        ),
        (
            "password",
            "short1".into(),
            "비밀번호는 8자 이상이어야 합니다.",
        ),
        (
            "password",
            "a".repeat(65),
            "비밀번호는 64자 이하로 입력해 주세요.",
        ),
        (
            "password",
            "가".repeat(25),
            "비밀번호가 너무 깁니다. 한글은 글자당 3바이트로 계산되어 72바이트를 넘을 수 없습니다.",
        ),
        (
            "password",
            "password123".into(),
            "너무 흔하거나 추측하기 쉬운 비밀번호입니다. 다른 비밀번호를 사용해 주세요.",
        ),
        (
            "name",
            "김\0민수".into(),
            "제어 문자(줄바꿈, 탭 등)는 입력할 수 없습니다.",
        ),
        (
            "store_name",
            "가게\u{7}".into(),
            "제어 문자(줄바꿈, 탭 등)는 입력할 수 없습니다.",
        ),
        (
            "business_hours",
            "10시\0".into(),
            "제어 문자(줄바꿈, 탭 등)는 입력할 수 없습니다.",
        ),
        (
            "email",
            "a\0@example.com".into(),
            "이메일에 제어 문자는 입력할 수 없습니다.",
        ),
        (
            "name",
            "\u{3164}\u{3164}".into(),
            "보이지 않는 문자(폭 없는 공백, 한글 채움 문자, 글자 방향 제어 문자 등)는 입력할 수 없습니다.",
        ),
        (
            "store_name",
            "카페\u{202E}페카".into(),
            "보이지 않는 문자(폭 없는 공백, 한글 채움 문자, 글자 방향 제어 문자 등)는 입력할 수 없습니다.",
        ),
    ];
    for (field, value, message) in cases {
        let mut overrides = vec![(field, value.as_str())];
        if field == "password" {
            overrides.push(("password_confirm", value.as_str()));
        }
        let response = app.client().sign_up(&overrides).await;
        assert_eq!(response.status().as_u16(), 400, "{field}={value:?}");
        let fields = error_fields(response).await;
        assert!(
            fields.contains(&(field.to_owned(), message.to_owned())),
            "{field}={value:?}: {fields:?}"
        );
    }
    assert_eq!(app.count("SELECT count(*) FROM users").await, 0);
}

#[tokio::test]
async fn the_password_may_not_be_the_email_and_must_be_confirmed() {
    let app = spawn_app().await;

    let same = app
        .client()
        .sign_up(&[
            ("email", "kim.owner@example.com"),
            ("password", "Kim.Owner@example.com"),
            ("password_confirm", "Kim.Owner@example.com"),
        ])
        .await;
    let unconfirmed = app
        .client()
        .sign_up(&[("password_confirm", "something-else-9")])
        .await;

    assert!(error_fields(same).await.contains(&(
        "password".into(),
        "비밀번호는 이메일과 달라야 합니다.".into()
    )));
    assert!(error_fields(unconfirmed).await.contains(&(
        "password_confirm".into(),
        "비밀번호가 서로 다릅니다. 다시 확인해 주세요.".into()
    )));
}

#[tokio::test]
async fn a_taken_email_or_phone_is_a_message_on_that_field() {
    let app = spawn_app().await;
    let first = app.client().sign_up_owner().await;

    let shouted = value_of(&first, "email").to_uppercase();
    let same_email = app.client().sign_up(&[("email", &shouted)]).await;
    assert_eq!(same_email.status().as_u16(), 400);
    assert_eq!(error_fields(same_email).await[0].0, "email");

    let phone = value_of(&first, "phone_number").to_owned();
    let hyphenated = format!("{}-{}-{}", &phone[..3], &phone[3..7], &phone[7..]);
    let same_phone = app.client().sign_up(&[("phone_number", &hyphenated)]).await;
    assert_eq!(same_phone.status().as_u16(), 400);
    assert_eq!(error_fields(same_phone).await[0].0, "phone_number");
    assert_eq!(app.count("SELECT count(*) FROM users").await, 1);
}

#[tokio::test]
async fn a_hundred_signups_with_one_email_at_once_create_one_account() {
    let app = Arc::new(spawn_app().await);
    let email = "race@example.com";
    let mut handles = Vec::new();
    for _ in 0..100 {
        let app = app.clone();
        handles.push(tokio::spawn(async move {
            let response = app.client().sign_up(&[("email", email)]).await;
            let status = response.status().as_u16();
            let fields = if status == 400 {
                error_fields(response).await
            } else {
                Vec::new()
            };
            (status, fields)
        }));
    }
    let mut created = 0;
    for handle in handles {
        let (status, fields) = handle.await.unwrap();
        match status {
            200 => created += 1,
            400 => {
                assert_eq!(fields.len(), 1, "{fields:?}");
                assert_eq!(fields[0].0, "email");
                assert!(
                    fields[0].1.starts_with("이미 가입된 이메일입니다"),
                    "{fields:?}"
                );
            }
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!(created, 1);
    assert_eq!(app.count("SELECT count(*) FROM users").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM stores").await, 1);
}

#[tokio::test]
async fn without_javascript_the_form_comes_back_with_messages_and_values_but_no_password() {
    let app = spawn_app().await;
    let browser = app.client();
    let form = signup_form(&[("phone_number", "12345"), ("store_name", "떡볶이 & 김밥")]);

    let response = browser
        .post_form("/signup", "signup", &borrowed(&form))
        .await;

    assert_eq!(response.status().as_u16(), 302);
    let back = location(&response);
    // No personal data in the URL (history, access logs, Referer): only an id.
    assert!(back.contains("__flash="), "{back}");
    let decoded_back = url::form_urlencoded::parse(back.as_bytes())
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<String>();
    for typed in ["phone_number", "email", "store_name", "address"] {
        let value = value_of(&form, typed);
        assert!(
            !back.contains(value) && !decoded_back.contains(value),
            "{typed} in {back}"
        );
    }
    assert!(!back.contains("__err"), "{back}");
    let path = back.trim_start_matches(&app.url("")).to_owned();
    let page = browser.get_page(&path).await.text().await.unwrap();
    assert!(page.contains(r#"role="alert""#));
    assert!(page.contains("휴대폰 번호 형식이 올바르지 않습니다"));
    assert!(page.contains(r#"aria-invalid="true""#));
    assert!(page.contains("떡볶이 &amp; 김밥"), "typed values come back");
    assert!(page.contains(value_of(&form, "email")));
    assert!(
        !page.contains("tangerine-harbor-42"),
        "passwords never come back"
    );
    assert_eq!(app.count("SELECT count(*) FROM users").await, 0);
    // Read once: the same URL later (a shared link, a page from history) shows nothing.
    let again = browser.get_page(&path).await.text().await.unwrap();
    assert!(!again.contains(value_of(&form, "email")));
    assert!(!again.contains("휴대폰 번호 형식이 올바르지 않습니다"));
}

#[tokio::test]
async fn a_signed_in_user_is_sent_home_from_the_signup_page() {
    let app = spawn_app().await;
    let browser = app.client();
    browser.sign_up(&[]).await;

    assert_redirect_to(&browser.get_page("/signup").await, "/profile");
}

#[tokio::test]
async fn a_password_of_exactly_72_bytes_is_accepted_and_signs_in() {
    let app = spawn_app().await;
    // 24 different Hangul syllables: 72 bytes in UTF-8, all of which bcrypt reads.
    let password = "봄여름가을겨울아침점심저녁하늘바다산강별달해구름";
    assert_eq!(password.len(), 72);

    let response = app
        .client()
        .sign_up(&[
            ("email", "long-pass@example.com"),
            ("password", password),
            ("password_confirm", password),
        ])
        .await;

    assert_eq!(response.status().as_u16(), 200);
    let login = app
        .client()
        .call(
            "login",
            &[("email", "long-pass@example.com"), ("password", password)],
        )
        .await;
    assert_eq!(login.status().as_u16(), 200);
    let shorter = &password[..69];
    let wrong = app
        .client()
        .call(
            "login",
            &[("email", "long-pass@example.com"), ("password", shorter)],
        )
        .await;
    assert_eq!(wrong.status().as_u16(), 400, "the last syllable counts");
}
