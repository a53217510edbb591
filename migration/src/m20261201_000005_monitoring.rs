//! Daily and hourly group statistics, alert rules and alerts, churn models and scores,
//! retention targets; events learn their local day and hour.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

use crate::helpers::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

use crate::helpers::keyed_table as keyed;

fn counter(name: &'static str) -> ColumnDef {
    bigint(name)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::Cascade;
        let tables = vec![
            (
                "group_day_stats",
                keyed("group_day_stats", &["tenant_id", "group_id", "day"])
                    .col(uuid_col("group_id"))
                    .col(date("day"))
                    .col(counter("messages"))
                    .col(counter("active_members"))
                    .col(counter("joins"))
                    .col(counter("exits"))
                    .col(counter("ad_messages"))
                    .col(counter("complaints"))
                    .col(counter("reads"))
                    .col(counter("saves"))
                    .col(counter("clicks"))
                    .col(counter("conversions"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut tenant_fk(
                        "group_day_stats",
                        "group_id",
                        "groups",
                        Cascade,
                    ))
                    .to_owned(),
                vec![],
            ),
            (
                "group_hour_stats",
                keyed(
                    "group_hour_stats",
                    &["tenant_id", "group_id", "day", "hour"],
                )
                .col(uuid_col("group_id"))
                .col(date("day"))
                .col(int("hour"))
                .col(counter("messages"))
                .col(counter("active_members"))
                .foreign_key(&mut tenant_fk(
                    "group_hour_stats",
                    "group_id",
                    "groups",
                    Cascade,
                ))
                .to_owned(),
                vec![],
            ),
            (
                "rollup_state",
                keyed("rollup_state", &["tenant_id"])
                    .col(ts("watermark"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut tenant_ref("rollup_state"))
                    .to_owned(),
                vec![],
            ),
            (
                "alert_rules",
                tenant_table("alert_rules")
                    .col(uuid_null("group_id"))
                    .col(text("metric"))
                    .col(text("comparison"))
                    .col(ColumnDef::new("threshold").double().not_null())
                    .col(int("window_days"))
                    .col(text("action"))
                    .col(boolean("enabled"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut tenant_fk("alert_rules", "group_id", "groups", Cascade))
                    .to_owned(),
                vec![],
            ),
            (
                "alerts",
                tenant_table("alerts")
                    .col(uuid_col("rule_id"))
                    .col(uuid_col("group_id"))
                    .col(text("metric"))
                    .col(ColumnDef::new("value").double().not_null())
                    .col(ColumnDef::new("threshold").double().not_null())
                    .col(text("status"))
                    .col(text_null("open_key"))
                    .col(ts("triggered_at"))
                    .col(text("action"))
                    .col(text_null("action_taken"))
                    .col(boolean("action_done"))
                    .col(ts_null("acknowledged_at"))
                    .col(ts_null("resolved_at"))
                    .col(text_null("resolved_by"))
                    .foreign_key(&mut tenant_fk("alerts", "rule_id", "alert_rules", Cascade))
                    .foreign_key(&mut tenant_fk("alerts", "group_id", "groups", Cascade))
                    .to_owned(),
                vec![
                    unique_index("alerts", "alerts_open_uq", &["tenant_id", "open_key"]),
                    index("alerts", "alerts_status_idx", &["tenant_id", "status"]),
                ],
            ),
            (
                "churn_models",
                tenant_table("churn_models")
                    .col(ts("trained_at"))
                    .col(int("examples"))
                    .col(ColumnDef::new("auc").double().null())
                    .col(json("model"))
                    .to_owned(),
                vec![],
            ),
            (
                "churn_scores",
                keyed("churn_scores", &["tenant_id", "group_id", "member_id"])
                    .col(uuid_col("group_id"))
                    .col(uuid_col("member_id"))
                    .col(ColumnDef::new("risk").double().not_null())
                    .col(json("top_features"))
                    .col(uuid_null("model_id"))
                    .col(ts("scored_at"))
                    .foreign_key(&mut tenant_fk(
                        "churn_scores",
                        "member_id",
                        "members",
                        Cascade,
                    ))
                    .foreign_key(&mut tenant_fk(
                        "churn_scores",
                        "group_id",
                        "groups",
                        Cascade,
                    ))
                    .to_owned(),
                vec![],
            ),
            (
                "retention_targets",
                tenant_table("retention_targets")
                    .col(uuid_col("alert_id"))
                    .col(uuid_col("group_id"))
                    .col(uuid_col("member_id"))
                    .col(ColumnDef::new("risk").double().not_null())
                    .col(boolean("treated"))
                    .col(ts("targeted_at"))
                    .foreign_key(&mut tenant_fk(
                        "retention_targets",
                        "alert_id",
                        "alerts",
                        Cascade,
                    ))
                    .foreign_key(&mut tenant_fk(
                        "retention_targets",
                        "member_id",
                        "members",
                        Cascade,
                    ))
                    .to_owned(),
                vec![index(
                    "retention_targets",
                    "retention_targets_group_idx",
                    &["tenant_id", "group_id", "targeted_at"],
                )],
            ),
        ];
        create_tenant_tables(manager, tables).await?;
        manager
            .alter_table(
                Table::alter()
                    .table("events")
                    .add_column(date_null("local_day"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("events")
                    .add_column(int_null("local_hour"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "events",
                "events_group_day_idx",
                &["tenant_id", "group_id", "local_day"],
            ))
            .await?;
        manager
            .create_index(index(
                "events",
                "events_received_idx",
                &["tenant_id", "received_at"],
            ))
            .await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("ALTER TABLE group_day_stats SET (fillfactor = 90)")
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for index in ["events_group_day_idx", "events_received_idx"] {
            manager
                .drop_index(Index::drop().name(index).table("events").to_owned())
                .await?;
        }
        for col in ["local_day", "local_hour"] {
            manager
                .alter_table(Table::alter().table("events").drop_column(col).to_owned())
                .await?;
        }
        for table in [
            "retention_targets",
            "churn_scores",
            "churn_models",
            "alerts",
            "alert_rules",
            "rollup_state",
            "group_hour_stats",
            "group_day_stats",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
