//! DataLoaders, one set per request, so that a list of N objects with a relation costs one
//! batched query for the relation, not N.
//!
//! Global loaders (tenants, users) read global tables. Tenant loaders are bound to the
//! request's tenant when first needed and filter every batch by it.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use qunyun_core::db::Db;
use qunyun_core::page::{Page, PageRequest};
use qunyun_core::scope::TenantOwned;
use qunyun_core::{groups, members, rules, tenancy};
use qunyun_entity::{MemberLayer, group_members, group_rules, tenants, users};
use sea_orm::sea_query::ValueType;
use sea_orm::{ColumnTrait, EntityTrait, ModelTrait, QueryFilter};
use uuid::Uuid;

use super::error::{Code, error};

/// Loader failures are database failures; the detail is logged, not shown.
#[derive(Clone, Debug)]
pub struct LoadError(pub Arc<anyhow::Error>);

impl LoadError {
    pub fn new(err: impl Into<anyhow::Error>) -> Self {
        LoadError(Arc::new(err.into()))
    }
}

impl From<LoadError> for async_graphql::Error {
    fn from(err: LoadError) -> Self {
        tracing::error!(error = ?err.0, "loader failed");
        error(Code::Internal, super::error::INTERNAL_MESSAGE)
    }
}

pub struct TenantLoader(Db);

impl Loader<Uuid> for TenantLoader {
    type Value = tenants::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = tenancy::tenants_by_ids(&self.0, keys)
            .await
            .map_err(LoadError::new)?;
        Ok(rows.into_iter().map(|t| (t.id, t)).collect())
    }
}

pub struct UserLoader(Db);

impl Loader<Uuid> for UserLoader {
    type Value = users::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = users::Entity::find()
            .filter(users::Column::Id.is_in(keys.iter().copied()))
            .all(self.0.global())
            .await
            .map_err(LoadError::new)?;
        Ok(rows.into_iter().map(|u| (u.id, u)).collect())
    }
}

/// Rows of a tenant-owned table by id, in one tenant-scoped query per batch.
pub struct ById<E> {
    db: Db,
    tenant_id: Uuid,
    _entity: std::marker::PhantomData<fn() -> E>,
}

impl<E> Loader<Uuid> for ById<E>
where
    E: TenantOwned + 'static,
    E::Model: Clone + Send + Sync + 'static,
{
    type Value = E::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let tx = self
            .db
            .tenant_read(self.tenant_id)
            .await
            .map_err(LoadError::new)?;
        let rows = tx
            .select::<E>()
            .filter(E::id_column().is_in(keys.iter().copied()))
            .all(tx.conn())
            .await
            .map_err(LoadError::new)?;
        let mut out = HashMap::with_capacity(rows.len());
        for row in rows {
            let id = <Uuid as ValueType>::try_from(row.get(E::id_column()))
                .map_err(|e| LoadError::new(anyhow::anyhow!("{e:?}")))?;
            out.insert(id, row);
        }
        Ok(out)
    }
}

/// Current members per layer, by group.
pub struct LayerCounts(Db, Uuid);

impl Loader<Uuid> for LayerCounts {
    type Value = HashMap<MemberLayer, i64>;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let tx = self.0.tenant_read(self.1).await.map_err(LoadError::new)?;
        let mut counts = groups::layer_counts(&tx, keys)
            .await
            .map_err(LoadError::new)?;
        Ok(keys
            .iter()
            .map(|k| (*k, counts.remove(k).unwrap_or_default()))
            .collect())
    }
}

/// Points balances, by member.
pub struct Balances(Db, Uuid);

impl Loader<Uuid> for Balances {
    type Value = i64;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let tx = self.0.tenant_read(self.1).await.map_err(LoadError::new)?;
        let balances = members::balances(&tx, keys).await.map_err(LoadError::new)?;
        Ok(keys
            .iter()
            .map(|k| (*k, balances.get(k).copied().unwrap_or(0)))
            .collect())
    }
}

/// Each member's riskiest current membership score.
pub struct ChurnRisks(Db, Uuid);

impl Loader<Uuid> for ChurnRisks {
    type Value = qunyun_entity::churn_scores::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        use qunyun_entity::churn_scores;
        use sea_orm::{ColumnTrait, QueryFilter};
        let tx = self.0.tenant_read(self.1).await.map_err(LoadError::new)?;
        let rows = tx
            .select::<churn_scores::Entity>()
            .filter(churn_scores::Column::MemberId.is_in(keys.iter().copied()))
            .all(tx.conn())
            .await
            .map_err(LoadError::new)?;
        let mut out: HashMap<Uuid, Self::Value> = HashMap::new();
        for row in rows {
            match out.get(&row.member_id) {
                Some(best) if best.risk >= row.risk => {}
                _ => {
                    out.insert(row.member_id, row);
                }
            }
        }
        Ok(out)
    }
}

/// The rules of each group.
pub struct RulesOf(Db, Uuid);

impl Loader<Uuid> for RulesOf {
    type Value = Vec<group_rules::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let tx = self.0.tenant_read(self.1).await.map_err(LoadError::new)?;
        let mut out: HashMap<Uuid, Self::Value> = keys.iter().map(|k| (*k, Vec::new())).collect();
        for rule in rules::of_groups(&tx, keys).await.map_err(LoadError::new)? {
            out.entry(rule.group_id).or_default().push(rule);
        }
        Ok(out)
    }
}

/// One page of a group's members; groups asking for the same page load together.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MembersPageKey {
    pub group_id: Uuid,
    pub first: u64,
    pub after: Option<Uuid>,
    pub layer: Option<MemberLayer>,
}

pub struct MembersPages(Db, Uuid);

impl Loader<MembersPageKey> for MembersPages {
    type Value = Page<group_members::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[MembersPageKey],
    ) -> Result<HashMap<MembersPageKey, Self::Value>, Self::Error> {
        let tx = self.0.tenant_read(self.1).await.map_err(LoadError::new)?;
        let mut batches: HashMap<(u64, Option<Uuid>, Option<MemberLayer>), Vec<Uuid>> =
            HashMap::new();
        for key in keys {
            batches
                .entry((key.first, key.after, key.layer))
                .or_default()
                .push(key.group_id);
        }
        let mut out = HashMap::with_capacity(keys.len());
        for ((first, after, layer), group_ids) in batches {
            let pages = groups::members_pages(&tx, &group_ids, layer, PageRequest { first, after })
                .await
                .map_err(LoadError::new)?;
            for (group_id, page) in pages {
                out.insert(
                    MembersPageKey {
                        group_id,
                        first,
                        after,
                        layer,
                    },
                    page,
                );
            }
        }
        Ok(out)
    }
}

/// Delivery attempts, by post.
pub struct AttemptsOf(Db, Uuid);

impl Loader<Uuid> for AttemptsOf {
    type Value = Vec<qunyun_entity::delivery_attempts::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let tx = self.0.tenant_read(self.1).await.map_err(LoadError::new)?;
        let mut out: HashMap<Uuid, Self::Value> = keys.iter().map(|k| (*k, Vec::new())).collect();
        for attempt in qunyun_core::posts::attempts(&tx, keys)
            .await
            .map_err(LoadError::new)?
        {
            out.entry(attempt.post_id).or_default().push(attempt);
        }
        Ok(out)
    }
}

/// Loaders over the request's tenant, made when a resolver first needs them.
pub struct TenantLoaders {
    pub tenant_id: Uuid,
    pub groups: DataLoader<ById<qunyun_entity::groups::Entity>>,
    pub members: DataLoader<ById<qunyun_entity::members::Entity>>,
    pub contents: DataLoader<ById<qunyun_entity::contents::Entity>>,
    pub channels: DataLoader<ById<qunyun_entity::channels::Entity>>,
    pub posts: DataLoader<ById<qunyun_entity::scheduled_posts::Entity>>,
    pub campaigns: DataLoader<ById<qunyun_entity::campaigns::Entity>>,
    pub attempts: DataLoader<AttemptsOf>,
    pub layer_counts: DataLoader<LayerCounts>,
    pub balances: DataLoader<Balances>,
    pub churn_risks: DataLoader<ChurnRisks>,
    pub rules: DataLoader<RulesOf>,
    pub members_pages: DataLoader<MembersPages>,
}

fn by_id<E>(db: &Db, tenant_id: Uuid) -> DataLoader<ById<E>>
where
    E: TenantOwned + 'static,
    E::Model: Clone + Send + Sync + 'static,
{
    DataLoader::new(
        ById {
            db: db.clone(),
            tenant_id,
            _entity: std::marker::PhantomData,
        },
        tokio::spawn,
    )
}

impl TenantLoaders {
    fn new(db: &Db, tenant_id: Uuid) -> Self {
        TenantLoaders {
            tenant_id,
            groups: by_id(db, tenant_id),
            members: by_id(db, tenant_id),
            contents: by_id(db, tenant_id),
            channels: by_id(db, tenant_id),
            posts: by_id(db, tenant_id),
            campaigns: by_id(db, tenant_id),
            attempts: DataLoader::new(AttemptsOf(db.clone(), tenant_id), tokio::spawn),
            layer_counts: DataLoader::new(LayerCounts(db.clone(), tenant_id), tokio::spawn),
            balances: DataLoader::new(Balances(db.clone(), tenant_id), tokio::spawn),
            churn_risks: DataLoader::new(ChurnRisks(db.clone(), tenant_id), tokio::spawn),
            rules: DataLoader::new(RulesOf(db.clone(), tenant_id), tokio::spawn),
            members_pages: DataLoader::new(MembersPages(db.clone(), tenant_id), tokio::spawn),
        }
    }
}

pub struct Loaders {
    db: Db,
    pub tenants: DataLoader<TenantLoader>,
    pub users: DataLoader<UserLoader>,
    tenant: std::sync::OnceLock<TenantLoaders>,
}

impl Loaders {
    pub fn new(db: &Db) -> Self {
        Loaders {
            db: db.clone(),
            tenants: DataLoader::new(TenantLoader(db.clone()), tokio::spawn),
            users: DataLoader::new(UserLoader(db.clone()), tokio::spawn),
            tenant: std::sync::OnceLock::new(),
        }
    }

    /// The loaders of the request's tenant (a request acts in one tenant only).
    pub fn tenant(&self, tenant_id: Uuid) -> Result<&TenantLoaders, LoadError> {
        let loaders = self
            .tenant
            .get_or_init(|| TenantLoaders::new(&self.db, tenant_id));
        if loaders.tenant_id != tenant_id {
            return Err(LoadError::new(anyhow::anyhow!("one request, two tenants")));
        }
        Ok(loaders)
    }
}
