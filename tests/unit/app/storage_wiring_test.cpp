#include <gtest/gtest.h>

#include <filesystem>

#include "app/config.h"
#include "app/wiring.h"
#include "core/ids.h"
#include "storage/cloudinary_blob_store.h"
#include "storage/local_blob_store.h"
#include "storage/mirror_blob_store.h"
#include "storage/s3_blob_store.h"

namespace polyvox {
namespace {

class StorageWiringTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("polyvox-wiring-" + random_hex(6));
    env_.set_for_test("POLYVOX_DATA_DIR", dir_.string());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void set_s3() {
    env_.set_for_test("S3_ENDPOINT_URL", "http://127.0.0.1:9");
    env_.set_for_test("S3_BUCKET_NAME", "bucket");
    env_.set_for_test("S3_ACCESS_KEY", "access");
    env_.set_for_test("S3_SECRET_KEY", "s3-secret-value");
  }
  void set_cloudinary() {
    env_.set_for_test("CLOUDINARY_URL", "cloudinary://key:cloud-secret-value@cloud");
  }
  Result<std::unique_ptr<BlobStore>> build() { return build_blob_store(load_config(env_)); }

  std::filesystem::path dir_;
  Environment env_;
};

TEST_F(StorageWiringTest, LocalIsTheDefault) {
  auto store = build();
  ASSERT_TRUE(store.ok());
  EXPECT_NE(dynamic_cast<LocalBlobStore*>(store->get()), nullptr);
}

TEST_F(StorageWiringTest, BuildsS3AndCloudinaryFromTheirVariables) {
  set_s3();
  set_cloudinary();
  env_.set_for_test("STORAGE_BACKEND", "s3");
  auto s3 = build();
  ASSERT_TRUE(s3.ok()) << s3.error().to_string();
  auto* s3_store = dynamic_cast<S3BlobStore*>(s3->get());
  ASSERT_NE(s3_store, nullptr);
  EXPECT_EQ(s3_store->object_url("k.mp3"), "http://127.0.0.1:9/bucket/k.mp3");

  env_.set_for_test("STORAGE_BACKEND", "cloudinary");
  env_.set_for_test("CLOUDINARY_DELIVERY_BASE_URL", "http://cdn.test/");
  auto cloud = build();
  ASSERT_TRUE(cloud.ok()) << cloud.error().to_string();
  EXPECT_EQ((*cloud)->public_url("k.mp3"), "http://cdn.test/cloud/raw/upload/k.mp3");
}

TEST_F(StorageWiringTest, MissingSettingsAreNamed) {
  env_.set_for_test("STORAGE_BACKEND", "s3");
  env_.set_for_test("S3_BUCKET_NAME", "bucket");
  env_.set_for_test("S3_SECRET_KEY", "s3-secret-value");
  auto store = build();
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().field, "S3_ACCESS_KEY");

  env_.set_for_test("S3_ACCESS_KEY", "access");
  env_.set_for_test("S3_ENDPOINT_URL", "minio:9000");
  store = build();
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().to_string().find("S3_ENDPOINT_URL"), std::string::npos);

  env_.set_for_test("STORAGE_BACKEND", "cloudinary");
  env_.set_for_test("CLOUDINARY_URL", "cloudinary://key:cloud-secret-value");
  store = build();
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().field, "CLOUDINARY_URL");
  EXPECT_EQ(store.error().to_string().find("cloud-secret-value"), std::string::npos);
}

TEST_F(StorageWiringTest, MirrorGoesToTheOtherConfiguredBackend) {
  set_s3();
  set_cloudinary();
  env_.set_for_test("STORAGE_BACKEND", "s3");
  env_.set_for_test("STORAGE_MIRRORING", "true");
  auto store = build();
  ASSERT_TRUE(store.ok()) << store.error().to_string();
  ASSERT_NE(dynamic_cast<MirrorBlobStore*>(store->get()), nullptr);
  EXPECT_NE((*store)->public_url("k.mp3")->find("X-Amz-Signature="), std::string::npos);
  EXPECT_EQ((*store)->mirror_url("k.mp3"), "https://res.cloudinary.com/cloud/raw/upload/k.mp3");

  env_.set_for_test("STORAGE_MIRROR_BACKEND", "local");
  store = build();
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->mirror_url("k.mp3"), std::nullopt);
}

TEST_F(StorageWiringTest, MirroringNeedsASecondBackend) {
  env_.set_for_test("STORAGE_MIRRORING", "true");
  auto store = build();
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().field, "STORAGE_MIRRORING");

  set_s3();
  store = build();  // local mirrored to s3
  ASSERT_TRUE(store.ok()) << store.error().to_string();
  EXPECT_EQ((*store)->public_url("k.mp3"), std::nullopt);
  EXPECT_NE((*store)->mirror_url("k.mp3")->find("http://127.0.0.1:9/bucket/k.mp3?"),
            std::string::npos);
}

}  // namespace
}  // namespace polyvox
