use crate::helpers::spawn_app;

#[tokio::test]
async fn healthz_answers_while_the_process_runs() {
    let app = spawn_app().await;
    let response = reqwest::get(app.url("/healthz")).await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn readyz_reports_postgres_and_redis_reachable() {
    let app = spawn_app().await;
    let response = reqwest::get(app.url("/readyz")).await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body, serde_json::json!({"postgres": "ok", "redis": "ok"}));
}

#[tokio::test]
async fn readyz_is_503_when_the_database_is_gone() {
    let app = spawn_app().await;
    app.db.close().await;
    let response = reqwest::get(app.url("/readyz")).await.unwrap();
    assert_eq!(response.status().as_u16(), 503);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["postgres"], "unavailable");
    assert_eq!(body["redis"], "ok");
}
