# The fuzz targets: one line each, included by both tests/fuzz/CMakeLists.txt (ctest entries) and
# tests/fuzz/project/CMakeLists.txt (the clang build). See README.md.
#
#   ft_add_fuzzer(NAME SOURCES file... [LIBRARIES lib...] [SEED_DIRS dir...] [EXPECT_CRASH])
#
# SOURCES are relative to the repository root: the harness plus the project sources it exercises.
# LIBRARIES: fmt, nlohmann_json, tomlplusplus or torch. Seeds: tests/fuzz/corpus/NAME/, plus the
# files of SEED_DIRS (build-time seeds) copied next to them before each run.

ft_add_fuzzer(elf_manifest
  SOURCES tests/fuzz/elf_manifest_fuzzer.cpp core/src/plugin_host/elf_section_reader.cpp
          core/src/plugin_host/plugin_manifest.cpp sdk/src/abi/error.cpp
  LIBRARIES fmt
  SEED_DIRS ${FT_FUZZ_SEED_DIR}/elf_manifest)

# Proves the runner: a target that crashes on input starting "FT" must be reported as a crash.
ft_add_fuzzer(runner_canary SOURCES tests/fuzz/runner_canary_fuzzer.cpp EXPECT_CRASH)
