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

# safetensors headers: must only ever throw finetrain::Error.
ft_add_fuzzer(safetensors_header
  SOURCES tests/fuzz/safetensors_header_fuzzer.cpp sdk/src/safetensors/header_parser.cpp
          sdk/src/safetensors/header_schema.cpp sdk/src/safetensors/dtypes.cpp sdk/src/abi/error.cpp
  LIBRARIES fmt torch)

# Run files: TOML parsing plus our validation against the core schema, and the resolved-config round trip.
ft_add_fuzzer(config
  SOURCES tests/fuzz/config_fuzzer.cpp core/src/config/config_entry.cpp core/src/config/config_errors.cpp
          core/src/config/config_writer.cpp core/src/config/core_schema.cpp core/src/config/did_you_mean.cpp
          core/src/config/overrides.cpp core/src/config/schema_text.cpp core/src/config/toml_reader.cpp
          core/src/config/validation.cpp core/src/config/value_check.cpp core/src/config/sections/checkpoints.cpp
          core/src/config/sections/attention.cpp core/src/config/sections/data.cpp
          core/src/config/sections/lr_scheduler.cpp core/src/config/sections/model.cpp
          core/src/config/sections/optimizer.cpp core/src/config/sections/output.cpp
          core/src/config/sections/runtime.cpp core/src/config/sections/trainer.cpp
          core/src/config/sections/training.cpp core/src/config/sections/validation.cpp
          sdk/src/config/config_schema.cpp sdk/src/config/options.cpp sdk/src/abi/error.cpp
  LIBRARIES fmt tomlplusplus nlohmann_json)

# Proves the runner: a target that crashes on input starting "FT" must be reported as a crash.
ft_add_fuzzer(runner_canary SOURCES tests/fuzz/runner_canary_fuzzer.cpp EXPECT_CRASH)
