#include "storage/http_range_reader.h"

#include <gtest/gtest.h>

#include <vector>

#include "blob_reading.h"

namespace polyvox {
namespace {

using test_support::read_all;

// A remote object served from memory, answering ranged GETs as S3 does.
struct FakeObject {
  std::string bytes;
  std::string etag = "\"v1\"";
  bool ignore_range = false;
  std::vector<std::string> ranges;  // the Range headers received
  std::vector<std::string> if_matches;

  HttpRangeReader::Fetch fetch() {
    return [this](const std::string& range, const std::string& if_match) {
      ranges.push_back(range);
      if_matches.push_back(if_match);
      http::HttpClientResponse response;
      response.headers = {{"etag", etag}};
      if (ignore_range) {
        response.status = 200;
        response.body = bytes;
        return Result<http::HttpClientResponse>(response);
      }
      const auto dash = range.find('-');
      const uint64_t first = std::stoull(range.substr(6, dash - 6));
      const uint64_t last =
          std::min<uint64_t>(std::stoull(range.substr(dash + 1)), bytes.size() - 1);
      if (first >= bytes.size()) {
        response.status = 416;
        return Result<http::HttpClientResponse>(response);
      }
      response.status = 206;
      response.headers.emplace_back("content-range", "bytes " + std::to_string(first) + "-" +
                                                         std::to_string(last) + "/" +
                                                         std::to_string(bytes.size()));
      response.body = bytes.substr(first, last - first + 1);
      return Result<http::HttpClientResponse>(response);
    };
  }
};

HttpRangeReader::Refusal not_found() {
  return [](const http::HttpClientResponse& r) {
    return Error{r.status == 404 ? ErrorKind::kNotFound : ErrorKind::kInternal, "refused", ""};
  };
}

std::string digits(std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += static_cast<char>('0' + i % 10);
  return s;
}

TEST(HttpRangeReaderTest, FetchesOnlyTheRangeInChunks) {
  FakeObject object{digits(1000)};
  auto reader = HttpRangeReader::open(object.fetch(), not_found(), 100, 250, 100);
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  EXPECT_EQ(object.ranges, std::vector<std::string>{"bytes=100-199"});  // the first, at open()
  EXPECT_EQ(read_all(**reader, 7), object.bytes.substr(100, 250));
  EXPECT_EQ(object.ranges,
            (std::vector<std::string>{"bytes=100-199", "bytes=200-299", "bytes=300-349"}));
  EXPECT_EQ(object.if_matches, (std::vector<std::string>{"", "\"v1\"", "\"v1\""}));
}

TEST(HttpRangeReaderTest, EmptyRangeFetchesNothing) {
  FakeObject object{digits(10)};
  auto reader = HttpRangeReader::open(object.fetch(), not_found(), 5, 0, 100);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(read_all(**reader, 7), "");
  EXPECT_TRUE(object.ranges.empty());
}

TEST(HttpRangeReaderTest, RefusalOfTheFirstChunkIsReportedByOpen) {
  auto fetch = [](const std::string&, const std::string&) {
    http::HttpClientResponse response;
    response.status = 404;
    return Result<http::HttpClientResponse>(response);
  };
  auto reader = HttpRangeReader::open(fetch, not_found(), 0, 10, 100);
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.error().kind, ErrorKind::kNotFound);
}

TEST(HttpRangeReaderTest, TransportErrorIsPassedOn) {
  auto fetch = [](const std::string&, const std::string&) -> Result<http::HttpClientResponse> {
    return Error{ErrorKind::kUnavailable, "could not connect", ""};
  };
  auto reader = HttpRangeReader::open(fetch, not_found(), 0, 10, 100);
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.error().kind, ErrorKind::kUnavailable);
}

TEST(HttpRangeReaderTest, ObjectReplacedWhileReadingIsAnIoError) {
  FakeObject object{digits(300)};
  auto reader = HttpRangeReader::open(object.fetch(), not_found(), 0, 300, 100);
  ASSERT_TRUE(reader.ok());
  object.etag = "\"v2\"";
  std::vector<char> buffer(1000);
  ASSERT_EQ(*(*reader)->read(buffer.data(), buffer.size()), 100u);
  auto next = (*reader)->read(buffer.data(), buffer.size());
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.error().kind, ErrorKind::kIo);
}

TEST(HttpRangeReaderTest, ObjectShorterThanTheRangeIsAnIoError) {
  FakeObject object{digits(150)};
  auto reader = HttpRangeReader::open(object.fetch(), not_found(), 0, 300, 100);
  ASSERT_TRUE(reader.ok());
  std::vector<char> buffer(1000);
  ASSERT_EQ(*(*reader)->read(buffer.data(), buffer.size()), 100u);
  auto next = (*reader)->read(buffer.data(), buffer.size());
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.error().kind, ErrorKind::kIo);
}

TEST(HttpRangeReaderTest, ServerIgnoringRangeStillYieldsTheRange) {
  FakeObject object{digits(500)};
  object.ignore_range = true;
  auto reader = HttpRangeReader::open(object.fetch(), not_found(), 120, 200, 64);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(read_all(**reader, 7), object.bytes.substr(120, 200));
}

}  // namespace
}  // namespace polyvox
