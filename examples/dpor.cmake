# SPDX-License-Identifier: MIT
# dpor and dpor:K for exec (included by CMakeLists.txt, outside the tsan
# build like the rest): every instrumented access is a step (points all) and
# each run is checked for data races by happens-before in the trial
# (intercept/controlled_hb.c), so a class of runs is proved clean or shown
# racy by the one run dpor makes of it. Deterministic: the search and its
# runs depend on nothing but the program.
set(rh_dpor MODE controlled STRATEGY dpor:2 TRIALS 5000)
# Every bad example but aba_stack, found within the budget (the figures are
# in docs/BENCHMARKS.md). aba_stack's pop needs its two preemptions early in
# the run, and dpor:2's depth-first search tries the late ones first: not
# found in 9,648 trials (5,762 classes explored, 4 minutes here; with the
# coarser one-object sync dependence it came at trial 10,403), while pct:3
# finds it at once (exec.controlled.aba_stack).
foreach(name cond_if dcl flag_publish lock_order lost_wakeup missing_join
    offset_alloc refcount_uaf rwlock_upgrade split_lock wrong_lock)
  racehunt_add_test(exec.dpor.${name} COMMAND rh_example_${name} EXPECT detected ${rh_dpor}
    LABELS dpor MATCH "^VIOLATION [A-Z_]+ in .* \\(controlled dpor:2, seed 1, trial"
    "replay: .* replay 'rh1:exec:")
endforeach()
# Fixed partners whose bounded space is small: exhausted, clean; most of
# them also to the end of the unbounded space (every schedule).
foreach(name cond_if dcl flag_publish lost_wakeup missing_join rwlock_upgrade split_lock)
  racehunt_add_test(exec.dpor.${name}_fixed COMMAND rh_example_${name}_fixed EXPECT clean
    ${rh_dpor} LABELS dpor
    MATCH ": [0-9]+ trials, 0 with violations" "bounded space exhausted: yes; .*points: all")
endforeach()
foreach(name cond_if dcl flag_publish lost_wakeup missing_join split_lock)
  racehunt_add_test(exec.dpor.${name}_fixed_unbounded COMMAND rh_example_${name}_fixed
    EXPECT clean MODE controlled STRATEGY dpor TRIALS 5000 LABELS dpor
    MATCH ": [0-9]+ trials, 0 with violations" " space exhausted: yes; .*points: all")
endforeach()
# The others within a budget of schedules: clean, and the report says the
# space is not exhausted (it proves nothing beyond the runs made).
foreach(name lock_order_fixed offset_alloc_fixed refcount_uaf_fixed wrong_lock_fixed
    spin_handshake)
  racehunt_add_test(exec.dpor.${name} COMMAND rh_example_${name} EXPECT clean
    MODE controlled STRATEGY dpor:2 TRIALS 500 LABELS dpor
    MATCH ": 500 trials, 0 with violations" "bounded space exhausted: no; .*points: all")
endforeach()
racehunt_add_test(exec.dpor.aba_stack_fixed COMMAND rh_example_aba_stack_fixed EXPECT clean
  MODE controlled STRATEGY dpor:2 TRIALS 200 LABELS dpor
  MATCH ": 200 trials, 0 with violations" "bounded space exhausted: no; .*points: all")
# The happens-before check fires on races between plain accesses (a lock
# that guards nothing the other thread takes; two plain stores in the wrong
# order), naming both accesses...
racehunt_add_test(exec.dpor.wrong_lock_race COMMAND rh_example_wrong_lock EXPECT detected
  ${rh_dpor} LABELS dpor MATCH "^VIOLATION DATA_RACE"
  "at balance at wrong_lock.c:(16 deposits|26 fees) and T[0-9] write of 8 bytes at wrong_lock.c:(16 deposits|26 fees), unordered by happens-before")
racehunt_add_test(exec.dpor.store_order COMMAND rh_example_edge_store_order EXPECT detected
  ${rh_dpor} LABELS dpor MATCH "^VIOLATION DATA_RACE"
  "at valid at store_order.c:(15 writer|22 reader) and T[0-9] (read|write) of [0-9]+ bytes at store_order.c:(15 writer|22 reader), unordered by happens-before")
# ...and stays silent on every synchronisation the runtime models: edge
# programs with semaphores, barriers, condition waits with timeouts, once,
# rwlocks, spinlocks, trylocks, recursive mutexes, C++ threads; their bugs
# found.
foreach(prog mutex_kinds clock_waits thread_handles)
  racehunt_add_test(exec.dpor.${prog} COMMAND rh_example_edge_${prog} EXPECT clean ${rh_dpor}
    LABELS dpor MATCH "bounded space exhausted: yes")
endforeach()
racehunt_add_test(exec.dpor.mutex_kinds_unbounded COMMAND rh_example_edge_mutex_kinds
  EXPECT clean MODE controlled STRATEGY dpor TRIALS 5000 LABELS dpor
  MATCH " space exhausted: yes")
foreach(prog sem_handshake barrier_rounds once_tls lock_kinds cxx_threads)
  racehunt_add_test(exec.dpor.${prog} COMMAND rh_example_edge_${prog} EXPECT clean
    MODE controlled STRATEGY dpor:2 TRIALS 500 LABELS dpor MATCH ": 500 trials, 0 with violations")
endforeach()
function(rh_dpor_bug prog bug_arg kind match)
  racehunt_add_test(exec.dpor.${prog}_${bug_arg} COMMAND rh_example_edge_${prog} ${bug_arg}
    EXPECT detected ${rh_dpor} LABELS dpor MATCH "^VIOLATION ${kind}" "${match}")
endfunction()
rh_dpor_bug(sem_handshake lost DEADLOCK "waits in sem_wait\\(filled\\) at sem_handshake.c:")
rh_dpor_bug(barrier_rounds early DATA_RACE "at slot at barrier_rounds.c:")
rh_dpor_bug(once_tls flag DATA_RACE "at plain_flag at once_tls.c:")
rh_dpor_bug(lock_kinds unlocked DATA_RACE "by_rwlock at lock_kinds.c:[0-9]+ (reader|writer)")
rh_dpor_bug(mutex_kinds unbalanced DEADLOCK "waits in pthread_mutex_lock\\(rec\\) held by T0")
# C++ function-local statics: the guard is modelled and releases what its
# initialiser wrote (clean under every strategy: pct too).
racehunt_add_test(exec.dpor.magic_static COMMAND rh_example_edge_magic_static EXPECT clean
  ${rh_dpor} LABELS dpor MATCH "bounded space exhausted: yes")
racehunt_add_test(exec.controlled.magic_static COMMAND rh_example_edge_magic_static
  EXPECT clean MODE controlled STRATEGY pct:3 SEED 1 TRIALS 300)
# A freed block is written by the free and forgotten: the allocator's reuse
# of one thread's block for another is no race, a free before the join is.
racehunt_add_test(exec.dpor.free_reuse COMMAND rh_example_edge_free_reuse EXPECT clean
  ${rh_dpor} LABELS dpor MATCH "bounded space exhausted: yes")
rh_dpor_bug(free_reuse early DATA_RACE
  "T[0-9] (read|write) of [0-9]+ bytes at .* at free_reuse.c:[0-9]+ (reader|main) and T[0-9] (read|write) of [0-9]+ bytes at free_reuse.c:[0-9]+ (reader|main)")
# A schedule dpor found replays to the same kind, and shrinks.
set(rh_replay_sh ${PROJECT_SOURCE_DIR}/harness/tests/exec_replay.sh)
foreach(name wrong_lock lost_wakeup)
  add_test(NAME exec.replay.dpor.${name}
    COMMAND ${rh_replay_sh} $<TARGET_FILE:racehunt_exe> 5 ${name}.c
            $<TARGET_FILE:rh_example_${name}>)
  set_tests_properties(exec.replay.dpor.${name} PROPERTIES LABELS "exec;dpor"
    ENVIRONMENT STRATEGY=dpor:2)
endforeach()
# dpor proves nothing with fewer points: asking for them is a usage error.
rh_cli_test(cli.exec.dpor_points STATUS 2 LABELS cli exec dpor
  MATCH "^racehunt: --strategy dpor:2 needs --points all"
  ARGS exec --mode controlled --strategy dpor:2 --points shared -- /bin/true)
# What dpor prunes changes no outcome (harness/tests/exec_outcomes.sh): the
# outcome set (clean, each violation kind, each result main reports) of an
# exhausted dpor equals that of an exhausted dfs:K with a large K (8, a few
# thousand schedules here), and dpor:2's equals dfs:2's. The programs end
# while another thread could still run (main returns without a join; an
# assert or an exit in a thread the other has not started yet; cond_if's
# crash), so the end must race with the steps it cut off (rh_dpor_end_cut:
# without it dpor misses outcomes on each of them); end_deadlock, which
# ends only when nobody can run, is the control.
set(rh_outcomes_sh ${PROJECT_SOURCE_DIR}/harness/tests/exec_outcomes.sh)
foreach(name end_exit_early end_assert_early end_exit_status end_deadlock end_lock_kinds)
  rh_example(edge_${name} SOURCE ${edge}/${name}.c)
endforeach()
function(rh_outcomes name program big)
  foreach(pair "dpor;${big}" "dpor:2;2")
    list(GET pair 0 strategy)
    list(GET pair 1 k)
    string(REPLACE ":" "" suffix ${strategy})
    add_test(NAME exec.outcomes.${name}.${suffix}
      COMMAND ${rh_outcomes_sh} $<TARGET_FILE:racehunt_exe> ${strategy} ${k}
              $<TARGET_FILE:${program}>)
    set_tests_properties(exec.outcomes.${name}.${suffix} PROPERTIES LABELS "exec;dpor")
  endforeach()
endfunction()
# end_lock_kinds (a trylock, an rwlock, a condition wait; ends joined): the
# per-lock dependence and ANYSYNC keep every outcome (measured: with a
# trylock as an acquire, dpor misses the two where it fails).
foreach(name end_exit_early end_assert_early end_exit_status end_lock_kinds)
  rh_outcomes(${name} rh_example_edge_${name} 8)
endforeach()
# cond_if: dfs:4 (1487 schedules) reaches what dfs:8 (10835) does.
rh_outcomes(cond_if rh_example_cond_if 4)
# The control, bounded only: unbounded dpor runs 1979 schedules of it with
# per-lock dependence (8350 with every sync call one object), dfs:8 49234.
add_test(NAME exec.outcomes.end_deadlock.dpor2
  COMMAND ${rh_outcomes_sh} $<TARGET_FILE:racehunt_exe> dpor:2 2
          $<TARGET_FILE:rh_example_edge_end_deadlock>)
set_tests_properties(exec.outcomes.end_deadlock.dpor2 PROPERTIES LABELS "exec;dpor")
