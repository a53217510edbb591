//! `POST /v1/events`: authentication, validation, idempotency, memberships, activity.

use serde_json::{Value, json};

use crate::helpers::*;

const MEMBERS: &str = "query($id: ID!) { node(id: $id) { ... on Group { memberCount members { totalCount edges { node {
    joinedAt leftAt removed overCapacity layer invitedBy { platformUserId }
    member { platformUserId displayName city lastActiveAt firstSeenAt } } } } } } }";

#[tokio::test]
async fn the_contract_example_is_accepted_once() {
    let app = spawn_app().await;
    let c = community(&app, "kai", "INTEREST").await;
    let event = json!({"id": "src-123", "type": "message", "group": format!("wecom:{}", c.external),
        "member": {"platformUserId": "wmAbc", "displayName": "上海-李雷-教育"},
        "occurredAt": "2026-11-30T12:00:00+08:00", "text": "大家好"});
    let (status, body) = app
        .ingest(&c.ingest_key, json!({"events": [event.clone()]}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"accepted": 1, "duplicates": 0, "rejected": []})
    );
    // Redelivered (alone, or twice in one batch): nothing new.
    let (_, body) = app
        .ingest(&c.ingest_key, json!({"events": [event.clone(), event]}))
        .await;
    assert_eq!(
        body,
        json!({"accepted": 0, "duplicates": 2, "rejected": []})
    );

    let data = app.ok(&c.owner, MEMBERS, json!({"id": c.group})).await;
    let member = &data["node"]["members"]["edges"][0]["node"]["member"];
    assert_eq!(member["displayName"], "上海-李雷-教育");
    assert_eq!(member["city"], "上海", "the city comes from the nickname");
    assert_eq!(member["lastActiveAt"], "2026-11-30T04:00:00Z");
    assert_eq!(
        data["node"]["memberCount"], 1,
        "whoever speaks is in the group"
    );
    // The group can also be named by its id.
    let by_id = message(
        "src-124",
        &c.group,
        "wmAbc",
        "2026-11-30T12:01:00+08:00",
        "hi again",
    );
    app.ingest_ok(&c.ingest_key, json!([by_id])).await;
}

#[tokio::test]
async fn a_batch_half_bad_stores_exactly_the_good_half() {
    let app = spawn_app().await;
    let c = community(&app, "lin", "INTEREST").await;
    let g = format!("wecom:{}", c.external);
    let at = "2026-11-30T12:00:00+08:00";
    let events = json!([
        message("ok-1", &g, "u1", at, "fine"),
        {"id": "bad-1", "type": "dance", "group": g, "occurredAt": at},
        message("ok-2", &g, "u2", at, "fine too"),
        message("bad-2", "wecom:no-such-group", "u1", at, "x"),
        message("ok-3", &g, "u3", at, "also fine"),
        message("bad-3", &g, "u1", "not a time", "x"),
        {"id": "bad-4", "type": "order_paid", "group": g, "occurredAt": at, "orderId": "A", "amountMinor": -1, "currency": "CNY"},
        message("bad-5", &g, "u1", &minutes_from_now(60 * 25), "from tomorrow"),
        {"id": "bad-6", "type": "message", "group": g, "member": {"platformUserId": "u1"}, "occurredAt": at, "text": "x".repeat(16 * 1024 + 1)},
        "not an event",
    ]);
    let (status, body) = app.ingest(&c.ingest_key, json!({"events": events})).await;
    assert_eq!(status, 200);
    assert_eq!(body["accepted"], 3, "{body:#}");
    let rejected: Vec<(u64, &str)> = body["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["index"].as_u64().unwrap(), r["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        rejected,
        vec![
            (1, "UNKNOWN_TYPE"),
            (3, "UNKNOWN_GROUP"),
            (5, "INVALID_TIME"),
            (6, "INVALID_AMOUNT"),
            (7, "FUTURE_TIME"),
            (8, "TEXT_TOO_LONG"),
            (9, "INVALID_EVENT"),
        ]
    );
    assert!(
        body["rejected"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["message"].as_str().is_some_and(|m| !m.is_empty()))
    );
    let data = app.ok(&c.owner, MEMBERS, json!({"id": c.group})).await;
    assert_eq!(data["node"]["memberCount"], 3, "only the good half");
    // The rejected ids were not stored: sending them again fixed is accepted.
    let fixed = message("bad-3", &g, "u1", at, "x");
    app.ingest_ok(&c.ingest_key, json!([fixed])).await;
}

#[tokio::test]
async fn bodies_and_keys_are_checked_before_anything_is_stored() {
    let app = spawn_app().await;
    let c = community(&app, "mo-ingest", "INTEREST").await;
    let g = format!("wecom:{}", c.external);
    let post = |key: Option<&str>, body: &str| {
        let mut request = app
            .client
            .post(app.url("/v1/events"))
            .header("content-type", "application/json")
            .body(body.to_owned());
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        request.send()
    };
    let one =
        json!({"events": [message("x1", &g, "u1", "2026-11-30T12:00:00+08:00", "hi")]}).to_string();
    assert_eq!(post(None, &one).await.unwrap().status(), 401);
    assert_eq!(
        post(Some("qy_not-a-key"), &one).await.unwrap().status(),
        401
    );
    let (read_key, _) = app.api_key(&c.owner, &["READ", "WRITE"]).await;
    let response = post(Some(&read_key), &one).await.unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!(
        response.json::<Value>().await.unwrap()["error"]["code"],
        "FORBIDDEN"
    );
    let response = post(Some(&c.ingest_key), "{not json").await.unwrap();
    assert_eq!(response.status(), 400);
    assert!(
        response.json::<Value>().await.unwrap()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("JSON")
    );
    assert_eq!(
        post(Some(&c.ingest_key), r#"{"evts": []}"#)
            .await
            .unwrap()
            .status(),
        400
    );
    let many: Vec<Value> = (0..1001)
        .map(|i| message(&format!("m{i}"), &g, "u1", "2026-11-30T12:00:00+08:00", "x"))
        .collect();
    assert_eq!(
        post(Some(&c.ingest_key), &json!({"events": many}).to_string())
            .await
            .unwrap()
            .status(),
        400
    );
    let huge = format!(
        r#"{{"events": [], "pad": "{}"}}"#,
        "x".repeat(25 * 1024 * 1024)
    );
    assert_eq!(
        post(Some(&c.ingest_key), &huge).await.unwrap().status(),
        413
    );
    // None of that stored anything; a thousand events is fine.
    let data = app.ok(&c.owner, MEMBERS, json!({"id": c.group})).await;
    assert_eq!(data["node"]["memberCount"], 0);
    let thousand: Vec<Value> = (0..1000)
        .map(|i| {
            message(
                &format!("k{i}"),
                &g,
                &format!("u{}", i % 37),
                "2026-11-30T12:00:00+08:00",
                "x",
            )
        })
        .collect();
    let body = app.ingest_ok(&c.ingest_key, json!(thousand)).await;
    assert_eq!(body["accepted"], 1000);
    let data = app.ok(&c.owner, MEMBERS, json!({"id": c.group})).await;
    assert_eq!(data["node"]["memberCount"], 37);
}

#[tokio::test]
async fn joins_and_leaves_keep_the_membership_history() {
    let app = spawn_app().await;
    let c = community(&app, "nora", "INTEREST").await;
    let g = format!("wecom:{}", c.external);
    app.ok(&c.owner, "mutation($id: ID!) { updateGroup(input: {id: $id, memberCap: 2}) { group { memberCap } } }", json!({"id": c.group}))
        .await;
    app.ingest_ok(
        &c.ingest_key,
        json!([
            joined("j1", &g, "host", "杭州-张三-运营", "2026-11-30T09:00:00+08:00"),
            {"id": "j2", "type": "member_joined", "group": g, "member": {"platformUserId": "guest", "displayName": "杭州-李四-教育"},
             "inviterPlatformUserId": "host", "occurredAt": "2026-11-30T09:10:00+08:00"},
            joined("j3", &g, "third", "杭州-王五-医疗", "2026-11-30T09:20:00+08:00"),
            {"id": "l1", "type": "member_left", "group": g, "member": {"platformUserId": "guest"}, "removed": true,
             "occurredAt": "2026-11-30T10:00:00+08:00"},
        ]),
    )
    .await;
    let data = app.ok(&c.owner, MEMBERS, json!({"id": c.group})).await;
    assert_eq!(data["node"]["memberCount"], 2);
    let edges = data["node"]["members"]["edges"].as_array().unwrap();
    let by_user = |u: &str| {
        edges
            .iter()
            .find(|e| e["node"]["member"]["platformUserId"] == u)
            .unwrap()["node"]
            .clone()
    };
    let guest = by_user("guest");
    assert_eq!(guest["joinedAt"], "2026-11-30T01:10:00Z");
    assert_eq!(guest["leftAt"], "2026-11-30T02:00:00Z");
    assert_eq!(guest["removed"], true);
    assert_eq!(guest["invitedBy"]["platformUserId"], "host");
    assert_eq!(
        by_user("third")["overCapacity"],
        true,
        "the third join came with the group at its cap of 2"
    );
    assert_eq!(by_user("host")["overCapacity"], false);
    // Coming back: the membership opens again.
    app.ingest_ok(
        &c.ingest_key,
        json!([joined(
            "j4",
            &g,
            "guest",
            "杭州-李四-教育",
            "2026-11-30T11:00:00+08:00"
        )]),
    )
    .await;
    let data = app.ok(&c.owner, MEMBERS, json!({"id": c.group})).await;
    let edges = data["node"]["members"]["edges"].as_array().unwrap();
    let guest = edges
        .iter()
        .find(|e| e["node"]["member"]["platformUserId"] == "guest")
        .unwrap();
    assert_eq!(guest["node"]["leftAt"], json!(null));
    assert_eq!(guest["node"]["joinedAt"], "2026-11-30T03:00:00Z");
}

#[tokio::test]
async fn one_member_many_groups() {
    let app = spawn_app().await;
    let c = community(&app, "omar", "INTEREST").await;
    let second = app
        .create_group(&c.owner, "Second", Some("chat-omar-2"), "INTEREST", "OPEN")
        .await;
    let at = "2026-11-30T12:00:00+08:00";
    app.ingest_ok(
        &c.ingest_key,
        json!([
            message(
                "a",
                &format!("wecom:{}", c.external),
                "same-person",
                at,
                "hi"
            ),
            message("b", "wecom:chat-omar-2", "same-person", at, "hi")
        ]),
    )
    .await;
    let members = app
        .ok(
            &c.owner,
            "{ members { totalCount edges { node { platformUserId } } } }",
            json!({}),
        )
        .await;
    assert_eq!(members["members"]["totalCount"], 1);
    for group in [&c.group, &second] {
        let data = app.ok(&c.owner, MEMBERS, json!({"id": group})).await;
        assert_eq!(data["node"]["memberCount"], 1);
    }
}
