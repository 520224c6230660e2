#include "finetrain/call_literals.hpp"

#include <gtest/gtest.h>

#include "finetrain/error.hpp"

TEST(CallLiteralsTest, ReadsLiteralKeywordsAndSkipsTensorArguments) {
  finetrain::CallLiterals c(
      "out.sample = model(hidden_states=in.hidden_states, timestep=in.timestep, num_frames=2, height=4, width=4, "
      "rope_interpolation_scale=(0.32, 32.0, 32.0), return_dict=False)[0]");
  EXPECT_FALSE(c.has("hidden_states"));
  EXPECT_EQ(c.get_int("num_frames"), 2);
  EXPECT_EQ(c.get_int("width"), 4);
  EXPECT_FALSE(c.get_bool("return_dict"));
  EXPECT_EQ(c.get_floats("rope_interpolation_scale"), (std::vector<double>{0.32, 32.0, 32.0}));
  EXPECT_THROW(c.get_int("missing"), finetrain::Error);
  EXPECT_THROW(c.get_int("rope_interpolation_scale"), finetrain::Error);
}
