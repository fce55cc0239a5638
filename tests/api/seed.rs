use std::process::Command;

use crate::helpers::{pg_server_url, spawn_app};

#[tokio::test]
async fn seed_inserts_owners_with_stores_and_the_same_search_text_as_the_database() {
    let app = spawn_app().await;
    let output = Command::new(env!("CARGO_BIN_EXE_user-service"))
        .args(["seed", "--users", "300"])
        .env(
            "DATABASE_URL",
            format!("{}/{}", pg_server_url(), app.db_name),
        )
        .env("BCRYPT_COST", "4")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE role = 'OWNER'")
            .await,
        300
    );
    assert_eq!(
        app.count("SELECT count(*) FROM users u JOIN stores s ON s.user_id = u.id")
            .await,
        300,
        "every owner has a store"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM users u JOIN stores s ON s.user_id = u.id WHERE u.search_text <> user_search_text(u, s.name)").await,
        0,
        "the seeded search text is what the triggers would have written"
    );
    assert!(
        app.count("SELECT count(DISTINCT status) FROM users").await >= 3,
        "varied statuses"
    );
    // A seeded owner signs in with the documented password.
    let email: String =
        sqlx::query_scalar("SELECT email FROM users WHERE status = 'ACTIVE' LIMIT 1")
            .fetch_one(&app.db)
            .await
            .unwrap();
    let response = app
        .client()
        .call(
            "login",
            &[
                ("email", &email),
                ("password", user_service::server::seed::SEED_PASSWORD),
            ],
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
}
