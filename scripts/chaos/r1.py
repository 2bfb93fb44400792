"""R1, kill -9 under load: Events v2 triggers at RATE/s for SECONDS while the server is killed
with SIGKILL every KILL_EVERY seconds and started again. Afterwards every event that got a 202
exists as an incident, no dedup key has two open incidents, and each incident's first page
was emailed exactly once (a page the crash caught mid-send is marked UNKNOWN on its incident
and counted apart; it is never resent).

Usage: r1.py RATE SECONDS KILL_EVERY   (run by scripts/chaos.sh)
"""
import sys
import threading
import time

import harness as h


def main(rate, seconds, kill_every, lease):
    mailbox = h.Mailbox()
    data = h.new_data_dir()
    server = h.Server("r1", data, mailbox.port, {"OPSKNIGHT_JOB_LEASE_SECS": str(lease)})
    server.start()
    _, routing_key, _ = h.setup(data, server)
    load = h.Load([server.base], routing_key, rate, seconds, prefix="chaos-r1")
    done = threading.Event()
    downtimes = []

    def killer():
        while not done.wait(kill_every):
            server.kill9()
            down = time.monotonic()
            server.start()
            downtimes.append(time.monotonic() - down)

    k = threading.Thread(target=killer)
    k.start()
    elapsed = load.run()
    done.set()
    k.join()
    settle_start = time.monotonic()

    accepted = load.accepted
    present = set()

    def all_present():
        present.clear()
        present.update(r[0] for r in h.sql("SELECT DISTINCT dedup_key FROM incidents WHERE dedup_key LIKE 'chaos-r1-%'"))
        return accepted <= present

    h.wait_until("every accepted event is an incident", all_present, 120)

    pending = {}

    def pages_settled():
        pending["pages"] = int(h.sql("SELECT count(*) FROM notifications WHERE status IN ('PENDING', 'SENDING')")[0][0])
        pending["jobs"] = int(h.sql("SELECT count(*) FROM jobs WHERE status IN ('PENDING', 'PROCESSING') AND kind IN ('NOTIFICATION', 'ESCALATION') AND run_at <= now()")[0][0])
        pending["no_first_page"] = int(h.sql("""SELECT count(*) FROM incidents i WHERE dedup_key LIKE 'chaos-r1-%'
                         AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.incident_id = i.id AND n.step = 0)""")[0][0])
        return not any(pending.values())

    # The backlog a storm leaves drains at the engine's rate: allow a page per 20 ms beyond
    # the lease (a crash's claims wait for it).
    settled_in_time = h.within(pages_settled, lease + 60 + len(accepted) / 50)
    settled = time.monotonic() - settle_start
    incidents = dict(h.sql("SELECT dedup_key, count(*) FROM incidents WHERE dedup_key LIKE 'chaos-r1-%' GROUP BY 1"))
    open_dups = h.sql("""SELECT dedup_key FROM incidents WHERE dedup_key LIKE 'chaos-r1-%' AND status <> 'RESOLVED'
                         GROUP BY 1 HAVING count(*) > 1""")
    unknown = {r[0] for r in h.sql("""SELECT i.dedup_key FROM notifications n JOIN incidents i ON i.id = n.incident_id
                                      WHERE n.step = 0 AND n.status = 'UNKNOWN'""")}
    emailed = mailbox.snapshot()
    lost = sorted(k for k in incidents if emailed[k] == 0 and k not in unknown)
    doubled = sorted(k for k in incidents if emailed[k] > 1)
    missing = sorted(accepted - present)
    mailbox.stop()
    server.stop()
    ok = settled_in_time and not missing and not open_dups and not lost and not doubled
    return h.verdict("R1 kill -9 under load", ok, {
        "rate": rate, "seconds": f"{elapsed:.1f}", "kills": len(downtimes),
        "max_restart_s": f"{max(downtimes, default=0):.2f}",
        "sent": load.sent, "keys_with_202": len(accepted), "answers": dict(load.answers),
        "incidents": len(incidents), "missing": len(missing), "open_duplicates": len(open_dups),
        "first_pages_emailed_once": sum(1 for k in incidents if emailed[k] == 1),
        "unknown_after_crash": len(unknown),
        "unknown_but_emailed": sum(1 for k in unknown if emailed[k] >= 1),
        "unknown_not_emailed": sum(1 for k in unknown if emailed[k] == 0),
        "lost": len(lost), "duplicated": len(doubled),
        "settle_s": f"{settled:.1f}", "settled": settled_in_time,
        "left_unsettled": {k: v for k, v in pending.items() if v},
    })


if __name__ == "__main__":
    rate, seconds, kill_every = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
    lease = int(sys.argv[4]) if len(sys.argv) > 4 else 10
    sys.exit(0 if main(rate, seconds, kill_every, lease) else 1)
