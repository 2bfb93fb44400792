//! Test harness: a fresh database per test (cloned from a migrated template), the whole server
//! in-process on a random port, and a manual clock. Needs `DATABASE_URL` pointing at a
//! Postgres the tests may create databases in; `scripts/test.sh` starts a private one.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

pub mod authz;
pub mod idp;
pub mod paging;
pub mod postmortems;
pub mod status;

use app::clock::ManualClock;
use app::db::Db;
use app::state::AppState;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection};
use tokio::sync::OnceCell;

use opsknight_server::database::MIGRATOR;
use opsknight_server::http::HttpMetrics;

pub mod chatfakes;
pub mod pushfakes;
pub mod slack;
pub mod telegram;
pub mod twilio;

/// Reads `read` every 20 ms until `done` holds for the reading (at most 10 s) and returns it;
/// otherwise the test fails naming `what` and showing the last reading. The one bounded wait
/// the provider fakes share.
pub async fn wait_until<T: std::fmt::Debug>(
    what: &str,
    mut read: impl FnMut() -> T,
    done: impl Fn(&T) -> bool,
) -> T {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let now = read();
        if done(&now) {
            return now;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never saw {what}: {now:#?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// 2026-03-08 06:30 UTC: a Sunday, hours before the US spring-forward.
pub fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-08T06:30:00Z")
        .unwrap()
        .to_utc()
}

pub fn admin_url() -> String {
    std::env::var("DATABASE_URL").expect(
        "DATABASE_URL must point at a Postgres for the integration tests; \
         run scripts/test.sh, or scripts/with-postgres.sh cargo test",
    )
}

static TEMPLATE: OnceCell<String> = OnceCell::const_new();

/// The migrated template database, created once per migration set (across test binaries).
async fn template() -> &'static str {
    TEMPLATE
        .get_or_init(|| async {
            let mut h = Sha256::new();
            for m in MIGRATOR.iter() {
                h.update(m.version.to_le_bytes());
                h.update(&*m.checksum);
            }
            let name = format!("opsknight_tpl_{}", &hex::encode(h.finalize())[..12]);
            let mut admin = PgConnection::connect(&admin_url()).await.unwrap();
            sqlx::query("SELECT pg_advisory_lock(7023)")
                .execute(&mut admin)
                .await
                .unwrap();
            let exists: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                    .bind(&name)
                    .fetch_one(&mut admin)
                    .await
                    .unwrap();
            sweep_orphans(&mut admin).await;
            if !exists {
                create_database(&mut admin, &name, None).await;
                let pool = sqlx::PgPool::connect_with(options_for(&name))
                    .await
                    .unwrap();
                MIGRATOR.run(&pool).await.unwrap();
                pool.close().await;
            }
            sqlx::query("SELECT pg_advisory_unlock(7023)")
                .execute(&mut admin)
                .await
                .unwrap();
            name
        })
        .await
}

/// Drops the test databases of processes that are no longer running: a run leaves nothing
/// behind but its template, however its earlier tests ended.
async fn sweep_orphans(admin: &mut PgConnection) {
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname FROM pg_database WHERE starts_with(datname, $1)")
            .bind(DB_PREFIX)
            .fetch_all(&mut *admin)
            .await
            .unwrap();
    for name in names {
        let pid = name[DB_PREFIX.len()..].split('_').next().unwrap_or("");
        let alive = !pid.is_empty() && std::path::Path::new(&format!("/proc/{pid}")).exists();
        if !alive {
            let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut *admin)
                .await
                .unwrap();
        }
    }
}

/// Drops a test database (from `Drop`, so on a thread with a runtime of its own). Names
/// that are not test databases are left alone.
pub fn drop_database(name: &str) {
    if !name.starts_with(DB_PREFIX) {
        return;
    }
    let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
    let dropped = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        rt.block_on(async {
            let mut admin = PgConnection::connect(&admin_url())
                .await
                .map_err(|e| e.to_string())?;
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut admin)
                .await
                .map_err(|e| e.to_string())?;
            admin.close().await.map_err(|e| e.to_string())
        })
    })
    .join();
    if let Ok(Err(e)) = dropped {
        tracing::warn!(error = %e, "could not drop a test database");
    }
}

async fn create_database(admin: &mut PgConnection, name: &str, template: Option<&str>) {
    let sql = match template {
        Some(t) => format!("CREATE DATABASE \"{name}\" TEMPLATE \"{t}\""),
        None => format!("CREATE DATABASE \"{name}\""),
    };
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .execute(admin)
        .await
        .unwrap();
}

pub fn options_for(db: &str) -> PgConnectOptions {
    PgConnectOptions::from_str(&admin_url())
        .unwrap()
        .database(db)
}

/// Test databases are named `opsknight_t_<pid>_<uuid>`, so one left by a process that has
/// ended (a crash, or a test that made its own) can be told apart and swept.
const DB_PREFIX: &str = "opsknight_t_";

/// A fresh database. `migrated` clones the template; otherwise it is empty.
pub async fn fresh_database(migrated: bool) -> String {
    let name = format!(
        "{DB_PREFIX}{}_{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    );
    let tpl = if migrated {
        Some(template().await)
    } else {
        None
    };
    let mut admin = PgConnection::connect(&admin_url()).await.unwrap();
    create_database(&mut admin, &name, tpl).await;
    admin.close().await.ok();
    name
}

/// The database URL of a test database, for spawning the binary.
pub fn url_for(db: &str) -> String {
    let mut url = url::Url::parse(&admin_url()).unwrap();
    url.set_path(db);
    url.to_string()
}

pub struct TestApp {
    /// The server's state (for starting what `serve` starts beside the router).
    pub state: AppState,
    /// The guarded client and chat apps this app's engines and chat endpoints use.
    pub outbound: opsknight_server::outbound::Outbound,
    pub addr: SocketAddr,
    pub base: String,
    pub db: String,
    pub pool: Db,
    pub clock: ManualClock,
    pub http: reqwest::Client,
    /// With TLS: the self-signed certificate the server uses (the CA to trust), and its key,
    /// in a directory that lives as long as the app.
    pub tls: Option<TlsFiles>,
}

/// The certificate and key of a TLS test server.
#[derive(Clone, Debug)]
pub struct TlsFiles {
    pub cert: std::path::PathBuf,
    pub key: std::path::PathBuf,
    pub config: axum_server::tls_rustls::RustlsConfig,
    _dir: Arc<tempfile::TempDir>,
}

/// The app's database goes with it: a run's disk use stays that of the tests running at once.
impl Drop for TestApp {
    fn drop(&mut self) {
        drop_database(&self.db);
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(self.url(path)).send().await.unwrap()
    }

    /// POST a JSON body to a server function or API path.
    pub async fn post_json(&self, path: &str, body: serde_json::Value) -> reqwest::Response {
        self.http
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }
}

/// The whole server over TLS (a fresh self-signed certificate for localhost; `base` is
/// `https://localhost:<port>` and `http` trusts the certificate).
pub async fn spawn_app_tls() -> TestApp {
    let (pool, db) = fresh_pool().await;
    let dir = tempfile::tempdir().unwrap();
    let files = opsknight_server::tls::self_signed_in(dir.path()).unwrap();
    let config = opsknight_server::tls::load(&files).await.unwrap();
    let tls = TlsFiles {
        cert: files.cert,
        key: files.key,
        config,
        _dir: Arc::new(dir),
    };
    spawn_app_serving(
        pool,
        db,
        None,
        None,
        Default::default(),
        test_outbound(),
        Some(tls),
    )
    .await
}

/// Starts the whole HTTP server in-process against a fresh migrated database.
pub async fn spawn_app() -> TestApp {
    let (pool, db) = fresh_pool().await;
    spawn_app_with_pool(pool, db).await
}

/// A pool on a fresh migrated database, and the database's name.
async fn fresh_pool() -> (Db, String) {
    let db = fresh_database(true).await;
    let pool = PgPoolOptions::new()
        .max_connections(10)
        .connect_with(options_for(&db))
        .await
        .unwrap();
    (Db::new(pool), db)
}

/// Starts the server against a given pool (for example one that cannot reach a database).
pub async fn spawn_app_with_pool(pool: Db, db: String) -> TestApp {
    spawn_app_with(pool, db, None, None).await
}

/// Starts the server with a fake SNS confirmer (CloudWatch subscriptions).
pub async fn spawn_app_with_sns(sns: Arc<dyn opsknight_server::ingest::SnsConfirmer>) -> TestApp {
    let (pool, db) = fresh_pool().await;
    spawn_app_with(pool, db, None, Some(sns)).await
}

/// Starts the server with a mailer (for example SMTP to a test server).
pub async fn spawn_app_with_mailer(mailer: Arc<dyn app::mail::Mailer>) -> TestApp {
    let (pool, db) = fresh_pool().await;
    spawn_app_with(pool, db, Some(mailer), None).await
}

/// Starts the server with Twilio settings (its webhooks check signatures with them).
pub async fn spawn_app_with_twilio(
    twilio: Arc<opsknight_server::notify::twilio::TwilioConfig>,
) -> TestApp {
    let (pool, db) = fresh_pool().await;
    let phones = opsknight_server::notify::Phones {
        twilio: Some(twilio),
        gateway: None,
    };
    spawn_app_inner(pool, db, None, None, phones).await
}

/// Starts the server with the generic HTTP SMS gateway.
pub async fn spawn_app_with_gateway(
    gateway: Arc<opsknight_server::notify::gateway::GatewayConfig>,
) -> TestApp {
    let (pool, db) = fresh_pool().await;
    let phones = opsknight_server::notify::Phones {
        twilio: None,
        gateway: Some(gateway),
    };
    spawn_app_inner(pool, db, None, None, phones).await
}

/// Starts the server with chat apps configured (their fakes' URLs inside).
pub async fn spawn_app_with_chat(chat: opsknight_server::chat::config::ChatConfig) -> TestApp {
    let (pool, db) = fresh_pool().await;
    spawn_app_full(
        pool,
        db,
        None,
        None,
        Default::default(),
        test_outbound().with_chat(chat),
    )
    .await
}

/// Starts the server with chat apps configured and credentials saved in Settings winning over
/// them (as `serve` does).
pub async fn spawn_app_with_saved_chat(
    chat: opsknight_server::chat::config::ChatConfig,
) -> TestApp {
    let (pool, db) = fresh_pool().await;
    let outbound = test_outbound().with_saved_chat(chat, pool.clone(), test_keys());
    spawn_app_full(pool, db, None, None, Default::default(), outbound).await
}

async fn spawn_app_with(
    pool: Db,
    db: String,
    mailer: Option<Arc<dyn app::mail::Mailer>>,
    sns: Option<Arc<dyn opsknight_server::ingest::SnsConfirmer>>,
) -> TestApp {
    spawn_app_inner(pool, db, mailer, sns, Default::default()).await
}

async fn spawn_app_inner(
    pool: Db,
    db: String,
    mailer: Option<Arc<dyn app::mail::Mailer>>,
    sns: Option<Arc<dyn opsknight_server::ingest::SnsConfirmer>>,
    phones: opsknight_server::notify::Phones,
) -> TestApp {
    spawn_app_full(pool, db, mailer, sns, phones, test_outbound()).await
}

async fn spawn_app_full(
    pool: Db,
    db: String,
    mailer: Option<Arc<dyn app::mail::Mailer>>,
    sns: Option<Arc<dyn opsknight_server::ingest::SnsConfirmer>>,
    phones: opsknight_server::notify::Phones,
    outbound: opsknight_server::outbound::Outbound,
) -> TestApp {
    spawn_app_serving(pool, db, mailer, sns, phones, outbound, None).await
}

async fn spawn_app_serving(
    pool: Db,
    db: String,
    mailer: Option<Arc<dyn app::mail::Mailer>>,
    sns: Option<Arc<dyn opsknight_server::ingest::SnsConfirmer>>,
    phones: opsknight_server::notify::Phones,
    outbound: opsknight_server::outbound::Outbound,
    tls: Option<TlsFiles>,
) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let base = match &tls {
        Some(_) => format!("https://localhost:{}", addr.port()),
        None => format!("http://{addr}"),
    };
    let clock = ManualClock::new(t0());
    let state = AppState {
        pool: pool.clone(),
        clock: Arc::new(clock.clone()),
        leptos_options: opsknight_server::serve::leptos_options(Path::new("target/site"), addr),
        mailer: app::mail::MailerSource::new(
            mailer,
            Some(opsknight_server::notify::email::builder()),
        ),
        public_url: base.clone(),
        keys: test_keys(),
        phone: phone_source(&pool, &format!("http://{addr}"), phones.clone()),
        sso_env: None,
        event_formats: Arc::new(opsknight_server::integrations::Receivers),
    };
    let ingestor = match sns {
        None => opsknight_server::ingest::Ingestor::start(pool.clone(), state.clock.clone(), 2),
        Some(sns) => opsknight_server::ingest::Ingestor::start_with(
            pool.clone(),
            state.clock.clone(),
            2,
            sns,
        ),
    };
    let source = phone_source(&pool, &format!("http://{addr}"), phones);
    let state_copy = state.clone();
    let app = opsknight_server::http::router_with(
        state.clone(),
        Arc::new(HttpMetrics::default()),
        ingestor,
        source,
        outbound.clone(),
        std::time::Duration::from_secs(30),
    );
    let mut http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
    match &tls {
        None => {
            tokio::spawn(async move {
                axum::serve(
                    listener,
                    app.into_make_service_with_connect_info::<SocketAddr>(),
                )
                .await
                .unwrap();
            });
        }
        Some(files) => {
            let pem = std::fs::read(&files.cert).unwrap();
            http = http.add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap());
            let config = files.config.clone();
            let listener = listener.into_std().unwrap();
            tokio::spawn(async move {
                opsknight_server::tls::serve(listener, app, config, axum_server::Handle::new())
                    .await
                    .unwrap();
            });
        }
    }
    TestApp {
        state: state_copy,
        outbound,
        addr,
        base,
        db,
        pool,
        clock,
        http: http.build().unwrap(),
        tls,
    }
}

/// The phone provider source a test server or engine uses: `phones` from "the environment",
/// unless settings are saved.
pub fn phone_source(
    pool: &Db,
    public_url: &str,
    phones: opsknight_server::notify::Phones,
) -> Arc<opsknight_server::notify::PhoneSource> {
    opsknight_server::notify::PhoneSource::new(
        pool.clone(),
        test_keys(),
        public_url.to_owned(),
        phones,
    )
}

/// One fixed keyring for every test app (links signed by one instance verify on another).
/// Outbound deliveries that may reach this machine's loopback (the tests' fake receivers).
pub fn test_outbound() -> opsknight_server::outbound::Outbound {
    let allow = app::domain::egress::AllowList::parse("127.0.0.0/8, ::1").unwrap();
    opsknight_server::outbound::Outbound::new(allow).unwrap()
}

pub fn test_keys() -> Arc<app::secrets::Keyring> {
    Arc::new(app::secrets::Keyring::parse("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").unwrap())
}

impl TestApp {
    /// Starts an escalation engine (a worker pool) on this app's database and clock. Several
    /// may run at once, like several server instances.
    pub fn start_engine(
        &self,
        mailer: Option<Arc<dyn app::mail::Mailer>>,
    ) -> opsknight_server::engine::EngineHandle {
        self.start_engine_with(mailer, None)
    }

    /// An engine that also pages by SMS through `twilio` (a fake).
    pub fn start_engine_with(
        &self,
        mailer: Option<Arc<dyn app::mail::Mailer>>,
        twilio: Option<Arc<opsknight_server::notify::twilio::TwilioConfig>>,
    ) -> opsknight_server::engine::EngineHandle {
        let mut engine = opsknight_server::engine::Engine::new(
            self.pool.clone(),
            Arc::new(self.clock.clone()),
            app::mail::MailerSource::new(mailer, Some(opsknight_server::notify::email::builder())),
            test_keys(),
            self.base.clone(),
            self.outbound.clone(),
        );
        let phones = opsknight_server::notify::Phones {
            twilio,
            gateway: None,
        };
        engine = engine.with_phones(phone_source(&self.pool, &self.base, phones));
        engine.concurrency = 4;
        engine.start()
    }

    /// Starts the engine paging SMS and voice through the HTTP gateway.
    pub fn start_engine_with_gateway(
        &self,
        gateway: Arc<opsknight_server::notify::gateway::GatewayConfig>,
    ) -> opsknight_server::engine::EngineHandle {
        let mut engine = opsknight_server::engine::Engine::new(
            self.pool.clone(),
            Arc::new(self.clock.clone()),
            app::mail::MailerSource::new(None, Some(opsknight_server::notify::email::builder())),
            test_keys(),
            self.base.clone(),
            self.outbound.clone(),
        )
        .with_phones(phone_source(
            &self.pool,
            &self.base,
            opsknight_server::notify::Phones {
                twilio: None,
                gateway: Some(gateway),
            },
        ));
        engine.concurrency = 4;
        engine.start()
    }

    /// Waits until no job is due or running at the current (manual) time: everything the
    /// last change or clock step caused has run. Bounded; fails the test on timeout.
    pub async fn settle(&self) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let busy: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM jobs WHERE status = 'PROCESSING'
                    OR ((status = 'PENDING' OR (status = 'FAILED' AND attempts < max_attempts)) AND run_at <= $1)",
            )
            .bind(self.clock_now())
            .fetch_one(&self.pool)
            .await
            .unwrap();
            if busy == 0 {
                return;
            }
            if std::time::Instant::now() >= deadline {
                let stuck: Vec<(i64, String, String, i32, serde_json::Value)> = sqlx::query_as(
                    "SELECT id, kind, status, attempts, payload FROM jobs WHERE status IN ('PROCESSING', 'PENDING', 'FAILED') ORDER BY id",
                )
                .fetch_all(&self.pool)
                .await
                .unwrap();
                panic!("jobs still due or running after 30 s: {busy}: {stuck:?}");
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }

    /// Moves the manual clock forward, then waits for what became due to run.
    pub async fn advance(&self, by: chrono::Duration) {
        self.clock.advance(by);
        self.settle().await;
    }
}

/// The password every helper-made user has.
pub const PASSWORD: &str = "tangerine-kettle-orbit";

/// One argon2 hash of `PASSWORD`, computed once per test binary.
pub async fn password_hash() -> String {
    static HASH: OnceCell<String> = OnceCell::const_new();
    HASH.get_or_init(|| async { app::users::password::hash(PASSWORD.into()).await.unwrap() })
        .await
        .clone()
}

/// How a test request authenticates.
#[derive(Clone, Debug)]
pub enum Cred {
    Anonymous,
    /// A `Cookie` header value (`ok_session=…`).
    Cookie(String),
    /// An API key for `Authorization: Bearer`.
    Key(String),
}

impl Cred {
    /// The request carrying this credential.
    pub fn attach(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self {
            Cred::Anonymous => req,
            Cred::Cookie(c) => req.header("cookie", c),
            Cred::Key(k) => req.bearer_auth(k),
        }
    }
}

impl TestApp {
    /// An ACTIVE user with `PASSWORD`.
    pub async fn add_user(&self, email: &str, role: app::domain::Role) -> app::users::UserSummary {
        let user =
            app::users::NewUser::parse(email, email.split('@').next().unwrap(), role).unwrap();
        app::users::store::insert(&self.pool, &user, &password_hash().await, self.clock_now())
            .await
            .unwrap()
    }

    pub fn clock_now(&self) -> DateTime<Utc> {
        use app::clock::Clock;
        self.clock.now()
    }

    /// A live session for `user`, as a cookie (without going through sign-in).
    pub async fn session_for(&self, user: app::domain::UserId) -> Cred {
        let token = app::auth::session::new_token();
        app::auth::store::insert_session(
            &self.pool,
            user,
            &app::auth::session::token_hash(&token),
            self.clock_now(),
            None,
            None,
        )
        .await
        .unwrap();
        Cred::Cookie(format!("ok_session={token}"))
    }

    /// An API key for `user` with `scopes`.
    pub async fn key_for(&self, user: &app::users::UserSummary, scopes: &[&str]) -> Cred {
        let scopes: Vec<String> = scopes.iter().map(|s| (*s).to_owned()).collect();
        let new = app::apikeys::NewApiKey::parse(user.role, "test", &scopes, None).unwrap();
        let created = app::apikeys::store::create(&self.pool, user.id, &new, self.clock_now())
            .await
            .unwrap();
        Cred::Key(created.secret)
    }

    /// POSTs JSON as `cred`; returns the status and the JSON body (`Null` when empty).
    pub async fn call(
        &self,
        path: &str,
        body: serde_json::Value,
        cred: &Cred,
    ) -> (u16, serde_json::Value) {
        let (status, _, json) = self
            .send(reqwest::Method::POST, path, cred, Some(body), &[])
            .await;
        (status, json)
    }

    /// Any request as `cred`, with an optional JSON body and extra headers; returns the
    /// status, the headers and the JSON body (`Null` when empty or not JSON).
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        cred: &Cred,
        body: Option<serde_json::Value>,
        headers: &[(&str, &str)],
    ) -> (u16, reqwest::header::HeaderMap, serde_json::Value) {
        let mut req = cred.attach(self.http.request(method, self.url(path)));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap();
        (
            status,
            headers,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
        )
    }

    /// GETs `path` as `cred`.
    pub async fn get_as(&self, path: &str, cred: &Cred) -> reqwest::Response {
        cred.attach(self.http.get(self.url(path)))
            .send()
            .await
            .unwrap()
    }

    /// A service (urgency from severity, no policy) with an Events v2 integration, made as
    /// `cred`: (service id, routing key).
    pub async fn service_with_key(&self, cred: &Cred, name: &str) -> (String, String) {
        let (s, svc) = self
            .call(
                "/api/services/create",
                serde_json::json!({"name": name, "description": "", "team_id": null,
                    "urgency_rule": "SEVERITY", "ack_timeout_secs": null}),
                cred,
            )
            .await;
        assert_eq!(s, 200, "{svc}");
        let (s, i) = self
            .call(
                "/api/integrations/create",
                serde_json::json!({"service_id": svc["id"], "kind": "events_v2", "name": "main",
                    "rate_limit_per_min": null}),
                cred,
            )
            .await;
        assert_eq!(s, 200, "{i}");
        (
            svc["id"].as_str().unwrap().to_owned(),
            i["routing_key"].as_str().unwrap().to_owned(),
        )
    }

    /// Sends one Events v2 event (summary "<dedup> is down", source "db-1"); asserts the 202.
    pub async fn enqueue(&self, routing_key: &str, action: &str, dedup: &str, severity: &str) {
        let res = self
            .http
            .post(self.url("/v2/enqueue"))
            .json(
                &serde_json::json!({"routing_key": routing_key, "event_action": action,
                "dedup_key": dedup, "payload": {"summary": format!("{dedup} is down"),
                "source": "db-1", "severity": severity}}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            202,
            "{}",
            res.text().await.unwrap_or_default()
        );
    }

    /// Terminates the database connections LISTENing on `channel` (a Postgres restart, a
    /// proxy timeout, as their owners see it); returns how many there were.
    pub async fn drop_listen_connections(&self, channel: &str) -> i64 {
        sqlx::query_scalar(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
              WHERE datname = current_database() AND pid <> pg_backend_pid()
                AND query ILIKE '%LISTEN%' || $1 || '%') k",
        )
        .bind(channel)
        .fetch_one(&self.pool)
        .await
        .unwrap()
    }

    /// A session of a fresh ADMIN (`root@example.com`).
    /// Opens a HIGH incident titled `title` on `service` by hand (as `cred`); asserts the 200
    /// and returns the incident's id.
    pub async fn create_incident(&self, cred: &Cred, service: &str, title: &str) -> String {
        let (s, i) = self
            .call(
                "/api/incidents/create",
                serde_json::json!({"service_id": service, "title": title, "description": "",
                    "urgency": "HIGH"}),
                cred,
            )
            .await;
        assert_eq!(s, 200, "{i}");
        i.as_str().unwrap().to_owned()
    }

    /// A service named `name` whose escalation policy has `steps`; returns the service id.
    pub async fn service_with_policy(
        &self,
        cred: &Cred,
        name: &str,
        steps: serde_json::Value,
    ) -> String {
        let (s, svc) = self
            .call(
                "/api/services/create",
                serde_json::json!({"name": name, "description": "", "team_id": null,
                "urgency_rule": "SEVERITY", "ack_timeout_secs": null}),
                cred,
            )
            .await;
        assert_eq!(s, 200, "{svc}");
        let (s, p) = self
            .call(
                "/api/policies/create",
                serde_json::json!({"name": name, "description": "", "repeat_count": 0, "steps": steps}),
                cred,
            )
            .await;
        assert_eq!(s, 200, "{p}");
        let (s, b) = self
            .call(
                "/api/services/update",
                serde_json::json!({"id": svc["id"], "name": name, "description": "", "team_id": null,
                "urgency_rule": "SEVERITY", "ack_timeout_secs": null, "escalation_policy_id": p["id"]}),
                cred,
            )
            .await;
        assert_eq!(s, 200, "{b}");
        svc["id"].as_str().unwrap().to_owned()
    }

    pub async fn admin_session(&self) -> Cred {
        let admin = self
            .add_user("root@example.com", app::domain::Role::Admin)
            .await;
        self.session_for(admin.id).await
    }

    /// GETs a page as `cred`; returns the status and the `Location` header.
    pub async fn page(&self, path: &str, cred: &Cred) -> (u16, Option<String>) {
        let res = self.get_as(path, cred).await;
        let location = res
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_owned());
        (res.status().as_u16(), location)
    }
}

/// A real SMTP server process (Python's aiosmtpd from Debian) writing to a Maildir.
pub struct SmtpSink {
    child: std::process::Child,
    dir: tempfile::TempDir,
    pub port: u16,
    seen: std::sync::Mutex<std::collections::HashSet<std::ffi::OsString>>,
}

impl SmtpSink {
    /// Starts the server and waits until it accepts connections.
    pub async fn start() -> SmtpSink {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = tempfile::tempdir().unwrap();
        let child = Self::spawn(port, dir.path());
        let mut sink = SmtpSink {
            child,
            dir,
            port,
            seen: Default::default(),
        };
        sink.wait_up().await;
        sink
    }

    fn spawn(port: u16, dir: &Path) -> std::process::Child {
        std::process::Command::new("/usr/bin/python3")
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(dir.join("maildir"))
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("start aiosmtpd (scripts/install-tools.sh installs python3-aiosmtpd)")
    }

    /// Kills the server: connections are refused until `restart`.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts the server again on the same port and Maildir.
    pub async fn restart(&mut self) {
        self.child = Self::spawn(self.port, self.dir.path());
        self.wait_up().await;
    }

    async fn wait_up(&mut self) {
        let port = self.port;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(
                std::time::Instant::now() < deadline,
                "aiosmtpd did not start"
            );
            tokio::task::yield_now().await;
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// Messages that arrived since the last call, as (recipient, full text), sorted by
    /// recipient. Every message is returned exactly once across calls.
    pub fn take_new(&self) -> Vec<(String, String)> {
        let new = self.dir.path().join("maildir/new");
        let mut seen = self.seen.lock().unwrap();
        let mut out = Vec::new();
        for entry in std::fs::read_dir(&new).into_iter().flatten().flatten() {
            if seen.insert(entry.file_name()) {
                let text = std::fs::read_to_string(entry.path())
                    .unwrap()
                    .replace("=\r\n", "")
                    .replace("=\n", "")
                    .replace("=3D", "=");
                let to = text
                    .lines()
                    .find_map(|l| l.strip_prefix("To: "))
                    .unwrap_or("")
                    .trim()
                    .to_owned();
                out.push((to, text));
            }
        }
        out.sort();
        out
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every delivered message, decoded from quoted-printable, oldest first.
    pub fn messages(&self) -> Vec<String> {
        let new = self.dir.path().join("maildir/new");
        let mut files: Vec<_> = std::fs::read_dir(&new)
            .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
        files
            .iter()
            .map(|p| {
                std::fs::read_to_string(p)
                    .unwrap()
                    .replace("=\r\n", "")
                    .replace("=\n", "")
                    .replace("=3D", "=")
            })
            .collect()
    }

    /// A mailer that sends to this server.
    pub fn mailer(&self) -> Arc<dyn app::mail::Mailer> {
        Arc::new(
            opsknight_server::notify::email::SmtpMailer::from_url(
                &self.url(),
                "OpsKnight <pager@example.com>",
            )
            .unwrap(),
        )
    }

    /// Waits (bounded) until `n` messages have arrived, for mail sent in the background.
    pub async fn wait_for(&self, n: usize) -> Vec<String> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let got = self.messages();
            if got.len() >= n {
                return got;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "expected {n} emails, got {}",
                got.len()
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The first `http…/<path>?token=…` link in a text.
pub fn link_in(text: &str, path: &str) -> String {
    let start = text
        .find(&format!("/{path}?token="))
        .expect("link in email");
    let begin = text[..start].rfind("http").unwrap();
    let end = text[start..]
        .find(|c: char| c.is_whitespace())
        .map_or(text.len(), |e| start + e);
    text[begin..end].to_owned()
}
