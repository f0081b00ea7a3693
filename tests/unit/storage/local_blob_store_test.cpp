// The local blob store as a power loss sees it: a blob is durable (its content, its name and
// every directory it needed) before put() returns, in that order.
#include "storage/local_blob_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "support/audio_fixtures.h"

namespace polyvox {
namespace {

using test_support::TempDir;

// What each fsync was given: the path of the file or directory behind the descriptor.
class SyncRecorder {
 public:
  LocalBlobStore::SyncFn fn() {
    return [this](int fd) {
      char path[4096] = {};
      const std::string link = "/proc/self/fd/" + std::to_string(fd);
      const ssize_t n = ::readlink(link.c_str(), path, sizeof path - 1);
      synced.push_back(n > 0 ? std::string(path, static_cast<std::size_t>(n)) : "?");
      return ::fsync(fd);
    };
  }
  std::vector<std::string> synced;
};

bool is_temp_of(const std::string& synced, const std::string& final_path) {
  return synced.rfind(final_path + ".tmp-", 0) == 0;
}

TEST(LocalBlobStoreTest, PutSyncsTheFileThenItsDirectory) {
  TempDir dir;
  SyncRecorder recorder;
  LocalBlobStore store(dir.path(), recorder.fn());
  ASSERT_TRUE(store.put("jobs/j1/segments/0.mp3", "abc").ok());
  const std::string root = std::filesystem::canonical(dir.path()).string();
  // New directories are made durable in their parents, then the file's content, then its name.
  ASSERT_EQ(recorder.synced.size(), 5u);
  EXPECT_EQ(recorder.synced[0], root + "/jobs/j1");
  EXPECT_EQ(recorder.synced[1], root + "/jobs");
  EXPECT_EQ(recorder.synced[2], root);
  EXPECT_TRUE(is_temp_of(recorder.synced[3], root + "/jobs/j1/segments/0.mp3"))
      << recorder.synced[3];
  EXPECT_EQ(recorder.synced[4], root + "/jobs/j1/segments");
  EXPECT_EQ(store.get("jobs/j1/segments/0.mp3").value(), "abc");
}

// The final audio file is stored with put_file (a hard link of the assembly's temporary file):
// it was renamed into place without ever being synced.
TEST(LocalBlobStoreTest, PutFileSyncsTheContentThenItsDirectory) {
  TempDir dir;
  SyncRecorder recorder;
  LocalBlobStore store(dir.path() / "blobs", recorder.fn());
  const auto source = dir.path() / "assembly";
  test_support::write_file(source, "final audio");
  ASSERT_TRUE(store.put_file("jobs/j1/final_audio.mp3", source).ok());
  const std::string root = std::filesystem::canonical(dir.path() / "blobs").string();
  ASSERT_EQ(recorder.synced.size(), 4u);
  EXPECT_EQ(recorder.synced[0], root + "/jobs");
  EXPECT_EQ(recorder.synced[1], root);
  EXPECT_TRUE(is_temp_of(recorder.synced[2], root + "/jobs/j1/final_audio.mp3"))
      << recorder.synced[2];
  EXPECT_EQ(recorder.synced[3], root + "/jobs/j1");
  EXPECT_EQ(store.get("jobs/j1/final_audio.mp3").value(), "final audio");
}

TEST(LocalBlobStoreTest, AFailedSyncFailsThePutAndLeavesNoBlob) {
  TempDir dir;
  LocalBlobStore store(dir.path(), [](int) {
    errno = EIO;
    return -1;
  });
  Status stored = store.put("k.mp3", "abc");
  ASSERT_FALSE(stored.ok());
  EXPECT_EQ(stored.error().kind, ErrorKind::kIo);
  EXPECT_EQ(store.get("k.mp3").error().kind, ErrorKind::kNotFound);
}

}  // namespace
}  // namespace polyvox
