use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::*;

/// A commerce offer with its tracked-link code.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "offers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub title: String,
    pub kind: OfferKind,
    pub price_minor: i64,
    pub currency: String,
    /// Globally unique and unguessable; also in `offer_codes`.
    pub code: String,
    pub target_url: String,
    pub campaign_id: Option<Uuid>,
    pub group_id: Option<Uuid>,
    /// Counted on the offer's creation day.
    pub cost_minor: i64,
    pub status: OfferStatus,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub ended_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
