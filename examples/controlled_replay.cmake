# SPDX-License-Identifier: MIT
# rh1:exec: schedule strings (included by CMakeLists.txt, outside the tsan
# build like the rest): each bad example controlled pct:3 seed 1 finds, its
# replay line reproduces the same kind 20 times out of 20, and its shrunk
# trace names lines of the example's source (NAME.c). Forged or damaged strings are
# refused with one line, exit 2.
set(rh_replay_sh ${PROJECT_SOURCE_DIR}/harness/tests/exec_replay.sh)
foreach(name IN LISTS rh_examples)
  add_test(NAME exec.replay.${name}
    COMMAND ${rh_replay_sh} $<TARGET_FILE:racehunt_exe> 20 ${name}.c
            $<TARGET_FILE:rh_example_${name}>)
  set_tests_properties(exec.replay.${name} PROPERTIES LABELS exec)
endforeach()
add_test(NAME exec.replay.forged
  COMMAND ${PROJECT_SOURCE_DIR}/harness/tests/exec_forge.sh $<TARGET_FILE:racehunt_exe>
          $<TARGET_FILE:forge_schedule> $<TARGET_FILE:rh_example_lock_order>)
set_tests_properties(exec.replay.forged PROPERTIES LABELS exec)
rh_cli_test(exec.replay.truncated STATUS 2 MATCH "^racehunt replay: schedule string is truncated"
  LABELS exec ARGS replay "rh1:exec:prog:h0123456789abcdefp1w1000:s1i0:pct-3:-:n0f00000000:0000")

# dfs:K for exec: the search stays in racehunt and each trial asks it at
# every choice. Fixed programs are covered to the bound ("exhausted: yes",
# with the count of schedules), bad ones are found, and a schedule a search
# found replays like any other.
set(rh_dfs MODE controlled STRATEGY dfs:2 TRIALS 100000)
foreach(name cond_if flag_publish lost_wakeup missing_join rwlock_upgrade split_lock)
  racehunt_add_test(exec.dfs.${name} COMMAND rh_example_${name} EXPECT detected ${rh_dfs}
    MATCH "^VIOLATION [A-Z_]+ in .* \\(controlled dfs:2, seed 1, trial")
  racehunt_add_test(exec.dfs.${name}_fixed COMMAND rh_example_${name}_fixed EXPECT clean
    ${rh_dfs} MATCH ": [0-9]+ trials, 0 with violations" "bounded space exhausted: yes")
endforeach()
add_test(NAME exec.replay.dfs.lost_wakeup
  COMMAND ${rh_replay_sh} $<TARGET_FILE:racehunt_exe> 20 lost_wakeup.c
          $<TARGET_FILE:rh_example_lost_wakeup>)
set_tests_properties(exec.replay.dfs.lost_wakeup PROPERTIES LABELS exec
  ENVIRONMENT STRATEGY=dfs:2)
# The first failure's steps (--trace) and its shrunk run (--shrink) in the
# campaign's own report; stress mode has neither (one line, exit 2).
rh_cli_test(exec.controlled.trace STATUS 1 LABELS exec
  MATCH "^ +[0-9]+  T[0-9] pthread_mutex_lock\\(lock\\) at split_lock.c:[0-9]+ withdraw"
  "where the run ended:"
  ARGS exec --mode controlled --trace --stop-on-first --trials 1000 --
  $<TARGET_FILE:rh_example_split_lock>)
rh_cli_test(exec.controlled.shrink STATUS 1 LABELS exec
  MATCH "^shrunk in [0-9]+ runs: choices off the default [0-9]+ -> 1, preemptions"
  " at lock_order.c:[0-9]+ transfer" "replay: .* replay 'rh1:exec:"
  ARGS exec --mode controlled --shrink --stop-on-first --trials 1000 --
  $<TARGET_FILE:rh_example_lock_order>)
rh_cli_test(cli.exec.stress_shrink STATUS 2 LABELS cli exec
  MATCH "^racehunt: --shrink: stress runs have no schedule to shrink"
  ARGS exec --shrink -- $<TARGET_FILE:rh_example_lock_order>)
