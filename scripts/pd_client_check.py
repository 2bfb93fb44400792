#!/usr/bin/env python3
"""Drives OpsKnight's PagerDuty REST v2 compatibility layer with PagerDuty's own Python client.

Uses python-pagerduty (``pip install pagerduty==7.2.0``; the repo's venv is ``.venv``), whose
``RestApiV2Client`` only talks HTTPS, so point it at the TLS listener and pass the CA that signed
its certificate. Every check that fails is printed to stderr and the script exits 1; 0 means the
client behaved as it does against api.pagerduty.com.

    .venv/bin/python scripts/pd_client_check.py \\
        --base-url https://localhost:8443/pagerduty --api-key "$KEY" --ca-cert cert.pem \\
        --from-email root@example.com --service-id "$SERVICE" --schedule-id "$SCHEDULE" \\
        --user-id "$USER" --now 2026-03-08T06:30:00Z --min-incidents 7

Every option can also come from the environment: PD_BASE_URL, PD_API_KEY, PD_CA_CERT,
PD_FROM_EMAIL, PD_SERVICE_ID, PD_SCHEDULE_ID, PD_USER_ID, PD_NOW, PD_MIN_INCIDENTS.

What it checks (the service must have at least --min-incidents incidents, more than --page-size,
none resolved; the schedule's escalation policy must be in use):

* ``iter_all('/incidents')`` pages with the client's own classic pagination (several pages) and
  returns every incident exactly once, matching ``get_total``;
* ``rput`` on an incident dict (its ``self`` URL) acknowledges it, then resolves it; the bulk
  ``rput('/incidents', json=[...])`` acknowledges the rest;
* ``rpost`` adds a note, ``rget`` lists it, ``iter_all`` reads the log entries;
* ``iter_all('/oncalls')`` has entries with an integer ``escalation_level``;
* ``rget('/schedules/{id}', params={since, until})`` has a rendered final schedule;
* ``rpost('/schedules/{id}/overrides', json=[...])`` answers the bare per-item array, and the
  override is listed and rendered;
* ``find('users', email, attribute='email')``, ``api_key_access``, ``account_has_ability``;
* errors: a 404 raises the client's ``HttpError`` carrying the JSON envelope, a bad key raises
  on 401, and an out-of-range offset is a 400 envelope.
"""

import argparse
import datetime as dt
import os
import sys
import uuid

FAILURES = []


def check(ok, message):
    """Records a failed expectation (the script goes on, to report every mismatch)."""
    if not ok:
        FAILURES.append(message)
        print(f"FAIL: {message}", file=sys.stderr)
    return ok


def iso(t):
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_args():
    env = os.environ.get
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--base-url", default=env("PD_BASE_URL"), help="https://host/pagerduty")
    p.add_argument("--api-key", default=env("PD_API_KEY"))
    p.add_argument("--ca-cert", default=env("PD_CA_CERT"), help="PEM of the CA to trust")
    p.add_argument("--from-email", default=env("PD_FROM_EMAIL"))
    p.add_argument("--service-id", default=env("PD_SERVICE_ID"))
    p.add_argument("--schedule-id", default=env("PD_SCHEDULE_ID"))
    p.add_argument("--user-id", default=env("PD_USER_ID"), help="who the override puts on call")
    p.add_argument("--now", default=env("PD_NOW"), help="the server's clock (ISO 8601)")
    p.add_argument("--min-incidents", type=int, default=int(env("PD_MIN_INCIDENTS", "2")))
    p.add_argument("--page-size", type=int, default=int(env("PD_PAGE_SIZE", "3")))
    args = p.parse_args()
    missing = [
        name
        for name in ("base_url", "api_key", "from_email", "service_id", "schedule_id", "user_id")
        if not getattr(args, name)
    ]
    if missing:
        p.error("missing: " + ", ".join("--" + m.replace("_", "-") for m in missing))
    return args


def client_for(args, key=None):
    import pagerduty

    kw = {}
    if args.ca_cert:
        kw["verify"] = args.ca_cert
    return pagerduty.RestApiV2Client(
        key or args.api_key, default_from=args.from_email, base_url=args.base_url, **kw
    )


def check_incidents(c, args):
    import pagerduty

    params = {"service_ids": [args.service_id], "date_range": "all"}
    before = c.total_call_count
    incidents = list(c.iter_all("/incidents", params=params, page_size=args.page_size))
    pages = c.total_call_count - before
    ids = [i["id"] for i in incidents]
    check(len(ids) >= args.min_incidents, f"iter_all found {len(ids)} incidents, want >= {args.min_incidents}")
    check(len(set(ids)) == len(ids), f"iter_all returned duplicates: {ids}")
    check(pages >= 2, f"iter_all fetched {pages} page(s); want several at page_size={args.page_size}")
    numbers = [i["incident_number"] for i in incidents]
    check(numbers == sorted(numbers), f"incidents are not oldest first: {numbers}")
    total = c.get_total("/incidents", params=params)
    check(total == len(ids), f"get_total says {total}, iter_all found {len(ids)}")
    if len(incidents) < 2:
        return None
    for i in incidents:
        check(i["self"].startswith(args.base_url + "/incidents/"), f"self URL {i['self']} is not under the base URL")
        check(i["status"] == "triggered", f"incident {i['id']} is {i['status']}, want triggered")

    first = incidents[0]
    acked = c.rput(first, json={"type": "incident_reference", "status": "acknowledged"})
    check(acked.get("status") == "acknowledged", f"rput acknowledge answered {acked.get('status')}")
    check(acked.get("id") == first["id"], "rput answered another incident")
    resolved = c.rput(first["self"], json={"type": "incident_reference", "status": "resolved"})
    check(resolved.get("status") == "resolved", f"rput resolve answered {resolved.get('status')}")

    rest = [{"id": i["id"], "type": "incident_reference", "status": "acknowledged"} for i in incidents[1:]]
    bulk = c.rput("/incidents", json=rest)
    check(isinstance(bulk, list) and len(bulk) == len(rest), f"bulk rput answered {type(bulk)}")
    check(all(i["status"] == "acknowledged" for i in bulk), "bulk acknowledge left some unacknowledged")
    acked_now = list(c.iter_all("/incidents", params={**params, "statuses": ["acknowledged"]}))
    check(len(acked_now) == len(rest), f"{len(acked_now)} acknowledged incidents listed, want {len(rest)}")

    note = c.rpost(f"/incidents/{first['id']}/notes", json={"content": "Checked by pd_client_check"})
    check(note.get("content") == "Checked by pd_client_check", f"the note came back as {note}")
    notes = c.rget(f"/incidents/{first['id']}/notes")
    check(any(n["id"] == note.get("id") for n in notes), "the new note is not listed")
    kinds = {e["type"] for e in c.iter_all(f"/incidents/{first['id']}/log_entries")}
    for want in ("trigger_log_entry", "acknowledge_log_entry", "resolve_log_entry", "annotate_log_entry"):
        check(want in kinds, f"log entries lack {want}: {sorted(kinds)}")

    try:
        c.rget(f"/incidents/{uuid.uuid4()}")
        check(False, "an unknown incident did not raise")
    except pagerduty.HttpError as e:
        check(e.response.status_code == 404, f"an unknown incident answered {e.response.status_code}")
        body = e.response.json()
        check(body.get("error", {}).get("code") == 2100, f"the 404 body is {body}")
    r = c.get("/incidents", params={"offset": 9950, "limit": 100})
    check(r.status_code == 400, f"offset+limit beyond 10000 answered {r.status_code}")
    check(r.headers.get("content-type", "").startswith("application/json"), "the 400 is not JSON")
    check("errors" in r.json().get("error", {}), f"the 400 body is {r.text}")
    return first


def check_schedules(c, args, now):
    since, until = now, now + dt.timedelta(days=1)
    oncalls = list(c.iter_all("/oncalls"))
    check(len(oncalls) > 0, "nobody is on call")
    check(all(isinstance(o.get("escalation_level"), int) for o in oncalls), f"on-calls without escalation_level: {oncalls}")
    sched = c.rget(f"/schedules/{args.schedule_id}", params={"since": iso(since), "until": iso(until)})
    entries = sched.get("final_schedule", {}).get("rendered_schedule_entries", [])
    check(len(entries) > 0, f"the final schedule renders nothing: {sched.get('final_schedule')}")

    start, end = now + dt.timedelta(hours=2), now + dt.timedelta(hours=3)
    answer = c.rpost(
        f"/schedules/{args.schedule_id}/overrides",
        json=[{"start": iso(start), "end": iso(end), "user": {"id": args.user_id, "type": "user_reference"}}],
    )
    check(isinstance(answer, list) and len(answer) == 1, f"POST overrides answered {answer}")
    if not (isinstance(answer, list) and answer):
        return
    check(answer[0].get("status") == 201, f"the override was refused: {answer[0]}")
    oid = answer[0].get("override", {}).get("id")
    listed = c.rget(f"/schedules/{args.schedule_id}/overrides", params={"since": iso(since), "until": iso(until)})
    check(any(o["id"] == oid for o in listed), f"override {oid} is not listed: {listed}")
    sched = c.rget(f"/schedules/{args.schedule_id}", params={"since": iso(start), "until": iso(end)})
    users = {e["user"]["id"] for e in sched["final_schedule"]["rendered_schedule_entries"]}
    check(users == {args.user_id}, f"during the override the final schedule has {users}")
    r = c.get(f"/schedules/{args.schedule_id}/overrides")
    check(r.status_code == 400, f"overrides without since/until answered {r.status_code}")


def check_users(c, args):
    import pagerduty

    me = c.rget("/users/me")
    check(me.get("email", "").lower() == args.from_email.lower(), f"/users/me is {me.get('email')}")
    found = c.find("users", args.from_email, attribute="email")
    check(found is not None and found["id"] == me.get("id"), f"find() by email found {found}")
    check(c.api_key_access == "user", f"api_key_access is {c.api_key_access}")
    check(c.account_has_ability("teams"), "account_has_ability('teams') is false")
    check(not c.account_has_ability("no_such_ability"), "an unknown ability is claimed")
    try:
        client_for(args, key="not-a-valid-key").rget("/users/me")
        check(False, "a bad key did not raise")
    except pagerduty.HttpError as e:
        check(e.response.status_code == 401, f"a bad key answered {e.response.status_code}")


def main():
    args = parse_args()
    args.base_url = args.base_url.rstrip("/")
    now = dt.datetime.fromisoformat(args.now.replace("Z", "+00:00")) if args.now else dt.datetime.now(dt.timezone.utc)
    try:
        import pagerduty  # noqa: F401
    except ImportError:
        print("pd_client_check: install the client first: pip install pagerduty==7.2.0", file=sys.stderr)
        return 2
    c = client_for(args)
    check_users(c, args)
    check_incidents(c, args)
    check_schedules(c, args, now)
    if FAILURES:
        print(f"pd_client_check: {len(FAILURES)} check(s) failed", file=sys.stderr)
        return 1
    print(f"pd_client_check: all checks passed ({c.total_call_count} API calls)")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # a client error outside the expected ones is a failure too
        print(f"FAIL: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
