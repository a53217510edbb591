//! The midnight job: at each tenant's local midnight (checked every 15 minutes), the streaks
//! pass of `crate::campaigns::streaks::midnight`, once per local day unless forced.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, QueryFilter};

use qunyun_entity::job_runs;

use crate::DomainResult;
use crate::campaigns::streaks;
use crate::scope::TenantTx;

pub const JOB: &str = "streaks";

/// Runs the pass if the tenant's local day changed since the last one (or when `force`).
pub async fn run(tx: &TenantTx, tz: Tz, at: DateTime<Utc>, force: bool) -> DomainResult<u64> {
    let today = at.with_timezone(&tz).date_naive();
    let last = tx
        .select::<job_runs::Entity>()
        .filter(job_runs::Column::Job.eq(JOB))
        .one(tx.conn())
        .await?;
    if !force && last.is_some_and(|l| l.last_local_date >= today) {
        return Ok(0);
    }
    let written = streaks::midnight(tx, today, at).await?;
    tx.insert_many(vec![job_runs::ActiveModel {
        tenant_id: Set(tx.tenant_id()),
        job: Set(JOB.to_owned()),
        last_local_date: Set(today),
        updated_at: Set(at),
    }])
    .on_conflict(
        OnConflict::columns([job_runs::Column::TenantId, job_runs::Column::Job])
            .update_columns([job_runs::Column::LastLocalDate, job_runs::Column::UpdatedAt])
            .to_owned(),
    )
    .exec_without_returning(tx.conn())
    .await?;
    Ok(written)
}
