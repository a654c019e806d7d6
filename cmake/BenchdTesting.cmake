# Test registration helpers, included from tests/CMakeLists.txt so that every
# test folder sees them.
include(GoogleTest)

# Where the ctest run's PostgreSQL lives (see tests/support). Short, because
# it must stay reachable for the `postgres` user, and unique per build
# directory, so that two build trees can run their suites side by side.
string(MD5 _benchd_build_hash "${CMAKE_BINARY_DIR}")
string(SUBSTRING "${_benchd_build_hash}" 0 10 _benchd_build_hash)
set(BENCHD_TEST_PG_DIR "/tmp/benchd-test-pg-${_benchd_build_hash}")
# The environment a test needs to find that server (read by TestDatabase).
set(BENCHD_TEST_PG_ENV "BENCHD_TEST_PG_DSN_FILE=${BENCHD_TEST_PG_DIR}/dsn")

# benchd_add_pg_test(<target> [LABELS <label>] [TEST_PREFIX <prefix>] [TIMEOUT <s>])
# Registers the gtest cases of <target> with ctest, requiring the suite's
# PostgreSQL (fixture PG) and passing its DSN file. LABELS defaults to
# "integration", TIMEOUT (per test case) to 120 seconds.
function(benchd_add_pg_test target)
  cmake_parse_arguments(ARG "" "LABELS;TEST_PREFIX;TIMEOUT" "" ${ARGN})
  if(NOT ARG_LABELS)
    set(ARG_LABELS integration)
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  set(prefix_args "")
  if(ARG_TEST_PREFIX)
    set(prefix_args TEST_PREFIX ${ARG_TEST_PREFIX})
  endif()
  gtest_discover_tests(${target}
    ${prefix_args}
    DISCOVERY_TIMEOUT 60
    PROPERTIES
      FIXTURES_REQUIRED PG
      ENVIRONMENT "${BENCHD_TEST_PG_ENV}"
      LABELS ${ARG_LABELS}
      TIMEOUT ${ARG_TIMEOUT})
endfunction()
