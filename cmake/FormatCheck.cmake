# Run as: cmake -DSOURCE_DIR=<repo> -DCLANG_FORMAT=<exe> -P FormatCheck.cmake
# Fails when any C++ source differs from .clang-format. Fix with scripts/format.sh.
file(GLOB_RECURSE files
  "${SOURCE_DIR}/core/*.h" "${SOURCE_DIR}/core/*.cpp"
  "${SOURCE_DIR}/widgets/*.h" "${SOURCE_DIR}/widgets/*.cpp"
  "${SOURCE_DIR}/app/*.h" "${SOURCE_DIR}/app/*.cpp"
  "${SOURCE_DIR}/tests/*.h" "${SOURCE_DIR}/tests/*.cpp"
  "${SOURCE_DIR}/bench/*.h" "${SOURCE_DIR}/bench/*.cpp"
  "${SOURCE_DIR}/tools/*.h" "${SOURCE_DIR}/tools/*.cpp")
execute_process(COMMAND ${CLANG_FORMAT} --dry-run --Werror ${files}
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "clang-format check failed (run scripts/format.sh):\n${err}")
endif()
list(LENGTH files n)
message(STATUS "format ok: ${n} files")
