# `cmake --install` puts the library, headers, CLI and a CMake package config in place, so that
# other projects can `find_package(ants)` and link `ants::ants`.
include(CMakePackageConfigHelpers)
install(TARGETS ants EXPORT antsTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY include/ants DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")
install(FILES ${PROJECT_BINARY_DIR}/include/ants/version.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/ants)
# The NegLabel corpus is also compiled into libants; the installed copy carries its licence
# notices and can be edited and passed back with `ants negatives --corpus DIR`.
install(DIRECTORY data/neglabel-wordnet DESTINATION ${CMAKE_INSTALL_DATADIR}/ants)
# The built-in ID class lists (--classes imagenet|cifar10|cifar100), also compiled in.
install(DIRECTORY data/classes DESTINATION ${CMAKE_INSTALL_DATADIR}/ants)
# The built-in MLLM prompts, as starting points for --prompt-ens / --prompt-vsnl.
install(DIRECTORY data/prompts DESTINATION ${CMAKE_INSTALL_DATADIR}/ants)
install(EXPORT antsTargets NAMESPACE ants:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/ants)
configure_package_config_file(cmake/antsConfig.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/antsConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/ants)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/antsConfigVersion.cmake COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/antsConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/antsConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/ants)
