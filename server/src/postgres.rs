//! The embedded default database: a private PostgreSQL cluster in the data dir, run with the
//! machine's `initdb` and `pg_ctl`. Listens on a unix socket only; never on TCP.
//!
//! As root, the cluster runs as the `postgres` OS user (Postgres refuses root). A crash leaves
//! either a running postmaster (adopted on the next start) or a stale `postmaster.pid`
//! (cleared when its pid is not a live postgres).

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, bail};
use sha2::{Digest, Sha256};
use sqlx::postgres::PgConnectOptions;

/// Superuser role and database created in the private cluster.
pub const DB_USER: &str = "opsknight";
pub const DB_NAME: &str = "opsknight";
const PORT: u16 = 5432;
/// Marker written after a successful initdb; a cluster dir without it is a failed init.
const INIT_MARKER: &str = "opsknight-initialized";
/// Unix socket paths are limited to 108 bytes.
const MAX_SOCKET_DIR_LEN: usize = 90;

/// The OS account that runs the cluster when we are root.
#[derive(Debug, Clone)]
struct RunAs {
    name: String,
    uid: u32,
    gid: u32,
}

/// A running private cluster. Call [`EmbeddedPostgres::stop`] to shut it down.
#[derive(Debug)]
pub struct EmbeddedPostgres {
    bin_dir: PathBuf,
    pgdata: PathBuf,
    socket_dir: PathBuf,
    run_as: Option<RunAs>,
    /// True when this process started the cluster (false when it adopted a running one).
    pub started_here: bool,
}

impl EmbeddedPostgres {
    /// Ensures a cluster exists under `data_dir` and is running. Blocking; call from
    /// `spawn_blocking`. Concurrent callers on one data dir are serialised by a file lock.
    pub fn start(data_dir: &Path) -> anyhow::Result<Self> {
        let data_dir = prepare_data_dir(data_dir)?;
        let lock = File::create(data_dir.join(".cluster.lock"))
            .with_context(|| format!("create lock file in data dir {}", data_dir.display()))?;
        lock.lock()
            .with_context(|| format!("lock data dir {}", data_dir.display()))?;

        let bin_dir = find_bin_dir()?;
        let run_as = if is_root()? {
            Some(postgres_account()?)
        } else {
            None
        };
        let pgdata = cluster_dir(&data_dir, run_as.as_ref())?;
        let socket_dir = socket_dir(&pgdata, run_as.as_ref())?;
        let pg = EmbeddedPostgres {
            bin_dir,
            pgdata,
            socket_dir,
            run_as,
            started_here: false,
        };
        pg.init_if_needed()?;
        pg.write_managed_config()?;
        let pg = pg.run()?;
        drop(lock);
        Ok(pg)
    }

    /// Connection options for the cluster's `opsknight` database (over the unix socket).
    pub fn connect_options(&self) -> PgConnectOptions {
        self.connect_options_for(DB_NAME)
    }

    pub fn connect_options_for(&self, database: &str) -> PgConnectOptions {
        PgConnectOptions::new()
            .socket(&self.socket_dir)
            .port(PORT)
            .username(DB_USER)
            .database(database)
    }

    pub fn pgdata(&self) -> &Path {
        &self.pgdata
    }

    /// Stops the cluster (fast shutdown: open transactions roll back). Blocking.
    pub fn stop(&self) -> anyhow::Result<()> {
        let out = self
            .pg_command("pg_ctl")
            .arg("-D")
            .arg(&self.pgdata)
            .args(["-m", "fast", "-w", "-t", "60", "stop"])
            .output()
            .context("run pg_ctl stop")?;
        // Exit 1 with "PID file does not exist" means it is already stopped.
        if !out.status.success() && self.is_running()? {
            bail!(
                "pg_ctl stop failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        tracing::info!(pgdata = %self.pgdata.display(), "embedded postgres stopped");
        Ok(())
    }

    fn init_if_needed(&self) -> anyhow::Result<()> {
        if self.pgdata.join(INIT_MARKER).exists() {
            return Ok(());
        }
        if self.pgdata.exists() && fs::read_dir(&self.pgdata)?.next().is_some() {
            if self.pgdata.join("PG_VERSION").exists()
                && !self.pgdata.join("postgresql.conf").exists()
            {
                bail!(
                    "{} holds an incomplete cluster; remove it and start again",
                    self.pgdata.display()
                );
            }
            if !self.pgdata.join("PG_VERSION").exists() {
                tracing::warn!(pgdata = %self.pgdata.display(), "removing a cluster directory left by an interrupted initdb");
                fs::remove_dir_all(&self.pgdata).context("remove interrupted cluster dir")?;
            }
        }
        if !self.pgdata.join("PG_VERSION").exists() {
            create_private_dir(&self.pgdata, self.run_as.as_ref())?;
            tracing::info!(pgdata = %self.pgdata.display(), "initialising embedded postgres cluster");
            let out = self
                .pg_command("initdb")
                .arg("-D")
                .arg(&self.pgdata)
                .args([
                    "-U",
                    DB_USER,
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C",
                    "--no-instructions",
                ])
                .output()
                .context("run initdb")?;
            if !out.status.success() {
                bail!("initdb failed: {}", last_line(&out.stderr));
            }
            let mut conf = OpenOptions::new()
                .append(true)
                .open(self.pgdata.join("postgresql.conf"))
                .context("open postgresql.conf")?;
            writeln!(conf, "\n# Managed by OpsKnight: socket location and tuning.\ninclude_if_exists = 'opsknight.conf'")
                .context("write postgresql.conf")?;
        }
        File::create(self.pgdata.join(INIT_MARKER)).context("write init marker")?;
        self.chown(&self.pgdata.join(INIT_MARKER))?;
        Ok(())
    }

    /// Rewritten at every start, since the socket dir can depend on where the data dir is.
    fn write_managed_config(&self) -> anyhow::Result<()> {
        let dir = self.socket_dir.to_string_lossy().replace('\'', "''");
        let conf = format!(
            "listen_addresses = ''\n\
             unix_socket_directories = '{dir}'\n\
             unix_socket_permissions = 0700\n\
             port = {PORT}\n\
             max_connections = 200\n\
             shared_buffers = 128MB\n\
             log_min_messages = warning\n"
        );
        let path = self.pgdata.join("opsknight.conf");
        fs::write(&path, conf).with_context(|| format!("write {}", path.display()))?;
        self.chown(&path)
    }

    fn is_running(&self) -> anyhow::Result<bool> {
        let status = self
            .pg_command("pg_ctl")
            .arg("-D")
            .arg(&self.pgdata)
            .arg("status")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .context("run pg_ctl status")?;
        Ok(status.success())
    }

    /// Adopts a running postmaster or starts one, clearing a stale lock file first.
    fn run(mut self) -> anyhow::Result<Self> {
        self.clear_stale_locks()?;
        if self.is_running()? {
            tracing::info!(pgdata = %self.pgdata.display(), "embedded postgres already running; reusing it");
            return Ok(self);
        }
        if let Some(who) = &self.run_as {
            tracing::info!(user = %who.name, pgdata = %self.pgdata.display(),
                "running as root: the embedded postgres cluster runs as the `{}` OS user", who.name);
        }
        let log = self.pgdata.join("opsknight-postgres.log");
        let out = self
            .pg_command("pg_ctl")
            .arg("-D")
            .arg(&self.pgdata)
            .arg("-l")
            .arg(&log)
            .args(["-w", "-t", "60", "start"])
            // Own process group: a terminal's Ctrl-C reaches us, and we stop the cluster cleanly.
            .process_group(0)
            .stdin(Stdio::null())
            .output()
            .context("run pg_ctl start")?;
        if !out.status.success() {
            let tail = fs::read_to_string(&log).unwrap_or_default();
            let reason = tail
                .lines()
                .rev()
                .find(|l| l.contains("FATAL") || l.contains("ERROR"))
                .unwrap_or_else(|| last_line(&out.stderr));
            bail!(
                "embedded postgres failed to start ({}): {reason}",
                log.display()
            );
        }
        self.started_here = true;
        tracing::info!(pgdata = %self.pgdata.display(), socket_dir = %self.socket_dir.display(), "embedded postgres started");
        Ok(self)
    }

    /// Lock files (`postmaster.pid`, the socket's `.s.PGSQL.<port>.lock`) whose pid is gone,
    /// a zombie, or now another program's, are stale: remove them so postgres can start.
    fn clear_stale_locks(&self) -> anyhow::Result<()> {
        let socket_lock = self.socket_dir.join(format!(".s.PGSQL.{PORT}.lock"));
        for lock in [self.pgdata.join("postmaster.pid"), socket_lock] {
            let Ok(contents) = fs::read_to_string(&lock) else {
                continue;
            };
            let pid = contents.lines().next().unwrap_or("").trim();
            if !is_live_postgres(pid) {
                tracing::warn!(pid, file = %lock.display(), "removing stale postgres lock file left by a crash");
                fs::remove_file(&lock)
                    .with_context(|| format!("remove stale lock file {}", lock.display()))?;
            }
        }
        Ok(())
    }

    /// A command for a postgres binary, run as the cluster's OS user when we are root.
    fn pg_command(&self, program: &str) -> Command {
        let exe = self.bin_dir.join(program);
        let mut cmd = match &self.run_as {
            Some(who) => {
                let mut c = Command::new("setpriv");
                c.arg(format!("--reuid={}", who.uid))
                    .arg(format!("--regid={}", who.gid))
                    .arg("--init-groups")
                    .arg(exe);
                c
            }
            None => Command::new(exe),
        };
        cmd.current_dir("/").env_remove("PGDATA").env("LC_ALL", "C");
        cmd
    }

    fn chown(&self, path: &Path) -> anyhow::Result<()> {
        chown_to(path, self.run_as.as_ref())
    }
}

/// True when `pid` is a running (not zombie) process named postgres. A postmaster killed with
/// SIGKILL can linger as a zombie when nothing reaps it; `kill(pid, 0)` still succeeds then,
/// which is why `pg_ctl status` alone would wrongly report it running.
fn is_live_postgres(pid: &str) -> bool {
    if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let Ok(stat) = fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // Format: `pid (comm) state ...`; comm may hold spaces or parentheses.
    let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
        return false;
    };
    let comm = &stat[open + 1..close];
    let state = stat[close + 1..].trim_start().chars().next();
    comm.starts_with("postgres") && !matches!(state, Some('Z') | Some('X') | None)
}

fn last_line(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes)
        .unwrap_or("")
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("no output")
}

/// Creates the data dir and proves it is writable; returns its absolute path.
fn prepare_data_dir(data_dir: &Path) -> anyhow::Result<PathBuf> {
    fs::create_dir_all(data_dir)
        .with_context(|| format!("data dir {} cannot be created", data_dir.display()))?;
    let probe = data_dir.join(".write-check");
    File::create(&probe)
        .and_then(|_| fs::remove_file(&probe))
        .with_context(|| format!("data dir {} is not writable", data_dir.display()))?;
    data_dir
        .canonicalize()
        .with_context(|| format!("resolve data dir {}", data_dir.display()))
}

fn is_root() -> anyhow::Result<bool> {
    Ok(fs::metadata("/proc/self").context("read /proc/self")?.uid() == 0)
}

/// The `postgres` account from /etc/passwd.
fn postgres_account() -> anyhow::Result<RunAs> {
    let passwd = fs::read_to_string("/etc/passwd").context("read /etc/passwd")?;
    passwd
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.len() >= 4 && f[0] == "postgres").then(|| (f[2].parse().ok(), f[3].parse().ok()))
        })
        .find_map(|(uid, gid)| {
            Some(RunAs {
                name: "postgres".into(),
                uid: uid?,
                gid: gid?,
            })
        })
        .context("running as root, but there is no `postgres` OS user to run the embedded cluster; create one or run as a non-root user")
}

/// Where the cluster's files live: `<data-dir>/postgres`, unless the `postgres` user cannot
/// reach the data dir (a data dir under /root, say); then a dir under /var/lib/opsknight.
fn cluster_dir(data_dir: &Path, run_as: Option<&RunAs>) -> anyhow::Result<PathBuf> {
    let inside = data_dir.join("postgres");
    let Some(who) = run_as else {
        return Ok(inside);
    };
    let reachable = Command::new("setpriv")
        .arg(format!("--reuid={}", who.uid))
        .arg(format!("--regid={}", who.gid))
        .arg("--init-groups")
        .args(["test", "-x"])
        .arg(data_dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .context("run setpriv to check the data dir")?
        .success();
    if reachable {
        return Ok(inside);
    }
    let digest = hex::encode(Sha256::digest(data_dir.to_string_lossy().as_bytes()));
    let outside = PathBuf::from("/var/lib/opsknight")
        .join(&digest[..16])
        .join("postgres");
    tracing::warn!(
        data_dir = %data_dir.display(), cluster = %outside.display(),
        "the `{}` OS user cannot reach the data dir; keeping the embedded cluster in {} instead",
        who.name, outside.display()
    );
    let parent = outside.parent().context("cluster dir has a parent")?;
    fs::create_dir_all(parent).with_context(|| format!("create {}", parent.display()))?;
    fs::write(
        data_dir.join("postgres-location"),
        format!("{}\n", outside.display()),
    )
    .context("record the cluster location in the data dir")?;
    Ok(outside)
}

/// The socket lives in the cluster dir when its path is short enough, else in /tmp.
fn socket_dir(pgdata: &Path, run_as: Option<&RunAs>) -> anyhow::Result<PathBuf> {
    if pgdata.as_os_str().len() <= MAX_SOCKET_DIR_LEN {
        return Ok(pgdata.to_path_buf());
    }
    let digest = hex::encode(Sha256::digest(pgdata.to_string_lossy().as_bytes()));
    let dir = PathBuf::from(format!("/tmp/opsknight-pg-{}", &digest[..16]));
    create_private_dir(&dir, run_as)?;
    Ok(dir)
}

/// mkdir -p with mode 0700, owned by the cluster's OS user.
fn create_private_dir(dir: &Path, run_as: Option<&RunAs>) -> anyhow::Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
        .with_context(|| format!("chmod 700 {}", dir.display()))?;
    chown_to(dir, run_as)
}

fn chown_to(path: &Path, run_as: Option<&RunAs>) -> anyhow::Result<()> {
    if let Some(who) = run_as {
        std::os::unix::fs::chown(path, Some(who.uid), Some(who.gid))
            .with_context(|| format!("chown {} to {}", path.display(), who.name))?;
    }
    Ok(())
}

/// The directory holding `initdb` and `pg_ctl`: from PATH, else the newest
/// `/usr/lib/postgresql/<version>/bin`.
fn find_bin_dir() -> anyhow::Result<PathBuf> {
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            if dir.join("initdb").is_file() && dir.join("pg_ctl").is_file() {
                return Ok(dir);
            }
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((v, bin))
        })
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .context("PostgreSQL server binaries (initdb, pg_ctl) not found on PATH or in /usr/lib/postgresql/*/bin; install PostgreSQL or set DATABASE_URL")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_live_postgres_processes_only() {
        assert!(!is_live_postgres(""));
        assert!(!is_live_postgres("not-a-pid"));
        assert!(!is_live_postgres("999999999"));
        // This test process is alive but is not postgres.
        assert!(!is_live_postgres(&std::process::id().to_string()));
    }

    #[test]
    fn finds_postgres_binaries() {
        let dir = find_bin_dir().unwrap();
        assert!(dir.join("pg_ctl").is_file());
    }
}
