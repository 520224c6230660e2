/*
 * finetrain tier-0 ABI: the entry points every plugin exports, the host table it receives,
 * and the size-prefixed descriptors it registers.
 *
 * Life of a plugin (docs/sdk.md):
 *   1. the host reads the manifest from the file without loading it (manifest.h);
 *   2. dlopen, then ft_plugin_negotiate(): both sides state their ABI version;
 *   3. ft_plugin_init(host): the plugin registers component descriptors through the host table;
 *   4. the plugin is never unloaded.
 */
#ifndef FINETRAIN_HOST_API_H_
#define FINETRAIN_HOST_API_H_

#include "finetrain/abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Opaque host-side state handed back on every host call. */
typedef struct ft_host_context ft_host_context;

typedef void (*ft_proc)(void);

/* Log levels for ft_host_log_v1. */
typedef enum ft_log_level {
  FT_LOG_TRACE = 0,
  FT_LOG_DEBUG = 1,
  FT_LOG_INFO = 2,
  FT_LOG_WARN = 3,
  FT_LOG_ERROR = 4
} ft_log_level;

/*
 * The host table. It only ever grows at the end; a plugin reads no field beyond `struct_size`.
 * Host functions are looked up by versioned name through get_proc, so adding one never changes
 * this layout. Names known in ABI 1.0 are listed below with their signatures.
 */
typedef struct ft_host_api {
  uint32_t struct_size;
  uint16_t abi_major;
  uint16_t abi_minor;
  ft_host_context* context;
  /* Returns the host function with this name, or NULL when this host has none. */
  ft_proc (*get_proc)(ft_host_context* context, const char* name);
} ft_host_api;

/*
 * A component the plugin offers: a model spec, a trainer, a parallel backend, an attention backend
 * or a tokenizer. Copied by the host by its declared struct_size; fields past it read as zero.
 * Strings are copied too, so they need only live for the duration of the register call.
 */
typedef struct ft_component_descriptor {
  uint32_t struct_size;
  uint32_t kind;              /* ft_plugin_kind */
  const char* name;           /* registry name, [a-z0-9][a-z0-9_.-]*, e.g. "ltx-video" */
  const char* version;        /* free-form, e.g. "0.3.1" */
  const char* description;    /* one line */
  /* Tier-1 interface the created object implements, e.g. "finetrain.ModelSpec", and its version.
   * Required for every kind but TOKENIZER, which is served through c_vtable alone. */
  const char* interface_name;
  uint32_t interface_version;
  /* Tier-1 factory: returns a new object (a finetrain::Component*) owned by the caller, who frees
   * it with destroy(). On failure returns NULL and sets *error. Never throws. */
  void* (*create)(void* user_data, ft_status** error);
  void (*destroy)(void* user_data, void* object);
  void* user_data;
  /* Kind-specific plain-C function table (TOKENIZER: ft_tokenizer_vtable), else NULL. */
  const void* c_vtable;
} ft_component_descriptor;

/* The smallest descriptor the host accepts: ABI 1.0's full layout. */
#define FT_COMPONENT_DESCRIPTOR_V1_SIZE ((uint32_t)(offsetof(ft_component_descriptor, c_vtable) + sizeof(const void*)))

/*
 * Host functions of ABI 1.0, fetched with get_proc(context, "<name>").
 */
#define FT_HOST_REGISTER_COMPONENT_V1 "ft_host_register_component_v1"
typedef ft_status* (*ft_host_register_component_v1_fn)(ft_host_context* context,
                                                       const ft_component_descriptor* descriptor);

#define FT_HOST_LOG_V1 "ft_host_log_v1"
typedef void (*ft_host_log_v1_fn)(ft_host_context* context, int32_t level, const char* message);

/*
 * Tokenizer kind: a plain C table, so a tokenizer can live in a plugin loaded with RTLD_DEEPBIND
 * (its own copy of protobuf and friends) without any C++ type crossing.
 */
typedef struct ft_tokenizer_vtable {
  uint32_t struct_size;
  /* Opens a tokenizer model file; *handle receives the instance. */
  ft_status* (*open)(void* user_data, const char* model_path, void** handle);
  /* Encodes UTF-8 text to ids. Writes at most `capacity` ids and the full count to *count, so a
   * caller with a too-small buffer can retry. No special tokens are added. */
  ft_status* (*encode)(void* handle, const char* text, size_t text_len, int64_t* ids, size_t capacity,
                       size_t* count);
  /* Decodes ids to UTF-8. Writes at most `capacity` bytes (no terminator) and the full length. */
  ft_status* (*decode)(void* handle, const int64_t* ids, size_t n, char* text, size_t capacity,
                       size_t* length);
  /* Id of a piece such as "</s>" or "<pad>"; -1 when absent. */
  int64_t (*piece_to_id)(void* handle, const char* piece);
  int64_t (*vocab_size)(void* handle);
  void (*close)(void* handle);
  void* user_data;
} ft_tokenizer_vtable;

/*
 * Entry points every plugin exports (and nothing else, FT-ABI-004).
 *
 * ft_plugin_negotiate: the host states its ABI version; the plugin writes the version it was built
 * against and returns non-NULL if it cannot serve this host.
 * ft_plugin_init: the plugin registers its components. Called once, after negotiation succeeded.
 */
typedef ft_status* (*ft_plugin_negotiate_fn)(uint16_t host_major, uint16_t host_minor, uint16_t* plugin_major,
                                             uint16_t* plugin_minor);
typedef ft_status* (*ft_plugin_init_fn)(const ft_host_api* host);

#define FT_PLUGIN_NEGOTIATE_SYMBOL "ft_plugin_negotiate"
#define FT_PLUGIN_INIT_SYMBOL "ft_plugin_init"

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* FINETRAIN_HOST_API_H_ */
