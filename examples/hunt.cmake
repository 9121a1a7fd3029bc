# SPDX-License-Identifier: MIT
# The examples as rows of `racehunt hunt` (included by CMakeLists.txt, outside
# the tsan build like the rest): each example's programs are rows, as
# declared in racehunt-examples.txt beside them (hunt.exec.NAME, label hunt);
# the test suite's mis-declared rows (targets/testonly/racehunt-examples.txt)
# make a hunt fail the way a regression does, in every report.
set(rh_expect ${PROJECT_SOURCE_DIR}/ci/expect)
find_package(Python3 COMPONENTS Interpreter)
foreach(name IN LISTS rh_examples ITEMS spin_handshake)
  add_test(NAME hunt.exec.${name}
    COMMAND ${rh_expect} 0 --match "^exec\\.${name} " --match "every variant behaved as declared"
      --no-match "MISMATCH" --no-match "HARNESS FAILURE" --no-match "MISSING"
      -- $<TARGET_FILE:racehunt_exe> hunt exec.${name})
  set_tests_properties(hunt.exec.${name} PROPERTIES LABELS "hunt;exec"
    ENVIRONMENT_MODIFICATION "TEST_SHARD_INDEX=unset:;TEST_TOTAL_SHARDS=unset:")
endforeach()

set(rh_testonly_examples ${rh_example_dir}/testonly-examples.txt)
configure_file(${PROJECT_SOURCE_DIR}/targets/testonly/racehunt-examples.txt
  ${rh_testonly_examples} COPYONLY)
# The rows' verdicts and, under the table, the regression with its replay.
add_test(NAME report.hunt_exec.misdeclared
  COMMAND ${rh_expect} 1
    --match "^exec\\.wrong_lock +buggy +detected .* ok$"
    --match "^exec\\.wrong_lock +fixed +clean .* ok$"
    --match "^exec\\.wrong_lock +misdeclared +clean .* MISMATCH \\(flagged a clean variant\\)$"
    --match "^exec\\.wrong_lock +unseeded +detected .* MISMATCH \\(missed a seeded bug\\)$"
    --match "^exec\\.wrong_lock \\[misdeclared\\]: declared clean, flagged a clean variant$"
    --match "^  pct:3: (EXIT|DATA_RACE) in [0-9]+ of [0-9]+ trials"
    --match "^    replay: .*wrong_lock"
    --match "^exec\\.wrong_lock \\[unseeded\\]: declared detected, missed a seeded bug$"
    --no-match "ghost"
    -- $<TARGET_FILE:racehunt_exe> hunt exec.wrong_lock --examples ${rh_testonly_examples})
# A program the file names that is not there: a line of its own, exit 3.
add_test(NAME report.hunt_exec.missing
  COMMAND ${rh_expect} 3
    --match "^exec\\.ghost +buggy +detected +MISSING: '.*/ghost_never_built' is not built"
    -- $<TARGET_FILE:racehunt_exe> hunt exec.ghost --examples ${rh_testonly_examples})
# JUnit, SARIF, JSON and HTML of those rows.
add_test(NAME report.hunt_exec.files
  COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/ci/check-reports hunt-exec
    $<TARGET_FILE:racehunt_exe> ${rh_testonly_examples})
set_tests_properties(report.hunt_exec.misdeclared report.hunt_exec.missing
  report.hunt_exec.files PROPERTIES LABELS "report;exec")

# A bad examples file: one line naming file and line, exit 2.
set(rh_bad_examples ${rh_example_dir}/bad-examples.txt)
file(WRITE ${rh_bad_examples} "# a comment, then a line without its program\nwrong_lock buggy detected\n")
rh_cli_test(report.hunt_exec.bad_line STATUS 2 LABELS report cli exec
  MATCH "^racehunt: hunt: --examples .*bad-examples.txt:2: want NAME VARIANT EXPECT PROGRAM"
  ARGS hunt exec --examples ${rh_bad_examples})
file(WRITE ${rh_example_dir}/bad-expect.txt "wrong_lock buggy found wrong_lock\n")
rh_cli_test(report.hunt_exec.bad_expect STATUS 2 LABELS report cli exec
  MATCH "^racehunt: hunt: --examples .*bad-expect.txt:1: EXPECT is detected or clean"
  ARGS hunt exec --examples ${rh_example_dir}/bad-expect.txt)
rh_cli_test(report.hunt_exec.no_file STATUS 2 LABELS report cli exec
  MATCH "^racehunt: hunt: --examples: cannot read '/nonexistent.txt': No such file"
  ARGS hunt --examples /nonexistent.txt)
rh_cli_test(report.hunt_exec.none STATUS 2 LABELS report cli exec
  MATCH "^racehunt: unknown scenario or store 'exec'"
  ARGS hunt exec --examples none)
# The dpor column alone: exec's dpor finds the missing join at its first
# schedule and runs the fixed program's whole space to its end.
add_test(NAME report.hunt_exec.dpor
  COMMAND ${rh_expect} 0
    --match "^scenario +variant +expect +dpor +verdict$"
    --match "^exec\\.missing_join +buggy +detected +DETECTED [A-Z_]+ @0 .* ok$"
    --match "^exec\\.missing_join +fixed +clean +clean [0-9]+ sched, all +ok$"
    -- $<TARGET_FILE:racehunt_exe> hunt exec.missing_join --detectors dpor)
set_tests_properties(report.hunt_exec.dpor PROPERTIES LABELS "report;exec;dpor"
  ENVIRONMENT_MODIFICATION "TEST_SHARD_INDEX=unset:;TEST_TOTAL_SHARDS=unset:")
# SIGINT/SIGTERM in the middle of the exec rows: stopped within a second,
# partial table, no process or temporary left, the --json file whole.
add_test(NAME hostile.signals.hunt_exec COMMAND ${PROJECT_SOURCE_DIR}/ci/hostile/signals
  $<TARGET_FILE:racehunt_exe>)
set_tests_properties(hostile.signals.hunt_exec PROPERTIES LABELS "hostile;exec"
  ENVIRONMENT RH_SIGNAL_HUNT=exec TIMEOUT 120 RESOURCE_LOCK racehunt_signal_seed)
