# SPDX-License-Identifier: MIT
# Fuzz targets (DESIGN.md "Fuzzers"): schedule fuzzers, one source per store,
# built once per variant; reader fuzzers over hostile on-disk bytes.
#
# Every build makes replay_<fuzzer>: the same source plus fuzz_replay_main.c,
# no libFuzzer, which CTest (label fuzz-replay) runs over corpus/<target>/.
# With RH_FUZZ=ON (clang) it also makes <fuzzer> itself, linked with
# RH_FUZZ_ENGINE; ClusterFuzzLite passes its $LIB_FUZZING_ENGINE there.
set(RH_FUZZ_ENGINE "-fsanitize=fuzzer" CACHE STRING "Link flags of the fuzzing engine")

# Variants each schedule fuzzer is built for. buggy must be caught (its
# regression inputs abort); every other variant listed must stay clean.
set(rh_fuzz_variants_offset buggy fixed-atomic fixed-locked)
set(rh_fuzz_variants_index buggy fixed)
set(rh_fuzz_variants_header buggy fixed)
set(rh_fuzz_variants_queue buggy mutex immutable)

define_property(GLOBAL PROPERTY RH_FUZZERS BRIEF_DOCS "libFuzzer binaries" FULL_DOCS "x")
define_property(GLOBAL PROPERTY RH_FUZZER_LINES BRIEF_DOCS "fuzzers.txt lines" FULL_DOCS "x")

# Sanitizers report through abort so a finding has one exit status (134) in
# every build, whatever the test preset's own *SAN_OPTIONS say.
set(rh_fuzz_replay_env
  "ASAN_OPTIONS=abort_on_error=1:detect_leaks=1"
  "UBSAN_OPTIONS=abort_on_error=1:halt_on_error=1:print_stacktrace=1"
  "TSAN_OPTIONS=abort_on_error=1:halt_on_error=1")

# fuzzer: binary name (the target is racehunt_<name>); CORPUS: corpus/<dir>;
# SOURCES: everything but a main.
function(rh_fuzzer fuzzer)
  cmake_parse_arguments(F "" "CORPUS;VARIANT" "SOURCES;LIBS;DEFINES" ${ARGN})
  foreach(kind replay fuzz)
    if(kind STREQUAL "replay")
      set(bin replay_${fuzzer})
      add_executable(racehunt_${bin} ${F_SOURCES} fuzz_replay_main.c)
      rh_test_program(racehunt_${bin})
    elseif(RH_FUZZ)
      set(bin ${fuzzer})
      add_executable(racehunt_${bin} ${F_SOURCES})
      separate_arguments(engine UNIX_COMMAND "${RH_FUZZ_ENGINE}")
      target_link_options(racehunt_${bin} PRIVATE ${engine})
      set_property(GLOBAL APPEND PROPERTY RH_FUZZERS racehunt_${bin})
      set(expect clean)
      if(F_VARIANT STREQUAL "buggy")
        set(expect buggy)
      endif()
      set_property(GLOBAL APPEND PROPERTY RH_FUZZER_LINES "${bin} ${F_CORPUS} ${expect}\n")
    else()
      continue()
    endif()
    set_target_properties(racehunt_${bin} PROPERTIES OUTPUT_NAME ${bin})
    target_link_libraries(racehunt_${bin} PRIVATE ${F_LIBS})
    target_compile_definitions(racehunt_${bin} PRIVATE ${F_DEFINES})
    target_compile_options(racehunt_${bin} PRIVATE -iquote ${PROJECT_SOURCE_DIR}/harness/src)
  endforeach()

  set(dir ${PROJECT_SOURCE_DIR}/corpus/${F_CORPUS})
  file(GLOB inputs CONFIGURE_DEPENDS ${dir}/*)
  file(GLOB regressions CONFIGURE_DEPENDS ${dir}/regress-*)
  if(NOT inputs)
    message(FATAL_ERROR "corpus/${F_CORPUS} has no inputs: fuzz targets need seeds")
  endif()
  if(F_VARIANT STREQUAL "buggy" AND NOT regressions)
    message(FATAL_ERROR "corpus/${F_CORPUS} has no regress-* input: nothing would show that "
      "${fuzzer} still finds its bug")
  endif()
  if(NOT RACEHUNT_BUILD_TESTS)
    return()
  endif()
  if(F_VARIANT STREQUAL "buggy")
    # Each regression input reproduces its bug: the run must abort with the
    # racehunt report and its replay line. In a sanitizer build the sanitizer
    # may see the bug first (a use-after-free, a data race) and end the run.
    string(REGEX REPLACE "^fuzz_([a-z]+)_.*" "\\1" store ${fuzzer})
    set(report "VIOLATION [A-Z_]+ in ${store}\\.[a-z]+ \\[buggy\\]")
    set(line "^replay: racehunt replay 'rh1:${store}\\.")
    if(RH_SANITIZE)
      set(sanitizer "|ERROR: AddressSanitizer|WARNING: ThreadSanitizer")
      string(APPEND report "${sanitizer}")
      string(APPEND line "${sanitizer}")
    endif()
    # Seeds are not replayed here: exploring schedules may hit the bug.
    foreach(input IN LISTS regressions)
      get_filename_component(name ${input} NAME)
      add_test(NAME fuzz.${fuzzer}.${name}
        COMMAND ${PROJECT_SOURCE_DIR}/ci/expect 134 --match "${report}" --match "${line}"
          -- $<TARGET_FILE:racehunt_replay_${fuzzer}> ${input})
      set_tests_properties(fuzz.${fuzzer}.${name} PROPERTIES
        LABELS fuzz-replay ENVIRONMENT "${rh_fuzz_replay_env}")
    endforeach()
  else()
    # A clean variant, or a reader: every input, regressions included, runs
    # without a report, a sanitizer complaint or a leak.
    add_test(NAME fuzz.${fuzzer}.corpus
      COMMAND ${PROJECT_SOURCE_DIR}/ci/expect 0
        --no-match "VIOLATION|Sanitizer|runtime error|reader fuzz:"
        -- $<TARGET_FILE:racehunt_replay_${fuzzer}> ${dir})
    set_tests_properties(fuzz.${fuzzer}.corpus PROPERTIES
      LABELS fuzz-replay ENVIRONMENT "${rh_fuzz_replay_env}")
  endif()
endfunction()

foreach(store offset index header queue)
  if(NOT TARGET racehunt_store_${store})
    continue()
  endif()
  foreach(variant IN LISTS rh_fuzz_variants_${store})
    rh_fuzzer(fuzz_${store}_${variant} CORPUS fuzz_${store} VARIANT ${variant}
      SOURCES fuzz_${store}.c fuzz_sched.c $<TARGET_OBJECTS:racehunt_store_${store}>
      LIBS racehunt::harness racehunt::props
      DEFINES RH_FUZZ_VARIANT="${variant}")
  endforeach()
endforeach()

if(TARGET racehunt_store_header)
  # The readers are pure functions over bytes: header_format.c alone.
  foreach(reader header_open wal_replay index_load)
    rh_fuzzer(fuzz_${reader} CORPUS fuzz_${reader}
      SOURCES fuzz_${reader}.c fuzz_reader.c ${PROJECT_SOURCE_DIR}/stores/header/header_format.c
      LIBS racehunt::harness)
    target_include_directories(racehunt_replay_fuzz_${reader} PRIVATE
      ${PROJECT_SOURCE_DIR}/stores/header)
    if(RH_FUZZ)
      target_include_directories(racehunt_fuzz_${reader} PRIVATE ${PROJECT_SOURCE_DIR}/stores/header)
    endif()
  endforeach()
endif()

get_property(rh_fuzzers GLOBAL PROPERTY RH_FUZZERS)
if(rh_fuzzers)
  add_custom_target(racehunt_fuzzers DEPENDS ${rh_fuzzers})
  # What .clusterfuzzlite/build.sh ships: "<fuzzer> <corpus dir> <clean|buggy>"
  # (<fuzzer> is the binary; its target is racehunt_<fuzzer>).
  get_property(lines GLOBAL PROPERTY RH_FUZZER_LINES)
  string(REPLACE ";" "" lines "${lines}")
  file(WRITE ${PROJECT_BINARY_DIR}/fuzzers.txt "${lines}")
endif()

# The ClusterFuzzLite build run without docker, as its engine would run it.
# It compiles everything again with libFuzzer flags, whatever this build's
# flavour, so only the plain build runs it.
if(RACEHUNT_BUILD_TESTS AND NOT RH_SANITIZE AND NOT RH_FUZZ)
  add_test(NAME cfl.build COMMAND ${PROJECT_SOURCE_DIR}/ci/cfl-check)
  set_tests_properties(cfl.build PROPERTIES LABELS cfl SKIP_RETURN_CODE 77 TIMEOUT 1200)
endif()
