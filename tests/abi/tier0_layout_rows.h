/* Every field of every tier-0 struct, as ROW(type, field): tier0_c_layout.c takes their offsets
 * in C, tier0_test.cpp in C++, and the test compares the two lists. */
#ifndef FT_TIER0_LAYOUT_ROWS_H_
#define FT_TIER0_LAYOUT_ROWS_H_

#define FT_LAYOUT_ROWS(ROW)                                                                                    \
  ROW(ft_status, struct_size) ROW(ft_status, code) ROW(ft_status, message) ROW(ft_status, release)             \
  ROW(ft_manifest, magic) ROW(ft_manifest, manifest_size) ROW(ft_manifest, abi_major) ROW(ft_manifest, abi_minor) \
  ROW(ft_manifest, kind) ROW(ft_manifest, flags) ROW(ft_manifest, name) ROW(ft_manifest, version)             \
  ROW(ft_manifest, description) ROW(ft_manifest, fingerprint)                                                 \
  ROW(ft_host_api, struct_size) ROW(ft_host_api, abi_major) ROW(ft_host_api, abi_minor)                        \
  ROW(ft_host_api, context) ROW(ft_host_api, get_proc)                                                        \
  ROW(ft_component_descriptor, kind) ROW(ft_component_descriptor, name) ROW(ft_component_descriptor, version) \
  ROW(ft_component_descriptor, description) ROW(ft_component_descriptor, interface_name)                      \
  ROW(ft_component_descriptor, interface_version) ROW(ft_component_descriptor, create)                         \
  ROW(ft_component_descriptor, destroy) ROW(ft_component_descriptor, user_data)                               \
  ROW(ft_component_descriptor, c_vtable)                                                                      \
  ROW(ft_tokenizer_vtable, open) ROW(ft_tokenizer_vtable, encode) ROW(ft_tokenizer_vtable, decode)            \
  ROW(ft_tokenizer_vtable, piece_to_id) ROW(ft_tokenizer_vtable, vocab_size) ROW(ft_tokenizer_vtable, close)  \
  ROW(ft_tokenizer_vtable, user_data)

#endif /* FT_TIER0_LAYOUT_ROWS_H_ */
