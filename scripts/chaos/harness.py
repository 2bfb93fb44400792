"""What the chaos scenarios share: real `opsknight serve` processes (the release build) on the
Postgres in DATABASE_URL, a real SMTP server (aiosmtpd, in this process) that counts the
page emails per incident, the admin API, an open-loop Events v2 load generator, and psql.

Every wait is bounded; a scenario that cannot get its server up fails with what it saw.
"""
import asyncio
import atexit
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter

from aiosmtpd.controller import Controller

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("OPSKNIGHT_BIN") or os.path.join(
    os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "opsknight")
DATABASE_URL = os.environ["DATABASE_URL"]
PSQL = os.environ.get("PSQL", "psql")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_until(what, check, timeout):
    """Polls `check` every 50 ms until it is truthy; raises naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{what}: not reached within {timeout} s")
        time.sleep(0.05)


def within(check, timeout):
    """Like `wait_until`, but answers False at the deadline (the scenario reports it)."""
    try:
        wait_until("", check, timeout)
        return True
    except TimeoutError:
        return False


def sql(query):
    """Runs one query with psql; the rows as lists of strings."""
    out = subprocess.run([PSQL, DATABASE_URL, "-AtqX", "-F", "\t", "-c", query],
                         check=True, capture_output=True, text=True, timeout=120).stdout
    return [line.split("\t") for line in out.splitlines() if line]


class Mailbox:
    """A real SMTP server counting page emails per `chaos-…` key in the subject."""
    SUBJECT = re.compile(rb"^Subject: .*?\b(chaos-[0-9a-z-]+)", re.M)

    def __init__(self):
        self.counts = Counter()
        self.by_rcpt = Counter()
        self.lock = threading.Lock()
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    # "ok" accepts; "refuse" answers 451 (a temporary failure); "hang" holds the message
    # until the mode changes, then refuses it (a message a client gave up on is never kept).
    mode = "ok"
    refused = 0

    async def handle_DATA(self, server, session, envelope):
        if self.mode == "hang":
            while self.mode == "hang":
                await asyncio.sleep(0.1)
            self.refused += 1
            return "451 4.3.0 held too long, try again later"
        if self.mode == "refuse":
            self.refused += 1
            return "451 4.3.0 try again later"
        m = self.SUBJECT.search(envelope.content)
        if m:
            key = m.group(1).decode()
            with self.lock:
                self.counts[key] += 1
                for rcpt in envelope.rcpt_tos:
                    self.by_rcpt[(key, rcpt.lower())] += 1
        return "250 OK"

    def snapshot(self):
        with self.lock:
            return Counter(self.counts)

    def snapshot_by_rcpt(self):
        with self.lock:
            return Counter(self.by_rcpt)

    def stop(self):
        self.controller.stop()


RUNNING = []
DIRS = []


@atexit.register
def _stop_all():
    """A scenario that fails half-way leaves no server behind; then the data dirs (with the
    servers' logs) go, unless OPSKNIGHT_CHAOS_KEEP is set."""
    for server in RUNNING:
        server.stop()
    if not os.environ.get("OPSKNIGHT_CHAOS_KEEP"):
        for d in DIRS:
            shutil.rmtree(d, ignore_errors=True)


class Server:
    """One `opsknight serve` process; `kill9` and `start` again on the same port."""

    def __init__(self, name, data_dir, smtp_port, extra_env=None):
        RUNNING.append(self)
        self.name = name
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.data_dir = data_dir
        self.env = dict(os.environ, DATABASE_URL=DATABASE_URL, OPSKNIGHT_LOG="warn",
                        OPSKNIGHT_SMTP_URL=f"smtp://127.0.0.1:{smtp_port}",
                        OPSKNIGHT_SMTP_FROM="pager@example.com")
        self.env.update(extra_env or {})
        self.proc = None
        self.log = open(os.path.join(data_dir, f"{name}.log"), "ab")
        self.starts = 0

    def start(self, timeout=60):
        self.proc = subprocess.Popen(
            [BIN, "serve", "--data-dir", self.data_dir, "--addr", f"127.0.0.1:{self.port}",
             "--site-root", os.path.join(ROOT, "target", "site")],
            env=self.env, stdout=self.log, stderr=self.log)
        self.starts += 1
        wait_until(f"{self.name} healthy", self.healthy, timeout)

    def healthy(self):
        if self.proc.poll() is not None:
            raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; see its log")
        try:
            with urllib.request.urlopen(f"{self.base}/health", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def kill9(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill9()


class PgBouncer:
    """PgBouncer (Debian's) in transaction mode in front of DATABASE_URL's cluster. `env()` is
    what a server needs to run through it: DATABASE_URL through the pooler, and the direct URL
    for its LISTEN connections and migrations."""

    def __init__(self, data_dir, pool_size=20):
        RUNNING.append(self)
        m = re.match(r"postgres(?:ql)?://([^@/]+)@([^:/]+):(\d+)/(\w+)", DATABASE_URL)
        if not m:
            raise RuntimeError(f"PgBouncer: cannot read DATABASE_URL {DATABASE_URL}")
        user, host, port, db = m.groups()
        self.dir = tempfile.mkdtemp(prefix="pgbouncer.", dir=data_dir)
        self.port = free_port()
        self.url = f"postgres://{user}@127.0.0.1:{self.port}/{db}"
        ini = os.path.join(self.dir, "pgbouncer.ini")
        with open(ini, "w") as f:
            f.write(f"""[databases]
{db} = host={host} port={port} dbname={db} user={user}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {self.port}
unix_socket_dir =
auth_type = any
pool_mode = transaction
; sqlx names the statements it prepares; each transaction's server connection drops them
; when the transaction ends (docs/operations.md, "Behind PgBouncer").
server_reset_query = DEALLOCATE ALL
server_reset_query_always = 1
default_pool_size = {pool_size}
max_client_conn = 1000
ignore_startup_parameters = extra_float_digits,options
logfile = {self.dir}/pgbouncer.log
pidfile = {self.dir}/pgbouncer.pid
""")
        # PgBouncer refuses to run as root: run it as the postgres user, like the cluster.
        prefix = []
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
            shutil.chown(ini, "postgres", "postgres")
            prefix = ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups"]
        binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
        self.proc = subprocess.Popen(prefix + [binary, ini], stdout=subprocess.DEVNULL,
                                     stderr=open(os.path.join(data_dir, "pgbouncer.err"), "ab"))
        wait_until("pgbouncer accepting", self._accepting, 20)

    def _accepting(self):
        if self.proc.poll() is not None:
            raise RuntimeError(f"pgbouncer exited with {self.proc.returncode}; see {self.dir}")
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            return True
        except OSError:
            return False

    def env(self):
        return {"DATABASE_URL": self.url, "OPSKNIGHT_DATABASE_DIRECT_URL": DATABASE_URL}

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def cli(data_dir, *args, stdin=None, env=None):
    env = dict(os.environ, DATABASE_URL=DATABASE_URL, OPSKNIGHT_LOG="warn", **(env or {}))
    return subprocess.run([BIN, *args, "--data-dir", data_dir], env=env, input=stdin,
                          check=True, capture_output=True, text=True, timeout=120).stdout.strip()


class Api:
    def __init__(self, base, key):
        self.base, self.key = base, key

    def call(self, path, body):
        req = urllib.request.Request(
            f"{self.base}/api/{path}", data=json.dumps(body).encode(),
            headers={"authorization": f"Bearer {self.key}", "content-type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            raise RuntimeError(f"{path}: {e.code} {e.read().decode(errors='replace')}") from None


def metric(server, name):
    """One unlabelled sample from the server's /metrics, or None."""
    with urllib.request.urlopen(f"{server.base}/metrics", timeout=10) as r:
        for line in r.read().decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
    return None


def setup(data_dir, server, others=(), steps=None):
    """An admin (chaos@example.com) and the `others` (emails; responders), each paged by an
    email at once (the default rule), an admin API key, and a service whose policy has
    `steps(ids)` (ids: email → user id); by default one step emailing the admin, the next an
    hour later. Returns (api, routing key, ids)."""
    cli(data_dir, "user", "add", "--email", "chaos@example.com", "--name", "Chaos", "--role", "admin",
        stdin="chaos-passphrase-0123\n")
    for email in others:
        cli(data_dir, "user", "add", "--email", email, "--name", email.split("@")[0], "--role", "responder",
            stdin="chaos-passphrase-0123\n")
    key = cli(data_dir, "apikey", "create", "--email", "chaos@example.com", "--scopes", "admin")
    api = Api(server.base, key)
    ids = dict(sql("SELECT email, id FROM users"))
    if steps is None:
        steps = lambda ids: [{"delay_minutes": 60, "targets": [{"kind": "USER", "id": ids["chaos@example.com"]}]}]
    policy = api.call("policies/create", {"name": "Chaos", "description": "", "repeat_count": 0,
                                          "steps": steps(ids)})
    svc = api.call("services/create", {
        "name": "Chaos", "description": "", "team_id": None, "urgency_rule": "SEVERITY",
        "ack_timeout_secs": None, "escalation_policy_id": policy["id"]})
    integ = api.call("integrations/create", {"service_id": svc["id"], "kind": "events_v2",
                                              "name": "chaos", "rate_limit_per_min": 10000000})
    return api, integ["routing_key"], ids


class Load:
    """Open-loop Events v2 triggers at `rate`/s from `threads` keep-alive connections, spread
    over `bases` (servers). Each dedup key is sent twice (a repeat must not open a second
    incident). Records which keys got a 202 and every other answer."""

    def __init__(self, bases, routing_key, rate, seconds, threads=16, prefix="chaos"):
        self.bases, self.routing_key = bases, routing_key
        self.rate, self.seconds, self.threads = rate, seconds, threads
        self.prefix = prefix
        self.accepted = set()
        self.answers = Counter()
        self.per_second = Counter()  # 202s by the second they were sent in
        self.start = time.monotonic()
        self.slowest = 0.0
        self.sent = 0
        self.lock = threading.Lock()

    def _body(self, key):
        return json.dumps({"routing_key": self.routing_key, "event_action": "trigger",
                           "dedup_key": key,
                           "payload": {"summary": key, "source": "chaos", "severity": "critical"}})

    def _worker(self, index, start):
        conns = {}
        n = 0
        total = int(self.rate * self.seconds)
        i = index
        while i < total:
            due = start + i / self.rate
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            key = f"{self.prefix}-{i // 2}"
            base = self.bases[i % len(self.bases)]
            answer = "refused"
            sent_at = time.monotonic()
            try:
                conn = conns.get(base)
                if conn is None:
                    host, port = base.removeprefix("http://").split(":")
                    conn = conns[base] = http.client.HTTPConnection(host, int(port), timeout=10)
                conn.request("POST", "/v2/enqueue", body=self._body(key),
                             headers={"content-type": "application/json"})
                res = conn.getresponse()
                res.read()
                answer = str(res.status)
                if res.status == 503 and not res.getheader("retry-after"):
                    answer = "503 without Retry-After"
            except TimeoutError:
                answer = "timeout"
                conns.pop(base, None)
            except (OSError, http.client.HTTPException):
                conns.pop(base, None)
            with self.lock:
                self.sent += 1
                self.answers[answer] += 1
                self.slowest = max(self.slowest, time.monotonic() - sent_at)
                if answer == "202":
                    self.accepted.add(key)
                    self.per_second[int(sent_at - start)] += 1
            n += 1
            i += self.threads

    def run(self):
        start = self.start = time.monotonic() + 0.1
        workers = [threading.Thread(target=self._worker, args=(t, start)) for t in range(self.threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        return time.monotonic() - start


class HealthPoller:
    """Polls a server's /health every `every` s in a thread; `counts` tallies the answers
    (status codes, or "no answer"). `stop()` ends it."""

    def __init__(self, server, every, timeout):
        self.counts = Counter()
        self._stop = threading.Event()

        def poll():
            while not self._stop.wait(every):
                try:
                    with urllib.request.urlopen(f"{server.base}/health", timeout=timeout) as r:
                        self.counts[r.status] += 1
                except urllib.error.HTTPError as e:
                    self.counts[e.code] += 1
                except OSError:
                    self.counts["no answer"] += 1

        self._thread = threading.Thread(target=poll)
        self._thread.start()

    def stop(self):
        self._stop.set()
        self._thread.join()


def verdict(name, ok, figures):
    line = " ".join(f"{k}={v}" for k, v in figures.items())
    print(f"[{name}] {'PASS' if ok else 'FAIL'} {line}", flush=True)
    return ok


def new_data_dir():
    d = tempfile.mkdtemp(prefix="opsknight-chaos.")
    os.chmod(d, 0o755)
    DIRS.append(d)
    return d


class LatencyProxy:
    """The repo's TCP latency proxy (`latency_proxy`, release build) in front of
    DATABASE_URL's cluster: `url` reaches the database through it; `set("delay 150")`,
    `set("stall")`, `set("flow")` change what every connection through it sees."""

    def __init__(self, data_dir):
        RUNNING.append(self)
        m = re.match(r"(postgres(?:ql)?://[^@/]+@)([^:/]+):(\d+)(/.*)", DATABASE_URL)
        if not m:
            raise RuntimeError(f"latency proxy: cannot read DATABASE_URL {DATABASE_URL}")
        prefix, host, port, rest = m.groups()
        self.port, self.control = free_port(), free_port()
        self.url = f"{prefix}127.0.0.1:{self.port}{rest}"
        binary = os.path.join(os.path.dirname(BIN), "latency_proxy")
        self.proc = subprocess.Popen(
            [binary, f"127.0.0.1:{self.port}", f"{host}:{port}", f"127.0.0.1:{self.control}"],
            stdout=subprocess.PIPE, stderr=open(os.path.join(data_dir, "proxy.err"), "ab"))
        if self.proc.stdout.readline().strip() != b"ready":
            raise RuntimeError("latency proxy did not start; see proxy.err")

    def set(self, command):
        with socket.create_connection(("127.0.0.1", self.control), timeout=5) as s:
            s.sendall(command.encode() + b"\n")
            answer = s.makefile().readline().strip()
        if answer != "ok":
            raise RuntimeError(f"latency proxy: {command}: {answer}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
