//! `spawn_app()` and the calls most tests make.

use qunyun_api::startup::{Application, Options};
use qunyun_core::config::Settings;
use qunyun_core::testing::TestDb;
use secrecy::SecretString;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123";
pub const PASSWORD: &str = "correct horse battery staple";

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: TestDb,
    pub settings: Settings,
    /// The app's notifier, so jobs run by the test announce to its subscribers (SQLite).
    pub notifier: qunyun_core::notify::Notifier,
    shutdown: CancellationToken,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// Who a request is sent as.
#[derive(Clone, Default, Debug)]
pub struct As {
    pub token: Option<String>,
    pub tenant: Option<String>,
}

impl As {
    pub fn anonymous() -> As {
        As::default()
    }
    pub fn user(token: &str) -> As {
        As {
            token: Some(token.to_owned()),
            tenant: None,
        }
    }
    pub fn member(token: &str, tenant: &str) -> As {
        As {
            token: Some(token.to_owned()),
            tenant: Some(tenant.to_owned()),
        }
    }
    pub fn key(secret: &str) -> As {
        As {
            token: Some(secret.to_owned()),
            tenant: None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct SignedUp {
    pub access_token: String,
    pub refresh_token: String,
    pub user_id: String,
    pub email: String,
}

pub fn init_logs() {
    if std::env::var("TEST_LOG").is_ok() {
        qunyun_core::telemetry::init_subscriber(qunyun_core::config::Environment::Development);
    }
}

pub fn test_settings(db: &TestDb) -> Settings {
    Settings {
        database_url: SecretString::from(db.url.clone()),
        port: 0,
        jwt_secret: Some(SecretString::from(JWT_SECRET)),
        ..Settings::default()
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    spawn(configure, false).await
}

/// The app with its worker running in-process (deliveries, sweeps).
pub async fn spawn_app_with_worker(configure: impl FnOnce(&mut Settings)) -> TestApp {
    spawn(configure, true).await
}

async fn spawn(configure: impl FnOnce(&mut Settings), run_worker: bool) -> TestApp {
    init_logs();
    let db = TestDb::new().await;
    let mut settings = test_settings(&db);
    configure(&mut settings);
    let config = settings.clone().into_config().expect("test config");
    let app = Application::build_with_db(
        config,
        db.db.clone(),
        Options {
            run_worker,
            migrate: false,
        },
    )
    .await
    .expect("build app");
    let address = format!("http://127.0.0.1:{}", app.port());
    let notifier = app.state().services.notifier.clone();
    let shutdown = CancellationToken::new();
    tokio::spawn(app.run_until_stopped(shutdown.clone()));
    TestApp {
        notifier,
        address,
        client: reqwest::Client::new(),
        db,
        settings,
        shutdown,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// A GraphQL POST as `who`, with the default Accept (graphql-response+json).
    pub async fn post(&self, who: &As, query: &str, variables: Value) -> reqwest::Response {
        let mut request = self
            .client
            .post(self.url("/graphql"))
            .json(&json!({"query": query, "variables": variables}));
        if let Some(token) = &who.token {
            request = request.bearer_auth(token);
        }
        if let Some(tenant) = &who.tenant {
            request = request.header("x-tenant-id", tenant);
        }
        request.send().await.expect("send GraphQL request")
    }

    /// A GraphQL POST whose JSON answer is returned, whatever the status.
    pub async fn gql(&self, who: &As, query: &str, variables: Value) -> Value {
        self.post(who, query, variables)
            .await
            .json()
            .await
            .expect("JSON answer")
    }

    /// Like [`TestApp::gql`], but the answer must have no errors.
    pub async fn ok(&self, who: &As, query: &str, variables: Value) -> Value {
        let answer = self.gql(who, query, variables).await;
        assert!(
            answer.get("errors").is_none(),
            "unexpected errors: {answer:#}"
        );
        answer["data"].clone()
    }

    pub async fn sign_up(&self, email: &str) -> SignedUp {
        let data = self
            .ok(
                &As::anonymous(),
                "mutation($input: SignUpInput!) { signUp(input: $input) {
                    session { accessToken refreshToken user { id email } } userErrors { code message } } }",
                json!({"input": {"email": email, "password": PASSWORD, "displayName": email}}),
            )
            .await;
        let session = &data["signUp"]["session"];
        assert!(session.is_object(), "sign-up failed: {data:#}");
        SignedUp {
            access_token: session["accessToken"].as_str().unwrap().to_owned(),
            refresh_token: session["refreshToken"].as_str().unwrap().to_owned(),
            user_id: session["user"]["id"].as_str().unwrap().to_owned(),
            email: email.to_owned(),
        }
    }

    /// Creates a tenant as the user; returns its global id.
    pub async fn create_tenant(
        &self,
        token: &str,
        slug: &str,
        kind: &str,
        parent: Option<&str>,
    ) -> String {
        let data = self
            .ok(
                &As::user(token),
                "mutation($input: CreateTenantInput!) { createTenant(input: $input) {
                    tenant { id } userErrors { field code message } } }",
                json!({"input": {"name": slug, "slug": slug, "kind": kind, "parentId": parent}}),
            )
            .await;
        data["createTenant"]["tenant"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("createTenant failed: {data:#}"))
            .to_owned()
    }

    /// A user who owns a fresh BRAND tenant: (user, tenant id).
    pub async fn owner(&self, name: &str) -> (SignedUp, String) {
        let user = self.sign_up(&format!("{name}@example.com")).await;
        let tenant = self
            .create_tenant(&user.access_token, name, "BRAND", None)
            .await;
        (user, tenant)
    }

    pub async fn grant(&self, granter: &As, email: &str, role: &str) -> Value {
        self.ok(
            granter,
            "mutation($input: GrantRoleInput!) { grantRole(input: $input) {
                membership { role inherited tenant { id } } userErrors { field code message } } }",
            json!({"input": {"email": email, "role": role}}),
        )
        .await
    }

    /// A user with `role` in the tenant (granted by its owner).
    pub async fn member(&self, owner: &As, name: &str, role: &str) -> SignedUp {
        let user = self.sign_up(&format!("{name}@example.com")).await;
        let granted = self.grant(owner, &user.email, role).await;
        assert!(
            granted["grantRole"]["membership"].is_object(),
            "grant failed: {granted:#}"
        );
        user
    }

    /// An API key with the scopes: (secret, key id).
    pub async fn api_key(&self, admin: &As, scopes: &[&str]) -> (String, String) {
        let data = self
            .ok(
                admin,
                "mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) {
                    apiKey { id } secret userErrors { code message } } }",
                json!({"input": {"name": "test key", "scopes": scopes}}),
            )
            .await;
        let payload = &data["createApiKey"];
        (
            payload["secret"]
                .as_str()
                .unwrap_or_else(|| panic!("createApiKey failed: {data:#}"))
                .to_owned(),
            payload["apiKey"]["id"].as_str().unwrap().to_owned(),
        )
    }
}

/// The `extensions.code` of the first error.
pub fn first_code(answer: &Value) -> &str {
    answer["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("<none>")
}

/// The codes of a payload's userErrors.
pub fn user_error_codes(payload: &Value) -> Vec<String> {
    payload["userErrors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["code"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

impl TestApp {
    /// Creates a group as `who`; returns its id.
    pub async fn create_group(
        &self,
        who: &As,
        name: &str,
        external_id: Option<&str>,
        kind: &str,
        admission: &str,
    ) -> String {
        let data = self
            .ok(
                who,
                "mutation($input: CreateGroupInput!) { createGroup(input: $input) { group { id } userErrors { field code message } } }",
                json!({"input": {"name": name, "platform": "WECOM", "externalId": external_id, "kind": kind, "admission": admission}}),
            )
            .await;
        data["createGroup"]["group"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("createGroup failed: {data:#}"))
            .to_owned()
    }

    /// `POST /v1/events` with the key: (status, body).
    pub async fn ingest(&self, key: &str, body: Value) -> (u16, Value) {
        let response = self
            .client
            .post(self.url("/v1/events"))
            .bearer_auth(key)
            .json(&body)
            .send()
            .await
            .expect("send events");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Ingests events that must all be accepted.
    pub async fn ingest_ok(&self, key: &str, events: Value) -> Value {
        let (status, body) = self.ingest(key, json!({ "events": events })).await;
        assert_eq!(status, 200, "{body:#}");
        assert_eq!(body["rejected"], json!([]), "{body:#}");
        body
    }
}

/// A tenant with an owner, an INGEST key and one group `wecom:<external>`.
pub struct Community {
    pub owner: As,
    pub tenant: String,
    pub ingest_key: String,
    pub group: String,
    pub external: String,
}

pub async fn community(app: &TestApp, name: &str, kind: &str) -> Community {
    let (owner, tenant) = app.owner(name).await;
    let owner = As::member(&owner.access_token, &tenant);
    let (ingest_key, _) = app.api_key(&owner, &["INGEST"]).await;
    let external = format!("chat-{name}");
    let group = app
        .create_group(
            &owner,
            &format!("{name} group"),
            Some(&external),
            kind,
            "OPEN",
        )
        .await;
    Community {
        owner,
        tenant,
        ingest_key,
        group,
        external,
    }
}

/// A message event.
pub fn message(id: &str, group: &str, user: &str, at: &str, text: &str) -> Value {
    json!({"id": id, "type": "message", "group": group, "member": {"platformUserId": user}, "occurredAt": at, "text": text})
}

pub fn joined(id: &str, group: &str, user: &str, name: &str, at: &str) -> Value {
    json!({"id": id, "type": "member_joined", "group": group, "member": {"platformUserId": user, "displayName": name}, "occurredAt": at})
}

/// Now plus `minutes`, RFC 3339 (events must not be more than a day ahead).
pub fn minutes_from_now(minutes: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::minutes(minutes)).to_rfc3339()
}

/// Another API process on the same database (for cross-process behaviour).
pub struct Replica {
    pub address: String,
    shutdown: CancellationToken,
}

impl Drop for Replica {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

impl TestApp {
    /// One pass of a scheduled job, as `qunyun-worker run-once` does it.
    pub async fn run_job(
        &self,
        job: qunyun_worker::jobs::Job,
        at: chrono::DateTime<chrono::Utc>,
    ) -> qunyun_core::jobs::Report {
        self.run_job_with(job, at, qunyun_worker::jobs::Trigger::Manual)
            .await
    }

    /// One pass with a trigger (`Full` for a backfill).
    pub async fn run_job_with(
        &self,
        job: qunyun_worker::jobs::Job,
        at: chrono::DateTime<chrono::Utc>,
        trigger: qunyun_worker::jobs::Trigger,
    ) -> qunyun_core::jobs::Report {
        let config = self.settings.clone().into_config().expect("test config");
        qunyun_worker::jobs::run_once_with(
            &config,
            &self.db.db,
            self.notifier.clone(),
            job,
            at,
            trigger,
        )
        .await
        .expect("job pass")
    }

    pub async fn replica(&self) -> Replica {
        let config = self.settings.clone().into_config().expect("test config");
        let db = self.db.connect_again().await;
        let app = Application::build_with_db(
            config,
            db,
            Options {
                run_worker: false,
                migrate: false,
            },
        )
        .await
        .expect("build replica");
        let address = format!("http://127.0.0.1:{}", app.port());
        let shutdown = CancellationToken::new();
        tokio::spawn(app.run_until_stopped(shutdown.clone()));
        Replica { address, shutdown }
    }
}

pub mod ws {
    use futures::{SinkExt, StreamExt};
    use serde_json::{Value, json};
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;

    pub type Socket = tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >;

    /// Connects to `/graphql/ws` of `http_address` and sends `connection_init` with the payload;
    /// `Ok` after `connection_ack`, `Err` with what came instead.
    pub async fn connect(http_address: &str, payload: Value) -> Result<Socket, String> {
        let url = format!("{}/graphql/ws", http_address.replacen("http", "ws", 1));
        let mut request = url.into_client_request().map_err(|e| e.to_string())?;
        request.headers_mut().insert(
            "sec-websocket-protocol",
            "graphql-transport-ws".parse().map_err(|_| "header")?,
        );
        let (mut socket, _) = tokio_tungstenite::connect_async(request)
            .await
            .map_err(|e| e.to_string())?;
        socket
            .send(Message::text(
                json!({"type": "connection_init", "payload": payload}).to_string(),
            ))
            .await
            .map_err(|e| e.to_string())?;
        match next(&mut socket, 5).await {
            Some(v) if v["type"] == "connection_ack" => Ok(socket),
            other => Err(format!("{other:?}")),
        }
    }

    pub async fn subscribe(socket: &mut Socket, id: &str, query: &str) {
        socket
            .send(Message::text(
                json!({"id": id, "type": "subscribe", "payload": {"query": query}}).to_string(),
            ))
            .await
            .expect("send subscribe");
    }

    /// The next JSON message within `secs` seconds (pings answered); `None` on timeout or close.
    pub async fn next(socket: &mut Socket, secs: u64) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(secs);
        loop {
            let message = tokio::time::timeout_at(deadline, socket.next())
                .await
                .ok()??
                .ok()?;
            match message {
                Message::Text(text) => {
                    let value: Value = serde_json::from_str(&text).ok()?;
                    if value["type"] == "ping" {
                        let _ = socket
                            .send(Message::text(json!({"type": "pong"}).to_string()))
                            .await;
                        continue;
                    }
                    return Some(value);
                }
                Message::Close(_) => return None,
                _ => continue,
            }
        }
    }
}

/// A real local HTTP receiver for outgoing webhooks: it answers from a script (then 200) and
/// records every request.
pub mod receiver {
    use std::collections::VecDeque;
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    use axum::body::Bytes;
    use axum::extract::State;
    use axum::http::{HeaderMap, StatusCode, Uri};
    use axum::response::{IntoResponse, Response};

    #[derive(Clone, Debug)]
    pub struct Recorded {
        pub path: String,
        pub headers: HeaderMap,
        pub body: String,
        pub at: Instant,
    }

    impl Recorded {
        pub fn header(&self, name: &str) -> String {
            self.headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned()
        }
        pub fn json(&self) -> serde_json::Value {
            serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
        }
    }

    /// One scripted answer; `hold` delays it.
    #[derive(Clone, Debug)]
    pub struct Answer {
        pub status: u16,
        pub headers: Vec<(&'static str, String)>,
        pub body: String,
        pub hold: Duration,
    }

    impl Answer {
        pub fn status(status: u16) -> Answer {
            Answer {
                status,
                headers: Vec::new(),
                body: String::new(),
                hold: Duration::ZERO,
            }
        }
        pub fn body(mut self, body: &str) -> Answer {
            self.body = body.to_owned();
            self
        }
        pub fn header(mut self, name: &'static str, value: &str) -> Answer {
            self.headers.push((name, value.to_owned()));
            self
        }
        pub fn hold(mut self, hold: Duration) -> Answer {
            self.hold = hold;
            self
        }
    }

    #[derive(Clone, Default)]
    struct Shared {
        requests: Arc<Mutex<Vec<Recorded>>>,
        script: Arc<Mutex<VecDeque<Answer>>>,
        default_body: Arc<Mutex<String>>,
    }

    pub struct Receiver {
        pub url: String,
        shared: Shared,
    }

    async fn handle(
        State(shared): State<Shared>,
        uri: Uri,
        headers: HeaderMap,
        body: Bytes,
    ) -> Response {
        shared.requests.lock().unwrap().push(Recorded {
            path: uri.path().to_owned(),
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
            at: Instant::now(),
        });
        let next = shared.script.lock().unwrap().pop_front();
        let answer =
            next.unwrap_or_else(|| Answer::status(200).body(&shared.default_body.lock().unwrap()));
        if !answer.hold.is_zero() {
            tokio::time::sleep(answer.hold).await;
        }
        let mut response =
            (StatusCode::from_u16(answer.status).unwrap(), answer.body).into_response();
        for (name, value) in answer.headers {
            response.headers_mut().insert(name, value.parse().unwrap());
        }
        response
    }

    impl Receiver {
        pub async fn start() -> Receiver {
            let shared = Shared::default();
            *shared.default_body.lock().unwrap() = "ok".into();
            let app = axum::Router::new()
                .fallback(handle)
                .with_state(shared.clone());
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let url = format!("http://{}", listener.local_addr().unwrap());
            tokio::spawn(async move {
                axum::serve(listener, app).await.ok();
            });
            Receiver { url, shared }
        }

        /// The body of the default 200 answer (e.g. WeCom's `{"errcode":0}`).
        pub fn default_body(&self, body: &str) {
            *self.shared.default_body.lock().unwrap() = body.to_owned();
        }

        pub fn then(&self, answer: Answer) -> &Self {
            self.shared.script.lock().unwrap().push_back(answer);
            self
        }

        pub fn requests(&self) -> Vec<Recorded> {
            self.shared.requests.lock().unwrap().clone()
        }

        /// Waits until `n` requests arrived (or `secs` pass) and returns what came.
        pub async fn wait_for(&self, n: usize, secs: u64) -> Vec<Recorded> {
            let deadline = Instant::now() + Duration::from_secs(secs);
            while Instant::now() < deadline {
                if self.requests().len() >= n {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            self.requests()
        }
    }
}

impl TestApp {
    pub async fn create_channel(
        &self,
        who: &As,
        kind: &str,
        url: &str,
        secret: Option<&str>,
        chat_id: Option<&str>,
    ) -> String {
        let data = self
            .ok(
                who,
                "mutation($input: CreateChannelInput!) { createChannel(input: $input) { channel { id } userErrors { field code message } } }",
                json!({"input": {"name": format!("{kind} channel"), "kind": kind, "url": url, "secret": secret, "chatId": chat_id}}),
            )
            .await;
        data["createChannel"]["channel"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("createChannel failed: {data:#}"))
            .to_owned()
    }

    pub async fn create_content(
        &self,
        who: &As,
        title: &str,
        body: &str,
        kind: &str,
        mix: &str,
    ) -> String {
        let data = self
            .ok(
                who,
                "mutation($input: CreateContentInput!) { createContent(input: $input) { content { id } userErrors { field code message } } }",
                json!({"input": {"title": title, "body": body, "kind": kind, "mix": mix}}),
            )
            .await;
        data["createContent"]["content"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("createContent failed: {data:#}"))
            .to_owned()
    }

    /// `schedulePost`'s payload.
    pub async fn schedule(&self, who: &As, input: Value) -> Value {
        let data = self
            .ok(
                who,
                "mutation($input: SchedulePostInput!) { schedulePost(input: $input) {
                    post { id status scheduledAt deliveryId recurring } userErrors { field code message } warnings } }",
                json!({ "input": input }),
            )
            .await;
        data["schedulePost"].clone()
    }

    /// A post's state.
    pub async fn post_state(&self, who: &As, id: &str) -> Value {
        let data = self
            .ok(
                who,
                "query($id: ID!) { node(id: $id) { ... on ScheduledPost { id status attempts lastError sentAt scheduledAt nextAttemptAt deliveryId
                    deliveryAttempts { attempt outcome statusCode error } content { id kind } } } }",
                json!({"id": id}),
            )
            .await;
        data["node"].clone()
    }

    /// Polls a post until `done` says so (or `secs` pass).
    pub async fn post_until(
        &self,
        who: &As,
        id: &str,
        secs: u64,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
        loop {
            let post = self.post_state(who, id).await;
            if done(&post) || std::time::Instant::now() > deadline {
                return post;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
}

/// A second app with its worker, run on a runtime of its own so that it can be killed abruptly
/// (every task dropped mid-flight, as a killed process would).
pub struct Killable {
    runtime: Option<tokio::runtime::Runtime>,
}

impl Killable {
    pub fn start(settings: Settings) -> Killable {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.spawn(async move {
            let config = settings.into_config().expect("config");
            let db = qunyun_core::db::Db::connect(
                secrecy::ExposeSecret::expose_secret(&config.database_url),
                5,
            )
            .await
            .expect("connect");
            let app = Application::build_with_db(
                config,
                db,
                Options {
                    run_worker: true,
                    migrate: false,
                },
            )
            .await
            .expect("build");
            app.run_until_stopped(CancellationToken::new()).await.ok();
        });
        Killable {
            runtime: Some(runtime),
        }
    }

    pub fn kill(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl Drop for Killable {
    fn drop(&mut self) {
        self.kill();
    }
}
