#!/bin/bash -eu
# SPDX-License-Identifier: MIT
# ClusterFuzzLite / OSS-Fuzz build of racehunt's fuzz targets.
#
# Reads the standard environment: CC, CFLAGS (sanitizer and coverage flags),
# LIB_FUZZING_ENGINE, SRC (racehunt is at $SRC/racehunt) and OUT; WORK when
# set holds the CMake build. Runs the same outside docker when those are
# exported (the CTest cfl.build does that). Writes to OUT, per fuzzer:
# the binary, <fuzzer>_seed_corpus.zip, and <fuzzer>.dict / .options when
# corpus/ has them.
#
# Only variants expected clean are built: those engines report every crash,
# and the buggy variants crash by design. RH_CFL_BUGGY=1 adds them (their
# seed zips leave out the regress-* inputs that reproduce the known bugs).
src=$SRC/racehunt
build=${WORK:-$(mktemp -d)}/racehunt-build
with_buggy=${RH_CFL_BUGGY:-0}

# CFLAGS carry the sanitizers and coverage; no build type adds its own -O.
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE= -DCMAKE_C_COMPILER="$CC" \
  -DCMAKE_C_FLAGS="$CFLAGS" -DRH_FUZZ=ON -DRH_FUZZ_ENGINE="$LIB_FUZZING_ENGINE" >/dev/null

# fuzzers.txt: one line per fuzzer, "<name> <corpus dir> <clean|buggy>".
targets=()
while read -r name corpus expect; do
  if [ "$expect" = clean ] || [ "$with_buggy" = 1 ]; then
    targets+=("racehunt_$name")
  fi
done <"$build/fuzzers.txt"
cmake --build "$build" -j"$(nproc)" --target "${targets[@]}"

while read -r name corpus expect; do
  [ "$expect" = clean ] || [ "$with_buggy" = 1 ] || continue
  cp "$build/targets/$name" "$OUT/$name"
  seeds=("$src/corpus/$corpus"/*)
  if [ "$expect" = buggy ]; then
    seeds=()
    for f in "$src/corpus/$corpus"/*; do
      case ${f##*/} in regress-*) ;; *) seeds+=("$f") ;; esac
    done
  fi
  rm -f "$OUT/${name}_seed_corpus.zip"
  zip -q -j "$OUT/${name}_seed_corpus.zip" "${seeds[@]}"
  for ext in dict options; do
    if [ -f "$src/corpus/$corpus.$ext" ]; then
      cp "$src/corpus/$corpus.$ext" "$OUT/$name.$ext"
    fi
  done
done <"$build/fuzzers.txt"
