"""Times the analytics page and API over 90 days (run by scripts/bench-analytics.sh), and the
server's resident memory while it streams a 100,000-incident CSV export."""
import http.client
import json
import os
import statistics
import time
import urllib.parse

BASE = os.environ["BASE"]
KEY = os.environ["API_KEY"]
PID = os.environ["PID"]
N = int(os.environ.get("N_REQUESTS", "30"))


def rss_kib():
    with open(f"/proc/{PID}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def timed(conn, method, path, body=None, headers=None):
    times = []
    for _ in range(N):
        t = time.perf_counter()
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        times.append((time.perf_counter() - t) * 1000)
        assert r.status == 200, (path, r.status, data[:300])
    times.sort()
    return statistics.median(times), times[-1], len(data)


def main():
    host = urllib.parse.urlparse(BASE)
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=600)
    conn.request("POST", "/api/auth/login", json.dumps({"email": "bench@example.com", "password": "bench-embedded-passphrase"}),
                 {"content-type": "application/json"})
    res = conn.getresponse()
    res.read()
    cookie = res.getheader("set-cookie").split(";")[0]
    p50, worst, size = timed(conn, "GET", "/analytics?days=90", headers={"cookie": cookie})
    print(f"  GET /analytics?days=90 (SSR)      {N} requests: p50 {p50:.1f} ms, max {worst:.1f} ms ({size:,} bytes)")
    body = json.dumps({"filter": {"days": 90}})
    api = {"authorization": f"Bearer {KEY}", "content-type": "application/json"}
    p50, worst, _ = timed(conn, "POST", "/api/analytics/report", body=body, headers=api)
    conn.request("POST", "/api/analytics/report", body=body, headers=api)
    report = json.loads(conn.getresponse().read())
    print(f"  POST /api/analytics/report 90 d  {N} requests: p50 {p50:.1f} ms, max {worst:.1f} ms")
    print(f"  report: {report['summary']['opened']:,} incidents, {report['rolled_days']} days from the rollup, "
          f"{report['live_days']} live ({report['days'][-1]['opened']:,} incidents today, read live: the "
          f"figure grows with the hour of the day)")
    # About 100,000 incidents: the last 9 days of 1,000,000 over 90.
    before = rss_kib()
    peak = before
    t = time.perf_counter()
    conn.request("GET", "/analytics/export/incidents.csv?days=9", headers={"cookie": cookie})
    r = conn.getresponse()
    rows = 0
    while True:
        chunk = r.read(65536)
        if not chunk:
            break
        rows += chunk.count(b"\n")
        peak = max(peak, rss_kib())
    print(f"  GET incidents.csv?days=9: {rows - 1:,} incidents in {time.perf_counter() - t:.1f} s; "
          f"server RSS {before / 1024:.1f} MiB before, peak {peak / 1024:.1f} MiB while streaming")


if __name__ == "__main__":
    main()
