//! The command line, run as a real process.

use std::{
    io::Write,
    process::{Command, Output, Stdio},
};

use user_service::domain::{Role, UserStatus};

use crate::helpers::spawn_app;

fn user_service(args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_user-service"));
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("BCRYPT_COST", "4")
        // A production-like start needs a signing key (the token tests cover its absence).
        .env("TOKEN_SIGNING_KEY", signing_key_pem())
        .envs(env.iter().copied())
        // No .env file in this directory may fill in what a test leaves out.
        .current_dir(std::env::temp_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn signing_key_pem() -> String {
    let (_, pem) = user_service::server::tokens::keys::generate_pem();
    secrecy::ExposeSecret::expose_secret(&pem).to_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn create_admin_creates_an_admin_who_can_sign_in() {
    let app = spawn_app().await;
    let url = format!("{}/{}", crate::helpers::pg_server_url(), app.db_name);
    let output = user_service(
        &[
            "create-admin",
            "--email",
            "Boss@Example.com",
            "--name",
            "관리자",
            "--phone",
            "01099998888",
            "--password-stdin",
        ],
        &[("DATABASE_URL", &url)],
        Some("correct-horse-battery\n"),
    );
    assert!(output.status.success(), "{}", stderr(&output));

    let response = app
        .client()
        .call(
            "login",
            &[
                ("email", "boss@example.com"),
                ("password", "correct-horse-battery"),
            ],
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let (role, phone): (String, String) =
        sqlx::query_as("SELECT role, phone_number FROM users WHERE email = 'boss@example.com'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!((role.as_str(), phone.as_str()), ("ADMIN", "010-9999-8888"));
}

#[tokio::test]
async fn set_password_lets_a_locked_out_admin_back_in_and_ends_their_sessions() {
    let app = spawn_app().await;
    let admin = app.create_user(Role::Admin, UserStatus::Active).await;
    let old_browser = app.signed_in(&admin).await;
    sqlx::query("UPDATE users SET status = 'LOCKED' WHERE id = $1")
        .bind(admin.id)
        .execute(&app.db)
        .await
        .unwrap();
    let url = format!("{}/{}", crate::helpers::pg_server_url(), app.db_name);

    let output = user_service(
        &[
            "set-password",
            "--email",
            &admin.email,
            "--password-stdin",
            "--unlock",
        ],
        &[("DATABASE_URL", &url)],
        Some("a-brand-new-admin-pass\n"),
    );

    assert!(output.status.success(), "{}", stderr(&output));
    let response = app
        .client()
        .call(
            "login",
            &[
                ("email", &admin.email),
                ("password", "a-brand-new-admin-pass"),
            ],
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    // The running app's worker did the rest: the revocation and the notice left the outbox.
    assert!(
        app.outbox_empties().await,
        "the outbox worker took the jobs"
    );
    let before: serde_json::Value = old_browser
        .call("current_user", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(before.is_null(), "the session from before ended");
    let (actor, action, after): (String, String, String) = sqlx::query_as(
        "SELECT actor_email, action, after FROM admin_audit_log WHERE target_id = $1",
    )
    .bind(admin.id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(
        (actor.as_str(), action.as_str(), after.as_str()),
        ("운영자 (명령줄)", "SET_STATUS", "ACTIVE"),
        "lifting the lock is audited"
    );
    crate::helpers::wait_for_mail_about(&admin.email, "비밀번호가 변경되었습니다").await;
}

#[test]
fn set_password_refuses_an_unknown_address_and_a_weak_password() {
    let url = format!("{}/postgres", crate::helpers::pg_server_url());
    let weak = user_service(
        &[
            "set-password",
            "--email",
            "a@example.com",
            "--password-stdin",
        ],
        &[("DATABASE_URL", &url)],
        Some("short\n"),
    );
    assert_eq!(weak.status.code(), Some(1));
    assert!(
        stderr(&weak).starts_with("error: password"),
        "{}",
        stderr(&weak)
    );
}

#[tokio::test]
async fn create_admin_refuses_a_duplicate_with_a_clear_message() {
    let app = spawn_app().await;
    let url = format!("{}/{}", crate::helpers::pg_server_url(), app.db_name);
    let env = [
        ("DATABASE_URL", url.as_str()),
        ("USER_SERVICE_ADMIN_PASSWORD", "correct-horse-battery"),
    ];
    let args = [
        "create-admin",
        "--email",
        "boss@example.com",
        "--name",
        "관리자",
        "--phone",
        "010-1111-2222",
    ];
    assert!(user_service(&args, &env, None).status.success());

    let again = user_service(&args, &env, None);

    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );
    assert_eq!(stderr(&again).lines().count(), 1);
}

#[test]
fn create_admin_refuses_a_weak_password_and_a_missing_one() {
    let url = format!("{}/postgres", crate::helpers::pg_server_url());
    let args = [
        "create-admin",
        "--email",
        "boss@example.com",
        "--name",
        "관리자",
        "--phone",
        "010-1111-2222",
    ];
    let short = user_service(
        &args,
        &[
            ("DATABASE_URL", &url),
            ("USER_SERVICE_ADMIN_PASSWORD", "short"),
        ],
        None,
    );
    assert_eq!(short.status.code(), Some(1));
    assert!(stderr(&short).contains("8자 이상"), "{}", stderr(&short));

    let missing = user_service(&args, &[("DATABASE_URL", &url)], None);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr(&missing).contains("--password-stdin"),
        "{}",
        stderr(&missing)
    );
}

#[test]
fn missing_configuration_is_one_clear_line_and_a_failure() {
    let output = user_service(&["serve"], &[("REDIS_URL", "redis://127.0.0.1:6379")], None);

    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(
        message.starts_with("error: DATABASE_URL is not set"),
        "{message}"
    );
}

#[test]
fn an_unreachable_database_is_one_clear_line_and_a_failure() {
    let output = user_service(
        &["serve"],
        &[
            ("DATABASE_URL", "postgres://nobody:secret@127.0.0.1:1/none"),
            ("REDIS_URL", "redis://127.0.0.1:6379"),
            ("SMTP_URL", &crate::helpers::smtp_url()),
        ],
        None,
    );

    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(message.contains("cannot reach PostgreSQL"), "{message}");
    assert!(
        !message.contains("secret"),
        "the password is not printed: {message}"
    );
}

#[test]
fn an_unreachable_redis_is_one_clear_line_and_a_failure() {
    let url = format!("{}/postgres", crate::helpers::pg_server_url());
    let output = user_service(
        &["serve"],
        &[
            ("DATABASE_URL", &url),
            ("REDIS_URL", "redis://127.0.0.1:1"),
            ("SMTP_URL", &crate::helpers::smtp_url()),
        ],
        None,
    );

    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(message.contains("cannot reach Redis"), "{message}");
}

#[test]
fn a_production_start_without_a_signing_key_is_one_clear_line() {
    let output = user_service(
        &["serve"],
        &[
            ("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none"),
            ("REDIS_URL", "redis://127.0.0.1:1"),
            ("SMTP_URL", "smtp://127.0.0.1:1"),
            ("TOKEN_SIGNING_KEY", ""),
        ],
        None,
    );

    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(
        message.starts_with("error: TOKEN_SIGNING_KEY_FILE is not set"),
        "{message}"
    );
}

#[test]
fn generate_signing_key_writes_a_private_file_once_and_serve_names_a_bad_one() {
    let dir = std::env::temp_dir().join(format!("user-service-keys-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let key = dir.join("signing.pem");
    let key_path = key.to_string_lossy().into_owned();

    let output = user_service(&["generate-signing-key", "--out", &key_path], &[], None);
    assert!(output.status.success(), "{}", stderr(&output));
    let said = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(said.contains("kid "), "{said}");
    let text = std::fs::read_to_string(&key).unwrap();
    assert!(text.starts_with("-----BEGIN PRIVATE KEY-----"));
    assert!(
        !said.contains(text.lines().nth(1).unwrap()),
        "the key is not printed"
    );
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let again = user_service(&["generate-signing-key", "--out", &key_path], &[], None);
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(&key).unwrap(),
        text,
        "never overwritten"
    );

    let garbage = dir.join("garbage.pem");
    std::fs::write(&garbage, "not a key").unwrap();
    let output = user_service(
        &["serve"],
        &[
            ("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none"),
            ("REDIS_URL", "redis://127.0.0.1:1"),
            ("SMTP_URL", "smtp://127.0.0.1:1"),
            ("TOKEN_SIGNING_KEY", ""),
            ("TOKEN_SIGNING_KEY_FILE", &garbage.to_string_lossy()),
        ],
        None,
    );
    let message = stderr(&output);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(
        message.starts_with("error: TOKEN_SIGNING_KEY_FILE:"),
        "{message}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
