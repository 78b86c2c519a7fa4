# REFGUARD_FUZZ=ON builds the whole project with clang, libFuzzer coverage,
# ASan and UBSan, and adds the fuzz targets in tests/fuzz/.
#
#   CXX=clang++-16 cmake -S . -B build-fuzz -DREFGUARD_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug
#
# (Debug keeps assert() on; the optimisation level is set below.)
#
# Why clang 16 and not the installed clang 14: libstdc++ 12 declares
# std::expected only when __cpp_concepts >= 202002L, and clang before 19
# reports 201907L. Raising the macro is enough for clang 16, which implements
# conditionally trivial special members (P0848); clang 14 does not, so
# std::expected's destructor is deleted there and the code cannot compile.
option(REFGUARD_FUZZ "Build with clang + libFuzzer + ASan/UBSan and add the fuzz targets" OFF)
if(NOT REFGUARD_FUZZ)
  return()
endif()

if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang" OR CMAKE_CXX_COMPILER_VERSION VERSION_LESS 16)
  message(FATAL_ERROR "REFGUARD_FUZZ needs clang 16 or later (Debian 12: clang-16 libclang-rt-16-dev); "
                      "configure with CXX=clang++-16. Found ${CMAKE_CXX_COMPILER_ID} ${CMAKE_CXX_COMPILER_VERSION}.")
endif()
if(REFGUARD_SANITIZE)
  message(FATAL_ERROR "REFGUARD_FUZZ already enables address,undefined; leave REFGUARD_SANITIZE empty")
endif()
if(CMAKE_CXX_COMPILER_VERSION VERSION_LESS 19)
  add_compile_options(-U__cpp_concepts -D__cpp_concepts=202002L)
endif()

# Every object gets coverage counters and the sanitizers; only the fuzz
# targets link libFuzzer's main (-fsanitize=fuzzer), see tests/fuzz/.
# -O1 and line tables only: half the compile time of -O2 -g, same findings,
# and reports still name file:line. These come after the build type's flags.
add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
                    -fno-omit-frame-pointer -O1 -gline-tables-only)
add_link_options(-fsanitize=address,undefined)
