# benchd_add_sweep_fuzzer(<target> SOURCES <files...> LIBS <targets...>)
# Builds the sweep fuzzer with libFuzzer, AddressSanitizer (with leak
# detection) and UndefinedBehaviorSanitizer. Needs clang. Shared by the
# in-tree build (when benchd itself is built with clang) and the clang
# sub-build in clang/ (when it is not), so both build the same thing.
set(BENCHD_SWEEP_FUZZER_MAIN ${CMAKE_CURRENT_LIST_DIR}/sweep_fuzzer.cc)

function(benchd_add_sweep_fuzzer target)
  cmake_parse_arguments(ARG "" "" "SOURCES;INCLUDES;LIBS" ${ARGN})
  add_executable(${target} ${BENCHD_SWEEP_FUZZER_MAIN} ${ARG_SOURCES})
  target_include_directories(${target} PRIVATE ${ARG_INCLUDES})
  # UBSan findings must stop the run like ASan's, or the test would pass
  # with a report in its log.
  set(sanitize -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined)
  # The warnings of benchd_build_settings, which this target cannot use in
  # the clang sub-build.
  target_compile_options(${target} PRIVATE ${sanitize} -fno-omit-frame-pointer
    -Wall -Wextra -Wpedantic -Wno-unused-parameter)
  target_link_options(${target} PRIVATE ${sanitize})
  target_link_libraries(${target} PRIVATE ${ARG_LIBS})
endfunction()
