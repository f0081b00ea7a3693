// A block's speed through the block pipeline: asked of the provider within its native range,
// time stretched beyond it, part of the audio-cache key, and scaling the answer check.
#include <gtest/gtest.h>

#include "../providers/cloud_test_env.h"
#include "providers/elevenlabs_provider.h"
#include "providers/espeak_provider.h"
#include "providers/flite_provider.h"
#include "providers/openai_provider.h"
#include "support/audio_fixtures.h"
#include "support/scripted_provider.h"
#include "worker/block_renderer.h"

namespace polyvox {
namespace {

using nlohmann::json;
using test_support::ScriptedProvider;
using test_support::TempDir;

constexpr int kSegmentRate = 44100;  // RenderOptions' default segment rate

BlockSpec block(std::string text, std::string provider, double speed,
                std::string voice = "default") {
  BlockSpec b;
  b.text = std::move(text);
  b.provider = std::move(provider);
  b.voice = std::move(voice);
  b.speed = speed;
  return b;
}

BlockContext context_for(const ProviderRegistry& registry, Diacritizer& diacritizer,
                         AudioCache* cache = nullptr) {
  BlockContext c;
  c.providers = &registry;
  c.diacritizer = &diacritizer;
  c.cache = cache;
  c.final_attempt = true;
  c.last = true;
  return c;
}

// Milliseconds of speech in the rendered block (trimmed, without its pause).
double speech_ms(const Result<RenderedBlock>& rendered) {
  EXPECT_TRUE(rendered.ok()) << rendered.error().to_string();
  return rendered.ok() ? audio::samples_to_ms(rendered->segment.speech_samples, kSegmentRate) : 0;
}

// --- the pipeline, with a scripted provider: 60 ms of tone per character at speed 1 ---------

class BlockSpeedTest : public ::testing::Test {
 protected:
  ScriptedProvider& add(SpeedRange native) {
    ScriptedProvider& p = test_support::add_scripted(registry_);
    p.native = native;
    return p;
  }
  Result<RenderedBlock> render(const std::string& text, double speed, AudioCache* cache = nullptr) {
    return render_block(block(text, "main", speed, "v"),
                        context_for(registry_, diacritizer_, cache));
  }
  // The tone's own duration in a rendered block: the scripted answer's 100 ms of leading
  // silence is trimmed to 50 ms, and 50 ms of its end is kept too.
  double tone_ms(const Result<RenderedBlock>& rendered) { return speech_ms(rendered) - 100.0; }
  // How near a stretched tone must be: 5% and 60 ms (the filters smear the edges, and the
  // silence kept around the tone is stretched with it). Unstretched, it would be off by the
  // whole ratio of the speeds.
  static double stretched(double ms) { return 0.05 * ms + 60.0; }

  ProviderRegistry registry_;
  NoDiacritizer diacritizer_;
  const std::string text_ = "Twenty letters here.";  // 20 characters: 1200 ms at speed 1
};

TEST_F(BlockSpeedTest, WithinItsNativeRangeTheProviderMakesTheSpeedAlone) {
  ScriptedProvider& main = add({0.5, 2.0});
  EXPECT_NEAR(tone_ms(render(text_, 2.0)), 600.0, 15.0);
  EXPECT_NEAR(tone_ms(render(text_, 0.5)), 2400.0, 15.0);
  EXPECT_EQ(main.speeds, (std::vector<double>{2.0, 0.5}));
}

TEST_F(BlockSpeedTest, BeyondItsNativeRangeTheRestIsATimeStretch) {
  ScriptedProvider& main = add({0.7, 1.2});
  // Asked 1.2 (1000 ms of tone), stretched by 2 / 1.2: 600 ms.
  EXPECT_NEAR(tone_ms(render(text_, 2.0)), 600.0, stretched(600));
  // Asked 0.7 (1714 ms), stretched by 0.25 / 0.7: 4800 ms.
  EXPECT_NEAR(tone_ms(render(text_, 0.25)), 4800.0, stretched(4800));
  EXPECT_EQ(main.speeds, (std::vector<double>{1.2, 0.7}));
}

TEST_F(BlockSpeedTest, AProviderWithoutSpeedsIsAskedForItsNormalPaceAndStretched) {
  ScriptedProvider& main = add({});
  EXPECT_NEAR(tone_ms(render(text_, 1.0)), 1200.0, 15.0);
  EXPECT_NEAR(tone_ms(render(text_, 4.0)), 300.0, stretched(300));
  EXPECT_NEAR(tone_ms(render(text_, 0.5)), 2400.0, stretched(2400));
  EXPECT_EQ(main.speeds, (std::vector<double>{1.0, 1.0, 1.0}));
}

TEST_F(BlockSpeedTest, TheCacheKeepsAnswersPerSpeedAskedOfTheProvider) {
  ScriptedProvider& main = add({0.5, 2.0});
  TempDir dir;
  DiskAudioCache cache(dir.path(), 1 << 24);
  ASSERT_TRUE(render(text_, 1.0, &cache).ok());
  ASSERT_TRUE(render(text_, 2.0, &cache).ok());  // another speed: a miss
  EXPECT_EQ(main.speeds.size(), 2u);
  auto fast_again = render(text_, 2.0, &cache);  // hits, each at its own speed
  auto normal_again = render(text_, 1.0, &cache);
  EXPECT_EQ(main.speeds.size(), 2u);
  EXPECT_EQ(fast_again->usage[0].cache_hits, 1u);
  EXPECT_NEAR(tone_ms(fast_again), 600.0, 15.0);
  EXPECT_NEAR(tone_ms(normal_again), 1200.0, 15.0);
  // Speeds beyond the range ask the provider for the same clamped speed: the answer at 2.0
  // serves both, each stretched to its own duration.
  auto fastest = render(text_, 4.0, &cache);
  auto faster = render(text_, 3.0, &cache);
  EXPECT_EQ(main.speeds, (std::vector<double>{1.0, 2.0}));
  EXPECT_EQ(fastest->usage[0].cache_hits, 1u);
  EXPECT_EQ(faster->usage[0].cache_hits, 1u);
  EXPECT_NEAR(tone_ms(fastest), 300.0, stretched(300));
  EXPECT_NEAR(tone_ms(faster), 400.0, stretched(400));
}

TEST_F(BlockSpeedTest, TheAnswerCheckScalesWithTheSpeedAsked) {
  ScriptedProvider& main = add({0.25, 4.0});
  // 30 characters (26 letters) at 4x: 450 ms of speech, under the 520 ms that 20 ms per letter
  // asks at 1x.
  const std::string text = "Thirty letters are spoken fast";
  auto fast = render(text, 4.0);
  ASSERT_TRUE(fast.ok()) << fast.error().to_string();
  EXPECT_NEAR(tone_ms(fast), 450.0, 15.0);
  // Still too short even at 4x (under 130 ms): truncated audio.
  main.answer_ms = 20;
  auto truncated = render(text, 4.0);
  ASSERT_FALSE(truncated.ok());
  EXPECT_NE(truncated.error().message.find("truncated"), std::string::npos)
      << truncated.error().message;
}

// --- the local engines: their own rate (espeak-ng) and duration stretch (flite) -------------

class LocalEngineSpeedTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "espeak") {
      registry_.add(std::move(EspeakProvider::create().value()));
    } else {
      registry_.add(std::move(FliteProvider::create().value()));
    }
  }
  double speech_at(double speed) {
    return speech_ms(
        render_block(block(kText, GetParam(), speed), context_for(registry_, diacritizer_)));
  }
  static constexpr const char* kText =
      "The quick brown fox jumps over the lazy dog, and then it runs away into the woods.";
  ProviderRegistry registry_;
  NoDiacritizer diacritizer_;
};

// Speed 2 and 0.5 (within both engines' native ranges: nothing is stretched) give half and
// double the duration at speed 1, within 10% (measured: within 4%): an engine's rate scales its
// phonemes, and its pauses and the kept silence at the ends not exactly as much.
TEST_P(LocalEngineSpeedTest, HalfAndDoubleSpeedHalveAndDoubleTheDuration) {
  const double normal = speech_at(1.0);
  ASSERT_GT(normal, 2000.0);
  EXPECT_NEAR(speech_at(2.0) / normal, 0.5, 0.10 * 0.5);
  EXPECT_NEAR(speech_at(0.5) / normal, 2.0, 0.10 * 2.0);
}

INSTANTIATE_TEST_SUITE_P(Engines, LocalEngineSpeedTest, ::testing::Values("espeak", "flite"));

// --- paid vendors, through their mocks --------------------------------------------------------

class VendorSpeedTest : public test_support::MockVendorTest {
 protected:
  void SetUp() override {
    MockVendorTest::SetUp();
    registry_.add(std::make_unique<ElevenLabsProvider>(configured("elevenlabs"), http_));
    registry_.add(std::make_unique<OpenAiProvider>(configured("openai"), http_));
  }
  double speech_at(const std::string& provider, double speed) {
    return speech_at(registry_, provider, speed);
  }
  double speech_at(const ProviderRegistry& registry, const std::string& provider, double speed) {
    return speech_ms(
        render_block(block(kText, provider, speed), context_for(registry, diacritizer_)));
  }
  static constexpr const char* kText = "Every vendor speaks at the speed it was asked for.";
  ProviderRegistry registry_;
  NoDiacritizer diacritizer_;
};

TEST_F(VendorSpeedTest, OpenAiIsAskedForTheBlocksSpeedInItsRange) {
  const double normal = speech_at("openai", 1.0);
  const double fast = speech_at("openai", 4.0);
  const double slow = speech_at("openai", 0.25);
  const json log = mocks_->requests("openai");
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0]["json"]["speed"], 1.0);
  EXPECT_EQ(log[1]["json"]["speed"], 4.0);
  EXPECT_EQ(log[2]["json"]["speed"], 0.25);
  EXPECT_NEAR(fast / normal, 0.25, 0.03 * 0.25);
  EXPECT_NEAR(slow / normal, 4.0, 0.03 * 4.0);
}

TEST_F(VendorSpeedTest, ElevenLabsIsAskedWithinItsRangeAndTheRestIsStretched) {
  const double normal = speech_at("elevenlabs", 1.0);
  const double within = speech_at("elevenlabs", 1.1);
  const double fast = speech_at("elevenlabs", 2.0);
  const double slow = speech_at("elevenlabs", 0.5);
  const json log = mocks_->requests("elevenlabs");
  ASSERT_EQ(log.size(), 4u);
  EXPECT_FALSE(log[0]["json"].contains("voice_settings"));  // the voice's own speed
  EXPECT_EQ(log[1]["json"]["voice_settings"]["speed"], 1.1);
  EXPECT_EQ(log[2]["json"]["voice_settings"]["speed"], 1.2);  // the rest: a 2 / 1.2 stretch
  EXPECT_EQ(log[3]["json"]["voice_settings"]["speed"], 0.7);  // the rest: a 0.5 / 0.7 stretch
  EXPECT_NEAR(within / normal, 1 / 1.1, 0.03 / 1.1);
  EXPECT_NEAR(fast / normal, 0.5, 0.03 * 0.5);
  EXPECT_NEAR(slow / normal, 2.0, 0.03 * 2.0);
}

TEST_F(VendorSpeedTest, AConfiguredSpeedIsThePaceTheBlocksSpeedMultiplies) {
  ProviderRegistry registry;
  registry.add(std::make_unique<OpenAiProvider>(
      configured("openai", {}, "[providers.openai]\nspeed = 2.0\n"), http_));
  registry.add(std::make_unique<ElevenLabsProvider>(
      configured("elevenlabs", {}, "[providers.elevenlabs]\nvoice_settings = { speed = 1.1 }\n"),
      http_));
  const double normal = speech_at(registry, "openai", 1.0);
  const double faster = speech_at(registry, "openai", 3.0);  // 6 is beyond 4: asks 4, then 1.5x
  speech_at(registry, "elevenlabs", 1.0);
  speech_at(registry, "elevenlabs", 0.5);  // 0.55 is below 0.7: asks 0.7
  const json openai = mocks_->requests("openai");
  ASSERT_EQ(openai.size(), 2u);
  EXPECT_EQ(openai[0]["json"]["speed"], 2.0);
  EXPECT_EQ(openai[1]["json"]["speed"], 4.0);
  EXPECT_NEAR(faster / normal, 1 / 3.0, 0.03 / 3.0);
  const json eleven = mocks_->requests("elevenlabs");
  ASSERT_EQ(eleven.size(), 2u);
  EXPECT_EQ(eleven[0]["json"]["voice_settings"]["speed"], 1.1);
  EXPECT_NEAR(eleven[1]["json"]["voice_settings"]["speed"].get<double>(), 0.7, 1e-9);
}

TEST_F(VendorSpeedTest, AServerDeclaredWithoutSpeedsGetsItsConfiguredPaceAndTheRestIsStretched) {
  ProviderRegistry registry;
  registry.add(std::make_unique<OpenAiProvider>(
      configured("openai", {}, "[providers.openai]\nnative_speed = [1.0, 1.0]\n"), http_));
  const double normal = speech_at(registry, "openai", 1.0);
  const double fast = speech_at(registry, "openai", 2.0);
  const json log = mocks_->requests("openai");
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0]["json"]["speed"], 1.0);
  EXPECT_EQ(log[1]["json"]["speed"], 1.0);
  EXPECT_NEAR(fast / normal, 0.5, 0.03 * 0.5);
}

}  // namespace
}  // namespace polyvox
