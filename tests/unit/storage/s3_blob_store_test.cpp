#include "storage/s3_blob_store.h"

#include <gtest/gtest.h>

#include <ctime>
#include <fstream>
#include <string>
#include <vector>

#include "../../support/closed_port.h"
#include "blob_reading.h"
#include "storage_servers.h"

namespace polyvox {
namespace {

using test_support::closed_port;
using test_support::pattern;
using test_support::read_all;
using test_support::StorageServers;

class S3BlobStoreTest : public ::testing::Test {
 protected:
  S3BlobStore store(S3Options options) { return S3BlobStore(std::move(options), http_); }
  S3Options options() const { return StorageServers::get().s3_options(); }
  nlohmann::json stats() {
    return StorageServers::get().control(StorageServers::get().s3(), "GET", "/__stats__");
  }
  // A key no other test uses.
  static std::string fresh_key(const std::string& name) {
    return "jobs/" + random_hex(6) + "/segments/" + name;
  }

  std::shared_ptr<http::HttpClient> http_ = std::make_shared<http::HttpClient>();
};

TEST_F(S3BlobStoreTest, PutGetStatRemove) {
  S3BlobStore s3 = store(options());
  const std::string key = fresh_key("0-1.mp3");
  const std::string bytes = pattern(5000);
  Status stored = s3.put(key, bytes);
  ASSERT_TRUE(stored) << stored.error().message;
  auto got = s3.get(key);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(*got, bytes);
  auto info = s3.stat(key);
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->size, 5000u);
  EXPECT_FALSE(info->etag.empty());
  EXPECT_EQ(info->etag.find('"'), std::string::npos);
  EXPECT_GT(info->modified_ms, 0);

  ASSERT_TRUE(s3.put(key, "replaced"));
  EXPECT_NE(s3.stat(key)->etag, info->etag);

  ASSERT_TRUE(s3.remove(key));
  EXPECT_EQ(s3.get(key).error().kind, ErrorKind::kNotFound);
  EXPECT_TRUE(s3.remove(key)) << "removing an absent object is fine";
}

// Listing (for cleanup): every key under a prefix in key order, page after page.
TEST_F(S3BlobStoreTest, ListsTheKeysUnderAPrefixAcrossPages) {
  S3Options paged = options();
  paged.list_page_keys = 2;
  S3BlobStore s3 = store(paged);
  const std::string job = "jobs/" + random_hex(6) + "/";
  const std::vector<std::string> keys = {job + "final_audio-1-w.mp3", job + "segments/0-1-w.mp3",
                                         job + "segments/1-1-w.mp3", job + "segments/2-1-w.mp3",
                                         job + "segments/3-1-w.mp3"};
  for (const auto& key : keys) ASSERT_TRUE(s3.put(key, key)) << key;
  ASSERT_TRUE(s3.put(job.substr(0, job.size() - 1) + "x/segments/0-1-w.mp3", "another job"));
  const int64_t now_ms = static_cast<int64_t>(std::time(nullptr)) * 1000;

  std::vector<std::string> listed;
  Status s = s3.list(job, [&](const BlobListing& blob) {
    EXPECT_EQ(blob.size, blob.key.size());
    EXPECT_NEAR(static_cast<double>(blob.modified_ms), static_cast<double>(now_ms), 120'000.0);
    listed.push_back(blob.key);
    return true;
  });
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(listed, keys);
  std::size_t seen = 0;
  ASSERT_TRUE(s3.list(job, [&](const BlobListing&) { return ++seen < 3; }));
  EXPECT_EQ(seen, 3u);
  for (const auto& key : keys) ASSERT_TRUE(s3.remove(key));
  listed.clear();
  ASSERT_TRUE(s3.list(job, [&](const BlobListing& b) {
    listed.push_back(b.key);
    return true;
  }));
  EXPECT_TRUE(listed.empty());
}

TEST_F(S3BlobStoreTest, MissingObjectIsNotFoundEverywhere) {
  S3BlobStore s3 = store(options());
  const std::string key = fresh_key("missing.mp3");
  EXPECT_EQ(s3.get(key).error().kind, ErrorKind::kNotFound) << s3.get(key).error().message;
  EXPECT_EQ(s3.stat(key).error().kind, ErrorKind::kNotFound) << s3.stat(key).error().message;
  EXPECT_EQ(s3.open(key, 0, 10).error().kind, ErrorKind::kNotFound);
}

TEST_F(S3BlobStoreTest, OpenReadsOnlyTheRangeThroughRangedGets) {
  S3Options o = options();
  o.read_chunk_bytes = 4096;
  S3BlobStore s3 = store(o);
  const std::string key = fresh_key("range.mp3");
  const std::string bytes = pattern(20000, 7);
  ASSERT_TRUE(s3.put(key, bytes));
  const std::size_t before = stats()["ranges"].size();
  auto reader = s3.open(key, 1000, 9000);
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  EXPECT_EQ(read_all(**reader), bytes.substr(1000, 9000));
  const auto ranges = stats()["ranges"];
  std::vector<std::string> received;
  for (std::size_t i = before; i < ranges.size(); ++i) received.push_back(ranges[i]);
  EXPECT_EQ(received,
            (std::vector<std::string>{"bytes=1000-5095", "bytes=5096-9191", "bytes=9192-9999"}));
}

TEST_F(S3BlobStoreTest, LargeFileIsStreamedUpAndReadBackInRanges) {
  S3BlobStore s3 = store(options());
  const std::string key = fresh_key("final_audio.mp3");
  const auto path = std::filesystem::temp_directory_path() / ("polyvox-large-" + random_hex(4));
  const std::string bytes = pattern(24u << 20, 3);
  { std::ofstream(path, std::ios::binary) << bytes; }
  Status stored = s3.put_file(key, path);
  std::filesystem::remove(path);
  ASSERT_TRUE(stored) << stored.error().message;
  EXPECT_EQ(s3.stat(key)->size, bytes.size());
  auto tail = s3.open(key, bytes.size() - 3'000'000, 3'000'000);
  ASSERT_TRUE(tail.ok()) << tail.error().message;
  EXPECT_TRUE(read_all(**tail) == bytes.substr(bytes.size() - 3'000'000));
  ASSERT_TRUE(s3.remove(key));
}

TEST_F(S3BlobStoreTest, PresignedUrlWorksWithoutKeysAndTamperedIsRefused) {
  S3BlobStore s3 = store(options());
  const std::string key = fresh_key("0-1.mp3");
  ASSERT_TRUE(s3.put(key, "presigned bytes"));
  const auto url = s3.public_url(key);
  ASSERT_TRUE(url.has_value());
  EXPECT_EQ(url->rfind(s3.object_url(key) + "?X-Amz-Algorithm=AWS4-HMAC-SHA256&", 0), 0u) << *url;
  EXPECT_NE(url->find("X-Amz-Expires=3600"), std::string::npos);

  http::HttpClient plain;
  auto fetch = [&plain](const std::string& u) {
    http::HttpClientRequest request;
    request.url = u;
    return plain.send(request).value();
  };
  auto ok = fetch(*url);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "presigned bytes");
  EXPECT_EQ(ok.content_type(), "audio/mpeg");

  std::string tampered = *url;
  tampered.back() = tampered.back() == '0' ? '1' : '0';
  auto refused = fetch(tampered);
  EXPECT_EQ(refused.status, 403);
  EXPECT_NE(refused.body.find("SignatureDoesNotMatch"), std::string::npos);

  std::string other_key = *url;
  other_key.replace(other_key.find("0-1.mp3"), 7, "0-2.mp3");
  EXPECT_EQ(fetch(other_key).status, 403);
  EXPECT_EQ(fetch(s3.object_url(key)).status, 403) << "the bucket is private";
}

TEST_F(S3BlobStoreTest, PublicBaseUrlReplacesPresigning) {
  S3Options o = options();
  o.public_base_url = "https://cdn.example.com/audio/";
  S3BlobStore s3 = store(o);
  EXPECT_EQ(s3.public_url("jobs/j/final_audio.mp3"),
            "https://cdn.example.com/audio/jobs/j/final_audio.mp3");
}

TEST_F(S3BlobStoreTest, WrongSecretIsAnErrorThatNeverShowsTheSecret) {
  S3Options o = options();
  o.secret_key = "wrong-secret-Zk82hQ";
  S3BlobStore s3 = store(o);
  Status stored = s3.put(fresh_key("x.mp3"), "x");
  ASSERT_FALSE(stored);
  EXPECT_EQ(stored.error().kind, ErrorKind::kInternal);
  EXPECT_NE(stored.error().message.find("403 SignatureDoesNotMatch"), std::string::npos)
      << stored.error().message;
  auto got = s3.get(fresh_key("x.mp3"));
  ASSERT_FALSE(got.ok());
  for (const auto& message : {stored.error().message, got.error().message}) {
    EXPECT_EQ(message.find("wrong-secret-Zk82hQ"), std::string::npos) << message;
  }
  EXPECT_FALSE(s3.ping());
}

TEST_F(S3BlobStoreTest, ServerErrorsAreUnavailable) {
  S3BlobStore s3 = store(options());
  StorageServers::get().control(StorageServers::get().s3(), "POST", "/__faults__",
                                R"({"status": 503, "count": 1})");
  Status stored = s3.put(fresh_key("x.mp3"), "x");
  ASSERT_FALSE(stored);
  EXPECT_EQ(stored.error().kind, ErrorKind::kUnavailable);
  EXPECT_NE(stored.error().message.find("SlowDown"), std::string::npos);
}

TEST_F(S3BlobStoreTest, UnreachableServerIsUnavailable) {
  S3Options o = options();
  o.endpoint_url = "http://127.0.0.1:" + std::to_string(closed_port());
  S3BlobStore s3 = store(o);
  EXPECT_EQ(s3.get("k.mp3").error().kind, ErrorKind::kUnavailable);
  EXPECT_FALSE(s3.ping());
}

TEST_F(S3BlobStoreTest, PingChecksTheBucket) {
  EXPECT_TRUE(store(options()).ping());
  S3Options o = options();
  o.bucket = "no-such-bucket";
  S3BlobStore missing = store(o);
  EXPECT_FALSE(missing.ping());
  Status stored = missing.put("k.mp3", "x");
  ASSERT_FALSE(stored);
  EXPECT_EQ(stored.error().kind, ErrorKind::kInternal) << stored.error().message;
}

TEST(S3AddressingTest, PathStyleOnEndpointsVirtualHostedOnAws) {
  auto http = std::make_shared<http::HttpClient>();
  S3Options o;
  o.bucket = "bucket";
  o.access_key = "AK";
  o.secret_key = "SK";
  o.region = "eu-west-1";
  EXPECT_EQ(S3BlobStore(o, http).object_url("jobs/a.mp3"),
            "https://bucket.s3.eu-west-1.amazonaws.com/jobs/a.mp3");
  o.endpoint_url = "http://minio:9000/";
  EXPECT_EQ(S3BlobStore(o, http).object_url("jobs/a.mp3"), "http://minio:9000/bucket/jobs/a.mp3");
  o.endpoint_url = "https://storage.example:443/s3";
  EXPECT_EQ(S3BlobStore(o, http).object_url("a.mp3"), "https://storage.example/s3/bucket/a.mp3");
  o.endpoint_url = "ftp://x";
  EXPECT_THROW(S3BlobStore(o, http), std::invalid_argument);
  // A refused URL is named, unless it carries user info (a key may be written there).
  for (const std::string url : {"minio://KEY:SECRET@host", "KEY:SECRET@host", "http://K:S@h"}) {
    o.endpoint_url = url;
    try {
      S3BlobStore store(o, http);
      ADD_FAILURE() << url << " was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_EQ(std::string(e.what()).find("SECRET"), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).find("K:S"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("S3_ENDPOINT_URL"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace polyvox
