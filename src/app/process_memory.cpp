#include "app/process_memory.h"

#include <malloc.h>

namespace polyvox {
namespace {

// Blocks above this are mapped on their own and returned on free: a second of 44.1 kHz float
// PCM is 176 KB, so every block's buffers are.
constexpr int kMmapThresholdBytes = 128 * 1024;
}  // namespace

void tune_allocator() { mallopt(M_MMAP_THRESHOLD, kMmapThresholdBytes); }

void release_free_memory() { malloc_trim(0); }

}  // namespace polyvox
