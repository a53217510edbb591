//! Tenants, agencies and their clients, roles.

use serde_json::json;

use crate::helpers::*;

const CREATE: &str = "mutation($input: CreateTenantInput!) { createTenant(input: $input) {
    tenant { id slug name kind timezone parent { id } } userErrors { field code message } } }";

#[tokio::test]
async fn the_creator_owns_a_new_tenant_in_shanghai_time_by_default() {
    let app = spawn_app().await;
    let user = app.sign_up("lea@example.com").await;
    let data = app
        .ok(
            &As::user(&user.access_token),
            CREATE,
            json!({"input": {"name": " Lea Brand ", "slug": "lea", "kind": "BRAND"}}),
        )
        .await;
    let tenant = &data["createTenant"]["tenant"];
    assert_eq!(tenant["timezone"], "Asia/Shanghai");
    assert_eq!(tenant["name"], "Lea Brand");
    let viewer = app
        .ok(
            &As::user(&user.access_token),
            "{ viewer { memberships { role inherited tenant { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        viewer["viewer"]["memberships"],
        json!([{"role": "OWNER", "inherited": false, "tenant": {"id": tenant["id"]}}])
    );
}

#[tokio::test]
async fn tenant_input_is_checked() {
    let app = spawn_app().await;
    let user = app.sign_up("max@example.com").await;
    let who = As::user(&user.access_token);
    app.create_tenant(&user.access_token, "taken", "BRAND", None)
        .await;
    let cases = [
        (
            json!({"name": "X", "slug": "taken", "kind": "BRAND"}),
            "slug",
            "ALREADY_EXISTS",
        ),
        (
            json!({"name": "X", "slug": "Bad Slug", "kind": "BRAND"}),
            "slug",
            "INVALID",
        ),
        (
            json!({"name": "", "slug": "fine-slug", "kind": "BRAND"}),
            "name",
            "REQUIRED",
        ),
        (
            json!({"name": "X", "slug": "fine-slug", "kind": "BRAND", "timezone": "Mars/Base"}),
            "timezone",
            "INVALID",
        ),
        (
            json!({"name": "X", "slug": "fine-slug", "kind": "BRAND", "parentId": "garbage"}),
            "parentId",
            "NOT_FOUND",
        ),
    ];
    for (input, field, code) in cases {
        let data = app.ok(&who, CREATE, json!({"input": input})).await;
        let payload = &data["createTenant"];
        assert_eq!(payload["tenant"], json!(null), "{input}");
        assert_eq!(
            payload["userErrors"][0]["field"],
            json!(["input", field]),
            "{input}"
        );
        assert_eq!(payload["userErrors"][0]["code"], code, "{input}");
    }
    let memberships = app
        .ok(
            &who,
            "{ viewer { memberships { tenant { slug } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        memberships["viewer"]["memberships"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "nothing else was created"
    );
    // Anonymous callers cannot create tenants.
    let answer = app
        .gql(
            &As::anonymous(),
            CREATE,
            json!({"input": {"name": "X", "slug": "anon", "kind": "BRAND"}}),
        )
        .await;
    assert_eq!(first_code(&answer), "UNAUTHENTICATED");
}

#[tokio::test]
async fn agency_staff_reach_their_clients_and_nothing_else() {
    let app = spawn_app().await;
    let boss = app.sign_up("boss@agency.com").await;
    let agency = app
        .create_tenant(&boss.access_token, "agency", "AGENCY", None)
        .await;
    let client = app
        .create_tenant(&boss.access_token, "client-a", "BRAND", Some(&agency))
        .await;
    // Staff with OPERATOR in the agency.
    let staff = app
        .member(
            &As::member(&boss.access_token, &agency),
            "staff",
            "OPERATOR",
        )
        .await;

    // A rival agency with its own client.
    let rival = app.sign_up("rival@agency.com").await;
    let rival_agency = app
        .create_tenant(&rival.access_token, "rival", "AGENCY", None)
        .await;
    let rival_client = app
        .create_tenant(
            &rival.access_token,
            "client-r",
            "BRAND",
            Some(&rival_agency),
        )
        .await;

    let viewer = app
        .ok(
            &As::user(&staff.access_token),
            "{ viewer { memberships { role inherited tenant { id parent { id } } } } }",
            json!({}),
        )
        .await;
    let memberships = viewer["viewer"]["memberships"].as_array().unwrap();
    assert_eq!(memberships.len(), 2, "{viewer:#}");
    let inherited = memberships
        .iter()
        .find(|m| m["tenant"]["id"] == client.as_str())
        .unwrap();
    assert_eq!(inherited["role"], "OPERATOR");
    assert_eq!(inherited["inherited"], true);
    assert_eq!(inherited["tenant"]["parent"]["id"], agency.as_str());

    // Acting in the client works with the inherited role.
    let data = app
        .ok(
            &As::member(&staff.access_token, &client),
            "{ tenant { id kind } }",
            json!({}),
        )
        .await;
    assert_eq!(data["tenant"]["id"], client.as_str());
    // The agency lists its clients.
    let data = app
        .ok(
            &As::member(&staff.access_token, &agency),
            "{ tenant { clients { totalCount edges { node { id } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["tenant"]["clients"]["totalCount"], 1);
    // Never beyond: the rival's agency and client are out of reach.
    for tenant in [&rival_agency, &rival_client] {
        let answer = app
            .gql(
                &As::member(&staff.access_token, tenant),
                "{ tenant { id } }",
                json!({}),
            )
            .await;
        assert_eq!(first_code(&answer), "FORBIDDEN", "{tenant}");
    }
    // Nor can they hang a client under the rival agency.
    let data = app
        .ok(&As::user(&staff.access_token), CREATE, json!({"input": {"name": "X", "slug": "sneaky", "kind": "BRAND", "parentId": rival_agency}}))
        .await;
    assert_eq!(user_error_codes(&data["createTenant"]), vec!["NOT_FOUND"]);
    // An OPERATOR of the agency may not add clients either (OWNER or ADMIN only).
    let data = app
        .ok(
            &As::user(&staff.access_token),
            CREATE,
            json!({"input": {"name": "X", "slug": "sneaky", "kind": "BRAND", "parentId": agency}}),
        )
        .await;
    assert_eq!(user_error_codes(&data["createTenant"]), vec!["FORBIDDEN"]);
}

#[tokio::test]
async fn a_client_user_does_not_see_the_agencys_other_clients() {
    let app = spawn_app().await;
    let boss = app.sign_up("boss2@agency.com").await;
    let agency = app
        .create_tenant(&boss.access_token, "agency2", "AGENCY", None)
        .await;
    let a = app
        .create_tenant(&boss.access_token, "client-a2", "BRAND", Some(&agency))
        .await;
    app.create_tenant(&boss.access_token, "client-b2", "BRAND", Some(&agency))
        .await;
    let brand_user = app
        .member(&As::member(&boss.access_token, &a), "brand-user", "ADMIN")
        .await;
    let answer = app
        .gql(
            &As::member(&brand_user.access_token, &a),
            "{ tenant { parent { id clients { totalCount } } } }",
            json!({}),
        )
        .await;
    assert_eq!(first_code(&answer), "FORBIDDEN", "{answer:#}");
    // Only a BRAND can be a client, only of an AGENCY.
    let data = app
        .ok(&As::user(&boss.access_token), CREATE, json!({"input": {"name": "X", "slug": "sub-agency", "kind": "AGENCY", "parentId": agency}}))
        .await;
    assert_eq!(
        data["createTenant"]["userErrors"][0]["field"],
        json!(["input", "kind"])
    );
    let data = app
        .ok(
            &As::user(&boss.access_token),
            CREATE,
            json!({"input": {"name": "X", "slug": "sub-brand", "kind": "BRAND", "parentId": a}}),
        )
        .await;
    assert_eq!(data["createTenant"]["userErrors"][0]["code"], "INVALID");
}

#[tokio::test]
async fn roles_are_granted_by_admins_and_owners_only() {
    let app = spawn_app().await;
    let (owner, tenant) = app.owner("nia").await;
    let as_owner = As::member(&owner.access_token, &tenant);
    let admin = app.member(&as_owner, "nia-admin", "ADMIN").await;
    let analyst = app.member(&as_owner, "nia-analyst", "ANALYST").await;
    let newcomer = app.sign_up("newcomer@example.com").await;

    // ANALYST reads only: no granting.
    let answer = app
        .gql(&As::member(&analyst.access_token, &tenant), "mutation { grantRole(input: {email: \"newcomer@example.com\", role: OPERATOR}) { membership { role } } }", json!({}))
        .await;
    assert_eq!(first_code(&answer), "FORBIDDEN");

    let as_admin = As::member(&admin.access_token, &tenant);
    let data = app.grant(&as_admin, &newcomer.email, "OPERATOR").await;
    assert_eq!(data["grantRole"]["membership"]["role"], "OPERATOR");
    // Only an owner grants OWNER, and only an owner changes an owner's role.
    let data = app.grant(&as_admin, &newcomer.email, "OWNER").await;
    assert_eq!(user_error_codes(&data["grantRole"]), vec!["FORBIDDEN"]);
    let data = app.grant(&as_admin, &owner.email, "ANALYST").await;
    assert_eq!(user_error_codes(&data["grantRole"]), vec!["FORBIDDEN"]);
    // The last owner stays an owner.
    let data = app.grant(&as_owner, &owner.email, "ADMIN").await;
    assert_eq!(user_error_codes(&data["grantRole"]), vec!["CONFLICT"]);
    // Unknown people must sign up first.
    let data = app.grant(&as_owner, "ghost@example.com", "ANALYST").await;
    assert_eq!(user_error_codes(&data["grantRole"]), vec!["NOT_FOUND"]);

    let viewer = app
        .ok(
            &As::user(&newcomer.access_token),
            "{ viewer { memberships { role } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        viewer["viewer"]["memberships"],
        json!([{"role": "OPERATOR"}])
    );
}

#[tokio::test]
async fn tenant_fields_need_a_tenant_and_a_role_there() {
    let app = spawn_app().await;
    let (owner, _tenant) = app.owner("oli").await;
    let answer = app
        .gql(
            &As::user(&owner.access_token),
            "{ tenant { id } }",
            json!({}),
        )
        .await;
    assert_eq!(first_code(&answer), "TENANT_REQUIRED");
    let (_, other) = app.owner("oli-other").await;
    let answer = app
        .gql(
            &As::member(&owner.access_token, &other),
            "{ tenant { id } }",
            json!({}),
        )
        .await;
    assert_eq!(first_code(&answer), "FORBIDDEN");
    let answer = app
        .gql(
            &As::member(&owner.access_token, "not-a-tenant"),
            "{ tenant { id } }",
            json!({}),
        )
        .await;
    assert_eq!(first_code(&answer), "FORBIDDEN");
    let answer = app
        .gql(&As::anonymous(), "{ tenant { id } }", json!({}))
        .await;
    assert_eq!(first_code(&answer), "UNAUTHENTICATED");
}

#[tokio::test]
async fn settings_override_the_defaults_per_tenant() {
    let app = spawn_app().await;
    let (owner, tenant) = app.owner("pia").await;
    let as_owner = As::member(&owner.access_token, &tenant);
    let data = app
        .ok(&as_owner, "{ tenant { settings } }", json!({}))
        .await;
    assert_eq!(data["tenant"]["settings"]["groups"]["memberCap"], 500);
    let update = "mutation($o: JSON!) { updateTenantSettings(input: {overrides: $o}) { settings userErrors { field code message } } }";
    let data = app
        .ok(
            &as_owner,
            update,
            json!({"o": {"groups": {"memberCap": 200}}}),
        )
        .await;
    assert_eq!(
        data["updateTenantSettings"]["settings"]["groups"]["memberCap"],
        200
    );
    let data = app
        .ok(&as_owner, "{ tenant { settings } }", json!({}))
        .await;
    assert_eq!(data["tenant"]["settings"]["groups"]["memberCap"], 200);
    assert_eq!(data["tenant"]["settings"]["content"]["mixValue"], 0.7);
    // Shapes that do not fit are refused and change nothing.
    let data = app
        .ok(
            &as_owner,
            update,
            json!({"o": {"groups": {"memberCap": "many"}}}),
        )
        .await;
    assert_eq!(
        user_error_codes(&data["updateTenantSettings"]),
        vec!["INVALID"]
    );
    let data = app
        .ok(&as_owner, "{ tenant { settings } }", json!({}))
        .await;
    assert_eq!(data["tenant"]["settings"]["groups"]["memberCap"], 200);
    // Another tenant keeps the defaults.
    let (other, other_tenant) = app.owner("pia-other").await;
    let data = app
        .ok(
            &As::member(&other.access_token, &other_tenant),
            "{ tenant { settings } }",
            json!({}),
        )
        .await;
    assert_eq!(data["tenant"]["settings"]["groups"]["memberCap"], 500);
    // An OPERATOR may not change settings.
    let op = app.member(&as_owner, "pia-op", "OPERATOR").await;
    let answer = app
        .gql(
            &As::member(&op.access_token, &tenant),
            update,
            json!({"o": {}}),
        )
        .await;
    assert_eq!(first_code(&answer), "FORBIDDEN");
}
