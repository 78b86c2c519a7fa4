# One INTERFACE target carrying the project's warning flags; every target links it.
add_library(refguard_warnings INTERFACE)
target_compile_options(refguard_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Woverloaded-virtual -Wformat=2 -Wimplicit-fallthrough)
option(REFGUARD_WERROR "Treat warnings as errors" OFF)
if(REFGUARD_WERROR)
  target_compile_options(refguard_warnings INTERFACE -Werror)
endif()
