//! The churn job: per-membership churn risk ("leaves this group within 14 days"), trained per
//! tenant on its own history, and the retention outcome of the playbooks.
//!
//! Examples are membership snapshots: at each of `churnSnapshots` weekly instants, the last
//! one 14 days (the horizon) before now, every current membership gives its features at that
//! instant ([`crate::churn_model::Features`], from the events and check-ins before it) and a
//! label: the member left within the horizon (removals by an admin are not churn and are left
//! out). With enough examples of both classes the logistic regression of
//! [`crate::churn_model::Model::train`] is fitted and stored with its held-out AUC; before that,
//! [`crate::churn_model::heuristic`] scores. Every current membership is then scored at `now`.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, QueryFilter, QueryOrder, Value};
use serde_json::json;
use uuid::Uuid;

use qunyun_entity::{checkins, churn_models, churn_scores, group_members, retention_targets};

use crate::DomainResult;
use crate::churn_model::{Features, Model, Score, heuristic};
use crate::defaults::TenantDefaults;
use crate::ids::new_id;
use crate::scope::TenantTx;
use crate::sql::stmt;

/// Activity is looked at this far back from a snapshot (recency is capped at 60 days).
const LOOKBACK_DAYS: i64 = 60;

/// One membership at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Membership {
    pub group_id: Uuid,
    pub member_id: Uuid,
}

struct Joined {
    joined_at: DateTime<Utc>,
    left_at: Option<DateTime<Utc>>,
    removed: bool,
}

/// What a pass did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChurnPass {
    /// The model trained in this pass (None: too little labelled history, heuristic used).
    pub model: Option<churn_models::Model>,
    pub examples: usize,
    pub scored: usize,
}

/// Trains (when there is enough history) and scores every current membership.
pub async fn run(
    tx: &TenantTx,
    settings: &TenantDefaults,
    tz: Tz,
    now: DateTime<Utc>,
) -> DomainResult<ChurnPass> {
    let horizon = Duration::days(settings.monitoring.churn_horizon_days.max(1));
    let memberships = memberships(tx).await?;
    let checkin_days = checkin_days(tx).await?;
    let mut examples = Vec::new();
    for k in 0..settings.monitoring.churn_snapshots.max(0) {
        let at = now - horizon - Duration::days(7 * k);
        let present: Vec<Membership> = memberships
            .iter()
            .filter(|(_, j)| j.joined_at <= at && j.left_at.is_none_or(|l| l > at))
            .filter(|(_, j)| !(j.removed && j.left_at.is_some_and(|l| l <= at + horizon)))
            .map(|(m, _)| *m)
            .collect();
        if present.is_empty() {
            continue;
        }
        let features =
            features_at(tx, settings, tz, at, &present, &memberships, &checkin_days).await?;
        for m in present {
            let left = memberships[&m].left_at.is_some_and(|l| l <= at + horizon);
            if let Some(f) = features.get(&m) {
                examples.push((*f, left));
            }
        }
    }
    let trained = Model::train(&examples);
    let stored = match &trained {
        Some(model) => Some(
            tx.insert(churn_models::ActiveModel {
                tenant_id: Set(tx.tenant_id()),
                id: Set(new_id()),
                trained_at: Set(now),
                examples: Set(examples.len() as i32),
                auc: Set(model.auc),
                model: Set(serde_json::to_value(model).map_err(crate::DomainError::internal)?),
            })
            .await?,
        ),
        None => None,
    };
    // Score with this pass's model, else the latest stored one, else the heuristic.
    let (model, model_id) = match (&trained, &stored) {
        (Some(m), Some(row)) => (Some(m.clone()), Some(row.id)),
        _ => match latest_model(tx).await? {
            Some(row) => (
                serde_json::from_value::<Model>(row.model.clone()).ok(),
                Some(row.id),
            ),
            None => (None, None),
        },
    };
    let current: Vec<Membership> = memberships
        .iter()
        .filter(|(_, j)| j.left_at.is_none())
        .map(|(m, _)| *m)
        .collect();
    let features =
        features_at(tx, settings, tz, now, &current, &memberships, &checkin_days).await?;
    let mut rows = Vec::with_capacity(current.len());
    for m in &current {
        let Some(f) = features.get(m) else { continue };
        let score = match &model {
            Some(model) => model.score(f),
            None => heuristic(f),
        };
        rows.push(score_row(tx, *m, &score, model.as_ref().and(model_id), now));
    }
    tx.delete_many::<churn_scores::Entity>()
        .exec(tx.conn())
        .await?;
    let scored = rows.len();
    for part in rows.chunks(500) {
        tx.insert_many(part.to_vec())
            .on_conflict(
                OnConflict::columns([
                    churn_scores::Column::TenantId,
                    churn_scores::Column::GroupId,
                    churn_scores::Column::MemberId,
                ])
                .update_columns([
                    churn_scores::Column::Risk,
                    churn_scores::Column::TopFeatures,
                    churn_scores::Column::ModelId,
                    churn_scores::Column::ScoredAt,
                ])
                .to_owned(),
            )
            .exec_without_returning(tx.conn())
            .await?;
    }
    Ok(ChurnPass {
        model: stored,
        examples: examples.len(),
        scored,
    })
}

fn score_row(
    tx: &TenantTx,
    m: Membership,
    score: &Score,
    model_id: Option<Uuid>,
    at: DateTime<Utc>,
) -> churn_scores::ActiveModel {
    let top: Vec<serde_json::Value> = score
        .top
        .iter()
        .map(|c| json!({"feature": c.feature, "contribution": c.value}))
        .collect();
    churn_scores::ActiveModel {
        tenant_id: Set(tx.tenant_id()),
        group_id: Set(m.group_id),
        member_id: Set(m.member_id),
        risk: Set(score.risk.clamp(0.0, 1.0)),
        top_features: Set(json!(top)),
        model_id: Set(model_id),
        scored_at: Set(at),
    }
}

/// The tenant's latest trained model.
pub async fn latest_model(tx: &TenantTx) -> DomainResult<Option<churn_models::Model>> {
    Ok(tx
        .select::<churn_models::Entity>()
        .order_by_desc(churn_models::Column::TrainedAt)
        .order_by_desc(churn_models::Column::Id)
        .one(tx.conn())
        .await?)
}

async fn memberships(tx: &TenantTx) -> DomainResult<BTreeMap<Membership, Joined>> {
    let rows = tx.select::<group_members::Entity>().all(tx.conn()).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                Membership {
                    group_id: r.group_id,
                    member_id: r.member_id,
                },
                Joined {
                    joined_at: r.joined_at,
                    left_at: r.left_at,
                    removed: r.removed,
                },
            )
        })
        .collect())
}

/// Each member's check-in days, sorted.
async fn checkin_days(tx: &TenantTx) -> DomainResult<HashMap<Uuid, Vec<NaiveDate>>> {
    let rows: Vec<(Uuid, NaiveDate)> = tx
        .select::<checkins::Entity>()
        .select_only()
        .column(checkins::Column::MemberId)
        .column(checkins::Column::LocalDate)
        .distinct()
        .order_by_asc(checkins::Column::MemberId)
        .order_by_asc(checkins::Column::LocalDate)
        .into_tuple()
        .all(tx.conn())
        .await?;
    let mut out: HashMap<Uuid, Vec<NaiveDate>> = HashMap::new();
    for (member, day) in rows {
        out.entry(member).or_default().push(day);
    }
    Ok(out)
}

use sea_orm::QuerySelect;

/// The features of `present` memberships at instant `at`, from what happened before it.
async fn features_at(
    tx: &TenantTx,
    settings: &TenantDefaults,
    tz: Tz,
    at: DateTime<Utc>,
    present: &[Membership],
    memberships: &BTreeMap<Membership, Joined>,
    checkin_days: &HashMap<Uuid, Vec<NaiveDate>>,
) -> DomainResult<HashMap<Membership, Features>> {
    #[derive(Default)]
    struct Activity {
        m7: i64,
        m30: i64,
        reads: i64,
        last: Option<DateTime<Utc>>,
    }
    let rows = tx
        .conn()
        .query_all_raw(stmt(
            tx.backend(),
            "SELECT group_id, member_id, \
             SUM(CASE WHEN kind = 'message' AND occurred_at > ? THEN 1 ELSE 0 END) AS m7, \
             SUM(CASE WHEN kind = 'message' AND occurred_at > ? THEN 1 ELSE 0 END) AS m30, \
             SUM(CASE WHEN kind = 'message_read' AND occurred_at > ? THEN 1 ELSE 0 END) AS reads, \
             MAX(CASE WHEN kind = 'message' THEN occurred_at END) AS last_message \
             FROM events WHERE tenant_id = ? AND occurred_at > ? AND occurred_at <= ? \
             AND member_id IS NOT NULL AND kind IN ('message', 'message_read') \
             GROUP BY group_id, member_id",
            vec![
                Value::from(at - Duration::days(7)),
                Value::from(at - Duration::days(30)),
                Value::from(at - Duration::days(30)),
                tx.tenant_id().into(),
                Value::from(at - Duration::days(LOOKBACK_DAYS)),
                Value::from(at),
            ],
        ))
        .await?;
    let mut activity: HashMap<Membership, Activity> = HashMap::new();
    for row in rows {
        let m = Membership {
            group_id: row.try_get("", "group_id")?,
            member_id: row.try_get("", "member_id")?,
        };
        activity.insert(
            m,
            Activity {
                m7: row.try_get::<Option<i64>>("", "m7")?.unwrap_or(0),
                m30: row.try_get::<Option<i64>>("", "m30")?.unwrap_or(0),
                reads: row.try_get::<Option<i64>>("", "reads")?.unwrap_or(0),
                last: row.try_get("", "last_message")?,
            },
        );
    }
    let today = at.with_timezone(&tz).date_naive();
    let members = &settings.members;
    let days = |d: Duration| d.num_seconds().max(0) as f64 / 86_400.0;
    let mut out = HashMap::with_capacity(present.len());
    for m in present {
        let Some(joined) = memberships.get(m) else {
            continue;
        };
        let a = activity.remove(m).unwrap_or_default();
        let tenure = days(at - joined.joined_at);
        let recency = match a.last {
            Some(last) => days(at - last),
            None => tenure.min(LOOKBACK_DAYS as f64),
        };
        let streak = checkin_days
            .get(&m.member_id)
            .map(|d| {
                // Days before `at`'s local day only: a snapshot must not see check-ins made
                // later on its own day, and live scoring uses the same definition.
                let upto: Vec<NaiveDate> = d.iter().copied().filter(|d| *d < today).collect();
                crate::campaigns::streaks::from_days(&upto, today).current
            })
            .unwrap_or(0);
        let layer = if a.m30 >= members.core_min_messages {
            2.0
        } else if a.m30 >= members.active_min_messages {
            1.0
        } else {
            0.0
        };
        out.insert(
            *m,
            Features {
                days_since_last_message: recency,
                messages_7d: a.m7 as f64,
                messages_30d: a.m30 as f64,
                reads_30d: a.reads as f64,
                checkin_streak: f64::from(streak),
                tenure_days: tenure,
                layer,
            },
        );
    }
    Ok(out)
}

/// A group's current members, most at risk first.
pub async fn most_at_risk(
    tx: &TenantTx,
    group_id: Uuid,
    min_risk: f64,
    limit: usize,
) -> DomainResult<Vec<churn_scores::Model>> {
    Ok(tx
        .select::<churn_scores::Entity>()
        .filter(churn_scores::Column::GroupId.eq(group_id))
        .filter(churn_scores::Column::Risk.gte(min_risk))
        .order_by_desc(churn_scores::Column::Risk)
        .order_by_asc(churn_scores::Column::MemberId)
        .limit(limit as u64)
        .all(tx.conn())
        .await?)
}

/// Whether playbooks keep members: targeted members against the held-out similar members.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RetentionOutcome {
    pub treated: i64,
    pub treated_retained: i64,
    pub control: i64,
    pub control_retained: i64,
    /// Targeted less than the horizon ago: not counted yet.
    pub pending: i64,
}

impl RetentionOutcome {
    pub fn treated_share(&self) -> Option<f64> {
        (self.treated > 0).then(|| self.treated_retained as f64 / self.treated as f64)
    }

    pub fn control_share(&self) -> Option<f64> {
        (self.control > 0).then(|| self.control_retained as f64 / self.control as f64)
    }
}

/// The retention outcome of every playbook (of one group, or all), `horizon_days` after
/// targeting.
pub async fn retention_outcome(
    tx: &TenantTx,
    group_id: Option<Uuid>,
    horizon_days: i64,
    now: DateTime<Utc>,
) -> DomainResult<RetentionOutcome> {
    let mut select = tx.select::<retention_targets::Entity>();
    if let Some(group) = group_id {
        select = select.filter(retention_targets::Column::GroupId.eq(group));
    }
    let targets = select.all(tx.conn()).await?;
    let memberships = memberships(tx).await?;
    let horizon = Duration::days(horizon_days);
    let mut out = RetentionOutcome::default();
    for t in targets {
        if t.targeted_at + horizon > now {
            out.pending += 1;
            continue;
        }
        let key = Membership {
            group_id: t.group_id,
            member_id: t.member_id,
        };
        let retained = memberships
            .get(&key)
            .is_some_and(|j| j.left_at.is_none_or(|l| l > t.targeted_at + horizon));
        if t.treated {
            out.treated += 1;
            out.treated_retained += i64::from(retained);
        } else {
            out.control += 1;
            out.control_retained += i64::from(retained);
        }
    }
    Ok(out)
}
