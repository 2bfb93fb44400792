"""R5, a small pool and a slow database: one server with a POOL-connection pool reaches
Postgres through the repo's latency proxy (this kernel has no netem). Events v2 triggers run at
RATE/s for SECONDS: the first quarter at full speed (the baseline), the second with DELAY ms
added to every packet each way, then STALL seconds in which the proxy delivers nothing (a hung
database), then full speed again. /health is polled throughout.

The server must answer every request with 202 or 503 + Retry-After within its request
deadline (never a 500, never a hang), give some 503s (the pool runs dry and waits time out),
stay up, and afterwards have every 202 as an incident with its first page sent once, drain
every job (nothing deadlocked), page a new incident promptly, and take events at the baseline
rate again.

Usage: r5.py RATE SECONDS POOL DELAY_MS STALL   (run by scripts/chaos.sh)
"""
import sys
import threading
import time

import harness as h

REQUEST_TIMEOUT = 4  # the server's OPSKNIGHT_REQUEST_TIMEOUT here; the load waits 10 s


def main(rate, seconds, pool, delay_ms, stall, lease=10):
    mailbox = h.Mailbox()
    data = h.new_data_dir()
    proxy = h.LatencyProxy(data)
    server = h.Server("r5", data, mailbox.port, {
        "DATABASE_URL": proxy.url, "OPSKNIGHT_JOB_LEASE_SECS": str(lease),
        "OPSKNIGHT_DB_MAX_CONNECTIONS": str(pool), "OPSKNIGHT_DB_ACQUIRE_TIMEOUT": "2",
        "OPSKNIGHT_REQUEST_TIMEOUT": str(REQUEST_TIMEOUT)})
    server.start()
    _, routing_key, _ = h.setup(data, server)

    poller = h.HealthPoller(server, every=0.2, timeout=10)
    health = poller.counts
    load = h.Load([server.base], routing_key, rate, seconds, prefix="chaos-r5")
    runner = threading.Thread(target=load.run)
    runner.start()

    def sleep_until(t):
        time.sleep(max(0.0, load.start + t - time.monotonic()))

    slow_at, stall_at = seconds / 4, seconds / 2
    sleep_until(slow_at)
    proxy.set(f"delay {delay_ms}")
    sleep_until(stall_at)
    proxy.set("stall")
    time.sleep(stall)
    proxy.set("flow")
    proxy.set("delay 0")
    recovered_at = time.monotonic() - load.start
    runner.join()
    poller.stop()
    alive = server.proc.poll() is None

    accepted = load.accepted
    present = {r[0] for r in h.sql("SELECT DISTINCT dedup_key FROM incidents WHERE dedup_key LIKE 'chaos-r5-%'")}
    settled = h.within(lambda: not int(h.sql("""SELECT count(*) FROM jobs
        WHERE kind IN ('ESCALATION', 'NOTIFICATION') AND run_at <= now() + interval '5 minutes'
          AND (status IN ('PENDING', 'PROCESSING') OR (status = 'FAILED' AND attempts < max_attempts))""")[0][0]),
        # The backlog drains at what two connections allow: a page per 25 ms beyond the lease.
        lease + 90 + len(accepted) / 40)
    probe_sent = time.monotonic()
    probe = h.Load([server.base], routing_key, 1, 1, threads=1, prefix="chaos-r5-probe")
    probe.run()
    probe_ok = h.within(lambda: mailbox.snapshot()["chaos-r5-probe-0"] >= 1, 15)
    probe_latency = time.monotonic() - probe_sent

    unknown = {r[0] for r in h.sql("""SELECT i.dedup_key FROM notifications n JOIN incidents i ON i.id = n.incident_id
                                      WHERE n.status = 'UNKNOWN'""")}
    emailed = mailbox.snapshot()
    incidents = [r[0] for r in h.sql("""SELECT dedup_key FROM incidents WHERE dedup_key LIKE 'chaos-r5-%'
                                        AND dedup_key NOT LIKE 'chaos-r5-probe%'""")]
    lost = [k for k in incidents if emailed[k] == 0 and k not in unknown]
    doubled = [k for k in incidents if emailed[k] > 1]
    per = load.per_second
    first = int(slow_at)
    baseline = sum(per[s] for s in range(1, first)) / max(1, first - 1)
    tail_from = min(int(recovered_at) + 2, int(seconds) - 1)
    recovered = sum(per[s] for s in range(tail_from, int(seconds))) / max(1, int(seconds) - tail_from)
    server.stop()
    proxy.stop()
    mailbox.stop()
    bad = {a: n for a, n in load.answers.items() if a not in ("202", "503")}
    ok = (alive and not bad and load.answers.get("503", 0) > 0
          and load.slowest < REQUEST_TIMEOUT + 2 and accepted <= present and settled
          and probe_ok and not lost and not doubled and health.get(503, 0) > 0
          and recovered >= 0.8 * baseline)
    return h.verdict("R5 small pool, slow database", ok, {
        "rate": rate, "seconds": seconds, "pool": pool, "delay_ms": delay_ms,
        "slow_at_s": f"{slow_at:.0f}", "stall_at_s": f"{stall_at:.0f}", "stall_s": stall,
        "answers": dict(load.answers), "slowest_answer_s": f"{load.slowest:.2f}",
        "health": dict(health), "server_stayed_up": alive,
        "keys_with_202": len(accepted), "missing": len(accepted - present),
        "lost": len(lost), "duplicated": len(doubled), "unknown_after_fault": len(unknown),
        "settled": settled,
        "page_after_recovery_s": f"{probe_latency:.2f}" if probe_ok else "none in 15 s",
        "baseline_per_s": f"{baseline:.0f}", "recovered_per_s": f"{recovered:.0f}",
    })


if __name__ == "__main__":
    rate, seconds, pool = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    delay_ms, stall = int(sys.argv[4]), float(sys.argv[5])
    sys.exit(0 if main(rate, seconds, pool, delay_ms, stall) else 1)
