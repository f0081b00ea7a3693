// Seeking in a byte buffer held in memory, for the FFmpeg module's in-memory I/O (the decoder's
// reader, the encoder's output).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>

namespace polyvox::audio {

// Where a seek of `offset` from `whence` (SEEK_SET, SEEK_CUR, SEEK_END) lands in a buffer of
// `size` bytes read or written up to `pos`, clamped to [0, size]; -1 for another `whence`. Pure.
inline int64_t memory_seek(int64_t pos, int64_t size, int64_t offset, int whence) {
  switch (whence) {
    case SEEK_SET:
      return std::clamp<int64_t>(offset, 0, size);
    case SEEK_CUR:
      return std::clamp<int64_t>(pos + offset, 0, size);
    case SEEK_END:
      return std::clamp<int64_t>(size + offset, 0, size);
    default:
      return -1;
  }
}

}  // namespace polyvox::audio
