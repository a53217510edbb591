//! The two walls of tenant isolation at the database level: the scoping helpers (both
//! backends) and row-level security (Postgres).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use qunyun_core::db::Db;
use qunyun_core::defaults;
use qunyun_core::ids::{new_id, now};
use qunyun_core::tenancy::{self, NewTenant};
use qunyun_core::testing::TestDb;
use qunyun_entity::{TenantKind, memberships, tenant_settings, users};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbBackend, EntityTrait, Statement,
};
use serde_json::json;
use uuid::Uuid;

async fn user(db: &Db, email: &str) -> Uuid {
    users::ActiveModel {
        id: Set(new_id()),
        email: Set(email.into()),
        password_hash: Set("x".into()),
        display_name: Set(email.into()),
        created_at: Set(now()),
    }
    .insert(db.global())
    .await
    .unwrap()
    .id
}

async fn tenant(db: &Db, owner: Uuid, slug: &str) -> Uuid {
    tenancy::create_tenant(
        db,
        owner,
        NewTenant {
            name: slug,
            slug,
            kind: TenantKind::Brand,
            timezone: None,
            parent_id: None,
        },
    )
    .await
    .unwrap()
    .id
}

async fn two_tenants(db: &Db) -> (Uuid, Uuid) {
    let a_owner = user(db, "a@example.com").await;
    let b_owner = user(db, "b@example.com").await;
    let a = tenant(db, a_owner, "tenant-a").await;
    let b = tenant(db, b_owner, "tenant-b").await;
    for (t, cap) in [(a, 1), (b, 2)] {
        let tx = db.tenant_write(t).await.unwrap();
        defaults::set_overrides(&tx, json!({"groups": {"memberCap": cap}}))
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    (a, b)
}

async fn count(conn: &impl ConnectionTrait, sql: &str) -> i64 {
    let row = conn
        .query_one_raw(Statement::from_string(conn.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

#[tokio::test]
async fn the_helpers_see_only_the_transactions_tenant() {
    let test = TestDb::new().await;
    let (a, b) = two_tenants(&test.db).await;
    let tx = test.db.tenant_read(a).await.unwrap();
    let rows = tx
        .select::<tenant_settings::Entity>()
        .all(tx.conn())
        .await
        .unwrap();
    assert_eq!(
        rows.iter().map(|r| r.tenant_id).collect::<Vec<_>>(),
        vec![a]
    );
    assert_eq!(
        defaults::for_tenant(&tx).await.unwrap().groups.member_cap,
        1
    );
    let members = tx
        .select::<memberships::Entity>()
        .all(tx.conn())
        .await
        .unwrap();
    assert!(members.iter().all(|m| m.tenant_id == a) && members.len() == 1);
    drop(tx);
    let tx = test.db.tenant_read(b).await.unwrap();
    assert_eq!(
        defaults::for_tenant(&tx).await.unwrap().groups.member_cap,
        2
    );
}

#[tokio::test]
async fn row_level_security_is_the_second_wall() {
    let test = TestDb::new().await;
    if !test.is_postgres() {
        return; // SQLite has only the first wall.
    }
    let safety = test.db.role_safety().await.unwrap().unwrap();
    assert!(!safety.skips_rls(), "tests connect as an ordinary role");
    let (a, b) = two_tenants(&test.db).await;

    // Unfiltered SQL inside A's transaction sees only A's rows.
    let tx = test.db.tenant_read(a).await.unwrap();
    assert_eq!(
        count(tx.conn(), "SELECT count(*) FROM tenant_settings").await,
        1
    );
    assert_eq!(
        count(tx.conn(), "SELECT count(*) FROM memberships").await,
        1
    );
    drop(tx);
    // No tenant set: tenant-owned rows are invisible; global tables with a tenant_id are not.
    assert_eq!(
        count(test.db.global(), "SELECT count(*) FROM tenant_settings").await,
        0
    );
    assert_eq!(
        count(test.db.global(), "SELECT count(*) FROM memberships").await,
        2
    );

    // Writing B's row from A's transaction is refused by the policy's WITH CHECK.
    let tx = test.db.tenant_write(a).await.unwrap();
    let err = tx
        .conn()
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE tenant_settings SET overrides = '{}' WHERE tenant_id = $1",
            [b.into()],
        ))
        .await
        .unwrap();
    assert_eq!(err.rows_affected(), 0, "B's row is invisible to A's update");
    let insert = tx
        .conn()
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO memberships (tenant_id, user_id, role, created_at) SELECT $1, id, 'OWNER', now() FROM users LIMIT 1",
            [b.into()],
        ))
        .await;
    assert!(insert.is_err(), "a row of another tenant cannot be written");
}

#[tokio::test]
async fn unique_constraint_helpers() {
    let test = TestDb::new().await;
    let owner = user(&test.db, "c@example.com").await;
    tenant(&test.db, owner, "dupe").await;
    let err = tenancy::create_tenant(
        &test.db,
        owner,
        NewTenant {
            name: "dupe",
            slug: "dupe",
            kind: TenantKind::Brand,
            timezone: None,
            parent_id: None,
        },
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, qunyun_core::DomainError::Invalid(ref p) if p[0].code == qunyun_core::UserErrorCode::AlreadyExists),
        "{err:?}"
    );
    let tenants = qunyun_entity::tenants::Entity::find()
        .all(test.db.global())
        .await
        .unwrap();
    assert_eq!(tenants.len(), 1, "the second insert changed nothing");
}
