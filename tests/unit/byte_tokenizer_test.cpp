#include "finetrain/byte_tokenizer.hpp"

#include <gtest/gtest.h>

#include "finetrain/error.hpp"
#include "finetrain/t5_tokenization.hpp"

TEST(ByteTokenizerTest, EncodesUtf8BytesAsByT5Does) {
  finetrain::ByteTokenizer t;
  EXPECT_EQ(t.encode("hi"), (std::vector<int64_t>{'h' + 3, 'i' + 3}));
  EXPECT_EQ(t.encode("\xC3\xA9"), (std::vector<int64_t>{0xC3 + 3, 0xA9 + 3}));  // é
  EXPECT_TRUE(t.encode("").empty());
  EXPECT_EQ(t.decode(t.encode("a ünïcode line")), "a ünïcode line");
  EXPECT_EQ(t.decode({1, 'x' + 3, 0, 0}), "x");
  EXPECT_THROW(t.decode({259}), finetrain::Error);
  EXPECT_EQ(t.piece_to_id("</s>"), 1);
  EXPECT_EQ(t.piece_to_id("<pad>"), 0);
  EXPECT_EQ(t.piece_to_id("<s>"), -1);
}

TEST(ByteTokenizerTest, WorksWithT5Tokenization) {
  finetrain::ByteTokenizer t;
  auto batch = finetrain::t5_tokenize(t, {"ab", ""}, 4);
  EXPECT_EQ(batch.input_ids[0][0].item<int64_t>(), 'a' + 3);
  EXPECT_EQ(batch.input_ids[0][2].item<int64_t>(), 1);   // </s>
  EXPECT_EQ(batch.input_ids[1][0].item<int64_t>(), 1);   // empty caption: just </s>
  EXPECT_EQ(batch.attention_mask.sum().item<int64_t>(), 4);
}
