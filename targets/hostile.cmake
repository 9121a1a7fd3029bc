# The hostile label (issue 12): racehunt fed what a hostile user would feed
# it, in the asan build, where a crash or a read of freed memory shows. Each
# test checks exit status and output (ci/expect or a script of ci/hostile/).
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
  MATCH "^racehunt: --threads x --ops x --rounds = 2 x 65536 x 65536 is over the limit"
  NO_MATCH "VIOLATION" "Sanitizer"
  LABELS hostile
  ARGS run offset.writers --variant fixed-atomic --threads 2 --ops 65536 --rounds 65536 --trials 1)
rh_cli_test(hostile.queue_rounds STATUS 2
  MATCH "^racehunt: --rounds 1000000 is over the limit of queue.props"
  NO_MATCH "VIOLATION" "Sanitizer"
  LABELS hostile
  ARGS run queue.props --mode controlled --ops 1 --rounds 1000000)
