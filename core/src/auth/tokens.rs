//! Access tokens: HS256 JWTs that live 15 minutes. The algorithm is pinned (no `alg: none`, no
//! RS/HS confusion) and `iss`, `aud`, `exp`, `sub` and our `typ` claim are required and checked.

use std::time::Duration;

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::defaults::platform::{ACCESS_TOKEN_TTL, JWT_AUDIENCE, JWT_ISSUER, JWT_LEEWAY_SECS};
use crate::{DomainError, DomainResult};

const ACCESS_TYP: &str = "access";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AccessClaims {
    /// The user id.
    pub sub: String,
    pub iss: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    /// Always `access`.
    pub typ: String,
    /// The session (refresh-token family) this token was issued in.
    pub sid: String,
}

/// A verified access token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifiedAccess {
    pub user_id: Uuid,
    pub session_id: Uuid,
}

#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl: Duration,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("the access token has expired")]
    Expired,
    #[error("the access token is not valid")]
    Invalid,
}

impl TokenKeys {
    pub fn new(secret: &SecretString) -> Self {
        Self::with_ttl(secret, ACCESS_TOKEN_TTL)
    }

    pub fn with_ttl(secret: &SecretString, ttl: Duration) -> Self {
        let bytes = secret.expose_secret().as_bytes();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[JWT_ISSUER]);
        validation.set_audience(&[JWT_AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = JWT_LEEWAY_SECS;
        TokenKeys {
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
            validation,
            ttl,
        }
    }

    /// Issues a token for the user in the given session, valid from `now` for the TTL.
    pub fn issue(
        &self,
        user_id: Uuid,
        session_id: Uuid,
        now: DateTime<Utc>,
    ) -> DomainResult<(String, DateTime<Utc>)> {
        let expires_at =
            now + chrono::Duration::from_std(self.ttl).map_err(DomainError::internal)?;
        let claims = AccessClaims {
            sub: user_id.to_string(),
            iss: JWT_ISSUER.into(),
            aud: JWT_AUDIENCE.into(),
            exp: expires_at.timestamp(),
            iat: now.timestamp(),
            typ: ACCESS_TYP.into(),
            sid: session_id.to_string(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(DomainError::internal)?;
        Ok((token, expires_at))
    }

    pub fn verify(&self, token: &str) -> Result<VerifiedAccess, TokenError> {
        let data = jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &self.validation)
            .map_err(|err| match err.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            })?;
        let claims = data.claims;
        if claims.typ != ACCESS_TYP {
            return Err(TokenError::Invalid);
        }
        let user_id = Uuid::parse_str(&claims.sub).map_err(|_| TokenError::Invalid)?;
        let session_id = Uuid::parse_str(&claims.sid).map_err(|_| TokenError::Invalid)?;
        Ok(VerifiedAccess {
            user_id,
            session_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn keys() -> TokenKeys {
        TokenKeys::new(&SecretString::from("k".repeat(32)))
    }

    #[test]
    fn round_trip() {
        let keys = keys();
        let (user, sid) = (Uuid::now_v7(), Uuid::now_v7());
        let (token, _) = keys.issue(user, sid, Utc::now()).unwrap();
        assert_eq!(
            keys.verify(&token).unwrap(),
            VerifiedAccess {
                user_id: user,
                session_id: sid
            }
        );
    }

    #[test]
    fn expired_is_refused() {
        let keys = keys();
        let (token, _) = keys
            .issue(
                Uuid::now_v7(),
                Uuid::now_v7(),
                Utc::now() - chrono::Duration::hours(1),
            )
            .unwrap();
        assert_eq!(keys.verify(&token).unwrap_err(), TokenError::Expired);
    }

    #[test]
    fn another_key_is_refused() {
        let (token, _) = keys()
            .issue(Uuid::now_v7(), Uuid::now_v7(), Utc::now())
            .unwrap();
        let other = TokenKeys::new(&SecretString::from("o".repeat(32)));
        assert_eq!(other.verify(&token).unwrap_err(), TokenError::Invalid);
    }

    #[test]
    fn alg_none_and_tampering_are_refused() {
        let keys = keys();
        let (token, _) = keys
            .issue(Uuid::now_v7(), Uuid::now_v7(), Utc::now())
            .unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        assert_eq!(
            keys.verify(&format!("{none_header}.{}.", parts[1]))
                .unwrap_err(),
            TokenError::Invalid
        );
        // Change the subject but keep the signature.
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        let mut claims = claims;
        claims["sub"] = serde_json::json!(Uuid::now_v7().to_string());
        let forged = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
        assert_eq!(
            keys.verify(&format!("{}.{forged}.{}", parts[0], parts[2]))
                .unwrap_err(),
            TokenError::Invalid
        );
    }

    #[test]
    fn wrong_typ_is_refused() {
        let keys = keys();
        let now = Utc::now();
        let claims = AccessClaims {
            sub: Uuid::now_v7().to_string(),
            iss: JWT_ISSUER.into(),
            aud: JWT_AUDIENCE.into(),
            exp: now.timestamp() + 600,
            iat: now.timestamp(),
            typ: "refresh".into(),
            sid: Uuid::now_v7().to_string(),
        };
        let token =
            jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &keys.encoding).unwrap();
        assert_eq!(keys.verify(&token).unwrap_err(), TokenError::Invalid);
    }
}
