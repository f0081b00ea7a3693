// RFC 3339 date-times as clients write them (expires_at of an API key), and as the API writes
// them.
#include "core/rfc3339.h"

#include <gtest/gtest.h>

namespace polyvox {
namespace {

TEST(Rfc3339Test, ReadsUtcDateTimes) {
  EXPECT_EQ(parse_rfc3339_ms("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_rfc3339_ms("2023-11-14T22:13:20Z"), 1'700'000'000'000);
  EXPECT_EQ(parse_rfc3339_ms("2023-11-14t22:13:20z"), 1'700'000'000'000);
  EXPECT_EQ(parse_rfc3339_ms("2023-11-14 22:13:20Z"), 1'700'000'000'000);
  EXPECT_EQ(parse_rfc3339_ms("1969-12-31T23:59:59Z"), -1000);
  EXPECT_EQ(parse_rfc3339_ms("2038-01-19T03:14:08Z"), int64_t{2147483648} * 1000);
}

TEST(Rfc3339Test, FractionsAreCutToMilliseconds) {
  EXPECT_EQ(parse_rfc3339_ms("2023-11-14T22:13:20.5Z"), 1'700'000'000'500);
  EXPECT_EQ(parse_rfc3339_ms("2023-11-14T22:13:20.123Z"), 1'700'000'000'123);
  EXPECT_EQ(parse_rfc3339_ms("2023-11-14T22:13:20.123999999Z"), 1'700'000'000'123);
  EXPECT_FALSE(parse_rfc3339_ms("2023-11-14T22:13:20.Z"));
  EXPECT_FALSE(parse_rfc3339_ms("2023-11-14T22:13:20.1234567890Z"));
}

TEST(Rfc3339Test, OffsetsAreTakenOff) {
  EXPECT_EQ(parse_rfc3339_ms("2023-11-15T00:13:20+02:00"), 1'700'000'000'000);
  EXPECT_EQ(parse_rfc3339_ms("2023-11-14T16:43:20-05:30"), 1'700'000'000'000);
  EXPECT_EQ(parse_rfc3339_ms("2023-11-14T22:13:20-00:00"), 1'700'000'000'000);
}

TEST(Rfc3339Test, CalendarIsChecked) {
  EXPECT_TRUE(parse_rfc3339_ms("2024-02-29T00:00:00Z"));
  EXPECT_TRUE(parse_rfc3339_ms("2000-02-29T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339_ms("2023-02-29T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339_ms("1900-02-29T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339_ms("2023-04-31T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339_ms("2023-13-01T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339_ms("2023-00-01T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339_ms("2023-01-00T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339_ms("2023-01-01T24:00:00Z"));
  EXPECT_FALSE(parse_rfc3339_ms("2023-01-01T00:60:00Z"));
  EXPECT_FALSE(parse_rfc3339_ms("2023-01-01T00:00:61Z"));
  // A leap second counts as the next minute's first.
  EXPECT_EQ(parse_rfc3339_ms("2016-12-31T23:59:60Z"), parse_rfc3339_ms("2017-01-01T00:00:00Z"));
}

TEST(Rfc3339Test, AnythingElseIsRefused) {
  for (const char* text :
       {"", "2023", "2023-11-14", "2023-11-14T22:13:20", "2023-11-14T22:13Z",
        "2023-11-14T22:13:20ZZ", "2023-11-14T22:13:20+02", "2023-11-14T22:13:20+0200",
        "2023-11-14T22:13:20+24:00", "2023-11-14T22:13:20+02:60", "+2023-11-14T22:13:20Z",
        "2023-1-14T22:13:20Z", "2023-11-14X22:13:20Z", " 2023-11-14T22:13:20Z",
        "2023-11-14T22:13:20Z ", "1700000000", "2023-11-14T22:13:2OZ",
        "２０２３-11-14T22:13:20Z"}) {
    EXPECT_FALSE(parse_rfc3339_ms(text)) << text;
  }
}

TEST(Rfc3339Test, WrittenTimesReadBack) {
  EXPECT_EQ(iso8601(1'700'000'000'123), "2023-11-14T22:13:20.123Z");
  for (int64_t ms : {int64_t{0}, int64_t{1'700'000'000'123}, int64_t{4'102'444'799'999}}) {
    EXPECT_EQ(parse_rfc3339_ms(iso8601(ms)), ms) << ms;
  }
}

}  // namespace
}  // namespace polyvox
