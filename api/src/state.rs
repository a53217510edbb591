//! What every request handler shares.

use std::sync::Arc;

use qunyun_core::auth::passwords::Passwords;
use qunyun_core::auth::ratelimit::SignInLimiter;
use qunyun_core::auth::sessions::Auth;
use qunyun_core::auth::tokens::TokenKeys;
use qunyun_core::config::Config;
use qunyun_core::db::Db;
use qunyun_core::notify::Notifier;
use qunyun_core::queue::Queue;
use qunyun_core::risk::MatcherCache;

use crate::graphql::AppSchema;
use crate::http::metrics::Metrics;

/// The services behind the API, also handed to GraphQL resolvers as schema data.
#[derive(Clone)]
pub struct Services {
    pub config: Arc<Config>,
    pub db: Db,
    pub auth: Auth,
    /// Compiled keyword lists per tenant.
    pub matchers: Arc<MatcherCache>,
    /// Subscription notices (across processes on Postgres).
    pub notifier: Notifier,
    /// The job queue (deliveries are queued when a post is scheduled).
    pub queue: Queue,
}

impl Services {
    pub fn new(config: Config, db: Db, queue: Queue) -> Self {
        let auth = Auth {
            db: db.clone(),
            passwords: Passwords::default(),
            tokens: TokenKeys::new(&config.jwt_secret),
            limiter: SignInLimiter::default(),
        };
        Services {
            config: Arc::new(config),
            notifier: Notifier::new(db.clone()),
            db,
            auth,
            matchers: Arc::new(MatcherCache::default()),
            queue,
        }
    }
}

/// Router state.
#[derive(Clone)]
pub struct AppState {
    pub services: Services,
    pub schema: AppSchema,
    pub metrics: Arc<Metrics>,
    /// Cancelled when the server shuts down (ends subscriptions).
    pub shutdown: tokio_util::sync::CancellationToken,
}
