//! Groups, members, memberships, events, keyword lists, rules, questionnaires and
//! applications, moderation cases, outbound actions, the points ledger, WeCom connectors.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

use crate::helpers::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::{Cascade, Restrict};
        let tables = vec![
            (
                "groups",
                tenant_table("groups")
                    .col(text("name"))
                    .col(text("platform"))
                    .col(text_null("external_id"))
                    .col(text("kind"))
                    .col(text("admission"))
                    .col(text_null("positioning"))
                    .col(int("member_cap"))
                    .col(text("status"))
                    .col(boolean("strict_filter"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .col(ts_null("archived_at"))
                    .to_owned(),
                vec![unique_index(
                    "groups",
                    "groups_external_uq",
                    &["tenant_id", "platform", "external_id"],
                )],
            ),
            (
                "members",
                tenant_table("members")
                    .col(text("platform"))
                    .col(text("platform_user_id"))
                    .col(text_null("display_name"))
                    .col(text_null("city"))
                    .col(text_null("device"))
                    .col(json("tags"))
                    .col(json("auto_tags"))
                    .col(boolean("blacklisted"))
                    .col(ts_null("blacklisted_at"))
                    .col(ts("first_seen_at"))
                    .col(ts_null("last_active_at"))
                    .to_owned(),
                vec![unique_index(
                    "members",
                    "members_identity_uq",
                    &["tenant_id", "platform", "platform_user_id"],
                )],
            ),
            (
                "group_members",
                Table::create()
                    .table("group_members")
                    .col(uuid_col("tenant_id"))
                    .col(uuid_col("group_id"))
                    .col(uuid_col("member_id"))
                    .col(ts("joined_at"))
                    .col(ts_null("left_at"))
                    .col(boolean("removed"))
                    .col(uuid_null("invited_by"))
                    .col(text("layer"))
                    .col(ts_null("muted_until"))
                    .col(boolean("over_capacity"))
                    .primary_key(
                        Index::create()
                            .col("tenant_id")
                            .col("group_id")
                            .col("member_id"),
                    )
                    .foreign_key(&mut tenant_fk(
                        "group_members",
                        "group_id",
                        "groups",
                        Cascade,
                    ))
                    .foreign_key(&mut tenant_fk(
                        "group_members",
                        "member_id",
                        "members",
                        Cascade,
                    ))
                    .foreign_key(&mut tenant_fk(
                        "group_members",
                        "invited_by",
                        "members",
                        Restrict,
                    ))
                    .to_owned(),
                vec![index(
                    "group_members",
                    "group_members_member_idx",
                    &["tenant_id", "member_id"],
                )],
            ),
            (
                "events",
                tenant_table("events")
                    .col(text("source_id"))
                    .col(text("kind"))
                    .col(uuid_col("group_id"))
                    .col(uuid_null("member_id"))
                    .col(ts("occurred_at"))
                    .col(ts("received_at"))
                    .col(text_null("text"))
                    .col(json("data"))
                    .col(boolean("flagged"))
                    .foreign_key(&mut tenant_fk("events", "group_id", "groups", Cascade))
                    .foreign_key(&mut tenant_fk("events", "member_id", "members", Cascade))
                    .to_owned(),
                vec![
                    unique_index("events", "events_source_uq", &["tenant_id", "source_id"]),
                    index(
                        "events",
                        "events_group_time_idx",
                        &["tenant_id", "group_id", "occurred_at"],
                    ),
                    index(
                        "events",
                        "events_member_time_idx",
                        &["tenant_id", "member_id", "occurred_at"],
                    ),
                ],
            ),
            (
                "keyword_lists",
                tenant_table("keyword_lists")
                    .col(text("name"))
                    .col(int("version"))
                    .col(json("terms"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .to_owned(),
                vec![unique_index(
                    "keyword_lists",
                    "keyword_lists_name_uq",
                    &["tenant_id", "name"],
                )],
            ),
            (
                "keyword_list_versions",
                tenant_table("keyword_list_versions")
                    .col(uuid_col("list_id"))
                    .col(int("version"))
                    .col(json("terms"))
                    .col(ts("created_at"))
                    .foreign_key(&mut tenant_fk(
                        "keyword_list_versions",
                        "list_id",
                        "keyword_lists",
                        Cascade,
                    ))
                    .to_owned(),
                vec![unique_index(
                    "keyword_list_versions",
                    "keyword_list_versions_uq",
                    &["tenant_id", "list_id", "version"],
                )],
            ),
            (
                "group_rules",
                tenant_table("group_rules")
                    .col(uuid_col("group_id"))
                    .col(text("level"))
                    .col(text("kind"))
                    .col(json("params"))
                    .col(text("action"))
                    .col(json("action_params"))
                    .col(boolean("enabled"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut tenant_fk("group_rules", "group_id", "groups", Cascade))
                    .to_owned(),
                vec![index(
                    "group_rules",
                    "group_rules_group_idx",
                    &["tenant_id", "group_id"],
                )],
            ),
            (
                "questionnaires",
                tenant_table("questionnaires")
                    .col(uuid_col("group_id"))
                    .col(int("pass_score"))
                    .col(int("reject_score"))
                    .col(json("questions"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut tenant_fk(
                        "questionnaires",
                        "group_id",
                        "groups",
                        Cascade,
                    ))
                    .to_owned(),
                vec![unique_index(
                    "questionnaires",
                    "questionnaires_group_uq",
                    &["tenant_id", "group_id"],
                )],
            ),
            (
                "applications",
                tenant_table("applications")
                    .col(uuid_col("group_id"))
                    .col(text("platform_user_id"))
                    .col(text_null("display_name"))
                    .col(json("answers"))
                    .col(text_null("statement"))
                    .col(int("score"))
                    .col(text("status"))
                    .col(boolean("automatic"))
                    .col(uuid_null("decided_by"))
                    .col(ts_null("decided_at"))
                    .col(text_null("note"))
                    .col(ts("created_at"))
                    .foreign_key(&mut tenant_fk(
                        "applications",
                        "group_id",
                        "groups",
                        Cascade,
                    ))
                    .to_owned(),
                vec![index(
                    "applications",
                    "applications_group_idx",
                    &["tenant_id", "group_id", "status"],
                )],
            ),
            (
                "moderation_cases",
                tenant_table("moderation_cases")
                    .col(uuid_col("group_id"))
                    .col(uuid_null("member_id"))
                    .col(uuid_null("event_id"))
                    .col(text("reason"))
                    .col(json("matched_terms"))
                    .col(text_null("excerpt"))
                    .col(text("status"))
                    .col(text_null("action_taken"))
                    .col(ts("opened_at"))
                    .col(ts("due_at"))
                    .col(ts_null("resolved_at"))
                    .col(uuid_null("resolved_by"))
                    .col(text_null("note"))
                    .foreign_key(&mut tenant_fk(
                        "moderation_cases",
                        "group_id",
                        "groups",
                        Cascade,
                    ))
                    .foreign_key(&mut tenant_fk(
                        "moderation_cases",
                        "member_id",
                        "members",
                        Cascade,
                    ))
                    .foreign_key(&mut tenant_fk(
                        "moderation_cases",
                        "event_id",
                        "events",
                        Cascade,
                    ))
                    .to_owned(),
                vec![index(
                    "moderation_cases",
                    "moderation_cases_status_idx",
                    &["tenant_id", "status", "opened_at"],
                )],
            ),
            (
                "outbound_actions",
                tenant_table("outbound_actions")
                    .col(uuid_col("group_id"))
                    .col(uuid_col("member_id"))
                    .col(text("kind"))
                    .col(int_null("minutes"))
                    .col(text("reason"))
                    .col(uuid_null("case_id"))
                    .col(text("status"))
                    .col(text_null("error"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut tenant_fk(
                        "outbound_actions",
                        "group_id",
                        "groups",
                        Cascade,
                    ))
                    .foreign_key(&mut tenant_fk(
                        "outbound_actions",
                        "member_id",
                        "members",
                        Cascade,
                    ))
                    .foreign_key(&mut tenant_fk(
                        "outbound_actions",
                        "case_id",
                        "moderation_cases",
                        Cascade,
                    ))
                    .to_owned(),
                vec![index(
                    "outbound_actions",
                    "outbound_actions_status_idx",
                    &["tenant_id", "status", "created_at"],
                )],
            ),
            (
                "points_ledger",
                tenant_table("points_ledger")
                    .col(uuid_col("member_id"))
                    .col(bigint("delta"))
                    .col(text("reason"))
                    .col(text("source"))
                    .col(text_null("source_id"))
                    .col(ts("created_at"))
                    .foreign_key(&mut tenant_fk(
                        "points_ledger",
                        "member_id",
                        "members",
                        Cascade,
                    ))
                    .to_owned(),
                vec![
                    index(
                        "points_ledger",
                        "points_ledger_member_idx",
                        &["tenant_id", "member_id"],
                    ),
                    unique_index(
                        "points_ledger",
                        "points_ledger_source_uq",
                        &["tenant_id", "source", "source_id"],
                    ),
                ],
            ),
            (
                "wecom_connectors",
                tenant_table("wecom_connectors")
                    .col(text("name"))
                    .col(text("corp_id"))
                    .col(text("token"))
                    .col(text("encoding_aes_key"))
                    .col(ts("created_at"))
                    .to_owned(),
                vec![],
            ),
        ];
        create_tenant_tables(manager, tables).await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            // Events arrive roughly in time order: a BRIN index on time is tiny and serves range scans.
            manager
                .get_connection()
                .execute_unprepared(
                    "CREATE INDEX events_occurred_brin ON events USING brin (occurred_at)",
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "wecom_connectors",
            "points_ledger",
            "outbound_actions",
            "moderation_cases",
            "applications",
            "questionnaires",
            "group_rules",
            "keyword_list_versions",
            "keyword_lists",
            "events",
            "group_members",
            "members",
            "groups",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
