# Every dependency comes from a Debian 12 package (packaging/install-deps.sh installs them).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(Boost 1.81 REQUIRED)
find_package(fmt 9 REQUIRED)
find_package(tomlplusplus 3.3 REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED)
# simdjson reads notebooks (detect/notebook.cpp): twenty times nlohmann's
# speed there, where nlohmann's parse was a tenth of a whole-history scan's
# CPU. nlohmann stays the reference for what is valid JSON and its errors.
find_package(simdjson 3 REQUIRED)
find_package(CLI11 2.1 REQUIRED)
# zlib: the model detector inflates deflated zip members (.npz, PyTorch zips) and zlib/gzip joblib dumps.
find_package(ZLIB 1.2.11 REQUIRED)
# ICU: the confusable-identifier detector uses its spoof checker (uspoof_*,
# the Unicode TR39 confusable skeletons) and its character properties.
find_package(ICU 60 REQUIRED COMPONENTS uc i18n)
pkg_check_modules(LIBGIT2 REQUIRED IMPORTED_TARGET libgit2>=1.5)
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
pkg_check_modules(HS REQUIRED IMPORTED_TARGET libhs>=5.4)
# hiredis: the optional scan cache shared by a fleet of daemons (engine/shared_scan_cache.h).
# Linked by the engine layer only (the daemon and the CLI), never by the hooks.
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis>=0.14)
find_package(Catch2 2 REQUIRED)

# jemalloc for the long-running programs (the daemon, the admin CLI): a large
# push allocates and frees hundreds of thousands of small objects, and glibc's
# malloc made the next push pay for sorting them all (a third of a cached
# re-push's check); jemalloc frees in constant time and returns memory by
# itself. Not for the hooks (they start in a millisecond and link nothing
# heavy), and not under the sanitizers, which bring their own allocator.
pkg_check_modules(JEMALLOC REQUIRED IMPORTED_TARGET jemalloc>=5)
add_library(refguard_allocator INTERFACE)
# OFF for a heap profiler (heaptrack sees only what goes through malloc).
option(REFGUARD_JEMALLOC "link the daemon and the CLI with jemalloc" ON)
if(REFGUARD_JEMALLOC AND NOT REFGUARD_SANITIZE AND NOT REFGUARD_FUZZ)
  target_link_libraries(refguard_allocator INTERFACE PkgConfig::JEMALLOC)
  target_compile_definitions(refguard_allocator INTERFACE REFGUARD_JEMALLOC=1)
endif()
