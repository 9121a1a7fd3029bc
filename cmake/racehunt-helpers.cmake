# SPDX-License-Identifier: MIT
# CMake helpers for projects that hunt in their own store with racehunt,
# the same after find_package(racehunt) and after add_subdirectory(racehunt).
#
#   racehunt_add_executable(NAME SOURCES file... [LIBRARIES lib...])
#     A racehunt command line (list, run, hunt, replay, ...) over the
#     scenarios in SOURCES. They must be sources (or object libraries), not
#     a static library: RH_SCENARIO registers from an object's constructor,
#     and a linker leaves an archive member that nothing calls behind.
#     LIBRARIES: what the scenarios need besides racehunt (the store).
#
#   racehunt_add_test(NAME COMMAND_TARGET target [ARGS arg...])
#     A CTest test running `target ARGS` (default ARGS: hunt): every variant of
#     every scenario linked in must behave as it declares (exit 0).
#   racehunt_add_test(NAME COMMAND target [args...] EXPECT clean|detected ...)
#     A `racehunt exec` campaign over a program built for it
#     (racehunt_add_exec_test in harness/intercept/racehunt_instrument.cmake).

function(racehunt_add_executable name)
  cmake_parse_arguments(RH "" "" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT RH_SOURCES)
    message(FATAL_ERROR "racehunt_add_executable(${name}): SOURCES holding the scenarios needed")
  endif()
  add_executable(${name} ${RH_SOURCES})
  target_link_libraries(${name} PRIVATE racehunt::main racehunt::harness racehunt::props
    ${RH_LIBRARIES})
endfunction()

function(racehunt_add_test name)
  if("EXPECT" IN_LIST ARGN)
    racehunt_add_exec_test(${name} ${ARGN})
    return()
  endif()
  cmake_parse_arguments(RH "" "COMMAND_TARGET" "ARGS" ${ARGN})
  if(NOT RH_COMMAND_TARGET)
    message(FATAL_ERROR "racehunt_add_test(${name}): COMMAND_TARGET needed")
  endif()
  if(NOT RH_ARGS)
    set(RH_ARGS hunt)
  endif()
  add_test(NAME ${name} COMMAND ${RH_COMMAND_TARGET} ${RH_ARGS})
endfunction()
