# Concatenates config/builtin/*.toml (in name order) into a C++ source file so
# the built-in default policy is compiled into every binary and needs no file.
# Usage: cmake -DSOURCE_DIR=... -DOUTPUT=... -P EmbedPolicy.cmake
file(GLOB parts "${SOURCE_DIR}/config/builtin/*.toml")
list(SORT parts)
set(text "")
foreach(part ${parts})
  file(READ "${part}" content)
  get_filename_component(name "${part}" NAME)
  string(APPEND text "# ---- builtin/${name} ----\n${content}\n")
endforeach()
string(FIND "${text}" ")refguard_policy\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "a built-in policy file contains the raw-string delimiter")
endif()
file(WRITE "${OUTPUT}.tmp" "// Generated from config/builtin/*.toml by cmake/EmbedPolicy.cmake. Do not edit.\n#include \"policy/builtin_policy.h\"\nnamespace refguard::policy {\nstd::string_view builtin_policy_text() {\n  static constexpr char kText[] = R\"refguard_policy(${text})refguard_policy\";\n  return {kText, sizeof(kText) - 1};\n}\n}  // namespace refguard::policy\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
