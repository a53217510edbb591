//! Keyword lists, matching with normalisation, moderation cases, rule actions, blacklist,
//! outbound actions, points.

use serde_json::{Value, json};

use crate::helpers::*;

const UPSERT: &str = "mutation($input: UpsertKeywordListInput!) { upsertKeywordList(input: $input) {
    keywordList { id name terms version versions { version terms } } userErrors { field code message } } }";
const CASES: &str = "query($status: ModerationStatus) { moderationCases(status: $status) { totalCount edges { node {
    id reason matchedTerms excerpt status openedAt dueAt overdue actionTaken member { platformUserId blacklisted } group { id } } } } }";
const OUTBOUND: &str = "{ outboundActions { totalCount edges { node { id kind minutes status reason group { id } member { platformUserId } } } } }";

fn cases(data: &Value) -> Vec<Value> {
    data["moderationCases"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

#[tokio::test]
async fn keyword_lists_are_versioned() {
    let app = spawn_app().await;
    let (owner, tenant) = app.owner("pam").await;
    let who = As::member(&owner.access_token, &tenant);
    let created = app
        .ok(
            &who,
            UPSERT,
            json!({"input": {"name": "ads", "terms": ["加微信", "兼职", "加微信"]}}),
        )
        .await;
    let list = &created["upsertKeywordList"]["keywordList"];
    assert_eq!(list["version"], 1);
    assert_eq!(
        list["terms"],
        json!(["加微信", "兼职"]),
        "duplicates dropped"
    );
    let id = list["id"].as_str().unwrap();
    let changed = app
        .ok(
            &who,
            UPSERT,
            json!({"input": {"id": id, "name": "ads", "terms": ["加微信", "返利"]}}),
        )
        .await;
    let list = &changed["upsertKeywordList"]["keywordList"];
    assert_eq!(list["version"], 2);
    assert_eq!(
        list["versions"],
        json!([{"version": 1, "terms": ["加微信", "兼职"]}, {"version": 2, "terms": ["加微信", "返利"]}])
    );
    // The same terms again: no new version.
    let same = app
        .ok(
            &who,
            UPSERT,
            json!({"input": {"id": id, "name": "ads", "terms": ["加微信", "返利"]}}),
        )
        .await;
    assert_eq!(same["upsertKeywordList"]["keywordList"]["version"], 2);
    // Bad input.
    let bad = app
        .ok(
            &who,
            UPSERT,
            json!({"input": {"name": "x", "terms": ["ok", "   ", "！！"]}}),
        )
        .await;
    let fields: Vec<Value> = bad["upsertKeywordList"]["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].clone())
        .collect();
    assert_eq!(
        fields,
        vec![
            json!(["input", "terms", "1"]),
            json!(["input", "terms", "2"])
        ]
    );
    let dup = app
        .ok(
            &who,
            UPSERT,
            json!({"input": {"name": "ads", "terms": ["x"]}}),
        )
        .await;
    assert_eq!(
        user_error_codes(&dup["upsertKeywordList"]),
        vec!["ALREADY_EXISTS"]
    );
    let lists = app
        .ok(&who, "{ keywordLists { name version } }", json!({}))
        .await;
    assert_eq!(
        lists["keywordLists"],
        json!([{"name": "ads", "version": 2}])
    );
}

#[tokio::test]
async fn spammers_tricks_do_not_hide_keywords_and_a_hit_opens_a_case() {
    let app = spawn_app().await;
    let c = community(&app, "quin", "PRODUCT_SERVICE").await;
    app.ok(
        &c.owner,
        UPSERT,
        json!({"input": {"name": "ads", "terms": ["加微信", "VX"]}}),
    )
    .await;
    let g = format!("wecom:{}", c.external);
    let at = "2026-11-30T12:00:00+08:00";
    app.ingest_ok(
        &c.ingest_key,
        json!([
            message("m1", &g, "spammer", at, "需要的 加 微 信 聊"),
            message("m2", &g, "spammer2", at, "加\u{200b}微\u{200b}信"),
            message("m3", &g, "spammer3", at, "ｖｘ：abc"),
            message("m4", &g, "friend", at, "今天天气不错，第21天打卡"),
        ]),
    )
    .await;
    let data = app.ok(&c.owner, CASES, json!({"status": "OPEN"})).await;
    let opened = cases(&data);
    assert_eq!(opened.len(), 3, "{data:#}");
    let first = &opened[0];
    assert_eq!(first["matchedTerms"], json!(["加微信"]));
    assert_eq!(first["excerpt"], "需要的 加 微 信 聊");
    assert_eq!(first["status"], "OPEN");
    assert_eq!(first["actionTaken"], "FLAG");
    assert_eq!(first["overdue"], false);
    let opened_at =
        chrono::DateTime::parse_from_rfc3339(first["openedAt"].as_str().unwrap()).unwrap();
    let due_at = chrono::DateTime::parse_from_rfc3339(first["dueAt"].as_str().unwrap()).unwrap();
    assert_eq!(due_at - opened_at, chrono::Duration::minutes(15));
    assert_eq!(opened[2]["matchedTerms"], json!(["VX"]));

    // Resolving: once, by whom, with a note.
    let resolve =
        "mutation($input: ResolveModerationCaseInput!) { resolveModerationCase(input: $input) {
        case { status resolvedAt note } userErrors { code } } }";
    let id = first["id"].as_str().unwrap();
    let done = app
        .ok(
            &c.owner,
            resolve,
            json!({"input": {"id": id, "resolution": "ACTIONED", "note": "removed by hand"}}),
        )
        .await;
    assert_eq!(done["resolveModerationCase"]["case"]["status"], "ACTIONED");
    assert_eq!(
        done["resolveModerationCase"]["case"]["note"],
        "removed by hand"
    );
    let again = app
        .ok(
            &c.owner,
            resolve,
            json!({"input": {"id": id, "resolution": "DISMISSED"}}),
        )
        .await;
    assert_eq!(
        user_error_codes(&again["resolveModerationCase"]),
        vec!["CONFLICT"]
    );
    assert_eq!(
        cases(&app.ok(&c.owner, CASES, json!({"status": "OPEN"})).await).len(),
        2
    );
}

#[tokio::test]
async fn ad_heuristics_and_overdue_cases() {
    let app = spawn_app().await;
    let c = community(&app, "rita", "KNOWLEDGE").await;
    // Review target of 0 minutes: every case is overdue at once.
    app.ok(&c.owner, "mutation { updateTenantSettings(input: {overrides: {moderation: {reviewMinutes: 0}}}) { settings } }", json!({}))
        .await;
    let g = format!("wecom:{}", c.external);
    let at = "2026-11-30T12:00:00+08:00";
    app.ingest_ok(
        &c.ingest_key,
        json!([
            message("h1", &g, "上海-甲-乙", at, "看这里 https://t.cn/abc"),
            {"id": "h2", "type": "message", "group": g, "member": {"platformUserId": "北京-丙-丁"}, "occurredAt": at, "text": "[图片]", "qrCode": true},
            message("h3", &g, "广州-戊-己", at, "明天见"),
        ]),
    )
    .await;
    let opened = cases(&app.ok(&c.owner, CASES, json!({"status": "OPEN"})).await);
    let terms: Vec<Value> = opened.iter().map(|c| c["matchedTerms"].clone()).collect();
    assert_eq!(terms, vec![json!(["link"]), json!(["qr_code"])]);
    assert!(opened.iter().all(|c| c["overdue"] == true));
    let overdue = app
        .ok(
            &c.owner,
            "{ moderationCases(overdue: true) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(overdue["moderationCases"]["totalCount"], 2);
}

#[tokio::test]
async fn rule_actions_mute_warn_and_award() {
    let app = spawn_app().await;
    let c = community(&app, "sam", "KNOWLEDGE").await;
    let g = format!("wecom:{}", c.external);
    // KNOWLEDGE: nickname pattern → WARN; 10 messages a minute → MUTE 10; daily points.
    let mut events = vec![joined(
        "j-bad",
        &g,
        "nick",
        "just a name",
        "2026-11-30T12:00:00+08:00",
    )];
    for i in 0..12 {
        events.push(message(
            &format!("flood-{i}"),
            &g,
            "flooder",
            &format!("2026-11-30T12:00:{:02}+08:00", i * 2),
            "刷屏",
        ));
    }
    events.push(message(
        "calm-1",
        &g,
        "calm",
        "2026-11-30T12:00:00+08:00",
        "hello",
    ));
    events.push(message(
        "calm-2",
        &g,
        "calm",
        "2026-11-30T13:00:00+08:00",
        "hello again",
    ));
    events.push(message(
        "calm-3",
        &g,
        "calm",
        "2026-12-01T09:00:00+08:00",
        "next day",
    ));
    app.ingest_ok(&c.ingest_key, json!(events)).await;

    let actions = app.ok(&c.owner, OUTBOUND, json!({})).await;
    let list: Vec<(String, String, Value)> = actions["outboundActions"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let n = &e["node"];
            (
                n["kind"].as_str().unwrap().into(),
                n["member"]["platformUserId"].as_str().unwrap().into(),
                n["minutes"].clone(),
            )
        })
        .collect();
    assert!(
        list.contains(&("WARN".into(), "nick".into(), Value::Null)),
        "{list:?}"
    );
    assert!(
        list.contains(&("MUTE".into(), "flooder".into(), json!(10))),
        "{list:?}"
    );
    assert!(list.iter().all(|(_, _, _)| true));
    // The flooder's 11th and 12th messages broke the limit: two cases, one mute action each.
    let flood_cases = cases(&app.ok(&c.owner, CASES, json!({})).await)
        .into_iter()
        .filter(|c| c["member"]["platformUserId"] == "flooder")
        .count();
    assert_eq!(flood_cases, 2);
    let muted = app
        .ok(&c.owner, "query($id: ID!) { node(id: $id) { ... on Group { members { edges { node { mutedUntil member { platformUserId pointsBalance } } } } } } }", json!({"id": c.group}))
        .await;
    let edges = muted["node"]["members"]["edges"].as_array().unwrap();
    let of = |u: &str| {
        edges
            .iter()
            .find(|e| e["node"]["member"]["platformUserId"] == u)
            .unwrap()["node"]
            .clone()
    };
    assert!(of("flooder")["mutedUntil"].is_string());
    assert_eq!(of("calm")["mutedUntil"], Value::Null);
    // Daily points: calm spoke on two local days, the flooder on one.
    assert_eq!(of("calm")["member"]["pointsBalance"], 2);
    assert_eq!(of("flooder")["member"]["pointsBalance"], 1);

    // A connector reports back; nothing is claimed done that was not.
    let id = actions["outboundActions"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap();
    let complete = "mutation($input: CompleteOutboundActionInput!) { completeOutboundAction(input: $input) { action { status error } userErrors { code } } }";
    let done = app
        .ok(
            &c.owner,
            complete,
            json!({"input": {"id": id, "succeeded": false, "error": "bot lacks admin rights"}}),
        )
        .await;
    assert_eq!(
        done["completeOutboundAction"]["action"],
        json!({"status": "FAILED", "error": "bot lacks admin rights"})
    );
    let again = app
        .ok(
            &c.owner,
            complete,
            json!({"input": {"id": id, "succeeded": true}}),
        )
        .await;
    assert_eq!(
        user_error_codes(&again["completeOutboundAction"]),
        vec!["CONFLICT"]
    );
}

#[tokio::test]
async fn a_blacklisted_member_is_out_of_every_group() {
    let app = spawn_app().await;
    let c = community(&app, "tia", "INTEREST").await;
    let other = app
        .create_group(&c.owner, "Other", Some("chat-tia-2"), "INTEREST", "OPEN")
        .await;
    let _ = other;
    app.ok(
        &c.owner,
        UPSERT,
        json!({"input": {"name": "scam", "terms": ["刷单"]}}),
    )
    .await;
    // A rule in the first group: the scam list blacklists.
    let create_rule = "mutation($input: CreateGroupRuleInput!) { createGroupRule(input: $input) { rule { id kind action } userErrors { field code message } } }";
    let rule = app
        .ok(&c.owner, create_rule, json!({"input": {"groupId": c.group, "level": "BEHAVIOUR", "kind": "KEYWORDS", "action": "BLACKLIST"}}))
        .await;
    assert_eq!(
        rule["createGroupRule"]["rule"]["action"], "BLACKLIST",
        "{rule}"
    );
    let at = "2026-11-30T12:00:00+08:00";
    app.ingest_ok(
        &c.ingest_key,
        json!([
            message("x0", "wecom:chat-tia-2", "scammer", at, "hi all"),
            message(
                "x1",
                &format!("wecom:{}", c.external),
                "scammer",
                "2026-11-30T12:01:00+08:00",
                "高佣刷单 私聊"
            ),
        ]),
    )
    .await;
    let members = app
        .ok(
            &c.owner,
            "{ members(blacklisted: true) { edges { node { platformUserId blacklisted } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        members["members"]["edges"][0]["node"]["platformUserId"],
        "scammer"
    );
    let actions = app.ok(&c.owner, OUTBOUND, json!({})).await;
    let removals: Vec<&Value> = actions["outboundActions"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["node"]["kind"] == "REMOVE")
        .collect();
    assert_eq!(removals.len(), 2, "removed from both groups: {actions:#}");
    // A later join anywhere opens a case and a removal at once.
    let third = app
        .create_group(&c.owner, "Third", Some("chat-tia-3"), "INTEREST", "OPEN")
        .await;
    let _ = third;
    app.ingest_ok(
        &c.ingest_key,
        json!([joined(
            "x2",
            "wecom:chat-tia-3",
            "scammer",
            "someone",
            "2026-11-30T13:00:00+08:00"
        )]),
    )
    .await;
    let opened = cases(&app.ok(&c.owner, CASES, json!({"status": "OPEN"})).await);
    assert!(
        opened.iter().any(|c| c["reason"]
            .as_str()
            .unwrap()
            .contains("blacklisted member joined")),
        "{opened:#?}"
    );
    let actions = app.ok(&c.owner, OUTBOUND, json!({})).await;
    assert_eq!(
        actions["outboundActions"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["node"]["kind"] == "REMOVE")
            .count(),
        3
    );
    // Lifting the blacklist by hand.
    let id = members["members"]["edges"][0]["node"]["platformUserId"].clone();
    let _ = id;
}

#[tokio::test]
async fn rules_are_data_that_operators_edit() {
    let app = spawn_app().await;
    let c = community(&app, "uma", "INTEREST").await;
    let rules = app
        .ok(
            &c.owner,
            "query($id: ID!) { node(id: $id) { ... on Group { rules { id kind enabled } } } }",
            json!({"id": c.group}),
        )
        .await;
    let links = rules["node"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "NO_LINKS")
        .unwrap()["id"]
        .clone();
    let update = "mutation($input: UpdateGroupRuleInput!) { updateGroupRule(input: $input) { rule { enabled action actionParams } userErrors { field code message } } }";
    let off = app
        .ok(
            &c.owner,
            update,
            json!({"input": {"id": links, "enabled": false}}),
        )
        .await;
    assert_eq!(off["updateGroupRule"]["rule"]["enabled"], false);
    let bad = app
        .ok(
            &c.owner,
            update,
            json!({"input": {"id": links, "action": "MUTE"}}),
        )
        .await;
    assert_eq!(
        user_error_codes(&bad["updateGroupRule"]),
        vec!["INVALID"],
        "MUTE needs minutes"
    );
    let g = format!("wecom:{}", c.external);
    app.ingest_ok(
        &c.ingest_key,
        json!([message(
            "l1",
            &g,
            "u",
            "2026-11-30T12:00:00+08:00",
            "www.example.com"
        )]),
    )
    .await;
    assert_eq!(
        cases(&app.ok(&c.owner, CASES, json!({})).await).len(),
        0,
        "the rule is off"
    );
    let delete = "mutation($id: ID!) { deleteGroupRule(input: {id: $id}) { deletedId userErrors { code } } }";
    assert_eq!(
        app.ok(&c.owner, delete, json!({"id": links})).await["deleteGroupRule"]["deletedId"],
        links
    );
    assert_eq!(
        user_error_codes(&app.ok(&c.owner, delete, json!({"id": links})).await["deleteGroupRule"]),
        vec!["NOT_FOUND"]
    );
}
