/*
 * finetrain tier-0 ABI: versions, plugin kinds, status objects, export macros.
 *
 * Plain C on purpose: this header is the part of the plugin boundary that never breaks.
 * Rules (docs/sdk.md): fixed-width integers, UTF-8 `const char*`, opaque handles, function
 * pointers with `void* user_data`, size-prefixed structs (`uint32_t struct_size` first).
 */
#ifndef FINETRAIN_ABI_H_
#define FINETRAIN_ABI_H_

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The SDK ABI version. Major: incompatible change. Minor: additions only.
 * History (docs/sdk.md): 1.0 manifest, negotiate, init, ft_host_register_component_v1;
 * 1.1 ft_host_log_v1 and the tokenizer kind (ft_tokenizer_vtable). */
#define FT_ABI_VERSION_MAJOR 1
#define FT_ABI_VERSION_MINOR 1

#if defined(__GNUC__) || defined(__clang__)
#define FT_EXPORT __attribute__((visibility("default")))
#else
#define FT_EXPORT
#endif

/* Plugin kinds; stored as uint32_t in every struct. */
typedef enum ft_plugin_kind {
  FT_PLUGIN_KIND_MODEL = 1,
  FT_PLUGIN_KIND_TRAINER = 2,
  FT_PLUGIN_KIND_PARALLEL_BACKEND = 3,
  FT_PLUGIN_KIND_ATTENTION_BACKEND = 4,
  FT_PLUGIN_KIND_TOKENIZER = 5
} ft_plugin_kind;

typedef enum ft_status_code {
  FT_STATUS_OK = 0,
  FT_STATUS_INVALID_ARGUMENT = 1,
  FT_STATUS_VERSION_MISMATCH = 2,
  FT_STATUS_NOT_FOUND = 3,
  FT_STATUS_ALREADY_EXISTS = 4,
  FT_STATUS_RUNTIME_ERROR = 5,
  FT_STATUS_INTERNAL = 6
} ft_status_code;

/*
 * A status carries a code and a message across the boundary. NULL means success.
 * Whoever creates a status sets `release`; whoever receives one calls it exactly once.
 * So a status never needs the other side's allocator.
 */
typedef struct ft_status {
  uint32_t struct_size;
  int32_t code;                               /* ft_status_code */
  const char* message;                        /* UTF-8, NUL-terminated, valid until release */
  void (*release)(struct ft_status* self);
} ft_status;

/* Creates a status owned by the calling module (its release frees with this module's free). */
static inline void ft_status_release_default_(ft_status* self) { free(self); }

static inline ft_status* ft_status_new(int32_t code, const char* message) {
  size_t len = message ? strlen(message) : 0;
  ft_status* s = (ft_status*)malloc(sizeof(ft_status) + len + 1);
  if (!s) return NULL;
  char* text = (char*)(s + 1);
  if (len) memcpy(text, message, len);
  text[len] = '\0';
  s->struct_size = (uint32_t)sizeof(ft_status);
  s->code = code;
  s->message = text;
  s->release = ft_status_release_default_;
  return s;
}

static inline void ft_status_release(ft_status* s) {
  if (s && s->release) s->release(s);
}

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* FINETRAIN_ABI_H_ */
