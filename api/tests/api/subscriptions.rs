//! `moderationCaseOpened` over graphql-transport-ws: authenticated by `connection_init`,
//! scoped to the connection's tenant, and (on Postgres) delivered across API processes.

use serde_json::{Value, json};

use crate::helpers::ws::{connect, next, subscribe};
use crate::helpers::*;

const SUBSCRIPTION: &str =
    "subscription { moderationCaseOpened { id reason matchedTerms group { id } } }";

async fn spam(app: &TestApp, c: &Community, id: &str) {
    app.ok(&c.owner, "mutation { upsertKeywordList(input: {name: \"ads\", terms: [\"加微信\"]}) { keywordList { id } } }", json!({}))
        .await;
    app.ingest_ok(
        &c.ingest_key,
        json!([message(
            id,
            &format!("wecom:{}", c.external),
            "spammer",
            "2026-11-30T12:00:00+08:00",
            "加微信"
        )]),
    )
    .await;
}

/// Subscribes, then keeps producing cases until one arrives (a subscription is live a moment
/// after `subscribe`).
async fn first_case(
    app: &TestApp,
    c: &Community,
    socket: &mut crate::helpers::ws::Socket,
) -> Option<Value> {
    for attempt in 0..20 {
        spam(app, c, &format!("spam-{attempt}")).await;
        if let Some(message) = next(socket, 1).await {
            return Some(message);
        }
    }
    None
}

fn init(token: &str, tenant: &str) -> Value {
    json!({"authorization": format!("Bearer {token}"), "tenantId": tenant})
}

#[tokio::test]
async fn cases_arrive_for_the_connections_tenant_only() {
    let app = spawn_app().await;
    let a = community(&app, "sub-a", "INTEREST").await;
    let b = community(&app, "sub-b", "INTEREST").await;
    let mut socket_a = connect(
        &app.address,
        init(a.owner.token.as_deref().unwrap(), &a.tenant),
    )
    .await
    .unwrap();
    let mut socket_b = connect(
        &app.address,
        init(b.owner.token.as_deref().unwrap(), &b.tenant),
    )
    .await
    .unwrap();
    subscribe(&mut socket_a, "1", SUBSCRIPTION).await;
    subscribe(&mut socket_b, "1", SUBSCRIPTION).await;
    let message = first_case(&app, &a, &mut socket_a)
        .await
        .expect("a case arrives");
    assert_eq!(message["type"], "next", "{message}");
    let case = &message["payload"]["data"]["moderationCaseOpened"];
    assert_eq!(case["matchedTerms"], json!(["加微信"]));
    assert_eq!(case["group"]["id"], a.group.as_str());
    assert_eq!(next(&mut socket_b, 1).await, None, "B hears nothing of A");
}

#[tokio::test]
async fn bad_credentials_refuse_the_connection() {
    let app = spawn_app().await;
    let a = community(&app, "sub-c", "INTEREST").await;
    assert!(
        connect(&app.address, init("forged.token.here", &a.tenant))
            .await
            .is_err()
    );
    // Without credentials the connection opens but the subscription is refused.
    let mut socket = connect(&app.address, json!({})).await.unwrap();
    subscribe(&mut socket, "1", SUBSCRIPTION).await;
    let message = next(&mut socket, 5).await.unwrap();
    assert_eq!(
        message["payload"]["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{message}"
    );
}

#[tokio::test]
async fn a_case_opened_through_one_process_reaches_subscribers_of_another() {
    let app = spawn_app().await;
    if !app.db.is_postgres() {
        return; // One process is all SQLite runs; the channel is in-process there.
    }
    let replica = app.replica().await;
    let a = community(&app, "sub-d", "INTEREST").await;
    let mut socket = connect(
        &replica.address,
        init(a.owner.token.as_deref().unwrap(), &a.tenant),
    )
    .await
    .unwrap();
    subscribe(&mut socket, "1", SUBSCRIPTION).await;
    let message = first_case(&app, &a, &mut socket)
        .await
        .expect("the replica hears of the case");
    assert_eq!(
        message["payload"]["data"]["moderationCaseOpened"]["group"]["id"],
        a.group.as_str()
    );
}
