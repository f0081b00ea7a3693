// The paces a provider can speak at by itself (a vendor's `speed`, espeak-ng's words per minute,
// flite's duration stretch), and how a block's speed is split between the provider and the time
// stretch that makes up the rest (worker/block_renderer.cpp).
#pragma once

#include <algorithm>

namespace polyvox {

// A closed range of speed factors (2.0 = half the duration). {1, 1}: none but the normal pace.
struct SpeedRange {
  double min = 1.0;
  double max = 1.0;

  bool operator==(const SpeedRange&) const = default;
  // REQUIRES: min <= max.
  double clamp(double speed) const { return std::clamp(speed, min, max); }

  // The range relative to a configured pace `configured` (a vendor setting such as OpenAI's
  // `speed`), when this range is the vendor's own in absolute terms: the factors f for which
  // configured * f is within it. {1, 1} when `configured` itself is outside it (a setting the
  // vendor may not honour: the block's speed is then left to the time stretch).
  SpeedRange relative_to(double configured) const {
    if (!(configured >= min && configured <= max)) return {};
    return {min / configured, max / configured};
  }

  // What to send the vendor for a block factor `requested` (within relative_to(configured)):
  // `configured` unchanged at 1.0, so that a block at its normal pace asks exactly what the
  // configuration says; otherwise their product, kept within this range against rounding.
  double absolute(double configured, double requested) const {
    return requested == 1.0 ? configured : clamp(configured * requested);
  }
};

}  // namespace polyvox
