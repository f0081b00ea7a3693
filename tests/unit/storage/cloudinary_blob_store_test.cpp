#include "storage/cloudinary_blob_store.h"

#include <gtest/gtest.h>

#include <fstream>

#include "blob_reading.h"
#include "storage/digest.h"
#include "storage/mirror_blob_store.h"
#include "storage/s3_blob_store.h"
#include "storage_servers.h"

namespace polyvox {
namespace {

using nlohmann::json;
using test_support::read_all;
using test_support::StorageServers;

class CloudinaryBlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { control("POST", "/__mock__/reset"); }

  CloudinaryOptions options() const { return StorageServers::get().cloudinary_options(); }
  std::unique_ptr<CloudinaryBlobStore> store(CloudinaryOptions o) {
    return std::make_unique<CloudinaryBlobStore>(std::move(o), http_);
  }
  json control(const std::string& method, const std::string& path, const json& body = nullptr) {
    return StorageServers::get().control(StorageServers::get().cloudinary(), method, path,
                                         body.is_null() ? "" : body.dump());
  }
  json requests() { return control("GET", "/__mock__/requests"); }

  std::shared_ptr<http::HttpClient> http_ = std::make_shared<http::HttpClient>();
};

TEST_F(CloudinaryBlobStoreTest, UploadsSignedRawAssetsAndServesThemByVersion) {
  auto cloud = store(options());
  const std::string key = "jobs/j1/segments/0-1.mp3";
  ASSERT_TRUE(cloud->put(key, "segment bytes")) << "signature accepted";

  const json upload = requests()[0];
  EXPECT_EQ(upload["path"], "/v1_1/" + options().cloud_name + "/raw/upload");
  EXPECT_EQ(upload["fields"]["public_id"], key) << "the extension stays in the public_id";
  EXPECT_EQ(upload["fields"]["api_key"], options().api_key);
  EXPECT_EQ(upload["fields"]["file"], "<13 bytes>");
  const std::string timestamp = upload["fields"]["timestamp"];
  EXPECT_NEAR(std::stoll(timestamp), std::time(nullptr), 5);
  EXPECT_EQ(
      upload["fields"]["signature"],
      digest::sha1_hex("public_id=" + key + "&timestamp=" + timestamp + options().api_secret));
  for (const auto& [name, value] : upload["headers"].items()) {
    EXPECT_EQ(value.get<std::string>().find(options().api_secret), std::string::npos) << name;
  }

  const auto version = cloud->version_of(key);
  ASSERT_TRUE(version.has_value());
  EXPECT_EQ(control("GET", "/__mock__/assets")[key]["version"], *version);
  EXPECT_EQ(cloud->public_url(key), options().delivery_base_url + "/" + options().cloud_name +
                                        "/raw/upload/v" + std::to_string(*version) + "/" + key);
  EXPECT_EQ(*cloud->get(key), "segment bytes");
  auto info = cloud->stat(key);
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->size, 13u);
  EXPECT_FALSE(info->etag.empty());
  auto reader = cloud->open(key, 8, 5);
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  EXPECT_EQ(read_all(**reader), "bytes");
  EXPECT_EQ(requests().back()["range"], "bytes=8-12");
  EXPECT_EQ(requests().back()["path"],
            "/" + options().cloud_name + "/raw/upload/v" + std::to_string(*version) + "/" + key);
}

TEST_F(CloudinaryBlobStoreTest, DestroyRemovesAndAbsentIsFine) {
  auto cloud = store(options());
  const std::string key = "jobs/j2/final_audio.mp3";
  const auto path = std::filesystem::temp_directory_path() / ("polyvox-cl-" + random_hex(4));
  std::ofstream(path, std::ios::binary) << "final file";
  Status stored = cloud->put_file(key, path);
  std::filesystem::remove(path);
  ASSERT_TRUE(stored) << stored.error().message;
  ASSERT_TRUE(cloud->remove(key));
  const json destroy = requests().back();
  EXPECT_EQ(destroy["path"], "/v1_1/" + options().cloud_name + "/raw/destroy");
  EXPECT_EQ(destroy["fields"]["public_id"], key);
  EXPECT_EQ(destroy["fields"]["invalidate"], "true");
  EXPECT_EQ(cloud->get(key).error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(cloud->stat(key).error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(cloud->open(key, 0, 4).error().kind, ErrorKind::kNotFound);
  EXPECT_TRUE(cloud->remove(key)) << "\"not found\" is not an error";
  EXPECT_FALSE(cloud->version_of(key).has_value());
}

TEST_F(CloudinaryBlobStoreTest, KeyUploadedByAnotherNodeIsReadAtItsLatestVersion) {
  auto writer = store(options());
  auto reader = store(options());  // another process: it did not see the upload
  ASSERT_TRUE(writer->put("jobs/j3/segments/1-1.mp3", "from a worker"));
  EXPECT_EQ(reader->public_url("jobs/j3/segments/1-1.mp3"),
            options().delivery_base_url + "/" + options().cloud_name +
                "/raw/upload/jobs/j3/segments/1-1.mp3");
  EXPECT_EQ(*reader->get("jobs/j3/segments/1-1.mp3"), "from a worker");
}

TEST_F(CloudinaryBlobStoreTest, WrongSecretIsRefusedAndNeverShown) {
  CloudinaryOptions o = options();
  o.api_secret = "not-the-secret-7Yh2";
  Status stored = store(o)->put("k.mp3", "x");
  ASSERT_FALSE(stored);
  EXPECT_EQ(stored.error().kind, ErrorKind::kInternal);
  EXPECT_NE(stored.error().message.find("401 Invalid Signature"), std::string::npos)
      << stored.error().message;
  EXPECT_EQ(stored.error().message.find("not-the-secret-7Yh2"), std::string::npos);
}

TEST_F(CloudinaryBlobStoreTest, StaleTimestampIsRefused) {
  CloudinaryOptions o = options();
  o.now = [] { return std::time(nullptr) - 7200; };
  Status stored = store(o)->put("k.mp3", "x");
  ASSERT_FALSE(stored);
  EXPECT_NE(stored.error().message.find("400 Stale request"), std::string::npos);
}

TEST_F(CloudinaryBlobStoreTest, VendorErrorsKeepTheirMeaning) {
  auto cloud = store(options());
  control("POST", "/__mock__/faults", {{"kind", "rate_limit"}, {"retry_after", 7}});
  Status limited = cloud->put("k.mp3", "x");
  ASSERT_FALSE(limited);
  EXPECT_EQ(limited.error().kind, ErrorKind::kRateLimited);
  EXPECT_EQ(limited.error().retry_after_s, 7);
  EXPECT_NE(limited.error().message.find("420 Rate Limit Exceeded"), std::string::npos);
  EXPECT_TRUE(cloud->ping()) << "a rate limit is not an outage";

  control("POST", "/__mock__/faults", {{"kind", "server_error"}, {"status", 502}});
  Status down = cloud->put("k.mp3", "x");
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().kind, ErrorKind::kUnavailable);
  EXPECT_FALSE(cloud->ping());

  control("POST", "/__mock__/faults",
          {{"kind", "error"}, {"status", 403}, {"message", "Account disabled"}});
  Status refused = cloud->remove("k.mp3");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::kInternal);
  EXPECT_NE(refused.error().message.find("403 Account disabled"), std::string::npos);
  EXPECT_TRUE(cloud->ping()) << "Cloudinary answered again";

  control("POST", "/__mock__/faults", {{"kind", "server_error"}, {"scope", "delivery"}});
  EXPECT_TRUE(cloud->put("k.mp3", "x"));
  EXPECT_EQ(cloud->get("k.mp3").error().kind, ErrorKind::kUnavailable);
}

// An error whose message is not a string (an object, a number) once threw out of the store and
// ended the process from a worker thread.
TEST_F(CloudinaryBlobStoreTest, AnErrorWhoseMessageIsNotAStringIsStillAnError) {
  auto cloud = store(options());
  for (const nlohmann::json& message :
       {nlohmann::json{{"nested", 1}}, nlohmann::json(42), nlohmann::json(nullptr)}) {
    control("POST", "/__mock__/faults", {{"kind", "error"}, {"status", 400}, {"message", message}});
    Status refused;
    ASSERT_NO_THROW(refused = cloud->put("k.mp3", "x")) << message.dump();
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("cloudinary upload"), std::string::npos);
  }
}

TEST_F(CloudinaryBlobStoreTest, UploadsOverTheCapAreRefusedBeforeSending) {
  CloudinaryOptions o = options();
  o.max_upload_bytes = 10;
  Status stored = store(o)->put("k.mp3", std::string(11, 'x'));
  ASSERT_FALSE(stored);
  EXPECT_EQ(stored.error().kind, ErrorKind::kPayloadTooLarge);
  EXPECT_TRUE(requests().empty());
}

// S3 primary mirrored to Cloudinary: both get the object; URLs from both.
TEST_F(CloudinaryBlobStoreTest, MirrorFromS3ToCloudinary) {
  MetricsRegistry metrics;
  auto primary = std::make_unique<S3BlobStore>(StorageServers::get().s3_options(), http_);
  auto secondary = store(options());
  CloudinaryBlobStore* cloud = secondary.get();
  MirrorBlobStore mirror(std::move(primary), std::move(secondary), "cloudinary", &metrics);
  const std::string key = "jobs/" + random_hex(6) + "/segments/0-1.mp3";
  ASSERT_TRUE(mirror.put(key, "mirrored"));
  EXPECT_EQ(*cloud->get(key), "mirrored");
  EXPECT_EQ(*mirror.get(key), "mirrored");
  EXPECT_NE(mirror.public_url(key)->find("X-Amz-Signature="), std::string::npos);
  EXPECT_EQ(mirror.mirror_url(key), cloud->public_url(key));

  control("POST", "/__mock__/faults", {{"kind", "server_error"}});
  EXPECT_TRUE(mirror.put(key, "again")) << "a failing mirror is not fatal";
  EXPECT_EQ(mirror.mirror_failures(), 1u);
  ASSERT_TRUE(mirror.remove(key));
  EXPECT_EQ(cloud->get(key).error().kind, ErrorKind::kNotFound);
}

}  // namespace
}  // namespace polyvox
