// A block's instructions through the block pipeline: sent to providers that take them, part of
// the audio-cache key there, and neither sent to nor keyed for the others.
#include <gtest/gtest.h>

#include "support/audio_fixtures.h"
#include "support/scripted_provider.h"
#include "worker/block_renderer.h"

namespace polyvox {
namespace {

using test_support::ScriptedProvider;
using test_support::TempDir;

class BlockInstructionsTest : public ::testing::Test {
 protected:
  ScriptedProvider& add(bool takes_instructions) {
    ScriptedProvider& p = test_support::add_scripted(registry_);
    p.hears_instructions = takes_instructions;
    return p;
  }
  Result<RenderedBlock> render(const std::string& instructions) {
    BlockSpec b;
    b.text = "Twenty letters here.";
    b.provider = "main";
    b.voice = "v";
    b.instructions = instructions;
    BlockContext c;
    c.providers = &registry_;
    c.diacritizer = &diacritizer_;
    c.cache = &cache_;
    c.final_attempt = true;
    c.last = true;
    return render_block(b, c);
  }

  ProviderRegistry registry_;
  NoDiacritizer diacritizer_;
  TempDir dir_;
  DiskAudioCache cache_{dir_.path(), 1 << 24};
};

TEST_F(BlockInstructionsTest, AProviderThatTakesThemHearsThemAndCachesPerInstructions) {
  ScriptedProvider& main = add(true);
  ASSERT_TRUE(render("Calm.").ok());
  ASSERT_TRUE(render("Excited!").ok());  // other instructions: another answer, a miss
  ASSERT_TRUE(render("").ok());          // none: the configured ones, a miss too
  EXPECT_EQ(main.instructions, (std::vector<std::string>{"Calm.", "Excited!", ""}));
  auto again = render("Calm.");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->usage[0].cache_hits, 1u);
  EXPECT_EQ(main.instructions.size(), 3u);
}

TEST_F(BlockInstructionsTest, AProviderThatDoesNotTakeThemIsNotSentThemAndSharesOneAnswer) {
  ScriptedProvider& main = add(false);
  ASSERT_TRUE(render("Calm.").ok());
  auto other = render("Excited!");  // the same audio: served from the cache
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->usage[0].cache_hits, 1u);
  EXPECT_EQ(main.instructions, (std::vector<std::string>{""}));
}

}  // namespace
}  // namespace polyvox
