// FT-ABI-001: tier 0 is plain C with size-prefixed structs; C and C++ agree on every layout.
#include <gtest/gtest.h>

#include <cstddef>
#include <vector>

#include "finetrain/abi.h"
#include "finetrain/host_api.h"
#include "finetrain/manifest.h"
#include "tier0_layout_rows.h"

extern "C" {
extern const size_t ft_abi_c_offsets[];
extern const size_t ft_abi_c_offsets_count;
extern const size_t ft_abi_c_sizes[];
int ft_abi_c_status_roundtrip(void);
}

// The same rows as tier0_c_layout.c, as C++ sees them.
#define FT_LAYOUT_OFFSET(type, field) offsetof(type, field),
static const std::vector<size_t> kCxxOffsets = {FT_LAYOUT_ROWS(FT_LAYOUT_OFFSET)};

TEST(AbiTier0, HeadersAreCAndCAgreesWithCxxOnEveryLayout) {
  // tier0_c_layout.c compiled as -std=c11 -pedantic-errors -Werror, or this test would not link.
  ASSERT_EQ(ft_abi_c_offsets_count, kCxxOffsets.size());
  for (size_t i = 0; i < kCxxOffsets.size(); ++i) EXPECT_EQ(ft_abi_c_offsets[i], kCxxOffsets[i]) << "row " << i;
  EXPECT_EQ(ft_abi_c_sizes[0], sizeof(ft_status));
  EXPECT_EQ(ft_abi_c_sizes[1], sizeof(ft_manifest));
  EXPECT_EQ(ft_abi_c_sizes[2], sizeof(ft_host_api));
  EXPECT_EQ(ft_abi_c_sizes[3], sizeof(ft_component_descriptor));
  EXPECT_EQ(ft_abi_c_sizes[4], sizeof(ft_tokenizer_vtable));
}

TEST(AbiTier0, StatusIsReleasedByItsCreator) {
  EXPECT_EQ(ft_abi_c_status_roundtrip(), 1);
  ft_status* s = ft_status_new(FT_STATUS_INVALID_ARGUMENT, "from C++");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->struct_size, sizeof(ft_status));
  EXPECT_STREQ(s->message, "from C++");
  EXPECT_NE(s->release, nullptr);
  ft_status_release(s);
}

TEST(AbiTier0, ManifestLayoutIsFixedForMajor1) {
  // Fields have fixed offsets that `finetrain plugins` reads from files of any 1.x plugin.
  EXPECT_EQ(offsetof(ft_manifest, name), 24u);
  EXPECT_EQ(sizeof(ft_manifest), 24u + FT_MANIFEST_NAME_SIZE + FT_MANIFEST_VERSION_SIZE + FT_MANIFEST_DESCRIPTION_SIZE +
                                     FT_MANIFEST_FINGERPRINT_SIZE);
  EXPECT_EQ(FT_COMPONENT_DESCRIPTOR_V1_SIZE, sizeof(ft_component_descriptor));
}
