//! The `opsknight` binary: help text, one-line errors for bad input, `user add`, and the serve
//! lifecycle on an embedded cluster (Ctrl-C, restart, kill -9 recovery).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_opsknight");

fn opsknight(args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_remove("DATABASE_URL")
        .env("OPSKNIGHT_LOG", "warn")
        .stdin(Stdio::null());
    cmd
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap()
}

/// A fatal error: non-zero exit, exactly one line on stderr naming `needle`, no panic.
fn assert_one_line_error(out: &Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "should fail: {stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line, got: {stderr}");
    assert!(lines[0].contains(needle), "{needle:?} in {stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr}"
    );
}

#[test]
fn help_documents_every_option_and_env_var() {
    let top = String::from_utf8(run(&mut opsknight(&["--help"])).stdout).unwrap();
    let serve = String::from_utf8(run(&mut opsknight(&["serve", "--help"])).stdout).unwrap();
    for var in [
        "OPSKNIGHT_DATA_DIR",
        "DATABASE_URL",
        "OPSKNIGHT_LOG_FORMAT",
        "OPSKNIGHT_LOG",
        "OPSKNIGHT_DB_MAX_CONNECTIONS",
        "OPSKNIGHT_DB_CONNECT_TIMEOUT",
        "OPSKNIGHT_DB_ACQUIRE_TIMEOUT",
        "OPSKNIGHT_DATABASE_DIRECT_URL",
        "OPSKNIGHT_DATABASE_READ_URL",
        "OPSKNIGHT_REQUEST_TIMEOUT",
        "OPSKNIGHT_EGRESS_ALLOW",
        "OPSKNIGHT_DELIVERY_CONCURRENCY",
        "OPSKNIGHT_ADDR",
        "OPSKNIGHT_SITE_ROOT",
        "OPSKNIGHT_SHUTDOWN_TIMEOUT",
        "OPSKNIGHT_SECRET_KEYS",
        "OPSKNIGHT_ENGINE_CONCURRENCY",
        "OPSKNIGHT_RETENTION_INCIDENT_DAYS",
        "OPSKNIGHT_RETENTION_ALERT_DAYS",
        "OPSKNIGHT_RETENTION_JOB_DAYS",
        "OPSKNIGHT_SMS_INTERVAL_SECS",
        "OPSKNIGHT_CALL_INTERVAL_SECS",
        "OPSKNIGHT_TWILIO_ACCOUNT_SID",
        "OPSKNIGHT_TWILIO_AUTH_TOKEN",
        "OPSKNIGHT_TWILIO_PREVIOUS_AUTH_TOKEN",
        "OPSKNIGHT_TWILIO_FROM",
        "OPSKNIGHT_TWILIO_API_URL",
        "OPSKNIGHT_SMS_GATEWAY_URL",
        "OPSKNIGHT_SMS_GATEWAY_METHOD",
        "OPSKNIGHT_SMS_GATEWAY_HEADERS",
        "OPSKNIGHT_SMS_GATEWAY_BODY",
        "OPSKNIGHT_SMS_GATEWAY_SECRET",
        "OPSKNIGHT_DELIVERY_PER_DESTINATION",
        "OPSKNIGHT_SLACK_BOT_TOKEN",
        "OPSKNIGHT_SLACK_SIGNING_SECRET",
        "OPSKNIGHT_SLACK_API_URL",
        "OPSKNIGHT_TELEGRAM_BOT_TOKEN",
        "OPSKNIGHT_TELEGRAM_API_URL",
        "OPSKNIGHT_TELEGRAM_UPDATES",
        "OPSKNIGHT_PUSHOVER_TOKEN",
        "OPSKNIGHT_PUSHOVER_API_URL",
    ] {
        assert!(serve.contains(var), "serve --help mentions {var}");
    }
    for cmd in ["serve", "migrate", "user"] {
        assert!(top.contains(cmd), "--help lists {cmd}");
    }
    assert!(
        top.contains("127.0.0.1:3000") && top.contains("./.opsknight"),
        "defaults shown"
    );
    let add = String::from_utf8(run(&mut opsknight(&["user", "add", "--help"])).stdout).unwrap();
    for flag in ["--email", "--name", "--role", "OPSKNIGHT_USER_EMAIL"] {
        assert!(add.contains(flag), "user add --help mentions {flag}");
    }
}

#[test]
fn bad_input_exits_non_zero_with_one_line() {
    assert_one_line_error(&run(&mut opsknight(&["--bogus"])), "--bogus");
    assert_one_line_error(
        &run(&mut opsknight(&["rollup", "--from", "yesterday"])),
        "--from",
    );
    assert_one_line_error(
        &run(&mut opsknight(&[
            "rollup",
            "--from",
            "2026-03-05",
            "--to",
            "2026-03-01",
        ])),
        "--from",
    );
    assert_one_line_error(
        &run(&mut opsknight(&[
            "rollup",
            "--from",
            "2026-03-01",
            "--to",
            "2999-01-01",
        ])),
        "--to",
    );
    assert_one_line_error(
        &run(&mut opsknight(&["--addr", "not-an-address"])),
        "--addr",
    );
    assert_one_line_error(
        &run(&mut opsknight(&["--log-format", "xml"])),
        "--log-format",
    );
    assert_one_line_error(
        &run(opsknight(&["--addr", "127.0.0.1:0"]).env("OPSKNIGHT_SECRET_KEYS", "c2hvcnQ=")),
        "OPSKNIGHT_SECRET_KEYS",
    );
    assert_one_line_error(
        &run(opsknight(&["--addr", "127.0.0.1:0"]).env("OPSKNIGHT_SMS_GATEWAY_URL", "ftp://x")),
        "OPSKNIGHT_SMS_GATEWAY_URL",
    );
    assert_one_line_error(
        &run(opsknight(&["--addr", "127.0.0.1:0"])
            .env("OPSKNIGHT_SMS_GATEWAY_URL", "https://sms.example.com/send")
            .env(
                "OPSKNIGHT_TWILIO_ACCOUNT_SID",
                "AC0123456789abcdef0123456789abcdef",
            )
            .env("OPSKNIGHT_TWILIO_AUTH_TOKEN", "t")
            .env("OPSKNIGHT_TWILIO_FROM", "+14155550100")),
        "not both",
    );
    assert_one_line_error(
        &run(&mut opsknight(&[
            "--addr",
            "127.0.0.1:0",
            "--db-connect-timeout",
            "1",
            "--database-url",
            "postgres://nobody@127.0.0.1:1/none",
        ])),
        "cannot connect to database 127.0.0.1:1/none",
    );
    // A reachable server without that database fails at once, naming it.
    assert_one_line_error(
        &run(&mut opsknight(&[
            "--addr",
            "127.0.0.1:0",
            "--database-url",
            &common::url_for("opsknight_no_such_db"),
        ])),
        "opsknight_no_such_db",
    );
    assert_one_line_error(
        &run(&mut opsknight(&[
            "--addr",
            "127.0.0.1:0",
            "--database-url",
            "mysql://what",
        ])),
        "DATABASE_URL",
    );
    assert_one_line_error(
        &run(opsknight(&["--addr", "127.0.0.1:0"]).env("OPSKNIGHT_SLACK_BOT_TOKEN", "xoxb-1-2-abc")),
        "OPSKNIGHT_SLACK_SIGNING_SECRET",
    );
    assert_one_line_error(
        &run(opsknight(&["--addr", "127.0.0.1:0"]).env("OPSKNIGHT_TELEGRAM_BOT_TOKEN", "nope")),
        "OPSKNIGHT_TELEGRAM_BOT_TOKEN",
    );
    assert_one_line_error(
        &run(opsknight(&["--addr", "127.0.0.1:0"]).env("OPSKNIGHT_TELEGRAM_UPDATES", "push")),
        "OPSKNIGHT_TELEGRAM_UPDATES",
    );
    assert_one_line_error(
        &run(opsknight(&["--addr", "127.0.0.1:0"]).env("OPSKNIGHT_PUSHOVER_TOKEN", "short")),
        "OPSKNIGHT_PUSHOVER_TOKEN",
    );
    assert_one_line_error(
        &run(opsknight(&["--addr", "127.0.0.1:0"]).env("OPSKNIGHT_EGRESS_ALLOW", "10.0.0.0/33")),
        "OPSKNIGHT_EGRESS_ALLOW",
    );
    for (var, flag) in [
        ("OPSKNIGHT_DATABASE_DIRECT_URL", "--database-direct-url"),
        ("OPSKNIGHT_DATABASE_READ_URL", "--database-read-url"),
    ] {
        // Malformed, and set without DATABASE_URL: each an error naming the variable.
        let base = [
            "--addr",
            "127.0.0.1:0",
            "--database-url",
            "postgres://u:pw@127.0.0.1:1/db",
        ];
        let mut args = base.to_vec();
        args.extend([flag, "mysql://u:secret@what"]);
        let out = run(&mut opsknight(&args));
        assert_one_line_error(&out, var);
        assert!(!String::from_utf8_lossy(&out.stderr).contains("secret"));
        assert_one_line_error(
            &run(opsknight(&["--addr", "127.0.0.1:0"]).env(var, "postgres://127.0.0.1/db")),
            var,
        );
    }
    assert_one_line_error(
        &run(&mut opsknight(&[
            "--addr",
            "127.0.0.1:0",
            "--data-dir",
            "/proc/opsknight-cannot-write",
        ])),
        "data dir /proc/opsknight-cannot-write",
    );
    let read_only = tempfile::tempdir().unwrap();
    let file_as_dir = read_only.path().join("a-file");
    std::fs::write(&file_as_dir, b"x").unwrap();
    assert_one_line_error(
        &run(&mut opsknight(&[
            "migrate",
            "--data-dir",
            file_as_dir.to_str().unwrap(),
        ])),
        "data dir",
    );
}

#[tokio::test]
async fn user_add_creates_users_and_rejects_bad_input() {
    let db = common::fresh_database(true).await;
    let url = common::url_for(&db);

    let mut child = opsknight(&[
        "user",
        "add",
        "--email",
        "Bob@Example.com",
        "--name",
        "Bob Ops",
        "--role",
        "responder",
    ])
    .env("DATABASE_URL", &url)
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"tangerine-kettle-orbit\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("Created RESPONDER Bob Ops <bob@example.com>"),
        "{stdout}"
    );
    assert!(!stdout.contains("Generated password"));

    // No stdin: a password is generated and shown once.
    let out = run(opsknight(&[
        "user",
        "add",
        "--email",
        "cy@example.com",
        "--name",
        "Cy",
        "--role",
        "admin",
    ])
    .env("DATABASE_URL", &url));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let generated = stdout
        .lines()
        .find_map(|l| l.strip_prefix("Generated password (shown once): "))
        .unwrap();
    assert_eq!(generated.len(), 20);

    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let hash: String =
        sqlx::query_scalar("SELECT password_hash FROM users WHERE email = 'cy@example.com'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(
        app::users::password::verify(generated.to_owned(), hash)
            .await
            .unwrap()
    );

    let env_url = |c: &mut Command| run(c.env("DATABASE_URL", &url));
    assert_one_line_error(
        &env_url(&mut opsknight(&[
            "user", "add", "--email", "nope", "--name", "X",
        ])),
        "--email",
    );
    assert_one_line_error(
        &env_url(&mut opsknight(&[
            "user",
            "add",
            "--email",
            "bob@example.com",
            "--name",
            "Bob",
        ])),
        "--email: a user with this email already exists",
    );
    assert_one_line_error(
        &env_url(&mut opsknight(&[
            "user",
            "add",
            "--email",
            "d@example.com",
            "--name",
            "D",
            "--role",
            "owner",
        ])),
        "--role",
    );
    assert_one_line_error(
        &env_url(&mut opsknight(&[
            "user",
            "add",
            "--email",
            "d@example.com",
            "--name",
            "",
        ])),
        "--name",
    );
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(count, 2, "failed adds write nothing");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn serve(data_dir: &Path, port: u16, log: &Path) -> Child {
    opsknight(&[
        "serve",
        "--addr",
        &format!("127.0.0.1:{port}"),
        "--data-dir",
        data_dir.to_str().unwrap(),
    ])
    .env("OPSKNIGHT_LOG", "info")
    .stdout(Stdio::null())
    .stderr(std::fs::File::create(log).unwrap())
    .spawn()
    .unwrap()
}

/// Polls /health until 200 (bounded), as a client waiting for a server would.
fn wait_healthy(port: u16, child: &mut Child, log: &Path) -> Duration {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        if let Some(status) = child.try_wait().unwrap() {
            panic!(
                "server exited early: {status}: {}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::Read;
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let _ = s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            let mut buf = String::new();
            let _ = s.read_to_string(&mut buf);
            if buf.starts_with("HTTP/1.1 200") {
                return started.elapsed();
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("server never became healthy");
}

/// Pids of postgres processes serving `pgdata`.
fn postgres_pids(pgdata: &Path) -> Vec<u32> {
    let needle = format!("-D\0{}", pgdata.display());
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            let cmdline = std::fs::read(e.path().join("cmdline")).ok()?;
            String::from_utf8_lossy(&cmdline)
                .contains(&needle)
                .then_some(pid)
        })
        .collect()
}

/// True once `pid` is gone or a zombie (killed, not yet reaped).
fn exited(pid: &str) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.trim_start().chars().next())
            .is_some_and(|state| state == 'Z' || state == 'X'),
    }
}

fn signal(pid: u32, sig: &str) {
    assert!(
        Command::new("kill")
            .args([sig, &pid.to_string()])
            .status()
            .unwrap()
            .success()
    );
}

#[test]
fn serve_lifecycle_ctrl_c_restart_and_kill_9_recovery() {
    let dir = tempfile::tempdir_in(std::env::temp_dir()).unwrap();
    // World-searchable, so a root run can keep the cluster inside the data dir.
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let data = dir.path().join("data");
    let pgdata = data.join("postgres");
    let log = dir.path().join("serve.log");

    // First start initialises the cluster.
    let port = free_port();
    let mut child = serve(&data, port, &log);
    wait_healthy(port, &mut child, &log);
    assert!(
        std::fs::read_to_string(&log)
            .unwrap()
            .contains("initialising embedded postgres cluster")
    );
    assert!(!postgres_pids(&pgdata).is_empty());

    // Ctrl-C: clean exit, no postgres left behind.
    signal(child.id(), "-INT");
    assert!(child.wait().unwrap().success());
    assert!(
        postgres_pids(&pgdata).is_empty(),
        "postgres stopped with the server"
    );

    // Second start reuses the data dir.
    let mut child = serve(&data, port, &log);
    wait_healthy(port, &mut child, &log);
    assert!(
        !std::fs::read_to_string(&log)
            .unwrap()
            .contains("initialising"),
        "no second initdb"
    );

    // A command on the same data dir shares the running cluster and leaves it running.
    let add = |email: &str| {
        run(&mut opsknight(&[
            "user",
            "add",
            "--data-dir",
            data.to_str().unwrap(),
            "--email",
            email,
            "--name",
            "Op",
        ]))
    };
    let out = add("while-serving@example.com");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    wait_healthy(port, &mut child, &log);
    assert!(
        !postgres_pids(&pgdata).is_empty(),
        "the server's cluster is still up"
    );

    // kill -9 of the server and of postgres: the restart clears the stale lock.
    signal(child.id(), "-9");
    child.wait().unwrap();
    for pid in postgres_pids(&pgdata) {
        let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
    }
    // A killed process loses its cmdline before it becomes a zombie: wait for the state.
    let postmaster = std::fs::read_to_string(pgdata.join("postmaster.pid")).unwrap();
    let postmaster = postmaster.lines().next().unwrap().trim().to_owned();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !exited(&postmaster) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(exited(&postmaster), "postmaster {postmaster} did not exit");
    assert!(
        pgdata.join("postmaster.pid").exists(),
        "stale lock left by the crash"
    );
    let mut child = serve(&data, port, &log);
    wait_healthy(port, &mut child, &log);
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("removing stale postgres lock file"), "{text}");

    // kill -9 of the server only: the orphaned cluster is adopted, then stopped on SIGTERM.
    signal(child.id(), "-9");
    child.wait().unwrap();
    assert!(
        !postgres_pids(&pgdata).is_empty(),
        "cluster outlives a killed server"
    );
    let mut child = serve(&data, port, &log);
    wait_healthy(port, &mut child, &log);
    assert!(
        std::fs::read_to_string(&log)
            .unwrap()
            .contains("already running; reusing it")
    );
    signal(child.id(), "-TERM");
    assert!(child.wait().unwrap().success());
    assert!(postgres_pids(&pgdata).is_empty());

    // With no server, a command starts the cluster for itself and stops it again; the user
    // added while serving is still there.
    let out = add("while-stopped@example.com");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        postgres_pids(&pgdata).is_empty(),
        "the command stopped the cluster it started"
    );
    let out = add("while-serving@example.com");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("already exists"),
        "data persisted"
    );
}

#[tokio::test]
async fn json_logs_are_one_object_per_line() {
    let db = common::fresh_database(false).await;
    let out = run(opsknight(&["migrate", "--log-format", "json"])
        .env("DATABASE_URL", common::url_for(&db))
        .env("OPSKNIGHT_LOG", "info"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<serde_json::Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l["message"] == "migrations applied" && l["level"] == "INFO"),
        "{stderr}"
    );
}

#[tokio::test]
async fn apikey_create_prints_a_working_key_and_rejects_bad_input() {
    let app = common::spawn_app().await;
    app.add_user("ops@example.com", app::domain::Role::Responder)
        .await;
    let url = common::url_for(&app.db);

    let out = run(opsknight(&[
        "apikey",
        "create",
        "--email",
        "OPS@example.com",
        "--scopes",
        "incidents:read,services:read",
    ])
    .env("DATABASE_URL", &url));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let key = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(key.starts_with("ok_"), "{key}");
    let (status, me) = app
        .call(
            "/api/auth/me",
            serde_json::json!({}),
            &common::Cred::Key(key),
        )
        .await;
    assert_eq!(
        (status, me["email"].as_str()),
        (200, Some("ops@example.com"))
    );

    for (args, needle) in [
        (
            vec!["--email", "ops@example.com", "--scopes", "root"],
            "--scopes",
        ),
        (
            vec!["--email", "ops@example.com", "--scopes", "admin"],
            "--scopes",
        ),
        (
            vec!["--email", "ghost@example.com", "--scopes", "incidents:read"],
            "--email",
        ),
        (
            vec![
                "--email",
                "ops@example.com",
                "--scopes",
                "incidents:read",
                "--expires-days",
                "0",
            ],
            "--expires-days",
        ),
    ] {
        let mut all = vec!["apikey", "create"];
        all.extend(args);
        let out = run(opsknight(&all).env("DATABASE_URL", &url));
        assert_one_line_error(&out, needle);
    }
    assert_eq!(app.count("api_keys").await, 1);
}
