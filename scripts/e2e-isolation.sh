#!/usr/bin/env bash
# Proves the Playwright specs do not depend on run order: runs every spec file alone, each on
# a fresh database and server, with nothing before it but the first-run setup spec that every
# other spec declares as its dependency. The test command runs the whole suite in one order on
# one database; this is the long form (about 6 minutes).
#
#   scripts/e2e-isolation.sh
#
# Needs the release build (cargo xtask build --release) and scripts/install-tools.sh --test.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
if [ "${1:-}" != "--inner" ]; then
  exec "$ROOT/scripts/with-postgres.sh" "$0" --inner
fi
status=0
failed=()
specs=$(cd "$ROOT/end2end" && ls tests/*.spec.ts | grep -v 'tests/setup.spec.ts')
for spec in $specs; do
  echo "== alone: $spec" >&2
  if ! "$ROOT/scripts/e2e.sh" "$spec"; then status=1; failed+=("$spec alone"); fi
done
echo
if [ "$status" = 0 ]; then echo "e2e isolation: every spec passed alone"
else echo "e2e isolation: FAILED: ${failed[*]}"; fi
exit "$status"
