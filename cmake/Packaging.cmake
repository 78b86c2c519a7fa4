# Debian package via CPack: `cpack -G DEB` in the build directory.
# Layout: /usr/bin/refguard, /usr/sbin/refguardd, /usr/lib/refguard/refguard-hook
# (the install() rules beside each target), plus what is installed here: man
# pages, the sample system policy (a conffile) and the systemd units. The
# maintainer scripts (packaging/debian/) create the refguard user and enable
# the socket.
set(REFGUARD_PACKAGING_DIR ${PROJECT_SOURCE_DIR}/packaging)
# `cpack` and `cmake --install` package what was built (build first); they do
# not rebuild every target, which keeps tests/e2e/test_package.sh quick.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

# Man pages, compressed as Debian ships them.
find_program(GZIP_EXECUTABLE gzip REQUIRED)
set(REFGUARD_MAN_PAGES refguard.1 refguard-hook.1 refguardd.8)
set(REFGUARD_MAN_OUTPUTS "")
foreach(page ${REFGUARD_MAN_PAGES})
  set(output ${CMAKE_BINARY_DIR}/man/${page}.gz)
  add_custom_command(OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
    COMMAND ${GZIP_EXECUTABLE} -9nc ${REFGUARD_PACKAGING_DIR}/man/${page} > ${output}
    DEPENDS ${REFGUARD_PACKAGING_DIR}/man/${page}
    VERBATIM)
  list(APPEND REFGUARD_MAN_OUTPUTS ${output})
  string(REGEX REPLACE ".*\\.([0-9])$" "\\1" section ${page})
  install(FILES ${output} DESTINATION share/man/man${section})
endforeach()
add_custom_target(refguard_man_pages ALL DEPENDS ${REFGUARD_MAN_OUTPUTS})

# System files live at absolute paths: a package installs under /usr, but
# its configuration and units do not.
# Readable by all: every service user's daemon reads it (it holds rules, not secrets).
install(FILES ${PROJECT_SOURCE_DIR}/config/policy.toml ${REFGUARD_PACKAGING_DIR}/systemd/refguardd.env
        DESTINATION /etc/refguard PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
# Template units, one instance per Git service user: refguard@git.socket.
install(FILES ${REFGUARD_PACKAGING_DIR}/systemd/refguard@.service ${REFGUARD_PACKAGING_DIR}/systemd/refguard@.socket
        DESTINATION /lib/systemd/system)
install(FILES ${REFGUARD_PACKAGING_DIR}/systemd/metrics.conf DESTINATION share/doc/refguard/examples)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION share/doc/refguard)

# Debian's own files: copyright, and the changelog of a native package
# (changelog.gz, compressed reproducibly, as lintian expects).
set(REFGUARD_CHANGELOG_GZ ${CMAKE_BINARY_DIR}/debian/changelog.gz)
add_custom_command(OUTPUT ${REFGUARD_CHANGELOG_GZ}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/debian
  COMMAND ${GZIP_EXECUTABLE} -9nc ${REFGUARD_PACKAGING_DIR}/debian/changelog > ${REFGUARD_CHANGELOG_GZ}
  DEPENDS ${REFGUARD_PACKAGING_DIR}/debian/changelog
  VERBATIM)
add_custom_target(refguard_debian_changelog ALL DEPENDS ${REFGUARD_CHANGELOG_GZ})
install(FILES ${REFGUARD_PACKAGING_DIR}/debian/copyright ${REFGUARD_CHANGELOG_GZ} DESTINATION share/doc/refguard)

# Bash completion, Prometheus alerting rules and the Grafana dashboard.
install(FILES ${REFGUARD_PACKAGING_DIR}/bash-completion/refguard ${REFGUARD_PACKAGING_DIR}/bash-completion/refguardd
        DESTINATION share/bash-completion/completions)
install(FILES ${REFGUARD_PACKAGING_DIR}/prometheus/refguard.rules.yml DESTINATION share/refguard/prometheus)
install(FILES ${REFGUARD_PACKAGING_DIR}/grafana/refguard-dashboard.json DESTINATION share/refguard/grafana)

set(CPACK_PACKAGE_NAME refguard)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "refguard maintainers <maintainers@users.noreply.r-seed-4bebf191.example>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Server-side guard for Git pushes that touch AI code")
# Lines under 80 columns: lintian (extended-description-line-too-long).
set(CPACK_PACKAGE_DESCRIPTION
    "refguard checks every pushed change before it lands: LLM API keys and the\n\
credentials AI code leaks beside them, hidden Unicode instructions in agent\n\
files, unsafe model loading, pickled models, MCP configs with literal tokens.\n\
It rejects or annotates the push, with reasons the pusher reads as remote:\n\
lines.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION vcs)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "git")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "gitolite3, redis-server")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${REFGUARD_PACKAGING_DIR}/debian/conffiles ${REFGUARD_PACKAGING_DIR}/debian/postinst
    ${REFGUARD_PACKAGING_DIR}/debian/prerm ${REFGUARD_PACKAGING_DIR}/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
