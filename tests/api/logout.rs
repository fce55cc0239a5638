use user_service::domain::{Role, UserStatus};

use crate::helpers::{assert_redirect_to, spawn_app};

#[tokio::test]
async fn logging_out_makes_the_old_cookie_worthless() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let browser = app.client();
    browser.log_in(&owner).await;
    let old_session = browser.session_id().unwrap();

    let response = browser.post_form("/profile", "logout", &[]).await;

    assert_redirect_to(&response, "/login");
    assert!(
        !app.session_exists(&old_session).await,
        "deleted from Redis"
    );
    // Someone who kept a copy of the cookie is not signed in with it.
    let thief = app.client();
    thief.set_session_cookie(&old_session);
    assert_redirect_to(&thief.get_page("/profile").await, "/login?next=/profile");
    let who: serde_json::Value = thief.call("current_user", &[]).await.json().await.unwrap();
    assert!(who.is_null());
}

#[tokio::test]
async fn logging_out_from_the_hydrated_app_answers_with_a_client_redirect() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let browser = app.client();
    browser.log_in(&owner).await;

    let response = browser.call("logout", &[]).await;

    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["location"], "/login");
    assert!(response.headers().contains_key("serverfnredirect"));
    assert_redirect_to(&browser.get_page("/profile").await, "/login?next=/profile");
}
