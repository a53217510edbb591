//! Commerce: offers and their global codes, clicks, orders and refunds, cost entries, and the
//! daily ROI aggregates with their watermark.

use sea_orm_migration::prelude::*;

use crate::helpers::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A keyed tenant table that also refers to its tenant.
fn keyed(name: &'static str, key: &[&'static str]) -> TableCreateStatement {
    keyed_table(name, key)
        .foreign_key(&mut tenant_ref(name))
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::Cascade;
        // The code of a tracked link is looked up before any tenant is known (`GET /r/{code}`):
        // a global table, like API keys, whose rows belong to a tenant.
        manager
            .create_table(
                Table::create()
                    .table("offer_codes")
                    .col(text("code").primary_key())
                    .col(uuid_col("tenant_id"))
                    .col(uuid_col("offer_id"))
                    .col(ts("created_at"))
                    .foreign_key(&mut tenant_ref("offer_codes"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "offer_codes",
                "offer_codes_tenant_idx",
                &["tenant_id"],
            ))
            .await?;
        enable_rls_global(manager, "offer_codes").await?;

        let tables = vec![
            (
                "offers",
                tenant_table("offers")
                    .col(text("title"))
                    .col(text("kind"))
                    .col(bigint("price_minor"))
                    .col(text("currency"))
                    .col(text("code"))
                    .col(text("target_url"))
                    .col(uuid_null("campaign_id"))
                    .col(uuid_null("group_id"))
                    .col(bigint("cost_minor"))
                    .col(text("status"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .col(ts_null("ended_at"))
                    .foreign_key(&mut tenant_fk(
                        "offers",
                        "campaign_id",
                        "campaigns",
                        Cascade,
                    ))
                    .foreign_key(&mut tenant_fk("offers", "group_id", "groups", Cascade))
                    .to_owned(),
                vec![unique_index(
                    "offers",
                    "offers_code_uq",
                    &["tenant_id", "code"],
                )],
            ),
            (
                "offer_clicks",
                tenant_table("offer_clicks")
                    .col(uuid_col("offer_id"))
                    .col(uuid_null("campaign_id"))
                    .col(uuid_null("group_id"))
                    .col(uuid_null("member_id"))
                    .col(text_null("platform_user_id"))
                    .col(text("source"))
                    .col(ts("clicked_at"))
                    .col(date("local_day"))
                    .col(ts("received_at"))
                    .foreign_key(&mut tenant_fk(
                        "offer_clicks",
                        "offer_id",
                        "offers",
                        Cascade,
                    ))
                    .foreign_key(&mut tenant_fk(
                        "offer_clicks",
                        "group_id",
                        "groups",
                        Cascade,
                    ))
                    .foreign_key(&mut tenant_fk(
                        "offer_clicks",
                        "member_id",
                        "members",
                        Cascade,
                    ))
                    .to_owned(),
                vec![
                    index(
                        "offer_clicks",
                        "offer_clicks_day_idx",
                        &["tenant_id", "local_day"],
                    ),
                    index(
                        "offer_clicks",
                        "offer_clicks_received_idx",
                        &["tenant_id", "received_at"],
                    ),
                    index(
                        "offer_clicks",
                        "offer_clicks_member_idx",
                        &["tenant_id", "member_id", "clicked_at"],
                    ),
                ],
            ),
            (
                "orders",
                tenant_table("orders")
                    .col(text("order_ref"))
                    .col(uuid_null("offer_id"))
                    .col(uuid_null("campaign_id"))
                    .col(uuid_col("group_id"))
                    .col(uuid_null("member_id"))
                    .col(bigint("amount_minor"))
                    .col(text("currency"))
                    .col(ts("paid_at"))
                    .col(date("local_day"))
                    .col(text("attribution"))
                    .col(uuid_col("event_id"))
                    .col(ts("received_at"))
                    .foreign_key(&mut tenant_fk("orders", "offer_id", "offers", Cascade))
                    .foreign_key(&mut tenant_fk("orders", "group_id", "groups", Cascade))
                    .to_owned(),
                vec![
                    unique_index("orders", "orders_ref_uq", &["tenant_id", "order_ref"]),
                    index("orders", "orders_day_idx", &["tenant_id", "local_day"]),
                    index(
                        "orders",
                        "orders_received_idx",
                        &["tenant_id", "received_at"],
                    ),
                ],
            ),
            (
                "order_refunds",
                keyed("order_refunds", &["tenant_id", "order_ref"])
                    .col(text("order_ref"))
                    .col(bigint("amount_minor"))
                    .col(text("currency"))
                    .col(ts("refunded_at"))
                    .col(uuid_col("event_id"))
                    .col(ts("received_at"))
                    .to_owned(),
                vec![index(
                    "order_refunds",
                    "order_refunds_received_idx",
                    &["tenant_id", "received_at"],
                )],
            ),
            (
                "cost_entries",
                tenant_table("cost_entries")
                    .col(text("scope"))
                    .col(uuid_null("offer_id"))
                    .col(uuid_null("campaign_id"))
                    .col(uuid_null("group_id"))
                    .col(bigint("amount_minor"))
                    .col(text("currency"))
                    .col(date("incurred_on"))
                    .col(text_null("note"))
                    .col(uuid_null("created_by"))
                    .col(ts("created_at"))
                    .foreign_key(&mut tenant_fk(
                        "cost_entries",
                        "offer_id",
                        "offers",
                        Cascade,
                    ))
                    .foreign_key(&mut tenant_fk(
                        "cost_entries",
                        "campaign_id",
                        "campaigns",
                        Cascade,
                    ))
                    .foreign_key(&mut tenant_fk(
                        "cost_entries",
                        "group_id",
                        "groups",
                        Cascade,
                    ))
                    .to_owned(),
                vec![],
            ),
            (
                "roi_daily",
                keyed(
                    "roi_daily",
                    &["tenant_id", "scope", "scope_id", "day", "currency"],
                )
                .col(text("scope"))
                .col(uuid_col("scope_id"))
                .col(date("day"))
                .col(text("currency"))
                .col(bigint("revenue_minor"))
                .col(bigint("refunded_minor"))
                .col(bigint("orders"))
                .col(bigint("refunds"))
                .col(bigint("clicks"))
                .col(bigint("cost_minor"))
                .to_owned(),
                vec![index(
                    "roi_daily",
                    "roi_daily_day_idx",
                    &["tenant_id", "day"],
                )],
            ),
            (
                "roi_state",
                keyed("roi_state", &["tenant_id"])
                    .col(ts("watermark"))
                    .col(ts("updated_at"))
                    .to_owned(),
                vec![],
            ),
        ];
        create_tenant_tables(manager, tables).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "roi_state",
            "roi_daily",
            "cost_entries",
            "order_refunds",
            "orders",
            "offer_clicks",
            "offers",
            "offer_codes",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
