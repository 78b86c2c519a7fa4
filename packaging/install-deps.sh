#!/usr/bin/env bash
# Installs every build and test dependency of refguard from Debian 12 packages.
# Used by the README's two commands and by .ci/run; safe to run again.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git ca-certificates
  libgit2-dev libboost1.81-dev libre2-dev libvectorscan-dev libfmt-dev
  catch2 libtomlplusplus-dev nlohmann-json3-dev libcli11-dev
  # Notebooks are parsed with simdjson (cmake/Dependencies.cmake says why).
  libsimdjson-dev
  zlib1g-dev
  # ICU's spoof checker: confusable identifiers (homoglyphs) in source code.
  libicu-dev
  # The shared scan cache's client (--shared-cache), and the Redis its e2e test
  # and benchmark start (tests/e2e/test_shared_cache.sh, bench/shared_cache_bench.sh).
  libhiredis-dev redis-server
  # The daemon's and the CLI's allocator (cmake/Dependencies.cmake says why).
  libjemalloc-dev
  python3
  # Hardening (tests/run-fuzz.sh, tests/run-static-analysis.sh): clang 16, not
  # the default clang 14, because libstdc++ 12's std::expected needs P0848.
  clang-16 libclang-rt-16-dev llvm-16 clang-tidy-16 cppcheck
  # Real transports and packaging (tests/e2e/test_transport_*.sh, test_gitolite.sh,
  # test_package.sh): web server + CGI + basic auth, sshd, gitolite, cpack's DEB tools.
  lighttpd apache2-utils openssh-server openssh-client gitolite3 dpkg-dev fakeroot file systemd
  # Admin tooling, test-only (tests/e2e/test_metrics.sh, test_man_pages.sh,
  # test_package.sh, the "packaging: prometheus rules" ctest): prometheus for
  # promtool (check metrics on the daemon's /metrics, check/test rules on
  # packaging/prometheus/), lintian for the .deb, python3-yaml to read the rules'
  # queries, bash-completion to run the shipped completion.
  prometheus lintian python3-yaml bash-completion
)

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
