//! Sign-in attempt limits, per e-mail address and per client address, in memory (per process;
//! several API processes each keep their own count — see the README).

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::DomainError;
use crate::defaults::platform::{SIGN_IN_PER_CLIENT_PER_MINUTE, SIGN_IN_PER_EMAIL_PER_MINUTE};

/// Keys are forgotten once their bucket is full again; we sweep when the maps grow.
const SWEEP_ABOVE: usize = 10_000;

#[derive(Clone)]
pub struct SignInLimiter {
    by_email: Arc<DefaultKeyedRateLimiter<String>>,
    by_client: Arc<DefaultKeyedRateLimiter<IpAddr>>,
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN))
}

impl Default for SignInLimiter {
    fn default() -> Self {
        Self::new(SIGN_IN_PER_EMAIL_PER_MINUTE, SIGN_IN_PER_CLIENT_PER_MINUTE)
    }
}

impl SignInLimiter {
    pub fn new(per_email_per_minute: u32, per_client_per_minute: u32) -> Self {
        SignInLimiter {
            by_email: Arc::new(RateLimiter::keyed(per_minute(per_email_per_minute))),
            by_client: Arc::new(RateLimiter::keyed(per_minute(per_client_per_minute))),
        }
    }

    /// Counts one attempt; `Err(RateLimited)` when either limit is exhausted.
    pub fn check(&self, email: &str, client: Option<IpAddr>) -> Result<(), DomainError> {
        if self.by_email.len() > SWEEP_ABOVE {
            self.by_email.retain_recent();
        }
        if self.by_client.len() > SWEEP_ABOVE {
            self.by_client.retain_recent();
        }
        let clock = DefaultClock::default();
        let limited = |not_until: governor::NotUntil<_>| DomainError::RateLimited {
            retry_after: not_until
                .wait_time_from(clock.now())
                .max(Duration::from_secs(1)),
        };
        if let Some(ip) = client {
            self.by_client.check_key(&ip).map_err(limited)?;
        }
        self.by_email
            .check_key(&email.to_owned())
            .map_err(limited)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_email_limit() {
        let limiter = SignInLimiter::new(3, 100);
        let ip = Some(IpAddr::from([10, 0, 0, 1]));
        for _ in 0..3 {
            limiter.check("a@example.com", ip).unwrap();
        }
        assert!(matches!(
            limiter.check("a@example.com", ip),
            Err(DomainError::RateLimited { .. })
        ));
        limiter.check("b@example.com", ip).unwrap();
    }

    #[test]
    fn per_client_limit() {
        let limiter = SignInLimiter::new(100, 2);
        let ip = Some(IpAddr::from([10, 0, 0, 2]));
        limiter.check("a@example.com", ip).unwrap();
        limiter.check("b@example.com", ip).unwrap();
        assert!(limiter.check("c@example.com", ip).is_err());
        limiter
            .check("c@example.com", Some(IpAddr::from([10, 0, 0, 3])))
            .unwrap();
    }
}
