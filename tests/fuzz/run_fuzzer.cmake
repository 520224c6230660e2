# Runs one fuzzer for a bounded time on a scratch copy of its seed corpus (libFuzzer writes what it
# finds into its first corpus directory; the checked-in corpus stays untouched). Fails on a crash,
# leak, timeout or sanitizer report and names the reproducer. With EXPECT_CRASH it fails unless the
# fuzzer did crash and left a reproducer: that proves the runner itself.
#
#   cmake -DNAME=.. -DFUZZER=.. -DCORPUS=.. [-DSEED_DIRS=a|b] -DWORK_DIR=.. -DSECONDS=.. [-DEXPECT_CRASH=ON]
#         -P run_fuzzer.cmake
foreach(required NAME FUZZER CORPUS WORK_DIR SECONDS)
  if(NOT DEFINED ${required})
    message(FATAL_ERROR "run_fuzzer.cmake: -D${required}=... is required")
  endif()
endforeach()
if(NOT EXISTS "${FUZZER}")
  message(FATAL_ERROR "${NAME}: ${FUZZER} is not built (configure with FT_BUILD_FUZZERS=ON and clang++ installed)")
endif()

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}/corpus" "${WORK_DIR}/artifacts")
file(GLOB seeds "${CORPUS}/*")
string(REPLACE "|" ";" SEED_DIRS "${SEED_DIRS}")
foreach(dir IN LISTS SEED_DIRS)
  file(GLOB more "${dir}/*")
  list(APPEND seeds ${more})
endforeach()
if(NOT seeds)
  message(FATAL_ERROR "${NAME}: no seeds in ${CORPUS} ${SEED_DIRS}")
endif()
file(COPY ${seeds} DESTINATION "${WORK_DIR}/corpus")
list(LENGTH seeds seed_count)

execute_process(
  COMMAND "${FUZZER}" -max_total_time=${SECONDS} -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
          -artifact_prefix=${WORK_DIR}/artifacts/ "${WORK_DIR}/corpus"
  RESULT_VARIABLE status
  OUTPUT_VARIABLE log
  ERROR_VARIABLE log)
file(WRITE "${WORK_DIR}/fuzzer.log" "${log}")
file(GLOB artifacts "${WORK_DIR}/artifacts/*")
string(LENGTH "${log}" log_length)
if(log_length GREATER 4000)
  math(EXPR tail_start "${log_length} - 4000")
  string(SUBSTRING "${log}" ${tail_start} -1 log)
endif()

if(EXPECT_CRASH)
  if(status EQUAL 0 OR NOT artifacts)
    message(FATAL_ERROR "${NAME}: expected the fuzzer to crash and leave a reproducer (exit ${status})\n${log}")
  endif()
  message(STATUS "${NAME}: crash reported as expected, reproducer ${artifacts}")
  return()
endif()
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${NAME}: the fuzzer found a failure (exit ${status}).\n"
                      "Reproduce with: ${FUZZER} ${artifacts}\n"
                      "Full log: ${WORK_DIR}/fuzzer.log\n${log}")
endif()
message(STATUS "${NAME}: ${SECONDS} s from ${seed_count} seeds, no failure (log: ${WORK_DIR}/fuzzer.log)")
