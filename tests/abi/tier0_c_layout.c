/* FT-ABI-001: the tier-0 headers are plain C. This file is compiled as strict C11
 * (-pedantic-errors -Werror), and reports the layout C gives each tier-0 struct so that
 * tier0_test.cpp can compare it with C++'s. */
#include <stddef.h>

#include "finetrain/abi.h"
#include "finetrain/host_api.h"
#include "finetrain/manifest.h"
#include "tier0_layout_rows.h"

/* Every struct that crosses tier 0 starts with its size. */
_Static_assert(offsetof(ft_status, struct_size) == 0, "ft_status is size-prefixed");
_Static_assert(offsetof(ft_host_api, struct_size) == 0, "ft_host_api is size-prefixed");
_Static_assert(offsetof(ft_component_descriptor, struct_size) == 0, "ft_component_descriptor is size-prefixed");
_Static_assert(offsetof(ft_tokenizer_vtable, struct_size) == 0, "ft_tokenizer_vtable is size-prefixed");

#define FT_LAYOUT_OFFSET(type, field) offsetof(type, field),
const size_t ft_abi_c_offsets[] = {FT_LAYOUT_ROWS(FT_LAYOUT_OFFSET)};
const size_t ft_abi_c_offsets_count = sizeof ft_abi_c_offsets / sizeof ft_abi_c_offsets[0];
const size_t ft_abi_c_sizes[] = {sizeof(ft_status), sizeof(ft_manifest), sizeof(ft_host_api),
                                 sizeof(ft_component_descriptor), sizeof(ft_tokenizer_vtable)};

/* A status made and released on the C side: the creator's release frees it. */
int ft_abi_c_status_roundtrip(void) {
  ft_status* s = ft_status_new(FT_STATUS_NOT_FOUND, "from C");
  if (!s) return 0;
  const int ok =
      s->struct_size == sizeof(ft_status) && s->code == FT_STATUS_NOT_FOUND && strcmp(s->message, "from C") == 0;
  ft_status_release(s);
  return ok;
}
