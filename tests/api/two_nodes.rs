//! Two instances of the app sharing PostgreSQL and Redis: a session started on one is valid
//! on the other, and signing out on either ends it on both.

use user_service::domain::{Role, UserStatus};

use crate::helpers::{spawn_app, TestClient};

async fn signed_in_email(browser: &TestClient) -> Option<String> {
    let response = browser.call("current_user", &[]).await;
    assert_eq!(response.status().as_u16(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    body["email"].as_str().map(str::to_owned)
}

#[tokio::test]
async fn a_session_started_on_one_node_works_on_the_other_until_logout_on_either() {
    let app = spawn_app().await;
    let second = app.another_node().await;
    assert_ne!(app.address, second.address);
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;

    // Sign in on node 1; node 2 knows the session, pages and server functions alike.
    let on_first = app.signed_in(&owner).await;
    let on_second = on_first.talking_to(&second);
    assert_eq!(
        signed_in_email(&on_second).await.as_deref(),
        Some(owner.email.as_str())
    );
    let page = on_second.get_page("/profile").await;
    assert_eq!(page.status().as_u16(), 200);
    assert!(page.text().await.unwrap().contains(&owner.email));

    // A change made through node 2 is seen through node 1.
    let response = on_second
        .call(
            "profile/owner",
            &[("name", "두노드"), ("phone_number", &owner.phone)],
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let profile: serde_json::Value = on_first.call("profile", &[]).await.json().await.unwrap();
    assert_eq!(profile["name"], "두노드");

    // Logout on node 2 ends the session on node 1 too.
    let session = on_first.session_id().unwrap();
    assert_eq!(on_second.call("logout", &[]).await.status().as_u16(), 200);
    on_first.set_session_cookie(&session);
    assert_eq!(signed_in_email(&on_first).await, None);
    assert!(!app.session_exists(&session).await);

    // And the other way round: sign in on node 2, log out on node 1.
    let browser = app.client().talking_to(&second);
    assert_eq!(browser.log_in(&owner).await.status().as_u16(), 302);
    let session = browser.session_id().unwrap();
    let same_browser_on_first = browser.talking_to(app.node());
    assert!(signed_in_email(&same_browser_on_first).await.is_some());
    assert_eq!(
        same_browser_on_first
            .call("logout", &[])
            .await
            .status()
            .as_u16(),
        200
    );
    browser.set_session_cookie(&session);
    assert_eq!(signed_in_email(&browser).await, None);
}
