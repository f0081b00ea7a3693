#include "app/process_memory.h"

#include <malloc.h>

#include <algorithm>
#include <thread>

namespace polyvox {
namespace {

// Blocks above this are mapped on their own and returned on free: a second of 44.1 kHz float
// PCM is 176 KB, so every block's buffers are.
constexpr int kMmapThresholdBytes = 128 * 1024;
// One arena per core, at least two (glibc: eight per core): the threads that allocate at once
// are at most about one per core (the HTTP I/O threads are one per core; workers are bounded by
// the CPU slots), so fewer would make API requests contend for an arena's lock on large
// machines, and more only keeps more free memory.
int max_arenas() { return std::max(2, static_cast<int>(std::thread::hardware_concurrency())); }

}  // namespace

void tune_allocator() {
  mallopt(M_MMAP_THRESHOLD, kMmapThresholdBytes);
  mallopt(M_ARENA_MAX, max_arenas());
}

void release_free_memory() { malloc_trim(0); }

}  // namespace polyvox
