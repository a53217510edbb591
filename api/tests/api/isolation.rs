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
