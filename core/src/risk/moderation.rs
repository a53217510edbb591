//! Human review: moderation cases with a response target, and the outbound actions that
//! connectors carry out.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, IntoActiveModel, QueryFilter};
use uuid::Uuid;

use qunyun_entity::{ModerationStatus, OutboundStatus, moderation_cases, outbound_actions};

use crate::ids::now;
use crate::page::{Page, PageRequest, keyset};
use crate::scope::{TenantTx, expect_one};
use crate::validate::Problems;
use crate::{DomainError, DomainResult, FieldError, UserErrorCode};

pub fn is_overdue(case: &moderation_cases::Model, at: DateTime<Utc>) -> bool {
    case.status == ModerationStatus::Open && case.due_at < at
}

pub async fn list(
    tx: &TenantTx,
    status: Option<ModerationStatus>,
    overdue_only: bool,
    page: PageRequest,
) -> DomainResult<Page<moderation_cases::Model>> {
    let mut select = tx.select::<moderation_cases::Entity>();
    if let Some(status) = status {
        select = select.filter(moderation_cases::Column::Status.eq(status));
    }
    if overdue_only {
        select = select
            .filter(moderation_cases::Column::Status.eq(ModerationStatus::Open))
            .filter(moderation_cases::Column::DueAt.lt(now()));
    }
    Ok(keyset(tx.conn(), select, moderation_cases::Column::Id, page).await?)
}

fn check_note(problems: &mut Problems, note: &Option<String>) -> Option<String> {
    let note = note.as_deref().map(str::trim).filter(|n| !n.is_empty())?;
    if note.chars().count() > 2000 {
        problems.push(FieldError::input(
            "note",
            UserErrorCode::Invalid,
            "a note is at most 2000 characters",
        ));
    }
    Some(note.to_owned())
}

/// Closes an open case as actioned or dismissed, recording who and why.
pub async fn resolve(
    tx: &TenantTx,
    id: Uuid,
    status: ModerationStatus,
    by: Option<Uuid>,
    note: Option<String>,
) -> DomainResult<moderation_cases::Model> {
    let mut problems = Problems::new();
    if status == ModerationStatus::Open {
        problems.push(FieldError::input(
            "status",
            UserErrorCode::Invalid,
            "resolve as ACTIONED or DISMISSED",
        ));
    }
    let note = check_note(&mut problems, &note);
    problems.finish()?;
    let case = tx
        .fetch::<moderation_cases::Entity>(id, "moderation case")
        .await?;
    if case.status != ModerationStatus::Open {
        return Err(DomainError::invalid(
            "id",
            UserErrorCode::Conflict,
            "the case is already resolved",
        ));
    }
    let mut model = case.into_active_model();
    model.status = Set(status);
    model.resolved_at = Set(Some(now()));
    model.resolved_by = Set(by);
    model.note = Set(note);
    Ok(tx.update(model).await?)
}

pub async fn cases_by_ids(
    tx: &TenantTx,
    ids: &[Uuid],
) -> DomainResult<Vec<moderation_cases::Model>> {
    Ok(tx
        .select::<moderation_cases::Entity>()
        .filter(moderation_cases::Column::Id.is_in(ids.iter().copied()))
        .all(tx.conn())
        .await?)
}

pub async fn outbound(
    tx: &TenantTx,
    status: Option<OutboundStatus>,
    page: PageRequest,
) -> DomainResult<Page<outbound_actions::Model>> {
    let mut select = tx.select::<outbound_actions::Entity>();
    if let Some(status) = status {
        select = select.filter(outbound_actions::Column::Status.eq(status));
    }
    Ok(keyset(tx.conn(), select, outbound_actions::Column::Id, page).await?)
}

/// A connector reports whether it carried an action out. Only pending actions change.
pub async fn complete_outbound(
    tx: &TenantTx,
    id: Uuid,
    succeeded: bool,
    error: Option<String>,
) -> DomainResult<outbound_actions::Model> {
    let action = tx
        .fetch::<outbound_actions::Entity>(id, "outbound action")
        .await?;
    if action.status != OutboundStatus::Pending {
        return Err(DomainError::invalid(
            "id",
            UserErrorCode::Conflict,
            "the action is already completed",
        ));
    }
    let error = error.map(|e| e.chars().take(2000).collect::<String>());
    let done = tx
        .update_many::<outbound_actions::Entity>()
        .col_expr(
            outbound_actions::Column::Status,
            Expr::value(if succeeded {
                OutboundStatus::Done
            } else {
                OutboundStatus::Failed
            }),
        )
        .col_expr(
            outbound_actions::Column::Error,
            Expr::value(if succeeded { None } else { error }),
        )
        .col_expr(outbound_actions::Column::UpdatedAt, Expr::value(now()))
        .filter(outbound_actions::Column::Id.eq(id))
        .filter(outbound_actions::Column::Status.eq(OutboundStatus::Pending))
        .exec(tx.conn())
        .await?;
    expect_one(done.rows_affected, "outbound action")?;
    tx.fetch::<outbound_actions::Entity>(id, "outbound action")
        .await
}
