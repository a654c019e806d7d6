# One interface target carries the language level, warnings and sanitizers for
# every benchd target, so no folder sets flags of its own.
add_library(benchd_build_settings INTERFACE)
target_compile_options(benchd_build_settings INTERFACE
  -Wall -Wextra -Wpedantic -Wno-unused-parameter -Werror=unused-result)
if(BENCHD_WERROR)
  target_compile_options(benchd_build_settings INTERFACE -Werror)
endif()
if(BENCHD_SANITIZE)
  target_compile_options(benchd_build_settings INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer)
  target_link_options(benchd_build_settings INTERFACE -fsanitize=address,undefined)
endif()
