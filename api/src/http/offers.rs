//! `GET /r/{code}?m=<platformUserId>`: an offer's tracked link. Records a click (offer, its
//! campaign and group, the member when known, the time) and answers 302 to the offer's target
//! URL (only http/https targets are ever stored). An unknown code answers 404.

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use qunyun_core::commerce;
use qunyun_core::ids::now;
use qunyun_core::tenancy;
use serde::Deserialize;

use super::error::ApiError;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct Click {
    /// The clicker's platform user id, when the link was personalised.
    m: Option<String>,
}

pub async fn redirect(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(click): Query<Click>,
) -> Result<Response, ApiError> {
    let db = &state.services.db;
    let unknown = || ApiError::not_found("no such offer link");
    let (tenant_id, offer_id) = commerce::resolve_code(db, &code)
        .await?
        .ok_or_else(unknown)?;
    let tenant = tenancy::find_tenant(db, tenant_id)
        .await?
        .ok_or_else(unknown)?;
    tracing::Span::current().record("tenant_id", tracing::field::display(tenant.id));
    let tx = db.tenant_write(tenant.id).await?;
    let offer = commerce::record_click(
        &tx,
        tenancy::timezone_of(&tenant),
        offer_id,
        click.m.as_deref(),
        now(),
    )
    .await;
    let offer = tx.finish(offer).await?;
    Ok((
        StatusCode::FOUND,
        [
            (header::LOCATION, offer.target_url),
            // Every click is a click: no cached redirect.
            (header::CACHE_CONTROL, "no-store".to_owned()),
            (header::REFERRER_POLICY, "no-referrer".to_owned()),
        ],
    )
        .into_response())
}
