#!/bin/sh
# SPDX-License-Identifier: MIT
# A controlled exec campaign's first failure replays from its rh1: string to
# the same kind of violation every time, and (with SOURCE) its shrunk trace
# names lines of the program's source file. Controlled mode with a fixed
# seed is deterministic: no miss rate. $STRATEGY picks the strategy (pct:3).
#   exec_replay.sh RACEHUNT TIMES SOURCE|- PROG [ARGS...]
set -u
racehunt=$1; times=$2; source=$3; shift 3
out=$(mktemp); trap 'rm -f "$out"' EXIT
fail() { echo "exec_replay: $*" >&2; cat "$out" >&2; exit 1; }
"$racehunt" exec --mode controlled --strategy "${STRATEGY:-pct:3}" --seed 1 --stop-on-first \
  --trials 1000 -- "$@" >"$out" 2>&1
[ $? = 1 ] || fail "the campaign did not find a violation"
kind=$(sed -n 's/^VIOLATION \([A-Z_]*\) in .*/\1/p' "$out" | head -n 1)
schedule=$(sed -n "s/^  replay: .* replay '\(rh1:exec:[^']*\)'\$/\1/p" "$out" | head -n 1)
[ -n "$kind" ] && [ -n "$schedule" ] || fail "no violation kind or rh1:exec: replay line"
echo "found $kind: $schedule"
i=0
while [ "$i" -lt "$times" ]; do
  "$racehunt" replay "$schedule" >"$out" 2>&1; rc=$?
  [ "$rc" = 1 ] || fail "replay $i exited $rc, expected 1"
  grep -q "^VIOLATION $kind in " "$out" || fail "replay $i is not a $kind"
  i=$((i + 1))
done
echo "exec_replay: $times replays, each a $kind"
[ "$source" = - ] && exit 0
"$racehunt" shrink "$schedule" >"$out" 2>&1; rc=$?
[ "$rc" = 1 ] || fail "shrink exited $rc, expected 1"
grep -q "^VIOLATION $kind in " "$out" || fail "the shrunk run is not a $kind"
grep -Eq " at $source:[0-9]+ " "$out" || fail "the shrunk trace names no line of $source"
cat "$out"
