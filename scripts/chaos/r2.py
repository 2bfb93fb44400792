"""R2, three instances: three `opsknight serve` processes on one database. N incidents arrive
spread over the three; their policy emails A at once and B a minute later. Half are
acknowledged through random instances before B's step is due, and one instance is killed with
SIGKILL while that happens (and not restarted). Afterwards A got exactly one page per incident,
B exactly one per unacknowledged incident and none for the acknowledged, nothing else was
sent, and every instance claimed work (`opsknight_engine_jobs_claimed_total`).

With `pgbouncer`, every instance reaches the database through PgBouncer in transaction mode
(DATABASE_URL) and keeps only its LISTEN connections and migrations on the direct URL
(OPSKNIGHT_DATABASE_DIRECT_URL).

Usage: r2.py N [LEASE] [pgbouncer]   (run by scripts/chaos.sh)
"""
import random
import sys
import time

import harness as h

A, B = "chaos@example.com", "b@example.com"


def main(n, lease, bounced):
    mailbox = h.Mailbox()
    data = h.new_data_dir()
    env = {"OPSKNIGHT_JOB_LEASE_SECS": str(lease)}
    if bounced:
        env.update(h.PgBouncer(data).env())
    servers = [h.Server(f"r2-{i}", data, mailbox.port, env) for i in (1, 2, 3)]
    servers[0].start()  # the first makes the keyring the others share
    api, routing_key, ids = h.setup(data, servers[0], others=[B], steps=lambda ids: [
        {"delay_minutes": 1, "targets": [{"kind": "USER", "id": ids[A]}]},
        {"delay_minutes": 60, "targets": [{"kind": "USER", "id": ids[B]}]},
    ])
    for s in servers[1:]:
        s.start()
    started = time.monotonic()
    load = h.Load([s.base for s in servers], routing_key, rate=min(200, n), seconds=2 * n / min(200, n),
                  prefix="chaos-r2")
    load.run()
    keys = load.accepted
    h.wait_until("every accepted event is an incident", lambda: int(h.sql(
        "SELECT count(*) FROM incidents WHERE dedup_key LIKE 'chaos-r2-%'")[0][0]) >= len(keys), 60)
    h.wait_until("every first page emailed", lambda: sum(
        1 for (k, r), c in mailbox.snapshot_by_rcpt().items() if r == A) >= len(keys), 60)

    # Acknowledge every other incident, in batches through random instances; kill one
    # instance once the first batch is in.
    rows = h.sql("SELECT dedup_key, id FROM incidents WHERE dedup_key LIKE 'chaos-r2-%'")
    acked = {k for k, _ in rows if int(k.rsplit("-", 1)[1]) % 2 == 0}
    todo = [i for k, i in rows if k in acked]
    claimed_before_kill = h.metric(servers[1], "opsknight_engine_jobs_claimed_total")
    victim = servers[1]
    alive = [servers[0], servers[2]]
    for start in range(0, len(todo), 25):
        target = random.choice(alive if victim.proc.poll() is not None else servers)
        h.Api(target.base, api.key).call("incidents/acknowledge", {"ids": todo[start:start + 25]})
        if start == 0:
            victim.kill9()
    acked_by = time.monotonic() - started

    # B's step comes due a minute after each incident opened.
    unacked = keys - acked
    def step_two_done():
        got = sum(1 for (k, r), c in mailbox.snapshot_by_rcpt().items() if r == B)
        waiting = int(h.sql("""SELECT count(*) FROM jobs WHERE status IN ('PENDING', 'PROCESSING')
                               AND kind IN ('ESCALATION', 'NOTIFICATION')
                               AND run_at <= now() + interval '5 minutes'""")[0][0])
        return got >= len(unacked) and waiting == 0
    h.wait_until("B's pages for the unacknowledged", step_two_done, 90 + 2 * lease)
    claimed = [h.metric(s, "opsknight_engine_jobs_claimed_total") for s in (servers[0], servers[2])]
    claimed.insert(1, claimed_before_kill)
    got = mailbox.snapshot_by_rcpt()
    # Pages the kill caught mid-send are marked UNKNOWN and not resent: counted apart.
    unknown = {r[0] for r in h.sql("""SELECT i.dedup_key FROM notifications n JOIN incidents i ON i.id = n.incident_id
                                      WHERE n.status = 'UNKNOWN' AND i.dedup_key LIKE 'chaos-r2-%'""")}
    a_wrong = [k for k in keys if got[(k, A)] != 1 and k not in unknown]
    b_wrong = [k for k in keys if got[(k, B)] != (0 if k in acked else 1) and k not in unknown]
    doubled = [k for k in keys if got[(k, A)] > 1 or got[(k, B)] > 1]
    extra = sum(c for (k, r), c in got.items() if k not in keys or r not in (A, B))
    for s in servers:
        s.stop()
    mailbox.stop()
    ok = not a_wrong and not b_wrong and not doubled and not extra and all(c and c > 0 for c in claimed)
    return h.verdict("R2 three instances" + (" through PgBouncer" if bounced else ""), ok, {
        "incidents": len(keys), "acknowledged": len(acked & keys), "killed": victim.name,
        "acks_done_s": f"{acked_by:.1f}",
        "a_pages": sum(got[(k, A)] for k in keys), "b_pages": sum(got[(k, B)] for k in keys),
        "b_expected": len(unacked), "a_wrong": len(a_wrong), "b_wrong": len(b_wrong), "duplicated": len(doubled),
        "unexpected": extra, "unknown_after_kill": len(unknown), "claimed_per_instance": [int(c or 0) for c in claimed],
        "total_s": f"{time.monotonic() - started:.1f}",
    })


if __name__ == "__main__":
    n = int(sys.argv[1])
    lease = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    sys.exit(0 if main(n, lease, "pgbouncer" in sys.argv[3:]) else 1)
