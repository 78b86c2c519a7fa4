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
for dep in libgit2 git; do
  grep -q "\b$dep" <<<"$(field Depends)" && pass "it depends on $dep" || fail "Depends lacks $dep: $(field Depends)"
done

# Files and modes.
expect_entry -rwxr-xr-x /usr/sbin/refguardd
expect_entry -rwxr-xr-x /usr/bin/refguard
expect_entry -rwxr-xr-x /usr/lib/refguard/refguard-hook
expect_entry -rw-r--r-- /usr/share/man/man1/refguard.1.gz
expect_entry -rw-r--r-- /usr/share/man/man1/refguard-hook.1.gz
expect_entry -rw-r--r-- /usr/share/man/man8/refguardd.8.gz
expect_entry -rw-r--r-- /etc/refguard/policy.toml
expect_entry -rw-r--r-- /etc/refguard/refguardd.env
expect_entry -rw-r--r-- /lib/systemd/system/refguard@.service
expect_entry -rw-r--r-- /lib/systemd/system/refguard@.socket
expect_entry -rw-r--r-- /usr/share/doc/refguard/examples/metrics.conf
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
[ "$(cat "$ROOT/DEBIAN/conffiles")" = "$(printf '/etc/refguard/policy.toml\n/etc/refguard/refguardd.env')" ] &&
  pass "the sample policy and the daemons' options file are conffiles" || fail "conffiles: $(cat "$ROOT/DEBIAN/conffiles")"
for script in postinst prerm postrm; do
  [ -x "$ROOT/DEBIAN/$script" ] && pass "$script is executable" || fail "$script is executable"
  bash -n "$ROOT/DEBIAN/$script" && sh -n "$ROOT/DEBIAN/$script" && pass "$script parses" || fail "$script parses"
done
! grep -q "adduser" "$ROOT/DEBIAN/postinst" && pass "postinst creates no user (daemons run as the Git service users)" ||
  fail "postinst still creates a user"
grep -q "systemctl stop 'refguard@\*.service' 'refguard@\*.socket'" "$ROOT/DEBIAN/prerm" && pass "prerm stops every instance" ||
  fail "prerm stops the instances"

# The template units: the essential keys, then systemd's own verdict on an instance.
unit_has() {  # unit_has UNIT LINE
  grep -qxF -- "$2" "$ROOT/lib/systemd/system/$1" && pass "$1: $2" || fail "$1 lacks '$2'"
}
unit_has refguard@.socket "ListenStream=/run/refguard/%i.sock"
unit_has refguard@.socket "SocketUser=%i"
unit_has refguard@.socket "SocketMode=0600"
unit_has refguard@.service "User=%i"
unit_has refguard@.service "ExecStart=/usr/sbin/refguardd --socket /run/refguard/%i.sock --state-dir /var/lib/refguard/%i \$REFGUARDD_OPTS"
unit_has refguard@.service "EnvironmentFile=-/etc/refguard/refguardd@%i.env"
for key in NoNewPrivileges=yes ProtectSystem=full "StateDirectory=refguard/%i" "CapabilityBoundingSet=" PrivateTmp=yes; do
  unit_has refguard@.service "$key"
done
if grep -v "^#" "$ROOT/lib/systemd/system/refguard@.service" | grep -q "AmbientCapabilities\\|/srv/git\\|--allow-group"; then
  fail "the unit names no capability and no path the package does not create"
else pass "the unit names no capability and no path the package does not create"; fi
if command -v systemd-analyze >/dev/null; then
  # The host's systemd checks an instance of copies whose ExecStart names the unpacked binary.
  mkdir -p "$T/units"
  cp "$ROOT"/lib/systemd/system/refguard@.{socket,service} "$T/units/"
  sed -i "s|=/usr/sbin/refguardd |=$ROOT/usr/sbin/refguardd |" "$T/units/refguard@.service"
  # www-data: a user every Debian system has (base-passwd), as a service user would be.
  (cd "$T/units" && ln -s refguard@.socket refguard@www-data.socket && ln -s refguard@.service refguard@www-data.service)
  if systemd-analyze verify --man=no "$T/units/refguard@www-data.socket" "$T/units/refguard@www-data.service" >"$T/verify.log" 2>&1 &&
    [ ! -s "$T/verify.log" ]; then
    pass "systemd-analyze verify accepts an instance of both units"
  else
    fail "systemd-analyze verify accepts an instance of both units"
    cat "$T/verify.log" >&2
  fi
else fail "systemd-analyze is missing: packaging/install-deps.sh installs systemd"; fi

# The packaged programs run, find each other, and accept the sample policy.
"$ROOT/usr/bin/refguard" --help | grep -q "install" && pass "the packaged refguard runs --help" ||
  fail "the packaged refguard runs --help"
"$ROOT/usr/sbin/refguardd" --help | grep -q -- "--user" && pass "the packaged refguardd runs --help" ||
  fail "the packaged refguardd runs --help"
"$ROOT/usr/bin/refguard" policy check --system "$ROOT/etc/refguard/policy.toml" >"$T/policy.out" 2>&1 &&
  pass "the sample system policy is valid" || { cat "$T/policy.out" >&2; fail "the sample system policy is valid"; }
git init -q --bare "$T/repo.git"
"$ROOT/usr/bin/refguard" install "$T/repo.git" >/dev/null
[ "$(readlink "$T/repo.git/hooks/pre-receive")" = "$ROOT/usr/lib/refguard/refguard-hook" ] &&
  pass "the packaged refguard installs the packaged hook" || fail "hook link: $(readlink "$T/repo.git/hooks/pre-receive")"
[ "$(git -C "$T/repo.git" config refguard.socket)" = "/run/refguard/$(id -un).sock" ] &&
  pass "install's default socket is that of the repository owner's daemon" ||
  fail "default socket: $(git -C "$T/repo.git" config refguard.socket)"
[ "$(git -C "$T/repo.git" config refguard.cli)" = "$ROOT/usr/bin/refguard" ] &&
  pass "install records the CLI for the inline fail mode" || fail "refguard.cli: $(git -C "$T/repo.git" config refguard.cli)"

finish
