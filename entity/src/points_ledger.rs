use sea_orm::entity::prelude::*;

/// Append-only points ledger; a member's balance is the sum of their deltas.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "points_ledger")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub member_id: Uuid,
    /// The group and campaign the entry is about, if any (for leaderboards).
    pub group_id: Option<Uuid>,
    pub campaign_id: Option<Uuid>,
    pub delta: i64,
    pub reason: String,
    /// What produced the entry (`rule`, `checkin`, `milestone`, `redemption`, `manual` …).
    pub source: String,
    /// With `source`, unique: an award that must happen once carries a source id.
    pub source_id: Option<String>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
