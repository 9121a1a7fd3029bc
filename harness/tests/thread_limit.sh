#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs ci/expect on a racehunt command under a limit on processes and
# threads (RLIMIT_NPROC, what `ulimit -u` sets) that leaves room for
# racehunt and its trial process but not for all of the scenario's threads.
#   thread_limit.sh EXPECT STATUS [CHECKS...] -- RACEHUNT ARGS...
# The limit does not bind root (CAP_SYS_RESOURCE), so as root the command
# drops to the unprivileged uid 65534 (nobody) with setpriv; for any other
# user the limit counts every thread that user owns, so it is set from that
# count. Exit 77 (skip) when the tools for either way are missing.
set -u
expect=$1; shift
if [ "$(id -u)" = 0 ]; then
  command -v setpriv >/dev/null || { echo "thread_limit.sh: no setpriv, skipped" >&2; exit 77; }
  uid=65534
  drop="setpriv --reuid=65534 --regid=65534 --clear-groups --"
else
  uid=$(id -u)
  drop=""
fi
command -v prlimit >/dev/null || { echo "thread_limit.sh: no prlimit, skipped" >&2; exit 77; }
limit=$(($(ps -L -u "$uid" --no-headers 2>/dev/null | wc -l) + 4))
n=$#
wrapped=""
for arg in "$@"; do
  if [ -z "$wrapped" ] && [ "$arg" = -- ]; then
    # shellcheck disable=SC2086 # $drop is a list of words
    set -- "$@" -- prlimit --nproc="$limit" $drop
    wrapped=yes
  else
    set -- "$@" "$arg"
  fi
done
shift "$n"
exec "$expect" "$@"
