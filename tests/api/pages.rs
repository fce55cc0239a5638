use user_service::domain::{Role, UserStatus};

use crate::helpers::{assert_redirect_to, spawn_app, spawn_app_with, AppOptions, TestSite};

#[tokio::test]
async fn anonymous_visitors_are_sent_to_sign_in_with_next() {
    let app = spawn_app().await;
    let browser = app.client();

    assert_redirect_to(&browser.get_page("/profile").await, "/login?next=/profile");
    assert_redirect_to(
        &browser.get_page("/admin/users?q=kim&page=2").await,
        "/login?next=/admin/users%3Fq%3Dkim%26page%3D2",
    );
    assert_redirect_to(&browser.get_page("/").await, "/login");
}

#[tokio::test]
async fn the_root_sends_each_role_home() {
    let app = spawn_app().await;
    for (role, home) in [(Role::Owner, "/profile"), (Role::Admin, "/admin/users")] {
        let user = app.create_user(role, UserStatus::Active).await;
        let browser = app.client();
        browser.log_in(&user).await;
        assert_redirect_to(&browser.get_page("/").await, home);
        // A signed-in user who opens the sign-in page goes home too.
        assert_redirect_to(&browser.get_page("/login").await, home);
    }
}

#[tokio::test]
async fn owners_get_a_403_page_on_admin_pages() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let browser = app.client();
    browser.log_in(&owner).await;

    let response = browser.get_page("/admin/users").await;

    assert_eq!(response.status().as_u16(), 403);
    let page = response.text().await.unwrap();
    assert!(page.contains("접근 권한이 없습니다"));
    assert!(
        page.contains(r#"action="/api/logout""#),
        "the logout button is there"
    );
}

#[tokio::test]
async fn admins_may_open_their_own_profile() {
    let app = spawn_app().await;
    let admin = app.create_user(Role::Admin, UserStatus::Active).await;
    let browser = app.client();
    browser.log_in(&admin).await;

    let response = browser.get_page("/profile").await;

    assert_eq!(response.status().as_u16(), 200);
}

#[tokio::test]
async fn signed_in_pages_are_korean_and_have_a_logout_form() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let browser = app.client();
    browser.log_in(&owner).await;

    let page = browser.get_page("/profile").await.text().await.unwrap();

    assert!(page.contains(r#"<html lang="ko">"#));
    assert!(page.contains(r#"<form action="/api/logout" method="post""#));
    assert!(page.contains("로그아웃"));
}

#[tokio::test]
async fn an_unknown_path_is_a_404_page() {
    let app = spawn_app().await;

    let response = app.client().get_page("/no/such/page").await;

    assert_eq!(response.status().as_u16(), 404);
    assert!(response
        .text()
        .await
        .unwrap()
        .contains("페이지를 찾을 수 없습니다"));
}

#[tokio::test]
async fn current_user_tells_nothing_to_anonymous_callers() {
    let app = spawn_app().await;

    let response = app.client().call("current_user", &[]).await;

    assert_eq!(response.status().as_u16(), 200);
    assert!(response
        .json::<serde_json::Value>()
        .await
        .unwrap()
        .is_null());
}

#[tokio::test]
async fn the_bundle_goes_out_precompressed_brotli_or_gzip_and_a_missing_file_is_not_found() {
    // The bundle as scripts/build-site.sh leaves it, with its .gz and .br beside. The server
    // sends the chosen file as it is, so these bytes stand in for the brotli stream.
    let script = "console.log('안녕하세요');\n".repeat(200);
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut gzip, script.as_bytes()).unwrap();
    let compressed = gzip.finish().unwrap();
    let brotli: &[u8] = b"the .br file, sent as is";
    let site = TestSite::with_bundle(&[
        ("user-service.js", script.as_bytes()),
        ("user-service.js.gz", &compressed),
        ("user-service.js.br", brotli),
    ]);
    let app = spawn_app_with(AppOptions {
        site_root: Some(site.path()),
        ..AppOptions::default()
    })
    .await;
    let raw = reqwest::Client::builder().no_gzip().build().unwrap();
    let url = app.url("/pkg/user-service.js");

    let gzipped = raw
        .get(&url)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    let plain = raw.get(&url).send().await.unwrap();
    let brotli_response = raw
        .get(&url)
        .header("accept-encoding", "gzip, deflate, br")
        .send()
        .await
        .unwrap();

    assert_eq!(brotli_response.status().as_u16(), 200);
    assert_eq!(brotli_response.headers()["content-encoding"], "br");
    assert_eq!(brotli_response.bytes().await.unwrap(), brotli);
    assert_eq!(gzipped.status().as_u16(), 200);
    assert_eq!(gzipped.headers()["content-encoding"], "gzip");
    assert_eq!(gzipped.bytes().await.unwrap(), compressed);
    assert_eq!(plain.status().as_u16(), 200);
    assert!(plain.headers().get("content-encoding").is_none());
    assert_eq!(plain.text().await.unwrap(), script);
    // A file the bundle does not have is the not-found page, like any other unknown path.
    let missing = app.client().get_page("/pkg/nothing-here.js").await;
    assert_eq!(missing.status().as_u16(), 404);
    assert!(missing
        .text()
        .await
        .unwrap()
        .contains("페이지를 찾을 수 없습니다"));
}

/// The `id`s of a page's elements, each once: a label names its input by id, and a second
/// element with the same id (two forms with a `current_password` field, say) steals the label.
fn duplicate_ids(page: &str) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    let mut duplicates = Vec::new();
    for part in page.split(" id=\"").skip(1) {
        let id = part.split('"').next().unwrap_or_default().to_owned();
        if !seen.insert(id.clone()) {
            duplicates.push(id);
        }
    }
    duplicates
}

#[tokio::test]
async fn no_page_has_two_elements_with_one_id() {
    let app = spawn_app().await;
    let owner_browser = app.client();
    owner_browser.sign_up_owner().await;
    let admin = app.create_user(Role::Admin, UserStatus::Active).await;
    let owner = app.create_user(Role::Owner, UserStatus::Active).await;
    let console = app.signed_in(&admin).await;
    let anonymous = app.client();
    let pages = [
        (&anonymous, "/login".to_owned()),
        (&anonymous, "/signup".to_owned()),
        (&anonymous, "/password/forgot".to_owned()),
        (&anonymous, "/password/reset".to_owned()),
        (&owner_browser, "/profile".to_owned()),
        (&owner_browser, "/profile/password".to_owned()),
        (&owner_browser, "/profile/sessions".to_owned()),
        (&owner_browser, "/profile/withdraw".to_owned()),
        (&owner_browser, "/email/verify".to_owned()),
        (&console, "/admin".to_owned()),
        (&console, "/admin/users".to_owned()),
        (&console, format!("/admin/users/{}", owner.id)),
        (&console, "/admin/audit".to_owned()),
    ];
    for (browser, path) in pages {
        let response = browser.get_page(&path).await;
        assert_eq!(response.status().as_u16(), 200, "{path}");
        let page = response.text().await.unwrap();
        assert_eq!(duplicate_ids(&page), Vec::<String>::new(), "{path}");
    }
}
