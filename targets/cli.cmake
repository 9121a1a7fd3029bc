# SPDX-License-Identifier: MIT
# The command line's option handling (issue 13 item 5) and the small hostile
# inputs of issue 12 item 14: exact exit status, the one line that says why.

# Options through getopt_long: --name=V like --name V, -h on every command.
rh_cli_test(cli.run.value_after_equals STATUS 1 MATCH "5 trials, 5 with violations" LABELS cli
  ARGS run offset.collide --trials=5 --quiet)
rh_cli_test(cli.run.option_before_scenario STATUS 0 MATCH "fixed-atomic.*: 3 trials" LABELS cli
  ARGS run --trials 3 --variant=fixed-atomic offset.collide --quiet)
foreach(command run hunt list compare replay shrink)
  rh_cli_test(cli.help.short.${command} STATUS 0 MATCH "usage: racehunt ${command}" LABELS cli
    ARGS ${command} -h)
endforeach()
rh_cli_test(cli.run.abbreviation STATUS 2
  MATCH "^racehunt: run: unknown option '--tri' \\(did you mean --trials\\?\\)" LABELS cli
  ARGS run offset.collide --tri 5)
rh_cli_test(cli.run.flag_with_value STATUS 2 MATCH "^racehunt: run: --quiet takes no value"
  LABELS cli ARGS run offset.collide --quiet=yes)
rh_cli_test(cli.run.missing_value STATUS 2 MATCH "^racehunt: run: --seed needs a value"
  LABELS cli ARGS run offset.collide --seed)

# Issue 12 item 14.
rh_cli_test(hostile.no_arguments STATUS 2 MATCH "^racehunt: no command given" LABELS cli hostile)
set(newline_arg "off\nset")
rh_cli_test(hostile.newline_in_argument STATUS 2
  MATCH "^racehunt: unknown scenario 'off\\\\nset'" NO_MATCH "^set'" LABELS cli hostile
  ARGS run ${newline_arg})
rh_cli_test(hostile.detectors_empty STATUS 2 MATCH "^racehunt: --detectors: empty list"
  LABELS cli hostile ARGS hunt offset.collide --detectors=)
rh_cli_test(hostile.variant_twice STATUS 2
  MATCH "^racehunt: run: --variant given twice \\('buggy' and 'fixed-atomic'\\)"
  LABELS cli hostile ARGS run offset.collide --variant buggy --variant fixed-atomic)
rh_cli_test(hostile.time_tiny STATUS 2 MATCH "^racehunt: --time: '1e-300' is not a number"
  LABELS cli hostile ARGS run offset.collide --time 1e-300)
foreach(id hex space plus)
  set(bad_hex 0x10)
  set(bad_space " 5")
  set(bad_plus +5)
  set(bad "${bad_${id}}")
  string(REPLACE "+" "\\+" bad_re "${bad}")
  rh_cli_test(hostile.number.trials_${id} STATUS 2 MATCH "^racehunt: --trials: '${bad_re}' is not a number"
    LABELS cli hostile ARGS run offset.collide --trials ${bad})
  rh_cli_test(hostile.number.time_${id} STATUS 2 MATCH "^racehunt: --time: '${bad_re}' is not a number"
    LABELS cli hostile ARGS run offset.collide "--time=${bad}")
endforeach()

# Issue 12 item 13: a result that cannot be written is exit 3 with a line.
rh_cli_test(hostile.write.run_json_full STATUS 3
  MATCH "^racehunt: --json: cannot write '/dev/full': No space left on device" LABELS cli hostile
  ARGS run offset.collide --trials 2 --quiet --json /dev/full)
rh_cli_test(hostile.write.hunt_json_full STATUS 3
  MATCH "^racehunt: --json: cannot write '/dev/full': No space left on device" LABELS cli hostile
  ARGS hunt offset.collide --detectors stress --trials 2 --json /dev/full)
rh_cli_test(hostile.write.hunt_html_full STATUS 3
  MATCH "^racehunt: --html: cannot write '/dev/full': No space left on device" LABELS cli hostile
  ARGS hunt offset.collide --detectors stress --trials 2 --html /dev/full)
foreach(args "list" "run offset.collide --trials 2" "hunt offset.collide --detectors stress --trials 2")
  string(REGEX REPLACE " .*" "" command "${args}")
  add_test(NAME hostile.write.${command}_stdout_full
    COMMAND ${PROJECT_SOURCE_DIR}/ci/expect 3 --match "^racehunt: cannot write standard output"
            -- sh -c "\"$0\" ${args} >/dev/full" $<TARGET_FILE:racehunt_exe>)
  set_tests_properties(hostile.write.${command}_stdout_full PROPERTIES LABELS "cli;hostile")
endforeach()
# Issue 12 item 14: one file for both results would interleave them.
rh_cli_test(hostile.write.same_path STATUS 2
  MATCH "^racehunt: --json and --html name one file \\('./same.out'\\)" LABELS cli hostile
  ARGS hunt offset.collide --detectors stress --json same.out --html ./same.out)
# Issue 17: "-" is standard output for hunt's --json as for run's. The array's
# opening line is matched as a lone punctuation character: a regex with an
# unbalanced '[' would stop CMake splitting the rest of the argument list.
rh_cli_test(cli.hunt.json_stdout STATUS 0 MATCH "^[[:punct:]]$" "^{\"detector\":\"stress\",\"result\":{"
  LABELS cli ARGS hunt offset.collide --detectors stress --trials 2 --json -)

# Issue 12 item 14: another build's JSON goes through the one strict decoder:
# 1e308 is "not a count" (html.c converted it to an integer: UBSan), an object
# where an array belongs names byte 0 (it printed an uninitialised offset).
function(rh_fake_build name json)
  set(script ${CMAKE_CURRENT_BINARY_DIR}/fake-build-${name})
  file(WRITE ${script} "#!/bin/sh\n# hunt --build stand-in: writes a fixed result file.\n"
    "while [ $# -gt 0 ]; do [ \"$1\" = --json ] && printf '%s' '${json}' > \"$2\"; shift; done\n")
  file(CHMOD ${script} PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
    WORLD_READ WORLD_EXECUTE)
endfunction()
rh_fake_build(huge "[{\"detector\":\"stress\",\"result\":{\"scenario\":\"offset.collide\",\"variant\":\"buggy\",\"trials_run\":1e308,\"violations\":0}}]")
rh_cli_test(hostile.build.huge_count STATUS 3
  MATCH "^racehunt: --build fake: bad result from .*: byte 91: \"trials_run\" is not a count$"
  LABELS cli hostile
  ARGS hunt offset.collide --detectors stress --trials 1 --build fake=${CMAKE_CURRENT_BINARY_DIR}/fake-build-huge)
rh_fake_build(object "{\"scenario\":\"offset.collide\"}")
rh_cli_test(hostile.build.not_an_array STATUS 3
  MATCH "^racehunt: --build fake: bad result from .*: byte 0: not an array$" LABELS cli hostile
  ARGS hunt offset.collide --detectors stress --trials 1 --build fake=${CMAKE_CURRENT_BINARY_DIR}/fake-build-object)

# Issue 17: a violation message with a 0xff byte still makes valid UTF-8
# JSON (the byte as the text \xFF), with its schema, and compare reads it.
# racehunt-testonly: defined in reports.cmake, included after this file.
set(badbytes_json ${CMAKE_CURRENT_BINARY_DIR}/badbytes.json)
add_test(NAME cli.json.badbytes_setup
  COMMAND ${PROJECT_SOURCE_DIR}/ci/expect 1 -- $<TARGET_FILE:racehunt-testonly> run testonly.counter
          --variant badbytes --mode controlled --trials 50 --quiet --json ${badbytes_json})
add_test(NAME cli.json.badbytes_compare
  COMMAND ${PROJECT_SOURCE_DIR}/ci/expect 0 --match "compare: 1 row, 1 same$"
          -- $<TARGET_FILE:racehunt-testonly> compare ${badbytes_json} ${badbytes_json})
add_test(NAME cli.json.badbytes_utf8
  COMMAND ${PROJECT_SOURCE_DIR}/ci/expect 0 --match "^racehunt/1 counter \\\\xFF"
          -- python3 -c "import json,sys; d=json.load(open(sys.argv[1],'rb')); print(d['schema'], d['first']['message'])" ${badbytes_json})
set_tests_properties(cli.json.badbytes_setup PROPERTIES FIXTURES_SETUP badbytes LABELS cli)
set_tests_properties(cli.json.badbytes_compare cli.json.badbytes_utf8 PROPERTIES
  FIXTURES_REQUIRED badbytes LABELS cli)

# Issue 12 item 14: a campaign that ran no trial is not clean; the shortest
# time budget still runs one (and run exits 3 should none have run).
rh_cli_test(hostile.time_shortest_runs_a_trial STATUS 0 MATCH ": [1-9][0-9]* trials, 0 with violations"
  LABELS cli hostile ARGS run offset.collide --variant fixed-atomic --time 0.001 --quiet)
# replay and shrink read option tables too: options anywhere, errors named.
rh_cli_test(cli.replay.unknown_option STATUS 2 MATCH "^racehunt: replay: unknown option '--frob'"
  LABELS cli ARGS replay --frob rh1:x)
rh_cli_test(cli.shrink.two_schedules STATUS 2 MATCH "^racehunt: shrink: unexpected argument 'b'"
  LABELS cli ARGS shrink a b)
# "-" for a result file is stdout: checked like any file.
add_test(NAME hostile.write.run_json_stdout_full
  COMMAND ${PROJECT_SOURCE_DIR}/ci/expect 3 --match "^racehunt: --json: cannot write standard output"
          -- sh -c "\"$0\" run offset.collide --trials 2 --quiet --json - >/dev/full" $<TARGET_FILE:racehunt_exe>)
set_tests_properties(hostile.write.run_json_stdout_full PROPERTIES LABELS "cli;hostile")
