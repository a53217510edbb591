//! Prometheus metrics: request counts and latency per HTTP route, and per GraphQL operation.
//! Exposed at `GET /metrics` in the OpenMetrics text format.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use qunyun_core::defaults::platform::METRICS_MAX_OPERATION_NAMES;

use crate::state::AppState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    pub method: String,
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLatencyLabels {
    pub method: String,
    pub route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OperationLabels {
    pub operation: String,
    /// query, mutation, subscription or unknown.
    pub kind: String,
    /// ok or error.
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OperationLatencyLabels {
    pub operation: String,
}

type Histograms<L> = Family<L, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 1 ms .. ~16 s
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

pub struct Metrics {
    registry: Registry,
    http_requests: Family<HttpLabels, Counter>,
    http_latency: Histograms<HttpLatencyLabels>,
    operations: Family<OperationLabels, Counter>,
    operation_latency: Histograms<OperationLatencyLabels>,
    /// Operation names are chosen by clients: keep the label set bounded.
    known_operations: Mutex<HashSet<String>>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("qunyun");
        let http_requests = Family::<HttpLabels, Counter>::default();
        let http_latency: Histograms<HttpLatencyLabels> =
            Family::new_with_constructor(latency_histogram);
        let operations = Family::<OperationLabels, Counter>::default();
        let operation_latency: Histograms<OperationLatencyLabels> =
            Family::new_with_constructor(latency_histogram);
        registry.register(
            "http_requests",
            "HTTP requests by route and status",
            http_requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency by route",
            http_latency.clone(),
        );
        registry.register(
            "graphql_operations",
            "GraphQL operations by name, kind and outcome",
            operations.clone(),
        );
        registry.register(
            "graphql_operation_duration_seconds",
            "GraphQL operation latency by name",
            operation_latency.clone(),
        );
        Metrics {
            registry,
            http_requests,
            http_latency,
            operations,
            operation_latency,
            known_operations: Mutex::new(HashSet::new()),
        }
    }
}

impl Metrics {
    pub fn record_http(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        self.http_requests
            .get_or_create(&HttpLabels {
                method: method.into(),
                route: route.into(),
                status,
            })
            .inc();
        self.http_latency
            .get_or_create(&HttpLatencyLabels {
                method: method.into(),
                route: route.into(),
            })
            .observe(elapsed.as_secs_f64());
    }

    pub fn record_operation(&self, name: &str, kind: &str, ok: bool, elapsed: Duration) {
        let operation = self.operation_label(name);
        self.operations
            .get_or_create(&OperationLabels {
                operation: operation.clone(),
                kind: kind.into(),
                outcome: if ok { "ok" } else { "error" }.into(),
            })
            .inc();
        self.operation_latency
            .get_or_create(&OperationLatencyLabels { operation })
            .observe(elapsed.as_secs_f64());
    }

    /// A sane operation name is kept as is until the set is full; the rest count as `other`.
    fn operation_label(&self, name: &str) -> String {
        let sane = !name.is_empty()
            && name.len() <= 64
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !sane {
            return "other".into();
        }
        let Ok(mut known) = self.known_operations.lock() else {
            return "other".into();
        };
        if known.contains(name) {
            return name.into();
        }
        if known.len() < METRICS_MAX_OPERATION_NAMES {
            known.insert(name.into());
            return name.into();
        }
        "other".into()
    }

    pub fn render(&self) -> Result<String, std::fmt::Error> {
        let mut out = String::new();
        encode(&mut out, &self.registry)?;
        Ok(out)
    }
}

/// Middleware: counts and times every request by its route template.
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    state.metrics.record_http(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

pub async fn metrics(State(state): State<AppState>) -> Response {
    match state.metrics.render() {
        Ok(body) => (
            [(
                header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            body,
        )
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}
