//! `GET/POST /connectors/wecom/{connectorId}/callback`: WeCom's URL verification (answer the
//! decrypted `echostr`) and encrypted event delivery (answer `success`). A bad signature answers
//! 401 and stores nothing; an unknown connector 404.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use qunyun_core::ingest;
use qunyun_core::tenancy;
use qunyun_core::wecom::{self, crypto};
use qunyun_entity::wecom_connectors;
use serde::Deserialize;

use super::error::ApiError;
use crate::state::AppState;

/// WeCom bodies are small XML envelopes.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

#[derive(Deserialize)]
pub struct Signed {
    msg_signature: String,
    timestamp: String,
    nonce: String,
    echostr: Option<String>,
}

async fn connector(state: &AppState, route: &str) -> Result<wecom_connectors::Model, ApiError> {
    let (tenant_id, connector_id) =
        wecom::parse_route_id(route).ok_or_else(|| ApiError::not_found("no such connector"))?;
    let tx = state.services.db.tenant_read(tenant_id).await?;
    tx.get::<wecom_connectors::Entity>(connector_id)
        .await?
        .ok_or_else(|| ApiError::not_found("no such connector"))
}

fn rejected(err: crypto::WecomError) -> ApiError {
    match err {
        crypto::WecomError::BadSignature => ApiError::unauthorized("bad msg_signature"),
        crypto::WecomError::ReceiveIdMismatch => {
            ApiError::unauthorized("the message is for another corp")
        }
        other => ApiError::bad_request(format!("cannot open the message: {other}")),
    }
}

pub async fn verify(
    State(state): State<AppState>,
    Path(route): Path<String>,
    Query(q): Query<Signed>,
) -> Result<Response, ApiError> {
    let connector = connector(&state, &route).await?;
    let crypto = wecom::crypto_of(&connector).map_err(|_| ApiError::internal())?;
    let echostr = q
        .echostr
        .ok_or_else(|| ApiError::bad_request("echostr is required"))?;
    let plain = crypto
        .verify_url(&q.msg_signature, &q.timestamp, &q.nonce, &echostr)
        .map_err(rejected)?;
    Ok((
        StatusCode::OK,
        [("content-type", "text/plain; charset=utf-8")],
        plain,
    )
        .into_response())
}

pub async fn deliver(
    State(state): State<AppState>,
    Path(route): Path<String>,
    Query(q): Query<Signed>,
    body: axum::body::Body,
) -> Result<Response, ApiError> {
    let connector = connector(&state, &route).await?;
    let crypto = wecom::crypto_of(&connector).map_err(|_| ApiError::internal())?;
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                "the body is too large",
            )
        })?;
    let body =
        std::str::from_utf8(&bytes).map_err(|_| ApiError::bad_request("the body is not UTF-8"))?;
    let inner = crypto
        .open_message(&q.msg_signature, &q.timestamp, &q.nonce, body)
        .map_err(rejected)?;
    let event = match crypto::parse_event(&inner) {
        Ok(event) => event,
        // Signed and decrypted, but not an event we read (e.g. JSON mode): acknowledge.
        Err(err) => {
            tracing::info!(error = %err, "WeCom callback payload ignored");
            return Ok(success());
        }
    };
    let services = &state.services;
    let tenant = tenancy::find_tenant(&services.db, connector.tenant_id)
        .await?
        .ok_or_else(|| ApiError::not_found("no such connector"))?;
    let (tx, settings, timezone) = ingest::begin(&services.db, &tenant).await?;
    let ctx = ingest::Context {
        matchers: &services.matchers,
        settings: &settings,
        timezone,
    };
    let outcome = wecom::apply_event(&ctx, &tx, &event).await;
    let outcome = tx.finish(outcome).await?;
    services.notifier.publish(&outcome.notices(tenant.id)).await;
    Ok(success())
}

fn success() -> Response {
    (
        StatusCode::OK,
        [("content-type", "text/plain; charset=utf-8")],
        "success",
    )
        .into_response()
}
