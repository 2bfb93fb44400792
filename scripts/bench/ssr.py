"""SSR latency of the incident lists with 1,000 open incidents (run by scripts/bench-ssr.sh).

Creates a service and 1,000 incidents through /v2/enqueue, assigns them to the bench user,
signs in for a session cookie, then times sequential GETs. Prints p50/p99/max; with --check,
exits 1 when a p50 reaches 20 ms.
"""
import http.client
import json
import os
import statistics
import sys
import time
import urllib.parse
import urllib.request

BASE = os.environ["BASE"]
KEY = os.environ["API_KEY"]
N = 300
BUDGET_MS = 20.0


def api(path, body, headers=None):
    h = {"authorization": f"Bearer {KEY}", "content-type": "application/json"}
    h.update(headers or {})
    req = urllib.request.Request(f"{BASE}/api/{path}", data=json.dumps(body).encode(), headers=h)
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"null")


def main():
    me = api("auth/me", {})
    svc = api("services/create", {"name": "SSR bench", "description": "", "team_id": None,
                                  "urgency_rule": "SEVERITY", "ack_timeout_secs": None})
    integ = api("integrations/create", {"service_id": svc["id"], "kind": "events_v2", "name": "bench",
                                        "rate_limit_per_min": 100000})
    for i in range(1000):
        body = json.dumps({"routing_key": integ["routing_key"], "event_action": "trigger", "dedup_key": f"ssr-{i}",
                           "payload": {"summary": f"SSR bench incident {i}: p99 latency above 800 ms on web-{i % 40}",
                                       "source": f"web-{i % 40}", "severity": "critical"}}).encode()
        req = urllib.request.Request(f"{BASE}/v2/enqueue", data=body, headers={"content-type": "application/json"})
        urllib.request.urlopen(req).read()
    page = api("incidents/list", {"filter": {"statuses": ["OPEN"]}, "before": None, "limit": 200})
    while True:
        for inc in page["incidents"]:
            api("incidents/assign", {"id": inc["id"], "user_id": me["id"], "team_id": None})
        if not page["next_before"]:
            break
        page = api("incidents/list", {"filter": {"statuses": ["OPEN"]}, "before": page["next_before"], "limit": 200})
    counters = api("incidents/counters", {})
    # A session cookie (pages are signed-in only).
    host = urllib.parse.urlparse(BASE)
    conn = http.client.HTTPConnection(host.hostname, host.port)
    conn.request("POST", "/api/auth/login", json.dumps({"email": "bench@example.com", "password": "bench-embedded-passphrase"}),
                 {"content-type": "application/json"})
    res = conn.getresponse()
    res.read()
    cookie = res.getheader("set-cookie").split(";")[0]
    print(f"ssr: {counters['open']} open incidents")
    failed = False
    for path in ["/incidents", "/m", "/m?view=all"]:
        times = []
        size = 0
        for _ in range(N):
            t = time.perf_counter()
            conn.request("GET", path, headers={"cookie": cookie})
            r = conn.getresponse()
            body = r.read()
            times.append((time.perf_counter() - t) * 1000)
            assert r.status == 200, (path, r.status)
            size = len(body)
        times.sort()
        p50, p99 = statistics.median(times), times[int(len(times) * 0.99) - 1]
        print(f"  GET {path:<13} {N} requests: p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {times[-1]:.2f} ms ({size:,} bytes)")
        failed |= p50 >= BUDGET_MS
    if "--check" in sys.argv and failed:
        print(f"ssr: a p50 reached the {BUDGET_MS:.0f} ms budget", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
