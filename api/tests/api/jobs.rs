//! Scheduled jobs run through `qunyun_worker::jobs::run_once`, checked through the API.

use chrono::{DateTime, Utc};
use qunyun_worker::jobs::Job;
use serde_json::{Value, json};

use crate::helpers::*;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

#[tokio::test]
async fn layers_and_automatic_tags_come_from_the_last_30_days() {
    let app = spawn_app().await;
    let c = community(&app, "layers", "INTEREST").await;
    let g = format!("wecom:{}", c.external);
    let mut events = Vec::new();
    // 30 messages at 20:xx Shanghai time: CORE, slot 20-22.
    for i in 0..30 {
        events.push(json!({"id": format!("core-{i}"), "type": "message", "group": g,
            "member": {"platformUserId": "core", "displayName": "上海-甲-教育", "device": "Mobile"},
            "occurredAt": format!("2026-11-{:02}T20:{:02}:00+08:00", 1 + i % 29, i), "text": "干货"}));
    }
    for i in 0..3 {
        events.push(message(
            &format!("active-{i}"),
            &g,
            "active",
            &format!("2026-11-2{i}T09:00:00+08:00"),
            "好",
        ));
    }
    events.push(message(
        "lurker-1",
        &g,
        "lurker",
        "2026-11-25T09:00:00+08:00",
        "嗯",
    ));
    // Old activity does not count.
    for i in 0..40 {
        events.push(message(
            &format!("old-{i}"),
            &g,
            "veteran",
            &format!("2026-09-01T10:{:02}:00+08:00", i),
            "当年",
        ));
    }
    events.push(joined(
        "j-bj",
        &g,
        "beijing",
        "北京-乙-金融",
        "2026-11-20T10:00:00+08:00",
    ));
    // Reads: the Beijing member reads tutorials twice and an offer once.
    let channel = app
        .create_channel(&c.owner, "SLACK", "http://127.0.0.1:9/x", None, None)
        .await;
    let tutorial = app
        .create_content(&c.owner, "教程", "…", "TUTORIAL", "VALUE")
        .await;
    let offer = app
        .create_content(&c.owner, "优惠", "…", "OFFER", "PROMOTION")
        .await;
    let in_a_day = minutes_from_now(24 * 60 - 5);
    let mut post_ids = Vec::new();
    for content in [&tutorial, &offer] {
        let posted = app
            .schedule(&c.owner, json!({"groupId": c.group, "contentId": content, "channelId": channel, "scheduledAt": in_a_day, "force": true}))
            .await;
        post_ids.push(posted["post"]["id"].as_str().unwrap().to_owned());
    }
    for (i, post) in [&post_ids[0], &post_ids[0], &post_ids[1]]
        .into_iter()
        .enumerate()
    {
        events.push(json!({"id": format!("read-{i}"), "type": "message_read", "group": g, "member": {"platformUserId": "beijing"},
            "postId": post, "occurredAt": format!("2026-11-2{i}T21:00:00+08:00")}));
    }
    events.push(joined(
        "j-sh1",
        &g,
        "active",
        "上海-丙-教育",
        "2026-11-01T10:00:00+08:00",
    ));
    events.push(joined(
        "j-sh2",
        &g,
        "lurker",
        "上海-丁-设计",
        "2026-11-01T10:00:00+08:00",
    ));
    // The group's rate limit would warn the veteran; that is fine here.
    app.ingest_ok(&c.ingest_key, json!(events)).await;

    let report = app.run_job(Job::Layers, at("2026-12-01T00:00:00Z")).await;
    assert!(report.tenants >= 1);

    let data = app
        .ok(
            &c.owner,
            "query($id: ID!) { node(id: $id) { ... on Group { layers { layer members share targetShare }
                members(first: 50) { edges { node { layer member { platformUserId tags autoTags } } } } } } }",
            json!({"id": c.group}),
        )
        .await;
    let edges = data["node"]["members"]["edges"].as_array().unwrap();
    let of = |u: &str| {
        edges
            .iter()
            .find(|e| e["node"]["member"]["platformUserId"] == u)
            .unwrap()["node"]
            .clone()
    };
    assert_eq!(of("core")["layer"], "CORE");
    assert_eq!(of("active")["layer"], "ACTIVE");
    assert_eq!(of("lurker")["layer"], "LURKER");
    assert_eq!(
        of("veteran")["layer"],
        "LURKER",
        "September's messages are outside the window"
    );
    assert_eq!(of("beijing")["layer"], "LURKER");
    let layers: Vec<(String, i64)> = data["node"]["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["layer"].as_str().unwrap().to_owned(),
                l["members"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        layers,
        vec![
            ("CORE".into(), 1),
            ("ACTIVE".into(), 1),
            ("LURKER".into(), 3)
        ]
    );
    assert_eq!(data["node"]["layers"][0]["share"], 0.2);

    let tags = |u: &str| -> Vec<String> {
        serde_json::from_value(of(u)["member"]["autoTags"].clone()).unwrap()
    };
    assert_eq!(tags("core"), vec!["slot:20-22", "local", "device:mobile"]);
    assert_eq!(
        tags("active"),
        vec!["local"],
        "three messages are too few for a slot"
    );
    assert_eq!(tags("beijing"), vec!["prefers:tutorial", "non-local"]);
    assert_eq!(tags("veteran"), Vec::<String>::new());

    // Manual tags survive a rerun, and the rerun changes nothing else.
    let member_id = app
        .ok(
            &c.owner,
            "{ members(search: \"core\") { edges { node { id } } } }",
            json!({}),
        )
        .await["members"]["edges"][0]["node"]["id"]
        .clone();
    app.ok(&c.owner, "mutation($id: ID!) { tagMember(input: {memberId: $id, add: [\"vip\"]}) { member { id } } }", json!({"id": member_id})).await;
    app.run_job(Job::Layers, at("2026-12-01T00:00:00Z")).await;
    let data = app
        .ok(
            &c.owner,
            "query($id: ID!) { node(id: $id) { ... on Member { tags } } }",
            json!({"id": member_id}),
        )
        .await;
    assert_eq!(
        data["node"]["tags"],
        json!(["vip", "slot:20-22", "local", "device:mobile"])
    );
    let _: Value = data;
}
