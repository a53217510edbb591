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

/// Opaque global ids of the API (`base64url("Type:uuid")`), also accepted by the event format
/// wherever a `Group.id` may stand.
pub mod global {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use uuid::Uuid;

    pub fn encode(kind: &str, id: Uuid) -> String {
        URL_SAFE_NO_PAD.encode(format!("{kind}:{id}"))
    }

    /// The type name and uuid inside a global id; `None` when it is not one of ours.
    pub fn decode(id: &str) -> Option<(String, Uuid)> {
        let bytes = URL_SAFE_NO_PAD.decode(id.trim()).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let (kind, uuid) = text.split_once(':')?;
        Some((kind.to_owned(), Uuid::parse_str(uuid).ok()?))
    }

    /// The uuid of a global id of the given type.
    pub fn of_kind(id: &str, kind: &str) -> Option<Uuid> {
        decode(id).filter(|(k, _)| k == kind).map(|(_, uuid)| uuid)
    }
}
