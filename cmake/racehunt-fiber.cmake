# SPDX-License-Identifier: MIT
# The fiber switch controlled mode runs on, chosen once at configure time:
# hand-written assembly where racehunt has it (x86-64, AArch64), POSIX
# ucontext elsewhere (every switch then makes a sigprocmask system call:
# 269 ns against 9.7 ns; docs/controlled.md "Fiber back ends"). Sets RH_FIBER_BACKEND,
# the suffix of harness/src/controlled/fiber_<backend>.c.
set(RACEHUNT_FIBER_BACKEND auto CACHE STRING
  "Fiber switch of controlled mode: auto | x86_64 | aarch64 | ucontext")
set_property(CACHE RACEHUNT_FIBER_BACKEND PROPERTY STRINGS auto x86_64 aarch64 ucontext)

if(RACEHUNT_FIBER_BACKEND STREQUAL "auto")
  string(TOLOWER "${CMAKE_SYSTEM_PROCESSOR}" rh_cpu)
  if(rh_cpu MATCHES "^(x86_64|amd64)$")
    set(RH_FIBER_BACKEND x86_64)
  elseif(rh_cpu MATCHES "^(aarch64|arm64)$")
    set(RH_FIBER_BACKEND aarch64)
  else()
    set(RH_FIBER_BACKEND ucontext)
    message(STATUS "racehunt: no assembly fiber switch for ${CMAKE_SYSTEM_PROCESSOR}; "
      "controlled mode uses ucontext (switches about 25 times slower)")
  endif()
elseif(RACEHUNT_FIBER_BACKEND MATCHES "^(x86_64|aarch64|ucontext)$")
  set(RH_FIBER_BACKEND ${RACEHUNT_FIBER_BACKEND})
else()
  message(FATAL_ERROR "RACEHUNT_FIBER_BACKEND: '${RACEHUNT_FIBER_BACKEND}' is not one of "
    "auto, x86_64, aarch64, ucontext")
endif()
