"""Chat and webhook benchmarks (scripts/bench-chat.sh runs them against the release server).

slack:  incidents post to a Slack channel (a fake Slack Web API in this process); then each is
        acknowledged by a button press sent as Slack sends it (signed v0, at RATE/s), and the
        time from the press to the fake receiving the chat.update of that incident's message
        is the figure: p50, p99, max.
fanout: one service with DESTS webhook channels (receivers in this process; one answers
        after 10 s, one answers 500); incidents are triggered at RATE/s for SECONDS; for every
        delivery to a healthy destination, lateness = its arrival - the trigger's 202.
Prints figures; asserts nothing.
"""
import asyncio
import hashlib
import hmac
import json
import os
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from common import api, open_loop, pct  # noqa: E402

SLACK_PORT = int(os.environ["SLACK_PORT"])
HOOK_BASE = int(os.environ["HOOK_BASE_PORT"])
SECRET = os.environ["SLACK_SECRET"]
BASE = os.environ["BASE"]
RATE = float(os.environ.get("RATE", "50"))
SECONDS = float(os.environ.get("SECONDS", "10"))
DESTS = int(os.environ.get("DESTS", "20"))

posted = {}       # incident id -> ts
updated = {}      # ts -> monotonic time of the first chat.update
arrivals = []     # (dest, dedup, monotonic)
lock = threading.Lock()
ts_counter = [0]


async def handle(reader, writer, kind):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode().split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            length = 0
            for line in lines[1:]:
                if line.lower().startswith("content-length:"):
                    length = int(line.split(":", 1)[1])
            body = await reader.readexactly(length) if length else b""
            status, out = 200, b"ok"
            now = time.monotonic()
            if kind == "slack":
                out = slack(path, body, now)
            else:
                dest = kind
                if dest == 0:
                    await asyncio.sleep(10)
                if dest == 1:
                    status = 500
                try:
                    dedup = json.loads(body)["data"]["incident"]["title"]
                except Exception:
                    dedup = None
                with lock:
                    arrivals.append((dest, dedup, now))
            writer.write(b"HTTP/1.1 %d X\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n" % (status, len(out)) + out)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionResetError):
        pass
    finally:
        writer.close()


def slack(path, body, now):
    method = path.rsplit("/", 1)[-1].split("?")[0]
    if method.startswith("users.info"):
        return json.dumps({"ok": True, "user": {"id": "U0BENCH", "profile": {"email": "bench@example.com"}}}).encode()
    v = json.loads(body or b"{}")
    with lock:
        if method == "chat.postMessage":
            ts_counter[0] += 1
            ts = f"1700000000.{ts_counter[0]:06d}"
            for b in v.get("attachments", [{}])[0].get("blocks", []):
                for e in b.get("elements", []):
                    if e.get("action_id") == "opsknight_ack":
                        posted[e["value"]] = ts
            return json.dumps({"ok": True, "channel": v.get("channel"), "ts": ts}).encode()
        if method == "chat.update":
            updated.setdefault(v["ts"], now)
            return json.dumps({"ok": True, "channel": v.get("channel"), "ts": v["ts"]}).encode()
    return json.dumps({"ok": True}).encode()


def serve_all():
    loop = asyncio.new_event_loop()

    async def main():
        await asyncio.start_server(lambda r, w: handle(r, w, "slack"), "127.0.0.1", SLACK_PORT)
        for d in range(DESTS):
            await asyncio.start_server(lambda r, w, d=d: handle(r, w, d), "127.0.0.1", HOOK_BASE + d)
        await asyncio.Event().wait()

    loop.run_until_complete(main())


def service(name):
    svc = api("services/create", {"name": name, "description": "", "team_id": None, "urgency_rule": "SEVERITY",
                                  "ack_timeout_secs": None})
    integ = api("integrations/create", {"service_id": svc["id"], "kind": "events_v2", "name": "bench",
                                        "rate_limit_per_min": 10000000})
    return svc["id"], integ["routing_key"]


def wait(what, cond, limit):
    end = time.monotonic() + limit
    while not cond():
        if time.monotonic() > end:
            print(f"gave up waiting for {what}")
            return False
        time.sleep(0.05)
    return True


def press_body(incident):
    payload = {"type": "block_actions", "user": {"id": "U0BENCH"}, "channel": {"id": "C0BENCHALERTS"},
               "response_url": f"http://127.0.0.1:{SLACK_PORT}/respond",
               "actions": [{"action_id": "opsknight_ack", "value": incident}]}
    return urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()


def press(incident):
    import urllib.request
    body = press_body(incident)
    ts = str(int(time.time()))
    sig = "v0=" + hmac.new(SECRET.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    req = urllib.request.Request(f"{BASE}/api/slack/interactive", data=body, headers={
        "content-type": "application/x-www-form-urlencoded", "x-slack-request-timestamp": ts, "x-slack-signature": sig})
    t = time.monotonic()
    with urllib.request.urlopen(req) as r:
        assert r.status == 200
    return t


def bench_slack():
    svc, key = service("Slack bench")
    api("services/channels/add", {"service_id": svc, "kind": "SLACK", "target": "C0BENCHALERTS",
                                  "events": ["triggered", "acknowledged"]})
    n = int(RATE * SECONDS)
    dedups = [f"s{i}" for i in range(n)]
    open_loop(key, dedups, RATE)
    if not wait("the posts", lambda: len(posted) >= n, 120):
        return
    import concurrent.futures as cf
    pool = cf.ThreadPoolExecutor(max_workers=32)
    incidents = list(posted)
    start = time.monotonic()
    futures = {}
    for i, inc in enumerate(incidents):
        delay = start + i / RATE - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        futures[pool.submit(press, inc)] = inc
    pressed = {inc: f.result() for f, inc in futures.items()}
    wait("the updates", lambda: len(updated) >= n, 120)
    lat = [(updated[posted[i]] - t) * 1000 for i, t in pressed.items() if posted[i] in updated]
    print(f"slack: {n} incidents at {RATE:.0f}/s; press -> chat.update: p50 {pct(lat, 50):.1f} ms, "
          f"p99 {pct(lat, 99):.1f} ms, max {max(lat):.1f} ms ({len(lat)} of {n} updated)")


def bench_fanout():
    svc, key = service("Fan-out bench")
    for d in range(DESTS):
        api("services/channels/add", {"service_id": svc, "kind": "WEBHOOK",
                                      "target": f"http://127.0.0.1:{HOOK_BASE + d}/hook", "events": ["triggered"]})
    n = int(RATE * SECONDS)
    dedups = [f"f{i}" for i in range(n)]
    _, sent = open_loop(key, dedups, RATE)
    healthy = DESTS - 2
    wait("every healthy delivery", lambda: sum(1 for a in arrivals if a[0] >= 2) >= n * healthy, 300)
    with lock:
        late = [(t - sent[dedup]) * 1000 for dest, dedup, t in arrivals if dest >= 2 and dedup in sent]
    over = sum(1 for x in late if x > 1000)
    slow = sum(1 for a in arrivals if a[0] == 0)
    failing = sum(1 for a in arrivals if a[0] == 1)
    print(f"fanout: {n} events at {RATE:.0f}/s to {DESTS} webhooks ({n * DESTS} deliveries); healthy: "
          f"{len(late)} of {n * healthy} arrived, lateness p50 {pct(late, 50):.1f} ms, p99 {pct(late, 99):.1f} ms, "
          f"max {max(late):.1f} ms, {over} over 1 s; slow one (10 s) got {slow}, failing one (500) got {failing} attempts")


if __name__ == "__main__":
    threading.Thread(target=serve_all, daemon=True).start()
    time.sleep(0.3)
    for mode in sys.argv[1:] or ["slack", "fanout"]:
        {"slack": bench_slack, "fanout": bench_fanout}[mode]()
