//! Monitoring through the API: daily statistics rolled up by the worker (zero days, late
//! events, backfill), the heatmap, the invite tree, funnels, alert rules and their triggers,
//! `alertRaised`, churn risk and the retention playbook, and tenant isolation of all of it.

use chrono::{Datelike, Duration, NaiveDate, Utc};
use qunyun_worker::jobs::{Job, Trigger};
use serde_json::{Value, json};

use crate::helpers::receiver::Receiver;
use crate::helpers::ws::{connect, next, subscribe};
use crate::helpers::*;

const SHANGHAI: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

/// The tenant's local day `offset` days from today.
fn day(offset: i64) -> NaiveDate {
    Utc::now().with_timezone(&SHANGHAI).date_naive() + Duration::days(offset)
}

/// RFC 3339 for a local time on day `offset`.
fn at(offset: i64, hour: u32, minute: u32) -> String {
    format!(
        "{}T{hour:02}:{minute:02}:00+08:00",
        day(offset).format("%Y-%m-%d")
    )
}

fn group_ref(c: &Community) -> String {
    format!("wecom:{}", c.external)
}

/// `n` messages from `user` on day `offset`, from `hour`:00 on, a minute apart.
fn messages(c: &Community, tag: &str, user: &str, offset: i64, hour: u32, n: u32) -> Vec<Value> {
    (0..n)
        .map(|i| {
            message(
                &format!("{tag}-{user}-{offset}-{i}"),
                &group_ref(c),
                user,
                &at(offset, hour, i % 60),
                "hello everyone",
            )
        })
        .collect()
}

/// `users` join on day `offset`.
async fn join_all(app: &TestApp, c: &Community, users: &[&str], offset: i64) {
    let events: Vec<Value> = users
        .iter()
        .map(|u| joined(&format!("join-{u}"), &group_ref(c), u, u, &at(offset, 9, 0)))
        .collect();
    app.ingest_ok(&c.ingest_key, json!(events)).await;
}

async fn stats(app: &TestApp, c: &Community, from: i64, to: i64) -> Vec<Value> {
    let data = app
        .ok(
            &c.owner,
            "query($g: ID!, $from: Date!, $to: Date!) { groupStats(groupId: $g, from: $from, to: $to) {
                date messages activeMembers members joins exits adMessages complaints reads saves clicks conversions messagesPerMember adShare } }",
            json!({"g": c.group, "from": day(from).to_string(), "to": day(to).to_string()}),
        )
        .await;
    data["groupStats"].as_array().unwrap().clone()
}

async fn alerts(app: &TestApp, who: &As, status: Option<&str>) -> Vec<Value> {
    let data = app
        .ok(
            who,
            "query($s: AlertStatus) { alerts(first: 50, status: $s) { totalCount edges { node {
                id metric value threshold status action actionTaken resolvedBy group { id strictFilter } } } } }",
            json!({"s": status}),
        )
        .await;
    data["alerts"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

fn of_metric<'a>(alerts: &'a [Value], metric: &str) -> Vec<&'a Value> {
    alerts.iter().filter(|a| a["metric"] == metric).collect()
}

async fn keyword_list(app: &TestApp, c: &Community) {
    app.ok(
        &c.owner,
        "mutation { upsertKeywordList(input: {name: \"ads\", terms: [\"加微信\"]}) { keywordList { id } } }",
        json!({}),
    )
    .await;
}

#[tokio::test]
async fn daily_stats_roll_up_with_zero_days_late_events_and_a_backfill() {
    let app = spawn_app().await;
    let c = community(&app, "stats", "INTEREST").await;
    keyword_list(&app, &c).await;
    join_all(&app, &c, &["u1", "u2", "u3", "u4"], -5).await;
    let g = group_ref(&c);
    let mut events = messages(&c, "m", "u1", -3, 10, 3);
    events.extend(messages(&c, "m", "u2", -3, 10, 1));
    events.push(message("ad-1", &g, "u2", &at(-1, 21, 5), "加微信 cheap"));
    events.push(message(
        "m-late-day",
        &g,
        "u1",
        &at(-1, 22, 0),
        "good night",
    ));
    events.push(json!({"id": "read-1", "type": "message_read", "group": g, "member": {"platformUserId": "u3"}, "occurredAt": at(-1, 12, 0), "postId": "p-1"}));
    events.push(json!({"id": "save-1", "type": "content_saved", "group": g, "member": {"platformUserId": "u3"}, "occurredAt": at(-1, 12, 1), "postId": "p-1"}));
    events.push(json!({"id": "complaint-1", "type": "complaint", "group": g, "member": {"platformUserId": "u3"}, "occurredAt": at(-1, 12, 2), "text": "too many ads"}));
    events.push(json!({"id": "click-1", "type": "link_clicked", "group": g, "member": {"platformUserId": "u3"}, "occurredAt": at(-1, 12, 3), "offerCode": "x"}));
    events.push(json!({"id": "order-1", "type": "order_paid", "group": g, "member": {"platformUserId": "u3"}, "occurredAt": at(-1, 12, 4), "orderId": "o-1", "amountMinor": 1999, "currency": "CNY"}));
    events.push(json!({"id": "left-1", "type": "member_left", "group": g, "member": {"platformUserId": "u4"}, "occurredAt": at(-1, 18, 0)}));
    app.ingest_ok(&c.ingest_key, json!(events)).await;

    // Nothing is rolled up before the worker runs.
    assert_eq!(stats(&app, &c, -3, -3).await[0]["messages"], 0);
    app.run_job(Job::Rollups, Utc::now()).await;
    let days = stats(&app, &c, -6, 0).await;
    assert_eq!(days.len(), 7, "every day of the range, zero days included");
    assert_eq!(days[0]["date"], day(-6).to_string());
    assert_eq!(days[0]["members"], 0, "before anyone joined");
    let d5 = &days[1];
    assert_eq!(
        (d5["joins"].as_i64(), d5["members"].as_i64()),
        (Some(4), Some(4))
    );
    let d3 = &days[3];
    assert_eq!(d3["messages"], 4);
    assert_eq!(d3["activeMembers"], 2);
    assert_eq!(d3["messagesPerMember"], 1.0);
    let d2 = &days[4];
    assert_eq!(
        (d2["messages"].as_i64(), d2["members"].as_i64()),
        (Some(0), Some(4))
    );
    let d1 = &days[5];
    assert_eq!(d1["messages"], 2);
    assert_eq!(d1["adMessages"], 1);
    assert_eq!(d1["adShare"], 0.5);
    assert_eq!(d1["exits"], 1);
    assert_eq!(d1["members"], 3, "u4 left that day");
    for field in ["reads", "saves", "complaints", "clicks", "conversions"] {
        assert_eq!(d1[field], 1, "{field}");
    }

    // A late event corrects the closed day it belongs to; a repeated pass changes nothing.
    app.ingest_ok(&c.ingest_key, json!(messages(&c, "late", "u3", -3, 11, 2)))
        .await;
    app.run_job(Job::Rollups, Utc::now()).await;
    app.run_job(Job::Rollups, Utc::now()).await;
    let days = stats(&app, &c, -6, 0).await;
    assert_eq!(days[3]["messages"], 6);
    assert_eq!(days[3]["activeMembers"], 3);

    // The backfill recomputes everything to the same answer.
    app.run_job_with(Job::Rollups, Utc::now(), Trigger::Full)
        .await;
    assert_eq!(stats(&app, &c, -6, 0).await, days);

    // The heatmap puts day -3's messages at its weekday, 10:00 and 11:00.
    let data = app
        .ok(
            &c.owner,
            "query($from: Date!, $to: Date!) { activityHeatmap(from: $from, to: $to) { weekday hour messages activeMembers occurrences } }",
            json!({"from": day(-6).to_string(), "to": day(0).to_string()}),
        )
        .await;
    let cells = data["activityHeatmap"].as_array().unwrap();
    assert_eq!(cells.len(), 168);
    let weekday = day(-3).weekday().number_from_monday() as i64;
    let cell = |hour: i64| {
        cells
            .iter()
            .find(|c| c["weekday"] == weekday && c["hour"] == hour)
            .unwrap()
            .clone()
    };
    assert_eq!(
        (
            cell(10)["messages"].as_i64(),
            cell(10)["activeMembers"].as_i64()
        ),
        (Some(4), Some(2))
    );
    assert_eq!(cell(11)["messages"], 2);
    assert_eq!(
        cell(10)["occurrences"],
        1,
        "a 7-day range holds each weekday once"
    );
    let total: i64 = cells.iter().map(|c| c["messages"].as_i64().unwrap()).sum();
    assert_eq!(total, 8);

    // Bad ranges are refused with a reason.
    for (from, to) in [(0, -1), (-400, 0)] {
        let answer = app
            .gql(
                &c.owner,
                "query($g: ID!, $from: Date!, $to: Date!) { groupStats(groupId: $g, from: $from, to: $to) { date } }",
                json!({"g": c.group, "from": day(from).to_string(), "to": day(to).to_string()}),
            )
            .await;
        assert_eq!(first_code(&answer), "BAD_USER_INPUT", "{answer}");
    }
}

#[tokio::test]
async fn propagation_follows_the_inviters() {
    let app = spawn_app().await;
    let c = community(&app, "invites", "INTEREST").await;
    let g = group_ref(&c);
    let join = |id: &str, user: &str, inviter: Option<&str>, minute: u32| {
        let mut event = joined(id, &g, user, user, &at(-2, 9, minute));
        if let Some(inviter) = inviter {
            event["inviterPlatformUserId"] = json!(inviter);
        }
        event
    };
    app.ingest_ok(
        &c.ingest_key,
        json!([
            join("j-a", "a", None, 0),
            join("j-b", "b", Some("a"), 1),
            join("j-c", "c", Some("a"), 2),
            join("j-d", "d", Some("b"), 3),
            join("j-e", "e", None, 4),
        ]),
    )
    .await;
    let data = app
        .ok(
            &c.owner,
            "query($g: ID!) { propagation(groupId: $g) { members invited maxDepth
                inviters { member { platformUserId } direct total depth }
                edges { inviter { platformUserId } invitee { platformUserId } } } }",
            json!({"g": c.group}),
        )
        .await;
    let p = &data["propagation"];
    assert_eq!(p["members"], 5);
    assert_eq!(p["invited"], 3);
    assert_eq!(p["maxDepth"], 2);
    assert_eq!(
        p["inviters"][0],
        json!({"member": {"platformUserId": "a"}, "direct": 2, "total": 3, "depth": 0})
    );
    assert_eq!(
        p["inviters"][1],
        json!({"member": {"platformUserId": "b"}, "direct": 1, "total": 1, "depth": 1})
    );
    assert_eq!(p["edges"].as_array().unwrap().len(), 3);
    assert_eq!(
        p["edges"][2],
        json!({"inviter": {"platformUserId": "b"}, "invitee": {"platformUserId": "d"}})
    );
}

#[tokio::test]
async fn a_posts_funnel_counts_reached_read_clicked_ordered() {
    let app = spawn_app_with_worker(|_| {}).await;
    let c = community(&app, "funnel", "INTEREST").await;
    join_all(&app, &c, &["f1", "f2", "f3", "f4"], -1).await;
    let receiver = Receiver::start().await;
    let channel = app
        .create_channel(
            &c.owner,
            "WEBHOOK",
            &receiver.url,
            Some("a-long-enough-secret"),
            None,
        )
        .await;
    let content = app
        .create_content(&c.owner, "Tips", "Read this", "TUTORIAL", "VALUE")
        .await;
    let post = app
        .schedule(
            &c.owner,
            json!({"groupId": c.group, "contentId": content, "channelId": channel, "scheduledAt": minutes_from_now(0)}),
        )
        .await;
    let post_id = post["post"]["id"].as_str().unwrap().to_owned();
    let sent = app
        .post_until(&c.owner, &post_id, 20, |p| p["status"] == "SENT")
        .await;
    assert_eq!(sent["status"], "SENT", "{sent:#}");
    let g = group_ref(&c);
    let now = minutes_from_now(1);
    let mut events = Vec::new();
    for (i, user) in ["f1", "f2", "f3"].iter().enumerate() {
        events.push(json!({"id": format!("r{i}"), "type": "message_read", "group": g, "member": {"platformUserId": user}, "occurredAt": now, "postId": post_id}));
    }
    for (i, user) in ["f1", "f2"].iter().enumerate() {
        events.push(json!({"id": format!("c{i}"), "type": "link_clicked", "group": g, "member": {"platformUserId": user}, "occurredAt": now, "postId": post_id}));
    }
    events.push(json!({"id": "o1", "type": "order_paid", "group": g, "member": {"platformUserId": "f1"}, "occurredAt": minutes_from_now(2), "orderId": "o-1", "amountMinor": 990, "currency": "CNY"}));
    // An order before the click is not the post's.
    events.push(json!({"id": "o0", "type": "order_paid", "group": g, "member": {"platformUserId": "f2"}, "occurredAt": at(-1, 10, 0), "orderId": "o-0", "amountMinor": 990, "currency": "CNY"}));
    app.ingest_ok(&c.ingest_key, json!(events)).await;
    let data = app
        .ok(
            &c.owner,
            "query($p: ID!) { funnel(postId: $p) { reached read clicked ordered } }",
            json!({"p": post_id}),
        )
        .await;
    assert_eq!(
        data["funnel"],
        json!({"reached": 4, "read": 3, "clicked": 2, "ordered": 1})
    );
    let answer = app.gql(&c.owner, "{ funnel { reached } }", json!({})).await;
    assert_eq!(first_code(&answer), "BAD_USER_INPUT");
}

const RULES: &str =
    "{ alertRules { id metric comparison threshold windowDays action enabled group { id } } }";

#[tokio::test]
async fn every_tenant_starts_with_the_default_rules_and_edits_them() {
    let app = spawn_app().await;
    let c = community(&app, "rules", "INTEREST").await;
    let rules = app.ok(&c.owner, RULES, json!({})).await["alertRules"].clone();
    let summary: Vec<Value> = rules
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            json!([
                r["metric"],
                r["comparison"],
                r["threshold"],
                r["windowDays"],
                r["action"],
                r["enabled"]
            ])
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            json!([
                "MESSAGES_PER_MEMBER",
                "BELOW",
                2.0,
                3,
                "SCHEDULE_TOPIC",
                true
            ]),
            json!(["WEEKLY_EXIT_RATE", "ABOVE", 0.08, 7, "SEND_SURVEY", true]),
            json!(["AD_SHARE", "ABOVE", 0.05, 1, "STRICT_FILTER", true]),
            json!(["CHURN_RATE", "ABOVE", 0.15, 30, "RETENTION_PLAYBOOK", true]),
        ]
    );
    let exit_rule = rules[1]["id"].as_str().unwrap();
    const UPDATE: &str =
        "mutation($input: UpdateAlertRuleInput!) { updateAlertRule(input: $input) {
        rule { id threshold windowDays enabled } userErrors { field code message } } }";
    // A share over 1, a window of 0: refused, nothing changes.
    for input in [
        json!({"id": exit_rule, "threshold": 8}),
        json!({"id": exit_rule, "windowDays": 0}),
        json!({"id": exit_rule, "threshold": -1}),
    ] {
        let data = app.ok(&c.owner, UPDATE, json!({"input": input})).await;
        assert_eq!(data["updateAlertRule"]["rule"], Value::Null);
        assert_eq!(
            user_error_codes(&data["updateAlertRule"]),
            vec!["INVALID"],
            "{data}"
        );
    }
    let data = app
        .ok(
            &c.owner,
            UPDATE,
            json!({"input": {"id": exit_rule, "threshold": 0.1, "enabled": false}}),
        )
        .await;
    assert_eq!(
        data["updateAlertRule"]["rule"],
        json!({"id": exit_rule, "threshold": 0.1, "windowDays": 7, "enabled": false})
    );
    // A group's own rule.
    let data = app
        .ok(
            &c.owner,
            "mutation($input: CreateAlertRuleInput!) { createAlertRule(input: $input) { rule { id metric threshold windowDays action group { id } } userErrors { code } } }",
            json!({"input": {"groupId": c.group, "metric": "AD_SHARE", "threshold": 0.02}}),
        )
        .await;
    let rule = &data["createAlertRule"]["rule"];
    assert_eq!(rule["group"]["id"], c.group.as_str());
    assert_eq!(
        (rule["threshold"].as_f64(), rule["windowDays"].as_i64()),
        (Some(0.02), Some(1))
    );
    assert_eq!(rule["action"], "STRICT_FILTER");
    let data = app
        .ok(
            &c.owner,
            "mutation($id: ID!) { deleteAlertRule(input: {id: $id}) { deletedId userErrors { code } } }",
            json!({"id": rule["id"]}),
        )
        .await;
    assert_eq!(data["deleteAlertRule"]["deletedId"], rule["id"]);
    assert_eq!(
        app.ok(&c.owner, RULES, json!({})).await["alertRules"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
}

#[tokio::test]
async fn a_quiet_group_gets_one_topic_alert_that_resolves_itself() {
    let app = spawn_app().await;
    let c = community(&app, "quiet", "INTEREST").await;
    join_all(&app, &c, &["q1", "q2", "q3", "q4"], -6).await;
    let mut events = Vec::new();
    for offset in [-3, -2, -1] {
        events.extend(messages(&c, "m", "q1", offset, 20, 1));
    }
    app.ingest_ok(&c.ingest_key, json!(events)).await;

    app.run_job(Job::Alerts, Utc::now()).await;
    let open = alerts(&app, &c.owner, Some("OPEN")).await;
    let quiet = of_metric(&open, "MESSAGES_PER_MEMBER");
    assert_eq!(quiet.len(), 1, "{open:#?}");
    let alert = quiet[0].clone();
    assert_eq!(alert["value"], 0.25, "1 message a day among 4 members");
    assert_eq!(alert["threshold"], 2.0);
    assert_eq!(alert["group"]["id"], c.group.as_str());
    assert_eq!(alert["action"], "SCHEDULE_TOPIC");
    assert_eq!(
        alert["actionTaken"],
        "not run: no TOPIC content to schedule"
    );

    // Re-evaluating does not duplicate; once there is a topic and a channel the action runs.
    app.run_job(Job::Alerts, Utc::now()).await;
    assert_eq!(
        of_metric(&alerts(&app, &c.owner, None).await, "MESSAGES_PER_MEMBER").len(),
        1
    );
    let topic = app
        .create_content(
            &c.owner,
            "What's your setup?",
            "Tell us",
            "TOPIC",
            "INTERACTION",
        )
        .await;
    app.create_channel(
        &c.owner,
        "WEBHOOK",
        "http://127.0.0.1:9/hook",
        Some("a-long-enough-secret"),
        None,
    )
    .await;
    app.run_job(Job::Alerts, Utc::now()).await;
    let all = alerts(&app, &c.owner, None).await;
    let quiet = of_metric(&all, "MESSAGES_PER_MEMBER");
    assert_eq!(quiet.len(), 1);
    assert_eq!(quiet[0]["id"], alert["id"]);
    let taken = quiet[0]["actionTaken"].as_str().unwrap();
    assert!(taken.starts_with("scheduled TOPIC post "), "{taken}");
    let post_id = taken.split(' ').nth(3).unwrap();
    let post = app.post_state(&c.owner, post_id).await;
    assert_eq!(post["content"]["id"], topic.as_str());
    assert_eq!(post["status"], "SCHEDULED");
    // The action ran once: another pass schedules nothing more.
    app.run_job(Job::Alerts, Utc::now()).await;
    let posts = app
        .ok(
            &c.owner,
            "{ scheduledPosts(first: 10) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(posts["scheduledPosts"]["totalCount"], 1);

    // Acknowledge once; twice is a conflict.
    const ACK: &str = "mutation($id: ID!) { acknowledgeAlert(input: {id: $id}) { alert { status } userErrors { code } } }";
    let data = app.ok(&c.owner, ACK, json!({"id": alert["id"]})).await;
    assert_eq!(data["acknowledgeAlert"]["alert"]["status"], "ACKNOWLEDGED");
    let data = app.ok(&c.owner, ACK, json!({"id": alert["id"]})).await;
    assert_eq!(
        user_error_codes(&data["acknowledgeAlert"]),
        vec!["CONFLICT"]
    );

    // Late messages bring the three days within bounds: the alert resolves itself.
    let mut events = Vec::new();
    for offset in [-3, -2, -1] {
        events.extend(messages(&c, "busy", "q2", offset, 21, 10));
    }
    app.ingest_ok(&c.ingest_key, json!(events)).await;
    app.run_job(Job::Alerts, Utc::now()).await;
    let all = alerts(&app, &c.owner, None).await;
    let quiet = of_metric(&all, "MESSAGES_PER_MEMBER");
    assert_eq!(quiet.len(), 1);
    assert_eq!(quiet[0]["status"], "RESOLVED");
    assert_eq!(quiet[0]["resolvedBy"], "auto");
}

#[tokio::test]
async fn ads_switch_on_strict_filtering_until_the_share_comes_down() {
    let app = spawn_app().await;
    let c = community(&app, "ads", "INTEREST").await;
    keyword_list(&app, &c).await;
    join_all(&app, &c, &["a1", "a2"], -4).await;
    let g = group_ref(&c);
    let mut events = messages(&c, "m", "a1", -1, 10, 9);
    events.push(message("spam", &g, "a2", &at(-1, 11, 0), "加微信"));
    app.ingest_ok(&c.ingest_key, json!(events)).await;
    app.run_job(Job::Alerts, Utc::now()).await;
    let open = alerts(&app, &c.owner, Some("OPEN")).await;
    let ads = of_metric(&open, "AD_SHARE");
    assert_eq!(ads.len(), 1, "{open:#?}");
    assert_eq!(ads[0]["value"], 0.1);
    assert_eq!(ads[0]["group"]["strictFilter"], true);
    assert!(
        ads[0]["actionTaken"]
            .as_str()
            .unwrap()
            .contains("strict keyword filtering")
    );
    let first = ads[0]["id"].as_str().unwrap().to_owned();

    // Resolved by hand (B cannot; twice is a conflict): filtering ends, and the next pass
    // raises a new alert since the share is still over.
    const RESOLVE: &str = "mutation($id: ID!) { resolveAlert(input: {id: $id}) { alert { status resolvedBy group { strictFilter } } userErrors { code } } }";
    let other = community(&app, "ads-other", "INTEREST").await;
    let data = app.ok(&other.owner, RESOLVE, json!({"id": first})).await;
    assert_eq!(user_error_codes(&data["resolveAlert"]), vec!["NOT_FOUND"]);
    let data = app.ok(&c.owner, RESOLVE, json!({"id": first})).await;
    let resolved = &data["resolveAlert"]["alert"];
    assert_eq!(resolved["status"], "RESOLVED");
    assert!(resolved["resolvedBy"].as_str().unwrap().len() > 4);
    assert_eq!(resolved["group"]["strictFilter"], false);
    let data = app.ok(&c.owner, RESOLVE, json!({"id": first})).await;
    assert_eq!(user_error_codes(&data["resolveAlert"]), vec!["CONFLICT"]);
    app.run_job(Job::Alerts, Utc::now()).await;
    let open = alerts(&app, &c.owner, Some("OPEN")).await;
    let ads = of_metric(&open, "AD_SHARE");
    assert_eq!(ads.len(), 1);
    assert_ne!(ads[0]["id"], first.as_str());
    assert_eq!(ads[0]["group"]["strictFilter"], true);

    app.ingest_ok(
        &c.ingest_key,
        json!(messages(&c, "clean", "a1", -1, 12, 20)),
    )
    .await;
    app.run_job(Job::Alerts, Utc::now()).await;
    let all = alerts(&app, &c.owner, None).await;
    let ads = of_metric(&all, "AD_SHARE");
    assert_eq!(ads.len(), 2);
    assert!(ads.iter().all(|a| a["status"] == "RESOLVED"));
    assert_eq!(ads[1]["resolvedBy"], "auto");
    assert_eq!(
        ads[1]["group"]["strictFilter"], false,
        "strict filtering ends with the alert"
    );
}

#[tokio::test]
async fn notify_posts_the_alert_to_the_notification_channel() {
    let app = spawn_app().await;
    let c = community(&app, "notify", "INTEREST").await;
    keyword_list(&app, &c).await;
    let rules = app.ok(&c.owner, RULES, json!({})).await["alertRules"].clone();
    let ad_rule = rules[2]["id"].as_str().unwrap().to_owned();
    app.ok(
        &c.owner,
        "mutation($id: ID!) { updateAlertRule(input: {id: $id, action: NOTIFY}) { rule { action } } }",
        json!({"id": ad_rule}),
    )
    .await;
    join_all(&app, &c, &["n1"], -3).await;
    let g = group_ref(&c);
    app.ingest_ok(
        &c.ingest_key,
        json!([message("spam", &g, "n1", &at(-1, 11, 0), "加微信")]),
    )
    .await;

    // Without a notification channel the action says so and is retried later.
    app.run_job(Job::Alerts, Utc::now()).await;
    let ads = alerts(&app, &c.owner, Some("OPEN")).await;
    let ad = of_metric(&ads, "AD_SHARE")[0].clone();
    assert!(
        ad["actionTaken"]
            .as_str()
            .unwrap()
            .starts_with("not run: no notification channel"),
        "{ad}"
    );

    let receiver = Receiver::start().await;
    let secret = "notification-secret-123";
    let channel = app
        .create_channel(&c.owner, "WEBHOOK", &receiver.url, Some(secret), None)
        .await;
    app.ok(
        &c.owner,
        "mutation($o: JSON!) { updateTenantSettings(input: {overrides: $o}) { settings } }",
        json!({"o": {"monitoring": {"notificationChannelId": channel}}}),
    )
    .await;
    app.run_job(Job::Alerts, Utc::now()).await;
    let requests = receiver.wait_for(1, 5).await;
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    let body = request.json();
    assert_eq!(body["type"], "alert");
    assert_eq!(body["alert"]["id"], ad["id"]);
    assert_eq!(body["alert"]["metric"], "AD_SHARE");
    assert_eq!(body["group"]["id"], c.group.as_str());
    let timestamp: i64 = request.header("x-qunyun-timestamp").parse().unwrap();
    assert_eq!(
        request.header("x-qunyun-signature"),
        qunyun_core::delivery::send::signature(secret, timestamp, &request.body)
    );
    let ads = alerts(&app, &c.owner, Some("OPEN")).await;
    let ad = of_metric(&ads, "AD_SHARE")[0].clone();
    assert!(
        ad["actionTaken"]
            .as_str()
            .unwrap()
            .starts_with("notified: "),
        "{ad}"
    );
    // Done once: the next pass posts nothing more.
    app.run_job(Job::Alerts, Utc::now()).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(receiver.requests().len(), 1);
}

#[tokio::test]
async fn raised_alerts_reach_subscribers_of_their_tenant_in_any_process() {
    let app = spawn_app().await;
    let replica = if app.db.is_postgres() {
        Some(app.replica().await)
    } else {
        None
    };
    let address = replica
        .as_ref()
        .map_or(app.address.clone(), |r| r.address.clone());
    let a = community(&app, "raise-a", "INTEREST").await;
    let b = community(&app, "raise-b", "INTEREST").await;
    let init = |c: &Community| json!({"authorization": format!("Bearer {}", c.owner.token.as_deref().unwrap()), "tenantId": c.tenant});
    let mut socket_a = connect(&address, init(&a)).await.unwrap();
    let mut socket_b = connect(&address, init(&b)).await.unwrap();
    const SUBSCRIPTION: &str = "subscription { alertRaised { id metric status group { id } } }";
    subscribe(&mut socket_a, "1", SUBSCRIPTION).await;
    subscribe(&mut socket_b, "1", SUBSCRIPTION).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    join_all(&app, &a, &["s1", "s2"], -5).await;
    app.run_job(Job::Alerts, Utc::now()).await;
    let message = next(&mut socket_a, 5).await.expect("A hears of its alert");
    let alert = &message["payload"]["data"]["alertRaised"];
    assert_eq!(alert["metric"], "MESSAGES_PER_MEMBER", "{message}");
    assert_eq!(alert["status"], "OPEN");
    assert_eq!(alert["group"]["id"], a.group.as_str());
    assert_eq!(next(&mut socket_b, 1).await, None, "B hears nothing of A");
}

#[tokio::test]
async fn the_retention_playbook_targets_the_members_most_at_risk() {
    let app = spawn_app().await;
    let c = community(&app, "churn", "INTEREST").await;
    app.ok(
        &c.owner,
        "mutation { updateTenantSettings(input: {overrides: {monitoring: {playbookMinRisk: 0.0}}}) { settings } }",
        json!({}),
    )
    .await;
    let silent: Vec<String> = (0..10).map(|i| format!("silent{i}")).collect();
    let active: Vec<String> = (0..6).map(|i| format!("active{i}")).collect();
    let leavers: Vec<String> = (0..4).map(|i| format!("leaver{i}")).collect();
    let everyone: Vec<&str> = silent
        .iter()
        .chain(&active)
        .chain(&leavers)
        .map(String::as_str)
        .collect();
    join_all(&app, &c, &everyone, -40).await;
    let g = group_ref(&c);
    let mut events = Vec::new();
    for user in &active {
        for offset in -20..=-1 {
            events.extend(messages(&c, "a", user, offset, 20, 2));
        }
    }
    for (i, user) in leavers.iter().enumerate() {
        events.push(json!({"id": format!("left-{i}"), "type": "member_left", "group": g, "member": {"platformUserId": user}, "occurredAt": at(-5, 12, 0)}));
    }
    for part in events.chunks(500) {
        app.ingest_ok(&c.ingest_key, json!(part)).await;
    }

    // Scores exist after the churn job, explained by their features.
    app.run_job(Job::Churn, Utc::now()).await;
    const MEMBERS: &str = "{ members(first: 50) { edges { node {
        platformUserId tags churnRisk { risk method features { feature contribution } group { id } } } } } }";
    let data = app.ok(&c.owner, MEMBERS, json!({})).await;
    let members = data["members"]["edges"].as_array().unwrap().clone();
    let risk = |user: &str| -> f64 {
        members
            .iter()
            .find(|m| m["node"]["platformUserId"] == user)
            .and_then(|m| m["node"]["churnRisk"]["risk"].as_f64())
            .unwrap_or(-1.0)
    };
    let churn = members
        .iter()
        .find(|m| m["node"]["platformUserId"] == "silent0")
        .unwrap()["node"]["churnRisk"]
        .clone();
    assert_eq!(churn["method"], "HEURISTIC");
    assert_eq!(churn["group"]["id"], c.group.as_str());
    assert!(!churn["features"].as_array().unwrap().is_empty());
    assert!((0.0..=1.0).contains(&risk("silent0")));
    assert!(risk("silent0") > risk("active0"), "silence is riskier");
    assert_eq!(risk("leaver0"), -1.0, "members who left are not scored");
    assert_eq!(
        app.ok(&c.owner, "{ churnModel { auc } }", json!({})).await["churnModel"],
        Value::Null,
        "too little history for a model"
    );

    // 4 of 20 left within 30 days (20% > 15%): the playbook targets the 10 riskiest members,
    // holding every 5th out.
    app.run_job(Job::Alerts, Utc::now()).await;
    let open = alerts(&app, &c.owner, Some("OPEN")).await;
    let churned = of_metric(&open, "CHURN_RATE");
    assert_eq!(churned.len(), 1, "{open:#?}");
    assert_eq!(churned[0]["value"], 0.2);
    assert_eq!(
        churned[0]["actionTaken"],
        "retention playbook: 8 members tagged at-risk with operator tasks, 2 held out for comparison"
    );
    let data = app.ok(&c.owner, MEMBERS, json!({})).await;
    let tagged: Vec<String> = data["members"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| {
            m["node"]["tags"]
                .as_array()
                .unwrap()
                .contains(&json!("at-risk"))
        })
        .map(|m| m["node"]["platformUserId"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(tagged.len(), 8);
    assert!(tagged.iter().all(|u| u.starts_with("silent")), "{tagged:?}");
    let tasks = app
        .ok(&c.owner, "{ followUps(first: 50) { totalCount edges { node { title member { platformUserId } } } } }", json!({}))
        .await;
    assert_eq!(tasks["followUps"]["totalCount"], 8, "{tasks}");
    let outcome = app
        .ok(
            &c.owner,
            "{ retentionOutcome { targeted control pending targetedShare } }",
            json!({}),
        )
        .await;
    assert_eq!(
        outcome["retentionOutcome"],
        json!({"targeted": 0, "control": 0, "pending": 10, "targetedShare": null})
    );
    // 14 days on (as the worker would see it): everyone stayed but one targeted member.
    app.ingest_ok(
        &c.ingest_key,
        json!([{"id": "left-late", "type": "member_left", "group": g, "member": {"platformUserId": tagged[0]}, "occurredAt": minutes_from_now(1)}]),
    )
    .await;
    let tenant = qunyun_core::ids::global::of_kind(&c.tenant, "Tenant").unwrap();
    let tx = app.db.db.tenant_read(tenant).await.unwrap();
    let outcome = qunyun_core::monitoring::churn::retention_outcome(
        &tx,
        None,
        14,
        Utc::now() + Duration::days(15),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!((outcome.treated, outcome.treated_retained), (8, 7));
    assert_eq!((outcome.control, outcome.control_retained), (2, 2));
    assert_eq!(outcome.pending, 0);
}

#[tokio::test]
async fn b_never_reads_or_changes_as_monitoring() {
    let app = spawn_app().await;
    let a = community(&app, "mon-a", "INTEREST").await;
    let b = community(&app, "mon-b", "INTEREST").await;
    join_all(&app, &a, &["x1", "x2"], -5).await;
    app.run_job(Job::Alerts, Utc::now()).await;
    let a_alerts = alerts(&app, &a.owner, None).await;
    assert!(!a_alerts.is_empty());
    let a_alert = a_alerts[0]["id"].as_str().unwrap().to_owned();
    let a_rule = app.ok(&a.owner, RULES, json!({})).await["alertRules"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // B's lists hold only B's rows.
    let b_alerts = alerts(&app, &b.owner, None).await;
    assert!(
        b_alerts
            .iter()
            .all(|x| x["group"]["id"] == b.group.as_str())
    );
    let b_rules = app.ok(&b.owner, RULES, json!({})).await["alertRules"].clone();
    assert!(!b_rules.to_string().contains(&a_rule));
    // A's ids through node(): null.
    for id in [&a_alert, &a_rule] {
        let data = app
            .ok(
                &b.owner,
                "query($id: ID!) { node(id: $id) { id } }",
                json!({"id": id}),
            )
            .await;
        assert_eq!(data["node"], Value::Null);
    }
    // A's group in B's dashboards: not found.
    let range = json!({"g": a.group, "from": day(-3).to_string(), "to": day(0).to_string()});
    for query in [
        "query($g: ID!, $from: Date!, $to: Date!) { groupStats(groupId: $g, from: $from, to: $to) { date } }",
        "query($g: ID!, $from: Date!, $to: Date!) { activityHeatmap(groupId: $g, from: $from, to: $to) { hour } }",
        "query($g: ID!) { propagation(groupId: $g) { members } }",
        "query($g: ID!) { retentionOutcome(groupId: $g) { pending } }",
    ] {
        let answer = app.gql(&b.owner, query, range.clone()).await;
        assert_eq!(first_code(&answer), "NOT_FOUND", "{query}: {answer}");
    }
    // B cannot change A's rule or alert.
    for (mutation, id) in [
        (
            "mutation($id: ID!) { updateAlertRule(input: {id: $id, enabled: false}) { userErrors { code } } }",
            &a_rule,
        ),
        (
            "mutation($id: ID!) { deleteAlertRule(input: {id: $id}) { userErrors { code } } }",
            &a_rule,
        ),
        (
            "mutation($id: ID!) { acknowledgeAlert(input: {id: $id}) { userErrors { code } } }",
            &a_alert,
        ),
    ] {
        let data = app.ok(&b.owner, mutation, json!({"id": id})).await;
        let payload = data.as_object().unwrap().values().next().unwrap();
        assert_eq!(user_error_codes(payload), vec!["NOT_FOUND"], "{mutation}");
    }
    // A's rule is untouched and A's alert still open.
    let rules = app.ok(&a.owner, RULES, json!({})).await;
    assert_eq!(rules["alertRules"][0]["enabled"], true);
    assert_eq!(rules["alertRules"].as_array().unwrap().len(), 4);
    let open = alerts(&app, &a.owner, Some("OPEN")).await;
    assert!(open.iter().any(|x| x["id"] == a_alert.as_str()));
}
