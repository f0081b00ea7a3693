#include "storage/mirror_blob_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/ids.h"
#include "storage/local_blob_store.h"

namespace polyvox {
namespace {

namespace fs = std::filesystem;

// A store that refuses everything (an unreachable mirror) and has URLs.
class DownStore : public BlobStore {
 public:
  Status put(const std::string&, const std::string&) override { return down(); }
  Status put_file(const std::string&, const fs::path&) override { return down(); }
  Result<std::string> get(const std::string&) override { return down(); }
  Result<BlobInfo> stat(const std::string&) override { return down(); }
  Result<std::unique_ptr<BlobReader>> open(const std::string&, uint64_t, uint64_t) override {
    return down();
  }
  Status remove(const std::string&) override { return down(); }
  bool ping() override { return false; }
  std::optional<std::string> public_url(const std::string& key) override {
    return "https://down.example/" + key;
  }

 private:
  static Error down() { return Error{ErrorKind::kUnavailable, "mirror unreachable", ""}; }
};

class MirrorBlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { root_ = fs::temp_directory_path() / ("polyvox-mirror-" + random_hex(6)); }
  void TearDown() override { fs::remove_all(root_); }

  // A mirror of two local stores; raw pointers to them stay valid while the mirror lives.
  std::unique_ptr<MirrorBlobStore> local_mirror() {
    auto primary = std::make_unique<LocalBlobStore>(root_ / "primary");
    auto secondary = std::make_unique<LocalBlobStore>(root_ / "secondary");
    primary_ = primary.get();
    secondary_ = secondary.get();
    return std::make_unique<MirrorBlobStore>(std::move(primary), std::move(secondary), "local",
                                             &metrics_);
  }

  uint64_t failures(const std::string& operation) {
    return metrics_.counter("polyvox_storage_mirror_failures_total", "", {"operation"})
        .with({operation})
        .value();
  }

  fs::path root_;
  MetricsRegistry metrics_;
  LocalBlobStore* primary_ = nullptr;
  LocalBlobStore* secondary_ = nullptr;
};

TEST_F(MirrorBlobStoreTest, WritesBothStoresAndReadsThePrimary) {
  auto mirror = local_mirror();
  ASSERT_TRUE(mirror->put("jobs/a/0.mp3", "bytes"));
  EXPECT_EQ(*primary_->get("jobs/a/0.mp3"), "bytes");
  EXPECT_EQ(*secondary_->get("jobs/a/0.mp3"), "bytes");

  const fs::path file = root_ / "final.mp3";
  { std::ofstream(file) << "final"; }
  ASSERT_TRUE(mirror->put_file("jobs/a/final.mp3", file));
  EXPECT_EQ(*secondary_->get("jobs/a/final.mp3"), "final");

  ASSERT_TRUE(secondary_->put("jobs/a/0.mp3", "changed in the mirror"));
  EXPECT_EQ(*mirror->get("jobs/a/0.mp3"), "bytes");
  EXPECT_EQ(mirror->stat("jobs/a/0.mp3")->size, 5u);
  EXPECT_EQ(mirror->mirror_failures(), 0u);
}

TEST_F(MirrorBlobStoreTest, RemovesFromBothStores) {
  auto mirror = local_mirror();
  ASSERT_TRUE(mirror->put("k.mp3", "x"));
  ASSERT_TRUE(mirror->remove("k.mp3"));
  EXPECT_EQ(primary_->get("k.mp3").error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(secondary_->get("k.mp3").error().kind, ErrorKind::kNotFound);
}

TEST_F(MirrorBlobStoreTest, FailingMirrorIsCountedNotFatal) {
  auto primary = std::make_unique<LocalBlobStore>(root_ / "primary");
  LocalBlobStore* local = primary.get();
  MirrorBlobStore mirror(std::move(primary), std::make_unique<DownStore>(), "s3", &metrics_);

  EXPECT_TRUE(mirror.put("jobs/b/0.mp3", "audio"));
  const fs::path file = root_ / "f";
  std::ofstream(file) << "final";
  EXPECT_TRUE(mirror.put_file("jobs/b/final.mp3", file));
  EXPECT_EQ(*local->get("jobs/b/0.mp3"), "audio");
  EXPECT_EQ(failures("put"), 2u);

  EXPECT_TRUE(mirror.remove("jobs/b/0.mp3"));
  EXPECT_EQ(failures("remove"), 1u);
  EXPECT_EQ(mirror.mirror_failures(), 3u);
  EXPECT_TRUE(mirror.ping());  // readiness follows the primary
}

TEST_F(MirrorBlobStoreTest, PrimaryFailureIsReturnedAndNothingIsMirrored) {
  auto secondary = std::make_unique<LocalBlobStore>(root_ / "secondary");
  LocalBlobStore* local = secondary.get();
  MirrorBlobStore mirror(std::make_unique<DownStore>(), std::move(secondary), "local", &metrics_);
  Status stored = mirror.put("k.mp3", "x");
  ASSERT_FALSE(stored);
  EXPECT_EQ(stored.error().kind, ErrorKind::kUnavailable);
  EXPECT_EQ(local->get("k.mp3").error().kind, ErrorKind::kNotFound);
}

TEST_F(MirrorBlobStoreTest, UrlsComeFromThePrimaryAndTheMirror) {
  auto mirror = local_mirror();
  EXPECT_EQ(mirror->public_url("k.mp3"), std::nullopt);  // local stores have none
  EXPECT_EQ(mirror->mirror_url("k.mp3"), std::nullopt);

  MirrorBlobStore to_remote(std::make_unique<LocalBlobStore>(root_ / "p"),
                            std::make_unique<DownStore>(), "s3", nullptr);
  EXPECT_EQ(to_remote.public_url("k.mp3"), std::nullopt);
  EXPECT_EQ(to_remote.mirror_url("k.mp3"), "https://down.example/k.mp3");

  MirrorBlobStore from_remote(std::make_unique<DownStore>(),
                              std::make_unique<LocalBlobStore>(root_ / "s"), "local", nullptr);
  EXPECT_EQ(from_remote.public_url("k.mp3"), "https://down.example/k.mp3");
  EXPECT_EQ(from_remote.mirror_url("k.mp3"), std::nullopt);
}

}  // namespace
}  // namespace polyvox
