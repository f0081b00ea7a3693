#include "providers/audio_cache.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "support/audio_fixtures.h"

namespace polyvox {
namespace {

using test_support::TempDir;

audio::EncodedAudio answer(std::size_t bytes, char fill = 'a') {
  return audio::EncodedAudio{std::string(bytes, fill), audio::AudioEncoding::kPcmS16le, 24000};
}

// Bytes of the entry files under `dir` (temporaries excluded: their names are not keys).
uint64_t directory_bytes(const std::filesystem::path& dir) {
  uint64_t total = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().filename().string().size() == 64) total += e.file_size();
  }
  return total;
}

TEST(AudioCacheTest, KeysDependOnIdentityVoiceAndText) {
  const auto k = audio_cache_key("openai|https://x/v1|tts-1|mp3", "alloy", "Hello");
  EXPECT_EQ(k.size(), 64u);
  EXPECT_EQ(k, audio_cache_key("openai|https://x/v1|tts-1|mp3", "alloy", "Hello"));
  EXPECT_NE(k, audio_cache_key("openai|https://x/v1|tts-1|mp3", "nova", "Hello"));
  EXPECT_NE(k, audio_cache_key("openai|https://x/v1|tts-1|mp3", "alloy", "Hello."));
  EXPECT_NE(k, audio_cache_key("openai|https://y/v1|tts-1|mp3", "alloy", "Hello"));
  // Instructions: none is the key without them; any other is another key, also at a speed.
  EXPECT_EQ(k, audio_cache_key("openai|https://x/v1|tts-1|mp3", "alloy", "Hello", "", 1.0, ""));
  const auto calm =
      audio_cache_key("openai|https://x/v1|tts-1|mp3", "alloy", "Hello", "", 1.0, "Calm.");
  EXPECT_NE(k, calm);
  EXPECT_NE(calm,
            audio_cache_key("openai|https://x/v1|tts-1|mp3", "alloy", "Hello", "", 1.5, "Calm."));
  EXPECT_NE(calm,
            audio_cache_key("openai|https://x/v1|tts-1|mp3", "alloy", "Hello", "", 1.0, "Calm!"));
  // Field boundaries matter: ("ab", "c") is not ("a", "bc").
  EXPECT_NE(audio_cache_key("id", "ab", "c"), audio_cache_key("id", "a", "bc"));
}

TEST(AudioCacheTest, StoresAndReturnsAnswers) {
  TempDir dir;
  DiskAudioCache cache(dir.path(), 1 << 20);
  const auto key = audio_cache_key("id", "v", "text");
  EXPECT_FALSE(cache.get(key).has_value());
  cache.put(key, answer(1000));
  auto hit = cache.get(key);
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->bytes, std::string(1000, 'a'));
  EXPECT_EQ(hit->encoding, audio::AudioEncoding::kPcmS16le);
  EXPECT_EQ(hit->sample_rate, 24000);
}

TEST(AudioCacheTest, EvictsLeastRecentlyUsedBeyondItsSize) {
  TempDir dir;
  constexpr uint64_t kEntry = 1000 + DiskAudioCache::kEntryHeaderBytes;
  DiskAudioCache cache(dir.path(), 3 * kEntry + 10);  // three entries of 1000 bytes
  const auto a = audio_cache_key("id", "v", "a");
  const auto b = audio_cache_key("id", "v", "b");
  const auto c = audio_cache_key("id", "v", "c");
  const auto d = audio_cache_key("id", "v", "d");
  cache.put(a, answer(1000));
  cache.put(b, answer(1000));
  cache.put(c, answer(1000));
  ASSERT_TRUE(cache.get(a).has_value());  // a is now the most recent; b the least
  cache.put(d, answer(1000));
  EXPECT_TRUE(cache.get(a).has_value());
  EXPECT_FALSE(cache.get(b).has_value());
  EXPECT_TRUE(cache.get(c).has_value());
  EXPECT_TRUE(cache.get(d).has_value());
  EXPECT_LE(cache.size_bytes(), 3 * kEntry + 10);
  EXPECT_LE(directory_bytes(dir.path()), 3 * kEntry + 10);
}

TEST(AudioCacheTest, AnswerLargerThanTheBoundIsNotStored) {
  TempDir dir;
  DiskAudioCache cache(dir.path(), 1000);
  const auto key = audio_cache_key("id", "v", "long");
  cache.put(key, answer(1000));
  EXPECT_FALSE(cache.get(key).has_value());
  EXPECT_EQ(directory_bytes(dir.path()), 0u);
}

TEST(AudioCacheTest, SurvivesARestart) {
  TempDir dir;
  const auto key = audio_cache_key("id", "v", "persisted");
  {
    DiskAudioCache cache(dir.path(), 1 << 20);
    cache.put(key, answer(500, 'z'));
  }
  DiskAudioCache reopened(dir.path(), 1 << 20);
  EXPECT_EQ(reopened.entries(), 1u);
  auto hit = reopened.get(key);
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->bytes, std::string(500, 'z'));
}

}  // namespace
}  // namespace polyvox
