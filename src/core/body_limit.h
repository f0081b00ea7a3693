// How large a request body a job within the job limits needs: the default of MAX_BODY_BYTES, so
// that the body limit and the job limits agree (a job that obeys every documented limit is never
// refused for its size).
#pragma once

#include <cstddef>

#include "core/job.h"

namespace polyvox {

// What a block's JSON may take besides its text: its other fields, their names, quotes and
// separators (generous on purpose).
inline constexpr std::size_t kBlockJsonOverheadBytes = 1024;
inline constexpr std::size_t kFallbackJsonOverheadBytes = 256;   // each "fallback" entry
inline constexpr std::size_t kJobJsonOverheadBytes = 64 * 1024;  // the job's own fields
inline constexpr std::size_t kMaxUtf8BytesPerChar = 4;

// What one block may take: max_text_chars × 4 + kBlockJsonOverheadBytes + max_fallbacks ×
// kFallbackJsonOverheadBytes. Pure.
inline std::size_t block_body_bytes(const JobLimits& limits) {
  return limits.max_text_chars * kMaxUtf8BytesPerChar + kBlockJsonOverheadBytes +
         limits.max_fallbacks * kFallbackJsonOverheadBytes;
}

// max_blocks × block_body_bytes + kJobJsonOverheadBytes, at most 1 TiB. Pure.
inline std::size_t job_body_limit(const JobLimits& limits) {
  constexpr std::size_t kMax = std::size_t{1} << 40;
  const std::size_t per_block = block_body_bytes(limits);
  if (per_block != 0 && limits.max_blocks > (kMax - kJobJsonOverheadBytes) / per_block) {
    return kMax;
  }
  return limits.max_blocks * per_block + kJobJsonOverheadBytes;
}

}  // namespace polyvox
