# SPDX-License-Identifier: MIT
# Install rules: the racehunt binary, the libraries, the public headers, the
# CMake package (find_package(racehunt)) and racehunt.pc. Every path is
# relative to the prefix, so `cmake --install --prefix DIR` relocates it all.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)
set(rh_cmakedir ${CMAKE_INSTALL_LIBDIR}/cmake/racehunt)

install(TARGETS racehunt_harness racehunt_props racehunt_main EXPORT racehunt-targets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
if(TARGET racehunt_exe)
  install(TARGETS racehunt_exe EXPORT racehunt-targets RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/harness/include/racehunt
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")
install(FILES ${PROJECT_BINARY_DIR}/include/racehunt/version.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/racehunt)

install(EXPORT racehunt-targets NAMESPACE racehunt:: DESTINATION ${rh_cmakedir})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/racehunt-config.cmake.in
  ${PROJECT_BINARY_DIR}/racehunt-config.cmake INSTALL_DESTINATION ${rh_cmakedir})
# 0.x: a minor release may change the API, so only the same minor matches.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/racehunt-config-version.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/racehunt-config.cmake
  ${PROJECT_BINARY_DIR}/racehunt-config-version.cmake
  ${CMAKE_CURRENT_LIST_DIR}/racehunt-helpers.cmake
  DESTINATION ${rh_cmakedir})

# racehunt.pc finds the prefix from its own place: ${pcfiledir}/../..
file(RELATIVE_PATH RH_PC_TO_PREFIX /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
configure_file(${CMAKE_CURRENT_LIST_DIR}/racehunt.pc.in ${PROJECT_BINARY_DIR}/racehunt.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/racehunt.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
