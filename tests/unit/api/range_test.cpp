// Range headers (RFC 9110 §14) as the audio routes interpret them: one byte range or the whole
// representation, 416 for a range past its end.
#include "api/range.h"

#include <gtest/gtest.h>

namespace polyvox {
namespace {

constexpr uint64_t kSize = 1000;

// The range a header asks for, which the test expects to be a partial one.
ByteRange partial(std::string_view header, uint64_t size = kSize) {
  const RangeDecision d = decide_range(header, size);
  EXPECT_EQ(d.kind, RangeKind::kPartial) << header;
  return d.range;
}

bool same(const ByteRange& a, const ByteRange& b) {
  return a.offset == b.offset && a.length == b.length;
}

TEST(RangeTest, ClosedRangeCoversBothEnds) {
  EXPECT_TRUE(same(partial("bytes=0-99"), {0, 100}));
  EXPECT_TRUE(same(partial("bytes=500-500"), {500, 1}));
}

TEST(RangeTest, OpenRangeRunsToTheEnd) { EXPECT_TRUE(same(partial("bytes=100-"), {100, 900})); }

TEST(RangeTest, EndPastTheRepresentationIsClampedToItsLastByte) {
  EXPECT_TRUE(same(partial("bytes=990-5000"), {990, 10}));
}

TEST(RangeTest, SuffixRangeIsTheLastBytes) { EXPECT_TRUE(same(partial("bytes=-100"), {900, 100})); }

TEST(RangeTest, SuffixLongerThanTheRepresentationIsAllOfIt) {
  EXPECT_TRUE(same(partial("bytes=-5000"), {0, kSize}));
}

TEST(RangeTest, SpacesAroundTheRangeAreAllowed) {
  EXPECT_TRUE(same(partial("  bytes= 10 - 19 \t"), {10, 10}));
}

TEST(RangeTest, StartAtOrPastTheEndIsUnsatisfiable) {
  EXPECT_EQ(decide_range("bytes=1000-", kSize).kind, RangeKind::kUnsatisfiable);
  EXPECT_EQ(decide_range("bytes=5000-6000", kSize).kind, RangeKind::kUnsatisfiable);
}

TEST(RangeTest, EmptySuffixIsUnsatisfiable) {
  EXPECT_EQ(decide_range("bytes=-0", kSize).kind, RangeKind::kUnsatisfiable);
}

TEST(RangeTest, AnyRangeOfAnEmptyRepresentationIsUnsatisfiable) {
  EXPECT_EQ(decide_range("bytes=0-", 0).kind, RangeKind::kUnsatisfiable);
  EXPECT_EQ(decide_range("bytes=-10", 0).kind, RangeKind::kUnsatisfiable);
}

TEST(RangeTest, NoHeaderMeansTheWholeRepresentation) {
  EXPECT_EQ(decide_range("", kSize).kind, RangeKind::kWhole);
}

// The RFC lets a server ignore a Range it cannot or will not satisfy: all of these are answered
// with the whole representation (200), never with an error.
TEST(RangeTest, MalformedHeadersAreIgnored) {
  for (const char* header :
       {"items=0-10", "bytes", "bytes=", "bytes=-", "bytes=abc-", "bytes=5-x", "bytes=10",
        "bytes=+1-2", "bytes=1-2-3", "bytes=0x10-", "bytes=-1-", "0-10"}) {
    EXPECT_EQ(decide_range(header, kSize).kind, RangeKind::kWhole) << header;
  }
}

TEST(RangeTest, EndBeforeStartIsIgnored) {
  EXPECT_EQ(decide_range("bytes=500-100", kSize).kind, RangeKind::kWhole);
}

TEST(RangeTest, MultipleRangesAreIgnored) {
  EXPECT_EQ(decide_range("bytes=0-10,20-30", kSize).kind, RangeKind::kWhole);
}

TEST(RangeTest, NumbersTooLargeForSixtyFourBitsAreIgnored) {
  // 2^64 and longer: no wrap-around into a small offset.
  EXPECT_EQ(decide_range("bytes=18446744073709551616-", kSize).kind, RangeKind::kWhole);
  EXPECT_EQ(decide_range("bytes=0-18446744073709551616", kSize).kind, RangeKind::kWhole);
  EXPECT_EQ(decide_range("bytes=-18446744073709551616", kSize).kind, RangeKind::kWhole);
  EXPECT_EQ(decide_range("bytes=99999999999999999999999999-", kSize).kind, RangeKind::kWhole);
}

TEST(RangeTest, HugeNumbersThatFitAreClampedOrUnsatisfiable) {
  EXPECT_EQ(decide_range("bytes=9999999999999999999-", kSize).kind, RangeKind::kUnsatisfiable);
  EXPECT_TRUE(same(partial("bytes=0-9999999999999999999"), {0, kSize}));
  EXPECT_TRUE(same(partial("bytes=-9999999999999999999"), {0, kSize}));
}

TEST(RangeTest, LastByteOfTheLargestRepresentation) {
  const uint64_t size = UINT64_MAX;
  EXPECT_TRUE(same(partial("bytes=-1", size), {size - 1, 1}));
}

}  // namespace
}  // namespace polyvox
