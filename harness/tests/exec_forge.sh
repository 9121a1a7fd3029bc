#!/bin/sh
# SPDX-License-Identifier: MIT
# Forged rh1:exec: schedule strings (valid checksum, hostile fields) and
# damaged ones: replay and shrink refuse each with one line on stderr and
# exit 2, for the same reason; run --strategy replay: refuses it too. Never
# a crash, never a run passed off as the recorded one.
#   exec_forge.sh RACEHUNT FORGE_SCHEDULE PROG
set -u
rh=$1; forge=$2; prog=$3
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
fails=0; tried=0
"$rh" exec --mode controlled --strategy pct:3 --seed 1 --stop-on-first --trials 1000 -- "$prog" \
  >"$work/found" 2>&1
real=$(sed -n "s/^  replay: .* replay '\(rh1:exec:[^']*\)'\$/\1/p" "$work/found")
[ -n "$real" ] || { echo "exec_forge: no rh1:exec: string found"; cat "$work/found"; exit 1; }
# Fields after "rh1:exec:": ARGV, PARAMS, SEED+TRIAL, STRATEGY, DEVS, N+FP.
body=${real%:*}; body=${body#rh1:exec:}
argv=${body%%:*}; rest=${body#*:}
params=${rest%%:*}; rest=${rest#*:}
si=${rest%%:*}; rest=${rest#*:}
st=${rest%%:*}; rest=${rest#*:}
devs=${rest%%:*}; nf=${rest#*:}
hash=${params%%p*}; hash=${hash#h}

# refuse STRING WHY: both doors exit 2 with one line, the same one.
refuse() {
  tried=$((tried + 1))
  "$rh" replay "$1" >"$work/out" 2>"$work/replay"; a=$?
  "$rh" shrink "$1" >"$work/out" 2>"$work/shrink"; b=$?
  "$rh" run offset.collide --strategy "replay:$1" >"$work/out" 2>"$work/run"; c=$?
  bad=""
  [ "$a$b$c" = 222 ] || bad="exit statuses replay $a, shrink $b, run $c (expected 2)"
  for f in replay shrink run; do
    [ "$(wc -l <"$work/$f")" = 1 ] || bad="${bad:+$bad; }$f printed $(wc -l <"$work/$f") lines"
  done
  grep -q -- "$2" "$work/replay" || bad="${bad:+$bad; }replay does not say '$2'"
  [ "$(sed 's/^racehunt replay: //' "$work/replay")" = "$(sed 's/^racehunt shrink: //' "$work/shrink")" ] ||
    bad="${bad:+$bad; }replay and shrink give other reasons"
  if [ -n "$bad" ]; then
    fails=$((fails + 1)); echo "FAIL ($bad): $1"; cat "$work/replay" "$work/shrink" "$work/run"
  fi
}
f() { "$forge" "rh1:exec:$1"; }
malformed="a field does not parse"

"$rh" replay "$real" >/dev/null 2>&1; [ $? = 1 ] || { echo "FAIL: the real string does not replay"; fails=1; }
refuse "${real%?}" "truncated"
refuse "$(echo "$real" | sed 's/:s1i/:s2i/')" "altered"
refuse "$(f "$argv:h0000000000000001${params#h$hash}:$si:$st:$devs:$nf")" "not the program this replay was recorded on"
refuse "$(f "/nonexistent:$params:$si:$st:$devs:$nf")" "is not an executable file"
refuse "$(f "/bin/true:$params:$si:$st:$devs:$nf")" "not linked with racehunt's runtime"
for p in "h${hash}p3w1000" "h${hash}p1w0" "h${hash}p1w3600001" "h${hash}p1w99999999" "h${hash}p1w01000" \
    "h${hash}p1" "h${hash%?}p1w1000" "h${hash}0p1w1000" "p1w1000"; do
  refuse "$(f "$argv:$p:$si:$st:$devs:$nf")" "$malformed"
done
for a in "" "," ",x" "$argv%zz" "$argv%00" "$argv%4" "$argv x" "$argv;x"; do
  refuse "$(f "$a:$params:$si:$st:$devs:$nf")" "$malformed"
done
many=$argv; i=0; while [ $i -lt 64 ]; do many="$many,a"; i=$((i + 1)); done
refuse "$(f "$many:$params:$si:$st:$devs:$nf")" "more than 64 program words"
refuse "$(f "$argv:$params:s1i9223372036854775807:$st:$devs:$nf")" "past the limit"
refuse "$(f "$argv:$params:s1i18446744073709551616:$st:$devs:$nf")" "$malformed"
refuse "$(f "$argv:$params:s18446744073709551616i0:$st:$devs:$nf")" "$malformed"
for d in 0Bm 4294967296b 0b0b; do refuse "$(f "$argv:$params:$si:$st:$d:$nf")" "$malformed"; done
refuse "$(f "$argv:$params:$si:$st:$devs:n4294967296f00000000")" "$malformed"
refuse "$(f "$argv:$params:$si:$st:$devs:n0f00000000")" "$malformed"
refuse "$(f "$argv:$params:$si:$st:$devs:${nf%%:*}:vNOPE")" "does not know"
# Well-formed, but its run ends otherwise than the string says: exit 1, one
# line on stderr saying so, never "no violation".
tried=$((tried + 1))
"$rh" replay "$(f "$argv:$params:$si:$st:$devs:${nf%%:*}:v-")" >/dev/null 2>"$work/replay"
[ $? = 1 ] && grep -q "recorded a run without a violation" "$work/replay" &&
  [ "$(wc -l <"$work/replay")" = 1 ] ||
  { fails=$((fails + 1)); echo "FAIL: a run recorded clean that fails:"; cat "$work/replay"; }
# Well-formed but not the recorded run: it runs, and is refused as such.
tried=$((tried + 1))
"$rh" replay "$(f "$argv:$params:$si:$st:$devs:${nf%%f*}9f00000000")" >/dev/null 2>"$work/replay"
[ $? = 2 ] && grep -q "does not replay" "$work/replay" && [ "$(wc -l <"$work/replay")" = 1 ] ||
  { fails=$((fails + 1)); echo "FAIL: a run that leaves the schedule:"; cat "$work/replay"; }
echo "exec_forge: $tried strings, $fails failed"
[ "$fails" = 0 ]
