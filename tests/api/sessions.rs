//! Session lifetimes (idle by role, absolute) and the owner's own sessions page.

use std::time::Duration;

use user_service::{
    domain::{Role, UserStatus},
    server::config::SessionSettings,
};

use crate::helpers::{
    assert_redirect_to, spawn_app, spawn_app_with, AppOptions, TestApp, TestUser,
};

const CHROME_ON_WINDOWS: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";
const SAFARI_ON_IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

fn lifetimes(owner_idle: u64, admin_idle: u64, absolute: u64) -> AppOptions {
    AppOptions {
        session: SessionSettings {
            owner_idle: Duration::from_millis(owner_idle),
            admin_idle: Duration::from_millis(admin_idle),
            absolute: Duration::from_millis(absolute),
        },
        ..AppOptions::default()
    }
}

async fn is_signed_in(browser: &crate::helpers::TestClient) -> bool {
    let response = browser.call("current_user", &[]).await;
    assert_eq!(response.status().as_u16(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    !body.is_null()
}

#[tokio::test]
async fn an_idle_session_ends_sooner_for_an_admin_than_for_an_owner() {
    let app = spawn_app_with(lifetimes(60_000, 1_500, 600_000)).await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let admin = app.create_user(Role::Admin, UserStatus::Active).await;
    let as_owner = app.signed_in(&owner).await;
    let as_admin = app.signed_in(&admin).await;
    let admin_session = as_admin.session_id().unwrap();
    tokio::time::sleep(Duration::from_millis(2_000)).await;

    assert!(is_signed_in(&as_owner).await);
    // Sent even though its Max-Age ran out: the server is the one that decides.
    as_admin.set_session_cookie(&admin_session);
    assert_redirect_to(
        &as_admin.get_page("/admin/users").await,
        "/login?next=/admin/users",
    );
    // The session is gone from Redis too, not only refused.
    assert!(!app.session_exists(&admin_session).await);
}

#[tokio::test]
async fn using_a_session_keeps_it_alive_until_the_idle_timeout() {
    let app = spawn_app_with(lifetimes(2_000, 2_000, 600_000)).await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let browser = app.signed_in(&owner).await;
    let session = browser.session_id().unwrap();
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_millis(800)).await;
        assert_eq!(browser.get_page("/profile").await.status().as_u16(), 200);
    }
    // Redis drops the session when it would time out: its TTL follows the last use (whole
    // seconds, rounded up), and it has one (-1 would mean never, -2 gone).
    let ttl = app.redis_ttl(&session).await;
    assert!(
        (1..=3).contains(&ttl),
        "TTL follows the idle timeout: {ttl}"
    );
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    // The cookie's Max-Age ran out too, so the browser forgets it; a client that keeps
    // sending it anyway must be refused by the server all the same.
    browser.set_session_cookie(&session);
    assert_redirect_to(&browser.get_page("/profile").await, "/login?next=/profile");
    assert!(!app.session_exists(&session).await);
}

#[tokio::test]
async fn a_busy_session_still_ends_at_the_absolute_limit() {
    let limit = Duration::from_millis(4_000);
    let app = spawn_app_with(lifetimes(60_000, 60_000, limit.as_millis() as u64)).await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let before_sign_in = std::time::Instant::now();
    let browser = app.signed_in(&owner).await;
    // The session started between these two instants, so it ends within `limit` of them.
    let after_sign_in = std::time::Instant::now();
    let session = browser.session_id().unwrap();
    // The user's index of sessions goes when the last session filed in it must have ended.
    let index_ttl = app.redis_ttl(&format!("user_sessions:{}", owner.id)).await;
    assert!((1..=4).contains(&index_ttl), "{index_ttl}");
    // Busy for half the limit (with room for slow answers on a loaded machine)...
    while before_sign_in.elapsed() < limit / 2 {
        assert!(is_signed_in(&browser).await);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    // ...and past the limit it is over, busy or not.
    let past_the_limit = after_sign_in + limit + Duration::from_millis(600);
    tokio::time::sleep_until(past_the_limit.into()).await;
    browser.set_session_cookie(&session);
    assert!(!is_signed_in(&browser).await);
    assert!(!app.session_exists(&session).await);
    // Signing in again starts a new session with a new limit.
    assert_eq!(browser.log_in(&owner).await.status().as_u16(), 302);
    assert!(is_signed_in(&browser).await);
}

/// The sessions page's list as the hydrated app receives it.
async fn sessions_of(browser: &crate::helpers::TestClient) -> Vec<serde_json::Value> {
    let response = browser.call("profile/sessions", &[]).await;
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.unwrap()
}

async fn signed_in_as(app: &TestApp, user: &TestUser, agent: &str) -> crate::helpers::TestClient {
    let browser = app.client_as(agent);
    assert_eq!(browser.log_in(user).await.status().as_u16(), 302);
    browser
}

#[tokio::test]
async fn an_owner_sees_each_signed_in_browser_with_its_details() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let laptop = signed_in_as(&app, &owner, CHROME_ON_WINDOWS).await;
    let _phone = signed_in_as(&app, &owner, SAFARI_ON_IPHONE).await;

    let sessions = sessions_of(&laptop).await;
    assert_eq!(sessions.len(), 2, "{sessions:?}");
    // This browser first, marked.
    assert_eq!(sessions[0]["is_current"], true);
    assert_eq!(sessions[0]["browser"], "Chrome · Windows 10");
    assert_eq!(sessions[0]["address"], "127.0.0.1");
    assert_eq!(sessions[1]["is_current"], false);
    assert_eq!(sessions[1]["browser"], "Safari · iPhone");
    for session in &sessions {
        assert!(session["started_at"].is_string() && session["last_used_at"].is_string());
    }
    // The page shows the same, in Korean, with a button for the other browser only.
    let page = laptop.get_page("/profile/sessions").await;
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("로그인 기기"));
    assert!(html.contains("이 기기"));
    assert!(html.contains("Safari · iPhone"));
    assert_eq!(html.matches(r#"name="handle""#).count(), 1);
    // The session id (the cookie's secret) is never on the page.
    let secret = laptop.session_id().unwrap();
    assert!(!html.contains(&secret));
}

#[tokio::test]
async fn an_owner_can_sign_one_other_browser_out() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let laptop = signed_in_as(&app, &owner, CHROME_ON_WINDOWS).await;
    let phone = signed_in_as(&app, &owner, SAFARI_ON_IPHONE).await;
    let tablet = app.signed_in(&owner).await;
    let sessions = sessions_of(&laptop).await;
    let phone_handle = sessions
        .iter()
        .find(|s| s["browser"] == "Safari · iPhone")
        .unwrap()["handle"]
        .as_str()
        .unwrap()
        .to_owned();

    // Without JavaScript: a form post, back to the page with a notice.
    let response = laptop
        .post_form(
            "/profile/sessions",
            "profile/sessions/end",
            &[("handle", &phone_handle)],
        )
        .await;
    assert_redirect_to(&response, "/profile/sessions?ended=one");
    assert!(!is_signed_in(&phone).await);
    assert!(is_signed_in(&laptop).await);
    assert!(is_signed_in(&tablet).await);
    assert_eq!(sessions_of(&laptop).await.len(), 2);

    // The same handle again, a made-up one, and garbage: a polite error, nothing ends.
    for handle in [
        phone_handle.as_str(),
        "00000000-0000-0000-0000-000000000000",
        "x'; DROP",
    ] {
        let response = laptop
            .call("profile/sessions/end", &[("handle", handle)])
            .await;
        assert_eq!(response.status().as_u16(), 400, "{handle}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert!(body["Form"]["message"]
            .as_str()
            .unwrap()
            .contains("찾을 수 없는 기기"));
    }
    assert_eq!(sessions_of(&laptop).await.len(), 2);
}

#[tokio::test]
async fn this_browser_cannot_be_ended_from_the_list_but_all_others_can() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let laptop = app.signed_in(&owner).await;
    let others = [app.signed_in(&owner).await, app.signed_in(&owner).await];
    let own_handle = sessions_of(&laptop).await[0]["handle"]
        .as_str()
        .unwrap()
        .to_owned();
    let response = laptop
        .call("profile/sessions/end", &[("handle", &own_handle)])
        .await;
    assert_eq!(response.status().as_u16(), 400);
    assert!(is_signed_in(&laptop).await);

    let response = laptop
        .post_form("/profile/sessions", "profile/sessions/end-others", &[])
        .await;
    assert_redirect_to(&response, "/profile/sessions?ended=others");
    assert!(is_signed_in(&laptop).await);
    for other in &others {
        assert!(!is_signed_in(other).await);
    }
    assert_eq!(sessions_of(&laptop).await.len(), 1);
}

#[tokio::test]
async fn an_owner_cannot_end_or_see_another_owners_sessions() {
    let app = spawn_app().await;
    let alice = app.create_user(Role::Owner, UserStatus::Active).await;
    let bob = app.create_user(Role::Owner, UserStatus::Active).await;
    let as_alice = app.signed_in(&alice).await;
    let as_bob = app.signed_in(&bob).await;
    let bobs_handle = sessions_of(&as_bob).await[0]["handle"]
        .as_str()
        .unwrap()
        .to_owned();

    let alices_view = sessions_of(&as_alice).await;
    assert_eq!(alices_view.len(), 1);
    assert_ne!(alices_view[0]["handle"], bobs_handle.as_str());
    let response = as_alice
        .call("profile/sessions/end", &[("handle", &bobs_handle)])
        .await;
    assert_eq!(response.status().as_u16(), 400);
    assert!(is_signed_in(&as_bob).await);

    // Anonymous callers get nothing and end nothing.
    let anonymous = app.client();
    assert_eq!(
        anonymous
            .call("profile/sessions", &[])
            .await
            .status()
            .as_u16(),
        401
    );
    let response = anonymous
        .call("profile/sessions/end", &[("handle", &bobs_handle)])
        .await;
    assert_eq!(response.status().as_u16(), 401);
    assert_eq!(
        anonymous
            .call("profile/sessions/end-others", &[])
            .await
            .status()
            .as_u16(),
        401
    );
    assert!(is_signed_in(&as_bob).await);
    assert_redirect_to(
        &anonymous.get_page("/profile/sessions").await,
        "/login?next=/profile/sessions",
    );
}
