# SPDX-License-Identifier: MIT
# Cross-build for 64-bit Arm Linux with clang, from Debian's cross packages
# (libc6-dev-arm64-cross, libgcc-12-dev-arm64-cross, binutils-aarch64-linux-gnu)
# and, for the unit tests, arm64 cmocka through multiarch (libcmocka-dev:arm64).
# Tests run under qemu-user without binfmt: CTest prefixes the emulator.
# ci/cross-aarch64 installs all of it and runs the tests.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER clang)
set(CMAKE_C_COMPILER_TARGET aarch64-linux-gnu)
set(CMAKE_CXX_COMPILER clang++)
set(CMAKE_CXX_COMPILER_TARGET aarch64-linux-gnu)
# -L: where qemu finds the arm64 loader. With multiarch arm64 libraries
# installed (cmocka pulls in libc6:arm64), the loader must be theirs, from /:
# the cross packages' loader (/usr/aarch64-linux-gnu) would load multiarch's
# libc.so.6 through the host's ld.so.cache, a different glibc build, and
# pthread_create then loops forever (seen with qemu 7.2, glibc 2.36).
if(EXISTS /lib/ld-linux-aarch64.so.1)
  set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L /)
else()
  set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L /usr/aarch64-linux-gnu)
endif()
# pkg-config must describe arm64 libraries, not the host's.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig)
