//! Notices for GraphQL subscriptions (a moderation case opened, an alert raised), delivered
//! across processes: on Postgres through `pg_notify` / `LISTEN`, so a notice published by a
//! standalone worker or another API replica reaches the subscribers of every API process; on
//! SQLite (one process) through an in-process channel.

use serde::{Deserialize, Serialize};
use sqlx::postgres::PgListener;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::db::Db;

pub const CHANNEL: &str = "qunyun_notices";
const BUFFER: usize = 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NoticeKind {
    ModerationCaseOpened,
    AlertRaised,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub tenant_id: Uuid,
    pub kind: NoticeKind,
    pub id: Uuid,
}

#[derive(Clone)]
pub struct Notifier {
    db: Db,
    sender: broadcast::Sender<Notice>,
}

impl Notifier {
    pub fn new(db: Db) -> Self {
        let (sender, _) = broadcast::channel(BUFFER);
        Notifier { db, sender }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Notice> {
        self.sender.subscribe()
    }

    /// Publishes after the change is committed. A failure to notify is logged, never fatal: the
    /// change itself is stored.
    pub async fn publish(&self, notices: &[Notice]) {
        if notices.is_empty() {
            return;
        }
        if !self.db.is_postgres() {
            for notice in notices {
                let _ = self.sender.send(notice.clone());
            }
            return;
        }
        let pool = self.db.global().get_postgres_connection_pool();
        for notice in notices {
            let Ok(payload) = serde_json::to_string(notice) else {
                continue;
            };
            if let Err(err) = sqlx::query("SELECT pg_notify($1, $2)")
                .bind(CHANNEL)
                .bind(payload)
                .execute(pool)
                .await
            {
                tracing::warn!(error = %err, "could not publish a notice");
            }
        }
    }

    /// On Postgres, forwards notices from `LISTEN` to this process' subscribers until
    /// `shutdown`; reconnects when the connection drops. Returns at once on SQLite.
    pub async fn listen(self, shutdown: CancellationToken) {
        if !self.db.is_postgres() {
            return;
        }
        let pool = self.db.global().get_postgres_connection_pool().clone();
        while !shutdown.is_cancelled() {
            let mut listener = match PgListener::connect_with(&pool).await {
                Ok(listener) => listener,
                Err(err) => {
                    tracing::warn!(error = %err, "notice listener cannot connect; retrying");
                    tokio::select! {
                        () = shutdown.cancelled() => return,
                        () = tokio::time::sleep(std::time::Duration::from_secs(2)) => continue,
                    }
                }
            };
            if let Err(err) = listener.listen(CHANNEL).await {
                tracing::warn!(error = %err, "notice listener cannot LISTEN; retrying");
                continue;
            }
            loop {
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    received = listener.recv() => match received {
                        Ok(notification) => {
                            if let Ok(notice) = serde_json::from_str::<Notice>(notification.payload()) {
                                let _ = self.sender.send(notice);
                            }
                        }
                        Err(err) => {
                            tracing::warn!(error = %err, "notice listener lost its connection; reconnecting");
                            break;
                        }
                    },
                }
            }
        }
    }
}
