# SPDX-License-Identifier: MIT
# The hostile label (issue 12): racehunt fed what a hostile user would feed
# it, in the asan build, where a crash or a read of freed memory shows. Each
# test checks exit status and output (ci/expect or a script of ci/hostile/).
# Fiber stacks under `ulimit -v`: exit 3. Not under a sanitizer, whose
# shadow memory no small address space holds.
if(NOT RH_SANITIZE)
  add_test(NAME hostile.ulimit_memory
    COMMAND ${PROJECT_SOURCE_DIR}/ci/hostile/ulimit $<TARGET_FILE:racehunt_exe> memory)
  set_tests_properties(hostile.ulimit_memory PROPERTIES LABELS hostile TIMEOUT 60)
endif()

# racehunt-hostile: the command line with scenarios that misbehave towards
# the harness on purpose (targets/testonly/testonly_hostile.c). Never
# installed. Its tests run in every build, the hostile label in asan.
add_executable(racehunt-hostile racehunt.c testonly/testonly_hostile.c)
target_link_libraries(racehunt-hostile PRIVATE racehunt::harness racehunt::props)
rh_test_program(racehunt-hostile)
# A failure that does not replay alone: replay, shrink and run --strategy
# replay: of its schedule say NOT REPRODUCED, exit 1.
add_test(NAME hostile.unreproduced
  COMMAND ${PROJECT_SOURCE_DIR}/ci/hostile/unreproduced $<TARGET_FILE:racehunt-hostile>)
set_tests_properties(hostile.unreproduced PROPERTIES LABELS hostile TIMEOUT 120)
# A trial process stuck outside any trial (a thread the scenario left
# behind holds stdout's lock, which its flush waits for) is killed within
# its bound (10 watchdog periods, at least 2 s): exit 3, not a wait for ever.
foreach(mode stress controlled)
  add_test(NAME hostile.stuck_after_trials.${mode}
    COMMAND ${PROJECT_SOURCE_DIR}/ci/expect 3
            --match "^racehunt: the trial process was stuck for [0-9]+ ms outside any trial, after trial [0-9]+ .*: no verdict$"
            --no-match "VIOLATION"
            -- $<TARGET_FILE:racehunt-hostile> run hostile.leftover --mode ${mode} --trials 3
               --watchdog 100)
  set_tests_properties(hostile.stuck_after_trials.${mode} PROPERTIES LABELS hostile TIMEOUT 60)
endforeach()
# What a scenario prints is caught per trial: hunt's rows stay whole lines,
# the first violating trial's report (text, JSON, HTML) carries its output.
add_test(NAME hostile.trial_output
  COMMAND ${PROJECT_SOURCE_DIR}/ci/hostile/output $<TARGET_FILE:racehunt-hostile>
          ${CMAKE_CURRENT_BINARY_DIR}/hostile-output)
set_tests_properties(hostile.trial_output PROPERTIES LABELS hostile TIMEOUT 120)
# SIGINT/SIGTERM to hunt --build, mid-build and mid-campaign: exit 3, no
# process left, nothing left in TMPDIR (the build's directory included).
add_test(NAME hostile.build_signals
  COMMAND ${PROJECT_SOURCE_DIR}/ci/hostile/build-signals $<TARGET_FILE:racehunt_exe>)
set_tests_properties(hostile.build_signals PROPERTIES LABELS hostile TIMEOUT 120)

# A violation that reads freed memory (index.mixed buggy, found at trial 18
# of pct:3) is checked alone in a fork of the follow-up process, so the
# shrinker's replay is a first run there too: it shrinks, as `racehunt
# shrink` of its string does, instead of "cannot shrink: does not replay".
# Not under a sanitizer, where the read of freed memory is a CRASH report.
if(NOT RH_SANITIZE)
  add_test(NAME hostile.shrink_after_check
    COMMAND ${PROJECT_SOURCE_DIR}/ci/expect 1 --match "^shrunk in [0-9]+ runs"
            --no-match "cannot shrink"
            -- $<TARGET_FILE:racehunt_exe> run index.mixed --variant buggy --mode controlled
               --strategy pct:3 --trials 200 --stop-on-first)
  set_tests_properties(hostile.shrink_after_check PROPERTIES LABELS hostile TIMEOUT 120)
endif()

# The forger is built everywhere: examples/controlled_replay.cmake forges
# exec schedule strings in the default build too.
add_executable(forge_schedule forge_schedule.c)
target_link_libraries(forge_schedule PRIVATE racehunt_harness)
target_compile_options(forge_schedule PRIVATE -iquote ${PROJECT_SOURCE_DIR}/harness/src)
if(NOT RH_SANITIZE MATCHES "address")
  return()
endif()

# Big workloads: every scenario x variant x mode at its declared limit and
# past it, one test per store so ctest -j spreads them.
foreach(store header index lockorder offset queue)
  add_test(NAME hostile.sweep.${store}
    COMMAND ${PROJECT_SOURCE_DIR}/ci/hostile/sweep $<TARGET_FILE:racehunt_exe> ${store}.)
  set_tests_properties(hostile.sweep.${store} PROPERTIES LABELS hostile TIMEOUT 600)
endforeach()

# The workload of issue 12 item 1: refused with the limit named, not a crash.
rh_cli_test(hostile.workload_wraps STATUS 2
  MATCH "^racehunt: --rounds 65536 is over the limit of offset.writers: at most [0-9]+ rounds"
  NO_MATCH "VIOLATION" "Sanitizer"
  LABELS hostile
  ARGS run offset.writers --variant fixed-atomic --threads 2 --ops 65536 --rounds 65536 --trials 1)
rh_cli_test(hostile.queue_rounds STATUS 2
  MATCH "^racehunt: --rounds 1000000 is over the limit of queue.props"
  NO_MATCH "VIOLATION" "Sanitizer"
  LABELS hostile
  ARGS run queue.props --mode controlled --ops 1 --rounds 1000000)

# Forged schedule strings through every door (replay, shrink, run
# --strategy replay:): one validation, one range.
add_test(NAME hostile.forge
  COMMAND ${PROJECT_SOURCE_DIR}/ci/hostile/forge $<TARGET_FILE:racehunt_exe>
          $<TARGET_FILE:forge_schedule>)
set_tests_properties(hostile.forge PROPERTIES LABELS hostile TIMEOUT 300)

# A controlled trial that crashes: the campaign goes on, counts its
# schedules, and the crash's schedule replays to the same crash.
add_test(NAME hostile.controlled_crash
  COMMAND ${PROJECT_SOURCE_DIR}/ci/hostile/crash $<TARGET_FILE:racehunt_exe>)
# SIGINT/SIGTERM to run and hunt: stopped, reaped, summarised, files whole.
add_test(NAME hostile.signals
  COMMAND ${PROJECT_SOURCE_DIR}/ci/hostile/signals $<TARGET_FILE:racehunt_exe>)
# Resource failures under `ulimit -n`: exit 3, never a violation.
add_test(NAME hostile.ulimit_fds
  COMMAND ${PROJECT_SOURCE_DIR}/ci/hostile/ulimit $<TARGET_FILE:racehunt_exe> fds)
# State leaked between trials is said, not replayed as a clean run.
add_test(NAME hostile.leaked_state COMMAND racehunt_test_campaign)
set_tests_properties(hostile.controlled_crash hostile.signals hostile.ulimit_fds
  hostile.leaked_state PROPERTIES LABELS hostile TIMEOUT 300)
# ci/hostile/signals finds leftover processes by its seed, so two of its runs
# at once count each other's: never run them side by side.
set_tests_properties(hostile.signals PROPERTIES RESOURCE_LOCK racehunt_signal_seed)
