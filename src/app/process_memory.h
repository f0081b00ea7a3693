// How the long-running commands (serve, worker, synth) use glibc's allocator, so that memory a
// job needed goes back to the system once the job is over (issue 14: serve grew from 24 MB to
// 167 MB after a job of long blocks and kept it). Measured with `bench/run.py BUILD memory`.
#pragma once

namespace polyvox {

// Called once, first thing in main(), before any thread starts. Fixes the allocator's mmap
// threshold at kMmapThresholdBytes: glibc otherwise raises it to the size of the largest block
// freed (up to 32 MiB), after which every block's PCM buffers (megabytes each) come from the
// heaps and stay there when freed; at a fixed threshold they are mapped and unmapped whole.
// The number of heaps ("arenas") stays glibc's (up to 8 per core): with one per core the HTTP
// I/O threads waited on the worker and blocking-pool threads' arena locks (GET /health 22 %,
// /status 35 % slower), and since every large buffer is mapped on its own, more arenas cost
// about 1.5 MB (bench section memory).
void tune_allocator();

// Hands the free memory of every arena back to the system (malloc_trim). Costs a walk of the
// heaps: call it when work has just ended (the worker pool's on_idle), not per allocation.
// Thread-safe.
void release_free_memory();

}  // namespace polyvox
