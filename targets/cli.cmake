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
