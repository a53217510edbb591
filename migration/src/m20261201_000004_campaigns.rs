//! Campaigns in groups, check-ins and streaks, registrations, quizzes, relays, badges; the
//! points ledger learns its group and campaign.

use sea_orm_migration::prelude::*;

use crate::helpers::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn composite(name: &'static str, key: &[&'static str]) -> TableCreateStatement {
    let mut pk = Index::create();
    for col in key {
        pk.col(*col);
    }
    Table::create().table(name).primary_key(&mut pk).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::Cascade;
        let tables = vec![
            (
                "campaigns",
                tenant_table("campaigns")
                    .col(text("name"))
                    .col(text("kind"))
                    .col(text("status"))
                    .col(ts("starts_at"))
                    .col(ts("ends_at"))
                    .col(int_null("target_days"))
                    .col(text_null("keyword"))
                    .col(json("milestones"))
                    .col(bigint("points_per_checkin"))
                    .col(bigint("points_per_milestone"))
                    .col(bigint("quiz_minutes"))
                    .col(json_null("screening"))
                    .col(int_null("pass_score"))
                    .col(int_null("reject_score"))
                    .col(bigint("cost_minor"))
                    .col(text("currency"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .to_owned(),
                vec![index(
                    "campaigns",
                    "campaigns_time_idx",
                    &["tenant_id", "status", "starts_at"],
                )],
            ),
            (
                "campaign_groups",
                composite("campaign_groups", &["tenant_id", "campaign_id", "group_id"])
                    .col(uuid_col("tenant_id"))
                    .col(uuid_col("campaign_id"))
                    .col(uuid_col("group_id"))
                    .foreign_key(&mut tenant_fk(
                        "campaign_groups",
                        "campaign_id",
                        "campaigns",
                        Cascade,
                    ))
                    .foreign_key(&mut tenant_fk(
                        "campaign_groups",
                        "group_id",
                        "groups",
                        Cascade,
                    ))
                    .to_owned(),
                vec![index(
                    "campaign_groups",
                    "campaign_groups_group_idx",
                    &["tenant_id", "group_id"],
                )],
            ),
            (
                "checkins",
                tenant_table("checkins")
                    .col(uuid_col("campaign_id"))
                    .col(uuid_col("member_id"))
                    .col(uuid_null("group_id"))
                    .col(date("local_date"))
                    .col(ts("occurred_at"))
                    .col(text("source"))
                    .col(ts("created_at"))
                    .foreign_key(&mut tenant_fk(
                        "checkins",
                        "campaign_id",
                        "campaigns",
                        Cascade,
                    ))
                    .foreign_key(&mut tenant_fk("checkins", "member_id", "members", Cascade))
                    .to_owned(),
                vec![unique_index(
                    "checkins",
                    "checkins_day_uq",
                    &["tenant_id", "campaign_id", "member_id", "local_date"],
                )],
            ),
            (
                "streaks",
                composite("streaks", &["tenant_id", "campaign_id", "member_id"])
                    .col(uuid_col("tenant_id"))
                    .col(uuid_col("campaign_id"))
                    .col(uuid_col("member_id"))
                    .col(int("current"))
                    .col(int("longest"))
                    .col(date_null("last_checkin_on"))
                    .col(ts_null("completed_at"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut tenant_fk(
                        "streaks",
                        "campaign_id",
                        "campaigns",
                        Cascade,
                    ))
                    .foreign_key(&mut tenant_fk("streaks", "member_id", "members", Cascade))
                    .to_owned(),
                vec![],
            ),
            (
                "participants",
                tenant_table("participants")
                    .col(uuid_col("campaign_id"))
                    .col(uuid_col("member_id"))
                    .col(text("status"))
                    .col(int("score"))
                    .col(json("answers"))
                    .col(boolean("automatic"))
                    .col(uuid_null("decided_by"))
                    .col(ts_null("decided_at"))
                    .col(text_null("note"))
                    .col(ts("created_at"))
                    .foreign_key(&mut tenant_fk(
                        "participants",
                        "campaign_id",
                        "campaigns",
                        Cascade,
                    ))
                    .foreign_key(&mut tenant_fk(
                        "participants",
                        "member_id",
                        "members",
                        Cascade,
                    ))
                    .to_owned(),
                vec![unique_index(
                    "participants",
                    "participants_uq",
                    &["tenant_id", "campaign_id", "member_id"],
                )],
            ),
            (
                "quiz_questions",
                tenant_table("quiz_questions")
                    .col(uuid_col("campaign_id"))
                    .col(int("position"))
                    .col(text("text"))
                    .col(text("answer"))
                    .foreign_key(&mut tenant_fk(
                        "quiz_questions",
                        "campaign_id",
                        "campaigns",
                        Cascade,
                    ))
                    .to_owned(),
                vec![unique_index(
                    "quiz_questions",
                    "quiz_questions_uq",
                    &["tenant_id", "campaign_id", "position"],
                )],
            ),
            (
                "quiz_answers",
                tenant_table("quiz_answers")
                    .col(uuid_col("campaign_id"))
                    .col(uuid_col("question_id"))
                    .col(uuid_col("member_id"))
                    .col(text("answer"))
                    .col(boolean("correct"))
                    .col(ts("answered_at"))
                    .col(text("source"))
                    .foreign_key(&mut tenant_fk(
                        "quiz_answers",
                        "question_id",
                        "quiz_questions",
                        Cascade,
                    ))
                    .foreign_key(&mut tenant_fk(
                        "quiz_answers",
                        "member_id",
                        "members",
                        Cascade,
                    ))
                    .to_owned(),
                vec![unique_index(
                    "quiz_answers",
                    "quiz_answers_uq",
                    &["tenant_id", "question_id", "member_id"],
                )],
            ),
            (
                "relay_entries",
                tenant_table("relay_entries")
                    .col(uuid_col("campaign_id"))
                    .col(uuid_col("member_id"))
                    .col(text("text"))
                    .col(ts("occurred_at"))
                    .foreign_key(&mut tenant_fk(
                        "relay_entries",
                        "campaign_id",
                        "campaigns",
                        Cascade,
                    ))
                    .foreign_key(&mut tenant_fk(
                        "relay_entries",
                        "member_id",
                        "members",
                        Cascade,
                    ))
                    .to_owned(),
                vec![unique_index(
                    "relay_entries",
                    "relay_entries_uq",
                    &["tenant_id", "campaign_id", "member_id"],
                )],
            ),
            (
                "badges",
                tenant_table("badges")
                    .col(text("name"))
                    .col(text_null("description"))
                    .col(json("criteria"))
                    .col(uuid_null("campaign_id"))
                    .col(ts("created_at"))
                    .foreign_key(&mut tenant_fk(
                        "badges",
                        "campaign_id",
                        "campaigns",
                        Cascade,
                    ))
                    .to_owned(),
                vec![],
            ),
            (
                "member_badges",
                composite("member_badges", &["tenant_id", "badge_id", "member_id"])
                    .col(uuid_col("tenant_id"))
                    .col(uuid_col("badge_id"))
                    .col(uuid_col("member_id"))
                    .col(ts("awarded_at"))
                    .foreign_key(&mut tenant_fk(
                        "member_badges",
                        "badge_id",
                        "badges",
                        Cascade,
                    ))
                    .foreign_key(&mut tenant_fk(
                        "member_badges",
                        "member_id",
                        "members",
                        Cascade,
                    ))
                    .to_owned(),
                vec![index(
                    "member_badges",
                    "member_badges_member_idx",
                    &["tenant_id", "member_id"],
                )],
            ),
            (
                "job_runs",
                composite("job_runs", &["tenant_id", "job"])
                    .col(uuid_col("tenant_id"))
                    .col(text("job"))
                    .col(date("last_local_date"))
                    .col(ts("updated_at"))
                    .foreign_key(
                        &mut ForeignKey::create()
                            .from_tbl("job_runs")
                            .from_col("tenant_id")
                            .to_tbl("tenants")
                            .to_col("id")
                            .on_delete(Cascade)
                            .to_owned(),
                    )
                    .to_owned(),
                vec![],
            ),
        ];
        create_tenant_tables(manager, tables).await?;
        for col in ["group_id", "campaign_id"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("points_ledger")
                        .add_column(uuid_null(col))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(index(
                "points_ledger",
                "points_ledger_campaign_idx",
                &["tenant_id", "campaign_id"],
            ))
            .await?;
        manager
            .create_index(index(
                "points_ledger",
                "points_ledger_group_idx",
                &["tenant_id", "group_id"],
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for index in ["points_ledger_campaign_idx", "points_ledger_group_idx"] {
            manager
                .drop_index(Index::drop().name(index).table("points_ledger").to_owned())
                .await?;
        }
        for col in ["group_id", "campaign_id"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("points_ledger")
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        for table in [
            "job_runs",
            "member_badges",
            "badges",
            "relay_entries",
            "quiz_answers",
            "quiz_questions",
            "participants",
            "streaks",
            "checkins",
            "campaign_groups",
            "campaigns",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
