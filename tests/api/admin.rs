use reqwest::header;
use user_service::domain::{admin::UserRow, Role, UserStatus};

use crate::helpers::{assert_redirect_to, form_message, spawn_app, TestApp, TestClient, TestUser};

async fn signed_in(app: &TestApp, user: &TestUser) -> TestClient {
    app.signed_in(user).await
}

async fn status_of(app: &TestApp, user: &TestUser) -> String {
    sqlx::query_scalar("SELECT status FROM users WHERE id = $1")
        .bind(user.id)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn every_admin_function_refuses_anonymous_callers_and_owners() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let victim = app.create_user(Role::Owner, UserStatus::Active).await;
    let id = victim.id.to_string();
    let calls: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("admin/users", vec![]),
        ("admin/user", vec![("user_id", &id)]),
        ("admin/audit", vec![]),
        ("admin/dashboard", vec![]),
        (
            "admin/users/status",
            vec![("user_id", &id), ("status", "LOCKED")],
        ),
        (
            "admin/users/role",
            vec![("user_id", &id), ("role", "ADMIN")],
        ),
        ("admin/users/end-sessions", vec![("user_id", &id)]),
    ];
    let anonymous = app.client();
    let as_owner = signed_in(&app, &owner).await;
    for (endpoint, form) in &calls {
        assert_eq!(
            anonymous.call(endpoint, form).await.status().as_u16(),
            401,
            "{endpoint}"
        );
        assert_eq!(
            as_owner.call(endpoint, form).await.status().as_u16(),
            403,
            "{endpoint}"
        );
    }
    // The plain HTTP endpoints too.
    let bulk = [("user_ids", id.as_str()), ("status", "LOCKED")];
    let response = as_owner
        .client
        .post(app.url("/admin/users/bulk-status"))
        .form(&bulk)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
    let response = anonymous
        .client
        .post(app.url("/admin/users/bulk-status"))
        .form(&bulk)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(
        as_owner
            .get_page("/admin/users.csv")
            .await
            .status()
            .as_u16(),
        403
    );
    let csv = anonymous.get_page("/admin/users.csv").await;
    assert_eq!(csv.status().as_u16(), 303);
    assert_eq!(
        crate::helpers::location(&csv),
        "/login?next=/admin/users.csv"
    );
    for page in [
        "/admin",
        "/admin/users",
        "/admin/audit",
        &format!("/admin/users/{id}"),
    ] {
        assert_eq!(
            as_owner.get_page(page).await.status().as_u16(),
            403,
            "{page}"
        );
    }
    assert_eq!(status_of(&app, &victim).await, "ACTIVE", "nothing changed");
    assert_eq!(app.count("SELECT count(*) FROM admin_audit_log").await, 0);
}

#[tokio::test]
async fn locking_a_user_signs_them_out_at_once_and_is_audited() {
    let app = spawn_app().await;
    let admin = app.create_user(Role::Admin, UserStatus::Active).await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let owner_browser = signed_in(&app, &owner).await;
    let console = signed_in(&app, &admin).await;

    let response = console
        .call(
            "admin/users/status",
            &[("user_id", &owner.id.to_string()), ("status", "LOCKED")],
        )
        .await;

    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(status_of(&app, &owner).await, "LOCKED");
    assert_redirect_to(
        &owner_browser.get_page("/profile").await,
        "/login?next=/profile",
    );
    let relogin = app.client().log_in(&owner).await;
    assert_eq!(relogin.status().as_u16(), 302);
    assert!(
        crate::helpers::location(&relogin).contains("__flash="),
        "a locked owner cannot sign in"
    );
    let (actor, target, action, before, after): (String, String, String, String, String) =
        sqlx::query_as(
            "SELECT actor_email, target_email, action, before, after FROM admin_audit_log",
        )
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!((actor, target), (admin.email.clone(), owner.email.clone()));
    assert_eq!(
        (action.as_str(), before.as_str(), after.as_str()),
        ("SET_STATUS", "ACTIVE", "LOCKED")
    );
    let page = console
        .get_page(&format!("/admin/users/{}", owner.id))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("상태 변경") && page.contains("잠김"),
        "the history shows on the user's page"
    );
}

#[tokio::test]
async fn an_admin_cannot_lock_or_demote_themselves() {
    let app = spawn_app().await;
    let admin = app.create_user(Role::Admin, UserStatus::Active).await;
    let _other_admin = app.create_user(Role::Admin, UserStatus::Active).await;
    let console = signed_in(&app, &admin).await;
    let me = admin.id.to_string();

    let lock = console
        .call(
            "admin/users/status",
            &[("user_id", &me), ("status", "INACTIVE")],
        )
        .await;
    let demote = console
        .call("admin/users/role", &[("user_id", &me), ("role", "OWNER")])
        .await;

    assert_eq!(
        form_message(lock).await,
        "자기 자신의 계정은 비활성화하거나 잠글 수 없습니다."
    );
    assert_eq!(
        form_message(demote).await,
        "자기 자신의 관리자 권한은 해제할 수 없습니다."
    );
    assert_eq!(status_of(&app, &admin).await, "ACTIVE");
}

#[tokio::test]
async fn an_admin_may_demote_another_while_an_active_admin_remains() {
    let app = spawn_app().await;
    let first = app.create_user(Role::Admin, UserStatus::Active).await;
    let second = app.create_user(Role::Admin, UserStatus::Active).await;
    let console = signed_in(&app, &first).await;

    let demote = console
        .call(
            "admin/users/role",
            &[("user_id", &second.id.to_string()), ("role", "OWNER")],
        )
        .await;

    assert_eq!(demote.status().as_u16(), 200);
    let active_admins = app
        .count("SELECT count(*) FROM users WHERE role = 'ADMIN' AND status = 'ACTIVE'")
        .await;
    assert_eq!(active_admins, 1);
    // The one left cannot remove themselves either.
    let me = first.id.to_string();
    let demote_self = console
        .call("admin/users/role", &[("user_id", &me), ("role", "OWNER")])
        .await;
    assert_eq!(demote_self.status().as_u16(), 400);
}

#[tokio::test]
async fn racing_admins_cannot_remove_each_other_into_none() {
    let app = spawn_app().await;
    let a = app.create_user(Role::Admin, UserStatus::Active).await;
    let b = app.create_user(Role::Admin, UserStatus::Active).await;
    let console_a = signed_in(&app, &a).await;
    let console_b = signed_in(&app, &b).await;
    let (a_id, b_id) = (a.id.to_string(), b.id.to_string());

    let (lock_b, lock_a) = (
        [("user_id", b_id.as_str()), ("status", "LOCKED")],
        [("user_id", a_id.as_str()), ("status", "LOCKED")],
    );
    let (x, y) = tokio::join!(
        console_a.call("admin/users/status", &lock_b),
        console_b.call("admin/users/status", &lock_a),
    );

    let statuses = [x.status().as_u16(), y.status().as_u16()];
    assert!(statuses.contains(&200), "{statuses:?}");
    let active_admins = app
        .count("SELECT count(*) FROM users WHERE role = 'ADMIN' AND status = 'ACTIVE'")
        .await;
    assert_eq!(active_admins, 1);
}

#[tokio::test]
async fn withdrawn_is_final_and_withdrawn_cannot_be_set() {
    let app = spawn_app().await;
    let admin = app.create_user(Role::Admin, UserStatus::Active).await;
    let gone = app.create_user(Role::Owner, UserStatus::Withdrawn).await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let console = signed_in(&app, &admin).await;

    let revive = console
        .call(
            "admin/users/status",
            &[("user_id", &gone.id.to_string()), ("status", "ACTIVE")],
        )
        .await;
    let withdraw = console
        .call(
            "admin/users/status",
            &[("user_id", &owner.id.to_string()), ("status", "WITHDRAWN")],
        )
        .await;
    let unknown = console
        .call(
            "admin/users/status",
            &[
                ("user_id", &uuid::Uuid::new_v4().to_string()),
                ("status", "LOCKED"),
            ],
        )
        .await;
    let garbage = console
        .call(
            "admin/users/status",
            &[("user_id", "not-a-uuid"), ("status", "LOCKED")],
        )
        .await;

    assert_eq!(
        form_message(revive).await,
        "탈퇴한 계정은 변경할 수 없습니다."
    );
    assert_eq!(
        form_message(withdraw).await,
        "관리자가 지정할 수 있는 상태는 활성, 비활성, 잠김입니다."
    );
    assert_eq!(unknown.status().as_u16(), 404);
    assert_eq!(garbage.status().as_u16(), 404);
    assert_eq!(status_of(&app, &gone).await, "WITHDRAWN");
}

#[tokio::test]
async fn demotion_and_ending_sessions_sign_the_user_out() {
    let app = spawn_app().await;
    let admin = app.create_user(Role::Admin, UserStatus::Active).await;
    let other_admin = app.create_user(Role::Admin, UserStatus::Active).await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let console = signed_in(&app, &admin).await;
    let other = signed_in(&app, &other_admin).await;
    let owner_browser = signed_in(&app, &owner).await;

    console
        .call(
            "admin/users/role",
            &[("user_id", &other_admin.id.to_string()), ("role", "OWNER")],
        )
        .await;
    let ended = console
        .call(
            "admin/users/end-sessions",
            &[("user_id", &owner.id.to_string())],
        )
        .await;

    assert_eq!(ended.json::<serde_json::Value>().await.unwrap(), 1);
    assert_redirect_to(
        &other.get_page("/admin/users").await,
        "/login?next=/admin/users",
    );
    assert_redirect_to(
        &owner_browser.get_page("/profile").await,
        "/login?next=/profile",
    );
    assert_eq!(app.count("SELECT count(*) FROM admin_audit_log").await, 2);
}

#[tokio::test]
async fn setting_what_a_user_already_has_changes_nothing_and_ends_no_session() {
    let app = spawn_app().await;
    let admin = app.create_user(Role::Admin, UserStatus::Active).await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let console = signed_in(&app, &admin).await;
    let owner_browser = signed_in(&app, &owner).await;
    let id = owner.id.to_string();

    let role = console
        .call("admin/users/role", &[("user_id", &id), ("role", "OWNER")])
        .await;
    let status = console
        .call(
            "admin/users/status",
            &[("user_id", &id), ("status", "ACTIVE")],
        )
        .await;

    assert_eq!(role.status().as_u16(), 200);
    assert_eq!(status.status().as_u16(), 200);
    assert_eq!(app.count("SELECT count(*) FROM admin_audit_log").await, 0);
    assert_eq!(
        owner_browser.get_page("/profile").await.status().as_u16(),
        200,
        "still signed in"
    );
}

#[tokio::test]
async fn the_table_searches_filters_sorts_and_pages() {
    let app = spawn_app().await;
    let admin = app.create_user(Role::Admin, UserStatus::Active).await;
    for (i, name) in ["가나다", "김민수", "김영희", "박철수"].iter().enumerate() {
        let browser = app.client();
        let phone = format!("0105555000{i}");
        let email = format!("table{i}@example.com");
        browser
            .sign_up(&[
                ("name", name),
                ("phone_number", &phone),
                ("email", &email),
                ("store_name", &format!("{name} 상점")),
            ])
            .await;
    }
    let console = signed_in(&app, &admin).await;
    let table = |q: &'static str| {
        let console = &console;
        async move {
            let form: Vec<(&str, &str)> = q
                .split('&')
                .filter(|p| !p.is_empty())
                .map(|p| p.split_once('=').unwrap())
                .collect();
            let page: serde_json::Value = console
                .call("admin/users", &form)
                .await
                .json()
                .await
                .unwrap();
            page
        }
    };
    let names = |page: &serde_json::Value| -> Vec<String> {
        serde_json::from_value::<Vec<UserRow>>(page["rows"].clone())
            .unwrap()
            .into_iter()
            .map(|row| row.name)
            .collect()
    };

    let search = table("q=김").await;
    assert_eq!(
        names(&search),
        vec!["김영희", "김민수", "김테스트"],
        "newest first (the admin is 김테스트)"
    );
    assert_eq!(search["matching"], serde_json::json!({"Exact": 3}));
    assert_eq!(
        names(&table("q=TABLE2@EXAMPLE").await),
        vec!["김영희"],
        "case-insensitive e-mail"
    );
    assert_eq!(
        names(&table("q=55550003").await),
        vec!["박철수"],
        "phone digits"
    );
    assert_eq!(
        names(&table("q=철수 상점").await),
        vec!["박철수"],
        "store name"
    );
    assert_eq!(
        names(&table("q=100%").await),
        Vec::<String>::new(),
        "% is literal"
    );
    assert_eq!(
        names(&table("sort=name&dir=asc&role=OWNER").await),
        vec!["가나다", "김민수", "김영희", "박철수"]
    );
    let page2 = table("sort=name&dir=asc&role=OWNER&per_page=3&page=2").await;
    assert_eq!(names(&page2), vec!["박철수"]);
    assert_eq!(page2["has_next"], false);
    let bad = table("sort=password_hash&dir=up&page=-1&per_page=9999&status=NOPE").await;
    assert_eq!(
        bad["rows"].as_array().unwrap().len(),
        5,
        "bad values fall back to defaults"
    );
    assert_eq!(names(&table("role=ADMIN").await).len(), 1);

    let page = console
        .get_page("/admin/users?q=김&sort=name&dir=asc")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("<table") && page.contains("<thead>") && page.contains("<tbody>"));
    assert!(
        page.contains("검색 결과 <strong>3명</strong>"),
        "the count shows"
    );
}

#[tokio::test]
async fn bulk_status_changes_the_selected_users_and_skips_the_protected_ones() {
    let app = spawn_app().await;
    let admin = app.create_user(Role::Admin, UserStatus::Active).await;
    let a = app.create_user(Role::Owner, UserStatus::Active).await;
    let b = app.create_user(Role::Owner, UserStatus::Active).await;
    let console = signed_in(&app, &admin).await;
    let (a_id, b_id, me) = (a.id.to_string(), b.id.to_string(), admin.id.to_string());

    let response = console
        .client
        .post(app.url("/admin/users/bulk-status"))
        .header(header::ACCEPT, "text/html")
        .form(&[
            ("user_ids", a_id.as_str()),
            ("user_ids", b_id.as_str()),
            ("user_ids", me.as_str()),
            ("status", "INACTIVE"),
            ("return_to", "/admin/users?q=example"),
        ])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(
        response.headers()["location"],
        "/admin/users?q=example&bulk=2&skipped=1"
    );
    assert_eq!(status_of(&app, &a).await, "INACTIVE");
    assert_eq!(status_of(&app, &b).await, "INACTIVE");
    assert_eq!(status_of(&app, &admin).await, "ACTIVE", "not themselves");
}

#[tokio::test]
async fn the_csv_export_streams_the_filtered_view_with_a_bom() {
    let app = spawn_app().await;
    let admin = app.create_user(Role::Admin, UserStatus::Active).await;
    app.client()
        .sign_up(&[
            ("name", "=HYPERLINK(\"x\")"),
            ("email", "csv-owner@example.com"),
            ("store_name", "떡볶이, 김밥"),
        ])
        .await;
    let console = signed_in(&app, &admin).await;

    let response = console.get_page("/admin/users.csv?role=OWNER").await;

    assert_eq!(response.status().as_u16(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("attachment"));
    let bytes = response.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 BOM");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "이름,이메일,휴대폰,권한,상태,상호,업종,가입일,최근 로그인"
    );
    assert_eq!(lines.len(), 2, "only owners: {text}");
    assert!(
        lines[1].starts_with("\"'=HYPERLINK(\"\"x\"\")\",csv-owner@example.com,"),
        "{}",
        lines[1]
    );
    assert!(lines[1].contains("\"떡볶이, 김밥\",음식점"));
}

#[tokio::test]
async fn the_dashboard_counts_and_charts() {
    let app = spawn_app().await;
    let admin = app.create_user(Role::Admin, UserStatus::Active).await;
    app.create_user(Role::Owner, UserStatus::Locked).await;
    let console = signed_in(&app, &admin).await;

    let data: serde_json::Value = console
        .call("admin/dashboard", &[])
        .await
        .json()
        .await
        .unwrap();
    let page = console.get_page("/admin").await.text().await.unwrap();

    assert_eq!(data["signups"].as_array().unwrap().len(), 30);
    assert!(data["by_status"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!(["LOCKED", 1])));
    assert!(page.contains("<svg") && page.contains("최근 30일 동안 2명이 가입했습니다."));
}
