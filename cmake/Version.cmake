# The version every program reports (`--version`, the daemon's log and status,
# refguard_build_info, SARIF): project(VERSION) plus, when built from a git
# checkout, the commit. The commit is re-read at every build by a script that
# rewrites the header only when it changed, so a new commit recompiles only
# what includes util/version.h.
set(REFGUARD_VERSION_HEADER ${CMAKE_BINARY_DIR}/generated/refguard_version_info.h)
find_package(Git QUIET)
add_custom_target(refguard_version_header
  COMMAND ${CMAKE_COMMAND} -DVERSION=${PROJECT_VERSION} -DSOURCE_DIR=${PROJECT_SOURCE_DIR}
          -DGIT_EXECUTABLE=${GIT_EXECUTABLE} -DOUTPUT=${REFGUARD_VERSION_HEADER}
          -P ${PROJECT_SOURCE_DIR}/cmake/WriteVersion.cmake
  BYPRODUCTS ${REFGUARD_VERSION_HEADER}
  COMMENT "Reading the git commit for --version"
  VERBATIM)
add_library(refguard_version INTERFACE)
target_include_directories(refguard_version INTERFACE ${CMAKE_BINARY_DIR}/generated)
add_dependencies(refguard_version refguard_version_header)
