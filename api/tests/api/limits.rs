//! Depth, complexity and body-size limits, pagination caps.

use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn deep_queries_are_refused() {
    let app = spawn_app().await;
    let mut query = String::from("id");
    for _ in 0..14 {
        query = format!("parent {{ {query} }}");
    }
    let response = app
        .post(
            &As::anonymous(),
            &format!("{{ tenant {{ {query} }} }}"),
            json!({}),
        )
        .await;
    assert_eq!(response.status(), 400);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(first_code(&answer), "BAD_USER_INPUT");
    assert!(
        answer["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nested too deep"),
        "{answer}"
    );
}

#[tokio::test]
async fn expensive_queries_are_refused() {
    let app = spawn_app().await;
    let query = "{ tenant { clients(first: 100) { edges { node { clients(first: 100) { edges { node { id name slug } } } } } } } }";
    let response = app.post(&As::anonymous(), query, json!({})).await;
    assert_eq!(response.status(), 400);
    let answer: Value = response.json().await.unwrap();
    assert!(
        answer["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("too complex"),
        "{answer}"
    );
}

#[tokio::test]
async fn huge_bodies_are_refused() {
    let app = spawn_app().await;
    let body = format!(
        r#"{{"query":"{{ __typename }}","variables":{{"pad":"{}"}}}}"#,
        "x".repeat(1_100_000)
    );
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
}

#[tokio::test]
async fn pages_default_to_20_cap_at_100_and_refuse_negatives() {
    let app = spawn_app().await;
    let boss = app.sign_up("pager@agency.com").await;
    let agency = app
        .create_tenant(&boss.access_token, "pager", "AGENCY", None)
        .await;
    for i in 0..23 {
        app.create_tenant(
            &boss.access_token,
            &format!("pager-c{i}"),
            "BRAND",
            Some(&agency),
        )
        .await;
    }
    let who = As::member(&boss.access_token, &agency);
    let q = "query($first: Int, $after: String) { tenant { clients(first: $first, after: $after) {
        totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { slug } } } } }";
    let page = app.ok(&who, q, json!({})).await;
    let clients = &page["tenant"]["clients"];
    assert_eq!(clients["edges"].as_array().unwrap().len(), 20);
    assert_eq!(clients["totalCount"], 23);
    assert_eq!(clients["pageInfo"]["hasNextPage"], true);
    let next = app
        .ok(&who, q, json!({"after": clients["pageInfo"]["endCursor"]}))
        .await;
    let rest = &next["tenant"]["clients"];
    assert_eq!(rest["edges"].as_array().unwrap().len(), 3);
    assert_eq!(rest["pageInfo"]["hasNextPage"], false);
    assert_eq!(rest["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(
        rest["edges"][0]["node"]["slug"], "pager-c20",
        "creation order"
    );

    let capped = app.ok(&who, q, json!({"first": 1000})).await;
    assert_eq!(
        capped["tenant"]["clients"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        23
    );
    let answer = app.gql(&who, q, json!({"first": -1})).await;
    assert_eq!(first_code(&answer), "BAD_USER_INPUT");
    let answer = app.gql(&who, q, json!({"after": "not-a-cursor"})).await;
    assert_eq!(first_code(&answer), "BAD_USER_INPUT");
}
