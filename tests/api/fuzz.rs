//! Thousands of malformed requests to every server function, as an anonymous visitor, an
//! owner and an admin: missing, repeated and oversized fields, NUL bytes, invalid UTF-8, very
//! long strings, wrong shapes and wrong content types. Never a 5xx, and nothing changes.
//!
//! Seeded, so a failure can be replayed: `FUZZ_SEED=<seed printed on failure> cargo test ...`.

use rand::{rngs::StdRng, seq::IndexedRandom, Rng, SeedableRng};
use user_service::{
    domain::{Role, UserStatus},
    error::AppError,
    server::security::MAX_BODY_BYTES,
};

use crate::helpers::{registered_server_functions, spawn_app, TestApp, TestClient};

/// Every server function and the fields it reads.
const FUNCTIONS: [(&str, &[&str]); 29] = [
    ("current_user", &[]),
    ("logout", &[]),
    ("login", &["email", "password", "next"]),
    (
        "signup",
        &[
            "name",
            "phone_number",
            "email",
            "password",
            "password_confirm",
            "store_name",
            "industry",
            "address",
            "business_hours",
        ],
    ),
    ("profile", &[]),
    ("profile/owner", &["name", "phone_number", "phone_password"]),
    ("profile/email", &["email", "current_password"]),
    (
        "profile/store",
        &["store_name", "industry", "address", "business_hours"],
    ),
    (
        "profile/password",
        &["current_password", "new_password", "new_password_confirm"],
    ),
    ("profile/withdraw", &["password"]),
    ("profile/sessions", &[]),
    ("profile/sessions/end", &["handle"]),
    ("profile/sessions/end-others", &[]),
    ("admin/dashboard", &[]),
    (
        "admin/users",
        &[
            "q", "status", "role", "verified", "sort", "dir", "page", "per_page",
        ],
    ),
    ("admin/user", &["user_id"]),
    ("admin/audit", &["page"]),
    ("admin/users/status", &["user_id", "status"]),
    ("admin/users/role", &["user_id", "role"]),
    ("admin/users/end-sessions", &["user_id"]),
    ("admin/users/recovery-code", &["user_id"]),
    ("admin/users/recovery-code/show", &["user_id", "handle"]),
    (
        "admin/users/require-password-change",
        &["user_id", "required"],
    ),
    ("password/forgot", &["email"]),
    (
        "password/reset",
        &[
            "email",
            "code",
            "token",
            "new_password",
            "new_password_confirm",
        ],
    ),
    ("email/verify", &["code"]),
    ("email/verify-link", &["token"]),
    ("email/verify-link/describe", &["token"]),
    ("email/resend", &[]),
];

/// Raw, already-encoded values no field accepts (so no fuzzed request is ever valid): empty,
/// blank, NUL and other control bytes, invalid UTF-8, broken escapes, far too long.
fn nasty_values() -> Vec<String> {
    vec![
        String::new(),
        "%20%20%20".into(),
        "a%00b".into(),
        "%00".repeat(50),
        "%01%02%1B%7F".into(),
        "%FF%FE%FD".into(),
        "%C3%28".into(),
        "%ED%A0%80".into(),
        "%ZZ%".into(),
        "%".into(),
        "line%0Abreak".into(),
        "%E2%80%AE%00evil".into(),
        "x".repeat(20_000),
        "%EA%B0%80".repeat(2_000),
        "'%20OR%201%3D1%20--%00".into(),
        "%3Cscript%3Ealert(1)%3C%2Fscript%3E%0A".into(),
        "..%2F..%2Fetc%2Fpasswd%00".into(),
        "-1%00".into(),
        "99999999999999999999999999%0A".into(),
        "00000000-0000-0000-0000-00000000000%00".into(),
    ]
}

/// One malformed urlencoded body (or, now and then, something that is not a form at all).
fn malformed_request(rng: &mut StdRng, fields: &[&str]) -> (&'static str, Vec<u8>) {
    let values = nasty_values();
    match rng.random_range(0..10) {
        // Not a form: random bytes, JSON, or a form that is itself broken.
        0 => {
            let len = rng.random_range(0..2_000);
            let bytes: Vec<u8> = (0..len).map(|_| rng.random()).collect();
            ("application/x-www-form-urlencoded", bytes)
        }
        1 => (
            "application/json",
            br#"{"email": [1, 2], "user_id": {"$ne": null}, "page": -1}"#.to_vec(),
        ),
        2 => ("text/plain", b"email=a@b.c&password=".to_vec()),
        _ => {
            let mut pairs = Vec::new();
            for field in fields {
                if rng.random_bool(0.2) {
                    continue; // missing
                }
                let key = match rng.random_range(0..8) {
                    0 => format!("{field}[]"),
                    1 => format!("{field}[a][b]"),
                    2 => format!("{field}%00"),
                    _ => (*field).to_owned(),
                };
                let repeat = if rng.random_bool(0.2) { 3 } else { 1 };
                for _ in 0..repeat {
                    let value = values.choose(rng).cloned().unwrap_or_default();
                    pairs.push(format!("{key}={value}"));
                }
            }
            if rng.random_bool(0.3) {
                pairs.push("unexpected=%FF&=&&==".into());
            }
            (
                "application/x-www-form-urlencoded",
                pairs.join("&").into_bytes(),
            )
        }
    }
}

/// What the app answered a fuzzed request.
struct Answer {
    status: u16,
    /// The session was ended for safety: five wrong current passwords (any non-empty string is
    /// a well-formed password, so the fuzzer does get this far now and then).
    signed_out: bool,
}

/// Sends the request; a server error fails the test with the request and the answer.
async fn send(
    browser: &TestClient,
    app: &TestApp,
    endpoint: &str,
    content_type: &str,
    body: Vec<u8>,
) -> Result<Answer, String> {
    let preview = String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned();
    let oversized = body.len() > MAX_BODY_BYTES;
    let mut request = browser
        .client
        .post(app.url(&format!("/api/{endpoint}")))
        .header("content-type", content_type);
    if oversized {
        // The server closes the connection after refusing such a body: not one to reuse.
        request = request.header("connection", "close");
    }
    let sent = request.body(body).send().await;
    let response = match sent {
        Ok(response) => response,
        // The server answers an oversized body 413 from its length alone and closes the
        // connection; a body larger than the socket buffers is then still being written, and
        // the client sees the close instead of the answer.
        Err(error) if oversized && error.is_request() => {
            return Ok(Answer {
                status: 413,
                signed_out: false,
            })
        }
        Err(error) => return Err(format!("/api/{endpoint}: no answer: {error:?}")),
    };
    let status = response.status().as_u16();
    let answer = response.text().await.unwrap_or_default();
    if status >= 500 {
        return Err(format!(
            "/api/{endpoint} answered {status} {answer:?} to {content_type} {preview:?}"
        ));
    }
    let signed_out = status == 401
        && serde_json::from_str::<AppError>(&answer).is_ok_and(|e| e == AppError::SignedOut);
    Ok(Answer { status, signed_out })
}

/// Everything the app stores: users, stores and the audit log.
async fn snapshot(app: &TestApp) -> String {
    sqlx::query_scalar(
        "SELECT concat_ws('/',
            (SELECT md5(coalesce(string_agg(u::text, ',' ORDER BY id), '')) FROM users u),
            (SELECT md5(coalesce(string_agg(s::text, ',' ORDER BY user_id), '')) FROM stores s),
            (SELECT count(*) FROM admin_audit_log))",
    )
    .fetch_one(&app.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn malformed_bodies_never_cause_a_server_error_or_a_change() {
    let seed: u64 = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    let mut rng = StdRng::seed_from_u64(seed);
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let admin = app.create_user(Role::Admin, UserStatus::Active).await;
    let mut actors = [
        ("anonymous", None, app.client()),
        ("owner", Some(&owner), app.signed_in(&owner).await),
        ("admin", Some(&admin), app.signed_in(&admin).await),
    ];
    let mut before = snapshot(&app).await;
    let per_function_and_actor = 80;
    let mut sent = 0;
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    let mut signed_out_for_safety = 0;
    for (actor, user, browser) in &mut actors {
        for (endpoint, fields) in FUNCTIONS {
            // Logging out takes no input: any body is a valid request to sign out.
            if endpoint == "logout" && *actor != "anonymous" {
                continue;
            }
            for _ in 0..per_function_and_actor {
                let (content_type, body) = malformed_request(&mut rng, fields);
                let answer = send(browser, &app, endpoint, content_type, body)
                    .await
                    .unwrap_or_else(|e| panic!("as {actor}: {e} (FUZZ_SEED={seed})"));
                sent += 1;
                *statuses.entry(answer.status).or_default() += 1;
                if let (true, Some(user)) = (answer.signed_out, *user) {
                    // As designed; sign in again so the rest still runs as this actor. Signing
                    // in records itself (last sign-in): what came before is checked first.
                    signed_out_for_safety += 1;
                    assert_eq!(
                        snapshot(&app).await,
                        before,
                        "a malformed request changed data (FUZZ_SEED={seed})"
                    );
                    *browser = app.signed_in(user).await;
                    before = snapshot(&app).await;
                }
            }
        }
        // Oversized: refused before it is read.
        let huge = format!("email={}", "a".repeat(MAX_BODY_BYTES + 1024)).into_bytes();
        let status = send(
            browser,
            &app,
            "login",
            "application/x-www-form-urlencoded",
            huge,
        )
        .await
        .map(|answer| answer.status);
        assert_eq!(status, Ok(413), "{actor}");
    }
    assert!(sent >= 4_000, "only {sent} requests");
    assert_eq!(
        snapshot(&app).await,
        before,
        "a malformed request changed data (FUZZ_SEED={seed})"
    );
    // The signed-in actors are still signed in: nothing ended their sessions either.
    for (actor, _, browser) in &actors[1..] {
        let body: serde_json::Value = browser
            .call("current_user", &[])
            .await
            .json()
            .await
            .unwrap();
        assert!(!body.is_null(), "{actor} was signed out");
    }
    println!(
        "fuzz: {sent} requests, statuses {statuses:?}, signed out after 5 wrong current \
         passwords {signed_out_for_safety} times, seed {seed}"
    );
}

#[test]
fn every_server_function_the_app_has_is_fuzzed() {
    let fuzzed: std::collections::BTreeSet<String> = FUNCTIONS
        .iter()
        .map(|(endpoint, _)| (*endpoint).to_owned())
        .collect();
    assert_eq!(fuzzed, registered_server_functions());
}

/// The JSON API (`/api/v1`): every endpoint and the fields it reads. Checked against the
/// OpenAPI document, the API's registry, as `FUNCTIONS` is against the server functions'.
const API_ENDPOINTS: [(&str, &str, &[&str]); 7] = [
    (
        "POST",
        "/api/v1/tokens",
        &["grant_type", "email", "password", "refresh_token"],
    ),
    (
        "POST",
        "/api/v1/tokens/revoke",
        &["token", "token_type_hint"],
    ),
    ("POST", "/api/v1/introspect", &["token", "token_type_hint"]),
    ("GET", "/api/v1/users/{id}", &[]),
    ("GET", "/api/v1/me", &[]),
    ("GET", "/api/v1/openapi.json", &[]),
    ("GET", "/.well-known/jwks.json", &[]),
];

/// Every token-related table, and the users: nothing a malformed request may change.
async fn api_snapshot(app: &TestApp) -> String {
    let tables: String = sqlx::query_scalar(
        "SELECT concat_ws('/',
            (SELECT count(*) FROM token_families), (SELECT count(*) FROM refresh_tokens),
            (SELECT count(*) FROM token_families WHERE revoked_at IS NOT NULL))",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    format!("{}/{tables}", snapshot(app).await)
}

/// An error answer of the API: JSON with a string `error`, unless the body limit refused it
/// before any handler ran.
async fn check_api_answer(response: reqwest::Response, what: &str) -> Result<u16, String> {
    let status = response.status().as_u16();
    let body = response.text().await.unwrap_or_default();
    if status >= 500 {
        return Err(format!("{what} answered {status} {body:?}"));
    }
    if status >= 400 && status != 413 {
        let error = serde_json::from_str::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["error"].as_str().map(str::to_owned));
        if error.is_none() {
            return Err(format!(
                "{what} answered {status} without the JSON error shape: {body:?}"
            ));
        }
    }
    Ok(status)
}

#[tokio::test]
async fn malformed_api_requests_never_cause_a_server_error_a_page_or_a_change() {
    let seed: u64 = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    let mut rng = StdRng::seed_from_u64(seed);
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    // A real token and refresh token to mutate; their family is the only one.
    let tokens: serde_json::Value = reqwest::Client::new()
        .post(app.url("/api/v1/tokens"))
        .form(&[
            ("grant_type", "password"),
            ("email", &owner.email),
            ("password", &owner.password),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let before = api_snapshot(&app).await;
    // A fresh connection per request: the server may close one after answering without reading
    // a large body (a refused credential, say), and a reused one would then fail the next send.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let secret = crate::helpers::TEST_SERVICE_SECRET;
    let grant_types = [
        "password",
        "refresh_token",
        "session",
        "client_credentials",
        "",
    ];
    let mut sent = 0;
    for (method, path, fields) in API_ENDPOINTS {
        for i in 0..120 {
            let as_service = i % 2 == 0;
            let mut oversized = false;
            let (url, mut request) = if method == "POST" {
                let (content_type, mut body) = malformed_request(&mut rng, fields);
                // Often a real grant type, so the fuzzing reaches each grant's own parsing.
                if path == "/api/v1/tokens" && rng.random_bool(0.5) {
                    let grant = grant_types.choose(&mut rng).copied().unwrap_or_default();
                    body = [format!("grant_type={grant}&").into_bytes(), body].concat();
                }
                let url = app.url(path);
                oversized = body.len() > MAX_BODY_BYTES;
                let mut request = client.post(&url).header("content-type", content_type);
                if oversized {
                    // Refused from its length, the connection closed: not one to reuse.
                    request = request.header("connection", "close");
                }
                (url, request.body(body))
            } else {
                let mut id = nasty_values().choose(&mut rng).cloned().unwrap_or_default();
                id.truncate(2_000);
                let url = app.url(&path.replace("{id}", &id));
                (url.clone(), client.get(&url))
            };
            if as_service {
                request = request.bearer_auth(secret);
            } else if let Some(value) = nasty_values().choose(&mut rng) {
                if let Ok(header) =
                    reqwest::header::HeaderValue::from_str(&format!("Bearer {value}"))
                {
                    request = request.header("authorization", header);
                }
            }
            let response = match request.send().await {
                Ok(response) => response,
                // As in the test above: the 413 can lose the race with the body still being sent.
                Err(error) if oversized && error.is_request() => {
                    sent += 1;
                    continue;
                }
                Err(error) => panic!("{method} {url}: no answer: {error:?} (FUZZ_SEED={seed})"),
            };
            check_api_answer(response, &format!("{method} {url}"))
                .await
                .unwrap_or_else(|e| panic!("{e} (FUZZ_SEED={seed})"));
            sent += 1;
        }
    }

    // Access tokens mangled every way: never accepted, always refused with a reason.
    // Every rejection's code, and `missing`: a token mangled down to nothing is no token.
    let known_reasons: Vec<&str> = platform_auth::Rejection::ALL
        .map(|r| r.code())
        .into_iter()
        .chain(["missing"])
        .collect();
    for _ in 0..400 {
        let mangled = mangle(&mut rng, &access);
        let Ok(header) = reqwest::header::HeaderValue::from_str(&format!("Bearer {mangled}"))
        else {
            continue; // not even a header
        };
        if mangled == access {
            continue;
        }
        let response = client
            .get(app.url("/api/v1/me"))
            .header("authorization", header)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body: serde_json::Value = response.json().await.unwrap_or_default();
        // An equivalent encoding of the same token (base64url's unused low bits) may pass.
        if status == 200 {
            continue;
        }
        assert_eq!(status, 401, "{mangled:?}: {body} (FUZZ_SEED={seed})");
        let reason = body["reason"].as_str().unwrap_or_default();
        assert!(
            known_reasons.contains(&reason),
            "{mangled:?}: {body} (FUZZ_SEED={seed})"
        );
        sent += 1;
    }
    assert_eq!(api_snapshot(&app).await, before, "FUZZ_SEED={seed}");
    let still: serde_json::Value = client
        .get(app.url("/api/v1/me"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        still["id"],
        owner.id.to_string(),
        "the real token still works"
    );
    println!("api fuzz: {sent} requests, seed {seed}");
}

/// A token with one thing wrong: a character changed, dropped or added, a part swapped,
/// emptied or re-encoded with another header.
fn mangle(rng: &mut StdRng, token: &str) -> String {
    let mut chars: Vec<char> = token.chars().collect();
    let parts: Vec<&str> = token.split('.').collect();
    match rng.random_range(0..8) {
        0 => {
            let i = rng.random_range(0..chars.len());
            chars[i] = *b"AZaz09-_.=+/ %"
                .map(char::from)
                .choose(rng)
                .unwrap_or(&'A');
            chars.into_iter().collect()
        }
        1 => {
            chars.truncate(rng.random_range(0..chars.len()));
            chars.into_iter().collect()
        }
        2 => format!(
            "{token}{}",
            ["A", ".", "..x", "=", "\u{0}"].choose(rng).unwrap_or(&"A")
        ),
        3 => format!("{}.{}.{}", parts[1], parts[0], parts[2]),
        4 => format!("{}..{}", parts[0], parts[2]),
        5 => {
            let header = [
                r#"{"alg":"none","typ":"at+jwt"}"#,
                r#"{"alg":"EdDSA"}"#,
                r#"{"alg":"EdDSA","typ":"at+jwt","kid":"x","crit":["exp"]}"#,
                r#"{"alg":"RS256","typ":"at+jwt"}"#,
                r#"{"alg":"EdDSA","typ":"JWT","kid":"k"}"#,
                r#"[]"#,
                r#"{"alg":null}"#,
            ]
            .choose(rng)
            .copied()
            .unwrap_or_default();
            use base64::Engine as _;
            let header = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(header);
            format!("{header}.{}.{}", parts[1], parts[2])
        }
        6 => format!("{}.{}.", parts[0], parts[1]),
        _ => "x".repeat(rng.random_range(0..6000)),
    }
}

#[test]
fn every_api_endpoint_is_fuzzed() {
    use utoipa::OpenApi;
    let documented: std::collections::BTreeSet<String> =
        user_service::server::service_api::openapi::ApiDoc::openapi()
            .paths
            .paths
            .keys()
            .cloned()
            .collect();
    let fuzzed: std::collections::BTreeSet<String> = API_ENDPOINTS
        .iter()
        .map(|(_, path, _)| (*path).to_owned())
        .collect();
    assert_eq!(fuzzed, documented);
}
