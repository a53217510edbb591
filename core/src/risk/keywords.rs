//! Keyword lists per tenant, versioned: every change bumps `version` and keeps the previous
//! terms in `keyword_list_versions`.

use sea_orm::{ActiveValue::Set, ColumnTrait, IntoActiveModel, QueryFilter, QueryOrder};
use serde_json::Value;
use uuid::Uuid;

use qunyun_entity::{keyword_list_versions, keyword_lists};

use super::text::normalize;
use crate::error::on_unique;
use crate::ids::{new_id, now};
use crate::scope::TenantTx;
use crate::validate::{Name, Problems};
use crate::{DomainError, DomainResult, FieldError, UserErrorCode};

pub const MAX_TERMS: usize = 20_000;
pub const MAX_TERM_CHARS: usize = 100;

pub fn terms_of(list: &keyword_lists::Model) -> Vec<String> {
    list.terms
        .as_array()
        .map(|terms| {
            terms
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn clean_terms(problems: &mut Problems, terms: &[String]) -> Vec<String> {
    if terms.len() > MAX_TERMS {
        problems.push(FieldError::input(
            "terms",
            UserErrorCode::LimitExceeded,
            format!("at most {MAX_TERMS} terms"),
        ));
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::with_capacity(terms.len());
    for (i, term) in terms.iter().enumerate() {
        let term = term.trim();
        if term.is_empty() || term.chars().count() > MAX_TERM_CHARS || normalize(term).is_empty() {
            problems.push(FieldError::new(
                &["input", "terms", &i.to_string()],
                UserErrorCode::Invalid,
                format!("term {i} must be 1 to {MAX_TERM_CHARS} characters with at least one letter or digit"),
            ));
            continue;
        }
        if !out.iter().any(|t| t == term) {
            out.push(term.to_owned());
        }
    }
    out
}

/// Creates a list (`id` absent) or changes one; a change of name or terms bumps the version.
pub async fn upsert(
    tx: &TenantTx,
    id: Option<Uuid>,
    name: &str,
    terms: &[String],
) -> DomainResult<keyword_lists::Model> {
    let mut problems = Problems::new();
    let name = problems.take(Name::parse("name", name, 100));
    let terms = clean_terms(&mut problems, terms);
    problems.finish()?;
    let name = name
        .ok_or_else(|| DomainError::internal(anyhow::anyhow!("validated name missing")))?
        .into_inner();
    let at = now();
    let list = match id {
        None => tx
            .insert(keyword_lists::ActiveModel {
                tenant_id: Set(tx.tenant_id()),
                id: Set(new_id()),
                name: Set(name),
                version: Set(1),
                terms: Set(terms.clone().into()),
                created_at: Set(at),
                updated_at: Set(at),
            })
            .await
            .map_err(on_unique("name", "a keyword list with this name exists"))?,
        Some(id) => {
            let current = tx
                .fetch::<keyword_lists::Entity>(id, "keyword list")
                .await?;
            if current.name == name && terms_of(&current) == terms {
                return Ok(current);
            }
            let version = current.version + 1;
            let mut model = current.into_active_model();
            model.name = Set(name);
            model.terms = Set(terms.clone().into());
            model.version = Set(version);
            model.updated_at = Set(at);
            tx.update(model)
                .await
                .map_err(on_unique("name", "a keyword list with this name exists"))?
        }
    };
    tx.insert(keyword_list_versions::ActiveModel {
        tenant_id: Set(tx.tenant_id()),
        id: Set(new_id()),
        list_id: Set(list.id),
        version: Set(list.version),
        terms: Set(terms.into()),
        created_at: Set(at),
    })
    .await?;
    Ok(list)
}

pub async fn list(tx: &TenantTx) -> DomainResult<Vec<keyword_lists::Model>> {
    Ok(tx
        .select::<keyword_lists::Entity>()
        .order_by_asc(keyword_lists::Column::Id)
        .all(tx.conn())
        .await?)
}

/// Every version of a list, oldest first.
pub async fn versions(
    tx: &TenantTx,
    list_id: Uuid,
) -> DomainResult<Vec<keyword_list_versions::Model>> {
    Ok(tx
        .select::<keyword_list_versions::Entity>()
        .filter(keyword_list_versions::Column::ListId.eq(list_id))
        .order_by_asc(keyword_list_versions::Column::Version)
        .all(tx.conn())
        .await?)
}
