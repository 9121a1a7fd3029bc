# SPDX-License-Identifier: MIT
# Reports CI systems read (issue 17): JUnit, SARIF, the result JSON's schema,
# and a hunt that must fail the way a regression does. Label report.

# racehunt-testonly: the command line with only the test suite's own store
# (targets/testonly), whose mis-declared variants make a hunt fail on
# purpose. Never installed, never in the racehunt binary or its gate.
add_executable(racehunt-testonly racehunt.c testonly/testonly_scenarios.c)
target_link_libraries(racehunt-testonly PRIVATE racehunt::harness racehunt::props)
rh_test_program(racehunt-testonly)

find_package(Python3 COMPONENTS Interpreter)
set(rh_report_dir ${CMAKE_CURRENT_BINARY_DIR}/reports)
file(MAKE_DIRECTORY ${rh_report_dir})
set(rh_check_reports ${PROJECT_SOURCE_DIR}/ci/check-reports)

# JUnit from hunt (a testcase per cell, the failures of the mis-declared rows
# with their message and replay) and from run; parsed with xml.etree.
add_test(NAME report.junit.hunt
  COMMAND ${Python3_EXECUTABLE} ${rh_check_reports} junit-hunt
    $<TARGET_FILE:racehunt-testonly> ${rh_report_dir}/hunt.junit.xml)
add_test(NAME report.junit.run
  COMMAND ${Python3_EXECUTABLE} ${rh_check_reports} junit-run
    $<TARGET_FILE:racehunt_exe> ${rh_report_dir}/run.junit.xml)
add_test(NAME report.junit.reference
  COMMAND ${Python3_EXECUTABLE} ${rh_check_reports} junit-reference
    $<TARGET_FILE:racehunt_exe> ${rh_report_dir}/reference.junit.xml)
add_test(NAME report.sarif
  COMMAND ${Python3_EXECUTABLE} ${rh_check_reports} sarif
    $<TARGET_FILE:racehunt-testonly> ${rh_report_dir}/hunt.sarif)
set_tests_properties(report.junit.hunt report.junit.run report.junit.reference report.sarif
  PROPERTIES LABELS report)
rh_cli_test(report.junit.bad_path STATUS 2 MATCH "^racehunt: --junit: cannot write '/nonexistent/j.xml'"
  LABELS report cli ARGS run offset.collide --trials 1 --junit /nonexistent/j.xml)
rh_cli_test(report.junit.no_value STATUS 2 MATCH "^racehunt: hunt: --sarif needs a value"
  LABELS report cli ARGS hunt offset.collide --sarif)

# Every JSON shape racehunt writes (run, exec and hunt; stress, controlled,
# replay, a --build column, a message with bytes 0xff and 0x01 that compare
# must read too; the compare fixtures' files) against the documented schema, docs/racehunt-result.schema.json (python3-jsonschema; skip if absent).
add_test(NAME report.json.schema
  COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/ci/check-json
    ${PROJECT_SOURCE_DIR}/docs/racehunt-result.schema.json $<TARGET_FILE:racehunt_exe>
    ${rh_report_dir}/json --examples ${CMAKE_BINARY_DIR}/examples
    --testonly $<TARGET_FILE:racehunt-testonly>
    ${CMAKE_CURRENT_BINARY_DIR}/compare_buggy.json
    ${CMAKE_CURRENT_BINARY_DIR}/compare_fixed.json)
set_tests_properties(report.json.schema PROPERTIES LABELS report SKIP_RETURN_CODE 77
  FIXTURES_REQUIRED compare)

# hunt --variant V: one row, what each hunt.<scenario>.<variant> case runs.
rh_cli_test(report.hunt.variant STATUS 0 LABELS report cli
  MATCH "^offset.collide +fixed-locked +clean .* ok$" NO_MATCH "fixed-atomic" "buggy"
  ARGS hunt offset.collide --variant fixed-locked --detectors pct:3,dfs:2)
rh_cli_test(report.hunt.variant.unknown STATUS 2 LABELS report cli
  MATCH "^racehunt: --variant: no selected scenario has a variant 'fixed-atomic'"
  ARGS hunt lockorder --variant fixed-atomic)

# exec: a data race in an example program as a JUnit failure and a SARIF
# result at its source line (examples are built outside TSan builds).
if(NOT RH_SANITIZE MATCHES "thread")
  add_test(NAME report.exec
    COMMAND ${Python3_EXECUTABLE} ${rh_check_reports} exec $<TARGET_FILE:racehunt_exe>
      ${CMAKE_BINARY_DIR}/examples/refcount_uaf)
  set_tests_properties(report.exec PROPERTIES LABELS "report;exec" SKIP_RETURN_CODE 77)
endif()

# A regression is actionable: under the table, the mis-declared row's
# message, replay command and shrunk interleaving; the missed row's budgets;
# nothing for rows as declared.
add_test(NAME report.regression.terminal
  COMMAND ${PROJECT_SOURCE_DIR}/ci/expect 1
    --match "^not as declared:$"
    --match "^testonly.counter \\[misdeclared\\]: declared clean, flagged a clean variant$"
    --match "^  pct:3: LOST_UPDATE in 1 of 3 trials, first at trial 2: counter is 1, expected 2$"
    --match "^    replay: .*racehunt-testonly replay 'rh1:testonly.counter:misdeclared:"
    --match "^  interleaving \\(pct:3, shrunk: 2 threads, 8 steps\\):$"
    --match "^      5 \\| +T1 store counter=1$"
    --match "^testonly.counter \\[unseeded\\]: declared detected, missed a seeded bug$"
    --match "^  dfs:2: clean, 14 schedules \\(bounded space exhausted\\)$"
    --no-match "\\[(buggy|fixed|badbytes)\\]: declared"
    -- $<TARGET_FILE:racehunt-testonly> hunt testonly.counter --detectors pct:3,dfs:2 --seed 1)
set_tests_properties(report.regression.terminal PROPERTIES LABELS report)
# ... and at the top of the HTML page, above the matrix (static check, then
# rendered by headless Chromium when it is installed; page and screenshot
# stay in reports/).
add_test(NAME report.regression.html
  COMMAND ${Python3_EXECUTABLE} ${rh_check_reports} html $<TARGET_FILE:racehunt-testonly>
    ${rh_report_dir}/regression.html)
set_tests_properties(report.regression.html PROPERTIES LABELS "report;html" TIMEOUT 300)

# The terminal: a clean result states its one-sided upper bound, and a
# mistyped name gets the nearest one.
rh_cli_test(report.clean_bound STATUS 0 LABELS report cli
  MATCH "2000 trials, 0 with violations \\(rate < 0\\.15% at 95%\\); outcomes: clean 2000$"
  ARGS run offset.collide --variant fixed-atomic --mode controlled --strategy pct:3 --trials 2000
       --quiet)
rh_cli_test(report.suggest.scenario STATUS 2 LABELS report cli
  MATCH "^racehunt: unknown scenario 'offset.colide'; did you mean offset.collide\\? 'racehunt list'"
  ARGS run offset.colide)
rh_cli_test(report.suggest.store STATUS 2 LABELS report cli
  MATCH "^racehunt: unknown scenario or store 'ofset'; did you mean offset\\?"
  ARGS hunt ofset)
rh_cli_test(report.suggest.variant STATUS 2 LABELS report cli
  MATCH "has no variant 'fixed-atomc'; did you mean fixed-atomic\\?"
  ARGS run offset.collide --variant fixed-atomc)
rh_cli_test(report.suggest.none STATUS 2 LABELS report cli
  MATCH "^racehunt: unknown scenario 'nosuch'; 'racehunt list' shows them" NO_MATCH "did you mean"
  ARGS run nosuch)
rh_cli_test(report.suggest.strategy STATUS 2 LABELS report cli
  MATCH "'pcd:3' .*; did you mean pct:3\\?" ARGS run offset.collide --mode controlled --strategy pcd:3)
rh_cli_test(report.suggest.strategy_mode STATUS 2 LABELS report cli
  MATCH "; pct:3 is a controlled strategy: add --mode controlled"
  ARGS run offset.collide --strategy pct:3)
rh_cli_test(report.suggest.strategy_stress STATUS 2 LABELS report cli
  MATCH "; noise:0.1 is a stress strategy: drop --mode controlled"
  ARGS run offset.collide --mode controlled --strategy noise:0.1)

# Under ThreadSanitizer the sanitizer's own report reaches every report: the
# summary under the table, JUnit's system-err, SARIF's location (the racy
# line, from the report's top frame).
if(RH_SANITIZE MATCHES thread)
  add_test(NAME report.sanitizer
    COMMAND ${Python3_EXECUTABLE} ${rh_check_reports} sanitizer $<TARGET_FILE:racehunt-testonly>
      ${rh_report_dir}/sanitizer)
  set_tests_properties(report.sanitizer PROPERTIES LABELS "report;tsan")
endif()

# A red CI names the variant: the per-variant cases of racehunt-testonly, in a
# CTest directory of their own, fail exactly for the two mis-declared rows,
# each by its hunt.<scenario>.<variant> name, with the finding in its output.
# (Not under TSan, where testonly.racy is flagged too, as it should be.)
if(NOT RH_SANITIZE MATCHES "thread")
  set(rh_redci_dir ${rh_report_dir}/redci)
  file(MAKE_DIRECTORY ${rh_redci_dir})
  racehunt_add_hunt_tests(racehunt-testonly LABELS hunt SCRIPT_ONLY ${rh_redci_dir}/hunt_tests.cmake)
  file(WRITE ${rh_redci_dir}/CTestTestfile.cmake "include(hunt_tests.cmake)\n")
  add_test(NAME report.redci
    COMMAND ${PROJECT_SOURCE_DIR}/ci/expect 8
      --match "hunt\\.testonly\\.counter\\.misdeclared .*\\*\\*\\*Failed"
      --match "hunt\\.testonly\\.counter\\.unseeded .*\\*\\*\\*Failed"
      --match "hunt\\.testonly\\.counter\\.buggy .*Passed"
      --match "hunt\\.testonly\\.counter\\.fixed .*Passed"
      --match "^testonly.counter \\[misdeclared\\]: declared clean, flagged a clean variant$"
      --match "    replay: .* replay 'rh1:testonly\\.counter:misdeclared:"
      --match "^[0-9]+% tests passed, 2 tests failed out of 6$"
      -- ${CMAKE_CTEST_COMMAND} --test-dir ${rh_redci_dir} --output-on-failure -j2)
  set_tests_properties(report.redci PROPERTIES LABELS report)
endif()
