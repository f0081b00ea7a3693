#include "api/parse_gate.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <optional>

namespace polyvox {
namespace {

TEST(ParseGateTest, SmallBodiesNeverWait) {
  ParseGate gate(100, 1);
  auto large = gate.enter(101);
  // The one slot is taken; small bodies pass all the same.
  auto small = std::async(std::launch::async, [&] {
    auto a = gate.enter(100);
    auto b = gate.enter(0);
  });
  EXPECT_EQ(small.wait_for(std::chrono::seconds(10)), std::future_status::ready);
}

TEST(ParseGateTest, ALargeBodyWaitsForAFreeSlot) {
  ParseGate gate(100, 2);
  std::optional<ParseGate::Pass> first(gate.enter(1000));
  auto second = gate.enter(1000);
  std::promise<void> entered;
  auto third = std::async(std::launch::async, [&] {
    auto pass = gate.enter(1000);
    entered.set_value();
  });
  auto done = entered.get_future();
  EXPECT_EQ(done.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout)
      << "a third large body was let in while two held the slots";
  first.reset();  // a slot frees: the third goes in
  EXPECT_EQ(done.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  third.get();
}

}  // namespace
}  // namespace polyvox
