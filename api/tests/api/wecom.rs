//! The WeCom connector: the official vectors through the real endpoint, encrypted events,
//! redelivery, signatures.

use qunyun_core::wecom::crypto::{WecomCrypto, seal_message};
use serde_json::{Value, json};

use crate::helpers::*;

// The "py-verify" vector of shared/vectors/wecom-callback.json.
const TOKEN: &str = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo";
const KEY: &str = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt";
const CORP: &str = "ww1436e0e65a779aee";
const SIGNATURE: &str = "012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb";
const TIMESTAMP: &str = "1476416373";
const NONCE: &str = "47744683";
const ECHOSTR: &str =
    "fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA==";

async fn connector(app: &TestApp, who: &As) -> String {
    let data = app
        .ok(
            who,
            "mutation($input: CreateWecomConnectorInput!) { createWecomConnector(input: $input) {
                connector { id name corpId callbackPath } userErrors { field code } } }",
            json!({"input": {"name": "corp", "corpId": CORP, "token": TOKEN, "encodingAesKey": KEY}}),
        )
        .await;
    let connector = &data["createWecomConnector"]["connector"];
    assert!(
        !data.to_string().contains(TOKEN) && !data.to_string().contains(KEY),
        "secrets never come back"
    );
    connector["callbackPath"].as_str().unwrap().to_owned()
}

fn change(
    chat: &str,
    change_type: &str,
    detail: Option<&str>,
    members: &[&str],
    scene: &str,
    time: i64,
) -> String {
    let items: String = members
        .iter()
        .map(|m| format!("<Item><![CDATA[{m}]]></Item>"))
        .collect();
    let detail = detail
        .map(|d| format!("<UpdateDetail><![CDATA[{d}]]></UpdateDetail>"))
        .unwrap_or_default();
    format!(
        "<xml><ToUserName><![CDATA[{CORP}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>{time}</CreateTime>\
         <MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_chat]]></Event><ChatId><![CDATA[{chat}]]></ChatId>\
         <ChangeType><![CDATA[{change_type}]]></ChangeType>{detail}{scene}<MemChangeCnt>{}</MemChangeCnt>\
         <MemChangeList>{items}</MemChangeList></xml>",
        members.len()
    )
}

async fn deliver(app: &TestApp, path: &str, inner: &str) -> (u16, String) {
    let crypto = WecomCrypto::new(TOKEN, KEY, CORP).unwrap();
    let (body, signature) = seal_message(&crypto, inner, "1796000000", "nonce1", [7; 16]);
    let response = app
        .client
        .post(app.url(path))
        .query(&[
            ("msg_signature", signature.as_str()),
            ("timestamp", "1796000000"),
            ("nonce", "nonce1"),
        ])
        .body(body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

const GROUPS: &str = "{ groups { edges { node { id externalId status memberCount members { edges { node { leftAt removed member { platformUserId } } } } } } } }";

#[tokio::test]
async fn url_verification_answers_the_vectors_echostr() {
    let app = spawn_app().await;
    let (owner, tenant) = app.owner("vera").await;
    let path = connector(&app, &As::member(&owner.access_token, &tenant)).await;
    let response = app
        .client
        .get(app.url(&path))
        .query(&[
            ("msg_signature", SIGNATURE),
            ("timestamp", TIMESTAMP),
            ("nonce", NONCE),
            ("echostr", ECHOSTR),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "1288432023552776189");
    let response = app
        .client
        .get(app.url(&path))
        .query(&[
            ("msg_signature", "0".repeat(40).as_str()),
            ("timestamp", TIMESTAMP),
            ("nonce", NONCE),
            ("echostr", ECHOSTR),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let missing = app
        .client
        .get(app.url("/connectors/wecom/nope/callback"))
        .query(&[
            ("msg_signature", "x"),
            ("timestamp", "1"),
            ("nonce", "1"),
            ("echostr", "x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn member_changes_become_events_once() {
    let app = spawn_app().await;
    let (owner, tenant) = app.owner("wes").await;
    let who = As::member(&owner.access_token, &tenant);
    let path = connector(&app, &who).await;

    // `create` for an unknown chat creates the group.
    assert_eq!(
        deliver(
            &app,
            &path,
            &change("chatA", "create", None, &[], "", 1796000000)
        )
        .await,
        (200, "success".into())
    );
    let add = change(
        "chatA",
        "update",
        Some("add_member"),
        &["wmA", "wmB"],
        "<JoinScene>3</JoinScene>",
        1796000100,
    );
    assert_eq!(deliver(&app, &path, &add).await.0, 200);
    // WeCom redelivers: nothing changes.
    assert_eq!(deliver(&app, &path, &add).await.0, 200);
    let data = app.ok(&who, GROUPS, json!({})).await;
    let group = &data["groups"]["edges"][0]["node"];
    assert_eq!(group["externalId"], "chatA");
    assert_eq!(group["memberCount"], 2);
    let members = app.ok(&who, "{ members { totalCount } }", json!({})).await;
    assert_eq!(members["members"]["totalCount"], 2);

    let removed = change(
        "chatA",
        "update",
        Some("del_member"),
        &["wmB"],
        "<QuitScene>1</QuitScene>",
        1796000200,
    );
    deliver(&app, &path, &removed).await;
    let data = app.ok(&who, GROUPS, json!({})).await;
    let group = &data["groups"]["edges"][0]["node"];
    assert_eq!(group["memberCount"], 1);
    let gone = group["members"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["member"]["platformUserId"] == "wmB")
        .unwrap();
    assert_eq!(gone["node"]["removed"], true);
    assert!(gone["node"]["leftAt"].is_string());

    // Other messages are acknowledged and ignored; dismiss archives.
    let text = format!(
        "<xml><ToUserName><![CDATA[{CORP}]]></ToUserName><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content><CreateTime>1</CreateTime></xml>"
    );
    assert_eq!(deliver(&app, &path, &text).await, (200, "success".into()));
    deliver(
        &app,
        &path,
        &change("chatA", "dismiss", None, &[], "", 1796000300),
    )
    .await;
    let data = app.ok(&who, GROUPS, json!({})).await;
    assert_eq!(data["groups"]["edges"][0]["node"]["status"], "ARCHIVED");
}

#[tokio::test]
async fn a_bad_signature_stores_nothing() {
    let app = spawn_app().await;
    let (owner, tenant) = app.owner("xena").await;
    let who = As::member(&owner.access_token, &tenant);
    let path = connector(&app, &who).await;
    let crypto = WecomCrypto::new(TOKEN, KEY, CORP).unwrap();
    let (body, _) = seal_message(
        &crypto,
        &change("chatB", "create", None, &[], "", 1796000000),
        "1796000000",
        "n",
        [1; 16],
    );
    let response = app
        .client
        .post(app.url(&path))
        .query(&[
            ("msg_signature", "f".repeat(40).as_str()),
            ("timestamp", "1796000000"),
            ("nonce", "n"),
        ])
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    // Another corp's key: the signature fails too.
    let other = WecomCrypto::new(
        "othertoken",
        "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
        "wx5823bf96d3bd56c7",
    )
    .unwrap();
    let (body, signature) = seal_message(
        &other,
        &change("chatB", "create", None, &[], "", 1796000000),
        "1796000000",
        "n",
        [1; 16],
    );
    let response = app
        .client
        .post(app.url(&path))
        .query(&[
            ("msg_signature", signature.as_str()),
            ("timestamp", "1796000000"),
            ("nonce", "n"),
        ])
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let data = app.ok(&who, GROUPS, json!({})).await;
    assert_eq!(data["groups"]["edges"], json!([]));
    // Bad connector input is refused field by field.
    let bad = app
        .ok(&who, "mutation { createWecomConnector(input: {name: \"x\", corpId: \"\", token: \"t\", encodingAesKey: \"short\"}) { connector { id } userErrors { field } } }", json!({}))
        .await;
    let fields: Vec<Value> = bad["createWecomConnector"]["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"][1].clone())
        .collect();
    assert_eq!(fields, vec![json!("corpId"), json!("encodingAesKey")]);
}
