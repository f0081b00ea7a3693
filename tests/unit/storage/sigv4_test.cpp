#include "storage/sigv4.h"

#include <gtest/gtest.h>

namespace polyvox::sigv4 {
namespace {

// The worked examples of AWS's Signature Version 4 documentation (docs/providers.md).
const Credentials kAws{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                       "us-east-1", "s3"};
constexpr std::time_t k20130524 = 1369353600;  // 2013-05-24T00:00:00Z
const std::string kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

TEST(SigV4Test, FormatsAmzDateInUtc) { EXPECT_EQ(amz_date(k20130524), "20130524T000000Z"); }

TEST(SigV4Test, PresignedGetMatchesTheAwsExample) {
  const std::string query =
      presign_get_query(kAws, "examplebucket.s3.amazonaws.com", "/test.txt", k20130524, 86400);
  EXPECT_EQ(query,
            "X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
            "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
            "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}

TEST(SigV4Test, HeaderSignedRangeGetMatchesTheAwsExample) {
  Request request;
  request.method = "GET";
  request.path = "/test.txt";
  request.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                     {"Range", "bytes=0-9"},
                     {"x-amz-content-sha256", kEmptySha256},
                     {"x-amz-date", "20130524T000000Z"}};
  request.payload_hash = kEmptySha256;
  EXPECT_EQ(canonical_request(request),
            "GET\n/test.txt\n\n"
            "host:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
            "x-amz-content-sha256:" +
                kEmptySha256 +
                "\nx-amz-date:20130524T000000Z\n\n"
                "host;range;x-amz-content-sha256;x-amz-date\n" +
                kEmptySha256);
  EXPECT_EQ(signed_headers(request), "host;range;x-amz-content-sha256;x-amz-date");
  EXPECT_EQ(signature(request, kAws, k20130524),
            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4Test, AnotherSecretGivesAnotherSignature) {
  Credentials other = kAws;
  other.secret_key += "x";
  EXPECT_NE(presign_get_query(other, "h", "/k", k20130524, 60),
            presign_get_query(kAws, "h", "/k", k20130524, 60));
}

TEST(SigV4Test, CanonicalQueryIsEncodedAndSorted) {
  Request request;
  request.path = "/";
  request.query = {{"b", "2 3"}, {"a", "x/y"}, {"A", ""}};
  request.headers = {{"host", "h"}};
  EXPECT_EQ(canonical_request(request),
            "GET\n/\nA=&a=x%2Fy&b=2%203\nhost:h\n\nhost\nUNSIGNED-PAYLOAD");
}

TEST(SigV4Test, HeaderValuesAreTrimmedAndSpacesCollapsed) {
  Request request;
  request.headers = {{"X-Amz-Meta-Note", "  a   b  "}, {"host", "h"}};
  EXPECT_NE(canonical_request(request).find("x-amz-meta-note:a b\n"), std::string::npos);
}

TEST(SigV4Test, UriEncodeKeepsUnreservedCharactersAndOptionallySlashes) {
  EXPECT_EQ(uri_encode("jobs/a-b_c.~/x y+z", true), "jobs/a-b_c.~/x%20y%2Bz");
  EXPECT_EQ(uri_encode("a/b", false), "a%2Fb");
  EXPECT_EQ(uri_encode("\xc3\xa9", false), "%C3%A9");
}

}  // namespace
}  // namespace polyvox::sigv4
