// DiskAudioCache shared by several processes (serve and workers on one data directory): each
// sees the others' entries, a damaged entry is a miss and goes, eviction by one never hands
// another a part or a wrong entry, and the byte bound holds approximately for all of them.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>

#include "providers/audio_cache.h"
#include "support/audio_fixtures.h"

namespace polyvox {
namespace {

namespace fs = std::filesystem;
using test_support::TempDir;

constexpr int kKeys = 64;

std::string key_of(int i) {
  return audio_cache_key("shared", "voice", "text " + std::to_string(i));
}

// The answer stored under key_of(i): its length, bytes and sample rate all depend on i.
audio::EncodedAudio answer_of(int i) {
  std::string bytes(2000 + (i * 7919) % 38000, '\0');
  for (std::size_t j = 0; j < bytes.size(); ++j) bytes[j] = static_cast<char>((i * 31 + j * 7));
  return {bytes, i % 2 ? audio::AudioEncoding::kContainer : audio::AudioEncoding::kPcmS16le,
          8000 + i};
}

bool is_answer_of(const audio::EncodedAudio& got, int i) {
  const audio::EncodedAudio want = answer_of(i);
  return got.bytes == want.bytes && got.encoding == want.encoding &&
         got.sample_rate == want.sample_rate;
}

fs::path entry_path(const fs::path& dir, const std::string& key) {
  return dir / key.substr(0, 2) / key;
}

struct DirectoryContent {
  uint64_t entry_bytes = 0;
  std::size_t entries = 0;
  std::size_t temporaries = 0;
};

DirectoryContent look_at(const fs::path& dir) {
  DirectoryContent content;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    if (e.path().filename().string().find(".tmp-") != std::string::npos) {
      ++content.temporaries;
    } else {
      ++content.entries;
      content.entry_bytes += e.file_size();
    }
  }
  return content;
}

// Random gets and puts on `dir` through a cache instance of this process; the number of hits
// that were not exactly the answer stored under their key.
int hammer(const fs::path& dir, uint64_t max_bytes, unsigned seed, int operations) {
  DiskAudioCache cache(dir, max_bytes);
  std::mt19937 random(seed);
  int wrong = 0;
  for (int n = 0; n < operations; ++n) {
    const int i = static_cast<int>(random() % kKeys);
    if (auto hit = cache.get(key_of(i))) {
      if (!is_answer_of(*hit, i)) ++wrong;
    } else {
      cache.put(key_of(i), answer_of(i));
    }
  }
  return wrong;
}

TEST(SharedAudioCacheTest, EachInstanceSeesTheEntriesOfTheOthers) {
  TempDir dir;
  DiskAudioCache first(dir.path(), 1 << 20);
  DiskAudioCache second(dir.path(), 1 << 20);  // opened before anything was stored
  first.put(key_of(1), answer_of(1));
  auto hit = second.get(key_of(1));
  ASSERT_TRUE(hit.has_value());
  EXPECT_TRUE(is_answer_of(*hit, 1));
  EXPECT_EQ(second.entries(), 1u);  // learned from the hit
}

TEST(SharedAudioCacheTest, TruncatedEntryIsAMissAndIsRemoved) {
  TempDir dir;
  DiskAudioCache cache(dir.path(), 1 << 20);
  const fs::path path = entry_path(dir.path(), key_of(2));
  for (const uintmax_t keep : {std::size_t{0}, std::size_t{10}, DiskAudioCache::kEntryHeaderBytes,
                               answer_of(2).bytes.size()}) {
    SCOPED_TRACE(keep);
    cache.put(key_of(2), answer_of(2));
    ASSERT_TRUE(fs::exists(path));
    fs::resize_file(path, keep);
    EXPECT_FALSE(cache.get(key_of(2)).has_value());
    EXPECT_FALSE(fs::exists(path));
    EXPECT_EQ(cache.entries(), 0u);
  }
  cache.put(key_of(2), answer_of(2));
  ASSERT_TRUE(cache.get(key_of(2)).has_value());
}

TEST(SharedAudioCacheTest, CorruptedOrForeignEntryIsAMissAndIsRemoved) {
  TempDir dir;
  DiskAudioCache cache(dir.path(), 1 << 20);
  const fs::path path = entry_path(dir.path(), key_of(3));
  for (const std::size_t at : {std::size_t{0}, std::size_t{9}, std::size_t{25},
                               std::size_t{DiskAudioCache::kEntryHeaderBytes + 100}}) {
    SCOPED_TRACE(at);
    cache.put(key_of(3), answer_of(3));
    {
      std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
      file.seekg(static_cast<std::streamoff>(at));
      const char c = static_cast<char>(file.get());
      file.seekp(static_cast<std::streamoff>(at));
      file.put(static_cast<char>(c ^ 0x20));
    }
    EXPECT_FALSE(cache.get(key_of(3)).has_value());
    EXPECT_FALSE(fs::exists(path));
  }
  // A file of the layout before digests (encoding, rate, bytes): not trusted.
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << std::string("\x01\xc0\x5d\x00\x00", 5) << "ID3audio";
  EXPECT_FALSE(cache.get(key_of(3)).has_value());
  EXPECT_FALSE(fs::exists(path));
}

TEST(SharedAudioCacheTest, EntryEvictedByAnotherInstanceIsAMissAndForgotten) {
  TempDir dir;
  const uint64_t max_bytes = 3 * (answer_of(0).bytes.size() + 40'000);
  DiskAudioCache reader(dir.path(), max_bytes);
  DiskAudioCache writer(dir.path(), max_bytes);
  reader.put(key_of(0), answer_of(0));
  ASSERT_TRUE(writer.get(key_of(0)).has_value());
  for (int i = 1; i < 10; ++i) writer.put(key_of(i), answer_of(i));  // key 0 is the oldest
  EXPECT_FALSE(fs::exists(entry_path(dir.path(), key_of(0))));
  EXPECT_FALSE(reader.get(key_of(0)).has_value());
  EXPECT_EQ(reader.entries(), 0u);
  EXPECT_LE(look_at(dir.path()).entry_bytes, max_bytes);
}

// Two processes (and two instances in this one) get and put 64 answers of 2..40 kB at random in
// a directory bounded to about a sixth of them, so that evictions by one happen under the
// others' reads all the time.
TEST(SharedAudioCacheTest, ProcessesHammeringOneDirectoryGetWholeRightAnswersWithinTheBound) {
  TempDir dir;
  const uint64_t max_bytes = 256 << 10;
  constexpr int kOperations = 3000;
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) _exit(std::min(hammer(dir.path(), max_bytes, 1, kOperations), 100));
  int wrong = 0;
  std::thread other([&] { wrong += hammer(dir.path(), max_bytes, 2, kOperations); });
  const int here = hammer(dir.path(), max_bytes, 3, kOperations);
  other.join();
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "wrong answers in the child process";
  EXPECT_EQ(wrong + here, 0) << "wrong answers in this process";

  const DirectoryContent content = look_at(dir.path());
  EXPECT_EQ(content.temporaries, 0u);
  EXPECT_GT(content.entries, 0u);
  EXPECT_LE(content.entry_bytes, max_bytes * 3 / 2);
  // Whatever is left is whole. Opened with room for all of it: an instance evicts down to its
  // bound when it opens, and the directory may hold up to half as much again.
  DiskAudioCache after(dir.path(), max_bytes * 2);
  int hits = 0;
  for (int i = 0; i < kKeys; ++i) {
    if (auto hit = after.get(key_of(i))) {
      ++hits;
      EXPECT_TRUE(is_answer_of(*hit, i)) << i;
    }
  }
  EXPECT_EQ(static_cast<std::size_t>(hits), content.entries);
}

}  // namespace
}  // namespace polyvox
