//! No session outlives a change of the user's role, status or password: not the sessions that
//! existed, and not one that a request in flight writes back or creates afterwards.

use tower_sessions_redis_store::fred::prelude::{KeysInterface, Pool as RedisPool};
use user_service::domain::{Role, UserStatus};

use crate::helpers::{spawn_app, spawn_app_with, AppOptions, TestApp, TestClient, TestUser};

/// Who the browser's session says it is: the role, or `None` when it is anonymous.
async fn role_of(browser: &TestClient) -> Option<String> {
    let body: serde_json::Value = browser
        .call("current_user", &[])
        .await
        .json()
        .await
        .unwrap();
    body["role"].as_str().map(str::to_owned)
}

async fn two_admins(app: &TestApp) -> (TestUser, TestUser, TestClient) {
    let admin = app.create_user(Role::Admin, UserStatus::Active).await;
    let other_admin = app.create_user(Role::Admin, UserStatus::Active).await;
    let console = app.signed_in(&admin).await;
    (admin, other_admin, console)
}

async fn raw_session(redis: &RedisPool, id: &str) -> Vec<u8> {
    redis.get(id).await.unwrap()
}

#[tokio::test]
async fn a_session_written_back_after_its_user_was_demoted_is_refused() {
    let app = spawn_app().await;
    let (_, target, console) = two_admins(&app).await;
    let targets_browser = app.signed_in(&target).await;
    let id = targets_browser.session_id().unwrap();
    let record = raw_session(&app.redis(), &id).await;

    // The demotion ends the session...
    let demoted = console
        .call(
            "admin/users/role",
            &[("user_id", &target.id.to_string()), ("role", "OWNER")],
        )
        .await;
    assert_eq!(demoted.status().as_u16(), 200);
    // ...and a request that was in flight writes it back as it was (what a racing password
    // change, or a request recording "last used", does with its copy of the session).
    app.redis()
        .set::<(), _, _>(&id, record, None, None, false)
        .await
        .unwrap();

    assert_eq!(role_of(&targets_browser).await, None);
    let page = targets_browser.get_page("/admin/users").await;
    assert_eq!(
        page.status().as_u16(),
        302,
        "no admin page for the old session"
    );
}

#[tokio::test]
async fn a_password_change_racing_a_demotion_does_not_keep_the_admin_role() {
    // Cost 10: the change hashes twice (about 0.1 s), long enough to demote in between.
    let app = spawn_app_with(AppOptions {
        bcrypt_cost: 10,
        ..AppOptions::default()
    })
    .await;
    let (_, target, console) = two_admins(&app).await;
    let targets_browser = app.signed_in(&target).await;
    let target_id = target.id.to_string();
    let new_password = "harbor-tangerine-73";

    let form = [
        ("current_password", target.password.as_str()),
        ("new_password", new_password),
        ("new_password_confirm", new_password),
    ];
    let change = targets_browser.call("profile/password", &form);
    let demotion = async {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        console
            .call(
                "admin/users/role",
                &[("user_id", &target_id), ("role", "OWNER")],
            )
            .await
    };
    let (changed, demoted) = tokio::join!(change, demotion);

    assert_eq!(demoted.status().as_u16(), 200);
    assert!(changed.status().is_success() || changed.status().as_u16() == 401);
    let role: String = sqlx::query_scalar("SELECT role FROM users WHERE id = $1")
        .bind(target.id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(role, "OWNER");
    assert_eq!(
        role_of(&targets_browser).await,
        None,
        "the browser is signed out, not an admin for another 7 days"
    );
}

#[tokio::test]
async fn a_password_change_keeps_this_browser_and_ends_every_other() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let here = app.signed_in(&owner).await;
    let elsewhere = app.signed_in(&owner).await;
    let old_id = here.session_id().unwrap();
    let elsewhere_id = elsewhere.session_id().unwrap();
    let copy = raw_session(&app.redis(), &elsewhere_id).await;
    let new_password = "harbor-tangerine-73";

    let changed = here
        .call(
            "profile/password",
            &[
                ("current_password", &owner.password),
                ("new_password", new_password),
                ("new_password_confirm", new_password),
            ],
        )
        .await;

    assert_eq!(changed.status().as_u16(), 200);
    assert_eq!(role_of(&here).await.as_deref(), Some("OWNER"));
    assert_ne!(here.session_id().unwrap(), old_id, "a new session id");
    assert_eq!(role_of(&elsewhere).await, None);
    // The other browser's session written back by a request in flight is no good either.
    app.redis()
        .set::<(), _, _>(&elsewhere_id, copy, None, None, false)
        .await
        .unwrap();
    elsewhere.set_session_cookie(&elsewhere_id);
    assert_eq!(role_of(&elsewhere).await, None);
}

#[tokio::test]
async fn a_revocation_that_could_not_reach_redis_is_done_by_the_outbox_worker() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let browser = app.signed_in(&owner).await;
    // A committed change whose revocation has not happened yet (its request lost Redis right
    // after the commit): only the outbox row is there.
    sqlx::query(
        "INSERT INTO outbox (kind, payload, next_attempt_at)
         VALUES ('revoke_access', jsonb_build_object('kind', 'revoke_access', 'user_id', $1::uuid), now())",
    )
    .bind(owner.id)
    .execute(&app.db)
    .await
    .unwrap();

    let mut signed_out = false;
    for _ in 0..50 {
        if role_of(&browser).await.is_none() {
            signed_out = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    assert!(signed_out, "the worker ended the session within 5 s");
    assert!(
        app.outbox_empties().await,
        "the job left the outbox once done"
    );
}
