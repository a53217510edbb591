//! Who is calling: users with passwords and sessions, and tenant-bound API keys.
//!
//! - [`passwords`]: argon2id hashing off the async threads;
//! - [`tokens`]: HS256 access tokens (JWT) with pinned algorithm and checked claims;
//! - [`sessions`]: sign-up, sign-in, refresh-token rotation with reuse detection, sign-out;
//! - [`api_keys`]: `qy_…` keys, stored hashed, with scopes;
//! - [`ratelimit`]: sign-in attempt limits per e-mail and per client address.

pub mod api_keys;
pub mod passwords;
pub mod ratelimit;
pub mod sessions;
pub mod tokens;

use rand::RngCore;
use sha2::{Digest, Sha256};

/// `n` random bytes from the OS-seeded thread RNG, base64url without padding.
pub(crate) fn random_token(bytes: usize) -> String {
    use base64::Engine;
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// SHA-256 hex of a high-entropy secret (refresh tokens, API keys). A fast hash is right here:
/// the secrets are random, not guessable passwords.
pub(crate) fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}
