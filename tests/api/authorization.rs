//! The authorization matrix: every server function and every page, called as an anonymous
//! visitor, owner A, owner B and an admin, against the access each should have. Owner A also
//! passes owner B's ids everywhere an id could go, and B's account must come out untouched.

use reqwest::Response;
use user_service::domain::{Role, UserStatus};

use crate::helpers::{
    borrowed, registered_server_functions, spawn_app, TestApp, TestClient, TestUser,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Actor {
    Anonymous,
    OwnerA,
    OwnerB,
    Admin,
}

const ACTORS: [Actor; 4] = [Actor::Anonymous, Actor::OwnerA, Actor::OwnerB, Actor::Admin];

/// What a request came back as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Got past the access check (the answer may still be a form error).
    Allowed,
    /// Asked to sign in: 401, or a redirect to the sign-in page.
    SignIn,
    /// 403.
    Forbidden,
}

/// Who may call it: everyone, any signed-in user, or admins only.
#[derive(Debug, Clone, Copy)]
enum Access {
    Public,
    SignedIn,
    Admin,
}

impl Access {
    fn expected(self, actor: Actor) -> Outcome {
        match (self, actor) {
            (Access::Public, _) => Outcome::Allowed,
            (_, Actor::Anonymous) => Outcome::SignIn,
            (Access::SignedIn, _) | (Access::Admin, Actor::Admin) => Outcome::Allowed,
            (Access::Admin, _) => Outcome::Forbidden,
        }
    }
}

/// `redirect_means_sign_in`: for pages and plain form posts, a redirect to the sign-in page is
/// the refusal; a server function refuses with 401 (its redirects are answers, like logout's).
async fn outcome(response: Response, redirect_means_sign_in: bool) -> Outcome {
    let status = response.status().as_u16();
    let to_login = response
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .is_some_and(|l| l.starts_with("/login"))
        && redirect_means_sign_in;
    assert!(status < 500, "a server error: {status}");
    match status {
        401 => Outcome::SignIn,
        403 => Outcome::Forbidden,
        300..=399 if to_login => Outcome::SignIn,
        _ => Outcome::Allowed,
    }
}

/// Everything about B that anyone but an admin could conceivably change.
async fn fingerprint(app: &TestApp, user: &TestUser) -> String {
    sqlx::query_scalar(
        "SELECT concat_ws('|', u.name, u.phone_number, u.email, u.password_hash, u.role,
                u.status, s.name, s.industry, s.address, s.business_hours)
         FROM users u LEFT JOIN stores s ON s.user_id = u.id WHERE u.id = $1",
    )
    .bind(user.id)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

struct World {
    app: TestApp,
    owner_a: TestUser,
    owner_b: TestUser,
    admin: TestUser,
}

impl World {
    async fn new() -> Self {
        let app = spawn_app().await;
        // B signs up for real, so B has a store for A to aim at.
        let form = app.client().sign_up_owner().await;
        let email = crate::helpers::value_of(&form, "email").to_owned();
        let id = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
            .bind(&email)
            .fetch_one(&app.db)
            .await
            .unwrap();
        let owner_b = TestUser {
            id,
            email,
            password: crate::helpers::value_of(&form, "password").to_owned(),
            phone: crate::helpers::value_of(&form, "phone_number").to_owned(),
        };
        let owner_a = app.create_user(Role::Owner, UserStatus::Active).await;
        let admin = app.create_user(Role::Admin, UserStatus::Active).await;
        Self {
            app,
            owner_a,
            owner_b,
            admin,
        }
    }

    /// A fresh browser for `actor`, so one call's effect (a sign-out, say) never leaks into
    /// the next cell of the matrix.
    async fn browser(&self, actor: Actor) -> TestClient {
        match actor {
            Actor::Anonymous => self.app.client(),
            Actor::OwnerA => self.app.signed_in(&self.owner_a).await,
            Actor::OwnerB => self.app.signed_in(&self.owner_b).await,
            Actor::Admin => self.app.signed_in(&self.admin).await,
        }
    }
}

/// Every server function, with a body that names owner B wherever an id can go (and as an
/// extra `user_id` where the function takes none: it must be ignored).
type Call = (&'static str, Access, Vec<(&'static str, String)>);

fn server_functions(b: &str) -> Vec<Call> {
    let s = |v: &str| v.to_owned();
    vec![
        ("current_user", Access::Public, vec![("user_id", s(b))]),
        (
            "login",
            Access::Public,
            vec![
                ("email", s("nobody@example.com")),
                ("password", s("wrong-password-1")),
            ],
        ),
        ("signup", Access::Public, vec![("email", s("not-an-email"))]),
        ("profile", Access::SignedIn, vec![("user_id", s(b))]),
        (
            "profile/owner",
            Access::SignedIn,
            vec![
                ("user_id", s(b)),
                ("name", s("바뀐이름")),
                ("phone_number", s("01099998888")),
            ],
        ),
        (
            "profile/email",
            Access::SignedIn,
            vec![
                ("user_id", s(b)),
                ("email", s("taken-over@example.com")),
                ("current_password", s("wrong-password-1")),
            ],
        ),
        (
            "profile/store",
            Access::SignedIn,
            vec![
                ("user_id", s(b)),
                ("store_name", s("바뀐 가게")),
                ("industry", s("카페")),
                ("address", s("서울특별시 중구 1")),
                ("business_hours", s("매일")),
            ],
        ),
        (
            "profile/password",
            Access::SignedIn,
            vec![
                ("user_id", s(b)),
                ("current_password", s("wrong-password-1")),
                ("new_password", s("another-secret-77")),
                ("new_password_confirm", s("another-secret-77")),
            ],
        ),
        (
            "profile/withdraw",
            Access::SignedIn,
            vec![("user_id", s(b)), ("password", s("wrong-password-1"))],
        ),
        (
            "profile/sessions",
            Access::SignedIn,
            vec![("user_id", s(b))],
        ),
        (
            "profile/sessions/end",
            Access::SignedIn,
            vec![("user_id", s(b)), ("handle", s(b))],
        ),
        (
            "profile/sessions/end-others",
            Access::SignedIn,
            vec![("user_id", s(b))],
        ),
        ("logout", Access::Public, vec![("user_id", s(b))]),
        ("admin/dashboard", Access::Admin, vec![]),
        ("admin/users", Access::Admin, vec![("q", s("test"))]),
        ("admin/user", Access::Admin, vec![("user_id", s(b))]),
        ("admin/audit", Access::Admin, vec![]),
        (
            "admin/users/status",
            Access::Admin,
            vec![("user_id", s(b)), ("status", s("LOCKED"))],
        ),
        (
            "admin/users/role",
            Access::Admin,
            vec![("user_id", s(b)), ("role", s("ADMIN"))],
        ),
        (
            "admin/users/end-sessions",
            Access::Admin,
            vec![("user_id", s(b))],
        ),
        (
            "admin/users/recovery-code",
            Access::Admin,
            vec![("user_id", s(b))],
        ),
        (
            "admin/users/recovery-code/show",
            Access::Admin,
            vec![
                ("user_id", s(b)),
                ("handle", s("0123456789abcdef0123456789abcdef")),
            ],
        ),
        (
            // Asking B for a new password would shut B's later turns out: "stop asking".
            "admin/users/require-password-change",
            Access::Admin,
            vec![("user_id", s(b)), ("required", s("false"))],
        ),
        (
            "password/forgot",
            Access::Public,
            vec![("email", s("owner-b-does-not-exist@example.com"))],
        ),
        (
            "password/reset",
            Access::Public,
            vec![
                ("user_id", s(b)),
                ("email", s("nobody@example.com")),
                ("code", s("123456")),
                ("new_password", s("another-secret-77")),
                ("new_password_confirm", s("another-secret-77")),
            ],
        ),
        (
            "email/verify",
            Access::SignedIn,
            vec![("user_id", s(b)), ("code", s("123456"))],
        ),
        ("email/verify-link", Access::Public, vec![("token", s(b))]),
        (
            "email/verify-link/describe",
            Access::Public,
            vec![("token", s(b))],
        ),
        ("email/resend", Access::SignedIn, vec![("user_id", s(b))]),
    ]
}

fn pages(b: &str) -> Vec<(String, Access)> {
    vec![
        ("/login".into(), Access::Public),
        ("/signup".into(), Access::Public),
        ("/password/forgot".into(), Access::Public),
        ("/password/reset".into(), Access::Public),
        ("/email/verify?token=forged".into(), Access::Public),
        ("/email/verify".into(), Access::SignedIn),
        ("/".into(), Access::SignedIn),
        ("/profile".into(), Access::SignedIn),
        ("/profile/password".into(), Access::SignedIn),
        ("/profile/sessions".into(), Access::SignedIn),
        ("/profile/withdraw".into(), Access::SignedIn),
        ("/admin".into(), Access::Admin),
        ("/admin/users".into(), Access::Admin),
        (format!("/admin/users/{b}"), Access::Admin),
        ("/admin/audit".into(), Access::Admin),
        ("/admin/users.csv".into(), Access::Admin),
    ]
}

#[tokio::test]
async fn every_function_and_page_allows_exactly_who_it_should() {
    let world = World::new().await;
    let b = world.owner_b.id.to_string();
    let b_before = fingerprint(&world.app, &world.owner_b).await;
    let mut mismatches = Vec::new();
    let mut cells = 0;
    // Owner B and the admin go last: their calls do change B (that is their right).
    for actor in ACTORS {
        for (endpoint, access, form) in server_functions(&b) {
            let browser = world.browser(actor).await;
            let got = outcome(browser.call(endpoint, &borrowed(&form)).await, false).await;
            cells += 1;
            if got != access.expected(actor) {
                mismatches.push(format!(
                    "{actor:?} /api/{endpoint}: {got:?}, expected {:?}",
                    access.expected(actor)
                ));
            }
        }
        for (path, access) in pages(&b) {
            let browser = world.browser(actor).await;
            let got = outcome(browser.get_page(&path).await, true).await;
            cells += 1;
            if got != access.expected(actor) {
                mismatches.push(format!(
                    "{actor:?} GET {path}: {got:?}, expected {:?}",
                    access.expected(actor)
                ));
            }
        }
        let browser = world.browser(actor).await;
        let response = browser
            .client
            .post(world.app.url("/admin/users/bulk-status"))
            .form(&[("user_ids", b.as_str()), ("status", "INACTIVE")])
            .send()
            .await
            .unwrap();
        let got = outcome(response, true).await;
        cells += 1;
        if got != Access::Admin.expected(actor) {
            mismatches.push(format!("{actor:?} POST /admin/users/bulk-status: {got:?}"));
        }
        // Until B and the admin take their turns, nobody may have changed B.
        if matches!(actor, Actor::Anonymous | Actor::OwnerA) {
            assert_eq!(
                fingerprint(&world.app, &world.owner_b).await,
                b_before,
                "{actor:?} changed owner B"
            );
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    assert_eq!(cells, 4 * (29 + 16 + 1));
    // B's own and the admin's calls did reach B: the matrix really called the functions.
    let b_after = fingerprint(&world.app, &world.owner_b).await;
    assert!(
        b_after.contains("바뀐 가게") && b_after.contains("|ADMIN|"),
        "{b_after}"
    );
}

#[tokio::test]
async fn a_signed_in_owner_acting_on_their_own_data_never_touches_another_owners() {
    let world = World::new().await;
    let b = world.owner_b.id.to_string();
    let b_before = fingerprint(&world.app, &world.owner_b).await;
    let a = world.browser(Actor::OwnerA).await;
    // Valid changes this time, all carrying B's id: they apply to A, the signed-in owner.
    let calls: [(&str, Vec<(&str, &str)>); 2] = [
        (
            "profile/owner",
            vec![
                ("user_id", &b),
                ("id", &b),
                ("name", "에이사장"),
                ("phone_number", "01077776666"),
                ("phone_password", &world.owner_a.password),
            ],
        ),
        (
            "profile/email",
            vec![
                ("user_id", &b),
                ("email", "a-new@example.com"),
                ("current_password", &world.owner_a.password),
            ],
        ),
    ];
    for (endpoint, form) in calls {
        assert_eq!(
            a.call(endpoint, &form).await.status().as_u16(),
            200,
            "{endpoint}"
        );
    }
    let a_now: (String, String, String) =
        sqlx::query_as("SELECT name, phone_number, email FROM users WHERE id = $1")
            .bind(world.owner_a.id)
            .fetch_one(&world.app.db)
            .await
            .unwrap();
    assert_eq!(
        a_now,
        (
            "에이사장".into(),
            "010-7777-6666".into(),
            world.owner_a.email.clone()
        ),
        "the new e-mail waits for its confirmation"
    );
    let pending_for: Vec<uuid::Uuid> = sqlx::query_scalar(
        "SELECT user_id FROM one_time_codes WHERE new_email = 'a-new@example.com'",
    )
    .fetch_all(&world.app.db)
    .await
    .unwrap();
    assert_eq!(pending_for, [world.owner_a.id]);
    assert_eq!(fingerprint(&world.app, &world.owner_b).await, b_before);
}

#[test]
fn the_matrix_calls_every_server_function_the_app_has() {
    let called: std::collections::BTreeSet<String> = server_functions("b")
        .into_iter()
        .map(|(endpoint, ..)| endpoint.to_owned())
        .collect();
    assert_eq!(called, registered_server_functions());
}

/// Who may use each endpoint of the JSON API. Checked against the OpenAPI document, as the
/// server functions are against their registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ApiAccess {
    /// Anyone (the JWKS, the document itself, revoking a refresh token one holds).
    Public,
    /// A signed-in browser session (`grant_type=session`); also e-mail+password or a refresh
    /// token, which the token tests cover.
    Session,
    /// A user's access token.
    AccessToken,
    /// A service credential from SERVICE_CREDENTIALS.
    Service,
}

const API: [(&str, &str, ApiAccess); 7] = [
    ("POST", "/api/v1/tokens", ApiAccess::Session),
    ("POST", "/api/v1/tokens/revoke", ApiAccess::Public),
    ("POST", "/api/v1/introspect", ApiAccess::Service),
    ("GET", "/api/v1/users/{id}", ApiAccess::Service),
    ("GET", "/api/v1/me", ApiAccess::AccessToken),
    ("GET", "/api/v1/openapi.json", ApiAccess::Public),
    ("GET", "/.well-known/jwks.json", ApiAccess::Public),
];

/// The credential a request carries, besides the browser's cookies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Credential {
    CookieOnly,
    OwnAccessToken,
    Service,
}

#[tokio::test]
async fn the_json_api_takes_only_its_own_credentials() {
    let world = World::new().await;
    let b = world.owner_b.id.to_string();
    let b_before = fingerprint(&world.app, &world.owner_b).await;
    let mut mismatches = Vec::new();
    for actor in ACTORS {
        for credential in [
            Credential::CookieOnly,
            Credential::OwnAccessToken,
            Credential::Service,
        ] {
            let browser = world.browser(actor).await;
            // The actor's own access token, from its own session.
            let token: Option<String> = match actor {
                Actor::Anonymous => None,
                _ => browser
                    .client
                    .post(browser.url("/api/v1/tokens"))
                    .form(&[("grant_type", "session")])
                    .send()
                    .await
                    .unwrap()
                    .json::<serde_json::Value>()
                    .await
                    .unwrap()["access_token"]
                    .as_str()
                    .map(str::to_owned),
            };
            for (method, path, access) in API {
                let url = browser.url(&path.replace("{id}", &b));
                let mut request = match method {
                    "POST" => browser.client.post(&url).form(&[
                        ("grant_type", "session"),
                        ("token", token.as_deref().unwrap_or("none")),
                    ]),
                    _ => browser.client.get(&url),
                };
                request = match (credential, &token) {
                    (Credential::OwnAccessToken, Some(token)) => request.bearer_auth(token),
                    (Credential::Service, _) => {
                        request.bearer_auth(crate::helpers::TEST_SERVICE_SECRET)
                    }
                    _ => request,
                };
                let response = request.send().await.unwrap();
                let status = response.status().as_u16();
                let body: serde_json::Value = response.json().await.unwrap_or_default();
                let allowed = match access {
                    ApiAccess::Public => true,
                    ApiAccess::Session => actor != Actor::Anonymous,
                    ApiAccess::AccessToken => {
                        credential == Credential::OwnAccessToken && actor != Actor::Anonymous
                    }
                    ApiAccess::Service => credential == Credential::Service,
                };
                let got = status == 200;
                if got != allowed || (!allowed && status != 401) {
                    mismatches.push(format!(
                        "{actor:?} with {credential:?}: {method} {path}: {status} {body}"
                    ));
                }
                // An access token only ever shows its own user.
                if path == "/api/v1/me" && got {
                    let own = match actor {
                        Actor::OwnerA => world.owner_a.id,
                        Actor::OwnerB => world.owner_b.id,
                        _ => world.admin.id,
                    };
                    assert_eq!(body["id"], own.to_string());
                }
            }
        }
        assert_eq!(fingerprint(&world.app, &world.owner_b).await, b_before);
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn the_api_matrix_covers_every_documented_endpoint() {
    use utoipa::OpenApi;
    let documented: std::collections::BTreeSet<String> =
        user_service::server::service_api::openapi::ApiDoc::openapi()
            .paths
            .paths
            .keys()
            .cloned()
            .collect();
    let covered: std::collections::BTreeSet<String> =
        API.iter().map(|(_, path, _)| (*path).to_owned()).collect();
    assert_eq!(covered, documented);
}
