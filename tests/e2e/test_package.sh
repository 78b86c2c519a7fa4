#!/usr/bin/env bash
# Issue 7: the Debian package. Builds it with cpack from the build directory
# (REFGUARD_BIN/..), unpacks it into a throwaway root with dpkg-deb, and checks
# its files and modes, the conffile, the systemd units, the maintainer
# scripts, and that the packaged programs run.
source "$(dirname "$0")/lib.sh"

BUILD=$(cd "$BIN/.." && pwd)
ROOT="$T/root"

# file_mode PATH: "type mode owner" as the package lists it (dpkg-deb -c).
listing() { dpkg-deb -c "$DEB" | awk '{ sub(/^\./, "", $6); print $1, $2, $6 }'; }
expect_entry() {  # expect_entry PERMS PATH
  if grep -qxF -- "$1 root/root $2" "$T/listing"; then pass "$2 is $1 root/root"; else
    fail "$2: expected $1 root/root, got: $(grep -F " $2" "$T/listing" | head -1)"
  fi
}

if cpack -G DEB --config "$BUILD/CPackConfig.cmake" -B "$T/pkg" >"$T/cpack.log" 2>&1; then pass "cpack -G DEB builds"; else
  cat "$T/cpack.log" >&2
  fail "cpack -G DEB builds"
  finish
fi
DEB=$(ls "$T"/pkg/refguard_*.deb)
listing >"$T/listing"

# Control fields.
field() { dpkg-deb -f "$DEB" "$1"; }
[ "$(field Package)" = refguard ] && pass "the package is called refguard" || fail "Package: $(field Package)"
for dep in libgit2 adduser git; do
  grep -q "\b$dep" <<<"$(field Depends)" && pass "it depends on $dep" || fail "Depends lacks $dep: $(field Depends)"
done

# Files and modes.
expect_entry -rwxr-xr-x /usr/sbin/refguardd
expect_entry -rwxr-xr-x /usr/bin/refguard
expect_entry -rwxr-xr-x /usr/lib/refguard/refguard-hook
expect_entry -rw-r--r-- /usr/share/man/man1/refguard.1.gz
expect_entry -rw-r--r-- /usr/share/man/man1/refguard-hook.1.gz
expect_entry -rw-r--r-- /usr/share/man/man8/refguardd.8.gz
expect_entry -rw-r----- /etc/refguard/policy.toml
expect_entry -rw-r--r-- /lib/systemd/system/refguard.service
expect_entry -rw-r--r-- /lib/systemd/system/refguard.socket
expect_entry -rw-r--r-- /usr/share/doc/refguard/copyright
expect_entry -rw-r--r-- /usr/share/doc/refguard/changelog.gz
expect_entry -rw-r--r-- /usr/share/bash-completion/completions/refguard
expect_entry -rw-r--r-- /usr/share/bash-completion/completions/refguardd
expect_entry -rw-r--r-- /usr/share/refguard/prometheus/refguard.rules.yml
expect_entry -rw-r--r-- /usr/share/refguard/grafana/refguard-dashboard.json
if grep -q " /usr/local\| /home\| $BUILD" "$T/listing"; then fail "no file outside the Debian layout"; else
  pass "no file outside the Debian layout"
fi

dpkg-deb -x "$DEB" "$ROOT"
dpkg-deb -e "$DEB" "$ROOT/DEBIAN"
file "$ROOT/usr/sbin/refguardd" | grep -q "stripped" && ! file "$ROOT/usr/sbin/refguardd" | grep -q "not stripped" &&
  pass "binaries are stripped" || fail "binaries are stripped"
for page in man1/refguard.1 man1/refguard-hook.1 man8/refguardd.8; do
  warnings=$(zcat "$ROOT/usr/share/man/$page.gz" | groff -man -ww -z 2>&1 || true)
  [ -z "$warnings" ] && pass "man page $page renders cleanly" || fail "man page $page: $warnings"
done

# Debian's own checks: lintian reports no error (warnings are listed, not fatal).
if command -v lintian >/dev/null; then
  lintian --tag-display-limit 0 "$DEB" >"$T/lintian.out" 2>&1 || true
  if grep -q '^E: ' "$T/lintian.out"; then fail "lintian reports errors: $(grep '^E: ' "$T/lintian.out" | tr '\n' ';')"; else
    pass "lintian reports no errors ($(grep -c '^W: ' "$T/lintian.out" || true) warnings)"
  fi
else fail "lintian is missing: packaging/install-deps.sh installs it"; fi
zcat "$ROOT/usr/share/doc/refguard/changelog.gz" | head -1 | grep -q "^refguard ($(field Version))" &&
  pass "the changelog's first entry is this version" || fail "changelog: $(zcat "$ROOT/usr/share/doc/refguard/changelog.gz" | head -1)"
grep -q "^Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/" "$ROOT/usr/share/doc/refguard/copyright" &&
  pass "the copyright file is machine-readable" || fail "copyright format"
"$ROOT/usr/bin/refguard" --version | grep -q "^refguard $(field Version)" && pass "the packaged refguard --version matches the package" ||
  fail "packaged --version: $("$ROOT/usr/bin/refguard" --version)"

# The conffile and the maintainer scripts.
[ "$(cat "$ROOT/DEBIAN/conffiles")" = /etc/refguard/policy.toml ] && pass "the sample policy is a conffile" ||
  fail "conffiles: $(cat "$ROOT/DEBIAN/conffiles")"
for script in postinst prerm postrm; do
  [ -x "$ROOT/DEBIAN/$script" ] && pass "$script is executable" || fail "$script is executable"
  bash -n "$ROOT/DEBIAN/$script" && sh -n "$ROOT/DEBIAN/$script" && pass "$script parses" || fail "$script parses"
done
grep -q "adduser --quiet --system" "$ROOT/DEBIAN/postinst" && pass "postinst creates the refguard system user" ||
  fail "postinst creates the refguard system user"
grep -q "install -d -o refguard -g refguard -m 0750 /var/lib/refguard" "$ROOT/DEBIAN/postinst" &&
  pass "postinst makes the state directory refguard's only" || fail "postinst state directory"
grep -q "systemctl stop refguard.service refguard.socket" "$ROOT/DEBIAN/prerm" && pass "prerm stops the units" ||
  fail "prerm stops the units"
grep -q "systemctl disable refguard.service refguard.socket" "$ROOT/DEBIAN/postrm" && pass "postrm disables the units" ||
  fail "postrm disables the units"

# The systemd units: the essential keys, then systemd's own verdict.
unit_has() {  # unit_has UNIT LINE
  grep -qxF -- "$2" "$ROOT/lib/systemd/system/$1" && pass "$1: $2" || fail "$1 lacks '$2'"
}
unit_has refguard.socket "ListenStream=/run/refguard/refguard.sock"
unit_has refguard.socket "SocketMode=0660"
unit_has refguard.socket "SocketGroup=refguard"
unit_has refguard.service "Type=simple"
unit_has refguard.service "User=refguard"
unit_has refguard.service "ExecStart=/usr/sbin/refguardd --socket /run/refguard/refguard.sock --config /etc/refguard/policy.toml --root /srv/git --allow-group git"
for key in NoNewPrivileges=yes ProtectSystem=strict "ReadWritePaths=/var/lib/refguard /srv/git" StateDirectory=refguard \
  RuntimeDirectory=refguard PrivateTmp=yes; do
  unit_has refguard.service "$key"
done
if command -v systemd-analyze >/dev/null; then
  # The host's systemd checks copies whose ExecStart names the unpacked binary.
  mkdir -p "$T/units"
  cp "$ROOT"/lib/systemd/system/refguard.{socket,service} "$T/units/"
  sed -i "s|=/usr/sbin/refguardd |=$ROOT/usr/sbin/refguardd |" "$T/units/refguard.service"
  if systemd-analyze verify --man=no "$T/units/refguard.socket" "$T/units/refguard.service" >"$T/verify.log" 2>&1 &&
    [ ! -s "$T/verify.log" ]; then
    pass "systemd-analyze verify accepts both units"
  else
    fail "systemd-analyze verify accepts both units"
    cat "$T/verify.log" >&2
  fi
else fail "systemd-analyze is missing: packaging/install-deps.sh installs systemd"; fi

# The packaged programs run, find each other, and accept the sample policy.
"$ROOT/usr/bin/refguard" --help | grep -q "install" && pass "the packaged refguard runs --help" ||
  fail "the packaged refguard runs --help"
"$ROOT/usr/sbin/refguardd" --help | grep -q -- "--allow-group" && pass "the packaged refguardd runs --help" ||
  fail "the packaged refguardd runs --help"
"$ROOT/usr/bin/refguard" policy check --system "$ROOT/etc/refguard/policy.toml" >"$T/policy.out" 2>&1 &&
  pass "the sample system policy is valid" || { cat "$T/policy.out" >&2; fail "the sample system policy is valid"; }
git init -q --bare "$T/repo.git"
"$ROOT/usr/bin/refguard" install --socket /run/refguard/refguard.sock "$T/repo.git" >/dev/null
[ "$(readlink "$T/repo.git/hooks/pre-receive")" = "$ROOT/usr/lib/refguard/refguard-hook" ] &&
  pass "the packaged refguard installs the packaged hook" || fail "hook link: $(readlink "$T/repo.git/hooks/pre-receive")"

finish
