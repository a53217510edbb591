//! GraphQL over HTTP, per the graphql-over-http spec, around `Schema::execute`:
//!
//! - `POST /graphql` with `Content-Type: application/json` (anything else: 415), one request or
//!   a batch of at most a handful; `GET /graphql?query=…` for queries only (a mutation: 405);
//! - `application/graphql-response+json` when the client accepts it, which is also the default
//!   without an `Accept` header: 400 for parse and validation errors (no `data`), 401 / 403 when
//!   the answer is only an authentication or authorisation refusal, 200 otherwise;
//!   `application/json` (legacy clients): 200 for every well-formed request;
//! - every error carries `extensions.code`; an error without one is either a request error
//!   (`BAD_USER_INPUT`) or unexpected (`INTERNAL`, its text logged, not sent);
//! - GraphiQL on `GET` with `Accept: text/html`, in development only.

use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use async_graphql::parser::types::{DocumentOperations, OperationType, Selection};
use async_graphql::{Request, Response, ServerError, Value};
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response as HttpResponse};
use qunyun_core::defaults::platform::{GRAPHQL_MAX_BATCH, GRAPHQL_MAX_BODY_BYTES};
use serde_json::json;

use crate::auth::{Caller, TENANT_HEADER};
use crate::graphql::error::{Code, INTERNAL_MESSAGE};
use crate::graphql::loaders::Loaders;
use crate::state::AppState;

pub const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
const APPLICATION_JSON: &str = "application/json";

/// Root fields a request with invalid credentials may still use (as an anonymous caller): the
/// ways to get new credentials, and `viewer`, which then answers null.
const PUBLIC_ROOT_FIELDS: &[&str] = &[
    "signUp",
    "signIn",
    "refreshSession",
    "signOut",
    "viewer",
    "__typename",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Media {
    GraphQLResponse,
    Json,
}

impl Media {
    fn content_type(self) -> &'static str {
        match self {
            Media::GraphQLResponse => "application/graphql-response+json; charset=utf-8",
            Media::Json => "application/json; charset=utf-8",
        }
    }
}

/// Picks the answer's media type from `Accept`; `None` when the client accepts neither.
fn negotiate(headers: &HeaderMap) -> Option<Media> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Some(Media::GraphQLResponse);
    };
    let mut json = false;
    let mut any = false;
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let refused = parts.any(|p| {
            let p = p.trim().replace(' ', "");
            p == "q=0" || p == "q=0.0" || p == "q=0.00" || p == "q=0.000"
        });
        if refused {
            continue;
        }
        match media.as_str() {
            GRAPHQL_RESPONSE_JSON => return Some(Media::GraphQLResponse),
            APPLICATION_JSON => json = true,
            "*/*" | "application/*" => any = true,
            _ => {}
        }
    }
    if json {
        Some(Media::Json)
    } else if any {
        Some(Media::GraphQLResponse)
    } else {
        None
    }
}

fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.to_ascii_lowercase().contains("text/html"))
}

/// An answer made before any GraphQL ran: transport-level problems.
fn refuse(status: StatusCode, media: Media, code: Code, message: &str) -> HttpResponse {
    let body = json!({"errors": [{"message": message, "extensions": {"code": code.as_str()}}]});
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(media.content_type()),
    );
    response
}

fn client_ip(state: &AppState, headers: &HeaderMap, peer: Option<SocketAddr>) -> Option<IpAddr> {
    if state.services.config.trust_proxy {
        let forwarded = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse().ok());
        if forwarded.is_some() {
            return forwarded;
        }
    }
    peer.map(|p| p.ip())
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct GetParams {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

fn request_from_query_string(qs: &str) -> Result<Request, String> {
    let params: GetParams =
        serde_urlencoded::from_str(qs).map_err(|e| format!("bad query string: {e}"))?;
    let query = params
        .query
        .filter(|q| !q.trim().is_empty())
        .ok_or("the query parameter `query` is required")?;
    let mut request = Request::new(query);
    request.operation_name = params.operation_name.filter(|n| !n.is_empty());
    if let Some(variables) = params.variables.filter(|v| !v.is_empty()) {
        let value: serde_json::Value =
            serde_json::from_str(&variables).map_err(|_| "`variables` must be a JSON object")?;
        if !value.is_object() && !value.is_null() {
            return Err("`variables` must be a JSON object".into());
        }
        request = request.variables(async_graphql::Variables::from_json(value));
    }
    if let Some(extensions) = params.extensions.filter(|v| !v.is_empty()) {
        request.extensions =
            serde_json::from_str(&extensions).map_err(|_| "`extensions` must be a JSON object")?;
    }
    Ok(request)
}

/// The selected operation's type and its root field names; `None` when the document does not
/// parse or names no operation (execution then reports the error).
fn operation_of(request: &mut Request) -> Option<(OperationType, Option<String>, Vec<String>)> {
    let wanted = request.operation_name.clone();
    let document = request.parsed_query().ok()?;
    let (name, operation) = match (&document.operations, wanted.as_deref()) {
        (DocumentOperations::Single(op), _) => (None, op),
        (DocumentOperations::Multiple(ops), Some(name)) => (Some(name.to_owned()), ops.get(name)?),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            let (name, op) = ops.iter().next()?;
            (Some(name.to_string()), op)
        }
        _ => return None,
    };
    let mut roots = Vec::new();
    collect_root_fields(
        &operation.node.selection_set.node.items,
        &document.fragments,
        &mut roots,
        0,
    );
    Some((operation.node.ty, name, roots))
}

fn collect_root_fields(
    items: &[async_graphql::Positioned<Selection>],
    fragments: &std::collections::HashMap<
        async_graphql::Name,
        async_graphql::Positioned<async_graphql::parser::types::FragmentDefinition>,
    >,
    out: &mut Vec<String>,
    depth: usize,
) {
    if depth > 8 {
        out.push("…".into());
        return;
    }
    for item in items {
        match &item.node {
            Selection::Field(field) => out.push(field.node.name.node.to_string()),
            Selection::InlineFragment(fragment) => {
                collect_root_fields(
                    &fragment.node.selection_set.node.items,
                    fragments,
                    out,
                    depth + 1,
                );
            }
            Selection::FragmentSpread(spread) => {
                match fragments.get(&spread.node.fragment_name.node) {
                    Some(fragment) => {
                        collect_root_fields(
                            &fragment.node.selection_set.node.items,
                            fragments,
                            out,
                            depth + 1,
                        );
                    }
                    None => out.push("…".into()),
                }
            }
        }
    }
}

fn kind_name(kind: Option<OperationType>) -> &'static str {
    match kind {
        Some(OperationType::Query) => "query",
        Some(OperationType::Mutation) => "mutation",
        Some(OperationType::Subscription) => "subscription",
        None => "unknown",
    }
}

fn code_of(error: &ServerError) -> Option<String> {
    match error.extensions.as_ref()?.get("code")? {
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

/// Request errors (parse, validation, limits, unknown operation) have no path and no data.
fn is_request_error(response: &Response) -> bool {
    response.data == Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty())
}

/// Gives every error a code, and replaces the text of unexpected ones.
fn classify_errors(response: &mut Response) {
    for error in &mut response.errors {
        if code_of(error).is_some() {
            continue;
        }
        let user_fault = error.path.is_empty()
            || error.message.starts_with("Failed to parse")
            || error.message.starts_with("Invalid value");
        let code = if user_fault {
            Code::BadUserInput
        } else {
            tracing::error!(message = %error.message, path = ?error.path, "unclassified GraphQL error");
            error.message = INTERNAL_MESSAGE.into();
            Code::Internal
        };
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("code", code.as_str());
    }
}

fn status_for(response: &Response) -> StatusCode {
    if is_request_error(response) {
        return StatusCode::BAD_REQUEST;
    }
    if response.data != Value::Null || response.errors.is_empty() {
        return StatusCode::OK;
    }
    let codes: Vec<Option<String>> = response.errors.iter().map(code_of).collect();
    let all = |code: Code| codes.iter().all(|c| c.as_deref() == Some(code.as_str()));
    if all(Code::Unauthenticated) {
        StatusCode::UNAUTHORIZED
    } else if all(Code::Forbidden) {
        StatusCode::FORBIDDEN
    } else if all(Code::RateLimited) {
        StatusCode::TOO_MANY_REQUESTS
    } else if all(Code::TenantRequired) {
        StatusCode::BAD_REQUEST
    } else if codes
        .iter()
        .any(|c| c.as_deref() == Some(Code::Internal.as_str()))
    {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::OK
    }
}

/// The response as JSON; without `data` for request errors, as the spec wants.
fn to_json(response: &Response) -> serde_json::Value {
    let mut value = serde_json::to_value(response)
        .unwrap_or_else(|_| json!({"errors": [{"message": INTERNAL_MESSAGE}]}));
    if is_request_error(response)
        && let Some(object) = value.as_object_mut()
    {
        object.remove("data");
    }
    value
}

/// One request, or a batch (answered as an array).
struct Incoming {
    requests: Vec<Request>,
    batch: bool,
}

pub async fn get(
    State(state): State<AppState>,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    RawQuery(query): RawQuery,
) -> HttpResponse {
    let no_query = query.as_deref().is_none_or(|q| !q.contains("query="));
    if no_query && wants_html(&headers) {
        if state.services.config.environment.is_production() {
            return (StatusCode::NOT_FOUND, "GraphiQL is off in production").into_response();
        }
        return Html(
            async_graphql::http::GraphiQLSource::build()
                .endpoint("/graphql")
                .subscription_endpoint("/graphql/ws")
                .finish(),
        )
        .into_response();
    }
    let Some(media) = negotiate(&headers) else {
        return refuse(
            StatusCode::NOT_ACCEPTABLE,
            Media::Json,
            Code::BadUserInput,
            "accept application/graphql-response+json or application/json",
        );
    };
    let mut request = match request_from_query_string(query.as_deref().unwrap_or("")) {
        Ok(request) => request,
        Err(message) => {
            return refuse(StatusCode::BAD_REQUEST, media, Code::BadUserInput, &message);
        }
    };
    if let Some((OperationType::Mutation, _, _)) = operation_of(&mut request) {
        let mut response = refuse(
            StatusCode::METHOD_NOT_ALLOWED,
            media,
            Code::BadUserInput,
            "mutations must be sent with POST",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    execute(
        state,
        headers,
        Some(peer),
        media,
        Incoming {
            requests: vec![request],
            batch: false,
        },
    )
    .await
}

pub async fn post(
    State(state): State<AppState>,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Body,
) -> HttpResponse {
    let Some(media) = negotiate(&headers) else {
        return refuse(
            StatusCode::NOT_ACCEPTABLE,
            Media::Json,
            Code::BadUserInput,
            "accept application/graphql-response+json or application/json",
        );
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    if content_type.as_deref() != Some(APPLICATION_JSON) {
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            media,
            Code::BadUserInput,
            "send Content-Type: application/json",
        );
    }
    let bytes: Bytes = match axum::body::to_bytes(body, GRAPHQL_MAX_BODY_BYTES).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                media,
                Code::BadUserInput,
                &format!("the body is larger than {GRAPHQL_MAX_BODY_BYTES} bytes"),
            );
        }
    };
    let incoming = match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Err(_) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                media,
                Code::BadUserInput,
                "the body is not valid JSON",
            );
        }
        Ok(serde_json::Value::Array(items)) => {
            if items.is_empty() || items.len() > GRAPHQL_MAX_BATCH {
                return refuse(
                    StatusCode::BAD_REQUEST,
                    media,
                    Code::BadUserInput,
                    &format!("a batch holds 1 to {GRAPHQL_MAX_BATCH} operations"),
                );
            }
            let mut requests = Vec::with_capacity(items.len());
            for item in items {
                match parse_request(item) {
                    Ok(request) => requests.push(request),
                    Err(message) => {
                        return refuse(
                            StatusCode::BAD_REQUEST,
                            media,
                            Code::BadUserInput,
                            &message,
                        );
                    }
                }
            }
            Incoming {
                requests,
                batch: true,
            }
        }
        Ok(item) => match parse_request(item) {
            Ok(request) => Incoming {
                requests: vec![request],
                batch: false,
            },
            Err(message) => {
                return refuse(StatusCode::BAD_REQUEST, media, Code::BadUserInput, &message);
            }
        },
    };
    execute(state, headers, Some(peer), media, incoming).await
}

fn parse_request(value: serde_json::Value) -> Result<Request, String> {
    let has_query = value
        .get("query")
        .and_then(|q| q.as_str())
        .is_some_and(|q| !q.trim().is_empty());
    if !value.is_object() || !has_query {
        return Err("a request is a JSON object with a non-empty string `query`".into());
    }
    if let Some(variables) = value.get("variables")
        && !variables.is_object()
        && !variables.is_null()
    {
        return Err("`variables` must be a JSON object".into());
    }
    serde_json::from_value::<Request>(value).map_err(|e| format!("bad GraphQL request: {e}"))
}

async fn execute(
    state: AppState,
    headers: HeaderMap,
    peer: Option<SocketAddr>,
    media: Media,
    incoming: Incoming,
) -> HttpResponse {
    let header_str = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let caller = match Caller::authenticate(
        &state.services,
        header_str(header::AUTHORIZATION.as_str()),
        header_str(TENANT_HEADER),
        client_ip(&state, &headers, peer),
    )
    .await
    {
        Ok(caller) => std::sync::Arc::new(caller),
        Err(err) => {
            crate::graphql::error::from_domain(err);
            return refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                media,
                Code::Internal,
                INTERNAL_MESSAGE,
            );
        }
    };
    let span = tracing::Span::current();
    if let Ok(access) = caller.access(&state.services).await {
        span.record("tenant_id", tracing::field::display(access.tenant_id()));
    }
    let mut answers = Vec::with_capacity(incoming.requests.len());
    let mut status = StatusCode::OK;
    for request in incoming.requests {
        let (response, one_status) = run_one(&state, &caller, request).await;
        status = one_status;
        answers.push(to_json(&response));
    }
    if incoming.batch {
        return answer(StatusCode::OK, media, serde_json::Value::Array(answers));
    }
    // Legacy application/json answers 200 to every well-formed request.
    if media == Media::Json && status != StatusCode::INTERNAL_SERVER_ERROR {
        status = StatusCode::OK;
    }
    answer(status, media, answers.pop().unwrap_or_default())
}

fn answer(status: StatusCode, media: Media, body: serde_json::Value) -> HttpResponse {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(media.content_type()),
    );
    response
}

async fn run_one(
    state: &AppState,
    caller: &std::sync::Arc<Caller>,
    mut request: Request,
) -> (Response, StatusCode) {
    let started = Instant::now();
    let operation = operation_of(&mut request);
    let kind = operation.as_ref().map(|(k, _, _)| *k);
    let name = operation
        .as_ref()
        .and_then(|(_, name, _)| name.clone())
        .unwrap_or_else(|| "anonymous".into());
    tracing::Span::current().record("operation", name.as_str());

    // Invalid credentials refuse everything but the ways to get new ones.
    let public_only = operation.as_ref().is_some_and(|(_, _, roots)| {
        roots
            .iter()
            .all(|r| PUBLIC_ROOT_FIELDS.contains(&r.as_str()))
    });
    let mut response = if caller.has_invalid_credentials() && !public_only {
        let message = match &caller.credentials {
            crate::auth::Credentials::Invalid(reason) => *reason,
            _ => "invalid credentials",
        };
        let mut error = ServerError::new(message, None);
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("code", Code::Unauthenticated.as_str());
        Response::from_errors(vec![error])
    } else {
        let request = request
            .data(caller.clone())
            .data(Loaders::new(&state.services.db));
        state.schema.execute(request).await
    };
    classify_errors(&mut response);
    let status = if caller.has_invalid_credentials() && !public_only {
        StatusCode::UNAUTHORIZED
    } else {
        status_for(&response)
    };
    state.metrics.record_operation(
        &name,
        kind_name(kind),
        response.errors.is_empty(),
        started.elapsed(),
    );
    (response, status)
}

/// `GET /graphql/ws`: subscriptions over `graphql-transport-ws`. The `connection_init` payload
/// carries `{"authorization": "Bearer …", "tenantId": "…"}`; invalid credentials refuse the
/// connection. Connections close when the server shuts down.
pub async fn ws(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    protocol: async_graphql_axum::GraphQLProtocol,
    upgrade: axum::extract::WebSocketUpgrade,
) -> HttpResponse {
    let schema = state.schema.clone();
    let services = state.services.clone();
    let shutdown = state.shutdown.clone();
    upgrade
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| async move {
            let connection = async_graphql_axum::GraphQLWebSocket::new(socket, schema, protocol)
                .on_connection_init(move |payload: serde_json::Value| async move {
                    let field = |name: &str| {
                        payload
                            .get(name)
                            .and_then(|v| v.as_str())
                            .map(str::to_owned)
                    };
                    let (authorization, tenant) = (field("authorization"), field("tenantId"));
                    let caller = Caller::authenticate(
                        &services,
                        authorization.as_deref(),
                        tenant.as_deref(),
                        Some(peer.ip()),
                    )
                    .await
                    .map_err(|_| async_graphql::Error::new(INTERNAL_MESSAGE))?;
                    if let crate::auth::Credentials::Invalid(reason) = caller.credentials {
                        return Err(async_graphql::Error::new(reason));
                    }
                    let mut data = async_graphql::Data::default();
                    data.insert(std::sync::Arc::new(caller));
                    data.insert(Loaders::new(&services.db));
                    Ok(data)
                });
            tokio::select! {
                () = connection.serve() => {}
                () = shutdown.cancelled() => {}
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn negotiation() {
        assert_eq!(negotiate(&HeaderMap::new()), Some(Media::GraphQLResponse));
        assert_eq!(negotiate(&accept("application/json")), Some(Media::Json));
        assert_eq!(
            negotiate(&accept(
                "application/graphql-response+json, application/json;q=0.9"
            )),
            Some(Media::GraphQLResponse)
        );
        assert_eq!(negotiate(&accept("*/*")), Some(Media::GraphQLResponse));
        assert_eq!(negotiate(&accept("text/plain")), None);
        assert_eq!(
            negotiate(&accept(
                "application/graphql-response+json;q=0, application/json"
            )),
            Some(Media::Json)
        );
    }

    #[test]
    fn operation_detection() {
        let mut r = Request::new("mutation M { signOut(input: {refreshToken: \"x\"}) { ok } }");
        let (kind, name, roots) = operation_of(&mut r).unwrap();
        assert_eq!(kind, OperationType::Mutation);
        assert_eq!(name.as_deref(), Some("M"));
        assert_eq!(roots, vec!["signOut"]);
        let mut r = Request::new("query A { viewer { user { id } } } query B { tenant { id } }")
            .operation_name("B");
        assert_eq!(operation_of(&mut r).unwrap().2, vec!["tenant"]);
        let mut r = Request::new("{ ...F } fragment F on Query { viewer { user { id } } }");
        assert_eq!(operation_of(&mut r).unwrap().2, vec!["viewer"]);
        let mut r = Request::new("not graphql");
        assert!(operation_of(&mut r).is_none());
    }

    #[test]
    fn get_parameters() {
        let r = request_from_query_string(
            "query=%7Bviewer%7Bid%7D%7D&operationName=X&variables=%7B%22a%22%3A1%7D",
        )
        .unwrap();
        assert_eq!(r.query, "{viewer{id}}");
        assert_eq!(r.operation_name.as_deref(), Some("X"));
        assert!(request_from_query_string("").is_err());
        assert!(request_from_query_string("query=%7Ba%7D&variables=%5B1%5D").is_err());
    }
}
