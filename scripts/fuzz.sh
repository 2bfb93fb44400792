#!/usr/bin/env bash
# The long form of the property tests ("fuzzing" on stable Rust: cargo-fuzz needs nightly).
# The test command runs each with proptest's default 256 cases; this runs CASES (default
# 20,000) per property: every receiver parser, the Events v2 endpoint through the real router
# and a real database, the schedule engine, the Twilio signature check and the SMS reply
# parser. A failure prints proptest's minimal counterexample.
#
#   scripts/fuzz.sh            # 20,000 cases per property
#   scripts/fuzz.sh 100000
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
export PROPTEST_CASES="${1:-20000}"
start=$(date +%s)
# Parsers and signatures: pure, in the unit tests (the test profile, so nothing new is built).
cargo test -p server --lib -- integrations:: signature::tests::fuzz
cargo test -p app --lib --features ssr -- reply::tests::fuzz domain::schedule
# The endpoint: through the router, against a private Postgres.
"$ROOT/scripts/with-postgres.sh" cargo test -p server --test integration fuzz_events::
echo "fuzz: $PROPTEST_CASES cases per property, $(( $(date +%s) - start )) s"
