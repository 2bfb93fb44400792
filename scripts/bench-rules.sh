#!/usr/bin/env bash
# Ingest throughput with 50 event rules on the service against none, in the same run: one
# release server on its embedded Postgres (fsync on), two services (one with 50 rules: every
# operator, 5 regexes, a time window, and nested all/any/not; one with none), and wrk at
# concurrency 64 alternating between their routing keys (A B, B A, …; the incidents are
# emptied before every run), ROUNDS times (default 4). No rule
# matches the bench events, so every event is tested against all 50 (the worst case) while
# the database work stays the same. Prints each run and the slowdown; asserts nothing.
#   scripts/bench-rules.sh            DURATION=10 ROUNDS=4 CONCURRENCY=64
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
DURATION="${DURATION:-10}"
ROUNDS="${ROUNDS:-4}"
C="${CONCURRENCY:-64}"
sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
command -v wrk >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk >/dev/null
source "$ROOT/scripts/bench/embedded.sh"
api() { curl -fsS -X POST "$BASE/api/$1" -H "authorization: Bearer $API_KEY" -H 'content-type: application/json' -d "$2"; }
field() { python3 -c "import json,sys; print(json.load(sys.stdin)[\"$1\"])"; }
service() {
  local svc
  svc=$(api services/create "{\"name\":\"$1\",\"description\":\"\",\"team_id\":null,\"urgency_rule\":\"SEVERITY\",\"ack_timeout_secs\":null}" | field id)
  echo "$svc $(api integrations/create "{\"service_id\":\"$svc\",\"kind\":\"events_v2\",\"name\":\"bench\",\"rate_limit_per_min\":10000000}" | field routing_key)"
}
read -r _ PLAIN_KEY < <(service "No rules")
read -r RULED_SVC RULED_KEY < <(service "Fifty rules")

# 50 rules that never match a bench event ("bench event <key>", source wrk, severity error).
RULES=$(python3 - <<'PY'
import json
ops = [("equals", "summary", "nightly backup"), ("contains", "summary", "staging"),
       ("exists", "custom_details.env", None), ("gt", "custom_details.cpu", "95"),
       ("lte", "custom_details.free_gb", "1"), ("equals", "source", "cron-7"),
       ("contains", "payload.custom_details.tags", "pci"), ("gte", "custom_details.n", "1000"),
       ("lt", "custom_details.temp", "-40")]
regexes = ["^Kube(Pod|Node)CrashLooping$", "(?i)disk (full|almost full) on db-\\d+$",
           "^ssl cert .* expires in [0-9]+ days", "timeout after \\d{3,}ms", "^\\[canary\\]"]
rules = []
for i in range(50):
    if i % 10 == 0:
        cond = {"field": "summary", "op": "matches", "value": regexes[i // 10]}
    elif i % 10 == 5:
        cond = {"all": [{"field": "severity", "op": "equals", "value": "critical"},
                        {"any": [{"not": {"field": "source", "op": "equals", "value": "wrk"}},
                                 {"time": {"zone": "Europe/Berlin", "days": ["sat", "sun"],
                                           "from": "00:00", "to": "00:00"}}]}]}
    else:
        op, f, v = ops[i % len(ops)]
        cond = {"field": f, "op": op} if v is None else {"field": f, "op": op, "value": v}
    then = [{"drop": True}, {"suppress": True}, {"urgency": "LOW"}, {"priority": "P3"},
            {"note": "rule %d" % i}][i % 5]
    rules.append({"name": "rule %d" % i, "when": cond, "then": then})
print(json.dumps(rules))
PY
)
api rules/save "{\"service_id\":\"$RULED_SVC\",\"version\":0,\"rules\":$RULES}" >/dev/null
echo "== POST /v2/enqueue (mix 50% new / 40% repeat / 10% resolve) at concurrency $C, ${DURATION}s per run, $(nproc) cores shared by server, postgres and wrk"
run() {
  local out rps
  out=$(ROUTING_KEY="$2" wrk -t2 -c"$C" -d"${DURATION}s" --latency -s "$ROOT/scripts/bench/ingest-mix.lua" "$BASE" 2>/tmp/wrk-errors.log)
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  printf "round %d  %-10s %8.0f events/s  p50 %8s  p99 %8s  non-2xx %s\n" "$3" "$1" "$rps" \
    "$(echo "$out" | awk '$1=="50%" {print $2}')" "$(echo "$out" | awk '$1=="99%" {print $2}')" \
    "$(echo "$out" | awk '/Non-2xx/ {print $5}' | grep . || echo 0)" >&2
  echo "$rps"
}
# Every run starts from the same database: without this, each run is slower than the one
# before it (incidents accumulate), which would count against whichever side runs second.
reset() {
  as_pg "$PGBIN/psql" -qX -h "$SOCK" -U opsknight -d opsknight -c \
    "TRUNCATE incidents, alerts, incident_timeline, early_resolves, dropped_events CASCADE; CHECKPOINT;" >/dev/null
}
plain=0; ruled=0
for r in $(seq 1 "$ROUNDS"); do
  # Alternate which side goes first (A B, B A, …).
  if [ $((r % 2)) = 1 ]; then
    reset; p=$(run "no rules" "$PLAIN_KEY" "$r"); reset; q=$(run "50 rules" "$RULED_KEY" "$r")
  else
    reset; q=$(run "50 rules" "$RULED_KEY" "$r"); reset; p=$(run "no rules" "$PLAIN_KEY" "$r")
  fi
  plain=$(python3 -c "print($plain + $p)"); ruled=$(python3 -c "print($ruled + $q)")
done
python3 -c "
p, q = $plain / $ROUNDS, $ruled / $ROUNDS
print(f'mean over $ROUNDS rounds: no rules {p:.0f} events/s, 50 rules {q:.0f} events/s: {100 * (p - q) / p:+.1f}% slowdown (goal: at most 10%)')"
