//! Tenant isolation: B never reads or changes A's rows, whatever ids B sends; an ANALYST never
//! writes. Later areas add their entities to these tests.

use serde_json::{Value, json};

use crate::helpers::*;

/// Two tenants with an owner each, and one API key in A.
struct World {
    a: As,
    b: As,
    a_owner: SignedUp,
    a_tenant: String,
    a_key_secret: String,
    a_key_id: String,
}

async fn world(app: &TestApp) -> World {
    let (a_owner, a_tenant) = app.owner("alpha").await;
    let (b_owner, b_tenant) = app.owner("bravo").await;
    let a = As::member(&a_owner.access_token, &a_tenant);
    let b = As::member(&b_owner.access_token, &b_tenant);
    let (a_key_secret, a_key_id) = app.api_key(&a, &["READ"]).await;
    app.ok(&a, "mutation { updateTenantSettings(input: {overrides: {groups: {memberCap: 42}}}) { settings } }", json!({}))
        .await;
    World {
        a,
        b,
        a_owner,
        a_tenant,
        a_key_secret,
        a_key_id,
    }
}

#[tokio::test]
async fn b_never_reads_a() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let b_in_a = As {
        tenant: Some(w.a_tenant.clone()),
        ..w.b.clone()
    };
    for query in [
        "{ tenant { id } }",
        "{ apiKeys { id } }",
        "{ tenant { settings } }",
    ] {
        let answer = app.gql(&b_in_a, query, json!({})).await;
        assert_eq!(first_code(&answer), "FORBIDDEN", "{query}: {answer}");
        assert!(!answer.to_string().contains(&w.a_key_id));
    }
    let keys = app.ok(&w.b, "{ apiKeys { id } }", json!({})).await;
    assert_eq!(keys["apiKeys"], json!([]));
    let settings = app.ok(&w.b, "{ tenant { settings } }", json!({})).await;
    assert_eq!(settings["tenant"]["settings"]["groups"]["memberCap"], 500);

    // A's ids through node(): null, exactly like ids that do not exist.
    for id in [&w.a_key_id, &w.a_tenant, &w.a_owner.user_id] {
        let data = app
            .ok(
                &w.b,
                "query($id: ID!) { node(id: $id) { id } }",
                json!({"id": id}),
            )
            .await;
        assert_eq!(data["node"], Value::Null, "{id}");
    }
    // A's key cannot be pointed at B.
    let answer = app
        .gql(
            &As {
                token: Some(w.a_key_secret.clone()),
                tenant: w.b.tenant.clone(),
            },
            "{ tenant { id } }",
            json!({}),
        )
        .await;
    assert_eq!(first_code(&answer), "FORBIDDEN");
    // And A sees its own.
    let data = app
        .ok(
            &w.a,
            "query($id: ID!) { node(id: $id) { id ... on ApiKey { name } } }",
            json!({"id": w.a_key_id}),
        )
        .await;
    assert_eq!(data["node"]["name"], "test key");
}

#[tokio::test]
async fn b_never_changes_a() {
    let app = spawn_app().await;
    let w = world(&app).await;
    // Revoking A's key from B's tenant: not found, and the key still works.
    let data = app
        .ok(&w.b, "mutation($id: ID!) { revokeApiKey(input: {id: $id}) { apiKey { id } userErrors { code } } }", json!({"id": w.a_key_id}))
        .await;
    assert_eq!(user_error_codes(&data["revokeApiKey"]), vec!["NOT_FOUND"]);
    assert!(
        app.ok(&As::key(&w.a_key_secret), "{ tenant { id } }", json!({}))
            .await["tenant"]
            .is_object()
    );
    // Acting in A from B is refused outright.
    let b_in_a = As {
        tenant: Some(w.a_tenant.clone()),
        ..w.b.clone()
    };
    for mutation in [
        "mutation { grantRole(input: {email: \"bravo@example.com\", role: OWNER}) { membership { role } } }",
        "mutation { updateTenantSettings(input: {overrides: {}}) { settings } }",
        "mutation { createApiKey(input: {name: \"x\", scopes: [READ]}) { secret } }",
    ] {
        let answer = app.gql(&b_in_a, mutation, json!({})).await;
        assert_eq!(first_code(&answer), "FORBIDDEN", "{mutation}");
    }
    let settings = app.ok(&w.a, "{ tenant { settings } }", json!({})).await;
    assert_eq!(
        settings["tenant"]["settings"]["groups"]["memberCap"], 42,
        "A's settings are intact"
    );
    let viewer = app
        .ok(
            &As::user(w.b.token.as_deref().unwrap()),
            "{ viewer { memberships { tenant { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        viewer["viewer"]["memberships"].as_array().unwrap().len(),
        1,
        "B gained no role in A"
    );
}

#[tokio::test]
async fn an_analyst_reads_but_never_writes() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let analyst = app.member(&w.a, "alpha-analyst", "ANALYST").await;
    let who = As::member(&analyst.access_token, &w.a_tenant);
    assert!(app.ok(&who, "{ tenant { id settings } }", json!({})).await["tenant"].is_object());
    for mutation in [
        "mutation { grantRole(input: {email: \"alpha-analyst@example.com\", role: ADMIN}) { membership { role } } }",
        "mutation { updateTenantSettings(input: {overrides: {}}) { settings } }",
        "mutation { createApiKey(input: {name: \"x\", scopes: [READ]}) { secret } }",
        "mutation($id: ID!) { revokeApiKey(input: {id: $id}) { apiKey { id } } }",
    ] {
        let answer = app.gql(&who, mutation, json!({"id": w.a_key_id})).await;
        assert_eq!(first_code(&answer), "FORBIDDEN", "{mutation}");
    }
    // API keys are administration: an analyst does not even list them.
    let answer = app.gql(&who, "{ apiKeys { id } }", json!({})).await;
    assert_eq!(first_code(&answer), "FORBIDDEN");
}

#[tokio::test]
async fn nested_lists_cost_a_constant_number_of_statements() {
    let app = spawn_app().await;
    let boss = app.sign_up("loader@agency.com").await;
    let agency = app
        .create_tenant(&boss.access_token, "loader", "AGENCY", None)
        .await;
    let who = As::member(&boss.access_token, &agency);
    let query = "{ tenant { clients(first: 50) { edges { node { id parent { id name } } } } } }";
    let mut counts = Vec::new();
    for total in [2, 12] {
        while app.ok(&who, query, json!({})).await["tenant"]["clients"]["edges"]
            .as_array()
            .unwrap()
            .len()
            < total
        {
            let n = app.db.statement_count();
            app.create_tenant(
                &boss.access_token,
                &format!("loader-{n}"),
                "BRAND",
                Some(&agency),
            )
            .await;
        }
        let before = app.db.statement_count();
        let data = app.ok(&who, query, json!({})).await;
        counts.push(app.db.statement_count() - before);
        let edges = data["tenant"]["clients"]["edges"].as_array().unwrap();
        assert!(
            edges
                .iter()
                .all(|e| e["node"]["parent"]["id"] == agency.as_str())
        );
    }
    assert_eq!(
        counts[0], counts[1],
        "statements for 2 and 12 clients: {counts:?}"
    );
}

/// A's community rows, one of each kind.
struct Rows {
    group: String,
    member: String,
    keyword_list: String,
    case: String,
    outbound: String,
    rule: String,
    application: String,
    connector: String,
}

async fn community_rows(app: &TestApp, c: &Community) -> Rows {
    let g = format!("wecom:{}", c.external);
    app.ok(&c.owner, "mutation { upsertKeywordList(input: {name: \"ads\", terms: [\"加微信\"]}) { keywordList { id } } }", json!({}))
        .await;
    app.ingest_ok(
        &c.ingest_key,
        json!([message(
            "a1",
            &g,
            "alice",
            "2026-11-30T12:00:00+08:00",
            "加微信 www.spam.com"
        )]),
    )
    .await;
    let data = app
        .ok(
            &c.owner,
            "{ keywordLists { id } members { edges { node { id } } } moderationCases { edges { node { id } } }
               outboundActions { edges { node { id } } } groups { edges { node { rules { id } } } } }",
            json!({}),
        )
        .await;
    // An outbound action exists only with a WARN/MUTE/REMOVE rule: add one.
    let warn = app
        .ok(
            &c.owner,
            "mutation($g: ID!) { createGroupRule(input: {groupId: $g, level: BEHAVIOUR, kind: NO_LINKS, action: WARN}) { rule { id } } }",
            json!({"g": c.group}),
        )
        .await;
    assert!(warn["createGroupRule"]["rule"].is_object());
    app.ingest_ok(
        &c.ingest_key,
        json!([message(
            "a2",
            &g,
            "alice",
            "2026-11-30T12:01:00+08:00",
            "www.spam.com"
        )]),
    )
    .await;
    let outbound = app
        .ok(
            &c.owner,
            "{ outboundActions { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let application = app
        .ok(
            &c.owner,
            "mutation($g: ID!) { updateGroup(input: {id: $g, admission: APPLICATION_REVIEW}) { group { id } } }",
            json!({"g": c.group}),
        )
        .await;
    assert!(application["updateGroup"]["group"].is_object());
    let application = app
        .ok(
            &c.owner,
            "mutation($g: ID!) { submitApplication(input: {groupId: $g, platformUserId: \"bob\"}) { application { id } } }",
            json!({"g": c.group}),
        )
        .await;
    let connector = app
        .ok(
            &c.owner,
            "mutation { createWecomConnector(input: {name: \"c\", corpId: \"ww1436e0e65a779aee\", token: \"abc\",
               encodingAesKey: \"6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt\"}) { connector { id } } }",
            json!({}),
        )
        .await;
    let id = |v: &Value| {
        v.as_str()
            .unwrap_or_else(|| panic!("missing id in {data:#}"))
            .to_owned()
    };
    Rows {
        group: c.group.clone(),
        member: id(&data["members"]["edges"][0]["node"]["id"]),
        keyword_list: id(&data["keywordLists"][0]["id"]),
        case: id(&data["moderationCases"]["edges"][0]["node"]["id"]),
        outbound: id(&outbound["outboundActions"]["edges"][0]["node"]["id"]),
        rule: id(&data["groups"]["edges"][0]["node"]["rules"][0]["id"]),
        application: id(&application["submitApplication"]["application"]["id"]),
        connector: id(&connector["createWecomConnector"]["connector"]["id"]),
    }
}

#[tokio::test]
async fn b_never_reads_or_changes_as_community() {
    let app = spawn_app().await;
    let a = community(&app, "alpha-c", "INTEREST").await;
    let b = community(&app, "bravo-c", "INTEREST").await;
    let rows = community_rows(&app, &a).await;

    // B's lists hold only B's rows (B has a group and nothing else).
    let lists = app
        .ok(
            &b.owner,
            "{ groups { totalCount } members { totalCount } moderationCases { totalCount } outboundActions { totalCount }
               keywordLists { id } applications { totalCount } wecomConnectors { id } }",
            json!({}),
        )
        .await;
    assert_eq!(
        lists,
        json!({"groups": {"totalCount": 1}, "members": {"totalCount": 0}, "moderationCases": {"totalCount": 0},
               "outboundActions": {"totalCount": 0}, "keywordLists": [], "applications": {"totalCount": 0}, "wecomConnectors": []})
    );
    // Every one of A's ids is "nothing" to B.
    for id in [
        &rows.group,
        &rows.member,
        &rows.keyword_list,
        &rows.case,
        &rows.outbound,
        &rows.rule,
        &rows.application,
        &rows.connector,
    ] {
        let data = app
            .ok(
                &b.owner,
                "query($id: ID!) { node(id: $id) { id } }",
                json!({"id": id}),
            )
            .await;
        assert_eq!(data["node"], Value::Null, "{id}");
        // ...and something to A.
        let data = app
            .ok(
                &a.owner,
                "query($id: ID!) { node(id: $id) { id } }",
                json!({"id": id}),
            )
            .await;
        assert_eq!(data["node"]["id"], id.as_str());
    }
    let answer = app
        .gql(
            &b.owner,
            "query($g: ID!) { entryQuestionnaire(groupId: $g) { passScore } }",
            json!({"g": rows.group}),
        )
        .await;
    assert_eq!(answer["data"]["entryQuestionnaire"], Value::Null);

    // Every mutation with A's ids: not found, and nothing changes.
    let attempts = [
        (
            "mutation($id: ID!) { updateGroup(input: {id: $id, name: \"pwned\"}) { userErrors { code } } }",
            "updateGroup",
            &rows.group,
        ),
        (
            "mutation($id: ID!) { tagMember(input: {memberId: $id, add: [\"pwned\"]}) { userErrors { code } } }",
            "tagMember",
            &rows.member,
        ),
        (
            "mutation($id: ID!) { setMemberBlacklisted(input: {memberId: $id, blacklisted: true}) { userErrors { code } } }",
            "setMemberBlacklisted",
            &rows.member,
        ),
        (
            "mutation($id: ID!) { upsertKeywordList(input: {id: $id, name: \"x\", terms: [\"y\"]}) { userErrors { code } } }",
            "upsertKeywordList",
            &rows.keyword_list,
        ),
        (
            "mutation($id: ID!) { resolveModerationCase(input: {id: $id, resolution: DISMISSED}) { userErrors { code } } }",
            "resolveModerationCase",
            &rows.case,
        ),
        (
            "mutation($id: ID!) { completeOutboundAction(input: {id: $id, succeeded: true}) { userErrors { code } } }",
            "completeOutboundAction",
            &rows.outbound,
        ),
        (
            "mutation($id: ID!) { updateGroupRule(input: {id: $id, enabled: false}) { userErrors { code } } }",
            "updateGroupRule",
            &rows.rule,
        ),
        (
            "mutation($id: ID!) { deleteGroupRule(input: {id: $id}) { userErrors { code } } }",
            "deleteGroupRule",
            &rows.rule,
        ),
        (
            "mutation($id: ID!) { createGroupRule(input: {groupId: $id, level: BEHAVIOUR, kind: NO_LINKS, action: FLAG}) { userErrors { code } } }",
            "createGroupRule",
            &rows.group,
        ),
        (
            "mutation($id: ID!) { submitApplication(input: {groupId: $id, platformUserId: \"x\"}) { userErrors { code } } }",
            "submitApplication",
            &rows.group,
        ),
        (
            "mutation($id: ID!) { reviewApplication(input: {id: $id, decision: APPROVE}) { userErrors { code } } }",
            "reviewApplication",
            &rows.application,
        ),
        (
            "mutation($id: ID!) { setEntryQuestionnaire(input: {groupId: $id, passScore: 1, rejectScore: 0, questions: [{text: \"q\", options: [{label: \"a\", score: 1}, {label: \"b\", score: 0}]}]}) { userErrors { code } } }",
            "setEntryQuestionnaire",
            &rows.group,
        ),
    ];
    for (mutation, field, id) in attempts {
        let data = app.ok(&b.owner, mutation, json!({"id": id})).await;
        assert_eq!(user_error_codes(&data[field]), vec!["NOT_FOUND"], "{field}");
    }
    // A's rows are as they were.
    let check = app
        .ok(
            &a.owner,
            "{ groups { edges { node { name rules { enabled } } } } members { edges { node { tags blacklisted } } }
               keywordLists { name version } moderationCases(status: OPEN) { totalCount } outboundActions(status: PENDING) { totalCount }
               applications(status: PENDING) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(check["groups"]["edges"][0]["node"]["name"], "alpha-c group");
    assert!(
        check["groups"]["edges"][0]["node"]["rules"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["enabled"] == true)
    );
    assert_eq!(
        check["members"]["edges"][0]["node"],
        json!({"tags": [], "blacklisted": false})
    );
    assert_eq!(
        check["keywordLists"],
        json!([{"name": "ads", "version": 1}])
    );
    assert_eq!(check["moderationCases"]["totalCount"], 2);
    assert_eq!(check["outboundActions"]["totalCount"], 1);
    assert_eq!(check["applications"]["totalCount"], 1);

    // B's ingest key cannot write into A's group, by either kind of reference.
    let (_, body) = app
        .ingest(&b.ingest_key, json!({"events": [
            message("b1", &format!("wecom:{}", a.external), "mallory", "2026-11-30T12:00:00+08:00", "hi"),
            message("b2", &a.group, "mallory", "2026-11-30T12:00:00+08:00", "hi"),
        ]}))
        .await;
    assert_eq!(body["accepted"], 0);
    assert!(
        body["rejected"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["code"] == "UNKNOWN_GROUP"),
        "{body}"
    );
    // The same external chat id may exist in both tenants without clashing.
    let same = app
        .create_group(
            &b.owner,
            "Same chat id",
            Some(&a.external),
            "INTEREST",
            "OPEN",
        )
        .await;
    assert_ne!(same, a.group);
}

#[tokio::test]
async fn b_never_reads_or_changes_as_content_and_posts() {
    let app = spawn_app().await;
    let a = community(&app, "alpha-p", "INTEREST").await;
    let b = community(&app, "bravo-p", "INTEREST").await;
    let channel = app
        .create_channel(&a.owner, "SLACK", "http://127.0.0.1:9/hook", None, None)
        .await;
    let content = app
        .create_content(
            &a.owner,
            "A's tutorial",
            "secret know-how",
            "TUTORIAL",
            "VALUE",
        )
        .await;
    let in_a_day = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let posted = app
        .schedule(&a.owner, json!({"groupId": a.group, "contentId": content, "channelId": channel, "scheduledAt": in_a_day}))
        .await;
    let post = posted["post"]["id"].as_str().unwrap().to_owned();
    // A follow-up in A (as a sent post would leave).
    let tenant = qunyun_core::ids::global::of_kind(&a.tenant, "Tenant").unwrap();
    let group = qunyun_core::ids::global::of_kind(&a.group, "Group").unwrap();
    let tx = app.db.db.tenant_write(tenant).await.unwrap();
    let task = qunyun_core::posts::create_follow_up(
        &tx,
        group,
        None,
        None,
        "check".into(),
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let follow_up = qunyun_core::ids::global::encode("FollowUp", task.id);

    let lists = app
        .ok(&b.owner, "{ channels { id } contents { totalCount } scheduledPosts { totalCount } followUps { totalCount } }", json!({}))
        .await;
    assert_eq!(
        lists,
        json!({"channels": [], "contents": {"totalCount": 0}, "scheduledPosts": {"totalCount": 0}, "followUps": {"totalCount": 0}})
    );
    for id in [&channel, &content, &post, &follow_up] {
        let data = app
            .ok(
                &b.owner,
                "query($id: ID!) { node(id: $id) { id } }",
                json!({"id": id}),
            )
            .await;
        assert_eq!(data["node"], Value::Null, "{id}");
    }
    for query in [
        "query($g: ID!) { contentMix(groupId: $g) { share } }",
        "query($g: ID!) { suggestedSlots(groupId: $g, kind: TOPIC) { at } }",
    ] {
        let answer = app.gql(&b.owner, query, json!({"g": a.group})).await;
        assert_eq!(first_code(&answer), "NOT_FOUND", "{query}");
    }
    // B cannot post A's content, into A's group, through A's channel.
    let b_channel = app
        .create_channel(&b.owner, "SLACK", "http://127.0.0.1:9/b", None, None)
        .await;
    let b_content = app
        .create_content(&b.owner, "B's", "b", "TOPIC", "INTERACTION")
        .await;
    for (input, field) in [
        (
            json!({"groupId": a.group, "contentId": b_content, "channelId": b_channel, "scheduledAt": in_a_day}),
            "groupId",
        ),
        (
            json!({"groupId": b.group, "contentId": content, "channelId": b_channel, "scheduledAt": in_a_day}),
            "contentId",
        ),
        (
            json!({"groupId": b.group, "contentId": b_content, "channelId": channel, "scheduledAt": in_a_day}),
            "channelId",
        ),
    ] {
        let data = app.schedule(&b.owner, input).await;
        assert_eq!(data["userErrors"][0]["field"], json!(["input", field]));
        assert_eq!(data["userErrors"][0]["code"], "NOT_FOUND");
    }
    let attempts = [
        (
            "mutation($id: ID!) { updateContent(input: {id: $id, title: \"pwned\"}) { userErrors { code } } }",
            "updateContent",
            &content,
        ),
        (
            "mutation($id: ID!) { cancelPost(input: {id: $id}) { userErrors { code } } }",
            "cancelPost",
            &post,
        ),
        (
            "mutation($id: ID!) { completeFollowUp(input: {id: $id}) { userErrors { code } } }",
            "completeFollowUp",
            &follow_up,
        ),
    ];
    for (mutation, field, id) in attempts {
        let data = app.ok(&b.owner, mutation, json!({"id": id})).await;
        assert_eq!(user_error_codes(&data[field]), vec!["NOT_FOUND"], "{field}");
    }
    let check = app.ok(&a.owner, "{ contents { edges { node { title } } } scheduledPosts(status: SCHEDULED) { totalCount } followUps(done: false) { totalCount } }", json!({})).await;
    assert_eq!(
        check["contents"]["edges"][0]["node"]["title"],
        "A's tutorial"
    );
    assert_eq!(check["scheduledPosts"]["totalCount"], 1);
    assert_eq!(check["followUps"]["totalCount"], 1);
}
