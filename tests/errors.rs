//! The wire format of every error code, pinned; internal detail never leaks.

mod common;

use async_graphql::ErrorExtensions;
use common::TestApp;
use journeygraph::error::AppError;
use serde_json::{Value, json};

fn wire(err: AppError) -> Value {
    let e = err.extend();
    json!({"message": e.message, "extensions": serde_json::to_value(&e.extensions).expect("json")})
}

#[test]
fn every_code_has_a_pinned_shape() {
    assert_eq!(
        wire(AppError::Unauthenticated("the token has expired".into())),
        json!({"message": "the token has expired", "extensions": {"code": "UNAUTHENTICATED"}})
    );
    assert_eq!(
        wire(AppError::Forbidden(
            "analytics:read sees aggregates only".into()
        )),
        json!({"message": "analytics:read sees aggregates only", "extensions": {"code": "FORBIDDEN"}})
    );
    assert_eq!(
        wire(AppError::NotFound("customer")),
        json!({"message": "customer not found", "extensions": {"code": "NOT_FOUND"}})
    );
    assert_eq!(
        wire(AppError::bad_input(
            "input[3].openedAt",
            "must not be in the future"
        )),
        json!({"message": "input[3].openedAt: must not be in the future",
               "extensions": {"code": "BAD_USER_INPUT", "path": "input[3].openedAt"}})
    );
    assert_eq!(
        wire(AppError::IdempotencyConflict("input[0]: changed".into())),
        json!({"message": "input[0]: changed", "extensions": {"code": "IDEMPOTENCY_CONFLICT"}})
    );
    assert_eq!(
        wire(AppError::RateLimited {
            retry_after_secs: 3
        }),
        json!({"message": "rate limit exceeded, retry after 3 s", "extensions": {"code": "RATE_LIMITED", "retryAfter": 3}})
    );
    assert_eq!(
        wire(AppError::Timeout),
        json!({"message": "the request took longer than its deadline", "extensions": {"code": "TIMEOUT"}})
    );
    assert_eq!(
        wire(AppError::Unavailable),
        json!({"message": "the database is unavailable, retry later", "extensions": {"code": "UNAVAILABLE"}})
    );
}

#[test]
fn internal_errors_say_nothing_of_their_cause() {
    let secret_detail = "relation \"api_token\" column secret_hash violates something";
    for err in [
        AppError::Db(sea_orm::DbErr::Custom(secret_detail.into())),
        AppError::Internal(anyhow::anyhow!(secret_detail)),
    ] {
        let shown = wire(err);
        assert_eq!(shown["extensions"], json!({"code": "INTERNAL"}));
        assert_eq!(
            shown["message"],
            "internal error; quote the request id when reporting it"
        );
        assert!(!shown.to_string().contains("secret_hash"));
    }
    let conn = wire(AppError::Db(sea_orm::DbErr::Conn(
        sea_orm::RuntimeErr::Internal(secret_detail.into()),
    )));
    assert_eq!(conn["extensions"], json!({"code": "UNAVAILABLE"}));
    assert!(!conn.to_string().contains("secret_hash"));
}

#[tokio::test]
async fn errors_over_http_carry_the_request_id() {
    let app = TestApp::sqlite().await;
    let (_, body) = app
        .gql(
            Some(&app.leader()),
            &format!(
                r#"{{ customer(id: "{}") {{ id }} }}"#,
                common::customer_id(42)
            ),
            json!({}),
        )
        .await;
    let error = &body["errors"][0];
    assert_eq!(error["message"], "customer not found");
    assert_eq!(error["extensions"]["code"], "NOT_FOUND");
    assert_eq!(
        error["extensions"]["requestId"].as_str().map(str::len),
        Some(36),
        "{body}"
    );
    assert_eq!(body["data"], json!({"customer": null}));

    let (status, body) = app.gql(None, "{ viewer { role } }", json!({})).await;
    assert_eq!(status, 401);
    assert_eq!(body["errors"][0]["message"], "missing Authorization header");
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    assert!(body["errors"][0]["extensions"]["requestId"].is_string());
}

#[tokio::test]
async fn health_and_readiness() {
    let app = TestApp::sqlite().await;
    let get = |path: &str| app.client.get(format!("{}{path}", app.base)).send();
    assert_eq!(get("/healthz").await.expect("healthz").status(), 200);
    assert_eq!(get("/readyz").await.expect("readyz").status(), 200);
    for (path, page) in [("/", "console"), ("/graphiql", "GraphiQL")] {
        let response = get(path).await.expect("page");
        assert_eq!(response.status(), 200);
        assert!(
            response.text().await.expect("html").contains(page),
            "{path}"
        );
    }
}
