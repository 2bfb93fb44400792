"""SMS paging benchmarks against a running OpsKnight (release build), a real SMTP server and a
fake Twilio (Messages.json with Basic auth, 201 and an SM sid), all in this process.

latency : from the 202 of POST /v2/enqueue to the fake Twilio receiving the SMS, and to the
          SMTP server receiving the email of the same page, at 10 and 100 incidents/s.
storm   : 1,000 incidents for one service in 1 s, 5 people paged by SMS: each person's
          first SMS after the first event, messages per person in the first minute, and
          whether every page was sent.

Prints figures; asserts nothing. Run by scripts/bench-sms.sh.
"""
import base64
import concurrent.futures as cf
import http.server
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

from aiosmtpd.controller import Controller

from common import api, enqueue, open_loop, pct, service

SID = os.environ["TWILIO_SID"]
AUTH = "Basic " + base64.b64encode(f"{SID}:bench-token".encode()).decode()
lock = threading.Lock()
mail = {}
texts = []  # (monotonic time, to, body, sid)
TAG = re.compile(r"\b(bench-[0-9a-z-]+)")


class Sink:
    async def handle_DATA(self, server, session, envelope):
        now = time.monotonic()
        m = TAG.search(envelope.content.decode(errors="replace"))
        if m:
            with lock:
                mail.setdefault(m.group(1), now)
        return "250 OK"


class Twilio(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        now = time.monotonic()
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        if self.headers.get("authorization") != AUTH or not self.path.endswith("/Messages.json"):
            self.send_response(401)
            self.end_headers()
            return
        form = dict(urllib.parse.parse_qsl(body.decode()))
        with lock:
            sid = "SM%032x" % (len(texts) + 1)
            texts.append((now, form.get("To", ""), form.get("Body", ""), sid))
        out = json.dumps({"sid": sid, "status": "queued"}).encode()
        self.send_response(201)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)










def latency(psql):
    me = api("auth/me", {})
    number = "+14155550100"
    method = api("profile/contact-methods/add", {"kind": "SMS", "address": number, "label": "bench"})
    with lock:
        code = re.search(r"\b(\d{6})\b", [t for t in texts if t[1] == number][-1][2]).group(1)
    api("profile/contact-methods/verify", {"id": method["id"], "code": code})
    key = service("Latency", [{"delay_minutes": 60, "channels": ["EMAIL", "SMS"],
                               "targets": [{"kind": "USER", "id": me["id"]}]}])
    for rate, seconds in [(10, 10), (100, 10)]:
        n = rate * seconds
        _, sent = open_loop(key, [f"bench-{rate}-{i}" for i in range(n)], rate)
        # Pages due to one number at the same moment share one SMS (a bundle), whose text may
        # not list them all: which message carried a page is read from the outbox.
        q = (f"SELECT i.dedup_key, n.provider_id FROM notifications n JOIN incidents i ON i.id = n.incident_id "
             f"WHERE n.channel = 'SMS' AND n.provider_id IS NOT NULL AND i.dedup_key LIKE 'bench-{rate}-%'")
        deadline = time.monotonic() + 30
        carried = {}
        while time.monotonic() < deadline:
            carried = dict(line.split("|") for line in psql(q).splitlines() if line)
            with lock:
                if all(d in mail for d in sent) and len(carried) == n:
                    break
            time.sleep(0.2)
        with lock:
            at_sid = {sid: at for at, _, _, sid in texts}
            sms_at = {d: at_sid[sid] for d, sid in carried.items() if sid in at_sid}
            messages = len({sid for sid in carried.values()})
            print(f"{rate:4d} incidents/s: {n} SMS pages went out in {messages} messages", flush=True)
            for name, seen in (("sms  ", sms_at), ("email", mail)):
                lat = [(seen[d] - t) * 1000 for d, t in sent.items() if d in seen]
                print(f"{rate:4d} incidents/s x {seconds}s, {name}: {n:5d} pages  p50 {pct(lat, 50):7.1f} ms  "
                      f"p99 {pct(lat, 99):7.1f} ms  max {max(lat):7.1f} ms  missing {n - len(lat)}", flush=True)


def storm(psql):
    people = []
    for i in range(5):
        number = f"+1415555020{i}"
        uid = psql(f"INSERT INTO users (id, email, name, role, status, created_at, updated_at) VALUES "
                   f"(gen_random_uuid(), 'storm{i}@example.com', 'Storm {i}', 'RESPONDER', 'ACTIVE', now(), now()) "
                   f"RETURNING id").splitlines()[0]
        psql(f"INSERT INTO contact_methods (id, user_id, kind, address, label, verified, created_at) VALUES "
             f"(gen_random_uuid(), '{uid}', 'SMS', '{number}', 'cell', true, now())")
        people.append((uid, number))
    key = service("Checkout API", [{"delay_minutes": 60, "channels": ["SMS"],
                                    "targets": [{"kind": "USER", "id": uid} for uid, _ in people]}])
    n = 1000
    pool = cf.ThreadPoolExecutor(max_workers=64)
    start = time.monotonic()
    futures = []
    for i in range(n):
        delay = start + i / n - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        futures.append(pool.submit(enqueue, key, f"bench-storm-{i}"))
    first_202 = min(f.result() for f in futures)
    took = time.monotonic() - start
    print(f"sent {n} events in {took:.2f} s; watching the fake Twilio for 65 s", flush=True)
    time.sleep(max(0.0, start + 65 - time.monotonic()))
    with lock:
        seen = list(texts)
    for uid, number in people:
        mine = sorted(at for at, to, _, _ in seen if to == number)
        first = (mine[0] - start) * 1000 if mine else float("nan")
        in_minute = sum(1 for at in mine if at - start <= 60)
        print(f"  {number}: first SMS {first:7.1f} ms after the first event; "
              f"{in_minute} SMS in the first minute", flush=True)
    sent = int(psql("SELECT count(*) FROM notifications WHERE channel = 'SMS' AND status = 'SENT'"))
    other = psql("SELECT coalesce(string_agg(status || ' ' || c, ', '), 'none') FROM "
                 "(SELECT status, count(*) c FROM notifications WHERE channel = 'SMS' AND status <> 'SENT' "
                 "GROUP BY status) x")
    incidents = int(psql("SELECT count(*) FROM incidents WHERE dedup_key LIKE 'bench-storm-%'"))
    print(f"  incidents {incidents}; SMS pages sent {sent} of {5 * incidents} "
          f"(in {len(seen)} messages); not sent: {other}", flush=True)
    del first_202


def main():
    psql_cmd = os.environ["PSQL"].split()

    def psql(sql):
        return subprocess.check_output(psql_cmd + ["-AtqX", "-c", sql], text=True).strip()

    controller = Controller(Sink(), hostname="127.0.0.1", port=int(os.environ["SMTP_PORT"]))
    controller.start()
    fake = http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["TWILIO_PORT"])), Twilio)
    threading.Thread(target=fake.serve_forever, daemon=True).start()
    try:
        if sys.argv[1] == "latency":
            print("== page latency: 202 of /v2/enqueue -> fake Twilio got the SMS / SMTP got the email "
                  "(per-number SMS limit off)", flush=True)
            latency(psql)
        else:
            print("== SMS storm: 1,000 incidents in 1 s, 5 people on call, one SMS per 30 s per number",
                  flush=True)
            storm(psql)
    finally:
        fake.shutdown()
        controller.stop()


main()
