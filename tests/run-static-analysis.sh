#!/usr/bin/env bash
# Static analysis of lib/, daemon/ and hooks/, warnings as errors:
#   1. clang-tidy-16 with the checks in .clang-tidy, over every source of those
#      folders listed in BUILD_DIR/compile_commands.json;
#   2. cppcheck (warning, performance, portability) with the suppressions below.
#
#   bash tests/run-static-analysis.sh [BUILD_DIR]     (default: build, as tests/run-all.sh leaves it)
#
# The build directory only has to be configured (its compile_commands.json);
# nothing is compiled. clang-tidy 16 rather than 14: see cmake/Fuzzing.cmake.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath -m "${1:-$root/build}")
jobs=$(nproc)
status=0

bash "$root/packaging/install-deps.sh"
# Refresh the compilation database so sources added since the last configure are analysed.
cmake -S "$root" -B "$build" >/dev/null

# ---- clang-tidy ------------------------------------------------------------------
mapfile -t sources < <(python3 - "$build/compile_commands.json" "$root" <<'PY'
import json, re, sys
db, root = sys.argv[1], sys.argv[2]
pattern = re.compile(re.escape(root) + r"/(lib|daemon|hooks)/.*\.cpp$")
print("\n".join(sorted({e["file"] for e in json.load(open(db)) if pattern.match(e["file"])})))
PY
)
echo "== clang-tidy: ${#sources[@]} files"
start=$SECONDS
# -std=c++2b: clang 16 does not know -std=c++23 yet. __cpp_concepts: libstdc++ 12
# declares std::expected only for 202002 (clang 16 implements what it needs).
tidy_args=(-p "$build" -quiet -extra-arg=-std=c++2b -extra-arg=-U__cpp_concepts
           -extra-arg=-D__cpp_concepts=202002L -extra-arg=-Wno-unknown-warning-option
           -header-filter="^$root/(lib|daemon|hooks)/")
if ! run-clang-tidy-16 "${tidy_args[@]}" -j "$jobs" "${sources[@]}" >"$build/clang-tidy.log" 2>&1; then
  status=1
fi
findings=$(grep -E '^/.*: (warning|error):' "$build/clang-tidy.log" | sort -u || true)
[ -z "$findings" ] || printf '%s\n' "$findings"
echo "== clang-tidy: $(grep -c . <<<"$findings" || true) findings in $((SECONDS - start)) s" \
  "(full log: $build/clang-tidy.log)"

# ---- cppcheck --------------------------------------------------------------------
# Suppressions, each a known false positive of cppcheck 2.10:
#   legacyUninitvar in quarantine_odb.cpp: `auto* p = new (std::nothrow) T{};` is
#       reported as an uninitialised `p` (reproduced in isolation; `T* p = ...` is not).
cppcheck_suppressions=(
  --suppress="legacyUninitvar:lib/git/quarantine_odb.cpp"
)
echo "== cppcheck"
start=$SECONDS
if ! (cd "$root" && cppcheck -q -j "$jobs" --std=c++20 --language=c++ -I lib \
        --enable=warning,performance,portability --inline-suppr --error-exitcode=1 \
        --template='{file}:{line}: {severity} [{id}] {message}' \
        "${cppcheck_suppressions[@]}" lib daemon hooks); then
  status=1
fi
echo "== cppcheck: done in $((SECONDS - start)) s"

[ "$status" -eq 0 ] && echo "run-static-analysis: clean" || echo "run-static-analysis: FAILED" >&2
exit "$status"
