# REFGUARD_SANITIZE=address,undefined (or thread) builds everything with those sanitizers.
add_library(refguard_sanitizers INTERFACE)
set(REFGUARD_SANITIZE "" CACHE STRING "Comma-separated sanitizers, e.g. address,undefined or thread")
if(REFGUARD_SANITIZE)
  target_compile_options(refguard_sanitizers INTERFACE
    -fsanitize=${REFGUARD_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(refguard_sanitizers INTERFACE -fsanitize=${REFGUARD_SANITIZE})
endif()
