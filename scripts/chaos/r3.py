"""R3, the provider is down: the SMTP server refuses every message (451) for REFUSE seconds,
then hangs on every message for HANG seconds, while incidents keep arriving; then it recovers.
Pages are retried with backoff; afterwards every incident's first page was delivered exactly
once, none failed for good, the retries show on the incidents' timelines (attempts and the last refusal), and no hung send
outlived its job's lease (no page is left UNKNOWN, none is sent twice).

Usage: r3.py RATE REFUSE HANG   (run by scripts/chaos.sh long)
"""
import sys
import threading
import time

import harness as h


def main(rate, refuse, hang, lease):
    mailbox = h.Mailbox()
    data = h.new_data_dir()
    server = h.Server("r3", data, mailbox.port, {"OPSKNIGHT_JOB_LEASE_SECS": str(lease)})
    server.start()
    _, routing_key, _ = h.setup(data, server)
    load = h.Load([server.base], routing_key, rate, refuse + hang, threads=4, prefix="chaos-r3")
    runner = threading.Thread(target=load.run)
    mailbox.mode = "refuse"
    runner.start()
    time.sleep(refuse)
    mailbox.mode = "hang"
    time.sleep(hang)
    mailbox.mode = "ok"
    recovered_at = time.monotonic()
    runner.join()
    keys = load.accepted

    def delivered():
        return all(mailbox.snapshot()[k] >= 1 for k in keys) and not int(h.sql(
            "SELECT count(*) FROM notifications WHERE status IN ('PENDING', 'SENDING')")[0][0])
    # Retries back off 10, 20, 40, 80 s (±20 %): the last refused page is due within ~3 min.
    done = h.within(delivered, 240)
    drained = time.monotonic() - recovered_at
    emailed = mailbox.snapshot()
    statuses = dict(h.sql("SELECT status, count(*) FROM notifications GROUP BY 1"))
    # The timeline's "sent" entry says how many attempts it took and the last refusal.
    failures_shown = int(h.sql("""SELECT count(DISTINCT incident_id) FROM incident_timeline
        WHERE kind = 'NOTIFIED' AND (details->>'attempts')::int > 1 AND details ? 'retried_after'""")[0][0])
    doubled = [k for k in keys if emailed[k] > 1]
    missing = [k for k in keys if emailed[k] == 0]
    server.stop()
    mailbox.stop()
    ok = (done and not doubled and not missing and statuses.get("FAILED", "0") == "0"
          and statuses.get("UNKNOWN", "0") == "0" and failures_shown > 0)
    return h.verdict("R3 provider outage", ok, {
        "rate": rate, "refuse_s": refuse, "hang_s": hang, "incidents": len(keys),
        "smtp_refusals": mailbox.refused, "delivered_once": sum(1 for k in keys if emailed[k] == 1),
        "missing": len(missing), "duplicated": len(doubled), "page_statuses": statuses,
        "incidents_showing_failures": failures_shown, "drained_after_recovery_s": f"{drained:.1f}",
    })


if __name__ == "__main__":
    rate, refuse, hang = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    lease = int(sys.argv[4]) if len(sys.argv) > 4 else 10
    sys.exit(0 if main(rate, refuse, hang, lease) else 1)
