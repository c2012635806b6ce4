# Runs one fuzzer (fuzz/CMakeLists.txt) for SECONDS on a fresh copy of its seed corpus SEEDS in
# WORK, where it also adds the inputs it finds and writes the one that failed; the source tree is
# never written. Fails on a crash, a sanitizer's report, a leak, a slow input or an over-limit
# allocation: a reader must not allocate 512 MB at once, nor hold 2 GB, whatever it is given.
foreach(variable FUZZER SEEDS WORK SECONDS)
  if(NOT DEFINED ${variable})
    message(FATAL_ERROR "run_fuzzer.cmake needs -D${variable}=...")
  endif()
endforeach()
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/artifacts")
file(COPY "${SEEDS}/" DESTINATION "${WORK}/corpus")
execute_process(
  COMMAND "${FUZZER}" -max_total_time=${SECONDS} -timeout=10 -rss_limit_mb=2048
          -malloc_limit_mb=512 -print_final_stats=1 "-artifact_prefix=${WORK}/artifacts/"
          "${WORK}/corpus"
  RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  file(GLOB found "${WORK}/artifacts/*")
  message(FATAL_ERROR "${FUZZER} failed (exit ${result}); the input: ${found} "
                      "(rerun it: ${FUZZER} <input>)")
endif()
