//! Campaigns, check-ins by local day, streaks, milestones, points, quizzes, relays, debates.

use chrono::{DateTime, Utc};
use qunyun_worker::jobs::Job;
use serde_json::{Value, json};

use crate::helpers::*;

const CREATE: &str = "mutation($input: CreateCampaignInput!) { createCampaign(input: $input) {
    campaign { id name kind status targetDays checkinKeyword milestones costMinor currency startsAt endsAt groups { id } }
    userErrors { field code message } } }";

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

async fn campaign(app: &TestApp, c: &Community, input: Value) -> Value {
    let mut input = input;
    input["groupIds"] = json!([c.group]);
    let data = app.ok(&c.owner, CREATE, json!({"input": input})).await;
    let campaign = data["createCampaign"]["campaign"].clone();
    assert!(campaign.is_object(), "{data:#}");
    campaign
}

async fn member_id(app: &TestApp, c: &Community, user: &str) -> String {
    let data = app
        .ok(
            &c.owner,
            "query($s: String) { members(search: $s) { edges { node { id platformUserId } } } }",
            json!({"s": user}),
        )
        .await;
    data["members"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["platformUserId"] == user)
        .unwrap_or_else(|| panic!("no member {user}: {data}"))["node"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn streak(app: &TestApp, c: &Community, campaign: &Value, member: &str) -> Value {
    let data = app
        .ok(&c.owner, "query($c: ID!, $m: ID!) { node(id: $c) { ... on Campaign { streak(memberId: $m) { current longest lastCheckinOn member { platformUserId } } } } }", json!({"c": campaign["id"], "m": member}))
        .await;
    data["node"]["streak"].clone()
}

#[tokio::test]
async fn a_checkin_challenge_has_sensible_defaults_and_checked_input() {
    let app = spawn_app().await;
    let c = community(&app, "camp-a", "INTEREST").await;
    let created = campaign(&app, &c, json!({"name": "21天早起", "kind": "CHECKIN_CHALLENGE", "startsAt": "2026-11-01T00:00:00+08:00", "endsAt": "2027-01-01T00:00:00+08:00", "costMinor": "150000"})).await;
    assert_eq!(created["status"], "DRAFT");
    assert_eq!(created["targetDays"], 21);
    assert_eq!(created["checkinKeyword"], "打卡");
    assert_eq!(created["milestones"], json!([7, 14, 21]));
    assert_eq!(created["costMinor"], "150000", "BigInt is a string");
    assert_eq!(created["currency"], "CNY");
    assert_eq!(created["groups"], json!([{"id": c.group}]));
    let badges = app
        .ok(&c.owner, "{ badges { name criteria } }", json!({}))
        .await;
    assert_eq!(
        badges["badges"].as_array().unwrap().len(),
        3,
        "a badge per milestone"
    );

    // The worker moves it along: RUNNING now, ENDED after its end.
    app.run_job(Job::Campaigns, Utc::now()).await;
    let status = |data: Value| data["node"]["status"].clone();
    let q = "query($id: ID!) { node(id: $id) { ... on Campaign { status } } }";
    assert_eq!(
        status(app.ok(&c.owner, q, json!({"id": created["id"]})).await),
        "RUNNING"
    );
    app.run_job(Job::Campaigns, at("2027-01-02T00:00:00Z"))
        .await;
    assert_eq!(
        status(app.ok(&c.owner, q, json!({"id": created["id"]})).await),
        "ENDED"
    );

    let bad = |input: Value| {
        let mut input = input;
        input["groupIds"] = json!([c.group]);
        json!({"input": input})
    };
    for (input, field) in [
        (
            json!({"name": "x", "kind": "QUIZ", "startsAt": "2026-12-02T00:00:00Z", "endsAt": "2026-12-01T00:00:00Z"}),
            "endsAt",
        ),
        (
            json!({"name": "x", "kind": "QUIZ", "startsAt": "2026-12-01T00:00:00Z", "endsAt": "2026-12-02T00:00:00Z", "currency": "yuan"}),
            "currency",
        ),
        (
            json!({"name": "x", "kind": "QUIZ", "startsAt": "2026-12-01T00:00:00Z", "endsAt": "2026-12-02T00:00:00Z", "costMinor": "-1"}),
            "costMinor",
        ),
    ] {
        let data = app.ok(&c.owner, CREATE, bad(input.clone())).await;
        assert_eq!(
            data["createCampaign"]["userErrors"][0]["field"],
            json!(["input", field]),
            "{input}"
        );
    }
    let data = app
        .ok(&c.owner, CREATE, json!({"input": {"name": "x", "kind": "QUIZ", "groupIds": [], "startsAt": "2026-12-01T00:00:00Z", "endsAt": "2026-12-02T00:00:00Z"}}))
        .await;
    assert_eq!(data["createCampaign"]["userErrors"][0]["code"], "REQUIRED");
    let list = app
        .ok(&c.owner, "{ campaigns { totalCount } }", json!({}))
        .await;
    assert_eq!(
        list["campaigns"]["totalCount"], 1,
        "the refused ones left nothing"
    );
}

#[tokio::test]
async fn checkins_count_by_the_tenants_local_day() {
    let app = spawn_app().await;
    let c = community(&app, "camp-b", "INTEREST").await;
    let created = campaign(&app, &c, json!({"name": "打卡", "kind": "CHECKIN_CHALLENGE", "startsAt": "2026-11-01T00:00:00+08:00", "endsAt": "2026-12-31T00:00:00+08:00"})).await;
    let g = format!("wecom:{}", c.external);
    app.ingest_ok(
        &c.ingest_key,
        json!([
            // 23:59 and 00:01 Shanghai: two local days, though eight hours apart in UTC they are
            // the same UTC day.
            message("c1", &g, "amy", "2026-11-10T23:59:00+08:00", "打卡"),
            message("c2", &g, "amy", "2026-11-11T00:01:00+08:00", " 打 卡 "),
            // A second one the same day counts once.
            message("c3", &g, "amy", "2026-11-11T09:00:00+08:00", "打卡"),
            // Not a check-in: other words around it.
            message("c4", &g, "amy", "2026-11-12T09:00:00+08:00", "今天忘了打卡"),
            // Before the campaign: not counted.
            message("c5", &g, "bob", "2026-10-31T23:00:00+08:00", "打卡"),
        ]),
    )
    .await;
    let amy = member_id(&app, &c, "amy").await;
    let s = streak(&app, &c, &created, &amy).await;
    assert_eq!(s["longest"], 2);
    assert_eq!(s["lastCheckinOn"], "2026-11-11");
    assert_eq!(s["current"], 0, "broken since (those days are past)");
    // A late event counts for the day it happened: the 12th fills in, the run is 3.
    app.ingest_ok(
        &c.ingest_key,
        json!([message(
            "c6",
            &g,
            "amy",
            "2026-11-12T22:00:00+08:00",
            "打卡"
        )]),
    )
    .await;
    assert_eq!(streak(&app, &c, &created, &amy).await["longest"], 3);
    let bob = member_id(&app, &c, "bob").await;
    assert_eq!(
        streak(&app, &c, &created, &bob).await,
        Value::Null,
        "no check-ins"
    );
    // One point a day.
    let points = app.ok(&c.owner, "query($id: ID!) { node(id: $id) { ... on Member { pointsLedger { edges { node { source } } } } } }", json!({"id": amy})).await;
    let checkin_points = points["node"]["pointsLedger"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["node"]["source"] == "checkin")
        .count();
    assert_eq!(checkin_points, 3);
}

#[tokio::test]
async fn local_days_follow_daylight_saving() {
    let app = spawn_app().await;
    let (owner, tenant) = app.owner("camp-ny").await;
    let who = As::member(&owner.access_token, &tenant);
    // A New York tenant.
    let ny = app
        .ok(&As::user(&owner.access_token), "mutation { createTenant(input: {name: \"NY\", slug: \"camp-ny-2\", kind: BRAND, timezone: \"America/New_York\"}) { tenant { id } } }", json!({}))
        .await;
    let tenant = ny["createTenant"]["tenant"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let who_ny = As::member(&owner.access_token, &tenant);
    let _ = who;
    let (key, _) = app.api_key(&who_ny, &["INGEST"]).await;
    let group = app
        .create_group(&who_ny, "NY runners", Some("ny-chat"), "INTEREST", "OPEN")
        .await;
    let c = Community {
        owner: who_ny.clone(),
        tenant,
        ingest_key: key,
        group,
        external: "ny-chat".into(),
    };
    let created = campaign(&app, &c, json!({"name": "run", "kind": "CHECKIN_CHALLENGE", "startsAt": "2026-10-01T00:00:00-04:00", "endsAt": "2026-12-01T00:00:00-05:00"})).await;
    // Clocks go back at 02:00 on Sunday 1 November 2026.
    app.ingest_ok(
        &c.ingest_key,
        json!([
            message(
                "n1",
                "wecom:ny-chat",
                "rae",
                "2026-10-31T23:59:00-04:00",
                "打卡"
            ),
            message(
                "n2",
                "wecom:ny-chat",
                "rae",
                "2026-11-01T00:01:00-04:00",
                "打卡"
            ),
            message(
                "n3",
                "wecom:ny-chat",
                "rae",
                "2026-11-01T23:59:00-05:00",
                "打卡"
            ),
            message(
                "n4",
                "wecom:ny-chat",
                "rae",
                "2026-11-02T00:01:00-05:00",
                "打卡"
            ),
        ]),
    )
    .await;
    let rae = member_id(&app, &c, "rae").await;
    let s = streak(&app, &c, &created, &rae).await;
    assert_eq!(
        s["longest"], 3,
        "Oct 31, Nov 1 (twice), Nov 2: three local days"
    );
    assert_eq!(s["lastCheckinOn"], "2026-11-02");
}

#[tokio::test]
async fn streaks_now_and_the_midnight_job_awards_milestones_once() {
    let app = spawn_app().await;
    // PRODUCT_SERVICE groups give no daily message points: only the campaign's count here.
    let c = community(&app, "camp-c", "PRODUCT_SERVICE").await;
    let starts = (Utc::now() - chrono::Duration::days(10)).to_rfc3339();
    let ends = (Utc::now() + chrono::Duration::days(10)).to_rfc3339();
    let created = campaign(&app, &c, json!({"name": "三日", "kind": "CHECKIN_CHALLENGE", "startsAt": starts, "endsAt": ends, "targetDays": 3, "milestones": [2, 3]})).await;
    let g = format!("wecom:{}", c.external);
    // Today and the four days before it, local (Shanghai) noon.
    let today = Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    let mut events = Vec::new();
    for back in 0..4 {
        let day = today - chrono::Duration::days(back);
        events.push(message(
            &format!("k{back}"),
            &g,
            "kim",
            &format!("{day}T08:00:00+08:00"),
            "打卡",
        ));
    }
    events.push(message(
        "l0",
        &g,
        "lee",
        &format!("{}T08:00:00+08:00", today - chrono::Duration::days(3)),
        "打卡",
    ));
    // Events must not be ahead of now: drop today's if it is still before 08:00 in Shanghai.
    let now_local = Utc::now().with_timezone(&chrono_tz::Asia::Shanghai);
    if now_local.format("%H").to_string().parse::<u32>().unwrap() < 8 {
        events.remove(0);
    }
    let expected = if events.len() == 5 { 4 } else { 3 };
    app.ingest_ok(&c.ingest_key, json!(events)).await;
    let kim = member_id(&app, &c, "kim").await;
    let s = streak(&app, &c, &created, &kim).await;
    assert_eq!(s["current"], expected);
    assert_eq!(s["longest"], expected);

    // The midnight job, twice, and twice at once: each milestone pays once.
    app.run_job(Job::Streaks, Utc::now()).await;
    app.run_job(Job::Streaks, Utc::now()).await;
    let (a, b) = tokio::join!(
        app.run_job(Job::Streaks, Utc::now()),
        app.run_job(Job::Streaks, Utc::now())
    );
    let _ = (a, b);
    let data = app
        .ok(&c.owner, "query($id: ID!) { node(id: $id) { ... on Member { pointsBalance badges { badge { name } } pointsLedger(first: 50) { edges { node { delta source } } } } } }", json!({"id": kim}))
        .await;
    let ledger: Vec<(i64, String)> = data["node"]["pointsLedger"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["node"]["delta"].as_i64().unwrap(),
                e["node"]["source"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let milestones = ledger.iter().filter(|(_, s)| s == "milestone").count();
    assert_eq!(milestones, 2, "milestones 2 and 3, once each: {ledger:?}");
    let checkins = ledger.iter().filter(|(_, s)| s == "checkin").count();
    assert_eq!(checkins as i64, expected);
    assert_eq!(
        data["node"]["pointsBalance"],
        expected + 20,
        "a point a check-in, ten a milestone"
    );
    assert_eq!(data["node"]["badges"].as_array().unwrap().len(), 2);
    // Lee checked in once, days ago: a broken streak, no milestone.
    let lee = member_id(&app, &c, "lee").await;
    let s = streak(&app, &c, &created, &lee).await;
    assert_eq!(
        (s["current"].as_i64(), s["longest"].as_i64()),
        (Some(0), Some(1))
    );
    // Leaderboards.
    let board = app
        .ok(&c.owner, "query($id: ID!) { node(id: $id) { ... on Campaign { byPoints: leaderboard(by: POINTS) { rank value member { platformUserId } } byStreak: leaderboard(by: STREAK) { rank value member { platformUserId } } } } }", json!({"id": created["id"]}))
        .await;
    assert_eq!(
        board["node"]["byPoints"][0]["member"]["platformUserId"],
        "kim"
    );
    assert_eq!(
        board["node"]["byPoints"][1]["member"]["platformUserId"],
        "lee"
    );
    assert_eq!(
        board["node"]["byStreak"],
        json!([{"rank": 1, "value": expected, "member": {"platformUserId": "kim"}}])
    );
}

#[tokio::test]
async fn redemptions_never_take_a_balance_below_zero() {
    let app = spawn_app().await;
    let c = community(&app, "camp-d", "INTEREST").await;
    app.ingest_ok(
        &c.ingest_key,
        json!([message(
            "m",
            &format!("wecom:{}", c.external),
            "pat",
            "2026-11-30T12:00:00+08:00",
            "hi"
        )]),
    )
    .await;
    let pat = member_id(&app, &c, "pat").await;
    let adjust = "mutation($id: ID!, $d: Int!) { adjustPoints(input: {memberId: $id, delta: $d, reason: \"gift\"}) { balance userErrors { code } } }";
    let data = app.ok(&c.owner, adjust, json!({"id": pat, "d": 5})).await;
    // INTEREST groups award a point for the day's first message.
    assert_eq!(data["adjustPoints"]["balance"], 6);
    let redeem = "mutation($id: ID!) { redeemPoints(input: {memberId: $id, points: 1, reason: \"coffee\"}) { balance userErrors { code message } } }";
    let attempts: Vec<_> = (0..10)
        .map(|_| app.gql(&c.owner, redeem, json!({"id": pat})))
        .collect();
    let answers = futures::future::join_all(attempts).await;
    let ok = answers
        .iter()
        .filter(|a| a["data"]["redeemPoints"]["balance"].is_number())
        .count();
    let refused = answers
        .iter()
        .filter(|a| a["data"]["redeemPoints"]["userErrors"][0]["code"] == "LIMIT_EXCEEDED")
        .count();
    assert_eq!((ok, refused), (6, 4), "{answers:#?}");
    let balance = app
        .ok(
            &c.owner,
            "query($id: ID!) { node(id: $id) { ... on Member { pointsBalance } } }",
            json!({"id": pat}),
        )
        .await;
    assert_eq!(balance["node"]["pointsBalance"], 0);
    let data = app.ok(&c.owner, adjust, json!({"id": pat, "d": -1})).await;
    assert_eq!(
        user_error_codes(&data["adjustPoints"]),
        vec!["LIMIT_EXCEEDED"]
    );
}

#[tokio::test]
async fn quizzes_relays_and_debates() {
    let app = spawn_app().await;
    let c = community(&app, "camp-e", "INTEREST").await;
    let g = format!("wecom:{}", c.external);
    let quiz = campaign(&app, &c, json!({"name": "quiz", "kind": "QUIZ", "startsAt": "2026-11-30T20:00:00+08:00", "endsAt": "2026-11-30T21:00:00+08:00"})).await;
    let set = "mutation($input: SetQuizQuestionsInput!) { setQuizQuestions(input: $input) { campaign { quizQuestions { position text } } userErrors { code } } }";
    let data = app
        .ok(&c.owner, set, json!({"input": {"campaignId": quiz["id"], "questions": [{"text": "省会？", "answer": "杭州"}, {"text": "选项？", "answer": "B"}]}}))
        .await;
    assert_eq!(
        data["setQuizQuestions"]["campaign"]["quizQuestions"][1],
        json!({"position": 2, "text": "选项？"})
    );
    app.ingest_ok(
        &c.ingest_key,
        json!([
            message("q1", &g, "fast", "2026-11-30T20:01:00+08:00", "1:杭州"),
            message("q2", &g, "fast", "2026-11-30T20:02:00+08:00", "2 b"),
            message("q3", &g, "slow", "2026-11-30T20:05:00+08:00", "第1题 杭州"),
            message("q4", &g, "slow", "2026-11-30T20:06:00+08:00", "2:C"),
            // A second answer does not replace the first.
            message("q5", &g, "slow", "2026-11-30T20:07:00+08:00", "2:B"),
            // After the 15-minute window: ignored.
            message("q6", &g, "late", "2026-11-30T20:20:00+08:00", "1:杭州"),
        ]),
    )
    .await;
    let ranking = app.ok(&c.owner, "query($id: ID!) { node(id: $id) { ... on Campaign { quizRanking { rank correct member { platformUserId } } } } }", json!({"id": quiz["id"]})).await;
    assert_eq!(
        ranking["node"]["quizRanking"],
        json!([{"rank": 1, "correct": 2, "member": {"platformUserId": "fast"}}, {"rank": 2, "correct": 1, "member": {"platformUserId": "slow"}}])
    );

    let relay = campaign(&app, &c, json!({"name": "接龙", "kind": "RELAY", "startsAt": "2026-11-30T00:00:00+08:00", "endsAt": "2026-12-31T00:00:00+08:00"})).await;
    app.ingest_ok(
        &c.ingest_key,
        json!([
            message(
                "r1",
                &g,
                "ann",
                "2026-11-30T10:00:00+08:00",
                "接龙 1. 安妮 两份"
            ),
            message(
                "r2",
                &g,
                "ben",
                "2026-11-30T10:01:00+08:00",
                "接龙 2. 本 一份"
            ),
            message(
                "r3",
                &g,
                "ann",
                "2026-11-30T10:02:00+08:00",
                "接龙 3. 安妮 再来"
            ),
            message("r4", &g, "cat", "2026-11-30T10:03:00+08:00", "聊点别的"),
        ]),
    )
    .await;
    let list = app.ok(&c.owner, "query($id: ID!) { node(id: $id) { ... on Campaign { relay { position text member { platformUserId } } } } }", json!({"id": relay["id"]})).await;
    let entries: Vec<(i64, String)> = list["node"]["relay"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["position"].as_i64().unwrap(),
                e["member"]["platformUserId"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        entries,
        vec![(1, "ann".into()), (2, "ben".into())],
        "one entry per member, in order"
    );

    // A debate screens registrations.
    let debate = campaign(&app, &c, json!({"name": "辩论", "kind": "DEBATE", "startsAt": "2026-12-05T20:00:00+08:00", "endsAt": "2026-12-05T22:00:00+08:00"})).await;
    let screening = "mutation($input: SetCampaignScreeningInput!) { setCampaignScreening(input: $input) { userErrors { code } } }";
    app.ok(
        &c.owner,
        screening,
        json!({"input": {"campaignId": debate["id"], "passScore": 10, "rejectScore": 3, "questions": [{"text": "经验", "options": [{"label": "多", "score": 10}, {"label": "中", "score": 5}, {"label": "无", "score": 0}]}]}}),
    )
    .await;
    let register = "mutation($c: ID!, $m: ID!, $a: [Int!]) { registerForCampaign(input: {campaignId: $c, memberId: $m, answers: $a}) { participant { id status score } userErrors { code } } }";
    let fast = member_id(&app, &c, "fast").await;
    let slow = member_id(&app, &c, "slow").await;
    let ann = member_id(&app, &c, "ann").await;
    let accepted = app
        .ok(
            &c.owner,
            register,
            json!({"c": debate["id"], "m": fast, "a": [0]}),
        )
        .await;
    assert_eq!(
        accepted["registerForCampaign"]["participant"]["status"],
        "ACCEPTED"
    );
    let rejected = app
        .ok(
            &c.owner,
            register,
            json!({"c": debate["id"], "m": slow, "a": [2]}),
        )
        .await;
    assert_eq!(
        rejected["registerForCampaign"]["participant"]["status"],
        "REJECTED"
    );
    let pending = app
        .ok(
            &c.owner,
            register,
            json!({"c": debate["id"], "m": ann, "a": [1]}),
        )
        .await;
    assert_eq!(
        pending["registerForCampaign"]["participant"]["status"],
        "PENDING"
    );
    let again = app
        .ok(
            &c.owner,
            register,
            json!({"c": debate["id"], "m": ann, "a": [1]}),
        )
        .await;
    assert_eq!(
        user_error_codes(&again["registerForCampaign"]),
        vec!["ALREADY_EXISTS"]
    );
    let review = "mutation($id: ID!) { reviewParticipant(input: {id: $id, decision: ACCEPT, note: \"good speaker\"}) { participant { status automatic note } userErrors { code } } }";
    let decided = app
        .ok(
            &c.owner,
            review,
            json!({"id": pending["registerForCampaign"]["participant"]["id"]}),
        )
        .await;
    assert_eq!(
        decided["reviewParticipant"]["participant"],
        json!({"status": "ACCEPTED", "automatic": false, "note": "good speaker"})
    );
    let listed = app.ok(&c.owner, "query($id: ID!) { node(id: $id) { ... on Campaign { participants(status: ACCEPTED) { totalCount } } } }", json!({"id": debate["id"]})).await;
    assert_eq!(listed["node"]["participants"]["totalCount"], 2);
}

#[tokio::test]
async fn b_never_touches_as_campaigns() {
    let app = spawn_app().await;
    let a = community(&app, "camp-x", "INTEREST").await;
    let b = community(&app, "camp-y", "INTEREST").await;
    let created = campaign(&app, &a, json!({"name": "A's", "kind": "CHECKIN_CHALLENGE", "startsAt": "2026-11-01T00:00:00Z", "endsAt": "2026-12-31T00:00:00Z"})).await;
    app.ingest_ok(
        &a.ingest_key,
        json!([message(
            "a1",
            &format!("wecom:{}", a.external),
            "ada",
            "2026-11-30T12:00:00+08:00",
            "打卡"
        )]),
    )
    .await;
    let ada = member_id(&app, &a, "ada").await;
    let list = app
        .ok(
            &b.owner,
            "{ campaigns { totalCount } badges { id } }",
            json!({}),
        )
        .await;
    assert_eq!(list, json!({"campaigns": {"totalCount": 0}, "badges": []}));
    let data = app
        .ok(
            &b.owner,
            "query($id: ID!) { node(id: $id) { id } }",
            json!({"id": created["id"]}),
        )
        .await;
    assert_eq!(data["node"], Value::Null);
    let check = app
        .ok(&b.owner, "mutation($c: ID!, $m: ID!) { recordCheckin(input: {campaignId: $c, memberId: $m}) { counted userErrors { code } } }", json!({"c": created["id"], "m": ada}))
        .await;
    assert_eq!(user_error_codes(&check["recordCheckin"]), vec!["NOT_FOUND"]);
    for mutation in [
        "mutation($m: ID!) { redeemPoints(input: {memberId: $m, points: 1, reason: \"x\"}) { userErrors { code } } }",
        "mutation($m: ID!) { adjustPoints(input: {memberId: $m, delta: 100, reason: \"x\"}) { userErrors { code } } }",
    ] {
        let data = app.ok(&b.owner, mutation, json!({"m": ada})).await;
        let field = if mutation.contains("redeem") {
            "redeemPoints"
        } else {
            "adjustPoints"
        };
        assert_eq!(
            user_error_codes(&data[field]),
            vec!["NOT_FOUND"],
            "{mutation}"
        );
    }
    // B's campaign cannot run in A's group.
    let data = app
        .ok(&b.owner, CREATE, json!({"input": {"name": "x", "kind": "QUIZ", "groupIds": [a.group], "startsAt": "2026-12-01T00:00:00Z", "endsAt": "2026-12-02T00:00:00Z"}}))
        .await;
    assert_eq!(user_error_codes(&data["createCampaign"]), vec!["NOT_FOUND"]);
    let balance = app
        .ok(
            &a.owner,
            "query($id: ID!) { node(id: $id) { ... on Member { pointsBalance } } }",
            json!({"id": ada}),
        )
        .await;
    assert_eq!(
        balance["node"]["pointsBalance"], 2,
        "a check-in point and the daily message point, untouched"
    );
}
