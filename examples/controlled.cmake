# SPDX-License-Identifier: MIT
# `racehunt exec --mode controlled` over the examples (included by
# CMakeLists.txt, outside the tsan build like the rest). Controlled mode with
# a fixed seed is deterministic: the same trial fails on every run, so these
# expectations have no miss rate. The bad programs below are those pct:3
# finds within 1000 trials (docs/exec.md lists the figures and the misses);
# every fixed partner must stay silent over the whole budget.
set(rh_controlled MODE controlled STRATEGY pct:3 SEED 1 TRIALS 1000)
foreach(name aba_stack cond_if lock_order lost_wakeup missing_join offset_alloc
    rwlock_upgrade split_lock wrong_lock)
  racehunt_add_test(exec.controlled.${name} COMMAND rh_example_${name} EXPECT detected
    ${rh_controlled} MATCH "^VIOLATION [A-Z_]+ in .* \\(controlled pct:3, seed 1, trial"
    "replay: .* exec --mode controlled --strategy pct:3 ")
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
racehunt_add_test(exec.controlled.wrong_lock_sync COMMAND rh_example_wrong_lock EXPECT clean
  ${rh_controlled} POINTS sync)
racehunt_add_test(exec.controlled.store_order COMMAND rh_example_edge_store_order
  EXPECT detected ${rh_controlled} MATCH "^VIOLATION CRASH" "record valid with length 0")
racehunt_add_test(exec.controlled.store_order_sync COMMAND rh_example_edge_store_order
  EXPECT clean ${rh_controlled} POINTS sync)
# Who waits for what, held by whom.
racehunt_add_test(exec.controlled.lock_order_who COMMAND rh_example_lock_order EXPECT detected
  ${rh_controlled} MATCH "T1 waits in pthread_mutex_lock\\(bob\\) held by T2 at lock_order.c:19")
# A fixed trial replays: the failing trial of the line above, alone.
rh_cli_test(exec.controlled.replay_trial STATUS 1 MATCH "trial 5\\)" LABELS exec
  ARGS exec --mode controlled --strategy pct:3 --seed 1 --first-trial 5 --trials 1 --
  $<TARGET_FILE:rh_example_wrong_lock>)
# More threads than fibers: one line, exit 2.
rh_cli_test(exec.controlled.too_many_threads STATUS 2 MATCH "controlled mode runs at most 64 threads"
  LABELS exec ARGS exec --mode controlled --trials 1 --
  $<TARGET_FILE:rh_example_edge_many_threads> 100)
