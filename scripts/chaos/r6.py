"""R6, the database's disk fills up: Events v2 triggers at RATE/s, SECONDS in all, in three
equal phases: before, while the data volume is full (a filler table grown until Postgres
answers "could not extend file: No space left on device"), and after the filler is dropped. Ingest
must answer only 202 or 503 (with Retry-After; never a 500 or a hang), refuse at least some
events while the disk is full, and take events again once space returns. Afterwards every
event that got a 202 exists with its alert, its timeline entry and its first step (nothing
half-written), and its first page was emailed exactly once.

Usage: r6.py RATE SECONDS   (run by scripts/chaos/r6.sh, which makes the small data volume)
"""
import subprocess
import sys

import harness as h


def fill():
    """Grows a filler table (uncompressed) until the volume is full; returns its size in MB."""
    h.sql("CREATE TABLE chaos_filler (b text); ALTER TABLE chaos_filler ALTER b SET STORAGE EXTERNAL")
    while True:
        try:
            h.sql("INSERT INTO chaos_filler SELECT repeat(md5(n::text), 256) "
                  "FROM generate_series(1, 2000) n")
        except subprocess.CalledProcessError as e:
            if "No space left on device" in e.stderr or "could not extend" in e.stderr:
                break
            raise
    return int(h.sql("SELECT pg_total_relation_size('chaos_filler') / 1048576")[0][0])


def main(rate, seconds):
    mailbox = h.Mailbox()
    data = h.new_data_dir()
    server = h.Server("r6", data, mailbox.port, {"OPSKNIGHT_JOB_LEASE_SECS": "10"})
    server.start()
    _, routing_key, _ = h.setup(data, server)
    third = seconds / 3

    def phase(name):
        load = h.Load([server.base], routing_key, rate, third, prefix=f"chaos-r6-{name}")
        load.run()
        return load

    before = phase("before")
    filled_mb = fill()
    during = phase("full")
    h.sql("DROP TABLE chaos_filler")
    after = phase("after")
    loads = (before, during, after)
    keys = set().union(*(l.accepted for l in loads))
    answers = set().union(*(l.answers for l in loads))

    def settled():
        got = mailbox.snapshot()
        return all(got[k] >= 1 for k in keys)
    settled_ok = h.within(settled, 120)
    rows = h.sql("""SELECT count(*),
        count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM alerts a WHERE a.incident_id = i.id)),
        count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM incident_timeline t
                                           WHERE t.incident_id = i.id AND t.kind = 'TRIGGERED')),
        count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM jobs j
                                           WHERE j.incident_id = i.id AND j.kind = 'ESCALATION'))
        FROM incidents i WHERE dedup_key LIKE 'chaos-r6-%'""")[0]
    incidents, no_alert, no_entry, no_step = (int(x) for x in rows)
    present = {r[0] for r in h.sql("SELECT dedup_key FROM incidents WHERE dedup_key LIKE 'chaos-r6-%'")}
    missing = len(keys - present)
    got = mailbox.snapshot()
    duplicated = sum(1 for k in keys if got[k] > 1)
    not_emailed = sum(1 for k in keys if got[k] == 0)
    allowed = {"202", "503"}
    stayed_up = server.proc.poll() is None
    server.stop()
    mailbox.stop()
    ok = (answers <= allowed and during.answers["503"] > 0 and after.answers["202"] > 0
          and after.answers["503"] == 0 and missing == 0 and no_alert == 0 and no_entry == 0
          and no_step == 0 and duplicated == 0 and not_emailed == 0 and settled_ok and stayed_up)
    return h.verdict("R6 disk full", ok, {
        "rate": rate, "seconds": seconds, "filler_mb": filled_mb,
        "answers_before": dict(before.answers), "answers_while_full": dict(during.answers),
        "answers_after": dict(after.answers),
        "slowest_answer_s": f"{max(l.slowest for l in loads):.2f}", "keys_with_202": len(keys),
        "incidents": incidents, "missing": missing, "without_alert": no_alert,
        "without_timeline": no_entry, "without_first_step": no_step, "first_pages_emailed_once":
        len(keys) - duplicated - not_emailed, "duplicated": duplicated, "not_emailed": not_emailed,
        "server_stayed_up": stayed_up,
    })


if __name__ == "__main__":
    sys.exit(0 if main(float(sys.argv[1]), float(sys.argv[2])) else 1)
