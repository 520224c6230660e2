/*
 * The plugin manifest: a fixed-layout record in the ELF section `.finetrain_manifest`.
 *
 * The host reads it straight from the file (core/src/plugin_host/elf_section_reader.cpp) to list and
 * check plugins without loading them, because loading runs the plugin's static initialisers.
 * The record holds no pointers (they would need relocation), only fixed-size text fields.
 */
#ifndef FINETRAIN_MANIFEST_H_
#define FINETRAIN_MANIFEST_H_

#ifdef __cplusplus
#include <cstddef> /* defines _GLIBCXX_USE_CXX11_ABI under libstdc++ */
#endif
#include "finetrain/abi.h"
#include "finetrain/build_config.h"

#if defined(__has_include)
#if __has_include(<torch/version.h>)
#include <torch/version.h>
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define FT_MANIFEST_SECTION ".finetrain_manifest"
#define FT_MANIFEST_MAGIC "FTPLUGIN" /* compared as 8 bytes, no terminator */
#define FT_MANIFEST_MAGIC_INIT {'F', 'T', 'P', 'L', 'U', 'G', 'I', 'N'}
/* Load the plugin with RTLD_DEEPBIND: it carries its own copies of libraries that clash with
 * LibTorch's (e.g. Debian's libsentencepiece bundles protobuf 3.14, LibTorch uses 3.21). */
#define FT_MANIFEST_FLAG_DEEPBIND 0x1u

#define FT_MANIFEST_NAME_SIZE 64
#define FT_MANIFEST_VERSION_SIZE 32
#define FT_MANIFEST_DESCRIPTION_SIZE 256
#define FT_MANIFEST_FINGERPRINT_SIZE 256

typedef struct ft_manifest {
  char magic[8];
  uint32_t manifest_size; /* sizeof(ft_manifest) as the plugin was built */
  uint16_t abi_major;
  uint16_t abi_minor;
  uint32_t kind; /* ft_plugin_kind of the plugin's main component */
  uint32_t flags; /* FT_MANIFEST_FLAG_* */
  char name[FT_MANIFEST_NAME_SIZE];
  char version[FT_MANIFEST_VERSION_SIZE];
  char description[FT_MANIFEST_DESCRIPTION_SIZE];
  char fingerprint[FT_MANIFEST_FINGERPRINT_SIZE]; /* FT_BUILD_FINGERPRINT */
} ft_manifest;

/* ---- build fingerprint: "key=value;..." in a fixed key order ---- */
#define FT_STR_(x) #x
#define FT_STR(x) FT_STR_(x)

#if defined(TORCH_VERSION_MAJOR)
#define FT_FP_TORCH FT_STR(TORCH_VERSION_MAJOR) "." FT_STR(TORCH_VERSION_MINOR) "." FT_STR(TORCH_VERSION_PATCH)
#else
#define FT_FP_TORCH "none"
#endif
#if defined(_GLIBCXX_USE_CXX11_ABI)
#define FT_FP_CXX11_ABI FT_STR(_GLIBCXX_USE_CXX11_ABI)
#else
#define FT_FP_CXX11_ABI "none"
#endif
#if defined(__clang__)
#define FT_FP_COMPILER "clang-" FT_STR(__clang_major__)
#elif defined(__GNUC__)
#define FT_FP_COMPILER "gcc-" FT_STR(__GNUC__)
#else
#define FT_FP_COMPILER "unknown"
#endif
#if defined(__cplusplus)
#define FT_FP_CPLUSPLUS FT_STR(__cplusplus)
#else
#define FT_FP_CPLUSPLUS "c"
#endif
#if defined(NDEBUG)
#define FT_FP_NDEBUG "1"
#else
#define FT_FP_NDEBUG "0"
#endif

#define FT_BUILD_FINGERPRINT_WITH(abi_major, abi_minor, torch)                                        \
  "abi=" FT_STR(abi_major) "." FT_STR(abi_minor) ";torch=" torch ";cxx11_abi=" FT_FP_CXX11_ABI       \
  ";compiler=" FT_FP_COMPILER ";cplusplus=" FT_FP_CPLUSPLUS ";ndebug=" FT_FP_NDEBUG                  \
  ";cuda=" FT_TORCH_CUDA

#define FT_BUILD_FINGERPRINT \
  FT_BUILD_FINGERPRINT_WITH(FT_ABI_VERSION_MAJOR, FT_ABI_VERSION_MINOR, FT_FP_TORCH)

/* ---- defining the manifest in a plugin ---- */
#if defined(__GNUC__) || defined(__clang__)
#define FT_MANIFEST_ATTRIBUTES __attribute__((section(FT_MANIFEST_SECTION), used, aligned(8)))
#else
#define FT_MANIFEST_ATTRIBUTES
#endif

/* In static builds (FT_PLUGINS_DL=OFF) every plugin's symbols carry its id as a suffix. */
#define FT_PASTE_(a, b) a##_##b
#define FT_PASTE(a, b) FT_PASTE_(a, b)
#if defined(FT_PLUGIN_STATIC_ID)
#define FT_PLUGIN_SYMBOL(base) FT_PASTE(base, FT_PLUGIN_STATIC_ID)
#define FT_PLUGIN_LINKAGE
#else
#define FT_PLUGIN_SYMBOL(base) base
#define FT_PLUGIN_LINKAGE FT_EXPORT
#endif

#ifdef __cplusplus
#define FT_MANIFEST_STORAGE extern "C" FT_MANIFEST_ATTRIBUTES
#else
#define FT_MANIFEST_STORAGE FT_MANIFEST_ATTRIBUTES
#endif

/* Full control over every field: used by the ABI test fixtures. `magic` is a brace list of 8 chars. */
#define FT_DEFINE_MANIFEST_FIELDS(magic, abi_major, abi_minor, kind, flags, name, version, description, fingerprint) \
  FT_MANIFEST_STORAGE const ft_manifest FT_PLUGIN_SYMBOL(ft_plugin_manifest) = {                                \
      magic, (uint32_t)sizeof(ft_manifest), abi_major, abi_minor, (uint32_t)(kind), (uint32_t)(flags),            \
      name,  version, description, fingerprint}

/* What a plugin writes, once, in its plugin.cpp. */
#define FT_DEFINE_MANIFEST(kind, name, version, description)                                         \
  FT_DEFINE_MANIFEST_FIELDS(FT_MANIFEST_MAGIC_INIT, FT_ABI_VERSION_MAJOR, FT_ABI_VERSION_MINOR, kind, 0, name, \
                            version, description, FT_BUILD_FINGERPRINT)

/* The same, with FT_MANIFEST_FLAG_* bits. */
#define FT_DEFINE_MANIFEST_WITH_FLAGS(kind, flags, name, version, description)                          \
  FT_DEFINE_MANIFEST_FIELDS(FT_MANIFEST_MAGIC_INIT, FT_ABI_VERSION_MAJOR, FT_ABI_VERSION_MINOR, kind, flags, \
                            name, version, description, FT_BUILD_FINGERPRINT)

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* FINETRAIN_MANIFEST_H_ */
