"""Paging benchmarks against a running OpsKnight (release build) and a real SMTP server.

latency  : from the 202 of POST /v2/enqueue to the SMTP server receiving the page, at
           1, 10 and 100 new incidents per second (open loop). Prints p50/p99 and misses.
timers   : with 10,000 active escalations, how late escalation steps run (run_at to
           completion, from the jobs table). Prints p50/p99/max.
drain    : escalation steps/s on one instance: 10,000 escalating incidents' next steps (paging
           nobody) all made due at once; prints the steps/s until the last one ran.
storm    : 10,000 new incidents in 10 s (STORM, STORM_RATE) on a service whose first step
           emails a person: how late the first steps run while the pages are being sent,
           and how long until every page reached the SMTP server.

Prints figures; asserts nothing. Run by scripts/bench-paging.sh.
"""
import concurrent.futures as cf
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

from aiosmtpd.controller import Controller

from common import api, enqueue, open_loop, pct, service

received = {}
lock = threading.Lock()
SUBJECT = re.compile(rb"^Subject: .*?\b(bench-[0-9a-z-]+)", re.M)


class Sink:
    async def handle_DATA(self, server, session, envelope):
        now = time.monotonic()
        m = SUBJECT.search(envelope.content)
        if m:
            with lock:
                received.setdefault(m.group(1).decode(), now)
        return "250 OK"


def latency(user_id):
    key = service("Latency", [{"delay_minutes": 60, "targets": [{"kind": "USER", "id": user_id}]}])
    for rate, seconds in [(1, 20), (10, 20), (100, 20)]:
        n = rate * seconds
        _, sent = open_loop(key, [f"bench-{rate}-{i}" for i in range(n)], rate)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with lock:
                if all(d in received for d in sent):
                    break
            time.sleep(0.05)
        with lock:
            lat = [(received[d] - t) * 1000 for d, t in sent.items() if d in received]
        missing = n - len(lat)
        print(f"{rate:4d} incidents/s x {seconds}s: {n:5d} pages  p50 {pct(lat, 50):7.1f} ms  "
              f"p99 {pct(lat, 99):7.1f} ms  max {max(lat):7.1f} ms  missing {missing}", flush=True)


def timers(psql):
    team = api("teams/create", {"name": "Empty", "description": ""})
    # Two steps that resolve to nobody: each run is a timer firing plus a timeline entry.
    key = service("Timers", [{"delay_minutes": 1, "targets": [{"kind": "TEAM", "id": team["id"]}]},
                             {"delay_minutes": 1, "targets": [{"kind": "TEAM", "id": team["id"]}]}])
    n = int(os.environ.get("TIMERS", "10000"))
    rate = int(os.environ.get("TIMER_RATE", "500"))
    start, _ = open_loop(key, [f"timer-{i}" for i in range(n)], rate)
    took = time.monotonic() - start
    print(f"opened {n} escalating incidents in {took:.1f}s (target {rate}/s); "
          f"all {n} are escalating at once; waiting for every step 2 to run", flush=True)
    q = ("SELECT count(*) FROM jobs j JOIN incidents i ON i.id = j.incident_id "
         "WHERE i.dedup_key LIKE 'timer-%' AND j.kind = 'ESCALATION' AND j.status = 'COMPLETED'")
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        done = int(psql(q))
        if done >= 2 * n:
            break
        time.sleep(1)
    out = psql("SELECT (payload->>'step')::int, extract(epoch FROM j.updated_at - j.run_at) * 1000 "
               "FROM jobs j JOIN incidents i ON i.id = j.incident_id "
               "WHERE i.dedup_key LIKE 'timer-%' AND j.kind = 'ESCALATION' AND j.status = 'COMPLETED'")
    by_step = {0: [], 1: []}
    for line in out.splitlines():
        step, ms = line.split("|")
        by_step[int(step)].append(float(ms))
    for step, xs in by_step.items():
        if xs:
            print(f"step {step + 1} ({len(xs)} timers): lateness p50 {pct(xs, 50):7.1f} ms  p99 {pct(xs, 99):7.1f} ms  "
                  f"max {max(xs):7.1f} ms", flush=True)


def storm(psql, user_id):
    key = service("Storm", [{"delay_minutes": 60, "targets": [{"kind": "USER", "id": user_id}]}])
    n = int(os.environ.get("STORM", "10000"))
    rate = int(os.environ.get("STORM_RATE", "1000"))
    start, sent = open_loop(key, [f"bench-storm-{i}" for i in range(n)], rate)
    took = time.monotonic() - start
    print(f"opened {n} incidents paging one person by email in {took:.1f}s (target {rate}/s)", flush=True)
    q = ("SELECT count(*) FROM jobs j JOIN incidents i ON i.id = j.incident_id "
         "WHERE i.dedup_key LIKE 'bench-storm-%' AND j.kind = 'ESCALATION' AND j.status = 'COMPLETED'")
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and int(psql(q)) < n:
        time.sleep(0.5)
    out = psql("SELECT extract(epoch FROM j.updated_at - j.run_at) * 1000 "
               "FROM jobs j JOIN incidents i ON i.id = j.incident_id "
               "WHERE i.dedup_key LIKE 'bench-storm-%' AND j.kind = 'ESCALATION' AND j.status = 'COMPLETED'")
    xs = [float(x) for x in out.splitlines() if x]
    print(f"first steps ({len(xs)}): lateness p50 {pct(xs, 50):7.1f} ms  p99 {pct(xs, 99):7.1f} ms  "
          f"max {max(xs):7.1f} ms", flush=True)
    while time.monotonic() < deadline:
        with lock:
            if all(d in received for d in sent):
                break
        time.sleep(0.2)
    with lock:
        lat = [(received[d] - t) * 1000 for d, t in sent.items() if d in received]
        last = max(received[d] for d in sent if d in received)
    print(f"pages emailed: {len(lat)} of {n}, all in by {last - start:.1f}s after the first event; "
          f"202 -> SMTP p50 {pct(lat, 50):.0f} ms p99 {pct(lat, 99):.0f} ms", flush=True)


def drain(psql):
    team = api("teams/create", {"name": "Drain", "description": ""})
    key = service("Drain", [{"delay_minutes": 60, "targets": [{"kind": "TEAM", "id": team["id"]}]},
                            {"delay_minutes": 60, "targets": [{"kind": "TEAM", "id": team["id"]}]}])
    n = int(os.environ.get("DRAIN", "10000"))
    pool = cf.ThreadPoolExecutor(max_workers=32)
    for f in [pool.submit(enqueue, key, f"drain-{i}") for i in range(n)]:
        f.result()
    done = ("SELECT count(*) FROM jobs j JOIN incidents i ON i.id = j.incident_id WHERE i.dedup_key LIKE 'drain-%' "
            "AND j.kind = 'ESCALATION' AND j.status = 'COMPLETED'")
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and int(psql(done)) < n:
        time.sleep(0.2)
    # Every second step is waiting an hour: make them all due now, then time the drain.
    psql("WITH due AS (UPDATE jobs j SET run_at = now() FROM incidents i WHERE i.id = j.incident_id "
         "AND i.dedup_key LIKE 'drain-%' AND j.kind = 'ESCALATION' AND j.status = 'PENDING' RETURNING 1) "
         "SELECT count(*), pg_notify('opsknight_jobs', '') FROM due")
    start = time.monotonic()
    while time.monotonic() < deadline and int(psql(done)) < 2 * n:
        time.sleep(0.05)
    took = time.monotonic() - start
    print(f"{n} due steps ran in {took:.2f}s: {n / took:,.0f} escalation steps/s on one instance", flush=True)


def main():
    psql_cmd = os.environ["PSQL"].split()

    def psql(sql):
        return subprocess.check_output(psql_cmd + ["-AtX", "-c", sql], text=True).strip()

    controller = Controller(Sink(), hostname="127.0.0.1", port=int(os.environ["SMTP_PORT"]))
    controller.start()
    try:
        me = api("auth/me", {})
        which = sys.argv[1:] or ["latency", "timers"]
        if "latency" in which:
            print("== page latency: 202 of /v2/enqueue -> SMTP server received the page", flush=True)
            latency(me["id"])
        if "drain" in which:
            print("== drain: escalation steps/s", flush=True)
            drain(psql)
        if "storm" in which:
            print("== storm: new incidents whose first step emails a person", flush=True)
            storm(psql, me["id"])
        if "timers" in which:
            print("== timer lateness with 10,000 active escalations (run_at -> step done; steps page nobody)", flush=True)
            timers(psql)
    finally:
        controller.stop()


main()
