//! Delivering scheduled posts: SCHEDULED → SENDING → SENT or FAILED, exactly once in effect.
//!
//! The post row is the truth; queue jobs only say "look at post X now". A delivery:
//! 1. **claims** the post in one transaction — it must be SCHEDULED and due (or SENDING with an
//!    expired lease, i.e. its worker died) — after checking the channel's rate limit (a limited
//!    post is pushed back, not failed). The channel row is locked meanwhile, so two workers
//!    cannot both take the last slot. Claiming counts an attempt and records it.
//! 2. **sends** every part not yet sent, with the post's `delivery_id` as `Idempotency-Key` —
//!    written when the post was scheduled, the same on every retry — so a crash between sending
//!    and recording makes the retry a duplicate the receiver drops, never a second delivery.
//!    Multi-part posts record each part as it goes.
//! 3. **records** the result: SENT (and its follow-up task, and a series' next occurrence); or,
//!    for 429 / 5xx / network errors, SCHEDULED again after an exponential backoff with jitter
//!    (or the `Retry-After` given), up to the attempt limit; or FAILED at once for other 4xx.
//!
//! A sweep (`reconcile`) re-queues posts whose job was lost: due SCHEDULED posts and SENDING
//! posts whose lease expired.

pub mod send;

use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rand::Rng;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, QueryFilter};
use uuid::Uuid;

use qunyun_entity::{
    AttemptOutcome, PostStatus, channels, contents, delivery_attempts, groups, scheduled_posts,
};

use crate::channels::rate_limit;
use crate::db::Db;
use crate::defaults::TenantDefaults;
use crate::ids::{new_id, now};
use crate::queue::{DeliverPost, Queue};
use crate::scope::TenantTx;
use crate::sql::stmt;
use crate::{DomainResult, posts, tenancy};
use send::{Outgoing, Sent};

/// How deliveries retry.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// The first retry waits up to this (halved at least by jitter); then it doubles.
    pub base: Duration,
    pub cap: Duration,
    pub max_attempts: i32,
    /// How long a claimed post belongs to its worker.
    pub lease: Duration,
    /// Timeout of one HTTP request.
    pub request_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            base: Duration::from_secs(20),
            cap: Duration::from_secs(15 * 60),
            max_attempts: 6,
            lease: Duration::from_secs(60),
            request_timeout: Duration::from_secs(15),
        }
    }
}

impl RetryPolicy {
    pub fn from_config(config: &crate::config::Config) -> Self {
        RetryPolicy {
            base: config.delivery_retry_base,
            lease: config.delivery_lease,
            ..Default::default()
        }
    }

    /// The wait after the `attempt`-th failure: `base · 2^(attempt-1)`, capped, times a jitter
    /// factor in [0.5, 1].
    pub fn backoff(&self, attempt: i32) -> Duration {
        let exp = self
            .base
            .saturating_mul(1u32 << (attempt.clamp(1, 16) - 1) as u32)
            .min(self.cap);
        let factor = rand::rng().random_range(0.5..=1.0);
        exp.mul_f64(factor)
    }
}

/// What a delivery job did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The post is gone, done, or cancelled; nothing to do.
    Nothing,
    /// Another worker holds it, or it is not due yet (a later job exists).
    NotNow,
    /// The channel's rate limit holds it until then.
    Held(DateTime<Utc>),
    Sent,
    Retrying(DateTime<Utc>),
    Failed,
}

#[derive(Clone)]
pub struct Deliverer {
    pub db: Db,
    pub queue: Queue,
    pub http: reqwest::Client,
    pub retry: RetryPolicy,
}

struct Claimed {
    post: scheduled_posts::Model,
    group: groups::Model,
    content: contents::Model,
    channel: channels::Model,
    attempt_id: Uuid,
    timezone: Tz,
    settings: TenantDefaults,
}

fn to_chrono(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

impl Deliverer {
    pub fn new(db: Db, queue: Queue, retry: RetryPolicy) -> Self {
        let http = reqwest::Client::builder()
            .timeout(retry.request_timeout)
            .user_agent(concat!("qunyun/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        Deliverer {
            db,
            queue,
            http,
            retry,
        }
    }

    pub async fn deliver(&self, job: &DeliverPost) -> DomainResult<Outcome> {
        let Some(tenant) = tenancy::find_tenant(&self.db, job.tenant_id).await? else {
            return Ok(Outcome::Nothing);
        };
        let timezone = tenancy::timezone_of(&tenant);
        let claimed = match self.claim(job, timezone).await? {
            Ok(claimed) => claimed,
            Err(outcome) => {
                if let Outcome::Held(until) = outcome {
                    self.queue.deliver_at(job, until).await?;
                }
                return Ok(outcome);
            }
        };
        let parts = send::parts(claimed.channel.kind, &claimed.content);
        let out = Outgoing {
            post: &claimed.post,
            group: &claimed.group,
            content: &claimed.content,
            channel: &claimed.channel,
        };
        let mut result = Sent::Delivered { status: 200 };
        let mut sent = claimed.post.parts_sent.max(0) as usize;
        while sent < parts.len() {
            result = send::send(&self.http, &out, &parts[sent]).await;
            if !matches!(result, Sent::Delivered { .. }) {
                break;
            }
            sent += 1;
            if sent < parts.len() {
                self.record_part(&claimed, sent).await?;
            }
        }
        let outcome = self.record(&claimed, &result, sent).await?;
        if let Outcome::Retrying(at) = outcome {
            self.queue.deliver_at(job, at).await?;
        }
        Ok(outcome)
    }

    /// Step 1: the rate limit, then the claim, in one transaction.
    async fn claim(
        &self,
        job: &DeliverPost,
        timezone: Tz,
    ) -> DomainResult<Result<Claimed, Outcome>> {
        let tx = self.db.tenant_write(job.tenant_id).await?;
        let at = now();
        let Some(post) = tx.get::<scheduled_posts::Entity>(job.post_id).await? else {
            return Ok(Err(Outcome::Nothing));
        };
        let due = match post.status {
            PostStatus::Scheduled => post.next_attempt_at <= at,
            PostStatus::Sending => post.locked_until.is_none_or(|l| l < at),
            _ => return Ok(Err(Outcome::Nothing)),
        };
        if !due {
            return Ok(Err(Outcome::NotNow));
        }
        let Some(channel) = tx.get::<channels::Entity>(post.channel_id).await? else {
            return Ok(Err(Outcome::Nothing));
        };
        let (Some(group), Some(content)) = (
            tx.get::<groups::Entity>(post.group_id).await?,
            tx.get::<contents::Entity>(post.content_id).await?,
        ) else {
            return Ok(Err(Outcome::Nothing));
        };
        let parts = send::parts(channel.kind, &content)
            .len()
            .saturating_sub(post.parts_sent.max(0) as usize) as i64;
        if let Some((limit, window)) = rate_limit(channel.kind) {
            lock_channel(&tx, channel.id).await?;
            let recent = tx
                .select::<delivery_attempts::Entity>()
                .filter(delivery_attempts::Column::ChannelId.eq(channel.id))
                .filter(delivery_attempts::Column::StartedAt.gt(at - window))
                .all(tx.conn())
                .await?;
            let used: i64 = recent.iter().map(|a| i64::from(a.parts)).sum();
            if used + parts > limit && used > 0 {
                // Free again when the oldest send in the window leaves it.
                let oldest = recent.iter().map(|a| a.started_at).min().unwrap_or(at);
                let until = (oldest + window).max(at + chrono::Duration::milliseconds(100));
                tx.update_many::<scheduled_posts::Entity>()
                    .col_expr(scheduled_posts::Column::NextAttemptAt, Expr::value(until))
                    .filter(scheduled_posts::Column::Id.eq(post.id))
                    .filter(scheduled_posts::Column::Status.eq(PostStatus::Scheduled))
                    .exec(tx.conn())
                    .await?;
                tx.commit().await?;
                return Ok(Err(Outcome::Held(until)));
            }
        }
        let lease = at + to_chrono(self.retry.lease);
        let claimed = tx
            .update_many::<scheduled_posts::Entity>()
            .col_expr(
                scheduled_posts::Column::Status,
                Expr::value(PostStatus::Sending),
            )
            .col_expr(
                scheduled_posts::Column::Attempts,
                sea_orm::sea_query::ExprTrait::add(Expr::col(scheduled_posts::Column::Attempts), 1),
            )
            .col_expr(scheduled_posts::Column::LockedUntil, Expr::value(lease))
            .col_expr(scheduled_posts::Column::UpdatedAt, Expr::value(at))
            .filter(scheduled_posts::Column::Id.eq(post.id))
            .filter(scheduled_posts::Column::Status.eq(post.status))
            .filter(scheduled_posts::Column::Attempts.eq(post.attempts))
            .exec(tx.conn())
            .await?;
        if claimed.rows_affected != 1 {
            return Ok(Err(Outcome::NotNow));
        }
        let attempt_id = new_id();
        tx.insert(delivery_attempts::ActiveModel {
            tenant_id: Set(tx.tenant_id()),
            id: Set(attempt_id),
            post_id: Set(post.id),
            channel_id: Set(channel.id),
            attempt: Set(post.attempts + 1),
            parts: Set(parts.max(1) as i32),
            outcome: Set(AttemptOutcome::Started),
            status_code: Set(None),
            error: Set(None),
            started_at: Set(at),
            finished_at: Set(None),
        })
        .await?;
        let settings = crate::defaults::for_tenant(&tx).await?;
        let post = tx.fetch::<scheduled_posts::Entity>(post.id, "post").await?;
        tx.commit().await?;
        Ok(Ok(Claimed {
            post,
            group,
            content,
            channel,
            attempt_id,
            timezone,
            settings,
        }))
    }

    async fn record_part(&self, claimed: &Claimed, sent: usize) -> DomainResult<()> {
        let tx = self.db.tenant_write(claimed.post.tenant_id).await?;
        tx.update_many::<scheduled_posts::Entity>()
            .col_expr(scheduled_posts::Column::PartsSent, Expr::value(sent as i32))
            .filter(scheduled_posts::Column::Id.eq(claimed.post.id))
            .exec(tx.conn())
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Step 3.
    async fn record(
        &self,
        claimed: &Claimed,
        result: &Sent,
        sent_parts: usize,
    ) -> DomainResult<Outcome> {
        let tx = self.db.tenant_write(claimed.post.tenant_id).await?;
        let at = now();
        let post = &claimed.post;
        let attempts = post.attempts;
        let (status, outcome, attempt_outcome, code, error, next) = match result {
            Sent::Delivered { status } => (
                PostStatus::Sent,
                Outcome::Sent,
                AttemptOutcome::Sent,
                Some(*status),
                None,
                post.next_attempt_at,
            ),
            Sent::Retry {
                status,
                error,
                after,
            } if attempts < self.retry.max_attempts => {
                let wait = after
                    .map(|a| a.max(Duration::from_millis(100)))
                    .unwrap_or_else(|| self.retry.backoff(attempts));
                let next = at + to_chrono(wait);
                (
                    PostStatus::Scheduled,
                    Outcome::Retrying(next),
                    AttemptOutcome::Retry,
                    *status,
                    Some(error.clone()),
                    next,
                )
            }
            Sent::Retry { status, error, .. } => (
                PostStatus::Failed,
                Outcome::Failed,
                AttemptOutcome::Failed,
                *status,
                Some(format!("{error} (gave up after {attempts} attempts)")),
                post.next_attempt_at,
            ),
            Sent::Failed { status, error } => (
                PostStatus::Failed,
                Outcome::Failed,
                AttemptOutcome::Failed,
                *status,
                Some(error.clone()),
                post.next_attempt_at,
            ),
        };
        tx.update_many::<scheduled_posts::Entity>()
            .col_expr(scheduled_posts::Column::Status, Expr::value(status))
            .col_expr(
                scheduled_posts::Column::LastError,
                Expr::value(error.clone()),
            )
            .col_expr(scheduled_posts::Column::NextAttemptAt, Expr::value(next))
            .col_expr(
                scheduled_posts::Column::LockedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(
                scheduled_posts::Column::PartsSent,
                Expr::value(sent_parts as i32),
            )
            .col_expr(
                scheduled_posts::Column::SentAt,
                Expr::value((status == PostStatus::Sent).then_some(at)),
            )
            .col_expr(scheduled_posts::Column::UpdatedAt, Expr::value(at))
            .filter(scheduled_posts::Column::Id.eq(post.id))
            .exec(tx.conn())
            .await?;
        tx.update_many::<delivery_attempts::Entity>()
            .col_expr(
                delivery_attempts::Column::Outcome,
                Expr::value(attempt_outcome),
            )
            .col_expr(
                delivery_attempts::Column::StatusCode,
                Expr::value(code.map(i32::from)),
            )
            .col_expr(delivery_attempts::Column::Error, Expr::value(error))
            .col_expr(delivery_attempts::Column::FinishedAt, Expr::value(at))
            .filter(delivery_attempts::Column::Id.eq(claimed.attempt_id))
            .exec(tx.conn())
            .await?;
        let mut next_post = None;
        if status == PostStatus::Sent
            && let Some((hours, title)) =
                posts::follow_up_of(&claimed.settings, claimed.content.kind)
        {
            posts::create_follow_up(
                &tx,
                post.group_id,
                Some(post.id),
                None,
                title.to_owned(),
                at + chrono::Duration::hours(hours),
            )
            .await?;
        }
        if matches!(status, PostStatus::Sent | PostStatus::Failed) {
            next_post = posts::continue_series(&tx, claimed.timezone, post, at).await?;
        }
        tx.commit().await?;
        if let Some(next) = next_post {
            self.queue
                .deliver_at(
                    &DeliverPost {
                        tenant_id: next.tenant_id,
                        post_id: next.id,
                    },
                    next.scheduled_at,
                )
                .await?;
        }
        Ok(outcome)
    }

    /// The `reconcile` sweep for one tenant: queue due posts whose job was lost.
    pub async fn reconcile(&self, tx: &TenantTx, at: DateTime<Utc>) -> DomainResult<u64> {
        let stale = at - chrono::Duration::seconds(5);
        let due = tx
            .select::<scheduled_posts::Entity>()
            .filter(
                sea_orm::Condition::any()
                    .add(
                        sea_orm::Condition::all()
                            .add(scheduled_posts::Column::Status.eq(PostStatus::Scheduled))
                            .add(scheduled_posts::Column::NextAttemptAt.lt(stale)),
                    )
                    .add(
                        sea_orm::Condition::all()
                            .add(scheduled_posts::Column::Status.eq(PostStatus::Sending))
                            .add(scheduled_posts::Column::LockedUntil.lt(at)),
                    ),
            )
            .all(tx.conn())
            .await?;
        let mut queued = 0;
        for post in due {
            let key = format!(
                "reconcile:{}:{}:{}",
                post.id,
                post.attempts,
                post.next_attempt_at.timestamp()
            );
            let job = DeliverPost {
                tenant_id: post.tenant_id,
                post_id: post.id,
            };
            if self
                .queue
                .push(crate::queue::DELIVER, &job, at, Some(&key))
                .await?
            {
                queued += 1;
            }
        }
        Ok(queued)
    }
}

/// Serialises claims on one channel (Postgres row lock; SQLite write transactions are
/// serialised already).
async fn lock_channel(tx: &TenantTx, channel_id: Uuid) -> DomainResult<()> {
    if tx.backend() == DbBackend::Postgres {
        tx.conn()
            .query_one_raw(stmt(
                DbBackend::Postgres,
                "SELECT id FROM channels WHERE tenant_id = ? AND id = ? FOR UPDATE",
                vec![tx.tenant_id().into(), channel_id.into()],
            ))
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_caps() {
        let policy = RetryPolicy {
            base: Duration::from_secs(20),
            cap: Duration::from_secs(100),
            ..Default::default()
        };
        for _ in 0..50 {
            let first = policy.backoff(1);
            assert!(
                first >= Duration::from_secs(10) && first <= Duration::from_secs(20),
                "{first:?}"
            );
            let third = policy.backoff(3);
            assert!(
                third >= Duration::from_secs(40) && third <= Duration::from_secs(80),
                "{third:?}"
            );
            assert!(policy.backoff(10) <= Duration::from_secs(100));
        }
    }
}
