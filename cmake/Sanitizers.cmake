# REFGUARD_SANITIZE=address,undefined (or thread) builds everything with those sanitizers.
# tests/run-sanitizers.sh builds both and runs the tests under them.
add_library(refguard_sanitizers INTERFACE)
set(REFGUARD_SANITIZE "" CACHE STRING "Comma-separated sanitizers, e.g. address,undefined or thread")
if(REFGUARD_SANITIZE)
  target_compile_options(refguard_sanitizers INTERFACE
    -fsanitize=${REFGUARD_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(refguard_sanitizers INTERFACE -fsanitize=${REFGUARD_SANITIZE})
  if(REFGUARD_SANITIZE MATCHES "thread" AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # Boost.Asio's handler fences (std_fenced_block) draw one "atomic_thread_fence is not
    # supported" warning per handler type. TSan may then report a false race; it cannot miss one.
    target_compile_options(refguard_sanitizers INTERFACE -Wno-tsan)
  endif()
  # Default runtime options compiled into every sanitized binary, see sanitizer_defaults.cpp.in.
  set(REFGUARD_SANITIZER_LOG_DIR "${CMAKE_BINARY_DIR}/sanitizer-logs" CACHE PATH
      "Where sanitized binaries write their reports (report.<pid>)")
  file(MAKE_DIRECTORY "${REFGUARD_SANITIZER_LOG_DIR}")
  set(REFGUARD_LSAN_SUPPRESSIONS "${CMAKE_CURRENT_LIST_DIR}/lsan.supp")
  configure_file(${CMAKE_CURRENT_LIST_DIR}/sanitizer_defaults.cpp.in ${CMAKE_BINARY_DIR}/sanitizer_defaults.cpp @ONLY)
  target_sources(refguard_sanitizers INTERFACE ${CMAKE_BINARY_DIR}/sanitizer_defaults.cpp)
endif()
