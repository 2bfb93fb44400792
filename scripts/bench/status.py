"""The public status page's speed (run by scripts/bench-status.sh).

Seeds 50 services with a component each (5 groups of 10) through the API, 200 incidents
through /v2/enqueue (most resolved right away; their times are then spread over 90 days with
psql, since the server's clock is real), 5 hand-written status incidents, and times:
  - GET /status: 300 sequential requests, p50/p99/max (goal: p50 < 10 ms);
  - GET /status/api/v2/summary.json: requests/s over 10 s from 4 keep-alive clients.
With --check, exits 1 when the /status p50 reaches 10 ms.
"""
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

BASE = os.environ["BASE"]
KEY = os.environ["API_KEY"]
N = 300
BUDGET_MS = 10.0
COMPONENTS = 50


def api(path, body):
    h = {"authorization": f"Bearer {KEY}", "content-type": "application/json"}
    req = urllib.request.Request(f"{BASE}/api/{path}", data=json.dumps(body).encode(), headers=h)
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"null")


def enqueue(key, action, dedup, severity):
    body = json.dumps({"routing_key": key, "event_action": action, "dedup_key": dedup,
                       "payload": {"summary": f"bench {dedup}", "source": "bench", "severity": severity}}).encode()
    req = urllib.request.Request(f"{BASE}/v2/enqueue", data=body, headers={"content-type": "application/json"})
    urllib.request.urlopen(req).read()


def psql(sql):
    sock, pgbin = os.environ["SOCK"], os.environ["PGBIN"]
    cmd = [f"{pgbin}/psql", "-qX", "-h", sock, "-U", "opsknight", "-d", "opsknight", "-v", "ON_ERROR_STOP=1", "-c", sql]
    if os.getuid() == 0:
        cmd = ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups"] + cmd
    subprocess.run(cmd, check=True)


def seed():
    rng = random.Random(22)
    keys = []
    for i in range(COMPONENTS):
        svc = api("services/create", {"name": f"Status bench {i}", "description": "", "team_id": None,
                                      "urgency_rule": "SEVERITY", "ack_timeout_secs": None})
        integ = api("integrations/create", {"service_id": svc["id"], "kind": "events_v2", "name": "bench",
                                            "rate_limit_per_min": 100000})
        keys.append(integ["routing_key"])
        api("status/components/save", {"component": {"service_id": svc["id"], "display_name": f"Component {i}",
                                                     "group_name": f"Group {i // 10}", "position": i % 10,
                                                     "override_status": ""}})
    for n in range(200):
        key = keys[rng.randrange(COMPONENTS)]
        enqueue(key, "trigger", f"b-{n}", rng.choice(["critical", "error", "info"]))
        if n % 40 != 0:
            enqueue(key, "resolve", f"b-{n}", "critical")
    # Spread the incidents over the 90 days (the server's clock is real).
    psql("UPDATE incidents SET created_at = now() - (random() * interval '89 days'), "
         "resolved_at = CASE WHEN resolved_at IS NULL THEN NULL ELSE now() END")
    psql("UPDATE incidents SET resolved_at = created_at + (random() * interval '3 hours') WHERE resolved_at IS NOT NULL")
    for n in range(5):
        api("status/incidents/create", {"incident": {"name": f"Bench incident {n}", "impact": "minor",
                                                     "status": "resolved", "body": "Fixed.", "component_ids": []}})


def timed(conn, path, n):
    times, size = [], 0
    for _ in range(n):
        t = time.perf_counter()
        conn.request("GET", path)
        r = conn.getresponse()
        body = r.read()
        times.append((time.perf_counter() - t) * 1000)
        assert r.status == 200, (path, r.status)
        size = len(body)
    times.sort()
    return times, size


def throughput(path, clients=4, secs=10.0):
    host = urllib.parse.urlparse(BASE)
    counts = [0] * clients
    stop = time.perf_counter() + secs

    def run(i):
        conn = http.client.HTTPConnection(host.hostname, host.port)
        while time.perf_counter() < stop:
            conn.request("GET", path)
            r = conn.getresponse()
            r.read()
            assert r.status == 200, r.status
            counts[i] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / secs


def main():
    seed()
    host = urllib.parse.urlparse(BASE)
    conn = http.client.HTTPConnection(host.hostname, host.port)
    times, size = timed(conn, "/status", N)
    p50, p99 = statistics.median(times), times[int(len(times) * 0.99) - 1]
    print(f"status: {COMPONENTS} components, 200 incidents over 90 days")
    print(f"  GET /status {N} requests: p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {times[-1]:.2f} ms ({size:,} bytes)")
    times, size = timed(conn, "/status/api/v2/summary.json", N)
    print(f"  GET summary.json {N} requests: p50 {statistics.median(times):.2f} ms ({size:,} bytes)")
    rps = throughput("/status/api/v2/summary.json")
    print(f"  summary.json: {rps:.0f} requests/s (4 keep-alive clients, 10 s)")
    if "--check" in sys.argv and p50 >= BUDGET_MS:
        print(f"status: the /status p50 reached the {BUDGET_MS:.0f} ms budget", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
