#!/bin/sh
# SPDX-License-Identifier: MIT
# What exec's dpor prunes changes nothing a program shows: the set of
# outcomes an exhausted `exec --strategy DPOR` reaches (clean or each
# violation kind, plus each result line the program appends to the file
# $OUTCOME_FILE names) equals the set an exhausted dfs:K reaches with the
# same points (all). Both searches are deterministic: no miss rate.
#   exec_outcomes.sh RACEHUNT DPOR K PROG [ARGS...]
set -u
racehunt=$1; dpor=$2; k=$3; shift 3
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
fail() { echo "exec_outcomes: $*" >&2; exit 1; }

# search STRATEGY NAME PROG...: the outcome set of an exhausted search, in
# $dir/NAME.set (the kinds that occurred, then the result lines).
search() {
  strategy=$1; name=$2; shift 2
  : >"$dir/$name.results"
  OUTCOME_FILE=$dir/$name.results "$racehunt" exec --mode controlled --strategy "$strategy" \
    --points all --no-shrink --trials 200000 --json "$dir/$name.json" -- "$@" \
    >"$dir/$name.out" 2>&1
  rc=$?
  [ "$rc" = 0 ] || [ "$rc" = 1 ] || { tail -n 5 "$dir/$name.out" >&2; fail "$strategy exited $rc"; }
  grep -q '"exhausted":true' "$dir/$name.json" ||
    { tail -n 2 "$dir/$name.out" >&2; fail "$strategy did not exhaust its space"; }
  sed -n 's/.*"outcomes":{\([^}]*\)}.*/\1/p' "$dir/$name.json" | tr ',' '\n' |
    sed -n 's/^"\([A-Za-z_]*\)":[1-9][0-9]*$/kind \1/p' | sort -u >"$dir/$name.set"
  sort -u "$dir/$name.results" >>"$dir/$name.set"
  echo "$strategy: $(sed -n 's/.*"schedules":\([0-9]*\).*/\1/p' "$dir/$name.json") schedules," \
    "outcomes:" $(cat "$dir/$name.set" | tr ' ' '=')
}

search "$dpor" dpor "$@"
search "dfs:$k" dfs "$@"
[ -s "$dir/dfs.set" ] || fail "dfs:$k reached no outcome"
diff "$dir/dfs.set" "$dir/dpor.set" >"$dir/diff" ||
  { cat "$dir/diff" >&2; fail "$dpor and dfs:$k reach different outcomes (< dfs only, > $dpor only)"; }
echo "exec_outcomes: $dpor and dfs:$k reach the same $(wc -l <"$dir/dfs.set") outcomes"
