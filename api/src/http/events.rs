//! `POST /v1/events`: event ingestion for connectors, authenticated by an API key with the
//! `INGEST` scope. Up to 1000 events a batch, one transaction per batch; a bad event is rejected
//! alone with its index and reason, the rest are stored; a body that is not JSON, or too large,
//! stores nothing.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use qunyun_core::auth::api_keys;
use qunyun_core::ids::now;
use qunyun_core::ingest::{self, MAX_BATCH};
use qunyun_core::tenancy;
use qunyun_entity::ApiKeyScope;
use serde_json::Value;

use super::error::ApiError;
use crate::state::AppState;

/// 1000 events of at most 16 KiB of text each, plus their envelopes.
pub const MAX_BODY_BYTES: usize = 24 * 1024 * 1024;

pub async fn ingest(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<ingest::Outcome>, ApiError> {
    let services = &state.services;
    // Who: an API key with INGEST.
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .ok_or_else(|| {
            ApiError::unauthorized(
                "send Authorization: Bearer qy_… (an API key with the INGEST scope)",
            )
        })?;
    let key = api_keys::authenticate(&services.db, presented)
        .await?
        .ok_or_else(|| ApiError::unauthorized("the API key is unknown or revoked"))?;
    if !key.scopes.contains(&ApiKeyScope::Ingest) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
            "this API key lacks the INGEST scope",
        ));
    }
    let tenant = tenancy::access_for_key(&services.db, &key)
        .await?
        .ok_or_else(|| ApiError::unauthorized("the API key's tenant no longer exists"))?
        .tenant;
    tracing::Span::current().record("tenant_id", tracing::field::display(tenant.id));

    // What: a JSON object with at most 1000 events.
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                format!("the body is larger than {MAX_BODY_BYTES} bytes"),
            )
        })?;
    let parsed: Value = serde_json::from_slice(&bytes)
        .map_err(|_| ApiError::bad_request("the body is not valid JSON"))?;
    let Some(Value::Array(values)) = parsed.get("events") else {
        return Err(ApiError::bad_request("the body is {\"events\": [...]}"));
    };
    if values.len() > MAX_BATCH {
        return Err(ApiError::bad_request(format!(
            "a batch holds at most {MAX_BATCH} events"
        )));
    }

    let (events, rejected) = ingest::parse_batch(values, now());
    let (tx, settings, timezone) = ingest::begin(&services.db, &tenant).await?;
    let ctx = ingest::Context {
        matchers: &services.matchers,
        settings: &settings,
        timezone,
    };
    let outcome = ingest::ingest(&ctx, &tx, events, rejected).await;
    let outcome = tx.finish(outcome).await?;
    services.notifier.publish(&outcome.notices(tenant.id)).await;
    Ok(Json(outcome))
}
