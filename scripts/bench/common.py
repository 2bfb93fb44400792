"""What the paging benchmarks share: the admin API, sending an Events v2 trigger (one, or
many at a fixed rate), a percentile, and a service whose policy has the given steps (with an Events v2 integration)."""
import concurrent.futures as cf
import json
import os
import time
import urllib.request

BASE = os.environ["BASE"]
KEY = os.environ["API_KEY"]


def api(path, body):
    req = urllib.request.Request(f"{BASE}/api/{path}", data=json.dumps(body).encode(),
                                 headers={"authorization": f"Bearer {KEY}", "content-type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"null")


def enqueue(routing_key, dedup):
    """Sends one trigger; returns when its 202 arrived (time.monotonic)."""
    body = json.dumps({"routing_key": routing_key, "event_action": "trigger", "dedup_key": dedup,
                       "payload": {"summary": dedup, "source": "bench", "severity": "critical"}}).encode()
    req = urllib.request.Request(f"{BASE}/v2/enqueue", data=body, headers={"content-type": "application/json"})
    with urllib.request.urlopen(req) as r:
        assert r.status == 202
    return time.monotonic()


def open_loop(routing_key, dedups, rate):
    """Sends one trigger per dedup key at `rate`/s, open loop (32 senders: the i-th is due at
    start + i/rate however slowly the server answers). Returns (start, {dedup: time of its
    202}), both on time.monotonic."""
    pool = cf.ThreadPoolExecutor(max_workers=32)
    start = time.monotonic()
    futures = {}
    for i, dedup in enumerate(dedups):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        futures[pool.submit(enqueue, routing_key, dedup)] = dedup
    sent = {dedup: f.result() for f, dedup in futures.items()}
    pool.shutdown()
    return start, sent


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def service(name, steps):
    policy = api("policies/create", {"name": name, "description": "", "repeat_count": 0, "steps": steps})
    svc = api("services/create", {"name": name, "description": "", "team_id": None, "urgency_rule": "SEVERITY",
                                  "ack_timeout_secs": None, "escalation_policy_id": policy["id"]})
    integ = api("integrations/create", {"service_id": svc["id"], "kind": "events_v2", "name": "bench",
                                        "rate_limit_per_min": 10000000})
    return integ["routing_key"]
