// The local blob store as a power loss sees it: a blob is durable (its content, its name and
// every directory it needed) before put() returns, in that order.
#include "storage/local_blob_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "support/audio_fixtures.h"
#include "support/sync_recorder.h"

namespace polyvox {
namespace {

using test_support::TempDir;

using test_support::SyncRecorder;

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
  const std::vector<std::string> synced = recorder.events();
  ASSERT_EQ(synced.size(), 5u);
  EXPECT_EQ(synced[0], root + "/jobs/j1");
  EXPECT_EQ(synced[1], root + "/jobs");
  EXPECT_EQ(synced[2], root);
  EXPECT_TRUE(is_temp_of(synced[3], root + "/jobs/j1/segments/0.mp3")) << synced[3];
  EXPECT_EQ(synced[4], root + "/jobs/j1/segments");
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
  const std::vector<std::string> synced = recorder.events();
  ASSERT_EQ(synced.size(), 4u);
  EXPECT_EQ(synced[0], root + "/jobs");
  EXPECT_EQ(synced[1], root);
  EXPECT_TRUE(is_temp_of(synced[2], root + "/jobs/j1/final_audio.mp3")) << synced[2];
  EXPECT_EQ(synced[3], root + "/jobs/j1");
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

// Listing (for cleanup): the blobs under a prefix, each directory's together with its
// subdirectories', without temporary files of writes in flight.
TEST(LocalBlobStoreTest, ListsTheBlobsUnderAPrefixDirectoryByDirectory) {
  TempDir dir;
  LocalBlobStore store(dir.path(), [](int) { return 0; });
  for (const char* key :
       {"jobs/a/segments/0-1-w.mp3", "jobs/a/final_audio-1-w.mp3", "jobs/b/segments/0-1-w.mp3",
        "jobs/b/segments/1-1-w.mp3", "jobs/ab/final_audio-1-w.wav", "other/x.mp3"}) {
    ASSERT_TRUE(store.put(key, std::string(key)).ok());
  }
  std::ofstream(dir.path() / "jobs/a/segments/1-1-w.mp3.tmp-abc123") << "half";

  std::vector<std::string> keys;
  auto listed = store.list("jobs/", [&](const BlobListing& blob) {
    EXPECT_EQ(blob.size, blob.key.size());
    EXPECT_GT(blob.modified_ms, 0);
    keys.push_back(blob.key);
    return true;
  });
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  ASSERT_EQ(keys.size(), 5u);
  // Each job's blobs one after the other.
  std::vector<std::string> jobs;
  for (const auto& key : keys) {
    const std::string job = key.substr(5, key.find('/', 5) - 5);
    if (jobs.empty() || jobs.back() != job) jobs.push_back(job);
  }
  EXPECT_EQ(jobs.size(), 3u);

  keys.clear();
  ASSERT_TRUE(store
                  .list("jobs/a/",
                        [&](const BlobListing& b) {
                          keys.push_back(b.key);
                          return true;
                        })
                  .ok());
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(keys,
            (std::vector<std::string>{"jobs/a/final_audio-1-w.mp3", "jobs/a/segments/0-1-w.mp3"}));
  std::size_t seen = 0;
  ASSERT_TRUE(store.list("", [&](const BlobListing&) { return ++seen < 2; }).ok());
  EXPECT_EQ(seen, 2u);  // stopped when told
  EXPECT_TRUE(store.list("nothing/here/", [](const BlobListing&) { return true; }).ok());
  EXPECT_FALSE(store.list("../", [](const BlobListing&) { return true; }).ok());
}

}  // namespace
}  // namespace polyvox
