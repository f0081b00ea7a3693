#include "app/process_memory.h"

#include <malloc.h>

namespace polyvox {
namespace {

// Blocks above this are mapped on their own and returned on free: a second of 44.1 kHz float
// PCM is 176 KB, so every block's buffers are.
constexpr int kMmapThresholdBytes = 128 * 1024;
// Worker threads (WORKER_CONCURRENCY, 4 by default) share these; the audio work between their
// allocations dwarfs the contention.
constexpr int kMaxArenas = 2;

}  // namespace

void tune_allocator() {
  mallopt(M_MMAP_THRESHOLD, kMmapThresholdBytes);
  mallopt(M_ARENA_MAX, kMaxArenas);
}

void release_free_memory() { malloc_trim(0); }

}  // namespace polyvox
