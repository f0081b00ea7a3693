// Each storage backend's kind: when its settings count as given (which picks the default
// mirror), and what building it asks of them.
#include "storage/blob_store_kinds.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/ids.h"
#include "storage/cloudinary_blob_store.h"
#include "storage/local_blob_store.h"
#include "storage/s3_blob_store.h"

namespace polyvox {
namespace {

class BlobStoreKindsTest : public ::testing::Test {
 protected:
  void TearDown() override { std::filesystem::remove_all(dir_); }

  Result<std::unique_ptr<BlobStore>> build(const BlobStoreKind& kind) {
    return kind.create({settings_, dir_, std::make_shared<http::HttpClient>()});
  }

  std::filesystem::path dir_ =
      std::filesystem::temp_directory_path() / ("polyvox-kinds-" + random_hex(6));
  StorageSettings settings_;
};

TEST_F(BlobStoreKindsTest, LocalNeedsNothingAndIsNeverADefaultMirror) {
  const BlobStoreKind kind = local_blob_store_kind();
  EXPECT_EQ(kind.name, "local");
  EXPECT_FALSE(kind.configured);
  auto store = build(kind);
  ASSERT_TRUE(store.ok()) << store.error().to_string();
  ASSERT_TRUE((*store)->put("a/b.mp3", "bytes").ok());
  EXPECT_TRUE(std::filesystem::exists(dir_ / "blobs" / "a" / "b.mp3"));
}

TEST_F(BlobStoreKindsTest, S3IsConfiguredByItsBucketAndNamesWhatItLacks) {
  const BlobStoreKind kind = s3_blob_store_kind();
  EXPECT_EQ(kind.name, "s3");
  EXPECT_FALSE(kind.configured(settings_));
  settings_.s3_bucket = "bucket";
  EXPECT_TRUE(kind.configured(settings_));
  auto store = build(kind);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().to_string(), "S3_ACCESS_KEY: must be set for the s3 storage backend");

  settings_.s3_access_key = "access";
  settings_.s3_secret_key = "secret-value";
  settings_.s3_presign_expires_s = 0;
  store = build(kind);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(store.error().to_string().find("secret-value"), std::string::npos);

  settings_.s3_presign_expires_s = 60;
  settings_.s3_endpoint_url = "http://127.0.0.1:9";
  store = build(kind);
  ASSERT_TRUE(store.ok()) << store.error().to_string();
  EXPECT_NE(dynamic_cast<S3BlobStore*>(store->get()), nullptr);
}

TEST_F(BlobStoreKindsTest, CloudinaryIsConfiguredByItsUrl) {
  const BlobStoreKind kind = cloudinary_blob_store_kind();
  EXPECT_EQ(kind.name, "cloudinary");
  EXPECT_FALSE(kind.configured(settings_));
  auto missing = build(kind);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().field, "CLOUDINARY_URL");

  settings_.cloudinary_url = "cloudinary://key:cloud-secret@cloud";
  settings_.cloudinary_delivery_base_url = "http://cdn.test";
  EXPECT_TRUE(kind.configured(settings_));
  auto store = build(kind);
  ASSERT_TRUE(store.ok()) << store.error().to_string();
  EXPECT_EQ((*store)->public_url("k.mp3"), "http://cdn.test/cloud/raw/upload/k.mp3");
}

}  // namespace
}  // namespace polyvox
