//! Groups: creation with defaults and default rules, updates, archiving, listing, layers.

use serde_json::json;

use crate::helpers::*;

const GROUP: &str = "query($id: ID!) { node(id: $id) { ... on Group { id name kind admission memberCap status positioning
    memberCount archivedAt rules { kind level action enabled } layers { layer members share targetShare } } } }";

#[tokio::test]
async fn a_group_starts_with_the_defaults_and_the_rules_of_its_kind() {
    let app = spawn_app().await;
    let (owner, tenant) = app.owner("gina").await;
    let who = As::member(&owner.access_token, &tenant);
    let id = app
        .create_group(
            &who,
            "Parents of Shanghai",
            Some("wr1"),
            "KNOWLEDGE",
            "APPLICATION_REVIEW",
        )
        .await;
    let group = &app.ok(&who, GROUP, json!({"id": id})).await["node"];
    assert_eq!(group["memberCap"], 500);
    assert_eq!(group["status"], "ACTIVE");
    assert_eq!(group["memberCount"], 0);
    let kinds: Vec<&str> = group["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec![
            "NICKNAME_PATTERN",
            "KEYWORDS",
            "NO_LINKS",
            "NO_QR_CODES",
            "NO_CONTACT_CARDS",
            "RATE_LIMIT",
            "MESSAGE_POINTS"
        ]
    );
    assert_eq!(
        group["layers"],
        json!([
            {"layer": "CORE", "members": 0, "share": 0.0, "targetShare": 0.15},
            {"layer": "ACTIVE", "members": 0, "share": 0.0, "targetShare": 0.3},
            {"layer": "LURKER", "members": 0, "share": 0.0, "targetShare": 0.55},
        ])
    );
    // A resource group asks for nicknames but allows links.
    let id = app
        .create_group(&who, "Deals", None, "RESOURCE", "OPEN")
        .await;
    let group = &app.ok(&who, GROUP, json!({"id": id})).await["node"];
    let kinds: Vec<&str> = group["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"NICKNAME_PATTERN") && !kinds.contains(&"NO_LINKS"),
        "{kinds:?}"
    );
    // A tenant's own default cap applies.
    app.ok(&who, "mutation { updateTenantSettings(input: {overrides: {groups: {memberCap: 200}}}) { settings } }", json!({})).await;
    let id = app
        .create_group(&who, "Small", None, "INTEREST", "OPEN")
        .await;
    assert_eq!(
        app.ok(&who, GROUP, json!({"id": id})).await["node"]["memberCap"],
        200
    );
}

#[tokio::test]
async fn group_input_is_checked_and_nothing_half_made() {
    let app = spawn_app().await;
    let (owner, tenant) = app.owner("hugo").await;
    let who = As::member(&owner.access_token, &tenant);
    app.create_group(&who, "One", Some("same-chat"), "INTEREST", "OPEN")
        .await;
    let create = "mutation($input: CreateGroupInput!) { createGroup(input: $input) { group { id } userErrors { field code } } }";
    let cases = [
        (
            json!({"name": "Two", "platform": "WECOM", "externalId": "same-chat", "kind": "INTEREST", "admission": "OPEN"}),
            "externalId",
            "ALREADY_EXISTS",
        ),
        (
            json!({"name": "", "platform": "WECOM", "kind": "INTEREST", "admission": "OPEN"}),
            "name",
            "REQUIRED",
        ),
        (
            json!({"name": "Big", "platform": "WECOM", "kind": "INTEREST", "admission": "OPEN", "memberCap": 0}),
            "memberCap",
            "INVALID",
        ),
    ];
    for (input, field, code) in cases {
        let data = app.ok(&who, create, json!({"input": input})).await;
        assert_eq!(
            data["createGroup"]["userErrors"][0]["field"],
            json!(["input", field]),
            "{input}"
        );
        assert_eq!(
            data["createGroup"]["userErrors"][0]["code"], code,
            "{input}"
        );
    }
    let list = app.ok(&who, "{ groups { totalCount } }", json!({})).await;
    assert_eq!(list["groups"]["totalCount"], 1);
    // A failed create leaves no rules behind either (they are created in the same transaction).
    let group = app
        .ok(
            &who,
            "{ groups { edges { node { rules { kind } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        group["groups"]["edges"][0]["node"]["rules"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
}

#[tokio::test]
async fn archiving_keeps_history_and_filters_lists() {
    let app = spawn_app().await;
    let c = community(&app, "iris", "INTEREST").await;
    let group = format!("wecom:{}", c.external);
    app.ingest_ok(
        &c.ingest_key,
        json!([joined(
            "j1",
            &group,
            "u1",
            "北京-王芳-设计",
            "2026-11-30T10:00:00+08:00"
        )]),
    )
    .await;
    let update = "mutation($input: UpdateGroupInput!) { updateGroup(input: $input) { group { status archivedAt name memberCap } userErrors { field code } } }";
    let data = app
        .ok(
            &c.owner,
            update,
            json!({"input": {"id": c.group, "status": "ARCHIVED", "name": "Iris (old)"}}),
        )
        .await;
    assert_eq!(data["updateGroup"]["group"]["status"], "ARCHIVED");
    assert!(data["updateGroup"]["group"]["archivedAt"].is_string());
    let active = app
        .ok(
            &c.owner,
            "{ groups(status: ACTIVE) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(active["groups"]["totalCount"], 0);
    let archived = app.ok(&c.owner, "{ groups(status: ARCHIVED) { edges { node { name memberCount members { totalCount } } } } }", json!({})).await;
    let node = &archived["groups"]["edges"][0]["node"];
    assert_eq!(node["name"], "Iris (old)");
    assert_eq!(node["members"]["totalCount"], 1, "history stays");
    // Events after the archive are refused; the ones from before still land.
    let (_, body) = app
        .ingest(
            &c.ingest_key,
            json!({"events": [
                message("late-1", &group, "u1", "2026-11-30T10:05:00+08:00", "before the archive"),
                message("late-2", &group, "u1", &minutes_from_now(60), "after the archive"),
            ]}),
        )
        .await;
    assert_eq!(body["accepted"], 1, "{body}");
    assert_eq!(
        body["rejected"],
        json!([{"index": 1, "code": "GROUP_ARCHIVED", "message": "the group was archived before this event"}])
    );
    // Bad updates change nothing.
    let data = app
        .ok(
            &c.owner,
            update,
            json!({"input": {"id": c.group, "memberCap": -5}}),
        )
        .await;
    assert_eq!(
        data["updateGroup"]["userErrors"][0]["field"],
        json!(["input", "memberCap"])
    );
    let data = app
        .ok(
            &c.owner,
            update,
            json!({"input": {"id": "bad-id", "name": "x"}}),
        )
        .await;
    assert_eq!(user_error_codes(&data["updateGroup"]), vec!["NOT_FOUND"]);
}

#[tokio::test]
async fn an_analyst_reads_groups_but_changes_none() {
    let app = spawn_app().await;
    let c = community(&app, "jade", "INTEREST").await;
    let analyst = app.member(&c.owner, "jade-analyst", "ANALYST").await;
    let who = As::member(&analyst.access_token, &c.tenant);
    assert_eq!(
        app.ok(&who, "{ groups { totalCount } }", json!({})).await["groups"]["totalCount"],
        1
    );
    let answer = app
        .gql(&who, "mutation { createGroup(input: {name: \"x\", platform: WECOM, kind: INTEREST, admission: OPEN}) { group { id } } }", json!({}))
        .await;
    assert_eq!(first_code(&answer), "FORBIDDEN");
    let answer = app
        .gql(
            &who,
            "mutation($id: ID!) { updateGroup(input: {id: $id, name: \"x\"}) { group { id } } }",
            json!({"id": c.group}),
        )
        .await;
    assert_eq!(first_code(&answer), "FORBIDDEN");
}
