# SPDX-License-Identifier: MIT
# Instrumenting a program for `racehunt exec`, in one place: the flags
# racehunt-cc and racehunt-c++ add (configured from these variables) and the
# CMake functions a project applies to its own targets (cache variables, so
# the functions see them from every directory). The same file serves this
# build (racehunt::intercept, racehunt::racehunt are aliases here) and an
# installed one (find_package(racehunt): the exported targets, and
# racehunt-expect installed beside this file).
#
# Compile: clang's or gcc's ThreadSanitizer instrumentation, so every plain
# access and atomic calls a __tsan_* hook (harness/intercept/hooks.def).
# Link: not TSan's runtime but racehunt's, whole (its interceptors must
# replace libc's even when nothing refers to them), and main wrapped so the
# runtime's fork server runs before it.
set(RH_INSTRUMENT_COMPILE_FLAGS -fsanitize=thread CACHE INTERNAL "racehunt-cc compile flags")
# -z now: the fork server binds every symbol once before main, instead of
# every trial child resolving its PLT entries again (measured: 3 page faults
# and about 4% of a trial's CPU time fewer, ci/bench-exec).
set(RH_INSTRUMENT_LINK_FLAGS -Wl,--wrap=main -Wl,-z,now CACHE INTERNAL "racehunt-cc link flags")
if(EXISTS ${CMAKE_CURRENT_LIST_DIR}/racehunt-expect)
  set(RH_EXPECT_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/racehunt-expect CACHE INTERNAL "exit status checker")
else()
  set(RH_EXPECT_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/../../ci/expect CACHE INTERNAL "exit status checker")
endif()

# racehunt_instrument(TARGET): build an existing executable target for
# `racehunt exec`.
function(racehunt_instrument target)
  target_compile_options(${target} PRIVATE ${RH_INSTRUMENT_COMPILE_FLAGS})
  target_link_options(${target} PRIVATE ${RH_INSTRUMENT_LINK_FLAGS})
  target_link_libraries(${target} PRIVATE "$<LINK_LIBRARY:WHOLE_ARCHIVE,racehunt::intercept>"
    ${CMAKE_DL_LIBS} Threads::Threads)
endfunction()

# racehunt_add_exec_test(NAME COMMAND target [args...] EXPECT clean|detected
#                   [MODE m] [STRATEGY s] [TRIALS n] [SEED n] [POINTS p] [WATCHDOG ms]
#                   [MATCH re...])
# A CTest test running `racehunt exec` on target: detected = exit 1 (and
# output matching every MATCH), clean = exit 0.
function(racehunt_add_exec_test name)
  cmake_parse_arguments(T "" "EXPECT;MODE;STRATEGY;TRIALS;SEED;POINTS;WATCHDOG"
    "COMMAND;MATCH;LABELS" ${ARGN})
  if(T_EXPECT STREQUAL "detected")
    set(status 1)
  elseif(T_EXPECT STREQUAL "clean")
    set(status 0)
  else()
    message(FATAL_ERROR "racehunt_add_exec_test(${name}): EXPECT must be clean or detected")
  endif()
  list(POP_FRONT T_COMMAND target)
  set(run exec --stop-on-first)
  foreach(opt MODE STRATEGY TRIALS SEED POINTS WATCHDOG)
    if(DEFINED T_${opt})
      string(TOLOWER ${opt} flag)
      list(APPEND run --${flag} ${T_${opt}})
    endif()
  endforeach()
  set(checks)
  foreach(re IN LISTS T_MATCH)
    list(APPEND checks --match ${re})
  endforeach()
  if(status EQUAL 0)
    list(APPEND checks --no-match "^VIOLATION")
  endif()
  add_test(NAME ${name}
    COMMAND ${RH_EXPECT_SCRIPT} ${status} ${checks} --
            $<TARGET_FILE:racehunt::racehunt> ${run} -- $<TARGET_FILE:${target}> ${T_COMMAND})
  set_tests_properties(${name} PROPERTIES LABELS "exec;${T_LABELS}")
endfunction()
