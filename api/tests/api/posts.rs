//! Scheduled posts through real channels: a local HTTP receiver stands in for the webhook,
//! the WeCom robot, Telegram and Slack.

use std::time::{Duration, Instant};

use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::helpers::receiver::{Answer, Receiver};
use crate::helpers::*;

const SECRET: &str = "webhook-secret-0123456789";

fn fast(settings: &mut qunyun_core::config::Settings) {
    settings.delivery_retry_base_ms = 300;
    settings.delivery_lease_ms = 2_000;
}

fn in_ms(ms: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::milliseconds(ms)).to_rfc3339()
}

fn verify_signature(request: &crate::helpers::receiver::Recorded) -> bool {
    let timestamp = request.header("x-qunyun-timestamp");
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.{}", request.body).as_bytes());
    request.header("x-qunyun-signature")
        == format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

struct Setup {
    c: Community,
    receiver: Receiver,
    channel: String,
    content: String,
}

async fn setup(app: &TestApp, name: &str) -> Setup {
    let c = community(app, name, "KNOWLEDGE").await;
    let receiver = Receiver::start().await;
    let channel = app
        .create_channel(
            &c.owner,
            "WEBHOOK",
            &format!("{}/hook", receiver.url),
            Some(SECRET),
            None,
        )
        .await;
    let content = app
        .create_content(
            &c.owner,
            "如何带好社群",
            "第一步：定位。",
            "TUTORIAL",
            "VALUE",
        )
        .await;
    Setup {
        c,
        receiver,
        channel,
        content,
    }
}

#[tokio::test]
async fn a_webhook_post_is_signed_delivered_on_time_and_followed_up() {
    let app = spawn_app_with_worker(fast).await;
    let s = setup(&app, "post-a").await;
    let scheduled_at = in_ms(1500);
    let data = app.schedule(&s.c.owner, json!({"groupId": s.c.group, "contentId": s.content, "channelId": s.channel, "scheduledAt": scheduled_at})).await;
    assert_eq!(data["userErrors"], json!([]));
    let post = &data["post"];
    assert_eq!(post["status"], "SCHEDULED");
    let requests = s.receiver.wait_for(1, 10).await;
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    let due = chrono::DateTime::parse_from_rfc3339(&scheduled_at).unwrap();
    let lag = chrono::Utc::now() - due.with_timezone(&chrono::Utc);
    assert!(
        lag < chrono::Duration::seconds(3),
        "delivered {lag:?} after its time"
    );
    assert_eq!(request.path, "/hook");
    assert!(
        verify_signature(request),
        "HMAC-SHA256 over '<timestamp>.<body>'"
    );
    assert_eq!(
        request.header("idempotency-key"),
        post["deliveryId"].as_str().unwrap()
    );
    let body = request.json();
    assert_eq!(body["id"], post["deliveryId"]);
    assert_eq!(body["type"], "post");
    assert_eq!(body["post"]["id"], post["id"]);
    assert_eq!(
        body["group"],
        json!({"id": s.c.group, "platform": "WECOM", "externalId": s.c.external})
    );
    assert_eq!(body["content"]["title"], "如何带好社群");
    assert_eq!(body["content"]["kind"], "TUTORIAL");
    assert_eq!(body["content"]["mix"], "VALUE");

    let sent = app
        .post_until(&s.c.owner, post["id"].as_str().unwrap(), 5, |p| {
            p["status"] == "SENT"
        })
        .await;
    assert_eq!(sent["status"], "SENT");
    assert_eq!(sent["attempts"], 1);
    assert_eq!(
        sent["deliveryAttempts"],
        json!([{"attempt": 1, "outcome": "SENT", "statusCode": 200, "error": null}])
    );
    // A tutorial's follow-up is due 48 hours later.
    let tasks = app
        .ok(
            &s.c.owner,
            "{ followUps(done: false) { edges { node { id title dueAt overdue post { id } } } } }",
            json!({}),
        )
        .await;
    let task = &tasks["followUps"]["edges"][0]["node"];
    assert_eq!(task["post"]["id"], post["id"]);
    let due = chrono::DateTime::parse_from_rfc3339(task["dueAt"].as_str().unwrap()).unwrap();
    let sent_at = chrono::DateTime::parse_from_rfc3339(sent["sentAt"].as_str().unwrap()).unwrap();
    assert_eq!((due - sent_at).num_hours(), 48);
    let done = app.ok(&s.c.owner, "mutation($id: ID!) { completeFollowUp(input: {id: $id}) { followUp { doneAt } userErrors { code } } }", json!({"id": task["id"]})).await;
    assert!(done["completeFollowUp"]["followUp"]["doneAt"].is_string());
}

#[tokio::test]
async fn a_503_is_retried_with_the_same_key_and_a_400_fails_at_once() {
    let app = spawn_app_with_worker(fast).await;
    let s = setup(&app, "post-b").await;
    s.receiver.then(Answer::status(503).body("busy"));
    let first = app.schedule(&s.c.owner, json!({"groupId": s.c.group, "contentId": s.content, "channelId": s.channel, "scheduledAt": in_ms(0)})).await;
    let id = first["post"]["id"].as_str().unwrap();
    let post = app
        .post_until(&s.c.owner, id, 10, |p| p["status"] == "SENT")
        .await;
    assert_eq!(post["status"], "SENT", "{post:#}");
    assert_eq!(post["attempts"], 2);
    assert_eq!(
        post["deliveryAttempts"],
        json!([
            {"attempt": 1, "outcome": "RETRY", "statusCode": 503, "error": "HTTP 503: busy"},
            {"attempt": 2, "outcome": "SENT", "statusCode": 200, "error": null},
        ])
    );
    let requests = s.receiver.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        requests[0].header("idempotency-key"),
        requests[1].header("idempotency-key")
    );
    assert_eq!(requests[0].json()["id"], requests[1].json()["id"]);

    s.receiver.then(Answer::status(400).body("no such hook"));
    let second = app.schedule(&s.c.owner, json!({"groupId": s.c.group, "contentId": s.content, "channelId": s.channel, "scheduledAt": in_ms(0)})).await;
    let id = second["post"]["id"].as_str().unwrap();
    let post = app
        .post_until(&s.c.owner, id, 10, |p| p["status"] == "FAILED")
        .await;
    assert_eq!(post["status"], "FAILED");
    assert_eq!(post["attempts"], 1);
    assert_eq!(post["lastError"], "HTTP 400: no such hook");
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(s.receiver.requests().len(), 3, "no retry after a 400");
    let failed = app
        .ok(
            &s.c.owner,
            "{ scheduledPosts(status: FAILED) { totalCount edges { node { lastError } } } }",
            json!({}),
        )
        .await;
    assert_eq!(failed["scheduledPosts"]["totalCount"], 1);
}

#[tokio::test]
async fn retry_after_is_honoured_and_attempts_are_bounded() {
    let app = spawn_app_with_worker(fast).await;
    let s = setup(&app, "post-c").await;
    s.receiver
        .then(Answer::status(429).header("retry-after", "2"));
    let posted = app.schedule(&s.c.owner, json!({"groupId": s.c.group, "contentId": s.content, "channelId": s.channel, "scheduledAt": in_ms(0)})).await;
    let id = posted["post"]["id"].as_str().unwrap();
    let post = app
        .post_until(&s.c.owner, id, 15, |p| p["status"] == "SENT")
        .await;
    assert_eq!(post["status"], "SENT");
    let requests = s.receiver.requests();
    let gap = requests[1].at - requests[0].at;
    assert!(
        gap >= Duration::from_millis(1900),
        "waited {gap:?}, Retry-After said 2 s"
    );

    // Six 500s: it gives up after the sixth attempt, with the reason.
    for _ in 0..6 {
        s.receiver.then(Answer::status(500).body("down"));
    }
    let posted = app.schedule(&s.c.owner, json!({"groupId": s.c.group, "contentId": s.content, "channelId": s.channel, "scheduledAt": in_ms(0)})).await;
    let id = posted["post"]["id"].as_str().unwrap();
    let post = app
        .post_until(&s.c.owner, id, 30, |p| p["status"] == "FAILED")
        .await;
    assert_eq!(post["status"], "FAILED", "{post:#}");
    assert_eq!(post["attempts"], 6);
    assert!(
        post["lastError"]
            .as_str()
            .unwrap()
            .contains("gave up after 6 attempts")
    );
    assert_eq!(s.receiver.requests().len(), 2 + 6);
}

#[tokio::test]
async fn a_post_cancelled_before_its_time_is_never_sent() {
    let app = spawn_app_with_worker(fast).await;
    let s = setup(&app, "post-d").await;
    let posted = app.schedule(&s.c.owner, json!({"groupId": s.c.group, "contentId": s.content, "channelId": s.channel, "scheduledAt": in_ms(2000)})).await;
    let id = posted["post"]["id"].as_str().unwrap();
    let cancel = "mutation($id: ID!) { cancelPost(input: {id: $id}) { post { status } userErrors { code } } }";
    let data = app.ok(&s.c.owner, cancel, json!({"id": id})).await;
    assert_eq!(data["cancelPost"]["post"]["status"], "CANCELLED");
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert!(s.receiver.requests().is_empty(), "never sent");
    let again = app.ok(&s.c.owner, cancel, json!({"id": id})).await;
    assert_eq!(user_error_codes(&again["cancelPost"]), vec!["CONFLICT"]);
}

#[tokio::test]
async fn two_workers_one_delivery_each() {
    let app = spawn_app_with_worker(fast).await;
    let mut second = Killable::start(app.settings.clone());
    let s = setup(&app, "post-e").await;
    let mut ids = Vec::new();
    for _ in 0..8 {
        let posted = app.schedule(&s.c.owner, json!({"groupId": s.c.group, "contentId": s.content, "channelId": s.channel, "scheduledAt": in_ms(1000)})).await;
        ids.push(posted["post"]["deliveryId"].as_str().unwrap().to_owned());
    }
    let requests = s.receiver.wait_for(8, 15).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let requests = s
        .receiver
        .requests()
        .into_iter()
        .chain(requests.into_iter().take(0))
        .collect::<Vec<_>>();
    let mut keys: Vec<String> = requests
        .iter()
        .map(|r| r.header("idempotency-key"))
        .collect();
    keys.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(keys, expected, "each post delivered exactly once");
    second.kill();
}

#[tokio::test]
async fn a_worker_killed_mid_send_is_replaced_and_the_key_stays() {
    // The only worker is the killable one; the test app serves GraphQL.
    let app = spawn_app_with(fast).await;
    let s = setup(&app, "post-f").await;
    s.receiver
        .then(Answer::status(200).hold(Duration::from_secs(30)));
    let mut first = Killable::start(app.settings.clone());
    let posted = app.schedule(&s.c.owner, json!({"groupId": s.c.group, "contentId": s.content, "channelId": s.channel, "scheduledAt": in_ms(0)})).await;
    let id = posted["post"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        s.receiver.wait_for(1, 10).await.len(),
        1,
        "the first attempt is in flight"
    );
    first.kill();
    let stuck = app.post_state(&s.c.owner, &id).await;
    assert_eq!(stuck["status"], "SENDING");

    let _second = Killable::start(app.settings.clone());
    // Its reconcile sweep (every 15 s) re-queues the post once the 2 s lease is over.
    let post = app
        .post_until(&s.c.owner, &id, 40, |p| p["status"] == "SENT")
        .await;
    assert_eq!(post["status"], "SENT", "{post:#}");
    let requests = s.receiver.requests();
    assert!(requests.len() >= 2);
    let key = posted["post"]["deliveryId"].as_str().unwrap();
    assert!(
        requests.iter().all(|r| r.header("idempotency-key") == key),
        "every request carries the same key"
    );
}

#[tokio::test]
async fn channel_formats_and_rate_limits() {
    let app = spawn_app_with_worker(fast).await;
    let c = community(&app, "post-g", "INTEREST").await;
    let receiver = Receiver::start().await;
    receiver.default_body(r#"{"errcode":0,"errmsg":"ok"}"#);
    // WeCom robot: markdown, 4096 bytes a message, in order.
    let robot = app
        .create_channel(
            &c.owner,
            "WECOM_ROBOT",
            &format!("{}/cgi-bin/webhook/send?key=k", receiver.url),
            None,
            None,
        )
        .await;
    let long_body = (0..400)
        .map(|i| format!("第{i}段：社群运营的关键在于持续输出价值。"))
        .collect::<Vec<_>>()
        .join("\n");
    let long = app
        .create_content(&c.owner, "长文", &long_body, "ANNOUNCEMENT", "VALUE")
        .await;
    let posted = app.schedule(&c.owner, json!({"groupId": c.group, "contentId": long, "channelId": robot, "scheduledAt": in_ms(0)})).await;
    let post = app
        .post_until(&c.owner, posted["post"]["id"].as_str().unwrap(), 10, |p| {
            p["status"] == "SENT"
        })
        .await;
    assert_eq!(post["status"], "SENT", "{post:#}");
    let parts: Vec<String> = receiver
        .requests()
        .iter()
        .map(|r| r.json()["markdown"]["content"].as_str().unwrap().to_owned())
        .collect();
    assert!(parts.len() >= 4, "{} parts", parts.len());
    assert!(parts.iter().all(|p| p.len() <= 4096));
    assert!(
        receiver
            .requests()
            .iter()
            .all(|r| r.json()["msgtype"] == "markdown" && r.path == "/cgi-bin/webhook/send")
    );
    assert_eq!(
        parts.concat(),
        format!("**长文**\n\n{long_body}"),
        "in order, nothing lost"
    );

    // Telegram: sendMessage with the chat id, the token in the path.
    let telegram_receiver = Receiver::start().await;
    telegram_receiver.default_body(r#"{"ok":true}"#);
    let telegram = app
        .create_channel(
            &c.owner,
            "TELEGRAM",
            &telegram_receiver.url,
            Some("123:ABC"),
            Some("-1001"),
        )
        .await;
    let short = app
        .create_content(&c.owner, "Hello", "World", "TOPIC", "INTERACTION")
        .await;
    app.schedule(&c.owner, json!({"groupId": c.group, "contentId": short, "channelId": telegram, "scheduledAt": in_ms(0)})).await;
    let sent = telegram_receiver.wait_for(1, 10).await;
    assert_eq!(sent[0].path, "/bot123:ABC/sendMessage");
    assert_eq!(
        sent[0].json(),
        json!({"chat_id": "-1001", "text": "Hello\n\nWorld"})
    );

    // Slack: one message a second; three posts at once are spread out, none fails.
    let slack_receiver = Receiver::start().await;
    let slack = app
        .create_channel(
            &c.owner,
            "SLACK",
            &format!("{}/services/T/B/X", slack_receiver.url),
            None,
            None,
        )
        .await;
    let started = Instant::now();
    for _ in 0..3 {
        app.schedule(&c.owner, json!({"groupId": c.group, "contentId": short, "channelId": slack, "scheduledAt": in_ms(0)})).await;
    }
    let sent = slack_receiver.wait_for(3, 15).await;
    assert_eq!(sent.len(), 3);
    assert_eq!(sent[0].json(), json!({"text": "*Hello*\nWorld"}));
    for pair in sent.windows(2) {
        assert!(
            pair[1].at - pair[0].at >= Duration::from_millis(900),
            "one a second: {:?}",
            pair[1].at - pair[0].at
        );
    }
    assert!(started.elapsed() >= Duration::from_secs(2));
    let failed = app
        .ok(
            &c.owner,
            "{ scheduledPosts(status: FAILED) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        failed["scheduledPosts"]["totalCount"], 0,
        "delayed, not failed"
    );
    // Channel secrets never come back.
    let listed = app
        .ok(&c.owner, "{ channels { id name kind chatId } }", json!({}))
        .await;
    assert!(!listed.to_string().contains("123:ABC") && !listed.to_string().contains("key=k"));
}

#[tokio::test]
async fn the_mix_limits_promotion_and_nurture_warns() {
    let app = spawn_app().await;
    let c = community(&app, "post-h", "PRODUCT_SERVICE").await;
    let receiver = Receiver::start().await;
    let channel = app
        .create_channel(&c.owner, "SLACK", &receiver.url, None, None)
        .await;
    let value = app
        .create_content(&c.owner, "干货", "…", "TUTORIAL", "VALUE")
        .await;
    let chat = app
        .create_content(&c.owner, "聊聊", "…", "TOPIC", "INTERACTION")
        .await;
    let promo = app
        .create_content(&c.owner, "限时特惠", "…", "OFFER", "PROMOTION")
        .await;
    let at = |days: i64| (chrono::Utc::now() + chrono::Duration::days(days)).to_rfc3339();
    let post = |content: &str, days: i64, force: bool| json!({"groupId": c.group, "contentId": content, "channelId": channel, "scheduledAt": at(days), "force": force});
    // Seven value posts and two interaction posts: a promotion is 10%, within 10% + 5%.
    for d in 1..=7 {
        app.schedule(&c.owner, post(&value, d, false)).await;
    }
    for d in 1..=2 {
        app.schedule(&c.owner, post(&chat, d, false)).await;
    }
    let ok = app.schedule(&c.owner, post(&promo, 3, false)).await;
    assert_eq!(ok["userErrors"], json!([]));
    assert_eq!(
        ok["warnings"].as_array().unwrap().len(),
        1,
        "a young group: nurture first"
    );
    assert!(ok["warnings"][0].as_str().unwrap().contains("nurture"));
    // A second promotion would be 2/11 = 18%: refused, unless forced.
    let refused = app.schedule(&c.owner, post(&promo, 4, false)).await;
    assert_eq!(refused["post"], Value::Null);
    assert_eq!(refused["userErrors"][0]["code"], "LIMIT_EXCEEDED");
    assert!(
        refused["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("18%"),
        "{refused}"
    );
    let forced = app.schedule(&c.owner, post(&promo, 4, true)).await;
    assert_eq!(forced["userErrors"], json!([]));
    assert_eq!(forced["warnings"], json!([]));

    let mix = app
        .ok(
            &c.owner,
            "query($g: ID!) { contentMix(groupId: $g) { mix posts share targetShare drifting } }",
            json!({"g": c.group}),
        )
        .await;
    let shares: Vec<(String, i64, bool)> = mix["contentMix"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["mix"].as_str().unwrap().to_owned(),
                m["posts"].as_i64().unwrap(),
                m["drifting"].as_bool().unwrap(),
            )
        })
        .collect();
    // 64% value and 18% promotion are both off their targets by more than the 5% tolerance.
    assert_eq!(
        shares,
        vec![
            ("VALUE".into(), 7, true),
            ("INTERACTION".into(), 2, false),
            ("PROMOTION".into(), 2, true)
        ]
    );
    assert_eq!(mix["contentMix"][0]["targetShare"], 0.7);

    // Bad input changes nothing.
    let bad = app.schedule(&c.owner, json!({"groupId": c.group, "contentId": value, "channelId": channel, "scheduledAt": "2020-01-01T00:00:00Z"})).await;
    assert_eq!(
        bad["userErrors"][0]["field"],
        json!(["input", "scheduledAt"])
    );
    let bad = app.schedule(&c.owner, json!({"groupId": c.group, "contentId": "nope", "channelId": channel, "scheduledAt": at(1)})).await;
    assert_eq!(bad["userErrors"][0]["code"], "NOT_FOUND");
    let bad = app.schedule(&c.owner, json!({"groupId": c.group, "contentId": value, "channelId": channel, "scheduledAt": at(1), "recurrence": "FREQ=SECONDLY"})).await;
    assert_eq!(
        bad["userErrors"][0]["field"],
        json!(["input", "recurrence"])
    );
    let count = app
        .ok(&c.owner, "{ scheduledPosts { totalCount } }", json!({}))
        .await;
    assert_eq!(count["scheduledPosts"]["totalCount"], 11);
}

#[tokio::test]
async fn slots_come_from_the_defaults_then_from_the_group() {
    let app = spawn_app().await;
    let c = community(&app, "post-i", "INTEREST").await;
    let slots = "query($g: ID!, $k: ContentKind!) { suggestedSlots(groupId: $g, kind: $k, count: 4) { at source } }";
    let data = app
        .ok(&c.owner, slots, json!({"g": c.group, "k": "TUTORIAL"}))
        .await;
    let list = data["suggestedSlots"].as_array().unwrap();
    assert_eq!(list.len(), 4);
    for slot in list {
        assert_eq!(slot["source"], "DEFAULT");
        let local = chrono::DateTime::parse_from_rfc3339(slot["at"].as_str().unwrap())
            .unwrap()
            .with_timezone(&chrono_tz::Asia::Shanghai);
        let day = local.format("%a %H:%M").to_string();
        assert!(day == "Tue 20:00" || day == "Thu 20:00", "{day}");
    }
    // Fourteen days of chat, busiest on Saturdays at 09:00 Shanghai: the group's own hours win.
    let g = format!("wecom:{}", c.external);
    let mut events = Vec::new();
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    for day in 1..=15 {
        let date = today - chrono::Duration::days(day);
        events.push(message(
            &format!("d{day}"),
            &g,
            "u1",
            &format!("{date}T12:00:00+08:00"),
            "hi",
        ));
        if chrono::Datelike::weekday(&date) == chrono::Weekday::Sat {
            for i in 0..10 {
                events.push(message(
                    &format!("s{day}-{i}"),
                    &g,
                    &format!("u{i}"),
                    &format!("{date}T09:{i:02}:00+08:00"),
                    "周末好",
                ));
            }
        }
    }
    app.ingest_ok(&c.ingest_key, json!(events)).await;
    let data = app
        .ok(&c.owner, slots, json!({"g": c.group, "k": "TOPIC"}))
        .await;
    // The Saturday-morning crowd dwarfs the daily noon message: only Saturdays 09:00 remain.
    for slot in data["suggestedSlots"].as_array().unwrap() {
        assert_eq!(slot["source"], "GROUP_ACTIVITY");
        let local = chrono::DateTime::parse_from_rfc3339(slot["at"].as_str().unwrap())
            .unwrap()
            .with_timezone(&chrono_tz::Asia::Shanghai);
        assert_eq!(local.format("%a %H:%M").to_string(), "Sat 09:00");
    }
}

#[tokio::test]
async fn a_weekly_topic_recurs_until_its_series_is_cancelled() {
    let app = spawn_app().await;
    let c = community(&app, "post-j", "INTEREST").await;
    let receiver = Receiver::start().await;
    let channel = app
        .create_channel(&c.owner, "SLACK", &receiver.url, None, None)
        .await;
    let topic = app
        .create_content(&c.owner, "本周话题", "聊聊周末计划", "TOPIC", "INTERACTION")
        .await;
    let first_at = (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339();
    let posted = app
        .schedule(&c.owner, json!({"groupId": c.group, "contentId": topic, "channelId": channel, "scheduledAt": first_at, "recurrence": "FREQ=WEEKLY"}))
        .await;
    assert_eq!(posted["post"]["recurring"], true);
    let cancel = "mutation($id: ID!, $all: Boolean) { cancelPost(input: {id: $id, wholeSeries: $all}) { post { status } userErrors { code } } }";
    app.ok(
        &c.owner,
        cancel,
        json!({"id": posted["post"]["id"], "all": false}),
    )
    .await;
    let scheduled = app
        .ok(
            &c.owner,
            "{ scheduledPosts(status: SCHEDULED) { edges { node { id scheduledAt recurring } } } }",
            json!({}),
        )
        .await;
    let next = &scheduled["scheduledPosts"]["edges"][0]["node"];
    let gap = chrono::DateTime::parse_from_rfc3339(next["scheduledAt"].as_str().unwrap()).unwrap()
        - chrono::DateTime::parse_from_rfc3339(posted["post"]["scheduledAt"].as_str().unwrap())
            .unwrap();
    assert_eq!(
        gap,
        chrono::Duration::days(7),
        "the next occurrence, a week later"
    );
    app.ok(&c.owner, cancel, json!({"id": next["id"], "all": true}))
        .await;
    let scheduled = app
        .ok(
            &c.owner,
            "{ scheduledPosts(status: SCHEDULED) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        scheduled["scheduledPosts"]["totalCount"], 0,
        "the series is over"
    );
}
