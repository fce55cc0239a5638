use crate::helpers::{assert_redirect_to, error_fields, spawn_app};

const OLD: &str = "tangerine-harbor-42";
const NEW: &str = "quiet-violet-lantern-7";

#[tokio::test]
async fn changing_the_password_renews_this_session_and_ends_the_others() {
    let app = spawn_app().await;
    let email = "pw-owner@example.com";
    let phone_browser = app.client();
    assert_eq!(
        phone_browser
            .sign_up(&[("email", email)])
            .await
            .status()
            .as_u16(),
        200
    );
    let laptop = app.client();
    laptop
        .call("login", &[("email", email), ("password", OLD)])
        .await;
    let before = phone_browser.session_id().unwrap();

    let response = phone_browser
        .post_form(
            "/profile/password",
            "profile/password",
            &[
                ("current_password", OLD),
                ("new_password", NEW),
                ("new_password_confirm", NEW),
            ],
        )
        .await;

    assert_redirect_to(&response, "/profile?saved=password");
    let after = phone_browser.session_id().unwrap();
    assert_ne!(before, after, "the session id changes");
    assert_eq!(
        phone_browser.get_page("/profile").await.status().as_u16(),
        200
    );
    assert_redirect_to(&laptop.get_page("/profile").await, "/login?next=/profile");
    let old = app
        .client()
        .call("login", &[("email", email), ("password", OLD)])
        .await;
    assert_eq!(old.status().as_u16(), 400);
    let new = app
        .client()
        .call("login", &[("email", email), ("password", NEW)])
        .await;
    assert_eq!(new.status().as_u16(), 200);
}

#[tokio::test]
async fn a_wrong_current_password_or_a_weak_new_one_changes_nothing() {
    let app = spawn_app().await;
    let browser = app.client();
    browser.sign_up(&[("email", "weak@example.com")]).await;

    let wrong = browser
        .call(
            "profile/password",
            &[
                ("current_password", "nope"),
                ("new_password", NEW),
                ("new_password_confirm", NEW),
            ],
        )
        .await;
    let weak = browser
        .call(
            "profile/password",
            &[
                ("current_password", OLD),
                ("new_password", "qwerty123"),
                ("new_password_confirm", "qwerty123"),
            ],
        )
        .await;
    let unconfirmed = browser
        .call(
            "profile/password",
            &[
                ("current_password", OLD),
                ("new_password", NEW),
                ("new_password_confirm", "other"),
            ],
        )
        .await;

    assert_eq!(error_fields(wrong).await[0].0, "current_password");
    assert_eq!(error_fields(weak).await[0].0, "new_password");
    assert_eq!(error_fields(unconfirmed).await[0].0, "new_password_confirm");
    let still = app
        .client()
        .call("login", &[("email", "weak@example.com"), ("password", OLD)])
        .await;
    assert_eq!(still.status().as_u16(), 200);
}
