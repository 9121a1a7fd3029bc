#!/bin/sh
# A controlled violation's schedule replays to the same violation with a
# byte-identical trace, every time. Replay exits 1 on a violation; under
# ThreadSanitizer the race report at exit turns that into TSan's 66.
#   replay_identical.sh RACEHUNT TIMES run-arguments...
set -u
racehunt=$1; times=$2; shift 2
schedule=$("$racehunt" "$@" | sed -n 's/^  schedule: //p' | head -n 1)
[ -n "$schedule" ] || { echo "replay_identical: the run printed no schedule" >&2; exit 1; }
echo "schedule: $schedule"
first=$(mktemp); again=$(mktemp)
trap 'rm -f "$first" "$again"' EXIT
"$racehunt" replay "$schedule" >"$first"; want=$?
[ "$want" = 1 ] || [ "$want" = 66 ] ||
  { echo "replay_identical: replay exited $want, expected 1 (or 66 under TSan)" >&2; exit 1; }
i=1
while [ "$i" -lt "$times" ]; do
  "$racehunt" replay "$schedule" >"$again"; rc=$?
  [ "$rc" = "$want" ] || { echo "replay_identical: replay $i exited $rc, the first $want" >&2; exit 1; }
  cmp -s "$first" "$again" || { echo "replay_identical: replay $i differs:" >&2; diff "$first" "$again" >&2; exit 1; }
  i=$((i + 1))
done
cat "$first"
echo "replay_identical: $times replays, identical"
