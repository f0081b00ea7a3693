#include <gtest/gtest.h>

#include "storage/cloudinary_blob_store.h"
#include "storage/digest.h"

namespace polyvox {
namespace {

TEST(CloudinarySignatureTest, IsSha1OfSortedParamsWithTheSecretAppended) {
  // The example of docs/providers.md.
  EXPECT_EQ(cloudinary_signature({{"timestamp", "1700000000"}, {"public_id", "abc"}}, "S"),
            digest::sha1_hex("public_id=abc&timestamp=1700000000S"));
  EXPECT_EQ(digest::sha1_hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

TEST(CloudinarySignatureTest, LeavesOutFileCloudNameResourceTypeApiKeyAndSignature) {
  EXPECT_EQ(cloudinary_signature({{"public_id", "a.mp3"},
                                  {"timestamp", "1"},
                                  {"file", "bytes"},
                                  {"cloud_name", "c"},
                                  {"resource_type", "raw"},
                                  {"api_key", "k"},
                                  {"signature", "s"},
                                  {"invalidate", "true"}},
                                 "secret"),
            digest::sha1_hex("invalidate=true&public_id=a.mp3&timestamp=1secret"));
}

TEST(CloudinaryUrlTest, ReadsKeySecretAndCloudName) {
  CloudinaryOptions options;
  ASSERT_TRUE(parse_cloudinary_url("cloudinary://123456:abc-DEF_ghi@my-cloud", options));
  EXPECT_EQ(options.api_key, "123456");
  EXPECT_EQ(options.api_secret, "abc-DEF_ghi");
  EXPECT_EQ(options.cloud_name, "my-cloud");
}

TEST(CloudinaryUrlTest, RefusesMalformedUrlsWithoutEchoingTheSecret) {
  for (const char* url :
       {"https://k:topsecret@cloud", "cloudinary://k:topsecret", "cloudinary://k@c",
        "cloudinary://:topsecret@c", "cloudinary://k:@c", "cloudinary://k:topsecret@"}) {
    CloudinaryOptions options;
    Status parsed = parse_cloudinary_url(url, options);
    ASSERT_FALSE(parsed) << url;
    EXPECT_EQ(parsed.error().field, "CLOUDINARY_URL");
    EXPECT_EQ(parsed.error().to_string().find("topsecret"), std::string::npos);
  }
}

}  // namespace
}  // namespace polyvox
