//! Commerce through the API: offers and their codes, the tracked link, attribution of orders
//! with and without codes, duplicates and refunds, costs, the ROI aggregation (exact integer
//! sums, one currency a report), the nurture guard, the offer funnel, and tenant isolation.

use chrono::{Duration, NaiveDate, Utc};
use qunyun_worker::jobs::{Job, Trigger};
use serde_json::{Value, json};

use crate::helpers::*;

const SHANGHAI: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

fn day(offset: i64) -> NaiveDate {
    Utc::now().with_timezone(&SHANGHAI).date_naive() + Duration::days(offset)
}

fn ago(minutes: i64) -> String {
    (Utc::now() - Duration::minutes(minutes)).to_rfc3339()
}

fn group_ref(c: &Community) -> String {
    format!("wecom:{}", c.external)
}

const CREATE: &str = "mutation($input: CreateOfferInput!) { createOffer(input: $input) {
    offer { id title kind priceMinor currency code linkPath targetUrl costMinor status
            campaign { id } group { id } }
    userErrors { field code message } } }";

async fn create_offer(app: &TestApp, who: &As, input: Value) -> Value {
    app.ok(who, CREATE, json!({ "input": input })).await["createOffer"].clone()
}

async fn offer(app: &TestApp, c: &Community, input: Value) -> Value {
    let mut base = json!({"title": "Flash sale", "kind": "FLASH_SALE", "priceMinor": "5000",
        "currency": "CNY", "targetUrl": "https://shop.example.com/item/1?src=qunyun"});
    for (k, v) in input.as_object().unwrap() {
        base[k] = v.clone();
    }
    let payload = create_offer(app, &c.owner, base).await;
    assert_eq!(payload["userErrors"], json!([]), "{payload:#}");
    payload["offer"].clone()
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn click(app: &TestApp, path: &str) -> reqwest::Response {
    no_redirects().get(app.url(path)).send().await.unwrap()
}

/// An `order_paid` event, every field spelled out at the call site.
#[allow(clippy::too_many_arguments)]
fn order(
    id: &str,
    c: &Community,
    user: Option<&str>,
    order: &str,
    amount: &str,
    currency: &str,
    code: Option<&str>,
    at: &str,
) -> Value {
    let mut e = json!({"id": id, "type": "order_paid", "group": group_ref(c), "occurredAt": at,
        "orderId": order, "amountMinor": amount, "currency": currency});
    if let Some(user) = user {
        e["member"] = json!({"platformUserId": user});
    }
    if let Some(code) = code {
        e["offerCode"] = json!(code);
    }
    e
}

fn refund(id: &str, c: &Community, order: &str, amount: &str, currency: &str) -> Value {
    json!({"id": id, "type": "order_refunded", "group": group_ref(c), "occurredAt": ago(0),
        "orderId": order, "amountMinor": amount, "currency": currency})
}

const ROI: &str = "query($s: RoiScope!, $id: ID, $from: Date!, $to: Date!, $cur: String) {
    roi(scope: $s, id: $id, from: $from, to: $to, currency: $cur) {
      scope revenueMinor refundedMinor costMinor orders refunds clicks roi conversionRate currency asOf } }";

async fn roi_answer(
    app: &TestApp,
    who: &As,
    scope: &str,
    id: Option<&str>,
    currency: Option<&str>,
) -> Value {
    app.gql(
        who,
        ROI,
        json!({"s": scope, "id": id, "from": day(-30).to_string(), "to": day(1).to_string(), "cur": currency}),
    )
    .await
}

async fn roi(app: &TestApp, who: &As, scope: &str, id: Option<&str>) -> Value {
    let answer = roi_answer(app, who, scope, id, None).await;
    assert!(answer["errors"].is_null(), "{answer:#}");
    answer["data"]["roi"].clone()
}

async fn join(app: &TestApp, c: &Community, users: &[&str]) {
    let events: Vec<Value> = users
        .iter()
        .map(|u| {
            joined(
                &format!("join-{u}"),
                &group_ref(c),
                u,
                u,
                &ago(60 * 24 * 10),
            )
        })
        .collect();
    app.ingest_ok(&c.ingest_key, json!(events)).await;
}

#[tokio::test]
async fn offers_validate_their_input_and_get_unguessable_codes() {
    let app = spawn_app().await;
    let c = community(&app, "shop", "PRODUCT_SERVICE").await;
    let bad = create_offer(
        &app,
        &c.owner,
        json!({"title": " ", "kind": "AD", "priceMinor": "-1", "currency": "yuan",
               "targetUrl": "javascript:alert(1)", "costMinor": "-5"}),
    )
    .await;
    assert!(bad["offer"].is_null());
    let mut fields: Vec<String> = bad["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"][1].as_str().unwrap().to_owned())
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        ["costMinor", "currency", "priceMinor", "targetUrl", "title"]
    );
    for target in [
        "ftp://files.example.com/x",
        "/relative",
        "data:text/html,hi",
        "https://u:p@x.example.com/",
    ] {
        let p = create_offer(
            &app,
            &c.owner,
            json!({"title": "t", "kind": "AD", "priceMinor": "1", "currency": "CNY", "targetUrl": target}),
        )
        .await;
        assert_eq!(user_error_codes(&p), ["INVALID"], "{target}: {p:#}");
    }
    let ghost = create_offer(
        &app,
        &c.owner,
        json!({"title": "t", "kind": "AD", "priceMinor": "1", "currency": "CNY",
               "targetUrl": "https://x.example.com", "groupId": qunyun_core::ids::global::encode("Group", uuid::Uuid::now_v7())}),
    )
    .await;
    assert_eq!(user_error_codes(&ghost), ["NOT_FOUND"], "{ghost:#}");
    let list = app
        .ok(&c.owner, "{ offers(first: 10) { totalCount } }", json!({}))
        .await;
    assert_eq!(
        list["offers"]["totalCount"], 0,
        "refused offers are not stored"
    );

    let a = offer(&app, &c, json!({"groupId": c.group, "costMinor": "100"})).await;
    let b = offer(&app, &c, json!({"kind": "PAID_KNOWLEDGE"})).await;
    let code = a["code"].as_str().unwrap();
    assert_eq!(code.len(), 16);
    assert_ne!(code, b["code"].as_str().unwrap());
    assert_eq!(a["linkPath"], format!("/r/{code}"));
    assert_eq!(a["group"]["id"], c.group.as_str());
    assert_eq!(a["status"], "ACTIVE");
    assert_eq!(a["costMinor"], "100");

    let updated = app
        .ok(
            &c.owner,
            "mutation($i: UpdateOfferInput!) { updateOffer(input: $i) { offer { title targetUrl priceMinor } userErrors { code } } }",
            json!({"i": {"id": a["id"], "title": "Flash sale II", "priceMinor": "4500"}}),
        )
        .await;
    assert_eq!(updated["updateOffer"]["offer"]["title"], "Flash sale II");
    assert_eq!(updated["updateOffer"]["offer"]["priceMinor"], "4500");
    let refused = app
        .ok(
            &c.owner,
            "mutation($i: UpdateOfferInput!) { updateOffer(input: $i) { offer { title } userErrors { code } } }",
            json!({"i": {"id": a["id"], "targetUrl": "javascript:void(0)", "title": "nope"}}),
        )
        .await;
    assert_eq!(user_error_codes(&refused["updateOffer"]), ["INVALID"]);
    let ended = app
        .ok(
            &c.owner,
            "mutation($i: EndOfferInput!) { endOffer(input: $i) { offer { status endedAt } userErrors { code } } }",
            json!({"i": {"id": a["id"]}}),
        )
        .await;
    assert_eq!(ended["endOffer"]["offer"]["status"], "ENDED");
    let node = app
        .ok(
            &c.owner,
            "query($id: ID!) { node(id: $id) { ... on Offer { title targetUrl status } } }",
            json!({"id": a["id"]}),
        )
        .await;
    assert_eq!(
        node["node"]["title"], "Flash sale II",
        "the refused edit changed nothing"
    );
    assert_eq!(
        node["node"]["targetUrl"],
        "https://shop.example.com/item/1?src=qunyun"
    );
    let active = app
        .ok(
            &c.owner,
            "{ offers(first: 10, status: ACTIVE) { totalCount edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(active["offers"]["totalCount"], 1);
    assert_eq!(active["offers"]["edges"][0]["node"]["id"], b["id"]);

    // An analyst reads offers but does not make them.
    let analyst = app.member(&c.owner, "analyst", "ANALYST").await;
    let analyst = As::member(&analyst.access_token, &c.tenant);
    let answer = app
        .gql(
            &analyst,
            CREATE,
            json!({"input": {"title": "t", "kind": "AD", "priceMinor": "1", "currency": "CNY", "targetUrl": "https://x.example.com"}}),
        )
        .await;
    assert_eq!(first_code(&answer), "FORBIDDEN", "{answer:#}");
}

#[tokio::test]
async fn the_tracked_link_records_a_click_and_redirects() {
    let app = spawn_app().await;
    let c = community(&app, "link", "PRODUCT_SERVICE").await;
    join(&app, &c, &["u1"]).await;
    let o = offer(&app, &c, json!({"groupId": c.group})).await;
    let code = o["code"].as_str().unwrap();

    let response = click(&app, &format!("/r/{code}?m=u1")).await;
    assert_eq!(response.status(), 302);
    assert_eq!(
        response.headers()["location"],
        "https://shop.example.com/item/1?src=qunyun"
    );
    assert_eq!(response.headers()["cache-control"], "no-store");
    // A stranger's id is kept as given; no member is invented.
    assert_eq!(
        click(&app, &format!("/r/{code}?m=nobody")).await.status(),
        302
    );
    assert_eq!(click(&app, &format!("/r/{code}")).await.status(), 302);

    for unknown in ["/r/abcdefghijkmnopq", "/r/short", "/r/%27%20OR%201=1"] {
        let response = click(&app, unknown).await;
        assert_eq!(response.status(), 404, "{unknown}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "NOT_FOUND");
    }

    app.run_job(Job::Roi, Utc::now()).await;
    let report = roi(&app, &c.owner, "OFFER", o["id"].as_str()).await;
    assert_eq!(report["clicks"], 3);
    assert_eq!(report["orders"], 0);
    assert_eq!(report["conversionRate"], 0.0);
    assert!(report["asOf"].is_string());
    let funnel = app
        .ok(
            &c.owner,
            "query($o: ID!) { funnel(offerId: $o) { reached read clicked ordered } }",
            json!({"o": o["id"]}),
        )
        .await;
    assert_eq!(
        funnel["funnel"],
        json!({"reached": 1, "read": 0, "clicked": 1, "ordered": 0}),
        "only u1 is a known clicker"
    );
}

#[tokio::test]
async fn orders_are_attributed_once_by_code_or_last_click_and_refunds_subtract() {
    let app = spawn_app().await;
    let c = community(&app, "attr", "PRODUCT_SERVICE").await;
    join(&app, &c, &["u1", "u2", "u3"]).await;
    let campaign = app
        .ok(
            &c.owner,
            "mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { campaign { id } userErrors { message } } }",
            json!({"input": {"name": "Double 12", "kind": "FLASH_SALE", "groupIds": [c.group],
                "startsAt": ago(60), "endsAt": ago(-60 * 24), "costMinor": "20000", "currency": "CNY"}}),
        )
        .await["createCampaign"]["campaign"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let o = offer(
        &app,
        &c,
        json!({"groupId": c.group, "campaignId": campaign, "costMinor": "10000"}),
    )
    .await;
    let (id, code) = (o["id"].as_str().unwrap(), o["code"].as_str().unwrap());
    // u1 clicks the link now; u3 clicked 8 days ago (a connector's link_clicked event).
    assert_eq!(click(&app, &format!("/r/{code}?m=u1")).await.status(), 302);
    app.ingest_ok(
        &c.ingest_key,
        json!([{"id": "clk-u3", "type": "link_clicked", "group": group_ref(&c),
                "member": {"platformUserId": "u3"}, "offerCode": code, "occurredAt": ago(60 * 24 * 8)}]),
    )
    .await;
    let outcome = app
        .ingest_ok(
            &c.ingest_key,
            json!([
                order(
                    "e1",
                    &c,
                    Some("u1"),
                    "O1",
                    "5000",
                    "CNY",
                    Some(code),
                    &ago(30)
                ),
                // The same order delivered again under another event id.
                order(
                    "e1-again",
                    &c,
                    Some("u1"),
                    "O1",
                    "5000",
                    "CNY",
                    Some(code),
                    &ago(30)
                ),
                // No code: u1's click minutes ago attributes it.
                order("e2", &c, Some("u1"), "O2", "5000", "CNY", None, &ago(-1)),
                // No code and no click.
                order("e3", &c, Some("u2"), "O3", "3000", "CNY", None, &ago(5)),
                // No code; u3's click is older than 7 days.
                order("e4", &c, Some("u3"), "O4", "4000", "CNY", None, &ago(5)),
            ]),
        )
        .await;
    assert_eq!(
        outcome["accepted"], 5,
        "every event is stored; the order counts once"
    );
    // A partial refund, its redelivery, and one in the wrong currency.
    let (status, body) = app
        .ingest(
            &c.ingest_key,
            json!({"events": [
                refund("r1", &c, "O1", "2000", "CNY"),
                refund("r1-again", &c, "O1", "2000", "CNY"),
                refund("r1-usd", &c, "O1", "2000", "USD"),
            ]}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["accepted"], 2);
    assert_eq!(body["rejected"][0]["index"], 2);
    assert_eq!(body["rejected"][0]["code"], "CURRENCY_MISMATCH");

    app.run_job(Job::Roi, Utc::now()).await;
    let offer_roi = roi(&app, &c.owner, "OFFER", Some(id)).await;
    assert_eq!(
        offer_roi,
        json!({"scope": "OFFER", "revenueMinor": "8000", "refundedMinor": "2000", "costMinor": "10000",
               "orders": 2, "refunds": 1, "clicks": 2, "roi": 0.8, "conversionRate": 1.0,
               "currency": "CNY", "asOf": offer_roi["asOf"]}),
    );
    let campaign_roi = roi(&app, &c.owner, "CAMPAIGN", Some(&campaign)).await;
    assert_eq!(campaign_roi["revenueMinor"], "8000");
    assert_eq!(
        campaign_roi["costMinor"], "30000",
        "its own cost and its offer's"
    );
    let group_roi = roi(&app, &c.owner, "GROUP", Some(&c.group)).await;
    assert_eq!(
        group_roi["revenueMinor"], "15000",
        "unattributed orders still count for the group"
    );
    assert_eq!(group_roi["orders"], 4);
    assert_eq!(
        group_roi["costMinor"], "10000",
        "a campaign's own cost is not split among groups"
    );
    let tenant_roi = roi(&app, &c.owner, "TENANT", None).await;
    assert_eq!(tenant_roi["revenueMinor"], "15000");
    assert_eq!(tenant_roi["costMinor"], "30000");
    assert_eq!(tenant_roi["roi"], 0.5);

    // Later: a cost entry, a late order for two days ago, a full refund of O2.
    let cost = app
        .ok(
            &c.owner,
            "mutation($i: RecordCostInput!) { recordCost(input: $i) { cost { scope amountMinor currency incurredOn targetId } userErrors { field code } } }",
            json!({"i": {"scope": "GROUP", "id": c.group, "amountMinor": "5000", "currency": "cny", "note": "stickers"}}),
        )
        .await;
    assert_eq!(cost["recordCost"]["cost"]["currency"], "CNY");
    assert_eq!(cost["recordCost"]["cost"]["targetId"], c.group.as_str());
    assert_eq!(cost["recordCost"]["cost"]["incurredOn"], day(0).to_string());
    app.ingest_ok(
        &c.ingest_key,
        json!([
            order(
                "e5",
                &c,
                Some("u2"),
                "O5",
                "1000",
                "CNY",
                Some(code),
                &ago(60 * 24 * 2)
            ),
            refund("r2", &c, "O2", "9999", "CNY"),
        ]),
    )
    .await;
    let before = roi(&app, &c.owner, "OFFER", Some(id)).await;
    assert_eq!(
        before["revenueMinor"], "8000",
        "reports show the last aggregation"
    );
    let pass = app.run_job(Job::Roi, Utc::now()).await;
    assert!(pass.rows > 0);
    let offer_roi = roi(&app, &c.owner, "OFFER", Some(id)).await;
    assert_eq!(
        offer_roi["revenueMinor"], "4000",
        "8000 + 1000 − 5000 (a refund is capped at the order)"
    );
    assert_eq!(offer_roi["orders"], 3);
    assert_eq!(offer_roi["refunds"], 2);
    let group_roi = roi(&app, &c.owner, "GROUP", Some(&c.group)).await;
    assert_eq!(group_roi["costMinor"], "15000");
    assert_eq!(
        roi(&app, &c.owner, "TENANT", None).await["costMinor"],
        "35000"
    );

    // A full recompute agrees with the incremental passes.
    app.run_job_with(Job::Roi, Utc::now(), Trigger::Full).await;
    let mut full = roi(&app, &c.owner, "OFFER", Some(id)).await;
    let mut incremental = offer_roi.clone();
    full["asOf"] = Value::Null;
    incremental["asOf"] = Value::Null;
    assert_eq!(full, incremental);

    let funnel = app
        .ok(
            &c.owner,
            "query($o: ID!) { funnel(offerId: $o) { reached clicked ordered } }",
            json!({"o": id}),
        )
        .await;
    assert_eq!(
        funnel["funnel"],
        json!({"reached": 3, "clicked": 2, "ordered": 2})
    );
}

#[tokio::test]
async fn roi_sums_large_integers_exactly_and_keeps_currencies_apart() {
    let app = spawn_app().await;
    let c = community(&app, "big", "PRODUCT_SERVICE").await;
    let o = offer(&app, &c, json!({})).await;
    let code = o["code"].as_str().unwrap();
    // Three orders of 3·10^18 + 1: the sum is beyond f64's exact integers.
    let big = "3000000000000000001";
    app.ingest_ok(
        &c.ingest_key,
        json!([
            order("b1", &c, None, "B1", big, "CNY", Some(code), &ago(10)),
            order("b2", &c, None, "B2", big, "CNY", Some(code), &ago(9)),
            order("b3", &c, None, "B3", big, "CNY", Some(code), &ago(8)),
            order("d1", &c, None, "D1", "199", "USD", None, &ago(7)),
        ]),
    )
    .await;
    app.run_job(Job::Roi, Utc::now()).await;
    let report = roi(&app, &c.owner, "OFFER", o["id"].as_str()).await;
    assert_eq!(report["revenueMinor"], "9000000000000000003");
    assert_eq!(report["costMinor"], "0");
    assert!(report["roi"].is_null(), "no cost, no ratio");

    let answer = roi_answer(&app, &c.owner, "TENANT", None, None).await;
    assert_eq!(first_code(&answer), "BAD_USER_INPUT", "{answer:#}");
    let message = answer["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("CNY") && message.contains("USD"),
        "{message}"
    );
    let usd = roi_answer(&app, &c.owner, "TENANT", None, Some("usd")).await;
    assert_eq!(usd["data"]["roi"]["revenueMinor"], "199");
    assert_eq!(usd["data"]["roi"]["currency"], "USD");
    let eur = roi_answer(&app, &c.owner, "TENANT", None, Some("EUR")).await;
    assert_eq!(
        eur["data"]["roi"]["revenueMinor"], "0",
        "a currency with no amounts is zero"
    );
    let bad = roi_answer(&app, &c.owner, "TENANT", None, Some("EURO")).await;
    assert_eq!(first_code(&bad), "BAD_USER_INPUT");
    let backwards = app
        .gql(
            &c.owner,
            ROI,
            json!({"s": "TENANT", "from": day(1).to_string(), "to": day(-1).to_string()}),
        )
        .await;
    assert_eq!(first_code(&backwards), "BAD_USER_INPUT");
    let missing_id = app
        .gql(
            &c.owner,
            ROI,
            json!({"s": "OFFER", "from": day(-1).to_string(), "to": day(1).to_string()}),
        )
        .await;
    assert_eq!(first_code(&missing_id), "BAD_USER_INPUT");

    // Cost entries: validation, then a tenant-wide cost.
    for (input, code) in [
        (
            json!({"scope": "TENANT", "amountMinor": "0", "currency": "CNY"}),
            "INVALID",
        ),
        (
            json!({"scope": "OFFER", "amountMinor": "5", "currency": "CNY"}),
            "REQUIRED",
        ),
        (
            json!({"scope": "TENANT", "amountMinor": "5", "currency": "CN"}),
            "INVALID",
        ),
    ] {
        let p = app
            .ok(
                &c.owner,
                "mutation($i: RecordCostInput!) { recordCost(input: $i) { cost { id } userErrors { code } } }",
                json!({"i": input}),
            )
            .await;
        assert_eq!(user_error_codes(&p["recordCost"]), [code], "{input}");
    }
    app.ok(
        &c.owner,
        "mutation($i: RecordCostInput!) { recordCost(input: $i) { cost { id } } }",
        json!({"i": {"scope": "TENANT", "amountMinor": "1000000000000000001", "currency": "CNY", "incurredOn": day(-3).to_string()}}),
    )
    .await;
    app.run_job(Job::Roi, Utc::now()).await;
    let cny = roi_answer(&app, &c.owner, "TENANT", None, Some("CNY")).await;
    assert_eq!(cny["data"]["roi"]["costMinor"], "1000000000000000001");
    assert_eq!(cny["data"]["roi"]["revenueMinor"], "9000000000000000003");
    let entries = app
        .ok(
            &c.owner,
            "{ costEntries(first: 10) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        entries["costEntries"]["totalCount"], 1,
        "refused costs are not stored"
    );
}

#[tokio::test]
async fn the_nurture_guard_splits_a_groups_roi_at_its_nurture_period() {
    let app = spawn_app().await;
    let c = community(&app, "nurture", "PRODUCT_SERVICE").await;
    let o = offer(&app, &c, json!({"groupId": c.group, "costMinor": "1000"})).await;
    app.ingest_ok(
        &c.ingest_key,
        json!([order(
            "n1",
            &c,
            None,
            "N1",
            "4300",
            "CNY",
            o["code"].as_str(),
            &ago(1)
        )]),
    )
    .await;
    app.run_job(Job::Roi, Utc::now()).await;
    const GUARD: &str =
        "query($g: ID!) { nurtureGuard(groupId: $g) { ageDays nurtureDays nurtured nurturedOn
        before { revenueMinor costMinor roi } after { revenueMinor roi } } }";
    let young = app.ok(&c.owner, GUARD, json!({"g": c.group})).await;
    assert_eq!(
        young["nurtureGuard"],
        json!({"ageDays": 0, "nurtureDays": 90, "nurtured": false, "nurturedOn": day(90).to_string(),
               "before": {"revenueMinor": "4300", "costMinor": "1000", "roi": 4.3}, "after": null})
    );
    // A tenant that nurtures for 0 days: today is already after.
    app.ok(
        &c.owner,
        "mutation { updateTenantSettings(input: {overrides: {commerce: {nurtureDays: 0}}}) { settings } }",
        json!({}),
    )
    .await;
    let nurtured = app.ok(&c.owner, GUARD, json!({"g": c.group})).await;
    assert_eq!(nurtured["nurtureGuard"]["nurtured"], true);
    assert_eq!(nurtured["nurtureGuard"]["after"]["revenueMinor"], "4300");
    assert_eq!(nurtured["nurtureGuard"]["after"]["roi"], 4.3);
}

#[tokio::test]
async fn b_never_reads_or_changes_as_commerce() {
    let app = spawn_app().await;
    let a = community(&app, "alpha", "PRODUCT_SERVICE").await;
    let b = community(&app, "beta", "PRODUCT_SERVICE").await;
    let o = offer(&app, &a, json!({"groupId": a.group, "costMinor": "100"})).await;
    let (id, code) = (o["id"].as_str().unwrap(), o["code"].as_str().unwrap());
    app.ingest_ok(
        &a.ingest_key,
        json!([order(
            "a1",
            &a,
            None,
            "A1",
            "700",
            "CNY",
            Some(code),
            &ago(3)
        )]),
    )
    .await;
    // B's connector sends A's code: no click and no order for A's offer.
    let outcome = app
        .ingest_ok(
            &b.ingest_key,
            json!([
                order("b1", &b, Some("x"), "A1", "999", "CNY", Some(code), &ago(2)),
                {"id": "bc", "type": "link_clicked", "group": group_ref(&b), "member": {"platformUserId": "x"},
                 "offerCode": code, "occurredAt": ago(2)},
            ]),
        )
        .await;
    assert_eq!(outcome["accepted"], 2);
    app.run_job(Job::Roi, Utc::now()).await;

    let listed = app
        .ok(&b.owner, "{ offers(first: 10) { totalCount } }", json!({}))
        .await;
    assert_eq!(listed["offers"]["totalCount"], 0);
    let node = app
        .ok(
            &b.owner,
            "query($id: ID!) { node(id: $id) { id } }",
            json!({"id": id}),
        )
        .await;
    assert!(node["node"].is_null());
    let answer = roi_answer(&app, &b.owner, "OFFER", Some(id), None).await;
    assert_eq!(first_code(&answer), "NOT_FOUND", "{answer:#}");
    let answer = roi_answer(&app, &b.owner, "GROUP", Some(&a.group), None).await;
    assert_eq!(first_code(&answer), "NOT_FOUND");
    let answer = roi_answer(&app, &b.owner, "TENANT", Some(&a.tenant), None).await;
    assert_eq!(first_code(&answer), "NOT_FOUND");
    let guard = app
        .gql(
            &b.owner,
            "query($g: ID!) { nurtureGuard(groupId: $g) { ageDays } }",
            json!({"g": a.group}),
        )
        .await;
    assert_eq!(first_code(&guard), "NOT_FOUND");
    let funnel = app
        .gql(
            &b.owner,
            "query($o: ID!) { funnel(offerId: $o) { clicked } }",
            json!({"o": id}),
        )
        .await;
    assert_eq!(first_code(&funnel), "NOT_FOUND");
    for (mutation, input) in [
        (
            "mutation($i: UpdateOfferInput!) { updateOffer(input: $i) { userErrors { code } } }",
            json!({"id": id, "title": "mine"}),
        ),
        (
            "mutation($i: EndOfferInput!) { endOffer(input: $i) { userErrors { code } } }",
            json!({"id": id}),
        ),
        (
            "mutation($i: RecordCostInput!) { recordCost(input: $i) { userErrors { code } } }",
            json!({"scope": "OFFER", "id": id, "amountMinor": "5", "currency": "CNY"}),
        ),
        (
            "mutation($i: CreateOfferInput!) { createOffer(input: $i) { userErrors { code } } }",
            json!({"title": "t", "kind": "AD", "priceMinor": "1", "currency": "CNY", "targetUrl": "https://x.example.com", "groupId": a.group}),
        ),
    ] {
        let data = app.ok(&b.owner, mutation, json!({"i": input})).await;
        let payload = data.as_object().unwrap().values().next().unwrap();
        assert_eq!(user_error_codes(payload), ["NOT_FOUND"], "{mutation}");
    }
    // A's numbers hold only A's order; B's tenant report holds only B's.
    let a_report = roi(&app, &a.owner, "OFFER", Some(id)).await;
    assert_eq!(a_report["revenueMinor"], "700");
    assert_eq!(a_report["orders"], 1);
    assert_eq!(a_report["clicks"], 0);
    let a_offer = app
        .ok(
            &a.owner,
            "query($id: ID!) { node(id: $id) { ... on Offer { title status } } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(
        a_offer["node"],
        json!({"title": "Flash sale", "status": "ACTIVE"})
    );
    let b_report = roi(&app, &b.owner, "TENANT", None).await;
    assert_eq!(b_report["revenueMinor"], "999");
    assert_eq!(b_report["costMinor"], "0");
    assert_eq!(b_report["clicks"], 0);
}
