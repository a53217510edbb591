//! Channels, the content library, recurring series, scheduled posts, delivery attempts,
//! follow-ups; events learn which post they refer to.

use sea_orm_migration::prelude::*;

use crate::helpers::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::Cascade;
        let tables = vec![
            (
                "channels",
                tenant_table("channels")
                    .col(text("name"))
                    .col(text("kind"))
                    .col(text("url"))
                    .col(text_null("secret"))
                    .col(text_null("chat_id"))
                    .col(ts("created_at"))
                    .to_owned(),
                vec![],
            ),
            (
                "contents",
                tenant_table("contents")
                    .col(text("title"))
                    .col(text("body"))
                    .col(text("kind"))
                    .col(text("mix"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .col(ts_null("archived_at"))
                    .to_owned(),
                vec![],
            ),
            (
                "post_series",
                tenant_table("post_series")
                    .col(uuid_col("group_id"))
                    .col(uuid_col("content_id"))
                    .col(uuid_col("channel_id"))
                    .col(text("rrule"))
                    .col(ts("dtstart"))
                    .col(boolean("active"))
                    .col(ts("created_at"))
                    .foreign_key(&mut tenant_fk("post_series", "group_id", "groups", Cascade))
                    .foreign_key(&mut tenant_fk(
                        "post_series",
                        "content_id",
                        "contents",
                        Cascade,
                    ))
                    .foreign_key(&mut tenant_fk(
                        "post_series",
                        "channel_id",
                        "channels",
                        Cascade,
                    ))
                    .to_owned(),
                vec![],
            ),
            (
                "scheduled_posts",
                tenant_table("scheduled_posts")
                    .col(uuid_col("group_id"))
                    .col(uuid_col("content_id"))
                    .col(uuid_col("channel_id"))
                    .col(uuid_null("series_id"))
                    .col(ts("scheduled_at"))
                    .col(text("status"))
                    .col(uuid_col("delivery_id"))
                    .col(int("attempts"))
                    .col(text_null("last_error"))
                    .col(ts("next_attempt_at"))
                    .col(ts_null("locked_until"))
                    .col(int("parts_sent"))
                    .col(ts_null("sent_at"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut tenant_fk(
                        "scheduled_posts",
                        "group_id",
                        "groups",
                        Cascade,
                    ))
                    .foreign_key(&mut tenant_fk(
                        "scheduled_posts",
                        "content_id",
                        "contents",
                        Cascade,
                    ))
                    .foreign_key(&mut tenant_fk(
                        "scheduled_posts",
                        "channel_id",
                        "channels",
                        Cascade,
                    ))
                    .foreign_key(&mut tenant_fk(
                        "scheduled_posts",
                        "series_id",
                        "post_series",
                        Cascade,
                    ))
                    .to_owned(),
                vec![
                    index(
                        "scheduled_posts",
                        "scheduled_posts_group_time_idx",
                        &["tenant_id", "group_id", "scheduled_at"],
                    ),
                    index(
                        "scheduled_posts",
                        "scheduled_posts_due_idx",
                        &["tenant_id", "status", "next_attempt_at"],
                    ),
                    unique_index(
                        "scheduled_posts",
                        "scheduled_posts_delivery_uq",
                        &["tenant_id", "delivery_id"],
                    ),
                ],
            ),
            (
                "delivery_attempts",
                tenant_table("delivery_attempts")
                    .col(uuid_col("post_id"))
                    .col(uuid_col("channel_id"))
                    .col(int("attempt"))
                    .col(int("parts"))
                    .col(text("outcome"))
                    .col(int_null("status_code"))
                    .col(text_null("error"))
                    .col(ts("started_at"))
                    .col(ts_null("finished_at"))
                    .foreign_key(&mut tenant_fk(
                        "delivery_attempts",
                        "post_id",
                        "scheduled_posts",
                        Cascade,
                    ))
                    .foreign_key(&mut tenant_fk(
                        "delivery_attempts",
                        "channel_id",
                        "channels",
                        Cascade,
                    ))
                    .to_owned(),
                vec![
                    index(
                        "delivery_attempts",
                        "delivery_attempts_post_idx",
                        &["tenant_id", "post_id"],
                    ),
                    index(
                        "delivery_attempts",
                        "delivery_attempts_channel_idx",
                        &["tenant_id", "channel_id", "started_at"],
                    ),
                ],
            ),
            (
                "follow_ups",
                tenant_table("follow_ups")
                    .col(uuid_null("post_id"))
                    .col(uuid_col("group_id"))
                    .col(uuid_null("member_id"))
                    .col(text("title"))
                    .col(ts("due_at"))
                    .col(ts_null("done_at"))
                    .col(uuid_null("done_by"))
                    .col(ts("created_at"))
                    .foreign_key(&mut tenant_fk(
                        "follow_ups",
                        "post_id",
                        "scheduled_posts",
                        Cascade,
                    ))
                    .foreign_key(&mut tenant_fk("follow_ups", "group_id", "groups", Cascade))
                    .foreign_key(&mut tenant_fk(
                        "follow_ups",
                        "member_id",
                        "members",
                        Cascade,
                    ))
                    .to_owned(),
                vec![index(
                    "follow_ups",
                    "follow_ups_due_idx",
                    &["tenant_id", "done_at", "due_at"],
                )],
            ),
        ];
        create_tenant_tables(manager, tables).await?;
        manager
            .alter_table(
                Table::alter()
                    .table("events")
                    .add_column(uuid_null("post_id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "events",
                "events_post_idx",
                &["tenant_id", "post_id"],
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("events_post_idx")
                    .table("events")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("events")
                    .drop_column("post_id")
                    .to_owned(),
            )
            .await?;
        for table in [
            "follow_ups",
            "delivery_attempts",
            "scheduled_posts",
            "post_series",
            "contents",
            "channels",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
