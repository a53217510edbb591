//! Sign-up, sign-in, sessions, forged tokens and API keys.

use serde_json::json;

use crate::helpers::*;

const SIGN_UP: &str = "mutation($input: SignUpInput!) { signUp(input: $input) {
    session { accessToken } userErrors { field code message } } }";
const SIGN_IN: &str = "mutation($input: SignInInput!) { signIn(input: $input) {
    session { accessToken refreshToken user { email } } userErrors { field code message } } }";
const REFRESH: &str = "mutation($input: RefreshSessionInput!) { refreshSession(input: $input) {
    session { accessToken refreshToken } userErrors { field code message } } }";
const SIGN_OUT: &str =
    "mutation($input: SignOutInput!) { signOut(input: $input) { ok userErrors { code } } }";
const VIEWER: &str =
    "{ viewer { user { id email displayName } memberships { role tenant { slug } } } }";

#[tokio::test]
async fn sign_up_gives_a_session_the_viewer_answers_to() {
    let app = spawn_app().await;
    let user = app.sign_up("Ann@Example.com").await;
    let data = app
        .ok(&As::user(&user.access_token), VIEWER, json!({}))
        .await;
    assert_eq!(data["viewer"]["user"]["email"], "ann@example.com");
    assert_eq!(data["viewer"]["user"]["id"], user.user_id.as_str());
    assert_eq!(data["viewer"]["memberships"], json!([]));
    // Without credentials the viewer is null, and that is not an error.
    let data = app.ok(&As::anonymous(), VIEWER, json!({})).await;
    assert_eq!(data["viewer"], json!(null));
}

#[tokio::test]
async fn bad_sign_up_input_is_reported_field_by_field_and_stores_nothing() {
    let app = spawn_app().await;
    let data = app
        .ok(
            &As::anonymous(),
            SIGN_UP,
            json!({"input": {"email": "not-an-email", "password": "short", "displayName": " "}}),
        )
        .await;
    let errors = data["signUp"]["userErrors"].as_array().unwrap();
    let fields: Vec<_> = errors
        .iter()
        .map(|e| e["field"][1].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["email", "password", "displayName"]);
    assert_eq!(data["signUp"]["session"], json!(null));
    // A password of 9 characters is too short; of 10 it is fine.
    let data = app
        .ok(&As::anonymous(), SIGN_UP, json!({"input": {"email": "b@example.com", "password": "123456789", "displayName": "B"}}))
        .await;
    assert_eq!(user_error_codes(&data["signUp"]), vec!["INVALID"]);
    let data = app
        .ok(
            &As::anonymous(),
            SIGN_IN,
            json!({"input": {"email": "b@example.com", "password": "123456789"}}),
        )
        .await;
    assert_eq!(data["signIn"]["session"], json!(null), "nothing was stored");
}

#[tokio::test]
async fn a_second_account_with_the_same_email_is_refused() {
    let app = spawn_app().await;
    app.sign_up("dup@example.com").await;
    let data = app
        .ok(&As::anonymous(), SIGN_UP, json!({"input": {"email": "DUP@example.com", "password": PASSWORD, "displayName": "D"}}))
        .await;
    assert_eq!(user_error_codes(&data["signUp"]), vec!["ALREADY_EXISTS"]);
    assert_eq!(
        data["signUp"]["userErrors"][0]["field"],
        json!(["input", "email"])
    );
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_answer() {
    let app = spawn_app().await;
    app.sign_up("carl@example.com").await;
    let wrong = app
        .ok(
            &As::anonymous(),
            SIGN_IN,
            json!({"input": {"email": "carl@example.com", "password": "not the password"}}),
        )
        .await;
    let unknown = app
        .ok(
            &As::anonymous(),
            SIGN_IN,
            json!({"input": {"email": "nobody@example.com", "password": "not the password"}}),
        )
        .await;
    assert_eq!(wrong, unknown);
    assert_eq!(user_error_codes(&wrong["signIn"]), vec!["INVALID"]);
    let right = app
        .ok(
            &As::anonymous(),
            SIGN_IN,
            json!({"input": {"email": "Carl@Example.com ", "password": PASSWORD}}),
        )
        .await;
    assert_eq!(
        right["signIn"]["session"]["user"]["email"],
        "carl@example.com"
    );
}

#[tokio::test]
async fn sign_in_attempts_are_rate_limited_per_email() {
    let app = spawn_app().await;
    app.sign_up("dora@example.com").await;
    let anonymous = As::anonymous();
    let attempt = || {
        app.post(
            &anonymous,
            SIGN_IN,
            json!({"input": {"email": "dora@example.com", "password": "guess guess guess"}}),
        )
    };
    // The sign-up counted as one attempt; the limit is five a minute.
    for _ in 0..4 {
        let answer: serde_json::Value = attempt().await.json().await.unwrap();
        assert_eq!(user_error_codes(&answer["data"]["signIn"]), vec!["INVALID"]);
    }
    let response = attempt().await;
    assert_eq!(response.status(), 429);
    let answer: serde_json::Value = response.json().await.unwrap();
    assert_eq!(first_code(&answer), "RATE_LIMITED");
    assert!(
        answer["errors"][0]["extensions"]["retryAfter"]
            .as_u64()
            .unwrap()
            >= 1
    );
    // Even the right password waits.
    let answer = app
        .gql(
            &As::anonymous(),
            SIGN_IN,
            json!({"input": {"email": "dora@example.com", "password": PASSWORD}}),
        )
        .await;
    assert_eq!(first_code(&answer), "RATE_LIMITED");
    // Another address is not affected.
    app.sign_up("emil@example.com").await;
}

#[tokio::test]
async fn refresh_rotates_and_a_reused_token_revokes_the_session() {
    let app = spawn_app().await;
    let user = app.sign_up("fay@example.com").await;
    let first = app
        .ok(
            &As::anonymous(),
            REFRESH,
            json!({"input": {"refreshToken": user.refresh_token}}),
        )
        .await;
    let second_token = first["refreshSession"]["session"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(second_token, user.refresh_token);
    let access = first["refreshSession"]["session"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(app.ok(&As::user(&access), VIEWER, json!({})).await["viewer"].is_object());

    // The old token again: refused, and the whole family with it.
    let reuse = app
        .ok(
            &As::anonymous(),
            REFRESH,
            json!({"input": {"refreshToken": user.refresh_token}}),
        )
        .await;
    assert_eq!(user_error_codes(&reuse["refreshSession"]), vec!["INVALID"]);
    let after = app
        .ok(
            &As::anonymous(),
            REFRESH,
            json!({"input": {"refreshToken": second_token}}),
        )
        .await;
    assert_eq!(
        user_error_codes(&after["refreshSession"]),
        vec!["INVALID"],
        "the successor is revoked too"
    );

    // Garbage is just invalid.
    let garbage = app
        .ok(
            &As::anonymous(),
            REFRESH,
            json!({"input": {"refreshToken": "qyr_nope"}}),
        )
        .await;
    assert_eq!(
        user_error_codes(&garbage["refreshSession"]),
        vec!["INVALID"]
    );
}

#[tokio::test]
async fn sign_out_revokes_the_refresh_token() {
    let app = spawn_app().await;
    let user = app.sign_up("gus@example.com").await;
    let out = app
        .ok(
            &As::anonymous(),
            SIGN_OUT,
            json!({"input": {"refreshToken": user.refresh_token}}),
        )
        .await;
    assert_eq!(out["signOut"]["ok"], true);
    let again = app
        .ok(
            &As::anonymous(),
            REFRESH,
            json!({"input": {"refreshToken": user.refresh_token}}),
        )
        .await;
    assert_eq!(user_error_codes(&again["refreshSession"]), vec!["INVALID"]);
    let unknown = app
        .ok(
            &As::anonymous(),
            SIGN_OUT,
            json!({"input": {"refreshToken": "qyr_unknown"}}),
        )
        .await;
    assert_eq!(unknown["signOut"]["ok"], false);
    assert_eq!(user_error_codes(&unknown["signOut"]), vec!["INVALID"]);
}

mod forged {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use qunyun_core::auth::tokens::TokenKeys;
    use secrecy::SecretString;
    use serde_json::json;
    use uuid::Uuid;

    use crate::helpers::*;

    async fn refused(app: &TestApp, token: &str, tenant: &str) {
        let response = app
            .post(&As::member(token, tenant), "{ tenant { id } }", json!({}))
            .await;
        assert_eq!(response.status(), 401, "token {token}");
        let answer: serde_json::Value = response.json().await.unwrap();
        assert_eq!(first_code(&answer), "UNAUTHENTICATED");
        assert!(
            answer.get("data").is_none(),
            "refused before execution: {answer}"
        );
        // viewer still answers, with null
        let viewer = app
            .ok(&As::user(token), "{ viewer { user { id } } }", json!({}))
            .await;
        assert_eq!(viewer["viewer"], json!(null));
    }

    fn user_uuid(global: &str) -> Uuid {
        let text = String::from_utf8(URL_SAFE_NO_PAD.decode(global).unwrap()).unwrap();
        Uuid::parse_str(text.split_once(':').unwrap().1).unwrap()
    }

    #[tokio::test]
    async fn forged_and_expired_tokens_are_refused() {
        let app = spawn_app().await;
        let (owner, tenant) = app.owner("hal").await;
        // The genuine token works.
        let ok = app
            .ok(
                &As::member(&owner.access_token, &tenant),
                "{ tenant { id } }",
                json!({}),
            )
            .await;
        assert_eq!(ok["tenant"]["id"], tenant.as_str());

        let parts: Vec<&str> = owner.access_token.split('.').collect();
        // alg: none
        let none = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        refused(&app, &format!("{none}.{}.", parts[1]), &tenant).await;
        // tampered claims under the original signature
        let mut claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        claims["exp"] = json!(claims["exp"].as_i64().unwrap() + 3600);
        let tampered = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
        refused(
            &app,
            &format!("{}.{tampered}.{}", parts[0], parts[2]),
            &tenant,
        )
        .await;
        // signed with another key
        let other = TokenKeys::new(&SecretString::from("another-key-another-key-another-key!"));
        let user_id = user_uuid(&owner.user_id);
        let (foreign, _) = other
            .issue(user_id, Uuid::now_v7(), chrono::Utc::now())
            .unwrap();
        refused(&app, &foreign, &tenant).await;
        // expired, signed with the right key
        let ours = TokenKeys::new(&SecretString::from(JWT_SECRET));
        let (expired, _) = ours
            .issue(
                user_id,
                Uuid::now_v7(),
                chrono::Utc::now() - chrono::Duration::minutes(20),
            )
            .unwrap();
        refused(&app, &expired, &tenant).await;
        // not a bearer header at all
        let response = app
            .client
            .post(app.url("/graphql"))
            .header("authorization", "Basic dXNlcjpwYXNz")
            .json(&json!({"query": "{ tenant { id } }"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
    }
}

mod api_keys {
    use serde_json::json;

    use crate::helpers::*;

    const KEYS: &str = "{ apiKeys { id name prefix scopes lastUsedAt revokedAt } }";
    const REVOKE: &str = "mutation($id: ID!) { revokeApiKey(input: {id: $id}) { apiKey { id revokedAt } userErrors { code } } }";

    #[tokio::test]
    async fn a_key_is_shown_once_authenticates_and_stops_at_revocation() {
        let app = spawn_app().await;
        let (owner, tenant) = app.owner("ida").await;
        let admin = As::member(&owner.access_token, &tenant);
        let (secret, key_id) = app.api_key(&admin, &["READ"]).await;
        assert!(
            secret.starts_with("qy_") && secret.len() >= 3 + 43,
            "{secret}"
        );

        let listed = app.ok(&admin, KEYS, json!({})).await;
        let key = &listed["apiKeys"][0];
        assert_eq!(key["id"], key_id.as_str());
        assert_eq!(key["scopes"], json!(["READ"]));
        assert!(secret.starts_with(key["prefix"].as_str().unwrap()));
        assert!(
            !listed.to_string().contains(&secret),
            "the secret is never listed"
        );
        assert_eq!(key["lastUsedAt"], json!(null));

        // The key reads its own tenant, without X-Tenant-ID.
        let data = app
            .ok(&As::key(&secret), "{ tenant { id } }", json!({}))
            .await;
        assert_eq!(data["tenant"]["id"], tenant.as_str());
        let listed = app.ok(&admin, KEYS, json!({})).await;
        assert!(
            listed["apiKeys"][0]["lastUsedAt"].is_string(),
            "lastUsedAt is kept"
        );

        let revoked = app.ok(&admin, REVOKE, json!({"id": key_id})).await;
        assert!(revoked["revokeApiKey"]["apiKey"]["revokedAt"].is_string());
        let response = app
            .post(&As::key(&secret), "{ tenant { id } }", json!({}))
            .await;
        assert_eq!(response.status(), 401);
        let answer: serde_json::Value = response.json().await.unwrap();
        assert_eq!(first_code(&answer), "UNAUTHENTICATED");
    }

    #[tokio::test]
    async fn scopes_limit_what_a_key_does() {
        let app = spawn_app().await;
        let (owner, tenant) = app.owner("jonas").await;
        let admin = As::member(&owner.access_token, &tenant);
        let (ingest, _) = app.api_key(&admin, &["INGEST"]).await;
        let (read, _) = app.api_key(&admin, &["READ"]).await;
        let (write, _) = app.api_key(&admin, &["WRITE"]).await;

        let answer = app
            .gql(&As::key(&ingest), "{ tenant { id } }", json!({}))
            .await;
        assert_eq!(first_code(&answer), "FORBIDDEN", "INGEST does not read");
        for key in [&read, &write] {
            assert!(
                app.ok(&As::key(key), "{ tenant { id } }", json!({})).await["tenant"].is_object()
            );
            // No key administers: not even WRITE may mint keys.
            let answer = app
                .gql(
                    &As::key(key),
                    "mutation { createApiKey(input: {name: \"x\", scopes: [READ]}) { secret } }",
                    json!({}),
                )
                .await;
            assert_eq!(first_code(&answer), "FORBIDDEN");
        }
        // A key names its tenant itself; naming another is refused.
        let (other, other_tenant) = app.owner("jonas-other").await;
        let _ = other;
        let answer = app
            .gql(
                &As {
                    token: Some(read.clone()),
                    tenant: Some(other_tenant),
                },
                "{ tenant { id } }",
                json!({}),
            )
            .await;
        assert_eq!(first_code(&answer), "FORBIDDEN");
    }

    #[tokio::test]
    async fn key_input_is_checked() {
        let app = spawn_app().await;
        let (owner, tenant) = app.owner("kim").await;
        let admin = As::member(&owner.access_token, &tenant);
        let data = app
            .ok(&admin, "mutation { createApiKey(input: {name: \" \", scopes: []}) { apiKey { id } secret userErrors { field code } } }", json!({}))
            .await;
        assert_eq!(
            user_error_codes(&data["createApiKey"]),
            vec!["REQUIRED", "REQUIRED"]
        );
        assert_eq!(data["createApiKey"]["secret"], json!(null));
        assert_eq!(app.ok(&admin, KEYS, json!({})).await["apiKeys"], json!([]));
        let data = app.ok(&admin, REVOKE, json!({"id": "bm9wZQ"})).await;
        assert_eq!(user_error_codes(&data["revokeApiKey"]), vec!["NOT_FOUND"]);
    }
}
