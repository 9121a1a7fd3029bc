# SPDX-License-Identifier: MIT
# `racehunt exec --mode controlled` over the examples (included by
# CMakeLists.txt, outside the tsan build like the rest). Controlled mode with
# a fixed seed is deterministic: the same trial fails on every run, so these
# expectations have no miss rate. pct:3 finds every bad program within 1000
# trials (docs/exec.md lists the figures); every fixed partner must stay
# silent over the whole budget.
set(rh_controlled MODE controlled STRATEGY pct:3 SEED 1 TRIALS 1000)
foreach(name IN LISTS rh_examples)
  racehunt_add_test(exec.controlled.${name} COMMAND rh_example_${name} EXPECT detected
    ${rh_controlled} MATCH "^VIOLATION [A-Z_]+ in .* \\(controlled pct:3, seed 1, trial"
    "replay: .* replay 'rh1:exec:")
endforeach()
foreach(name IN LISTS rh_examples)
  racehunt_add_test(exec.controlled.${name}_fixed COMMAND rh_example_${name}_fixed EXPECT clean
    ${rh_controlled} MATCH ": 1000 trials, 0 with violations")
endforeach()
racehunt_add_test(exec.controlled.spin_handshake COMMAND rh_example_spin_handshake EXPECT clean
  ${rh_controlled})
# Bugs between plain accesses (the wrong lock's lost update, two plain
# stores in the wrong order): scheduling points at shared locations find
# them, sync points alone never do.
racehunt_add_test(exec.controlled.wrong_lock_shared COMMAND rh_example_wrong_lock
  EXPECT detected ${rh_controlled} POINTS shared MATCH "^VIOLATION DATA_RACE"
  "at balance at wrong_lock.c:(16 deposits|26 fees) and T[0-9] write of 8 bytes at wrong_lock.c:(16 deposits|26 fees)")
racehunt_add_test(exec.controlled.wrong_lock_sync COMMAND rh_example_wrong_lock EXPECT clean
  ${rh_controlled} POINTS sync)
racehunt_add_test(exec.controlled.store_order COMMAND rh_example_edge_store_order
  EXPECT detected ${rh_controlled} POINTS shared MATCH "^VIOLATION DATA_RACE"
  "at valid at store_order.c:(15 writer|22 reader) and T[0-9] (read|write) of [0-9]+ bytes at store_order.c:(15 writer|22 reader)")
racehunt_add_test(exec.controlled.store_order_sync COMMAND rh_example_edge_store_order
  EXPECT clean ${rh_controlled} POINTS sync)
# The data races the descheduled watcher finds, both accesses named.
racehunt_add_test(exec.controlled.dcl_race COMMAND rh_example_dcl EXPECT detected ${rh_controlled}
  MATCH "^VIOLATION DATA_RACE"
  "T[0-9] read of 8 bytes at instance at dcl.c:20 get_settings and T[0-9] write of 8 bytes at dcl.c:27 get_settings")
racehunt_add_test(exec.controlled.flag_publish_race COMMAND rh_example_flag_publish
  EXPECT detected ${rh_controlled} MATCH "^VIOLATION DATA_RACE"
  "at ready at flag_publish.c:(17 writer|23 reader) and T[0-9] (read|write) of [0-9]+ bytes at flag_publish.c:(17 writer|23 reader)")
racehunt_add_test(exec.controlled.refcount_uaf_race COMMAND rh_example_refcount_uaf
  EXPECT detected ${rh_controlled} MATCH "^VIOLATION DATA_RACE"
  "at refcount_uaf.c:2[0-9] (get|put) and T[0-9] (read|write) of 4 bytes at refcount_uaf.c:2[0-9] (get|put)")
# Spin-waits: the spinner yields until the others have run (fair
# scheduling), so a long correct wait ends and is neither HANG nor LIVELOCK;
# a spin nobody can end is a LIVELOCK naming the flag and the line.
racehunt_add_test(exec.controlled.spin_unset COMMAND rh_example_edge_spin_unset EXPECT detected
  ${rh_controlled} MATCH "^VIOLATION LIVELOCK" "T1 spins on go at spin_unset.c:14 waiter")
racehunt_add_test(exec.controlled.spin_late COMMAND rh_example_edge_spin_late EXPECT clean
  MODE controlled STRATEGY pct:3 SEED 1 TRIALS 20)
racehunt_add_test(exec.controlled.poll_cancel COMMAND rh_example_edge_poll_cancel EXPECT clean
  MODE controlled STRATEGY pct:3 SEED 1 TRIALS 20)
# Busy without a spin on memory (a lock taken and released for ever): the
# step limit's LIVELOCK, naming where each thread was last seen.
racehunt_add_test(exec.controlled.busy_livelock COMMAND rh_example_edge_busy_forever
  EXPECT detected MODE controlled TRIALS 1 MATCH "^VIOLATION LIVELOCK"
  "T1 runs \\(last call pthread_mutex_(un)?lock at busy_forever.c:1[0-9] poll_flag\\)")
# rh_controlled_pair(PROGRAM BUG_ARG BUG_NAME KIND MATCH): an edge program of
# harness/intercept/tests clean over the budget, and with BUG_ARG found as
# KIND, MATCH in the report.
function(rh_controlled_pair prog bug_arg bug_name kind match)
  racehunt_add_test(exec.controlled.${prog} COMMAND rh_example_edge_${prog} EXPECT clean
    ${rh_controlled} MATCH ": 1000 trials, 0 with violations")
  racehunt_add_test(exec.controlled.${bug_name} COMMAND rh_example_edge_${prog} ${bug_arg}
    EXPECT detected ${rh_controlled} MATCH "^VIOLATION ${kind}" "${match}")
endfunction()
# Accesses under a lock the model knows are never a race (mutex trylock,
# rwlock read/write and try forms, spinlock), and the same program with one
# read outside its read lock is.
rh_controlled_pair(lock_kinds unlocked lock_kinds_unlocked DATA_RACE
  "by_rwlock at lock_kinds.c:[0-9]+ (reader|writer) and T[0-9] (read|write) of 8 bytes at lock_kinds.c:[0-9]+ (reader|writer)")
# Semaphores, barriers, recursive and errorcheck mutexes, pthread_once,
# pthread_self, pthread keys and errno per thread, each result checked by the
# program: clean; and each program's bug (a missing post, a read before the
# barrier, an unlock too few, a plain flag for once) found.
rh_controlled_pair(sem_handshake lost sem_lost_post DEADLOCK
  "T[0-9] waits in sem_wait\\(filled\\) at sem_handshake.c:[0-9]+ consumer")
rh_controlled_pair(barrier_rounds early barrier_early DATA_RACE "at slot at barrier_rounds.c:")
rh_controlled_pair(mutex_kinds unbalanced mutex_unbalanced DEADLOCK
  "waits in pthread_mutex_lock\\(rec\\) held by T0")
rh_controlled_pair(once_tls flag once_flag DATA_RACE "at plain_flag at once_tls.c:")
rh_controlled_pair(clock_waits if clock_wait_if CRASH "clock_waits.c:[0-9]+: .*main.*: Assertion .ready. failed")
# Who waits for what, held by whom.
racehunt_add_test(exec.controlled.lock_order_who COMMAND rh_example_lock_order EXPECT detected
  ${rh_controlled} MATCH "T1 waits in pthread_mutex_lock\\(bob\\) held by T2 at lock_order.c:19")
# A trial replays alone from its number (trial 5 of wrong_lock fails).
rh_cli_test(exec.controlled.replay_trial STATUS 1 MATCH "trial 5\\)" LABELS exec
  ARGS exec --mode controlled --strategy pct:3 --seed 1 --first-trial 5 --trials 1 --
  $<TARGET_FILE:rh_example_wrong_lock>)
# More threads than fibers: one line, exit 2.
rh_cli_test(exec.controlled.too_many_threads STATUS 2 MATCH "controlled mode runs at most 64 threads"
  LABELS exec ARGS exec --mode controlled --trials 1 --
  $<TARGET_FILE:rh_example_edge_many_threads> 100)
# What the sync model cannot hold or know: one line, exit 2 (stress runs both).
rh_cli_test(exec.controlled.barrier_before_main STATUS 2
  MATCH "pthread_barrier_wait on a barrier the run did not initialise" LABELS exec
  ARGS exec --mode controlled --trials 1 -- $<TARGET_FILE:rh_example_edge_sync_limits> ctor_barrier)
rh_cli_test(exec.controlled.too_many_sems STATUS 2
  MATCH "controlled mode models at most 4096 semaphores" LABELS exec
  ARGS exec --mode controlled --trials 1 -- $<TARGET_FILE:rh_example_edge_sync_limits> sems 5000)
racehunt_add_test(exec.controlled.sems_4000 COMMAND rh_example_edge_sync_limits sems 4000
  EXPECT clean MODE controlled TRIALS 2)
# A fiber's own handle given to the calls that take a pthread_t works;
# pthread_cancel is refused in controlled mode.
racehunt_add_test(exec.controlled.thread_handles COMMAND rh_example_edge_thread_handles
  EXPECT clean MODE controlled TRIALS 20)
rh_cli_test(exec.controlled.cancel STATUS 2 MATCH "controlled mode does not model pthread_cancel"
  LABELS exec ARGS exec --mode controlled --trials 1 -- $<TARGET_FILE:rh_example_edge_thread_handles> cancel)
