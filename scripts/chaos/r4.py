"""R4, the database restarts under load: Events v2 triggers at RATE/s for SECONDS; at 1/4 of
the run Postgres is stopped (`pg_ctl stop -m fast`) and started again DOWN seconds later; at
half time (or a second after it is back) every connection of the server is killed
(`pg_terminate_backend`). Meanwhile /health is polled. The server must stay up
(/health 503 while the database is gone), ingest must answer 202 or 503 (never a 500, never a
hang), workers and LISTEN connections must come back by themselves (a page for an incident
opened after the faults arrives promptly), every 202 must exist afterwards with its first page
sent once, and the rate after recovery must match the rate before.

Usage: r4.py RATE SECONDS DOWN   (run by scripts/chaos.sh)
"""
import os
import subprocess
import sys
import threading
import time

import harness as h


def as_postgres(*cmd):
    pre = ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups"] if os.getuid() == 0 else []
    return subprocess.run(pre + list(cmd), capture_output=True, text=True, timeout=120)


def main(rate, seconds, down, lease):
    mailbox = h.Mailbox()
    data = h.new_data_dir()
    server = h.Server("r4", data, mailbox.port, {"OPSKNIGHT_JOB_LEASE_SECS": str(lease)})
    server.start()
    _, routing_key, _ = h.setup(data, server)
    pgdata = h.sql("SHOW data_directory")[0][0]
    pg_ctl = os.path.join(os.path.dirname(h.PSQL), "pg_ctl")

    poller = h.HealthPoller(server, every=0.1, timeout=5)
    health = poller.counts
    load = h.Load([server.base], routing_key, rate, seconds, prefix="chaos-r4")
    runner = threading.Thread(target=load.run)
    runner.start()
    def sleep_until(t):
        time.sleep(max(0.0, load.start + t - time.monotonic()))

    sleep_until(seconds / 4)
    # A restart with an outage long enough to see: stop (fast), hold DOWN seconds, start.
    stopped = as_postgres(pg_ctl, "stop", "-m", "fast", "-w", "-D", pgdata)
    restarted_at = time.monotonic() - load.start
    time.sleep(down)
    restart = as_postgres(pg_ctl, "start", "-w", "-D", pgdata, "-l", os.path.join(pgdata, "restart.log"))
    restart.returncode |= stopped.returncode
    up_at = time.monotonic() - load.start
    sleep_until(max(seconds / 2, up_at + 1))
    killed = h.sql("""SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                      WHERE datname = current_database() AND pid <> pg_backend_pid()
                        AND backend_type = 'client backend'""")[0][0]
    terminated_at = time.monotonic() - load.start
    runner.join()
    poller.stop()
    alive = server.proc.poll() is None

    accepted = load.accepted
    present = {r[0] for r in h.sql("SELECT DISTINCT dedup_key FROM incidents WHERE dedup_key LIKE 'chaos-r4-%'")}
    # Steps and pages that failed while the database was away retry after their backoff.
    settled = h.within(lambda: not int(h.sql("""SELECT count(*) FROM jobs
        WHERE kind IN ('ESCALATION', 'NOTIFICATION') AND run_at <= now() + interval '5 minutes'
          AND (status IN ('PENDING', 'PROCESSING') OR (status = 'FAILED' AND attempts < max_attempts))""")[0][0]),
        lease + 90)
    late = h.sql("""SELECT coalesce(round(max(extract(epoch FROM n.sent_at - i.created_at))::numeric, 1), 0)
                    FROM notifications n JOIN incidents i ON i.id = n.incident_id WHERE n.step = 0""")[0][0]
    # Workers and LISTEN are back: once the backlog is gone, a new incident's first page
    # arrives at once (no poll would find it: only the NOTIFY wakes a worker).
    probe_sent = time.monotonic()
    probe = h.Load([server.base], routing_key, 1, 1, threads=1, prefix="chaos-r4-probe")
    probe.run()
    probe_ok = h.within(lambda: mailbox.snapshot()["chaos-r4-probe-0"] >= 1, 15)
    probe_latency = time.monotonic() - probe_sent

    unknown = {r[0] for r in h.sql("""SELECT i.dedup_key FROM notifications n JOIN incidents i ON i.id = n.incident_id
                                      WHERE n.status = 'UNKNOWN'""")}
    emailed = mailbox.snapshot()
    incidents = [r[0] for r in h.sql("SELECT dedup_key FROM incidents WHERE dedup_key LIKE 'chaos-r4-%' AND dedup_key NOT LIKE 'chaos-r4-probe%'")]
    lost = [k for k in incidents if emailed[k] == 0 and k not in unknown]
    doubled = [k for k in incidents if emailed[k] > 1]
    per = load.per_second
    first = int(seconds / 4)
    baseline = sum(per[s] for s in range(1, first)) / max(1, first - 1)
    tail_from = min(int(terminated_at) + 2, int(seconds) - 1)
    recovered = sum(per[s] for s in range(tail_from, int(seconds))) / max(1, int(seconds) - tail_from)
    server.stop()
    mailbox.stop()
    bad = {a: n for a, n in load.answers.items() if a not in ("202", "503")}
    ok = (alive and restart.returncode == 0 and not bad and accepted <= present and probe_ok
          and settled and not lost and not doubled and health.get(503, 0) > 0
          and recovered >= 0.8 * baseline)
    return h.verdict("R4 database restart", ok, {
        "rate": rate, "seconds": seconds, "db_down_at_s": f"{restarted_at:.1f}", "db_down_s": down,
        "backends_terminated": killed, "terminated_at_s": f"{terminated_at:.1f}",
        "answers": dict(load.answers), "slowest_answer_s": f"{load.slowest:.2f}",
        "health": dict(health), "server_stayed_up": alive,
        "missing": len(accepted - present), "lost": len(lost), "duplicated": len(doubled),
        "unknown_after_fault": len(unknown),
        "page_after_recovery_s": f"{probe_latency:.2f}" if probe_ok else "none in 15 s",
        "first_page_latest_s": late,
        "baseline_per_s": f"{baseline:.0f}", "recovered_per_s": f"{recovered:.0f}",
    })


if __name__ == "__main__":
    rate, seconds, down = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    lease = int(sys.argv[4]) if len(sys.argv) > 4 else 10
    sys.exit(0 if main(rate, seconds, down, lease) else 1)
