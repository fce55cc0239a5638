//! Tokens for the platform's other services: the grants, refresh rotation and reuse, the JWKS,
//! introspection, the user look-up, revocation reaching a verifying service at once, and every
//! kind of bad token refused with its reason.

use std::time::{Duration, Instant};

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use platform_auth::{AccessClaims, Verifier, VerifierConfig, VerifyError};
use reqwest::{header, Response};
use serde_json::{json, Value};
use user_service::{
    domain::{Role, UserStatus},
    server::{
        config::{DEFAULT_TOKEN_AUDIENCE, DEFAULT_TOKEN_ISSUER},
        tokens::keys::{generate_pem, SigningKeys},
    },
};

use crate::helpers::{spawn_app, TestApp, TestClient, TestUser, TEST_SERVICE_SECRET};

/// What `POST /api/v1/tokens` answered, read.
struct Tokens {
    access: String,
    refresh: String,
}

async fn token_request(app: &TestApp, form: &[(&str, &str)]) -> Response {
    reqwest::Client::new()
        .post(app.url("/api/v1/tokens"))
        .form(form)
        .send()
        .await
        .unwrap()
}

async fn read_tokens(response: Response) -> Tokens {
    assert_eq!(response.status().as_u16(), 200, "tokens expected");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 600);
    Tokens {
        access: body["access_token"].as_str().unwrap().to_owned(),
        refresh: body["refresh_token"].as_str().unwrap().to_owned(),
    }
}

async fn password_grant(app: &TestApp, user: &TestUser) -> Tokens {
    read_tokens(
        token_request(
            app,
            &[
                ("grant_type", "password"),
                ("email", &user.email),
                ("password", &user.password),
            ],
        )
        .await,
    )
    .await
}

async fn session_grant(browser: &TestClient) -> Response {
    browser
        .client
        .post(browser.url("/api/v1/tokens"))
        .form(&[("grant_type", "session")])
        .send()
        .await
        .unwrap()
}

async fn refresh(app: &TestApp, refresh_token: &str) -> Response {
    token_request(
        app,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ],
    )
    .await
}

/// The error code and reason of a JSON error answer, after checking its status.
async fn refusal(response: Response, status: u16) -> (String, Option<String>) {
    assert_eq!(response.status().as_u16(), status);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "application/json",
        "errors are JSON"
    );
    let body: Value = response.json().await.unwrap();
    assert!(body["error_description"].is_string(), "{body}");
    (
        body["error"].as_str().unwrap().to_owned(),
        body["reason"].as_str().map(str::to_owned),
    )
}

async fn me(app: &TestApp, token: &str) -> Response {
    reqwest::Client::new()
        .get(app.url("/api/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// The reason `/api/v1/me` gives for refusing `token`.
async fn me_refuses(app: &TestApp, token: &str) -> String {
    let (error, reason) = refusal(me(app, token).await, 401).await;
    assert_eq!(error, "invalid_token");
    reason.unwrap()
}

async fn introspect(app: &TestApp, token: &str) -> Value {
    let response = reqwest::Client::new()
        .post(app.url("/api/v1/introspect"))
        .bearer_auth(TEST_SERVICE_SECRET)
        .form(&[("token", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.unwrap()
}

/// What another service of the platform runs: keys from the app's JWKS, the app's Redis.
fn verifier(app: &TestApp) -> Verifier {
    Verifier::new(
        VerifierConfig::new(
            &app.url("/.well-known/jwks.json"),
            DEFAULT_TOKEN_ISSUER,
            DEFAULT_TOKEN_AUDIENCE,
        ),
        app.redis(),
    )
    .unwrap()
}

/// Polls until the verifier refuses `token` as revoked; how long that took (at most 1 s).
async fn refused_within_a_second(verifier: &Verifier, token: &str) -> Duration {
    let started = Instant::now();
    loop {
        match verifier.verify(token).await {
            Err(VerifyError::Rejected(platform_auth::Rejection::Revoked)) => {
                return started.elapsed()
            }
            other => assert!(
                started.elapsed() < Duration::from_secs(1),
                "still {other:?} after a second"
            ),
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn header_of(token: &str) -> Value {
    let header = token.split('.').next().unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap()
}

/// Claims the app would sign for `user`, to alter one thing in.
fn claims_for(user: &TestUser) -> AccessClaims {
    let now = chrono::Utc::now().timestamp();
    AccessClaims {
        sub: user.id,
        role: platform_auth::Role::Owner,
        email: user.email.clone(),
        sid: uuid::Uuid::new_v4(),
        jti: uuid::Uuid::new_v4(),
        iat: now,
        exp: now + 600,
        iss: DEFAULT_TOKEN_ISSUER.into(),
        aud: DEFAULT_TOKEN_AUDIENCE.into(),
    }
}

#[tokio::test]
async fn an_app_signs_in_for_tokens_that_another_service_accepts() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;

    let response = token_request(
        &app,
        &[
            ("grant_type", "password"),
            ("email", &owner.email),
            ("password", &owner.password),
        ],
    )
    .await;
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    assert_eq!(response.headers()[header::PRAGMA], "no-cache");
    let tokens = read_tokens(response).await;

    let claims = verifier(&app).verify(&tokens.access).await.unwrap();
    assert_eq!(claims.sub, owner.id);
    assert_eq!(claims.role, platform_auth::Role::Owner);
    assert_eq!(claims.email, owner.email);
    assert_eq!(claims.exp - claims.iat, 600);
    assert_eq!(claims.iss, DEFAULT_TOKEN_ISSUER);
    assert_eq!(claims.aud, DEFAULT_TOKEN_AUDIENCE);
    let header = header_of(&tokens.access);
    assert_eq!(header["alg"], "EdDSA");
    assert_eq!(header["typ"], "at+jwt");
    assert_eq!(header["kid"], app.settings().tokens.keys.signing_kid());
    let raw = claims_of(&tokens.access);
    for claim in [
        "sub", "role", "email", "sid", "jti", "iat", "exp", "iss", "aud",
    ] {
        assert!(!raw[claim].is_null(), "{claim} missing from {raw}");
    }

    let me: Value = me(&app, &tokens.access).await.json().await.unwrap();
    assert_eq!(me["id"], owner.id.to_string());
    assert_eq!(me["role"], "OWNER");
    assert_eq!(me["status"], "ACTIVE");

    let active = introspect(&app, &tokens.access).await;
    assert_eq!(active["active"], true);
    assert_eq!(active["sub"], owner.id.to_string());
    assert_eq!(active["sid"], raw["sid"]);
    // The sign-in was recorded as any other.
    let last_login: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("SELECT last_login_at FROM users WHERE id = $1")
            .bind(owner.id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(last_login.is_some());
}

#[tokio::test]
async fn wrong_credentials_get_one_answer_and_count_toward_the_lockout() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let inactive = app.create_user(Role::Owner, UserStatus::Inactive).await;
    let attempts = [
        ("nobody@example.com", "whatever-pass-1"),
        (inactive.email.as_str(), inactive.password.as_str()),
        (owner.email.as_str(), "wrong-password-1"),
    ];
    for (email, password) in attempts {
        let response = token_request(
            &app,
            &[
                ("grant_type", "password"),
                ("email", email),
                ("password", password),
            ],
        )
        .await;
        assert_eq!(
            refusal(response, 401).await,
            ("invalid_grant".into(), Some("invalid_credentials".into()))
        );
    }
    // Four more wrong passwords make five: the account locks against unknown browsers, which
    // an app is.
    for _ in 0..4 {
        token_request(
            &app,
            &[
                ("grant_type", "password"),
                ("email", &owner.email),
                ("password", "wrong-password-1"),
            ],
        )
        .await;
    }
    let status: String = sqlx::query_scalar("SELECT status FROM users WHERE id = $1")
        .bind(owner.id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(status, "LOCKED");
    let locked_out = token_request(
        &app,
        &[
            ("grant_type", "password"),
            ("email", &owner.email),
            ("password", &owner.password),
        ],
    )
    .await;
    assert_eq!(
        refusal(locked_out, 401).await.1.as_deref(),
        Some("invalid_credentials")
    );
}

#[tokio::test]
async fn password_grants_share_the_sign_in_throttle_and_refreshes_do_not_count() {
    // The address from X-Forwarded-For: one of this test's own (every test shares Redis).
    let app = crate::helpers::spawn_app_with(crate::helpers::AppOptions {
        throttle: user_service::server::config::ThrottleSettings {
            sign_in_per_minute: 3,
            sign_up_per_hour: 100,
            recovery_per_hour: 100,
            trust_forwarded_for: true,
        },
        ..Default::default()
    })
    .await;
    let address = format!("2001:db8:7:{:x}::1", rand::random::<u16>());
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    crate::helpers::with_seconds_left_in_the_minute(30).await;
    let grant = |form: Vec<(&'static str, String)>| {
        reqwest::Client::new()
            .post(app.url("/api/v1/tokens"))
            .header("x-forwarded-for", &address)
            .form(&form)
            .send()
    };
    let password = || {
        vec![
            ("grant_type", "password".to_owned()),
            ("email", owner.email.clone()),
            ("password", owner.password.clone()),
        ]
    };
    // A sign-in on the page and two for tokens use up the address's three.
    let page = app
        .client()
        .client
        .post(app.url("/api/login"))
        .header("x-forwarded-for", &address)
        .form(&[("email", "a@example.com"), ("password", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 400);
    read_tokens(grant(password()).await.unwrap()).await;
    let tokens = read_tokens(grant(password()).await.unwrap()).await;
    let throttled = grant(password()).await.unwrap();
    assert_eq!(throttled.headers()[header::RETRY_AFTER], "60");
    assert_eq!(refusal(throttled, 429).await.0, "too_many_requests");
    // Refreshing is no sign-in.
    let refreshed = grant(vec![
        ("grant_type", "refresh_token".to_owned()),
        ("refresh_token", tokens.refresh),
    ])
    .await
    .unwrap();
    read_tokens(refreshed).await;
}

#[tokio::test]
async fn a_signed_in_browser_gets_tokens_for_its_session_and_nobody_else_does() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let browser = app.signed_in(&owner).await;

    let tokens = read_tokens(session_grant(&browser).await).await;
    assert_eq!(claims_of(&tokens.access)["sub"], owner.id.to_string());

    let anonymous = app.client();
    assert_eq!(
        refusal(session_grant(&anonymous).await, 401).await,
        ("invalid_grant".into(), Some("no_session".into()))
    );
    // Another site cannot make the browser ask (its cookie would go along).
    let cross_site = browser
        .client
        .post(browser.url("/api/v1/tokens"))
        .header(header::ORIGIN, "https://evil.example")
        .form(&[("grant_type", "session")])
        .send()
        .await
        .unwrap();
    assert_eq!(refusal(cross_site, 403).await.0, "access_denied");
}

#[tokio::test]
async fn a_refresh_token_works_once_and_its_reuse_ends_the_whole_family() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let first = password_grant(&app, &owner).await;

    let second = read_tokens(refresh(&app, &first.refresh).await).await;
    assert_ne!(second.refresh, first.refresh);
    assert_eq!(
        claims_of(&second.access)["sid"],
        claims_of(&first.access)["sid"]
    );
    assert_eq!(introspect(&app, &second.access).await["active"], true);

    // The replaced token again: someone has a copy.
    assert_eq!(
        refusal(refresh(&app, &first.refresh).await, 401).await,
        ("invalid_grant".into(), Some("refresh_token_reused".into()))
    );
    // Every token of the family is dead now: the newest refresh token, both access tokens.
    assert_eq!(
        refusal(refresh(&app, &second.refresh).await, 401)
            .await
            .1
            .as_deref(),
        Some("refresh_token_revoked")
    );
    assert_eq!(me_refuses(&app, &second.access).await, "revoked");
    assert_eq!(
        introspect(&app, &first.access).await,
        json!({"active": false})
    );
    // Another sign-in is another family, untouched.
    let other = password_grant(&app, &owner).await;
    assert_eq!(introspect(&app, &other.access).await["active"], true);
}

#[tokio::test]
async fn malformed_unknown_and_revoked_refresh_tokens_are_refused_with_their_reason() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let tokens = password_grant(&app, &owner).await;
    let cases = [
        ("not a token", "refresh_token_malformed"),
        ("", "refresh_token_malformed"),
        (&tokens.access, "refresh_token_malformed"),
        (
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "refresh_token_unknown",
        ),
    ];
    for (token, reason) in cases {
        assert_eq!(
            refusal(refresh(&app, token).await, 401).await.1.as_deref(),
            Some(reason),
            "{token:?}"
        );
    }
    // The app signs out: the family ends, its access token at once.
    let revoked = reqwest::Client::new()
        .post(app.url("/api/v1/tokens/revoke"))
        .form(&[("token", tokens.refresh.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status().as_u16(), 200);
    assert_eq!(
        refusal(refresh(&app, &tokens.refresh).await, 401)
            .await
            .1
            .as_deref(),
        Some("refresh_token_revoked")
    );
    assert_eq!(me_refuses(&app, &tokens.access).await, "revoked");
    // Unknown tokens are "revoked" too, without a word (RFC 7009).
    let unknown = reqwest::Client::new()
        .post(app.url("/api/v1/tokens/revoke"))
        .form(&[("token", "nonsense")])
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status().as_u16(), 200);
}

#[tokio::test]
async fn an_expired_refresh_token_is_refused() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let tokens = password_grant(&app, &owner).await;
    sqlx::query("UPDATE refresh_tokens SET expires_at = now() - interval '1 second'")
        .execute(&app.db)
        .await
        .unwrap();
    assert_eq!(
        refusal(refresh(&app, &tokens.refresh).await, 401)
            .await
            .1
            .as_deref(),
        Some("refresh_token_expired")
    );
}

#[tokio::test]
async fn every_kind_of_bad_access_token_is_refused_with_its_reason() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let good = password_grant(&app, &owner).await.access;
    let keys = &app.settings().tokens.keys;
    let [header, payload, signature]: [&str; 3] =
        good.split('.').collect::<Vec<_>>().try_into().unwrap();
    let b64 = |v: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap());

    let expired = keys
        .sign(&AccessClaims {
            iat: chrono::Utc::now().timestamp() - 1200,
            exp: chrono::Utc::now().timestamp() - 600,
            ..claims_for(&owner)
        })
        .unwrap();
    let other_key = SigningKeys::from_pem(&generate_pem().1, None).unwrap();
    let unknown_key = other_key.sign(&claims_for(&owner)).unwrap();
    // Signed by another key that claims to be ours.
    let mut forged_header = header_of(&unknown_key);
    forged_header["kid"] = json!(keys.signing_kid());
    let wrong_signature = format!(
        "{}.{}",
        b64(&forged_header),
        unknown_key.split('.').skip(1).collect::<Vec<_>>().join(".")
    );
    // Our signature over other claims: a promoted role.
    let mut promoted = claims_of(&good);
    promoted["role"] = json!("ADMIN");
    let tampered = format!("{header}.{}.{signature}", b64(&promoted));
    let mut none_header = header_of(&good);
    none_header["alg"] = json!("none");
    let alg_none = format!("{}.{payload}.", b64(&none_header));
    let mut hs_header = header_of(&good);
    hs_header["alg"] = json!("HS256");
    let alg_hs256 = format!("{}.{payload}.{signature}", b64(&hs_header));
    let wrong_audience = keys
        .sign(&AccessClaims {
            aud: "another-platform".into(),
            ..claims_for(&owner)
        })
        .unwrap();
    let wrong_issuer = keys
        .sign(&AccessClaims {
            iss: "someone-else".into(),
            ..claims_for(&owner)
        })
        .unwrap();

    let cases = [
        ("garbage", "malformed".to_owned()),
        ("a.b.c", "malformed".to_owned()),
        (&format!("{header}.{payload}"), "malformed".to_owned()),
        (&expired, "expired".to_owned()),
        (&unknown_key, "unknown_key".to_owned()),
        (&wrong_signature, "bad_signature".to_owned()),
        (&tampered, "bad_signature".to_owned()),
        (&alg_none, "unsupported_algorithm".to_owned()),
        (&alg_hs256, "unsupported_algorithm".to_owned()),
        (&wrong_audience, "wrong_audience".to_owned()),
        (&wrong_issuer, "wrong_issuer".to_owned()),
    ];
    let verifier = verifier(&app);
    for (token, reason) in &cases {
        assert_eq!(&me_refuses(&app, token).await, reason, "{token}");
        match verifier.verify(token).await {
            Err(error) => assert_eq!(error.code(), reason, "verifier, {token}"),
            Ok(_) => panic!("the verifier accepted {token}"),
        }
        assert_eq!(introspect(&app, token).await, json!({"active": false}));
    }
    let missing = reqwest::Client::new()
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap();
    assert!(missing.headers().contains_key(header::WWW_AUTHENTICATE));
    assert_eq!(refusal(missing, 401).await.1.as_deref(), Some("missing"));
    // And the good one still passes everywhere.
    assert_eq!(me(&app, &good).await.status().as_u16(), 200);
}

#[tokio::test]
async fn tokens_end_at_once_everywhere_on_logout_lock_demotion_password_change_and_withdrawal() {
    let app = spawn_app().await;
    let verifier = verifier(&app);
    let admin = app.create_user(Role::Admin, UserStatus::Active).await;
    let console = app.signed_in(&admin).await;

    // Logout of the browser the tokens were asked from.
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let browser = app.signed_in(&owner).await;
    let from_browser = read_tokens(session_grant(&browser).await).await;
    let from_app = password_grant(&app, &owner).await;
    verifier.verify(&from_browser.access).await.unwrap();
    assert_eq!(browser.call("logout", &[]).await.status().as_u16(), 200);
    let took = refused_within_a_second(&verifier, &from_browser.access).await;
    println!("logout reached the verifier in {took:?}");
    assert_eq!(
        refusal(refresh(&app, &from_browser.refresh).await, 401)
            .await
            .1
            .as_deref(),
        Some("refresh_token_revoked")
    );
    // The app's own sign-in is another session: it goes on.
    verifier.verify(&from_app.access).await.unwrap();

    // An admin's lock.
    let locked = console
        .call(
            "admin/users/status",
            &[("user_id", &owner.id.to_string()), ("status", "LOCKED")],
        )
        .await;
    assert_eq!(locked.status().as_u16(), 200);
    let took = refused_within_a_second(&verifier, &from_app.access).await;
    println!("an admin's lock reached the verifier in {took:?}");
    // Its token session is listed by itself too, not only covered by "revoked before": a token
    // a refresh signed just before the family ended is refused whatever second its iat says.
    let sid: uuid::Uuid = claims_of(&from_app.access)["sid"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        app.redis_ttl(&platform_auth::revocation::session_key(owner.id, sid))
            .await
            > 0
    );
    assert_eq!(
        refusal(refresh(&app, &from_app.refresh).await, 401)
            .await
            .1
            .as_deref(),
        Some("refresh_token_revoked")
    );

    // A demotion: the admin's tokens go, and a new sign-in says OWNER.
    let other_admin = app.create_user(Role::Admin, UserStatus::Active).await;
    let admins_tokens = password_grant(&app, &other_admin).await;
    assert_eq!(claims_of(&admins_tokens.access)["role"], "ADMIN");
    console
        .call(
            "admin/users/role",
            &[("user_id", &other_admin.id.to_string()), ("role", "OWNER")],
        )
        .await;
    refused_within_a_second(&verifier, &admins_tokens.access).await;
    let after = password_grant(&app, &other_admin).await;
    assert_eq!(claims_of(&after.access)["role"], "OWNER");
    verifier.verify(&after.access).await.unwrap();

    // A password change: every token goes, this browser stays signed in and gets new ones.
    let changer = app.create_user(Role::Owner, UserStatus::Active).await;
    let changers_browser = app.signed_in(&changer).await;
    let old = password_grant(&app, &changer).await;
    let new_password = "tangerine-harbor-99";
    let changed = changers_browser
        .call(
            "profile/password",
            &[
                ("current_password", changer.password.as_str()),
                ("new_password", new_password),
                ("new_password_confirm", new_password),
            ],
        )
        .await;
    assert_eq!(changed.status().as_u16(), 200);
    refused_within_a_second(&verifier, &old.access).await;
    let fresh = read_tokens(session_grant(&changers_browser).await).await;
    verifier.verify(&fresh.access).await.unwrap();

    // Withdrawal.
    let leaver = app.create_user(Role::Owner, UserStatus::Active).await;
    let leavers_browser = app.signed_in(&leaver).await;
    let leavers = read_tokens(session_grant(&leavers_browser).await).await;
    let withdrawn = leavers_browser
        .call("profile/withdraw", &[("password", &leaver.password)])
        .await;
    assert_eq!(withdrawn.status().as_u16(), 200);
    refused_within_a_second(&verifier, &leavers.access).await;
    assert_eq!(
        refusal(refresh(&app, &leavers.refresh).await, 401)
            .await
            .1
            .as_deref(),
        Some("refresh_token_revoked")
    );
}

#[tokio::test]
async fn ending_other_sessions_ends_the_apps_tokens_but_not_this_browsers() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let browser = app.signed_in(&owner).await;
    let mine = read_tokens(session_grant(&browser).await).await;
    let apps = password_grant(&app, &owner).await;

    let ended = browser.call("profile/sessions/end-others", &[]).await;
    assert_eq!(ended.status().as_u16(), 200);

    assert_eq!(me_refuses(&app, &apps.access).await, "revoked");
    assert_eq!(me(&app, &mine.access).await.status().as_u16(), 200);
    read_tokens(refresh(&app, &mine.refresh).await).await;
}

#[tokio::test]
async fn the_jwks_publishes_the_signing_key_and_previous_keys_still_verify() {
    let old = generate_pem().1;
    let (new_kid, new) = generate_pem();
    let old_keys = SigningKeys::from_pem(&old, None).unwrap();
    let app = crate::helpers::spawn_app_with_tokens(
        SigningKeys::from_pem(&new, Some(secrecy::ExposeSecret::expose_secret(&old))).unwrap(),
    )
    .await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;

    let response = reqwest::get(app.url("/.well-known/jwks.json"))
        .await
        .unwrap();
    assert_eq!(
        response.headers()[header::CACHE_CONTROL],
        "public, max-age=300"
    );
    let jwks: Value = response.json().await.unwrap();
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(kids, [new_kid.as_str(), old_keys.signing_kid()]);
    assert_eq!(jwks["keys"][0]["kty"], "OKP");
    assert_eq!(jwks["keys"][0]["crv"], "Ed25519");
    assert!(jwks["keys"][0].get("d").is_none(), "no private part");

    // New tokens are signed with the new key; one the old key signed is still good.
    let tokens = password_grant(&app, &owner).await;
    assert_eq!(header_of(&tokens.access)["kid"], new_kid);
    let from_old_key = old_keys.sign(&claims_for(&owner)).unwrap();
    let verifier = verifier(&app);
    verifier.verify(&from_old_key).await.unwrap();
    verifier.verify(&tokens.access).await.unwrap();
    assert_eq!(me(&app, &from_old_key).await.status().as_u16(), 200);
}

#[tokio::test]
async fn tokens_naming_unknown_keys_cannot_make_a_verifier_hammer_a_jwks_that_is_away() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    // A JWKS address that refuses every request at once, counting them.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let jwks_url = format!(
        "http://{}/.well-known/jwks.json",
        listener.local_addr().unwrap()
    );
    let asked = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = asked.clone();
    tokio::spawn(async move {
        while let Ok((connection, _)) = listener.accept().await {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            drop(connection);
        }
    });
    let verifier = Verifier::new(
        VerifierConfig::new(&jwks_url, DEFAULT_TOKEN_ISSUER, DEFAULT_TOKEN_AUDIENCE),
        app.redis(),
    )
    .unwrap();
    let good = password_grant(&app, &owner).await.access;
    let b64 = |v: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap());
    let mut none_header = header_of(&good);
    none_header["alg"] = json!("none");

    for round in 0..30 {
        // Refused by its header before any key is looked for.
        let alg_none = format!("{}.{}.", b64(&none_header), good.split('.').nth(1).unwrap());
        assert!(matches!(
            verifier.verify(&alg_none).await,
            Err(VerifyError::Rejected(
                platform_auth::Rejection::UnsupportedAlgorithm
            ))
        ));
        // A key nobody published, a new one each time.
        let mut header = header_of(&good);
        header["kid"] = json!(format!("made-up-{round}"));
        let rest = good.split('.').skip(1).collect::<Vec<_>>().join(".");
        let unknown = format!("{}.{rest}", b64(&header));
        assert!(matches!(
            verifier.verify(&unknown).await,
            Err(VerifyError::Unavailable(_))
        ));
    }
    assert_eq!(
        asked.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "one attempt per refetch interval (5 s), whatever the tokens say"
    );
}

#[tokio::test]
async fn services_look_users_up_with_their_credential_and_see_nothing_secret() {
    let app = spawn_app().await;
    let form = app.client().sign_up_owner().await;
    let email = crate::helpers::value_of(&form, "email");
    let owner_id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let admin = app.create_user(Role::Admin, UserStatus::Active).await;
    let service = reqwest::Client::new();
    let look_up = |id: String, secret: Option<&'static str>| {
        let mut request = service.get(app.url(&format!("/api/v1/users/{id}")));
        if let Some(secret) = secret {
            request = request.bearer_auth(secret);
        }
        request.send()
    };

    let owner: Value = look_up(owner_id.to_string(), Some(TEST_SERVICE_SECRET))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        owner,
        json!({
            "id": owner_id,
            "role": "OWNER",
            "status": "ACTIVE",
            "name": "김민수",
            "store": {"name": "민수네 분식", "industry": "음식점"},
        })
    );
    let admin_seen: Value = look_up(admin.id.to_string(), Some(TEST_SERVICE_SECRET))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(admin_seen["store"], Value::Null);
    assert_eq!(admin_seen["role"], "ADMIN");

    let missing = look_up(uuid::Uuid::new_v4().to_string(), Some(TEST_SERVICE_SECRET))
        .await
        .unwrap();
    assert_eq!(refusal(missing, 404).await.0, "not_found");
    let bad_id = look_up("not-a-uuid".into(), Some(TEST_SERVICE_SECRET))
        .await
        .unwrap();
    assert_eq!(refusal(bad_id, 400).await.0, "invalid_request");
    for secret in [None, Some("wrong-secret-wrong-secret-wrong-secret")] {
        let refused = look_up(owner_id.to_string(), secret).await.unwrap();
        assert!(refused.headers().contains_key(header::WWW_AUTHENTICATE));
        assert_eq!(refusal(refused, 401).await.0, "invalid_client");
    }
    // A user's access token is not a service credential.
    let token = password_grant(&app, &admin).await.access;
    let with_token = service
        .get(app.url(&format!("/api/v1/users/{owner_id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(refusal(with_token, 401).await.0, "invalid_client");
}

#[tokio::test]
async fn introspection_needs_a_service_credential_and_answers_rfc_7662() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let tokens = password_grant(&app, &owner).await;
    let anonymous = reqwest::Client::new()
        .post(app.url("/api/v1/introspect"))
        .form(&[("token", tokens.access.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(refusal(anonymous, 401).await.0, "invalid_client");
    let as_json = reqwest::Client::new()
        .post(app.url("/api/v1/introspect"))
        .bearer_auth(TEST_SERVICE_SECRET)
        .json(&json!({"token": tokens.access}))
        .send()
        .await
        .unwrap();
    let active: Value = as_json.json().await.unwrap();
    assert_eq!(active["active"], true);
    assert_eq!(active["token_type"], "Bearer");
    assert_eq!(active["role"], "OWNER");
    assert_eq!(
        introspect(&app, &tokens.refresh).await,
        json!({"active": false})
    );
}

#[tokio::test]
async fn the_api_answers_json_errors_and_documents_itself() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();
    let not_found = client
        .get(app.url("/api/v1/nothing-here"))
        .send()
        .await
        .unwrap();
    assert_eq!(refusal(not_found, 404).await.0, "not_found");
    let wrong_method = client.get(app.url("/api/v1/tokens")).send().await.unwrap();
    assert_eq!(refusal(wrong_method, 405).await.0, "method_not_allowed");
    let unsupported = token_request(&app, &[("grant_type", "client_credentials")]).await;
    assert_eq!(refusal(unsupported, 400).await.0, "unsupported_grant_type");
    let no_grant = token_request(&app, &[]).await;
    assert_eq!(refusal(no_grant, 400).await.0, "invalid_request");
    let plain_text = client
        .post(app.url("/api/v1/tokens"))
        .header(header::CONTENT_TYPE, "text/plain")
        .body("grant_type=password")
        .send()
        .await
        .unwrap();
    assert_eq!(refusal(plain_text, 400).await.0, "invalid_request");
    let too_large = client
        .post(app.url("/api/v1/tokens"))
        // Refused from its length and the connection closed: not one for the pool to reuse.
        .header(header::CONNECTION, "close")
        .header(header::CONTENT_TYPE, "application/json")
        .body(format!("{{\"grant_type\": \"{}\"}}", "a".repeat(70_000)))
        .send()
        .await
        .unwrap();
    assert_eq!(too_large.status().as_u16(), 413);

    let doc: Value = client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    for path in [
        "/api/v1/tokens",
        "/api/v1/tokens/revoke",
        "/api/v1/introspect",
        "/api/v1/users/{id}",
        "/api/v1/me",
        "/api/v1/openapi.json",
        "/.well-known/jwks.json",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} is not documented");
    }
    for scheme in ["access_token", "service_credential", "session_cookie"] {
        assert!(
            doc["components"]["securitySchemes"][scheme].is_object(),
            "{scheme}"
        );
    }
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
}
