//! Keyset pagination by id. Ids are UUIDv7, so id order is creation order, and `after` is the
//! id of the last row seen: stable under inserts, no OFFSET scans.

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// Already capped by the caller.
    pub first: u64,
    pub after: Option<Uuid>,
}

#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_next: bool,
    pub has_previous: bool,
    /// Rows matching the filter, ignoring `first` and `after`.
    pub total: u64,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            has_next: self.has_next,
            has_previous: self.has_previous,
            total: self.total,
        }
    }
}

/// One page of `select` ordered by `id` ascending.
pub async fn keyset<E, C>(
    conn: &C,
    select: Select<E>,
    id: E::Column,
    request: PageRequest,
) -> Result<Page<E::Model>, DbErr>
where
    E: EntityTrait,
    E::Model: Sync,
    C: ConnectionTrait,
{
    let total = select.clone().count(conn).await?;
    let mut query = select.order_by_asc(id);
    if let Some(after) = request.after {
        query = query.filter(id.gt(after));
    }
    let mut items = query.limit(request.first + 1).all(conn).await?;
    let has_next = items.len() as u64 > request.first;
    items.truncate(request.first as usize);
    Ok(Page {
        items,
        has_next,
        has_previous: request.after.is_some(),
        total,
    })
}
