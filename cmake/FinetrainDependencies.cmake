# Third-party packages, found once for the whole tree.
find_package(Torch REQUIRED)
find_package(Threads REQUIRED)
# at::parallel_for is a header template around `#pragma omp parallel`: code that calls it must be
# compiled with the OpenMP flags LibTorch uses, or it silently runs serially.
find_package(OpenMP REQUIRED COMPONENTS CXX)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(tomlplusplus REQUIRED)
find_package(CLI11 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(FFMPEG REQUIRED IMPORTED_TARGET libavformat libavcodec libswscale libavutil libavfilter)

# Debian 12's civetweb CMake package is broken: find the library by hand.
find_path(CIVETWEB_INCLUDE_DIR civetweb.h REQUIRED)
find_library(CIVETWEB_LIBRARY civetweb REQUIRED)
add_library(ft_civetweb INTERFACE)
target_include_directories(ft_civetweb SYSTEM INTERFACE ${CIVETWEB_INCLUDE_DIR})
target_link_libraries(ft_civetweb INTERFACE ${CIVETWEB_LIBRARY})

# "cpu" or the CUDA version LibTorch was built with; part of the plugin fingerprint.
if(CUDA_VERSION)
  set(FT_TORCH_CUDA "${CUDA_VERSION}")
else()
  set(FT_TORCH_CUDA "cpu")
endif()
