# Debian package via CPack (`cpack -G DEB` in the build directory).
set(CPACK_PACKAGE_NAME refguard)
set(CPACK_PACKAGE_CONTACT "refguard maintainers <refguard@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Server-side guard for Git pushes that touch AI code")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
include(CPack)
