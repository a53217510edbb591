//! Risk control (DOMAIN.md §6): the technical filter (keyword lists matched on every message,
//! ad heuristics), human review (moderation cases with a response target) and the actions
//! towards the chat platform (outbound actions a connector carries out).

pub mod keywords;
pub mod moderation;
pub mod text;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use qunyun_entity::keyword_lists;

use crate::DomainResult;
use crate::scope::TenantTx;
use text::Matcher;

/// A tenant's keyword lists compiled into one automaton, and which lists each term is on.
pub struct TenantMatcher {
    pub matcher: Matcher,
    pub lists_of_term: HashMap<String, Vec<Uuid>>,
    fingerprint: String,
}

impl TenantMatcher {
    /// The matched terms with the lists they come from.
    pub fn find(&self, normalized: &str) -> Vec<(String, Vec<Uuid>)> {
        if self.matcher.is_empty() {
            return Vec::new();
        }
        self.matcher
            .find_terms_normalized(normalized)
            .into_iter()
            .map(|term| {
                let lists = self.lists_of_term.get(&term).cloned().unwrap_or_default();
                (term, lists)
            })
            .collect()
    }
}

/// Compiled matchers per tenant, rebuilt when a list's version changes (checked with one small
/// query per batch), so an updated list applies to the very next message.
#[derive(Default)]
pub struct MatcherCache {
    inner: Mutex<HashMap<Uuid, Arc<TenantMatcher>>>,
}

impl MatcherCache {
    pub async fn get(&self, tx: &TenantTx) -> DomainResult<Arc<TenantMatcher>> {
        let versions: Vec<(Uuid, i32)> = tx
            .select::<keyword_lists::Entity>()
            .select_only()
            .column(keyword_lists::Column::Id)
            .column(keyword_lists::Column::Version)
            .order_by_asc(keyword_lists::Column::Id)
            .into_tuple()
            .all(tx.conn())
            .await?;
        let fingerprint = versions
            .iter()
            .map(|(id, v)| format!("{id}:{v}"))
            .collect::<Vec<_>>()
            .join(",");
        if let Ok(cache) = self.inner.lock()
            && let Some(hit) = cache.get(&tx.tenant_id())
            && hit.fingerprint == fingerprint
        {
            return Ok(hit.clone());
        }
        let lists = tx
            .select::<keyword_lists::Entity>()
            .filter(keyword_lists::Column::Id.is_in(versions.iter().map(|(id, _)| *id)))
            .all(tx.conn())
            .await?;
        let mut lists_of_term: HashMap<String, Vec<Uuid>> = HashMap::new();
        for list in &lists {
            for term in keywords::terms_of(list) {
                lists_of_term.entry(term).or_default().push(list.id);
            }
        }
        let compiled = Arc::new(TenantMatcher {
            matcher: Matcher::new(lists_of_term.keys()),
            lists_of_term,
            fingerprint,
        });
        if let Ok(mut cache) = self.inner.lock() {
            cache.insert(tx.tenant_id(), compiled.clone());
        }
        Ok(compiled)
    }
}
