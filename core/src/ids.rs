//! Identifiers and clocks.

use chrono::{DateTime, SubsecRound, Utc};
use uuid::Uuid;

/// A new UUIDv7: time-ordered, so keyset pagination by id is pagination by creation time.
pub fn new_id() -> Uuid {
    Uuid::now_v7()
}

/// Now, in UTC, at the microsecond precision that Postgres keeps (so a value read back equals the
/// value written, on both backends).
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}
