//! Users, tenants, memberships, refresh tokens, API keys and tenant settings.

use sea_orm_migration::prelude::*;

use crate::helpers::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("users")
                    .col(uuid_col("id").primary_key())
                    .col(text("email").unique_key())
                    .col(text("password_hash"))
                    .col(text("display_name"))
                    .col(ts("created_at"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("tenants")
                    .col(uuid_col("id").primary_key())
                    .col(text("slug").unique_key())
                    .col(text("name"))
                    .col(text("kind"))
                    .col(text("timezone"))
                    .col(uuid_null("parent_id"))
                    .col(ts("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from_tbl("tenants")
                            .from_col("parent_id")
                            .to_tbl("tenants")
                            .to_col("id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("tenants", "tenants_parent_idx", &["parent_id"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("memberships")
                    .col(uuid_col("tenant_id"))
                    .col(uuid_col("user_id"))
                    .col(text("role"))
                    .col(uuid_null("granted_by"))
                    .col(ts("created_at"))
                    .primary_key(Index::create().col("tenant_id").col("user_id"))
                    .foreign_key(
                        ForeignKey::create()
                            .from_tbl("memberships")
                            .from_col("tenant_id")
                            .to_tbl("tenants")
                            .to_col("id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from_tbl("memberships")
                            .from_col("user_id")
                            .to_tbl("users")
                            .to_col("id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("memberships", "memberships_user_idx", &["user_id"]))
            .await?;
        enable_rls_global(manager, "memberships").await?;

        manager
            .create_table(
                Table::create()
                    .table("refresh_tokens")
                    .col(uuid_col("id").primary_key())
                    .col(uuid_col("user_id"))
                    .col(uuid_col("family_id"))
                    .col(text("token_hash").unique_key())
                    .col(ts("created_at"))
                    .col(ts("expires_at"))
                    .col(ts_null("used_at"))
                    .col(ts_null("revoked_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from_tbl("refresh_tokens")
                            .from_col("user_id")
                            .to_tbl("users")
                            .to_col("id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "refresh_tokens",
                "refresh_tokens_family_idx",
                &["family_id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("api_keys")
                    .col(uuid_col("id").primary_key())
                    .col(uuid_col("tenant_id"))
                    .col(text("name"))
                    .col(text("prefix"))
                    .col(text("key_hash").unique_key())
                    .col(text("scopes"))
                    .col(uuid_null("created_by"))
                    .col(ts("created_at"))
                    .col(ts_null("last_used_at"))
                    .col(ts_null("revoked_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from_tbl("api_keys")
                            .from_col("tenant_id")
                            .to_tbl("tenants")
                            .to_col("id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("api_keys", "api_keys_tenant_idx", &["tenant_id"]))
            .await?;
        enable_rls_global(manager, "api_keys").await?;

        manager
            .create_table(
                Table::create()
                    .table("tenant_settings")
                    .col(uuid_col("tenant_id").primary_key())
                    .col(json("overrides"))
                    .col(ts("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from_tbl("tenant_settings")
                            .from_col("tenant_id")
                            .to_tbl("tenants")
                            .to_col("id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        enable_rls(manager, "tenant_settings").await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "tenant_settings",
            "api_keys",
            "refresh_tokens",
            "memberships",
            "tenants",
            "users",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
