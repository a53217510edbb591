//! Opaque global ids (`base64url("Type:uuid")`) for the Relay `Node` interface, and cursors.

use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

use qunyun_core::{DomainError, UserErrorCode};

use super::error::{Code, error};

pub fn to_global(kind: &str, id: Uuid) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{kind}:{id}")))
}

/// The type name and uuid inside a global id; `None` when it is not one of ours.
pub fn from_global(id: &str) -> Option<(String, Uuid)> {
    let bytes = URL_SAFE_NO_PAD.decode(id.trim()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (kind, uuid) = text.split_once(':')?;
    Some((kind.to_owned(), Uuid::parse_str(uuid).ok()?))
}

/// The uuid of a global id of the given type.
pub fn of_kind(id: &str, kind: &str) -> Option<Uuid> {
    from_global(id)
        .filter(|(k, _)| k == kind)
        .map(|(_, uuid)| uuid)
}

/// For an argument of a query: a malformed id or one of another type is "not found".
pub fn arg(id: &ID, kind: &'static str) -> async_graphql::Result<Uuid> {
    of_kind(id, kind).ok_or_else(|| error(Code::NotFound, format!("{kind} not found")))
}

/// For a field of a mutation's input: a malformed id is a `userErrors` entry.
pub fn input(id: &ID, kind: &'static str, field: &str) -> Result<Uuid, DomainError> {
    of_kind(id, kind).ok_or_else(|| {
        DomainError::invalid(
            field,
            UserErrorCode::NotFound,
            format!("no {kind} with this id"),
        )
    })
}

pub fn encode_cursor(id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(id.as_bytes())
}

pub fn decode_cursor(cursor: &str) -> Option<Uuid> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor.trim()).ok()?;
    Uuid::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let id = Uuid::now_v7();
        let global = to_global("Tenant", id);
        assert_eq!(from_global(&global), Some(("Tenant".into(), id)));
        assert_eq!(of_kind(&global, "Tenant"), Some(id));
        assert_eq!(of_kind(&global, "Group"), None);
        assert_eq!(from_global("not base64!"), None);
        assert_eq!(decode_cursor(&encode_cursor(id)), Some(id));
        assert_eq!(decode_cursor("AAAA"), None);
    }
}
