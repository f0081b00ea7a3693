// The one way a fuzz target reports a broken property: a message and abort(), which libFuzzer
// records as a crash and the replay driver as a failed test.
#pragma once

#include <cstdio>
#include <cstdlib>

namespace polyvox::fuzz {

inline void check(bool ok, const char* property) {
  if (ok) return;
  std::fprintf(stderr, "fuzz property violated: %s\n", property);
  std::abort();
}

}  // namespace polyvox::fuzz
